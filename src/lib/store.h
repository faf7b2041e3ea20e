/* store.h - the slot file shared by the ARP and route stores (internal).
 *
 * A store file is a header page, an array of fixed-size slots and, for the
 * ARP store, two open-addressing hash indexes of tagged slot numbers (by IP
 * and by MAC).  Each slot is a seqlock (odd sequence while written), a
 * CRC-32C of its write version and payload, a 64-bit write version and the
 * payload words.
 * This module owns the layout, the validation of a file opened by anyone,
 * the lock-free slot and index primitives readers use, and the writer engine
 * (slot allocation, dirty ranges, deferred frees, growth by rewrite and
 * rename).  arp_store.c, route_store.c and arp_reader.c add the payload
 * meaning.  doc/STORE.md is the prose form.
 */
#ifndef RTMD_STORE_H
#define RTMD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "addr.h"

#define STORE_MAGIC "RTMDSTOR"
#define STORE_VERSION 2
#define STORE_HDR_SIZE 4096
#define STORE_SLOT_HEAD 16          /* seq u32, crc u32, version u64 */
#define STORE_MAX_INDEX 2
/* Largest capacity: index buckets (2 x capacity, a power of two) must fit
 * in a uint32 with two reserved values. */
#define STORE_MAX_CAPACITY (1u << 30)

enum store_kind { STORE_KIND_ARP = 1, STORE_KIND_ROUTE = 2 };

/* Header flags.  RETIRED is set on a file that has been replaced by a
 * newer one at the same path: readers reopen the path. */
#define STORE_F_RETIRED 0x1u

/* Index buckets are 64 bits: (hash tag << 32) | (slot + 1), the tag being
 * the high half of the key's 64-bit hash (the low bits pick the bucket), so
 * that a probe skips other keys without touching their slots.  0 is empty
 * (a fresh, sparse file needs no initialisation); a low word of all ones is
 * a tombstone. */
#define STORE_IDX_EMPTY 0ull
#define STORE_IDX_TOMB 0xFFFFFFFFull

static inline uint64_t store_bucket(uint64_t hash, uint32_t slot)
{
	return (hash & 0xFFFFFFFF00000000ull) | (slot + 1u);
}

static inline bool store_bucket_tomb(uint64_t v)
{
	return (uint32_t)v == UINT32_MAX;
}

/* CRC-32C (Castagnoli) of n bytes continuing crc (0 to start): SSE4.2 when
 * the CPU has it, a table otherwise (same result). */
uint32_t store_crc32c(uint32_t crc, const void *p, size_t n);
uint32_t store_crc32c_sw(uint32_t crc, const void *p, size_t n);

/* Payloads (little-endian host order, canonical: unused bytes are zero, so
 * that byte equality of the key prefix is key equality).
 *   ARP   (48 bytes): family u8, ip[16], dev[16]   <- key (33 bytes)
 *                     lladdr[6], origin u8, zero padding
 *   route (80 bytes): family u8, dst[16], plen u8, metric u32 <- key (22)
 *                     gw family u8, gw[16], dev[16], origin u8, padding
 * family 0 marks a free slot. */
#define STORE_ARP_PAYLOAD 48
#define STORE_ARP_KEYLEN 33
#define STORE_ARP_IPLEN 17          /* family + address: the IP index key */
#define STORE_ARP_MAC_OFF 33
#define STORE_ROUTE_PAYLOAD 80
#define STORE_ROUTE_KEYLEN 22
#define STORE_PAYLOAD_MAX 80
/* The kernel's values, which the file stores (no <sys/socket.h> here). */
#define STORE_AF_INET 2
#define STORE_AF_INET6 10

void store_neigh_encode(const struct rt_neigh *n, uint8_t out[STORE_ARP_PAYLOAD]);
/* 0, or -1 if the payload is not a valid neighbour (free, or bad fields).
 * Same rules as rt_neigh_check(), without its cost: readers decode on every
 * look-up. */
