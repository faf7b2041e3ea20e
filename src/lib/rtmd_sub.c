/* rtmd_sub.c - librtmd's subscription: the tables, then every change,
 * with reconnection and resync hidden from the program.
 *
 * The copy: routes in a route_table (the LPM table, which the replica
 * queries), neighbours in a neigh_set, each entry tagged with the
 * generation that last saw it.  A resync is a mark and sweep over the
 * copy: every connection is a new generation; each entry of the new dump
 * is put into the copy with that generation's tag and reported only if it
 * is new or differs; at SYNC the entries the dump did not mention (an
 * older tag) are deleted and reported.  So a resync costs one copy of the
 * tables, not two, and the program is told exactly the differences.
 *
 * The descriptor a caller polls is an epoll instance holding the socket
 * (while connected) and a timerfd (the reconnect pause), so it stays the
 * same across reconnects. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "client.h"
#include "errors.h"
#include "neigh_set.h"
#include "route_table.h"
#include "rtmd_impl.h"

/* Reconnect pauses while rtmd cannot be reached: 50 ms, doubling to 1 s. */
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000
/* Messages handled by one rtmd_sub_process() call, so that a caller's
 * loop gets a turn during a large dump. */
#define BUDGET 64

enum state { S_DOWN, S_HELLO, S_DUMP, S_LIVE };

struct rtmd_sub {
	char path[108];
	unsigned flags;
	uint32_t tables;            /* RT_F_TABLE_* */
	int epfd, timerfd;
	struct rt_client cli;
	bool connected, tried;
	enum state state;
	bool have_copy;             /* a first sync happened */
	enum rtmd_sync how;         /* of the sync in progress */
	uint64_t last_seq;          /* of the last event applied */
	uint64_t cur_seq;           /* of the event being reported */
	uint32_t gen;               /* tag of entries seen by this connection */
	pid_t peer_pid;
	char neigh_store[RT_PATHLEN];
	unsigned backoff_ms;
	bool stop;
	int fatal;                  /* a refusal: returned by every call */
	/* A message stopped in the middle (rtmd_sub_stop()): its records stay
	 * in cli's buffer until the next receive. */
	bool in_msg;
	struct rt_hdr h;
	const uint8_t *msg;
	struct rt_reader rd;        /* over msg: the next record */
	/* Full-size routes (about 9 KB each), kept off the stack: an event's
	 * route, and the copy's previous version of it. */
	struct rt_route *ev_route, *old_route;
	struct route_table *routes;
	struct neigh_set *neighs;
	rtmd_sub_route_fn *route_fn;
	rtmd_sub_neigh_fn *neigh_fn;
	rtmd_sub_sync_fn *sync_fn, *resync_fn;
	rtmd_sub_lost_fn *lost_fn;
	void *route_ctx, *neigh_ctx, *sync_ctx, *resync_ctx, *lost_ctx;
};

int rtmd_sub_new(rtmd_sub **out, const char *socket, unsigned flags)
{
	struct epoll_event ev = { .events = EPOLLIN };
	rtmd_sub *s;
	int rc;

	*out = NULL;
	if (flags & ~(RTMD_SUB_ROUTES | RTMD_SUB_NEIGHS | RTMD_SUB_NO_DUMP))
		return lib_fail(-EINVAL, "unknown subscription flags 0x%x", flags);
	s = calloc(1, sizeof(*s));
	if (!s)
		return lib_fail(-ENOMEM, "out of memory for a subscription");
	s->epfd = s->timerfd = -1;
	rc = lib_socket_path(socket, s->path, sizeof(s->path));
	if (rc < 0)
		goto fail;
	s->flags = flags;
	if (!(flags & (RTMD_SUB_ROUTES | RTMD_SUB_NEIGHS)))
		flags |= RTMD_SUB_ROUTES | RTMD_SUB_NEIGHS;
	s->tables = (flags & RTMD_SUB_ROUTES ? RT_F_TABLE_ROUTE : 0) |
	            (flags & RTMD_SUB_NEIGHS ? RT_F_TABLE_ARP : 0);
	s->routes = route_table_new();
	s->neighs = neigh_set_new();
	s->ev_route = malloc(sizeof(*s->ev_route));
	s->old_route = malloc(sizeof(*s->old_route));
	if (!s->routes || !s->neighs || !s->ev_route || !s->old_route) {
		rc = lib_fail(-ENOMEM, "out of memory for a subscription");
		goto fail;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->epfd < 0 || s->timerfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timerfd, &ev) < 0) {
		rc = lib_fail(-errno, "subscription: cannot create its descriptors: %s", strerror(errno));
		goto fail;
	}
	s->cli.fd = -1;
	*out = s;
	return 0;
