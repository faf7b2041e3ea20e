/* kernel_sync.c - rtmd's tables kept in step with the kernel's.
 *
 * Two sockets (netlink.h): requests (rtmd's own changes, answered in
 * order within their send) and events (the kernel's notifications, and
 * the dumps, which share their queue: doc/KERNEL.md says why).  A pass is
 * a sequence of dumps (links, addresses, IPv4 routes, IPv6 routes,
 * neighbours); each is a mark and sweep: what its dump or an event during
 * it mentions is marked in a set of key hashes, and at its end imported
 * entries not marked go, owned entries the kernel did not show are
 * installed.  Pending entries wait in a set with what they wait for.
 */
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/capability.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "config.h"
#include "kernel_codec.h"
#include "kernel_sync.h"
#include "links.h"
#include "log.h"
#include "netlink.h"
#include "netlink_worker.h"
#include "proto.h"
#include "rtnames.h"
#include "sdnotify.h"
#include "tables.h"

#define NO_RECORD UINT32_MAX
/* Request socket: acknowledgements only (window follows its buffer). */
#define REQ_RCVBUF (8u << 20)
#define REQ_WINDOW 4096
#define PER_SEND 64
/* Queue at most this many requests before sending them (a reconcile of
 * a million routes must not hold a million encoded messages). */
#define QUEUE_FLUSH 1024
/* Messages read from a socket per ksync_input call: bounded, so that a
 * burst of a million notifications interleaves with clients. */
#define READ_BUDGET 8192
/* The kernel makes neighbours without a word when it maps a multicast or
 * broadcast address (NUD_NOARP: ff02::2 the first time a router
 * solicitation goes out), so only a dump finds them: one every
 * RESCAN_MS, longer for a large table (~1 ms per 1000 neighbours), and a
 * rescan that finds nothing new emits nothing. */
#define RESCAN_MS 10000

enum op {
	OP_ROUTE_ADD,           /* NLM_F_CREATE | NLM_F_EXCL */
	OP_ROUTE_REPLACE,       /* NLM_F_CREATE | NLM_F_REPLACE: ours is there */
	OP_ROUTE_DEL,
	OP_ROUTE_DEL_KEY,       /* by key and protocol alone (a replace the kernel refused) */
	OP_STALE_ROUTE_DEL,     /* a route of rtmd's protocol rtmd does not hold */
	OP_NEIGH_SET,           /* NLM_F_CREATE | NLM_F_REPLACE */
	OP_NEIGH_DEL,
	OP_STALE_NEIGH_DEL,
};

/* Keys, packed (zeroed first) for hashing. */
struct rkey {
	struct rt_prefix dst;
	uint32_t metric;
	uint32_t disc;
};

struct nkey {
	struct rt_addr ip;
	char dev[RT_IFNAMSIZ];
};

union key {
	struct rkey r;
	struct nkey n;
};

struct kreq {
	uint8_t op;
	uint32_t record;
	uint64_t msg;           /* the client message that made it (0: none) */
	uint64_t h;             /* the key's hash (rhash 'o', nhash 'n') */
	union key key;
};

/* What a pending entry waits for. */
enum wait {
	W_ANY,                  /* something: an address, a route (unreachable gateway, bad src) */
	W_DEV,                  /* interface dev to exist */
	W_UP,                   /* interface dev to be up */
	W_KEY,                  /* another owner's route to leave the key */
};

struct pend {
	uint64_t h;
	uint8_t neigh;          /* a neighbour (key.n), else a route (key.r) */
	uint8_t wait;           /* enum wait */
	uint8_t dead;           /* removed; the slot is reused at the next compaction */
	char dev[RT_IFNAMSIZ];
	union key key;
};

/* 64-bit key hashes -> 32-bit values; hash 0 is "empty". */
struct hmap {
	uint64_t *k;
	uint32_t *v;
	size_t cap, n;
};

struct refusal {
	uint64_t msg;
	uint32_t record;
	char reason[RT_REASONLEN];
};

/* A client message with requests: answered once qhead passes last. */
struct msgend {
	uint64_t msg, last;
};

enum stage { ST_IDLE = -1, ST_LINKS, ST_ADDRS, ST_ROUTES4, ST_ROUTES6, ST_NEIGH, ST_N };
#define PASS_ALL ((1u << ST_N) - 1)
#define PASS_ROUTES ((1u << ST_ROUTES4) | (1u << ST_ROUTES6))
#define LINKS_ONLY ((1u << ST_LINKS) | (1u << ST_ADDRS))

#define RETRY_LINK 1u           /* W_DEV and W_UP entries whose interface is there now */
#define RETRY_ANY 2u            /* W_ANY entries */
#define RETRY_KEY 4u            /* W_KEY entries whose key is free now */

struct ksync {
	struct tables *t;
	struct links *links;
	struct nlw *req;        /* rtmd's requests, sent by a thread (NULL: the
	                           interface cache alone, for FPM) */
	struct nl_sock *ev;
	unsigned all;           /* the stages a pass may have: PASS_ALL, or LINKS_ONLY */
	uint32_t table;
	uint8_t proto;
	bool strict;            /* dumps filtered by table in the kernel */
	/* Requests on req, by cookie: [qhead, qtail) queued or in flight. */
	struct kreq *q;
	size_t qcap;
	uint64_t qhead, qtail;
	uint64_t msg_first;     /* qtail when the current message began */
	/* The client message being applied (ksync_begin .. ksync_end). */
	uint32_t record;
	uint64_t msg, msgs;     /* its id (0: none), the last id given */
	bool collecting;
	bool settling;          /* in ksync_settle: not again from a handler */
	struct refusal *ref;    /* refusals not yet taken, by message */
	size_t nref, capref;
	struct msgend *ends;    /* messages with requests not all answered, in order */
	size_t nends, capends;
	uint64_t answered_msg;  /* every message up to this one is answered */
	/* Dumps on ev. */
	int stage;
	unsigned pass, again;
	struct hmap seen, own_seen;
	/* Pending entries. */
	struct pend *pv;
	size_t npv, cappv, npend_routes, npend_neighs;
	struct hmap pidx;
	unsigned retry;
	/* Counters for status. */
	uint64_t resyncs, imported_routes, imported_neighs, unmapped;
	uint64_t next_rescan_ms;
	uint64_t bad_msgs;
	bool mark_oom;          /* a mark was lost for want of memory: sweep nothing */
	char last_error[RT_ERR_TEXT];
	struct rt_route *r1, *r2;
};

/* ---- hash maps ------------------------------------------------------------------ */

static uint64_t nonzero(uint64_t h)
{
	return h ? h : 1;
}

