/* store.c - slot file layout, validation, seqlock and index primitives, and
 * the writer engine shared by the ARP and route stores.  See store.h and
 * doc/STORE.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>
#include <zlib.h>

#include "log.h"
#include "proto.h"
#include "store.h"

/* The on-disk header.  Everything but flags and hdr_crc is fixed when the
 * file is created; hdr_crc covers it. */
struct store_hdr {
	char magic[8];
	uint32_t version;
	uint32_t kind;
	uint32_t slot_size;
	uint32_t payload_size;
	uint32_t capacity;
	uint32_t nbuckets;
	uint32_t nindex;
	uint32_t hdr_crc;
	uint64_t generation;
	uint64_t file_size;
	uint64_t slots_off;
	uint64_t index_off[STORE_MAX_INDEX];
	uint32_t flags;                 /* atomic: STORE_F_* */
	uint32_t reserved;
};

_Static_assert(sizeof(struct store_hdr) <= STORE_HDR_SIZE, "header fits its page");
_Static_assert(sizeof(struct rt_addr) == 17, "rt_addr is family + 16 bytes");

#define PAGE 4096u
#define READ_SPINS 64
/* How long a reader waits for a slot to become stable.  Long enough to
 * outlast a writer preempted inside its (few-store) odd window on a busy
 * machine; short, because a writer killed in that window leaves the slot
 * odd until rtmd restarts and recovers it. */
#define READ_PATIENCE_NS 50000000LL

