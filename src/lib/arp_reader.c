/* arp_reader.c - lock-free, read-only access to rtmd's ARP store.
 *
 * Everything read from the file is distrusted: the layout is validated
 * once per mapping and copied, slot numbers from the indexes are bounds
 * checked, probes are bounded, and a slot counts only if its seqlock read
 * was stable and its fields are valid.
 *
 * Look-ups are built for throughput with random keys, where every bucket
 * and slot read is a cache (and TLB) miss: the bucket's hash tag rejects
 * other keys without touching their slots, candidate slots are prefetched
 * before any is read, the key is compared in registers straight from the
 * seqlock window, and nothing else (no checksum, no copy of the payload, no
 * system call) stands between the misses, so that the CPU can overlap the
 * misses of consecutive look-ups.  The checksum is for recovery: the
 * seqlock alone guarantees a consistent copy of a slot the writer is
 * changing, and arp_reader_slot() still verifies it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Inline, so that hashing a fixed-length key is a few instructions. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "arp_reader.h"
#include "store.h"

/* How often (at most) a reader stats the path to notice a file replaced
 * by a writer that died before it could mark the old one retired. */
#define RECHECK_NS 1000000000LL
/* When calls come faster than the coarse clock ticks, it is read only
 * every CLOCK_EVERY calls; at lower rates on every call. */
#define CLOCK_EVERY 64

struct arp_reader {
	char *path;
	struct store_map m;
	uint64_t retries;
	uint64_t stuck;         /* slots given up on: half-written for the patience time */
	bool verify;            /* look-ups check each match's checksum too */
	long long next_check;   /* CLOCK_MONOTONIC_COARSE ns */
	long long last_clock;
	unsigned skip;          /* calls left before the clock is read again */
};

static long long now_ns(void)
{
	struct timespec ts;

	/* vDSO: no system call. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int map_path(const char *path, struct store_map *m, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "arp store %s: open: %s%s", path, strerror(e),
		         e == ENOENT ? " (is rtmd running with this state directory?)" : "");
		errno = e;
		return -1;
	}
	if (store_map_fd(fd, path, &store_arp_ops, false, m, err, errlen) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* The mapping keeps the file; no descriptor is held. */
	close(fd);
	m->fd = -1;
	return 0;
}

int arp_reader_open(const char *path, struct arp_reader **out, char *err, size_t errlen)
{
	struct arp_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(path))) {
		free(r);
		snprintf(err, errlen, "arp store %s: out of memory", path);
		errno = ENOMEM;
		return -1;
	}
	if (map_path(path, &r->m, err, errlen) < 0) {
		int e = errno;
		free(r->path);
		free(r);
		errno = e;
		return -1;
	}
	r->next_check = now_ns() + RECHECK_NS;
	*out = r;
	return 0;
}

void arp_reader_close(struct arp_reader *r)
{
	if (!r)
		return;
	store_map_release(&r->m);
	free(r->path);
	free(r);
}

/* Follow the writer to a new file: when the mapped one says it is retired,
 * or (rarely checked) when the path names another file. */
static __attribute__((noinline)) int refresh_slow(struct arp_reader *r, bool reopen)
{
	if (!reopen) {
		long long now = now_ns();
		r->skip = now == r->last_clock ? CLOCK_EVERY - 1 : 0;
		r->last_clock = now;
		if (now < r->next_check)
			return 0;
		r->next_check = now + RECHECK_NS;
		struct stat st;
		if (stat(r->path, &st) < 0)
			return -1;
		reopen = st.st_ino != r->m.ino || st.st_dev != r->m.dev;
	}
	if (!reopen)
		return 0;

	struct store_map nm;
	char err[512];
	if (map_path(r->path, &nm, err, sizeof(err)) < 0)
		return -1;      /* errno: ENOENT gone, EIO corrupt header */
	store_map_release(&r->m);
	r->m = nm;
	return 0;
}

/* The common case inline: one load of the header's flags and a counter.
 * Even the vDSO clock costs more than a look-up's other work between its
 * two cache misses, so it is read every CLOCK_EVERY calls when calls come
 * faster than it ticks.  A burst followed by a pause can so delay the stat
 * by up to CLOCK_EVERY calls: it only covers a writer that died in the
 * middle of replacing the file. */
static inline __attribute__((always_inline)) int refresh(struct arp_reader *r)
{
	bool retired = store_map_retired(&r->m);

	if (!retired && r->skip) {
		r->skip--;
		return 0;
	}
	return refresh_slow(r, retired);
}

/* A key: the payload words it covers (an ARP payload is 6 words; keys
 * live in the first 5), under a mask of the key bytes. */