static size_t hm_find(const struct hmap *m, uint64_t h)
{
	size_t i = (size_t)(h ^ (h >> 29)) & (m->cap - 1);

	while (m->k[i] && m->k[i] != h)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int hm_grow(struct hmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024, ocap = m->cap;
	uint64_t *ok = m->k, *nk = calloc(ncap, sizeof(*nk));
	uint32_t *ov = m->v, *nv = calloc(ncap, sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	m->k = nk;
	m->v = nv;
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (ok[i]) {
			size_t j = hm_find(m, ok[i]);

			m->k[j] = ok[i];
			m->v[j] = ov[i];
		}
	free(ok);
	free(ov);
	return 0;
}

static int hm_put(struct hmap *m, uint64_t h, uint32_t v)
{
	size_t i;

	h = nonzero(h);
	if ((m->n + 1) * 2 > m->cap && hm_grow(m) < 0)
		return -1;
	i = hm_find(m, h);
	if (!m->k[i]) {
		m->k[i] = h;
		m->n++;
	}
	m->v[i] = v;
	return 0;
}

static bool hm_get(const struct hmap *m, uint64_t h, uint32_t *v)
{
	size_t i;

	if (!m->cap)
		return false;
	i = hm_find(m, nonzero(h));
	if (!m->k[i])
		return false;
	if (v)
		*v = m->v[i];
	return true;
}

static void hm_del(struct hmap *m, uint64_t h)
{
	size_t mask = m->cap - 1, i, j;

	if (!m->cap)
		return;
	h = nonzero(h);
	i = hm_find(m, h);
	if (!m->k[i])
		return;
	m->k[i] = 0;
	m->n--;
	/* Shift the rest of the probe run back into the hole. */
	for (j = (i + 1) & mask; m->k[j]; j = (j + 1) & mask) {
		size_t home = (size_t)(m->k[j] ^ (m->k[j] >> 29)) & mask;

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->k[i] = m->k[j];
			m->v[i] = m->v[j];
			m->k[j] = 0;
			i = j;
		}
	}
}

static void hm_free(struct hmap *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static void mark(struct ksync *k, struct hmap *m, uint64_t h)
{
	if (hm_put(m, h, 1) < 0)
		k->mark_oom = true;
}

/* ---- keys ------------------------------------------------------------------------ */

/* tag keeps the kinds apart in one set (owned and imported routes,
 * neighbours). */
static uint64_t rhash(char tag, const struct rt_prefix *dst, uint32_t metric, uint32_t disc,
                      struct rkey *out)
{
	struct rkey k;

	memset(&k, 0, sizeof(k));
	k.dst.addr.family = dst->addr.family;
	memcpy(k.dst.addr.bytes, dst->addr.bytes, rt_addr_bytes(dst->addr.family));
	k.dst.len = dst->len;
	k.metric = metric;
	k.disc = disc;
	if (out)
		*out = k;
	return XXH3_64bits_withSeed(&k, sizeof(k), (uint64_t)tag);
}

static uint64_t nhash(char tag, const struct rt_addr *ip, const char *dev, struct nkey *out)
{
	struct nkey k;

	memset(&k, 0, sizeof(k));
	k.ip.family = ip->family;
	memcpy(k.ip.bytes, ip->bytes, rt_addr_bytes(ip->family));
	snprintf(k.dev, sizeof(k.dev), "%s", dev);
	if (out)
		*out = k;
	return XXH3_64bits_withSeed(&k, sizeof(k), (uint64_t)tag);
}

static const char *route_text(const struct rt_route *r, char *buf, size_t cap)
{
	rt_route_key_format(r, buf, cap);
	return buf;
}

static const char *rkey_text(const struct rkey *k, char *buf, size_t cap)
{
	char p[RT_PREFIXSTRLEN];

	snprintf(buf, cap, "%s metric %u", rt_prefix_str(&k->dst, p), k->metric);
	return buf;
}

static const char *nkey_text(const struct nkey *k, char *buf, size_t cap)
{
	char a[RT_ADDRSTRLEN];

	snprintf(buf, cap, "%s dev %s", rt_addr_str(&k->ip, a), k->dev);
	return buf;
}

static void set_error(struct ksync *k, const char *what, const char *reason)
{
	snprintf(k->last_error, sizeof(k->last_error), "%.60s: %.68s", what, reason);
}

/* The owned route at (dst, metric) into out, or NULL. */
static struct rt_route *owned_route(struct ksync *k, const struct rt_prefix *dst, uint32_t metric,
                                    struct rt_route *out, uint32_t *tag)
{
	if (route_table_find(tables_routes(k->t), dst, metric, 0, out, tag) != RT_OK ||
	    !rt_origin_owned(out->origin))
		return NULL;
	return out;
}

static bool owned_neigh(struct ksync *k, const struct rt_addr *ip, const char *dev,
                        struct rt_neigh *out)
{
	return arp_store_find(tables_arp(k->t), ip, dev, out, NULL) == RT_OK &&
	       rt_origin_owned(out->origin);
}

/* ---- pending entries ----------------------------------------------------------------- */

static struct pend *pend_get(struct ksync *k, uint64_t h)
{
	uint32_t i;

	return hm_get(&k->pidx, h, &i) ? &k->pv[i] : NULL;
}

static void pend_put(struct ksync *k, bool neigh, const union key *key, uint64_t h,
                     enum wait w, const char *dev)
{
	struct pend *p = pend_get(k, h);

	if (!p) {
		if (k->npv == k->cappv) {
			size_t ncap = k->cappv ? k->cappv * 2 : 64;
			struct pend *n = realloc(k->pv, ncap * sizeof(*n));

			if (!n)
				goto oom;
			k->pv = n;
			k->cappv = ncap;
		}
		if (hm_put(&k->pidx, h, (uint32_t)k->npv) < 0)
			goto oom;
		p = &k->pv[k->npv++];
		memset(p, 0, sizeof(*p));
		p->h = h;
		p->neigh = neigh;
		p->key = *key;
		if (neigh)
			k->npend_neighs++;
		else
			k->npend_routes++;
	}
	p->wait = (uint8_t)w;
	snprintf(p->dev, sizeof(p->dev), "%s", dev ? dev : "");
	return;
oom:
	log_err("kernel sync: out of memory noting a pending entry; it waits for the next reconcile");
}

static void pend_drop(struct ksync *k, uint64_t h)
{
	uint32_t i;

	if (!hm_get(&k->pidx, h, &i))
		return;
	hm_del(&k->pidx, h);
	if (k->pv[i].neigh)
		k->npend_neighs--;
	else
		k->npend_routes--;
	/* Move the last entry into the hole. */
	if (i != k->npv - 1) {
		k->pv[i] = k->pv[k->npv - 1];
		hm_put(&k->pidx, k->pv[i].h, i);
	}
	k->npv--;
}

/* ---- requests ------------------------------------------------------------------------ */

static const struct nl_handler req_handler;
static void req_done(void *ctx, uint64_t cookie, int error, const char *text);

static struct kreq *kreq_new(struct ksync *k, enum op op, uint64_t *cookie)
{
	struct kreq *r;

	if (k->qtail - k->qhead == k->qcap) {
		size_t ncap = k->qcap ? k->qcap * 2 : 1024;
		struct kreq *n = malloc(ncap * sizeof(*n));

		if (!n)
			return NULL;
		for (uint64_t c = k->qhead; c != k->qtail; c++)
			n[c & (ncap - 1)] = k->q[c & (k->qcap - 1)];
		free(k->q);
		k->q = n;
		k->qcap = ncap;
	}
	*cookie = k->qtail++;
	r = &k->q[*cookie & (k->qcap - 1)];
	memset(r, 0, sizeof(*r));
	r->op = (uint8_t)op;
	r->record = k->collecting ? k->record : NO_RECORD;
	r->msg = k->collecting ? k->msg : 0;
	return r;
}

/* A request that failed before it could be sent: answered in its place
 * among the others, as the kernel would have.  Without the memory even
 * for that it is dropped (it was the last one made). */
static void refuse_now(struct ksync *k, uint64_t cookie, int error, const char *why)
{
	if (nlw_fail(k->req, cookie, error, why) == 0)
		return;
	log_err("kernel sync: out of memory noting a refused request (%s); the next reconcile "
	        "retries it", why);
	k->qtail--;
}

/* Hand a full batch to the thread; its answers are collected later. */
static void maybe_flush(struct ksync *k)
{
	if (nlw_built(k->req) >= QUEUE_FLUSH)
		nlw_submit(k->req);
}

static void queue_route(struct ksync *k, enum op op, const struct rt_route *r)
{
	static const uint16_t flags[] = {
		[OP_ROUTE_ADD] = NLM_F_CREATE | NLM_F_EXCL,
		[OP_ROUTE_REPLACE] = NLM_F_CREATE | NLM_F_REPLACE,
	};
	bool del = op == OP_ROUTE_DEL || op == OP_ROUTE_DEL_KEY || op == OP_STALE_ROUTE_DEL;
	char why[RT_ERRLEN];
	uint64_t cookie;
	struct kreq *q = kreq_new(k, op, &cookie);
	struct nlmsghdr *h;
	size_t room = kc_route_room(r);
	int rc;

	if (!q) {
		log_err("kernel sync: out of memory queueing a route; the next reconcile installs it");
		return;
	}
	q->h = rhash('o', &r->dst, r->metric, 0, &q->key.r);
	if (!(h = nlw_msg_begin(k->req, del ? RTM_DELROUTE : RTM_NEWROUTE, del ? 0 : flags[op],
	                       cookie, room))) {
		refuse_now(k, cookie, -ENOMEM, "out of memory");
		return;
	}
	/* A stale route of rtmd's protocol is deleted as the kernel has it
	 * (its tos and next hops), so the delete names that one exactly. */
	if (op == OP_ROUTE_DEL_KEY) {
		struct rt_route *x = k->r2 == r ? k->r1 : k->r2;

		rt_route_copy(x, r);
		x->nh_count = 0;
		r = x;
	}
	rc = kc_route_encode(h, nl_msg_limit(room), r, k->table, k->proto, k->links, why, sizeof(why));
	if (rc < 0) {
		nlw_msg_cancel(k->req);
		refuse_now(k, cookie, rc, why);
		return;
	}
	nlw_msg_end(k->req, h);
	maybe_flush(k);
}

static void queue_neigh(struct ksync *k, enum op op, const struct rt_neigh *n)
{
	bool del = op != OP_NEIGH_SET;
	char why[RT_ERRLEN];
	uint64_t cookie;
	struct kreq *q = kreq_new(k, op, &cookie);
	struct nlmsghdr *h;
	int rc;

	if (!q) {
		log_err("kernel sync: out of memory queueing a neighbour; the next reconcile installs it");
		return;
	}
	q->h = nhash('n', &n->ip, n->dev, &q->key.n);
	if (!(h = nlw_msg_begin(k->req, del ? RTM_DELNEIGH : RTM_NEWNEIGH,
	                       del ? 0 : NLM_F_CREATE | NLM_F_REPLACE, cookie, kc_neigh_room()))) {
		refuse_now(k, cookie, -ENOMEM, "out of memory");
		return;
	}
	rc = kc_neigh_encode(h, nl_msg_limit(kc_neigh_room()), n, k->proto, k->links, why, sizeof(why));
	if (rc < 0) {
		nlw_msg_cancel(k->req);
		refuse_now(k, cookie, rc, why);
		return;
	}
	nlw_msg_end(k->req, h);
	maybe_flush(k);
}

/* Who holds (dst, metric) in the kernel besides rtmd: the protocol name
 * of an imported route of that key (tos 0), or NULL. */
struct holder_ctx {
	uint32_t metric;
	char name[RT_NAMELEN];
	bool found;
};

static int holder_visit(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct holder_ctx *c = ctx;

	(void)tag;
	if (r->metric != c->metric || rt_origin_owned(r->origin) || r->tos)
		return 0;
	rt_proto_name(r->protocol, c->name);
	c->found = true;
	return 1;
}

static const char *key_holder(struct ksync *k, const struct rt_prefix *dst, uint32_t metric,
                              char name[RT_NAMELEN])
{
	struct holder_ctx c = { .metric = metric };

	route_table_walk(tables_routes(k->t), RT_FILTER_EXACT, dst, holder_visit, &c);
	if (!c.found)
		return NULL;
	snprintf(name, RT_NAMELEN, "%s", c.name);
	return name;
}

/* The interface an ENODEV or ENETDOWN refusal of r waits for. */
static const char *missing_dev(struct ksync *k, const struct rt_route *r, bool down)
{
	for (unsigned i = 0; i < r->nh_count; i++) {
		int idx = r->nh[i].dev[0] ? links_index(k->links, r->nh[i].dev) : 0;

		if (r->nh[i].dev[0] && (!idx || (down && !links_up(k->links, idx))))
			return r->nh[i].dev;
	}
	return NULL;
}

static void note_refusal(struct ksync *k, const struct kreq *q, const char *reason)
{
	if (q->record == NO_RECORD || !q->msg)
		return;
	if (k->nref == k->capref) {
		size_t ncap = k->capref ? k->capref * 2 : 16;
		struct refusal *n = realloc(k->ref, ncap * sizeof(*n));

		if (!n)
			return;
		k->ref = n;
		k->capref = ncap;
	}
	k->ref[k->nref].msg = q->msg;
	k->ref[k->nref].record = q->record;
	snprintf(k->ref[k->nref].reason, sizeof(k->ref[k->nref].reason), "%s", reason);
	k->nref++;
}

static void route_result(struct ksync *k, const struct kreq *q, int error, const char *text)
{
	struct rt_route *r;
	char what[RT_ROUTESTRLEN], reason[RT_REASONLEN], holder[RT_NAMELEN];
	uint64_t h = q->h;
	enum wait w = W_ANY;
	const char *dev = NULL;
	bool was_pending;

	if (q->op == OP_ROUTE_DEL || q->op == OP_ROUTE_DEL_KEY || q->op == OP_STALE_ROUTE_DEL) {
		/* Gone already is as good as deleted. */
		if (error && error != -ESRCH) {
			rkey_text(&q->key.r, what, sizeof(what));
			log_warn("kernel sync: deleting route %s: %s", what, text[0] ? text : strerror(-error));
			set_error(k, what, text[0] ? text : strerror(-error));
		}
		return;
	}
	if (error == 0) {
		/* The common case, a million times in a load: no look-up
		 * unless the route was pending (marking a key that went
		 * meanwhile is harmless: the sweep visits only routes held). */
		if (k->stage == ST_ROUTES4 + (q->key.r.dst.addr.family == AF_INET6))
			mark(k, &k->own_seen, h);
		if (!pend_get(k, h))
			return;
		pend_drop(k, h);
		if ((r = owned_route(k, &q->key.r.dst, q->key.r.metric, k->r1, NULL)) &&
		    (r->flags & RT_RF_PENDING)) {
			rkey_text(&q->key.r, what, sizeof(what));
			log_info("kernel sync: route %s installed (was pending: %s)", what, r->reason);
			tables_route_set_pending(k->t, &r->dst, r->metric, NULL);
		}
		return;
	}
	rkey_text(&q->key.r, what, sizeof(what));
	/* The route may have changed or gone since: judge the current one. */
	if (!(r = owned_route(k, &q->key.r.dst, q->key.r.metric, k->r1, NULL)))
		return;
	was_pending = r->flags & RT_RF_PENDING;
	if (error == -EEXIST && q->op == OP_ROUTE_ADD) {
		/* Another owner's route has the key (the tables refuse an
		 * add over an imported one, so it came meanwhile). */
		if (key_holder(k, &r->dst, r->metric, holder))
			snprintf(reason, sizeof(reason), "key held by %s", holder);
		else
			snprintf(reason, sizeof(reason), "key held by another route");
		w = W_KEY;
	} else {
		if (error == -ENODEV || error == -ENETDOWN) {
			dev = missing_dev(k, r, error == -ENETDOWN);
			w = dev ? (error == -ENODEV ? W_DEV : W_UP) : W_ANY;
		}
		snprintf(reason, sizeof(reason), "%s", text[0] ? text : strerror(-error));
	}
	if (error == -ENOBUFS) {
		/* The answer was lost: what the kernel did is not known. */
		log_warn("kernel sync: the kernel's answer for route %s was lost; reconciling", what);
		k->again |= PASS_ROUTES;
	}
	/* A refused replace left the version before it in the kernel, which
	 * rtmd no longer holds: remove it (the first of rtmd's at the key,
	 * which is it). */
	if (q->op == OP_ROUTE_REPLACE && error != -ENOBUFS)
		queue_route(k, OP_ROUTE_DEL_KEY, r);
	pend_put(k, false, &q->key, h, w, dev);
	note_refusal(k, q, reason);
	set_error(k, what, reason);
	if (!was_pending || strncmp(r->reason, reason, RT_REASONLEN - 1)) {
		log_notice("kernel sync: route %s pending: %s", route_text(r, what, sizeof(what)), reason);
		tables_route_set_pending(k->t, &r->dst, r->metric, reason);
	}
}

static void neigh_result(struct ksync *k, const struct kreq *q, int error, const char *text)
{
	struct rt_neigh n;
	char what[RT_ROUTESTRLEN], reason[RT_REASONLEN];
	uint64_t h = q->h;
	enum wait w = W_ANY;
	const char *dev = NULL;
	bool was_pending = pend_get(k, h) != NULL;

	if (error == 0 && !was_pending && q->op == OP_NEIGH_SET) {
		if (k->stage == ST_NEIGH)
			mark(k, &k->own_seen, h);
		return;
	}
	nkey_text(&q->key.n, what, sizeof(what));
	if (q->op != OP_NEIGH_SET) {
		if (error && error != -ENOENT && error != -ESRCH) {
			log_warn("kernel sync: deleting neighbour %s: %s", what,
			         text[0] ? text : strerror(-error));
			set_error(k, what, text[0] ? text : strerror(-error));
		}
		return;
	}
	if (!owned_neigh(k, &q->key.n.ip, q->key.n.dev, &n))
		return;
	if (error == 0) {
		if (k->stage == ST_NEIGH)
			mark(k, &k->own_seen, h);
		if (was_pending)
			log_info("kernel sync: neighbour %s installed", what);
		pend_drop(k, h);
		return;
	}
	if (error == -ENODEV || error == -ENETDOWN) {
		int idx = links_index(k->links, n.dev);

		if (!idx || !links_up(k->links, idx)) {
			dev = n.dev;
			w = idx ? W_UP : W_DEV;
		}
	}
	snprintf(reason, sizeof(reason), "%s", text[0] ? text : strerror(-error));
	pend_put(k, true, &q->key, h, w, dev);
	note_refusal(k, q, reason);
	set_error(k, what, reason);
	if (!was_pending)
		log_notice("kernel sync: neighbour %s pending: %s", what, reason);
}

static void req_done(void *ctx, uint64_t cookie, int error, const char *text)
{
	struct ksync *k = ctx;
	struct kreq q;

	/* Answers come in request order (netlink.c completes lost ones). */
	if (cookie != k->qhead) {
		log_err("kernel sync: answer %llu out of order (expected %llu); reconciling",
		        (unsigned long long)cookie, (unsigned long long)k->qhead);
		k->again |= PASS_ALL;
		while (k->qhead != k->qtail && k->qhead <= cookie)
			k->qhead++;
		return;
	}
	q = k->q[cookie & (k->qcap - 1)];
	k->qhead++;
	if (q.op <= OP_STALE_ROUTE_DEL)
		route_result(k, &q, error, text);
	else
		neigh_result(k, &q, error, text);
}

static const struct nl_handler req_handler = { NULL, NULL, req_done };

/* Messages whose requests are all answered now. */
static void note_answered(struct ksync *k)
{
	size_t i = 0;

	while (i < k->nends && k->qhead >= k->ends[i].last)
		k->answered_msg = k->ends[i++].msg;
	if (i) {
		memmove(k->ends, k->ends + i, (k->nends - i) * sizeof(*k->ends));
		k->nends -= i;
	}
}

void ksync_collect(struct ksync *k)
{
	struct nl_handler hd = req_handler;

	if (!k->req || k->settling)
		return;
	hd.ctx = k;
	nlw_submit(k->req);
	nlw_collect(k->req, &hd, false);
	note_answered(k);
}

void ksync_settle(struct ksync *k)
{
	struct nl_handler hd = req_handler;

	/* Called again from a handler of its own (a result that queues a
	 * request): the loop below sends that one too. */
	if (k->settling || !k->req)
		return;
	k->settling = true;
	hd.ctx = k;
	/* Answers may make requests (a refused replace deletes what is
	 * left): until none is left.  The kernel answers every request
	 * within its send, so this ends. */
	for (int i = 0; i < 1000000 && nlw_busy(k->req); i++)
		nlw_collect(k->req, &hd, true);
	note_answered(k);
	k->settling = false;
}

/* ---- owned changes -------------------------------------------------------------------- */

void ksync_route_changed(void *ctx, const struct rt_route *old, const struct rt_route *nw)
{
	struct ksync *k = ctx;

	if (!k)
		return;
	if (nw) {
		/* Replace in place what the kernel has of ours; a route that
		 * was pending is not there: create it, never over another's. */
		queue_route(k, old && !(old->flags & RT_RF_PENDING) ? OP_ROUTE_REPLACE : OP_ROUTE_ADD, nw);
		return;
	}
	pend_drop(k, rhash('o', &old->dst, old->metric, 0, NULL));
	if (!(old->flags & RT_RF_PENDING))
		queue_route(k, OP_ROUTE_DEL, old);
}

void ksync_neigh_changed(void *ctx, const struct rt_neigh *old, const struct rt_neigh *nw)
{
	struct ksync *k = ctx;
	uint64_t h;

	if (!k)
		return;
	if (nw) {
		queue_neigh(k, OP_NEIGH_SET, nw);
		return;
	}
	h = nhash('n', &old->ip, old->dev, NULL);
	/* The kernel deletes a neighbour whoever owns it: only ours, and only
	 * if it is there. */
	if (!pend_get(k, h))
		queue_neigh(k, OP_NEIGH_DEL, old);
	pend_drop(k, h);
}

/* ---- client messages ------------------------------------------------------------------- */

void ksync_begin(struct ksync *k)
{
	k->collecting = true;
	k->record = NO_RECORD;
	k->msg = ++k->msgs;
	k->msg_first = k->qtail;
}

void ksync_record(struct ksync *k, uint32_t index)
{
	k->record = index;
}

uint64_t ksync_end(struct ksync *k)
{
	uint64_t msg = k->msg;

	k->collecting = false;
	k->record = NO_RECORD;
	k->msg = 0;
	if (!k->req || k->qtail == k->msg_first)
		return 0;
	nlw_submit(k->req);
	if (k->nends == k->capends) {
		size_t ncap = k->capends ? k->capends * 2 : 64;
		struct msgend *n = realloc(k->ends, ncap * sizeof(*n));

		if (!n) {
			/* Without the note, wait for the answers here. */
			ksync_settle(k);
			return 0;
		}
		k->ends = n;
		k->capends = ncap;
	}
	k->ends[k->nends].msg = msg;
	k->ends[k->nends].last = k->qtail;
	k->nends++;
	return msg;
}

bool ksync_answered(const struct ksync *k, uint64_t ticket)
{
	return ticket <= k->answered_msg;
}

void ksync_refusals(struct ksync *k, uint64_t ticket, ksync_refusal_fn fn, void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < k->nref; i++) {
		if (k->ref[i].msg == ticket) {
			if (fn)
				fn(ctx, k->ref[i].record, k->ref[i].reason);
			continue;
		}
		if (n != i)
			k->ref[n] = k->ref[i];
		n++;
	}
	k->nref = n;
}

/* ---- retries ---------------------------------------------------------------------------- */

static bool eligible(struct ksync *k, const struct pend *p, unsigned why)
{
	int idx;

	switch (p->wait) {
	case W_DEV:
		return (why & RETRY_LINK) && links_index(k->links, p->dev) != 0;
	case W_UP:
		idx = links_index(k->links, p->dev);
		return (why & RETRY_LINK) && idx && links_up(k->links, idx);
	case W_KEY: {
		char name[RT_NAMELEN];

		return (why & RETRY_KEY) && !key_holder(k, &p->key.r.dst, p->key.r.metric, name);
	}
	default:
		return (why & (RETRY_ANY | RETRY_LINK)) != 0;
	}
}

static void run_retries(struct ksync *k)
{
	unsigned why = k->retry;
	struct rt_neigh n;
	size_t count = 0;

	k->retry = 0;
	if (!why || !k->npv || !k->req)
		return;
	/* Entries are found by index: results may move them (pend_drop). */
	for (size_t i = 0; i < k->npv; i++) {
		struct pend p = k->pv[i];

		if (!eligible(k, &p, why))
			continue;
		count++;
		if (p.neigh) {
			if (owned_neigh(k, &p.key.n.ip, p.key.n.dev, &n))
				queue_neigh(k, OP_NEIGH_SET, &n);
			else
				pend_drop(k, p.h);
		} else if (owned_route(k, &p.key.r.dst, p.key.r.metric, k->r2, NULL)) {
			queue_route(k, OP_ROUTE_ADD, k->r2);
		} else {
			pend_drop(k, p.h);
		}
	}
	if (count)
		log_debug("kernel sync: trying %zu pending entries again", count);
	ksync_settle(k);
}

/* ---- links ----------------------------------------------------------------------------- */

struct down_ctx {
	struct ksync *k;
	const char *dev;
	bool gone;
	struct rt_route **v;
	size_t n, cap;
	size_t routes, neighs;
};

static int down_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct down_ctx *c = ctx;

	(void)tag;
	if (!rt_origin_owned(r->origin) || (r->flags & RT_RF_PENDING))
		return 0;
	for (unsigned i = 0; i < r->nh_count; i++)
		if (strcmp(r->nh[i].dev, c->dev) == 0) {
			struct rt_route *d;

			if (c->n == c->cap) {
				size_t ncap = c->cap ? c->cap * 2 : 16;
				struct rt_route **v = realloc(c->v, ncap * sizeof(*v));

				if (!v)
					return -1;
				c->v = v;
				c->cap = ncap;
			}
			if (!(d = rt_route_dup(r)))
				return -1;
			c->v[c->n++] = d;
			return 0;
		}
	return 0;
}

