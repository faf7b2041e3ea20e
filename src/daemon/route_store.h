/* route_store.h - durable storage of the routes rtmd owns.
 *
 * Routes persist in slot files of the same design as the ARP store (slots
 * with sequence counter and checksum, dirty ranges synced together) but
 * with no in-file index: rtmd rebuilds its route_table from the slots at
 * start.  A slot holds one route, so routes go to one of three files by
 * their number of next hops (at most 1, 16, 256: routes.store,
 * routes16.store, routes256.store); one write counter runs across the
 * files, so that a replace that moves a route to another file is resolved
 * after a crash as one within a file is: the newer copy wins.  A route's
 * tag (the route_table tag) names its file and slot.  Imported routes are
 * not stored.
 */
#ifndef RTMD_ROUTE_STORE_H
#define RTMD_ROUTE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct route_store;

/* The tag of a route that has no slot (an imported one). */
#define ROUTE_STORE_NO_TAG UINT32_MAX

/* Opens or creates DIR/routes.store (and the multipath files that exist);
 * validates and recovers as arp_store_open(), then resolves keys stored in
 * two files.  initial_capacity: slots of a new routes.store. */
int route_store_open(const char *dir, uint32_t initial_capacity, struct route_store **out,
                     uint32_t *dropped, char *err, size_t errlen);
void route_store_close(struct route_store *s);

/* Visit every valid stored route with its tag (used once, at start).
 * Where a crash left two slots with the same key (a replace caught half
 * way), only the newer is visited and the older is freed. */
typedef int (*route_load_fn)(const struct rt_route *r, uint32_t tag, void *ctx);
int route_store_load(struct route_store *s, route_load_fn fn, void *ctx);

/* Write a route (owned, valid) to a free slot of its file, growing or
 * creating the file if needed.  0 or RT_E_INVALID / RT_E_FULL /
 * RT_E_INTERNAL, with nothing changed. */
int route_store_put(struct route_store *s, const struct rt_route *r, uint32_t *tag);
/* Replace the route at tag with r without a window where neither the old
 * nor the new value is recoverable; the route may move (to another file,
 * too): *tag is updated.  The old slot is freed once the new one is
 * durable.  Errors as route_store_put(), with nothing changed. */
int route_store_update(struct route_store *s, uint32_t *tag, const struct rt_route *r);
int route_store_free(struct route_store *s, uint32_t tag);

size_t route_store_count(const struct route_store *s);
size_t route_store_capacity(const struct route_store *s);
/* routes.store's path (status shows it). */
const char *route_store_path(const struct route_store *s);
bool route_store_dirty(const struct route_store *s);
/* Write the changes so far to the files (they then survive a kill -9 of
 * rtmd; route_store_sync makes them survive a power cut). */
int route_store_flush(struct route_store *s, char *err, size_t errlen);
int route_store_sync(struct route_store *s, uint64_t *usec, char *err, size_t errlen);
size_t route_store_memory(const struct route_store *s);

#endif
