/* tables.c - apply changes to the route and ARP tables, emit events. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "route_store.h"
#include "tables.h"

struct tables {
	struct route_table *routes;
	struct route_store *rstore;
	struct arp_store *arp;
	uint64_t event_seq;
	size_t config_routes;   /* routes of origin config: reconciling */
	tables_event_fn emit;
	void *emit_ctx;
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

struct load_ctx {
	struct tables *t;
	size_t failed;
};

/* A stored route that the table refuses (duplicate after a crash the store
 * could not resolve, or no memory): keep the store consistent with what is
 * served. */
static void load_drop(struct load_ctx *lc, const struct rt_route *r, uint32_t slot, int rc)
{
	char buf[RT_ROUTESTRLEN];

	rt_route_format(r, buf, sizeof(buf));
	log_warn("route store: dropping stored route %s: %s", buf, rt_err_str(rc));
	route_store_free(lc->t->rstore, slot);
	lc->failed++;
}

static int load_route(const struct rt_route *r, uint32_t slot, void *ctx)
{
	struct load_ctx *lc = ctx;
	int rc = route_table_stage(lc->t->routes, r, slot);

	if (rc != RT_OK)
		load_drop(lc, r, slot, rc);
	else if (r->origin == RT_ORIGIN_CONFIG)
		lc->t->config_routes++;
	return 0;
}

static void load_reject(const struct rt_route *r, uint32_t slot, int err, void *ctx)
{
	struct load_ctx *lc = ctx;

	if (r->origin == RT_ORIGIN_CONFIG)
		lc->t->config_routes--;
	load_drop(lc, r, slot, err);
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
	char path[4096];
	uint32_t dropped = 0;
	struct load_ctx lc = { .t = t };
	pthread_t th;
	bool threaded = false;
	int rc = -1;

	if (!t || !a) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(a->path, sizeof(a->path), "%s/arp.store", state_dir);
	a->capacity = arp_capacity;
	threaded = pthread_create(&th, NULL, arp_open_thread, a) == 0;
	if (!threaded)
		arp_open_thread(a);     /* no thread to be had: one after the other */

	t->routes = route_table_new();
	if (!t->routes) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/routes.store", state_dir);
	if (route_store_open(path, route_capacity, &t->rstore, &dropped, err, errlen) < 0)
		goto out;
	if (dropped)
		log_warn("%s: dropped %u torn or corrupt route slot(s) left by a crash", path, dropped);
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
	free(t);
}

void tables_set_listener(struct tables *t, tables_event_fn fn, void *ctx)
{
	t->emit = fn;
	t->emit_ctx = ctx;
}

int tables_route_add(struct tables *t, const struct rt_route *r, bool replace, bool *changed)
{
	struct rt_route old;
	uint32_t slot;
	bool existed;
	int rc;

	if (changed)
		*changed = false;
	if (rt_route_check(r, NULL) < 0)
		return RT_E_INVALID;
	rc = route_table_find(t->routes, &r->dst, r->metric, 0, &old, &slot);
	if (rc == RT_OK) {
		if (!replace)
			return RT_E_EXISTS;
		if (rt_route_equal(&old, r))
			return RT_OK;
		rc = route_store_update(t->rstore, &slot, r);
		if (rc != RT_OK)
			return rc;
		rc = route_table_replace(t->routes, r, slot, &existed, NULL, NULL);
		if (rc != RT_OK)
			return rc;   /* cannot fail for an existing key: no allocation */
		t->config_routes += (r->origin == RT_ORIGIN_CONFIG) - (old.origin == RT_ORIGIN_CONFIG);
		if (changed)
			*changed = true;
		emit_route(t, RT_EV_CHANGE, r);
		return RT_OK;
	}
	rc = route_store_put(t->rstore, r, &slot);
	if (rc != RT_OK)
		return rc;
	rc = route_table_add(t->routes, r, slot);
	if (rc != RT_OK) {
		route_store_free(t->rstore, slot);
		return rc;
	}
	t->config_routes += r->origin == RT_ORIGIN_CONFIG;
	if (changed)
		*changed = true;
	emit_route(t, RT_EV_ADD, r);
	return RT_OK;
}