#define KEY_WORDS 5
#define SLOT_SIZE (STORE_SLOT_HEAD + STORE_ARP_PAYLOAD)   /* 64: one cache line */
union words {
	uint64_t w[KEY_WORDS];
	uint8_t b[KEY_WORDS * 8];
};

enum kind { BY_IP, BY_IP_DEV, BY_MAC };

/* Key masks by kind: payload bytes 0..16, 0..32, 33..38.  Indexed with
 * constants in an inlined look-up, they fold into the code. */
static const union words key_mask[] = {
	[BY_IP] = { .b = { [0 ... STORE_ARP_IPLEN - 1] = 0xff } },
	[BY_IP_DEV] = { .b = { [0 ... STORE_ARP_KEYLEN - 1] = 0xff } },
	[BY_MAC] = { .b = { [STORE_ARP_MAC_OFF ... STORE_ARP_MAC_OFF + 5] = 0xff } },
};

/* One seqlock read of slot p's payload words: false if a write was in
 * progress or happened meanwhile. */
static inline __attribute__((always_inline)) bool read_once(const uint8_t *p,
                                                            uint64_t w[STORE_ARP_PAYLOAD / 8])
{
	const uint32_t *seq = (const uint32_t *)(const void *)p;
	const uint64_t *wp = (const uint64_t *)(const void *)(p + STORE_SLOT_HEAD);
	uint32_t s1 = __atomic_load_n(seq, __ATOMIC_ACQUIRE);

#pragma GCC unroll 6
	for (size_t i = 0; i < STORE_ARP_PAYLOAD / 8; i++)
		w[i] = __atomic_load_n(&wp[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return !(s1 & 1) && __atomic_load_n(seq, __ATOMIC_RELAXED) == s1;
}

/* The slot was being written: retry with the seqlock's patience.  false:
 * torn for good (a writer died in it). */
static __attribute__((noinline)) bool read_retry(struct arp_reader *r, const uint8_t *p,
                                                 uint64_t w[STORE_ARP_PAYLOAD / 8])
{
	unsigned tries = 0;
	long long deadline = 0;

	do {
		if (!store_slot_wait(&tries, &deadline, &r->retries)) {
			r->stuck++;
			return false;
		}
	} while (!read_once(p, w));
	return true;
}

/* arp_reader_set_verify(): the match in slot also passes the checksum
 * (a second, checked read of the slot that must give the same payload). */
static __attribute__((noinline)) bool verified(struct arp_reader *r, uint32_t slot,
                                               const uint64_t w[STORE_ARP_PAYLOAD / 8])
{
	uint8_t payload[STORE_ARP_PAYLOAD];

	switch (store_slot_read(&r->m, slot, payload, NULL, &store_arp_ops, &r->retries)) {
	case STORE_SLOT_USED:
		return memcmp(payload, w, sizeof(payload)) == 0;
	case STORE_SLOT_TORN:
		r->stuck++;
		return false;
	default:
		return false;
	}
}

/* A slot can show up twice in one probe if it was freed and reused for
 * the same key while we walked the chain.  (Decoded entries are canonical:
 * byte equality is key equality.) */
static bool seen(const struct rt_neigh *out, size_t n, const struct rt_neigh *e)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(&out[i].ip, &e->ip, sizeof(e->ip)) == 0 &&
		    memcmp(out[i].dev, e->dev, RT_IFNAMSIZ) == 0)
			return true;
	return false;
}

#define BATCH 8

/* Walk the chain of the kind's index for hash: tags first, prefetching
 * each candidate slot, then the slots, compared with the key straight from
 * the seqlock window and decoded (validated) only on a match.  Inlined per
 * kind, so that the masks are constants and the key stays in registers:
 * nothing between two look-ups' cache misses may wait for them, so that
 * the CPU overlaps the misses of consecutive look-ups. */
static inline __attribute__((always_inline)) int lookup(struct arp_reader *r, enum kind kind,
                                                        uint64_t hash, const uint64_t key[KEY_WORDS],
                                                        struct rt_neigh *out, size_t max)
{
	const struct store_map *m = &r->m;
	unsigned index = kind == BY_MAC;
	uint32_t cand[BATCH];
	size_t n = 0;

