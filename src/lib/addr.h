/* addr.h - the entry types of both tables and their text forms.
 *
 * Everything a user types or reads (prefixes, addresses, MACs, interface
 * names, whole routes and neighbours) is parsed and printed here, once, for
 * rtmd, rtctl, rtwatch and the tests.  Parsers never accept a value they cannot
 * print back identically, and report why they refused in a caller buffer.
 */
#ifndef RTMD_ADDR_H
#define RTMD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

enum rt_origin {
	RT_ORIGIN_RTCTL = 0,    /* added at run time */
	RT_ORIGIN_CONFIG = 1,   /* from rtmd.conf; owned by config reloads */
};

struct rt_route {
	struct rt_prefix dst;
	struct rt_addr gw;      /* family 0: no gateway */
	char dev[RT_IFNAMSIZ];  /* "": no interface */
	uint32_t metric;
	uint8_t origin;
};

struct rt_neigh {
	struct rt_addr ip;
	uint8_t lladdr[6];
	char dev[RT_IFNAMSIZ];
	uint8_t origin;
};

/* Number of significant bytes of an address of this family (4 or 16). */
size_t rt_addr_bytes(uint8_t family);
bool rt_addr_equal(const struct rt_addr *a, const struct rt_addr *b);

/* Parsers: 0 on success, -1 with a reason in err (RT_ERRLEN) otherwise. */
int rt_addr_parse(const char *s, struct rt_addr *out, char *err);
/* Accepts "default" (0.0.0.0/0), "default6", a bare address (host prefix)
 * and ADDR/LEN.  Host bits set beyond LEN are an error, as in ip-route. */
int rt_prefix_parse(const char *s, struct rt_prefix *out, char *err);
int rt_mac_parse(const char *s, uint8_t out[6], char *err);
int rt_ifname_parse(const char *s, char out[RT_IFNAMSIZ], char *err);
int rt_metric_parse(const char *s, uint32_t *out, char *err);

/* Validation of decoded values (wire, store): same rules as the parsers. */
int rt_prefix_check(const struct rt_prefix *p, char *err);
int rt_route_check(const struct rt_route *r, char *err);
int rt_neigh_check(const struct rt_neigh *n, char *err);
int rt_ifname_check(const char name[RT_IFNAMSIZ], char *err);

/* Printers write a NUL-terminated string and return it. */
char *rt_addr_str(const struct rt_addr *a, char buf[RT_ADDRSTRLEN]);
char *rt_prefix_str(const struct rt_prefix *p, char buf[RT_PREFIXSTRLEN]);
char *rt_mac_str(const uint8_t mac[6], char buf[RT_MACSTRLEN]);

/* True if addr lies inside prefix (same family). */
bool rt_prefix_contains(const struct rt_prefix *p, const struct rt_addr *a);

/* Route and neighbour in the text form of ip(8), without a trailing newline:
 *   10.0.0.0/24 via 192.0.2.1 dev eth0 metric 100 [proto config]
 *   192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 [proto config]
 * Returns the length written (truncated to cap like snprintf). */
#define RT_ROUTESTRLEN 160
int rt_route_format(const struct rt_route *r, char *buf, size_t cap);
int rt_neigh_format(const struct rt_neigh *n, char *buf, size_t cap);
/* Key-only form for deletions: "10.0.0.0/24 metric 100" */
int rt_route_key_format(const struct rt_route *r, char *buf, size_t cap);

#endif