static int down_neigh(const struct rt_neigh *n, uint32_t slot, void *ctx)
{
	struct down_ctx *c = ctx;
	union key key;
	uint64_t h;

	(void)slot;
	if (!rt_origin_owned(n->origin) || strcmp(n->dev, c->dev))
		return 0;
	h = nhash('n', &n->ip, n->dev, &key.n);
	if (!pend_get(c->k, h)) {
		pend_put(c->k, true, &key, h, c->gone ? W_DEV : W_UP, c->dev);
		c->neighs++;
	}
	return 0;
}

/* A link went down or away: the kernel drops its routes (IPv4 ones
 * without a word) and neighbours.  rtmd's own on it wait for it. */
static void link_lost(struct ksync *k, const char *dev, bool gone)
{
	struct down_ctx c = { .k = k, .dev = dev, .gone = gone };
	char reason[RT_REASONLEN];

	snprintf(reason, sizeof(reason), gone ? "no such device %s" : "interface %s is down", dev);
	route_table_walk(tables_routes(k->t), RT_FILTER_ALL, NULL, down_route, &c);
	for (size_t i = 0; i < c.n; i++) {
		union key key;
		uint64_t h = rhash('o', &c.v[i]->dst, c.v[i]->metric, 0, &key.r);

		pend_put(k, false, &key, h, gone ? W_DEV : W_UP, dev);
		tables_route_set_pending(k->t, &c.v[i]->dst, c.v[i]->metric, reason);
		free(c.v[i]);
		c.routes++;
	}
	free(c.v);
	arp_store_walk_unordered(tables_arp(k->t), down_neigh, &c);
	if (c.routes || c.neighs)
		log_notice("kernel sync: interface %s %s: the kernel removed %zu route(s) and %zu "
		           "neighbour(s) of rtmd's; they are pending until it is %s", dev,
		           gone ? "is gone" : "went down", c.routes, c.neighs, gone ? "back" : "up");
	/* The kernel's own IPv4 routes on it went silently: dump again. */
	k->again |= PASS_ROUTES;
}