	if (index >= m->nindex)
		return 0;
	const uint64_t *b = store_buckets(m, index);
	const uint8_t *slots = store_slot_addr(m, 0);
	uint32_t mask = m->nbuckets - 1, pos = (uint32_t)hash & mask, cap = m->capacity;
	uint32_t tag = (uint32_t)(hash >> 32), steps = m->nbuckets;
	bool more = true;
	while (more) {
		unsigned nc = 0;
		more = false;
		for (; steps; steps--, pos = (pos + 1) & mask) {
			uint64_t v = __atomic_load_n(&b[pos], __ATOMIC_ACQUIRE);
			if (v == STORE_IDX_EMPTY)
				break;
			uint32_t slot = (uint32_t)v - 1;
			/* A tombstone or a hostile value fails the bound. */
			if ((uint32_t)(v >> 32) != tag || slot >= cap)
				continue;
			/* The first candidate is read right after the walk; the
			 * others (a MAC's several IPs) overlap their misses. */
			if (nc)
				__builtin_prefetch(slots + (size_t)slot * SLOT_SIZE);
			cand[nc++] = slot;
			if (nc == BATCH) {
				more = true;
				steps--;
				pos = (pos + 1) & mask;
				break;
			}
		}
		for (unsigned c = 0; c < nc; c++) {
			const uint8_t *p = slots + (size_t)cand[c] * SLOT_SIZE;
			uint64_t w[STORE_ARP_PAYLOAD / 8], diff = 0;
			/* The retry fills a copy: w's address never escapes, so
			 * that the words stay in registers and no wide load has
			 * to wait for narrower stores of them (see above). */
			if (!read_once(p, w)) {
				uint64_t again[STORE_ARP_PAYLOAD / 8];
				if (!read_retry(r, p, again))
					continue;
#pragma GCC unroll 6
				for (size_t i = 0; i < STORE_ARP_PAYLOAD / 8; i++)
					w[i] = again[i];
			}
#pragma GCC unroll 5
			for (size_t i = 0; i < KEY_WORDS; i++)
				diff |= (w[i] ^ key[i]) & key_mask[kind].w[i];
			if (diff || (__builtin_expect(r->verify, 0) && !verified(r, cand[c], w)))
				continue;
			struct rt_neigh tmp, *e = n < max ? &out[n] : &tmp;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* Matched key bytes need no second check: ip_key() and
			 * dev_key() only build valid keys. */
			if (store_neigh_from_words_known(w[0], w[1], w[2], w[3], w[4], w[5],
			                                 kind != BY_MAC, kind == BY_IP_DEV, e) < 0)
#else
			if (store_neigh_decode((const uint8_t *)w, e) < 0)
#endif
				continue;
			if (!(n && seen(out, n < max ? n : max, e)))
				n++;
		}
	}
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* Keys are built in registers from the caller's memory (hashed in place:
 * an rt_addr is the family byte then the address, as in the payload),
 * never staged through byte stores that a wider load would have to wait
 * for.  ip_key() and mac_key() fill the key words and return its hash;
 * ip_key() returns false for a family no entry can have. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* An interface name as key words 2..4 (payload bytes 17..32); false if no
 * valid entry can have it (too long, or a character rt_ifname_check()
 * refuses), so that a matching slot's name needs no check of its own. */
static bool dev_key(const char *dev, uint64_t k[KEY_WORDS])
{
	uint64_t d0 = 0, d1 = 0;
	unsigned i = 0;

	for (; i < RT_IFNAMSIZ && dev[i]; i++) {
		uint64_t c = (uint8_t)dev[i];
		if (i < 8)
			d0 |= c << (8 * i);
		else
			d1 |= c << (8 * (i - 8));
	}
	k[2] = d0 << 8;
	k[3] = d0 >> 56 | d1 << 8;
	k[4] = d1 >> 56;
	return i < RT_IFNAMSIZ && store_dev_ok(d0, d1);
}

/* dk: the dev's words from dev_key() (zero for any dev). */
static inline __attribute__((always_inline)) bool ip_key(const struct rt_addr *ip,
                                                         const uint64_t dk[KEY_WORDS],
                                                         uint64_t k[KEY_WORDS], uint64_t *hash)
{
	const uint8_t *a = (const uint8_t *)ip;
	bool v4 = ip->family == AF_INET;

	if (!v4 && ip->family != AF_INET6)
		return false;
	memcpy(&k[0], a, 8);
	if (v4) {
		k[0] &= 0xffffffffffull;        /* family and 4 address bytes */
		k[1] = 0;
		k[2] = dk[2];
	} else {
		memcpy(&k[1], a + 8, 8);
		k[2] = a[16] | dk[2];
	}
	k[3] = dk[3];
	k[4] = dk[4];
	/* The IP index hashes the family and the address bytes (two calls
	 * with constant lengths: each inlines to its length's few steps). */
	*hash = v4 ? XXH3_64bits(a, 5) : XXH3_64bits(a, STORE_ARP_IPLEN);
	return true;
}

