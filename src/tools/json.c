/* json.c - JSON forms of table entries. */
#include <stdio.h>

#include "json.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

struct json_object *rt_route_to_json(const struct rt_route *r)
{
	struct json_object *o = json_object_new_object();
	char p[RT_PREFIXSTRLEN], g[RT_ADDRSTRLEN];

	if (!o)
		return NULL;
	add_str(o, "dst", rt_prefix_str(&r->dst, p));
	if (r->nh_count && r->nh[0].gw.family)
		add_str(o, "gateway", rt_addr_str(&r->nh[0].gw, g));
	if (r->nh_count && r->nh[0].dev[0])
		add_str(o, "dev", r->nh[0].dev);
	json_object_object_add(o, "metric", json_object_new_int64(r->metric));
	add_str(o, "proto", r->origin == RT_ORIGIN_CONFIG ? "config" : "rtctl");
	return o;
}

struct json_object *rt_neigh_to_json(const struct rt_neigh *n)
{
	struct json_object *o = json_object_new_object();
	char a[RT_ADDRSTRLEN], m[RT_MACSTRLEN];

	if (!o)
		return NULL;
	add_str(o, "dst", rt_addr_str(&n->ip, a));
	add_str(o, "dev", n->dev);
	add_str(o, "lladdr", rt_mac_str(n->lladdr, m));
	add_str(o, "proto", n->origin == RT_ORIGIN_CONFIG ? "config" : "rtctl");
	return o;
}

void json_array_begin(struct json_array_out *a, FILE *f)
{
	a->f = f;
	a->n = 0;
	fputc('[', f);
}

void json_array_add(struct json_array_out *a, struct json_object *o)
{
	fputs(a->n++ ? ",\n" : "\n", a->f);
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), a->f);
	json_object_put(o);
}

void json_array_end(struct json_array_out *a)
{
	fputs(a->n ? "\n]\n" : "]\n", a->f);
}

void json_print_line(FILE *f, struct json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	json_object_put(o);
}
