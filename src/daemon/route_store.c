/* route_store.c - durable routes: three slot files of store.c without
 * indexes, by number of next hops.  rtmd keeps its route_table in memory
 * and uses tags (file, slot) to tie its routes to their slots; this file
 * only has to get the routes back after a restart. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errors.h"
#include "fault.h"
#include "log.h"
#include "route_store.h"
#include "store_writer.h"

#define NFILES 3
#define TAG_SHIFT 30                    /* slots are below STORE_MAX_CAPACITY = 2^30 */
#define TAG_SLOT ((1u << TAG_SHIFT) - 1)

_Static_assert(STORE_MAX_CAPACITY == 1u << TAG_SHIFT, "a tag is file << 30 | slot");

static const char *const names[NFILES] = { "routes.store", "routes16.store", "routes256.store" };

/* An old copy in one file of a route that moved to another: freed after
 * the next sync of every file, as the engine frees one within a file. */
struct moved {
	unsigned file;
	uint32_t slot;
};

struct route_store {
	char *dir;
	struct store st[NFILES];
	bool open[NFILES];
	bool nospace[NFILES];           /* creating the file found the disk full */
	/* The next write version, across the files: a copy in one file is
	 * newer than one in another exactly when its version is higher. */
	uint64_t version;
	struct moved *moved;
	size_t nmoved, moved_cap;
	uint8_t *buf;                   /* a payload being written */
	struct rt_route *route;         /* a route being read */
};

static unsigned tag_file(uint32_t tag)
{
	return tag >> TAG_SHIFT;
}

static uint32_t tag_slot(uint32_t tag)
{
	return tag & TAG_SLOT;
}

/* Every engine call on file k is bracketed so that the file writes with
 * the shared counter and the counter passes what the file used. */
static void ver_in(struct route_store *s, unsigned k)
{
	if (s->st[k].version < s->version)
		s->st[k].version = s->version;
}

static void ver_out(struct route_store *s, unsigned k)
{
	if (s->st[k].version > s->version)
		s->version = s->st[k].version;
}

static int file_path(const struct route_store *s, unsigned k, char *buf, size_t cap)
{
	return snprintf(buf, cap, "%s/%s", s->dir, names[k]) < (int)cap ? 0 : -1;
}

static int open_file(struct route_store *s, unsigned k, uint32_t capacity, uint32_t *dropped,
                     char *err, size_t errlen)
{
	char path[4096];

	if (file_path(s, k, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "route store in %s: path too long", s->dir);
		return -1;
	}
	if (store_open(&s->st[k], &store_route_ops[k], path, capacity, dropped, err, errlen) < 0)
		return -1;
	s->open[k] = true;
	ver_out(s, k);
	return 0;
}

/* File k open, created if it is not: 0 or an rt_err.  A full disk refuses
 * the route with RT_E_NOSPACE, logged once a spell, as a growth is. */
static int need_file(struct route_store *s, unsigned k)
{
	char err[RT_ERRLEN + 4096];
	const char *more = k == 1 ? "1" : "16";

	if (s->open[k])
		return 0;
	if (open_file(s, k, 64, NULL, err, sizeof(err)) < 0) {
		int e = s->st[k].fail_errno;

		if (e != ENOSPC && e != EDQUOT) {
			log_err("%s", err);
			return RT_E_INTERNAL;
		}
		if (!s->nospace[k])
			log_err("%s; routes of more than %s next hop(s) are refused (\"disk full\") "
			        "until there is space", err, more);
		else
			log_debug("%s", err);
		s->nospace[k] = true;
		return RT_E_NOSPACE;
	}
	if (s->nospace[k])
		log_notice("route store in %s: there is space again", s->dir);
	s->nospace[k] = false;
	log_info("%s: created for routes of more than %s next hop(s)", s->st[k].path, more);
	return 0;
}

/* ---- keys stored in two files ------------------------------------------ */

struct kent {
	uint64_t hash;          /* 0: empty */
	uint32_t tag;
};