fail:
	rtmd_sub_free(s);
	return rc;
}

static void disconnect(rtmd_sub *s)
{
	if (!s->connected)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->cli.fd, NULL);
	rt_client_close(&s->cli);
	s->connected = false;
	s->in_msg = false;
	s->state = S_DOWN;
}

void rtmd_sub_free(rtmd_sub *s)
{
	if (!s)
		return;
	disconnect(s);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->timerfd >= 0)
		close(s->timerfd);
	route_table_free(s->routes);
	neigh_set_free(s->neighs);
	free(s->ev_route);
	free(s->old_route);
	free(s);
}

void rtmd_sub_on_route(rtmd_sub *s, rtmd_sub_route_fn *fn, void *ctx)
{
	s->route_fn = fn;
	s->route_ctx = ctx;
}

void rtmd_sub_on_neigh(rtmd_sub *s, rtmd_sub_neigh_fn *fn, void *ctx)
{
	s->neigh_fn = fn;
	s->neigh_ctx = ctx;
}

void rtmd_sub_on_sync(rtmd_sub *s, rtmd_sub_sync_fn *fn, void *ctx)
{
	s->sync_fn = fn;
	s->sync_ctx = ctx;
}

void rtmd_sub_on_resync(rtmd_sub *s, rtmd_sub_sync_fn *fn, void *ctx)
{
	s->resync_fn = fn;
	s->resync_ctx = ctx;
}

void rtmd_sub_on_lost(rtmd_sub *s, rtmd_sub_lost_fn *fn, void *ctx)
{
	s->lost_fn = fn;
	s->lost_ctx = ctx;
}

int rtmd_sub_fd(const rtmd_sub *s)
{
	return s->epfd;
}

int rtmd_sub_synced(const rtmd_sub *s)
{
	return s->state == S_LIVE;
}

uint64_t rtmd_sub_seq(const rtmd_sub *s)
{
	return s->cur_seq;
}

const char *rtmd_sub_neigh_store(const rtmd_sub *s)
{
	return s->neigh_store;
}

void rtmd_sub_stop(rtmd_sub *s)
{
	s->stop = true;
}

/* ---- connection --------------------------------------------------------------- */

static void arm_timer(rtmd_sub *s, unsigned ms)
{
	struct itimerspec it = { .it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L } };

	if (!ms)
		it.it_value.tv_nsec = 1;        /* 0 would disarm it */
	timerfd_settime(s->timerfd, 0, &it, NULL);
}

/* The connection ended: tell the program, and reconnect at once (rtmd
 * dropped us, or restarted and may already be back). */
