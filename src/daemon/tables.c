/* tables.c - apply changes to the route and ARP tables, emit events.
 *
 * The order of every change: refuse what is not allowed (ownership,
 * existence), then reserve what can fail (the route table's memory), then
 * the store (which either writes or changes nothing), then the commit to
 * the table, which can no longer fail, then the event.  So a change that
 * fails at any allocation leaves the table, the store and the event stream
 * as they were, and a table entry never carries the tag of a slot it does
 * not own. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fault.h"
#include "log.h"
#include "route_store.h"
#include "rtnames.h"
#include "store_upgrade.h"
#include "tables.h"

struct tables {
	struct route_table *routes;
	struct route_store *rstore;
	struct arp_store *arp;
	uint64_t event_seq;
	size_t config_routes;   /* routes of origin config: reconciling */
	tables_event_fn emit;
	void *emit_ctx;
	struct tables_kernel kernel;    /* ctx NULL: kernel sync is off */
	struct rt_route *cur;   /* scratch: an entry being changed (9 KiB) */
	struct rt_route *tmp;
	/* The kernel's copies of routes FPM holds (SPEC: "FPM and kernel
	 * copies of one route"): out of sight while FPM's copy is there,
	 * kept current by kernel sync, shown again when FPM's goes.  NULL
	 * until first needed. */
	struct route_table *hidden;
	size_t fpm_routes;
	struct rt_route *hid;   /* scratch for the hidden copies */
};

static void emit_route(struct tables *t, uint8_t kind, const struct rt_route *r)
{
	struct rt_event ev = { .seq = ++t->event_seq, .kind = kind, .table = RT_TABLE_ROUTE,
	                       .route = r };

	if (t->emit)
		t->emit(t->emit_ctx, &ev);
}

static void emit_neigh(struct tables *t, uint8_t kind, const struct rt_neigh *n, uint32_t slot)
{
	struct rt_event ev = { .seq = ++t->event_seq, .kind = kind, .table = RT_TABLE_ARP, .slot = slot };

	ev.neigh = *n;
	if (t->emit)
		t->emit(t->emit_ctx, &ev);
}

static void result_clear(struct tables_result *res)
{
	if (res) {
		res->changed = false;
		res->notice = 0;
		res->text[0] = '\0';
	}
}

static int owned_by(struct tables_result *res, uint8_t origin, uint8_t protocol)
{
	char name[RT_NAMELEN];

	if (res)
		snprintf(res->text, sizeof(res->text), "owned by %s%s",
		         rt_owner_name(origin, protocol, name),
		         origin == RT_ORIGIN_CONFIG ? "; use --force" :
		         origin == RT_ORIGIN_FPM ? " (FRR); change it in FRR" : "");
	return RT_E_OWNED;
}

/* ---- opening --------------------------------------------------------------- */

struct load_ctx {
	struct tables *t;
	size_t failed;
};

/* A stored route that the table refuses (a duplicate the store could not
 * resolve, or no memory): keep the store consistent with what is served. */
static void load_drop(struct load_ctx *lc, const struct rt_route *r, uint32_t tag, int rc)
{
	char buf[RT_ROUTESTRLEN];

	rt_route_format(r, buf, sizeof(buf));
	log_warn("route store: dropping stored route %s: %s", buf, rt_err_str(rc));
	route_store_free(lc->t->rstore, tag);
	lc->failed++;
}

static int load_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct load_ctx *lc = ctx;
	int rc = route_table_stage(lc->t->routes, r, tag);

	if (rc != RT_OK)
		load_drop(lc, r, tag, rc);
	else if (r->origin == RT_ORIGIN_CONFIG)
		lc->t->config_routes++;
	return 0;
}

static void load_reject(const struct rt_route *r, uint32_t tag, int err, void *ctx)
{
	struct load_ctx *lc = ctx;

	if (r->origin == RT_ORIGIN_CONFIG)
		lc->t->config_routes--;
	load_drop(lc, r, tag, err);
}

/* The ARP store is opened (checked, recovered) on a thread of its own while
 * the routes are loaded: the two share nothing, and on two cores a start-up
 * with a million entries in each takes the longer of the two, not the sum. */
struct arp_open {
	char path[4096];
	uint32_t capacity, dropped;
	struct arp_store *arp;
	int rc;
	char err[512];
};

static void *arp_open_thread(void *arg)
{
	struct arp_open *a = arg;

	a->rc = arp_store_open(a->path, a->capacity, &a->arp, &a->dropped, a->err, sizeof(a->err));
	return NULL;
}

