/* fpm.h - rtmd as an FPM server for FRRouting's zebra.
 *
 * With fpm-listen set, rtmd listens on that TCP address for zebra's
 * dplane_fpm_nl module, takes one peer at a time, and only a peer whose
 * socket belongs to fpm-peer-user (sockdiag.h); others are refused and
 * logged.  The connection is non-blocking and read inside rtmd's event
 * loop: the server registers nothing itself, it hands the epoll events
 * whose tag fpm_owns() to fpm_event().  Frames are cut by fpm_frame.h; a
 * malformed frame closes the connection with a log line and changes no
 * table.  fpm_status() is what `status` shows.
 */
#ifndef RTMD_FPM_H
#define RTMD_FPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fpm;
struct links;
struct rtmd_config;
struct tables;

struct fpm_status {
	bool enabled;           /* fpm-listen set */
	bool connected;
	char listen[80];        /* ADDR:PORT listened on */
	char peer[80];          /* ADDR:PORT of the peer (connected), or the last one */
	uint64_t connects;      /* peers accepted since start */
	uint64_t refused;       /* connections refused (owner, second peer) */
	uint64_t frames, messages;
	uint64_t malformed;     /* connections closed for a malformed frame */
	uint64_t ignored;       /* messages of a type rtmd does not use */
	uint64_t other_table;   /* route messages of another table than kernel-table */
	uint64_t skipped;       /* routes skipped: unknown interface or group */
	uint64_t routes;        /* routes held from FPM */
	uint64_t hidden;        /* the kernel's copies of them, not shown */
	uint64_t groups;        /* the peer's next-hop groups */
	uint64_t replays;       /* reconnects whose replay was (or is being) reconciled */
	uint64_t sweeps;        /* grace times or replays ended by a sweep */
	bool replaying;         /* reconnected, the sweep not yet run */
	bool in_grace;          /* disconnected, routes kept until the grace time ends */
	char last_error[160];   /* "" if none */
};

/* Listen as cfg->fpm_listen says and register with epfd; with fpm-listen
 * unset, *out is NULL and nothing is opened.  Routes go into t (origin
 * FPM, kernel-table's only: fpm_routes.h), interface indexes are named
 * by links.  0, or -1 with a message. */
int fpm_open(struct fpm **out, const struct rtmd_config *cfg, struct tables *t,
             const struct links *links, int epfd, char *err, size_t errlen);
void fpm_close(struct fpm *f);
/* Take fpm-peer-user and fpm-grace-seconds from a reloaded cfg (the
 * address keeps its start-up value). */
void fpm_reconfigure(struct fpm *f, const struct rtmd_config *cfg);
bool fpm_owns(const struct fpm *f, const void *tag);
void fpm_event(struct fpm *f, const void *tag, uint32_t events);
/* The next time (CLOCK_MONOTONIC ms) fpm_timers wants to run, or
 * UINT64_MAX. */
uint64_t fpm_deadline(const struct fpm *f);
void fpm_timers(struct fpm *f, uint64_t now_ms);
void fpm_status(const struct fpm *f, struct fpm_status *st);

#endif
