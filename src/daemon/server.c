/* server.c - rtmd's event loop and request handling. */
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arp_store.h"
#include "config.h"
#include "fpm.h"
#include "kernel_sync.h"
#include "log.h"
#include "route_table.h"
#include "sdnotify.h"
#include "server.h"
#include "subscribers.h"
#include "tables.h"

/* Messages handled per client per readiness, so one client's million-route
 * batch interleaves with everybody else's small requests. */
#define MSGS_PER_TURN 8
/* ... and at most this long: 8 messages of 1169 routes each can take a
 * quarter of a second, which every other client's single request would
 * otherwise wait for (measured by tests/stress/hostile_test). */
#define TURN_BUDGET_MS 10
/* Reply backlog beyond which rtmd stops reading a (non-subscriber) client's
 * requests until it reads its replies.  Small, because it is what a client
 * that pipelines requests and never reads costs rtmd (times max-clients):
 * acknowledgements are tiny, so batches never reach it, and a list reply,
 * however large, still goes out whole (the check follows each message). */
#define BACKLOG_PAUSE (256u << 10)
#define MAX_GROUPS 256
/* Connections past max-clients kept for root and writers. */
#define WRITER_RESERVE 8
/* Bounds of one group commit (see gather_group). */
#define GROUP_MAX_MS 10
#define GROUP_MAX_CHANGES 200000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int ep_ctl(struct server *s, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(s->epfd, op, fd, &ev);
}

static void lookup_writer_group(struct server *s)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(s->cfg->writer_group);
	s->have_writer_gid = gr != NULL;
	if (gr)
		s->writer_gid = gr->gr_gid;
	else
		log_notice("writer group \"%s\" does not exist: only root%s may change the tables",
		           s->cfg->writer_group, geteuid() ? " and rtmd's own user" : "");
}

/* Kernel sync, when on, imports the kernel's tables and reconciles
 * rtmd's own entries with them before rtmd serves; FPM alone needs only
 * its interface cache. */
static int open_kernel(struct server *s, char *err, size_t errlen)
{
	struct tables_kernel hook = { NULL, ksync_route_changed, ksync_neigh_changed };
	int fds[2];

	if (!s->cfg->kernel_sync && !s->cfg->fpm_listen[0])
		return 0;
	if (ksync_open(&s->ksync, s->cfg, s->tables, err, errlen) < 0)
		return -1;
	ksync_fds(s->ksync, fds);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0 && ep_ctl(s, EPOLL_CTL_ADD, fds[i], EPOLLIN, &s->ksync_tag[i]) < 0) {
			snprintf(err, errlen, "cannot set up epoll: %s", strerror(errno));
			return -1;
		}
	if (s->cfg->kernel_sync) {
		hook.ctx = s->ksync;
		tables_set_kernel(s->tables, &hook);
	}
	return 0;
}