static void on_link(void *ctx, const struct links_event *ev)
{
	struct ksync *k = ctx;

	if (ev->what & (LINKS_DOWN | LINKS_REMOVED))
		link_lost(k, ev->name, ev->what & LINKS_REMOVED);
	if (ev->what & LINKS_RENAMED)
		link_lost(k, ev->old_name, true);
	if (ev->what & (LINKS_ADDED | LINKS_UP | LINKS_RENAMED))
		k->retry |= RETRY_LINK;
	if (ev->what & LINKS_ADDR_ADDED)
		k->retry |= RETRY_ANY;
	/* Routes with that source go with the address, without a word. */
	if ((ev->what & LINKS_ADDR_REMOVED) && !(ev->what & LINKS_REMOVED))
		k->again |= PASS_ROUTES;
}

/* ---- imported routes ---------------------------------------------------------------------- */

/* Remove from cur the next hops of del (an IPv6 RTM_DELROUTE names only
 * the one it took): 1 if some are left, 0 if none (the route went), -1 if
 * del names a hop cur does not have (rtmd's view is behind). */
static int drop_hops(struct rt_route *cur, const struct rt_route *del)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cur->nh_count; i++) {
		bool gone = false;

		for (unsigned j = 0; j < del->nh_count && !gone; j++)
			gone = rt_addr_equal(&cur->nh[i].gw, &del->nh[j].gw) &&
			       strcmp(cur->nh[i].dev, del->nh[j].dev) == 0;
		if (!gone)
			cur->nh[n++] = cur->nh[i];
	}
	if (cur->nh_count - n != del->nh_count)
		return -1;
	if (n == 0)
		return 0;
	cur->nh_count = (uint16_t)n;
	if (n == 1)
		cur->nh[0].weight = 1;
	return 1;
}

