/* fpm.c - the FPM listener and its one peer (fpm.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fpm.h"
#include "fpm_frame.h"
#include "fpm_nhg.h"
#include "fpm_routes.h"
#include "log.h"
#include "sockdiag.h"
#include "tables.h"

/* Bytes read from the peer per readiness before the loop turn goes on to
 * the other clients (and publishes what was read): zebra's replay of a
 * million routes must not starve rtctl. */
#define READ_BUDGET (1u << 20)
/* At most one log line a second for refused connections. */
#define REFUSE_LOG_MS 1000
/* zebra's replay has no end marker: it is taken as over once this long
 * has passed without a message (and the grace time is over, SPEC.md). */
#define REPLAY_QUIET_MS 5000

struct fpm {
	int epfd;
	int listen_fd, peer_fd;
	struct tables *t;
	char listen_str[80];
	char user[64];          /* fpm-peer-user */
	uid_t uid;
	bool have_uid;
	uint32_t grace_s;
	struct fpm_stream st;
	struct fpm_nhg *nhg;    /* the peer's next-hop groups */
	struct fpm_routes *routes;
	struct fpm_status s;
	uint64_t conn_frames, conn_messages;   /* of the current connection */
	uint64_t skipped_seen;          /* fpm_routes' skipped count last looked at */
	uint64_t disconnected_ms;       /* when the last peer went (grace starts) */
	uint64_t last_msg_ms;           /* the peer's last whole frame */
	bool held;                      /* routes from an earlier peer may be held */
	unsigned long refused_unlogged;
	uint64_t refused_logged_ms;
	/* The epoll tags: their addresses tell the server whose event it is. */
	char tag_listen, tag_peer;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void addr_str(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(out, len, "%s:%u", a, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(out, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		snprintf(out, len, "(family %u)", ss->ss_family);
	}
}

static void lookup_user(struct fpm *f)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(f->user);
	f->have_uid = pw != NULL;
	if (pw)
		f->uid = pw->pw_uid;
	else
		log_warn("fpm: fpm-peer-user \"%s\" does not exist: every FPM peer will be refused",
		         f->user);
}

static int ep_ctl(struct fpm *f, int op, int fd, uint32_t events, void *tag)
{
	struct epoll_event ev = { .events = events, .data.ptr = tag };

	return epoll_ctl(f->epfd, op, fd, &ev);
}

int fpm_open(struct fpm **out, const struct rtmd_config *cfg, struct tables *t,
             const struct links *links, int epfd, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct fpm *f;
	int one = 1;

	*out = NULL;
	if (!cfg->fpm_listen[0])
		return 0;
	if (config_parse_listen(cfg->fpm_listen, &ss, &sl, err, errlen) < 0)
		return -1;
	f = calloc(1, sizeof(*f));
	if (!f || fpm_stream_init(&f->st) < 0 || !(f->nhg = fpm_nhg_new()) ||
	    !(f->routes = fpm_routes_new(t, links, cfg->kernel_table))) {
		if (f) {
			fpm_stream_free(&f->st);
			fpm_nhg_free(f->nhg);
		}
		free(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->epfd = epfd;
	f->t = t;
	f->listen_fd = f->peer_fd = -1;
	f->s.enabled = true;
	snprintf(f->listen_str, sizeof(f->listen_str), "%s", cfg->fpm_listen);
	snprintf(f->s.listen, sizeof(f->s.listen), "%s", cfg->fpm_listen);
	fpm_reconfigure(f, cfg);
	f->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->listen_fd < 0) {
		snprintf(err, errlen, "fpm-listen %s: socket: %s", f->listen_str, strerror(errno));
		goto fail;
	}
	/* zebra reconnects every 3 s: a restarted rtmd must get the port back
	 * at once, not after TIME_WAIT. */
	if (setsockopt(f->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(f->listen_fd, (struct sockaddr *)&ss, sl) < 0 || listen(f->listen_fd, 4) < 0) {
		snprintf(err, errlen, "fpm-listen %s: cannot listen: %s%s", f->listen_str,
		         strerror(errno), errno == EADDRINUSE ? " (another FPM server, or zebra's own fpm module?)" :
		         errno == EADDRNOTAVAIL ? " (no interface has that address)" : "");
		goto fail;
	}
	if (ep_ctl(f, EPOLL_CTL_ADD, f->listen_fd, EPOLLIN, &f->tag_listen) < 0) {
		snprintf(err, errlen, "fpm: epoll_ctl: %s", strerror(errno));
		goto fail;
	}
	log_info("fpm: listening on %s for zebra (fpm-peer-user %s, grace %u s)", f->listen_str,
	         f->user, f->grace_s);
	*out = f;
	return 0;
fail:
	fpm_close(f);
	return -1;
}

static void peer_close(struct fpm *f, const char *why)
{
	if (f->peer_fd < 0)
		return;
	epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->peer_fd, NULL);
	close(f->peer_fd);
	f->peer_fd = -1;
	f->s.connected = false;
	fpm_stream_reset(&f->st);
	/* Its routes stay for the grace time: zebra restarts, and rtmd must
	 * not flap a whole BGP table for subscribers meanwhile. */
	f->disconnected_ms = now_ms();
	f->s.in_grace = f->held;
	f->s.replaying = false;
	log_notice("fpm: peer %s disconnected: %s (%" PRIu64 " frames, %" PRIu64 " messages)",
	           f->s.peer, why, f->conn_frames, f->conn_messages);
}

void fpm_close(struct fpm *f)
{
	if (!f)
		return;
	if (f->peer_fd >= 0) {
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->peer_fd, NULL);
		close(f->peer_fd);
	}
	if (f->listen_fd >= 0) {
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->listen_fd, NULL);
		close(f->listen_fd);
	}
	fpm_stream_free(&f->st);
	fpm_nhg_free(f->nhg);
	fpm_routes_free(f->routes);
	free(f);
}

