/* entries.h - the entries tests and benchmarks build: routes and
 * neighbours from their text parts (unit tests), and numbered host routes
 * (stress tests, benchmarks), so that no test grows its own generator.
 * Text a test gets wrong is a bug in the test: it aborts, saying which. */
#ifndef RTMD_TEST_ENTRIES_H
#define RTMD_TEST_ENTRIES_H

#include <stdint.h>

#include "addr.h"

/* A unicast route to dst of one next hop via gw and/or dev (both NULL: no
 * next hop, a key for deletes and look-ups), weight 1, with this metric
 * and origin; nothing normalised (rt_route_normalise() is the caller's). */
struct rt_route test_route(const char *dst, const char *gw, const char *dev, uint32_t metric,
                           uint8_t origin);
/* Append a next hop (gw and/or dev may be NULL) of this weight. */
void test_route_nh(struct rt_route *r, const char *gw, const char *dev, uint16_t weight);
/* A neighbour of this origin, PERMANENT if owned, else REACHABLE; a NULL
 * part stays zero (a key for look-ups: without ip, no state). */
struct rt_neigh test_neigh(const char *ip, const char *mac, const char *dev, uint8_t origin);

/* Route number i of a set: the IPv4 host route base + i (base an address
 * in host byte order, 0x0a000000 for 10.0.0.0), via 192.0.2.gw (0: none)
 * and/or dev (NULL: none; both none: no next hop), this metric, owned by
 * rtctl. */
void test_route_host(struct rt_route *r, uint32_t base, uint32_t i, uint8_t gw, const char *dev,
                     uint32_t metric);

#endif