static void import_route(struct ksync *k, const struct nlmsghdr *h, struct rt_route *r, bool dump)
{
	struct rt_route *cur = k->r2;
	bool existed, changed;
	int rc;

	/* the kernel's copy, also where FPM's is shown instead (tables.h) */
	existed = tables_route_find_import(k->t, &r->dst, r->metric, r->disc, cur) == RT_OK;
	if (h->nlmsg_type == RTM_DELROUTE) {
		int left = r->dst.addr.family == AF_INET6 && existed ? drop_hops(cur, r) : 0;

		if (!existed)
			return;
		if (left > 0)
			tables_route_import(k->t, cur, &changed);
		else if (left == 0 && tables_route_unimport(k->t, &r->dst, r->metric, r->disc) == RT_OK)
			k->imported_routes--;
		else if (left < 0)
			k->again |= PASS_ROUTES;
		k->retry |= RETRY_KEY | RETRY_ANY;
		return;
	}
	if (k->stage == ST_ROUTES4 + (r->dst.addr.family == AF_INET6))
		mark(k, &k->seen, rhash('i', &r->dst, r->metric, r->disc, NULL));
	rc = tables_route_import(k->t, r, &changed);
	if (rc != RT_OK) {
		char what[RT_ROUTESTRLEN];

		log_warn("kernel sync: importing route %s: %s", route_text(r, what, sizeof(what)),
		         rt_err_str(rc));
		return;
	}
	if (!existed)
		k->imported_routes++;
	if (changed && !dump)
		k->retry |= RETRY_ANY;
	/* Another owner replaced rtmd's route of that key. */
	if (!dump && (h->nlmsg_flags & NLM_F_REPLACE) && !r->tos) {
		struct rt_route *own = owned_route(k, &r->dst, r->metric, cur, NULL);

		if (own && !(own->flags & RT_RF_PENDING)) {
			char what[RT_ROUTESTRLEN], name[RT_NAMELEN], reason[RT_REASONLEN];
			union key key;
			uint64_t hh = rhash('o', &own->dst, own->metric, 0, &key.r);

			snprintf(reason, sizeof(reason), "key held by %s", rt_proto_name(r->protocol, name));
			log_notice("kernel sync: route %s was replaced in the kernel by one of protocol %s; "
			           "pending until that one goes", route_text(own, what, sizeof(what)), name);
			pend_put(k, false, &key, hh, W_KEY, NULL);
			tables_route_set_pending(k->t, &own->dst, own->metric, reason);
		}
	}
}

/* A route of rtmd's protocol in its table, from a dump or from someone
 * else (rtmd's own changes do not come back: netlink.h, nl_drop_port). */
static void own_route_seen(struct ksync *k, const struct nlmsghdr *h, struct rt_route *r, bool dump)
{
	struct rt_route *own = owned_route(k, &r->dst, r->metric, k->r2, NULL);
	char what[RT_ROUTESTRLEN];
	uint64_t hh;

	if (h->nlmsg_type == RTM_DELROUTE) {
		if (!own || (own->flags & RT_RF_PENDING) || r->tos)
			return;
		/* Deleted with its link (link_lost() made it pending, and
		 * the kernel tells of IPv6 ones after the link): wait. */
		if (missing_dev(k, own, true))
			return;
		log_notice("kernel sync: route %s was deleted behind rtmd's back; reinstalling it",
		           route_text(own, what, sizeof(what)));
		queue_route(k, OP_ROUTE_ADD, own);
		return;
	}
	if (!own || r->tos) {
		log_notice("kernel sync: removing route %s of rtmd's protocol, which rtmd does not hold",
		           route_text(r, what, sizeof(what)));
		queue_route(k, OP_STALE_ROUTE_DEL, r);
		return;
	}
	hh = rhash('o', &own->dst, own->metric, 0, NULL);
	{
		struct rt_route *x = r;
		bool same;

		/* Compare as values: the kernel's copy is of origin kernel and
		 * reports link flags on its next hops. */
		x->origin = own->origin;
		x->protocol = own->protocol;
		x->disc = 0;
		x->flags = own->flags;
		memcpy(x->reason, own->reason, sizeof(x->reason));
		for (unsigned i = 0; i < x->nh_count; i++)
			x->nh[i].flags &= RT_NHF_ONLINK;
		same = rt_route_equal(x, own);
		if (same) {
			if (k->stage == ST_ROUTES4 + (r->dst.addr.family == AF_INET6))
				mark(k, &k->own_seen, hh);
			if (own->flags & RT_RF_PENDING) {
				pend_drop(k, hh);
				tables_route_set_pending(k->t, &own->dst, own->metric, NULL);
			}
			return;
		}
	}
	if (!dump)
		log_notice("kernel sync: route %s of rtmd's was changed behind its back; restoring it",
		           route_text(own, what, sizeof(what)));
	queue_route(k, OP_ROUTE_REPLACE, own);
}

/* An entry on an interface index rtmd does not know.  In an event: its
 * link's notification was lost, and the next pass dumps the links first.
 * In a dump, which follows the links' dump and their events in one queue,
 * the index is one the kernel never told of: skipped (and logged), never
 * a pass again, which would find it again. */
static void nolink(struct ksync *k, const char *what, const char *why, bool dump)
{
	if (!dump) {
		log_debug("kernel sync: %s message: %s; reconciling", what, why);
		k->again |= PASS_ALL;
	} else if (k->bad_msgs++ < 10) {
		log_warn("kernel sync: %s in the kernel's dump: %s; skipped", what, why);
	}
}

/* What a decoder said of a message: true if it is an entry to act on;
 * otherwise skipped, waiting for its link, or not understood (logged, at
 * most ten times). */
static bool decoded(struct ksync *k, int rc, const char *what, const char *why, bool dump)
{
	if (rc == KC_SKIP)
		return false;
	if (rc == KC_NOLINK) {
		nolink(k, what, why, dump);
		return false;
	}
	if (rc == KC_BAD) {
		if (k->bad_msgs++ < 10)
			log_warn("kernel sync: %s message not understood: %s; ignoring it", what, why);
		return false;
	}
	return true;
}

static void route_msg(struct ksync *k, const struct nlmsghdr *h, bool dump)
{
	struct rt_route *r = k->r1;
	char why[256];
	uint32_t table, nh_id;
	int rc = kc_route_decode(h, k->links, false, r, &table, &nh_id, why, sizeof(why));

	if (!decoded(k, rc, "route", why, dump) || table != k->table)
		return;
	/* A next-hop object the kernel did not spell out (nexthop_compat_mode
	 * off): rtmd keeps no next-hop objects, so there is nothing to show. */
	if (nh_id && !r->nh_count && r->type == RTN_UNICAST)
		return;
	if (r->protocol == k->proto) {
		own_route_seen(k, h, r, dump);
		return;
	}
	import_route(k, h, r, dump);
}

/* ---- neighbours ------------------------------------------------------------------------------ */

static void neigh_msg(struct ksync *k, const struct nlmsghdr *h, bool dump)
{
	struct rt_neigh n, cur;
	char why[256];
	bool ll, existed, changed;
	int rc = kc_neigh_decode(h, k->links, &n, &ll, why, sizeof(why));
	uint64_t hh;

	if (!decoded(k, rc, "neighbour", why, dump))
		return;
	existed = arp_store_find(tables_arp(k->t), &n.ip, n.dev, &cur, NULL) == RT_OK;
	hh = nhash('n', &n.ip, n.dev, NULL);
	if (existed && rt_origin_owned(cur.origin)) {
		bool ours = ll && h->nlmsg_type == RTM_NEWNEIGH && (n.state & NUD_PERMANENT) &&
		            n.protocol == k->proto && memcmp(n.lladdr, cur.lladdr, 6) == 0;
		int idx = links_index(k->links, n.dev);

		if (ours) {
			if (k->stage == ST_NEIGH)
				mark(k, &k->own_seen, hh);
			return;
		}
		if (pend_get(k, hh) || !idx || !links_up(k->links, idx))
			return;         /* waiting for its link (link_lost) */
		if (!dump)
			log_notice("kernel sync: neighbour %s dev %s of rtmd's was %s behind its back; "
			           "restoring it", rt_addr_str(&n.ip, why), n.dev,
			           h->nlmsg_type == RTM_DELNEIGH ? "deleted" : "changed");
		queue_neigh(k, OP_NEIGH_SET, &cur);
		return;
	}
	if (h->nlmsg_type == RTM_DELNEIGH || !ll) {
		if (existed && tables_arp_unimport(k->t, &n.ip, n.dev) == RT_OK)
			k->imported_neighs--;
		return;
	}
	if ((n.state & NUD_PERMANENT) && n.protocol == k->proto) {
		log_notice("kernel sync: removing neighbour %s dev %s of rtmd's protocol, which rtmd "
		           "does not hold", rt_addr_str(&n.ip, why), n.dev);
		queue_neigh(k, OP_STALE_NEIGH_DEL, &n);
		return;
	}
	if (k->stage == ST_NEIGH)
		mark(k, &k->seen, nhash('i', &n.ip, n.dev, NULL));
	rc = tables_arp_import(k->t, &n, &changed);
	if (rc == RT_E_FULL) {
		/* The mapping cannot grow (full disk): counted, and the next
		 * neighbour pass tries again. */
		k->unmapped++;
		return;
	}
	if (rc != RT_OK) {
		log_warn("kernel sync: importing neighbour %s dev %s: %s", rt_addr_str(&n.ip, why),
		         n.dev, rt_err_str(rc));
		return;
	}
	if (!existed)
		k->imported_neighs++;
}

