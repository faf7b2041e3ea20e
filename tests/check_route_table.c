/* check_route_table.c - unit tests of the routing table: edge prefixes,
 * metrics, trie surgery on delete, walk order and filters, memory reuse,
 * and a randomized comparison against a linear-scan reference. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "proto.h"
#include "route_table.h"

/* ---- helpers -------------------------------------------------------------- */

/* Field by field: struct padding is not part of a route. */
static bool route_eq(const struct rt_route *a, const struct rt_route *b)
{
	return rt_route_equal(a, b) && a->flags == b->flags && strcmp(a->reason, b->reason) == 0;
}

static struct rt_route mk(const char *dst, const char *gw, const char *dev, uint32_t metric)
{
	struct rt_route r;
	char err[RT_ERRLEN];

	rt_route_init(&r);
	ck_assert_msg(rt_prefix_parse(dst, &r.dst, err) == 0, "%s: %s", dst, err);
	if (gw)
		ck_assert_msg(rt_addr_parse(gw, &r.nh[0].gw, err) == 0, "%s: %s", gw, err);
	if (dev)
		strncpy(r.nh[0].dev, dev, sizeof(r.nh[0].dev) - 1);
	r.nh_count = 1;
	r.nh[0].weight = 1;
	r.metric = metric;
	return r;
}

static struct rt_prefix pfx(const char *s)
{
	struct rt_prefix p;
	char err[RT_ERRLEN];

	ck_assert_msg(rt_prefix_parse(s, &p, err) == 0, "%s: %s", s, err);
	return p;
}

static struct rt_addr addr(const char *s)
{
	struct rt_addr a;
	char err[RT_ERRLEN];

	ck_assert_msg(rt_addr_parse(s, &a, err) == 0, "%s: %s", s, err);
	return a;
}

static void add_ok(struct route_table *t, const char *dst, uint32_t metric, uint32_t tag)
{
	struct rt_route r = mk(dst, NULL, "eth0", metric);
	ck_assert_int_eq(route_table_add(t, &r, tag), RT_OK);
}

/* "prefix metric" of the route a look-up returns, or "none". */
static const char *lookup_str(const struct route_table *t, const char *a, char *buf, size_t cap)
{
	struct rt_addr x = addr(a);
	struct rt_route r;
	char p[RT_PREFIXSTRLEN];

	int rc = route_table_lookup(t, &x, &r);
	if (rc == RT_E_NOTFOUND) {
		snprintf(buf, cap, "none");
		return buf;
	}
	ck_assert_int_eq(rc, RT_OK);
	snprintf(buf, cap, "%s %u", rt_prefix_str(&r.dst, p), r.metric);
	return buf;
}

#define ck_lookup(t, a, want) do { \
	char b_[80]; \
	ck_assert_str_eq(lookup_str((t), (a), b_, sizeof(b_)), (want)); \
} while (0)

/* A walk collected as "prefix/metric/tag" joined by spaces. */
struct collect {
	char text[4096];
	int n;
	int stop_after;
};

static int collect_fn(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct collect *c = ctx;
	char p[RT_PREFIXSTRLEN];
	size_t off = strlen(c->text);

	snprintf(c->text + off, sizeof(c->text) - off, "%s%s/%u/%u", off ? " " : "",
	         rt_prefix_str(&r->dst, p), r->metric, tag);
	c->n++;
	return c->stop_after && c->n == c->stop_after ? 42 : 0;
}

static const char *walk_str(const struct route_table *t, enum route_filter mode, const char *p,
                            struct collect *c)
{
	struct rt_prefix x;

	memset(c, 0, sizeof(*c));
	if (p)
		x = pfx(p);
	ck_assert_int_eq(route_table_walk(t, mode, p ? &x : NULL, collect_fn, c), 0);
	return c->text;
}

/* ---- basic operations ---------------------------------------------------------- */

START_TEST(test_add_find_delete)
{
	struct route_table *t = route_table_new();
	struct rt_route r = mk("10.1.0.0/16", "192.0.2.1", "eth0", 100), out;
	struct rt_prefix p = r.dst;
	uint32_t tag = 0;

	ck_assert_ptr_nonnull(t);
	r.origin = RT_ORIGIN_CONFIG;
	ck_assert_int_eq(route_table_add(t, &r, 7), RT_OK);
	ck_assert_int_eq(route_table_add(t, &r, 8), RT_E_EXISTS);
	ck_assert_uint_eq(route_table_count(t, 0), 1);
	ck_assert_uint_eq(route_table_count(t, AF_INET), 1);
	ck_assert_uint_eq(route_table_count(t, AF_INET6), 0);

	ck_assert_int_eq(route_table_find(t, &p, 100, 0, &out, &tag), RT_OK);
	ck_assert_uint_eq(tag, 7);
	ck_assert(route_eq(&out, &r));
	ck_assert_int_eq(route_table_find(t, &p, 101, 0, &out, &tag), RT_E_NOTFOUND);
	p.len = 17;
	ck_assert_int_eq(route_table_find(t, &p, 100, 0, NULL, NULL), RT_E_NOTFOUND);
	p.len = 16;

	memset(&out, 0xaa, sizeof(out));
	ck_assert_int_eq(route_table_delete(t, &p, 100, 0, &out, &tag), RT_OK);
	ck_assert(route_eq(&out, &r));
	ck_assert_uint_eq(tag, 7);
	ck_assert_int_eq(route_table_delete(t, &p, 100, 0, NULL, NULL), RT_E_NOTFOUND);
	ck_assert_uint_eq(route_table_count(t, 0), 0);
	route_table_free(t);
	route_table_free(NULL);
}
END_TEST

START_TEST(test_invalid)
{
	struct route_table *t = route_table_new();
	struct rt_route r = mk("10.0.0.0/8", NULL, "eth0", 0);
	struct rt_prefix p = r.dst;
	struct rt_addr a = addr("10.1.2.3");
	struct collect c;

	r.dst.addr.family = 0;
	ck_assert_int_eq(route_table_add(t, &r, 0), RT_E_INVALID);
	r.dst.addr.family = 99;
	ck_assert_int_eq(route_table_add(t, &r, 0), RT_E_INVALID);
	r = mk("10.0.0.0/8", NULL, "eth0", 0);
	r.dst.len = 33;
	ck_assert_int_eq(route_table_add(t, &r, 0), RT_E_INVALID);
	r = mk("2001:db8::/32", NULL, "eth0", 0);
	r.dst.len = 129;
	ck_assert_int_eq(route_table_add(t, &r, 0), RT_E_INVALID);
	r = mk("10.0.0.0/8", NULL, "eth0", 0);
	r.dst.addr.bytes[1] = 1;          /* host bit */
	ck_assert_int_eq(route_table_add(t, &r, 0), RT_E_INVALID);
	ck_assert_int_eq(route_table_replace(t, &r, 0, NULL, NULL, NULL), RT_E_INVALID);
	r = mk("0.0.0.0/0", NULL, "eth0", 0);
	r.dst.addr.bytes[0] = 128;        /* host bit of a default route */
	ck_assert_int_eq(route_table_add(t, &r, 0), RT_E_INVALID);
	r = mk("10.0.0.0/8", NULL, "eth0", 0);
	r.nh_count = RT_NH_MAX + 1;       /* the table's own bound */
	ck_assert_int_eq(route_table_add(t, &r, 0), RT_E_INVALID);
	ck_assert_int_eq(route_table_add(t, NULL, 0), RT_E_INVALID);
	ck_assert_uint_eq(route_table_count(t, 0), 0);

	p.len = 40;
	ck_assert_int_eq(route_table_find(t, &p, 0, 0, NULL, NULL), RT_E_INVALID);
	ck_assert_int_eq(route_table_delete(t, &p, 0, 0, NULL, NULL), RT_E_INVALID);
	ck_assert_int_eq(route_table_walk(t, RT_FILTER_ROOT, &p, collect_fn, &c), RT_E_INVALID);
	ck_assert_int_eq(route_table_walk(t, RT_FILTER_EXACT, NULL, collect_fn, &c), RT_E_INVALID);
	a.family = 3;
	ck_assert_int_eq(route_table_lookup(t, &a, NULL), RT_E_INVALID);
	ck_assert_int_eq(route_table_lookup(t, NULL, NULL), RT_E_INVALID);
	route_table_free(t);
}
END_TEST

