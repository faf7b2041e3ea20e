/* fpm_routes.c - zebra's routes in rtmd's tables (fpm_routes.h).
 *
 * The tables hold the routes; this file keeps, per FPM route, only what
 * the table has no field for: the next-hop group it came with (to resolve
 * it again when the group changes) and the connection that last sent it
 * (the mark of mark and sweep).  That is a flat map (idmap.h) from a
 * 64-bit hash of the route's key to 16 bytes, 24 bytes a route, so a
 * million BGP routes cost 24-48 MB here.  Two keys of one hash would share
 * a record: at 2^-64 a pair, not a concern for a table of millions.
 *
 * A group replaced in place must re-resolve its routes, and only those: a
 * BGP table of a million routes may have a few next hops, each a group
 * replaced whenever a peer's path changes.  So each group id that routes
 * use has the list of their keys (28 bytes a route on a group), and a
 * route's record says where it is in its list (an O(1) removal).
 */
#include <errno.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <xxhash.h>

#include "fpm_frame.h"
#include "fpm_nhg.h"
#include "fpm_routes.h"
#include "idmap.h"
#include "kernel_codec.h"
#include "links.h"
#include "log.h"
#include "tables.h"

struct rec {
	uint64_t h;             /* idmap's key */
	uint32_t nh_id;         /* 0: the route spelled out its next hops */
	uint32_t epoch;         /* the connection that last sent it */
	uint32_t pos;           /* nh_id != 0: its index in the group's list */
	uint32_t pad;
};

struct key {
	struct rt_prefix dst;
	uint32_t metric;
	uint8_t tos;
};

struct keys {
	struct key *v;
	size_t n, cap;
};

/* The routes on one next-hop group id (present while any is). */
struct grp {
	uint64_t id;            /* idmap's key: zebra's group id */
	struct keys routes;
};

struct fpm_routes {
	struct tables *t;
	const struct links *l;
	struct links *own_links;        /* l when none was given: empty */
	uint32_t table;
	struct idmap map;       /* struct rec by key_hash() */
	struct idmap groups;    /* struct grp by group id */
	uint32_t epoch;
	struct keys dels;       /* deletes of the current frame */
	struct rt_route *r;     /* scratch (9 KiB) */
	struct fpm_nh nh[FPM_NH_MAX];   /* scratch of resolve() */
	struct fpm_routes_stats st;
	uint64_t logged_ms;
	unsigned long unlogged;
};

/* ---- the map ------------------------------------------------------------------------ */

static uint64_t key_hash(const struct rt_prefix *dst, uint32_t metric, uint8_t tos)
{
	struct {
		uint8_t family, len, tos, pad;
		uint32_t metric;
		uint8_t addr[16];
	} k;
	uint64_t h;

	memset(&k, 0, sizeof(k));
	k.family = dst->addr.family;
	k.len = dst->len;
	k.tos = tos;
	k.metric = metric;
	memcpy(k.addr, dst->addr.bytes, rt_addr_bytes(dst->addr.family));
	h = XXH3_64bits(&k, sizeof(k));
	return h ? h : 1;
}

static struct rec *rec_find(const struct fpm_routes *fr, uint64_t h)
{
	return idmap_find(&fr->map, h);
}

/* Room for one more key. */
static bool keys_reserve(struct keys *k, size_t first_cap)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : first_cap;
		struct key *v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return false;
		k->v = v;
		k->cap = cap;
	}
	return true;
}

static bool keys_push(struct keys *k, const struct rt_prefix *dst, uint32_t metric, uint8_t tos)
{
	if (!keys_reserve(k, 64))
		return false;
	k->v[k->n++] = (struct key){ .dst = *dst, .metric = metric, .tos = tos };
	return true;
}

/* e leaves its group's list (the last key takes its place). */
static void grp_leave(struct fpm_routes *fr, struct rec *e)
{
	struct grp *g;
	struct keys *k;

	if (!e->nh_id)
		return;
	g = idmap_find(&fr->groups, e->nh_id);
	e->nh_id = 0;
	if (!g || e->pos >= g->routes.n)
		return;         /* cannot be: every route on a group is in its list */
	k = &g->routes;
	if (e->pos != --k->n) {
		struct key *m = &k->v[e->pos];
		struct rec *moved;

		*m = k->v[k->n];
		if ((moved = rec_find(fr, key_hash(&m->dst, m->metric, m->tos))))
			moved->pos = e->pos;
	}
	if (!k->n) {
		free(k->v);
		idmap_del(&fr->groups, g);
	}
}

