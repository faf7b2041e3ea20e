/* netlink_worker.h - an rtnetlink request socket served by a thread of its
 * own, so that the kernel's work on rtmd's requests (it happens inside the
 * sender's sendmsg) runs beside the event loop's, on another CPU.
 *
 * The loop builds requests (nlw_msg_begin/end, the same contract as
 * netlink.h's nl_msg_begin), hands them over with nlw_submit(), and is told
 * through a descriptor (nlw_fd(), readable) that answers wait; nlw_collect()
 * hands them to the caller's done handler in request order, with the
 * kernel's extended-ack text, on the caller's thread.  A request that
 * failed before it could be sent (nlw_fail) is answered in its place in
 * that order.  Only the thread touches the socket; only the caller touches
 * what it builds and what it collects.
 *
 * Errors: 0 or -1 with a message; answers carry the kernel's negative
 * errno (-ENOBUFS for one whose acknowledgement was lost).
 */
#ifndef RTMD_NETLINK_WORKER_H
#define RTMD_NETLINK_WORKER_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink.h"

struct nlw;

/* A request socket (netlink.h, nl_open with no groups) and its thread. */
int nlw_open(struct nlw **out, size_t rcvbuf, unsigned window, char *err, size_t errlen);
/* Waits for the thread to finish what it was given; answers not collected
 * are dropped. */
void nlw_close(struct nlw *w);
/* Readable when answers wait to be collected. */
int nlw_fd(const struct nlw *w);
uint32_t nlw_portid(const struct nlw *w);

/* As nl_msg_begin/nl_msg_end/nl_msg_cancel; NULL: out of memory. */
struct nlmsghdr *nlw_msg_begin(struct nlw *w, uint16_t type, uint16_t flags, uint64_t cookie,
                               size_t room);
void nlw_msg_end(struct nlw *w, struct nlmsghdr *h);
void nlw_msg_cancel(struct nlw *w);
/* A request answered without being sent (it could not be encoded): its
 * answer is error and text, in its place among the others.  -1 without
 * memory (nothing recorded). */
int nlw_fail(struct nlw *w, uint64_t cookie, int error, const char *text);

/* Hand what was built to the thread.  Waits while the thread is far
 * behind (so a million requests never pile up), but never runs a
 * handler. */
void nlw_submit(struct nlw *w);
/* Hand the answers that are in to hd->done, in request order; with wait,
 * first submit and wait until every request given so far is answered.
 * Handlers may build requests (collected by a later call).  Returns the
 * number of answers handed over. */
size_t nlw_collect(struct nlw *w, const struct nl_handler *hd, bool wait);
/* Requests built, submitted or answered but not yet collected. */
size_t nlw_busy(const struct nlw *w);
/* Requests built and not yet submitted. */
size_t nlw_built(const struct nlw *w);
/* The socket's counters (netlink.h), as of the thread's last batch. */
void nlw_stats(const struct nlw *w, struct nl_stats *st);

#endif
