/* fpm_routes.h - zebra's routes, as FPM sends them, in rtmd's tables.
 *
 * The FPM connection (fpm.c) hands each frame here: its messages are all
 * checked first (one that does not decode makes the frame malformed, and
 * nothing of it is applied), then applied in order.  Routes become table entries of origin FPM with
 * the protocol zebra gives (bgp, ospf, static...), keyed as tables.h says;
 * a route's RTA_NH_ID is resolved through the peer's next-hop groups
 * (fpm_nhg.h).  Within a frame a delete is held until the frame's end, so
 * that zebra's delete + add of one key is one change (or none).  What a
 * well-formed message cannot give rtmd (a route of another table, an
 * interface rtmd does not know, an unknown next-hop group) is skipped and
 * counted, never an error of the connection.
 *
 * Replay: fpm_routes_mark() when a new peer connects; every route it sends
 * is seen; fpm_routes_sweep() removes the routes it did not send again.
 */
#ifndef RTMD_FPM_ROUTES_H
#define RTMD_FPM_ROUTES_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fpm_nhg;
struct fpm_routes;
struct links;
struct tables;

struct fpm_routes_stats {
	uint64_t other_table;   /* route messages of another table than kernel-table */
	uint64_t skipped;       /* unknown interface or next-hop group, or invalid */
	uint64_t group_route_visits;    /* routes re-resolved for groups replaced in place */
	char last_error[160];   /* the last skipped route and why; "" none */
};

/* Routes of table (kernel-table) into t; interface names from l (NULL:
 * every route with an interface is skipped).  NULL on ENOMEM. */
struct fpm_routes *fpm_routes_new(struct tables *t, const struct links *l, uint32_t table);
void fpm_routes_free(struct fpm_routes *fr);

/* One frame's payload (fpm_stream_next): every message is checked, then
 * each applied, routes here and next-hop groups to nhg.  0 with the
 * frame's messages and those of a type rtmd does not use (EVPN MACs, ...)
 * counted; -1 with why: malformed (nothing of the frame was applied; the
 * caller closes the connection) or out of memory (logged). */
int fpm_routes_frame(struct fpm_routes *fr, struct fpm_nhg *nhg, const void *payload, size_t len,
                     size_t *msgs, size_t *ignored, char *why, size_t whylen);

/* Next-hop group id now has other next hops: the routes that use it
 * (directly or as a member) are resolved again, and only those (each
 * group's routes are indexed). */
void fpm_routes_nhg_changed(struct fpm_routes *fr, const struct fpm_nhg *nhg, uint32_t id);

/* A new peer: the routes held so far are unseen until it sends them. */
void fpm_routes_mark(struct fpm_routes *fr);
/* Remove the routes not seen since the mark (all: every FPM route);
 * returns how many went. */
size_t fpm_routes_sweep(struct fpm_routes *fr, bool all);

void fpm_routes_stats(const struct fpm_routes *fr, struct fpm_routes_stats *st);

#endif
