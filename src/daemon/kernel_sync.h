/* kernel_sync.h - rtmd's tables kept in step with the kernel's (issue 13).
 *
 * With kernel-sync on, every entry rtmd owns is installed into the
 * kernel as it changes (with rtmd's protocol, into kernel-table), the
 * kernel's routes of that table and its neighbours are imported as
 * read-only entries, and the two are reconciled at start and whenever a
 * notification was lost.  An entry the kernel refuses stays pending with
 * the kernel's reason until what it waits for appears.  doc/KERNEL.md
 * says how and why.  One object, driven by the server's epoll loop; the
 * kernel answers a request within its send, so nothing here ever waits
 * for it.
 */
#ifndef RTMD_KERNEL_SYNC_H
#define RTMD_KERNEL_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct ksync;
struct rt_status;
struct rtmd_config;
struct tables;

/* Before anything else at start, whether kernel sync is on or not: if the
 * state directory records other settings than c's (kernel-sync,
 * kernel-table, kernel-protocol), remove rtmd's entries left in the
 * kernel under the recorded ones, then record c's.  Failures are logged
 * (the record is kept, so the next start tries again). */
void ksync_cleanup_earlier(const struct rtmd_config *c);

/* Open the sockets, import the kernel's tables and reconcile rtmd's own
 * entries with them: returns once that is done, with the tables current.
 * 0, or -1 with a message (rtmd lacks CAP_NET_ADMIN, ...).  With
 * kernel-sync off (FPM alone), only the interface cache is kept: links and
 * addresses, no request socket, nothing installed or imported. */
int ksync_open(struct ksync **out, const struct rtmd_config *c, struct tables *t, char *err,
               size_t errlen);
void ksync_close(struct ksync *k);

/* The two descriptors to watch for input. */
void ksync_fds(const struct ksync *k, int fds[2]);
/* Read what they hold and act on it (events, a dump's parts, answers,
 * retries of pending entries). */
void ksync_input(struct ksync *k);

/* Timers (CLOCK_MONOTONIC milliseconds): when ksync_timer() wants to
 * run next (a rescan of the neighbours, which the kernel does not always
 * announce). */
uint64_t ksync_deadline(const struct ksync *k);
void ksync_timer(struct ksync *k, uint64_t now_ms);

/* The changes of one client message: ksync_begin(), then
 * ksync_record(i) before record i is applied, then ksync_settle() and
 * ksync_refusals() once they all are: each record whose entry the kernel
 * refused is passed to fn with the kernel's reason (it is pending). */
void ksync_begin(struct ksync *k);
void ksync_record(struct ksync *k, uint32_t index);
void ksync_settle(struct ksync *k);
typedef void (*ksync_refusal_fn)(void *ctx, uint32_t index, const char *reason);
void ksync_refusals(struct ksync *k, ksync_refusal_fn fn, void *ctx);

/* The tables tell of every change of an owned entry (old NULL: new; new
 * NULL: removed); kernel sync queues it for the kernel. */
void ksync_route_changed(void *k, const struct rt_route *old, const struct rt_route *nw);
void ksync_neigh_changed(void *k, const struct rt_neigh *old, const struct rt_neigh *nw);

/* The interface cache (index <-> name), current with the kernel's. */
const struct links *ksync_links(const struct ksync *k);

/* The kernel-sync fields of a status reply. */
void ksync_status(const struct ksync *k, struct rt_status *st);

#endif