int server_init(struct server *s, struct rtmd_config *cfg, const char *config_path,
                struct tables *t, int listen_fd, bool created, bool activated,
                char *err, size_t errlen)
{
	sigset_t mask;

	memset(s, 0, sizeof(*s));
	s->epfd = s->signal_fd = s->timer_fd = -1;
	s->listen_fd = listen_fd;
	s->listen_created = created;
	s->activated = activated;
	s->cfg = cfg;
	s->config_path = config_path;
	s->log_level_override = -1;
	s->tables = t;
	snprintf(s->socket_path, sizeof(s->socket_path), "%s", cfg->socket);
	s->start_ms = s->last_activity_ms = now_ms();
	s->rbuf_cap = cfg->max_message_size + 1;
	s->rbuf = malloc(s->rbuf_cap);
	if (!s->rbuf || rt_msgbuf_init(&s->mb, cfg->max_message_size) < 0 ||
	    rt_msgbuf_init(&s->evmb, cfg->max_message_size) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rt_msg_begin(&s->evmb, RT_MSG_EVENTS, 0, 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (s->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "cannot set up signal handling: %s", strerror(errno));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || ep_ctl(s, EPOLL_CTL_ADD, listen_fd, EPOLLIN, &s->listen_fd) < 0 ||
	    ep_ctl(s, EPOLL_CTL_ADD, s->signal_fd, EPOLLIN, &s->signal_fd) < 0) {
		snprintf(err, errlen, "cannot set up epoll: %s", strerror(errno));
		return -1;
	}
	lookup_writer_group(s);
	tables_set_listener(t, server_on_event, s);
	if (open_kernel(s, err, errlen) < 0)
		return -1;
	if (fpm_open(&s->fpm, cfg, t, s->ksync ? ksync_links(s->ksync) : NULL, s->epfd, err,
	             errlen) < 0)
		return -1;
	s->watchdog_usec = notify_watchdog_usec();
	s->next_watchdog_ms = now_ms();
	return 0;
}

/* ---- clients ------------------------------------------------------------- */

static bool peer_in_group(int fd, gid_t primary, gid_t want)
{
	gid_t groups[MAX_GROUPS];
	socklen_t len = sizeof(groups);

	if (primary == want)
		return true;
	/* SO_PEERGROUPS gives the supplementary groups the peer had at
	 * connect(), which is what an authorization check must use. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == want)
			return true;
	return false;
}

/* One log line per second at most for refused connections: a local user
 * hammering a full daemon must not fill the journal. */
static void log_refused(struct server *s)
{
	uint64_t now = now_ms();

	s->refused++;
	if (now - s->refused_logged_ms < 1000)
		return;
	log_warn("refused %lu connection(s): %zu clients, max-clients is %u (%u more kept for writers)",
	         s->refused, s->n_clients, s->cfg->max_clients, WRITER_RESERVE);
	s->refused = 0;
	s->refused_logged_ms = now;
}

static void accept_clients(struct server *s)
{
	for (int i = 0; i < 64; i++) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct conn *c;
		bool can_write;
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_err("accept on %s: %s", s->socket_path, strerror(errno));
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			log_err("SO_PEERCRED: %s", strerror(errno));
			close(fd);
			continue;
		}
		/* Root, rtmd's own user (a private rtmd run by hand belongs to
		 * whoever started it) and the writer group may change. */
		can_write = cred.uid == 0 || cred.uid == geteuid() ||
		            (s->have_writer_gid && peer_in_group(fd, cred.gid, s->writer_gid));
		/* Readers cannot lock writers out: a few slots past max-clients
		 * are kept for those who may change the tables. */
		if (s->n_clients >= s->cfg->max_clients &&
		    (!can_write || s->n_clients >= (size_t)s->cfg->max_clients + WRITER_RESERVE)) {
			log_refused(s);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			log_err("out of memory accepting a client");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->pid = cred.pid;
		c->uid = cred.uid;
		c->can_write = can_write;
		c->evmask = EPOLLIN;
		if (ep_ctl(s, EPOLL_CTL_ADD, fd, EPOLLIN, c) < 0) {
			log_err("epoll_ctl: %s", strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		c->next = s->clients;
		if (s->clients)
			s->clients->prev = c;
		s->clients = c;
		s->n_clients++;
		log_debug("client pid %ld uid %u connected%s", (long)c->pid, c->uid,
		          c->can_write ? " (may change tables)" : "");
	}
}

/* Held replies of a client that goes: their tickets' refusals are
 * forgotten (once answered, so that none arrives later for nobody). */
static void forget_held(struct server *s, struct conn *c)
{
	bool waited = false;

	for (size_t i = 0; i < c->nheld; i++) {
		if (!c->held[i].ticket)
			continue;
		if (!waited && !ksync_answered(s->ksync, c->held[i].ticket)) {
			ksync_settle(s->ksync);
			waited = true;
		}
		ksync_refusals(s->ksync, c->held[i].ticket, NULL, NULL);
	}
}

static void conn_close(struct server *s, struct conn *c)
{
	if (c->nheld && s->ksync)
		forget_held(s, c);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_clients--;
	if (c->subscriber)
		s->n_subscribers--;
	conn_queue_free(c);
	log_debug("client pid %ld disconnected", (long)c->pid);
	free(c);
}

/* ---- replies -------------------------------------------------------------- */

static void queue_reply(struct conn *c, struct rt_msgbuf *mb)
{
	if (conn_queue(c, mb) < 0) {
		log_err("out of memory queueing a reply to pid %ld; closing it", (long)c->pid);
		c->dead = true;
	}
}

/* The last reply to a request, in s->mb: held until the kernel has
 * answered what the request changed (s->final_ticket, set by kernel_end),
 * else queued. */
static void queue_final(struct server *s, struct conn *c, const struct rt_hdr *h)
{
	uint64_t ticket = s->final_ticket;

	s->final_ticket = 0;
	if (!ticket) {
		queue_reply(c, &s->mb);
		return;
	}
	if (conn_hold(c, &s->mb, ticket, h->seq) < 0) {
		log_err("out of memory queueing a reply to pid %ld; closing it", (long)c->pid);
		c->dead = true;
	}
}

static void reply_error(struct server *s, struct conn *c, const struct rt_hdr *h, int code,
                        uint32_t index, uint32_t applied, uint32_t flags, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
static void reply_error(struct server *s, struct conn *c, const struct rt_hdr *h, int code,
                        uint32_t index, uint32_t applied, uint32_t flags, const char *fmt, ...)
{
	struct rt_error e = { .code = (uint32_t)code, .index = index, .applied = applied };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	va_end(ap);
	rt_msg_begin(&s->mb, RT_MSG_ERROR, h->seq, flags);
	rt_msg_put_error(&s->mb, &e);
	if (flags & RT_F_MORE)
		queue_reply(c, &s->mb);
	else
		queue_final(s, c, h);
}

static void reply_ack(struct server *s, struct conn *c, const struct rt_hdr *h,
                      uint32_t applied, uint32_t changed)
{
	struct rt_ack a = { .applied = applied, .changed = changed };

	rt_msg_begin(&s->mb, RT_MSG_ACK, h->seq, 0);
	rt_msg_put_ack(&s->mb, &a);
	queue_final(s, c, h);
}

/* ---- changes ---------------------------------------------------------------- */

/* The routes of a change message are decoded AHEAD records before they
 * are applied, and each is hinted to the route table on the way (see
 * route_table_prefetch): a million random routes cost a trie walk each,
 * with a cache miss at every level, and this starts the first levels'
 * misses while earlier routes are being applied. */
#define AHEAD 8u

struct lookahead {
	struct rt_reader rd;
	struct rt_route r[AHEAD];
	int rc[AHEAD];
	char why[AHEAD][RT_ERRLEN];
};

/* Decode record j (the reader's next) into its ring place. */
static void decode_ahead(struct server *s, struct lookahead *la, uint32_t j)
{
	uint32_t k = j % AHEAD;

	la->rc[k] = rt_msg_read_route(&la->rd, &la->r[k], la->why[k]);
	if (la->rc[k] == 0) {
		rt_route_normalise(&la->r[k], false);
		route_table_prefetch(tables_routes(s->tables), &la->r[k].dst, 0);
	}
}

static void look_ahead(struct server *s, const struct rt_hdr *h, uint32_t i, struct lookahead *la)
{
	uint32_t j = i + AHEAD - 1;

	if (j < h->count)
		decode_ahead(s, la, j);
	/* Deeper levels for the nearer routes, whose earlier levels the
	 * previous hints have brought in. */
	for (uint32_t d = 1; d < 4; d++) {
		uint32_t m = i + AHEAD - 1 - 2 * d;
		if (m < h->count && m >= i && la->rc[m % AHEAD] == 0)
			route_table_prefetch(tables_routes(s->tables), &la->r[m % AHEAD].dst, d);
	}
}

/* The entry's text (what), and the owner for a refusal of RT_E_OWNED. */
static void name_entry(char *what, size_t whatlen, int rc, const struct tables_result *res)
{
	size_t n;

	/* what is only made on failure */
	if (rc != RT_E_OWNED)
		return;
	n = strlen(what);
	/* cut like any message: the owner's name is short, the entry may not be */
	if (n < whatlen &&
	    snprintf(what + n, whatlen - n, ": %s", res->text) >= (int)(whatlen - n))
		what[whatlen - 1] = '\0';
}

/* Apply record i; 0 or an rt_err with the entry named in what.  The
 * entry's text is only made on failure: a million-route batch should not
 * pay for a million printfs. */
static int apply_one(struct server *s, const struct rt_msg_desc *d, const struct rt_hdr *h,
                     uint32_t i, struct lookahead *la, struct tables_result *res, char *what,
                     size_t whatlen)
{
	unsigned flags = (d->op == RT_OP_REPLACE ? TABLES_REPLACE : 0) |
	                 (h->flags & RT_F_TAKE_CONFIG ? TABLES_TAKE_CONFIG : 0);
	char why[RT_ERRLEN];
	struct rt_neigh n;
	int rc;

	res->changed = false;
	res->notice = 0;
	if (d->table == RT_TABLE_ROUTE) {
		struct rt_route *r = &la->r[i % AHEAD];

		look_ahead(s, h, i, la);
		rc = la->rc[i % AHEAD];
		if (rc) {
			snprintf(what, whatlen, "%.120s", la->why[i % AHEAD]);
			return rc;
		}
		/* rtctl's: the pending state is rtmd's to set */
		r->origin = RT_ORIGIN_RTCTL;
		r->flags = 0;
		r->reason[0] = '\0';
		if (d->op == RT_OP_DEL) {
			rc = tables_route_del(s->tables, &r->dst, r->metric, flags, res);
			if (rc)
				rt_route_key_format(r, what, whatlen);
		} else {
			rc = tables_route_add(s->tables, r, flags, res);
			if (rc)
				rt_route_format(r, what, whatlen);
		}
		name_entry(what, whatlen, rc, res);
		return rc;
	}
	rc = rt_msg_read_neigh(&la->rd, &n, why);
	if (rc) {
		snprintf(what, whatlen, "%.120s", why);
		return rc;
	}
	n.origin = RT_ORIGIN_RTCTL;
	n.flags = 0;
	rt_neigh_normalise(&n);
	if (d->op == RT_OP_DEL) {
		char a[RT_ADDRSTRLEN];

		rc = tables_arp_del(s->tables, &n.ip, n.dev, flags, res);
		if (rc)
			snprintf(what, whatlen, "%s dev %s", rt_addr_str(&n.ip, a), n.dev);
	} else {
		rc = tables_arp_add(s->tables, &n, flags, res);
		if (rc)
			rt_neigh_format(&n, what, whatlen);
	}
	name_entry(what, whatlen, rc, res);
	return rc;
}

static void reply_notice(struct server *s, struct conn *c, const struct rt_hdr *h, uint32_t index,
                         const struct tables_result *res)
{
	struct rt_notice no = { .code = (uint32_t)res->notice, .index = index };

	snprintf(no.text, sizeof(no.text), "%s", res->text);
	rt_msg_begin(&s->mb, RT_MSG_NOTICE, h->seq, RT_F_MORE);
	rt_msg_put_notice(&s->mb, &no);
	queue_reply(c, &s->mb);
}

/* The kernel's refusals of a message's records, as notices before its
 * final reply: the entries are pending (exit 0, a warning). */
struct refusal_ctx {
	struct server *s;
	struct conn *c;
	const struct rt_hdr *h;
};

static void refusal_notice(void *ctx, uint32_t index, const char *reason)
{
	struct refusal_ctx *r = ctx;
	struct tables_result res = { .notice = RT_NOTE_PENDING };

	snprintf(res.text, sizeof(res.text), "%s", reason);
	reply_notice(r->s, r->c, r->h, index, &res);
}

/* conn_release(): a held reply goes once the kernel has answered. */
static bool held_ready(void *ctx, struct conn *c, uint64_t ticket, uint32_t seq)
{
	struct server *s = ctx;
	struct rt_hdr h = { .seq = seq };
	struct refusal_ctx r = { s, c, &h };

	if (!ksync_answered(s->ksync, ticket))
		return false;
	ksync_refusals(s->ksync, ticket, refusal_notice, &r);
	return true;
}

/* The end of a change's records: the kernel is given what they made, and
 * the final reply waits for its answer (not for the end of the message:
 * the next one is read meanwhile). */
static void kernel_end(struct server *s)
{
	if (s->ksync)
		s->final_ticket = ksync_end(s->ksync);
}

static void handle_change(struct server *s, struct conn *c, const struct rt_msg_desc *d,
                          const struct rt_hdr *h, const uint8_t *msg)
{
	uint32_t applied = 0, changed_n = 0;
	bool force = h->flags & RT_F_FORCE;

	if (!c->can_write) {
		/* Once per connection: a peer repeating refused requests must
		 * not fill the journal. */
		if (!c->refusal_logged)
			log_warn("refused a change from pid %ld uid %u: not root, not rtmd's user, not in group \"%s\"",
			         (long)c->pid, c->uid, s->cfg->writer_group);
		c->refusal_logged = true;
		reply_error(s, c, h, RT_E_PERM, 0, 0, 0,
		            "changes need root or membership of group \"%s\"", s->cfg->writer_group);
		return;
	}
	if (h->flags & RT_F_BATCH_START)
		c->batch_failed = false;
	if ((h->flags & RT_F_BATCH) && c->batch_failed) {
		reply_error(s, c, h, RT_E_SKIPPED, 0, 0, 0, "an earlier line of the batch failed");
		return;
	}
	if (s->ksync)
		ksync_begin(s->ksync);
	if (d->op == RT_OP_FLUSH) {
		size_t removed;
		int rc = tables_flush(s->tables, h->flags & RT_F_TABLE_ALL,
		                      h->flags & RT_F_TAKE_CONFIG ? TABLES_TAKE_CONFIG : 0, &removed);

		kernel_end(s);
		if (rc != RT_OK)
			reply_error(s, c, h, rc, 0, 0, 0, "flush stopped: %s", rt_err_str(rc));
		else
			reply_ack(s, c, h, (uint32_t)removed, (uint32_t)removed);
		return;
	}
	/* 75 KiB of routes: static, as the loop has one thread and a
	 * change is never re-entered. */
	static struct lookahead la;

	rt_msg_reader(&la.rd, h, msg);
	if (d->table == RT_TABLE_ROUTE)
		for (uint32_t j = 0; j + 1 < AHEAD && j < h->count; j++)
			decode_ahead(s, &la, j);
	for (uint32_t i = 0; i < h->count; i++) {
		char what[RT_ERR_TEXT];
		struct tables_result res;
		int rc;

		if (s->ksync)
			ksync_record(s->ksync, i);
		rc = apply_one(s, d, h, i, &la, &res, what, sizeof(what));

		if (rc == RT_OK) {
			applied++;
			changed_n += res.changed;
			s->unsynced += res.changed;
			if (res.notice)
				reply_notice(s, c, h, i, &res);
			continue;
		}
		if (force) {
			/* --force: report this record and go on; the final ACK ends
			 * the reply. */
			reply_error(s, c, h, rc, i, applied, RT_F_MORE, "%s", what);
			continue;
		}
		if (h->flags & RT_F_BATCH)
			c->batch_failed = true;
		kernel_end(s);
		reply_error(s, c, h, rc, i, applied, 0, "%s", what);
		return;
	}
	kernel_end(s);
	reply_ack(s, c, h, applied, changed_n);
}

/* ---- queries ----------------------------------------------------------------- */

struct list_ctx {
	struct server *s;
	struct conn *c;
	const struct rt_hdr *h;
	uint16_t type;
	int err;
};

static int list_flush(struct list_ctx *l)
{
	rt_msg_set_flags(&l->s->mb, RT_F_MORE);
	queue_reply(l->c, &l->s->mb);
	rt_msg_begin(&l->s->mb, l->type, l->h->seq, 0);
	return l->c->dead ? -1 : 0;
}

static int list_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct list_ctx *l = ctx;

	if (rt_msg_put_route(&l->s->mb, r) == 0)
		return 0;
	if (list_flush(l) < 0 || rt_msg_put_route(&l->s->mb, r) < 0)
		return l->err = RT_E_FULL;
	return 0;
}

static int list_neigh(const struct rt_neigh *n, uint32_t slot, void *ctx)
{
	struct list_ctx *l = ctx;

	if (rt_msg_put_neigh(&l->s->mb, n) == 0)
		return 0;
	if (list_flush(l) < 0 || rt_msg_put_neigh(&l->s->mb, n) < 0)
		return l->err = RT_E_FULL;
	return 0;
}

/* Whether a listing of about n records of size each may be queued for c:
 * writers always; readers while the replies waiting to be read stay under
 * max-reply-memory.  A list of a million routes is ~56 MiB, and a reader
 * that asks and never reads must not multiply that by max-clients. */
static bool list_allowed(struct server *s, struct conn *c, const struct rt_hdr *h,
                         size_t n, size_t size)
{
	size_t queued = 0;

	if (c->can_write)
		return true;
	for (struct conn *o = s->clients; o; o = o->next)
		if (!o->subscriber)
			queued += o->q.bytes;
	if (queued + n * size <= (size_t)s->cfg->max_reply_memory << 20)
		return true;
	log_notice("pid %ld uid %u: listing refused, %zu MiB of replies wait to be read",
	           (long)c->pid, c->uid, queued >> 20);
	reply_error(s, c, h, RT_E_BUSY, 0, 0, 0, "%zu MiB of listings wait to be read by clients",
	            queued >> 20);
	return false;
}

static void handle_route_query(struct server *s, struct conn *c, const struct rt_hdr *h,
                               const uint8_t *msg)
{
	struct list_ctx l = { .s = s, .c = c, .h = h, .type = RT_MSG_ROUTES };
	char why[RT_ERRLEN];
	/* two routes of 9 KiB: static, as in handle_change */
	static struct rt_route key, found;
	enum route_filter mode = RT_FILTER_ALL;
	int rc;

	if (h->count && (rc = rt_msg_get_route(h, msg, 0, &key, why)) != 0) {
		reply_error(s, c, h, rc, 0, 0, 0, "%s", why);
		return;
	}
	if (h->type == RT_MSG_ROUTE_GET) {
		char a[RT_ADDRSTRLEN];

		if (route_table_lookup(tables_routes(s->tables), &key.dst.addr, &found) != RT_OK) {
			reply_error(s, c, h, RT_E_NOTFOUND, 0, 0, 0, "%s",
			            rt_addr_str(&key.dst.addr, a));
			return;
		}
		rt_msg_begin(&s->mb, RT_MSG_ROUTES, h->seq, 0);
		rt_msg_put_route(&s->mb, &found);
		queue_reply(c, &s->mb);
		return;
	}
	if (h->count)
		mode = (h->flags & RT_F_LIST_ROOT) ? RT_FILTER_ROOT :
		       (h->flags & RT_F_LIST_MATCH) ? RT_FILTER_MATCH : RT_FILTER_EXACT;
	if ((mode == RT_FILTER_ALL || mode == RT_FILTER_ROOT) &&
	    !list_allowed(s, c, h, route_table_count(tables_routes(s->tables), 0),
	                  RT_WIRE_ROUTE_HEAD + RT_WIRE_NH))
		return;
	rt_msg_begin(&s->mb, RT_MSG_ROUTES, h->seq, 0);
	route_table_walk(tables_routes(s->tables), mode, h->count ? &key.dst : NULL, list_route, &l);
	if (l.err)
		reply_error(s, c, h, l.err, 0, 0, 0, "out of memory listing routes");
	else
		queue_reply(c, &s->mb);
}

static void handle_arp_query(struct server *s, struct conn *c, const struct rt_hdr *h,
                             const uint8_t *msg)
{
	struct list_ctx l = { .s = s, .c = c, .h = h, .type = RT_MSG_NEIGHS };
	const struct arp_store *as = tables_arp(s->tables);
	char why[RT_ERRLEN];
	struct rt_neigh key;
	int rc;

	if (h->type == RT_MSG_ARP_LIST && !list_allowed(s, c, h, arp_store_count(as), RT_WIRE_NEIGH))
		return;
	rt_msg_begin(&s->mb, RT_MSG_NEIGHS, h->seq, 0);
	if (h->type == RT_MSG_ARP_LIST) {
		arp_store_walk(as, list_neigh, &l);
	} else {
		if ((rc = rt_msg_get_neigh(h, msg, 0, &key, why)) != 0) {
			reply_error(s, c, h, rc, 0, 0, 0, "%s", why);
			return;
		}
		if (h->flags & RT_F_BY_MAC)
			arp_store_walk_mac(as, key.lladdr, list_neigh, &l);
		else
			arp_store_walk_ip(as, &key.ip, list_neigh, &l);
		if (!l.err && rt_msg_count(&s->mb) == 0) {
			char b[RT_MACSTRLEN > RT_ADDRSTRLEN ? RT_MACSTRLEN : RT_ADDRSTRLEN];

			reply_error(s, c, h, RT_E_NOTFOUND, 0, 0, 0, "%s",
			            (h->flags & RT_F_BY_MAC) ? rt_mac_str(key.lladdr, b) : rt_addr_str(&key.ip, b));
			return;
		}
	}
	if (l.err)
		reply_error(s, c, h, l.err, 0, 0, 0, "out of memory listing ARP entries");
	else
		queue_reply(c, &s->mb);
}

/* The FPM fields of a status reply. */
static void fpm_status_put(const struct fpm *f, struct rt_status *st)
{
	struct fpm_status fs;

	fpm_status(f, &fs);
	snprintf(st->fpm_listen, sizeof(st->fpm_listen), "%.*s", (int)sizeof(st->fpm_listen) - 1,
	         fs.listen);
	snprintf(st->fpm_peer, sizeof(st->fpm_peer), "%.*s", (int)sizeof(st->fpm_peer) - 1, fs.peer);
	st->fpm_connected = fs.connected;
	st->fpm_routes = fs.routes;
	st->fpm_replays = fs.replays;
	st->fpm_ignored = fs.other_table;
	st->fpm_skipped = fs.skipped;
	st->fpm_hidden = fs.hidden;
	st->fpm_groups = fs.groups;
	snprintf(st->fpm_last_error, sizeof(st->fpm_last_error), "%.*s",
	         (int)sizeof(st->fpm_last_error) - 1, fs.last_error);
}

static void handle_status(struct server *s, struct conn *c, const struct rt_hdr *h)
{
	const struct route_table *rt = tables_routes(s->tables);
	const struct arp_store *as = tables_arp(s->tables);
	struct rt_status st = {
		.uptime_ms = now_ms() - s->start_ms,
		.routes = route_table_count(rt, 0),
		.routes4 = route_table_count(rt, AF_INET),
		.routes6 = route_table_count(rt, AF_INET6),
		.neighs = arp_store_count(as),
		.clients = (uint32_t)s->n_clients,
		.subscribers = (uint32_t)s->n_subscribers,
		.event_seq = tables_event_seq(s->tables),
		.sync_always = s->cfg->sync_always,
		.sync_interval_ms = s->cfg->sync_interval_ms,
		.route_capacity = tables_route_capacity(s->tables),
		.arp_capacity = arp_store_capacity(as),
	};

	if (s->ksync && s->cfg->kernel_sync)
		ksync_status(s->ksync, &st);
	if (s->fpm)
		fpm_status_put(s->fpm, &st);
	snprintf(st.version, sizeof(st.version), "%s", PACKAGE_VERSION);
	snprintf(st.route_store, sizeof(st.route_store), "%s", tables_route_store_path(s->tables));
	snprintf(st.arp_store, sizeof(st.arp_store), "%s", arp_store_path(as));
	rt_msg_begin(&s->mb, RT_MSG_STATUS_REPLY, h->seq, 0);
	rt_msg_put_status(&s->mb, &st);
	queue_reply(c, &s->mb);
}

static void handle_query(struct server *s, struct conn *c, const struct rt_msg_desc *d,
                         const struct rt_hdr *h, const uint8_t *msg)
{
	if (d->table == RT_TABLE_ROUTE)
		handle_route_query(s, c, h, msg);
	else
		handle_arp_query(s, c, h, msg);
}

static void handle_status_req(struct server *s, struct conn *c, const struct rt_msg_desc *d,
                              const struct rt_hdr *h, const uint8_t *msg)
{
	(void)d;
	(void)msg;
	handle_status(s, c, h);
}

static void handle_subscribe(struct server *s, struct conn *c, const struct rt_msg_desc *d,
                             const struct rt_hdr *h, const uint8_t *msg)
{
	int rc = server_subscribe(s, c, h);

	(void)d;
	(void)msg;
	if (rc != RT_OK)
		reply_error(s, c, h, rc, 0, 0, 0, "cannot subscribe: %s", rt_err_str(rc));
}

/* What rtmd does for each request (proto.c's descriptors say which
 * request asks for what); RT_OP_NONE, a reply type sent as a request,
 * has no handler. */
typedef void (*request_fn)(struct server *s, struct conn *c, const struct rt_msg_desc *d,
                           const struct rt_hdr *h, const uint8_t *msg);
static const request_fn handlers[RT_OP_MAX] = {
	[RT_OP_ADD] = handle_change, [RT_OP_REPLACE] = handle_change, [RT_OP_DEL] = handle_change,
	[RT_OP_FLUSH] = handle_change, [RT_OP_LIST] = handle_query, [RT_OP_GET] = handle_query,
	[RT_OP_STATUS] = handle_status_req, [RT_OP_SUBSCRIBE] = handle_subscribe,
};

static void handle_message(struct server *s, struct conn *c, const uint8_t *msg, size_t n)
{
	const struct rt_msg_desc *d;
	char why[RT_ERRLEN];
	struct rt_hdr h;
	int rc = rt_msg_decode(msg, n, &h, why);

	if (rc != 0) {
		/* Nothing after a malformed message can be trusted to be framed
		 * as the peer meant: answer once and hang up. */
		struct rt_hdr blank = { 0 };

		if (n >= 16)
			memcpy(&blank.seq, msg + 12, sizeof(blank.seq));
		log_notice("malformed message from pid %ld: %s; closing", (long)c->pid, why);
		reply_error(s, c, &blank, RT_E_PROTO, 0, 0, 0, "%s", why);
		c->dead = true;
		return;
	}
	d = rt_msg_desc(h.type);
	if (d->op >= RT_OP_MAX || !handlers[d->op]) {
		log_notice("pid %ld sent a message of type %u, which is not a request; closing",
		           (long)c->pid, h.type);
		reply_error(s, c, &h, RT_E_PROTO, 0, 0, 0, "message type %u is not a request", h.type);
		c->dead = true;
		return;
	}
	handlers[d->op](s, c, d, &h, msg);
}

static void read_conn(struct server *s, struct conn *c)
{
	uint64_t start = now_ms();

	for (int i = 0; i < MSGS_PER_TURN && !c->dead && !c->reading_paused &&
	     now_ms() - start < TURN_BUDGET_MS; i++) {
		ssize_t n = recv(c->fd, s->rbuf, s->rbuf_cap, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = true;
			return;
		}
		if (n == 0) {
			c->dead = true;
			return;
		}
		s->last_activity_ms = now_ms();
		if ((size_t)n > s->cfg->max_message_size) {
			struct rt_hdr blank = { 0 };

			log_notice("pid %ld sent a %zd-byte message, max-message-size is %u; closing",
			           (long)c->pid, n, s->cfg->max_message_size);
			reply_error(s, c, &blank, RT_E_TOOBIG, 0, 0, 0,
			            "message of %zd bytes exceeds max-message-size %u", n,
			            s->cfg->max_message_size);
			c->dead = true;
			return;
		}
		handle_message(s, c, s->rbuf, (size_t)n);
		if (!c->subscriber && c->q.bytes > BACKLOG_PAUSE) {
			c->reading_paused = true;
		}
	}
}

/* ---- end of turn: sync, then send ------------------------------------------- */

static int sync_now(struct server *s)
{
	char err[512];
	uint64_t usec;

	s->sync_pending = false;
	s->unsynced = 0;
	if (!tables_dirty(s->tables))
		return 0;
	if (tables_sync(s->tables, &usec, err, sizeof(err)) < 0) {
		log_err("cannot make changes durable: %s", err);
		return -1;
	}
	s->msyncs++;
	s->msync_usec += usec;
	return 0;
}

/* Keep the epoll mask in line with the client's state: no EPOLLIN while
 * paused, EPOLLOUT only while output is queued. */
static void update_events(struct server *s, struct conn *c)
{
	uint32_t want = (c->reading_paused ? 0 : EPOLLIN) | (c->q.n ? EPOLLOUT : 0);

	if (want == c->evmask)
		return;
	if (ep_ctl(s, EPOLL_CTL_MOD, c->fd, want, c) < 0)
		c->dead = true;
	c->evmask = want;
}

static int end_turn(struct server *s)
{
	/* The kernel's answers so far, and what was made outside a client's
	 * change (a config reload) handed to it: never waiting. */
	if (s->ksync)
		ksync_collect(s->ksync);
	server_publish(s);
	if (s->cfg->sync_always) {
		/* Group commit: one msync covers every change of this turn, and
		 * nothing of the turn leaves rtmd before it returns. */
		if (sync_now(s) < 0)
			return -1;
	} else {
		char err[512];

		/* Acknowledged changes must survive a kill -9 even before
		 * the msync: the route store's writes reach the file now. */
		if (tables_write_out(s->tables, err, sizeof(err)) < 0) {
			log_err("cannot write changes: %s", err);
			return -1;
		}
		if (tables_dirty(s->tables) && !s->sync_pending) {
			s->sync_pending = true;
			s->sync_deadline_ms = now_ms() + s->cfg->sync_interval_ms;
		}
	}
	/* Events first: a subscriber woken before the requester's ack hears of
	 * the change one scheduling round earlier (with few CPUs the woken
	 * requester would otherwise take the CPU the subscriber needs). */
	for (struct conn *c = s->clients; c; c = c->next)
		if (c->subscriber && !c->dead && c->q.n && conn_flush(c) < 0)
			c->dead = true;
	/* Replies the kernel has answered for, now durable too. */
	for (struct conn *c = s->clients; c; c = c->next)
		if (c->nheld && s->ksync)
			conn_release(c, held_ready, s);
	for (struct conn *c = s->clients, *next; c; c = next) {
		next = c->next;
		/* A client marked dead may still have a last word queued: the
		 * ERROR that explains a protocol violation, sent (best effort,
		 * never blocking) before the close. */
		if (c->q.n && conn_flush(c) < 0)
			c->dead = true;
		if (c->reading_paused && c->q.bytes <= BACKLOG_PAUSE / 2)
			c->reading_paused = false;
		if (c->dead) {
			conn_close(s, c);
			continue;
		}
		update_events(s, c);
	}
	dump_cache_trim(s);
	return 0;
}

/* ---- signals, reload, timers --------------------------------------------------- */

static void reload(struct server *s)
{
	struct rtmd_config nc;
	char err[512];
	size_t added, changed, removed, failed;

	notify_reloading();
	if (config_load(s->config_path, !s->config_required, &nc, err, sizeof(err)) < 0) {
		log_err("reload: %s; keeping the running configuration", err);
		/* RELOADING=1 must always be closed by READY=1, or systemctl
		 * reload waits for it until its timeout. */
		notify_ready("reload failed; running with the previous configuration");
		return;
	}
	if (strcmp(nc.state_dir, s->cfg->state_dir) && nc.has_state_dir)
		log_notice("reload: state-dir changed; it takes effect at the next start");
	if (strcmp(nc.socket, s->cfg->socket) && nc.has_socket)
		log_notice("reload: socket changed; it takes effect at the next start");
	if (strcmp(nc.fpm_listen, s->cfg->fpm_listen))
		log_notice("reload: fpm-listen changed; it takes effect at the next start");
	if (nc.kernel_sync != s->cfg->kernel_sync || nc.kernel_table != s->cfg->kernel_table ||
	    nc.kernel_protocol != s->cfg->kernel_protocol ||
	    nc.kernel_rcvbuf_mb != s->cfg->kernel_rcvbuf_mb)
		log_notice("reload: kernel-sync, kernel-table, kernel-protocol and "
		           "kernel-receive-buffer take effect at the next start");
	nc.kernel_sync = s->cfg->kernel_sync;
	nc.kernel_table = s->cfg->kernel_table;
	nc.kernel_protocol = s->cfg->kernel_protocol;
	nc.kernel_rcvbuf_mb = s->cfg->kernel_rcvbuf_mb;
	/* Keep the paths and the address the daemon runs with; take
	 * everything else. */
	snprintf(nc.fpm_listen, sizeof(nc.fpm_listen), "%s", s->cfg->fpm_listen);
	snprintf(nc.socket, sizeof(nc.socket), "%s", s->cfg->socket);
	snprintf(nc.state_dir, sizeof(nc.state_dir), "%s", s->cfg->state_dir);
	nc.max_message_size = s->cfg->max_message_size;   /* buffers are sized */
	/* The command line keeps precedence over the file, at reload too. */
	if (s->log_level_override >= 0)
		nc.log_level = s->log_level_override;
	config_free(s->cfg);
	*s->cfg = nc;
	s->config_required = s->config_required || access(s->config_path, F_OK) == 0;
	rt_log_set_level(s->cfg->log_level);
	lookup_writer_group(s);
	if (s->fpm)
		fpm_reconfigure(s->fpm, s->cfg);
	tables_apply_config(s->tables, s->cfg, &added, &changed, &removed, &failed);
	log_info("reloaded %s: config entries %zu added, %zu changed, %zu removed, %zu failed",
	         s->config_path, added, changed, removed, failed);
	notify_ready("serving");
}

static void read_signals(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			s->reload = true;
		else
			s->stopping = true;
	}
}

/* Never idle while zebra may connect or the kernel's changes flow: they
 * must keep reaching the tables (SPEC). */
static bool idle_exit_allowed(const struct server *s)
{
	return s->activated && s->cfg->idle_timeout && s->n_clients == 0 && !s->fpm && !s->ksync;
}

static int next_timeout(struct server *s)
{
	uint64_t now = now_ms(), until = UINT64_MAX;

	if (s->sync_pending)
		until = s->sync_deadline_ms;
	if (s->watchdog_usec && s->next_watchdog_ms < until)
		until = s->next_watchdog_ms;
	if (s->fpm && fpm_deadline(s->fpm) < until)
		until = fpm_deadline(s->fpm);
	if (s->ksync && ksync_deadline(s->ksync) < until)
		until = ksync_deadline(s->ksync);
	if (idle_exit_allowed(s)) {
		uint64_t idle = s->last_activity_ms + (uint64_t)s->cfg->idle_timeout * 1000;
		if (idle < until)
			until = idle;
	}
	if (until == UINT64_MAX)
		return -1;
	return until <= now ? 0 : (int)(until - now > 60000 ? 60000 : until - now);
}

static void run_timers(struct server *s)
{
	uint64_t now = now_ms();

	if (s->sync_pending && now >= s->sync_deadline_ms && sync_now(s) < 0)
		s->stopping = true;
	if (s->watchdog_usec && now >= s->next_watchdog_ms) {
		notify_watchdog();
		s->next_watchdog_ms = now + s->watchdog_usec / 2000;
	}
	if (s->fpm)
		fpm_timers(s->fpm, now);
	if (s->ksync)
		ksync_timer(s->ksync, now);
	if (idle_exit_allowed(s) && now >= s->last_activity_ms + (uint64_t)s->cfg->idle_timeout * 1000) {
		log_info("idle for %u s with no clients; exiting (systemd restarts rtmd on the next connection)",
		         s->cfg->idle_timeout);
		s->stopping = true;
	}
}

static void report_status(struct server *s)
{
	notify_status("%zu routes, %zu ARP entries, %zu clients, %zu subscribers",
	              route_table_count(tables_routes(s->tables), 0),
	              arp_store_count(tables_arp(s->tables)), s->n_clients, s->n_subscribers);
}

static void handle_events(struct server *s, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;

		if (p == &s->listen_fd) {
			accept_clients(s);
		} else if (p == &s->signal_fd) {
			read_signals(s);
		} else if (fpm_owns(s->fpm, p)) {
			fpm_event(s->fpm, p, evs[i].events);
		} else if (p == &s->ksync_tag[0] || p == &s->ksync_tag[1]) {
			ksync_input(s->ksync);
		} else {
			struct conn *c = p;

			if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN))
				c->dead = true;
			else if (evs[i].events & EPOLLIN)
				read_conn(s, c);
		}
	}
}