/* e joins group id's list, where grp_reserve() made room. */
static void grp_join(struct fpm_routes *fr, struct rec *e, uint32_t id, const struct rt_route *r)
{
	struct grp *g = idmap_find(&fr->groups, id);
	struct keys *k = &g->routes;

	e->nh_id = id;
	e->pos = (uint32_t)k->n;
	k->v[k->n++] = (struct key){ .dst = r->dst, .metric = r->metric, .tos = r->tos };
}

static bool grp_reserve(struct fpm_routes *fr, uint32_t id)
{
	struct grp *g = idmap_put(&fr->groups, id);

	return g && keys_reserve(&g->routes, 4);
}

static void groups_clear(struct fpm_routes *fr)
{
	for (size_t i = 0; i < fr->groups.cap; i++) {
		struct grp *g = idmap_at(&fr->groups, i);

		if (g)
			free(g->routes.v);
	}
	idmap_clear(&fr->groups);
}

static void rec_del(struct fpm_routes *fr, uint64_t h)
{
	struct rec *e = rec_find(fr, h);

	if (e) {
		grp_leave(fr, e);
		idmap_del(&fr->map, e);
	}
}

/* ---- life ---------------------------------------------------------------------------- */

struct fpm_routes *fpm_routes_new(struct tables *t, const struct links *l, uint32_t table)
{
	struct fpm_routes *fr = calloc(1, sizeof(*fr));

	if (!fr)
		return NULL;
	fr->t = t;
	fr->l = l ? l : (fr->own_links = links_new());
	fr->table = table;
	fr->r = malloc(rt_route_size(RT_NH_MAX));
	if (!fr->l || idmap_init(&fr->map, sizeof(struct rec), 1024) < 0 || !fr->r ||
	    idmap_init(&fr->groups, sizeof(struct grp), 64) < 0) {
		fpm_routes_free(fr);
		return NULL;
	}
	return fr;
}

void fpm_routes_free(struct fpm_routes *fr)
{
	if (!fr)
		return;
	links_free(fr->own_links);
	idmap_free(&fr->map);
	if (fr->groups.v)
		groups_clear(fr);
	idmap_free(&fr->groups);
	free(fr->dels.v);
	free(fr->r);
	free(fr);
}

void fpm_routes_stats(const struct fpm_routes *fr, struct fpm_routes_stats *st)
{
	*st = fr->st;
}

/* A route rtmd cannot take: counted, the reason kept for status, and
 * logged at most once a second (a replay of routes over an interface
 * rtmd does not know would otherwise log a line a route). */
static void skip(struct fpm_routes *fr, const struct rt_route *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void skip(struct fpm_routes *fr, const struct rt_route *r, const char *fmt, ...)
{
	char why[112], p[RT_PREFIXSTRLEN];
	struct timespec ts;
	uint64_t now;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fr->st.skipped++;
	snprintf(fr->st.last_error, sizeof(fr->st.last_error), "route %s skipped: %s",
	         rt_prefix_str(&r->dst, p), why);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (fr->logged_ms && now - fr->logged_ms < 1000) {
		fr->unlogged++;
		return;
	}
	if (fr->unlogged)
		log_warn("fpm: %s (and %lu more skipped in the last second)", fr->st.last_error,
		         fr->unlogged);
	else
		log_warn("fpm: %s", fr->st.last_error);
	fr->unlogged = 0;
	fr->logged_ms = now;
}

/* ---- messages ------------------------------------------------------------------------ */

static int route_check(struct fpm_routes *fr, const struct nlmsghdr *h, char *why, size_t whylen)
{
	uint32_t table, nh_id;

	return kc_route_decode(h, fr->l, true, fr->r, &table, &nh_id, why, whylen) == KC_BAD ? -1 : 0;
}

/* Fill r's next hops from group id.  KC_OK, or KC_NOLINK / KC_BAD with
 * why (the route is skipped). */
static int resolve(struct fpm_routes *fr, const struct fpm_nhg *nhg, struct rt_route *r,
                   uint32_t id, char *why, size_t whylen)
{
	struct fpm_nh *nh = fr->nh;
	uint16_t n;
	bool blackhole;
	int rc = fpm_nhg_resolve(nhg, id, nh, &n, &blackhole, why, whylen);

	if (rc == 0)
		snprintf(why, whylen, "next-hop group %u is unknown", id);
	if (rc <= 0)
		return KC_BAD;
	r->nh_count = 0;
	if (blackhole) {
		r->type = RTN_BLACKHOLE;
		return KC_OK;
	}
	if (n > RT_NH_MAX) {
		snprintf(why, whylen, "next-hop group %u has %u next hops", id, n);
		return KC_BAD;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rt_nexthop *x = &r->nh[i];
		const char *name;

		memset(x, 0, sizeof(*x));
		x->weight = n == 1 ? 1 : nh[i].weight;
		x->flags = nh[i].flags & RT_NHF_KNOWN;
		if (nh[i].family) {
			x->gw.family = nh[i].family;
			memcpy(x->gw.bytes, nh[i].gw, rt_addr_bytes(nh[i].family));
		}
		if (nh[i].ifindex) {
			if (!(name = links_name(fr->l, (int)nh[i].ifindex))) {
				snprintf(why, whylen, "unknown interface index %u (next-hop group %u)",
				         nh[i].ifindex, id);
				return KC_NOLINK;
			}
			snprintf(x->dev, sizeof(x->dev), "%s", name);
		}
	}
	r->nh_count = n;
	return KC_OK;
}

static int nh_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct rt_nexthop));
}