int tables_open(struct tables **out, const char *state_dir, uint32_t route_capacity,
                uint32_t arp_capacity, char *err, size_t errlen)
{
	struct tables *t = calloc(1, sizeof(*t));
	struct arp_open *a = calloc(1, sizeof(*a));
	uint32_t dropped = 0;
	struct load_ctx lc = { .t = t };
	pthread_t th;
	bool threaded = false;
	int rc = -1;

	if (!t || !a || !(t->cur = malloc(rt_route_size(RT_NH_MAX))) ||
	    !(t->tmp = malloc(rt_route_size(RT_NH_MAX))) ||
	    !(t->hid = malloc(rt_route_size(RT_NH_MAX)))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* A state directory of an older format is converted first, whole,
	 * before anything reads it. */
	if (store_upgrade(state_dir, NULL, err, errlen) < 0)
		goto out;
	snprintf(a->path, sizeof(a->path), "%s/" RT_ARP_STORE_FILE, state_dir);
	a->capacity = arp_capacity;
	threaded = pthread_create(&th, NULL, arp_open_thread, a) == 0;
	if (!threaded)
		arp_open_thread(a);     /* no thread to be had: one after the other */

	t->routes = route_table_new();
	if (!t->routes) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (route_store_open(state_dir, route_capacity, &t->rstore, &dropped, err, errlen) < 0)
		goto out;
	if (dropped)
		log_warn("%s: dropped %u torn or corrupt route slot(s) left by a crash",
		         route_store_path(t->rstore), dropped);
	/* staged, then built in one pass: a million routes added one by one
	 * took most of the start-up */
	route_store_load(t->rstore, load_route, &lc);
	route_table_build(t->routes, load_reject, &lc);
	rc = 0;
out:
	if (threaded && (errno = pthread_join(th, NULL)) != 0) {
		/* Cannot happen for a joinable thread of ours; never leave it
		 * running over freed memory. */
		log_err("pthread_join: %s", strerror(errno));
		abort();
	}
	if (a) {
		if (t)
			t->arp = a->arp;        /* tables_close() closes it on failure */
		else
			arp_store_close(a->arp);
		if (rc == 0 && a->rc < 0) {
			snprintf(err, errlen, "%s", a->err);
			rc = -1;
		}
		if (rc == 0 && a->dropped)
			log_warn("%s: dropped %u torn or corrupt ARP slot(s) left by a crash", a->path,
			         a->dropped);
		free(a);
	}
	if (rc < 0) {
		tables_close(t);
		return -1;
	}
	*out = t;
	return 0;
}

void tables_close(struct tables *t)
{
	if (!t)
		return;
	if (t->arp)
		arp_store_close(t->arp);
	if (t->rstore)
		route_store_close(t->rstore);
	route_table_free(t->routes);
	route_table_free(t->hidden);
	free(t->cur);
	free(t->tmp);
	free(t->hid);
	free(t);
}

void tables_set_listener(struct tables *t, tables_event_fn fn, void *ctx)
{
	t->emit = fn;
	t->emit_ctx = ctx;
}

void tables_set_kernel(struct tables *t, const struct tables_kernel *k)
{
	if (k)
		t->kernel = *k;
	else
		memset(&t->kernel, 0, sizeof(t->kernel));
}

/* After the event: what kernel sync does in turn (a refusal makes the
 * route pending, a change event of its own) must follow it.  t->cur may
 * be reused from here on. */
static void kernel_route(struct tables *t, const struct rt_route *old, const struct rt_route *nw)
{
	if (t->kernel.ctx)
		t->kernel.route(t->kernel.ctx, old, nw);
}

static void kernel_neigh(struct tables *t, const struct rt_neigh *old, const struct rt_neigh *nw)
{
	if (t->kernel.ctx)
		t->kernel.neigh(t->kernel.ctx, old, nw);
}

/* ---- routes ------------------------------------------------------------------ */

struct key_owner {
	uint32_t metric;
	bool found;
	uint8_t origin, protocol;
};

static int find_importer(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct key_owner *k = ctx;

	(void)tag;
	/* the kernel's key (tos 0) that an owned route of this prefix and
	 * metric would take */
	if (r->metric == k->metric && !rt_origin_owned(r->origin) && !r->tos) {
		k->found = true;
		k->origin = r->origin;
		k->protocol = r->protocol;
		return 1;
	}
	return 0;
}

/* An imported route at the key (dst, metric) that an owned one would take:
 * RT_E_OWNED naming its protocol, or 0. */
static int imported_at(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                       struct tables_result *res)
{
	struct key_owner k = { .metric = metric };

	route_table_walk(t->routes, RT_FILTER_EXACT, dst, find_importer, &k);
	return k.found ? owned_by(res, k.origin, k.protocol) : 0;
}

/* Put r into the table at tag, reserved first so that the commit cannot
 * fail after the store has changed.  existed: replace, else add. */
static int commit_route(struct tables *t, const struct rt_route *r, uint32_t tag, bool existed)
{
	int rc = existed ? route_table_replace(t->routes, r, tag, NULL, NULL, NULL)
	                 : route_table_add(t->routes, r, tag);

	if (rc != RT_OK) {
		/* Unreachable after route_table_reserve(); refusing to go on
		 * beats serving a table that disagrees with its store. */
		log_err("route table: a reserved change failed: %s", rt_err_str(rc));
		abort();
	}
	return RT_OK;
}

int tables_route_add(struct tables *t, const struct rt_route *r, unsigned flags,
                     struct tables_result *res)
{
	struct rt_route *cur = t->cur;
	uint32_t tag;
	bool took = false;
	int rc;

	result_clear(res);
	if (!rt_origin_owned(r->origin) || r->disc || rt_route_check(r, NULL) < 0)
		return RT_E_INVALID;
	rc = route_table_find(t->routes, &r->dst, r->metric, 0, cur, &tag);
	if (rc == RT_OK) {
		if (!(flags & TABLES_REPLACE))
			return RT_E_EXISTS;
		if (cur->origin != r->origin) {
			/* rtctl changes a config entry only when told to; a config
			 * reload never touches an rtctl entry */
			if (cur->origin == RT_ORIGIN_RTCTL || !(flags & TABLES_TAKE_CONFIG))
				return owned_by(res, cur->origin, cur->protocol);
			took = true;
		}
		if (rt_route_equal(cur, r))
			return RT_OK;
		if ((rc = route_table_reserve(t->routes, r)) != RT_OK)
			return rc;
		if ((rc = route_store_update(t->rstore, &tag, r)) != RT_OK) {
			route_table_unreserve(t->routes);
			return rc;
		}
		commit_route(t, r, tag, true);
		t->config_routes += (r->origin == RT_ORIGIN_CONFIG) - (cur->origin == RT_ORIGIN_CONFIG);
		if (res) {
			res->changed = true;
			if (took) {
				char key[RT_ROUTESTRLEN];

				rt_route_key_format(r, key, sizeof(key));
				res->notice = RT_NOTE_TAKEN_OVER;
				snprintf(res->text, sizeof(res->text),
				         "%.80s: was a config entry, now an rtctl entry", key);
			}
		}
		emit_route(t, RT_EV_CHANGE, r);
		kernel_route(t, cur, r);
		return RT_OK;
	}
	if ((rc = imported_at(t, &r->dst, r->metric, res)) != 0)
		return rc;
	if ((rc = route_table_reserve(t->routes, r)) != RT_OK)
		return rc;
	if ((rc = route_store_put(t->rstore, r, &tag)) != RT_OK) {
		route_table_unreserve(t->routes);
		return rc;
	}
	commit_route(t, r, tag, false);
	t->config_routes += r->origin == RT_ORIGIN_CONFIG;
	if (res)
		res->changed = true;
	emit_route(t, RT_EV_ADD, r);
	kernel_route(t, NULL, r);
	return RT_OK;
}

int tables_route_del(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                     unsigned flags, struct tables_result *res)
{
	struct rt_route *old = t->cur;
	uint32_t tag;
	int rc;

	result_clear(res);
	rc = route_table_find(t->routes, dst, metric, 0, old, &tag);
	if (rc == RT_E_NOTFOUND) {
		rc = imported_at(t, dst, metric, res);
		return rc ? rc : RT_E_NOTFOUND;
	}
	if (rc != RT_OK)
		return rc;
	if (old->origin == RT_ORIGIN_CONFIG && !(flags & TABLES_TAKE_CONFIG))
		return owned_by(res, old->origin, old->protocol);
	/* Neither can fail now: the table gives the entry back, the store
	 * frees the slot its tag names. */
	route_table_delete(t->routes, dst, metric, 0, NULL, NULL);
	if ((rc = route_store_free(t->rstore, tag)) != RT_OK)
		log_err("route store: freeing the slot of tag %u failed: %s", tag, rt_err_str(rc));
	t->config_routes -= old->origin == RT_ORIGIN_CONFIG;
	if (res)
		res->changed = true;
	emit_route(t, RT_EV_DEL, old);
	kernel_route(t, old, NULL);
	return RT_OK;
}

/* ---- FPM and kernel copies of one route ---------------------------------------------------
 *
 * zebra installs what it sends over FPM into the kernel itself, so with
 * kernel sync on most FPM routes arrive twice.  An FPM route has the key
 * its kernel copy has (the kernel's disc: the tos, and the device of an
 * IPv6 device route), so FPM's copy taking the place of the kernel's, or
 * giving it back, is one change at one key for subscribers.  zebra sends
 * one route per (prefix, metric, tos) and its deletes name no device, so
 * FPM's routes are found by that triple (fpm_find).  While FPM's copy is
 * there, every kernel copy at its (prefix, metric, tos) lives in t->hidden
 * instead of the table: IPv4's kernel keeps one route at that key, which
 * is zebra's install or what overwrote it, and IPv6 device routes of
 * other devices (disc with an ifindex) are zebra's too. */

/* Whether disc is the kernel's key for r: the tos, and a device only for
 * an IPv6 route of one next hop without a gateway (kc_route_decode). */
static bool fpm_disc_ok(const struct rt_route *r)
{
	uint32_t dev = r->disc >> RT_DISC_IFINDEX_SHIFT & RT_DISC_IFINDEX_MAX;

	if (r->disc != rt_disc_make(RT_DISC_KERNEL, r->tos, dev))
		return false;
	return !dev || (r->dst.addr.family == AF_INET6 && r->nh_count == 1 &&
	                !r->nh[0].gw.family);
}

struct fpm_hit {
	uint32_t metric;
	uint8_t tos;
	struct rt_route *out;
	bool found;
};

static int fpm_hit(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct fpm_hit *h = ctx;

	(void)tag;
	if (r->origin != RT_ORIGIN_FPM || r->metric != h->metric || r->tos != h->tos)
		return 0;
	rt_route_copy(h->out, r);
	h->found = true;
	return 1;
}

/* FPM's route at (dst, metric, tos), whatever its device: true with it
 * in out. */
static bool fpm_find(const struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                     uint8_t tos, struct rt_route *out)
{
	struct fpm_hit h = { .metric = metric, .tos = tos, .out = out };

	if (t->fpm_routes)
		route_table_walk(t->routes, RT_FILTER_EXACT, dst, fpm_hit, &h);
	return h.found;
}

/* Whether FPM holds a route at (dst, metric, tos). */
static bool fpm_at(struct tables *t, const struct rt_prefix *dst, uint32_t metric, uint8_t tos)
{
	return fpm_find(t, dst, metric, tos, t->tmp);
}

int tables_route_find_fpm(const struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                          uint8_t tos, struct rt_route *out)
{
	return fpm_find(t, dst, metric, tos, out) ? RT_OK : RT_E_NOTFOUND;
}

static int hidden_put(struct tables *t, const struct rt_route *r)
{
	int rc;

	if (!t->hidden && !(t->hidden = route_table_new()))
		return RT_E_FULL;
	if ((rc = route_table_reserve(t->hidden, r)) != RT_OK)
		return rc;
	route_table_replace(t->hidden, r, ROUTE_STORE_NO_TAG, NULL, NULL, NULL);
	return RT_OK;
}

/* The keys of the kernel copies at (metric, tos) of one prefix, in the
 * table or the hidden ones. */
struct copies {
	uint32_t metric;
	uint8_t tos;
	size_t n;
	uint32_t disc[16];      /* more are left alone: zebra installs a route on
	                           one device, not on sixteen */
};

static int find_copies(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct copies *c = ctx;

	(void)tag;
	if (r->origin != RT_ORIGIN_KERNEL || r->metric != c->metric || r->tos != c->tos)
		return 0;
	if (c->n == sizeof(c->disc) / sizeof(c->disc[0]))
		return 1;
	c->disc[c->n++] = r->disc;
	return 0;
}

/* Put FPM's r in the table, the kernel copies at its key out of sight. */
static int fpm_import(struct tables *t, const struct rt_route *r, bool *changed)
{
	struct rt_route *cur = t->cur;
	struct copies c = { .metric = r->metric, .tos = r->tos };
	bool existed, moved;
	int rc;

	existed = route_table_find(t->routes, &r->dst, r->metric, r->disc, cur, NULL) == RT_OK;
	if (existed && rt_route_equal(cur, r))
		return RT_OK;
	if (existed && rt_origin_owned(cur->origin))
		return RT_E_OWNED;
	/* FPM's route of another device (or none now) at the triple: it goes
	 * once r is in, as in the kernel, whose key changed too. */
	moved = !(existed && cur->origin == RT_ORIGIN_FPM) &&
	        fpm_find(t, &r->dst, r->metric, r->tos, t->tmp);
	/* Copy every kernel copy into hidden first and reserve r's place:
	 * the steps that may fail, undone by deleting from hidden (which
	 * cannot fail).  Then r goes in, and the copies of other devices
	 * leave the table. */
	route_table_walk(t->routes, RT_FILTER_EXACT, &r->dst, find_copies, &c);
	for (size_t i = 0; i < c.n; i++) {
		route_table_find(t->routes, &r->dst, r->metric, c.disc[i], t->hid, NULL);
		if ((rc = hidden_put(t, t->hid)) != RT_OK) {
			while (i-- > 0)
				route_table_delete(t->hidden, &r->dst, r->metric, c.disc[i], NULL, NULL);
			return rc;
		}
	}
	if ((rc = route_table_reserve(t->routes, r)) != RT_OK) {
		for (size_t i = 0; i < c.n; i++)
			route_table_delete(t->hidden, &r->dst, r->metric, c.disc[i], NULL, NULL);
		return rc;
	}
	commit_route(t, r, ROUTE_STORE_NO_TAG, existed);
	if ((!existed || cur->origin != RT_ORIGIN_FPM) && !moved)
		t->fpm_routes++;
	if (changed)
		*changed = true;
	emit_route(t, existed ? RT_EV_CHANGE : RT_EV_ADD, r);
	if (moved && route_table_delete(t->routes, &r->dst, r->metric, t->tmp->disc, NULL,
	                                NULL) == RT_OK)
		emit_route(t, RT_EV_DEL, t->tmp);
	for (size_t i = 0; i < c.n; i++)
		if (c.disc[i] != r->disc &&
		    route_table_delete(t->routes, &r->dst, r->metric, c.disc[i], t->hid, NULL) == RT_OK)
			emit_route(t, RT_EV_DEL, t->hid);
	return RT_OK;
}

int tables_route_import(struct tables *t, const struct rt_route *r, bool *changed)
{
	struct rt_route *cur = t->cur;
	bool existed;
	int rc;

	if (changed)
		*changed = false;
	if (rt_origin_owned(r->origin) || rt_route_check(r, NULL) < 0)
		return RT_E_INVALID;
	if (r->origin == RT_ORIGIN_FPM)
		return fpm_disc_ok(r) ? fpm_import(t, r, changed) : RT_E_INVALID;
	/* The kernel's copy of a route FPM holds: kept, not shown. */
	if (fpm_at(t, &r->dst, r->metric, r->tos))
		return hidden_put(t, r);
	existed = route_table_find(t->routes, &r->dst, r->metric, r->disc, cur, NULL) == RT_OK;
	if (existed && rt_route_equal(cur, r))
		return RT_OK;
	if ((rc = route_table_reserve(t->routes, r)) != RT_OK)
		return rc;
	commit_route(t, r, ROUTE_STORE_NO_TAG, existed);
	if (t->hidden)          /* one left behind by a failure (tables_route_unimport_fpm) */
		route_table_delete(t->hidden, &r->dst, r->metric, r->disc, NULL, NULL);
	if (changed)
		*changed = true;
	emit_route(t, existed ? RT_EV_CHANGE : RT_EV_ADD, r);
	return RT_OK;
}

int tables_route_unimport(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                          uint32_t disc)
{
	struct rt_route *old = t->cur;
	bool hid = t->hidden && route_table_delete(t->hidden, dst, metric, disc, NULL, NULL) == RT_OK;
	int rc = route_table_find(t->routes, dst, metric, disc, old, NULL);

	if (rc == RT_OK && old->origin == RT_ORIGIN_KERNEL) {
		route_table_delete(t->routes, dst, metric, disc, NULL, NULL);
		emit_route(t, RT_EV_DEL, old);
		return RT_OK;
	}
	if (hid)
		return RT_OK;
	if (rc != RT_OK)
		return rc;
	/* an owned route, or FPM's (which the kernel had no copy of) */
	return rt_origin_owned(old->origin) ? RT_E_OWNED : RT_E_NOTFOUND;
}

int tables_route_unimport_fpm(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                              uint8_t tos)
{
	struct rt_route *old = t->cur;
	struct copies c = { .metric = metric, .tos = tos };
	bool back = false;
	uint32_t disc;

	if (!fpm_find(t, dst, metric, tos, old))
		return RT_E_NOTFOUND;
	disc = old->disc;
	t->fpm_routes--;
	if (t->hidden)
		route_table_walk(t->hidden, RT_FILTER_EXACT, dst, find_copies, &c);
	/* The kernel's copy at the same key takes the FPM route's place: one
	 * change.  Memory for it was the FPM route's. */
	for (size_t i = 0; i < c.n && !back; i++)
		if (c.disc[i] == disc) {
			route_table_find(t->hidden, dst, metric, disc, t->hid, NULL);
			if (route_table_reserve(t->routes, t->hid) == RT_OK) {
				commit_route(t, t->hid, ROUTE_STORE_NO_TAG, true);
				route_table_delete(t->hidden, dst, metric, disc, NULL, NULL);
				emit_route(t, RT_EV_CHANGE, t->hid);
				back = true;
			}
		}
	if (!back) {
		route_table_delete(t->routes, dst, metric, disc, NULL, NULL);
		emit_route(t, RT_EV_DEL, old);
	}
	for (size_t i = 0; i < c.n; i++) {
		if (c.disc[i] == disc && back)
			continue;
		route_table_find(t->hidden, dst, metric, c.disc[i], t->hid, NULL);
		if (route_table_reserve(t->routes, t->hid) != RT_OK) {
			char what[RT_ROUTESTRLEN];

			rt_route_format(t->hid, what, sizeof(what));
			log_err("tables: out of memory showing the kernel's route %s again; it shows at its next change",
			        what);
			continue;
		}
		commit_route(t, t->hid, ROUTE_STORE_NO_TAG, false);
		route_table_delete(t->hidden, dst, metric, c.disc[i], NULL, NULL);
		emit_route(t, RT_EV_ADD, t->hid);
	}
	return RT_OK;
}

int tables_route_find_import(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                             uint32_t disc, struct rt_route *out)
{
	if (t->hidden && route_table_find(t->hidden, dst, metric, disc, out, NULL) == RT_OK)
		return RT_OK;
	if (route_table_find(t->routes, dst, metric, disc, out, NULL) != RT_OK ||
	    out->origin != RT_ORIGIN_KERNEL)
		return RT_E_NOTFOUND;
	return RT_OK;
}

int tables_hidden_walk(const struct tables *t, route_visit_fn fn, void *ctx)
{
	return t->hidden ? route_table_walk(t->hidden, RT_FILTER_ALL, NULL, fn, ctx) : 0;
}

size_t tables_fpm_routes(const struct tables *t)
{
	return t->fpm_routes;
}

size_t tables_hidden_routes(const struct tables *t)
{
	return t->hidden ? route_table_count(t->hidden, 0) : 0;
}

int tables_route_set_pending(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                             const char *reason)
{
	struct rt_route *r = t->cur;
	uint32_t tag;
	uint8_t flags;
	int rc = route_table_find(t->routes, dst, metric, 0, r, &tag);

	if (rc != RT_OK)
		return rc;
	flags = reason ? r->flags | RT_RF_PENDING : r->flags & ~RT_RF_PENDING;
	if (flags == r->flags && strncmp(r->reason, reason ? reason : "", RT_REASONLEN - 1) == 0)
		return RT_OK;
	r->flags = flags;
	memset(r->reason, 0, sizeof(r->reason));
	if (reason)
		memcpy(r->reason, reason, strnlen(reason, RT_REASONLEN - 1));
	if ((rc = route_table_reserve(t->routes, r)) != RT_OK)
		return rc;
	commit_route(t, r, tag, true);
	emit_route(t, RT_EV_CHANGE, r);
	return RT_OK;
}

/* ---- neighbours -------------------------------------------------------------- */

/* A dynamic imported neighbour (not permanent, not noarp, no protocol) is
 * the kernel's guess, which a neigh add may pin (SPEC). */
static bool takeable(const struct rt_neigh *n)
{
	return !rt_origin_owned(n->origin) && !(n->state & (NUD_PERMANENT | NUD_NOARP)) && !n->protocol;
}

int tables_arp_add(struct tables *t, const struct rt_neigh *n, unsigned flags,
                   struct tables_result *res)
{
	struct rt_neigh cur, want = *n;
	uint32_t slot;
	bool existed = false, diff = false;
	int rc;

	memset(&cur, 0, sizeof(cur));
	result_clear(res);
	if (!rt_origin_owned(n->origin))
		return RT_E_INVALID;
	rt_neigh_normalise(&want);
	if (rt_neigh_check(&want, NULL) < 0)
		return RT_E_INVALID;
	if (arp_store_find(t->arp, &want.ip, want.dev, &cur, NULL) == RT_OK) {
		if (rt_origin_owned(cur.origin)) {
			if (!(flags & TABLES_REPLACE))
				return RT_E_EXISTS;
			if (cur.origin != want.origin &&
			    (cur.origin == RT_ORIGIN_RTCTL || !(flags & TABLES_TAKE_CONFIG)))
				return owned_by(res, cur.origin, cur.protocol);
		} else if (!takeable(&cur)) {
			return owned_by(res, cur.origin, cur.protocol);
		}
	}
	rc = arp_store_replace(t->arp, &want, &slot, &existed, &diff, NULL);
	if (rc != RT_OK)
		return rc;
	if (diff) {
		if (res) {
			res->changed = true;
			if (existed && cur.origin == RT_ORIGIN_CONFIG && want.origin == RT_ORIGIN_RTCTL) {
				char a[RT_ADDRSTRLEN];

				res->notice = RT_NOTE_TAKEN_OVER;
				snprintf(res->text, sizeof(res->text),
				         "%s dev %s: was a config entry, now an rtctl entry",
				         rt_addr_str(&want.ip, a), want.dev);
			}
		}
		emit_neigh(t, existed ? RT_EV_CHANGE : RT_EV_ADD, &want, slot);
		kernel_neigh(t, existed && rt_origin_owned(cur.origin) ? &cur : NULL, &want);
	}
	return RT_OK;
}

int tables_arp_del(struct tables *t, const struct rt_addr *ip, const char *dev, unsigned flags,
                   struct tables_result *res)
{
	struct rt_neigh old;
	uint32_t slot;
	int rc;

	result_clear(res);
	if ((rc = arp_store_find(t->arp, ip, dev, &old, NULL)) != RT_OK)
		return rc;
	if (!rt_origin_owned(old.origin) ||
	    (old.origin == RT_ORIGIN_CONFIG && !(flags & TABLES_TAKE_CONFIG)))
		return owned_by(res, old.origin, old.protocol);
	if ((rc = arp_store_delete(t->arp, ip, dev, &old, &slot)) != RT_OK)
		return rc;
	if (res)
		res->changed = true;
	emit_neigh(t, RT_EV_DEL, &old, slot);
	kernel_neigh(t, &old, NULL);
	return RT_OK;
}

int tables_arp_import(struct tables *t, const struct rt_neigh *n, bool *changed)
{
	struct rt_neigh cur;
	uint32_t slot;
	bool existed, diff;
	int rc;

	if (changed)
		*changed = false;
	if (rt_origin_owned(n->origin) || rt_neigh_check(n, NULL) < 0)
		return RT_E_INVALID;
	if (arp_store_find(t->arp, &n->ip, n->dev, &cur, NULL) == RT_OK && rt_origin_owned(cur.origin))
		return RT_E_OWNED;
	if ((rc = arp_store_import(t->arp, n, &slot, &existed, &diff, NULL)) != RT_OK)
		return rc;
	if (diff) {
		if (changed)
			*changed = true;
		emit_neigh(t, existed ? RT_EV_CHANGE : RT_EV_ADD, n, slot);
	}
	return RT_OK;
}

int tables_arp_unimport(struct tables *t, const struct rt_addr *ip, const char *dev)
{
	struct rt_neigh old;
	uint32_t slot;
	int rc;

	if ((rc = arp_store_find(t->arp, ip, dev, &old, NULL)) != RT_OK)
		return rc;
	if (rt_origin_owned(old.origin))
		return RT_E_OWNED;
	if ((rc = arp_store_delete(t->arp, ip, dev, &old, &slot)) != RT_OK)
		return rc;
	emit_neigh(t, RT_EV_DEL, &old, slot);
	return RT_OK;
}

/* ---- flush and config ----------------------------------------------------------- */

/* Collect keys first: neither the table nor the store may change under a
 * walk.  One list holds either routes or neighbours. */
struct route_key {
	struct rt_prefix dst;
	uint32_t metric;
	uint8_t origin;
};

struct neigh_key {
	struct rt_addr ip;
	char dev[RT_IFNAMSIZ];
	uint8_t origin;
};

struct key_list {
	struct route_key *routes;
	struct neigh_key *neighs;
	size_t n, cap;
	bool rtctl, config;     /* the origins collected */
	int err;
};

static bool wanted(const struct key_list *kl, uint8_t origin)
{
	return (kl->rtctl && origin == RT_ORIGIN_RTCTL) || (kl->config && origin == RT_ORIGIN_CONFIG);
}

/* arr with room for one more element of size, or NULL (arr kept). */
static void *reserve(struct key_list *kl, void *arr, size_t size)
{
	size_t cap = kl->cap ? kl->cap * 2 : 1024;
	void *p;

	if (kl->n < kl->cap)
		return arr;
	p = rt_fault("tables") ? NULL : realloc(arr, cap * size);
	if (p)
		kl->cap = cap;
	return p;
}

static int collect_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct key_list *kl = ctx;
	struct route_key *v;

	(void)tag;
	if (!wanted(kl, r->origin))
		return 0;
	if (!(v = reserve(kl, kl->routes, sizeof(*v))))
		return kl->err = RT_E_FULL;
	kl->routes = v;
	v = &kl->routes[kl->n++];
	v->dst = r->dst;
	v->metric = r->metric;
	v->origin = r->origin;
	return 0;
}

