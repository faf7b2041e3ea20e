/* route_table.c - path-compressed binary (Patricia) tries, one per family.
 *
 * Layout, chosen for memory and cache behaviour at a million routes:
 *  - Nodes live in a growable array and refer to each other by uint32
 *    index, so a node is 20 bytes for IPv4 (child[2], route list, length,
 *    key word) and 32 for IPv6.  A node exists for every prefix that has
 *    routes and for every branching point, and for nothing else.
 *  - The routes of one prefix form a list sorted by key, (metric, disc);
 *    the first that is not pending is what a longest-prefix match returns
 *    (the winner), and a bit of the node's list word says whether there is
 *    one, so a look-up's walk needs no route record to decide.  A route
 *    record is 16 bytes: the prefix is the node's, and everything else (type,
 *    origin, protocol, scope, tos, flags, disc, source, next hops) is one
 *    attribute set, interned with reference counts in a small hash table,
 *    since a host's million routes share few of them.
 *  - Once a family holds enough routes, a direct-indexed table of 2^16
 *    entries (keyed by the top 16 address bits) gives the node at which a
 *    look-up continues and the best match found above it, so a look-up
 *    skips the dense top of the trie, which is also where misses are
 *    cheapest to avoid.  It is kept exact on every change by refilling only
 *    the entries below the node that changed.
 *  - Every array grows by doubling; everything a change needs is reserved
 *    before the change starts, so an allocation failure leaves the table as
 *    it was.  Freed nodes and records go on free lists and are reused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <xxhash.h>

#include "addr.h"
#include "errors.h"
#include "fault.h"
#include "route_table.h"

#define NIL UINT32_MAX

/* Node words: two children, head of the route list, prefix length, key
 * (host-order 32-bit words, most significant first, bits beyond the length
 * zero). */
enum { N_C0, N_C1, N_RT, N_LEN, N_KEY };

/* Direct table: below DIR_MIN_ROUTES routes a family does without it. */
#define DIR_BITS 16
#define DIR_MIN_ROUTES 256

/* A route record's attribute word: the attribute set's index, and the
 * route's pending state, so that the list scans for the winner read no
 * attribute set. */
#define RR_PEND 0x80000000u
#define ATTR_MASK 0x7fffffffu
/* A node's list word: the head route's index, with NOWIN set when none of
 * its routes wins (all pending); NIL (no routes) has it set too, so
 * "x[N_RT] < NOWIN" is "the node matches". */
#define NOWIN 0x80000000u

struct pool {
	unsigned char *base;
	uint32_t esz;        /* element size, a multiple of 4 */
	uint32_t cap;        /* elements allocated */
	uint32_t used;       /* high-water mark */
	uint32_t free_head;  /* free list threaded through word 0 */
	uint32_t nfree;
	uint32_t limit;      /* indexes stay below this */
};

struct rrec {
	uint32_t next;       /* next route of the same prefix, higher key */
	uint32_t metric;
	uint32_t tag;
	uint32_t nh;         /* attribute set's index | RR_PEND */
};

/* IPv4 only: the routes of one /16 block flattened into n intervals of
 * the low 16 address bits, each with what a look-up there returns: prefix
 * length, metric and next-hop word of the winning route (next hop NIL:
 * nothing inside the block matches).  A look-up is then a branch-free
 * binary search in one or two cache lines plus one more line, instead of
 * a walk down the trie with a dependent miss at every node and another on
 * the route record.  One allocation of 11 * cap bytes, cap = n rounded up
 * to 4: pos[cap] (uint16_t, ascending, pos[0] = 0), len[cap] (uint8_t),
 * then (metric, nh) pairs (uint32_t), so a hit reads one more line.
 * The best match above the block is copied into the entry for the same
 * reason. */
struct dent {
	uint32_t blk;        /* IPv4: byte offset in the block arena, 0: none */
	uint32_t best_metric;
	uint32_t best_nh;    /* NIL: no match above the block */
	uint16_t nm1;        /* intervals in blk, minus one */
	uint8_t best_len;
	uint8_t dense;       /* too many intervals for a block: the trie serves it */
};

/* A block is patched by rewriting it, so its size bounds the cost of every
 * change in its /16.  Past this many intervals (dense host routes: 65,536
 * /32s with differing next hops made each insert O(n)), the /16 drops its
 * block and look-ups there walk the trie until the /16 empties. */
#define BLK_MAX_IV 1024

/* An interval while a block is (re)built. */
struct iv {
	uint32_t metric;
	uint32_t nh;
	uint16_t pos;
	uint8_t len;
};

/* What a look-up found. */
struct hit {
	uint32_t len, metric, nh;
};

struct fam {
	uint8_t af;
	uint32_t kw;         /* key words: 1 or 4 */
	uint32_t width;      /* 32 or 128 */
	uint32_t root;
	struct pool nodes;
	struct pool routes;
	size_t count;
	struct dent *dir;
	uint32_t *starts;    /* per entry: first node of length >= DIR_BITS, or NIL */
	struct iv *scratch;  /* IPv4: 2^16 intervals, with the direct table */
	/* IPv4 blocks live in one arena of 64-byte lines, so that they share
	 * huge pages and a look-up's TLB miss is rare; freed blocks go on a
	 * free list per size (in lines), threaded through their first word. */
	unsigned char *arena;
	size_t arena_cap, arena_used, arena_free;
	uint32_t *afree;     /* BLK_CLASSES heads, 0: empty */
};

/* A route's attributes in a canonical form (bytes beyond an address's
 * family, after a name's NUL and after the reason's NUL zero), so that
 * byte equality is equality: the head, then nh_count struct rt_nexthop
 * (36 bytes, no padding).  The head is laid out as struct rt_route is from
 * disc on, so that a look-up copies it out with one memcpy. */
struct attr_head {
	uint32_t disc;
	uint8_t type, origin, protocol, scope, tos, flags, pref;
	uint8_t zero;
	uint16_t nh_count;
	struct rt_addr src;
	char reason[RT_REASONLEN];
};

#define ATTR_OFF offsetof(struct rt_route, disc)
#define SAME_OFF(f) (offsetof(struct attr_head, f) == offsetof(struct rt_route, f) - ATTR_OFF)
_Static_assert(SAME_OFF(type) && SAME_OFF(origin) && SAME_OFF(protocol) && SAME_OFF(scope) &&
               SAME_OFF(tos) && SAME_OFF(flags) && SAME_OFF(pref) && SAME_OFF(nh_count) &&
               SAME_OFF(src) && SAME_OFF(reason), "attr_head mirrors struct rt_route");
_Static_assert(offsetof(struct attr_head, reason) + RT_REASONLEN <= sizeof(struct attr_head) &&
               sizeof(struct attr_head) % 4 == 0, "attr_head layout");
_Static_assert(sizeof(struct rt_nexthop) == 36, "next hops compare as bytes");

#define ATTR_MAX (sizeof(struct attr_head) + RT_NH_MAX * sizeof(struct rt_nexthop))

/* An interned attribute set; its bytes are allocated beside it. */
struct attr {
	uint32_t refs;       /* word 0: the free list when 0 */
	uint32_t hnext;
	uint32_t hash;
	uint32_t len;
	uint8_t *bytes;
};

/* Routes queued by route_table_stage() for route_table_build(), per family:
 * STG_WORDS(kw) words each, key words then length, metric, disc, the
 * attribute word and the tag.  The attributes are interned at staging (one
 * reference each). */
struct stage {
	uint32_t *v;
	size_t n, cap;
};

#define STG_WORDS(kw) ((kw) + 5)
#define E_LEN(kw) (kw)
#define E_METRIC(kw) ((kw) + 1)
#define E_DISC(kw) ((kw) + 2)
#define E_NH(kw) ((kw) + 3)
#define E_TAG(kw) ((kw) + 4)

struct route_table {
	struct fam f4, f6;
	struct stage s4, s6;
	struct pool attrs;   /* struct attr, free list through word 0 when refs == 0 */
	uint32_t *buckets;
	uint32_t nbuckets;   /* power of two, or 0 */
	uint32_t attr_live;
	size_t attr_bytes;   /* of the live sets' bytes */
	uint32_t resv;       /* route_table_reserve()'s attribute set (one reference), or NIL */
	uint8_t *scratch;    /* ATTR_MAX bytes: a set being looked up */
};

/* ---- memory ---------------------------------------------------------------- */

/* Large arrays are read at random; with 4 KiB pages nearly every look-up
 * would also miss the TLB (and under virtualisation a TLB miss costs two
 * page walks).  So they get fresh mappings, aligned to and advised for
 * huge pages before anything is written: advice given after the pages are
 * touched (as after realloc) does nothing until khugepaged gets round to
 * it.  The advice may fail (no THP support); that only costs speed. */
#define HUGE_SZ ((size_t)2 << 20)
#define HUGE_MIN ((size_t)1 << 20)

static size_t huge_round(size_t n)
{
	return (n + HUGE_SZ - 1) & ~(HUGE_SZ - 1);
}

static void unmap(void *p, size_t n)
{
	/* only fails for a range that is not a mapping: a bug, not a
	 * condition to handle; the worst outcome is leaked address space */
	if (n && munmap(p, n) < 0)
		abort();
}