/* The key r's kernel copy has (tables.h): the kernel keeps an IPv6 route
 * without a gateway per device, so the device is part of it; zebra's
 * messages name none (a delete has no RTA_OIF, a route on a group only
 * its id), so it is found here, from the device's name. */
static uint32_t kernel_disc(const struct fpm_routes *fr, const struct rt_route *r)
{
	int ifindex = 0;

	if (r->dst.addr.family == AF_INET6 && r->nh_count == 1 && !r->nh[0].gw.family &&
	    r->nh[0].dev[0])
		ifindex = links_index(fr->l, r->nh[0].dev);
	return rt_disc_make(RT_DISC_KERNEL, r->tos, ifindex > 0 ? (uint32_t)ifindex : 0);
}

/* Put r (decoded, next hops resolved) in the table and remember it. */
static int take(struct fpm_routes *fr, struct rt_route *r, uint32_t nh_id)
{
	uint64_t h = key_hash(&r->dst, r->metric, r->tos);
	char why[RT_ERRLEN];
	struct rec *e;
	bool fresh;
	int rc;

	/* zebra's next hops are a set: its groups list them in id order,
	 * and a replay's new ids may reorder the same paths.  In one
	 * canonical order, a replayed route compares equal and emits
	 * nothing (doc/DESIGN.md). */
	if (r->nh_count > 1)
		qsort(r->nh, r->nh_count, sizeof(r->nh[0]), nh_cmp);
	r->disc = kernel_disc(fr, r);
	if (rt_route_check(r, why) < 0) {
		skip(fr, r, "%s", why);
		return 0;
	}
	fresh = !rec_find(fr, h);
	if (!(e = idmap_put(&fr->map, h))) {
		log_err("fpm: out of memory for the FPM route index");
		return -1;
	}
	/* Everything that can fail comes before the table changes. */
	if (nh_id && nh_id != e->nh_id && !grp_reserve(fr, nh_id)) {
		log_err("fpm: out of memory for the routes of next-hop group %u", nh_id);
		rc = RT_E_FULL;
	} else {
		rc = tables_route_import(fr->t, r, NULL);
	}
	if (rc != RT_OK) {
		if (fresh)
			idmap_del(&fr->map, e);
		if (rc == RT_E_FULL) {
			log_err("fpm: out of memory taking an FPM route");
			return -1;
		}
		skip(fr, r, "%s", rt_err_str(rc));
		return 0;
	}
	if (nh_id != e->nh_id) {
		grp_leave(fr, e);
		if (nh_id)
			grp_join(fr, e, nh_id, r);
	}
	e->epoch = fr->epoch;
	return 0;
}

