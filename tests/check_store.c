/* check_store.c - unit tests of the slot file (store.c), the ARP and route
 * writers and the ARP reader: operations, growth under a live reader,
 * recovery from torn, corrupt and duplicate slots, refusal of bad headers,
 * and seqlock reads against a concurrent writer process. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arp_reader.h"
#include "arp_store.h"
#include "entries.h"
#include "proto.h"
#include "route_store.h"
#include "store_writer.h"

#define ERRSZ 512

static char dir[64];
static char path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/arp.store", dir);
}

static void teardown(void)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/arp.store", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/arp.store.new", dir);
	unlink(p);
	for (int k = 0; k < 3; k++) {
		static const char *const names[] = { "routes", "routes16", "routes256" };
		snprintf(p, sizeof(p), "%s/%s.store", dir, names[k]);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%s.store.new", dir, names[k]);
		unlink(p);
	}
	rmdir(dir);
}

/* The route tests' path is the route store's first file. */
static void setup_routes(void)
{
	setup();
	snprintf(path, sizeof(path), "%s/routes.store", dir);
}

static struct rt_addr addr(const char *s)
{
	struct rt_addr a;
	char err[RT_ERRLEN];

	ck_assert_int_eq(rt_addr_parse(s, &a, err), 0);
	return a;
}

static bool neigh_eq(const struct rt_neigh *a, const struct rt_neigh *b)
{
	return rt_addr_equal(&a->ip, &b->ip) && memcmp(a->lladdr, b->lladdr, 6) == 0 &&
	       strcmp(a->dev, b->dev) == 0 && a->origin == b->origin;
}

static struct arp_store *open_arp(uint32_t cap, uint32_t *dropped)
{
	struct arp_store *s = NULL;
	char err[ERRSZ];
	uint32_t d = 0;

	if (arp_store_open(path, cap, &s, &d, err, sizeof(err)) < 0)
		ck_abort_msg("arp_store_open: %s", err);
	if (dropped)
		*dropped = d;
	return s;
}

static void sync_arp(struct arp_store *s)
{
	char err[ERRSZ];

	if (arp_store_sync(s, NULL, err, sizeof(err)) < 0)
		ck_abort_msg("sync: %s", err);
}

/* Walk collector */
struct coll {
	struct rt_neigh n[64];
	uint32_t slot[64];
	int count;
	int stop_at;
};

static int collect(const struct rt_neigh *n, uint32_t slot, void *ctx)
{
	struct coll *c = ctx;

	if (c->count < 64) {
		c->n[c->count] = *n;
		c->slot[c->count] = slot;
	}
	c->count++;
	return c->stop_at && c->count == c->stop_at ? 42 : 0;
}

static unsigned char *slurp(const char *p, size_t *len)
{
	struct stat st;
	int fd = open(p, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	unsigned char *buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void poke(const char *p, off_t off, const void *data, size_t n)
{
	int fd = open(p, O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, data, n, off), (ssize_t)n);
	close(fd);
}

static void peek(const char *p, off_t off, void *data, size_t n)
{
	int fd = open(p, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, data, n, off), (ssize_t)n);
	close(fd);
}

#define ARP_SLOT(i) ((off_t)STORE_HDR_SIZE + (off_t)(i) * (STORE_SLOT_HEAD + STORE_ARP_PAYLOAD))

/* ---- ARP writer --------------------------------------------------------- */

/* Imported neighbours: state, protocol and flags in the slot (at the
 * offsets doc/STORE.md gives), visible to readers of the mapping, and no
 * sync owed for them; an owned entry beside them is synced as ever. */
