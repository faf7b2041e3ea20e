/* netlink.h - every rtnetlink socket of rtmd, and all the framing around it.
 *
 * A struct nl_sock is one non-blocking NETLINK_ROUTE socket for the epoll
 * loop.  Requests are queued and go out many to a sendmsg; every request
 * is acknowledged, and its acknowledgement reaches the caller matched (by
 * sequence number) to the cookie the caller gave it, with the kernel's
 * extended-ack text.  Dumps are serialised (one in flight per socket) and
 * end with a done call that says whether the kernel flagged them
 * inconsistent (NLM_F_DUMP_INTR: redo).  A socket opened with multicast
 * groups also delivers their events, and reports a lost one (ENOBUFS) as
 * NL_RESYNC: the caller must dump again.  No message reaches a handler
 * unless its framing is whole; nl_attr_parse() checks a message's
 * attributes against a policy before the caller reads any of them.
 *
 * Errors: functions return 0 or -1 with errno set (and a message naming
 * the call in err where there is one); acknowledgements carry the kernel's
 * negative errno.
 */
#ifndef RTMD_NETLINK_H
#define RTMD_NETLINK_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

/* Largest message rtmd ever builds (a route of 256 next hops is ~10 KB). */
#define NL_MSG_MAX 32768
/* The cookie of multicast events. */
#define NL_EVENT UINT64_MAX
/* nl_read(): a notification was lost; dump again. */
#define NL_RESYNC 1

struct nl_handler {
	void *ctx;
	/* A message of a dump (the dump request's cookie) or a multicast
	 * event (NL_EVENT).  Framing is checked; attributes are not. */
	void (*msg)(void *ctx, uint64_t cookie, const struct nlmsghdr *h);
	/* The end of a request: error 0 or the kernel's negative errno, with
	 * its extended-ack text ("" if it gave none).  For a dump, its end:
	 * 0 complete, -EINTR the kernel flagged it inconsistent (redo), or
	 * the kernel's error. */
	void (*done)(void *ctx, uint64_t cookie, int error, const char *text);
};

struct nl_stats {
	uint64_t sent, acked, failed;   /* requests: sent, answered, answered with an error */
	uint64_t sends;                 /* sendmsg calls */
	uint64_t events;                /* multicast messages delivered */
	uint64_t enobufs;               /* notifications lost (NL_RESYNC reported) */
	uint64_t malformed;             /* received datagrams or messages dropped as malformed */
	uint64_t strays;                /* replies to no request in flight */
};

/* Open a socket joined to the multicast groups in groups[0..n-1]
 * (RTNLGRP_*; n 0: requests only) with a receive buffer of rcvbuf bytes
 * (SO_RCVBUFFORCE, falling back to SO_RCVBUF without CAP_NET_ADMIN).
 * window: requests sent but not yet acknowledged at most (lowered so that
 * their acknowledgements fit the receive buffer: 2 KB each).  0, or -1
 * with a message. */
int nl_open(struct nl_sock **out, const unsigned *groups, size_t n, size_t rcvbuf,
            unsigned window, char *err, size_t errlen);
/* Have the kernel drop, before they are queued, the notifications that
 * requests from port portid caused: rtmd's own changes, which it knows.
 * Receiving them would cost a million-route install ~40% (measured: 7.4
 * against 5.3 s), the drop nothing.  Only for multicast sockets with no
 * requests of their own to that port.  0, or -1 with a message. */
int nl_drop_port(struct nl_sock *s, uint32_t portid, char *err, size_t errlen);
void nl_close(struct nl_sock *s);
int nl_fd(const struct nl_sock *s);
/* The socket's netlink port: the nlmsg_pid the kernel puts in
 * notifications this socket's requests cause. */
uint32_t nl_portid(const struct nl_sock *s);
const struct nl_stats *nl_stats(const struct nl_sock *s);