static int collect_neigh(const struct rt_neigh *n, uint32_t slot, void *ctx)
{
	struct key_list *kl = ctx;
	struct neigh_key *v;

	(void)slot;
	if (!wanted(kl, n->origin))
		return 0;
	if (!(v = reserve(kl, kl->neighs, sizeof(*v))))
		return kl->err = RT_E_FULL;
	kl->neighs = v;
	v = &kl->neighs[kl->n++];
	v->ip = n->ip;
	memcpy(v->dev, n->dev, RT_IFNAMSIZ);
	v->origin = n->origin;
	return 0;
}

#define SPREAD 256

size_t tables_spread(size_t i, size_t n)
{
	size_t q = n / SPREAD, r = n % SPREAD, p, j;

	if (q == 0)
		return i;
	/* Pass p takes every SPREAD-th key from key p: the first r passes
	 * have q + 1 keys, the others q. */
	if (i < r * (q + 1)) {
		p = i / (q + 1);
		j = i % (q + 1);
	} else {
		p = r + (i - r * (q + 1)) / q;
		j = (i - r * (q + 1)) % q;
	}
	return p + j * SPREAD;
}

int tables_flush(struct tables *t, uint32_t table_flags, unsigned flags, size_t *removed)
{
	struct key_list kr = { .rtctl = true, .config = flags & TABLES_TAKE_CONFIG }, kn = kr;
	int rc = RT_OK;

	/* Every key first: a flush that runs out of memory removes nothing
	 * (the deletes themselves cannot fail). */
	*removed = 0;
	if (table_flags & RT_F_TABLE_ROUTE)
		route_table_walk(t->routes, RT_FILTER_ALL, NULL, collect_route, &kr);
	if (!kr.err && (table_flags & RT_F_TABLE_ARP))
		arp_store_walk_unordered(t->arp, collect_neigh, &kn);
	if (kr.err || kn.err) {
		rc = RT_E_FULL;
		kr.n = kn.n = 0;
	}
	/* With kernel sync each delete is the kernel's too, and its FIB takes
	 * keys in sorted order (the walk's) 3.7x slower than spread ones. */
	for (size_t k = 0; k < kr.n; k++) {
		size_t i = t->kernel.ctx ? tables_spread(k, kr.n) : k;

		if (tables_route_del(t, &kr.routes[i].dst, kr.routes[i].metric, TABLES_TAKE_CONFIG,
		                     NULL) == RT_OK)
			(*removed)++;
	}
	for (size_t i = 0; i < kn.n; i++)
		if (tables_arp_del(t, &kn.neighs[i].ip, kn.neighs[i].dev, TABLES_TAKE_CONFIG, NULL) ==
		    RT_OK)
			(*removed)++;
	free(kr.routes);
	free(kn.neighs);
	return rc;
}

