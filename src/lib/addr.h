/* addr.h - the entry types of both tables and their text forms.
 *
 * Everything a user types or reads (prefixes, addresses, MACs, interface
 * names, whole routes and neighbours) is parsed and printed here, once, for
 * rtmd, rtctl, rtwatch and the tests.  Parsers never accept a value they cannot
 * print back identically (but for the family of "default", ip's word for
 * both families, which a route's text settles), and report why they
 * refused in a caller buffer.
 * doc/DESIGN.md ("The entries") explains the model.
 */
#ifndef RTMD_ADDR_H
#define RTMD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/rtnetlink.h>    /* RTN_*, RT_SCOPE_*, RTPROT_*, RTNH_F_*, NUD_*, NTF_* */

#define RT_IFNAMSIZ 16          /* as the kernel: 15 bytes + NUL */
#define RT_ADDRSTRLEN 46        /* INET6_ADDRSTRLEN */
#define RT_PREFIXSTRLEN (RT_ADDRSTRLEN + 4)
#define RT_MACSTRLEN 18
#define RT_ERRLEN 160

/* Family values are the kernel's AF_INET / AF_INET6; 0 means "absent". */
struct rt_addr {
	uint8_t family;
	uint8_t bytes[16];      /* network order; IPv4 uses the first 4 */
};

struct rt_prefix {
	struct rt_addr addr;
	uint8_t len;
};

/* Who owns an entry.  Only the first two can be changed through rtmd. */
enum rt_origin {
	RT_ORIGIN_RTCTL = 0,    /* owned: added at run time */
	RT_ORIGIN_CONFIG = 1,   /* owned: from rtmd.conf; changed by config reloads */
	RT_ORIGIN_KERNEL = 2,   /* imported from the kernel (protocol says whose) */
	RT_ORIGIN_FPM = 3,      /* imported from FRR's zebra over FPM */
	RT_ORIGIN_MAX = RT_ORIGIN_FPM
};

static inline bool rt_origin_owned(uint8_t origin)
{
	return origin <= RT_ORIGIN_CONFIG;
}

#define RT_NH_MAX 256           /* next hops of one route: FRR's --enable-multipath=256 */
#define RT_WEIGHT_MAX 256       /* as ip(8) prints it: rtnh_hops + 1 */

/* Next-hop flags: the kernel's RTNH_F_* values.  Owned routes may set
 * ONLINK only; the others are what the kernel reports. */
#define RT_NHF_DEAD      RTNH_F_DEAD
#define RT_NHF_ONLINK    RTNH_F_ONLINK
#define RT_NHF_OFFLOAD   RTNH_F_OFFLOAD
#define RT_NHF_LINKDOWN  RTNH_F_LINKDOWN
#define RT_NHF_TRAP      RTNH_F_TRAP
#define RT_NHF_KNOWN     (RT_NHF_DEAD | RT_NHF_ONLINK | RT_NHF_OFFLOAD | RT_NHF_LINKDOWN | RT_NHF_TRAP)

/* 36 bytes without padding: a canonical next hop (address bytes beyond the
 * family and name bytes after the NUL zero) compares with memcmp. */
struct rt_nexthop {
	uint16_t weight;        /* 1..256; a route of one next hop has weight 1 */
	uint8_t flags;          /* RT_NHF_* */
	struct rt_addr gw;      /* family 0: none (a device route); an IPv4 route may
	                           have an IPv6 gateway (the kernel's RTA_VIA) */
	char dev[RT_IFNAMSIZ];  /* "": none */
};

/* Route flags (rtmd's own, never in the kernel or the store). */
#define RT_RF_PENDING    0x01u  /* owned, not (yet) in the kernel; reason says why */
#define RT_RF_KNOWN      RT_RF_PENDING

/* Types are the kernel's RTN_*, scopes RT_SCOPE_*, protocols RTPROT_*
 * (<linux/rtnetlink.h>); the IPv6 route preference is RTA_PREF's value. */
#define RT_PREF_MEDIUM       0
#define RT_PREF_HIGH         1
#define RT_PREF_LOW          3

