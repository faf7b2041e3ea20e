/* rtmd/entry.h - the entries of rtmd's two tables, routes and neighbours,
 * their accessors, builders and text forms, and list filters.
 *
 * Entries are opaque: librtmd hands out pointers to entries it owns (in
 * callbacks, valid until the callback returns; in look-ups, into an entry
 * the caller allocated with rtmd_route_new() or a vector), and the caller
 * reads them through the accessors below, so that the entries can grow
 * without breaking programs built against an older librtmd.  See
 * rtmd_entry(3).
 */
#ifndef LIBRTMD_ENTRY_H
#define LIBRTMD_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <rtmd/base.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtmd_route rtmd_route;
typedef struct rtmd_neigh rtmd_neigh;

/* Who owns an entry.  Only RTCTL and CONFIG entries can be changed through
 * rtmd; imported ones belong to the kernel or to FRR. */
enum rtmd_origin {
	RTMD_ORIGIN_RTCTL = 0,    /* added at run time (rtctl, this library) */
	RTMD_ORIGIN_CONFIG = 1,   /* from rtmd.conf */
	RTMD_ORIGIN_KERNEL = 2,   /* imported from the kernel */
	RTMD_ORIGIN_FPM = 3,      /* imported from FRR's zebra over FPM */
};

/* Route types: the kernel's RTN_* numbers. */
enum rtmd_route_type {
	RTMD_ROUTE_UNICAST = 1,
	RTMD_ROUTE_LOCAL = 2,
	RTMD_ROUTE_BROADCAST = 3,
	RTMD_ROUTE_ANYCAST = 4,
	RTMD_ROUTE_MULTICAST = 5,
	RTMD_ROUTE_BLACKHOLE = 6,
	RTMD_ROUTE_UNREACHABLE = 7,
	RTMD_ROUTE_PROHIBIT = 8,
	RTMD_ROUTE_THROW = 9,
};

/* Route scopes: the kernel's RT_SCOPE_* numbers. */
enum rtmd_scope {
	RTMD_SCOPE_UNIVERSE = 0,
	RTMD_SCOPE_SITE = 200,
	RTMD_SCOPE_LINK = 253,
	RTMD_SCOPE_HOST = 254,
	RTMD_SCOPE_NOWHERE = 255,
};

/* rtmd_route_flags() */
#define RTMD_ROUTE_F_PENDING 0x1u   /* owned by rtmd but not in the kernel (yet):
                                       refused, or its interface is missing */

/* rtmd_route_pref(): the kernel's ICMPV6_ROUTER_PREF_* values. */
#define RTMD_PREF_MEDIUM 0u
#define RTMD_PREF_HIGH 1u
#define RTMD_PREF_LOW 3u

/* rtmd_route_nexthop_flags(): the kernel's RTNH_F_* values. */
#define RTMD_NH_F_DEAD 0x01u
#define RTMD_NH_F_ONLINK 0x04u
#define RTMD_NH_F_OFFLOAD 0x08u
#define RTMD_NH_F_LINKDOWN 0x10u
#define RTMD_NH_F_TRAP 0x40u

/* Neighbour states: the kernel's NUD_* bits. */
#define RTMD_NUD_INCOMPLETE 0x01u
#define RTMD_NUD_REACHABLE 0x02u
#define RTMD_NUD_STALE 0x04u
#define RTMD_NUD_DELAY 0x08u
#define RTMD_NUD_PROBE 0x10u
#define RTMD_NUD_FAILED 0x20u
#define RTMD_NUD_NOARP 0x40u
#define RTMD_NUD_PERMANENT 0x80u

/* rtmd_neigh_flags(): the kernel's NTF_* values. */
#define RTMD_NEIGH_F_PROXY 0x08u
#define RTMD_NEIGH_F_ROUTER 0x80u

/* rtmd_neigh_slot() of an entry that has no slot in the mapping. */
#define RTMD_SLOT_NONE UINT32_MAX

/* Longest interface name, with the NUL (the kernel's IFNAMSIZ). */
#define RTMD_IFNAMSIZ 16

/* ---- routes -------------------------------------------------------------- */

/* A new, empty route (IPv4 0.0.0.0/0, metric 0, unicast, no next hop), to
 * fill in for a request or to receive a look-up.  NULL: out of memory. */
rtmd_route *rtmd_route_new(void);
/* A copy of r that outlives the callback that passed r; NULL: no memory. */
rtmd_route *rtmd_route_dup(const rtmd_route *r);
void rtmd_route_free(rtmd_route *r);