static void *mem_alloc(size_t n)
{
	if (n < HUGE_MIN)
		return malloc(n);
	size_t len = huge_round(n);
	unsigned char *p = mmap(NULL, len + HUGE_SZ, PROT_READ | PROT_WRITE,
	                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	unsigned char *a = (unsigned char *)(((uintptr_t)p + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
	unmap(p, (size_t)(a - p));
	unmap(a + len, HUGE_SZ - (size_t)(a - p));
	(void)madvise(a, len, MADV_HUGEPAGE);
	return a;
}

static void mem_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < HUGE_MIN)
		free(p);
	else
		unmap(p, huge_round(n));
}

/* Grow a block from mem_alloc() of n bytes to m bytes, keeping its
 * contents.  A huge-page mapping moves its pages into the new, larger
 * mapping instead of copying them: a copy would touch (and the kernel
 * zero) the new pages for the old contents, which at a million routes
 * was a tenth of the time spent growing the table.  NULL if out of
 * memory; the old block is then untouched. */
static void *mem_grow(void *p, size_t n, size_t m)
{
	unsigned char *b = mem_alloc(m);

	if (!b)
		return NULL;
	if (!p || !n)
		return b;
	if (n >= HUGE_MIN && m >= HUGE_MIN &&
	    mremap(p, huge_round(n), huge_round(n), MREMAP_MAYMOVE | MREMAP_FIXED, b) == b)
		return b;
	memcpy(b, p, n);
	mem_free(p, n);
	return b;
}

/* ---- pools ---------------------------------------------------------------- */

static void pool_init(struct pool *p, size_t esz, uint32_t limit)
{
	memset(p, 0, sizeof(*p));
	p->esz = (uint32_t)esz;
	p->free_head = NIL;
	p->limit = limit;
}

static void pool_release(struct pool *p)
{
	mem_free(p->base, (size_t)p->cap * p->esz);
	pool_init(p, p->esz, p->limit);
}

static inline void *pool_at(const struct pool *p, uint32_t i)
{
	return p->base + (size_t)i * p->esz;
}

/* Make sure n more elements can be taken without allocating. */
static int pool_reserve(struct pool *p, uint32_t n)
{
	size_t avail = (size_t)p->nfree + (p->cap - p->used);
	size_t cap = p->cap ? p->cap : 16;

	if (avail >= n)
		return 0;
	/* by half, not double: at a million routes the slack is most of
	 * what separates the table from its memory budget */
	while (cap - p->used + p->nfree < n)
		cap += cap / 2;
	if (cap >= p->limit)    /* NIL (and the flag bits) must stay out of indexes */
		return -1;
	if (rt_fault("route table"))
		return -1;
	unsigned char *b = mem_grow(p->base, (size_t)p->cap * p->esz, cap * p->esz);
	if (!b)
		return -1;
	p->base = b;
	p->cap = (uint32_t)cap;
	return 0;
}

static uint32_t pool_take(struct pool *p)
{
	uint32_t i;

	if (p->free_head != NIL) {
		i = p->free_head;
		memcpy(&p->free_head, pool_at(p, i), sizeof(uint32_t));
		p->nfree--;
	} else {
		i = p->used++;
	}
	return i;
}

static void pool_give(struct pool *p, uint32_t i)
{
	memcpy(pool_at(p, i), &p->free_head, sizeof(uint32_t));
	p->free_head = i;
	p->nfree++;
}

/* Give back what a bulk build reserved beyond what it used, keeping room
 * for the inserts that follow.  A mapping is cut at its tail, in place;
 * failure only keeps the slack. */
static void pool_fit(struct pool *p)
{
	size_t cap = (size_t)p->used + p->used / 16 + 16;
	size_t old = (size_t)p->cap * p->esz, n = cap * p->esz;

	if (p->free_head != NIL || cap >= p->cap)
		return;
	if (old >= HUGE_MIN && n >= HUGE_MIN) {
		if (huge_round(n) < huge_round(old))
			unmap(p->base + huge_round(n), huge_round(old) - huge_round(n));
	} else {
		unsigned char *b = mem_alloc(n);
		if (!b)
			return;
		memcpy(b, p->base, (size_t)p->used * p->esz);
		mem_free(p->base, old);
		p->base = b;
	}
	p->cap = (uint32_t)cap;
}

static size_t pool_bytes(const struct pool *p)
{
	return (size_t)p->cap * p->esz;
}

/* ---- keys ------------------------------------------------------------------- */

static void key_from_bytes(uint32_t *k, const uint8_t *b, uint32_t kw)
{
	for (uint32_t i = 0; i < kw; i++)
		k[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
}

static void key_to_bytes(uint8_t *b, const uint32_t *k, uint32_t kw)
{
	for (uint32_t i = 0; i < kw; i++) {
		b[4 * i] = (uint8_t)(k[i] >> 24);
		b[4 * i + 1] = (uint8_t)(k[i] >> 16);
		b[4 * i + 2] = (uint8_t)(k[i] >> 8);
		b[4 * i + 3] = (uint8_t)k[i];
	}
}

static inline uint32_t key_bit(const uint32_t *k, uint32_t pos)
{
	return (k[pos >> 5] >> (31 - (pos & 31))) & 1;
}

/* Number of leading bits a and b share, at most max. */
static uint32_t key_common(const uint32_t *a, const uint32_t *b, uint32_t max, uint32_t kw)
{
	for (uint32_t i = 0; i < kw && i * 32 < max; i++) {
		uint32_t x = a[i] ^ b[i];
		if (x) {
			uint32_t c = i * 32 + (uint32_t)__builtin_clz(x);
			return c < max ? c : max;
		}
	}
	return max;
}

/* True if the first len bits of a and b are equal. */
static inline bool key_match(const uint32_t *a, const uint32_t *b, uint32_t len)
{
	uint32_t i = 0;

	for (; len >= 32; len -= 32, i++)
		if (a[i] != b[i])
			return false;
	return len == 0 || ((a[i] ^ b[i]) >> (32 - len)) == 0;
}

static void key_mask(uint32_t *k, uint32_t len, uint32_t kw)
{
	for (uint32_t i = 0; i < kw; i++) {
		if (len >= 32 * (i + 1))
			continue;
		k[i] = len <= 32 * i ? 0 : k[i] & ~(UINT32_MAX >> (len - 32 * i));
	}
}

/* ---- families and nodes ------------------------------------------------------ */

static void fam_init(struct fam *f, uint8_t af)
{
	memset(f, 0, sizeof(*f));
	f->af = af;
	f->kw = af == AF_INET ? 1 : 4;
	f->width = 32 * f->kw;
	f->root = NIL;
	pool_init(&f->nodes, (N_KEY + f->kw) * sizeof(uint32_t), NIL);
	pool_init(&f->routes, sizeof(struct rrec), NOWIN);
}

static void fam_release(struct fam *f)
{
	pool_release(&f->nodes);
	pool_release(&f->routes);
	mem_free(f->dir, sizeof(struct dent) << DIR_BITS);
	f->dir = NULL;
	free(f->starts);
	f->starts = NULL;
	free(f->scratch);
	f->scratch = NULL;
	mem_free(f->arena, f->arena_cap);
	f->arena = NULL;
	f->arena_cap = f->arena_used = f->arena_free = 0;
	free(f->afree);
	f->afree = NULL;
	f->root = NIL;
	f->count = 0;
}

static inline uint32_t *node(const struct fam *f, uint32_t i)
{
	return (uint32_t *)pool_at(&f->nodes, i);
}

static inline struct rrec *rrec(const struct fam *f, uint32_t i)
{
	return (struct rrec *)pool_at(&f->routes, i);
}

/* ---- route lists and their winners ------------------------------------------ */

static inline uint32_t head_of(const uint32_t *x)
{
	return x[N_RT] == NIL ? NIL : x[N_RT] & ~NOWIN;
}

static inline bool node_wins(const uint32_t *x)
{
	return x[N_RT] < NOWIN;
}

/* The route a longest-prefix match at this node returns: the first of its
 * list that is not pending, or NIL. */
static uint32_t win_of(const struct fam *f, const uint32_t *x)
{
	if (!node_wins(x))
		return NIL;
	uint32_t ri = x[N_RT];
	while (rrec(f, ri)->nh & RR_PEND)
		ri = rrec(f, ri)->next;
	return ri;
}

/* Make head the first route of node n, with the winner bit recomputed. */
static void set_head(struct fam *f, uint32_t n, uint32_t head)
{
	uint32_t *x = node(f, n), ri = head;

	while (ri != NIL && (rrec(f, ri)->nh & RR_PEND))
		ri = rrec(f, ri)->next;
	x[N_RT] = head == NIL ? NIL : head | (ri == NIL ? NOWIN : 0);
}

/* What the direct table and IPv4 blocks copy of a node's winner: a change
 * of it must reach them. */
struct winner {
	uint32_t ri, metric, nh;
};

static struct winner winner_of(const struct fam *f, uint32_t n)
{
	struct winner w = { win_of(f, node(f, n)), 0, NIL };

	if (w.ri != NIL) {
		w.metric = rrec(f, w.ri)->metric;
		w.nh = rrec(f, w.ri)->nh;
	}
	return w;
}

static bool winner_same(struct winner a, struct winner b)
{
	return a.ri == b.ri && a.metric == b.metric && a.nh == b.nh;
}

static struct fam *fam_of(struct route_table *t, uint8_t af)
{
	return af == AF_INET ? &t->f4 : af == AF_INET6 ? &t->f6 : NULL;
}

static const struct fam *cfam_of(const struct route_table *t, uint8_t af)
{
	return af == AF_INET ? &t->f4 : af == AF_INET6 ? &t->f6 : NULL;
}

static uint32_t new_node(struct fam *f, const uint32_t *key, uint32_t len)
{
	uint32_t i = pool_take(&f->nodes);
	uint32_t *x = node(f, i);

	x[N_C0] = x[N_C1] = x[N_RT] = NIL;
	x[N_LEN] = len;
	memcpy(x + N_KEY, key, f->kw * sizeof(uint32_t));
	key_mask(x + N_KEY, len, f->kw);
	return i;
}

/* The node holding exactly (key, len), or NIL. */
static uint32_t find_node(const struct fam *f, const uint32_t *key, uint32_t len)
{
	/* nodes of length >= DIR_BITS all lie below their entry's start */
	uint32_t n = f->dir && len >= DIR_BITS ? f->starts[key[0] >> (32 - DIR_BITS)] : f->root;

	while (n != NIL) {
		const uint32_t *x = node(f, n);
		if (x[N_LEN] > len || !key_match(x + N_KEY, key, x[N_LEN]))
			return NIL;
		if (x[N_LEN] == len)
			return n;
		n = x[key_bit(key, x[N_LEN])];
	}
	return NIL;
}

/* ---- direct table and IPv4 blocks ------------------------------------------------ */

static inline uint32_t dir_top(const uint32_t *x)
{
	return x[N_KEY] >> (32 - DIR_BITS);
}

static inline uint32_t blk_cap(uint32_t n)
{
	return (n + 3) & ~3u;
}

static inline uint16_t *blk_pos(unsigned char *b)
{
	return (uint16_t *)b;
}

static inline uint8_t *blk_len(unsigned char *b, uint32_t cap)
{
	return b + 2 * cap;
}

static inline uint32_t *blk_metric(unsigned char *b, uint32_t cap, uint32_t i)
{
	return (uint32_t *)(b + 3 * cap) + 2 * i;
}

static inline uint32_t *blk_nh(unsigned char *b, uint32_t cap, uint32_t i)
{
	return (uint32_t *)(b + 3 * cap) + 2 * i + 1;
}

/* Size of a block in 64-byte lines: its size class. */
#define BLK_LINE 64
#define BLK_CLASSES ((11u << DIR_BITS) / BLK_LINE + 2)

static inline uint32_t blk_lines(uint32_t cap)
{
	return (11 * cap + BLK_LINE - 1) / BLK_LINE;
}

static inline unsigned char *blk_at(const struct fam *f, const struct dent *d)
{
	return f->arena + d->blk;
}

/* Stable LSD radix sort of n values on bits [lo, hi), ten at a time,
 * between a and tmp; returns whichever holds the result. */
static uint64_t *radix_u64(uint64_t *a, uint64_t *tmp, size_t n, uint32_t lo, uint32_t hi)
{
	size_t cnt[1024];

	for (uint32_t shift = lo; shift < hi; shift += 10) {
		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(a[i] >> shift) & 1023]++;
		size_t sum = 0;
		for (size_t d = 0; d < 1024; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(a[i] >> shift) & 1023]++] = a[i];
		uint64_t *x = a;
		a = tmp;
		tmp = x;
	}
	return a;
}

