/* rtmd/client.h - requests to rtmd: every rtctl operation, and batches.
 *
 * A client is one connection to rtmd's socket, made on the first request
 * and made again, before a request is sent, if rtmd closed it meanwhile
 * (a restart).  Each wait for a reply is bounded by the timeout.  Calls
 * block; a client is used by one thread at a time.  See rtmd_client(3).
 */
#ifndef LIBRTMD_CLIENT_H
#define LIBRTMD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <rtmd/base.h>
#include <rtmd/entry.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtmd_client rtmd_client;

/* A client of rtmd at socket; NULL means $RTMD_SOCKET if set and not
 * empty, else the compiled default (rtmd_default_socket()).  No I/O.
 * 0, -ENAMETOOLONG (a path longer than a Unix socket takes) or -ENOMEM. */
int rtmd_client_new(rtmd_client **out, const char *socket);
void rtmd_client_free(rtmd_client *c);
/* "/run/rtmd/rtmd.sock" for the packages: the socket rtmd listens on when
 * nobody names another. */
const char *rtmd_default_socket(void);
/* The socket path this client uses. */
const char *rtmd_client_socket(const rtmd_client *c);
/* Bound every wait for a reply to ms milliseconds (default 30000; a
 * negative value waits for ever).  A request that times out returns
 * -ETIMEDOUT, closes the connection, and may still be applied. */
void rtmd_client_set_timeout(rtmd_client *c, int ms);
/* RTMD_CLIENT_TAKE_CONFIG: changes and flushes may change or remove the
 * entries of rtmd.conf (rtctl --force); a replace makes such an entry an
 * rtctl one, and a notice says so.  0, or -EINVAL for unknown flags. */
#define RTMD_CLIENT_TAKE_CONFIG 0x1u
int rtmd_client_set_flags(rtmd_client *c, unsigned flags);

/* What rtmd says about a change it applied: the kernel refused the entry,
 * which stays in rtmd as pending (RTMD_NOTICE_PENDING, text the kernel's
 * reason), or a config entry became an rtctl entry (RTMD_NOTICE_TAKEN_OVER).
 * index: the change's index in a batch, 0 for a single request. */
enum rtmd_notice {
	RTMD_NOTICE_TAKEN_OVER = 1,
	RTMD_NOTICE_PENDING = 2,
};
typedef void rtmd_notice_fn(void *ctx, size_t index, enum rtmd_notice what, const char *text);
/* Called during the requests and batches of this client (fn NULL: none). */
void rtmd_client_on_notice(rtmd_client *c, rtmd_notice_fn *fn, void *ctx);

/* Connect now (requests connect by themselves): 0, or the connect error
 * (-ENOENT, -ECONNREFUSED, -EACCES, ...) with "cannot reach rtmd at PATH:
 * ..." in rtmd_errmsg(). */
int rtmd_client_connect(rtmd_client *c);

/* Every request returns 0 or a negative code (rtmd_strerror()), the
 * detail in rtmd_errmsg(): rtmd's refusals (RTMD_E_EXISTS, ...), -EINVAL
 * for an entry rejected before anything was sent, the connect errors,
 * -ETIMEDOUT, and -ECONNRESET if rtmd closed the connection before it
 * answered (a change may then have been applied). */

/* Changes need root or membership of rtmd's writer group (RTMD_E_PERM).
 * add refuses an existing key (RTMD_E_EXISTS); replace adds or
 * overwrites; delete removes the route with r's key (dst, metric).  Routes
 * go with ip(8)'s defaults applied, as rtctl sends them (IPv6 metric 0 is
 * 1024; a unicast route whose one next hop has no gateway, with its scope
 * left at universe, gets scope link).  An entry another protocol owns is
 * refused (RTMD_E_OWNED, "owned by bgp"); a config entry needs
 * RTMD_CLIENT_TAKE_CONFIG.  A change the kernel refused is applied, and
 * pending: see rtmd_client_on_notice(). */
int rtmd_client_route_add(rtmd_client *c, const rtmd_route *r);
int rtmd_client_route_replace(rtmd_client *c, const rtmd_route *r);
int rtmd_client_route_delete(rtmd_client *c, const rtmd_route *r);
/* Remove every route rtmd's clients added (origin RTMD_ORIGIN_RTCTL):
 * the number removed, or a negative code. */
int rtmd_client_route_flush(rtmd_client *c);
int rtmd_client_neigh_add(rtmd_client *c, const rtmd_neigh *n);
int rtmd_client_neigh_replace(rtmd_client *c, const rtmd_neigh *n);
/* Removes the entry with n's key (dev, ip). */
int rtmd_client_neigh_delete(rtmd_client *c, const rtmd_neigh *n);
int rtmd_client_neigh_flush(rtmd_client *c);