void fpm_reconfigure(struct fpm *f, const struct rtmd_config *cfg)
{
	snprintf(f->user, sizeof(f->user), "%s", cfg->fpm_peer_user);
	f->grace_s = cfg->fpm_grace_seconds;
	lookup_user(f);
}

bool fpm_owns(const struct fpm *f, const void *tag)
{
	return f && (tag == &f->tag_listen || tag == &f->tag_peer);
}

static void set_error(struct fpm *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct fpm *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->s.last_error, sizeof(f->s.last_error), fmt, ap);
	va_end(ap);
}

/* A refusal: logged, but at most once a second with the count since. */
static void refuse(struct fpm *f, int fd, const char *peer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void refuse(struct fpm *f, int fd, const char *peer, const char *fmt, ...)
{
	char why[256];
	uint64_t now = now_ms();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	close(fd);
	f->s.refused++;
	set_error(f, "refused %s: %s", peer, why);
	if (now - f->refused_logged_ms < REFUSE_LOG_MS && f->refused_logged_ms) {
		f->refused_unlogged++;
		return;
	}
	if (f->refused_unlogged)
		log_warn("fpm: refused a connection from %s: %s (and %lu more refused in the last second)",
		         peer, why, f->refused_unlogged);
	else
		log_warn("fpm: refused a connection from %s: %s", peer, why);
	f->refused_unlogged = 0;
	f->refused_logged_ms = now;
}

static void accept_peer(struct fpm *f)
{
	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char peer[80], err[256];
		uid_t uid;
		int fd = accept4(f->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_err("fpm: accept on %s: %s", f->listen_str, strerror(errno));
			return;
		}
		addr_str(&ss, peer, sizeof(peer));
		if (f->peer_fd >= 0) {
			refuse(f, fd, peer, "peer %s is connected, and FPM has one peer at a time",
			       f->s.peer);
			continue;
		}
		if (sockdiag_peer_uid(fd, &uid, err, sizeof(err)) < 0) {
			refuse(f, fd, peer, "cannot tell who owns it: %s", err);
			continue;
		}
		if (!f->have_uid || uid != f->uid) {
			struct passwd *pw = getpwuid(uid);

			if (f->have_uid)
				refuse(f, fd, peer, "its socket belongs to uid %u (%s), fpm-peer-user is \"%s\" (uid %u)",
				       (unsigned)uid, pw ? pw->pw_name : "?", f->user, (unsigned)f->uid);
			else
				refuse(f, fd, peer, "its socket belongs to uid %u (%s), and fpm-peer-user \"%s\" does not exist",
				       (unsigned)uid, pw ? pw->pw_name : "?", f->user);
			continue;
		}
		if (ep_ctl(f, EPOLL_CTL_ADD, fd, EPOLLIN, &f->tag_peer) < 0) {
			log_err("fpm: epoll_ctl: %s", strerror(errno));
			close(fd);
			continue;
		}
		f->peer_fd = fd;
		f->s.connected = true;
		f->s.connects++;
		f->conn_frames = f->conn_messages = 0;
		f->last_msg_ms = now_ms();
		/* Routes of the earlier peer are reconciled with the replay:
		 * whatever it does not send again is swept at the end. */
		if (f->held) {
			f->s.replays++;
			f->s.replaying = true;
			fpm_routes_mark(f->routes);
		}
		f->s.in_grace = false;
		f->held = true;
		snprintf(f->s.peer, sizeof(f->s.peer), "%s", peer);
		fpm_stream_reset(&f->st);
		/* Group ids are zebra's: every connect replays them. */
		fpm_nhg_clear(f->nhg);
		log_notice("fpm: peer %s (uid %u, %s) connected", peer, (unsigned)uid, f->user);
	}
}