static inline __attribute__((always_inline)) uint64_t mac_key(const uint8_t mac[6],
                                                              uint64_t k[KEY_WORDS])
{
	uint64_t m = 0;

	memcpy(&m, mac, 6);
	k[0] = k[1] = k[2] = k[3] = 0;
	k[4] = m << 8;                          /* payload bytes 33..38 */
	return XXH3_64bits(mac, 6);
}
#else
/* Other byte orders: the key as payload bytes, then as words. */
static bool dev_key(const char *dev, uint64_t k[KEY_WORDS])
{
	union words u = { .w = { 0 } };
	size_t dlen = strnlen(dev, RT_IFNAMSIZ);

	if (dlen >= RT_IFNAMSIZ)
		return false;
	memcpy(u.b + STORE_ARP_IPLEN, dev, dlen);
	memcpy(k, u.w, sizeof(u.w));
	return true;
}

static bool ip_key(const struct rt_addr *ip, const uint64_t dk[KEY_WORDS], uint64_t k[KEY_WORDS],
                   uint64_t *hash)
{
	union words u;
	size_t alen = rt_addr_bytes(ip->family);

	if (!alen)
		return false;
	memcpy(u.w, dk, sizeof(u.w));
	u.b[0] = ip->family;
	memcpy(u.b + 1, ip->bytes, alen);
	*hash = alen == 4 ? XXH3_64bits(u.b, 5) : XXH3_64bits(u.b, STORE_ARP_IPLEN);
	memcpy(k, u.w, sizeof(u.w));
	return true;
}

static uint64_t mac_key(const uint8_t mac[6], uint64_t k[KEY_WORDS])
{
	union words u = { .w = { 0 } };

	memcpy(u.b + STORE_ARP_MAC_OFF, mac, 6);
	memcpy(k, u.w, sizeof(u.w));
	return XXH3_64bits(mac, 6);
}
#endif

static const uint64_t any_dev[KEY_WORDS];

int arp_reader_get_ip(struct arp_reader *r, const struct rt_addr *ip, const char *dev,
                      struct rt_neigh *out, size_t max)
{
	uint64_t k[KEY_WORDS], dk[KEY_WORDS], hash;

	if (refresh(r) < 0)
		return -1;
	if (!dev) {
		if (!ip_key(ip, any_dev, k, &hash))
			return 0;
		return lookup(r, BY_IP, hash, k, out, max);
	}
	if (!dev_key(dev, dk) || !ip_key(ip, dk, k, &hash))
		return 0;
	return lookup(r, BY_IP_DEV, hash, k, out, max);
}

int arp_reader_get_mac(struct arp_reader *r, const uint8_t mac[6], struct rt_neigh *out,
                       size_t max)
{
	uint64_t k[KEY_WORDS];

	if (refresh(r) < 0)
		return -1;
	uint64_t hash = mac_key(mac, k);
	return lookup(r, BY_MAC, hash, k, out, max);
}

/* ---- Batched look-ups ----------------------------------------------------
 *
 * A look-up is two dependent misses (bucket, then slot) and a few hundred
 * instructions; one call at a time leaves the CPU waiting for one miss at
 * a time.  The batch is a software pipeline over the keys, AHEAD keys
 * between its stages, so that about 2 x AHEAD misses are in flight:
 *   A  key i:           build the key, hash it, prefetch its bucket line;
 *   B  key i - AHEAD:   walk its (now cached) buckets a few steps and
 *                       prefetch the slots whose tags match;
 *   C  key i - 2 AHEAD: the single call's lookup(), on cached lines.
 * Stage C is the very code of the single calls (seqlock read, key compare,
 * validation), so a batch answers exactly as n single calls would; A and B
 * only prefetch, computing addresses from the current mapping, and C
 * recomputes everything itself, so a mapping replaced in between costs a
 * wasted prefetch, never a wrong answer.  The file is checked (refresh())
 * once per key, as in single calls. */
#define AHEAD 8
#define RING (2 * AHEAD)        /* C frees an entry before A refills it */
#define WALK 8                  /* buckets stage B looks at */

struct pending {
	uint64_t hash;
	uint64_t key[KEY_WORDS];
	bool ok;                    /* a key that can match */
};

static inline __attribute__((always_inline)) void prefetch_bucket(const struct store_map *m,
                                                                  unsigned index, uint64_t hash)
{
	if (index < m->nindex)
		__builtin_prefetch(store_buckets(m, index) + ((uint32_t)hash & (m->nbuckets - 1)));
}

