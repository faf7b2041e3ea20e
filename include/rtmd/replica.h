/* rtmd/replica.h - a local copy of rtmd's route table, kept current by a
 * subscription, with longest-prefix match at memory speed.
 *
 * The replica answers from its own memory: no message to rtmd per look-up.
 * It is current to within the events not yet processed (rtmd_sub_fd()
 * readable); after rtmd drops it or restarts it answers from the last table
 * it had, updated as the new one arrives (rtmd_sub_synced() says when it
 * equals rtmd's again).  One thread at a time, or look-ups from several
 * threads while nobody calls rtmd_sub_process().  See rtmd_replica(3).
 */
#ifndef LIBRTMD_REPLICA_H
#define LIBRTMD_REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include <rtmd/base.h>
#include <rtmd/entry.h>
#include <rtmd/subscribe.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtmd_replica rtmd_replica;

/* A replica of the route table of rtmd at socket (NULL: as
 * rtmd_client_new()); flags 0.  No I/O, as rtmd_sub_new(). */
int rtmd_replica_new(rtmd_replica **out, const char *socket, unsigned flags);
void rtmd_replica_free(rtmd_replica *rep);
/* Its subscription: for rtmd_sub_fd(), rtmd_sub_process(), rtmd_sub_run(),
 * rtmd_sub_synced() and callbacks of its own (rtmd_sub_on_route() ...).
 * Owned by the replica. */
rtmd_sub *rtmd_replica_sub(rtmd_replica *rep);

/* Longest-prefix match for addr, as rtmd_client_route_get(): the
 * lowest-metric route of the longest prefix that holds addr and is not
 * pending, copied to out (from rtmd_route_new()).  0, or RTMD_E_NOTFOUND. */
int rtmd_replica_lookup(const rtmd_replica *rep, const struct rtmd_addr *addr, rtmd_route *out);
/* The route with this key: 0, or RTMD_E_NOTFOUND.  Where the kernel holds
 * several imported routes of one prefix and metric (IPv4 tos, IPv6 link
 * routes of several devices), the first in rtmd's order: walk the
 * subscription's copy (rtmd_sub_route_walk()) for the others. */
int rtmd_replica_find(const rtmd_replica *rep, const struct rtmd_prefix *dst, uint32_t metric,
                      rtmd_route *out);
/* Routes of this family (0: both). */
size_t rtmd_replica_count(const rtmd_replica *rep, unsigned family);

#ifdef __cplusplus
}
#endif

#endif