/* Slide the live blocks down over the free ones.  As blocks grow they
 * leave smaller blocks behind that nobody may need again, so without this
 * a table loaded in random order would hold a third more arena than it
 * uses.  Runs only when the arena is full and an eighth of it is free,
 * so its cost per block allocated stays constant (a few runs for a
 * million routes). */
static int arena_compact(struct fam *f)
{
	/* (offset, entry) pairs sorted by offset (a multiple of the line);
	 * the scratch array is busy */
	uint64_t *buf = malloc(sizeof(uint64_t) << (DIR_BITS + 1)), *v;
	uint32_t n = 0, to = BLK_LINE;

	if (!buf)
		return -1;
	for (uint32_t e = 0; e < (1u << DIR_BITS); e++)
		if (f->dir[e].blk)
			buf[n++] = (uint64_t)f->dir[e].blk << DIR_BITS | e;
	v = radix_u64(buf, buf + (1u << DIR_BITS), n, DIR_BITS + (uint32_t)__builtin_ctz(BLK_LINE),
	              DIR_BITS + 32);
	for (uint32_t i = 0; i < n; i++) {
		struct dent *d = &f->dir[v[i] & ((1u << DIR_BITS) - 1)];
		uint32_t sz = blk_lines(blk_cap(d->nm1 + 1u)) * BLK_LINE;
		if (d->blk != to)
			memmove(f->arena + to, f->arena + d->blk, sz);
		d->blk = to;
		to += sz;
	}
	free(buf);
	memset(f->afree, 0, BLK_CLASSES * sizeof(uint32_t));
	f->arena_used = to;
	f->arena_free = 0;
	return 0;
}

/* Offset of a free block of the given size, or 0 if memory ran out. */
static uint32_t arena_take(struct fam *f, uint32_t lines)
{
	uint32_t off = f->afree[lines];
	size_t sz = (size_t)lines * BLK_LINE;

	if (off) {
		memcpy(&f->afree[lines], f->arena + off, sizeof(uint32_t));
		f->arena_free -= sz;
		return off;
	}
	if (f->arena_used + sz > f->arena_cap && f->arena_free && f->arena_free >= f->arena_used / 8 &&
	    arena_compact(f) == 0)
		return arena_take(f, lines);
	if (f->arena_used + sz > f->arena_cap) {
		/* grow by half: the copy is cheap next to the inserts that
		 * filled the arena, and the slack is what the table reports */
		size_t cap = f->arena_cap ? f->arena_cap + f->arena_cap / 2 : (size_t)64 << 10;
		while (cap < f->arena_used + sz)
			cap += cap / 2;
		if (cap >= HUGE_MIN)
			cap = huge_round(cap);
		if (cap > UINT32_MAX)
			return 0;
		unsigned char *a = mem_grow(f->arena, f->arena_cap, cap);
		if (!a)
			return 0;
		f->arena = a;
		f->arena_cap = cap;
	}
	if (!f->arena_used)
		f->arena_used = BLK_LINE;   /* offset 0 means "no block" */
	off = (uint32_t)f->arena_used;
	f->arena_used += sz;
	return off;
}

static void arena_give(struct fam *f, uint32_t off, uint32_t lines)
{
	memcpy(f->arena + off, &f->afree[lines], sizeof(uint32_t));
	f->afree[lines] = off;
	f->arena_free += (size_t)lines * BLK_LINE;
}

/* Low 16 bits of the last address of a prefix of length >= 16. */
static inline uint32_t span16(uint32_t len)
{
	return (uint32_t)(0xffffffffull >> len) & 0xffff;
}

static void blk_drop(struct fam *f, uint32_t e)
{
	struct dent *d = &f->dir[e];

	if (d->blk) {
		arena_give(f, d->blk, blk_lines(blk_cap(d->nm1 + 1u)));
		d->blk = 0;
	}
}

/* Store k intervals from the scratch array as entry e's block.  If memory
 * runs out the entry has no block and look-ups walk the trie instead. */
static void blk_store(struct fam *f, uint32_t e, uint32_t k)
{
	struct dent *d = &f->dir[e];
	uint32_t cap = blk_cap(k);

	if (k > BLK_MAX_IV) {
		blk_drop(f, e);
		d->dense = 1;
		return;
	}
	if (!d->blk || blk_lines(blk_cap(d->nm1 + 1u)) != blk_lines(cap)) {
		blk_drop(f, e);
		d->blk = arena_take(f, blk_lines(cap));
		if (!d->blk)
			return;
	}
	unsigned char *b = blk_at(f, d);
	d->nm1 = (uint16_t)(k - 1);
	for (uint32_t i = 0; i < k; i++) {
		blk_pos(b)[i] = f->scratch[i].pos;
		blk_len(b, cap)[i] = f->scratch[i].len;
		*blk_metric(b, cap, i) = f->scratch[i].metric;
		*blk_nh(b, cap, i) = f->scratch[i].nh;
	}
}

/* Append an interval starting at pos; an earlier one at the same position
 * is empty and goes, an equal neighbour absorbs it. */
static void iv_emit(struct iv *v, uint32_t *k, uint32_t pos, const struct iv *val)
{
	while (*k && v[*k - 1].pos == pos)
		(*k)--;
	if (*k && v[*k - 1].nh == val->nh && v[*k - 1].metric == val->metric &&
	    v[*k - 1].len == val->len)
		return;
	v[*k] = *val;
	v[*k].pos = (uint16_t)pos;
	(*k)++;
}

static const struct iv iv_none = { 0, NIL, 0, 0 };

static void iv_of_node(const struct fam *f, const uint32_t *x, struct iv *v)
{
	const struct rrec *rr = rrec(f, win_of(f, x));

	v->metric = rr->metric;
	v->nh = rr->nh;
	v->len = (uint8_t)x[N_LEN];
	v->pos = 0;
}

static void iv_gen(const struct fam *f, uint32_t n, struct iv cur, uint32_t *k)
{
	const uint32_t *x = node(f, n);
	uint32_t lo = x[N_KEY] & 0xffff, hi = lo + span16(x[N_LEN]);

	if (node_wins(x))
		iv_of_node(f, x, &cur);
	iv_emit(f->scratch, k, lo, &cur);
	for (int c = N_C0; c <= N_C1; c++) {
		if (x[c] == NIL)
			continue;
		const uint32_t *y = node(f, x[c]);
		uint32_t chi = (y[N_KEY] & 0xffff) + span16(y[N_LEN]);
		iv_gen(f, x[c], cur, k);
		if (chi < hi)
			iv_emit(f->scratch, k, chi + 1, &cur);
	}
}

/* Rebuild entry e's block from the trie below its start node. */
static void blk_rebuild(struct fam *f, uint32_t e)
{
	uint32_t start = f->starts[e], k = 0;

	if (f->kw != 1 || !f->scratch)
		return;
	if (start == NIL) {
		blk_drop(f, e);
		f->dir[e].dense = 0;
		return;
	}
	if (f->dir[e].dense)
		return;
	const uint32_t *x = node(f, start);
	uint32_t hi = (x[N_KEY] & 0xffff) + span16(x[N_LEN]);
	iv_emit(f->scratch, &k, 0, &iv_none);
	iv_gen(f, start, iv_none, &k);
	if (hi < 0xffff)
		iv_emit(f->scratch, &k, hi + 1, &iv_none);
	blk_store(f, e, k);
}

/* Rewrite entry e's block with nv over [lo, hi] wherever it takes over:
 * raising a prefix of length len, it beats what is no longer than it;
 * lowering one, it replaces what that prefix had won.  Equal neighbours
 * were merged, so intervals are split at the range's edges. */
static void blk_patch(struct fam *f, uint32_t e, uint32_t lo, uint32_t hi, const struct iv *nv,
                      uint32_t len, bool raise)
{
	const struct dent *d = &f->dir[e];
	unsigned char *b = blk_at(f, d);
	uint32_t cnt = d->nm1 + 1u, cap = blk_cap(cnt), k = 0;

	for (uint32_t i = 0; i < cnt; i++) {
		struct iv old = { *blk_metric(b, cap, i), *blk_nh(b, cap, i), 0, blk_len(b, cap)[i] };
		uint32_t s0 = blk_pos(b)[i], end = i + 1 < cnt ? blk_pos(b)[i + 1] - 1u : 0xffff;
		if (end < lo || s0 > hi) {
			iv_emit(f->scratch, &k, s0, &old);
			continue;
		}
		if (s0 < lo)
			iv_emit(f->scratch, &k, s0, &old);
		bool take = raise ? old.nh == NIL || old.len <= len : old.nh != NIL && old.len == len;
		iv_emit(f->scratch, &k, s0 > lo ? s0 : lo, take ? nv : &old);
		if (end > hi)
			iv_emit(f->scratch, &k, hi + 1, &old);
	}
	blk_store(f, e, k);
}