static bool config_has_route(const struct rtmd_config *c, const struct route_key *r)
{
	for (size_t i = 0; i < c->n_routes; i++)
		if (c->routes[i]->metric == r->metric && c->routes[i]->dst.len == r->dst.len &&
		    rt_addr_equal(&c->routes[i]->dst.addr, &r->dst.addr))
			return true;
	return false;
}

static bool config_has_neigh(const struct rtmd_config *c, const struct neigh_key *n)
{
	for (size_t i = 0; i < c->n_neighs; i++)
		if (strcmp(c->neighs[i].dev, n->dev) == 0 && rt_addr_equal(&c->neighs[i].ip, &n->ip))
			return true;
	return false;
}

void tables_apply_config(struct tables *t, const struct rtmd_config *c, size_t *added,
                         size_t *changed, size_t *removed, size_t *failed)
{
	struct key_list kl = { .config = true };
	struct tables_result res;
	char buf[RT_ROUTESTRLEN];
	size_t kept = 0;        /* the file's routes now in the table as config */
	int rc;

	*added = *changed = *removed = *failed = 0;
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct rt_route *r = c->routes[i];
		bool existed = route_table_find(t->routes, &r->dst, r->metric, 0, NULL, NULL) == RT_OK;

		rc = tables_route_add(t, r, TABLES_REPLACE | TABLES_TAKE_CONFIG, &res);
		if (rc == RT_E_OWNED) {
			/* an rtctl route, or an imported one, holds the key */
			rt_route_format(r, buf, sizeof(buf));
			log_notice("%s:%u: config route %s: %s; leaving it", c->route_at[i].file,
			           c->route_at[i].line, buf, res.text);
			continue;
		}
		if (rc != RT_OK) {
			rt_route_format(r, buf, sizeof(buf));
			log_err("%s:%u: config route %s: %s", c->route_at[i].file, c->route_at[i].line,
			        buf, rt_err_str(rc));
			(*failed)++;
			continue;
		}
		kept++;
		if (res.changed)
			(*(existed ? changed : added))++;
	}
	for (size_t i = 0; i < c->n_neighs; i++) {
		const struct rt_neigh *n = &c->neighs[i];
		bool existed = arp_store_find(t->arp, &n->ip, n->dev, NULL, NULL) == RT_OK;

		rc = tables_arp_add(t, n, TABLES_REPLACE | TABLES_TAKE_CONFIG, &res);
		rt_neigh_format(n, buf, sizeof(buf));
		if (rc == RT_E_OWNED) {
			log_notice("%s:%u: config arp entry %s: %s; leaving it", c->neigh_at[i].file,
			           c->neigh_at[i].line, buf, res.text);
		} else if (rc != RT_OK) {
			log_err("%s:%u: config arp entry %s: %s", c->neigh_at[i].file, c->neigh_at[i].line,
			        buf, rt_err_str(rc));
			(*failed)++;
		} else if (res.changed) {
			(*(existed ? changed : added))++;
		}
	}
	/* Remove config entries the file no longer lists.  A million-route
	 * table with no config entries (the usual case) costs no walk. */
	if (t->config_routes > kept)
		route_table_walk(t->routes, RT_FILTER_ALL, NULL, collect_route, &kl);
	for (size_t i = 0; !kl.err && i < kl.n; i++)
		if (!config_has_route(c, &kl.routes[i]) &&
		    tables_route_del(t, &kl.routes[i].dst, kl.routes[i].metric, TABLES_TAKE_CONFIG,
		                     NULL) == RT_OK)
			(*removed)++;
	free(kl.routes);
	memset(&kl, 0, sizeof(kl));
	kl.config = true;
	arp_store_walk_unordered(t->arp, collect_neigh, &kl);
	for (size_t i = 0; !kl.err && i < kl.n; i++)
		if (!config_has_neigh(c, &kl.neighs[i]) &&
		    tables_arp_del(t, &kl.neighs[i].ip, kl.neighs[i].dev, TABLES_TAKE_CONFIG, NULL) == RT_OK)
			(*removed)++;
	free(kl.neighs);
}