/* Queue a request: a header of this type, flags | NLM_F_REQUEST |
 * NLM_F_ACK, and room bytes (<= NL_MSG_MAX) of space after it for the
 * caller to fill with the libmnl put helpers (mnl_nlmsg_put_extra_header,
 * mnl_attr_put_check with nlh->nlmsg_len + room as the limit).  NLM_F_DUMP
 * in flags makes it a dump.  Then nl_msg_end() (queued) or nl_msg_cancel()
 * (dropped), before any other call on s.  NULL: out of memory.
 * Handlers may queue requests, but must not call nl_flush or nl_read. */
struct nlmsghdr *nl_msg_begin(struct nl_sock *s, uint16_t type, uint16_t flags, uint64_t cookie,
                              size_t room);
void nl_msg_end(struct nl_sock *s, struct nlmsghdr *h);
void nl_msg_cancel(struct nl_sock *s);
/* The buffer limit to give mnl_attr_put_check for a message begun with
 * nl_msg_begin(..., room). */
size_t nl_msg_limit(size_t room);

/* Send queued requests, per_send (1..1024) a sendmsg, as far as the
 * window allows, reading acknowledgements (and handing them to hd)
 * whenever it is full.  Returns 0 when everything queued is sent,
 * NL_RESYNC when an acknowledgement was lost, or -1 (errno) when the
 * kernel refused the send itself (memory); what is not sent stays queued. */
int nl_flush(struct nl_sock *s, unsigned per_send, const struct nl_handler *hd);
/* Read what the socket holds (at most about max_msgs messages, so one
 * socket cannot starve the loop) and dispatch it to hd.  0; NL_RESYNC when
 * notifications were lost (ENOBUFS; in-flight requests are unaffected);
 * -1 on a socket error. */
int nl_read(struct nl_sock *s, size_t max_msgs, const struct nl_handler *hd);
/* The message at *off of buf[0..len) if it is whole (its nlmsg_len within
 * the buffer), with *off moved past it; NULL when none is left (*off <
 * len: a broken tail).  buf must be 4-byte aligned: how a datagram, or an
 * FPM frame, is walked. */
const struct nlmsghdr *nl_msg_next(const void *buf, size_t len, size_t *off);
/* Hand hd a datagram as if the kernel had sent it (multicast: to a
 * group): how the tests and the fuzzer reach the receive path. */
void nl_feed(struct nl_sock *s, const void *buf, size_t len, bool multicast,
             const struct nl_handler *hd);
/* Requests queued or in flight (dumps included). */
size_t nl_busy(const struct nl_sock *s);
/* Requests queued, not yet sent. */
size_t nl_queued(const struct nl_sock *s);

/* ---- attributes ------------------------------------------------------------ */

enum nl_attr_kind {
	NL_A_NONE = 0,          /* not accepted: ignored, never handed out */
	NL_A_U8, NL_A_U16, NL_A_U32, NL_A_U64,
	NL_A_STRING,            /* NUL-terminated within the attribute, len <= max */
	NL_A_BINARY,            /* min <= len <= max */
	NL_A_NESTED,            /* whole nested attributes (checked by the caller's own parse) */
	NL_A_FLAG,              /* no payload */
};

struct nl_policy {
	uint8_t kind;           /* enum nl_attr_kind */
	uint16_t min, max;      /* NL_A_BINARY bounds; NL_A_STRING: max bytes incl. NUL (0: any) */
};

/* Parse the attributes after a fixed header of hdrlen bytes (rounded up
 * to NLMSG_ALIGNTO) of message h into tb[0..maxtype] (zeroed first), each
 * checked against policy[type]; attributes of unknown type or kind
 * NL_A_NONE are skipped (the kernel adds new ones), a known attribute of
 * the wrong size or a broken attribute chain is an error.  Also checks
 * that the header itself fits.  0, or -1 with the reason in why. */
int nl_attr_parse(const struct nlmsghdr *h, size_t hdrlen, const struct nl_policy *policy,
                  unsigned maxtype, const struct nlattr **tb, char *why, size_t whylen);
/* The same over a nested attribute's payload (or any buffer). */
int nl_attr_parse_buf(const void *buf, size_t len, const struct nl_policy *policy,
                      unsigned maxtype, const struct nlattr **tb, char *why, size_t whylen);

#endif