static int route_apply(struct fpm_routes *fr, const struct fpm_nhg *nhg, const struct nlmsghdr *h)
{
	struct rt_route *r = fr->r;
	uint32_t table, nh_id;
	char why[200];
	int rc = kc_route_decode(h, fr->l, true, r, &table, &nh_id, why, sizeof(why));

	if (rc == KC_SKIP || rc == KC_BAD)     /* KC_BAD: check_msg refused it already */
		return 0;
	if (table != fr->table) {
		fr->st.other_table++;
		return 0;
	}
	if (h->nlmsg_type == RTM_DELROUTE)
		return keys_push(&fr->dels, &r->dst, r->metric, r->tos) ? 0 : -1;
	/* An add of a key this frame deleted: the delete is void, the add a
	 * change (or nothing, if the route is as it was). */
	for (size_t i = 0; i < fr->dels.n;) {
		struct key *k = &fr->dels.v[i];

		if (k->metric == r->metric && k->tos == r->tos && k->dst.len == r->dst.len &&
		    rt_addr_equal(&k->dst.addr, &r->dst.addr))
			*k = fr->dels.v[--fr->dels.n];  /* and look at what moved here */
		else
			i++;
	}
	if (rc == KC_OK && nh_id && !r->nh_count && r->type == RTN_UNICAST)
		rc = resolve(fr, nhg, r, nh_id, why, sizeof(why));
	else
		nh_id = 0;      /* its next hops are its own */
	if (rc != KC_OK) {
		/* What rtmd held of the key no longer stands. */
		skip(fr, r, "%s", why);
		return keys_push(&fr->dels, &r->dst, r->metric, r->tos) ? 0 : -1;
	}
	return take(fr, r, nh_id);
}

/* The deletes of the frame that no add of the same key voided. */
static void frame_end(struct fpm_routes *fr)
{
	for (size_t i = 0; i < fr->dels.n; i++) {
		struct key *k = &fr->dels.v[i];

		tables_route_unimport_fpm(fr->t, &k->dst, k->metric, k->tos);
		rec_del(fr, key_hash(&k->dst, k->metric, k->tos));
	}
	fr->dels.n = 0;
}

/* ---- frames ---------------------------------------------------------------------------- */

struct frame_ctx {
	struct fpm_routes *fr;
	struct fpm_nhg *nhg;
	char *why;
	size_t whylen;
	size_t n, ignored;
};

/* Check one message of a frame before any message of it is used. */
static int check_msg(void *ctx, const struct nlmsghdr *h)
{
	struct frame_ctx *c = ctx;
	size_t body = h->nlmsg_len - NLMSG_HDRLEN, need;

	switch (h->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		char why[160];

		need = sizeof(struct rtmsg);
		if (body >= need && route_check(c->fr, h, why, sizeof(why)) < 0) {
			snprintf(c->why, c->whylen, "netlink message %zu of the frame: %s", c->n + 1, why);
			return -1;
		}
		break;
	}
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP: {
		uint32_t id;
		char why[160];

		if (fpm_nhg_check(c->nhg, h, &id, why, sizeof(why)) < 0) {
			snprintf(c->why, c->whylen, "netlink message %zu of the frame: %s", c->n + 1, why);
			return -1;
		}
		c->n++;
		return 0;
	}
	default:
		/* zebra also sends what rtmd has no table for (EVPN MACs as
		 * RTM_NEWNEIGH, ...): skipped and counted, not an error. */
		c->ignored++;
		c->n++;
		return 0;
	}
	if (body < need) {
		snprintf(c->why, c->whylen, "netlink message %zu of the frame (type %u) has %zu bytes of body, needs %zu",
		         c->n + 1, h->nlmsg_type, body, need);
		return -1;
	}
	c->n++;
	return 0;
}

/* Apply one message of a checked frame. */
static int apply_msg(void *ctx, const struct nlmsghdr *h)
{
	struct frame_ctx *c = ctx;

	switch (h->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (route_apply(c->fr, c->nhg, h) < 0) {
			snprintf(c->why, c->whylen, "out of memory for routes");
			return -1;
		}
		return 0;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP: {
		uint32_t id;
		char why[160];
		/* A group replaced in place changes the routes that use it, as
		 * in the kernel, without a route message. */
		bool known = h->nlmsg_type == RTM_NEWNEXTHOP &&
		             fpm_nhg_check(c->nhg, h, &id, why, sizeof(why)) == 0 &&
		             fpm_nhg_has(c->nhg, id);

		if (fpm_nhg_apply(c->nhg, h) < 0) {
			snprintf(c->why, c->whylen, "out of memory for next-hop groups");
			return -1;
		}
		if (known)
			fpm_routes_nhg_changed(c->fr, c->nhg, id);
		return 0;
	}
	default:
		return 0;
	}
}