/* Node n (IPv4, length >= DIR_BITS) has a new or changed head route: it
 * now wins in its range wherever nothing longer does.  Cheaper than a
 * rebuild, which matters when a million routes are loaded. */
static void blk_raise(struct fam *f, uint32_t n)
{
	const uint32_t *x = node(f, n);
	uint32_t e = dir_top(x), len = x[N_LEN];
	uint32_t lo = x[N_KEY] & 0xffff, hi = lo + span16(len);
	const struct dent *d = &f->dir[e];
	struct iv nv;

	if (!d->blk) {
		if (!d->dense)
			blk_rebuild(f, e);
		return;
	}
	iv_of_node(f, x, &nv);
	blk_patch(f, e, lo, hi, &nv, len, true);
}

/* Node (key, len) of block e, IPv4, len >= DIR_BITS, has lost its routes:
 * where it won, the nearest prefix above it inside the block (or the
 * entry's best match) wins now. */
static void blk_lower(struct fam *f, uint32_t e, uint32_t key, uint32_t len)
{
	const struct dent *d = &f->dir[e];
	uint32_t lo = key & 0xffff, hi = lo + span16(len);
	struct iv nv = iv_none;

	if (!d->blk) {
		if (!d->dense)
			blk_rebuild(f, e);
		return;
	}
	for (uint32_t n = f->starts[e]; n != NIL;) {
		const uint32_t *x = node(f, n);
		if (x[N_LEN] >= len || !key_match(x + N_KEY, &key, x[N_LEN]))
			break;
		if (node_wins(x))
			iv_of_node(f, x, &nv);
		n = x[key_bit(&key, x[N_LEN])];
	}
	blk_patch(f, e, lo, hi, &nv, len, false);
}

static void dir_set(struct fam *f, uint32_t lo, uint32_t hi, uint32_t start_e, uint32_t start,
                    uint32_t best)
{
	struct iv v = iv_none;

	if (best != NIL)
		iv_of_node(f, node(f, best), &v);
	for (uint32_t e = lo; e < hi; e++) {
		struct dent *d = &f->dir[e];
		uint32_t st = e == start_e ? start : NIL;
		d->best_metric = v.metric;
		d->best_nh = v.nh;
		d->best_len = v.len;
		/* A block depends on the routes in it, not on which node is on
		 * top: only a block that appears or goes needs work here. */
		if (f->starts[e] != st) {
			bool was = f->starts[e] != NIL;
			f->starts[e] = st;
			if (!was || st == NIL)
				blk_rebuild(f, e);
		}
	}
}

/* Entries [lo, hi) are reached through link value n with best match best
 * so far.  Blocks of entries are aligned powers of two, so n's block either
 * contains [lo, hi), lies inside it, or misses it. */
static void dir_fill(struct fam *f, uint32_t n, uint32_t best, uint32_t lo, uint32_t hi)
{
	if (n == NIL) {
		dir_set(f, lo, hi, NIL, NIL, best);
		return;
	}
	const uint32_t *x = node(f, n);
	uint32_t len = x[N_LEN], nlo = dir_top(x);
	if (len >= DIR_BITS) {
		dir_set(f, lo, hi, nlo, n, best);
		return;
	}
	uint32_t nhi = nlo + (1u << (DIR_BITS - len));
	if (nhi <= lo || nlo >= hi) {
		dir_set(f, lo, hi, NIL, NIL, best);
		return;
	}
	if (nlo > lo)
		dir_set(f, lo, nlo, NIL, NIL, best);
	if (nhi < hi)
		dir_set(f, nhi, hi, NIL, NIL, best);
	uint32_t a = nlo > lo ? nlo : lo, b = nhi < hi ? nhi : hi;
	uint32_t mid = nlo + (1u << (DIR_BITS - len - 1));
	uint32_t b2 = node_wins(x) ? n : best;
	uint32_t c0 = x[N_C0], c1 = x[N_C1];
	if (a < mid)
		dir_fill(f, c0, b2, a, b < mid ? b : mid);
	if (b > mid)
		dir_fill(f, c1, b2, a > mid ? a : mid, b);
}

/* Refill the entries a change at node y affects.  parent is y's parent
 * (NIL at the root): below a node of length >= DIR_BITS the entries do not
 * change (IPv4 blocks are kept by the callers). */
static void dir_update(struct fam *f, uint32_t parent, const uint32_t *y)
{
	if (!f->dir || (parent != NIL && node(f, parent)[N_LEN] >= DIR_BITS))
		return;
	uint32_t len = y[N_LEN] < DIR_BITS ? y[N_LEN] : DIR_BITS;
	uint32_t lo = dir_top(y) & ~((1u << (DIR_BITS - len)) - 1);
	dir_fill(f, f->root, NIL, lo, lo + (1u << (DIR_BITS - len)));
}

/* Node n, which stays in the trie, has a new winner, or lost it. */
static void dir_winner_changed(struct fam *f, uint32_t n)
{
	const uint32_t *x = node(f, n);

	if (!f->dir)
		return;
	if (x[N_LEN] < DIR_BITS)
		dir_update(f, NIL, x);
	else if (f->kw == 1 && node_wins(x))
		blk_raise(f, n);
	else if (f->kw == 1)
		blk_lower(f, dir_top(x), x[N_KEY], x[N_LEN]);
}

/* Built once a family is big enough to profit; failure only costs speed. */
static void dir_maybe_build(struct fam *f)
{
	if (f->dir || f->count < DIR_MIN_ROUTES)
		return;
	if (f->kw == 1) {
		f->scratch = malloc(sizeof(struct iv) << DIR_BITS);
		f->afree = calloc(BLK_CLASSES, sizeof(uint32_t));
		if (!f->scratch || !f->afree) {
			free(f->scratch);
			free(f->afree);
			f->scratch = NULL;
			f->afree = NULL;
			return;
		}
	}
	f->dir = mem_alloc(sizeof(struct dent) << DIR_BITS);
	f->starts = malloc(sizeof(uint32_t) << DIR_BITS);
	if (!f->dir || !f->starts) {
		free(f->scratch);
		free(f->afree);
		mem_free(f->dir, sizeof(struct dent) << DIR_BITS);
		free(f->starts);
		f->scratch = NULL;
		f->afree = NULL;
		f->dir = NULL;
		f->starts = NULL;
		return;
	}
	memset(f->dir, 0, sizeof(struct dent) << DIR_BITS);
	for (uint32_t e = 0; e < (1u << DIR_BITS); e++)
		f->starts[e] = NIL;
	dir_fill(f, f->root, NIL, 0, 1u << DIR_BITS);
}

/* ---- attribute sets ------------------------------------------------------------- */

static inline struct attr *attr_at(const struct route_table *t, uint32_t i)
{
	return (struct attr *)pool_at(&t->attrs, i);
}

/* r's attributes in canonical form into out (ATTR_MAX bytes); the length. */
static uint32_t attr_encode(const struct rt_route *r, uint8_t *out)
{
	struct attr_head h;
	unsigned n = r->nh_count <= RT_NH_MAX ? r->nh_count : RT_NH_MAX;

	memset(&h, 0, sizeof(h));
	h.disc = r->disc;
	h.nh_count = (uint16_t)n;
	h.type = r->type;
	h.origin = r->origin;
	h.protocol = r->protocol;
	h.scope = r->scope;
	h.tos = r->tos;
	h.flags = r->flags;
	h.pref = r->pref;
	h.src.family = r->src.family;
	memcpy(h.src.bytes, r->src.bytes, rt_addr_bytes(r->src.family));
	memcpy(h.reason, r->reason, strnlen(r->reason, RT_REASONLEN - 1));
	memcpy(out, &h, sizeof(h));
	for (unsigned i = 0; i < n; i++) {
		struct rt_nexthop nh;
		const struct rt_nexthop *in = &r->nh[i];

		memset(&nh, 0, sizeof(nh));
		nh.weight = in->weight;
		nh.flags = in->flags;
		nh.gw.family = in->gw.family;
		memcpy(nh.gw.bytes, in->gw.bytes, rt_addr_bytes(in->gw.family));
		memcpy(nh.dev, in->dev, strnlen(in->dev, RT_IFNAMSIZ - 1));
		memcpy(out + sizeof(h) + i * sizeof(nh), &nh, sizeof(nh));
	}
	return (uint32_t)(sizeof(h) + n * sizeof(struct rt_nexthop));
}

/* Set i's attributes into out (all but dst and metric). */
static void attr_decode(const struct route_table *t, uint32_t i, struct rt_route *out)
{
	const uint8_t *b = attr_at(t, i & ATTR_MASK)->bytes;

	memcpy((char *)out + ATTR_OFF, b, offsetof(struct attr_head, reason));
	if (out->flags & RT_RF_PENDING)
		memcpy(out->reason, b + offsetof(struct attr_head, reason), RT_REASONLEN);
	else
		out->reason[0] = '\0';
	memcpy(out->nh, b + sizeof(struct attr_head), (size_t)out->nh_count * sizeof(struct rt_nexthop));
}

static inline uint32_t attr_disc(const struct route_table *t, uint32_t nh)
{
	uint32_t d;

	memcpy(&d, attr_at(t, nh & ATTR_MASK)->bytes, sizeof(d));
	return d;
}

static inline uint32_t attr_slot(const struct route_table *t, uint32_t hash)
{
	return hash & (t->nbuckets - 1);
}

/* Room for one more set: a pool element and buckets for it. */
static int attr_room(struct route_table *t)
{
	if (t->attr_live >= ATTR_MASK || pool_reserve(&t->attrs, 1) < 0)
		return -1;
	if (t->attr_live + 1 <= t->nbuckets)
		return 0;
	uint32_t nb = t->nbuckets ? t->nbuckets * 2 : 16;
	uint32_t *b = rt_fault("route table") ? NULL : malloc(nb * sizeof(*b));
	if (!b)
		return -1;
	for (uint32_t i = 0; i < nb; i++)
		b[i] = NIL;
	uint32_t *old = t->buckets, onb = t->nbuckets;
	t->buckets = b;
	t->nbuckets = nb;
	for (uint32_t i = 0; i < onb; i++) {
		for (uint32_t j = old[i]; j != NIL;) {
			struct attr *h = attr_at(t, j);
			uint32_t next = h->hnext, slot = attr_slot(t, h->hash);
			h->hnext = b[slot];
			b[slot] = j;
			j = next;
		}
	}
	free(old);
	return 0;
}