int store_neigh_decode(const uint8_t in[STORE_ARP_PAYLOAD], struct rt_neigh *n);
/* The same on the payload's six 64-bit words, branch-light, for the
 * reader's look-ups (inline: it runs between two cache misses, where every
 * instruction counts).  Little-endian hosts; others use the byte form. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint8_t store_v16 __attribute__((vector_size(16)));
typedef uint64_t store_v2 __attribute__((vector_size(16)));

/* An interface name in words d0, d1 (bytes 0..7, 8..15): at least one
 * character, NUL-terminated, zero padding, no byte outside 0x21..0x7e or
 * among " / : \, not "." or "..": rt_ifname_check()'s rules, as a few
 * vector compares (SSE2, NEON) instead of a loop of unpredictable length.
 * Everything stays in registers: a load that spans several smaller stores
 * cannot be forwarded and would stall until every older instruction,
 * cache misses included, has retired. */
static inline __attribute__((always_inline)) bool store_dev_ok(uint64_t d0, uint64_t d1)
{
	store_v16 v = (store_v16)(store_v2){ d0, d1 };
	store_v16 z = v == 0;
	store_v2 b = (store_v2)(((v < 0x21) | (v > 0x7e) | (v == '"') | (v == '/') | (v == ':') |
	                         (v == '\\')) & ~z);
	store_v2 zm = (store_v2)z;
	uint64_t z0 = zm[0], z1 = zm[1];
	/* The zero bytes must be a suffix of 1..15 bytes: ~0 << 8n as 128 bits. */
	bool suffix = z0 ? z1 == ~0ull && !(z0 & 0xff) && z0 + (z0 & -z0) == 0
	                 : z1 && z1 + (z1 & -z1) == 0;
	bool dots = (z0 == ~0ull << 8 && (d0 & 0xff) == '.') ||
	            (z0 == ~0ull << 16 && (d0 & 0xffff) == 0x2e2e);
	return !(b[0] | b[1]) & suffix & !dots;
}

/* Payload bytes: family 0, address 1..16, dev 17..32, MAC 33..38,
 * origin 39, zero 40..47.  Writes n from registers only (see above).
 * ip_ok, dev_ok (constants): the caller has proven those fields valid
 * already, e.g. a look-up whose key, checked once, equals them; the
 * checks are then left out. */
static inline __attribute__((always_inline))
int store_neigh_from_words_known(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
                                 uint64_t w5, bool ip_ok, bool dev_ok, struct rt_neigh *n)
{
	uint8_t family = (uint8_t)w0;
	uint64_t d0 = w2 >> 8 | w3 << 56, d1 = w3 >> 8 | w4 << 56, mac = w4 >> 8;
	bool v4 = family == STORE_AF_INET;

	if (w5 || (w4 >> 56) > RT_ORIGIN_MAX ||
	    (!ip_ok && ((!v4 && family != STORE_AF_INET6) ||
	                (v4 && ((w0 >> 40) | w1 | (w2 & 0xff))))) ||
	    (!dev_ok && !store_dev_ok(d0, d1)))
		return -1;
	uint8_t *ip = (uint8_t *)&n->ip;
	memcpy(ip, &w0, 8);                                     /* bytes 0..16 */
	memcpy(ip + 8, &w1, 8);
	ip[16] = (uint8_t)w2;
	memcpy(n->dev, &d0, 8);
	memcpy(n->dev + 8, &d1, 8);
	memcpy(n->lladdr, &mac, 6);
	n->origin = (uint8_t)(w4 >> 56);
	n->protocol = 0;
	n->flags = 0;
	n->state = n->origin <= RT_ORIGIN_CONFIG ? NUD_PERMANENT : 0;
	return 0;
}

static inline __attribute__((always_inline))
int store_neigh_from_words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
                           uint64_t w5, struct rt_neigh *n)
{
	return store_neigh_from_words_known(w0, w1, w2, w3, w4, w5, false, false, n);
}
#endif

void store_route_encode(const struct rt_route *r, uint8_t out[STORE_ROUTE_PAYLOAD]);
int store_route_decode(const uint8_t in[STORE_ROUTE_PAYLOAD], struct rt_route *r);
/* Index hashes of an ARP payload or of the key parts. */
uint64_t store_hash_ip(const struct rt_addr *ip);
uint64_t store_hash_mac(const uint8_t mac[6]);