/* Key discriminators of imported routes (doc/DESIGN.md, "Keys and owners"):
 * the importer in the top bits, the IPv4 tos in the low byte, and for an
 * IPv6 route without a gateway the device's ifindex in between. */
#define RT_DISC_KERNEL        0x80000000u
#define RT_DISC_FPM           0x40000000u
#define RT_DISC_IFINDEX_SHIFT 8
#define RT_DISC_IFINDEX_MAX   0x3fffffu

static inline uint32_t rt_disc_make(uint32_t importer, uint8_t tos, uint32_t ifindex)
{
	return importer | (ifindex & RT_DISC_IFINDEX_MAX) << RT_DISC_IFINDEX_SHIFT | tos;
}

#define RT_REASONLEN 96         /* why a route is pending, NUL-terminated */

/* A route.  About 9 KB because of nh[]: never copy or clear one whole
 * (struct assignment, memset); use rt_route_init(), rt_route_copy() and
 * rt_route_equal().  Only the nh_count first entries of nh[] are
 * meaningful.  A route may be allocated short (rt_route_size()), holding
 * only as many next hops as it needs. */
struct rt_route {
	struct rt_prefix dst;
	uint32_t metric;        /* IPv6: 0 is normalised to 1024, as ip(8) */
	uint32_t disc;          /* key discriminator of imported routes; 0 owned */
	uint8_t type;           /* RTN_*: owned routes unicast, blackhole,
	                           unreachable or prohibit; imported any */
	uint8_t origin;         /* enum rt_origin */
	uint8_t protocol;       /* the kernel's rtm_protocol; for owned entries the
	                           configured kernel-protocol (not stored) */
	uint8_t scope;          /* RT_SCOPE_*, normalised as ip(8) */
	uint8_t tos;            /* IPv4 only, part of the kernel's key; 0 owned */
	uint8_t flags;          /* RT_RF_* */
	uint8_t pref;           /* IPv6 route preference, RT_PREF_*; 0 owned */
	uint16_t nh_count;      /* 0..RT_NH_MAX; 0 for blackhole & co */
	struct rt_addr src;     /* preferred source (prefsrc), family 0: none */
	char reason[RT_REASONLEN]; /* RT_RF_PENDING: the kernel's reason; else "" */
	struct rt_nexthop nh[RT_NH_MAX];
};

/* Bytes of a route holding n next hops (the head and nh[0..n)). */
#define rt_route_size(n) (offsetof(struct rt_route, nh) + (size_t)(n) * sizeof(struct rt_nexthop))

/* Neighbour flags the model keeps: the kernel's NTF_PROXY and NTF_ROUTER;
 * states are its NUD_* bits. */
#define RT_NF_KNOWN      (NTF_PROXY | NTF_ROUTER)
#define RT_NUD_KNOWN     0xffu

struct rt_neigh {
	struct rt_addr ip;
	uint8_t lladdr[6];
	char dev[RT_IFNAMSIZ];  /* required */
	uint8_t origin;         /* enum rt_origin */
	uint8_t protocol;       /* NDA_PROTOCOL, 0: none */
	uint8_t flags;          /* NTF_ROUTER, NTF_PROXY as the kernel reports them */
	uint16_t state;         /* NUD_* bits; owned entries are NUD_PERMANENT */
};

/* Number of significant bytes of an address of this family (4 or 16). */
size_t rt_addr_bytes(uint8_t family);
bool rt_addr_equal(const struct rt_addr *a, const struct rt_addr *b);

/* Parsers: 0 on success, -1 with a reason in err (RT_ERRLEN) otherwise. */
int rt_addr_parse(const char *s, struct rt_addr *out, char *err);
/* Accepts "default" (0.0.0.0/0; a route's parser takes the family from its
 * gateway), "default6", a bare address (host prefix) and ADDR/LEN.  Host
 * bits set beyond LEN are an error, as in ip-route. */