/* The index of r's attribute set with one more reference, interned if new;
 * NIL when out of memory, with nothing changed. */
static uint32_t attr_ref(struct route_table *t, const struct rt_route *r)
{
	uint32_t len = attr_encode(r, t->scratch);
	uint32_t hash = (uint32_t)XXH3_64bits(t->scratch, len);

	if (t->nbuckets)
		for (uint32_t j = t->buckets[attr_slot(t, hash)]; j != NIL; j = attr_at(t, j)->hnext) {
			struct attr *h = attr_at(t, j);
			if (h->hash == hash && h->len == len && memcmp(h->bytes, t->scratch, len) == 0) {
				h->refs++;
				return j;
			}
		}
	if (attr_room(t) < 0)
		return NIL;
	uint8_t *bytes = rt_fault("route table") ? NULL : malloc(len);
	if (!bytes)
		return NIL;
	memcpy(bytes, t->scratch, len);
	uint32_t j = pool_take(&t->attrs), slot = attr_slot(t, hash);
	struct attr *h = attr_at(t, j);
	h->refs = 1;
	h->hash = hash;
	h->len = len;
	h->bytes = bytes;
	h->hnext = t->buckets[slot];
	t->buckets[slot] = j;
	t->attr_live++;
	t->attr_bytes += len;
	return j;
}

static void attr_unref(struct route_table *t, uint32_t j)
{
	struct attr *h = attr_at(t, j & ATTR_MASK);

	j &= ATTR_MASK;
	if (--h->refs)
		return;
	uint32_t *link = &t->buckets[attr_slot(t, h->hash)];
	while (*link != j)
		link = &attr_at(t, *link)->hnext;
	*link = h->hnext;
	t->attr_bytes -= h->len;
	free(h->bytes);
	pool_give(&t->attrs, j);
	if (--t->attr_live == 0) {
		pool_release(&t->attrs);
		free(t->buckets);
		t->buckets = NULL;
		t->nbuckets = 0;
	}
}

/* r's attribute word (set index | pending) with one reference: the
 * reserved set if it is r's, else a fresh reference.  NIL: no memory. */
static uint32_t attr_claim(struct route_table *t, const struct rt_route *r)
{
	uint32_t j;

	if (t->resv != NIL) {
		const struct attr *h = attr_at(t, t->resv);
		uint32_t len = attr_encode(r, t->scratch);

		j = t->resv;
		t->resv = NIL;
		if (h->len == len && memcmp(h->bytes, t->scratch, len) == 0)
			return j | ((r->flags & RT_RF_PENDING) ? RR_PEND : 0);
		attr_unref(t, j);
	}
	j = attr_ref(t, r);
	return j == NIL ? NIL : j | ((r->flags & RT_RF_PENDING) ? RR_PEND : 0);
}

/* ---- conversions and validation ------------------------------------------------- */

/* key: at least len significant bits; the rest is cleared here.  nh is
 * the route record's attribute word. */
static void route_out_key(const struct route_table *t, const struct fam *f, const uint32_t *key,
                          uint32_t len, uint32_t metric, uint32_t nh, struct rt_route *out)
{
	uint32_t k[4];

	memcpy(k, key, f->kw * sizeof(uint32_t));
	key_mask(k, len, f->kw);
	memset(&out->dst, 0, sizeof(out->dst));
	out->dst.addr.family = f->af;
	key_to_bytes(out->dst.addr.bytes, k, f->kw);
	out->dst.len = (uint8_t)len;
	out->metric = metric;
	attr_decode(t, nh, out);
}

static void route_out(const struct route_table *t, const struct fam *f, const uint32_t *x,
                      const struct rrec *rr, struct rt_route *out)
{
	route_out_key(t, f, x + N_KEY, x[N_LEN], rr->metric, rr->nh, out);
}

static int prefix_valid(const struct rt_prefix *p)
{
	char err[RT_ERRLEN];

	return p && rt_prefix_check(p, err) == 0;
}

/* What the table itself needs (the caller checks the rest): a valid
 * prefix, a sane next-hop count, the pending flag only as the flag. */
static int route_valid(const struct rt_route *r)
{
	return r && prefix_valid(&r->dst) && r->nh_count <= RT_NH_MAX;
}

/* Order of a route record against the key (metric, disc). */
static inline int rr_cmp(const struct route_table *t, const struct rrec *rr, uint32_t metric,
                         uint32_t disc)
{
	if (rr->metric != metric)
		return rr->metric < metric ? -1 : 1;
	uint32_t d = attr_disc(t, rr->nh);
	return d < disc ? -1 : d > disc;
}

/* In node n's list, the first route of key >= (metric, disc) (NIL: none),
 * and its predecessor (NIL: it is the head). */
static uint32_t list_find(const struct route_table *t, const struct fam *f, uint32_t n,
                          uint32_t metric, uint32_t disc, uint32_t *prev)
{
	uint32_t ri = head_of(node(f, n));

	*prev = NIL;
	while (ri != NIL && rr_cmp(t, rrec(f, ri), metric, disc) < 0) {
		*prev = ri;
		ri = rrec(f, ri)->next;
	}
	return ri;
}

/* ---- public: life cycle ----------------------------------------------------------- */

struct route_table *route_table_new(void)
{
	struct route_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	fam_init(&t->f4, AF_INET);
	fam_init(&t->f6, AF_INET6);
	pool_init(&t->attrs, sizeof(struct attr), NOWIN);
	t->resv = NIL;
	t->scratch = malloc(ATTR_MAX);
	if (!t->scratch) {
		free(t);
		return NULL;
	}
	return t;
}

void route_table_free(struct route_table *t)
{
	if (!t)
		return;
	fam_release(&t->f4);
	fam_release(&t->f6);
	mem_free(t->s4.v, t->s4.cap * STG_WORDS(1) * sizeof(uint32_t));
	mem_free(t->s6.v, t->s6.cap * STG_WORDS(4) * sizeof(uint32_t));
	/* the live sets are exactly those in the buckets */
	for (uint32_t b = 0; b < t->nbuckets; b++)
		for (uint32_t j = t->buckets[b]; j != NIL; j = attr_at(t, j)->hnext)
			free(attr_at(t, j)->bytes);
	pool_release(&t->attrs);
	free(t->buckets);
	free(t->scratch);
	free(t);
}

int route_table_reserve(struct route_table *t, const struct rt_route *r)
{
	if (!t || !route_valid(r))
		return RT_E_INVALID;
	struct fam *f = fam_of(t, r->dst.addr.family);
	route_table_unreserve(t);
	uint32_t j = attr_ref(t, r);
	if (j == NIL)
		return RT_E_FULL;
	if (pool_reserve(&f->routes, 1) < 0 || pool_reserve(&f->nodes, 2) < 0) {
		attr_unref(t, j);
		return RT_E_FULL;
	}
	t->resv = j;
	return RT_OK;
}

void route_table_unreserve(struct route_table *t)
{
	if (t && t->resv != NIL) {
		attr_unref(t, t->resv);
		t->resv = NIL;
	}
}

/* ---- public: changes ----------------------------------------------------------------- */

/* Insert a node for (key, len), which must not exist; two nodes must have
 * been reserved. */
static uint32_t insert_node(struct fam *f, const uint32_t *key, uint32_t len)
{
	uint32_t *link = &f->root, parent = NIL, n = f->root, changed;

	/* skip the top of the trie when the new node goes below a start node */
	if (f->dir && len >= DIR_BITS) {
		uint32_t st = f->starts[key[0] >> (32 - DIR_BITS)];
		if (st != NIL && node(f, st)[N_LEN] < len &&
		    key_match(node(f, st) + N_KEY, key, node(f, st)[N_LEN])) {
			parent = st;
			link = &node(f, st)[key_bit(key, node(f, st)[N_LEN])];
			n = *link;
		}
	}
	while (n != NIL) {
		uint32_t *x = node(f, n);
		if (x[N_LEN] > len || !key_match(x + N_KEY, key, x[N_LEN]))
			break;
		parent = n;
		link = &x[key_bit(key, x[N_LEN])];
		n = *link;
	}
	uint32_t leaf = new_node(f, key, len);
	if (n == NIL) {
		*link = changed = leaf;
	} else {
		uint32_t *x = node(f, n);
		uint32_t nl = x[N_LEN], c = key_common(key, x + N_KEY, len < nl ? len : nl, f->kw);
		if (c == len) {
			/* the new prefix sits above n */
			node(f, leaf)[key_bit(x + N_KEY, len)] = n;
			changed = leaf;
		} else {
			uint32_t b = new_node(f, key, c);
			x = node(f, n);
			uint32_t *bx = node(f, b);
			bx[key_bit(key, c)] = leaf;
			bx[key_bit(x + N_KEY, c)] = n;
			changed = b;
		}
		*link = changed;
	}
	dir_update(f, parent, node(f, changed));
	return leaf;
}

/* Remove node n, which has just lost its last route, and whatever branch
 * node it leaves with a single child. */
static void remove_node(struct fam *f, uint32_t n)
{
	uint32_t *link = &f->root, *plink = NULL, parent = NIL, gparent = NIL, cur = f->root;
	const uint32_t *key = node(f, n) + N_KEY;
	uint32_t len = node(f, n)[N_LEN];

	while (cur != n) {
		uint32_t *x = node(f, cur);
		gparent = parent;
		parent = cur;
		plink = link;
		link = &x[key_bit(key, x[N_LEN])];
		cur = *link;
	}
	uint32_t *x = node(f, n);
	uint32_t kids = (x[N_C0] != NIL) + (x[N_C1] != NIL);
	uint32_t ykey[4], ylen, yparent;
	memcpy(ykey, x + N_KEY, f->kw * sizeof(uint32_t));
	ylen = len;
	yparent = parent;
	if (kids == 2) {
		dir_update(f, parent, x);
		return;
	}
	*link = kids ? (x[N_C0] != NIL ? x[N_C0] : x[N_C1]) : NIL;
	pool_give(&f->nodes, n);
	if (kids == 0 && parent != NIL) {
		uint32_t *p = node(f, parent);
		if (p[N_RT] == NIL) {      /* no routes at all, pending or not */
			/* a pure branch point with one child left: splice it out */
			*plink = p[N_C0] != NIL ? p[N_C0] : p[N_C1];
			memcpy(ykey, p + N_KEY, f->kw * sizeof(uint32_t));
			ylen = p[N_LEN];
			yparent = gparent;
			pool_give(&f->nodes, parent);
		}
	}
	if (f->dir) {
		uint32_t y[N_KEY + 4];
		y[N_LEN] = ylen;
		memcpy(y + N_KEY, ykey, f->kw * sizeof(uint32_t));
		dir_update(f, yparent, y);
	}
}