static void lost(rtmd_sub *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lost(rtmd_sub *s, int err, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	disconnect(s);
	s->backoff_ms = 0;
	arm_timer(s, 0);
	lib_fail(err, "%s", detail);
	if (s->lost_fn)
		s->lost_fn(s->lost_ctx, s, err, detail);
}

static pid_t peer_pid(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 ? cr.pid : 0;
}

/* Connect and send SUBSCRIBE.  rtmd always sends the dump: without it
 * there would be no copy to diff against after a resync (RTMD_SUB_NO_DUMP
 * only keeps the first dump from being reported). */
static int try_connect(rtmd_sub *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct rt_msgbuf mb;
	char err[512];
	int rc, flags;

	s->tried = true;
	if (rt_client_connect(&s->cli, s->path, err, sizeof(err)) < 0) {
		rc = lib_fail(errno ? -errno : -ECONNREFUSED, "%s", err);
		s->backoff_ms = s->backoff_ms ? 2 * s->backoff_ms : BACKOFF_MIN_MS;
		if (s->backoff_ms > BACKOFF_MAX_MS)
			s->backoff_ms = BACKOFF_MAX_MS;
		arm_timer(s, s->backoff_ms);
		return rc;
	}
	s->connected = true;
	flags = fcntl(s->cli.fd, F_GETFL);
	if (flags < 0 || fcntl(s->cli.fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->cli.fd, &ev) < 0) {
		rc = -errno;
		lost(s, rc, "subscription: cannot watch the socket: %s", strerror(-rc));
		return rc;
	}
	if (rt_msgbuf_init(&mb, 1024) < 0) {
		lost(s, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	rt_msg_begin(&mb, RT_MSG_SUBSCRIBE, s->cli.next_seq++, s->tables);
	rc = rt_client_send(&s->cli, &mb) < 0 ? -errno : 0;
	rt_msgbuf_free(&mb);
	if (rc < 0) {
		lost(s, rc, "cannot subscribe to rtmd at %s: %s", s->path, strerror(-rc));
		return rc;
	}
	s->state = S_HELLO;
	return 0;
}

int rtmd_sub_connect(rtmd_sub *s)
{
	if (s->fatal)
		return s->fatal;
	return s->connected ? 0 : try_connect(s);
}

/* ---- reporting ------------------------------------------------------------------ */

static bool reporting(const rtmd_sub *s)
{
	/* The first dump is the caller's to skip. */
	return s->have_copy || !(s->flags & RTMD_SUB_NO_DUMP);
}

static void report_route(rtmd_sub *s, enum rtmd_event ev, const struct rt_route *r,
                         const struct rt_route *old)
{
	if (s->route_fn && reporting(s))
		s->route_fn(s->route_ctx, s, ev, lib_pub_route(r), old ? lib_pub_route(old) : NULL);
}

static void report_neigh(rtmd_sub *s, enum rtmd_event ev, const struct neigh_entry *e,
                         const struct neigh_entry *old)
{
	struct rtmd_neigh n = { .n = e->n, .slot = e->slot }, o;

	if (!s->neigh_fn || !reporting(s))
		return;
	if (old) {
		o.n = old->n;
		o.slot = old->slot;
	}
	s->neigh_fn(s->neigh_ctx, s, ev, &n, old ? &o : NULL);
}

/* An add or change, in a dump or live: into the copy, then told as what it
 * is to the copy (a dump entry equal to the copy's is no news). */
static int put_route(rtmd_sub *s, const struct rt_route *r)
{
	struct rt_route *old = s->old_route;
	uint32_t old_tag;
	bool existed = false;
	int rc = route_table_replace(s->routes, r, s->gen, &existed, old, &old_tag);

	/* The decoder validated the route: only memory can fail here. */
	if (rc != RT_OK)
		return rc == RT_E_FULL ? -ENOMEM : RTMD_E_PROTO;
	if (!existed)
		report_route(s, RTMD_EVENT_ADD, r, NULL);
	else if (!lib_route_same(old, r))
		report_route(s, RTMD_EVENT_CHANGE, r, old);
	return 0;
}

static void del_route(rtmd_sub *s, const struct rt_route *key)
{
	uint32_t tag;

	if (route_table_delete(s->routes, &key->dst, key->metric, key->disc, s->old_route, &tag) == 0)
		report_route(s, RTMD_EVENT_DEL, s->old_route, NULL);
	else
		report_route(s, RTMD_EVENT_DEL, key, NULL);   /* not in the copy: as rtmd said */
}

static int put_neigh(rtmd_sub *s, const struct rt_neigh *n, uint32_t slot)
{
	struct neigh_entry e = { .n = *n, .slot = slot, .tag = s->gen }, old;
	int rc = neigh_set_put(s->neighs, &e, &old);

	if (rc < 0)
		return -ENOMEM;
	if (rc == 0)
		report_neigh(s, RTMD_EVENT_ADD, &e, NULL);
	else if (!lib_neigh_same(&old.n, n))
		report_neigh(s, RTMD_EVENT_CHANGE, &e, &old);
	return 0;
}

static void del_neigh(rtmd_sub *s, const struct rt_neigh *key, uint32_t slot)
{
	struct neigh_entry old, e = { .n = *key, .slot = slot };

	if (neigh_set_del(s->neighs, key, &old) == 1)
		report_neigh(s, RTMD_EVENT_DEL, &old, NULL);
	else
		report_neigh(s, RTMD_EVENT_DEL, &e, NULL);
}

/* ---- the sweep at the end of a resync ------------------------------------------- */

struct rkey {
	struct rt_prefix dst;
	uint32_t metric, disc;
};

struct stale {
	rtmd_sub *s;
	struct rkey *routes;
	struct rt_neigh *neighs;
	size_t n, cap;
	bool oom;
};

/* Room for one more of size bytes in *v (st->n used, st->cap allocated). */
static bool room(struct stale *st, void **v, size_t size)
{
	size_t cap = st->cap ? 2 * st->cap : 256;
	void *a;

	if (st->n < st->cap)
		return true;
	a = realloc(*v, cap * size);
	if (!a) {
		st->oom = true;
		return false;
	}
	*v = a;
	st->cap = cap;
	return true;
}

static int stale_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct stale *st = ctx;

	if (tag == st->s->gen)
		return 0;
	if (!room(st, (void **)&st->routes, sizeof(*st->routes)))
		return 1;
	st->routes[st->n].dst = r->dst;
	st->routes[st->n].metric = r->metric;
	st->routes[st->n++].disc = r->disc;
	return 0;
}

static int stale_neigh(void *ctx, const struct neigh_entry *e)
{
	struct stale *st = ctx;

	if (e->tag == st->s->gen)
		return 0;
	if (!room(st, (void **)&st->neighs, sizeof(*st->neighs)))
		return 1;
	st->neighs[st->n++] = e->n;
	return 0;
}

/* Delete and report what the new dump did not hold.  The keys are
 * collected first: neither table may change during its walk. */
static int sweep(rtmd_sub *s)
{
	struct stale st = { .s = s };

	route_table_walk(s->routes, RT_FILTER_ALL, NULL, stale_route, &st);
	for (size_t i = 0; i < st.n && !st.oom; i++) {
		struct rt_route *key = s->ev_route;

		rt_route_init(key);
		key->dst = st.routes[i].dst;
		key->metric = st.routes[i].metric;
		key->disc = st.routes[i].disc;
		del_route(s, key);
	}
	free(st.routes);
	if (st.oom)
		return -ENOMEM;
	st.n = st.cap = 0;
	neigh_set_walk(s->neighs, stale_neigh, &st);
	for (size_t i = 0; i < st.n && !st.oom; i++)
		del_neigh(s, &st.neighs[i], RTMD_SLOT_NONE);
	free(st.neighs);
	return st.oom ? -ENOMEM : 0;
}

/* ---- messages --------------------------------------------------------------------- */

static void on_hello(rtmd_sub *s, const struct rt_hello *hello, pid_t pid)
{
	if (s->have_copy) {
		/* A new daemon starts its event counter again; under socket
		 * activation the peer pid is systemd's, so the counter decides. */
		bool restarted = hello->event_seq < s->last_seq || (pid && pid != s->peer_pid);

		s->how = restarted ? RTMD_SYNC_RESTARTED : RTMD_SYNC_DROPPED;
	} else {
		s->how = RTMD_SYNC_FIRST;
	}
	s->peer_pid = pid;
	s->last_seq = hello->event_seq;
	snprintf(s->neigh_store, sizeof(s->neigh_store), "%s", hello->arp_store);
	s->gen++;
	s->state = S_DUMP;
	if (s->have_copy && s->resync_fn)
		s->resync_fn(s->resync_ctx, s, s->how);
}

static int on_sync(rtmd_sub *s, const struct rt_sync *sync)
{
	int rc = s->have_copy ? sweep(s) : 0;

	if (rc < 0)
		return rc;
	s->last_seq = sync->event_seq;
	s->state = S_LIVE;
	s->have_copy = true;
	if (s->sync_fn)
		s->sync_fn(s->sync_ctx, s, s->how);
	return 0;
}

/* One event; 0, 1 for a gap in the numbers (resync), -ENOMEM, or
 * RTMD_E_PROTO for an entry the copy cannot hold. */
static int on_event(rtmd_sub *s, const struct rt_event *ev)
{
	bool dump = s->state == S_DUMP;
	int rc;

	if (!dump) {
		/* rtmd numbers the changes of both tables in one sequence: only
		 * a subscriber to both can read every gap as a loss. */
		if (s->tables == RT_F_TABLE_ALL && ev->seq != s->last_seq + 1)
			return 1;
		s->last_seq = ev->seq;
	}
	s->cur_seq = dump ? 0 : ev->seq;
	if (ev->table == RT_TABLE_ROUTE) {
		if (ev->kind == RT_EV_DEL && !dump)
			del_route(s, ev->route);
		else if ((rc = put_route(s, ev->route)) < 0)
			return rc;
	} else {
		if (ev->kind == RT_EV_DEL && !dump)
			del_neigh(s, &ev->neigh, ev->slot);
		else if (put_neigh(s, &ev->neigh, ev->slot) < 0)
			return -ENOMEM;
	}
	s->cur_seq = 0;
	return 0;
}

/* The records of the message in hand, from s->rd; stops early on
 * rtmd_sub_stop().  0, or a code after which the connection is gone. */
static int handle(rtmd_sub *s)
{
	char why[RT_ERRLEN];
	const struct rt_hdr *h = &s->h;
	int rc;

	switch (h->type) {
	case RT_MSG_HELLO: {
		struct rt_hello hello;

		if (s->state != S_HELLO || rt_msg_get_hello(h, s->msg, &hello, why))
			goto bad;
		on_hello(s, &hello, peer_pid(s->cli.fd));
		break;
	}
	case RT_MSG_SYNC: {
		struct rt_sync sync;

		if (s->state != S_DUMP || rt_msg_get_sync(h, s->msg, &sync, why))
			goto bad;
		if ((rc = on_sync(s, &sync)) < 0)
			goto oom;
		break;
	}
	case RT_MSG_EVENTS:
		if (s->state != S_DUMP && s->state != S_LIVE) {
			snprintf(why, sizeof(why), "events before the subscription's hello");
			goto bad;
		}
		while (s->rd.index < h->count) {
			struct rt_event ev;

			if (rt_msg_read_event(&s->rd, &ev, s->ev_route, why))
				goto bad;
			rc = on_event(s, &ev);
			if (rc == -ENOMEM)
				goto oom;
			if (rc < 0) {
				snprintf(why, sizeof(why), "an entry the subscription's copy refuses");
				goto bad;
			}
			if (rc > 0) {
				uint64_t want = s->last_seq + 1;

				lost(s, -EPROTO, "rtmd's events jumped from %llu to %llu: resyncing",
				     (unsigned long long)want, (unsigned long long)ev.seq);
				return -EPROTO;
			}
			if (s->stop && s->rd.index < h->count) {
				s->in_msg = true;
				return 0;
			}
		}
		break;
	case RT_MSG_ERROR: {
		struct rt_error e;

		if (rt_msg_get_error(h, s->msg, &e, why))
			goto bad;
		s->fatal = lib_fail(lib_rt_err(e.code), "rtmd at %s refused the subscription: %s%s%s",
		                    s->path, e.text, e.text[0] ? ": " : "", rt_err_str((int)e.code));
		disconnect(s);
		return s->fatal;
	}
	default:
		snprintf(why, sizeof(why), "unexpected message type %u", h->type);
		goto bad;
	}
	s->in_msg = false;
	return 0;
bad:
	lost(s, RTMD_E_PROTO, "malformed message from rtmd at %s: %s", s->path, why);
	return RTMD_E_PROTO;
oom:
	lost(s, -ENOMEM, "out of memory for the subscription's copy of the tables: resyncing");
	return -ENOMEM;
}

int rtmd_sub_process(rtmd_sub *s)
{
	uint64_t expirations;

	s->stop = false;
	if (s->fatal)
		return s->fatal;
	if (read(s->timerfd, &expirations, sizeof(expirations)) == (ssize_t)sizeof(expirations) ||
	    (!s->connected && !s->tried)) {
		if (!s->connected)
			try_connect(s);
	}
	if (!s->connected)
		return 0;
	for (int budget = BUDGET; budget > 0 && !s->stop; budget--) {
		char err[512];
		int rc;

		if (!s->in_msg) {
			rc = rt_client_recv(&s->cli, &s->h, &s->msg, err, sizeof(err));
			if (rc < 0 && errno == EAGAIN)
				break;
			if (rc == 0) {
				lost(s, -ECONNRESET, "lost rtmd at %s: it closed the subscription (it "
				     "drops subscribers that fall behind, and stops for a restart)", s->path);
				break;
			}
			if (rc < 0) {
				lost(s, errno == EBADMSG ? RTMD_E_PROTO : -errno, "%s", err);
				break;
			}
			rt_msg_reader(&s->rd, &s->h, s->msg);
		}
		rc = handle(s);
		if (rc == -ENOMEM || (rc < 0 && rc == s->fatal))
			return rc;
		if (!s->connected)
			break;
	}
	return 0;
}

int rtmd_sub_run(rtmd_sub *s)
{
	for (;;) {
		struct pollfd p = { .fd = s->epfd, .events = POLLIN };
		int rc = rtmd_sub_process(s);

		if (rc < 0)
			return rc;
		if (s->stop)
			return 0;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return lib_fail(-errno, "poll: %s", strerror(errno));
	}
}

/* ---- the copy ------------------------------------------------------------------------- */

size_t rtmd_sub_route_count(const rtmd_sub *s)
{
	return route_table_count(s->routes, 0);
}

size_t rtmd_sub_neigh_count(const rtmd_sub *s)
{
	return neigh_set_count(s->neighs);
}

struct walk {
	rtmd_route_visit_fn *route_fn;
	rtmd_neigh_visit_fn *neigh_fn;
	void *ctx;
};

static int walk_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct walk *w = ctx;

	return w->route_fn(w->ctx, lib_pub_route(r));
}

static int walk_neigh(void *ctx, const struct neigh_entry *e)
{
	struct walk *w = ctx;
	struct rtmd_neigh n = { .n = e->n, .slot = e->slot };

	return w->neigh_fn(w->ctx, &n);
}

int rtmd_sub_route_walk(const rtmd_sub *s, rtmd_route_visit_fn *fn, void *ctx)
{
	struct walk w = { .route_fn = fn, .ctx = ctx };

	return route_table_walk(s->routes, RT_FILTER_ALL, NULL, walk_route, &w);
}

int rtmd_sub_neigh_walk(const rtmd_sub *s, rtmd_neigh_visit_fn *fn, void *ctx)
{
	struct walk w = { .neigh_fn = fn, .ctx = ctx };

	return neigh_set_walk(s->neighs, walk_neigh, &w);
}

const struct route_table *lib_sub_routes(const rtmd_sub *s)
{
	return s->routes;
}