/* ---- accessors and sync ----------------------------------------------------------- */

const struct route_table *tables_routes(const struct tables *t)
{
	return t->routes;
}

const struct arp_store *tables_arp(const struct tables *t)
{
	return t->arp;
}

const char *tables_route_store_path(const struct tables *t)
{
	return route_store_path(t->rstore);
}

size_t tables_route_capacity(const struct tables *t)
{
	return route_store_capacity(t->rstore);
}

uint64_t tables_event_seq(const struct tables *t)
{
	return t->event_seq;
}

bool tables_dirty(const struct tables *t)
{
	return route_store_dirty(t->rstore) || arp_store_dirty(t->arp);
}

int tables_write_out(struct tables *t, char *err, size_t errlen)
{
	return route_store_flush(t->rstore, err, errlen);
}

int tables_sync(struct tables *t, uint64_t *usec, char *err, size_t errlen)
{
	uint64_t a = 0, b = 0;
	int rc = 0;

	if (route_store_dirty(t->rstore) && route_store_sync(t->rstore, &a, err, errlen) < 0)
		rc = -1;
	if (rc == 0 && arp_store_dirty(t->arp) && arp_store_sync(t->arp, &b, err, errlen) < 0)
		rc = -1;
	if (usec)
		*usec = a + b;
	return rc;
}