/* An IPv4 change of length >= DIR_BITS ends in a rewrite of its /16 block
 * after a trie walk with a miss at every level: ask for the directory
 * entry before the walk and for the block's lines after it, so that
 * those misses overlap the walk's instead of following it.  A find does
 * it too: rtmd looks a route up before it changes it, and that first walk
 * is the one that misses. */
static inline void dent_prefetch(const struct fam *f, const uint32_t *key, uint32_t len)
{
	if (f->dir && f->kw == 1 && len >= DIR_BITS)
		__builtin_prefetch(&f->dir[key[0] >> (32 - DIR_BITS)]);
}

static inline void blk_prefetch(const struct fam *f, const uint32_t *key, uint32_t len)
{
	if (!f->dir || f->kw != 1 || len < DIR_BITS)
		return;
	const struct dent *d = &f->dir[key[0] >> (32 - DIR_BITS)];
	if (!d->blk)
		return;
	uint32_t lines = blk_lines(blk_cap(d->nm1 + 1u));
	for (uint32_t i = 0; i < lines && i < 8; i++)
		__builtin_prefetch(f->arena + d->blk + (size_t)i * BLK_LINE, 1);
}

void route_table_prefetch(const struct route_table *t, const struct rt_prefix *dst, unsigned depth)
{
	if (!t || dst->addr.family != AF_INET || dst->len < DIR_BITS || dst->len > 32)
		return;
	const struct fam *f = cfam_of(t, AF_INET);
	uint32_t key[4], top;

	if (!f->dir)
		return;
	key_from_bytes(key, dst->addr.bytes, 1);
	top = key[0] >> (32 - DIR_BITS);
	if (depth == 0) {
		__builtin_prefetch(&f->starts[top]);
		__builtin_prefetch(&f->dir[top]);
		return;
	}
	uint32_t n = f->starts[top];
	for (unsigned d = 1; n != NIL; d++) {
		const uint32_t *x = node(f, n);
		if (d == depth) {
			__builtin_prefetch(x);
			return;
		}
		if (x[N_LEN] >= dst->len || !key_match(x + N_KEY, key, x[N_LEN]))
			return;
		n = x[key_bit(key, x[N_LEN])];
	}
}

/* Link route ri after prev (NIL: at the head) in node n's list, and tell
 * the direct table if the winner changed. */
static void list_link(struct fam *f, uint32_t n, uint32_t prev, uint32_t ri)
{
	struct winner w0 = winner_of(f, n);

	if (prev == NIL) {
		rrec(f, ri)->next = head_of(node(f, n));
		set_head(f, n, ri);
	} else {
		rrec(f, ri)->next = rrec(f, prev)->next;
		rrec(f, prev)->next = ri;
		set_head(f, n, head_of(node(f, n)));
	}
	if (!winner_same(w0, winner_of(f, n)))
		dir_winner_changed(f, n);
}

/* Add a route known to be new (its key is not in the table). */
static int add_new(struct route_table *t, struct fam *f, const struct rt_route *r, uint32_t tag,
                   const uint32_t *key, uint32_t n)
{
	uint32_t nh = attr_claim(t, r), prev;

	if (nh == NIL)
		return RT_E_FULL;
	if (pool_reserve(&f->routes, 1) < 0 || (n == NIL && pool_reserve(&f->nodes, 2) < 0)) {
		attr_unref(t, nh);
		return RT_E_FULL;
	}
	uint32_t ri = pool_take(&f->routes);
	struct rrec *rr = rrec(f, ri);
	rr->metric = r->metric;
	rr->tag = tag;
	rr->nh = nh;
	rr->next = NIL;
	if (n == NIL)
		n = insert_node(f, key, r->dst.len);
	list_find(t, f, n, r->metric, r->disc, &prev);
	list_link(f, n, prev, ri);
	f->count++;
	dir_maybe_build(f);
	return RT_OK;
}

/* The node of dst and, in it, the route of key (metric, disc): its index,
 * or NIL (then *n may still be the node). */
static uint32_t locate(const struct route_table *t, const struct fam *f, const uint32_t *key,
                       uint32_t len, uint32_t metric, uint32_t disc, uint32_t *n, uint32_t *prev)
{
	*n = find_node(f, key, len);
	*prev = NIL;
	if (*n == NIL)
		return NIL;
	uint32_t ri = list_find(t, f, *n, metric, disc, prev);
	return ri != NIL && rr_cmp(t, rrec(f, ri), metric, disc) == 0 ? ri : NIL;
}

int route_table_add(struct route_table *t, const struct rt_route *r, uint32_t tag)
{
	uint32_t key[4], n, prev;

	if (!t || !route_valid(r))
		return RT_E_INVALID;
	struct fam *f = fam_of(t, r->dst.addr.family);
	key_from_bytes(key, r->dst.addr.bytes, f->kw);
	dent_prefetch(f, key, r->dst.len);
	if (locate(t, f, key, r->dst.len, r->metric, r->disc, &n, &prev) != NIL) {
		route_table_unreserve(t);
		return RT_E_EXISTS;
	}
	blk_prefetch(f, key, r->dst.len);
	return add_new(t, f, r, tag, key, n);
}

int route_table_replace(struct route_table *t, const struct rt_route *r, uint32_t tag,
                        bool *existed, struct rt_route *old, uint32_t *old_tag)
{
	uint32_t key[4], n, prev;

	if (existed)
		*existed = false;
	if (!t || !route_valid(r))
		return RT_E_INVALID;
	struct fam *f = fam_of(t, r->dst.addr.family);
	key_from_bytes(key, r->dst.addr.bytes, f->kw);
	dent_prefetch(f, key, r->dst.len);
	uint32_t ri = locate(t, f, key, r->dst.len, r->metric, r->disc, &n, &prev);
	blk_prefetch(f, key, r->dst.len);
	if (ri == NIL)
		return add_new(t, f, r, tag, key, n);
	uint32_t nh = attr_claim(t, r);
	if (nh == NIL)
		return RT_E_FULL;
	struct rrec *rr = rrec(f, ri);
	struct winner w0 = winner_of(f, n);
	uint32_t was = rr->nh;
	if (old)
		route_out(t, f, node(f, n), rr, old);
	if (old_tag)
		*old_tag = rr->tag;
	if (existed)
		*existed = true;
	rr->nh = nh;
	rr->tag = tag;
	set_head(f, n, head_of(node(f, n)));
	attr_unref(t, was);
	/* the direct table and IPv4 blocks hold copies of winners */
	if (!winner_same(w0, winner_of(f, n)))
		dir_winner_changed(f, n);
	return RT_OK;
}

int route_table_delete(struct route_table *t, const struct rt_prefix *dst, uint32_t metric,
                       uint32_t disc, struct rt_route *old, uint32_t *old_tag)
{
	uint32_t key[4], n, prev;

	if (!t || !prefix_valid(dst))
		return RT_E_INVALID;
	struct fam *f = fam_of(t, dst->addr.family);
	key_from_bytes(key, dst->addr.bytes, f->kw);
	dent_prefetch(f, key, dst->len);
	uint32_t ri = locate(t, f, key, dst->len, metric, disc, &n, &prev);
	blk_prefetch(f, key, dst->len);
	if (ri == NIL)
		return RT_E_NOTFOUND;
	struct rrec *rr = rrec(f, ri);
	struct winner w0 = winner_of(f, n);
	if (old)
		route_out(t, f, node(f, n), rr, old);
	if (old_tag)
		*old_tag = rr->tag;
	if (prev == NIL)
		set_head(f, n, rr->next);
	else {
		rrec(f, prev)->next = rr->next;
		set_head(f, n, head_of(node(f, n)));
	}
	attr_unref(t, rr->nh);
	pool_give(&f->routes, ri);
	f->count--;
	if (node(f, n)[N_RT] == NIL) {
		uint32_t e = dir_top(node(f, n)), len = node(f, n)[N_LEN];
		remove_node(f, n);
		if (f->dir && f->kw == 1 && len >= DIR_BITS && w0.ri != NIL)
			blk_lower(f, e, key[0], len);
	} else if (!winner_same(w0, winner_of(f, n))) {
		dir_winner_changed(f, n);
	}
	if (f->count == 0)
		fam_release(f);        /* give a flushed family's memory back */
	return RT_OK;
}

/* ---- public: bulk load ---------------------------------------------------------------- */

/* Rebuilding a million routes one insert at a time costs a trie walk with
 * a dependent miss per level and a block rewrite per route.  Sorted, the
 * routes arrive in the trie's pre-order: each new node hangs off the path
 * to the previous one, which a stack holds, so the trie is built in one
 * pass with no walk from the top, and the direct table and every /16 block
 * are then built once, from nodes that now lie in memory in address order. */

int route_table_stage(struct route_table *t, const struct rt_route *r, uint32_t tag)
{
	if (!t || !route_valid(r))
		return RT_E_INVALID;
	struct fam *f = fam_of(t, r->dst.addr.family);
	struct stage *s = f == &t->f4 ? &t->s4 : &t->s6;
	uint32_t w = STG_WORDS(f->kw);

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		/* on huge pages, like the table: a million routes staged in
		 * 4 KiB pages took five thousand page faults */
		uint32_t *v = mem_grow(s->v, s->cap * w * sizeof(uint32_t), cap * w * sizeof(uint32_t));
		if (!v)
			return RT_E_FULL;
		s->v = v;
		s->cap = cap;
	}
	uint32_t nh = attr_claim(t, r);
	if (nh == NIL)
		return RT_E_FULL;
	uint32_t *e = s->v + s->n * w;
	key_from_bytes(e, r->dst.addr.bytes, f->kw);
	e[E_LEN(f->kw)] = r->dst.len;
	e[E_METRIC(f->kw)] = r->metric;
	e[E_DISC(f->kw)] = r->disc;
	e[E_NH(f->kw)] = nh;
	e[E_TAG(f->kw)] = tag;
	s->n++;
	return RT_OK;
}

