/* store_upgrade.c - format 2 store files to the current format (see
 * store_upgrade.h).  Format 2 differs in the payloads only: neighbours
 * gained state, protocol and flags in their zero tail; a route held one
 * (gateway, dev) pair and its origin, and now holds the grown model.  The
 * old file's valid slots are read (torn or corrupt ones, as recovery would,
 * are dropped; of two copies of one key the higher version is kept), and
 * written through the current writers into the new file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arp_store.h"
#include "errors.h"
#include "log.h"
#include "store_layout.h"
#include "store_upgrade.h"
#include "store_writer.h"

#define OLD_VERSION 2
#define OLD_ARP_PAYLOAD 48
#define OLD_ROUTE_PAYLOAD 80
#define KEY_MAX 33              /* the longer key: a neighbour's */

/* A valid slot of the old file, by key and version. */
struct ent {
	uint8_t key[KEY_MAX];
	uint64_t version;
	uint32_t slot;
};

static int ent_cmp(const void *x, const void *y)
{
	const struct ent *a = x, *b = y;
	int c = memcmp(a->key, b->key, KEY_MAX);

	if (c)
		return c;
	return a->version > b->version ? -1 : a->version < b->version;   /* newest first */
}

/* An old file, mapped read-only. */
struct old {
	const char *path, *what;
	int fd;
	uint8_t *base;
	size_t len;
	uint32_t capacity, slot_size, payload_size;
	size_t slots_off;
};

static void old_close(struct old *o)
{
	if (o->base)
		munmap(o->base, o->len);
	if (o->fd >= 0)
		close(o->fd);
}

/* 1: a format 2 file of this kind, mapped; 0: not one (absent, another
 * version: store_open judges it); -1: a format 2 file that cannot be read,
 * with err set. */
static int old_open(struct old *o, uint32_t kind, uint32_t payload, unsigned nindex, char *err,
                    size_t errlen)
{
	struct store_hdr h;
	struct stat st;

	o->fd = open(o->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	o->base = NULL;
	if (o->fd < 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s %s: open: %s", o->what, o->path,
		                                       strerror(errno)), -1);
	if (pread(o->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, STORE_MAGIC, 8) != 0 || h.version != OLD_VERSION) {
		old_close(o);
		return 0;
	}
	uint32_t cap = (uint32_t)h.extent;
	size_t need = STORE_HDR_SIZE + (size_t)cap * (STORE_SLOT_HEAD + payload);
	if (h.kind != kind || h.payload_size != payload || h.slot_size != STORE_SLOT_HEAD + payload ||
	    h.nindex != nindex || h.hdr_crc != store_hdr_crc(&h) ||
	    h.extent != store_extent_of(h.generation, cap) || cap == 0 || cap > STORE_MAX_CAPACITY ||
	    h.slots_off != STORE_HDR_SIZE || fstat(o->fd, &st) < 0 || (uint64_t)st.st_size < need) {
		snprintf(err, errlen, "%s %s: a format %d file with a corrupt header; move it away to "
		         "start with an empty table (it is left untouched)", o->what, o->path, OLD_VERSION);
		old_close(o);
		return -1;
	}
	o->len = need;
	o->base = mmap(NULL, need, PROT_READ, MAP_SHARED, o->fd, 0);
	if (o->base == MAP_FAILED) {
		o->base = NULL;
		snprintf(err, errlen, "%s %s: mmap: %s", o->what, o->path, strerror(errno));
		old_close(o);
		return -1;
	}
	o->capacity = cap;
	o->payload_size = payload;
	o->slot_size = STORE_SLOT_HEAD + payload;
	o->slots_off = STORE_HDR_SIZE;
	return 1;
}

static const uint8_t *old_payload(const struct old *o, uint32_t slot)
{
	return o->base + o->slots_off + (size_t)slot * o->slot_size + STORE_SLOT_HEAD;
}

/* The old file's entries that decode, newest copy of each key first;
 * decode(payload, scratch) is 0 for a valid entry and fills key. */
