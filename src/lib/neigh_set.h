/* neigh_set.h - a set of neighbour entries keyed by (dev, ip), in memory.
 *
 * The subscription's copy of the neighbour table (librtmd): insert or
 * overwrite, delete, find and walk, each entry with a 32-bit tag (the
 * resync's mark).  Open addressing with linear probing and backward-shift
 * deletion: no tombstones, 64 bytes an entry at most 3/4 full.
 */
#ifndef RTMD_NEIGH_SET_H
#define RTMD_NEIGH_SET_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct neigh_entry {
	struct rt_neigh n;
	uint32_t slot;              /* in rtmd's mapping, as the event said */
	uint32_t tag;
};

struct neigh_set;

struct neigh_set *neigh_set_new(void);
void neigh_set_free(struct neigh_set *s);
/* Insert e, or overwrite the entry with its key (copied to *old if old is
 * not NULL): 1 if it existed, 0 if new, -1 out of memory (set unchanged). */
int neigh_set_put(struct neigh_set *s, const struct neigh_entry *e, struct neigh_entry *old);
/* Remove the entry with key's (dev, ip): 1 and *old, or 0 if absent. */
int neigh_set_del(struct neigh_set *s, const struct rt_neigh *key, struct neigh_entry *old);
const struct neigh_entry *neigh_set_find(const struct neigh_set *s, const struct rt_neigh *key);
size_t neigh_set_count(const struct neigh_set *s);
/* Visit every entry (in no particular order) until fn returns non-zero,
 * which is returned.  The set must not change during a walk. */
int neigh_set_walk(const struct neigh_set *s, int (*fn)(void *ctx, const struct neigh_entry *e),
                   void *ctx);

#endif