START_TEST(test_arp_imported)
{
	struct arp_store *s = open_arp(16, NULL);
	struct rt_neigh k = test_neigh("192.0.2.9", "02:00:00:00:00:09", "eth0", RT_ORIGIN_RTCTL), got;
	struct arp_reader *r;
	uint32_t slot;
	bool existed, changed;
	char err[ERRSZ];

	k.origin = RT_ORIGIN_KERNEL;
	k.state = NUD_STALE;
	k.protocol = RTPROT_ZEBRA;
	k.flags = NTF_ROUTER;
	sync_arp(s);
	ck_assert_int_eq(arp_store_import(s, &k, &slot, &existed, &changed, NULL), 0);
	ck_assert(!existed && changed);
	ck_assert(!arp_store_dirty(s));         /* no msync for an import */
	ck_assert_int_eq(arp_store_find(s, &k.ip, "eth0", &got, NULL), 0);
	ck_assert(neigh_eq(&got, &k));
	ck_assert_int_eq(arp_reader_open(path, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(arp_reader_get_ip(r, &k.ip, "eth0", &got, 1), 1);
	ck_assert(neigh_eq(&got, &k));
	uint8_t p[STORE_ARP_PAYLOAD];
	uint16_t state;
	peek(path, ARP_SLOT(slot) + STORE_SLOT_HEAD, p, sizeof(p));
	memcpy(&state, p + 40, 2);
	ck_assert_uint_eq(state, NUD_STALE);
	ck_assert_uint_eq(p[42], RTPROT_ZEBRA);
	ck_assert_uint_eq(p[43], NTF_ROUTER);
	/* a state change: still no sync owed; the reader sees it */
	k.state = NUD_REACHABLE;
	ck_assert_int_eq(arp_store_import(s, &k, &slot, &existed, &changed, NULL), 0);
	ck_assert(existed && changed && !arp_store_dirty(s));
	ck_assert_int_eq(arp_reader_get_ip(r, &k.ip, NULL, &got, 1), 1);
	ck_assert_uint_eq(got.state, NUD_REACHABLE);
	/* an owned entry is not an import */
	struct rt_neigh o = test_neigh("192.0.2.10", "02:00:00:00:00:10", "eth0", RT_ORIGIN_RTCTL);
	o.state = NUD_PERMANENT;
	ck_assert_int_eq(arp_store_import(s, &o, NULL, NULL, NULL, NULL), RT_E_INVALID);
	ck_assert_int_eq(arp_store_add(s, &o, NULL), 0);
	ck_assert(arp_store_dirty(s));
	sync_arp(s);
	/* removing the import owes no sync either */
	ck_assert_int_eq(arp_store_delete(s, &k.ip, "eth0", &got, NULL), 0);
	ck_assert(!arp_store_dirty(s));
	ck_assert_int_eq(arp_reader_get_ip(r, &k.ip, NULL, &got, 1), 0);
	arp_reader_close(r);
	ck_assert_uint_eq(arp_store_count(s), 1);
	arp_store_close(s);
}
END_TEST

START_TEST(test_arp_ops)
{
	struct arp_store *s = open_arp(16, NULL);
	struct rt_neigh a = test_neigh("192.0.2.7", "02:00:00:00:00:07", "eth0", RT_ORIGIN_RTCTL), got, old;
	uint32_t slot, slot2;
	bool existed, changed;
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(arp_store_add(s, &a, &slot), 0);
	ck_assert_int_eq(arp_store_add(s, &a, &slot2), RT_E_EXISTS);
	ck_assert_uint_eq(slot2, slot);
	ck_assert_int_eq(arp_store_find(s, &a.ip, "eth0", &got, &slot2), 0);
	ck_assert(neigh_eq(&got, &a));
	ck_assert_uint_eq(slot2, slot);
	ck_assert_int_eq(arp_store_find(s, &a.ip, "eth1", &got, NULL), RT_E_NOTFOUND);
	ck_assert_uint_eq(arp_store_count(s), 1);
	ck_assert(arp_store_dirty(s));
	sync_arp(s);
	ck_assert(!arp_store_dirty(s));

	/* Replace with the same value: no change, no move. */
	ck_assert_int_eq(arp_store_replace(s, &a, &slot2, &existed, &changed, &old), 0);
	ck_assert(existed && !changed);
	ck_assert_uint_eq(slot2, slot);

	/* A new MAC: the entry moves to another slot. */
	struct rt_neigh b = test_neigh("192.0.2.7", "02:00:00:00:00:08", "eth0", RT_ORIGIN_RTCTL);
	ck_assert_int_eq(arp_store_replace(s, &b, &slot2, &existed, &changed, &old), 0);
	ck_assert(existed && changed);
	ck_assert(neigh_eq(&old, &a));
	ck_assert_uint_ne(slot2, slot);
	ck_assert_int_eq(arp_store_find(s, &a.ip, "eth0", &got, NULL), 0);
	ck_assert(neigh_eq(&got, &b));
	ck_assert_uint_eq(arp_store_count(s), 1);

	struct coll c = { .count = 0 };
	ck_assert_int_eq(arp_store_walk_mac(s, a.lladdr, collect, &c), 0);
	ck_assert_int_eq(c.count, 0);
	ck_assert_int_eq(arp_store_walk_mac(s, b.lladdr, collect, &c), 0);
	ck_assert_int_eq(c.count, 1);

	/* Replace of a missing key adds it. */
	struct rt_neigh d = test_neigh("192.0.2.9", "02:00:00:00:00:09", "eth1", RT_ORIGIN_RTCTL);
	ck_assert_int_eq(arp_store_replace(s, &d, &slot, &existed, &changed, NULL), 0);
	ck_assert(!existed && changed);
	ck_assert_uint_eq(arp_store_count(s), 2);

	ck_assert_int_eq(arp_store_delete(s, &a.ip, "eth0", &old, &slot), 0);
	ck_assert(neigh_eq(&old, &b));
	ck_assert_uint_eq(slot, slot2);
	ck_assert_int_eq(arp_store_delete(s, &a.ip, "eth0", NULL, NULL), RT_E_NOTFOUND);
	ck_assert_int_eq(arp_store_find(s, &a.ip, "eth0", NULL, NULL), RT_E_NOTFOUND);
	ck_assert_uint_eq(arp_store_count(s), 1);

	/* Invalid input is refused, never stored. */
	struct rt_neigh bad = d;
	bad.ip.family = 99;
	ck_assert_int_eq(arp_store_add(s, &bad, NULL), RT_E_INVALID);
	bad = d;
	bad.dev[0] = 0;
	ck_assert_int_eq(arp_store_add(s, &bad, NULL), RT_E_INVALID);
	ck_assert_str_eq(arp_store_path(s), path);
	ck_assert_uint_ge(arp_store_memory(s), sizeof(uint64_t));
	arp_store_close(s);
}
END_TEST

START_TEST(test_arp_walk_order)
{
	struct arp_store *s = open_arp(8, NULL);
	const char *ips[] = { "2001:db8::1", "10.0.0.2", "10.0.0.1", "10.0.0.1", "fe80::1", "9.9.9.9" };
	const char *devs[] = { "eth0", "eth1", "eth1", "eth0", "eth0", "eth2" };

	for (int i = 0; i < 6; i++) {
		struct rt_neigh n = test_neigh(ips[i], "02:00:00:00:00:01", devs[i], RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &n, NULL), 0);
	}
	struct coll c = { .count = 0 };
	ck_assert_int_eq(arp_store_walk(s, collect, &c), 0);
	ck_assert_int_eq(c.count, 6);
	const char *want_ip[] = { "9.9.9.9", "10.0.0.1", "10.0.0.1", "10.0.0.2", "2001:db8::1", "fe80::1" };
	const char *want_dev[] = { "eth2", "eth0", "eth1", "eth1", "eth0", "eth0" };
	for (int i = 0; i < 6; i++) {
		struct rt_addr a = addr(want_ip[i]);
		ck_assert_msg(rt_addr_equal(&c.n[i].ip, &a), "walk position %d", i);
		ck_assert_str_eq(c.n[i].dev, want_dev[i]);
	}
	/* A non-zero return stops the walk and is returned. */
	struct coll stop = { .stop_at = 2 };
	ck_assert_int_eq(arp_store_walk(s, collect, &stop), 42);
	ck_assert_int_eq(stop.count, 2);

	struct rt_addr ip = addr("10.0.0.1");
	struct coll byip = { .count = 0 };
	ck_assert_int_eq(arp_store_walk_ip(s, &ip, collect, &byip), 0);
	ck_assert_int_eq(byip.count, 2);
	ck_assert_str_eq(byip.n[0].dev, "eth0");
	ck_assert_str_eq(byip.n[1].dev, "eth1");

	/* A walk's callback may change the store (flush). */
	struct coll all = { .count = 0 };
	ck_assert_int_eq(arp_store_walk(s, collect, &all), 0);
	for (int i = 0; i < all.count; i++)
		ck_assert_int_eq(arp_store_delete(s, &all.n[i].ip, all.n[i].dev, NULL, NULL), 0);
	ck_assert_uint_eq(arp_store_count(s), 0);
	arp_store_close(s);
}
END_TEST

/* Add many entries through several doublings with a reader opened on
 * the first file; everything stays findable on both sides. */
START_TEST(test_arp_growth_with_reader)
{
	struct arp_store *s = open_arp(16, NULL);
	struct arp_reader *r;
	char err[ERRSZ], ip[32], mac[32];
	const int n = 600;      /* 16 -> 32 -> ... -> 1024: six rewrites */

	struct rt_neigh first = test_neigh("10.0.0.0", "02:00:00:00:00:00", "eth0", RT_ORIGIN_RTCTL);
	ck_assert_int_eq(arp_store_add(s, &first, NULL), 0);
	sync_arp(s);
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	for (int i = 1; i < n; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", i / 256, i % 256);
		struct rt_neigh e = test_neigh(ip, mac, "eth0", RT_ORIGIN_RTCTL);
		uint32_t slot;
		ck_assert_int_eq(arp_store_add(s, &e, &slot), 0);
		ck_assert_uint_eq(slot, (uint32_t)i);   /* lowest free slot: sequential */
		if (i % 50 == 0) {
			struct rt_neigh got[2];
			struct rt_addr a = addr(ip);
			ck_assert_int_eq(arp_reader_get_ip(r, &a, NULL, got, 2), 1);
			ck_assert(neigh_eq(&got[0], &e));
			ck_assert_int_eq(arp_reader_get_ip(r, &first.ip, "eth0", got, 2), 1);
		}
	}
	ck_assert_uint_ge(arp_store_capacity(s), (size_t)n);
	ck_assert_uint_eq(arp_store_count(s), (size_t)n);
	for (int i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		struct rt_addr a = addr(ip);
		struct rt_neigh got;
		ck_assert_int_eq(arp_store_find(s, &a, "eth0", &got, NULL), 0);
		ck_assert_int_eq(arp_reader_get_ip(r, &a, "eth0", &got, 1), 1);
		ck_assert_int_eq(arp_reader_get_mac(r, got.lladdr, &got, 1), 1);
	}
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	arp_reader_close(r);
	arp_store_close(s);
}
END_TEST

/* Many deletes and re-adds fill the index with tombstones: the file is
 * rewritten with fresh indexes, not grown without bound. */
START_TEST(test_arp_tombstones)
{
	struct arp_store *s = open_arp(64, NULL);
	char ip[32];

	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 40; i++) {
			snprintf(ip, sizeof(ip), "10.%d.0.%d", round, i);
			struct rt_neigh e = test_neigh(ip, "02:00:00:00:00:01", "eth0", RT_ORIGIN_RTCTL);
			ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
		}
		for (int i = 0; i < 40; i++) {
			snprintf(ip, sizeof(ip), "10.%d.0.%d", round, i);
			struct rt_addr a = addr(ip);
			ck_assert_int_eq(arp_store_delete(s, &a, "eth0", NULL, NULL), 0);
		}
	}
	ck_assert_uint_eq(arp_store_count(s), 0);
	ck_assert_uint_le(arp_store_capacity(s), 128);
	arp_store_close(s);
}
END_TEST

START_TEST(test_arp_reopen)
{
	struct arp_store *s = open_arp(4, NULL);
	uint32_t dropped = 99;
	char ip[32];

	for (int i = 0; i < 20; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		struct rt_neigh e = test_neigh(ip, "02:00:00:00:00:01", i % 2 ? "eth1" : "eth0", RT_ORIGIN_RTCTL);
		e.origin = i % 3 == 0 ? RT_ORIGIN_CONFIG : RT_ORIGIN_RTCTL;
		ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	}
	/* Replacements whose old slots are still pending at close. */
	struct rt_neigh rep = test_neigh("192.0.2.4", "02:00:00:00:00:44", "eth0", RT_ORIGIN_RTCTL);
	ck_assert_int_eq(arp_store_replace(s, &rep, NULL, NULL, NULL, NULL), 0);
	struct rt_addr gone = addr("192.0.2.5");
	ck_assert_int_eq(arp_store_delete(s, &gone, "eth1", NULL, NULL), 0);
	struct coll before = { .count = 0 };
	ck_assert_int_eq(arp_store_walk(s, collect, &before), 0);
	arp_store_close(s);

	s = open_arp(4, &dropped);
	ck_assert_uint_eq(dropped, 0);
	struct coll after = { .count = 0 };
	ck_assert_int_eq(arp_store_walk(s, collect, &after), 0);
	ck_assert_int_eq(after.count, 19);
	ck_assert_int_eq(before.count, after.count);
	for (int i = 0; i < after.count; i++) {
		ck_assert(neigh_eq(&before.n[i], &after.n[i]));
		ck_assert_uint_eq(before.slot[i], after.slot[i]);
	}
	ck_assert_int_eq(arp_store_find(s, &gone, "eth1", NULL, NULL), RT_E_NOTFOUND);
	arp_store_close(s);
}
END_TEST

/* A replaced value stays in its slot until the replacement is synced; a
 * delete of the key frees both at once, so that no sync can leave the
 * pre-replace value behind. */
