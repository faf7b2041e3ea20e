/* rtmd_client.c - librtmd's requests: one connection, a request and its
 * replies at a time, or a batch with a window of messages in flight.
 *
 * The connection is made on demand and made again before a request if
 * rtmd closed it (a send never half-delivers a SOCK_SEQPACKET message, so
 * a request that could not be sent can be sent again); once a request is
 * out, a lost connection is the caller's to judge (-ECONNRESET: it may
 * have been applied). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "errors.h"
#include "rtmd_impl.h"
#include "rtnames.h"

#define DEFAULT_TIMEOUT_MS 30000
#define MSG_MAX RT_MSG_MAX_DEFAULT
#define WINDOW 32               /* batch messages in flight, as rtctl */

struct rtmd_client {
	char path[108];
	int timeout_ms;
	unsigned flags;             /* RTMD_CLIENT_* */
	bool connected;
	struct rt_client cli;
	struct rt_msgbuf mb;
	uint32_t seq;
	struct rt_route *route;     /* scratch: a route being decoded or prepared */
	rtmd_notice_fn *notice_fn;
	void *notice_ctx;
};

int rtmd_client_new(rtmd_client **out, const char *socket)
{
	rtmd_client *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return lib_fail(-ENOMEM, "out of memory for a client");
	rc = lib_socket_path(socket, c->path, sizeof(c->path));
	if (rc == 0 && (rt_msgbuf_init(&c->mb, MSG_MAX) < 0 || !(c->route = malloc(sizeof(*c->route)))))
		rc = lib_fail(-ENOMEM, "out of memory for a client");
	if (rc < 0) {
		rt_msgbuf_free(&c->mb);
		free(c);
		return rc;
	}
	c->timeout_ms = DEFAULT_TIMEOUT_MS;
	c->cli.fd = -1;
	*out = c;
	return 0;
}

static void disconnect(rtmd_client *c)
{
	if (c->connected)
		rt_client_close(&c->cli);
	c->connected = false;
}

void rtmd_client_free(rtmd_client *c)
{
	if (!c)
		return;
	disconnect(c);
	rt_msgbuf_free(&c->mb);
	free(c->route);
	free(c);
}

const char *rtmd_client_socket(const rtmd_client *c)
{
	return c->path;
}

void rtmd_client_set_timeout(rtmd_client *c, int ms)
{
	c->timeout_ms = ms < 0 ? -1 : ms;
}

int rtmd_client_set_flags(rtmd_client *c, unsigned flags)
{
	if (flags & ~RTMD_CLIENT_TAKE_CONFIG)
		return lib_fail(-EINVAL, "unknown client flags 0x%x", flags);
	c->flags = flags;
	return 0;
}

void rtmd_client_on_notice(rtmd_client *c, rtmd_notice_fn *fn, void *ctx)
{
	c->notice_fn = fn;
	c->notice_ctx = ctx;
}

int rtmd_client_connect(rtmd_client *c)
{
	char err[512];

	if (c->connected)
		return 0;
	if (rt_client_connect(&c->cli, c->path, err, sizeof(err)) < 0) {
		int e = errno ? errno : ECONNREFUSED;

		return lib_fail(-e, "%s", err);
	}
	c->connected = true;
	return 0;
}

/* Send the message in data; if the connection was closed since the last
 * request, connect again once and resend. */
