/* kernel_sync.h - rtmd's tables kept in step with the kernel's (issue 13).
 *
 * With kernel-sync on, every entry rtmd owns is installed into the
 * kernel as it changes (with rtmd's protocol, into kernel-table), the
 * kernel's routes of that table and its neighbours are imported as
 * read-only entries, and the two are reconciled at start and whenever a
 * notification was lost.  An entry the kernel refuses stays pending with
 * the kernel's reason until what it waits for appears.  doc/KERNEL.md
 * says how and why.  One object, driven by the server's epoll loop; rtmd's
 * requests go out from a thread of their own (netlink_worker.h), so the
 * kernel's work on them overlaps the loop's.
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

/* The two descriptors to watch for input (-1: none): answers from the
 * request thread, the kernel's notifications. */
void ksync_fds(const struct ksync *k, int fds[2]);
/* Read what they hold and act on it (answers, events, a dump's parts,
 * retries of pending entries). */
void ksync_input(struct ksync *k);

/* Timers (CLOCK_MONOTONIC milliseconds): when ksync_timer() wants to
 * run next (a rescan of the neighbours, which the kernel does not always
 * announce). */
uint64_t ksync_deadline(const struct ksync *k);
void ksync_timer(struct ksync *k, uint64_t now_ms);

/* The changes of one client message: ksync_begin(), then ksync_record(i)
 * before record i is applied, then ksync_end(), which hands the requests
 * they made to the kernel (a thread sends them: nothing here waits for
 * the kernel) and returns a ticket, 0 if they made none.  Once
 * ksync_answered(ticket) (after a ksync_collect(), or any call that reads
 * answers), ksync_refusals() passes each record whose entry the kernel
 * refused (it is pending) to fn with the kernel's reason, and forgets the
 * ticket (fn NULL: forget it only). */
void ksync_begin(struct ksync *k);
void ksync_record(struct ksync *k, uint32_t index);
uint64_t ksync_end(struct ksync *k);
bool ksync_answered(const struct ksync *k, uint64_t ticket);
typedef void (*ksync_refusal_fn)(void *ctx, uint32_t index, const char *reason);
void ksync_refusals(struct ksync *k, uint64_t ticket, ksync_refusal_fn fn, void *ctx);
/* Take the kernel's answers that are in, without waiting. */
void ksync_collect(struct ksync *k);
/* Send what is made and wait until the kernel answered all of it. */
void ksync_settle(struct ksync *k);

/* The tables tell of every change of an owned entry (old NULL: new; new
 * NULL: removed); kernel sync queues it for the kernel. */
void ksync_route_changed(void *k, const struct rt_route *old, const struct rt_route *nw);
void ksync_neigh_changed(void *k, const struct rt_neigh *old, const struct rt_neigh *nw);

/* The interface cache (index <-> name), current with the kernel's. */
const struct links *ksync_links(const struct ksync *k);

/* The kernel-sync fields of a status reply. */
void ksync_status(const struct ksync *k, struct rt_status *st);

#endif