static const uint8_t *payload_of(const struct route_store *s, uint32_t tag)
{
	return store_payload(&s->st[tag_file(tag)], tag_slot(tag));
}

static uint64_t key_hash(const uint8_t *payload)
{
	uint64_t h = XXH3_64bits(payload, STORE_ROUTE_KEYLEN);

	return h ? h : 1;
}

static uint64_t tag_version(const struct route_store *s, uint32_t tag)
{
	return store_slot_version(&s->st[tag_file(tag)].m, tag_slot(tag));
}

static void drop(struct route_store *s, uint32_t tag)
{
	unsigned k = tag_file(tag);

	ver_in(s, k);
	store_release(&s->st[k], tag_slot(tag));
	s->st[k].count--;
	ver_out(s, k);
}

/* The key of tag against the table: inserted, or of two copies the newer
 * kept and the older freed.  Returns the number freed (0 or 1). */
static size_t key_meet(struct route_store *s, struct kent *tab, uint32_t mask, uint32_t tag,
                       bool insert)
{
	const uint8_t *p = payload_of(s, tag);
	uint64_t h = key_hash(p);

	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		if (!tab[i].hash) {
			if (insert) {
				tab[i].hash = h;
				tab[i].tag = tag;
			}
			return 0;
		}
		if (tab[i].hash != h || memcmp(payload_of(s, tab[i].tag), p, STORE_ROUTE_KEYLEN))
			continue;
		if (tag_version(s, tag) > tag_version(s, tab[i].tag)) {
			drop(s, tab[i].tag);
			tab[i].tag = tag;
		} else {
			drop(s, tag);
		}
		return 1;
	}
}

/* A replace that moved a route to another file and was cut short by a
 * crash leaves its key in both (each file resolves its own duplicates).
 * The multipath files are small: their keys go in a table, and each route
 * of routes.store is looked up in it. */
static int resolve_moves(struct route_store *s)
{
	size_t n = 0, freed = 0;

	for (unsigned k = 1; k < NFILES; k++)
		n += s->open[k] ? s->st[k].count : 0;
	if (!n)
		return 0;
	uint32_t nb = 16;
	while (nb < 2 * n)
		nb *= 2;
	struct kent *tab = calloc(nb, sizeof(*tab));
	if (!tab)
		return -1;
	/* the multipath files into the table, then routes.store against it */
	for (unsigned j = 1; j <= NFILES; j++) {
		unsigned k = j % NFILES;
		for (uint32_t slot = 0; s->open[k] && slot < s->st[k].m.capacity; slot++)
			if (store_slot_live(&s->st[k], slot))
				freed += key_meet(s, tab, nb - 1, (uint32_t)k << TAG_SHIFT | slot, k > 0);
	}
	free(tab);
	if (freed)
		log_notice("route store in %s: resolved %zu key(s) stored in two files", s->dir, freed);
	return 0;
}

/* ---- public ------------------------------------------------------------- */