static size_t page_up(size_t n)
{
	return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

/* ---- Payload encodings ------------------------------------------------- */

static void put_addr(uint8_t *out, const struct rt_addr *a)
{
	size_t n = rt_addr_bytes(a->family);

	out[0] = n ? a->family : 0;
	memcpy(out + 1, a->bytes, n);
}

static void put_dev(uint8_t *out, const char *dev)
{
	memcpy(out, dev, strnlen(dev, RT_IFNAMSIZ - 1));
}

/* Copy a stored interface name; -1 unless it is NUL-terminated with zero
 * padding (the canonical form byte-compared as a key). */
static int get_dev(const uint8_t *in, char *dev)
{
	size_t n = strnlen((const char *)in, RT_IFNAMSIZ);

	if (n >= RT_IFNAMSIZ)
		return -1;
	for (size_t i = n; i < RT_IFNAMSIZ; i++)
		if (in[i])
			return -1;
	memcpy(dev, in, RT_IFNAMSIZ);
	return 0;
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

void store_neigh_encode(const struct rt_neigh *n, uint8_t out[STORE_ARP_PAYLOAD])
{
	memset(out, 0, STORE_ARP_PAYLOAD);
	put_addr(out, &n->ip);
	put_dev(out + 17, n->dev);
	memcpy(out + 33, n->lladdr, 6);
	out[39] = n->origin;
}

int store_neigh_decode(const uint8_t in[STORE_ARP_PAYLOAD], struct rt_neigh *n)
{
	char err[RT_ERRLEN];

	memset(n, 0, sizeof(*n));
	if (!in[0] || !zero(in + 40, STORE_ARP_PAYLOAD - 40))
		return -1;
	n->ip.family = in[0];
	memcpy(n->ip.bytes, in + 1, 16);
	if (get_dev(in + 17, n->dev) < 0)
		return -1;
	memcpy(n->lladdr, in + 33, 6);
	n->origin = in[39];
	return rt_neigh_check(n, err) < 0 ? -1 : 0;
}

void store_route_encode(const struct rt_route *r, uint8_t out[STORE_ROUTE_PAYLOAD])
{
	memset(out, 0, STORE_ROUTE_PAYLOAD);
	put_addr(out, &r->dst.addr);
	out[17] = r->dst.len;
	memcpy(out + 18, &r->metric, 4);
	put_addr(out + 22, &r->gw);
	put_dev(out + 39, r->dev);
	out[55] = r->origin;
}

int store_route_decode(const uint8_t in[STORE_ROUTE_PAYLOAD], struct rt_route *r)
{
	char err[RT_ERRLEN];

	memset(r, 0, sizeof(*r));
	if (!in[0] || !zero(in + 56, STORE_ROUTE_PAYLOAD - 56))
		return -1;
	r->dst.addr.family = in[0];
	memcpy(r->dst.addr.bytes, in + 1, 16);
	r->dst.len = in[17];
	memcpy(&r->metric, in + 18, 4);
	r->gw.family = in[22];
	memcpy(r->gw.bytes, in + 23, 16);
	if (get_dev(in + 39, r->dev) < 0)
		return -1;
	r->origin = in[55];
	return rt_route_check(r, err) < 0 ? -1 : 0;
}

uint64_t store_hash_ip(const struct rt_addr *ip)
{
	uint8_t key[STORE_ARP_IPLEN] = { 0 };

	put_addr(key, ip);
	return XXH3_64bits(key, sizeof(key));
}

uint64_t store_hash_mac(const uint8_t mac[6])
{
	return XXH3_64bits(mac, 6);
}

/* The IP index hashes the payload's first 17 bytes (family + address),
 * which is exactly what store_hash_ip() hashes for a canonical address. */
static uint64_t arp_hash(const uint8_t *payload, unsigned i)
{
	return i == 0 ? XXH3_64bits(payload, STORE_ARP_IPLEN)
	              : XXH3_64bits(payload + STORE_ARP_MAC_OFF, 6);
}

static int arp_valid(const uint8_t *payload)
{
	struct rt_neigh n;

	return store_neigh_decode(payload, &n);
}

static int route_valid(const uint8_t *payload)
{
	struct rt_route r;

	return store_route_decode(payload, &r);
}

const struct store_ops store_arp_ops = {
	.kind = STORE_KIND_ARP,
	.what = "arp store",
	.slot_size = STORE_SLOT_HEAD + STORE_ARP_PAYLOAD,
	.payload_size = STORE_ARP_PAYLOAD,
	.keylen = STORE_ARP_KEYLEN,
	.nindex = 2,
	.hash = arp_hash,
	.valid = arp_valid,
};

const struct store_ops store_route_ops = {
	.kind = STORE_KIND_ROUTE,
	.what = "route store",
	.slot_size = STORE_SLOT_HEAD + STORE_ROUTE_PAYLOAD,
	.payload_size = STORE_ROUTE_PAYLOAD,
	.keylen = STORE_ROUTE_KEYLEN,
	.nindex = 0,
	.hash = NULL,
	.valid = route_valid,
};

/* ---- Layout and validation --------------------------------------------- */

static uint32_t buckets_for(uint32_t capacity)
{
	uint32_t n = 64;

	while (n < 2 * (uint64_t)capacity)
		n *= 2;
	return n;
}

/* Fill the layout fields of m for a file of this capacity. */
static void layout(const struct store_ops *ops, uint32_t capacity, struct store_map *m)
{
	m->capacity = capacity;
	m->slot_size = ops->slot_size;
	m->payload_size = ops->payload_size;
	m->nindex = ops->nindex;
	m->nbuckets = ops->nindex ? buckets_for(capacity) : 0;
	m->slots_off = STORE_HDR_SIZE;
	size_t off = m->slots_off + page_up((size_t)capacity * ops->slot_size);
	for (unsigned i = 0; i < STORE_MAX_INDEX; i++) {
		m->index_off[i] = i < ops->nindex ? off : 0;
		if (i < ops->nindex)
			off += page_up((size_t)m->nbuckets * sizeof(uint32_t));
	}
	m->len = off;
}

static uint32_t hdr_crc(const struct store_hdr *h)
{
	struct store_hdr c = *h;

	c.hdr_crc = 0;
	c.flags = 0;
	return (uint32_t)crc32(0, (const Bytef *)&c, sizeof(c));
}

static struct store_hdr *hdr_of(const struct store_map *m)
{
	return (struct store_hdr *)m->base;
}

/* A header validation failure: message naming the file, the problem and
 * the fix; errno EIO. */
#define BAD(...) do { \
	int n_ = snprintf(err, errlen, "%s %s: ", ops->what, path); \
	if (n_ > 0 && (size_t)n_ < errlen) \
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__); \
	size_t l_ = strlen(err); \
	if (l_ < errlen) \
		snprintf(err + l_, errlen - l_, "; %s", fix); \
	errno = EIO; \
	return -1; \
} while (0)

int store_map_fd(int fd, const char *path, const struct store_ops *ops, bool writable,
                 struct store_map *m, char *err, size_t errlen)
{
	const char *fix = writable ? "move it away to start with an empty table (it is left untouched)"
	                           : "check the path (it should be the file rtmd writes)";
	struct store_hdr h;
	struct stat st;
	struct store_map want;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s %s: fstat: %s", ops->what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		BAD("not a regular file");
	if (st.st_size < STORE_HDR_SIZE)
		BAD("truncated to %lld bytes (a store has at least a %d-byte header)",
		    (long long)st.st_size, STORE_HDR_SIZE);
	ssize_t r = pread(fd, &h, sizeof(h), 0);
	if (r != (ssize_t)sizeof(h)) {
		snprintf(err, errlen, "%s %s: cannot read the header: %s", ops->what, path,
		         r < 0 ? strerror(errno) : "short read");
		errno = EIO;
		return -1;
	}
	if (memcmp(h.magic, STORE_MAGIC, 8) != 0)
		BAD("bad magic (not an rtmd store?)");
	if (h.version != STORE_VERSION)
		BAD("format version %" PRIu32 ", this program reads version %d", h.version,
		    STORE_VERSION);
	if (h.kind != (uint32_t)ops->kind)
		BAD("holds a %s, not a %s",
		    h.kind == STORE_KIND_ARP ? "arp store" :
		    h.kind == STORE_KIND_ROUTE ? "route store" : "store of unknown kind", ops->what);
	if (h.slot_size != ops->slot_size || h.payload_size != ops->payload_size)
		BAD("entry size %" PRIu32 ", expected %" PRIu32, h.slot_size, ops->slot_size);
	if (h.hdr_crc != hdr_crc(&h))
		BAD("header checksum mismatch (corrupt header)");
	if (h.capacity == 0 || h.capacity > STORE_MAX_CAPACITY)
		BAD("capacity %" PRIu32 " out of range (corrupt header)", h.capacity);
	layout(ops, h.capacity, &want);
	if (h.nindex != want.nindex || h.nbuckets != want.nbuckets ||
	    h.slots_off != want.slots_off || h.index_off[0] != want.index_off[0] ||
	    h.index_off[1] != want.index_off[1] || h.file_size != want.len)
		BAD("inconsistent layout (corrupt header)");
	if ((uint64_t)st.st_size != h.file_size)
		BAD("size %" PRIu64 " in the header does not match the file length %lld "
		    "(truncated or extended)", h.file_size, (long long)st.st_size);