int tables_route_del(struct tables *t, const struct rt_prefix *dst, uint32_t metric)
{
	struct rt_route old;
	uint32_t slot;
	int rc = route_table_delete(t->routes, dst, metric, 0, &old, &slot);

	if (rc != RT_OK)
		return rc;
	t->config_routes -= old.origin == RT_ORIGIN_CONFIG;
	rc = route_store_free(t->rstore, slot);
	if (rc != RT_OK)
		log_err("route store: freeing slot %u failed: %s", slot, rt_err_str(rc));
	emit_route(t, RT_EV_DEL, &old);
	return RT_OK;
}

int tables_arp_add(struct tables *t, const struct rt_neigh *n, bool replace, bool *changed)
{
	uint32_t slot;
	bool existed = false, diff = false;
	int rc;

	if (changed)
		*changed = false;
	if (rt_neigh_check(n, NULL) < 0)
		return RT_E_INVALID;
	if (!replace) {
		rc = arp_store_add(t->arp, n, &slot);
		if (rc != RT_OK)
			return rc;
		existed = false;
		diff = true;
	} else {
		rc = arp_store_replace(t->arp, n, &slot, &existed, &diff, NULL);
		if (rc != RT_OK)
			return rc;
	}
	if (diff) {
		if (changed)
			*changed = true;
		emit_neigh(t, existed ? RT_EV_CHANGE : RT_EV_ADD, n, slot);
	}
	return RT_OK;
}

int tables_arp_del(struct tables *t, const struct rt_addr *ip, const char *dev)
{
	struct rt_neigh old;
	uint32_t slot;
	int rc = arp_store_delete(t->arp, ip, dev, &old, &slot);

	if (rc != RT_OK)
		return rc;
	emit_neigh(t, RT_EV_DEL, &old, slot);
	return RT_OK;
}

/* Collect keys first: neither the table nor the store may change under a
 * walk.  One list holds either routes or neighbours. */
struct route_key {
	struct rt_prefix dst;
	uint32_t metric;
	uint8_t origin;
};

struct key_list {
	struct route_key *routes;
	struct rt_neigh *neighs;
	size_t n, cap;
	bool config_only;
};

/* arr with room for one more element of size, or NULL (arr kept). */
static void *reserve(struct key_list *kl, void *arr, size_t size)
{
	size_t cap = kl->cap ? kl->cap * 2 : 1024;
	void *p;

	if (kl->n < kl->cap)
		return arr;
	p = realloc(arr, cap * size);
	if (p)
		kl->cap = cap;
	return p;
}

static int collect_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct key_list *kl = ctx;
	struct route_key *v;

	if (kl->config_only && r->origin != RT_ORIGIN_CONFIG)
		return 0;
	if (!(v = reserve(kl, kl->routes, sizeof(*v))))
		return -1;
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
	struct rt_neigh *v;

	if (kl->config_only && n->origin != RT_ORIGIN_CONFIG)
		return 0;
	if (!(v = reserve(kl, kl->neighs, sizeof(*v))))
		return -1;
	kl->neighs = v;
	kl->neighs[kl->n++] = *n;
	return 0;
}

int tables_flush(struct tables *t, uint32_t table_flags, size_t *removed)
{
	struct key_list kl = { 0 };
	int rc = RT_OK;

	*removed = 0;
	if (table_flags & RT_F_TABLE_ROUTE) {
		if (route_table_walk(t->routes, RT_FILTER_ALL, NULL, collect_route, &kl) != 0)
			rc = RT_E_FULL;
		for (size_t i = 0; rc == RT_OK && i < kl.n; i++)
			if (tables_route_del(t, &kl.routes[i].dst, kl.routes[i].metric) == RT_OK)
				(*removed)++;
		free(kl.routes);
		memset(&kl, 0, sizeof(kl));
	}
	if (rc == RT_OK && (table_flags & RT_F_TABLE_ARP)) {
		if (arp_store_walk(t->arp, collect_neigh, &kl) != 0)
			rc = RT_E_FULL;
		for (size_t i = 0; rc == RT_OK && i < kl.n; i++)
			if (tables_arp_del(t, &kl.neighs[i].ip, kl.neighs[i].dev) == RT_OK)
				(*removed)++;
		free(kl.neighs);
	}
	return rc;
}

