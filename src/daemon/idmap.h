/* idmap.h - a flat map from a nonzero 64-bit key to a fixed-size record.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones, so a table that churns keeps its probe runs short); the
 * table doubles at 3/4 full.  A record is the caller's struct whose first
 * member is its uint64_t key (0 marks an empty slot); records move when
 * the table grows or a key is deleted, so a pointer from idmap_find or
 * idmap_put is good until the next put or del.  For the FPM server's
 * next-hop groups (keyed by zebra's ids) and routes (keyed by a hash).
 */
#ifndef RTMD_IDMAP_H
#define RTMD_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap {
	uint8_t *v;
	size_t esz, cap, count;         /* cap a power of two */
};

/* 0, or -1 (ENOMEM).  cap: a power of two. */
int idmap_init(struct idmap *m, size_t esz, size_t cap);
void idmap_free(struct idmap *m);
/* Empty every slot (free what records own first, walking idmap_at). */
void idmap_clear(struct idmap *m);
void *idmap_find(const struct idmap *m, uint64_t key);
/* key's record, a new zeroed one (key set) if there was none; NULL on
 * ENOMEM. */
void *idmap_put(struct idmap *m, uint64_t key);
/* Remove a record idmap_find or idmap_put returned. */
void idmap_del(struct idmap *m, void *rec);
/* Slot i (0..cap-1) for walks: its record, or NULL if empty.  The map
 * must not change during a walk. */
void *idmap_at(const struct idmap *m, size_t i);

#endif