	void *base = mmap(NULL, want.len, writable ? PROT_READ | PROT_WRITE : PROT_READ,
	                  MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		int e = errno;
		snprintf(err, errlen, "%s %s: mmap of %zu bytes: %s", ops->what, path, want.len,
		         strerror(e));
		errno = e;
		return -1;
	}
	*m = want;
	m->fd = fd;
	m->base = base;
	m->generation = h.generation;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return 0;
}

void store_map_release(struct store_map *m)
{
	if (m->base)
		munmap(m->base, m->len);
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->fd = -1;
}

uint32_t store_map_flags(const struct store_map *m)
{
	return __atomic_load_n(&hdr_of(m)->flags, __ATOMIC_ACQUIRE);
}

bool store_map_retired(const struct store_map *m)
{
	return (store_map_flags(m) & STORE_F_RETIRED) != 0;
}

/* ---- Slots ------------------------------------------------------------- */

struct slot_ptr {
	uint32_t *seq, *crc;
	uint64_t *version, *words;
};

static struct slot_ptr slot_at(const struct store_map *m, uint32_t slot)
{
	uint8_t *p = m->base + m->slots_off + (size_t)slot * m->slot_size;
	struct slot_ptr sp = {
		.seq = (uint32_t *)(void *)p,
		.crc = (uint32_t *)(void *)(p + 4),
		.version = (uint64_t *)(void *)(p + 8),
		.words = (uint64_t *)(void *)(p + STORE_SLOT_HEAD),
	};
	return sp;
}

static uint32_t slot_crc(uint64_t version, const uint8_t *payload, size_t n)
{
	uLong c = crc32(0, Z_NULL, 0);

	c = crc32(c, (const Bytef *)&version, sizeof(version));
	return (uint32_t)crc32(c, payload, (uInt)n);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);    /* vDSO */
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Seqlock read (Boehm's pattern: acquire load of the sequence, relaxed
 * loads of the data, acquire fence, relaxed re-load of the sequence).
 * wait false is for recovery, where nobody else writes. */
