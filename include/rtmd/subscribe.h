/* rtmd/subscribe.h - rtmd's tables, then every change, told through
 * callbacks, with no change ever silently missed.
 *
 * A subscription keeps a copy of the tables it has reported.  When rtmd
 * drops it (a subscriber that falls too far behind is dropped) or
 * restarts, the library reconnects by itself, takes the tables again and
 * reports only the differences between its copy and the new tables, as
 * add, change and delete events, then calls the sync callback: between two
 * sync callbacks the program has been told of every change.
 *
 * Use it with rtmd_sub_run() (blocks, calls the callbacks) or from your
 * own poll loop: wait until rtmd_sub_fd() is readable, then call
 * rtmd_sub_process().  One thread at a time.  See rtmd_subscribe(3).
 */
#ifndef LIBRTMD_SUBSCRIBE_H
#define LIBRTMD_SUBSCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include <rtmd/base.h>
#include <rtmd/entry.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtmd_sub rtmd_sub;

/* Flags of rtmd_sub_new(); no table flag means both tables. */
#define RTMD_SUB_ROUTES 0x1u     /* the route table */
#define RTMD_SUB_NEIGHS 0x2u     /* the neighbour table */
#define RTMD_SUB_NO_DUMP 0x4u    /* do not report the tables as they are at the
                                    first sync: only the changes after it (the
                                    tables are still taken, for the copy) */

enum rtmd_event {
	RTMD_EVENT_ADD = 1,
	RTMD_EVENT_CHANGE = 2,
	RTMD_EVENT_DEL = 3,
};

/* How the tables became consistent (the sync callback's how). */
enum rtmd_sync {
	RTMD_SYNC_FIRST = 1,      /* the first time */
	RTMD_SYNC_DROPPED = 2,    /* after rtmd dropped the subscription (too slow) */
	RTMD_SYNC_RESTARTED = 3,  /* after rtmd restarted */
};

/* Events.  ADD: entry is new, old NULL.  CHANGE: entry is the new value,
 * old the one reported before.  DEL: entry is the whole entry as reported
 * before, old NULL.  Both are valid until the callback returns
 * (rtmd_route_dup() keeps one). */
typedef void rtmd_sub_route_fn(void *ctx, rtmd_sub *s, enum rtmd_event ev,
                               const rtmd_route *entry, const rtmd_route *old);
typedef void rtmd_sub_neigh_fn(void *ctx, rtmd_sub *s, enum rtmd_event ev,
                               const rtmd_neigh *entry, const rtmd_neigh *old);
/* sync: the copy equals rtmd's tables, every change before it has been
 * told.  resync: reconnected after a lost connection; the differences
 * follow, then the sync callback. */
typedef void rtmd_sub_sync_fn(void *ctx, rtmd_sub *s, enum rtmd_sync how);
/* The connection ended (err: -ECONNRESET when rtmd closed it, else why) or
 * broke off (a gap in rtmd's event numbers); the library reconnects, with
 * a growing pause up to a second while rtmd is unreachable.  detail says
 * what happened, in words. */
typedef void rtmd_sub_lost_fn(void *ctx, rtmd_sub *s, int err, const char *detail);

/* A subscription to rtmd at socket (NULL: as rtmd_client_new()).  No I/O:
 * the first rtmd_sub_connect(), rtmd_sub_process() or rtmd_sub_run()
 * connects.  0, -EINVAL (flags), -ENAMETOOLONG or -ENOMEM. */
int rtmd_sub_new(rtmd_sub **out, const char *socket, unsigned flags);
void rtmd_sub_free(rtmd_sub *s);

/* Callbacks (fn NULL: none); set them before the first process or run. */
void rtmd_sub_on_route(rtmd_sub *s, rtmd_sub_route_fn *fn, void *ctx);
void rtmd_sub_on_neigh(rtmd_sub *s, rtmd_sub_neigh_fn *fn, void *ctx);
void rtmd_sub_on_sync(rtmd_sub *s, rtmd_sub_sync_fn *fn, void *ctx);
void rtmd_sub_on_resync(rtmd_sub *s, rtmd_sub_sync_fn *fn, void *ctx);
void rtmd_sub_on_lost(rtmd_sub *s, rtmd_sub_lost_fn *fn, void *ctx);

/* Connect and subscribe now, to learn at once whether rtmd can be reached:
 * 0, or the connect error (the subscription then keeps trying, as after a
 * lost connection). */
int rtmd_sub_connect(rtmd_sub *s);
/* A descriptor that stays the same for the subscription's life, readable
 * whenever rtmd_sub_process() has something to do (messages from rtmd, or
 * the time to reconnect). */
int rtmd_sub_fd(const rtmd_sub *s);
/* Handle what is ready, without blocking, calling the callbacks.  0, or a
 * negative code for a failure the library cannot mend by reconnecting
 * (rtmd refused the subscription: RTMD_E_PERM...; -ENOMEM).  After
 * -ENOMEM the copy is incomplete: the next call starts a resync. */
int rtmd_sub_process(rtmd_sub *s);
/* rtmd_sub_process() whenever rtmd_sub_fd() is readable, until a callback
 * calls rtmd_sub_stop() (returns 0) or a failure (its code). */
int rtmd_sub_run(rtmd_sub *s);
/* From a callback (or between calls): stop after the event in hand; the
 * rest waits for the next rtmd_sub_process() or rtmd_sub_run(). */
void rtmd_sub_stop(rtmd_sub *s);

/* 1 while the copy equals rtmd's tables (after a sync callback, until the
 * connection is lost), else 0. */
int rtmd_sub_synced(const rtmd_sub *s);
/* rtmd's number of the change being reported (each change +1); 0 while the
 * tables or a resync's differences are reported. */
uint64_t rtmd_sub_seq(const rtmd_sub *s);
/* The path of rtmd's neighbour mapping, for rtmd_neigh_reader_open()
 * ("" before the first connection). */
const char *rtmd_sub_neigh_store(const rtmd_sub *s);

/* The copy: the entries last reported, in rtctl list's order (routes) or
 * no particular order (neighbours).  fn returning non-zero stops the walk
 * and that value is returned.  The copy must not change during a walk:
 * do not call rtmd_sub_process() from fn. */
size_t rtmd_sub_route_count(const rtmd_sub *s);
size_t rtmd_sub_neigh_count(const rtmd_sub *s);
int rtmd_sub_route_walk(const rtmd_sub *s, rtmd_route_visit_fn *fn, void *ctx);
int rtmd_sub_neigh_walk(const rtmd_sub *s, rtmd_neigh_visit_fn *fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