/* Listings call fn (rtmd_route_visit_fn) once an entry, in rtctl list's
 * order; fn returning non-zero stops the listing, and that value is
 * returned; else the number of entries passed to fn.  f NULL: all. */
int rtmd_client_route_list(rtmd_client *c, const rtmd_filter *f, rtmd_route_visit_fn *fn,
                           void *ctx);
int rtmd_client_neigh_list(rtmd_client *c, const rtmd_filter *f, rtmd_neigh_visit_fn *fn,
                           void *ctx);
/* Longest-prefix match in rtmd's table (rtctl get): the lowest-metric
 * route of the longest prefix that holds addr and is not pending, copied
 * to out (from rtmd_route_new()).  0, or RTMD_E_NOTFOUND. */
int rtmd_client_route_get(rtmd_client *c, const struct rtmd_addr *addr, rtmd_route *out);
/* The neighbours with this IP (any device) or this link-layer address,
 * passed to fn as by a listing; RTMD_E_NOTFOUND if there is none. */
int rtmd_client_neigh_get(rtmd_client *c, const struct rtmd_addr *ip, rtmd_neigh_visit_fn *fn,
                          void *ctx);
int rtmd_client_neigh_get_lladdr(rtmd_client *c, const uint8_t lladdr[6],
                                 rtmd_neigh_visit_fn *fn, void *ctx);

/* ---- status ---------------------------------------------------------------
 * rtmd's state as named values: the keys of rtctl status --json
 * (rtctl(8) lists them: "version", "routes", "arp_store", ...); a newer
 * rtmd may add keys. */
typedef struct rtmd_status rtmd_status;
int rtmd_client_status(rtmd_client *c, rtmd_status **out);
void rtmd_status_free(rtmd_status *st);
/* The number of keys, and the i-th key (NULL past the end). */
size_t rtmd_status_count(const rtmd_status *st);
const char *rtmd_status_key(const rtmd_status *st, size_t i);
/* A number: 0 and *out, or -ENOENT (no such key) or -EINVAL (not a
 * number). */
int rtmd_status_number(const rtmd_status *st, const char *key, uint64_t *out);
/* Any value as text ("always", "/var/lib/rtmd/arp.store", "42"); NULL: no
 * such key.  Valid until rtmd_status_free(). */
const char *rtmd_status_text(const rtmd_status *st, const char *key);

/* ---- batches --------------------------------------------------------------
 * Many changes applied in order, many to a message and several messages in
 * flight, as rtctl --batch: a million routes cost about a thousand round
 * trips' worth of messages, not a million. */
typedef struct rtmd_batch rtmd_batch;

enum rtmd_op {
	RTMD_OP_ADD = 1,
	RTMD_OP_REPLACE = 2,
	RTMD_OP_DELETE = 3,
};
/* RTMD_BATCH_FORCE: go on past failing changes (each is reported); else
 * the batch stops at the first failure and nothing after it is applied.
 * RTMD_BATCH_TAKE_CONFIG: as RTMD_CLIENT_TAKE_CONFIG, for this batch. */
#define RTMD_BATCH_FORCE 0x1u
#define RTMD_BATCH_TAKE_CONFIG 0x2u

/* An empty batch; NULL: no memory (or flags unknown). */
rtmd_batch *rtmd_batch_new(unsigned flags);
void rtmd_batch_free(rtmd_batch *b);
/* Append a change; the entry is encoded at once (the caller may reuse
 * it).  0, -EINVAL (op or entry), or -ENOMEM. */
int rtmd_batch_route(rtmd_batch *b, enum rtmd_op op, const rtmd_route *r);
int rtmd_batch_neigh(rtmd_batch *b, enum rtmd_op op, const rtmd_neigh *n);
/* Changes appended so far. */
size_t rtmd_batch_count(const rtmd_batch *b);
/* Called for each change rtmd refused: its index in the batch (from 0),
 * the code and rtmd's detail ("10.0.0.0/24 via 192.0.2.1 dev eth0 proto
 * rtctl metric 5: exists"). */
typedef void rtmd_batch_fail_fn(void *ctx, size_t index, int err, const char *detail);
/* Apply the batch (it may be applied again later).  0 if every change was
 * applied; else the code of the first failure, after fn (may be NULL) was
 * told of each failing change.  Without RTMD_BATCH_FORCE every change
 * before the failing one stays applied and none after it is. */
int rtmd_client_batch(rtmd_client *c, const rtmd_batch *b, rtmd_batch_fail_fn *fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