/* ---- frames ----------------------------------------------------------------- */

/* 0, or -1 (malformed, or out of memory: the caller closes the
 * connection).  Every message is checked before any is applied. */
static int handle_frame(struct fpm *f, const void *payload, size_t len, char *why, size_t whylen)
{
	struct fpm_routes_stats rs;
	size_t n = 0, ignored = 0;
	int rc = fpm_routes_frame(f->routes, f->nhg, payload, len, &n, &ignored, why, whylen);

	fpm_routes_stats(f->routes, &rs);
	if (rs.skipped != f->skipped_seen) {    /* the latest news is a skipped route */
		f->skipped_seen = rs.skipped;
		snprintf(f->s.last_error, sizeof(f->s.last_error), "%s", rs.last_error);
	}
	if (rc != 0)
		return -1;
	f->last_msg_ms = now_ms();
	f->s.frames++;
	f->s.messages += n;
	f->conn_frames++;
	f->conn_messages += n;
	f->s.ignored += ignored;
	return 0;
}

static void read_peer(struct fpm *f)
{
	size_t budget = READ_BUDGET;
	char why[200];

	while (budget > 0 && f->peer_fd >= 0) {
		size_t room;
		uint8_t *p = fpm_stream_space(&f->st, &room);
		ssize_t n = recv(f->peer_fd, p, room < budget ? room : budget, MSG_DONTWAIT);
		const void *payload;
		size_t len;
		int rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				set_error(f, "read from %s: %s", f->s.peer, strerror(errno));
				peer_close(f, strerror(errno));
			}
			return;
		}
		if (n == 0) {
			if (fpm_stream_pending(&f->st))
				set_error(f, "%s closed the connection inside a frame (%zu bytes of it received)",
				          f->s.peer, fpm_stream_pending(&f->st));
			peer_close(f, fpm_stream_pending(&f->st) ? "end of stream inside a frame" :
			           "end of stream");
			return;
		}
		budget -= (size_t)n;
		fpm_stream_commit(&f->st, (size_t)n);
		while ((rc = fpm_stream_next(&f->st, &payload, &len, why, sizeof(why))) == 1)
			if (handle_frame(f, payload, len, why, sizeof(why)) < 0)
				break;
		if (rc != 0) {
			f->s.malformed++;
			set_error(f, "malformed frame from %s: %s", f->s.peer, why);
			log_warn("fpm: malformed frame from %s: %s; closing the connection (zebra reconnects and replays)",
			         f->s.peer, why);
			peer_close(f, "malformed frame");
			return;
		}
	}
}

void fpm_event(struct fpm *f, const void *tag, uint32_t events)
{
	if (tag == &f->tag_listen) {
		accept_peer(f);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		read_peer(f);
}

uint64_t fpm_deadline(const struct fpm *f)
{
	uint64_t grace_end = f->disconnected_ms + (uint64_t)f->grace_s * 1000;

	if (f->s.in_grace)
		return grace_end;
	if (f->s.replaying) {
		uint64_t quiet_end = f->last_msg_ms + REPLAY_QUIET_MS;
		return quiet_end > grace_end ? quiet_end : grace_end;
	}
	return UINT64_MAX;
}

void fpm_timers(struct fpm *f, uint64_t now)
{
	if (now < fpm_deadline(f))
		return;
	if (f->s.in_grace) {
		size_t gone = fpm_routes_sweep(f->routes, true);

		log_notice("fpm: zebra did not come back within fpm-grace-seconds (%u s): its %zu routes went",
		           f->grace_s, gone);
		f->held = false;
	} else {
		size_t gone = fpm_routes_sweep(f->routes, false);

		log_info("fpm: replay from %s reconciled (%" PRIu64 " messages; %zu routes not sent again went)",
		         f->s.peer, f->conn_messages, gone);
	}
	f->s.in_grace = f->s.replaying = false;
	f->s.sweeps++;
}

void fpm_status(const struct fpm *f, struct fpm_status *st)
{
	if (!f) {
		memset(st, 0, sizeof(*st));
		return;
	}
	struct fpm_routes_stats rs;

	*st = f->s;
	fpm_routes_stats(f->routes, &rs);
	st->other_table = rs.other_table;
	st->skipped = rs.skipped;
	st->routes = tables_fpm_routes(f->t);
	st->hidden = tables_hidden_routes(f->t);
	st->groups = fpm_nhg_count(f->nhg);
}
