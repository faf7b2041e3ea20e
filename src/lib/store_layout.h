/* store_layout.h - the on-disk header and slot addressing of a store file,
 * shared by the format code (store.c) and rtmd's writer engine
 * (store_writer.c).  Internal: nothing outside those two includes it. */
#ifndef RTMD_STORE_LAYOUT_H
#define RTMD_STORE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The on-disk header.  Everything up to hdr_crc is fixed when the file is
 * created and covered by hdr_crc.  flags and extent change afterwards, each
 * with one aligned atomic store, so that a crash leaves the old or the new
 * value and never half of one. */
struct store_hdr {
	char magic[8];
	uint32_t version;
	uint32_t kind;
	uint32_t slot_size;
	uint32_t payload_size;
	uint32_t nbuckets;
	uint32_t nindex;
	uint64_t generation;
	uint64_t slots_off;
	uint64_t index_off[STORE_MAX_INDEX];
	uint32_t hdr_crc;               /* CRC-32C of the bytes above */
	uint32_t flags;                 /* atomic: STORE_F_* */
	/* atomic: capacity | CRC-32C(generation, capacity) << 32.  The check
	 * half catches a corrupt capacity, which the hdr_crc does not cover
	 * because a store without indexes grows in place. */
	uint64_t extent;
};

_Static_assert(offsetof(struct store_hdr, hdr_crc) == 64, "header layout");
_Static_assert(offsetof(struct store_hdr, flags) == 68, "store_map_retired() reads it there");
_Static_assert(offsetof(struct store_hdr, extent) == 72, "header layout");
_Static_assert(sizeof(struct store_hdr) <= STORE_HDR_SIZE, "header fits its page");
_Static_assert(sizeof(struct rt_addr) == 17, "rt_addr is family + 16 bytes");

#define PAGE 4096u

struct slot_ptr {
	uint32_t *seq, *crc;
	uint64_t *version, *words;
};

size_t store_page_up(size_t n);
uint32_t store_buckets_for(uint32_t capacity);
/* Fill the layout fields of m for a file of this capacity. */
void store_layout(const struct store_ops *ops, uint32_t capacity, struct store_map *m);
uint32_t store_hdr_crc(const struct store_hdr *h);
uint64_t store_extent_of(uint64_t generation, uint32_t capacity);
struct store_hdr *store_hdr_of(const struct store_map *m);
struct slot_ptr store_slot_at(const struct store_map *m, uint32_t slot);
uint32_t store_slot_crc(uint64_t version, const uint8_t *payload, size_t n);
bool store_zero(const uint8_t *p, size_t n);
/* What a slot holds, from a stable copy of it.  valid NULL: the fields are
 * left to the caller's decode. */
enum store_slot_state store_classify(uint32_t seq, uint32_t crc, uint64_t ver,
                                     const uint8_t *payload, size_t n,
                                     int (*valid)(const uint8_t *));
uint64_t *store_bucket_array(const struct store_map *m, unsigned index);

#endif
