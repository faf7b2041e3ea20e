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

struct arp_reader {
	char *path;
	struct store_map m;
	uint64_t retries;
	long long next_check;   /* CLOCK_MONOTONIC_COARSE ns */
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
static int refresh(struct arp_reader *r)
{
	bool reopen = store_map_retired(&r->m);

	if (!reopen) {
		long long now = now_ns();
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

/* A key: the payload words it covers (an ARP payload is 6 words; keys
 * live in the first 5) and the mask of the key bytes in each. */
#define KEY_WORDS 5
struct key {
	uint64_t w[KEY_WORDS], mask[KEY_WORDS];
};

static void key_set(struct key *k, const uint8_t bytes[KEY_WORDS * 8],
                    const uint8_t mask[KEY_WORDS * 8])
{
	memcpy(k->w, bytes, sizeof(k->w));
	memcpy(k->mask, mask, sizeof(k->mask));
}

/* 1 and the entry in *e if slot holds the key and a valid entry, else 0.
 * The words are loaded inside the seqlock window and compared after it. */
static int match(struct arp_reader *r, uint32_t slot, const struct key *k, struct rt_neigh *e)
{
	const uint8_t *p = store_slot_addr(&r->m, slot);
	const uint32_t *seq = (const uint32_t *)(const void *)p;
	const uint64_t *wp = (const uint64_t *)(const void *)(p + STORE_SLOT_HEAD);
	uint64_t w[STORE_ARP_PAYLOAD / 8];
	unsigned tries = 0;
	long long deadline = 0;

	for (;;) {
		uint32_t s1 = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
		if (!(s1 & 1)) {
			for (size_t i = 0; i < STORE_ARP_PAYLOAD / 8; i++)
				w[i] = __atomic_load_n(&wp[i], __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(seq, __ATOMIC_RELAXED) == s1)
				break;
		}
		if (!store_slot_wait(&tries, &deadline, &r->retries))
			return 0;       /* torn for good: a writer died in it */
	}
	uint64_t diff = 0;
	for (size_t i = 0; i < KEY_WORDS; i++)
		diff |= (w[i] ^ k->w[i]) & k->mask[i];
	return !diff && store_neigh_decode((const uint8_t *)w, e) == 0;
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

/* Read the candidate slots (already prefetched) and add the matches. */
static size_t take(struct arp_reader *r, const uint32_t *cand, unsigned nc, const struct key *k,
                   struct rt_neigh *out, size_t max, size_t n)
{
	for (unsigned c = 0; c < nc; c++) {
		struct rt_neigh e;
		if (!match(r, cand[c], k, &e) || (n && seen(out, n < max ? n : max, &e)))
			continue;
		if (n < max)
			out[n] = e;
		n++;
	}
	return n;
}

/* Walk index's chain for hash: tags first, then the slots. */
static int lookup(struct arp_reader *r, unsigned index, uint64_t hash, const struct key *k,
                  struct rt_neigh *out, size_t max)
{
	const struct store_map *m = &r->m;
	uint32_t cand[BATCH];
	unsigned nc = 0;
	size_t n = 0;

	if (index >= m->nindex)
		return 0;
	const uint64_t *b = store_buckets(m, index);
	uint32_t mask = m->nbuckets - 1, pos = (uint32_t)hash & mask, cap = m->capacity;
	uint32_t tag = (uint32_t)(hash >> 32);
	for (uint32_t steps = m->nbuckets; steps; steps--, pos = (pos + 1) & mask) {
		uint64_t v = __atomic_load_n(&b[pos], __ATOMIC_ACQUIRE);
		if (v == STORE_IDX_EMPTY)
			break;
		uint32_t slot = (uint32_t)v - 1;
		/* A tombstone or a hostile value fails the bound. */
		if ((uint32_t)(v >> 32) != tag || slot >= cap)
			continue;
		__builtin_prefetch(store_slot_addr(m, slot));
		cand[nc++] = slot;
		if (nc == BATCH) {
			n = take(r, cand, nc, k, out, max, n);
			nc = 0;
		}
	}
	n = take(r, cand, nc, k, out, max, n);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* Key masks: (IP) payload bytes 0..16, (IP, dev) 0..32, MAC 33..38. */
static const uint8_t mask_ip[KEY_WORDS * 8] = { [0 ... STORE_ARP_IPLEN - 1] = 0xff };
static const uint8_t mask_ip_dev[KEY_WORDS * 8] = { [0 ... STORE_ARP_KEYLEN - 1] = 0xff };
static const uint8_t mask_mac[KEY_WORDS * 8] = {
	[STORE_ARP_MAC_OFF ... STORE_ARP_MAC_OFF + 5] = 0xff,
};

int arp_reader_get_ip(struct arp_reader *r, const struct rt_addr *ip, const char *dev,
                      struct rt_neigh *out, size_t max)
{
	uint8_t kb[KEY_WORDS * 8] = { 0 };
	struct key k;
	size_t alen = rt_addr_bytes(ip->family), dlen = 0;

	if (refresh(r) < 0)
		return -1;
	if (!alen || (dev && (dlen = strnlen(dev, RT_IFNAMSIZ)) >= RT_IFNAMSIZ))
		return 0;
	/* The key bytes of the payload: family and address, then the dev. */
	kb[0] = ip->family;
	memcpy(kb + 1, ip->bytes, alen);
	memcpy(kb + STORE_ARP_IPLEN, dev ? dev : "", dlen);
	key_set(&k, kb, dev ? mask_ip_dev : mask_ip);
	/* The IP index hashes payload bytes 0..16: store_hash_ip(ip). */
	return lookup(r, 0, XXH3_64bits(kb, STORE_ARP_IPLEN), &k, out, max);
}

int arp_reader_get_mac(struct arp_reader *r, const uint8_t mac[6], struct rt_neigh *out,
                       size_t max)
{
	uint8_t kb[KEY_WORDS * 8] = { 0 };
	struct key k;

	if (refresh(r) < 0)
		return -1;
	memcpy(kb + STORE_ARP_MAC_OFF, mac, 6);
	key_set(&k, kb, mask_mac);
	return lookup(r, 1, XXH3_64bits(mac, 6), &k, out, max);
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