static int send_msg(rtmd_client *c, const uint8_t *data, size_t len, bool retry)
{
	int rc = rtmd_client_connect(c);
	ssize_t n;

	if (rc < 0)
		return rc;
	do
		n = send(c->cli.fd, data, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return 0;
	rc = -errno;
	disconnect(c);
	if (retry && (rc == -EPIPE || rc == -ECONNRESET || rc == -ENOTCONN))
		return send_msg(c, data, len, false);
	if (rc == -EMSGSIZE)
		return lib_fail(RTMD_E_TOOBIG, "request of %zu bytes too large for the socket", len);
	return lib_fail(rc, "cannot send to rtmd at %s: %s", c->path, strerror(-rc));
}

/* Wait for and receive one message: 0 with *h and *msg, or a code. */
static int recv_msg(rtmd_client *c, struct rt_hdr *h, const uint8_t **msg)
{
	struct pollfd p = { .fd = c->cli.fd, .events = POLLIN };
	char err[512] = "";
	int rc;

	do
		rc = poll(&p, 1, c->timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		disconnect(c);
		return lib_fail(-ETIMEDOUT, "rtmd at %s did not answer within %d ms (a change may "
		                "still be applied)", c->path, c->timeout_ms);
	}
	if (rc < 0) {
		rc = -errno;
		disconnect(c);
		return lib_fail(rc, "poll: %s", strerror(-rc));
	}
	rc = rt_client_recv(&c->cli, h, msg, err, sizeof(err));
	if (rc > 0)
		return 0;
	disconnect(c);
	if (rc == 0)
		return lib_fail(-ECONNRESET, "rtmd at %s closed the connection before answering "
		                "(a change may have been applied)", c->path);
	return lib_fail(RTMD_E_PROTO, "%s", err);
}

/* ---- one request and its replies ------------------------------------------ */

struct reply {
	rtmd_client *c;
	rtmd_route_visit_fn *route_fn;
	rtmd_neigh_visit_fn *neigh_fn;
	void *ctx;
	const rtmd_filter *filter;
	rtmd_route *route_out;      /* route get */
	struct rt_status *status;   /* status */
	struct rt_ack ack;
	int err;                    /* first refusal */
	int stop;                   /* what the visitor returned */
	int count;
};

static int refusal(const struct rt_error *e)
{
	return lib_fail(lib_rt_err(e->code), "%s%s%s", e->text, e->text[0] ? ": " : "",
	                rt_err_str((int)e->code));
}

/* A notice (a kernel refusal: the entry is pending; a config entry taken
 * over) for record index of the request. */
static void notice(rtmd_client *c, const struct rt_notice *no, size_t index)
{
	if (c->notice_fn)
		c->notice_fn(c->notice_ctx, index, no->code == RT_NOTE_PENDING ? RTMD_NOTICE_PENDING :
		             RTMD_NOTICE_TAKEN_OVER, no->text);
}

static int visit_routes(struct reply *rp, const struct rt_hdr *h, const uint8_t *msg, char *why)
{
	struct rt_route *r = rp->route_out ? lib_route_w(rp->route_out) : rp->c->route;
	struct rt_reader rd;

	rt_msg_reader(&rd, h, msg);
	for (uint32_t i = 0; i < h->count; i++) {
		if (rt_msg_read_route(&rd, r, why))
			return -1;
		if (rp->route_out) {
			rp->count++;
		} else if (!rp->stop && rtmd_filter_route(rp->filter, lib_pub_route(r))) {
			rp->count++;
			rp->stop = rp->route_fn(rp->ctx, lib_pub_route(r));
		}
	}
	return 0;
}

static int visit_neighs(struct reply *rp, const struct rt_hdr *h, const uint8_t *msg, char *why)
{
	struct rtmd_neigh n;
	struct rt_reader rd;

	rt_msg_reader(&rd, h, msg);
	for (uint32_t i = 0; i < h->count; i++) {
		if (rt_msg_read_neigh(&rd, &n.n, why))
			return -1;
		n.slot = RTMD_SLOT_NONE;
		if (!rp->stop && rtmd_filter_neigh(rp->filter, &n)) {
			rp->count++;
			rp->stop = rp->neigh_fn(rp->ctx, &n);
		}
	}
	return 0;
}

/* Send the request in c->mb and take its replies until the last one. */
static int request(rtmd_client *c, struct reply *rp)
{
	uint32_t seq = c->seq;
	char why[RT_ERRLEN];
	int rc = send_msg(c, c->mb.data, c->mb.len, true);

	while (rc == 0) {
		struct rt_hdr h;
		const uint8_t *msg;
		struct rt_error e;
		struct rt_notice no;

		rc = recv_msg(c, &h, &msg);
		if (rc < 0)
			return rc;
		if (h.seq != seq) {
			snprintf(why, sizeof(why), "reply to request %u while %u was expected", h.seq, seq);
			goto bad;
		}
		switch (h.type) {
		case RT_MSG_ERROR:
			if (rt_msg_get_error(&h, msg, &e, why))
				goto bad;
			if (!rp->err)
				rp->err = refusal(&e);
			break;
		case RT_MSG_NOTICE:
			if (rt_msg_get_notice(&h, msg, &no, why))
				goto bad;
			notice(c, &no, 0);
			break;
		case RT_MSG_ACK:
			if (rt_msg_get_ack(&h, msg, &rp->ack, why))
				goto bad;
			break;
		case RT_MSG_ROUTES:
			if ((!rp->route_fn && !rp->route_out) || visit_routes(rp, &h, msg, why) < 0)
				goto bad;
			break;
		case RT_MSG_NEIGHS:
			if (!rp->neigh_fn || visit_neighs(rp, &h, msg, why) < 0)
				goto bad;
			break;
		case RT_MSG_STATUS_REPLY:
			if (!rp->status || rt_msg_get_status(&h, msg, rp->status, why))
				goto bad;
			break;
		default:
			snprintf(why, sizeof(why), "unexpected message type %u", h.type);
			goto bad;
		}
		if (!(h.flags & RT_F_MORE))
			break;
	}
	if (rc < 0)
		return rc;
	if (rp->err)
		return rp->err;
	return rp->stop ? rp->stop : rp->count;
bad:
	disconnect(c);
	return lib_fail(RTMD_E_PROTO, "malformed reply from rtmd at %s: %s", c->path, why);
}

static void begin(rtmd_client *c, uint16_t type, uint32_t flags)
{
	c->seq = c->seq == UINT32_MAX ? 1 : c->seq + 1;
	rt_msg_begin(&c->mb, type, c->seq, flags);
}

/* A change's entry as it goes to rtmd: a route with ip(8)'s defaults (in
 * the scratch route), refused here, before anything is sent, as rtmd
 * would refuse it: a whole entry, or for a deletion its key. */
static int prepare_change(struct rt_route *scratch, uint16_t type, const rtmd_route *r,
                          const rtmd_neigh *n, const struct rt_route **out)
{
	char err[RT_ERRLEN];

	if (r) {
		lib_route_prepare(scratch, r);
		*out = scratch;
		if ((type == RT_MSG_ROUTE_DEL ? rt_route_key_check(scratch, err)
		                              : rt_route_check(scratch, err)) < 0)
			return lib_fail(-EINVAL, "%s", err);
	} else if (rt_neigh_check(&n->n, err) < 0) {
		return lib_fail(-EINVAL, "%s", err);
	}
	return 0;
}

static int put_record(struct rt_msgbuf *mb, const struct rt_route *r, const rtmd_neigh *n)
{
	struct rt_neigh x;

	if (r)
		return rt_msg_put_route(mb, r);
	x = n->n;
	rt_neigh_normalise(&x);
	return rt_msg_put_neigh(mb, &x);
}

/* One change, route (r) or neighbour (n). */
static int change(rtmd_client *c, uint16_t type, const rtmd_route *r, const rtmd_neigh *n)
{
	struct reply rp = { .c = c };
	const struct rt_route *x = NULL;
	int rc = prepare_change(c->route, type, r, n, &x);

	if (rc < 0)
		return rc;
	begin(c, type, c->flags & RTMD_CLIENT_TAKE_CONFIG ? RT_F_TAKE_CONFIG : 0);
	if (put_record(&c->mb, x, n) < 0)
		return lib_fail(-ENOMEM, "out of memory");
	rc = request(c, &rp);
	return rc < 0 ? rc : 0;
}

int rtmd_client_route_add(rtmd_client *c, const rtmd_route *r)
{
	return change(c, RT_MSG_ROUTE_ADD, r, NULL);
}

int rtmd_client_route_replace(rtmd_client *c, const rtmd_route *r)
{
	return change(c, RT_MSG_ROUTE_REPLACE, r, NULL);
}

int rtmd_client_route_delete(rtmd_client *c, const rtmd_route *r)
{
	return change(c, RT_MSG_ROUTE_DEL, r, NULL);
}

int rtmd_client_neigh_add(rtmd_client *c, const rtmd_neigh *n)
{
	return change(c, RT_MSG_ARP_ADD, NULL, n);
}

int rtmd_client_neigh_replace(rtmd_client *c, const rtmd_neigh *n)
{
	return change(c, RT_MSG_ARP_REPLACE, NULL, n);
}

int rtmd_client_neigh_delete(rtmd_client *c, const rtmd_neigh *n)
{
	return change(c, RT_MSG_ARP_DEL, NULL, n);
}

static int flush(rtmd_client *c, uint32_t table)
{
	struct reply rp = { .c = c };
	int rc;

	begin(c, RT_MSG_FLUSH, table | (c->flags & RTMD_CLIENT_TAKE_CONFIG ? RT_F_TAKE_CONFIG : 0));
	rc = request(c, &rp);
	if (rc < 0)
		return rc;
	return rp.ack.applied > INT32_MAX ? INT32_MAX : (int)rp.ack.applied;
}

int rtmd_client_route_flush(rtmd_client *c)
{
	return flush(c, RT_F_TABLE_ROUTE);
}

int rtmd_client_neigh_flush(rtmd_client *c)
{
	return flush(c, RT_F_TABLE_ARP);
}

int rtmd_client_route_list(rtmd_client *c, const rtmd_filter *f, rtmd_route_visit_fn *fn,
                           void *ctx)
{
	struct reply rp = { .c = c, .route_fn = fn, .ctx = ctx, .filter = f };
	static const uint32_t how_flag[] = {
		[RTMD_MATCH_EXACT] = 0,
		[RTMD_MATCH_ROOT] = RT_F_LIST_ROOT,
		[RTMD_MATCH_CONTAINS] = RT_F_LIST_MATCH,
	};

	if (f && f->has_prefix) {
		rt_route_init(c->route);
		c->route->dst = f->prefix;
		begin(c, RT_MSG_ROUTE_LIST, how_flag[f->how]);
		if (rt_msg_put_route(&c->mb, c->route) < 0)
			return lib_fail(-ENOMEM, "out of memory");
	} else {
		begin(c, RT_MSG_ROUTE_LIST, 0);
	}
	return request(c, &rp);
}

int rtmd_client_neigh_list(rtmd_client *c, const rtmd_filter *f, rtmd_neigh_visit_fn *fn,
                           void *ctx)
{
	struct reply rp = { .c = c, .neigh_fn = fn, .ctx = ctx, .filter = f };

	begin(c, RT_MSG_ARP_LIST, 0);
	return request(c, &rp);
}

int rtmd_client_route_get(rtmd_client *c, const struct rtmd_addr *addr, rtmd_route *out)
{
	struct reply rp = { .c = c, .route_out = out };
	int rc;

	if (addr->family != AF_INET && addr->family != AF_INET6)
		return lib_fail(-EINVAL, "route get: unknown address family %u", addr->family);
	rt_route_init(c->route);
	c->route->dst.addr = *lib_addr(addr);
	c->route->dst.len = (uint8_t)(8 * rt_addr_bytes(addr->family));
	begin(c, RT_MSG_ROUTE_GET, 0);
	if (rt_msg_put_route(&c->mb, c->route) < 0)
		return lib_fail(-ENOMEM, "out of memory");
	rc = request(c, &rp);
	if (rc == 0)
		return lib_fail(RTMD_E_NOTFOUND, "no route to the address");
	return rc < 0 ? rc : 0;
}

static int neigh_get(rtmd_client *c, const struct rt_neigh *key, uint32_t flags,
                     rtmd_neigh_visit_fn *fn, void *ctx)
{
	struct reply rp = { .c = c, .neigh_fn = fn, .ctx = ctx };
	int rc;

	begin(c, RT_MSG_ARP_GET, flags);
	if (rt_msg_put_neigh(&c->mb, key) < 0)
		return lib_fail(-ENOMEM, "out of memory");
	rc = request(c, &rp);
	if (rc == 0)
		return lib_fail(RTMD_E_NOTFOUND, "no such neighbour");
	return rc;
}

int rtmd_client_neigh_get(rtmd_client *c, const struct rtmd_addr *ip, rtmd_neigh_visit_fn *fn,
                          void *ctx)
{
	struct rt_neigh key = { .ip = *lib_addr(ip) };

	if (ip->family != AF_INET && ip->family != AF_INET6)
		return lib_fail(-EINVAL, "neighbour get: unknown address family %u", ip->family);
	return neigh_get(c, &key, 0, fn, ctx);
}

int rtmd_client_neigh_get_lladdr(rtmd_client *c, const uint8_t lladdr[6],
                                 rtmd_neigh_visit_fn *fn, void *ctx)
{
	struct rt_neigh key = { 0 };

	memcpy(key.lladdr, lladdr, sizeof(key.lladdr));
	return neigh_get(c, &key, RT_F_BY_MAC, fn, ctx);
}

/* ---- status -------------------------------------------------------------------- */

/* ---- status --------------------------------------------------------------------
 * The keys of rtctl status --json, in its order; its objects "kernel" and
 * "fpm" as dotted keys ("kernel.pending_routes").  A number or a text each,
 * a boolean a number 0 or 1 whose text is "true" or "false". */

struct status_value {
	const char *key;
	char text[RT_PATHLEN];
	uint64_t number;
	bool is_number;
};

#define STATUS_KEYS 40
struct rtmd_status {
	size_t n;
	struct status_value v[STATUS_KEYS];
};

static void put_number(rtmd_status *st, const char *key, uint64_t v)
{
	struct status_value *sv = &st->v[st->n++];

	sv->key = key;
	sv->number = v;
	sv->is_number = true;
	snprintf(sv->text, sizeof(sv->text), "%llu", (unsigned long long)v);
}

static void put_bool(rtmd_status *st, const char *key, bool v)
{
	put_number(st, key, v);
	snprintf(st->v[st->n - 1].text, sizeof(st->v[0].text), "%s", v ? "true" : "false");
}

static void put_text(rtmd_status *st, const char *key, const char *v)
{
	struct status_value *sv = &st->v[st->n++];

	sv->key = key;
	snprintf(sv->text, sizeof(sv->text), "%s", v);
}

int rtmd_client_status(rtmd_client *c, rtmd_status **out)
{
	struct rt_status s;
	struct reply rp = { .c = c, .status = &s };
	char proto[RT_NAMELEN];
	rtmd_status *st;
	int rc;

	*out = NULL;
	begin(c, RT_MSG_STATUS, 0);
	rc = request(c, &rp);
	if (rc < 0)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st)
		return lib_fail(-ENOMEM, "out of memory for the status");
	put_text(st, "version", s.version);
	put_number(st, "uptime_s", s.uptime_ms / 1000);
	put_number(st, "routes", s.routes);
	put_number(st, "routes4", s.routes4);
	put_number(st, "routes6", s.routes6);
	put_number(st, "arp", s.neighs);
	put_number(st, "clients", s.clients);
	put_number(st, "subscribers", s.subscribers);
	put_number(st, "event_seq", s.event_seq);
	put_text(st, "sync", s.sync_always ? "always" : "interval");
	put_number(st, "sync_interval_ms", s.sync_interval_ms);
	put_number(st, "route_capacity", s.route_capacity);
	put_number(st, "arp_capacity", s.arp_capacity);
	put_text(st, "route_store", s.route_store);
	put_text(st, "arp_store", s.arp_store);
	put_bool(st, "kernel.enabled", s.kernel_sync);
	put_number(st, "kernel.table", s.kernel_table);
	put_text(st, "kernel.protocol", rt_proto_name(s.kernel_protocol, proto));
	put_number(st, "kernel.installed_routes", s.kernel_installed_routes);
	put_number(st, "kernel.installed_neighs", s.kernel_installed_neighs);
	put_number(st, "kernel.pending_routes", s.kernel_pending_routes);
	put_number(st, "kernel.pending_neighs", s.kernel_pending_neighs);
	put_number(st, "kernel.imported_routes", s.kernel_imported_routes);
	put_number(st, "kernel.imported_neighs", s.kernel_imported_neighs);
	put_number(st, "kernel.resyncs", s.kernel_resyncs);
	put_number(st, "kernel.unmapped_neighs", s.kernel_unmapped_neighs);
	put_text(st, "kernel.last_error", s.kernel_last_error);
	put_bool(st, "fpm.enabled", s.fpm_listen[0] != 0);
	put_text(st, "fpm.listen", s.fpm_listen);
	put_text(st, "fpm.peer", s.fpm_peer);
	put_bool(st, "fpm.connected", s.fpm_connected);
	put_number(st, "fpm.routes", s.fpm_routes);
	put_number(st, "fpm.replays", s.fpm_replays);
	put_number(st, "fpm.ignored_other_tables", s.fpm_ignored);
	put_number(st, "fpm.skipped_routes", s.fpm_skipped);
	put_number(st, "fpm.hidden_kernel_routes", s.fpm_hidden);
	put_number(st, "fpm.next_hop_groups", s.fpm_groups);
	put_text(st, "fpm.last_error", s.fpm_last_error);
	*out = st;
	return 0;
}

