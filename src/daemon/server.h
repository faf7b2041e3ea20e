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

#include "conn.h"
#include "proto.h"

struct fpm;
struct ksync;
struct rtmd_config;
struct tables;

struct server {
	int epfd, listen_fd, signal_fd, timer_fd;
	bool listen_created;    /* we created the socket file: unlink it on exit */
	char socket_path[RT_PATHLEN];
	const char *config_path;
	/* Reload: a file named with -c, or one loaded before, must be there
	 * (a missing one changes nothing); a default file that never was is
	 * no config at all. */
	bool config_required;
	int log_level_override; /* -d: kept over the file's log-level; -1 none */
	struct rtmd_config *cfg;
	struct tables *tables;
	struct fpm *fpm;        /* FPM server, NULL when fpm-listen is off */
	struct ksync *ksync;    /* kernel sync (or, for FPM alone, its interface
	                           cache); NULL when both are off */
	char ksync_tag[2];      /* epoll tags of its two descriptors */
	uint64_t final_ticket;  /* the change being answered waits for the kernel */
	struct conn *clients;
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

#endif