/* What differs between the store kinds. */
struct store_ops {
	enum store_kind kind;
	const char *what;           /* "arp store", for messages */
	uint32_t slot_size;         /* multiple of 8 */
	uint32_t payload_size;
	uint32_t keylen;            /* key = first keylen payload bytes */
	unsigned nindex;            /* 0 or STORE_MAX_INDEX */
	/* Without indexes nothing follows the slots and nobody but the writer
	 * maps the file, so it grows in place (ftruncate, then the capacity in
	 * the header) instead of being rewritten. */
	bool in_place;
	/* Nobody but the writer reads it while it runs, so slot writes are
	 * collected and written with pwrite (store_flush) instead of through
	 * the mapping: msync then never has to write-protect a mapped page,
	 * which costs a TLB flush per page (and a page fault per page on the
	 * next write). */
	bool write_behind;
	/* Hash of a valid payload for index i. */
	uint64_t (*hash)(const uint8_t *payload, unsigned i);
	/* 0 if a checksummed payload also holds a valid entry. */
	int (*valid)(const uint8_t *payload);
};

extern const struct store_ops store_arp_ops, store_route_ops;

/* A mapped store file; layout values are private copies checked against
 * the mapping length once, never re-read from the (possibly hostile) file. */
struct store_map {
	int fd;
	uint8_t *base;
	size_t len;
	uint32_t capacity;
	uint32_t slot_size, payload_size;
	uint32_t nbuckets;          /* per index; 0 without indexes */
	unsigned nindex;
	uint64_t generation;
	size_t slots_off, index_off[STORE_MAX_INDEX];
	dev_t dev;
	ino_t ino;
};

/* Validate the header of the open file fd (named path) and map it (read
 * only unless writable).  Errors name the file and the fix. */
int store_map_fd(int fd, const char *path, const struct store_ops *ops, bool writable,
                 struct store_map *m, char *err, size_t errlen);
void store_map_release(struct store_map *m);
uint32_t store_map_flags(const struct store_map *m);
/* The header's flags word (offset 68), one acquire load: readers check it
 * on every call. */
static inline bool store_map_retired(const struct store_map *m)
{
	return __atomic_load_n((const uint32_t *)(const void *)(m->base + 68), __ATOMIC_ACQUIRE) &
	       STORE_F_RETIRED;
}

enum store_slot_state {
	STORE_SLOT_FREE = 0,
	STORE_SLOT_USED = 1,
	STORE_SLOT_TORN = 2,        /* odd sequence (writer died or still writing) */
	STORE_SLOT_CORRUPT = 3,     /* checksum or payload invalid */
};

/* Lock-free read of one slot by a process other than the writer: retries
 * while a write is in progress (counted in *retries), then checks the
 * checksum.  payload receives payload_size bytes.  USED means checksummed
 * and not free: the caller's decode validates the fields.  (Look-ups skip
 * the checksum: see arp_reader.c.) */
enum store_slot_state store_slot_read(const struct store_map *m, uint32_t slot,
                                      uint8_t *payload, uint64_t *version,
                                      const struct store_ops *ops, uint64_t *retries);

/* The seqlock of a slot as a reader sees it: wait for an even sequence
 * (spinning, then yielding), giving up after the patience time.  *tries
 * starts at 0 and counts attempts; false: give up (a writer died inside
 * its odd window).  For readers that do their own loads of the words. */
bool store_slot_wait(unsigned *tries, long long *deadline, uint64_t *retries);

static inline const uint8_t *store_slot_addr(const struct store_map *m, uint32_t slot)
{
	return m->base + m->slots_off + (size_t)slot * m->slot_size;
}

static inline const uint64_t *store_buckets(const struct store_map *m, unsigned index)
{
	return (const uint64_t *)(const void *)(m->base + m->index_off[index]);
}

/* Probe one index for hash: returns successive candidate slot numbers
 * (always < capacity) whose bucket tag matches the hash, UINT32_MAX at the
 * end.  Bounded by nbuckets steps. */
struct store_probe {
	uint32_t pos, steps, mask, tag;
	const uint64_t *bucket;
	uint32_t capacity;
};
void store_probe_start(const struct store_map *m, unsigned index, uint64_t hash,
                       struct store_probe *p);
uint32_t store_probe_next(struct store_probe *p);

#endif