/* The key: rtmd identifies the routes it owns by (dst, metric).  For IPv6
 * a metric of 0 means 1024, as in ip(8). */
const struct rtmd_prefix *rtmd_route_dst(const rtmd_route *r);
uint32_t rtmd_route_metric(const rtmd_route *r);
/* enum rtmd_route_type. */
unsigned rtmd_route_type(const rtmd_route *r);
/* The kernel's protocol number (rtm_protocol) of an imported route; for
 * routes rtmd owns, the protocol rtmd installs them with. */
unsigned rtmd_route_protocol(const rtmd_route *r);
/* The protocol as rtctl shows it: "rtctl" and "config" for owned routes,
 * else the name from iproute2's rt_protos ("kernel", "bgp", ...), else
 * NULL (print rtmd_route_protocol()).  Static storage. */
const char *rtmd_route_protocol_name(const rtmd_route *r);
/* enum rtmd_origin. */
unsigned rtmd_route_origin(const rtmd_route *r);
/* enum rtmd_scope. */
unsigned rtmd_route_scope(const rtmd_route *r);
/* IPv4 type of service (part of the kernel's key); 0 for IPv6. */
unsigned rtmd_route_tos(const rtmd_route *r);
/* The preferred source address (ip's "src"); NULL: none. */
const struct rtmd_addr *rtmd_route_prefsrc(const rtmd_route *r);
/* RTMD_ROUTE_F_* */
unsigned rtmd_route_flags(const rtmd_route *r);
/* Why a pending route is not in the kernel, in the kernel's words ("No
 * such device"); NULL if it is not pending. */
const char *rtmd_route_pending_reason(const rtmd_route *r);
/* IPv6 route preference (RFC 4191): RTMD_PREF_MEDIUM, _HIGH or _LOW. */
unsigned rtmd_route_pref(const rtmd_route *r);

/* Next hops, 0 .. rtmd_route_nexthop_count() - 1 (0 for blackhole and the
 * other types that forward nowhere; up to 256 with multipath).  An index
 * out of range reads as a next hop without gateway or device. */
unsigned rtmd_route_nexthop_count(const rtmd_route *r);
/* NULL: no gateway (a device route). */
const struct rtmd_addr *rtmd_route_nexthop_gateway(const rtmd_route *r, unsigned i);
/* NULL: no device. */
const char *rtmd_route_nexthop_dev(const rtmd_route *r, unsigned i);
/* 1..256, as ip(8) prints it. */
unsigned rtmd_route_nexthop_weight(const rtmd_route *r, unsigned i);
/* RTMD_NH_F_* */
unsigned rtmd_route_nexthop_flags(const rtmd_route *r, unsigned i);

/* Builders for requests: 0, or -EINVAL (reason in rtmd_errmsg()) and r
 * unchanged.  Fields not set keep rtmd_route_new()'s values. */
int rtmd_route_set_dst(rtmd_route *r, const struct rtmd_prefix *dst);
int rtmd_route_set_metric(rtmd_route *r, uint32_t metric);
int rtmd_route_set_type(rtmd_route *r, unsigned type);
int rtmd_route_set_scope(rtmd_route *r, unsigned scope);
/* NULL: none. */
int rtmd_route_set_prefsrc(rtmd_route *r, const struct rtmd_addr *src);
/* Append a next hop: a gateway (NULL: none) and/or a device (NULL: none),
 * weight 1..256 (0 means 1), flags RTMD_NH_F_ONLINK or 0.  -ENOSPC when
 * the route holds as many next hops as this rtmd accepts. */
int rtmd_route_add_nexthop(rtmd_route *r, const struct rtmd_addr *gw, const char *dev,
                           unsigned weight, unsigned flags);
void rtmd_route_clear_nexthops(rtmd_route *r);

/* ---- neighbours ---------------------------------------------------------- */

/* A new, empty neighbour, to fill in for a request.  NULL: no memory. */
rtmd_neigh *rtmd_neigh_new(void);
rtmd_neigh *rtmd_neigh_dup(const rtmd_neigh *n);
void rtmd_neigh_free(rtmd_neigh *n);

