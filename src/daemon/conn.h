/* conn.h - one client connection of rtmd and its output queue.
 *
 * Replies and events are queued as shared, reference-counted messages and
 * sent when the socket has room, so one slow peer costs memory bounded by
 * its queue limits and never blocks the event loop or the other peers.
 */
#ifndef RTMD_CONN_H
#define RTMD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

/* An encoded message, shared by every queue it is on. */
struct shmsg {
	uint32_t refs;
	uint32_t events;        /* events it carries (counts toward queue limits) */
	size_t len;
	uint8_t data[];
};

/* A reply held back until the kernel has answered the change it ends
 * (kernel sync), and every message queued to the connection after it. */
struct held {
	struct shmsg *m;
	uint64_t ticket;        /* 0: ready; else what it waits for */
	uint32_t seq;           /* the request's, for the notices released with it */
};

struct outq {
	struct shmsg **v;       /* ring of cap entries */
	size_t head, n, cap;
	size_t events;          /* events queued (subscriber limit) */
	size_t bytes;
};

struct conn {
	struct conn *prev, *next;
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
	struct held *held;      /* held replies and what follows them, in order */
	size_t nheld, capheld;
	bool releasing;         /* in conn_release: queue straight to q */
};

/* A new message holding a copy of mb, one reference; NULL on ENOMEM. */
struct shmsg *shmsg_new(const struct rt_msgbuf *mb, uint32_t events);
void shmsg_unref(struct shmsg *m);
/* Queue a copy of mb / a reference to m (behind any held reply); -1 on
 * ENOMEM. */
int conn_queue(struct conn *c, const struct rt_msgbuf *mb);
int conn_queue_shared(struct conn *c, struct shmsg *m);
/* Queue a copy of mb, held until ticket is released; -1 on ENOMEM. */
int conn_hold(struct conn *c, const struct rt_msgbuf *mb, uint64_t ticket, uint32_t seq);
/* Move held messages to the output queue, in order, as far as ready()
 * lets: it returns false for a ticket that must still wait, or true
 * after queueing (conn_queue) what goes before that reply. */
typedef bool (*conn_ready_fn)(void *ctx, struct conn *c, uint64_t ticket, uint32_t seq);
void conn_release(struct conn *c, conn_ready_fn ready, void *ctx);
/* Send queued messages until the queue is empty or the socket is full.
 * Returns 1 if messages remain, 0 if empty, -1 if the peer is gone. */
int conn_flush(struct conn *c);
void conn_queue_free(struct conn *c);

#endif
