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

/* Inline: readers hash on every look-up, recovery on every slot. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "addr.h"

_Static_assert(offsetof(struct rt_addr, bytes) == 1, "rt_addr: the family, then the bytes");

#define STORE_MAGIC "RTMDSTOR"
#define STORE_VERSION 3
#define STORE_HDR_SIZE 4096
#define STORE_SLOT_HEAD 16          /* seq u32, crc u32, version u64 */
#define STORE_MAX_INDEX 2
/* Largest capacity: index buckets (2 x capacity, a power of two) must fit
 * in a uint32 with two reserved values. */
#define STORE_MAX_CAPACITY (1u << 30)

/* The route store is three files of one format: routes of at most 1, 16
 * and 256 next hops (a slot holds one route). */
enum store_kind {
	STORE_KIND_ARP = 1, STORE_KIND_ROUTE = 2, STORE_KIND_ROUTE16 = 3, STORE_KIND_ROUTE256 = 4,
};

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
 * that byte equality of the key prefix is key equality); family 0 marks a
 * free slot.  doc/STORE.md has the same tables.
 *
 * ARP (48 bytes), key = the IP and the dev.  One layout, read three ways:
 * as bytes (the offsets below), as the six 64-bit words the reader loads
 * (byte o is word STORE_W(o) at bit STORE_B(o), little-endian), and as the
 * reader's key words; the asserts tie the three together. */
enum {
	STORE_N_FAMILY = 0,         /* u8 */
	STORE_N_IP = 1,             /* 16: the address, network order */
	STORE_N_DEV = 17,           /* 16: interface name, NUL-padded */
	STORE_N_MAC = 33,           /* 6 */
	STORE_N_ORIGIN = 39,        /* u8: enum rt_origin */
	STORE_N_STATE = 40,         /* u16: NUD_* */
	STORE_N_PROTOCOL = 42,      /* u8 */
	STORE_N_FLAGS = 43,         /* u8: NTF_ROUTER, NTF_PROXY */
	STORE_N_ZERO = 44,          /* 4 zero bytes */
	STORE_ARP_PAYLOAD = 48,
	STORE_ARP_KEYLEN = STORE_N_MAC,     /* family, IP, dev */
	STORE_ARP_IPLEN = STORE_N_DEV,      /* family + address: the IP index key */
	STORE_ARP_MAC_OFF = STORE_N_MAC,
};
#define STORE_W(o) ((o) / 8)
#define STORE_B(o) (8 * ((o) % 8))

/* The words the inline decoder below takes each field from (the shifts
 * are written out there for speed, so the layout must not move under
 * them). */
_Static_assert(STORE_W(STORE_N_DEV) == 2 && STORE_B(STORE_N_DEV) == 8, "dev: words 2..4 at bit 8");
_Static_assert(STORE_W(STORE_N_MAC) == 4 && STORE_B(STORE_N_MAC) == 8, "mac: word 4 at bit 8");
_Static_assert(STORE_W(STORE_N_ORIGIN) == 4 && STORE_B(STORE_N_ORIGIN) == 56, "origin: word 4 top");
_Static_assert(STORE_W(STORE_N_STATE) == 5 && STORE_B(STORE_N_STATE) == 0 &&
               STORE_B(STORE_N_PROTOCOL) == 16 && STORE_B(STORE_N_FLAGS) == 24 &&
               STORE_B(STORE_N_ZERO) == 32, "state, protocol, flags: word 5");
_Static_assert(STORE_N_IP == 1 && STORE_ARP_IPLEN == 17,
               "a payload starts as an rt_addr: family, then the address");

/* Route payloads (only routes rtmd owns are stored), key = bytes 0..21:
 * family, dst[16], plen, metric u32; then type, protocol, scope, tos,
 * flags (bit 0: origin config), the next-hop count (unicast: count - 1,
 * blackhole & co: 0), the source (family + 16), then the next hops of
 * 35 bytes: gateway (family + 16), dev[16], weight - 1, flags. */