static enum store_slot_state slot_snapshot(const struct store_map *m, uint32_t slot,
                                           uint8_t *payload, uint64_t *version,
                                           int (*valid)(const uint8_t *), bool wait,
                                           uint64_t *retries)
{
	struct slot_ptr sp = slot_at(m, slot);
	uint64_t w[STORE_PAYLOAD_MAX / 8];
	size_t nw = m->payload_size / 8;
	uint32_t s1, s2, crc = 0;
	uint64_t ver = 0;
	long long deadline = 0;

	for (unsigned tries = 0;; tries++) {
		if (tries) {
			if (!wait)
				return STORE_SLOT_TORN;
			if (retries)
				(*retries)++;
			if (tries % READ_SPINS) {
				cpu_relax();
			} else {
				long long now = mono_ns();
				if (!deadline)
					deadline = now + READ_PATIENCE_NS;
				else if (now > deadline)
					return STORE_SLOT_TORN;
				sched_yield();
			}
		}
		s1 = __atomic_load_n(sp.seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		crc = __atomic_load_n(sp.crc, __ATOMIC_RELAXED);
		ver = __atomic_load_n(sp.version, __ATOMIC_RELAXED);
		for (size_t i = 0; i < nw; i++)
			w[i] = __atomic_load_n(&sp.words[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(sp.seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			break;
	}
	memcpy(payload, w, m->payload_size);
	if (version)
		*version = ver;
	if (s1 == 0 && crc == 0 && ver == 0 && zero(payload, m->payload_size))
		return STORE_SLOT_FREE;         /* never written */
	if (crc != slot_crc(ver, payload, m->payload_size))
		return STORE_SLOT_CORRUPT;
	if (!payload[0])
		return zero(payload, m->payload_size) ? STORE_SLOT_FREE : STORE_SLOT_CORRUPT;
	/* Readers decode (and so validate) only the entries they want. */
	return !valid || valid(payload) == 0 ? STORE_SLOT_USED : STORE_SLOT_CORRUPT;
}

enum store_slot_state store_slot_read(const struct store_map *m, uint32_t slot,
                                      uint8_t *payload, uint64_t *version,
                                      const struct store_ops *ops, uint64_t *retries)
{
	if (slot >= m->capacity) {
		memset(payload, 0, m->payload_size);
		return STORE_SLOT_CORRUPT;
	}
	return slot_snapshot(m, slot, payload, version, NULL, true, retries);
}

/* Single-writer seqlock write: odd sequence, release fence, data, even
 * sequence with release. */
static void slot_put(const struct store_map *m, uint32_t slot, const uint8_t *payload,
                     uint64_t version)
{
	struct slot_ptr sp = slot_at(m, slot);
	uint64_t w[STORE_PAYLOAD_MAX / 8];
	size_t nw = m->payload_size / 8;
	uint32_t s = __atomic_load_n(sp.seq, __ATOMIC_RELAXED);
	uint32_t crc = slot_crc(version, payload, m->payload_size);

	/* Everything is computed before the odd window, to keep it short. */
	memcpy(w, payload, m->payload_size);
	s |= 1;         /* a torn slot left by a crash becomes odd, then even */
	__atomic_store_n(sp.seq, s, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(sp.crc, crc, __ATOMIC_RELAXED);
	__atomic_store_n(sp.version, version, __ATOMIC_RELAXED);
	for (size_t i = 0; i < nw; i++)
		__atomic_store_n(&sp.words[i], w[i], __ATOMIC_RELAXED);
	__atomic_store_n(sp.seq, s + 1, __ATOMIC_RELEASE);
}

/* ---- Index probing ----------------------------------------------------- */

static uint32_t *bucket_array(const struct store_map *m, unsigned index)
{
	return (uint32_t *)(void *)(m->base + m->index_off[index]);
}

void store_probe_start(const struct store_map *m, unsigned index, uint64_t hash,
                       struct store_probe *p)
{
	memset(p, 0, sizeof(*p));
	if (index >= m->nindex || !m->nbuckets)
		return;
	p->mask = m->nbuckets - 1;
	p->pos = (uint32_t)hash & p->mask;
	p->steps = m->nbuckets;
	p->bucket = bucket_array(m, index);
	p->capacity = m->capacity;
}

uint32_t store_probe_next(struct store_probe *p)
{
	while (p->steps) {
		uint32_t v = __atomic_load_n(&p->bucket[p->pos], __ATOMIC_ACQUIRE);
		p->pos = (p->pos + 1) & p->mask;
		p->steps--;
		if (v == STORE_IDX_EMPTY)
			break;
		if (v == STORE_IDX_TOMB || v - 1 >= p->capacity)
			continue;       /* a hostile value is skipped, never followed */
		return v - 1;
	}
	p->steps = 0;
	return UINT32_MAX;
}

/* ---- Writer ------------------------------------------------------------ */

static bool bit_get(const uint64_t *b, uint32_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *b, uint32_t i)
{
	b[i / 64] |= (uint64_t)1 << (i % 64);
}

static void bit_clear(uint64_t *b, uint32_t i)
{
	b[i / 64] &= ~((uint64_t)1 << (i % 64));
}

static size_t bitmap_words(uint32_t capacity)
{
	return ((size_t)capacity + 63) / 64;
}

static void mark_dirty(struct store *st, uint32_t slot)
{
	size_t lo = st->m.slots_off + (size_t)slot * st->m.slot_size;
	size_t hi = lo + st->m.slot_size;

	if (st->dirty_hi == 0) {
		st->dirty_lo = lo;
		st->dirty_hi = hi;
		return;
	}
	if (lo < st->dirty_lo)
		st->dirty_lo = lo;
	if (hi > st->dirty_hi)
		st->dirty_hi = hi;
}

static void write_slot(struct store *st, uint32_t slot, const uint8_t *payload)
{
	slot_put(&st->m, slot, payload, st->version++);
	mark_dirty(st, slot);
}

static void write_free(struct store *st, uint32_t slot)
{
	uint8_t z[STORE_PAYLOAD_MAX] = { 0 };

	write_slot(st, slot, z);
}

/* Make a rename durable: fsync the directory that holds path. */
static int sync_dir(const char *path, char *err, size_t errlen)
{
	char *dir = strdup(path);

	if (!dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char *slash = strrchr(dir, '/');
	const char *d = ".";
	if (slash == dir)
		d = "/";
	else if (slash) {
		*slash = 0;
		d = dir;
	}
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;
	if (fd < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "fsync of directory %s: %s", d, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static void idx_insert_raw(const struct store_map *m, unsigned index, uint64_t hash,
                           uint32_t slot, uint32_t *tombs_reused)
{
	uint32_t *b = bucket_array(m, index);
	uint32_t mask = m->nbuckets - 1, pos = (uint32_t)hash & mask;

	for (uint32_t n = 0; n < m->nbuckets; n++, pos = (pos + 1) & mask) {
		uint32_t v = b[pos];
		if (v == STORE_IDX_EMPTY || v == STORE_IDX_TOMB) {
			if (v == STORE_IDX_TOMB && tombs_reused)
				(*tombs_reused)++;
			__atomic_store_n(&b[pos], slot + 1, __ATOMIC_RELEASE);
			return;
		}
	}
	/* Unreachable: store_reserve() keeps the load under 3/4. */
	abort();
}

/* Write a new file of capacity cap holding the live slots (same slot
 * numbers, fresh indexes), fsync it, rename it over the path and retire the
 * old file.  Used to create, to grow and to rebuild indexes. */
static int rewrite(struct store *st, uint32_t cap, char *err, size_t errlen)
{
	const struct store_ops *ops = st->ops;
	struct store_map nm;
	uint64_t *used = NULL;
	char *tmp = NULL;
	int fd = -1;

	layout(ops, cap, &nm);
	nm.fd = -1;
	nm.base = NULL;
	if (asprintf(&tmp, "%s.new", st->path) < 0) {
		tmp = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	used = calloc(bitmap_words(cap), sizeof(uint64_t));
	if (!used) {
		snprintf(err, errlen, "out of memory for %" PRIu32 " slots", cap);
		goto fail;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: create: %s; check the state directory", ops->what,
		         tmp, strerror(errno));
		goto fail;
	}
	/* Readers are other users: do not let the daemon's umask hide it. */
	if (fchmod(fd, 0644) < 0 || ftruncate(fd, (off_t)nm.len) < 0) {
		snprintf(err, errlen, "%s %s: size to %zu bytes: %s", ops->what, tmp, nm.len,
		         strerror(errno));
		goto fail;
	}
	nm.base = mmap(NULL, nm.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (nm.base == MAP_FAILED) {
		nm.base = NULL;
		snprintf(err, errlen, "%s %s: mmap of %zu bytes: %s", ops->what, tmp, nm.len,
		         strerror(errno));
		goto fail;
	}
	nm.fd = fd;
	fd = -1;

	struct store_hdr *h = hdr_of(&nm);
	memcpy(h->magic, STORE_MAGIC, 8);
	h->version = STORE_VERSION;
	h->kind = ops->kind;
	h->slot_size = nm.slot_size;
	h->payload_size = nm.payload_size;
	h->capacity = cap;
	h->nbuckets = nm.nbuckets;
	h->nindex = nm.nindex;
	h->generation = nm.generation = st->m.base ? st->m.generation + 1 : 1;
	h->file_size = nm.len;
	h->slots_off = nm.slots_off;
	for (unsigned i = 0; i < STORE_MAX_INDEX; i++)
		h->index_off[i] = nm.index_off[i];
	h->hdr_crc = hdr_crc(h);

	uint32_t nused = 0;
	if (st->m.base) {
		memcpy(used, st->used, bitmap_words(st->m.capacity) * sizeof(uint64_t));
		for (size_t i = 0; i < st->npending; i++)
			bit_clear(used, st->pending[i]);
		for (uint32_t s = 0; s < st->m.capacity; s++) {
			if (!bit_get(used, s))
				continue;
			memcpy(nm.base + nm.slots_off + (size_t)s * nm.slot_size,
			       st->m.base + st->m.slots_off + (size_t)s * st->m.slot_size, nm.slot_size);
			for (unsigned i = 0; i < ops->nindex; i++)
				idx_insert_raw(&nm, i, ops->hash(store_payload(st, s), i), s, NULL);
			nused++;
		}
	}
	if (fsync(nm.fd) < 0) {
		snprintf(err, errlen, "%s %s: fsync: %s", ops->what, tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, st->path) < 0) {
		snprintf(err, errlen, "%s: rename %s to %s: %s", ops->what, tmp, st->path,
		         strerror(errno));
		goto fail;
	}
	free(tmp);
	tmp = NULL;
	if (sync_dir(st->path, err, errlen) < 0)
		log_warn("%s %s: %s", ops->what, st->path, err);

	struct stat sb;
	if (fstat(nm.fd, &sb) == 0) {
		nm.dev = sb.st_dev;
		nm.ino = sb.st_ino;
	}
	if (st->m.base) {
		/* Readers of the old file see this on their next call and reopen. */
		__atomic_fetch_or(&hdr_of(&st->m)->flags, STORE_F_RETIRED, __ATOMIC_RELEASE);
		store_map_release(&st->m);
	}
	free(st->used);
	st->m = nm;
	st->used = used;
	st->nused = nused;
	st->count = nused;
	st->npending = 0;
	st->free_hint = 0;
	st->dirty_lo = st->dirty_hi = 0;
	for (unsigned i = 0; i < STORE_MAX_INDEX; i++) {
		st->live[i] = i < ops->nindex ? nused : 0;
		st->tombs[i] = 0;
	}
	return 0;

fail:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	store_map_release(&nm);
	if (fd >= 0)
		close(fd);
	free(used);
	return -1;
}

/* True if every index holds each live slot exactly once, reachable from
 * its hash, and nothing else; counts live buckets and tombstones. */
static bool index_consistent(struct store *st)
{
	const struct store_map *m = &st->m;

	for (unsigned i = 0; i < m->nindex; i++) {
		const uint32_t *b = bucket_array(m, i);
		uint32_t live = 0, tombs = 0;
		for (uint32_t k = 0; k < m->nbuckets; k++) {
			uint32_t v = b[k];
			if (v == STORE_IDX_EMPTY)
				continue;
			if (v == STORE_IDX_TOMB) {
				tombs++;
				continue;
			}
			if (v - 1 >= m->capacity || !bit_get(st->used, v - 1))
				return false;
			live++;
		}
		if (live != st->nused || (uint64_t)(live + tombs) * 4 > (uint64_t)m->nbuckets * 3)
			return false;
		for (uint32_t s = 0; s < m->capacity; s++) {
			if (!bit_get(st->used, s))
				continue;
			struct store_probe p;
			uint32_t got;
			store_probe_start(m, i, st->ops->hash(store_payload(st, s), i), &p);
			while ((got = store_probe_next(&p)) != UINT32_MAX && got != s)
				;
			if (got != s)
				return false;
		}
		st->live[i] = live;
		st->tombs[i] = tombs;
	}
	return true;
}

/* Validate every slot: torn or corrupt ones are freed and counted; of two
 * slots with the same key (a crash between writing a replacement and
 * freeing the original) the higher version wins. */
static int recover(struct store *st, uint32_t *dropped, char *err, size_t errlen)
{
	const struct store_map *m = &st->m;
	uint32_t cap = m->capacity, nb = buckets_for(cap), dups = 0, bad = 0;
	uint8_t *state = malloc(cap);
	uint32_t *keys = calloc(nb, sizeof(uint32_t));
	uint8_t payload[STORE_PAYLOAD_MAX];
	uint64_t maxver = 0, ver;

	if (!state || !keys) {
		free(state);
		free(keys);
		snprintf(err, errlen, "%s %s: out of memory for recovery", st->ops->what, st->path);
		return -1;
	}
	for (uint32_t s = 0; s < cap; s++) {
		state[s] = (uint8_t)slot_snapshot(m, s, payload, &ver, st->ops->valid, false, NULL);
		if (state[s] != STORE_SLOT_TORN && ver > maxver)
			maxver = ver;
	}
	st->version = maxver + 1;
	for (uint32_t s = 0; s < cap; s++) {
		if (state[s] == STORE_SLOT_TORN || state[s] == STORE_SLOT_CORRUPT) {
			write_free(st, s);
			bad++;
			continue;
		}
		if (state[s] != STORE_SLOT_USED)
			continue;
		const uint8_t *p = store_payload(st, s);
		uint32_t mask = nb - 1, pos = (uint32_t)XXH3_64bits(p, st->ops->keylen) & mask;
		uint32_t keep = s;
		for (;; pos = (pos + 1) & mask) {
			uint32_t v = keys[pos];
			if (v == 0) {
				keys[pos] = s + 1;
				break;
			}
			const uint8_t *q = store_payload(st, v - 1);
			if (memcmp(p, q, st->ops->keylen) != 0)
				continue;
			uint32_t other = v - 1;
			bool newer = *slot_at(m, s).version > *slot_at(m, other).version;
			uint32_t loser = newer ? other : s;
			keep = newer ? s : other;
			keys[pos] = keep + 1;
			write_free(st, loser);
			if (loser != s) {
				bit_clear(st->used, loser);
				st->nused--;
			}
			dups++;
			break;
		}
		if (keep == s) {
			bit_set(st->used, s);
			st->nused++;
		}
	}
	st->count = st->nused;
	free(state);
	free(keys);
	if (bad || dups)
		log_notice("%s %s: recovery dropped %" PRIu32 " torn or corrupt slot(s) and "
		           "resolved %" PRIu32 " duplicate key(s)", st->ops->what, st->path, bad, dups);
	if (dropped)
		*dropped = bad;
	return 0;
}

int store_open(struct store *st, const struct store_ops *ops, const char *path,
               uint32_t initial_capacity, uint32_t *dropped, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->ops = ops;
	st->m.fd = -1;
	if (dropped)
		*dropped = 0;
	st->path = strdup(path);
	if (!st->path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		uint32_t cap = initial_capacity ? initial_capacity : 64;
		if (cap > STORE_MAX_CAPACITY)
			cap = STORE_MAX_CAPACITY;
		st->version = 1;
		if (rewrite(st, cap, err, errlen) < 0)
			goto fail;
		return 0;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: open: %s; check the state directory and its "
		         "permissions", ops->what, path, strerror(errno));
		goto fail;
	}
	if (store_map_fd(fd, path, ops, true, &st->m, err, errlen) < 0) {
		close(fd);
		goto fail;
	}
	st->used = calloc(bitmap_words(st->m.capacity), sizeof(uint64_t));
	if (!st->used) {
		snprintf(err, errlen, "%s %s: out of memory", ops->what, path);
		goto fail;
	}
	if (recover(st, dropped, err, errlen) < 0)
		goto fail;
	if (ops->nindex && !index_consistent(st)) {
		/* The indexes are not made durable; after a crash they are
		 * rebuilt into a fresh file so that readers never see a
		 * half-built index. */
		log_info("%s %s: rebuilding the look-up indexes", ops->what, path);
		if (store_sync(st, NULL, err, errlen) < 0 ||
		    rewrite(st, st->m.capacity, err, errlen) < 0)
			goto fail;
	}
	if (store_sync(st, NULL, err, errlen) < 0)
		goto fail;
	return 0;

fail:
	store_map_release(&st->m);
	free(st->used);
	free(st->path);
	st->used = NULL;
	st->path = NULL;
	return -1;
}

void store_close(struct store *st)
{
	char err[RT_ERRLEN + 256];

	if (!st->path)
		return;
	/* Twice: the first sync makes replacements durable and then frees the
	 * slots they replaced; the second makes those frees durable. */
	for (int i = 0; i < 2; i++)
		if (store_sync(st, NULL, err, sizeof(err)) < 0)
			log_err("%s", err);
	store_map_release(&st->m);
	free(st->used);
	free(st->pending);
	free(st->path);
	memset(st, 0, sizeof(*st));
	st->m.fd = -1;
}

int store_reserve(struct store *st, unsigned inserts)
{
	char err[RT_ERRLEN + 256];
	bool full = st->nused >= st->m.capacity, crowded = false;

	if (full && st->npending) {
		/* Slots held only until their replacements are durable. */
		if (store_sync(st, NULL, err, sizeof(err)) < 0) {
			log_err("%s", err);
			return RT_E_INTERNAL;
		}
		full = st->nused >= st->m.capacity;
	}
	for (unsigned i = 0; i < st->ops->nindex; i++)
		if ((uint64_t)(st->live[i] + st->tombs[i] + inserts) * 4 > (uint64_t)st->m.nbuckets * 3)
			crowded = true;
	if (!full && !crowded)
		return 0;

	uint32_t cap = st->m.capacity;
	if (full || (uint64_t)st->count * 4 >= (uint64_t)cap * 3) {
		if (cap >= STORE_MAX_CAPACITY) {
			log_err("%s %s: full at the maximum capacity of %" PRIu32 " entries",
			        st->ops->what, st->path, cap);
			return RT_E_FULL;
		}
		cap = cap > STORE_MAX_CAPACITY / 2 ? STORE_MAX_CAPACITY : cap * 2;
	}
	/* No msync of the old file first: the new one is written whole and
	 * fsynced before it replaces the old, and deferred frees are simply
	 * not copied. */
	if (rewrite(st, cap, err, sizeof(err)) < 0) {
		log_err("%s; the table stays at %" PRIu32 " entries", err, st->m.capacity);
		return RT_E_FULL;
	}
	log_info("%s %s: now %" PRIu32 " slots (generation %" PRIu64 ")", st->ops->what,
	         st->path, st->m.capacity, st->m.generation);
	return 0;
}

uint32_t store_alloc(struct store *st)
{
	size_t nw = bitmap_words(st->m.capacity);

	for (size_t w = st->free_hint / 64; w < nw; w++) {
		if (st->used[w] == UINT64_MAX)
			continue;
		uint32_t s = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(~st->used[w]));
		if (s >= st->m.capacity)
			break;
		bit_set(st->used, s);
		st->nused++;
		st->free_hint = s + 1;
		return s;
	}
	abort();        /* store_reserve() guarantees a free slot */
}

void store_write(struct store *st, uint32_t slot, const uint8_t *payload)
{
	write_slot(st, slot, payload);
}

void store_free_now(struct store *st, uint32_t slot)
{
	write_free(st, slot);
	if (bit_get(st->used, slot)) {
		bit_clear(st->used, slot);
		st->nused--;
	}
	if (slot < st->free_hint)
		st->free_hint = slot;
}

void store_release(struct store *st, uint32_t slot)
{
	uint8_t key[STORE_PAYLOAD_MAX];

	/* Older copies of this key still waiting for a sync go in the same
	 * sync as this free; otherwise a power cut after the delete was
	 * acknowledged could bring the pre-replace value back. */
	memcpy(key, store_payload(st, slot), st->ops->keylen);
	for (size_t i = 0; i < st->npending;) {
		if (memcmp(store_payload(st, st->pending[i]), key, st->ops->keylen) == 0) {
			store_free_now(st, st->pending[i]);
			st->pending[i] = st->pending[--st->npending];
		} else {
			i++;
		}
	}
	store_free_now(st, slot);
}

int store_free_later(struct store *st, uint32_t slot)
{
	if (st->npending == st->pending_cap) {
		size_t ncap = st->pending_cap ? st->pending_cap * 2 : 64;
		uint32_t *p = realloc(st->pending, ncap * sizeof(*p));
		if (!p) {
			/* Fall back to freeing now: still safe against kill -9. */
			store_free_now(st, slot);
			return 0;
		}
		st->pending = p;
		st->pending_cap = ncap;
	}
	st->pending[st->npending++] = slot;
	return 0;
}

bool store_slot_live(const struct store *st, uint32_t slot)
{
	if (slot >= st->m.capacity || !bit_get(st->used, slot))
		return false;
	for (size_t i = 0; i < st->npending; i++)
		if (st->pending[i] == slot)
			return false;
	return true;
}

const uint8_t *store_payload(const struct store *st, uint32_t slot)
{
	return (const uint8_t *)slot_at(&st->m, slot).words;
}

void store_idx_insert(struct store *st, unsigned index, uint64_t hash, uint32_t slot)
{
	uint32_t reused = 0;

	idx_insert_raw(&st->m, index, hash, slot, &reused);
	st->tombs[index] -= reused;
	st->live[index]++;
}

static uint32_t idx_find(const struct store_map *m, unsigned index, uint64_t hash, uint32_t slot)
{
	const uint32_t *b = bucket_array(m, index);
	uint32_t mask = m->nbuckets - 1, pos = (uint32_t)hash & mask;

	for (uint32_t n = 0; n < m->nbuckets; n++, pos = (pos + 1) & mask) {
		if (b[pos] == STORE_IDX_EMPTY)
			break;
		if (b[pos] == slot + 1)
			return pos;
	}
	return UINT32_MAX;
}

bool store_idx_swap(struct store *st, unsigned index, uint64_t hash, uint32_t old_slot,
                    uint32_t new_slot)
{
	uint32_t pos = idx_find(&st->m, index, hash, old_slot);

	if (pos == UINT32_MAX)
		return false;
	__atomic_store_n(&bucket_array(&st->m, index)[pos], new_slot + 1, __ATOMIC_RELEASE);
	return true;
}

bool store_idx_remove(struct store *st, unsigned index, uint64_t hash, uint32_t slot)
{
	uint32_t *b = bucket_array(&st->m, index);
	uint32_t mask = st->m.nbuckets - 1, pos = idx_find(&st->m, index, hash, slot);

	if (pos == UINT32_MAX)
		return false;
	st->live[index]--;
	if (b[(pos + 1) & mask] != STORE_IDX_EMPTY) {
		__atomic_store_n(&b[pos], STORE_IDX_TOMB, __ATOMIC_RELEASE);
		st->tombs[index]++;
		return true;
	}
	/* The end of a chain: empty it, and the tombstones just before it,
	 * which no probe needs to cross any more. */
	__atomic_store_n(&b[pos], STORE_IDX_EMPTY, __ATOMIC_RELEASE);
	for (pos = (pos - 1) & mask; b[pos] == STORE_IDX_TOMB; pos = (pos - 1) & mask) {
		__atomic_store_n(&b[pos], STORE_IDX_EMPTY, __ATOMIC_RELEASE);
		st->tombs[index]--;
	}
	return true;
}

bool store_dirty(const struct store *st)
{
	return st->dirty_hi != 0 || st->npending != 0;
}

int store_sync(struct store *st, uint64_t *usec, char *err, size_t errlen)
{
	uint64_t spent = 0;

	if (st->dirty_hi) {
		size_t lo = st->dirty_lo & ~(size_t)(PAGE - 1), hi = page_up(st->dirty_hi);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (msync(st->m.base + lo, hi - lo, MS_SYNC) < 0) {
			snprintf(err, errlen, "%s %s: msync of %zu bytes: %s; changes may not be "
			         "durable", st->ops->what, st->path, hi - lo, strerror(errno));
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000u +
		        (uint64_t)((t1.tv_nsec - t0.tv_nsec) / 1000);
		st->dirty_lo = st->dirty_hi = 0;
	}
	/* The replacements are durable now: their originals may go. */
	for (size_t i = 0; i < st->npending; i++)
		store_free_now(st, st->pending[i]);
	st->npending = 0;
	if (usec)
		*usec = spent;
	return 0;
}

size_t store_memory(const struct store *st)
{
	return sizeof(*st) + bitmap_words(st->m.capacity) * sizeof(uint64_t) +
	       st->pending_cap * sizeof(uint32_t) + (st->path ? strlen(st->path) + 1 : 0);
}