struct stg_sort {
	const uint32_t *v;
	uint32_t kw;
};

/* Trie pre-order: address, then length, then metric and disc; then staging
 * order, so that of two routes with the same key the first staged is kept. */
static int stg_cmp(const void *x, const void *y, void *ctx)
{
	const struct stg_sort *ss = ctx;
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y, w = STG_WORDS(ss->kw);
	const uint32_t *a = ss->v + (size_t)i * w, *b = ss->v + (size_t)j * w;

	for (uint32_t k = 0; k <= E_DISC(ss->kw); k++)
		if (a[k] != b[k])
			return a[k] < b[k] ? -1 : 1;
	return (i > j) - (i < j);
}

/* IPv4: address, length and staging index fit one 64-bit word, so a
 * radix sort does in a few linear passes what qsort does in twenty; equal
 * (address, length) runs, nearly always of one route, are then put in
 * (metric, disc) order. */
#define IDX_BITS 26

static uint32_t *stg_order4(const struct stage *s)
{
	/* scattered into 1024 runs at a time: huge pages spare the TLB */
	size_t sz = s->n * sizeof(uint64_t);
	uint64_t *a = mem_alloc(sz), *b = mem_alloc(sz);
	uint32_t *ord = mem_alloc(s->n * sizeof(uint32_t));

	if (!a || !b || !ord) {
		mem_free(a, sz);
		mem_free(b, sz);
		mem_free(ord, s->n * sizeof(uint32_t));
		return NULL;
	}
	const size_t w = STG_WORDS(1);
	for (size_t i = 0; i < s->n; i++)
		a[i] = (uint64_t)s->v[i * w] << 32 | (uint64_t)s->v[i * w + E_LEN(1)] << IDX_BITS | i;
	/* the index bits are in staging order already */
	uint64_t *sorted = radix_u64(a, b, s->n, IDX_BITS, 64);
	b = sorted == a ? b : a;
	a = sorted;
	for (size_t i = 0; i < s->n; i++) {
		uint32_t x = (uint32_t)(a[i] & ((1u << IDX_BITS) - 1));
		size_t j = i;
		/* insertion by (metric, disc) within the run; stable */
		const uint32_t *ex = s->v + (size_t)x * w;
		while (j > 0 && a[j - 1] >> IDX_BITS == a[i] >> IDX_BITS) {
			const uint32_t *ep = s->v + (size_t)ord[j - 1] * w;
			if (ep[E_METRIC(1)] < ex[E_METRIC(1)] ||
			    (ep[E_METRIC(1)] == ex[E_METRIC(1)] && ep[E_DISC(1)] <= ex[E_DISC(1)]))
				break;
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = x;
	}
	mem_free(a, sz);
	mem_free(b, sz);
	return ord;
}

static uint32_t *stg_order(const struct fam *f, const struct stage *s)
{
	if (f->kw == 1 && s->n < (1u << IDX_BITS))
		return stg_order4(s);
	if (s->n > UINT32_MAX)
		return NULL;
	uint32_t *ord = mem_alloc(s->n * sizeof(uint32_t));
	struct stg_sort ss = { s->v, f->kw };

	if (!ord)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		ord[i] = (uint32_t)i;
	qsort_r(ord, s->n, sizeof(uint32_t), stg_cmp, &ss);
	return ord;
}

static void stg_route(const struct route_table *t, const struct fam *f, const uint32_t *e,
                      struct rt_route *r)
{
	route_out_key(t, f, e, e[E_LEN(f->kw)], e[E_METRIC(f->kw)], e[E_NH(f->kw)], r);
}

/* Staged entry e is not loaded: tell the caller, drop its attributes'
 * reference. */
static void stg_reject(struct route_table *t, const struct fam *f, const uint32_t *e, int err,
                       route_reject_fn reject, void *ctx)
{
	static struct rt_route r;   /* 9 KiB; the table is not thread-safe anyway */

	if (reject) {
		stg_route(t, f, e, &r);
		reject(&r, e[E_TAG(f->kw)], err, ctx);
	}
	attr_unref(t, e[E_NH(f->kw)]);
}

/* Into a family that has routes already, or without memory to sort: one
 * route at a time, in the given order. */
static void stg_add_each(struct route_table *t, struct fam *f, const struct stage *s,
                         const uint32_t *ord, route_reject_fn reject, void *ctx)
{
	uint32_t w = STG_WORDS(f->kw);

	for (size_t i = 0; i < s->n; i++) {
		const uint32_t *e = s->v + (size_t)(ord ? ord[i] : i) * w;
		static struct rt_route r;
		stg_route(t, f, e, &r);
		int rc = route_table_add(t, &r, e[E_TAG(f->kw)]);
		if (rc != RT_OK)
			stg_reject(t, f, e, rc, reject, ctx);
		else
			attr_unref(t, e[E_NH(f->kw)]);
	}
}

/* Into an empty family, in sorted order.  Each step leaves a valid trie,
 * so running out of memory half way rejects the rest and keeps the rest. */
static void stg_build(struct route_table *t, struct fam *f, const struct stage *s,
                      const uint32_t *ord, route_reject_fn reject, void *ctx)
{
	uint32_t w = STG_WORDS(f->kw), kw = f->kw, stack[132], sp = 0, cur = NIL;
	const uint32_t *prev = NULL;

	/* Reserved once (a trie of n prefixes has at most 2n - 1 nodes), the
	 * pools grow without copies and touch only what they use; the slack
	 * goes back at the end. */
	if (s->n < NIL / 2) {
		(void)pool_reserve(&f->routes, (uint32_t)s->n);
		(void)pool_reserve(&f->nodes, (uint32_t)(2 * s->n));
	}
	for (size_t i = 0; i < s->n; i++) {
		const uint32_t *e = s->v + (size_t)ord[i] * w;
		/* the staged routes are read in sorted order, that is at random:
		 * start the misses well ahead so that they overlap */
		if (i + 16 < s->n)
			__builtin_prefetch(s->v + (size_t)ord[i + 16] * w);
		uint32_t len = e[kw];
		bool same_node = prev && memcmp(prev, e, (kw + 1) * sizeof(uint32_t)) == 0;
		if (same_node && prev[E_METRIC(kw)] == e[E_METRIC(kw)] && prev[E_DISC(kw)] == e[E_DISC(kw)]) {
			stg_reject(t, f, e, RT_E_EXISTS, reject, ctx);
			continue;
		}
		if (pool_reserve(&f->routes, 1) < 0 || (!same_node && pool_reserve(&f->nodes, 2) < 0)) {
			stg_reject(t, f, e, RT_E_FULL, reject, ctx);
			continue;
		}
		prev = e;
		if (!same_node) {
			uint32_t n = new_node(f, e, len);
			while (sp) {
				const uint32_t *x = node(f, stack[sp - 1]);
				if (x[N_LEN] < len && key_match(x + N_KEY, e, x[N_LEN]))
					break;
				sp--;
			}
			uint32_t *link = sp ? &node(f, stack[sp - 1])[key_bit(e, node(f, stack[sp - 1])[N_LEN])]
			                    : &f->root;
			/* What the link holds, if anything, is the popped child: in
			 * pre-order nothing else can lie between the path and n. */
			if (*link != NIL) {
				uint32_t l = *link, *lx = node(f, l), ll = lx[N_LEN];
				uint32_t c = key_common(e, lx + N_KEY, len < ll ? len : ll, kw);
				if (c == len) {
					node(f, n)[key_bit(lx + N_KEY, len)] = l;
					*link = n;
				} else {
					uint32_t b = new_node(f, e, c);
					node(f, b)[key_bit(e, c)] = n;
					node(f, b)[key_bit(node(f, l) + N_KEY, c)] = l;
					*link = b;
					stack[sp++] = b;
				}
			} else {
				*link = n;
			}
			stack[sp++] = n;
			cur = n;
		}
		/* keys ascend within a node: append */
		uint32_t ri = pool_take(&f->routes);
		struct rrec *rr = rrec(f, ri);
		rr->metric = e[E_METRIC(kw)];
		rr->nh = e[E_NH(kw)];
		rr->tag = e[E_TAG(kw)];
		rr->next = NIL;
		uint32_t head = head_of(node(f, cur));
		if (head == NIL) {
			set_head(f, cur, ri);
		} else {
			uint32_t last = head;
			while (rrec(f, last)->next != NIL)
				last = rrec(f, last)->next;
			rrec(f, last)->next = ri;
			set_head(f, cur, head);
		}
		f->count++;
	}
	pool_fit(&f->nodes);
	pool_fit(&f->routes);
	dir_maybe_build(f);
}

int route_table_build(struct route_table *t, route_reject_fn reject, void *ctx)
{
	if (!t)
		return RT_E_INVALID;
	for (int fi = 0; fi < 2; fi++) {
		struct fam *f = fi ? &t->f6 : &t->f4;
		struct stage *s = fi ? &t->s6 : &t->s4;
		uint32_t *ord = NULL;

		if (!s->n)
			continue;
		if (f->count == 0 && !f->dir)
			ord = stg_order(f, s);
		if (ord)
			stg_build(t, f, s, ord, reject, ctx);
		else
			stg_add_each(t, f, s, NULL, reject, ctx);
		mem_free(ord, s->n * sizeof(uint32_t));
		mem_free(s->v, s->cap * STG_WORDS(f->kw) * sizeof(uint32_t));
		memset(s, 0, sizeof(*s));
	}
	return RT_OK;
}

/* ---- public: queries ------------------------------------------------------------------ */

int route_table_find(const struct route_table *t, const struct rt_prefix *dst, uint32_t metric,
                     uint32_t disc, struct rt_route *out, uint32_t *tag)
{
	uint32_t key[4], n, prev;

	if (!t || !prefix_valid(dst))
		return RT_E_INVALID;
	const struct fam *f = cfam_of(t, dst->addr.family);
	key_from_bytes(key, dst->addr.bytes, f->kw);
	dent_prefetch(f, key, dst->len);
	uint32_t ri = locate(t, f, key, dst->len, metric, disc, &n, &prev);
	blk_prefetch(f, key, dst->len);
	if (ri == NIL)
		return RT_E_NOTFOUND;
	if (out)
		route_out(t, f, node(f, n), rrec(f, ri), out);
	if (tag)
		*tag = rrec(f, ri)->tag;
	return RT_OK;
}

/* Walk down from node n; the last node with routes on the way is the
 * answer.  Shifts in 64 bits make lengths 0 and 32 need no special case
 * (a /32 has no children, so child[0] = NIL ends it). */
static uint32_t walk4(const struct fam *f, uint32_t n, uint32_t a)
{
	const uint32_t *base = (const uint32_t *)f->nodes.base;
	uint32_t best = NIL;

	while (n != NIL) {
		const uint32_t *x = base + (size_t)n * (N_KEY + 1);
		uint32_t len = x[N_LEN];
		if ((uint32_t)(((uint64_t)(a ^ x[N_KEY]) << len) >> 32))
			break;
		if (x[N_RT] < NOWIN)
			best = n;
		n = x[(((uint64_t)a << len) >> 31) & 1];
	}
	return best;
}

static uint32_t walk_any(const struct fam *f, uint32_t n, const uint32_t *a)
{
	uint32_t best = NIL;

	while (n != NIL) {
		const uint32_t *x = node(f, n);
		uint32_t len = x[N_LEN];
		if (!key_match(x + N_KEY, a, len))
			break;
		if (node_wins(x))
			best = n;
		if (len == f->width)
			break;
		n = x[key_bit(a, len)];
	}
	return best;
}

static bool hit_of_node(const struct fam *f, uint32_t n, struct hit *h)
{
	if (n == NIL)
		return false;
	const uint32_t *x = node(f, n);
	const struct rrec *rr = rrec(f, win_of(f, x));
	h->len = x[N_LEN];
	h->metric = rr->metric;
	h->nh = rr->nh;
	return true;
}

/* Longest match for a, with the lowest metric among equals. */
static bool lookup(const struct fam *f, const uint32_t *a, struct hit *h)
{
	if (!f->dir)
		return hit_of_node(f, f->kw == 1 ? walk4(f, f->root, a[0]) : walk_any(f, f->root, a), h);

	uint32_t e = a[0] >> (32 - DIR_BITS), n = NIL;
	const struct dent *d = &f->dir[e];
	if (d->blk) {
		unsigned char *b = blk_at(f, d);
		/* the last interval starting at or before x */
		const uint16_t *pos = blk_pos(b);
		uint32_t x = a[0] & 0xffff, i = 0, m = d->nm1 + 1u, cap = blk_cap(m);
		while (m > 1) {
			uint32_t half = m / 2;
			i = pos[i + half] <= x ? i + half : i;
			m -= half;
		}
		h->nh = *blk_nh(b, cap, i);
		if (h->nh != NIL) {
			h->len = blk_len(b, cap)[i];
			h->metric = *blk_metric(b, cap, i);
			return true;
		}
	} else if (f->starts[e] != NIL) {
		n = f->kw == 1 ? walk4(f, f->starts[e], a[0]) : walk_any(f, f->starts[e], a);
	}
	if (n != NIL)
		return hit_of_node(f, n, h);
	h->len = d->best_len;
	h->metric = d->best_metric;
	h->nh = d->best_nh;
	return h->nh != NIL;
}

/* IPv4 with the direct table, the case that carries the traffic: the
 * generic path's loops over key words and its calls cost as much as the
 * cache misses, and a shorter look-up also lets the CPU overlap more of
 * them across independent look-ups. */
static int lookup4(const struct route_table *t, const struct rt_addr *a, struct rt_route *out)
{
	const struct fam *f = &t->f4;
	uint32_t x = (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
	             (uint32_t)a->bytes[2] << 8 | a->bytes[3];
	const struct dent *d = &f->dir[x >> (32 - DIR_BITS)];
	struct hit h;

	if (d->blk) {
		unsigned char *b = blk_at(f, d);
		const uint16_t *pos = blk_pos(b);
		uint32_t lo = x & 0xffff, i = 0, m = d->nm1 + 1u, cap = blk_cap(m);
		while (m > 1) {
			uint32_t half = m / 2;
			i = pos[i + half] <= lo ? i + half : i;
			m -= half;
		}
		h.nh = *blk_nh(b, cap, i);
		h.len = blk_len(b, cap)[i];
		h.metric = *blk_metric(b, cap, i);
		if (h.nh == NIL) {
			h.len = d->best_len;
			h.metric = d->best_metric;
			h.nh = d->best_nh;
		}
	} else if (!lookup(f, &x, &h)) {
		return RT_E_NOTFOUND;
	}
	if (h.nh == NIL)
		return RT_E_NOTFOUND;
	if (out) {
		uint32_t k = h.len ? x & ~(UINT32_MAX >> (h.len - 1) >> 1) : 0;
		memset(&out->dst, 0, sizeof(out->dst));
		out->dst.addr.family = AF_INET;
		out->dst.addr.bytes[0] = (uint8_t)(k >> 24);
		out->dst.addr.bytes[1] = (uint8_t)(k >> 16);
		out->dst.addr.bytes[2] = (uint8_t)(k >> 8);
		out->dst.addr.bytes[3] = (uint8_t)k;
		out->dst.len = (uint8_t)h.len;
		out->metric = h.metric;
		attr_decode(t, h.nh, out);
	}
	return RT_OK;
}

int route_table_lookup(const struct route_table *t, const struct rt_addr *a, struct rt_route *out)
{
	uint32_t key[4];
	struct hit h;

	if (!t || !a)
		return RT_E_INVALID;
	if (a->family == AF_INET && t->f4.dir)
		return lookup4(t, a, out);
	const struct fam *f = cfam_of(t, a->family);
	if (!f)
		return RT_E_INVALID;
	key_from_bytes(key, a->bytes, f->kw);
	if (!lookup(f, key, &h))
		return RT_E_NOTFOUND;
	if (out)
		route_out_key(t, f, key, h.len, h.metric, h.nh, out);
	return RT_OK;
}

size_t route_table_count(const struct route_table *t, uint8_t family)
{
	if (!t)
		return 0;
	if (family == 0)
		return t->f4.count + t->f6.count;
	const struct fam *f = cfam_of(t, family);
	return f ? f->count : 0;
}

size_t route_table_memory(const struct route_table *t)
{
	size_t m;

	if (!t)
		return 0;
	m = sizeof(*t) + ATTR_MAX + pool_bytes(&t->attrs) + t->attr_bytes +
	    (size_t)t->nbuckets * sizeof(uint32_t);
	const struct fam *fams[2] = { &t->f4, &t->f6 };
	for (size_t i = 0; i < 2; i++) {
		m += pool_bytes(&fams[i]->nodes) + pool_bytes(&fams[i]->routes);
		if (fams[i]->dir)
			m += (sizeof(struct dent) + sizeof(uint32_t)) << DIR_BITS;
		if (fams[i]->scratch)
			m += (sizeof(struct iv) << DIR_BITS) + BLK_CLASSES * sizeof(uint32_t);
		m += fams[i]->arena_cap;
	}
	return m;
}

/* ---- public: walks ---------------------------------------------------------------------- */

static int visit_node(const struct route_table *t, const struct fam *f, uint32_t n,
                      route_visit_fn fn, void *ctx)
{
	const uint32_t *x = node(f, n);
	struct rt_route r;

	for (uint32_t ri = head_of(x); ri != NIL; ri = rrec(f, ri)->next) {
		route_out(t, f, x, rrec(f, ri), &r);
		int rc = fn(&r, rrec(f, ri)->tag, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

/* Pre-order, 0 before 1: a node's prefix sorts before everything below it
 * (same address and shorter, or smaller address), and the 0 side before
 * the 1 side, which is exactly address-then-length order. */
static int walk_subtree(const struct route_table *t, const struct fam *f, uint32_t top,
                        route_visit_fn fn, void *ctx)
{
	uint32_t stack[132];   /* a path has at most width + 1 nodes */
	size_t sp = 0;

	if (top == NIL)
		return 0;
	stack[sp++] = top;
	while (sp) {
		uint32_t n = stack[--sp];
		int rc = visit_node(t, f, n, fn, ctx);
		if (rc)
			return rc;
		const uint32_t *x = node(f, n);
		if (x[N_C1] != NIL)
			stack[sp++] = x[N_C1];
		if (x[N_C0] != NIL)
			stack[sp++] = x[N_C0];
	}
	return 0;
}

int route_table_walk(const struct route_table *t, enum route_filter mode,
                     const struct rt_prefix *prefix, route_visit_fn fn, void *ctx)
{
	uint32_t key[4];

	if (!t || !fn)
		return RT_E_INVALID;
	if (mode == RT_FILTER_ALL) {
		int rc = walk_subtree(t, &t->f4, t->f4.root, fn, ctx);
		return rc ? rc : walk_subtree(t, &t->f6, t->f6.root, fn, ctx);
	}
	if (!prefix_valid(prefix))
		return RT_E_INVALID;
	const struct fam *f = cfam_of(t, prefix->addr.family);
	uint32_t len = prefix->len, n = f->root;
	key_from_bytes(key, prefix->addr.bytes, f->kw);
	switch (mode) {
	case RT_FILTER_EXACT:
		n = find_node(f, key, len);
		return n == NIL ? 0 : visit_node(t, f, n, fn, ctx);
	case RT_FILTER_ROOT:
		while (n != NIL && node(f, n)[N_LEN] < len) {
			const uint32_t *x = node(f, n);
			if (!key_match(x + N_KEY, key, x[N_LEN]))
				return 0;
			n = x[key_bit(key, x[N_LEN])];
		}
		if (n == NIL || !key_match(node(f, n) + N_KEY, key, len))
			return 0;
		return walk_subtree(t, f, n, fn, ctx);
	case RT_FILTER_MATCH:
		while (n != NIL) {
			const uint32_t *x = node(f, n);
			if (x[N_LEN] > len || !key_match(x + N_KEY, key, x[N_LEN]))
				return 0;
			int rc = visit_node(t, f, n, fn, ctx);
			if (rc)
				return rc;
			if (x[N_LEN] == len)
				return 0;
			n = x[key_bit(key, x[N_LEN])];
		}
		return 0;
	default:
		return RT_E_INVALID;
	}
}
