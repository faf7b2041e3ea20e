/* json_entry.c - JSON forms of table entries: ip -j's keys, in its order,
 * with its types (a key is there exactly when ip -j prints it). */
#include <stdio.h>
#include <sys/socket.h>

#include "json_entry.h"
#include "rtnames.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

/* Next-hop flags as ip -j prints them, in its order; pending too, for the
 * route's own array. */
static struct json_object *flags_array(uint8_t f, bool pending)
{
	static const struct { uint8_t bit; const char *word; } w[] = {
		{ RT_NHF_DEAD, "dead" }, { RT_NHF_ONLINK, "onlink" }, { RT_NHF_OFFLOAD, "offload" },
		{ RT_NHF_TRAP, "trap" }, { RT_NHF_LINKDOWN, "linkdown" },
	};
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (f & w[i].bit)
			json_object_array_add(a, json_object_new_string(w[i].word));
	if (pending)
		json_object_array_add(a, json_object_new_string("pending"));
	return a;
}

/* "gateway": ADDR, or, for an IPv4 route's IPv6 gateway (RTA_VIA),
 * "via": {"family": "inet6", "host": ADDR}; then "dev". */
static void add_via(struct json_object *o, const struct rt_route *r, const struct rt_nexthop *nh)
{
	char g[RT_ADDRSTRLEN];

	if (nh->gw.family == r->dst.addr.family) {
		add_str(o, "gateway", rt_addr_str(&nh->gw, g));
	} else if (nh->gw.family) {
		struct json_object *v = json_object_new_object();
		add_str(v, "family", "inet6");
		add_str(v, "host", rt_addr_str(&nh->gw, g));
		json_object_object_add(o, "via", v);
	}
	if (nh->dev[0])
		add_str(o, "dev", nh->dev);
}

struct json_object *rt_route_to_json(const struct rt_route *r)
{
	struct json_object *o = json_object_new_object();
	char p[RT_PREFIXSTRLEN], a[RT_ADDRSTRLEN], n[RT_NAMELEN];
	unsigned nh = r->nh_count <= RT_NH_MAX ? r->nh_count : RT_NH_MAX;

	if (!o)
		return NULL;
	if (r->type != RTN_UNICAST)
		add_str(o, "type", rt_type_name(r->type, n));
	add_str(o, "dst", rt_prefix_str(&r->dst, p));
	if (r->tos)
		add_str(o, "tos", rt_tos_name(r->tos, n));
	if (nh == 1)
		add_via(o, r, &r->nh[0]);
	else if (!nh && r->dst.addr.family == AF_INET6 &&
	         (r->type == RTN_BLACKHOLE || r->type == RTN_UNREACHABLE || r->type == RTN_PROHIBIT))
		add_str(o, "dev", "lo");
	if (rt_origin_owned(r->origin) || r->protocol != RTPROT_BOOT)
		add_str(o, "protocol", rt_owner_name(r->origin, r->protocol, n));
	if (r->scope != RT_SCOPE_UNIVERSE)
		add_str(o, "scope", rt_scope_name(r->scope, n));
	if (r->src.family)
		add_str(o, "prefsrc", rt_addr_str(&r->src, a));
	if (r->metric)
		add_int(o, "metric", r->metric);
	json_object_object_add(o, "flags", flags_array(nh == 1 ? r->nh[0].flags : 0,
	                                                r->flags & RT_RF_PENDING));
	if (r->flags & RT_RF_PENDING)
		add_str(o, "pending_reason", r->reason);
	if (r->dst.addr.family == AF_INET6)
		add_str(o, "pref", r->pref == RT_PREF_HIGH ? "high" : r->pref == RT_PREF_LOW ? "low" :
		        "medium");
	if (nh > 1) {
		struct json_object *hops = json_object_new_array();
		for (unsigned i = 0; i < nh; i++) {
			struct json_object *h = json_object_new_object();
			add_via(h, r, &r->nh[i]);
			add_int(h, "weight", r->nh[i].weight ? r->nh[i].weight : 1);
			json_object_object_add(h, "flags", flags_array(r->nh[i].flags, false));
			json_object_array_add(hops, h);
		}
		json_object_object_add(o, "nexthops", hops);
	}
	return o;
}

static void add_state(const char *name, void *ctx)
{
	json_object_array_add(ctx, json_object_new_string(name));
}

struct json_object *rt_neigh_to_json(const struct rt_neigh *n)
{
	struct json_object *o = json_object_new_object(), *st;
	char a[RT_ADDRSTRLEN], m[RT_MACSTRLEN], p[RT_NAMELEN];

	if (!o)
		return NULL;
	add_str(o, "dst", rt_addr_str(&n->ip, a));
	add_str(o, "dev", n->dev);
	add_str(o, "lladdr", rt_mac_str(n->lladdr, m));
	/* ip -j prints these flags as keys with a null value */
	if (n->flags & NTF_ROUTER)
		json_object_object_add(o, "router", NULL);
	if (n->flags & NTF_PROXY)
		json_object_object_add(o, "proxy", NULL);
	st = json_object_new_array();
	rt_nud_each(n->state, add_state, st);
	json_object_object_add(o, "state", st);
	if (rt_origin_owned(n->origin) || n->protocol)
		add_str(o, "protocol", rt_owner_name(n->origin, n->protocol, p));
	return o;
}