static struct ent *old_entries(const struct old *o, int (*decode)(const uint8_t *, uint8_t *key),
                               size_t *n, size_t *dropped)
{
	struct ent *v = malloc(((size_t)o->capacity + 1) * sizeof(*v));

	*n = *dropped = 0;
	if (!v)
		return NULL;
	for (uint32_t s = 0; s < o->capacity; s++) {
		const uint8_t *p = o->base + o->slots_off + (size_t)s * o->slot_size;
		uint32_t seq, crc;
		uint64_t ver;

		memcpy(&seq, p, 4);
		memcpy(&crc, p + 4, 4);
		memcpy(&ver, p + 8, 8);
		enum store_slot_state state = store_classify(seq, crc, ver, p + STORE_SLOT_HEAD,
		                                             o->payload_size, NULL);
		if (state == STORE_SLOT_FREE)
			continue;
		memset(v[*n].key, 0, KEY_MAX);
		if (state != STORE_SLOT_USED || decode(p + STORE_SLOT_HEAD, v[*n].key) < 0) {
			(*dropped)++;
			continue;
		}
		v[*n].version = ver;
		v[*n].slot = s;
		(*n)++;
	}
	qsort(v, *n, sizeof(*v), ent_cmp);
	return v;
}

/* ---- format 2 payloads -------------------------------------------------- */

static int old_neigh(const uint8_t *in, struct rt_neigh *n)
{
	char err[RT_ERRLEN];

	memset(n, 0, sizeof(*n));
	if (!store_zero(in + 40, OLD_ARP_PAYLOAD - 40) || in[39] > RT_ORIGIN_CONFIG ||
	    (in[0] != STORE_AF_INET && in[0] != STORE_AF_INET6))
		return -1;
	n->ip.family = in[0];
	memcpy(n->ip.bytes, in + 1, 16);
	memcpy(n->dev, in + 17, RT_IFNAMSIZ);
	memcpy(n->lladdr, in + 33, 6);
	n->origin = in[39];
	n->state = NUD_PERMANENT;
	return rt_neigh_check(n, err);
}

static int old_neigh_key(const uint8_t *in, uint8_t *key)
{
	struct rt_neigh n;

	if (old_neigh(in, &n) < 0)
		return -1;
	memcpy(key, in, STORE_ARP_KEYLEN);
	return 0;
}

static int old_route(const uint8_t *in, struct rt_route *r)
{
	char err[RT_ERRLEN];

	rt_route_init(r);
	if (!store_zero(in + 56, OLD_ROUTE_PAYLOAD - 56) || in[55] > RT_ORIGIN_CONFIG)
		return -1;
	r->dst.addr.family = in[0];
	memcpy(r->dst.addr.bytes, in + 1, 16);
	r->dst.len = in[17];
	memcpy(&r->metric, in + 18, 4);
	r->nh[0].gw.family = in[22];
	memcpy(r->nh[0].gw.bytes, in + 23, 16);
	memcpy(r->nh[0].dev, in + 39, RT_IFNAMSIZ);
	r->nh_count = 1;
	r->origin = in[55];
	/* as rtctl would have added it now: ip(8)'s defaults */
	rt_route_normalise(r, true);
	return rt_route_check(r, err);
}

static _Thread_local struct rt_route scratch;

static int old_route_key(const uint8_t *in, uint8_t *key)
{
	uint8_t p[STORE_ROUTE_PAYLOAD];

	if (old_route(in, &scratch) < 0)
		return -1;
	/* the key after normalisation (an IPv6 metric 0 is 1024 now) */
	store_route_encode(&scratch, p, sizeof(p));
	memcpy(key, p, STORE_ROUTE_KEYLEN);
	return 0;
}

/* ---- one file ------------------------------------------------------------ */

