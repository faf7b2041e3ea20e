/* check_tables.c - every change through src/daemon/tables.c: owners, imports,
 * the pending state, and all-or-nothing under failing allocations (the
 * table, the store and the events stay consistent, and a later delete never
 * frees another entry's slot). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "entries.h"
#include "fault.h"
#include "log.h"
#include "tables.h"

#define ERRSZ 1024

static char dir[64];
static struct tables *t;

/* ---- the event stream ------------------------------------------------------ */

struct evlog {
	char text[64][RT_ROUTESTRLEN + 16];
	int n;
	uint64_t last_seq;
	int gaps;
};
static struct evlog ev;

static void on_event(void *ctx, const struct rt_event *e)
{
	char buf[RT_ROUTESTRLEN];
	static const char *const kinds[] = { "?", "add", "change", "del" };

	(void)ctx;
	if (e->seq != ev.last_seq + 1)
		ev.gaps++;
	ev.last_seq = e->seq;
	if (e->table == RT_TABLE_ROUTE)
		rt_route_format(e->route, buf, sizeof(buf));
	else
		rt_neigh_format(&e->neigh, buf, sizeof(buf));
	if (ev.n < 64)
		snprintf(ev.text[ev.n], sizeof(ev.text[0]), "%s %s", kinds[e->kind], buf);
	ev.n++;
}

static void open_tables(void)
{
	char err[ERRSZ];

	ck_assert_msg(tables_open(&t, dir, 16, 16, err, sizeof(err)) == 0, "%s", err);
	tables_set_listener(t, on_event, NULL);
}

static void reopen(void)
{
	char err[ERRSZ];

	ck_assert_msg(tables_sync(t, NULL, err, sizeof(err)) == 0, "%s", err);
	tables_close(t);
	open_tables();
	ev.last_seq = 0;        /* a new daemon counts from 0 */
}

static void setup(void)
{
	strcpy(dir, "/tmp/check_tables.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(&ev, 0, sizeof(ev));
	rt_fault_hook = NULL;
	open_tables();
}

static void teardown(void)
{
	static const char *const names[] = { "arp.store", "arp.store.new", "routes.store",
	                                     "routes16.store", "routes256.store" };
	char p[256];

	rt_fault_hook = NULL;
	tables_close(t);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* ---- entries ----------------------------------------------------------------- */

static struct rt_route *route(const char *dst, const char *gw, const char *dev, uint32_t metric,
                              uint8_t origin)
{
	static struct rt_route r[4];
	static unsigned k;
	struct rt_route *x = &r[k++ % 4];

	*x = test_route(dst, gw, dev, metric, origin);
	if (!rt_origin_owned(origin))
		x->disc = rt_disc_make(RT_DISC_KERNEL, 0, 0);   /* FPM: its kernel copy's key */
	rt_route_normalise(x, true);
	return x;
}

static struct rt_prefix pfx(const char *s)
{
	struct rt_prefix p;

	ck_assert_int_eq(rt_prefix_parse(s, &p, NULL), 0);
	return p;
}

static struct rt_addr ip(const char *s)
{
	struct rt_addr a;

	ck_assert_int_eq(rt_addr_parse(s, &a, NULL), 0);
	return a;
}

/* ---- the tables as text ---------------------------------------------------------- */

struct snap {
	char *text;
	size_t len, cap;
};

static void snap_add(struct snap *s, const char *line)
{
	size_t n = strlen(line) + 1;

	if (s->len + n + 1 > s->cap) {
		s->cap = (s->cap + n + 1) * 2;
		s->text = realloc(s->text, s->cap);
		ck_assert_ptr_nonnull(s->text);
	}
	memcpy(s->text + s->len, line, n - 1);
	s->text[s->len + n - 1] = '\n';
	s->len += n;
	s->text[s->len] = '\0';
}

static int snap_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	char buf[RT_ROUTESTRLEN + 32];
	size_t n = (size_t)rt_route_format(r, buf, sizeof(buf));

	snprintf(buf + n, sizeof(buf) - n, " [%u]", tag);
	snap_add(ctx, buf);
	return 0;
}

static int snap_neigh(const struct rt_neigh *nb, uint32_t slot, void *ctx)
{
	char buf[RT_ROUTESTRLEN + 32];
	size_t n = (size_t)rt_neigh_format(nb, buf, sizeof(buf));

	snprintf(buf + n, sizeof(buf) - n, " [%u]", slot);
	snap_add(ctx, buf);
	return 0;
}

/* Everything a client could see, tags and slots included. */
static char *snapshot(bool with_slots)
{
	struct snap s = { NULL, 0, 0 };

	snap_add(&s, "routes:");
	route_table_walk(tables_routes(t), RT_FILTER_ALL, NULL, snap_route, &s);
	snap_add(&s, "neighbours:");
	arp_store_walk(tables_arp(t), snap_neigh, &s);
	if (!with_slots) {
		/* a reopen renumbers nothing, but compacts nothing either: the
		 * text without tags is what must survive */
		for (char *p = s.text; (p = strstr(p, " [")); ) {
			char *e = strchr(p, ']');
			memmove(p, e + 1, strlen(e + 1) + 1);
		}
	}
	return s.text;
}

/* The owned entries only, without the pending state: what the store must
 * give back. */
static char *owned_snapshot(void)
{
	char *all = snapshot(false), *out = calloc(1, strlen(all) + 1), *line, *save = NULL, *pend;

	ck_assert_ptr_nonnull(out);
	while ((pend = strstr(all, " pending")))
		memmove(pend, pend + 8, strlen(pend + 8) + 1);
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "proto rtctl") || strstr(line, "proto config") || strchr(line, ':')) {
			strcat(out, line);
			strcat(out, "\n");
		}
	free(all);
	return out;
}