START_TEST(test_edges)
{
	struct route_table *t = route_table_new();

	ck_lookup(t, "1.2.3.4", "none");
	ck_lookup(t, "::1", "none");
	add_ok(t, "default", 0, 1);
	add_ok(t, "default6", 0, 2);
	ck_lookup(t, "1.2.3.4", "default 0");
	ck_lookup(t, "255.255.255.255", "default 0");
	ck_lookup(t, "::1", "default 0");
	add_ok(t, "255.255.255.255/32", 0, 3);
	add_ok(t, "0.0.0.0/32", 0, 4);
	add_ok(t, "128.0.0.0/1", 0, 5);
	add_ok(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 0, 6);
	add_ok(t, "::/128", 0, 7);
	add_ok(t, "2001:db8::1/128", 0, 8);
	ck_lookup(t, "255.255.255.255", "255.255.255.255 0");
	ck_lookup(t, "255.255.255.254", "128.0.0.0/1 0");
	ck_lookup(t, "0.0.0.0", "0.0.0.0 0");
	ck_lookup(t, "0.0.0.1", "default 0");
	ck_lookup(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 0");
	ck_lookup(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "default 0");
	ck_lookup(t, "::", ":: 0");
	ck_lookup(t, "2001:db8::1", "2001:db8::1 0");
	ck_lookup(t, "2001:db8::2", "default 0");
	ck_assert_uint_eq(route_table_count(t, AF_INET), 4);
	ck_assert_uint_eq(route_table_count(t, AF_INET6), 4);

	/* removing the defaults keeps the host routes */
	struct rt_prefix d4 = pfx("default"), d6 = pfx("default6");
	ck_assert_int_eq(route_table_delete(t, &d4, 0, 0, NULL, NULL), RT_OK);
	ck_assert_int_eq(route_table_delete(t, &d6, 0, 0, NULL, NULL), RT_OK);
	ck_lookup(t, "0.0.0.1", "none");
	ck_lookup(t, "0.0.0.0", "0.0.0.0 0");
	ck_lookup(t, "2001:db8::2", "none");
	ck_lookup(t, "2001:db8::1", "2001:db8::1 0");
	route_table_free(t);
}
END_TEST

START_TEST(test_metrics)
{
	struct route_table *t = route_table_new();
	struct collect c;
	struct rt_prefix p = pfx("10.0.0.0/8");

	add_ok(t, "10.0.0.0/8", 300, 3);
	add_ok(t, "10.0.0.0/8", 100, 1);
	add_ok(t, "10.0.0.0/8", UINT32_MAX, 4);
	add_ok(t, "10.0.0.0/8", 200, 2);
	add_ok(t, "10.0.0.0/16", 500, 5);
	add_ok(t, "10.0.0.0/7", 0, 6);
	ck_assert_str_eq(walk_str(t, RT_FILTER_ALL, NULL, &c),
	                 "10.0.0.0/7/0/6 10.0.0.0/8/100/1 10.0.0.0/8/200/2 10.0.0.0/8/300/3 "
	                 "10.0.0.0/8/4294967295/4 10.0.0.0/16/500/5");
	ck_lookup(t, "10.1.1.1", "10.0.0.0/8 100");
	ck_lookup(t, "10.0.1.1", "10.0.0.0/16 500");   /* longer wins over lower metric */
	ck_lookup(t, "11.0.0.1", "10.0.0.0/7 0");
	ck_assert_int_eq(route_table_delete(t, &p, 100, 0, NULL, NULL), RT_OK);
	ck_lookup(t, "10.1.1.1", "10.0.0.0/8 200");
	ck_assert_int_eq(route_table_delete(t, &p, 300, 0, NULL, NULL), RT_OK);
	ck_assert_int_eq(route_table_delete(t, &p, 300, 0, NULL, NULL), RT_E_NOTFOUND);
	ck_lookup(t, "10.1.1.1", "10.0.0.0/8 200");
	ck_assert_int_eq(route_table_delete(t, &p, 200, 0, NULL, NULL), RT_OK);
	ck_lookup(t, "10.1.1.1", "10.0.0.0/8 4294967295");
	ck_assert_int_eq(route_table_delete(t, &p, UINT32_MAX, 0, NULL, NULL), RT_OK);
	ck_lookup(t, "10.1.1.1", "10.0.0.0/7 0");
	ck_lookup(t, "10.0.1.1", "10.0.0.0/16 500");
	ck_assert_uint_eq(route_table_count(t, 0), 2);
	route_table_free(t);
}
END_TEST

START_TEST(test_replace)
{
	struct route_table *t = route_table_new();
	struct rt_route r = mk("192.0.2.0/24", "198.51.100.1", "eth0", 10), old, out;
	bool existed = true;
	uint32_t old_tag = 0, tag = 0;

	ck_assert_int_eq(route_table_replace(t, &r, 1, &existed, &old, &old_tag), RT_OK);
	ck_assert(!existed);
	struct rt_route r2 = mk("192.0.2.0/24", NULL, "wlan0", 10);
	r2.origin = RT_ORIGIN_CONFIG;
	ck_assert_int_eq(route_table_replace(t, &r2, 2, &existed, &old, &old_tag), RT_OK);
	ck_assert(existed);
	ck_assert_uint_eq(old_tag, 1);
	ck_assert(route_eq(&old, &r));
	ck_assert_int_eq(route_table_find(t, &r.dst, 10, 0, &out, &tag), RT_OK);
	ck_assert(route_eq(&out, &r2));
	ck_assert_uint_eq(tag, 2);
	/* a different metric is a different route */
	r2.metric = 11;
	ck_assert_int_eq(route_table_replace(t, &r2, 3, &existed, NULL, NULL), RT_OK);
	ck_assert(!existed);
	ck_assert_uint_eq(route_table_count(t, 0), 2);
	/* replacing with the same next hop keeps one interned copy alive */
	ck_assert_int_eq(route_table_replace(t, &r2, 4, &existed, NULL, NULL), RT_OK);
	ck_assert(existed);
	ck_assert_int_eq(route_table_find(t, &r2.dst, 11, 0, &out, &tag), RT_OK);
	ck_assert(route_eq(&out, &r2));
	ck_assert_uint_eq(tag, 4);
	route_table_free(t);
}
END_TEST

/* Deleting prefixes that sit between others must splice the trie without
 * losing the prefixes above and below. */
START_TEST(test_delete_middle)
{
	struct route_table *t = route_table_new();
	struct collect c;
	const char *all[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24",
	                      "10.1.1.128/25", "10.2.0.0/16", "10.1.1.0/32" };
	struct rt_prefix p;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		add_ok(t, all[i], 0, (uint32_t)i);
	ck_lookup(t, "10.1.1.200", "10.1.1.128/25 0");
	ck_lookup(t, "10.1.1.0", "10.1.1.0 0");

	p = pfx("10.1.0.0/16");      /* two children: becomes a branch point */
	ck_assert_int_eq(route_table_delete(t, &p, 0, 0, NULL, NULL), RT_OK);
	ck_lookup(t, "10.1.3.1", "10.0.0.0/8 0");
	ck_lookup(t, "10.1.2.1", "10.1.2.0/24 0");
	ck_lookup(t, "10.1.1.1", "10.1.1.0/24 0");
	p = pfx("10.1.1.0/24");      /* two children */
	ck_assert_int_eq(route_table_delete(t, &p, 0, 0, NULL, NULL), RT_OK);
	ck_lookup(t, "10.1.1.1", "10.0.0.0/8 0");
	ck_lookup(t, "10.1.1.129", "10.1.1.128/25 0");
	ck_lookup(t, "10.1.1.0", "10.1.1.0 0");
	p = pfx("10.1.1.128/25");    /* leaf whose parent branch point goes too */
	ck_assert_int_eq(route_table_delete(t, &p, 0, 0, NULL, NULL), RT_OK);
	ck_lookup(t, "10.1.1.129", "10.0.0.0/8 0");
	ck_lookup(t, "10.1.1.0", "10.1.1.0 0");
	p = pfx("10.0.0.0/8");       /* the top, one level of children left */
	ck_assert_int_eq(route_table_delete(t, &p, 0, 0, NULL, NULL), RT_OK);
	ck_lookup(t, "10.1.1.129", "none");
	ck_lookup(t, "10.2.3.4", "10.2.0.0/16 0");
	ck_lookup(t, "10.1.2.255", "10.1.2.0/24 0");
	ck_assert_str_eq(walk_str(t, RT_FILTER_ALL, NULL, &c),
	                 "10.1.1.0/0/6 10.1.2.0/24/0/3 10.2.0.0/16/0/5");
	/* and back */
	add_ok(t, "10.1.0.0/16", 0, 1);
	add_ok(t, "10.0.0.0/8", 0, 0);
	ck_lookup(t, "10.1.1.129", "10.1.0.0/16 0");
	ck_lookup(t, "10.3.0.0", "10.0.0.0/8 0");
	ck_assert_str_eq(walk_str(t, RT_FILTER_ALL, NULL, &c),
	                 "10.0.0.0/8/0/0 10.1.0.0/16/0/1 10.1.1.0/0/6 10.1.2.0/24/0/3 "
	                 "10.2.0.0/16/0/5");
	route_table_free(t);
}
END_TEST

START_TEST(test_walk_filters)
{
	struct route_table *t = route_table_new();
	struct collect c;
	struct rt_prefix p;

	add_ok(t, "2001:db8::/32", 0, 20);
	add_ok(t, "2001:db8:1::/48", 0, 21);
	add_ok(t, "default6", 5, 22);
	add_ok(t, "192.168.1.0/24", 1, 10);
	add_ok(t, "192.168.0.0/16", 0, 11);
	add_ok(t, "10.0.0.0/8", 0, 12);
	add_ok(t, "192.168.1.0/24", 0, 13);
	add_ok(t, "192.168.1.128/25", 0, 14);
	add_ok(t, "default", 0, 15);
	add_ok(t, "192.168.0.0/24", 0, 16);

	ck_assert_str_eq(walk_str(t, RT_FILTER_ALL, NULL, &c),
	                 "default/0/15 10.0.0.0/8/0/12 192.168.0.0/16/0/11 192.168.0.0/24/0/16 "
	                 "192.168.1.0/24/0/13 192.168.1.0/24/1/10 192.168.1.128/25/0/14 "
	                 "default/5/22 2001:db8::/32/0/20 2001:db8:1::/48/0/21");
	ck_assert_int_eq(c.n, 10);
	ck_assert_str_eq(walk_str(t, RT_FILTER_EXACT, "192.168.1.0/24", &c),
	                 "192.168.1.0/24/0/13 192.168.1.0/24/1/10");
	ck_assert_str_eq(walk_str(t, RT_FILTER_EXACT, "192.168.2.0/24", &c), "");
	ck_assert_str_eq(walk_str(t, RT_FILTER_ROOT, "192.168.0.0/16", &c),
	                 "192.168.0.0/16/0/11 192.168.0.0/24/0/16 192.168.1.0/24/0/13 "
	                 "192.168.1.0/24/1/10 192.168.1.128/25/0/14");
	ck_assert_str_eq(walk_str(t, RT_FILTER_ROOT, "192.168.1.0/24", &c),
	                 "192.168.1.0/24/0/13 192.168.1.0/24/1/10 192.168.1.128/25/0/14");
	ck_assert_str_eq(walk_str(t, RT_FILTER_ROOT, "192.168.0.0/15", &c),
	                 "192.168.0.0/16/0/11 192.168.0.0/24/0/16 192.168.1.0/24/0/13 "
	                 "192.168.1.0/24/1/10 192.168.1.128/25/0/14");
	ck_assert_str_eq(walk_str(t, RT_FILTER_ROOT, "192.169.0.0/16", &c), "");
	ck_assert_str_eq(walk_str(t, RT_FILTER_ROOT, "default", &c),
	                 "default/0/15 10.0.0.0/8/0/12 192.168.0.0/16/0/11 192.168.0.0/24/0/16 "
	                 "192.168.1.0/24/0/13 192.168.1.0/24/1/10 192.168.1.128/25/0/14");
	ck_assert_str_eq(walk_str(t, RT_FILTER_ROOT, "2001:db8::/31", &c),
	                 "2001:db8::/32/0/20 2001:db8:1::/48/0/21");
	ck_assert_str_eq(walk_str(t, RT_FILTER_MATCH, "192.168.1.128/25", &c),
	                 "default/0/15 192.168.0.0/16/0/11 192.168.1.0/24/0/13 "
	                 "192.168.1.0/24/1/10 192.168.1.128/25/0/14");
	ck_assert_str_eq(walk_str(t, RT_FILTER_MATCH, "192.168.1.7/32", &c),
	                 "default/0/15 192.168.0.0/16/0/11 192.168.1.0/24/0/13 "
	                 "192.168.1.0/24/1/10");
	ck_assert_str_eq(walk_str(t, RT_FILTER_MATCH, "192.168.0.0/17", &c),
	                 "default/0/15 192.168.0.0/16/0/11");
	ck_assert_str_eq(walk_str(t, RT_FILTER_MATCH, "2001:db8:1:2::/64", &c),
	                 "default/5/22 2001:db8::/32/0/20 2001:db8:1::/48/0/21");
	ck_assert_str_eq(walk_str(t, RT_FILTER_MATCH, "default", &c), "default/0/15");

	/* a visitor's non-zero return stops the walk and is passed back */
	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	ck_assert_int_eq(route_table_walk(t, RT_FILTER_ALL, NULL, collect_fn, &c), 42);
	ck_assert_int_eq(c.n, 3);
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	p = pfx("192.168.1.0/24");
	ck_assert_int_eq(route_table_walk(t, RT_FILTER_EXACT, &p, collect_fn, &c), 42);
	ck_assert_int_eq(c.n, 1);
	route_table_free(t);
}
END_TEST

/* Freed nodes and records are reused: repeated fill/empty and churn
 * cycles do not grow the table. */
START_TEST(test_memory_reuse)
{
	struct route_table *t = route_table_new();
	size_t empty = route_table_memory(t), full = 0;
	char buf[64];

	for (int cycle = 0; cycle < 5; cycle++) {
		for (uint32_t i = 0; i < 3000; i++) {
			snprintf(buf, sizeof(buf), "10.%u.%u.0/24", i / 256, i % 256);
			add_ok(t, buf, i % 3, i);
		}
		if (cycle == 0)
			full = route_table_memory(t);
		ck_assert_uint_eq(route_table_memory(t), full);
		ck_assert_uint_gt(full, empty);
		/* churn: delete and re-add half */
		for (uint32_t i = 0; i < 3000; i += 2) {
			struct rt_prefix p;
			snprintf(buf, sizeof(buf), "10.%u.%u.0/24", i / 256, i % 256);
			p = pfx(buf);
			ck_assert_int_eq(route_table_delete(t, &p, i % 3, 0, NULL, NULL), RT_OK);
		}
		for (uint32_t i = 0; i < 3000; i += 2) {
			snprintf(buf, sizeof(buf), "10.%u.%u.0/24", i / 256, i % 256);
			add_ok(t, buf, i % 3, i);
		}
		ck_assert_uint_eq(route_table_memory(t), full);
		for (uint32_t i = 0; i < 3000; i++) {
			struct rt_prefix p;
			snprintf(buf, sizeof(buf), "10.%u.%u.0/24", i / 256, i % 256);
			p = pfx(buf);
			ck_assert_int_eq(route_table_delete(t, &p, i % 3, 0, NULL, NULL), RT_OK);
		}
		ck_assert_uint_eq(route_table_count(t, 0), 0);
		ck_assert_uint_eq(route_table_memory(t), empty);
	}
	route_table_free(t);
}
END_TEST

/* ---- the grown model: multipath, disc, pending ----------------------------- */

START_TEST(test_multipath_attrs)
{
	struct route_table *t = route_table_new();
	static struct rt_route r, out;
	char err[RT_ERRLEN];
	uint32_t tag;

	r = mk("10.1.0.0/16", "192.0.2.1", "eth0", 20);
	r.nh_count = 3;
	r.nh[1] = r.nh[0];
	r.nh[1].gw.bytes[3] = 2;
	r.nh[1].weight = 7;
	r.nh[1].flags = RT_NHF_ONLINK;
	r.nh[2] = r.nh[0];
	memset(&r.nh[2].gw, 0, sizeof(r.nh[2].gw));
	strcpy(r.nh[2].dev, "eth2");
	r.nh[2].weight = 256;
	r.scope = RT_SCOPE_SITE;
	r.protocol = 200;
	ck_assert_int_eq(rt_addr_parse("10.1.0.1", &r.src, err), 0);
	ck_assert_int_eq(route_table_add(t, &r, 5), RT_OK);
	struct rt_prefix p = pfx("10.1.0.0/16");
	ck_assert_int_eq(route_table_find(t, &p, 20, 0, &out, &tag), RT_OK);
	ck_assert(route_eq(&out, &r));
	ck_assert_uint_eq(tag, 5);
	struct rt_addr a = addr("10.1.2.3");
	ck_assert_int_eq(route_table_lookup(t, &a, &out), RT_OK);
	ck_assert(route_eq(&out, &r));
	/* the same attributes share one set: memory grows by the route only */
	size_t m1 = route_table_memory(t);
	r.dst = pfx("10.2.0.0/16");
	ck_assert_int_eq(route_table_add(t, &r, 6), RT_OK);
	ck_assert_uint_lt(route_table_memory(t) - m1, 200);
	/* a blackhole has no next hop */
	static struct rt_route b;
	b = mk("10.3.0.0/16", NULL, NULL, 0);
	b.nh_count = 0;
	b.type = RTN_UNREACHABLE;
	ck_assert_int_eq(route_table_add(t, &b, 7), RT_OK);
	a = addr("10.3.0.1");
	ck_assert_int_eq(route_table_lookup(t, &a, &out), RT_OK);
	ck_assert(route_eq(&out, &b));
	ck_assert_uint_eq(out.nh_count, 0);
	route_table_free(t);
}
END_TEST

/* Imported routes beside an owned one of the same prefix and metric:
 * ordered by (metric, disc), each found by its own key. */
START_TEST(test_disc_keys)
{
	struct route_table *t = route_table_new();
	static struct rt_route r, out;
	struct collect c;
	uint32_t tag;

	r = mk("fe80::/64", NULL, "eth1", 256);
	r.origin = RT_ORIGIN_KERNEL;
	r.disc = rt_disc_make(RT_DISC_KERNEL, 0, 3);
	ck_assert_int_eq(route_table_add(t, &r, 3), RT_OK);
	r.disc = rt_disc_make(RT_DISC_KERNEL, 0, 2);
	strcpy(r.nh[0].dev, "eth0");
	ck_assert_int_eq(route_table_add(t, &r, 2), RT_OK);
	ck_assert_int_eq(route_table_add(t, &r, 9), RT_E_EXISTS);
	r = mk("fe80::/64", NULL, "eth9", 256);
	ck_assert_int_eq(route_table_add(t, &r, 1), RT_OK);          /* owned, disc 0 */
	r = mk("fe80::/64", NULL, "eth9", 100);
	ck_assert_int_eq(route_table_add(t, &r, 0), RT_OK);
	ck_assert_str_eq(walk_str(t, RT_FILTER_ALL, NULL, &c),
	                 "fe80::/64/100/0 fe80::/64/256/1 fe80::/64/256/2 fe80::/64/256/3");
	struct rt_prefix p = pfx("fe80::/64");
	ck_assert_int_eq(route_table_find(t, &p, 256, rt_disc_make(RT_DISC_KERNEL, 0, 3), &out, &tag),
	                 RT_OK);
	ck_assert_uint_eq(tag, 3);
	ck_assert_str_eq(out.nh[0].dev, "eth1");
	ck_assert_int_eq(route_table_find(t, &p, 256, 0, &out, &tag), RT_OK);
	ck_assert_uint_eq(tag, 1);
	ck_assert_int_eq(route_table_find(t, &p, 256, 1, &out, &tag), RT_E_NOTFOUND);
	ck_assert_int_eq(route_table_delete(t, &p, 256, rt_disc_make(RT_DISC_KERNEL, 0, 2), NULL,
	                                    &tag), RT_OK);
	ck_assert_uint_eq(tag, 2);
	ck_assert_str_eq(walk_str(t, RT_FILTER_ALL, NULL, &c),
	                 "fe80::/64/100/0 fe80::/64/256/1 fe80::/64/256/3");
	/* the staged path orders them the same way */
	struct route_table *u = route_table_new();
	for (uint32_t d = 4; d-- > 0;) {
		r = mk("10.9.0.0/16", NULL, "eth0", 5);
		r.origin = d ? RT_ORIGIN_KERNEL : RT_ORIGIN_RTCTL;
		r.disc = d ? RT_DISC_KERNEL | d : 0;
		ck_assert_int_eq(route_table_stage(u, &r, d), RT_OK);
	}
	ck_assert_int_eq(route_table_stage(u, &r, 99), RT_OK);          /* a duplicate key */
	ck_assert_int_eq(route_table_build(u, NULL, NULL), RT_OK);
	ck_assert_str_eq(walk_str(u, RT_FILTER_ALL, NULL, &c),
	                 "10.9.0.0/16/5/0 10.9.0.0/16/5/1 10.9.0.0/16/5/2 10.9.0.0/16/5/3");
	route_table_free(u);
	route_table_free(t);
}
END_TEST

static void set_pending(struct route_table *t, const char *dst, uint32_t metric, bool on)
{
	static struct rt_route r;
	struct rt_prefix p = pfx(dst);
	uint32_t tag;

	ck_assert_int_eq(route_table_find(t, &p, metric, 0, &r, &tag), RT_OK);
	r.flags = on ? RT_RF_PENDING : 0;
	snprintf(r.reason, sizeof(r.reason), "%s", on ? "Nexthop device is not up" : "");
	ck_assert_int_eq(route_table_replace(t, &r, tag, NULL, NULL, NULL), RT_OK);
}

/* Pending routes are listed but never win a longest-prefix match: not in
 * the trie walk, not in the direct table, not in the IPv4 blocks. */
START_TEST(test_pending_skipped)
{
	for (int big = 0; big < 2; big++) {
		struct route_table *t = route_table_new();
		char buf[64];

		if (big)         /* past the size at which the direct table is built */
			for (uint32_t i = 0; i < 2000; i++) {
				snprintf(buf, sizeof(buf), "172.%u.%u.0/24", 16 + i / 256, i % 256);
				add_ok(t, buf, 0, i);
			}
		add_ok(t, "10.0.0.0/8", 0, 1);
		add_ok(t, "10.1.0.0/16", 5, 2);
		add_ok(t, "10.1.0.0/16", 9, 3);
		add_ok(t, "10.1.2.0/24", 0, 4);
		add_ok(t, "10.1.2.3/32", 0, 5);
		add_ok(t, "2001:db8::/32", 0, 6);
		add_ok(t, "2001:db8:1::/48", 0, 7);
		ck_lookup(t, "10.1.2.3", "10.1.2.3 0");
		set_pending(t, "10.1.2.3/32", 0, true);
		ck_lookup(t, "10.1.2.3", "10.1.2.0/24 0");
		set_pending(t, "10.1.2.0/24", 0, true);
		ck_lookup(t, "10.1.2.3", "10.1.0.0/16 5");
		set_pending(t, "10.1.0.0/16", 5, true);
		ck_lookup(t, "10.1.2.3", "10.1.0.0/16 9");
		set_pending(t, "10.1.0.0/16", 9, true);
		ck_lookup(t, "10.1.2.3", "10.0.0.0/8 0");
		ck_lookup(t, "10.1.200.1", "10.0.0.0/8 0");
		set_pending(t, "10.0.0.0/8", 0, true);
		ck_lookup(t, "10.1.2.3", "none");
		set_pending(t, "2001:db8:1::/48", 0, true);
		ck_lookup(t, "2001:db8:1::1", "2001:db8::/32 0");
		/* still listed, with the reason */
		struct collect c;
		ck_assert_str_eq(walk_str(t, RT_FILTER_ROOT, "10.0.0.0/8", &c),
		                 "10.0.0.0/8/0/1 10.1.0.0/16/5/2 10.1.0.0/16/9/3 10.1.2.0/24/0/4 10.1.2.3/0/5");
		/* and back */
		set_pending(t, "10.1.0.0/16", 9, false);
		ck_lookup(t, "10.1.2.3", "10.1.0.0/16 9");
		set_pending(t, "10.1.2.3/32", 0, false);
		ck_lookup(t, "10.1.2.3", "10.1.2.3 0");
		ck_lookup(t, "10.1.2.4", "10.1.0.0/16 9");
		set_pending(t, "10.1.0.0/16", 5, false);
		ck_lookup(t, "10.1.2.4", "10.1.0.0/16 5");
		/* deleting a pending route that a winner sits beside */
		struct rt_prefix p = pfx("10.1.2.0/24");
		ck_assert_int_eq(route_table_delete(t, &p, 0, 0, NULL, NULL), RT_OK);
		ck_lookup(t, "10.1.2.4", "10.1.0.0/16 5");
		set_pending(t, "10.0.0.0/8", 0, false);
		ck_lookup(t, "10.200.0.1", "10.0.0.0/8 0");
		route_table_free(t);
	}
}
END_TEST

/* A reservation makes the next change of those attributes infallible; a
 * reservation for other attributes, or none, is released cleanly. */
START_TEST(test_reserve)
{
	struct route_table *t = route_table_new();
	static struct rt_route r, q;
	size_t m0 = route_table_memory(t);

	r = mk("10.0.0.0/8", "192.0.2.1", "eth0", 0);
	ck_assert_int_eq(route_table_reserve(t, &r), RT_OK);
	ck_assert_int_eq(route_table_add(t, &r, 1), RT_OK);
	q = mk("10.0.0.0/8", "192.0.2.9", "eth0", 0);
	ck_assert_int_eq(route_table_reserve(t, &r), RT_OK);         /* not q's attributes */
	ck_assert_int_eq(route_table_replace(t, &q, 2, NULL, NULL, NULL), RT_OK);
	ck_assert_int_eq(route_table_reserve(t, &q), RT_OK);
	ck_assert_int_eq(route_table_add(t, &q, 3), RT_E_EXISTS);   /* and it is released */
	ck_assert_int_eq(route_table_reserve(t, &q), RT_OK);
	route_table_unreserve(t);
	route_table_unreserve(t);
	struct rt_prefix p = pfx("10.0.0.0/8");
	ck_assert_int_eq(route_table_delete(t, &p, 0, 0, NULL, NULL), RT_OK);
	ck_assert_uint_eq(route_table_memory(t), m0);
	ck_assert_int_eq(route_table_reserve(t, NULL), RT_E_INVALID);
	route_table_reserve(t, &r);
	route_table_free(t);        /* with a reservation held: no leak */
}
END_TEST

/* A million routes, staged and built in one pass (as rtmd loads its store),
 * with few attribute sets: everything is there and found.  Its speed is
 * measured by make bench (bench_lpm), not asserted here. */
START_TEST(test_bulk_million)
{
	struct route_table *t = route_table_new();
	static struct rt_route r, out;
	const uint32_t n = 1000000;

	r = mk("10.0.0.0/8", "192.0.2.1", "eth0", 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = i * 2654435761u;           /* a bijection: distinct, spread */
		r.metric = i % 4;
		r.dst.addr.bytes[0] = (uint8_t)(1 + (k >> 24) % 223);
		r.dst.addr.bytes[1] = (uint8_t)(k >> 16);
		r.dst.addr.bytes[2] = (uint8_t)(k >> 8);
		r.dst.addr.bytes[3] = (uint8_t)k;
		r.dst.len = 32;
		r.nh[0].gw.bytes[3] = (uint8_t)(1 + i % 16);
		ck_assert_int_eq(route_table_stage(t, &r, i), RT_OK);
	}
	ck_assert_int_eq(route_table_build(t, NULL, NULL), RT_OK);
	ck_assert_uint_eq(route_table_count(t, AF_INET), n);
	/* well under the old model's 85 B a route plus the next hops' share */
	ck_assert_uint_lt(route_table_memory(t) / n, 100);
	for (uint32_t i = 0; i < n; i += 997) {
		uint32_t k = i * 2654435761u, tag;
		struct rt_addr a = { .family = AF_INET };
		a.bytes[0] = (uint8_t)(1 + (k >> 24) % 223);
		a.bytes[1] = (uint8_t)(k >> 16);
		a.bytes[2] = (uint8_t)(k >> 8);
		a.bytes[3] = (uint8_t)k;
		ck_assert_int_eq(route_table_lookup(t, &a, &out), RT_OK);
		ck_assert_uint_eq(out.dst.len, 32);
		ck_assert_uint_eq(out.nh[0].gw.bytes[3], 1 + i % 16);
		struct rt_prefix p = { a, 32 };
		ck_assert_int_eq(route_table_find(t, &p, i % 4, 0, NULL, &tag), RT_OK);
		ck_assert_uint_eq(tag, i);
	}
	route_table_free(t);
}
END_TEST

/* ---- randomized comparison with a linear scan ------------------------------------ */

/* The reference holds short copies of its routes (rt_route_dup). */
struct ref_entry {
	struct rt_route *r;
	uint32_t tag;
};

struct ref {
	struct ref_entry *v;
	size_t n, cap;
};

static uint64_t rng_state;
/* Spread IPv4 prefixes over many /16 blocks, so that blocks are created,
 * grow, shrink and go in the thousands and the block arena fills, grows
 * and is compacted while the reference watches. */
static bool rng_wide;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static bool same_key(const struct rt_route *a, const struct rt_prefix *p, uint32_t metric,
                     uint32_t disc)
{
	return a->dst.len == p->len && a->metric == metric && a->disc == disc &&
	       rt_addr_equal(&a->dst.addr, &p->addr);
}

static struct ref_entry *ref_find(struct ref *rf, const struct rt_route *k)
{
	for (size_t i = 0; i < rf->n; i++)
		if (same_key(rf->v[i].r, &k->dst, k->metric, k->disc))
			return &rf->v[i];
	return NULL;
}

static void ref_set(struct ref_entry *e, const struct rt_route *r, uint32_t tag)
{
	free(e->r);
	e->r = rt_route_dup(r);
	ck_assert_ptr_nonnull(e->r);
	e->tag = tag;
}

static void ref_free(struct ref *rf)
{
	for (size_t i = 0; i < rf->n; i++)
		free(rf->v[i].r);
	free(rf->v);
}

/* Address of a family drawn from a small space so that prefixes nest and
 * collide often. */
static void rnd_addr(uint8_t family, struct rt_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	size_t n = family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < n; i++)
		a->bytes[i] = (uint8_t)rnd();
	/* the first bytes from a handful of values */
	a->bytes[0] = (uint8_t)(rnd() % 3 == 0 ? 10 : 192 + rnd() % 2);
	a->bytes[1] = (uint8_t)(rnd() % 4);
	if (rng_wide) {
		a->bytes[0] = (uint8_t)(rnd() % 8);
		a->bytes[1] = (uint8_t)rnd();
	}
	if (family == AF_INET6 && rnd() % 2)
		memset(a->bytes + 4, 0, 8);
}