/* Group commit: with sync=always, keep taking requests that are already
 * waiting before paying for the msync, so a pipelining client's window of
 * messages shares one.  Bounded in time and size, and a lone change never
 * waits: when nothing more is ready, the turn ends at once. */
static void gather_group(struct server *s, struct epoll_event *evs, int max)
{
	uint64_t start = now_ms();

	while (s->cfg->sync_always && s->unsynced && s->unsynced < GROUP_MAX_CHANGES &&
	       now_ms() - start < GROUP_MAX_MS && !s->stopping) {
		int n = epoll_wait(s->epfd, evs, max, 0);

		if (n <= 0)
			break;
		handle_events(s, evs, n);
	}
}

int server_run(struct server *s)
{
	struct epoll_event evs[64];
	uint64_t last_status = 0;

	report_status(s);
	while (!s->stopping) {
		int n = epoll_wait(s->epfd, evs, 64, next_timeout(s));

		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			return 1;
		}
		handle_events(s, evs, n);
		gather_group(s, evs, 64);
		if (s->reload) {
			s->reload = false;
			reload(s);
		}
		run_timers(s);
		if (end_turn(s) < 0) {
			notify_stopping();
			return 1;
		}
		if (now_ms() - last_status >= 1000) {
			report_status(s);
			last_status = now_ms();
		}
	}
	notify_stopping();
	log_info("stopping: syncing and exiting");
	if (sync_now(s) < 0)
		return 1;
	/* What the kernel has still to answer, then those replies. */
	if (s->ksync) {
		ksync_settle(s->ksync);
		for (struct conn *c = s->clients; c; c = c->next)
			if (c->nheld) {
				conn_release(c, held_ready, s);
				if (c->q.n)
					conn_flush(c);
			}
	}
	return 0;
}

void server_free(struct server *s)
{
	while (s->clients)
		conn_close(s, s->clients);
	fpm_close(s->fpm);
	s->fpm = NULL;
	if (s->tables)
		tables_set_kernel(s->tables, NULL);
	ksync_close(s->ksync);
	s->ksync = NULL;
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->signal_fd >= 0)
		close(s->signal_fd);
	free(s->rbuf);
	dump_cache_clear(s);
	rt_msgbuf_free(&s->mb);
	rt_msgbuf_free(&s->evmb);
}