static int fsync_path(const char *path, bool dir, char *err, size_t errlen)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	int rc = 0;

	if (fd < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "fsync of %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Write the entries into the new file.  0, or -1 with err set. */
typedef int (*write_fn)(const struct old *o, const struct ent *v, size_t n, const char *tmp,
                        char *err, size_t errlen);

static int write_arp(const struct old *o, const struct ent *v, size_t n, const char *tmp,
                     char *err, size_t errlen)
{
	struct arp_store *as;
	uint32_t dropped;
	int rc = 0;

	if (arp_store_open(tmp, o->capacity, &as, &dropped, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct rt_neigh nb;

		if (i && memcmp(v[i].key, v[i - 1].key, KEY_MAX) == 0)
			continue;       /* an older copy of the key */
		old_neigh(old_payload(o, v[i].slot), &nb);
		if ((rc = arp_store_add(as, &nb, NULL)) != 0)
			snprintf(err, errlen, "arp store %s: writing an entry: %s", tmp, rt_err_str(rc));
	}
	arp_store_close(as);    /* syncs */
	return rc ? -1 : 0;
}

static int write_routes(const struct old *o, const struct ent *v, size_t n, const char *tmp,
                        char *err, size_t errlen)
{
	struct store st;
	uint8_t p[STORE_ROUTE_PAYLOAD];
	uint32_t dropped;
	int rc = 0;

	if (store_open(&st, &store_route_ops[0], tmp, o->capacity, &dropped, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i && memcmp(v[i].key, v[i - 1].key, KEY_MAX) == 0)
			continue;
		old_route(old_payload(o, v[i].slot), &scratch);
		store_route_encode(&scratch, p, sizeof(p));
		if ((rc = store_reserve(&st, 0)) != 0) {
			snprintf(err, errlen, "route store %s: writing a route: %s", tmp, rt_err_str(rc));
			break;
		}
		store_write(&st, store_alloc(&st), p);
		st.count++;
	}
	store_close(&st);       /* syncs */
	return rc ? -1 : 0;
}

static int upgrade_file(const char *dir, const char *name, const char *what, uint32_t kind,
                        uint32_t payload, unsigned nindex, int (*decode)(const uint8_t *, uint8_t *),
                        write_fn write, store_upgrade_hook hook, char *err, size_t errlen)
{
	char path[4096], tmp[4200];
	struct old o = { .path = path, .what = what, .fd = -1 };
	size_t n, dropped;
	struct ent *v = NULL;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.upgrade", path);
	int got = old_open(&o, kind, payload, nindex, err, errlen);
	if (got <= 0)
		return got;
	log_notice("%s %s: converting format %d to format %d", what, path, OLD_VERSION, STORE_VERSION);
	/* left by a conversion that was interrupted: begin again */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s %s: remove: %s", what, tmp, strerror(errno));
		goto out;
	}
	if (!(v = old_entries(&o, decode, &n, &dropped))) {
		snprintf(err, errlen, "%s %s: out of memory converting it", what, path);
		goto out;
	}
	if (write(&o, v, n, tmp, err, errlen) < 0)
		goto out;
	if (hook)
		hook(path, UPGRADE_WRITTEN);
	if (fsync_path(tmp, false, err, errlen) < 0)
		goto out;
	if (hook)
		hook(path, UPGRADE_SYNCED);
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: rename %s to %s: %s", what, tmp, path, strerror(errno));
		goto out;
	}
	if (hook)
		hook(path, UPGRADE_RENAMED);
	if (fsync_path(dir, true, err, errlen) < 0)
		goto out;
	if (hook)
		hook(path, UPGRADE_DONE);
	/* A reader of the old file (an older rtwatch) reopens the path. */
	uint32_t flags = STORE_F_RETIRED;
	if (pwrite(o.fd, &flags, sizeof(flags), offsetof(struct store_hdr, flags)) != sizeof(flags))
		log_notice("%s %s: cannot mark the old file retired: %s", what, path, strerror(errno));
	log_notice("%s %s: converted %zu entries%s", what, path, n,
	           dropped ? " (some torn or invalid ones dropped: see below)" : "");
	if (dropped)
		log_warn("%s %s: dropped %zu torn or invalid format %d entr%s", what, path, dropped,
		         OLD_VERSION, dropped == 1 ? "y" : "ies");
	rc = 1;
out:
	free(v);
	old_close(&o);
	return rc;
}

int store_upgrade(const char *dir, store_upgrade_hook hook, char *err, size_t errlen)
{
	if (upgrade_file(dir, "arp.store", "arp store", STORE_KIND_ARP, OLD_ARP_PAYLOAD, 2,
	                 old_neigh_key, write_arp, hook, err, errlen) < 0 ||
	    upgrade_file(dir, "routes.store", "route store", STORE_KIND_ROUTE, OLD_ROUTE_PAYLOAD, 0,
	                 old_route_key, write_routes, hook, err, errlen) < 0)
		return -1;
	return 0;
}
