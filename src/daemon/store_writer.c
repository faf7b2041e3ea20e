/* store_writer.c - the writer engine of the slot files: allocation, dirty
 * ranges, write-behind, deferred frees, growth, recovery and sync.  Only
 * rtmd writes a store; the format it writes is src/lib/store.c's. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Inline: recovery hashes every slot three times. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "errors.h"
#include "faults.h"
#include "log.h"
#include "store_layout.h"
#include "store_writer.h"

/* Recovery passes prefetch this many slots ahead of the one they work on:
 * their table and index reads are random, and overlapping the misses is
 * what makes a million of them cheap. */
#define AHEAD 16

/* Single-writer seqlock write: odd sequence, release fence, data, even
 * sequence with release. */
static void slot_put(const struct store_map *m, uint32_t slot, const uint8_t *payload,
                     uint64_t version)
{
	struct slot_ptr sp = store_slot_at(m, slot);
	uint64_t w[STORE_PAYLOAD_MAX / 8];
	size_t nw = m->payload_size / 8;
	uint32_t s = __atomic_load_n(sp.seq, __ATOMIC_RELAXED);
	uint32_t crc = store_slot_crc(version, payload, m->payload_size);

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

/* ---- Write-behind ------------------------------------------------------
 * A route store is read by nobody but rtmd, so a slot write need not be a
 * seqlock write into the mapping that other processes watch: the image is
 * kept here and written with pwrite at the end of the turn.  Writing through
 * a MAP_SHARED mapping costs, at each msync, a write-protect of every dirty
 * page with a TLB flush, then a fault on its next write: a quarter of rtmd's
 * time when loading a million routes. */

#define STAGE_MAX 8192          /* images (768 KiB of route slots) */

static int stage_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

static int stage_write(struct store *st, const uint8_t *p, size_t len, uint32_t slot)
{
	off_t off = (off_t)(st->m.slots_off + (size_t)slot * st->m.slot_size);

	while (len) {
		ssize_t n = pwrite(st->m.fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* In slot order, each run of consecutive slots in one pwrite. */
static int stage_flush(struct store *st)
{
	size_t ss = st->m.slot_size, n = st->stage_n;
	uint8_t *run = st->stage_run;
	size_t run_n = 0;
	uint32_t run_first = 0;
	int e = 0;

	if (!n)
		return 0;
	qsort(st->stage_slot, n, sizeof(*st->stage_slot), stage_cmp);
	for (size_t i = 0; i < n && !e; i++) {
		uint32_t slot = st->stage_slot[i];
		const uint8_t *img = st->stage + (size_t)(st->stage_pos[slot] - 1) * ss;

		if (run_n && slot != run_first + run_n) {
			e = stage_write(st, run, run_n * ss, run_first);
			run_n = 0;
		}
		if (!run_n)
			run_first = slot;
		/* Gathered in slot order: the stage holds them in the order
		 * they were written. */
		memcpy(run + run_n * ss, img, ss);
		run_n++;
	}
	if (!e && run_n)
		e = stage_write(st, run, run_n * ss, run_first);
	if (e)
		return e;
	for (size_t i = 0; i < n; i++)
		st->stage_pos[st->stage_slot[i]] = 0;
	st->stage_n = 0;
	return 0;
}

/* false: not staged (no memory, or the stage is full and cannot be
 * written); the caller writes through the mapping, which is safe because
 * then no older image of this slot is waiting to overwrite it. */
static bool stage_put(struct store *st, uint32_t slot, const uint8_t *payload, uint64_t version)
{
	size_t ss = st->m.slot_size;
	uint32_t i;

	if (!st->stage) {
		st->stage = malloc(STAGE_MAX * ss);
		st->stage_run = malloc(STAGE_MAX * ss);
		st->stage_slot = malloc(STAGE_MAX * sizeof(*st->stage_slot));
		if (!st->stage || !st->stage_run || !st->stage_slot) {
			free(st->stage);
			free(st->stage_run);
			free(st->stage_slot);
			st->stage = st->stage_run = NULL;
			st->stage_slot = NULL;
			return false;
		}
	}
	if (slot >= st->stage_pos_n) {
		uint32_t ncap = st->m.capacity;
		uint32_t *p = realloc(st->stage_pos, (size_t)ncap * sizeof(*p));
		if (!p)
			return false;
		memset(p + st->stage_pos_n, 0, (size_t)(ncap - st->stage_pos_n) * sizeof(*p));
		st->stage_pos = p;
		st->stage_pos_n = ncap;
	}
	if (st->stage_pos[slot]) {
		i = st->stage_pos[slot] - 1;
	} else {
		if (st->stage_n == STAGE_MAX) {
			int e = stage_flush(st);
			if (e) {
				st->stage_errno = e;
				return false;
			}
		}
		i = (uint32_t)st->stage_n++;
		st->stage_slot[i] = slot;
		st->stage_pos[slot] = i + 1;
	}

	uint8_t *img = st->stage + (size_t)i * ss;
	uint32_t seq = (uint32_t)version << 1, crc = store_slot_crc(version, payload, st->m.payload_size);

	memcpy(img, &seq, 4);
	memcpy(img + 4, &crc, 4);
	memcpy(img + 8, &version, 8);
	memcpy(img + STORE_SLOT_HEAD, payload, st->m.payload_size);
	return true;
}

static void stage_free(struct store *st)
{
	free(st->stage_run);
	st->stage_run = NULL;
	free(st->stage);
	free(st->stage_slot);
	free(st->stage_pos);
	st->stage = NULL;
	st->stage_slot = NULL;
	st->stage_pos = NULL;
	st->stage_n = 0;
	st->stage_pos_n = 0;
}

int store_flush(struct store *st, char *err, size_t errlen)
{
	int e = st->stage_errno ? st->stage_errno : stage_flush(st);

	if (e) {
		st->stage_errno = e;
		snprintf(err, errlen, "%s %s: write: %s; changes may not be durable (check the "
		         "free space)", st->ops->what, st->path, strerror(e));
		return -1;
	}
	return 0;
}

static void write_slot(struct store *st, uint32_t slot, const uint8_t *payload)
{
	uint64_t v = st->version++;

	if (!st->ops->write_behind || !stage_put(st, slot, payload, v))
		slot_put(&st->m, slot, payload, v);
	mark_dirty(st, slot);
}

/* A free payload of any store's size, without clearing one per call. */
static const uint8_t zero_payload[STORE_PAYLOAD_MAX];

static void write_free(struct store *st, uint32_t slot)
{
	write_slot(st, slot, zero_payload);
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

/* Allocate [off, off + len) of fd (extending it), so that writing those
 * bytes later -- through the mapping or with pwrite -- never fails for
 * space: a full disk then refuses the growth, instead of failing an msync
 * (or faulting a write into a hole with SIGBUS) after changes were made.
 * A file system that cannot reserve (EOPNOTSUPP) gets a sparse extension,
 * noted once.  0, or an errno. */
static int reserve_space(int fd, off_t off, off_t len)
{
	static bool noted;
	struct stat sb;

	if (len == 0 || fallocate(fd, 0, off, len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return errno;
	if (!noted)
		log_notice("the state directory's file system cannot reserve space (fallocate): "
		           "a full disk may stop rtmd instead of refusing changes");
	noted = true;
	if (fstat(fd, &sb) < 0)
		return errno;
	if (sb.st_size < off + len && ftruncate(fd, off + len) < 0)
		return errno;
	return 0;
}

static bool no_space(int e)
{
	return e == ENOSPC || e == EDQUOT;
}

/* The directory sync that makes a rename durable (fault injection may
 * fail it, for the test of what a failure does). */
static int sync_renamed(const char *path, char *err, size_t errlen)
{
	if (fault_on(FAULT_FAIL_DIRSYNC)) {
		snprintf(err, errlen, "fsync of the directory of %s: %s (injected)", path,
		         strerror(EIO));
		return -1;
	}
	return sync_dir(path, err, errlen);
}

/* A rename whose directory sync failed: retry it.  0 once it is durable. */
static int retry_renamed(struct store *st, char *err, size_t errlen)
{
	if (!st->dir_unsynced)
		return 0;
	if (sync_renamed(st->path, err, errlen) < 0)
		return -1;
	st->dir_unsynced = false;
	log_notice("%s %s: the directory sync after its rename succeeded now", st->ops->what,
	           st->path);
	return 0;
}

static void idx_insert_raw(const struct store_map *m, unsigned index, uint64_t hash,
                           uint32_t slot, uint32_t *tombs_reused)
{
	uint64_t *b = store_bucket_array(m, index);
	uint32_t mask = m->nbuckets - 1, pos = (uint32_t)hash & mask;

	for (uint32_t n = 0; n < m->nbuckets; n++, pos = (pos + 1) & mask) {
		uint64_t v = b[pos];
		if (v == STORE_IDX_EMPTY || store_bucket_tomb(v)) {
			if (v != STORE_IDX_EMPTY && tombs_reused)
				(*tombs_reused)++;
			__atomic_store_n(&b[pos], store_bucket(hash, slot), __ATOMIC_RELEASE);
			return;
		}
	}
	/* Unreachable: store_reserve() keeps the load under 3/4. */
	abort();
}

/* The fixed part of a new file's header, and its capacity. */
static void write_header(const struct store_map *m, const struct store_ops *ops)
{
	struct store_hdr *h = store_hdr_of(m);

	memcpy(h->magic, STORE_MAGIC, 8);
	h->version = STORE_VERSION;
	h->kind = ops->kind;
	h->slot_size = m->slot_size;
	h->payload_size = m->payload_size;
	h->nbuckets = m->nbuckets;
	h->nindex = m->nindex;
	h->generation = m->generation;
	h->slots_off = m->slots_off;
	for (unsigned i = 0; i < STORE_MAX_INDEX; i++)
		h->index_off[i] = m->index_off[i];
	h->hdr_crc = store_hdr_crc(h);
	h->extent = store_extent_of(m->generation, m->capacity);
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
	bool dir_failed = false;
	int fd = -1;

	store_layout(ops, cap, &nm);
	nm.fd = -1;
	nm.base = NULL;
	/* The copy below reads the slots from the mapping. */
	if (store_flush(st, err, errlen) < 0)
		return -1;
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
		st->fail_errno = errno;
		snprintf(err, errlen, "%s %s: create: %s; check the state directory%s", ops->what,
		         tmp, strerror(errno), no_space(errno) ? " and its free space" : "");
		goto fail;
	}
	/* Readers are other users: do not let the daemon's umask hide it. */
	if (fchmod(fd, 0644) < 0) {
		st->fail_errno = errno;
		snprintf(err, errlen, "%s %s: chmod: %s", ops->what, tmp, strerror(errno));
		goto fail;
	}
	if ((st->fail_errno = reserve_space(fd, 0, (off_t)nm.len)) != 0) {
		snprintf(err, errlen, "%s %s: cannot allocate %zu bytes: %s%s", ops->what, tmp,
		         nm.len, strerror(st->fail_errno),
		         no_space(st->fail_errno) ? " (free some space in the state directory)" : "");
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

	nm.generation = st->m.base ? st->m.generation + 1 : 1;
	write_header(&nm, ops);

	uint32_t nused = 0;
	if (st->m.base) {
		memcpy(used, st->used, bitmap_words(st->m.capacity) * sizeof(uint64_t));
		for (size_t i = 0; i < st->npending; i++) {
			bit_clear(used, st->pending[i]);
			bit_clear(st->pend_bits, st->pending[i]);
		}
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
		st->fail_errno = errno;
		snprintf(err, errlen, "%s %s: fsync: %s", ops->what, tmp, strerror(errno));
		goto fail;
	}
	fault_point(POINT_REWRITE_SYNCED);
	if (rename(tmp, st->path) < 0) {
		st->fail_errno = errno;
		snprintf(err, errlen, "%s: rename %s to %s: %s", ops->what, tmp, st->path,
		         strerror(errno));
		goto fail;
	}
	free(tmp);
	tmp = NULL;
	fault_point(POINT_REWRITE_RENAMED);
	/* The new file is the store from here on, whatever follows: the old
	 * one no longer has the name.  Until the directory is synced the
	 * rename is not durable, so a failure fails the change that caused
	 * the rewrite, and every later sync retries it and fails (nothing is
	 * acknowledged) as long as it does. */
	if (!fault_on(FAULT_SKIP_DIRSYNC) && sync_renamed(st->path, err, errlen) < 0)
		dir_failed = true;
	fault_point(POINT_REWRITE_DONE);

	struct stat sb;
	if (fstat(nm.fd, &sb) == 0) {
		nm.dev = sb.st_dev;
		nm.ino = sb.st_ino;
	}
	if (st->m.base) {
		/* Readers of the old file see this on their next call and reopen. */
		__atomic_fetch_or(&store_hdr_of(&st->m)->flags, STORE_F_RETIRED, __ATOMIC_RELEASE);
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
	st->dir_unsynced = dir_failed;
	return dir_failed ? -1 : 0;

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

/* Extend a store without indexes in place: nothing follows its slots and
 * only the writer maps it, so slot numbers and the mapping's contents stay
 * where they are.  Crash safety rests on the order: the longer file is
 * durable before the header's capacity (one aligned 8-byte store) claims
 * it, and that is durable before any slot beyond the old capacity is
 * written.  A crash in between leaves a file longer than its capacity,
 * which the next open accepts and the next growth reuses. */
static int grow_in_place(struct store *st, uint32_t cap, char *err, size_t errlen)
{
	const struct store_ops *ops = st->ops;
	struct store_map nm;
	struct stat sb;
	size_t oldw = bitmap_words(st->m.capacity), neww;

	store_layout(ops, cap, &nm);
	neww = bitmap_words(cap);
	uint64_t *used = realloc(st->used, neww * sizeof(uint64_t));
	if (!used) {
		snprintf(err, errlen, "%s %s: out of memory for %" PRIu32 " slots", ops->what,
		         st->path, cap);
		return -1;
	}
	memset(used + oldw, 0, (neww - oldw) * sizeof(uint64_t));
	st->used = used;

	if (fstat(st->m.fd, &sb) < 0) {
		snprintf(err, errlen, "%s %s: fstat: %s", ops->what, st->path, strerror(errno));
		return -1;
	}
	/* A tail left by an interrupted growth was never part of the store;
	 * cutting it first makes the new slots zero (free) whatever it held. */
	if ((uint64_t)sb.st_size != st->m.len && ftruncate(st->m.fd, (off_t)st->m.len) < 0) {
		snprintf(err, errlen, "%s %s: truncate to %zu bytes: %s", ops->what, st->path,
		         st->m.len, strerror(errno));
		return -1;
	}
	st->fail_errno = reserve_space(st->m.fd, (off_t)st->m.len, (off_t)(nm.len - st->m.len));
	if (!st->fail_errno && fdatasync(st->m.fd) < 0)
		st->fail_errno = errno;
	if (st->fail_errno) {
		/* What was allocated beyond the capacity is a tail the next
		 * growth cuts, as after a crash. */
		snprintf(err, errlen, "%s %s: extend to %zu bytes: %s%s", ops->what, st->path, nm.len,
		         strerror(st->fail_errno),
		         no_space(st->fail_errno) ? " (free some space in the state directory)" : "");
		return -1;
	}
	fault_point(POINT_GROW_EXTENDED);
	void *base = mremap(st->m.base, st->m.len, nm.len, MREMAP_MAYMOVE);
	if (base == MAP_FAILED) {
		snprintf(err, errlen, "%s %s: mremap to %zu bytes: %s", ops->what, st->path, nm.len,
		         strerror(errno));
		return -1;
	}
	size_t old_len = st->m.len;
	st->m.base = base;
	st->m.len = nm.len;
#ifdef MADV_POPULATE_WRITE
	/* One call maps the new pages writable, instead of a fault each as
	 * the slots fill (best effort: older kernels say EINVAL).  Not for a
	 * write-behind store: it never writes slots through the mapping. */
	if (!ops->write_behind)
		madvise(st->m.base + old_len, nm.len - old_len, MADV_POPULATE_WRITE);
#else
	(void)old_len;
#endif
	uint64_t *extent = &store_hdr_of(&st->m)->extent;
	uint64_t old = *extent;
	__atomic_store_n(extent, store_extent_of(st->m.generation, cap), __ATOMIC_RELEASE);
	fault_point(POINT_GROW_CLAIMED);
	if (msync(st->m.base, PAGE, MS_SYNC) < 0) {
		snprintf(err, errlen, "%s %s: msync of the header: %s", ops->what, st->path,
		         strerror(errno));
		__atomic_store_n(extent, old, __ATOMIC_RELEASE);
		return -1;
	}
	st->m.capacity = cap;
	return 0;
}

/* Recovery's scratch arrays (tens of MiB at a million slots, read at
 * random): anonymous memory in huge pages where the kernel allows, so that
 * neither first-touch faults nor TLB misses dominate.  Zeroed. */
static void *scratch_alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, n, MADV_HUGEPAGE);   /* best effort */
	return p;
}

static void scratch_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

/* Per-slot results of the recovery scan, freed when the open is done. */
struct scan {
	uint32_t cap;
	uint8_t *state;                         /* enum store_slot_state */
	uint64_t *khash;                        /* key hash of a USED slot */
	uint64_t *ihash[STORE_MAX_INDEX];       /* index hashes of a USED slot */
};

static void scan_free(struct scan *sc)
{
	scratch_free(sc->state, sc->cap);
	scratch_free(sc->khash, (size_t)sc->cap * sizeof(uint64_t));
	for (unsigned i = 0; i < STORE_MAX_INDEX; i++)
		scratch_free(sc->ihash[i], (size_t)sc->cap * sizeof(uint64_t));
}

/* Classify every slot, in file order (sequential reads, which the kernel's
 * read-ahead and the CPU's prefetcher keep ahead of), and hash the live
 * ones.  Returns the number of torn or corrupt slots, which are freed. */
static uint32_t scan_slots(struct store *st, struct scan *sc)
{
	const struct store_map *m = &st->m;
	const struct store_ops *ops = st->ops;
	uint64_t maxver = 0;
	uint32_t bad = 0;

	for (uint32_t s = 0; s < m->capacity; s++) {
		const uint8_t *p = m->base + m->slots_off + (size_t)s * m->slot_size;
		uint32_t seq, crc;
		uint64_t ver;
		memcpy(&seq, p, 4);
		memcpy(&crc, p + 4, 4);
		memcpy(&ver, p + 8, 8);
		const uint8_t *payload = p + STORE_SLOT_HEAD;
		enum store_slot_state state = store_classify(seq, crc, ver, payload, m->payload_size,
		                                       ops->valid);
		sc->state[s] = (uint8_t)state;
		if (state == STORE_SLOT_USED) {
			sc->khash[s] = XXH3_64bits(payload, ops->keylen);
			for (unsigned i = 0; i < ops->nindex; i++)
				sc->ihash[i][s] = ops->hash(payload, i);
		}
		/* Only checksummed versions count: garbage could be huge. */
		if ((state == STORE_SLOT_USED || state == STORE_SLOT_FREE) && ver > maxver)
			maxver = ver;
	}
	st->version = maxver + 1;
	for (uint32_t s = 0; s < m->capacity; s++) {
		if (sc->state[s] == STORE_SLOT_TORN || sc->state[s] == STORE_SLOT_CORRUPT) {
			write_free(st, s);
			sc->state[s] = STORE_SLOT_FREE;
			bad++;
		}
	}
	return bad;
}

/* Of two slots with the same key (a crash between writing a replacement
 * and freeing the original) the higher version wins; the other is freed.
 * Sets the used bitmap.  Returns the number of duplicates, or -1 (memory). */
static long dedup(struct store *st, struct scan *sc)
{
	const struct store_map *m = &st->m;
	uint32_t cap = m->capacity, nb = store_buckets_for(cap), mask = nb - 1;
	uint64_t *tab = scratch_alloc((size_t)nb * sizeof(uint64_t));
	long dups = 0;

	if (!tab)
		return -1;
	for (uint32_t s = 0; s < cap; s++) {
		uint32_t a = s + AHEAD;
		if (a < cap && sc->state[a] == STORE_SLOT_USED)
			__builtin_prefetch(&tab[sc->khash[a] & mask], 1);
		if (sc->state[s] != STORE_SLOT_USED)
			continue;
		uint64_t h = sc->khash[s];
		uint32_t keep = s;
		for (uint32_t pos = (uint32_t)h & mask;; pos = (pos + 1) & mask) {
			uint64_t v = tab[pos];
			if (v == 0) {
				tab[pos] = store_bucket(h, s);
				break;
			}
			uint32_t other = (uint32_t)v - 1;
			if ((v >> 32) != (h >> 32) ||
			    memcmp(store_payload(st, s), store_payload(st, other), st->ops->keylen) != 0)
				continue;
			bool newer = *store_slot_at(m, s).version > *store_slot_at(m, other).version;
			uint32_t loser = newer ? other : s;
			keep = newer ? s : other;
			tab[pos] = store_bucket(h, keep);
			write_free(st, loser);
			sc->state[loser] = STORE_SLOT_FREE;
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
	scratch_free(tab, (size_t)nb * sizeof(uint64_t));
	st->count = st->nused;
	return dups;
}

/* Check index i against the live slots and mend it in place.  A bucket
 * that does not hold a live slot under that slot's tag, reachable from its
 * hash, for the first time, becomes a tombstone; a live slot the index
 * lacks is inserted.  Both are the writer's ordinary operations, safe
 * under readers.  Every bucket is read in order once; the per-slot hashes
 * it needs are prefetched a few buckets ahead.  Returns the number of
 * buckets mended, or -1 if the index must be rebuilt (no empty bucket, too
 * full, or no memory). */
static long repair_index(struct store *st, unsigned i, const struct scan *sc)
{
	const struct store_map *m = &st->m;
	uint64_t *b = store_bucket_array(m, i);
	uint32_t nb = m->nbuckets, mask = nb - 1, cap = m->capacity, k0 = 0;
	const uint64_t *h = sc->ihash[i];
	uint32_t live = 0, tombs = 0;
	long mended = 0;

	while (k0 < nb && b[k0] != STORE_IDX_EMPTY)
		k0++;
	if (k0 == nb)
		return -1;
	uint64_t *seen = calloc(bitmap_words(cap), sizeof(uint64_t));
	if (!seen)
		return -1;
	/* Walk once around from an empty bucket; start is the first bucket
	 * of the current run of non-empty ones, which a probe from any home
	 * inside the run crosses. */
	uint64_t start = (uint64_t)k0 + 1;
	for (uint64_t u = (uint64_t)k0 + 1; u < (uint64_t)k0 + nb; u++) {
		uint64_t va = b[(u + AHEAD) & mask];
		if ((uint32_t)va - 1 < cap)
			__builtin_prefetch(&h[(uint32_t)va - 1]);
		uint32_t k = (uint32_t)u & mask;
		uint64_t v = b[k];
		if (v == STORE_IDX_EMPTY) {
			start = u + 1;
			continue;
		}
		if (store_bucket_tomb(v)) {
			tombs++;
			continue;
		}
		uint32_t s = (uint32_t)v - 1;
		if (s < cap && bit_get(st->used, s) && !bit_get(seen, s) && v == store_bucket(h[s], s) &&
		    ((k - (uint32_t)h[s]) & mask) <= u - start) {
			bit_set(seen, s);
			live++;
			continue;
		}
		__atomic_store_n(&b[k], STORE_IDX_TOMB, __ATOMIC_RELEASE);
		tombs++;
		mended++;
	}
	uint32_t missing = st->nused - live;
	if ((uint64_t)(live + tombs + missing) * 4 > (uint64_t)nb * 3) {
		free(seen);
		return -1;
	}
	for (size_t w = 0; w < bitmap_words(cap) && missing; w++) {
		for (uint64_t x = st->used[w] & ~seen[w]; x; x &= x - 1) {
			uint32_t s = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(x)), reused = 0;
			idx_insert_raw(m, i, h[s], s, &reused);
			tombs -= reused;
			live++;
			mended++;
		}
	}
	free(seen);
	st->live[i] = live;
	st->tombs[i] = tombs;
	return mended;
}

/* Validate every slot: torn or corrupt ones are freed and counted; of two
 * slots with the same key the higher version wins; the indexes are checked
 * and mended.  0, 1 if an index must be rebuilt, -1 on error. */
static int recover(struct store *st, uint32_t *dropped, char *err, size_t errlen)
{
	const struct store_map *m = &st->m;
	uint32_t cap = m->capacity;
	struct scan sc = { .cap = cap, .state = scratch_alloc(cap),
	                   .khash = scratch_alloc((size_t)cap * sizeof(uint64_t)) };
	bool ok = sc.state && sc.khash;
	int rc = 0;

	for (unsigned i = 0; i < m->nindex; i++)
		ok = ok && (sc.ihash[i] = scratch_alloc((size_t)cap * sizeof(uint64_t))) != NULL;
	if (!ok) {
		scan_free(&sc);
		snprintf(err, errlen, "%s %s: out of memory for recovery", st->ops->what, st->path);
		return -1;
	}
	/* The kernel reads the file ahead of the scan when it is not cached. */
	madvise(m->base, m->len, MADV_WILLNEED);
	uint32_t bad = scan_slots(st, &sc);
	long dups = dedup(st, &sc);
	if (dups < 0) {
		scan_free(&sc);
		snprintf(err, errlen, "%s %s: out of memory for recovery", st->ops->what, st->path);
		return -1;
	}
	if (bad || dups)
		log_notice("%s %s: recovery dropped %" PRIu32 " torn or corrupt slot(s) and "
		           "resolved %ld duplicate key(s)", st->ops->what, st->path, bad, dups);
	if (dropped)
		*dropped = bad;
	for (unsigned i = 0; i < m->nindex && rc == 0; i++) {
		long mended = repair_index(st, i, &sc);
		if (mended < 0)
			rc = 1;
		else if (mended)
			log_info("%s %s: mended %ld bucket(s) of look-up index %u", st->ops->what,
			         st->path, mended, i);
	}
	scan_free(&sc);
	return rc;
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
	fault_point(POINT_OPENED);
	/* Files of this rtmd are allocated whole; an older one may be sparse,
	 * and a write into a hole on a full disk would fault (SIGBUS). */
	int e = reserve_space(st->m.fd, 0, (off_t)st->m.len);
	if (e) {
		snprintf(err, errlen, "%s %s: cannot allocate its %zu bytes: %s%s", ops->what, path,
		         st->m.len, strerror(e),
		         no_space(e) ? "; free some space in the state directory and start again" : "");
		goto fail;
	}
	/* Recovery reads the page cache, where a killed rtmd may have left
	 * writes that never reached the disk; it decides on them (a torn slot
	 * or a duplicate's loser is freed) and rtmd then serves them.  Make
	 * them durable first, and the file's name with them (a rename whose
	 * directory sync was cut short): otherwise a power cut after the start
	 * could keep a free and lose what it was based on (the winner, never
	 * synced), or take back entries already served. */
	if (fault_on(FAULT_SKIP_RECOVERY_SYNC)) {
		/* negative control of the power-cut test */
	} else if (fsync(st->m.fd) < 0) {
		snprintf(err, errlen, "%s %s: fsync: %s; cannot make what is there durable before "
		         "recovering it", ops->what, path, strerror(errno));
		goto fail;
	} else if (sync_dir(path, err, errlen) < 0) {
		goto fail;
	}
	st->used = calloc(bitmap_words(st->m.capacity), sizeof(uint64_t));
	if (!st->used) {
		snprintf(err, errlen, "%s %s: out of memory", ops->what, path);
		goto fail;
	}
	int rc = recover(st, dropped, err, errlen);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		/* Beyond mending in place (hostile, or full of tombstones):
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
	free(st->pend_bits);
	stage_free(st);
	free(st->path);
	memset(st, 0, sizeof(*st));
	st->m.fd = -1;
}

int store_reserve(struct store *st, unsigned inserts)
{
	char err[RT_ERRLEN + 256];
	bool full = st->nused >= st->m.capacity, crowded = false;

	/* Nothing changes on a file whose name is not durable yet. */
	if (retry_renamed(st, err, sizeof(err)) < 0) {
		log_err("%s %s: %s; changes are refused until it succeeds", st->ops->what, st->path,
		        err);
		return RT_E_INTERNAL;
	}

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
	st->fail_errno = 0;
	if (st->ops->in_place && cap > st->m.capacity ? grow_in_place(st, cap, err, sizeof(err)) < 0 :
	    rewrite(st, cap, err, sizeof(err)) < 0) {
		if (st->dir_unsynced) {
			log_err("%s %s: now %" PRIu32 " slots, but %s: the change is refused, and "
			        "so is every change until the directory can be synced", st->ops->what,
			        st->path, st->m.capacity, err);
			return RT_E_INTERNAL;
		}
		if (no_space(st->fail_errno)) {
			/* Once per spell of a full disk: clients retrying must not
			 * fill the journal. */
			if (!st->nospace)
				log_err("%s; the table stays at %" PRIu32 " entries, and changes that "
				        "need more are refused (\"disk full\") until there is space",
				        err, st->m.capacity);
			else
				log_debug("%s", err);
			st->nospace = true;
			return RT_E_NOSPACE;
		}
		log_err("%s; the table stays at %" PRIu32 " entries", err, st->m.capacity);
		return RT_E_FULL;
	}
	if (st->nospace)
		log_notice("%s %s: there is space again", st->ops->what, st->path);
	st->nospace = false;
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

void store_write_nosync(struct store *st, uint32_t slot, const uint8_t *payload)
{
	slot_put(&st->m, slot, payload, st->version++);
}

void store_free_nosync(struct store *st, uint32_t slot)
{
	store_write_nosync(st, slot, zero_payload);
	if (bit_get(st->used, slot)) {
		bit_clear(st->used, slot);
		st->nused--;
	}
	if (slot < st->free_hint)
		st->free_hint = slot;
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
			bit_clear(st->pend_bits, st->pending[i]);
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
	size_t need = bitmap_words(st->m.capacity);

	if (st->pend_words < need) {
		uint64_t *b = realloc(st->pend_bits, need * sizeof(*b));
		if (!b) {
			store_free_now(st, slot);
			return 0;
		}
		memset(b + st->pend_words, 0, (need - st->pend_words) * sizeof(*b));
		st->pend_bits = b;
		st->pend_words = need;
	}
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
	bit_set(st->pend_bits, slot);
	return 0;
}

bool store_slot_live(const struct store *st, uint32_t slot)
{
	if (slot >= st->m.capacity || !bit_get(st->used, slot))
		return false;
	return slot / 64 >= st->pend_words || !bit_get(st->pend_bits, slot);
}

const uint8_t *store_payload(const struct store *st, uint32_t slot)
{
	if (slot < st->stage_pos_n && st->stage_pos[slot])
		return st->stage + (size_t)(st->stage_pos[slot] - 1) * st->m.slot_size +
		       STORE_SLOT_HEAD;
	return (const uint8_t *)store_slot_at(&st->m, slot).words;
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
	const uint64_t *b = store_bucket_array(m, index);
	uint32_t mask = m->nbuckets - 1, pos = (uint32_t)hash & mask;
	uint64_t want = store_bucket(hash, slot);

	for (uint32_t n = 0; n < m->nbuckets; n++, pos = (pos + 1) & mask) {
		if (b[pos] == STORE_IDX_EMPTY)
			break;
		if (b[pos] == want)
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
	__atomic_store_n(&store_bucket_array(&st->m, index)[pos], store_bucket(hash, new_slot),
	                 __ATOMIC_RELEASE);
	return true;
}

bool store_idx_remove(struct store *st, unsigned index, uint64_t hash, uint32_t slot)
{
	uint64_t *b = store_bucket_array(&st->m, index);
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
	for (pos = (pos - 1) & mask; store_bucket_tomb(b[pos]); pos = (pos - 1) & mask) {
		__atomic_store_n(&b[pos], STORE_IDX_EMPTY, __ATOMIC_RELEASE);
		st->tombs[index]--;
	}
	return true;
}

bool store_dirty(const struct store *st)
{
	return st->dirty_hi != 0 || st->npending != 0 || st->stage_n != 0 || st->dir_unsynced;
}

int store_sync(struct store *st, uint64_t *usec, char *err, size_t errlen)
{
	uint64_t spent = 0;

	if (retry_renamed(st, err, errlen) < 0) {
		char why[RT_ERRLEN + 256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s %s: %s; changes may not be durable", st->ops->what,
		         st->path, why);
		return -1;
	}
	if (store_flush(st, err, errlen) < 0)
		return -1;
	if (st->dirty_hi) {
		size_t lo = st->dirty_lo & ~(size_t)(PAGE - 1), hi = store_page_up(st->dirty_hi);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!fault_on(FAULT_SKIP_MSYNC) && msync(st->m.base + lo, hi - lo, MS_SYNC) < 0) {
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
	for (size_t i = 0; i < st->npending; i++) {
		bit_clear(st->pend_bits, st->pending[i]);
		store_free_now(st, st->pending[i]);
	}
	st->npending = 0;
	if (usec)
		*usec = spent;
	return 0;
}

size_t store_memory(const struct store *st)
{
	return sizeof(*st) + bitmap_words(st->m.capacity) * sizeof(uint64_t) +
	       st->pending_cap * sizeof(uint32_t) + st->pend_words * sizeof(uint64_t) +
	       (st->stage ? 2 * STAGE_MAX * (size_t)st->m.slot_size + STAGE_MAX * sizeof(uint32_t) : 0) +
	       st->stage_pos_n * sizeof(uint32_t) + (st->path ? strlen(st->path) + 1 : 0);
}