int route_store_open(const char *dir, uint32_t initial_capacity, struct route_store **out,
                     uint32_t *dropped, char *err, size_t errlen)
{
	struct route_store *s = calloc(1, sizeof(*s));
	char path[4096];

	if (errlen)
		err[0] = '\0';
	if (dropped)
		*dropped = 0;
	if (!s || !(s->dir = strdup(dir)) || !(s->buf = malloc(STORE_PAYLOAD_MAX)) ||
	    !(s->route = malloc(rt_route_size(RT_NH_MAX)))) {
		snprintf(err, errlen, "route store in %s: out of memory", dir);
		route_store_close(s);
		return -1;
	}
	for (unsigned k = 0; k < NFILES; k++) {
		struct stat sb;
		uint32_t d = 0;

		if (file_path(s, k, path, sizeof(path)) < 0) {
			snprintf(err, errlen, "route store in %s: path too long", dir);
			route_store_close(s);
			return -1;
		}
		if (k && stat(path, &sb) < 0 && errno == ENOENT)
			continue;       /* created when a route needs it */
		if (open_file(s, k, k ? 64 : initial_capacity, &d, err, errlen) < 0) {
			route_store_close(s);
			return -1;
		}
		if (dropped)
			*dropped += d;
	}
	for (unsigned k = 0; k < NFILES; k++)
		if (s->open[k])
			ver_in(s, k);
	if (resolve_moves(s) < 0 || route_store_sync(s, NULL, err, errlen) < 0) {
		if (!err[0])
			snprintf(err, errlen, "route store in %s: out of memory", dir);
		route_store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void route_store_close(struct route_store *s)
{
	if (!s)
		return;
	if (s->nmoved) {
		char err[RT_ERRLEN + 4096];

		/* the moved routes' new copies durable, then the old ones free */
		if (route_store_sync(s, NULL, err, sizeof(err)) < 0)
			log_err("%s", err);
	}
	for (unsigned k = 0; k < NFILES; k++)
		if (s->open[k]) {
			ver_in(s, k);
			store_close(&s->st[k]);
		}
	free(s->moved);
	free(s->buf);
	free(s->route);
	free(s->dir);
	free(s);
}

int route_store_load(struct route_store *s, route_load_fn fn, void *ctx)
{
	for (unsigned k = 0; k < NFILES; k++) {
		const struct store *st = &s->st[k];

		for (uint32_t slot = 0; s->open[k] && slot < st->m.capacity; slot++) {
			if (!store_slot_live(st, slot) ||
			    store_route_decode(store_payload(st, slot), st->m.payload_size, s->route) < 0)
				continue;
			int rc = fn(s->route, (uint32_t)k << TAG_SHIFT | slot, ctx);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* A free slot in file k, written with r (encoded in s->buf).  0 or an
 * rt_err with nothing changed. */
static int write_new(struct route_store *s, unsigned k, uint32_t *slot)
{
	int rc;

	if (rt_fault("route store"))
		return RT_E_FULL;
	if ((rc = need_file(s, k)) != 0)
		return rc;
	ver_in(s, k);
	rc = store_reserve(&s->st[k], 0);
	if (rc == 0) {
		*slot = store_alloc(&s->st[k]);
		store_write(&s->st[k], *slot, s->buf);
	}
	ver_out(s, k);
	return rc;
}

static int route_ok(const struct rt_route *r)
{
	char err[RT_ERRLEN];

	return rt_origin_owned(r->origin) && !(r->flags & ~RT_RF_PENDING) &&
	       rt_route_check(r, err) == 0;
}

int route_store_put(struct route_store *s, const struct rt_route *r, uint32_t *tag)
{
	unsigned k;
	uint32_t slot;
	int rc;

	if (!route_ok(r))
		return RT_E_INVALID;
	k = store_route_class(r->nh_count);
	store_route_encode(r, s->buf, store_route_ops[k].payload_size);
	if ((rc = write_new(s, k, &slot)) != 0)
		return rc;
	s->st[k].count++;
	if (tag)
		*tag = (uint32_t)k << TAG_SHIFT | slot;
	return 0;
}

static bool live(const struct route_store *s, uint32_t tag)
{
	unsigned k = tag_file(tag);

	return k < NFILES && s->open[k] && store_slot_live(&s->st[k], tag_slot(tag));
}

int route_store_update(struct route_store *s, uint32_t *tag, const struct rt_route *r)
{
	unsigned ko = tag_file(*tag), kn;
	uint32_t so = tag_slot(*tag), at;
	int rc;

	if (!route_ok(r))
		return RT_E_INVALID;
	if (!live(s, *tag))
		return RT_E_NOTFOUND;
	kn = store_route_class(r->nh_count);
	store_route_encode(r, s->buf, store_route_ops[kn].payload_size);
	if (kn == ko && memcmp(s->buf, store_payload(&s->st[ko], so), s->st[ko].m.payload_size) == 0)
		return 0;
	if (kn != ko && s->nmoved == s->moved_cap) {
		size_t cap = s->moved_cap ? s->moved_cap * 2 : 16;
		struct moved *m = rt_fault("route store") ? NULL : realloc(s->moved, cap * sizeof(*m));
		if (!m)
			return RT_E_FULL;
		s->moved = m;
		s->moved_cap = cap;
	}
	/* New value to a free slot first; the old one is freed once the new
	 * one is durable.  Growing keeps slot numbers. */
	if ((rc = write_new(s, kn, &at)) != 0)
		return rc;
	if (kn == ko) {
		ver_in(s, ko);
		store_free_later(&s->st[ko], so);
		ver_out(s, ko);
	} else {
		s->moved[s->nmoved++] = (struct moved){ ko, so };
		s->st[ko].count--;
		s->st[kn].count++;
	}
	*tag = (uint32_t)kn << TAG_SHIFT | at;
	return 0;
}

int route_store_free(struct route_store *s, uint32_t tag)
{
	unsigned k = tag_file(tag);
	uint32_t slot = tag_slot(tag);

	if (!live(s, tag))
		return RT_E_NOTFOUND;
	/* Older copies of this key in other files go in the same sync, as the
	 * engine's release does within a file. */
	memcpy(s->buf, store_payload(&s->st[k], slot), STORE_ROUTE_KEYLEN);
	for (size_t i = 0; i < s->nmoved;) {
		const struct moved *m = &s->moved[i];
		if (memcmp(store_payload(&s->st[m->file], m->slot), s->buf, STORE_ROUTE_KEYLEN) == 0) {
			ver_in(s, m->file);
			store_release(&s->st[m->file], m->slot);
			ver_out(s, m->file);
			s->moved[i] = s->moved[--s->nmoved];
		} else {
			i++;
		}
	}
	ver_in(s, k);
	store_release(&s->st[k], slot);
	ver_out(s, k);
	s->st[k].count--;
	return 0;
}

size_t route_store_count(const struct route_store *s)
{
	size_t n = 0;

	for (unsigned k = 0; k < NFILES; k++)
		n += s->open[k] ? s->st[k].count : 0;
	return n;
}

size_t route_store_capacity(const struct route_store *s)
{
	size_t n = 0;

	for (unsigned k = 0; k < NFILES; k++)
		n += s->open[k] ? s->st[k].m.capacity : 0;
	return n;
}

const char *route_store_path(const struct route_store *s)
{
	return s->st[0].path;
}

bool route_store_dirty(const struct route_store *s)
{
	for (unsigned k = 0; k < NFILES; k++)
		if (s->open[k] && store_dirty(&s->st[k]))
			return true;
	return s->nmoved != 0;
}

int route_store_flush(struct route_store *s, char *err, size_t errlen)
{
	for (unsigned k = 0; k < NFILES; k++)
		if (s->open[k] && store_flush(&s->st[k], err, errlen) < 0)
			return -1;
	return 0;
}

int route_store_sync(struct route_store *s, uint64_t *usec, char *err, size_t errlen)
{
	uint64_t total = 0;

	for (unsigned k = 0; k < NFILES; k++) {
		uint64_t t = 0;
		int rc;

		if (!s->open[k])
			continue;
		ver_in(s, k);
		rc = store_sync(&s->st[k], &t, err, errlen);
		ver_out(s, k);
		if (rc < 0)
			return -1;
		total += t;
	}
	/* Every file is durable: the old copies of moved routes may go (their
	 * frees are made durable by the next sync, as the engine's are). */
	for (size_t i = 0; i < s->nmoved; i++) {
		ver_in(s, s->moved[i].file);
		store_release(&s->st[s->moved[i].file], s->moved[i].slot);
		ver_out(s, s->moved[i].file);
	}
	s->nmoved = 0;
	if (usec)
		*usec = total;
	return 0;
}

size_t route_store_memory(const struct route_store *s)
{
	size_t m = sizeof(*s) + STORE_PAYLOAD_MAX + rt_route_size(RT_NH_MAX) +
	           s->moved_cap * sizeof(*s->moved);

	for (unsigned k = 0; k < NFILES; k++)
		m += s->open[k] ? store_memory(&s->st[k]) : 0;
	return m;
}