static bool config_has_route(const struct rtmd_config *c, const struct route_key *r)
{
	for (size_t i = 0; i < c->n_routes; i++)
		if (c->routes[i].metric == r->metric && c->routes[i].dst.len == r->dst.len &&
		    rt_addr_equal(&c->routes[i].dst.addr, &r->dst.addr))
			return true;
	return false;
}

static bool config_has_neigh(const struct rtmd_config *c, const struct rt_neigh *n)
{
	for (size_t i = 0; i < c->n_neighs; i++)
		if (strcmp(c->neighs[i].dev, n->dev) == 0 && rt_addr_equal(&c->neighs[i].ip, &n->ip))
			return true;
	return false;
}

void tables_apply_config(struct tables *t, const struct rtmd_config *c, size_t *added,
                         size_t *changed, size_t *removed, size_t *failed)
{
	struct key_list kl = { .config_only = true };
	char buf[RT_ROUTESTRLEN];
	size_t kept = 0;        /* the file's routes now in the table as config */
	int rc;

	*added = *changed = *removed = *failed = 0;
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct rt_route *r = &c->routes[i];
		struct rt_route cur;
		bool ch;

		bool existed;

		rt_route_format(r, buf, sizeof(buf));
		existed = route_table_find(t->routes, &r->dst, r->metric, 0, &cur, NULL) == RT_OK;
		if (existed && cur.origin != RT_ORIGIN_CONFIG) {
			log_notice("config route %s: an rtctl route has this key; leaving it", buf);
			continue;
		}
		rc = tables_route_add(t, r, true, &ch);
		if (rc != RT_OK) {
			log_err("config route %s: %s", buf, rt_err_str(rc));
			(*failed)++;
			continue;
		}
		kept++;
		if (ch)
			(*(existed ? changed : added))++;
	}
	for (size_t i = 0; i < c->n_neighs; i++) {
		const struct rt_neigh *n = &c->neighs[i];
		struct rt_neigh cur;
		bool ch;

		bool existed;

		rt_neigh_format(n, buf, sizeof(buf));
		existed = arp_store_find(t->arp, &n->ip, n->dev, &cur, NULL) == RT_OK;
		if (existed && cur.origin != RT_ORIGIN_CONFIG) {
			log_notice("config arp entry %s: an rtctl entry has this key; leaving it", buf);
			continue;
		}
		rc = tables_arp_add(t, n, true, &ch);
		if (rc != RT_OK) {
			log_err("config arp entry %s: %s", buf, rt_err_str(rc));
			(*failed)++;
		} else if (ch) {
			(*(existed ? changed : added))++;
		}
	}
	/* Remove config entries the file no longer lists.  A million-route
	 * table with no config entries (the usual case) costs no walk. */
	if (t->config_routes > kept &&
	    route_table_walk(t->routes, RT_FILTER_ALL, NULL, collect_route, &kl) == 0)
		for (size_t i = 0; i < kl.n; i++)
			if (!config_has_route(c, &kl.routes[i]) &&
			    tables_route_del(t, &kl.routes[i].dst, kl.routes[i].metric) == RT_OK)
				(*removed)++;
	free(kl.routes);
	memset(&kl, 0, sizeof(kl));
	kl.config_only = true;
	if (arp_store_walk_unordered(t->arp, collect_neigh, &kl) == 0)
		for (size_t i = 0; i < kl.n; i++)
			if (!config_has_neigh(c, &kl.neighs[i]) &&
			    tables_arp_del(t, &kl.neighs[i].ip, kl.neighs[i].dev) == RT_OK)
				(*removed)++;
	free(kl.neighs);
}

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