/* ---- dumps and passes -------------------------------------------------------------------- */

static const char *const stage_name[ST_N] = {
	"links", "addresses", "IPv4 routes", "IPv6 routes", "neighbours",
};

static void begin_stage(struct ksync *k, int st);
static void ev_msg(void *ctx, uint64_t cookie, const struct nlmsghdr *h);
static void ev_done(void *ctx, uint64_t cookie, int error, const char *text);

static bool queue_dump(struct ksync *k, int st)
{
	static const uint16_t type[ST_N] = {
		RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETROUTE, RTM_GETNEIGH,
	};
	struct nlmsghdr *h = nl_msg_begin(k->ev, type[st], NLM_F_DUMP, (uint64_t)st, 64);

	if (!h)
		return false;
	switch (st) {
	case ST_LINKS:
		((struct ifinfomsg *)mnl_nlmsg_put_extra_header(h, sizeof(struct ifinfomsg)))->ifi_family = AF_UNSPEC;
		break;
	case ST_ADDRS:
		((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(h, sizeof(struct ifaddrmsg)))->ifa_family = AF_UNSPEC;
		break;
	case ST_ROUTES4:
	case ST_ROUTES6: {
		struct rtmsg *rm = mnl_nlmsg_put_extra_header(h, sizeof(*rm));

		rm->rtm_family = st == ST_ROUTES4 ? AF_INET : AF_INET6;
		/* With strict checking the kernel dumps only the table asked
		 * for (others may hold millions of routes). */
		if (k->strict) {
			rm->rtm_table = k->table < 256 ? (uint8_t)k->table : RT_TABLE_UNSPEC;
			mnl_attr_put_u32(h, RTA_TABLE, k->table);
		}
		break;
	}
	default:
		((struct ndmsg *)mnl_nlmsg_put_extra_header(h, sizeof(struct ndmsg)))->ndm_family = AF_UNSPEC;
	}
	nl_msg_end(k->ev, h);
	return true;
}

static void next_stage(struct ksync *k)
{
	int st = k->stage + 1;

	while (st < ST_N && !(k->pass & (1u << st)))
		st++;
	if (st < ST_N) {
		begin_stage(k, st);
		return;
	}
	k->stage = ST_IDLE;
	k->pass = 0;
	if (k->again & k->all) {
		unsigned again = k->again & k->all;

		k->again = 0;
		k->pass = again;
		k->stage = ST_IDLE;
		next_stage(k);
		return;
	}
	/* A pass may have freed keys or brought interfaces. */
	k->retry |= RETRY_LINK | RETRY_ANY | RETRY_KEY;
}

/* Queued only: the event socket's reader sends it (flush_ev) once the
 * datagram in hand is done. */
static void begin_stage(struct ksync *k, int st)
{
	k->stage = st;
	hm_free(&k->seen);
	hm_free(&k->own_seen);
	if (st == ST_LINKS || st == ST_ADDRS)
		links_dump_begin(k->links, st == ST_ADDRS);
	if (!queue_dump(k, st)) {
		log_err("kernel sync: out of memory asking for a dump of %s", stage_name[st]);
		next_stage(k);
	}
}

static void flush_ev(struct ksync *k)
{
	struct nl_handler hd = { k, ev_msg, ev_done };

	if (nl_queued(k->ev) && nl_flush(k->ev, 1, &hd) < 0)
		log_err("kernel sync: asking for a dump: %s", strerror(errno));
}

static void want_pass(struct ksync *k, unsigned what)
{
	what &= k->all;
	if (!what)
		return;
	if (k->stage == ST_IDLE) {
		k->pass = what;
		next_stage(k);
	} else {
		k->again |= what;
	}
}

struct sweep_ctx {
	struct ksync *k;
	uint8_t family;
	struct rkey *gone, *install;
	size_t ngone, ninstall, capgone, capinstall;
	struct rt_neigh *ngv, *niv;
	size_t nng, nni, capng, capni;
	bool oom;
};

/* Append one element of size to a growing vector; false without memory. */
static bool push(void **v, size_t *n, size_t *cap, const void *x, size_t size)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		void *nv = realloc(*v, ncap * size);

		if (!nv)
			return false;
		*v = nv;
		*cap = ncap;
	}
	memcpy((uint8_t *)*v + *n * size, x, size);
	(*n)++;
	return true;
}

static int sweep_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct sweep_ctx *c = ctx;
	struct rkey key;
	bool ok = true;

	(void)tag;
	if (r->dst.addr.family != c->family)
		return 0;
	if (rt_origin_owned(r->origin)) {
		if (!hm_get(&c->k->own_seen, rhash('o', &r->dst, r->metric, 0, &key), NULL))
			ok = push((void **)&c->install, &c->ninstall, &c->capinstall, &key, sizeof(key));
	} else if (r->origin == RT_ORIGIN_KERNEL &&
	           !hm_get(&c->k->seen, rhash('i', &r->dst, r->metric, r->disc, &key), NULL)) {
		ok = push((void **)&c->gone, &c->ngone, &c->capgone, &key, sizeof(key));
	}
	if (!ok)
		c->oom = true;
	return ok ? 0 : -1;
}

static int sweep_neigh(const struct rt_neigh *n, uint32_t slot, void *ctx)
{
	struct sweep_ctx *c = ctx;
	bool ok = true;

	(void)slot;
	if (rt_origin_owned(n->origin)) {
		if (!hm_get(&c->k->own_seen, nhash('n', &n->ip, n->dev, NULL), NULL))
			ok = push((void **)&c->niv, &c->nni, &c->capni, n, sizeof(*n));
	} else if (n->origin == RT_ORIGIN_KERNEL &&
	           !hm_get(&c->k->seen, nhash('i', &n->ip, n->dev, NULL), NULL)) {
		ok = push((void **)&c->ngv, &c->nng, &c->capng, n, sizeof(*n));
	}
	if (!ok)
		c->oom = true;
	return ok ? 0 : -1;
}

/* The end of a route or neighbour dump: imported entries it did not
 * mention go; owned ones it did not show as installed are installed.
 * Keys are collected first (nothing may change under a walk). */
static void sweep(struct ksync *k, int st)
{
	struct sweep_ctx c = { .k = k, .family = st == ST_ROUTES4 ? AF_INET : AF_INET6 };
	size_t gone = 0, installed = 0;

	/* Answers still unread may mark installs of this stage. */
	ksync_settle(k);
	if (!k->mark_oom) {
		if (st == ST_NEIGH)
			arp_store_walk_unordered(tables_arp(k->t), sweep_neigh, &c);
		else
			if (route_table_walk(tables_routes(k->t), RT_FILTER_ALL, NULL, sweep_route, &c) == 0)
				tables_hidden_walk(k->t, sweep_route, &c);
	}
	if (c.oom || k->mark_oom) {
		/* Sweep nothing rather than the wrong things. */
		log_err("kernel sync: out of memory reconciling %s; trying again later", stage_name[st]);
		c.ngone = c.nng = c.ninstall = c.nni = 0;
		k->again |= 1u << st;
	}
	k->mark_oom = false;
	for (size_t i = 0; i < c.ngone; i++)
		if (tables_route_unimport(k->t, &c.gone[i].dst, c.gone[i].metric, c.gone[i].disc) == RT_OK) {
			k->imported_routes--;
			gone++;
		}
	for (size_t i = 0; i < c.nng; i++)
		if (tables_arp_unimport(k->t, &c.ngv[i].ip, c.ngv[i].dev) == RT_OK) {
			k->imported_neighs--;
			gone++;
		}
	for (size_t j = 0; j < c.ninstall; j++) {
		size_t i = tables_spread(j, c.ninstall);

		if (owned_route(k, &c.install[i].dst, c.install[i].metric, k->r2, NULL)) {
			queue_route(k, OP_ROUTE_ADD, k->r2);
			installed++;
		}
	}
	for (size_t i = 0; i < c.nni; i++) {
		queue_neigh(k, OP_NEIGH_SET, &c.niv[i]);
		installed++;
	}
	if (gone || installed)
		log_info("kernel sync: %s reconciled: %zu imported entries gone, %zu of rtmd's installed",
		         stage_name[st], gone, installed);
	ksync_settle(k);
	free(c.gone);
	free(c.install);
	free(c.ngv);
	free(c.niv);
}