enum {
	STORE_R_FAMILY = 0, STORE_R_DST = 1, STORE_R_PLEN = 17, STORE_R_METRIC = 18,
	STORE_ROUTE_KEYLEN = 22,
	STORE_R_TYPE = 22, STORE_R_PROTOCOL = 23, STORE_R_SCOPE = 24, STORE_R_TOS = 25,
	STORE_R_FLAGS = 26, STORE_R_NH_COUNT = 27, STORE_R_SRC = 28, STORE_R_NH = 45,
	STORE_NH_GW = 0, STORE_NH_DEV = 17, STORE_NH_WEIGHT = 33, STORE_NH_FLAGS = 34,
	STORE_NH_SIZE = 35,
};
#define STORE_RF_CONFIG 0x01u
#define STORE_ROUTE_PAYLOAD_FOR(n) (((STORE_R_NH + (n) * STORE_NH_SIZE) + 7) & ~7u)
#define STORE_ROUTE_PAYLOAD STORE_ROUTE_PAYLOAD_FOR(1)          /* 80 */
#define STORE_ROUTE16_PAYLOAD STORE_ROUTE_PAYLOAD_FOR(16)       /* 608 */
#define STORE_ROUTE256_PAYLOAD STORE_ROUTE_PAYLOAD_FOR(256)     /* 9008 */
#define STORE_PAYLOAD_MAX STORE_ROUTE256_PAYLOAD
_Static_assert(STORE_ROUTE_PAYLOAD == 80, "a route of one next hop fits 80 bytes");
/* The kernel's values, which the file stores (no <sys/socket.h> here). */
#define STORE_AF_INET 2
#define STORE_AF_INET6 10

/* The index hashes, one definition for the writer, recovery and readers:
 * the IP index hashes the family byte and that family's address bytes
 * (5 or 17 bytes; short IPv4 keys hash in a fraction of the time, and
 * readers hash on every look-up), which start both a payload and a struct
 * rt_addr; the MAC index the 6 MAC bytes. */
static inline __attribute__((always_inline)) uint64_t store_hash_ip_bytes(const uint8_t *p)
{
	return p[0] == STORE_AF_INET ? XXH3_64bits(p, 1 + 4) : XXH3_64bits(p, STORE_ARP_IPLEN);
}

static inline __attribute__((always_inline)) uint64_t store_hash_ip(const struct rt_addr *ip)
{
	return store_hash_ip_bytes((const uint8_t *)ip);
}

static inline __attribute__((always_inline)) uint64_t store_hash_mac(const uint8_t mac[6])
{
	return XXH3_64bits(mac, 6);
}

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

/* The payload words, decoded as the byte layout above says (see the
 * asserts there) and validated as rt_neigh_check() would.  Writes n from
 * registers only (see above).  ip_ok, dev_ok (constants): the caller has
 * proven those fields valid already, e.g. a look-up whose key, checked
 * once, equals them; the checks are then left out. */
static inline __attribute__((always_inline))
int store_neigh_from_words_known(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
                                 uint64_t w5, bool ip_ok, bool dev_ok, struct rt_neigh *n)
{
	uint8_t family = (uint8_t)w0, origin = (uint8_t)(w4 >> 56), flags = (uint8_t)(w5 >> 24);
	uint64_t d0 = w2 >> 8 | w3 << 56, d1 = w3 >> 8 | w4 << 56, mac = w4 >> 8;
	uint16_t state = (uint16_t)w5;
	bool v4 = family == STORE_AF_INET, owned = origin <= RT_ORIGIN_CONFIG;

	/* zero tail, state bits, flags; an owned entry is permanent, flagless */
	if ((w5 >> 32) | (state & ~RT_NUD_KNOWN) | (flags & ~RT_NF_KNOWN) || origin > RT_ORIGIN_MAX ||
	    (owned && ((state != NUD_PERMANENT && state != 0) || flags)) ||
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
	n->origin = origin;
	n->protocol = (uint8_t)(w5 >> 16);
	n->flags = flags;
	n->state = state;
	return 0;
}

static inline __attribute__((always_inline))
int store_neigh_from_words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
                           uint64_t w5, struct rt_neigh *n)
{
	return store_neigh_from_words_known(w0, w1, w2, w3, w4, w5, false, false, n);
}
#endif

/* A route in the payload of size n (STORE_ROUTE*_PAYLOAD): its next hops
 * must fit.  Decode: 0, or -1 if the payload is not a valid route rtmd owns
 * (rt_route_check()), with the padding zero. */
void store_route_encode(const struct rt_route *r, uint8_t *out, size_t n);
int store_route_decode(const uint8_t *in, size_t n, struct rt_route *r);
/* The route file (0, 1, 2) for a route of nh_count next hops. */
static inline unsigned store_route_class(unsigned nh_count)
{
	return nh_count <= 1 ? 0 : nh_count <= 16 ? 1 : 2;
}

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

extern const struct store_ops store_arp_ops;
/* By route file (store_route_class()). */
extern const struct store_ops store_route_ops[3];

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

/* The write version of a slot as the mapping holds it (slot head: seq u32,
 * crc u32, version u64). */
static inline uint64_t store_slot_version(const struct store_map *m, uint32_t slot)
{
	uint64_t v;

	memcpy(&v, store_slot_addr(m, slot) + 8, sizeof(v));
	return v;
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