static inline __attribute__((always_inline)) void prefetch_slots(const struct store_map *m,
                                                                 unsigned index, uint64_t hash)
{
	if (index >= m->nindex)
		return;
	const uint64_t *b = store_buckets(m, index);
	const uint8_t *slots = store_slot_addr(m, 0);
	uint32_t mask = m->nbuckets - 1, pos = (uint32_t)hash & mask, tag = (uint32_t)(hash >> 32);

	for (unsigned s = 0; s < WALK; s++, pos = (pos + 1) & mask) {
		uint64_t v = __atomic_load_n(&b[pos], __ATOMIC_RELAXED);
		uint32_t slot = (uint32_t)v - 1;
		if (v == STORE_IDX_EMPTY)
			break;
		if ((uint32_t)(v >> 32) == tag && slot < m->capacity)
			__builtin_prefetch(slots + (size_t)slot * SLOT_SIZE);
	}
}

/* keys: n rt_addr (BY_IP, BY_IP_DEV, with dk the dev's key words) or n MACs. */
static inline __attribute__((always_inline)) ssize_t
lookup_many(struct arp_reader *r, enum kind kind, const void *keys, const uint64_t dk[KEY_WORDS],
            size_t n, struct rt_neigh *out, int *found)
{
	struct pending ring[RING];
	unsigned index = kind == BY_MAC;
	size_t hits = 0;

	for (size_t i = 0; i < n + 2 * AHEAD; i++) {
		if (refresh(r) < 0)
			return -1;
		if (i >= 2 * AHEAD) {
			size_t j = i - 2 * AHEAD;
			struct pending *p = &ring[j % RING];
			int got = p->ok ? lookup(r, kind, p->hash, p->key, &out[j], 1) : 0;
			if (!got)
				out[j].ip.family = 0;
			if (found)
				found[j] = got;
			hits += got > 0;
		}
		if (i >= AHEAD && i - AHEAD < n) {
			const struct pending *p = &ring[(i - AHEAD) % RING];
			if (p->ok)
				prefetch_slots(&r->m, index, p->hash);
		}
		if (i < n) {
			struct pending *p = &ring[i % RING];
			if (kind == BY_MAC) {
				p->hash = mac_key((const uint8_t *)keys + 6 * i, p->key);
				p->ok = true;
			} else {
				p->ok = ip_key((const struct rt_addr *)keys + i, dk, p->key, &p->hash);
			}
			if (p->ok)
				prefetch_bucket(&r->m, index, p->hash);
		}
	}
	return (ssize_t)hits;
}

ssize_t arp_reader_get_ip_many(struct arp_reader *r, const struct rt_addr *ips, size_t n,
                               const char *dev, struct rt_neigh *out, int *found)
{
	uint64_t dk[KEY_WORDS];

	if (!dev)
		return lookup_many(r, BY_IP, ips, any_dev, n, out, found);
	if (dev_key(dev, dk))
		return lookup_many(r, BY_IP_DEV, ips, dk, n, out, found);
	/* A name no entry can have: nothing matches (but the file is
	 * still checked, as a single call would). */
	if (n && refresh(r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		out[i].ip.family = 0;
		if (found)
			found[i] = 0;
	}
	return 0;
}

ssize_t arp_reader_get_mac_many(struct arp_reader *r, const uint8_t (*macs)[6], size_t n,
                                struct rt_neigh *out, int *found)
{
	return lookup_many(r, BY_MAC, macs, any_dev, n, out, found);
}

int arp_reader_slot(struct arp_reader *r, uint32_t slot, struct rt_neigh *out, uint64_t *version)
{
	uint8_t payload[STORE_ARP_PAYLOAD];

	if (refresh(r) < 0)
		return -1;
	if (slot >= r->m.capacity) {
		errno = ERANGE;
		return -1;
	}
	switch (store_slot_read(&r->m, slot, payload, version, &store_arp_ops, &r->retries)) {
	case STORE_SLOT_FREE:
		return 0;
	case STORE_SLOT_USED:
		if (store_neigh_decode(payload, out) == 0)
			return 1;
		errno = EIO;
		return -1;
	case STORE_SLOT_TORN:
		errno = EAGAIN;         /* a write never finished (writer died) */
		return -1;
	default:
		errno = EIO;
		return -1;
	}
}

uint64_t arp_reader_retries(const struct arp_reader *r)
{
	return r->retries;
}

uint64_t arp_reader_stuck(const struct arp_reader *r)
{
	return r->stuck;
}

void arp_reader_set_verify(struct arp_reader *r, bool on)
{
	r->verify = on;
}

const char *arp_reader_path(const struct arp_reader *r)
{
	return r->path;
}