/* The key: (dev, ip). */
const struct rtmd_addr *rtmd_neigh_ip(const rtmd_neigh *n);
const char *rtmd_neigh_dev(const rtmd_neigh *n);
/* The link-layer address, 6 bytes. */
const uint8_t *rtmd_neigh_lladdr(const rtmd_neigh *n);
/* RTMD_NUD_* bits; entries rtmd owns are RTMD_NUD_PERMANENT. */
unsigned rtmd_neigh_state(const rtmd_neigh *n);
/* The kernel's NDA_PROTOCOL of an imported entry, 0: none. */
unsigned rtmd_neigh_protocol(const rtmd_neigh *n);
/* As rtmd_route_protocol_name(); NULL for an entry without a protocol. */
const char *rtmd_neigh_protocol_name(const rtmd_neigh *n);
unsigned rtmd_neigh_origin(const rtmd_neigh *n);
/* RTMD_NEIGH_F_* */
unsigned rtmd_neigh_flags(const rtmd_neigh *n);
/* The entry's slot in rtmd's shared mapping (rtmd_neigh_reader_slot()),
 * RTMD_SLOT_NONE if it did not come with one. */
uint32_t rtmd_neigh_slot(const rtmd_neigh *n);

/* Builders, as for routes. */
int rtmd_neigh_set_ip(rtmd_neigh *n, const struct rtmd_addr *ip);
int rtmd_neigh_set_dev(rtmd_neigh *n, const char *dev);
int rtmd_neigh_set_lladdr(rtmd_neigh *n, const uint8_t lladdr[6]);

/* Visitors of listings and walks: the entry is valid until fn returns;
 * non-zero stops the listing or walk, which returns that value. */
typedef int rtmd_route_visit_fn(void *ctx, const rtmd_route *r);
typedef int rtmd_neigh_visit_fn(void *ctx, const rtmd_neigh *n);

/* ---- text forms ---------------------------------------------------------- */

enum rtmd_format {
	RTMD_FORMAT_TEXT = 0,     /* the line rtctl prints, ip(8)'s words and order:
	                             "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5" */
	RTMD_FORMAT_KEY = 1,      /* only the key, as in a deletion event:
	                             "10.0.0.0/24 proto rtctl metric 5", "192.0.2.7 dev eth0" */
	RTMD_FORMAT_JSON = 2,     /* one JSON object, as rtctl --json (ip -j) */
};
/* As snprintf (see rtmd_addr_format()); no trailing newline.  A route of
 * many next hops is long (some 80 bytes each): if the result is cap or
 * more, format again into that length + 1. */
int rtmd_route_format(const rtmd_route *r, enum rtmd_format how, char *buf, size_t cap);
int rtmd_neigh_format(const rtmd_neigh *n, enum rtmd_format how, char *buf, size_t cap);

/* ---- filters --------------------------------------------------------------
 * What rtmd_client_route_list() and rtmd_client_neigh_list() return, as
 * rtctl list's selectors: every condition set must hold.  A filter can be
 * reused and changed between calls. */
typedef struct rtmd_filter rtmd_filter;

enum rtmd_match {
	RTMD_MATCH_EXACT = 0,     /* the route's dst is the prefix */
	RTMD_MATCH_ROOT = 1,      /* dst is inside the prefix (rtctl list root P) */
	RTMD_MATCH_CONTAINS = 2,  /* dst contains the prefix (rtctl list match P) */
};

rtmd_filter *rtmd_filter_new(void);
void rtmd_filter_free(rtmd_filter *f);
/* Routes: by destination. */
int rtmd_filter_set_prefix(rtmd_filter *f, const struct rtmd_prefix *p, enum rtmd_match how);
/* Both tables: AF_INET or AF_INET6 (0: both). */
int rtmd_filter_set_family(rtmd_filter *f, unsigned family);
/* Both tables: an entry with a next hop on this device (NULL: any). */
int rtmd_filter_set_dev(rtmd_filter *f, const char *dev);
/* Routes: a next hop via this gateway (NULL: any). */
int rtmd_filter_set_gateway(rtmd_filter *f, const struct rtmd_addr *gw);
/* Both tables: this origin (enum rtmd_origin); -1: any. */
int rtmd_filter_set_origin(rtmd_filter *f, int origin);
/* Routes: this type; 0: any. */
int rtmd_filter_set_type(rtmd_filter *f, unsigned type);
/* Neighbours: this link-layer address (NULL: any). */
int rtmd_filter_set_lladdr(rtmd_filter *f, const uint8_t lladdr[6]);
/* Neighbours: any of these RTMD_NUD_* bits (0: any). */
int rtmd_filter_set_state(rtmd_filter *f, unsigned nud);
/* 1 if the entry passes the filter (NULL passes everything), else 0. */
int rtmd_filter_route(const rtmd_filter *f, const rtmd_route *r);
int rtmd_filter_neigh(const rtmd_filter *f, const rtmd_neigh *n);

#ifdef __cplusplus
}
#endif

#endif