int rt_prefix_parse(const char *s, struct rt_prefix *out, char *err);
int rt_mac_parse(const char *s, uint8_t out[6], char *err);
int rt_ifname_parse(const char *s, char out[RT_IFNAMSIZ], char *err);
int rt_metric_parse(const char *s, uint32_t *out, char *err);

/* Routes.  rt_route_init() makes an empty unicast route of origin rtctl
 * (the head cleared, no next hop, nh[0] cleared).  rt_route_copy() copies
 * the head and the nh_count next hops.  rt_route_equal() compares key and
 * value (next hops in order: the kernel keeps them in the order given, and
 * the order decides which flows take which path), not the pending state
 * (RT_RF_PENDING, reason), which is rtmd's, not the route's. */
void rt_route_init(struct rt_route *r);
void rt_route_copy(struct rt_route *dst, const struct rt_route *src);
bool rt_route_equal(const struct rt_route *a, const struct rt_route *b);
/* A malloc'd copy holding only nh_count next hops (rt_route_size()); NULL
 * on ENOMEM.  Free with free(). */
struct rt_route *rt_route_dup(const struct rt_route *r);
/* ip(8)'s defaults: IPv6 metric 0 -> 1024; weight 0 -> 1 and a single next
 * hop's weight 1; an IPv4 gateway 0.0.0.0 with a dev is no gateway; with
 * default_scope (the route's text did not name a scope), scope link for an
 * IPv4 unicast route whose one next hop has no gateway, else universe; an
 * IPv6 route's scope is always universe, as the kernel reports it.  Next
 * hops keep their order. */
void rt_route_normalise(struct rt_route *r, bool default_scope);
/* The kernel's rules and the encoding's (module comment of addr.c). */
int rt_route_check(const struct rt_route *r, char *err);
/* Key-only check for deletions and look-ups: a valid prefix, known
 * origin, disc 0 for owned routes. */
int rt_route_key_check(const struct rt_route *r, char *err);
int rt_neigh_check(const struct rt_neigh *n, char *err);
/* Owned entries are NUD_PERMANENT. */
void rt_neigh_normalise(struct rt_neigh *n);
bool rt_neigh_equal(const struct rt_neigh *a, const struct rt_neigh *b);
/* Validation of decoded values (wire, store): same rules as the parsers. */
int rt_prefix_check(const struct rt_prefix *p, char *err);
int rt_ifname_check(const char name[RT_IFNAMSIZ], char *err);

/* Printers write a NUL-terminated string and return it. */
char *rt_addr_str(const struct rt_addr *a, char buf[RT_ADDRSTRLEN]);
/* "default" for a zero-length prefix of either family, as ip(8). */
char *rt_prefix_str(const struct rt_prefix *p, char buf[RT_PREFIXSTRLEN]);
char *rt_mac_str(const uint8_t mac[6], char buf[RT_MACSTRLEN]);

/* True if addr lies inside prefix (same family). */
bool rt_prefix_contains(const struct rt_prefix *p, const struct rt_addr *a);

/* Route and neighbour in the text form of ip(8) (`ip route show`, `ip neigh
 * show`), on one single-spaced line, without a trailing newline:
 *   10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 100
 *   blackhole 10.1.0.0/16 proto config
 *   10.2.0.0/16 proto bgp nexthop via 192.0.2.1 dev eth0 weight 1 nexthop ...
 *   192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
 * Returns the length written (truncated to cap like snprintf).  A route's
 * text may be long (RT_NH_MAX next hops); RT_ROUTESTRLEN holds any route of
 * up to 2 next hops. */
#define RT_ROUTESTRLEN 512
#define RT_ROUTESTRMAX 32768    /* any route, RT_NH_MAX next hops and all */
int rt_route_format(const struct rt_route *r, char *buf, size_t cap);
int rt_neigh_format(const struct rt_neigh *n, char *buf, size_t cap);
/* The key, for deletes and errors, in rt_route_format()'s words: "10.0.0.0/24
 * proto rtctl metric 100" ("tos", and "dev" where an imported route's key
 * holds one; no type word, no metric 0). */
int rt_route_key_format(const struct rt_route *r, char *buf, size_t cap);

#endif