static void ev_done(void *ctx, uint64_t cookie, int error, const char *text)
{
	struct ksync *k = ctx;
	int st = (int)cookie;

	if (st != k->stage)
		return;
	if (error == -EINTR) {
		/* The kernel says the dump may have missed entries. */
		log_debug("kernel sync: dump of %s interrupted by changes; again", stage_name[st]);
		begin_stage(k, st);
		return;
	}
	/* A dump filtered by table that the kernel has not made yet (no
	 * route has been put in it): an empty table. */
	if (error == -ENOENT && k->strict && (st == ST_ROUTES4 || st == ST_ROUTES6))
		error = 0;
	if (error == -ENOBUFS) {
		/* The dump did not happen (the kernel could not start it, or its
		 * parts were dropped): the socket's buffer was full, so
		 * notifications may be lost too, and nothing may say so once
		 * the kernel goes quiet.  What this pass marked is kept, and a
		 * whole pass follows. */
		log_warn("kernel sync: a dump of %s was lost (receive buffer full); another pass "
		         "follows", stage_name[st]);
		set_error(k, "dump", strerror(-error));
		k->resyncs++;
		k->again |= PASS_ALL;
	} else if (error) {
		log_err("kernel sync: the kernel refused a dump of %s: %s", stage_name[st],
		        text[0] ? text : strerror(-error));
		set_error(k, "dump", text[0] ? text : strerror(-error));
	} else if (st == ST_LINKS || st == ST_ADDRS) {
		links_dump_end(k->links, st == ST_ADDRS);
	} else {
		sweep(k, st);
	}
	hm_free(&k->seen);
	hm_free(&k->own_seen);
	next_stage(k);
}

static void ev_msg(void *ctx, uint64_t cookie, const struct nlmsghdr *h)
{
	struct ksync *k = ctx;
	bool dump = cookie != NL_EVENT;
	char why[256];

	switch (h->nlmsg_type) {
	case RTM_NEWLINK: case RTM_DELLINK: case RTM_NEWADDR: case RTM_DELADDR:
		if (links_apply(k->links, h, why, sizeof(why)) < 0 && k->bad_msgs++ < 10)
			log_warn("kernel sync: interface message not understood: %s", why);
		break;
	case RTM_NEWROUTE: case RTM_DELROUTE:
		route_msg(k, h, dump);
		break;
	case RTM_NEWNEIGH: case RTM_DELNEIGH:
		neigh_msg(k, h, dump);
		break;
	default:
		break;
	}
}

void ksync_input(struct ksync *k)
{
	struct nl_handler ev = { k, ev_msg, ev_done };
	int rc;

	/* Answers first: they may make entries pending that events then
	 * find.  Neither waits for the thread. */
	ksync_collect(k);
	rc = nl_read(k->ev, READ_BUDGET, &ev);
	if (rc == NL_RESYNC) {
		k->resyncs++;
		log_warn("kernel sync: the kernel dropped notifications (receive buffer full); "
		         "reconciling with a dump");
		want_pass(k, PASS_ALL);
	} else if (rc < 0) {
		log_err("kernel sync: reading notifications: %s", strerror(errno));
	}
	if (k->req)
		nlw_submit(k->req);
	if (k->again && k->stage == ST_IDLE) {
		unsigned a = k->again;

		k->again = 0;
		want_pass(k, a);
	}
	if (k->stage == ST_IDLE)
		run_retries(k);
	flush_ev(k);
}

