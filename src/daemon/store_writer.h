/* store_writer.h - rtmd's writer engine for the slot files (store.h has
 * the format).  One writer per file, which the state directory lock
 * guarantees; everything here runs on rtmd's event-loop thread. */
#ifndef RTMD_STORE_WRITER_H
#define RTMD_STORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store {
	const struct store_ops *ops;
	char *path;
	struct store_map m;
	uint64_t *used;             /* bitmap: slot holds a live or pending-free entry */
	uint32_t free_hint;         /* no free slot below this */
	uint32_t count;             /* live entries (excludes pending frees) */
	uint32_t nused;             /* set bits in used */
	uint64_t version;           /* next write version */
	uint32_t live[STORE_MAX_INDEX], tombs[STORE_MAX_INDEX];
	/* Old slots of replaced entries, freed only once their replacement is
	 * durable (after the next msync) so that even a power cut leaves one
	 * of the two. */
	uint32_t *pending;
	size_t npending, pending_cap;
	/* The same set as a bitmap (sized on demand), so that asking whether
	 * a slot is live stays O(1) with thousands of frees pending. */
	uint64_t *pend_bits;
	size_t pend_words;
	/* Write-behind (ops->write_behind): the latest image of each slot
	 * written since the last store_flush(), one per slot. */
	uint8_t *stage;             /* stage_n images of slot_size bytes */
	uint8_t *stage_run;         /* as large: a run of them in slot order */
	uint32_t *stage_slot;
	size_t stage_n;
	uint32_t *stage_pos;        /* per slot: 1 + its image's index, or 0 */
	uint32_t stage_pos_n;
	int stage_errno;            /* a flush failed: the next sync reports it */
	/* One dirty byte range of the slot region: one msync call per sync,
	 * because each call costs a device flush; the kernel skips the clean
	 * pages inside the range. */
	size_t dirty_lo, dirty_hi;
	/* A rewrite renamed its new file over the path but could not sync the
	 * directory: the store is the new file, its name is not durable.
	 * Every sync retries first and fails while the directory does. */
	bool dir_unsynced;
	int fail_errno;             /* why the last growth failed */
	bool nospace;               /* it found the disk full (logged once) */
};

/* Open or create (mode 0644) and recover; see arp_store_open().  When the
 * creation fails, st->fail_errno says why (ENOSPC: the disk is full). */
int store_open(struct store *st, const struct store_ops *ops, const char *path,
               uint32_t initial_capacity, uint32_t *dropped, char *err, size_t errlen);
/* Sync (twice, so that deferred frees land too) and release. */
void store_close(struct store *st);

/* Make sure one free slot and room for `inserts` more entries in every
 * index exist, rewriting the file larger (or with fresh indexes) if not.
 * The file's space is allocated when it grows, so a change that fits is
 * never lost to a full disk at sync time; one that needs a growth on a
 * full disk is refused here, before anything changes.  0, or an rt_err
 * code (RT_E_NOSPACE, RT_E_FULL, RT_E_INTERNAL) with the reason logged. */
int store_reserve(struct store *st, unsigned inserts);
/* Lowest free slot; store_reserve() must have succeeded. */
uint32_t store_alloc(struct store *st);
/* Write payload to slot under the seqlock with a fresh version. */
void store_write(struct store *st, uint32_t slot, const uint8_t *payload);
/* The same for entries that need not survive a crash (imported from the
 * kernel, which is their source): through the mapping, outside the dirty
 * range, so that they cost no msync; a crash may leave them stale or torn
 * (recovery drops torn slots; the importer reconciles the rest).  Only for
 * stores that are not written behind. */
void store_write_nosync(struct store *st, uint32_t slot, const uint8_t *payload);
void store_free_nosync(struct store *st, uint32_t slot);
/* Free a slot now (seqlock write of a free payload). */
void store_free_now(struct store *st, uint32_t slot);
/* Delete: free a slot now, with any replaced copies of its key that are
 * still waiting for a sync. */
void store_release(struct store *st, uint32_t slot);
/* Free a replaced slot after the next sync. */
int store_free_later(struct store *st, uint32_t slot);
bool store_slot_live(const struct store *st, uint32_t slot);
/* Writer-side read of its own slot (no concurrent writer: no retries). */
const uint8_t *store_payload(const struct store *st, uint32_t slot);

/* Index maintenance (writer).  Buckets are published with release stores
 * after the slot is written; hash is the key's full 64-bit hash. */
void store_idx_insert(struct store *st, unsigned index, uint64_t hash, uint32_t slot);
/* Point the bucket holding old_slot at new_slot (one atomic store). */
bool store_idx_swap(struct store *st, unsigned index, uint64_t hash, uint32_t old_slot,
                    uint32_t new_slot);
bool store_idx_remove(struct store *st, unsigned index, uint64_t hash, uint32_t slot);

bool store_dirty(const struct store *st);
/* Write-behind stores: write the collected slot images to the file (page
 * cache), which makes them survive a kill -9 of the writer, though not a
 * power cut.  0, or -1 with the file and the error in err.  A no-op for
 * the others, whose writes are in the mapping already. */
int store_flush(struct store *st, char *err, size_t errlen);
/* Flush, msync the dirty slot ranges, then apply deferred frees. */
int store_sync(struct store *st, uint64_t *usec, char *err, size_t errlen);
size_t store_memory(const struct store *st);

#endif