void rtmd_status_free(rtmd_status *st)
{
	free(st);
}

size_t rtmd_status_count(const rtmd_status *st)
{
	return st->n;
}

const char *rtmd_status_key(const rtmd_status *st, size_t i)
{
	return i < st->n ? st->v[i].key : NULL;
}

static const struct status_value *status_find(const rtmd_status *st, const char *key)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i].key, key) == 0)
			return &st->v[i];
	return NULL;
}

int rtmd_status_number(const rtmd_status *st, const char *key, uint64_t *out)
{
	const struct status_value *v = status_find(st, key);

	if (!v)
		return lib_fail(-ENOENT, "status: no key \"%s\"", key);
	if (!v->is_number)
		return lib_fail(-EINVAL, "status: \"%s\" is not a number", key);
	*out = v->number;
	return 0;
}

const char *rtmd_status_text(const rtmd_status *st, const char *key)
{
	const struct status_value *v = status_find(st, key);

	return v ? v->text : NULL;
}

/* ---- batches -----------------------------------------------------------------------
 * Changes are encoded as they are appended: consecutive changes of one
 * kind share a message, so the batch is a list of finished messages in
 * one buffer (a million routes: ~1000 messages, 56 MB). */

struct batch_msg {
	size_t off, len;
	size_t first;               /* batch index of its first record */
	uint32_t count;
};

