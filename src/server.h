/* server.h - rtmd's event loop, its clients and their output queues.
 *
 * One thread, one epoll set.  Requests are handled in arrival order; every
 * reply and event is queued on the client and sent only at the end of the
 * loop turn, after the turn's changes were made durable (sync=always), so a
 * client never sees an acknowledgement, and a subscriber never an event,
 * for a change that a crash could still lose.
 */
#ifndef RTMD_SERVER_H
#define RTMD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

struct rtmd_config;
struct tables;

/* An encoded message, shared by every queue it is on. */
struct shmsg {
	uint32_t refs;
	uint32_t events;        /* events it carries (counts toward queue limits) */
	size_t len;
	uint8_t data[];
};

struct outq {
	struct shmsg **v;       /* ring of cap entries */
	size_t head, n, cap;
	size_t events;          /* events queued (subscriber limit) */
	size_t bytes;
};

struct client {
	struct client *prev, *next;
	int fd;
	pid_t pid;
	uid_t uid;
	bool can_write;         /* root or member of the writer group */
	bool subscriber;
	uint32_t tables;        /* RT_F_TABLE_* of a subscription */
	bool batch_failed;      /* an RT_F_BATCH message failed: skip until BATCH_START */
	bool refusal_logged;    /* a refused change was logged for this connection */
	uint32_t evmask;        /* events registered with epoll */
	bool reading_paused;    /* output backlog too large: stop reading requests */
	bool dead;              /* close at end of turn */
	struct outq q;
};

struct server {
	int epfd, listen_fd, signal_fd, timer_fd;
	bool listen_created;    /* we created the socket file: unlink it on exit */
	char socket_path[RT_PATHLEN];
	const char *config_path;
	struct rtmd_config *cfg;
	struct tables *tables;
	struct client *clients;
	size_t n_clients, n_subscribers;
	uint8_t *rbuf;          /* receive buffer: max message size + 1 */
	size_t rbuf_cap;
	struct rt_msgbuf mb;    /* scratch for replies */
	struct rt_msgbuf evmb;  /* events of the current turn, not yet fanned out */
	uint32_t evtable;       /* RT_F_TABLE_* of the events in evmb */
	bool sync_pending;      /* interval policy: a sync is scheduled */
	uint64_t sync_deadline_ms;
	uint64_t start_ms, last_activity_ms;
	uint64_t watchdog_usec, next_watchdog_ms;
	gid_t writer_gid;
	bool have_writer_gid;
	bool activated;         /* listening socket came from systemd */
	bool stopping, reload;
	uint64_t msyncs, msync_usec;
	size_t unsynced;        /* changes applied since the last sync */
	struct {                /* the last dump, shared by subscribers (subscribers.c) */
		struct shmsg **msgs;
		size_t n;
		uint64_t seq;
		uint32_t tables;
		bool valid;
	} dump;
	unsigned long refused;  /* connections refused since the last log line */
	uint64_t refused_logged_ms;
};

/* Set up signals, timers and epoll around an already-listening socket.
 * 0, or -1 with a message in err. */
int server_init(struct server *s, struct rtmd_config *cfg, const char *config_path,
                struct tables *t, int listen_fd, bool created, bool activated,
                char *err, size_t errlen);
/* Run until SIGTERM/SIGINT or idle exit; returns the exit status. */
int server_run(struct server *s);
void server_free(struct server *s);

/* ---- subscribers.c ------------------------------------------------------ */
struct shmsg *shmsg_new(const struct rt_msgbuf *mb, uint32_t events);
void shmsg_unref(struct shmsg *m);
/* Queue a copy of mb / a reference to m; -1 on ENOMEM. */
int client_queue(struct client *c, const struct rt_msgbuf *mb);
int client_queue_shared(struct client *c, struct shmsg *m);
/* Send queued messages until the queue is empty or the socket is full.
 * Returns 1 if messages remain, 0 if empty, -1 if the peer is gone. */
int client_flush(struct client *c);
void client_queue_free(struct client *c);

/* Events produced by the tables go to the turn's pending message. */
void server_on_event(void *ctx, const struct rt_event *ev);
/* Fan the pending events out to the subscribers' queues. */
void server_publish(struct server *s);
/* Start a subscription: HELLO, the dump as add events (unless RT_F_NO_DUMP),
 * SYNC; 0 or an rt_err. */
void dump_cache_clear(struct server *s);
void dump_cache_trim(struct server *s);
int server_subscribe(struct server *s, struct client *c, const struct rt_hdr *h);

#endif