const struct links *ksync_links(const struct ksync *k)
{
	return k->links;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void schedule_rescan(struct ksync *k)
{
	uint64_t n = k->imported_neighs / 10000;

	k->next_rescan_ms = k->req ? mono_ms() + RESCAN_MS * (n ? n : 1) : UINT64_MAX;
}

uint64_t ksync_deadline(const struct ksync *k)
{
	return k->next_rescan_ms;
}

void ksync_timer(struct ksync *k, uint64_t now_ms)
{
	if (now_ms < k->next_rescan_ms)
		return;
	schedule_rescan(k);
	want_pass(k, 1u << ST_NEIGH);
	flush_ev(k);
}

void ksync_fds(const struct ksync *k, int fds[2])
{
	fds[0] = k->req ? nlw_fd(k->req) : -1;
	fds[1] = nl_fd(k->ev);
}

/* ---- opening ---------------------------------------------------------------------------- */

/* CAP_NET_ADMIN in the effective set: without it every request the kernel
 * gets is refused (EPERM), so rtmd says so at start instead. */
static bool has_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	return data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

static const char *test_rcvbuf(void)
{
	const char *s = getenv("RTMD_TEST_NETLINK_RCVBUF");

	return s && *s ? s : NULL;
}

int ksync_open(struct ksync **out, const struct rtmd_config *c, struct tables *t, char *err,
               size_t errlen)
{
	/* The first three are all the interface cache needs. */
	static const unsigned groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEIGH,
	};
	bool full = c->kernel_sync;
	struct ksync *k = calloc(1, sizeof(*k));
	size_t rcvbuf = (size_t)c->kernel_rcvbuf_mb << 20;
	struct nl_handler ev = { k, ev_msg, ev_done };
	int one = 1;

	*out = NULL;
	if (!k || !(k->links = links_new()) || !(k->r1 = malloc(sizeof(*k->r1))) ||
	    !(k->r2 = malloc(sizeof(*k->r2)))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (test_rcvbuf())
		rcvbuf = (size_t)strtoull(test_rcvbuf(), NULL, 10);
	k->t = t;
	k->table = c->kernel_table;
	k->proto = (uint8_t)c->kernel_protocol;
	k->stage = ST_IDLE;
	k->all = full ? PASS_ALL : LINKS_ONLY;
	if (full && !has_net_admin()) {
		snprintf(err, errlen, "kernel-sync = true needs CAP_NET_ADMIN: run rtmd as root or as "
		         "the packaged service, or set kernel-sync = false in its config file");
		goto fail;
	}
	if (full)
		links_set_listener(k->links, on_link, k);
	if ((full && nlw_open(&k->req, REQ_RCVBUF, REQ_WINDOW, err, errlen) < 0) ||
	    nl_open(&k->ev, groups, full ? sizeof(groups) / sizeof(groups[0]) : 3,
	            full ? rcvbuf : (size_t)1 << 20, 16, err, errlen) < 0 ||
	    (full && nl_drop_port(k->ev, nlw_portid(k->req), err, errlen) < 0))
		goto fail;
	k->strict = setsockopt(nl_fd(k->ev), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
	                       sizeof(one)) == 0;
	/* The first pass, to its end, before rtmd serves: clients then see
	 * the kernel's tables, and rtmd's entries are in the kernel. */
	notify_status("importing the kernel's tables");
	want_pass(k, PASS_ALL);
	flush_ev(k);
	for (unsigned spins = 0; k->stage != ST_IDLE || k->again; spins++) {
		struct pollfd p = { .fd = nl_fd(k->ev), .events = POLLIN };
		int rc;

		if (poll(&p, 1, 1000) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			goto fail;
		}
		rc = nl_read(k->ev, READ_BUDGET, &ev);
		if (rc < 0) {
			snprintf(err, errlen, "reading the kernel's tables: %s", strerror(errno));
			goto fail;
		}
		if (rc == NL_RESYNC) {
			k->resyncs++;
			k->again |= PASS_ALL;
		}
		ksync_settle(k);
		if (k->stage == ST_IDLE && k->again) {
			unsigned a = k->again;

			k->again = 0;
			want_pass(k, a);
		}
		flush_ev(k);
		if (spins % 64 == 0)
			notify_status("importing the kernel's tables: %llu routes, %llu neighbours",
			              (unsigned long long)k->imported_routes,
			              (unsigned long long)k->imported_neighs);
	}
	run_retries(k);
	schedule_rescan(k);
	if (!full) {
		log_info("interfaces: %zu links, %zu addresses (for FPM; kernel sync is off)",
		         links_count(k->links), links_addr_count(k->links));
		*out = k;
		return 0;
	}
	log_info("kernel sync: table %u, protocol %u: %llu routes and %llu neighbours imported; "
	         "%zu of rtmd's routes and %zu neighbours pending", k->table, k->proto,
	         (unsigned long long)k->imported_routes, (unsigned long long)k->imported_neighs,
	         k->npend_routes, k->npend_neighs);
	*out = k;
	return 0;
fail:
	ksync_close(k);
	return -1;
}

void ksync_close(struct ksync *k)
{
	if (!k)
		return;
	nlw_close(k->req);
	nl_close(k->ev);
	links_free(k->links);
	hm_free(&k->seen);
	hm_free(&k->own_seen);
	hm_free(&k->pidx);
	free(k->pv);
	free(k->q);
	free(k->ref);
	free(k->ends);
	free(k->r1);
	free(k->r2);
	free(k);
}

/* ---- settings recorded in the state directory ------------------------------------- */

#define STATE_FILE "kernel-sync"

struct recorded {
	bool on;
	uint32_t table;
	uint32_t proto;
};

/* The settings of the last start (false: none recorded). */
static bool record_read(const char *dir, struct recorded *r)
{
	char path[RT_PATHLEN + 32], line[128];
	bool have_on = false, have_table = false, have_proto = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	if (!(f = fopen(path, "re")))
		return false;
	while (fgets(line, sizeof(line), f)) {
		char v[16];

		if (sscanf(line, "kernel-sync = %15s", v) == 1) {
			r->on = strcmp(v, "true") == 0;
			have_on = true;
		} else if (sscanf(line, "kernel-table = %" SCNu32, &r->table) == 1) {
			have_table = true;
		} else if (sscanf(line, "kernel-protocol = %" SCNu32, &r->proto) == 1) {
			have_proto = true;
		}
	}
	fclose(f);
	if (!have_on || (r->on && (!have_table || !have_proto || r->proto > 255))) {
		log_warn("kernel sync: %s is not what rtmd writes; ignoring it", path);
		return false;
	}
	return true;
}

/* Written whole to a temporary file, then renamed over the record. */
static void record_write(const char *dir, const struct rtmd_config *c)
{
	char path[RT_PATHLEN + 32], tmp[RT_PATHLEN + 40];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "we"))) {
		log_warn("kernel sync: cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "# rtmd's kernel sync settings at its last start: rtmd removes its entries\n"
	           "# left under earlier ones.  Written by rtmd; do not edit.\n"
	           "kernel-sync = %s\nkernel-table = %" PRIu32 "\nkernel-protocol = %" PRIu32 "\n",
	        c->kernel_sync ? "true" : "false", c->kernel_table, c->kernel_protocol);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0 || fclose(f) != 0) {
		log_warn("kernel sync: cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return;
	}
	if (rename(tmp, path) < 0) {
		log_warn("kernel sync: cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
	}
}

struct cleanup {
	struct nl_sock *s;
	uint32_t table;
	uint8_t proto;
	bool neighs;
	size_t routes_gone, neighs_gone, refused;
	int dump_error;
	bool dump_done;
	char why[RT_ERR_TEXT];
};

/* A dumped entry of the old protocol goes back as its own delete: the
 * kernel then matches every attribute it has. */
static void cleanup_msg(void *ctx, uint64_t cookie, const struct nlmsghdr *h)
{
	struct cleanup *c = ctx;
	size_t plen = h->nlmsg_len - MNL_NLMSG_HDRLEN;
	struct nlmsghdr *d;

	if (h->nlmsg_type == RTM_NEWROUTE) {
		const struct nlattr *tb[RTA_MAX + 1];
		static const struct nl_policy pol[RTA_MAX + 1] = { [RTA_TABLE] = { NL_A_U32, 0, 0 } };
		const struct rtmsg *rm = mnl_nlmsg_get_payload(h);
		char why[64];

		if (nl_attr_parse(h, sizeof(*rm), pol, RTA_MAX, tb, why, sizeof(why)) < 0 ||
		    rm->rtm_protocol != c->proto || (rm->rtm_flags & RTM_F_CLONED) ||
		    (tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rm->rtm_table) != c->table)
			return;
		c->routes_gone++;
	} else if (h->nlmsg_type == RTM_NEWNEIGH && c->neighs) {
		const struct nlattr *tb[NDA_MAX + 1];
		static const struct nl_policy pol[NDA_MAX + 1] = { [NDA_PROTOCOL] = { NL_A_U8, 0, 0 } };
		const struct ndmsg *nd = mnl_nlmsg_get_payload(h);
		char why[64];

		if (nl_attr_parse(h, sizeof(*nd), pol, NDA_MAX, tb, why, sizeof(why)) < 0 ||
		    !tb[NDA_PROTOCOL] || mnl_attr_get_u8(tb[NDA_PROTOCOL]) != c->proto ||
		    (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6) ||
		    !(nd->ndm_state & NUD_PERMANENT))
			return;
		c->neighs_gone++;
	} else {
		return;
	}
	if (!(d = nl_msg_begin(c->s, h->nlmsg_type == RTM_NEWROUTE ? RTM_DELROUTE : RTM_DELNEIGH, 0,
	                       UINT64_MAX - 1, plen)))
		return;
	memcpy(mnl_nlmsg_get_payload(d), mnl_nlmsg_get_payload(h), plen);
	d->nlmsg_len += (uint32_t)MNL_ALIGN(plen);
	nl_msg_end(c->s, d);
}

static void cleanup_done(void *ctx, uint64_t cookie, int error, const char *text)
{
	struct cleanup *c = ctx;

	if (cookie != UINT64_MAX - 1) {
		c->dump_done = true;
		c->dump_error = error;
	} else if (error && error != -ESRCH && error != -ENOENT) {
		c->refused++;
		snprintf(c->why, sizeof(c->why), "%s", text[0] ? text : strerror(-error));
	}
}

/* Dump (routes of a family, or neighbours), deleting what is the old
 * protocol's, to the end.  0, or -1 with c->why. */
static int cleanup_dump(struct cleanup *c, uint16_t type, uint8_t family)
{
	struct nl_handler hd = { c, cleanup_msg, cleanup_done };
	struct nlmsghdr *h = nl_msg_begin(c->s, type, NLM_F_DUMP, 0, 64);

	if (!h) {
		snprintf(c->why, sizeof(c->why), "out of memory");
		return -1;
	}
	*(uint8_t *)mnl_nlmsg_put_extra_header(h, type == RTM_GETROUTE ? sizeof(struct rtmsg)
	                                                                : sizeof(struct ndmsg)) = family;
	nl_msg_end(c->s, h);
	c->dump_done = false;
	for (int i = 0; i < 100000 && (!c->dump_done || nl_busy(c->s)); i++) {
		struct pollfd p = { .fd = nl_fd(c->s), .events = POLLIN };

		if (nl_flush(c->s, PER_SEND, &hd) < 0 || nl_read(c->s, READ_BUDGET, &hd) < 0) {
			snprintf(c->why, sizeof(c->why), "%s", strerror(errno));
			return -1;
		}
		if (!c->dump_done || nl_busy(c->s))
			poll(&p, 1, 100);
	}
	if (c->dump_error) {
		snprintf(c->why, sizeof(c->why), "%s", strerror(-c->dump_error));
		return -1;
	}
	return c->refused ? -1 : 0;
}

void ksync_cleanup_earlier(const struct rtmd_config *c)
{
	struct recorded was = { .on = false };
	struct cleanup cl = { .proto = 0 };
	char err[256];
	bool known = record_read(c->state_dir, &was);

	if (!known) {
		if (c->kernel_sync)
			record_write(c->state_dir, c);
		return;
	}
	if (was.on == c->kernel_sync && (!was.on || (was.table == c->kernel_table &&
	                                             was.proto == c->kernel_protocol)))
		return;
	if (!was.on) {
		record_write(c->state_dir, c);
		return;
	}
	/* Routes of the old protocol in the old table go unless they are
	 * the ones rtmd keeps now; neighbours carry no table, so only a
	 * change of protocol (or the end of kernel sync) removes them. */
	cl.table = was.table;
	cl.proto = (uint8_t)was.proto;
	cl.neighs = !c->kernel_sync || was.proto != c->kernel_protocol;
	if (nl_open(&cl.s, NULL, 0, REQ_RCVBUF, REQ_WINDOW, err, sizeof(err)) < 0) {
		log_warn("kernel sync: cannot remove the entries of table %u, protocol %u (the "
		         "settings of the last start): %s", was.table, was.proto, err);
		return;
	}
	if (cleanup_dump(&cl, RTM_GETROUTE, AF_INET) < 0 ||
	    cleanup_dump(&cl, RTM_GETROUTE, AF_INET6) < 0 ||
	    (cl.neighs && cleanup_dump(&cl, RTM_GETNEIGH, AF_UNSPEC) < 0)) {
		log_warn("kernel sync: removing rtmd's entries of table %u, protocol %u (the settings "
		         "of the last start) failed: %s; rtmd tries again at its next start",
		         was.table, was.proto, cl.why);
		nl_close(cl.s);
		return;
	}
	nl_close(cl.s);
	log_notice("kernel sync: removed %zu routes and %zu neighbours rtmd left in the kernel under "
	           "table %u, protocol %u (the settings of its last start)", cl.routes_gone,
	           cl.neighs_gone, was.table, was.proto);
	record_write(c->state_dir, c);
}

/* ---- status ------------------------------------------------------------------------------ */

void ksync_status(const struct ksync *k, struct rt_status *st)
{
	size_t routes = route_table_count(tables_routes(k->t), 0);
	size_t neighs = arp_store_count(tables_arp(k->t));
	size_t own_r = routes > k->imported_routes ? routes - k->imported_routes : 0;
	size_t own_n = neighs > k->imported_neighs ? neighs - k->imported_neighs : 0;

	st->kernel_sync = 1;
	st->kernel_protocol = k->proto;
	st->kernel_table = k->table;
	st->kernel_pending_routes = k->npend_routes;
	st->kernel_pending_neighs = k->npend_neighs;
	st->kernel_installed_routes = own_r > k->npend_routes ? own_r - k->npend_routes : 0;
	st->kernel_installed_neighs = own_n > k->npend_neighs ? own_n - k->npend_neighs : 0;
	st->kernel_imported_routes = k->imported_routes;
	st->kernel_imported_neighs = k->imported_neighs;
	st->kernel_resyncs = k->resyncs;
	st->kernel_unmapped_neighs = k->unmapped;
	snprintf(st->kernel_last_error, sizeof(st->kernel_last_error), "%s", k->last_error);
}