/* ---- owners --------------------------------------------------------------------- */

START_TEST(test_route_owners)
{
	struct tables_result res;

	ck_assert_int_eq(tables_route_add(t, route("10.0.0.0/24", "192.0.2.1", "eth0", 5, RT_ORIGIN_RTCTL),
	                                  0, &res), RT_OK);
	ck_assert(res.changed);
	ck_assert_int_eq(tables_route_add(t, route("10.0.0.0/24", "192.0.2.2", "eth0", 5, RT_ORIGIN_RTCTL),
	                                  0, &res), RT_E_EXISTS);
	/* an imported route at the kernel's key of an owned one */
	struct rt_route *k = route("10.1.0.0/16", "192.0.2.9", "eth0", 0, RT_ORIGIN_KERNEL);
	k->protocol = RTPROT_BOOT;
	ck_assert_int_eq(tables_route_import(t, k, NULL), RT_OK);
	ck_assert_int_eq(tables_route_add(t, route("10.1.0.0/16", NULL, "eth1", 0, RT_ORIGIN_RTCTL),
	                                  TABLES_REPLACE, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by boot");
	struct rt_route *b = route("10.2.0.0/16", "192.0.2.9", "eth0", 20, RT_ORIGIN_FPM);
	b->protocol = RTPROT_BGP;
	ck_assert_int_eq(tables_route_import(t, b, NULL), RT_OK);
	struct rt_prefix p = pfx("10.2.0.0/16");
	ck_assert_int_eq(tables_route_del(t, &p, 20, TABLES_TAKE_CONFIG, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by bgp (FRR); change it in FRR");
	p = pfx("10.9.0.0/16");
	ck_assert_int_eq(tables_route_del(t, &p, 20, 0, &res), RT_E_NOTFOUND);
	/* another metric is another key */
	ck_assert_int_eq(tables_route_add(t, route("10.2.0.0/16", NULL, "eth1", 21, RT_ORIGIN_RTCTL),
	                                  0, &res), RT_OK);

	/* config entries: --force, which makes them rtctl entries */
	ck_assert_int_eq(tables_route_add(t, route("10.3.0.0/16", NULL, "eth0", 0, RT_ORIGIN_CONFIG),
	                                  TABLES_REPLACE | TABLES_TAKE_CONFIG, &res), RT_OK);
	ck_assert_int_eq(tables_route_add(t, route("10.3.0.0/16", NULL, "eth1", 0, RT_ORIGIN_RTCTL),
	                                  TABLES_REPLACE, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by config; use --force");
	p = pfx("10.3.0.0/16");
	ck_assert_int_eq(tables_route_del(t, &p, 0, 0, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by config; use --force");
	ev.n = 0;
	ck_assert_int_eq(tables_route_add(t, route("10.3.0.0/16", NULL, "eth1", 0, RT_ORIGIN_RTCTL),
	                                  TABLES_REPLACE | TABLES_TAKE_CONFIG, &res), RT_OK);
	ck_assert_int_eq(res.notice, RT_NOTE_TAKEN_OVER);
	ck_assert_msg(strstr(res.text, "10.3.0.0/16") && strstr(res.text, "now an rtctl entry"), "%s",
	              res.text);
	ck_assert_int_eq(ev.n, 1);
	ck_assert_str_eq(ev.text[0], "change 10.3.0.0/16 dev eth1 proto rtctl scope link");
	/* a config reload never takes an rtctl entry */
	ck_assert_int_eq(tables_route_add(t, route("10.3.0.0/16", NULL, "eth0", 0, RT_ORIGIN_CONFIG),
	                                  TABLES_REPLACE | TABLES_TAKE_CONFIG, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by rtctl");

	/* flush: the rtctl entries; the config ones with TAKE_CONFIG; never imports */
	ck_assert_int_eq(tables_route_add(t, route("10.4.0.0/16", NULL, "eth0", 0, RT_ORIGIN_CONFIG),
	                                  TABLES_REPLACE | TABLES_TAKE_CONFIG, &res), RT_OK);
	size_t removed;
	ck_assert_int_eq(tables_flush(t, RT_F_TABLE_ROUTE, 0, &removed), RT_OK);
	ck_assert_uint_eq(removed, 3);
	ck_assert_uint_eq(route_table_count(tables_routes(t), 0), 3);
	ck_assert_int_eq(tables_flush(t, RT_F_TABLE_ALL, TABLES_TAKE_CONFIG, &removed), RT_OK);
	ck_assert_uint_eq(removed, 1);
	ck_assert_uint_eq(route_table_count(tables_routes(t), 0), 2);
	ck_assert_int_eq(ev.gaps, 0);
}
END_TEST

START_TEST(test_neigh_owners)
{
	struct tables_result res;
	struct rt_neigh n = test_neigh("192.0.2.7", "02:00:00:00:00:07", "eth0", RT_ORIGIN_KERNEL);

	/* a dynamic imported neighbour may be pinned by an add */
	ck_assert_int_eq(tables_arp_import(t, &n, NULL), RT_OK);
	ev.n = 0;
	struct rt_neigh o = test_neigh("192.0.2.7", "02:00:00:00:00:17", "eth0", RT_ORIGIN_RTCTL);
	o.state = 0;            /* the wire's "permanent by default" */
	ck_assert_int_eq(tables_arp_add(t, &o, 0, &res), RT_OK);
	ck_assert_int_eq(ev.n, 1);
	ck_assert_str_eq(ev.text[0], "change 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:17 PERMANENT proto rtctl");
	/* the kernel's own permanent, noarp and protocol entries may not */
	struct rt_neigh p = test_neigh("192.0.2.8", "02:00:00:00:00:08", "eth0", RT_ORIGIN_KERNEL);
	p.state = NUD_PERMANENT;
	ck_assert_int_eq(tables_arp_import(t, &p, NULL), RT_OK);
	o.ip = p.ip;
	ck_assert_int_eq(tables_arp_add(t, &o, TABLES_REPLACE, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by kernel");
	p.state = NUD_STALE;
	p.protocol = RTPROT_ZEBRA;
	ck_assert_int_eq(tables_arp_import(t, &p, NULL), RT_OK);
	ck_assert_int_eq(tables_arp_add(t, &o, TABLES_REPLACE, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by zebra");
	ck_assert_int_eq(tables_arp_del(t, &p.ip, "eth0", TABLES_TAKE_CONFIG, &res), RT_E_OWNED);
	/* an import never replaces an owned entry */
	n.state = NUD_STALE;
	ck_assert_int_eq(tables_arp_import(t, &n, NULL), RT_E_OWNED);
	ck_assert_int_eq(tables_arp_unimport(t, &n.ip, "eth0"), RT_E_OWNED);
	/* config entries */
	struct rt_neigh c = test_neigh("192.0.2.9", "02:00:00:00:00:09", "eth0", RT_ORIGIN_CONFIG);
	ck_assert_int_eq(tables_arp_add(t, &c, TABLES_REPLACE | TABLES_TAKE_CONFIG, &res), RT_OK);
	struct rt_neigh u = test_neigh("192.0.2.9", "02:00:00:00:00:19", "eth0", RT_ORIGIN_RTCTL);
	ck_assert_int_eq(tables_arp_add(t, &u, TABLES_REPLACE, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by config; use --force");
	ck_assert_int_eq(tables_arp_del(t, &u.ip, "eth0", 0, &res), RT_E_OWNED);
	ck_assert_int_eq(tables_arp_add(t, &u, TABLES_REPLACE | TABLES_TAKE_CONFIG, &res), RT_OK);
	ck_assert_int_eq(res.notice, RT_NOTE_TAKEN_OVER);
	ck_assert_int_eq(tables_arp_del(t, &u.ip, "eth0", 0, &res), RT_OK);
	size_t removed;
	ck_assert_int_eq(tables_flush(t, RT_F_TABLE_ARP, TABLES_TAKE_CONFIG, &removed), RT_OK);
	ck_assert_uint_eq(removed, 1);                  /* 192.0.2.7; the import stays */
	ck_assert_uint_eq(arp_store_count(tables_arp(t)), 1);
	ck_assert_int_eq(ev.gaps, 0);
}
END_TEST

/* ---- FPM and kernel copies of one route (SPEC) ---------------------------------------- */

static struct rt_route *frr(const char *dst, const char *gw, const char *dev, uint8_t origin)
{
	struct rt_route *r = route(dst, gw, dev, 20, origin);

	r->protocol = RTPROT_BGP;
	r->scope = RT_SCOPE_UNIVERSE;
	return r;
}

START_TEST(test_fpm_kernel_copies)
{
	struct rt_prefix p = pfx("10.5.0.0/16");
	uint32_t disc = rt_disc_make(RT_DISC_KERNEL, 0, 0);
	struct rt_route *out = malloc(rt_route_size(RT_NH_MAX));
	bool changed;

	/* the kernel's copy first (rtmd started after zebra), then FPM's:
	 * one change at one key */
	ev.n = 0;
	ck_assert_int_eq(tables_route_import(t, frr("10.5.0.0/16", "192.0.2.9", "eth0", RT_ORIGIN_KERNEL),
	                                     NULL), RT_OK);
	ck_assert_int_eq(tables_route_import(t, frr("10.5.0.0/16", "192.0.2.9", "eth0", RT_ORIGIN_FPM),
	                                     &changed), RT_OK);
	ck_assert(changed);
	ck_assert_int_eq(ev.n, 2);
	ck_assert_str_eq(ev.text[1], "change 10.5.0.0/16 via 192.0.2.9 dev eth0 proto bgp metric 20");
	ck_assert_uint_eq(route_table_count(tables_routes(t), 0), 1);
	ck_assert_uint_eq(tables_fpm_routes(t), 1);
	ck_assert_uint_eq(tables_hidden_routes(t), 1);
	/* the kernel's changes of it: nothing for subscribers, but kept */
	ck_assert_int_eq(tables_route_import(t, frr("10.5.0.0/16", "192.0.2.8", "eth0", RT_ORIGIN_KERNEL),
	                                     &changed), RT_OK);
	ck_assert(!changed);
	ck_assert_int_eq(ev.n, 2);
	ck_assert_int_eq(tables_route_find_import(t, &p, 20, disc, out), RT_OK);
	ck_assert_uint_eq(out->origin, RT_ORIGIN_KERNEL);
	ck_assert_uint_eq(out->nh[0].gw.bytes[3], 8);
	/* a replayed FPM route as it was: nothing */
	ck_assert_int_eq(tables_route_import(t, frr("10.5.0.0/16", "192.0.2.9", "eth0", RT_ORIGIN_FPM),
	                                     &changed), RT_OK);
	ck_assert(!changed);
	ck_assert_int_eq(ev.n, 2);
	/* rtctl may not touch it */
	struct tables_result res;
	ck_assert_int_eq(tables_route_add(t, route("10.5.0.0/16", NULL, "eth1", 20, RT_ORIGIN_RTCTL),
	                                  TABLES_REPLACE, &res), RT_E_OWNED);
	ck_assert_str_eq(res.text, "owned by bgp (FRR); change it in FRR");
	/* the kernel's unimport never takes FPM's */
	ck_assert_int_eq(tables_route_unimport(t, &p, 20, disc), RT_OK);
	ck_assert_uint_eq(tables_hidden_routes(t), 0);
	ck_assert_int_eq(tables_route_unimport(t, &p, 20, disc), RT_E_NOTFOUND);
	ck_assert_int_eq(tables_route_find_import(t, &p, 20, disc, out), RT_E_NOTFOUND);
	ck_assert_uint_eq(route_table_count(tables_routes(t), 0), 1);
	ck_assert_int_eq(ev.n, 2);
	/* FPM's goes with no kernel copy: a delete */
	ck_assert_int_eq(tables_route_unimport_fpm(t, &p, 20, 0), RT_OK);
	ck_assert_int_eq(ev.n, 3);
	ck_assert_str_eq(ev.text[2], "del 10.5.0.0/16 via 192.0.2.9 dev eth0 proto bgp metric 20");
	ck_assert_int_eq(tables_route_unimport_fpm(t, &p, 20, 0), RT_E_NOTFOUND);

	/* FPM's first, then the kernel's: the kernel's is hidden; when FPM's
	 * goes the kernel's remains, as one change */
	ck_assert_int_eq(tables_route_import(t, frr("10.5.0.0/16", "192.0.2.9", "eth0", RT_ORIGIN_FPM),
	                                     NULL), RT_OK);
	ck_assert_int_eq(tables_route_import(t, frr("10.5.0.0/16", "192.0.2.7", "eth0", RT_ORIGIN_KERNEL),
	                                     NULL), RT_OK);
	ck_assert_int_eq(ev.n, 4);
	ck_assert_int_eq(tables_route_unimport_fpm(t, &p, 20, 0), RT_OK);
	ck_assert_int_eq(ev.n, 5);
	ck_assert_str_eq(ev.text[4], "change 10.5.0.0/16 via 192.0.2.7 dev eth0 proto bgp metric 20");
	ck_assert_uint_eq(tables_hidden_routes(t), 0);
	ck_assert_uint_eq(tables_fpm_routes(t), 0);
	ck_assert_int_eq(tables_route_find_import(t, &p, 20, disc, out), RT_OK);

	/* an IPv6 device route: the kernel keys it with the device, and so
	 * does FPM (fpm_routes.c): taking over and giving back are one change */
	uint32_t dev3 = rt_disc_make(RT_DISC_KERNEL, 0, 3), dev4 = rt_disc_make(RT_DISC_KERNEL, 0, 4);
	struct rt_prefix p6 = pfx("2001:db8::/64");
	struct rt_route *k6 = frr("2001:db8::/64", NULL, "eth0", RT_ORIGIN_KERNEL);
	k6->disc = dev3;
	ck_assert_int_eq(tables_route_import(t, k6, NULL), RT_OK);
	ev.n = 0;
	struct rt_route *f6 = frr("2001:db8::/64", NULL, "eth0", RT_ORIGIN_FPM);
	f6->disc = dev3;
	ck_assert_int_eq(tables_route_import(t, f6, NULL), RT_OK);
	ck_assert_int_eq(ev.n, 1);
	ck_assert_str_eq(ev.text[0], "change 2001:db8::/64 dev eth0 proto bgp metric 20 pref medium");
	ck_assert_uint_eq(route_table_count(tables_routes(t), AF_INET6), 1);
	ck_assert_uint_eq(tables_hidden_routes(t), 1);
	ck_assert_int_eq(tables_route_find_fpm(t, &p6, 20, 0, out), RT_OK);
	ck_assert_uint_eq(out->disc, dev3);
	ck_assert_int_eq(tables_route_import(t, f6, &changed), RT_OK);     /* replayed: nothing */
	ck_assert(!changed);
	ck_assert_int_eq(ev.n, 1);
	ck_assert_int_eq(tables_route_unimport_fpm(t, &p6, 20, 0), RT_OK);
	ck_assert_int_eq(ev.n, 2);
	ck_assert_str_eq(ev.text[1], "change 2001:db8::/64 dev eth0 proto bgp metric 20 pref medium");
	ck_assert_int_eq(tables_route_find_import(t, &p6, 20, dev3, out), RT_OK);
	ck_assert_uint_eq(out->origin, RT_ORIGIN_KERNEL);
	ck_assert_uint_eq(tables_hidden_routes(t), 0);
	ck_assert_uint_eq(tables_fpm_routes(t), 0);
	/* FPM's route moves to another device: the key changes, as in the
	 * kernel (an add and a delete), and the kernel's copy stays hidden */
	ck_assert_int_eq(tables_route_import(t, f6, NULL), RT_OK);
	struct rt_route *g6 = frr("2001:db8::/64", NULL, "eth1", RT_ORIGIN_FPM);
	g6->disc = dev4;
	ev.n = 0;
	ck_assert_int_eq(tables_route_import(t, g6, NULL), RT_OK);
	ck_assert_int_eq(ev.n, 2);
	ck_assert_str_eq(ev.text[0], "add 2001:db8::/64 dev eth1 proto bgp metric 20 pref medium");
	ck_assert_str_eq(ev.text[1], "del 2001:db8::/64 dev eth0 proto bgp metric 20 pref medium");
	ck_assert_uint_eq(tables_fpm_routes(t), 1);
	ck_assert_uint_eq(tables_hidden_routes(t), 1);
	ck_assert_uint_eq(route_table_count(tables_routes(t), AF_INET6), 1);
	/* and goes: the kernel's copy of eth0 is back */
	ck_assert_int_eq(tables_route_unimport_fpm(t, &p6, 20, 0), RT_OK);
	ck_assert_int_eq(ev.n, 4);
	ck_assert_str_eq(ev.text[2], "del 2001:db8::/64 dev eth1 proto bgp metric 20 pref medium");
	ck_assert_str_eq(ev.text[3], "add 2001:db8::/64 dev eth0 proto bgp metric 20 pref medium");
	ck_assert_uint_eq(tables_fpm_routes(t), 0);
	/* a device in the key only where the kernel puts one */
	struct rt_route *f4 = frr("10.6.0.0/16", NULL, "eth0", RT_ORIGIN_FPM);
	f4->disc = dev3;
	ck_assert_int_eq(tables_route_import(t, f4, NULL), RT_E_INVALID);
	struct rt_route *gw6 = frr("2001:db8:5::/64", "2001:db8::9", "eth0", RT_ORIGIN_FPM);
	gw6->disc = dev3;
	ck_assert_int_eq(tables_route_import(t, gw6, NULL), RT_E_INVALID);
	ck_assert_int_eq(ev.gaps, 0);
	free(out);
}
END_TEST

/* ---- imports and the pending state ------------------------------------------------ */

START_TEST(test_imports)
{
	char err[ERRSZ];
	bool changed;

	struct rt_route *k = route("fe80::/64", NULL, "eth1", 256, RT_ORIGIN_KERNEL);
	k->protocol = RTPROT_KERNEL;
	k->disc = rt_disc_make(RT_DISC_KERNEL, 0, 3);
	ck_assert_int_eq(tables_route_import(t, k, &changed), RT_OK);
	ck_assert(changed);
	ck_assert_int_eq(tables_route_import(t, k, &changed), RT_OK);
	ck_assert(!changed);
	k->disc = rt_disc_make(RT_DISC_KERNEL, 0, 4);
	strcpy(k->nh[0].dev, "eth2");
	ck_assert_int_eq(tables_route_import(t, k, &changed), RT_OK);
	ck_assert_uint_eq(route_table_count(tables_routes(t), 0), 2);
	/* owned routes are not imports, and vice versa */
	ck_assert_int_eq(tables_route_import(t, route("10.0.0.0/8", NULL, "eth0", 0, RT_ORIGIN_RTCTL),
	                                     NULL), RT_E_INVALID);
	ck_assert_int_eq(tables_route_add(t, k, 0, NULL), RT_E_INVALID);
	struct rt_prefix p = pfx("fe80::/64");
	ck_assert_int_eq(tables_route_unimport(t, &p, 256, rt_disc_make(RT_DISC_KERNEL, 0, 4)), RT_OK);
	ck_assert_int_eq(tables_route_unimport(t, &p, 256, rt_disc_make(RT_DISC_KERNEL, 0, 4)),
	                 RT_E_NOTFOUND);
	/* imported neighbours cost no sync */
	ck_assert_int_eq(tables_sync(t, NULL, err, sizeof(err)), 0);
	ck_assert(!tables_dirty(t));
	struct rt_neigh n = test_neigh("192.0.2.7", "02:00:00:00:00:07", "eth0", RT_ORIGIN_KERNEL);
	ck_assert_int_eq(tables_arp_import(t, &n, &changed), RT_OK);
	n.state = NUD_STALE;
	ck_assert_int_eq(tables_arp_import(t, &n, &changed), RT_OK);
	ck_assert(changed);
	ck_assert(!tables_dirty(t));
	ck_assert_int_eq(tables_arp_unimport(t, &n.ip, "eth0"), RT_OK);
	ck_assert(!tables_dirty(t));
	ck_assert_int_eq(tables_arp_import(t, &n, &changed), RT_OK);
	/* imported routes are not stored (the kernel gives them again) */
	reopen();
	ck_assert_uint_eq(route_table_count(tables_routes(t), 0), 0);
	ck_assert_int_eq(ev.gaps, 0);
}
END_TEST

START_TEST(test_pending)
{
	struct tables_result res;
	struct rt_route out;
	struct rt_addr a = ip("10.1.2.3");
	struct rt_prefix p = pfx("10.1.0.0/16");

	ck_assert_int_eq(tables_route_add(t, route("10.0.0.0/8", NULL, "eth0", 0, RT_ORIGIN_RTCTL), 0,
	                                  &res), RT_OK);
	ck_assert_int_eq(tables_route_add(t, route("10.1.0.0/16", NULL, "eth9", 0, RT_ORIGIN_RTCTL), 0,
	                                  &res), RT_OK);
	ev.n = 0;
	ck_assert_int_eq(tables_route_set_pending(t, &p, 0, "No such device"), RT_OK);
	ck_assert_int_eq(ev.n, 1);
	ck_assert_str_eq(ev.text[0], "change 10.1.0.0/16 dev eth9 proto rtctl scope link pending");
	ck_assert_int_eq(tables_route_set_pending(t, &p, 0, "No such device"), RT_OK);
	ck_assert_int_eq(ev.n, 1);              /* no change, no event */
	ck_assert_int_eq(route_table_lookup(tables_routes(t), &a, &out), RT_OK);
	ck_assert_uint_eq(out.dst.len, 8);      /* the pending /16 does not match */
	ck_assert_int_eq(route_table_find(tables_routes(t), &p, 0, 0, &out, NULL), RT_OK);
	ck_assert_str_eq(out.reason, "No such device");
	/* a replace with the same value keeps it pending */
	ck_assert_int_eq(tables_route_add(t, route("10.1.0.0/16", NULL, "eth9", 0, RT_ORIGIN_RTCTL),
	                                  TABLES_REPLACE, &res), RT_OK);
	ck_assert(!res.changed);
	ck_assert_int_eq(tables_route_set_pending(t, &p, 0, NULL), RT_OK);
	ck_assert_int_eq(route_table_lookup(tables_routes(t), &a, &out), RT_OK);
	ck_assert_uint_eq(out.dst.len, 16);
	/* never stored: pending again, then a restart knows nothing of it */
	ck_assert_int_eq(tables_route_set_pending(t, &p, 0, "key held by bgp"), RT_OK);
	reopen();
	ck_assert_int_eq(route_table_find(tables_routes(t), &p, 0, 0, &out, NULL), RT_OK);
	ck_assert_uint_eq(out.flags, 0);
	ck_assert_int_eq(tables_route_set_pending(t, &p, 7, "x"), RT_E_NOTFOUND);
}
END_TEST

/* ---- all-or-nothing ---------------------------------------------------------------- */

static int countdown = -1;
static int faults;

static bool fail_nth(const char *site)
{
	(void)site;
	if (countdown < 0)
		return false;
	if (countdown-- == 0) {
		faults++;
		return true;
	}
	return false;
}

/* The first line where two snapshots differ, for a message that fits. */
static const char *first_diff(const char *a, const char *b, char *buf, size_t cap)
{
	size_t i = 0, line = 0;

	while (a[i] && a[i] == b[i])
		i++;
	for (line = i; line > 0 && a[line - 1] != '\n'; line--)
		;
	const char *ea = strchr(a + line, '\n'), *eb = strchr(b + line, '\n');
	snprintf(buf, cap, "<%.*s> became <%.*s>", ea ? (int)(ea - a - line) : 60, a + line,
	         eb ? (int)(eb - b - line) : 60, b + line);
	return buf;
}

typedef int (*change_fn)(void);

/* Run change with the n-th allocation failing, for every n until one that
 * is past the change's last allocation.  A failure must change nothing (the
 * table, its tags, the events, and what a restart reads from the store);
 * the success at the end must be the whole change. */
static void each_failure(change_fn change, const char *what)
{
	int n;

	for (n = 0;; n++) {
		char *before = snapshot(true), *stored_before = owned_snapshot();
		int events = ev.n;

		countdown = n;
		faults = 0;
		rt_fault_hook = fail_nth;
		int rc = change();
		rt_fault_hook = NULL;
		countdown = -1;
		if (!faults) {
			ck_assert_msg(rc == RT_OK, "%s: %s without a failure", what, rt_err_str(rc));
			free(before);
			free(stored_before);
			break;
		}
		char *after = snapshot(true);
		if (rc != RT_OK) {
			char d[400];
			ck_assert_msg(strcmp(before, after) == 0, "%s, allocation %d failed: the table "
			              "changed: %s", what, n, first_diff(before, after, d, sizeof(d)));
			ck_assert_msg(ev.n == events, "%s, allocation %d failed: %d event(s)", what, n,
			              ev.n - events);
			/* what the store holds is what the table held */
			reopen();
			char *stored = owned_snapshot();
			ck_assert_msg(strcmp(stored, stored_before) == 0, "%s, allocation %d failed: the "
			              "store changed: %s", what, n, first_diff(stored_before, stored, d,
			                                                         sizeof(d)));
			free(stored);
		} else {
			/* a failure the change could work around (a growth it did
			 * not need): it happened whole */
			ck_assert_int_eq(ev.n, events + 1);
			free(before);
			free(stored_before);
			free(after);
			break;
		}
		free(before);
		free(stored_before);
		free(after);
	}
	ck_assert_msg(n > 0, "%s: no allocation to fail", what);
	if (getenv("CHECK_TABLES_VERBOSE"))
		fprintf(stderr, "%s: %d allocation(s) failed in turn\n", what, n);
	/* the change, made, is in the store */
	char *made = owned_snapshot();
	reopen();
	char *stored = owned_snapshot();
	char d[400];
	ck_assert_msg(strcmp(made, stored) == 0, "%s: made, then restored: %s", what,
	              first_diff(made, stored, d, sizeof(d)));
	free(made);
	free(stored);
	ck_assert_int_eq(ev.gaps, 0);
}

static int add_b(void)
{
	return tables_route_add(t, route("10.2.0.0/16", "192.0.2.2", "eth0", 0, RT_ORIGIN_RTCTL), 0, NULL);
}

static int replace_a(void)
{
	struct rt_route *r = route("10.1.0.0/16", "192.0.2.9", "eth1", 0, RT_ORIGIN_RTCTL);

	r->src = ip("10.1.0.9");        /* new attributes: a new set to intern */
	return tables_route_add(t, r, TABLES_REPLACE, NULL);
}

static int replace_a_multipath(void)
{
	struct rt_route *r = route("10.1.0.0/16", "192.0.2.9", "eth1", 0, RT_ORIGIN_RTCTL);

	r->nh_count = 3;
	for (unsigned i = 1; i < 3; i++) {
		r->nh[i] = r->nh[0];
		r->nh[i].gw.bytes[3] = (uint8_t)(10 + i);
	}
	rt_route_normalise(r, false);
	return tables_route_add(t, r, TABLES_REPLACE, NULL);
}

static int add_neigh(void)
{
	struct rt_neigh n = test_neigh("192.0.2.50", "02:00:00:00:00:50", "eth0", RT_ORIGIN_RTCTL);

	return tables_arp_add(t, &n, 0, NULL);
}

static int import_route(void)
{
	struct rt_route *r = route("10.7.0.0/16", "192.0.2.7", "eth3", 3, RT_ORIGIN_KERNEL);

	r->protocol = RTPROT_STATIC;
	return tables_route_import(t, r, NULL);
}

static int pend_a(void)
{
	struct rt_prefix p = pfx("10.1.0.0/16");

	return tables_route_set_pending(t, &p, 0, "Network is unreachable");
}

static int flush_all(void)
{
	size_t removed;

	return tables_flush(t, RT_F_TABLE_ALL, 0, &removed);
}

START_TEST(test_all_or_nothing)
{
	/* enough routes that the direct table exists: its blocks allocate too */
	char dst[32];
	for (int i = 0; i < 300; i++) {
		snprintf(dst, sizeof(dst), "172.%d.%d.0/24", 16 + i / 256, i % 256);
		ck_assert_int_eq(tables_route_add(t, route(dst, "192.0.2.1", "eth0", 0, RT_ORIGIN_RTCTL),
		                                  0, NULL), RT_OK);
	}
	ck_assert_int_eq(tables_route_add(t, route("10.1.0.0/16", "192.0.2.1", "eth0", 0, RT_ORIGIN_RTCTL),
	                                  0, NULL), RT_OK);
	each_failure(add_b, "route add");
	each_failure(replace_a, "route replace");
	each_failure(replace_a_multipath, "route replace to another store file");
	each_failure(replace_a, "route replace back");
	each_failure(add_neigh, "neigh add");
	each_failure(import_route, "route import");
	each_failure(pend_a, "pending");
	each_failure(flush_all, "flush");
	/* the import went with the restarts: the kernel gives it again */
	ck_assert_uint_eq(route_table_count(tables_routes(t), 0), 0);
}
END_TEST

/* Issue 11, item 3: a replace that failed half way must not leave the table
 * with the tag of a slot that is freed and reused, or a later delete of
 * that route frees an unrelated one (which a restart then lacks). */
START_TEST(test_failed_replace_then_delete)
{
	for (int n = 0; n < 8; n++) {
		struct tables_result res;

		ck_assert_int_eq(tables_route_add(t, route("10.1.0.0/16", "192.0.2.1", "eth0", 0,
		                                           RT_ORIGIN_RTCTL), 0, &res), RT_OK);
		countdown = n;
		rt_fault_hook = fail_nth;
		replace_a();
		rt_fault_hook = NULL;
		countdown = -1;
		/* the slots freed by this sync may be reused by the next add */
		reopen();
		ck_assert_int_eq(tables_route_add(t, route("10.2.0.0/16", "192.0.2.2", "eth0", 0,
		                                           RT_ORIGIN_RTCTL), 0, &res), RT_OK);
		ck_assert_int_eq(tables_route_add(t, route("10.3.0.0/16", "192.0.2.3", "eth0", 0,
		                                           RT_ORIGIN_RTCTL), 0, &res), RT_OK);
		struct rt_prefix p = pfx("10.1.0.0/16");
		ck_assert_int_eq(tables_route_del(t, &p, 0, 0, &res), RT_OK);
		reopen();
		char *s = snapshot(false);
		ck_assert_msg(!strstr(s, "10.1.0.0/16") && strstr(s, "10.2.0.0/16") &&
		              strstr(s, "10.3.0.0/16"), "allocation %d:\n%s", n, s);
		free(s);
		size_t removed;
		ck_assert_int_eq(tables_flush(t, RT_F_TABLE_ALL, 0, &removed), RT_OK);
		ck_assert_uint_eq(removed, 2);
	}
}
END_TEST

static Suite *tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *tc = tcase_create("tables");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_route_owners);
	tcase_add_test(tc, test_neigh_owners);
	tcase_add_test(tc, test_imports);
	tcase_add_test(tc, test_fpm_kernel_copies);
	tcase_add_test(tc, test_pending);
	tcase_add_test(tc, test_all_or_nothing);
	tcase_add_test(tc, test_failed_replace_then_delete);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tables_suite());
	int failed;

	rt_log_set_level(LOG_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