START_TEST(test_arp_delete_after_replace)
{
	struct arp_store *s = open_arp(8, NULL);
	struct rt_neigh a = test_neigh("192.0.2.1", "02:00:00:00:00:0a", "eth0", RT_ORIGIN_RTCTL);
	struct rt_neigh b = test_neigh("192.0.2.1", "02:00:00:00:00:0b", "eth0", RT_ORIGIN_RTCTL);
	struct arp_reader *r;
	struct rt_neigh got;
	char err[ERRSZ];
	uint32_t sa, sb;

	ck_assert_int_eq(arp_store_add(s, &a, &sa), 0);
	sync_arp(s);
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	ck_assert_int_eq(arp_store_replace(s, &b, &sb, NULL, NULL, NULL), 0);
	ck_assert_uint_ne(sa, sb);
	ck_assert_int_eq(arp_reader_slot(r, sa, &got, NULL), 1);       /* kept until sync */
	ck_assert(neigh_eq(&got, &a));
	ck_assert_int_eq(arp_reader_get_ip(r, &a.ip, "eth0", &got, 1), 1);
	ck_assert(neigh_eq(&got, &b));                                /* indexes: new only */
	ck_assert_int_eq(arp_store_delete(s, &a.ip, "eth0", NULL, NULL), 0);
	ck_assert_int_eq(arp_reader_slot(r, sa, &got, NULL), 0);
	ck_assert_int_eq(arp_reader_slot(r, sb, &got, NULL), 0);

	/* Without a delete, the sync frees the replaced slot. */
	ck_assert_int_eq(arp_store_add(s, &a, &sa), 0);
	sync_arp(s);
	ck_assert_int_eq(arp_store_replace(s, &b, &sb, NULL, NULL, NULL), 0);
	ck_assert_int_eq(arp_reader_slot(r, sa, &got, NULL), 1);
	sync_arp(s);
	ck_assert_int_eq(arp_reader_slot(r, sa, &got, NULL), 0);
	ck_assert(arp_store_dirty(s));          /* the free itself, for the next sync */
	sync_arp(s);
	ck_assert(!arp_store_dirty(s));
	arp_reader_close(r);
	arp_store_close(s);
}
END_TEST

/* ---- Recovery ----------------------------------------------------------- */