struct rtmd_batch {
	unsigned flags;
	uint8_t *data;
	size_t len, cap;
	struct batch_msg *msgs;
	size_t nmsgs, msgs_cap;
	size_t count;
	uint16_t open_type;         /* type of the message being filled, 0: none */
	struct rt_msgbuf mb;
	struct rt_route *route;     /* scratch: the route being prepared */
};

rtmd_batch *rtmd_batch_new(unsigned flags)
{
	rtmd_batch *b;

	if (flags & ~(RTMD_BATCH_FORCE | RTMD_BATCH_TAKE_CONFIG)) {
		lib_fail(-EINVAL, "unknown batch flags 0x%x", flags);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b || !(b->route = malloc(sizeof(*b->route))) || rt_msgbuf_init(&b->mb, MSG_MAX) < 0) {
		if (b)
			free(b->route);
		free(b);
		lib_fail(-ENOMEM, "out of memory for a batch");
		return NULL;
	}
	b->flags = flags;
	return b;
}

void rtmd_batch_free(rtmd_batch *b)
{
	if (!b)
		return;
	rt_msgbuf_free(&b->mb);
	free(b->data);
	free(b->msgs);
	free(b->route);
	free(b);
}

size_t rtmd_batch_count(const rtmd_batch *b)
{
	return b->count;
}

