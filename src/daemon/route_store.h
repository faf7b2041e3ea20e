/* route_store.h - durable storage of the routing table.
 *
 * Routes persist in a slot file of the same design as the ARP store (slots
 * with sequence counter and checksum, dirty ranges synced together) but
 * with no in-file index: rtmd rebuilds its route_table from the slots at
 * start.  Slot numbers are the route_table tags.
 */
#ifndef RTMD_ROUTE_STORE_H
#define RTMD_ROUTE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct route_store;

/* Opens or creates PATH; validates and recovers as arp_store_open(). */
int route_store_open(const char *path, uint32_t initial_capacity, struct route_store **out,
                     uint32_t *dropped, char *err, size_t errlen);
void route_store_close(struct route_store *s);

/* Visit every valid stored route with its slot (used once, at start).
 * Where a crash left two slots with the same key (a replace caught half
 * way), only the newer is visited and the older is freed. */
typedef int (*route_load_fn)(const struct rt_route *r, uint32_t slot, void *ctx);
int route_store_load(struct route_store *s, route_load_fn fn, void *ctx);

/* Write a route to a free slot (growing the file if needed).  0 or
 * RT_E_FULL / RT_E_INTERNAL. */
int route_store_put(struct route_store *s, const struct rt_route *r, uint32_t *slot);
/* Replace the route in slot with r without a window where neither the old
 * nor the new value is recoverable; the route may move: *slot is updated. */
int route_store_update(struct route_store *s, uint32_t *slot, const struct rt_route *r);
int route_store_free(struct route_store *s, uint32_t slot);

size_t route_store_count(const struct route_store *s);
size_t route_store_capacity(const struct route_store *s);
const char *route_store_path(const struct route_store *s);
bool route_store_dirty(const struct route_store *s);
/* Write the changes so far to the file (they then survive a kill -9 of
 * rtmd; route_store_sync makes them survive a power cut). */
int route_store_flush(struct route_store *s, char *err, size_t errlen);
int route_store_sync(struct route_store *s, uint64_t *usec, char *err, size_t errlen);

#endif