static void three_entries(void)
{
	struct arp_store *s = open_arp(8, NULL);

	for (int i = 0; i < 3; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		struct rt_neigh e = test_neigh(ip, "02:00:00:00:00:01", "eth0", RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	}
	arp_store_close(s);
}

START_TEST(test_recover_bad_checksum)
{
	uint32_t dropped = 0;
	unsigned char b;
	struct arp_reader *r;
	char err[ERRSZ];

	three_entries();
	/* Flip a byte of slot 1's address. */
	peek(path, ARP_SLOT(1) + STORE_SLOT_HEAD + 4, &b, 1);
	b ^= 0x40;
	poke(path, ARP_SLOT(1) + STORE_SLOT_HEAD + 4, &b, 1);

	/* A reader sees the slot as corrupt, not as an entry. */
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	struct rt_neigh got;
	errno = 0;
	ck_assert_int_eq(arp_reader_slot(r, 1, &got, NULL), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(arp_reader_slot(r, 0, &got, NULL), 1);
	arp_reader_close(r);

	struct arp_store *s = open_arp(8, &dropped);
	ck_assert_uint_eq(dropped, 1);
	ck_assert_uint_eq(arp_store_count(s), 2);
	struct rt_addr a1 = addr("192.0.2.1"), a2 = addr("192.0.2.2"), a3 = addr("192.0.2.3");
	ck_assert_int_eq(arp_store_find(s, &a1, "eth0", NULL, NULL), 0);
	ck_assert_int_eq(arp_store_find(s, &a2, "eth0", NULL, NULL), RT_E_NOTFOUND);
	ck_assert_int_eq(arp_store_find(s, &a3, "eth0", NULL, NULL), 0);
	arp_store_close(s);
	/* The repair is durable: a second open finds nothing to drop. */
	s = open_arp(8, &dropped);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(arp_store_count(s), 2);
	arp_store_close(s);
}
END_TEST

START_TEST(test_recover_odd_sequence)
{
	uint32_t dropped = 0, seq;

	three_entries();
	peek(path, ARP_SLOT(2), &seq, 4);
	ck_assert_uint_eq(seq % 2, 0);
	seq++;          /* a writer killed in the middle of the slot */
	poke(path, ARP_SLOT(2), &seq, 4);

	struct arp_reader *r;
	char err[ERRSZ];
	struct rt_neigh got;
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	errno = 0;
	ck_assert_int_eq(arp_reader_slot(r, 2, &got, NULL), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_gt(arp_reader_retries(r), 0);
	arp_reader_close(r);

	struct arp_store *s = open_arp(8, &dropped);
	ck_assert_uint_eq(dropped, 1);
	ck_assert_uint_eq(arp_store_count(s), 2);
	struct rt_addr a3 = addr("192.0.2.3");
	ck_assert_int_eq(arp_store_find(s, &a3, "eth0", NULL, NULL), RT_E_NOTFOUND);
	/* The freed slot is reused first. */
	struct rt_neigh e = test_neigh("192.0.2.9", "02:00:00:00:00:01", "eth0", RT_ORIGIN_RTCTL);
	uint32_t slot;
	ck_assert_int_eq(arp_store_add(s, &e, &slot), 0);
	ck_assert_uint_eq(slot, 2);
	arp_store_close(s);
}
END_TEST

/* A writer killed between writing a replacement and freeing the original
 * leaves both; the higher write version wins whichever slot it is in. */
START_TEST(test_recover_duplicates)
{
	struct rt_neigh a = test_neigh("192.0.2.1", "02:00:00:00:00:0a", "eth0", RT_ORIGIN_RTCTL);
	struct rt_neigh b = test_neigh("192.0.2.1", "02:00:00:00:00:0b", "eth0", RT_ORIGIN_RTCTL);
	struct rt_neigh c = test_neigh("192.0.2.1", "02:00:00:00:00:0c", "eth0", RT_ORIGIN_RTCTL);

	for (int variant = 0; variant < 2; variant++) {
		unlink(path);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct arp_store *s = NULL;
			char err[ERRSZ];
			uint32_t slot;
			if (arp_store_open(path, 8, &s, NULL, err, sizeof(err)) < 0)
				_exit(1);
			if (arp_store_add(s, &a, &slot) || slot != 0 ||
			    arp_store_sync(s, NULL, err, sizeof(err)))
				_exit(2);
			/* variant 0: b lands in slot 1 over a in slot 0.
			 * variant 1: b in 1, sync frees 0, c lands in 0. */
			if (arp_store_replace(s, &b, &slot, NULL, NULL, NULL) || slot != 1)
				_exit(3);
			if (variant == 1 &&
			    (arp_store_sync(s, NULL, err, sizeof(err)) ||
			     arp_store_replace(s, &c, &slot, NULL, NULL, NULL) || slot != 0))
				_exit(4);
			raise(SIGKILL);
			_exit(5);
		}
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "child exited with %d", WEXITSTATUS(status));

		uint64_t v0, v1;
		peek(path, ARP_SLOT(0) + 8, &v0, 8);
		peek(path, ARP_SLOT(1) + 8, &v1, 8);
		ck_assert(variant == 0 ? v1 > v0 : v0 > v1);

		uint32_t dropped = 9;
		struct arp_store *s = open_arp(8, &dropped);
		ck_assert_uint_eq(dropped, 0);
		ck_assert_uint_eq(arp_store_count(s), 1);
		struct rt_neigh got;
		uint32_t slot;
		ck_assert_int_eq(arp_store_find(s, &a.ip, "eth0", &got, &slot), 0);
		ck_assert(neigh_eq(&got, variant == 0 ? &b : &c));
		ck_assert_uint_eq(slot, variant == 0 ? 1 : 0);
		struct coll all = { .count = 0 };
		ck_assert_int_eq(arp_store_walk(s, collect, &all), 0);
		ck_assert_int_eq(all.count, 1);
		arp_store_close(s);
	}
}
END_TEST

/* ---- Bad headers -------------------------------------------------------- */

static void expect_refused(const char *what_in_msg)
{
	struct arp_store *s = NULL;
	struct arp_reader *r = NULL;
	char err[ERRSZ];
	size_t len0, len1;
	unsigned char *before = slurp(path, &len0);

	ck_assert_int_eq(arp_store_open(path, 8, &s, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, path) != NULL, "message names the file: %s", err);
	ck_assert_msg(strstr(err, what_in_msg) != NULL, "message says why: %s", err);
	ck_assert_msg(strstr(err, "move it away") != NULL, "message says the fix: %s", err);
	ck_assert_int_eq(arp_reader_open(path, &r, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) != NULL, "reader message names the file: %s", err);

	unsigned char *after = slurp(path, &len1);
	ck_assert_uint_eq(len0, len1);
	ck_assert_msg(memcmp(before, after, len0) == 0, "file left byte for byte unchanged");
	free(before);
	free(after);
}

START_TEST(test_bad_magic)
{
	three_entries();
	poke(path, 0, "NOTRTMD!", 8);
	expect_refused("bad magic");
}
END_TEST

START_TEST(test_bad_version)
{
	uint32_t v = 7;

	three_entries();
	poke(path, 8, &v, 4);
	expect_refused("format version 7");
}
END_TEST

START_TEST(test_bad_entry_size)
{
	uint32_t v = 128;

	three_entries();
	poke(path, 16, &v, 4);
	expect_refused("entry size 128");
}
END_TEST

START_TEST(test_truncated)
{
	three_entries();
	ck_assert_int_eq(truncate(path, 8192), 0);
	expect_refused("does not match the file length");
	ck_assert_int_eq(truncate(path, 100), 0);
	expect_refused("truncated to 100 bytes");
	ck_assert_int_eq(truncate(path, 0), 0);
	expect_refused("truncated to 0 bytes");
}
END_TEST

START_TEST(test_wrong_kind)
{
	struct route_store *rs;
	char err[ERRSZ];
	size_t len0, len1;

	three_entries();
	char rpath[192];
	snprintf(rpath, sizeof(rpath), "%s/routes.store", dir);
	ck_assert_int_eq(rename(path, rpath), 0);
	unsigned char *before = slurp(rpath, &len0);
	ck_assert_int_eq(route_store_open(dir, 8, &rs, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "holds a arp store") || strstr(err, "arp store"), "%s", err);
	ck_assert_msg(strstr(err, rpath) != NULL, "%s", err);
	unsigned char *after = slurp(rpath, &len1);
	ck_assert(len0 == len1 && memcmp(before, after, len0) == 0);
	free(before);
	free(after);
}
END_TEST

/* ---- Reader ------------------------------------------------------------- */

START_TEST(test_reader_lookups)
{
	struct arp_store *s = open_arp(8, NULL);
	struct arp_reader *r;
	char err[ERRSZ];
	struct rt_neigh got[8];

	/* One IP on three devs; one MAC on three IPs. */
	const char *devs[] = { "eth0", "eth1", "wlan0" };
	for (int i = 0; i < 3; i++) {
		struct rt_neigh e = test_neigh("192.0.2.1", "02:00:00:00:00:01", devs[i], RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	}
	const char *ips[] = { "192.0.2.10", "192.0.2.11", "2001:db8::11" };
	for (int i = 0; i < 3; i++) {
		struct rt_neigh e = test_neigh(ips[i], "02:aa:bb:cc:dd:ee", "eth0", RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	}
	sync_arp(s);
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);

	struct rt_addr ip = addr("192.0.2.1");
	ck_assert_int_eq(arp_reader_get_ip(r, &ip, NULL, got, 8), 3);
	bool seen[3] = { false };
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 3; k++)
			if (strcmp(got[i].dev, devs[k]) == 0)
				seen[k] = true;
	ck_assert(seen[0] && seen[1] && seen[2]);
	ck_assert_int_eq(arp_reader_get_ip(r, &ip, "eth1", got, 8), 1);
	ck_assert_str_eq(got[0].dev, "eth1");
	ck_assert_int_eq(arp_reader_get_ip(r, &ip, "eth9", got, 8), 0);
	/* max limits what is copied, not what is counted. */
	ck_assert_int_eq(arp_reader_get_ip(r, &ip, NULL, got, 1), 3);
	ck_assert_int_eq(arp_reader_get_ip(r, &ip, NULL, NULL, 0), 3);

	uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	ck_assert_int_eq(arp_reader_get_mac(r, mac, got, 8), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(got[i].dev, "eth0");
	uint8_t nomac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	ck_assert_int_eq(arp_reader_get_mac(r, nomac, got, 8), 0);

	/* Slot reads and the changes the writer publishes. */
	uint32_t slot;
	uint64_t ver;
	struct rt_neigh e = test_neigh("198.51.100.1", "02:00:00:00:00:99", "eth3", RT_ORIGIN_RTCTL);
	ck_assert_int_eq(arp_store_add(s, &e, &slot), 0);
	ck_assert_int_eq(arp_reader_slot(r, slot, got, &ver), 1);
	ck_assert(neigh_eq(&got[0], &e));
	ck_assert_uint_gt(ver, 0);
	ck_assert_int_eq(arp_reader_slot(r, (uint32_t)arp_store_capacity(s) - 1, got, NULL), 0);
	errno = 0;
	ck_assert_int_eq(arp_reader_slot(r, 1u << 30, got, NULL), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(arp_store_delete(s, &e.ip, "eth3", NULL, NULL), 0);
	ck_assert_int_eq(arp_reader_slot(r, slot, got, NULL), 0);
	ck_assert_int_eq(arp_reader_get_ip(r, &e.ip, NULL, got, 8), 0);

	arp_reader_close(r);
	arp_store_close(s);
}
END_TEST

/* Batched look-ups answer key by key as the single calls do.  n: keys. */
static void check_many(struct arp_reader *r, const struct rt_addr *ips, const uint8_t (*macs)[6],
                       size_t n, const char *dev)
{
	struct rt_neigh *out = calloc(n + 1, sizeof(*out));
	int *found = calloc(n + 1, sizeof(*found));
	ssize_t hits = 0;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(found);
	for (int pass = 0; pass < 2; pass++) {
		bool mac = pass == 1;
		if (mac && !macs)
			break;
		memset(out, 0xa5, (n + 1) * sizeof(*out));     /* garbage: must be overwritten */
		out[n].ip.family = 0x5a;                        /* guard */
		ssize_t got = mac ? arp_reader_get_mac_many(r, macs, n, out, found)
		                  : arp_reader_get_ip_many(r, ips, n, dev, out, found);
		ck_assert_int_ge(got, 0);
		ck_assert_uint_eq(out[n].ip.family, 0x5a);
		hits = 0;
		for (size_t i = 0; i < n; i++) {
			struct rt_neigh all[16];
			int want = mac ? arp_reader_get_mac(r, macs[i], all, 16)
			               : arp_reader_get_ip(r, &ips[i], dev, all, 16);
			ck_assert_int_ge(want, 0);
			ck_assert_msg(found[i] == want, "key %zu (%s): %d found, single call %d", i,
			              mac ? "mac" : "ip", found[i], want);
			if (!want) {
				ck_assert_uint_eq(out[i].ip.family, 0);
				continue;
			}
			hits++;
			bool match = false;
			for (int k = 0; k < want && k < 16; k++)
				match |= neigh_eq(&out[i], &all[k]);
			ck_assert_msg(match, "key %zu: entry not among the single call's", i);
		}
		ck_assert_int_eq(got, hits);
		/* found is optional. */
		memset(out, 0xa5, n * sizeof(*out));
		got = mac ? arp_reader_get_mac_many(r, macs, n, out, NULL)
		          : arp_reader_get_ip_many(r, ips, n, dev, out, NULL);
		ck_assert_int_eq(got, hits);
		for (size_t i = 0; i < n; i++)
			ck_assert_uint_eq(out[i].ip.family != 0, found[i] > 0);
	}
	free(out);
	free(found);
}

START_TEST(test_reader_many)
{
	struct arp_store *s = open_arp(16, NULL);
	struct arp_reader *r;
	char err[ERRSZ], ip[64], mac[32];
	enum { N = 1500 };
	struct rt_addr *ips = calloc(N, sizeof(*ips));
	uint8_t (*macs)[6] = calloc(N, sizeof(*macs));
	const char *devs[] = { "eth0", "eth1", "wlan0" };

	ck_assert_ptr_nonnull(ips);
	ck_assert_ptr_nonnull(macs);
	/* One IP on three devs, one MAC on three IPs, then IPv4 and IPv6
	 * entries with their own MACs, on eth0 or eth1. */
	for (int i = 0; i < 3; i++) {
		struct rt_neigh e = test_neigh("192.0.2.1", "02:00:00:00:00:01", devs[i], RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
		snprintf(ip, sizeof(ip), "192.0.2.%d", 10 + i);
		e = test_neigh(ip, "02:aa:bb:cc:dd:ee", "eth0", RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	}
	sync_arp(s);
	/* Opened on the small file: the adds below grow it (rewrite and
	 * rename) several times, which the batch must follow. */
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	for (int i = 0; i < 600; i++) {
		if (i % 3 == 2)
			snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		else
			snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 256, i % 256);
		snprintf(mac, sizeof(mac), "02:00:00:01:%02x:%02x", i / 256, i % 256);
		struct rt_neigh e = test_neigh(ip, mac, devs[i % 2], RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	}
	sync_arp(s);

	/* Keys: present and missing IPv4 and IPv6 addresses, the multi-dev IP,
	 * an address family no entry has; MACs likewise. */
	for (size_t i = 0; i < N; i++) {
		unsigned k = (unsigned)(i * 7919u % 1200u);
		if (i % 97 == 0) {
			ips[i] = addr("192.0.2.1");
		} else if (i % 89 == 0) {
			memset(&ips[i], 0x11, sizeof(ips[i]));
			ips[i].family = 77;
		} else {
			if (k % 3 == 2)
				snprintf(ip, sizeof(ip), "2001:db8::%x", k);
			else
				snprintf(ip, sizeof(ip), "10.1.%u.%u", k / 256, k % 256);
			ips[i] = addr(ip);
		}
		if (i % 101 == 0) {
			static const uint8_t shared[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
			memcpy(macs[i], shared, 6);
		} else {
			uint8_t m[6] = { 0x02, 0, 0, 1, (uint8_t)(k / 256), (uint8_t)k };
			memcpy(macs[i], m, 6);
		}
	}
	/* Sizes below, at and across the pipeline's depth. */
	static const size_t sizes[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 33, 100, N };
	for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++)
		check_many(r, ips, macs, sizes[t], NULL);
	check_many(r, ips, NULL, N, "eth1");
	check_many(r, ips, NULL, N, "wlan0");
	check_many(r, ips, NULL, N, "eth9");
	check_many(r, ips, NULL, 20, "a-name-longer-than-ifnamsiz");
	check_many(r, ips, NULL, 20, "bad/name");       /* no entry can have it */
	check_many(r, ips, NULL, 20, "");
	struct rt_neigh one_out;
	ck_assert_int_eq(arp_reader_get_ip(r, &ips[0], "bad/name", &one_out, 1), 0);

	/* Half the keys are present: the count says so. */
	struct rt_neigh out[N];
	ssize_t hits = arp_reader_get_ip_many(r, ips, N, NULL, out, NULL);
	ck_assert_int_gt(hits, N / 3);
	ck_assert_int_lt(hits, N);

	/* Deletes and replaces show at once, and a growth between two batches
	 * is followed. */
	struct rt_addr one = addr("10.1.0.1");
	ck_assert_int_eq(arp_store_delete(s, &one, "eth1", NULL, NULL), 0);
	struct rt_neigh e = test_neigh("10.1.0.4", "02:00:00:00:77:77", "eth0", RT_ORIGIN_RTCTL);
	ck_assert_int_eq(arp_store_replace(s, &e, NULL, NULL, NULL, NULL), 0);
	for (int i = 0; i < 1200; i++) {
		snprintf(ip, sizeof(ip), "10.2.%d.%d", i / 256, i % 256);
		struct rt_neigh f = test_neigh(ip, "02:00:00:02:00:00", "eth2", RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &f, NULL), 0);
	}
	struct rt_addr two[3] = { one, e.ip, addr("10.2.4.175") };
	int found[3];
	ck_assert_int_eq(arp_reader_get_ip_many(r, two, 3, NULL, out, found), 2);
	ck_assert_int_eq(found[0], 0);
	ck_assert_uint_eq(out[0].ip.family, 0);
	ck_assert_int_eq(found[1], 1);
	ck_assert(neigh_eq(&out[1], &e));
	ck_assert_int_eq(found[2], 1);
	ck_assert_str_eq(out[2].dev, "eth2");
	uint8_t many[1][6] = { { 0x02, 0, 0, 0x02, 0, 0 } };
	ck_assert_int_eq(arp_reader_get_mac_many(r, (const uint8_t (*)[6])many, 1, out, found), 1);
	ck_assert_int_eq(found[0], 1200);
	check_many(r, ips, macs, N, NULL);

	arp_reader_close(r);
	arp_store_close(s);
	free(ips);
	free(macs);
}
END_TEST

START_TEST(test_reader_missing)
{
	struct arp_reader *r = NULL;
	char err[ERRSZ];

	ck_assert_int_eq(arp_reader_open(path, &r, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
}
END_TEST

/* A hostile file (valid header, garbage indexes) must not make the reader
 * read outside the mapping or loop forever. */
START_TEST(test_reader_hostile_index)
{
	struct arp_store *s = open_arp(64, NULL);
	struct rt_neigh e = test_neigh("192.0.2.1", "02:00:00:00:00:01", "eth0", RT_ORIGIN_RTCTL);
	size_t cap = arp_store_capacity(s);

	ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	arp_store_close(s);

	size_t len;
	unsigned char *buf = slurp(path, &len);
	off_t idx = STORE_HDR_SIZE + (off_t)((cap * 64 + 4095) / 4096 * 4096);
	size_t nidx = (len - (size_t)idx) / 8;
	uint64_t *vals = malloc(nidx * 8);
	/* Never EMPTY; tags that match the entry's hashes with slot numbers
	 * out of range, or tombstones. */
	uint64_t hip = store_hash_ip(&e.ip), hmac = store_hash_mac(e.lladdr);
	for (size_t i = 0; i < nidx; i++)
		vals[i] = i % 3 == 0 ? STORE_IDX_TOMB :
		          store_bucket(i % 2 ? hip : hmac, (uint32_t)(cap + i % 1000));
	poke(path, idx, vals, nidx * 8);
	free(vals);
	free(buf);

	struct arp_reader *r;
	char err[ERRSZ];
	struct rt_neigh got[4];
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	ck_assert_int_eq(arp_reader_get_ip(r, &e.ip, NULL, got, 4), 0);
	ck_assert_int_eq(arp_reader_get_mac(r, e.lladdr, got, 4), 0);
	/* The batched calls' prefetch walk too. */
	struct rt_addr ips[40];
	uint8_t macs[40][6];
	int found[40];
	struct rt_neigh many[40];
	for (int i = 0; i < 40; i++) {
		ips[i] = e.ip;
		memcpy(macs[i], e.lladdr, 6);
	}
	ck_assert_int_eq(arp_reader_get_ip_many(r, ips, 40, NULL, many, found), 0);
	ck_assert_int_eq(arp_reader_get_ip_many(r, ips, 40, "eth0", many, found), 0);
	ck_assert_int_eq(arp_reader_get_mac_many(r, (const uint8_t (*)[6])macs, 40, many, found), 0);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(found[i], 0);
	arp_reader_close(r);

	/* The writer notices the inconsistent index and rebuilds it. */
	s = open_arp(64, NULL);
	ck_assert_int_eq(arp_store_find(s, &e.ip, "eth0", NULL, NULL), 0);
	arp_store_close(s);
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	ck_assert_int_eq(arp_reader_get_ip(r, &e.ip, NULL, got, 4), 1);
	ck_assert_int_eq(arp_reader_get_ip_many(r, ips, 40, NULL, many, found), 40);
	arp_reader_close(r);
}
END_TEST

/* A writer process rewrites one slot as fast as it can, each time with an
 * internally consistent entry (every MAC byte and the last address byte
 * equal); the reader must never return a mix of two writes. */
START_TEST(test_reader_no_torn_reads)
{
	struct arp_store *s = open_arp(8, NULL);
	struct rt_neigh e = test_neigh("10.0.0.0", "00:00:00:00:00:00", "eth0", RT_ORIGIN_RTCTL);
	ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	arp_store_close(s);

	int go[2];
	ck_assert_int_eq(pipe(go), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store st;
		prctl(PR_SET_PDEATHSIG, SIGKILL);       /* never outlive the test */
		char err[ERRSZ];
		uint8_t payload[STORE_ARP_PAYLOAD];
		close(go[0]);
		if (store_open(&st, &store_arp_ops, path, 8, NULL, err, sizeof(err)) < 0)
			_exit(1);
		if (write(go[1], "x", 1) != 1)
			_exit(2);
		for (unsigned i = 0;; i++) {
			struct rt_neigh v = e;
			memset(v.lladdr, (int)(i & 0xff), 6);
			v.ip.bytes[3] = (uint8_t)i;
			snprintf(v.dev, sizeof(v.dev), "eth%u", i & 0xff);
			store_neigh_encode(&v, payload);
			store_write(&st, 0, payload);
		}
	}
	close(go[1]);
	char c;
	ck_assert_int_eq(read(go[0], &c, 1), 1);
	close(go[0]);

	struct arp_reader *r;
	char err[ERRSZ];
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned reads = 0, distinct = 0;
	uint8_t last = 0;
	char bad[256] = "";
	long elapsed;
	do {
		struct rt_neigh got;
		char dev[RT_IFNAMSIZ];
		int rc = arp_reader_slot(r, 0, &got, NULL);
		if (rc != 1) {
			snprintf(bad, sizeof(bad), "read %u: rc %d errno %d", reads, rc, errno);
			break;
		}
		snprintf(dev, sizeof(dev), "eth%u", got.lladdr[0]);
		if (memcmp(got.lladdr, got.lladdr + 1, 5) != 0 || got.ip.bytes[3] != got.lladdr[0] ||
		    strcmp(got.dev, dev) != 0) {
			snprintf(bad, sizeof(bad), "read %u: torn entry (mac byte %u, ip byte %u, dev %s)",
			         reads, got.lladdr[0], got.ip.bytes[3], got.dev);
			break;
		}
		if (got.lladdr[0] != last)
			distinct++;
		last = got.lladdr[0];
		reads++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		elapsed = (t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec);
		/* At least 0.7 s and 200 writes seen, however busy the machine. */
	} while ((elapsed < 700000000L || distinct < 200) && elapsed < 20000000000L);
	/* The batched calls on the same slot: keys 10.0.0.0 and its MAC,
	 * which the slot holds one write in 256; whatever they return must be
	 * that whole entry.  (The writer still runs.) */
	unsigned batches = 0, batch_hits = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		enum { NB = 64 };
		struct rt_addr ips[NB];
		uint8_t macs[NB][6];
		struct rt_neigh got[NB];
		int found[NB];
		for (int k = 0; k < NB; k++) {
			ips[k] = e.ip;
			memcpy(macs[k], e.lladdr, 6);
		}
		ssize_t hits = batches % 2 ? arp_reader_get_mac_many(r, (const uint8_t (*)[6])macs, NB,
		                                                     got, found)
		                           : arp_reader_get_ip_many(r, ips, NB, NULL, got, found);
		if (hits < 0 && !bad[0])
			snprintf(bad, sizeof(bad), "batch %u: errno %d", batches, errno);
		for (int k = 0; hits > 0 && k < NB; k++)
			if (found[k] && (!neigh_eq(&got[k], &e) || found[k] != 1) && !bad[0])
				snprintf(bad, sizeof(bad), "batch %u: torn entry (mac byte %u, ip byte %u, "
				         "dev %s, %d found)", batches, got[k].lladdr[1], got[k].ip.bytes[3],
				         got[k].dev, found[k]);
		batch_hits += hits > 0 ? (unsigned)hits : 0;
		batches++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		elapsed = (t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec);
	} while (!bad[0] && elapsed < 300000000L);
	kill(pid, SIGKILL);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	uint64_t retries = arp_reader_retries(r);
	arp_reader_close(r);
	ck_assert_msg(!bad[0], "%s", bad);
	ck_assert_msg(distinct > 10, "the writer made progress (%u values seen)", distinct);
	/* Not an assertion: whether reads collided depends on scheduling. */
	fprintf(stderr, "torn-read test: %u reads, %u changes seen, %u batches (%u hits), %" PRIu64
	        " retries\n", reads, distinct, batches, batch_hits, retries);

	/* Killed at an arbitrary instruction: at most that one slot is torn,
	 * and otherwise some complete value is there. */
	uint32_t dropped = 9;
	s = open_arp(8, &dropped);
	ck_assert_uint_le(dropped, 1);
	ck_assert_uint_eq(arp_store_count(s), 1 - dropped);
	arp_store_close(s);
}
END_TEST

/* ---- Format primitives --------------------------------------------------- */

START_TEST(test_crc32c)
{
	/* The standard check value of CRC-32C. */
	ck_assert_uint_eq(store_crc32c(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(store_crc32c_sw(0, "123456789", 9), 0xE3069283u);
	/* Hardware and table agree on every length and alignment, and
	 * continuing a CRC equals one pass. */
	uint8_t buf[300];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n + off <= sizeof(buf); n += 7) {
			uint32_t hw = store_crc32c(0, buf + off, n);
			ck_assert_uint_eq(hw, store_crc32c_sw(0, buf + off, n));
			ck_assert_uint_eq(store_crc32c(store_crc32c(0, buf + off, n / 2), buf + off + n / 2,
			                               n - n / 2), hw);
		}
}
END_TEST

/* The open-coded decoder accepts exactly what rt_neigh_check() accepts:
 * random payloads built around valid ones, byte by byte. */
START_TEST(test_decode_matches_check)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	const uint8_t interesting[] = { 0, 1, 2, 10, ' ', '!', '"', '.', '/', '0', ':', 'a', '\\',
	                                '~', 0x7f, 0x80, 0xff };
	unsigned accepted = 0, refused = 0;

	for (int round = 0; round < 200000; round++) {
		struct rt_neigh n, got;
		uint8_t p[STORE_ARP_PAYLOAD];
		char err[RT_ERRLEN];
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = test_neigh(x & 1 ? "192.0.2.1" : "2001:db8::1", "02:00:00:00:00:01",
		               (const char *[]){ "eth0", "a", "..x", "lo", "enp0s31f6",
		                                 "fifteen-chars-x" }[x % 6], RT_ORIGIN_RTCTL);
		store_neigh_encode(&n, p);
		/* Mutate one to three bytes; interesting values most of the time. */
		for (unsigned k = 0; k <= (x >> 8) % 3; k++) {
			unsigned at = (unsigned)((x >> (16 + 8 * k)) % STORE_ARP_PAYLOAD);
			uint8_t v = (x >> (40 + k)) & 3 ? interesting[(x >> (44 + k)) % sizeof(interesting)]
			                                  : (uint8_t)(x >> (48 + k));
			p[at] = v;
		}
		int rc = store_neigh_decode(p, &got);
		/* The reference: the same fields through rt_neigh_check(), plus
		 * the canonical form (zero padding) the key comparison needs. */
		struct rt_neigh ref;
		memset(&ref, 0, sizeof(ref));
		ref.ip.family = p[0];
		memcpy(ref.ip.bytes, p + 1, 16);
		memcpy(ref.dev, p + 17, 16);
		memcpy(ref.lladdr, p + 33, 6);
		ref.origin = p[39];
		memcpy(&ref.state, p + 40, 2);
		ref.protocol = p[42];
		ref.flags = p[43];
		bool tail_zero = true;
		for (int i = 44; i < STORE_ARP_PAYLOAD; i++)
			tail_zero = tail_zero && !p[i];
		int want = tail_zero && rt_neigh_check(&ref, err) == 0 ? 0 : -1;
		ck_assert_msg(rc == want, "round %d: decode %d, rt_neigh_check %d", round, rc, want);
		if (rc == 0) {
			ck_assert(neigh_eq(&got, &ref));
			accepted++;
		} else {
			refused++;
		}
	}
	ck_assert_uint_gt(accepted, 1000);
	ck_assert_uint_gt(refused, 1000);
}
END_TEST

/* A kill -9 leaves the indexes stale (they are never synced): the next
 * open mends them in place, same file, and readers find every entry. */
START_TEST(test_index_mended_in_place)
{
	struct arp_store *s = open_arp(64, NULL);
	char ip[32];
	struct stat st0, st1;

	for (int i = 0; i < 40; i++) {
		snprintf(ip, sizeof(ip), "10.1.0.%d", i);
		struct rt_neigh e = test_neigh(ip, "02:00:00:00:00:01", "eth0", RT_ORIGIN_RTCTL);
		ck_assert_int_eq(arp_store_add(s, &e, NULL), 0);
	}
	arp_store_close(s);
	ck_assert_int_eq(stat(path, &st0), 0);

	/* Wipe some buckets and point others at the wrong slot. */
	size_t cap = 64, nb = 128;
	off_t idx = STORE_HDR_SIZE + (off_t)((cap * 64 + 4095) / 4096 * 4096);
	uint64_t *b = malloc(nb * 8);
	peek(path, idx, b, nb * 8);
	unsigned wiped = 0, moved = 0;
	for (size_t k = 0; k < nb; k++) {
		if (b[k] == STORE_IDX_EMPTY)
			continue;
		if (k % 3 == 0) {
			b[k] = STORE_IDX_EMPTY;
			wiped++;
		} else if (k % 3 == 1) {
			b[k] = store_bucket(b[k], (uint32_t)b[k] % 40);     /* wrong slot, same tag */
			moved++;
		}
	}
	poke(path, idx, b, nb * 8);
	free(b);
	ck_assert_uint_gt(wiped, 0);
	ck_assert_uint_gt(moved, 0);

	uint32_t dropped = 9;
	s = open_arp(64, &dropped);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(arp_store_count(s), 40);
	ck_assert_int_eq(stat(path, &st1), 0);
	ck_assert_msg(st0.st_ino == st1.st_ino, "mended in place, not rewritten");
	struct arp_reader *r;
	char err[ERRSZ];
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0)
		ck_abort_msg("reader: %s", err);
	for (int i = 0; i < 40; i++) {
		snprintf(ip, sizeof(ip), "10.1.0.%d", i);
		struct rt_addr a = addr(ip);
		struct rt_neigh got[2];
		ck_assert_int_eq(arp_store_find(s, &a, "eth0", NULL, NULL), 0);
		ck_assert_int_eq(arp_reader_get_ip(r, &a, NULL, got, 2), 1);
		ck_assert_int_eq(arp_reader_get_ip(r, &a, "eth0", got, 2), 1);
	}
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct rt_neigh all[64];
	ck_assert_int_eq(arp_reader_get_mac(r, mac, all, 64), 40);
	arp_reader_close(r);
	arp_store_close(s);
}
END_TEST

/* ---- Route store -------------------------------------------------------- */

struct rcoll {
	struct rt_route r[64];
	uint32_t slot[64];
	int count;
};

static int rcollect(const struct rt_route *r, uint32_t slot, void *ctx)
{
	struct rcoll *c = ctx;

	if (c->count < 64) {
		c->r[c->count] = *r;
		c->slot[c->count] = slot;
	}
	c->count++;
	return 0;
}

static bool route_eq(const struct rt_route *a, const struct rt_route *b)
{
	return rt_route_equal(a, b);
}

static struct route_store *open_routes(uint32_t cap, uint32_t *dropped)
{
	struct route_store *s = NULL;
	char err[ERRSZ];

	if (route_store_open(dir, cap, &s, dropped, err, sizeof(err)) < 0)
		ck_abort_msg("route_store_open: %s", err);
	return s;
}

START_TEST(test_route_ops)
{
	struct route_store *s = open_routes(4, NULL);
	struct rt_route r1 = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, RT_ORIGIN_RTCTL);
	struct rt_route r2 = test_route("default6", NULL, "eth1", 0, RT_ORIGIN_RTCTL);
	struct rt_route r3 = test_route("default", "192.0.2.254", NULL, 5, RT_ORIGIN_RTCTL);
	uint32_t s1, s2, s3, moved;
	char err[ERRSZ];

	r3.origin = RT_ORIGIN_CONFIG;
	ck_assert_int_eq(route_store_put(s, &r1, &s1), 0);
	ck_assert_int_eq(route_store_put(s, &r2, &s2), 0);
	ck_assert_int_eq(route_store_put(s, &r3, &s3), 0);
	ck_assert_uint_eq(s1, 0);
	ck_assert_uint_eq(s2, 1);
	ck_assert_uint_eq(s3, 2);
	ck_assert_uint_eq(route_store_count(s), 3);

	struct rt_route bad = r1;
	bad.dst.addr.bytes[3] = 1;      /* host bits set */
	ck_assert_int_eq(route_store_put(s, &bad, NULL), RT_E_INVALID);

	/* Update moves to a free slot; the same value does not move. */
	moved = s1;
	struct rt_route r1b = test_route("10.0.0.0/24", "192.0.2.9", "eth0", 100, RT_ORIGIN_RTCTL);
	ck_assert_int_eq(route_store_update(s, &moved, &r1b), 0);
	ck_assert_uint_ne(moved, s1);
	uint32_t same = moved;
	ck_assert_int_eq(route_store_update(s, &same, &r1b), 0);
	ck_assert_uint_eq(same, moved);
	ck_assert_uint_eq(route_store_count(s), 3);
	ck_assert_int_eq(route_store_update(s, &s1, &r1b), RT_E_NOTFOUND);

	ck_assert_int_eq(route_store_free(s, s2), 0);
	ck_assert_int_eq(route_store_free(s, s2), RT_E_NOTFOUND);
	ck_assert_uint_eq(route_store_count(s), 2);
	ck_assert(route_store_dirty(s));
	ck_assert_int_eq(route_store_sync(s, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(route_store_path(s), path);

	/* Growth keeps slot numbers (they are route_table tags). */
	char dst[32];
	for (int i = 0; i < 100; i++) {
		snprintf(dst, sizeof(dst), "172.16.%d.0/24", i);
		struct rt_route r = test_route(dst, "192.0.2.1", NULL, 0, RT_ORIGIN_RTCTL);
		ck_assert_int_eq(route_store_put(s, &r, NULL), 0);
	}
	ck_assert_uint_ge(route_store_capacity(s), 102);
	route_store_close(s);

	uint32_t dropped = 9;
	s = open_routes(4, &dropped);
	ck_assert_uint_eq(dropped, 0);
	struct rcoll c = { .count = 0 };
	ck_assert_int_eq(route_store_load(s, rcollect, &c), 0);
	ck_assert_int_eq(c.count, 102);
	bool found1 = false, found3 = false;
	for (int i = 0; i < 64 && i < c.count; i++) {
		if (c.slot[i] == moved) {
			ck_assert(route_eq(&c.r[i], &r1b));
			found1 = true;
		}
		if (c.slot[i] == s3) {
			ck_assert(route_eq(&c.r[i], &r3));
			found3 = true;
		}
	}
	ck_assert(found1 && found3);
	route_store_close(s);
}
END_TEST

/* The route store writes behind: an update survives a kill -9 once it
 * has been flushed (rtmd flushes before every ack), and before that the
 * old value survives whole; never neither, never a torn one. */
static void crash_after_update(bool flush)
{
	struct rt_route a = test_route("10.0.0.0/8", "192.0.2.1", NULL, 7, RT_ORIGIN_RTCTL);
	struct rt_route b = test_route("10.0.0.0/8", "192.0.2.2", NULL, 7, RT_ORIGIN_RTCTL);

	unlink(path);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct route_store *s;
		char err[ERRSZ];
		uint32_t slot;
		if (route_store_open(dir, 4, &s, NULL, err, sizeof(err)) < 0 ||
		    route_store_put(s, &a, &slot) || route_store_sync(s, NULL, err, sizeof(err)) ||
		    route_store_update(s, &slot, &b) ||
		    (flush && route_store_flush(s, err, sizeof(err)) < 0))
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));

	uint32_t dropped = 9;
	struct route_store *s = open_routes(4, &dropped);
	ck_assert_uint_eq(dropped, 0);
	struct rcoll c = { .count = 0 };
	ck_assert_int_eq(route_store_load(s, rcollect, &c), 0);
	ck_assert_int_eq(c.count, 1);
	ck_assert(route_eq(&c.r[0], flush ? &b : &a));
	ck_assert_uint_eq(route_store_count(s), 1);
	route_store_close(s);
}

START_TEST(test_route_crash_mid_update)
{
	crash_after_update(true);
	crash_after_update(false);
}
END_TEST

/* A route of n next hops (distinct gateways) into *r. */
static void mp_route(struct rt_route *r, const char *dst, unsigned n, uint32_t metric)
{
	char err[RT_ERRLEN];

	rt_route_init(r);
	ck_assert_int_eq(rt_prefix_parse(dst, &r->dst, err), 0);
	r->metric = metric;
	r->nh_count = (uint16_t)n;
	for (unsigned i = 0; i < n; i++) {
		memset(&r->nh[i], 0, sizeof(r->nh[i]));
		r->nh[i].gw.family = AF_INET;
		r->nh[i].gw.bytes[0] = 192;
		r->nh[i].gw.bytes[2] = (uint8_t)(i / 250);
		r->nh[i].gw.bytes[3] = (uint8_t)(1 + i % 250);
		snprintf(r->nh[i].dev, RT_IFNAMSIZ, "eth%u", i % 4);
		r->nh[i].weight = (uint16_t)(n > 1 ? 1 + i % 256 : 1);
	}
	if (n > 1)
		r->nh[1].flags = RT_NHF_ONLINK;
	r->scope = RT_SCOPE_SITE;
	r->protocol = 200;
	ck_assert_int_eq(rt_addr_parse("10.255.0.1", &r->src, err), 0);
	if (!n)
		r->type = RTN_BLACKHOLE;
	ck_assert_msg(rt_route_check(r, err) == 0, "%s", err);
}

static bool exists(const char *name)
{
	char p[192];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

/* Routes go to the file of their size class and move between files on a
 * replace; everything reads back identical after a reopen. */
START_TEST(test_route_multipath_files)
{
	static struct rt_route a, b, c, a2, c2, blk;
	static struct rcoll got;
	uint32_t ta, tb, tc, tk;
	char err[ERRSZ];

	struct route_store *s = open_routes(4, NULL);
	ck_assert(!exists("routes16.store") && !exists("routes256.store"));
	mp_route(&a, "10.1.0.0/16", 1, 0);
	mp_route(&b, "10.2.0.0/16", 3, 0);
	mp_route(&c, "10.3.0.0/16", 40, 5);
	mp_route(&blk, "10.4.0.0/16", 0, 0);
	blk.type = RTN_PROHIBIT;
	blk.origin = RT_ORIGIN_CONFIG;
	ck_assert_int_eq(route_store_put(s, &a, &ta), 0);
	ck_assert_int_eq(route_store_put(s, &b, &tb), 0);
	ck_assert_int_eq(route_store_put(s, &c, &tc), 0);
	ck_assert_int_eq(route_store_put(s, &blk, &tk), 0);
	ck_assert_uint_eq(ta >> 30, 0);
	ck_assert_uint_eq(tb >> 30, 1);
	ck_assert_uint_eq(tc >> 30, 2);
	ck_assert_uint_eq(tk >> 30, 0);
	ck_assert(exists("routes16.store") && exists("routes256.store"));
	ck_assert_uint_eq(route_store_count(s), 4);
	/* moves: 1 -> 256 next hops, 40 -> 1 */
	mp_route(&a2, "10.1.0.0/16", 256, 0);
	mp_route(&c2, "10.3.0.0/16", 1, 5);
	ck_assert_int_eq(route_store_update(s, &ta, &a2), 0);
	ck_assert_int_eq(route_store_update(s, &tc, &c2), 0);
	ck_assert_uint_eq(ta >> 30, 2);
	ck_assert_uint_eq(tc >> 30, 0);
	ck_assert_uint_eq(route_store_count(s), 4);
	/* an imported route is not stored */
	struct rt_route *imp = &got.r[0];
	mp_route(imp, "10.5.0.0/16", 1, 0);
	imp->origin = RT_ORIGIN_KERNEL;
	ck_assert_int_eq(route_store_put(s, imp, NULL), RT_E_INVALID);
	ck_assert_int_eq(route_store_sync(s, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(route_store_free(s, tb), 0);
	route_store_close(s);

	uint32_t dropped = 9;
	s = open_routes(4, &dropped);
	ck_assert_uint_eq(dropped, 0);
	got.count = 0;
	ck_assert_int_eq(route_store_load(s, rcollect, &got), 0);
	ck_assert_int_eq(got.count, 3);
	int seen = 0;
	for (int i = 0; i < got.count; i++) {
		const struct rt_route *r = &got.r[i];
		if (got.slot[i] == ta && route_eq(r, &a2))
			seen |= 1;
		if (got.slot[i] == tc && route_eq(r, &c2))
			seen |= 2;
		if (got.slot[i] == tk && route_eq(r, &blk))
			seen |= 4;
	}
	ck_assert_int_eq(seen, 7);
	route_store_close(s);
}
END_TEST

/* A replace that moves a route to another file, cut short by a kill -9:
 * after the new copy is written, both copies are in the files and the next
 * open keeps the newer, whichever file it is in; before, the old one. */
static void crash_mid_move(unsigned from, unsigned to, bool flush)
{
	static const unsigned sizes[3] = { 1, 9, 100 };
	static struct rt_route a, b;
	static struct rcoll got;

	mp_route(&a, "10.0.0.0/8", sizes[from], 7);
	mp_route(&b, "10.0.0.0/8", sizes[to], 7);
	teardown();
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct route_store *s;
		char err[ERRSZ];
		uint32_t tag;
		if (route_store_open(dir, 4, &s, NULL, err, sizeof(err)) < 0 ||
		    route_store_put(s, &a, &tag) || route_store_sync(s, NULL, err, sizeof(err)) ||
		    route_store_update(s, &tag, &b) ||
		    (flush && route_store_flush(s, err, sizeof(err)) < 0))
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));

	struct route_store *s = open_routes(4, NULL);
	got.count = 0;
	ck_assert_int_eq(route_store_load(s, rcollect, &got), 0);
	ck_assert_int_eq(got.count, 1);
	/* the multipath files are written through the mapping: a kill -9
	 * cannot lose them; routes.store's writes wait for a flush */
	bool newer = flush || to != 0;
	ck_assert_msg(route_eq(&got.r[0], newer ? &b : &a), "move %u -> %u, flush %d", from, to, flush);
	ck_assert_uint_eq(route_store_count(s), 1);
	route_store_close(s);
	/* and a clean reopen finds it once, too */
	s = open_routes(4, NULL);
	ck_assert_uint_eq(route_store_count(s), 1);
	route_store_close(s);
}

START_TEST(test_route_crash_mid_move)
{
	for (unsigned from = 0; from < 3; from++)
		for (unsigned to = 0; to < 3; to++)
			if (from != to) {
				crash_mid_move(from, to, true);
				crash_mid_move(from, to, false);
			}
}
END_TEST

/* A delete of a route whose old copy in another file still waits for its
 * sync frees both in the same sync: the delete survives a reopen. */
START_TEST(test_route_delete_after_move)
{
	static struct rt_route a, b;
	char err[ERRSZ];
	uint32_t tag;

	struct route_store *s = open_routes(4, NULL);
	mp_route(&a, "10.0.0.0/8", 1, 0);
	mp_route(&b, "10.0.0.0/8", 5, 0);
	ck_assert_int_eq(route_store_put(s, &a, &tag), 0);
	ck_assert_int_eq(route_store_sync(s, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(route_store_update(s, &tag, &b), 0);
	ck_assert_int_eq(route_store_free(s, tag), 0);
	ck_assert_uint_eq(route_store_count(s), 0);
	ck_assert_int_eq(route_store_sync(s, NULL, err, sizeof(err)), 0);
	route_store_close(s);
	s = open_routes(4, NULL);
	ck_assert_uint_eq(route_store_count(s), 0);
	route_store_close(s);
}
END_TEST

/* The route store grows in place: same file, slot numbers kept, and a
 * growth interrupted after extending the file (longer than its capacity)
 * is accepted; a corrupt capacity word is refused untouched. */
START_TEST(test_route_grow_in_place)
{
	struct route_store *s = open_routes(4, NULL);
	struct stat st0, st1;
	char dst[32];
	uint32_t slots[300];

	ck_assert_int_eq(stat(path, &st0), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(dst, sizeof(dst), "172.16.%d.%d/32", i / 256, i % 256);
		struct rt_route r = test_route(dst, "192.0.2.1", NULL, (uint32_t)i, RT_ORIGIN_RTCTL);
		ck_assert_int_eq(route_store_put(s, &r, &slots[i]), 0);
		ck_assert_uint_eq(slots[i], (uint32_t)i);
	}
	ck_assert_uint_ge(route_store_capacity(s), 300);
	route_store_close(s);
	ck_assert_int_eq(stat(path, &st1), 0);
	ck_assert_msg(st0.st_ino == st1.st_ino, "grown in place, not rewritten");

	/* Interrupted growth: a longer file, capacity unchanged. */
	ck_assert_int_eq(truncate(path, st1.st_size + 3 * 4096), 0);
	uint32_t dropped = 9;
	s = open_routes(4, &dropped);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(route_store_count(s), 300);
	for (int i = 300; i < 700; i++) {          /* grows over the tail */
		snprintf(dst, sizeof(dst), "172.17.%d.%d/32", i / 256, i % 256);
		struct rt_route r = test_route(dst, "192.0.2.1", NULL, 0, RT_ORIGIN_RTCTL);
		ck_assert_int_eq(route_store_put(s, &r, NULL), 0);
	}
	route_store_close(s);
	s = open_routes(4, &dropped);
	ck_assert_uint_eq(dropped, 0);
	struct rcoll c = { .count = 0 };
	ck_assert_int_eq(route_store_load(s, rcollect, &c), 0);
	ck_assert_int_eq(c.count, 700);
	for (int i = 0; i < 64; i++) {
		ck_assert_uint_eq(c.slot[i], (uint32_t)i);
		ck_assert_uint_eq(c.r[i].metric, (uint32_t)i);
	}
	route_store_close(s);

	/* The capacity word has its own check. */
	uint64_t extent;
	peek(path, 72, &extent, 8);
	extent ^= 1;
	poke(path, 72, &extent, 8);
	size_t len0, len1;
	unsigned char *before = slurp(path, &len0);
	char err[ERRSZ];
	ck_assert_int_eq(route_store_open(dir, 4, &s, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "capacity checksum") && strstr(err, path), "%s", err);
	unsigned char *after = slurp(path, &len1);
	ck_assert(len0 == len1 && memcmp(before, after, len0) == 0);
	free(before);
	free(after);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("arp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_arp_ops);
	tcase_add_test(tc, test_arp_imported);
	tcase_add_test(tc, test_arp_walk_order);
	tcase_add_test(tc, test_arp_growth_with_reader);
	tcase_add_test(tc, test_arp_tombstones);
	tcase_add_test(tc, test_arp_reopen);
	tcase_add_test(tc, test_arp_delete_after_replace);
	suite_add_tcase(s, tc);

	tc = tcase_create("recovery");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_recover_bad_checksum);
	tcase_add_test(tc, test_recover_odd_sequence);
	tcase_add_test(tc, test_recover_duplicates);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_bad_version);
	tcase_add_test(tc, test_bad_entry_size);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_wrong_kind);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reader_lookups);
	tcase_add_test(tc, test_reader_many);
	tcase_add_test(tc, test_reader_missing);
	tcase_add_test(tc, test_reader_hostile_index);
	tcase_add_test(tc, test_reader_no_torn_reads);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_crc32c);
	tcase_add_test(tc, test_decode_matches_check);
	tcase_add_test(tc, test_index_mended_in_place);
	suite_add_tcase(s, tc);

	tc = tcase_create("route");
	tcase_add_checked_fixture(tc, setup_routes, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_route_ops);
	tcase_add_test(tc, test_route_crash_mid_update);
	tcase_add_test(tc, test_route_multipath_files);
	tcase_add_test(tc, test_route_crash_mid_move);
	tcase_add_test(tc, test_route_delete_after_move);
	tcase_add_test(tc, test_route_grow_in_place);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