int fpm_routes_frame(struct fpm_routes *fr, struct fpm_nhg *nhg, const void *payload, size_t len,
                     size_t *msgs, size_t *ignored, char *why, size_t whylen)
{
	struct frame_ctx c = { .fr = fr, .nhg = nhg, .why = why, .whylen = whylen };
	int rc;

	if (fpm_frame_walk(payload, len, check_msg, &c, why, whylen) != 0)
		return -1;
	fr->dels.n = 0;
	rc = fpm_frame_walk(payload, len, apply_msg, &c, why, whylen);
	frame_end(fr);
	*msgs = c.n;
	*ignored = c.ignored;
	return rc ? -1 : 0;
}

/* ---- walks over the FPM routes ------------------------------------------------------ */

struct pick {
	struct fpm_routes *fr;
	enum { P_UNSEEN, P_ALL } what;
	struct keys out;
	bool oom;
};

static int pick_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct pick *p = ctx;
	const struct rec *e;
	bool take_it;

	(void)tag;
	if (r->origin != RT_ORIGIN_FPM)
		return 0;
	e = rec_find(p->fr, key_hash(&r->dst, r->metric, r->tos));
	take_it = p->what == P_ALL || !e || e->epoch != p->fr->epoch;
	if (take_it && !keys_push(&p->out, &r->dst, r->metric, r->tos)) {
		p->oom = true;
		return 1;
	}
	return 0;
}

void fpm_routes_nhg_changed(struct fpm_routes *fr, const struct fpm_nhg *nhg, uint32_t id)
{
	struct keys out = { 0 };
	bool oom = false;
	char why[200];

	/* The routes on id and on the groups that hold it: a look at each
	 * group routes use (few: zebra shares them), then at their routes
	 * only.  Copied out first: a route that no longer resolves leaves
	 * its list. */
	for (size_t i = 0; i < fr->groups.cap && !oom; i++) {
		const struct grp *g = idmap_at(&fr->groups, i);

		if (!g || !fpm_nhg_uses(nhg, (uint32_t)g->id, id))
			continue;
		for (size_t j = 0; j < g->routes.n && !oom; j++) {
			const struct key *k = &g->routes.v[j];

			oom = !keys_push(&out, &k->dst, k->metric, k->tos);
		}
	}
	if (oom)
		log_err("fpm: out of memory finding the routes of next-hop group %u; some keep their next hops until zebra sends them again",
		        id);
	fr->st.group_route_visits += out.n;
	for (size_t i = 0; i < out.n; i++) {
		struct key *k = &out.v[i];
		const struct rec *e = rec_find(fr, key_hash(&k->dst, k->metric, k->tos));
		struct rt_route *r = fr->r;
		int rc;

		if (!e || tables_route_find_fpm(fr->t, &k->dst, k->metric, k->tos, r) != RT_OK)
			continue;
		r->type = RTN_UNICAST;
		if ((rc = resolve(fr, nhg, r, e->nh_id, why, sizeof(why))) != KC_OK) {
			skip(fr, r, "%s", why);
			tables_route_unimport_fpm(fr->t, &k->dst, k->metric, k->tos);
			rec_del(fr, key_hash(&k->dst, k->metric, k->tos));
			continue;
		}
		take(fr, r, e->nh_id);
	}
	free(out.v);
}

void fpm_routes_mark(struct fpm_routes *fr)
{
	fr->epoch++;
}

size_t fpm_routes_sweep(struct fpm_routes *fr, bool all)
{
	struct pick p = { .fr = fr, .what = all ? P_ALL : P_UNSEEN };
	size_t gone = 0;

	route_table_walk(tables_routes(fr->t), RT_FILTER_ALL, NULL, pick_route, &p);
	if (p.oom) {
		/* Sweep nothing rather than the wrong things. */
		log_err("fpm: out of memory finding the routes zebra did not send again; they stay");
		p.out.n = 0;
	}
	for (size_t i = 0; i < p.out.n; i++) {
		struct key *k = &p.out.v[i];

		if (tables_route_unimport_fpm(fr->t, &k->dst, k->metric, k->tos) == RT_OK)
			gone++;
		rec_del(fr, key_hash(&k->dst, k->metric, k->tos));
	}
	free(p.out.v);
	if (all) {
		idmap_clear(&fr->map);
		groups_clear(fr);
	}
	return gone;
}