/* Move the message being filled into the list. */
static int seal(rtmd_batch *b)
{
	struct batch_msg *m;

	if (!b->open_type)
		return 0;
	if (b->nmsgs == b->msgs_cap) {
		size_t cap = b->msgs_cap ? 2 * b->msgs_cap : 64;
		struct batch_msg *v = realloc(b->msgs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->msgs = v;
		b->msgs_cap = cap;
	}
	if (b->len + b->mb.len > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4 * MSG_MAX;
		uint8_t *d;

		while (cap < b->len + b->mb.len)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	m = &b->msgs[b->nmsgs++];
	m->off = b->len;
	m->len = b->mb.len;
	m->count = rt_msg_count(&b->mb);
	m->first = b->count - m->count;
	memcpy(b->data + b->len, b->mb.data, b->mb.len);
	b->len += b->mb.len;
	b->open_type = 0;
	return 0;
}

static uint16_t op_type(enum rtmd_op op, bool route)
{
	static const uint16_t types[2][4] = {
		{ 0, RT_MSG_ARP_ADD, RT_MSG_ARP_REPLACE, RT_MSG_ARP_DEL },
		{ 0, RT_MSG_ROUTE_ADD, RT_MSG_ROUTE_REPLACE, RT_MSG_ROUTE_DEL },
	};

	return op >= RTMD_OP_ADD && op <= RTMD_OP_DELETE ? types[route][op] : 0;
}

static int batch_put(rtmd_batch *b, enum rtmd_op op, const rtmd_route *r, const rtmd_neigh *n)
{
	uint16_t type = op_type(op, r != NULL);
	int rc;

	if (!type)
		return lib_fail(-EINVAL, "unknown batch operation %d", (int)op);
	const struct rt_route *x = NULL;

	if ((rc = prepare_change(b->route, type, r, n, &x)) < 0)
		return rc;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (b->open_type != type) {
			uint32_t flags = RT_F_BATCH | (b->nmsgs == 0 ? RT_F_BATCH_START : 0) |
			                 (b->flags & RTMD_BATCH_FORCE ? RT_F_FORCE : 0) |
			                 (b->flags & RTMD_BATCH_TAKE_CONFIG ? RT_F_TAKE_CONFIG : 0);

			if (seal(b) < 0)
				return lib_fail(-ENOMEM, "out of memory for the batch");
			/* Each message's seq is its index + 1: replies are matched in order. */
			rt_msg_begin(&b->mb, type, (uint32_t)(b->nmsgs + 1), flags);
			b->open_type = type;
		}
		if (put_record(&b->mb, x, n) == 0) {
			b->count++;
			return 0;
		}
		if (rt_msg_count(&b->mb) == 0)
			break;
		/* Full: the next attempt starts another message. */
		if (seal(b) < 0)
			return lib_fail(-ENOMEM, "out of memory for the batch");
	}
	return lib_fail(-ENOMEM, "out of memory for the batch");
}

int rtmd_batch_route(rtmd_batch *b, enum rtmd_op op, const rtmd_route *r)
{
	return batch_put(b, op, r, NULL);
}

int rtmd_batch_neigh(rtmd_batch *b, enum rtmd_op op, const rtmd_neigh *n)
{
	return batch_put(b, op, NULL, n);
}

struct batch_run {
	const rtmd_batch *b;
	rtmd_batch_fail_fn *fn;
	void *ctx;
	int first_err;
	bool stop;                  /* a change failed without FORCE: send no more */
};

/* One reply to message m: 1 when m is answered, 0 if more follow, or a
 * protocol error. */
static int batch_reply(rtmd_client *c, struct batch_run *br, const struct batch_msg *m,
                       uint32_t seq, const struct rt_hdr *h, const uint8_t *msg)
{
	char why[RT_ERRLEN];
	struct rt_notice no;
	struct rt_error e;
	struct rt_ack a;

	if (h->seq != seq) {
		snprintf(why, sizeof(why), "reply to request %u while %u was expected", h->seq, seq);
		goto bad;
	}
	if (h->type == RT_MSG_NOTICE) {
		if (rt_msg_get_notice(h, msg, &no, why))
			goto bad;
		notice(c, &no, m->first + (no.index < m->count ? no.index : 0));
		return h->flags & RT_F_MORE ? 0 : 1;
	}
	if (h->type == RT_MSG_ACK) {
		if (rt_msg_get_ack(h, msg, &a, why))
			goto bad;
		return 1;
	}
	if (h->type != RT_MSG_ERROR || rt_msg_get_error(h, msg, &e, why)) {
		if (h->type != RT_MSG_ERROR)
			snprintf(why, sizeof(why), "unexpected message type %u", h->type);
		goto bad;
	}
	if (e.code != RT_E_SKIPPED) {
		int err = refusal(&e);
		size_t index = m->first + (e.index < m->count ? e.index : 0);

		if (!br->first_err)
			br->first_err = err;
		if (br->fn)
			br->fn(br->ctx, index, err, rtmd_errmsg());
		if (!(br->b->flags & RTMD_BATCH_FORCE))
			br->stop = true;
	}
	return h->flags & RT_F_MORE ? 0 : 1;
bad:
	disconnect(c);
	return lib_fail(RTMD_E_PROTO, "malformed reply from rtmd at %s: %s", c->path, why);
}

/* Message i of the batch: the sealed ones, then the one being filled. */
static struct batch_msg batch_msg_at(const rtmd_batch *b, size_t i, const uint8_t **data)
{
	struct batch_msg m;

	if (i < b->nmsgs) {
		*data = b->data + b->msgs[i].off;
		return b->msgs[i];
	}
	*data = b->mb.data;
	m.off = 0;
	m.len = b->mb.len;
	m.count = rt_msg_count(&b->mb);
	m.first = b->count - m.count;
	return m;
}

int rtmd_client_batch(rtmd_client *c, const rtmd_batch *b, rtmd_batch_fail_fn *fn, void *ctx)
{
	struct batch_run br = { .b = b, .fn = fn, .ctx = ctx };
	size_t sent = 0, done = 0, n = b->nmsgs + (b->open_type != 0);
	int rc;

	if (n == 0)
		return 0;
	rc = rtmd_client_connect(c);
	if (rc < 0)
		return rc;
	while (done < n) {
		bool can_send = !br.stop && sent < n && sent - done < WINDOW;
		struct pollfd p = { .fd = c->cli.fd, .events = POLLIN | (can_send ? POLLOUT : 0) };

		if (br.stop && sent == done)
			break;
		/* The timeout bounds each wait for a reply, as for one request. */
		rc = poll(&p, 1, sent > done ? c->timeout_ms : -1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0) {
			disconnect(c);
			return lib_fail(-ETIMEDOUT, "rtmd at %s did not answer within %d ms (changes "
			                "may still be applied)", c->path, c->timeout_ms);
		}
		if (rc < 0) {
			rc = -errno;
			disconnect(c);
			return lib_fail(rc, "poll: %s", strerror(-rc));
		}
		if (can_send && (p.revents & POLLOUT)) {
			const uint8_t *data;
			struct batch_msg m = batch_msg_at(b, sent, &data);
			ssize_t k = send(c->cli.fd, data, m.len, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (k >= 0) {
				sent++;
			} else if (errno != EAGAIN && errno != EINTR) {
				rc = errno == EMSGSIZE ? RTMD_E_TOOBIG : -errno;
				disconnect(c);
				return lib_fail(rc, "cannot send to rtmd at %s: %s", c->path,
				                rc == RTMD_E_TOOBIG ? "message too big" : strerror(-rc));
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			struct rt_hdr h;
			const uint8_t *msg, *data;
			struct batch_msg m = batch_msg_at(b, done, &data);

			if (done == sent) {
				disconnect(c);
				return lib_fail(RTMD_E_PROTO, "unexpected message from rtmd at %s", c->path);
			}
			rc = recv_msg(c, &h, &msg);
			if (rc < 0)
				return rc;
			rc = batch_reply(c, &br, &m, (uint32_t)(done + 1), &h, msg);
			if (rc < 0)
				return rc;
			done += (size_t)rc;
		}
	}
	return br.first_err;
}