static void rnd_prefix(uint8_t family, struct rt_prefix *p)
{
	unsigned max = family == AF_INET ? 32 : 128;
	unsigned len;

	rnd_addr(family, &p->addr);
	switch (rnd() % 4) {
	case 0: len = rnd() % (max + 1); break;
	case 1: len = rnd() % 25; break;
	case 2: len = 8 + rnd() % 16; break;
	default: len = max - rnd() % 3; break;
	}
	p->len = (uint8_t)len;
	for (unsigned i = 0; i < max; i++)
		if (i >= len)
			p->addr.bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

/* Mostly one next hop; some multipath (up to 3), blackholes, pending
 * routes, and imported routes with a disc beside owned ones of one key. */
static void rnd_route(uint8_t family, struct rt_route *r)
{
	static const char *devs[] = { "eth0", "eth1", "wg0", "" };
	unsigned kind = rnd() % 16;

	rt_route_init(r);
	rnd_prefix(family, &r->dst);
	r->metric = rnd() % 4 == 0 ? rnd() : rnd() % 3;
	r->nh_count = kind == 0 ? 0 : kind == 1 ? 2 + rnd() % 2 : 1;
	if (!r->nh_count)
		r->type = RTN_BLACKHOLE;
	for (unsigned i = 0; i < r->nh_count; i++) {
		struct rt_nexthop *nh = &r->nh[i];
		nh->weight = (uint16_t)(r->nh_count > 1 ? 1 + i : 1);
		strcpy(nh->dev, devs[rnd() % 4]);
		if (!nh->dev[0] || rnd() % 2) {
			nh->gw.family = family;
			nh->gw.bytes[0] = (uint8_t)(rnd() % 4);
			nh->gw.bytes[3] = (uint8_t)(1 + i);
		}
	}
	r->origin = (uint8_t)(rnd() % 2);
	if (kind == 2 || kind == 3) {
		r->flags = RT_RF_PENDING;
		snprintf(r->reason, sizeof(r->reason), "%s", kind == 2 ? "No such device" : "key held by bgp");
	} else if (kind == 4 || kind == 5) {
		r->origin = RT_ORIGIN_KERNEL;
		r->protocol = RTPROT_BOOT;
		r->disc = rt_disc_make(RT_DISC_KERNEL, family == AF_INET && kind == 5 ? 0x10 : 0, 0);
		r->tos = (uint8_t)r->disc;
	}
}

/* route_table_prefetch is a hint: on an empty table, below and above the
 * direct table's size, in a dense /16, for IPv6 and for prefixes shorter
 * than /16, at any depth, it reads only the table's own memory (the
 * sanitizer build checks that) and changes nothing a look-up sees. */
START_TEST(test_prefetch_hint)
{
	struct route_table *t = route_table_new();
	struct rt_route r, out;
	struct rt_prefix p;

	ck_assert_ptr_nonnull(t);
	for (unsigned d = 0; d < 40; d++) {
		p = pfx("10.1.2.0/24");
		route_table_prefetch(t, &p, d);
	}
	for (int i = 0; i < 70000; i++) {
		rnd_route(i % 5 ? AF_INET : AF_INET6, &r);
		route_table_add(t, &r, (uint32_t)i);
		if (i % 7000 == 0)
			for (unsigned d = 0; d < 40; d++) {
				route_table_prefetch(t, &r.dst, d);
				p = pfx("10.0.0.0/8");
				route_table_prefetch(t, &p, d);
				p = pfx("2001:db8::/32");
				route_table_prefetch(t, &p, d);
			}
	}
	for (int i = 0; i < 2000; i++) {   /* a dense /16 past the block cap */
		char dst[32];
		snprintf(dst, sizeof(dst), "10.77.%d.%d/32", i / 256, i % 256);
		r = mk(dst, "192.0.2.1", "eth0", (uint32_t)i % 3);
		route_table_add(t, &r, 0);
	}
	size_t n = route_table_count(t, 0);
	for (int i = 0; i < 20000; i++) {
		rnd_route(AF_INET, &r);
		if (i % 2)
			r.dst = pfx("10.77.3.4/32");
		route_table_prefetch(t, &r.dst, (unsigned)i % 12);
	}
	ck_assert_uint_eq(route_table_count(t, 0), n);
	struct rt_addr a = addr("10.77.3.4");
	ck_assert_int_eq(route_table_lookup(t, &a, &out), RT_OK);
	ck_assert_uint_eq(out.dst.len, 32);
	route_table_prefetch(NULL, &r.dst, 0);
	route_table_free(t);
}
END_TEST

static const struct ref_entry *ref_lookup(const struct ref *rf, const struct rt_addr *a)
{
	const struct ref_entry *best = NULL;

	for (size_t i = 0; i < rf->n; i++) {
		const struct rt_route *r = rf->v[i].r;
		if (r->dst.addr.family != a->family || !rt_prefix_contains(&r->dst, a) ||
		    (r->flags & RT_RF_PENDING))
			continue;
		if (!best || r->dst.len > best->r->dst.len ||
		    (r->dst.len == best->r->dst.len &&
		     (r->metric < best->r->metric ||
		      (r->metric == best->r->metric && r->disc < best->r->disc))))
			best = &rf->v[i];
	}
	return best;
}

static int ref_cmp(const void *x, const void *y)
{
	const struct rt_route *a = ((const struct ref_entry *)x)->r;
	const struct rt_route *b = ((const struct ref_entry *)y)->r;

	if (a->dst.addr.family != b->dst.addr.family)
		return a->dst.addr.family == AF_INET ? -1 : 1;
	int c = memcmp(a->dst.addr.bytes, b->dst.addr.bytes, 16);
	if (c)
		return c;
	if (a->dst.len != b->dst.len)
		return a->dst.len < b->dst.len ? -1 : 1;
	if (a->metric != b->metric)
		return a->metric < b->metric ? -1 : 1;
	return a->disc < b->disc ? -1 : a->disc > b->disc;
}

struct walk_check {
	const struct ref_entry *want;
	size_t n, i;
	int bad;
};

static int walk_check_fn(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct walk_check *w = ctx;

	if (w->i >= w->n || !route_eq(r, w->want[w->i].r) || tag != w->want[w->i].tag)
		w->bad++;
	w->i++;
	return 0;
}

/* Compare a filtered walk with the sorted reference. */
static void check_walk(const struct route_table *t, const struct ref *rf, enum route_filter mode,
                       const struct rt_prefix *p)
{
	struct ref_entry *sel = malloc((rf->n + 1) * sizeof(*sel));
	size_t n = 0;

	ck_assert_ptr_nonnull(sel);
	for (size_t i = 0; i < rf->n; i++) {
		const struct rt_prefix *d = &rf->v[i].r->dst;
		bool in = true;
		if (mode != RT_FILTER_ALL) {
			in = d->addr.family == p->addr.family;
			if (in && mode == RT_FILTER_EXACT)
				in = d->len == p->len && rt_addr_equal(&d->addr, &p->addr);
			else if (in && mode == RT_FILTER_ROOT)
				in = d->len >= p->len && rt_prefix_contains(p, &d->addr);
			else if (in && mode == RT_FILTER_MATCH)
				in = d->len <= p->len && rt_prefix_contains(d, &p->addr);
		}
		if (in)
			sel[n++] = rf->v[i];
	}
	qsort(sel, n, sizeof(*sel), ref_cmp);
	struct walk_check w = { sel, n, 0, 0 };
	ck_assert_int_eq(route_table_walk(t, mode, p, walk_check_fn, &w), 0);
	ck_assert_int_eq(w.bad, 0);
	ck_assert_uint_eq(w.i, n);
	free(sel);
}

static void check_lookup(const struct route_table *t, const struct ref *rf, const struct rt_addr *a)
{
	struct rt_route out;
	const struct ref_entry *want = ref_lookup(rf, a);
	int rc = route_table_lookup(t, a, &out);

	if (!want) {
		ck_assert_int_eq(rc, RT_E_NOTFOUND);
		return;
	}
	ck_assert_int_eq(rc, RT_OK);
	ck_assert(route_eq(&out, want->r));
}

static void ref_push(struct ref *rf, const struct rt_route *r, uint32_t tag)
{
	if (rf->n == rf->cap) {
		rf->cap = rf->cap ? rf->cap * 2 : 256;
		rf->v = realloc(rf->v, rf->cap * sizeof(*rf->v));
		ck_assert_ptr_nonnull(rf->v);
	}
	rf->v[rf->n].r = NULL;
	ref_set(&rf->v[rf->n++], r, tag);
}

static void check_walks(const struct route_table *t, const struct ref *rf, uint8_t family)
{
	struct rt_prefix p;

	check_walk(t, rf, RT_FILTER_ALL, NULL);
	for (int k = 0; k < 20; k++) {
		uint8_t fam = family ? family : (k % 4 < 2 ? AF_INET : AF_INET6);
		rnd_prefix(fam, &p);
		if (rf->n && k % 2)
			p = rf->v[rnd() % rf->n].r->dst;
		check_walk(t, rf, (enum route_filter)(1 + k % 3), &p);
	}
}

/* What a bulk build must reject: the staged routes whose key was staged
 * before them or was in the table, each exactly once. */
struct rejects {
	struct ref want;
	bool *seen;
	size_t got;
	int bad;
};

static void reject_fn(const struct rt_route *r, uint32_t tag, int err, void *ctx)
{
	struct rejects *rj = ctx;

	rj->got++;
	if (err != RT_E_EXISTS) {
		rj->bad++;
		return;
	}
	for (size_t i = 0; i < rj->want.n; i++) {
		if (!rj->seen[i] && rj->want.v[i].tag == tag && route_eq(rj->want.v[i].r, r)) {
			rj->seen[i] = true;
			return;
		}
	}
	rj->bad++;
}

static uint8_t pick_family(uint8_t family)
{
	return family ? family : rnd() % 2 ? AF_INET : AF_INET6;
}

/* Stage n random routes, a share of them repeating an earlier key with
 * another next hop and tag, and build. */
static void bulk_load(struct route_table *t, struct ref *rf, uint8_t family, size_t n)
{
	struct rejects rj;
	struct ref staged = { NULL, 0, 0 };
	size_t before = route_table_count(t, 0);

	memset(&rj, 0, sizeof(rj));
	for (size_t i = 0; i < n; i++) {
		static struct rt_route r, other;
		uint32_t tag = rnd();
		rnd_route(pick_family(family), &r);
		if (staged.n && rnd() % 8 == 0) {
			/* an earlier key with other attributes */
			rt_route_copy(&other, &r);
			rt_route_copy(&r, staged.v[rnd() % staged.n].r);
			r.nh_count = other.nh_count;
			r.type = other.type;
			r.flags = other.flags;
			memcpy(r.reason, other.reason, sizeof(r.reason));
			for (unsigned k = 0; k < other.nh_count; k++) {
				r.nh[k] = other.nh[k];
				if (r.nh[k].gw.family)
					r.nh[k].gw.family = r.dst.addr.family;
			}
		}
		ck_assert_int_eq(route_table_stage(t, &r, tag), RT_OK);
		ref_push(&staged, &r, tag);
		if (ref_find(rf, &r))
			ref_push(&rj.want, &r, tag);
		else
			ref_push(rf, &r, tag);
	}
	/* nothing staged is visible before the build */
	ck_assert_uint_eq(route_table_count(t, 0), before);
	{
		static struct rt_route bad;
		rt_route_init(&bad);
		if (staged.n)
			rt_route_copy(&bad, staged.v[0].r);
		bad.dst.len = 200;
		ck_assert_int_eq(route_table_stage(t, &bad, 1), RT_E_INVALID);
		ck_assert_int_eq(route_table_stage(t, NULL, 1), RT_E_INVALID);
	}
	rj.seen = calloc(rj.want.n + 1, sizeof(bool));
	ck_assert_ptr_nonnull(rj.seen);
	ck_assert_int_eq(route_table_build(t, reject_fn, &rj), RT_OK);
	ck_assert_int_eq(rj.bad, 0);
	ck_assert_uint_eq(rj.got, rj.want.n);
	ck_assert_uint_eq(route_table_count(t, 0), rf->n);
	/* a second build with nothing staged changes nothing */
	ck_assert_int_eq(route_table_build(t, reject_fn, &rj), RT_OK);
	ck_assert_uint_eq(rj.got, rj.want.n);
	check_walks(t, rf, family);
	free(rj.seen);
	ref_free(&rj.want);
	ref_free(&staged);
}

/* Operations in three phases: grow past the size at which the direct table
 * is built, shrink to empty (the family's memory is released), grow again.
 * family 0: both, mixed.  bulk: that many routes are loaded in bulk first,
 * and a quarter as many again half way, into a table that has routes. */
static void random_ops(uint8_t family, int ops, uint64_t seed, bool wide, size_t bulk)
{
	struct route_table *t = route_table_new();
	struct ref rf = { NULL, 0, 0 };

	rng_state = seed;
	rng_wide = wide;
	if (bulk)
		bulk_load(t, &rf, family, bulk);
	for (int op = 0; op < ops; op++) {
		int phase = op * 3 / ops;
		unsigned add_pct = phase == 1 ? 20 : 60;
		static struct rt_route r, out, old;
		struct rt_addr a;
		uint32_t tag = rnd(), got_tag;
		unsigned what = rnd() % 100;
		uint8_t fam = pick_family(family);

		if (bulk && op == ops / 2)
			bulk_load(t, &rf, family, bulk / 4);
		if (what < add_pct) {
			rnd_route(fam, &r);
			if (rf.n && rnd() % 4 == 0) {
				/* a key in the table, with new attributes */
				const struct rt_route *k = rf.v[rnd() % rf.n].r;
				r.dst = k->dst;
				r.metric = k->metric;
				r.disc = k->disc;
				r.origin = k->origin;
				r.tos = k->tos;
				r.protocol = k->protocol;
				if (k->disc)
					r.flags = 0, r.reason[0] = 0;
			}
			struct ref_entry *e = ref_find(&rf, &r);
			if (rnd() % 3 == 0) {
				bool existed;
				uint32_t old_tag;
				if (rnd() % 2)
					ck_assert_int_eq(route_table_reserve(t, &r), RT_OK);
				ck_assert_int_eq(route_table_replace(t, &r, tag, &existed, &old, &old_tag), RT_OK);
				ck_assert(existed == (e != NULL));
				if (e) {
					ck_assert(route_eq(&old, e->r));
					ck_assert_uint_eq(old_tag, e->tag);
					ref_set(e, &r, tag);
				}
			} else {
				ck_assert_int_eq(route_table_add(t, &r, tag), e ? RT_E_EXISTS : RT_OK);
			}
			if (!e)
				ref_push(&rf, &r, tag);
		} else if (what < 90) {
			/* delete, mostly something that exists */
			if (rf.n && rnd() % 8) {
				size_t i = rnd() % rf.n;
				rt_route_copy(&r, rf.v[i].r);
			} else {
				rnd_route(fam, &r);
			}
			struct ref_entry *e = ref_find(&rf, &r);
			int rc = route_table_delete(t, &r.dst, r.metric, r.disc, &out, &got_tag);
			ck_assert_int_eq(rc, e ? RT_OK : RT_E_NOTFOUND);
			if (e) {
				ck_assert(route_eq(&out, e->r));
				ck_assert_uint_eq(got_tag, e->tag);
				free(e->r);
				*e = rf.v[--rf.n];
			}
		} else {
			rnd_route(fam, &r);
			if (rf.n && rnd() % 2)
				rt_route_copy(&r, rf.v[rnd() % rf.n].r);
			struct ref_entry *e = ref_find(&rf, &r);
			int rc = route_table_find(t, &r.dst, r.metric, r.disc, &out, &got_tag);
			ck_assert_int_eq(rc, e ? RT_OK : RT_E_NOTFOUND);
			if (e) {
				ck_assert(route_eq(&out, e->r));
				ck_assert_uint_eq(got_tag, e->tag);
			}
		}
		ck_assert_uint_eq(route_table_count(t, family), rf.n);

		rnd_addr(fam, &a);
		check_lookup(t, &rf, &a);
		if (rf.n) {
			/* an address inside, or just past, an existing prefix */
			const struct rt_prefix *d = &rf.v[rnd() % rf.n].r->dst;
			a = d->addr;
			if (rnd() % 2)
				a.bytes[(d->addr.family == AF_INET ? 3 : 15) - rnd() % 2] ^= (uint8_t)rnd();
			check_lookup(t, &rf, &a);
		}
		if (op % 1000 == 999)
			check_walks(t, &rf, family);
	}
	check_walk(t, &rf, RT_FILTER_ALL, NULL);
	ref_free(&rf);
	route_table_free(t);
}

/* A dense /16: more /32s with differing next hops than a block may hold.
 * Look-ups must stay right on both sides of the limit, through deletes, and
 * after the /16 empties and fills again.  (Before the limit, 65,536 such
 * routes took a minute to insert: every insert rewrote the block.) */
START_TEST(test_dense_block)
{
	struct route_table *t = route_table_new();
	char a[32], gw[32], want[64];
	const uint32_t n = 3000;

	add_ok(t, "10.0.0.0/16", 7, 99999);
	for (uint32_t i = 0; i < n; i++) {
		struct rt_route r;

		snprintf(a, sizeof(a), "10.0.%u.%u/32", i / 256, i % 256);
		snprintf(gw, sizeof(gw), "192.0.2.%u", i % 200 + 1);
		r = mk(a, gw, NULL, i % 3);
		ck_assert_int_eq(route_table_add(t, &r, i), RT_OK);
		if (i % 97 == 0 || i == n - 1) {
			for (uint32_t j = 0; j <= i; j += 53) {
				snprintf(a, sizeof(a), "10.0.%u.%u", j / 256, j % 256);
				snprintf(want, sizeof(want), "%s %u", a, j % 3);
				ck_lookup(t, a, want);
			}
			snprintf(a, sizeof(a), "10.0.%u.%u", (i + 1) / 256, (i + 1) % 256);
			ck_lookup(t, a, "10.0.0.0/16 7");
		}
	}
	for (uint32_t i = 0; i < n; i += 2) {
		struct rt_prefix p;

		snprintf(a, sizeof(a), "10.0.%u.%u/32", i / 256, i % 256);
		p = pfx(a);
		ck_assert_int_eq(route_table_delete(t, &p, i % 3, 0, NULL, NULL), RT_OK);
	}
	for (uint32_t i = 0; i < n; i += 7) {
		snprintf(a, sizeof(a), "10.0.%u.%u", i / 256, i % 256);
		if (i % 2)
			snprintf(want, sizeof(want), "%s %u", a, i % 3);
		else
			snprintf(want, sizeof(want), "10.0.0.0/16 7");
		ck_lookup(t, a, want);
	}
	/* Empty the /16, then a few routes: the block comes back. */
	for (uint32_t i = 1; i < n; i += 2) {
		struct rt_prefix p;

		snprintf(a, sizeof(a), "10.0.%u.%u/32", i / 256, i % 256);
		p = pfx(a);
		ck_assert_int_eq(route_table_delete(t, &p, i % 3, 0, NULL, NULL), RT_OK);
	}
	{
		struct rt_prefix p = pfx("10.0.0.0/16");
		ck_assert_int_eq(route_table_delete(t, &p, 7, 0, NULL, NULL), RT_OK);
	}
	add_ok(t, "10.0.1.0/24", 1, 1);
	add_ok(t, "10.0.1.128/25", 2, 2);
	ck_lookup(t, "10.0.1.1", "10.0.1.0/24 1");
	ck_lookup(t, "10.0.1.200", "10.0.1.128/25 2");
	ck_lookup(t, "10.0.2.1", "none");
	ck_assert_uint_eq(route_table_count(t, 0), 2);
	route_table_free(t);
}
END_TEST

/* The bulk path on a dense /16 (past the block's interval cap), prefixes
 * shorter than /16 above it, IPv6 beside it, then changes after the build. */
START_TEST(test_bulk_dense)
{
	struct route_table *t = route_table_new();
	char a[48], gw[32], want[64];
	const uint32_t n = 3000;
	struct rt_route r;

	/* staged in an order far from sorted, with a duplicate of each /32 */
	for (uint32_t k = 0; k < 2 * n; k++) {
		uint32_t i = (k * 7919u) % n;
		snprintf(a, sizeof(a), "10.0.%u.%u/32", i / 256, i % 256);
		snprintf(gw, sizeof(gw), "192.0.2.%u", i % 200 + 1);
		r = mk(a, gw, NULL, i % 3);
		ck_assert_int_eq(route_table_stage(t, &r, k < n ? i : 100000 + i), RT_OK);
	}
	r = mk("10.0.0.0/16", NULL, "eth0", 7);
	ck_assert_int_eq(route_table_stage(t, &r, 99999), RT_OK);
	r = mk("10.0.0.0/8", NULL, "eth1", 1);
	ck_assert_int_eq(route_table_stage(t, &r, 99998), RT_OK);
	r = mk("0.0.0.0/0", NULL, "eth2", 5);
	ck_assert_int_eq(route_table_stage(t, &r, 99997), RT_OK);
	r = mk("2001:db8::/32", NULL, "eth3", 1);
	ck_assert_int_eq(route_table_stage(t, &r, 99996), RT_OK);
	struct rejects rj;
	memset(&rj, 0, sizeof(rj));
	rj.seen = calloc(1, sizeof(bool));
	ck_assert_int_eq(route_table_build(t, reject_fn, &rj), RT_OK);
	/* every rejection is a duplicate the test did not list: bad */
	ck_assert_uint_eq(rj.got, n);
	ck_assert_uint_eq(route_table_count(t, AF_INET), n + 3);
	ck_assert_uint_eq(route_table_count(t, AF_INET6), 1);
	for (uint32_t j = 0; j < n; j += 37) {
		uint32_t tag;
		snprintf(a, sizeof(a), "10.0.%u.%u", j / 256, j % 256);
		snprintf(want, sizeof(want), "%s %u", a, j % 3);
		ck_lookup(t, a, want);
		snprintf(a, sizeof(a), "10.0.%u.%u/32", j / 256, j % 256);
		struct rt_prefix p = pfx(a);
		ck_assert_int_eq(route_table_find(t, &p, j % 3, 0, NULL, &tag), RT_OK);
		ck_assert_uint_eq(tag, j);   /* the first staged is kept */
	}
	snprintf(a, sizeof(a), "10.0.%u.%u", n / 256, n % 256);
	ck_lookup(t, a, "10.0.0.0/16 7");
	ck_lookup(t, "10.1.0.1", "10.0.0.0/8 1");
	ck_lookup(t, "11.0.0.1", "default 5");
	ck_lookup(t, "2001:db8::1", "2001:db8::/32 1");
	/* then the /16 thins out below the cap and changes one by one */
	for (uint32_t i = 0; i < n; i += 3) {
		snprintf(a, sizeof(a), "10.0.%u.%u/32", i / 256, i % 256);
		struct rt_prefix p = pfx(a);
		ck_assert_int_eq(route_table_delete(t, &p, i % 3, 0, NULL, NULL), RT_OK);
	}
	add_ok(t, "10.0.0.0/24", 0, 1);
	for (uint32_t i = 0; i < n; i += 11) {
		snprintf(a, sizeof(a), "10.0.%u.%u", i / 256, i % 256);
		if (i % 3)
			snprintf(want, sizeof(want), "%s %u", a, i % 3);
		else if (i < 256)
			snprintf(want, sizeof(want), "10.0.0.0/24 0");
		else
			snprintf(want, sizeof(want), "10.0.0.0/16 7");
		ck_lookup(t, a, want);
	}
	free(rj.seen);
	route_table_free(t);
}
END_TEST

/* Staged routes left unbuilt are freed with the table. */
START_TEST(test_bulk_unbuilt)
{
	struct route_table *t = route_table_new();
	struct rt_route r = mk("10.0.0.0/8", "192.0.2.1", NULL, 1);

	ck_assert_int_eq(route_table_stage(t, &r, 1), RT_OK);
	r = mk("2001:db8::/32", NULL, "eth0", 1);
	ck_assert_int_eq(route_table_stage(t, &r, 2), RT_OK);
	ck_assert_uint_eq(route_table_count(t, 0), 0);
	route_table_free(t);
	/* and a build without a reject callback */
	t = route_table_new();
	r = mk("10.0.0.0/8", "192.0.2.1", NULL, 1);
	ck_assert_int_eq(route_table_stage(t, &r, 1), RT_OK);
	ck_assert_int_eq(route_table_stage(t, &r, 2), RT_OK);
	ck_assert_int_eq(route_table_build(t, NULL, NULL), RT_OK);
	ck_assert_uint_eq(route_table_count(t, 0), 1);
	ck_lookup(t, "10.1.2.3", "10.0.0.0/8 1");
	/* IPv4 has routes (added one by one), IPv6 is empty (built in one
	 * pass), past the size at which the direct table is built */
	char a[48];
	for (uint32_t i = 0; i < 600; i++) {
		snprintf(a, sizeof(a), "10.%u.%u.0/24", i / 256, i % 256);
		r = mk(a, NULL, "eth1", 3);
		ck_assert_int_eq(route_table_stage(t, &r, i), RT_OK);
		snprintf(a, sizeof(a), "2001:db8:%x::/48", i);
		r = mk(a, NULL, "eth2", 4);
		ck_assert_int_eq(route_table_stage(t, &r, i), RT_OK);
	}
	ck_assert_int_eq(route_table_build(t, NULL, NULL), RT_OK);
	ck_assert_uint_eq(route_table_count(t, AF_INET), 601);
	ck_assert_uint_eq(route_table_count(t, AF_INET6), 600);
	ck_lookup(t, "10.1.2.3", "10.1.2.0/24 3");
	ck_lookup(t, "10.3.2.3", "10.0.0.0/8 1");
	ck_lookup(t, "2001:db8:257::1", "2001:db8:257::/48 4");
	ck_lookup(t, "2001:db8:258::1", "none");
	route_table_free(t);
}
END_TEST

START_TEST(test_bulk_mixed)
{
	random_ops(0, 20000, 0x6a09e667f3bcc908ull + (uint64_t)_i, false, 3000);
}
END_TEST

START_TEST(test_bulk_small)
{
	/* below the size at which the direct table is built */
	random_ops(0, 3000, 0xbb67ae8584caa73bull + (uint64_t)_i, false, 150);
}
END_TEST

START_TEST(test_bulk_ipv4_wide)
{
	random_ops(AF_INET, 20000, 0x3c6ef372fe94f82bull + (uint64_t)_i, true, 6000);
}
END_TEST

START_TEST(test_random_ipv4)
{
	random_ops(AF_INET, 20000, 0x9e3779b97f4a7c15ull + (uint64_t)_i, false, 0);
}
END_TEST

START_TEST(test_random_ipv6)
{
	random_ops(AF_INET6, 20000, 0xd1b54a32d192ed03ull + (uint64_t)_i, false, 0);
}
END_TEST

START_TEST(test_random_ipv4_wide)
{
	random_ops(AF_INET, 20000, 0x2545f4914f6cdd1dull + (uint64_t)_i, true, 0);
}
END_TEST

static Suite *route_table_suite(void)
{
	Suite *s = suite_create("route_table");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_add_find_delete);
	tcase_add_test(tc, test_prefetch_hint);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_delete_middle);
	tcase_add_test(tc, test_walk_filters);
	tcase_add_test(tc, test_memory_reuse);
	tcase_add_test(tc, test_dense_block);
	tcase_add_test(tc, test_bulk_dense);
	tcase_add_test(tc, test_bulk_unbuilt);
	tcase_add_test(tc, test_multipath_attrs);
	tcase_add_test(tc, test_disc_keys);
	tcase_add_test(tc, test_pending_skipped);
	tcase_add_test(tc, test_reserve);
	tcase_add_test(tc, test_bulk_million);
	tcase_set_timeout(tc, 120);   /* valgrind on a busy machine */
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	/* slow under valgrind; each run is a different seed */
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_random_ipv4, 0, 2);
	tcase_add_loop_test(tc, test_random_ipv6, 0, 2);
	tcase_add_loop_test(tc, test_random_ipv4_wide, 0, 2);
	tcase_add_loop_test(tc, test_bulk_mixed, 0, 2);
	tcase_add_loop_test(tc, test_bulk_small, 0, 3);
	tcase_add_loop_test(tc, test_bulk_ipv4_wide, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(route_table_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
