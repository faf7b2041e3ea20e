/* check_store_upgrade.c - converting format 2 state directories
 * (src/daemon/store_upgrade.c): the entries survive as the current
 * writers would have written them, torn and invalid ones go, the newer of
 * two copies wins, and a conversion killed at any step leaves either the
 * old file untouched or the new one whole, which a rerun completes. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arp_store.h"
#include "log.h"
#include "route_store.h"
#include "store_layout.h"
#include "store_upgrade.h"

#define ERRSZ 1024

static char dir[64];
static char arp_path[128], route_path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/check_store_upgrade.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(arp_path, sizeof(arp_path), "%s/arp.store", dir);
	snprintf(route_path, sizeof(route_path), "%s/routes.store", dir);
}

static void teardown(void)
{
	static const char *const names[] = {
		"arp.store", "arp.store.new", "arp.store.upgrade", "arp.store.upgrade.new",
		"routes.store", "routes.store.new", "routes.store.upgrade", "routes.store.upgrade.new",
		"routes16.store", "routes256.store",
	};
	char p[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* ---- format 2 files, written by hand ------------------------------------ */

struct v2 {
	int fd;
	uint8_t *base;
	struct store_map m;
	uint64_t version;
};

static void v2_create(struct v2 *f, const char *path, const struct store_ops *ops, uint32_t cap)
{
	struct store_hdr h;

	memset(f, 0, sizeof(*f));
	store_layout(ops, cap, &f->m);
	f->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(f->fd, 0);
	ck_assert_int_eq(ftruncate(f->fd, (off_t)f->m.len), 0);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, STORE_MAGIC, 8);
	h.version = 2;
	h.kind = ops->kind;
	h.slot_size = ops->slot_size;
	h.payload_size = ops->payload_size;
	h.nbuckets = f->m.nbuckets;
	h.nindex = f->m.nindex;
	h.generation = 1;
	h.slots_off = f->m.slots_off;
	h.index_off[0] = f->m.index_off[0];
	h.index_off[1] = f->m.index_off[1];
	h.hdr_crc = store_hdr_crc(&h);
	h.extent = store_extent_of(1, cap);
	ck_assert_int_eq(pwrite(f->fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	f->version = 1;
}

/* Slot s with payload p; torn: an odd sequence. */
static void v2_slot(struct v2 *f, uint32_t s, const uint8_t *p, size_t n, bool torn)
{
	uint8_t slot[STORE_SLOT_HEAD + 80] = { 0 };
	uint64_t ver = f->version++;
	uint32_t seq = (uint32_t)ver << 1 | torn, crc = store_slot_crc(ver, p, n);

	memcpy(slot, &seq, 4);
	memcpy(slot + 4, &crc, 4);
	memcpy(slot + 8, &ver, 8);
	memcpy(slot + STORE_SLOT_HEAD, p, n);
	ck_assert_int_eq(pwrite(f->fd, slot, STORE_SLOT_HEAD + n,
	                        (off_t)(f->m.slots_off + (size_t)s * f->m.slot_size)),
	                 (ssize_t)(STORE_SLOT_HEAD + n));
}

static void v2_neigh(struct v2 *f, uint32_t s, const char *ip, const char *mac, const char *dev,
                     uint8_t origin, bool torn)
{
	uint8_t p[48] = { 0 };
	struct rt_addr a;

	ck_assert_int_eq(rt_addr_parse(ip, &a, NULL), 0);
	p[0] = a.family;
	memcpy(p + 1, a.bytes, 16);
	strcpy((char *)p + 17, dev);
	ck_assert_int_eq(rt_mac_parse(mac, p + 33, NULL), 0);
	p[39] = origin;
	v2_slot(f, s, p, sizeof(p), torn);
}

static void v2_route(struct v2 *f, uint32_t s, const char *dst, const char *gw, const char *dev,
                     uint32_t metric, uint8_t origin)
{
	uint8_t p[80] = { 0 };
	struct rt_prefix d;
	struct rt_addr g;

	ck_assert_int_eq(rt_prefix_parse(dst, &d, NULL), 0);
	p[0] = d.addr.family;
	memcpy(p + 1, d.addr.bytes, 16);
	p[17] = d.len;
	memcpy(p + 18, &metric, 4);
	if (gw) {
		ck_assert_int_eq(rt_addr_parse(gw, &g, NULL), 0);
		p[22] = g.family;
		memcpy(p + 23, g.bytes, 16);
	}
	if (dev)
		strcpy((char *)p + 39, dev);
	p[55] = origin;
	v2_slot(f, s, p, sizeof(p), false);
}

static void v2_close(struct v2 *f)
{
	close(f->fd);
}

/* A format 2 state directory: what the checks below expect of it. */
static void make_v2(void)
{
	struct v2 f;

	v2_create(&f, arp_path, &store_arp_ops, 64);
	v2_neigh(&f, 0, "192.0.2.1", "02:00:00:00:00:01", "eth0", RT_ORIGIN_RTCTL, false);
	v2_neigh(&f, 3, "2001:db8::1", "02:00:00:00:00:02", "eth1", RT_ORIGIN_CONFIG, false);
	v2_neigh(&f, 5, "192.0.2.3", "02:00:00:00:00:03", "eth0", RT_ORIGIN_RTCTL, true);   /* torn */
	/* a replace cut short: the older copy, then the newer */
	v2_neigh(&f, 6, "192.0.2.4", "02:00:00:00:00:04", "eth0", RT_ORIGIN_RTCTL, false);
	v2_neigh(&f, 2, "192.0.2.4", "02:00:00:00:00:44", "eth0", RT_ORIGIN_RTCTL, false);
	v2_close(&f);

	v2_create(&f, route_path, &store_route_ops[0], 64);
	v2_route(&f, 0, "10.0.0.0/24", "192.0.2.1", "eth0", 5, RT_ORIGIN_RTCTL);
	v2_route(&f, 1, "10.1.0.0/16", NULL, "eth1", 0, RT_ORIGIN_CONFIG);     /* scope link now */
	v2_route(&f, 2, "2001:db8::/32", "fe80::1", "eth0", 0, RT_ORIGIN_RTCTL);  /* metric 1024 */
	v2_route(&f, 3, "10.2.0.0/16", "0.0.0.0", "eth2", 0, RT_ORIGIN_RTCTL);   /* a device route */
	v2_route(&f, 4, "10.3.0.0/16", "224.0.0.1", NULL, 0, RT_ORIGIN_RTCTL);   /* invalid now */
	v2_route(&f, 9, "10.4.0.0/16", "192.0.2.1", NULL, 1, RT_ORIGIN_RTCTL);   /* older copy */
	v2_route(&f, 7, "10.4.0.0/16", "192.0.2.2", NULL, 1, RT_ORIGIN_RTCTL);   /* newer copy */
	v2_close(&f);
}

/* ---- what a converted directory holds ------------------------------------ */

static void want_neigh(struct arp_store *as, const char *ip, const char *dev, const char *mac,
                       uint8_t origin)
{
	struct rt_neigh n;
	struct rt_addr a;
	char m[RT_MACSTRLEN];

	ck_assert_int_eq(rt_addr_parse(ip, &a, NULL), 0);
	ck_assert_msg(arp_store_find(as, &a, dev, &n, NULL) == 0, "%s dev %s missing", ip, dev);
	ck_assert_str_eq(rt_mac_str(n.lladdr, m), mac);
	ck_assert_uint_eq(n.origin, origin);
	ck_assert_uint_eq(n.state, NUD_PERMANENT);
}

struct seen {
	char text[8][RT_ROUTESTRLEN];
	int n;
};

static int see(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct seen *s = ctx;

	(void)tag;
	ck_assert_int_lt(s->n, 8);
	rt_route_format(r, s->text[s->n++], RT_ROUTESTRLEN);
	return 0;
}

static bool has(const struct seen *s, const char *want)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->text[i], want) == 0)
			return true;
	return false;
}

static void check_converted(void)
{
	struct arp_store *as;
	struct route_store *rs;
	char err[ERRSZ];
	uint32_t dropped = 9;
	struct seen s = { .n = 0 };

	ck_assert_msg(arp_store_open(arp_path, 16, &as, &dropped, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(arp_store_count(as), 3);
	want_neigh(as, "192.0.2.1", "eth0", "02:00:00:00:00:01", RT_ORIGIN_RTCTL);
	want_neigh(as, "2001:db8::1", "eth1", "02:00:00:00:00:02", RT_ORIGIN_CONFIG);
	want_neigh(as, "192.0.2.4", "eth0", "02:00:00:00:00:44", RT_ORIGIN_RTCTL);
	arp_store_close(as);

	ck_assert_msg(route_store_open(dir, 16, &rs, &dropped, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_eq(route_store_load(rs, see, &s), 0);
	ck_assert_int_eq(s.n, 5);
	ck_assert(has(&s, "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5"));
	ck_assert(has(&s, "10.1.0.0/16 dev eth1 proto config scope link"));
	ck_assert(has(&s, "2001:db8::/32 via fe80::1 dev eth0 proto rtctl metric 1024 pref medium"));
	ck_assert(has(&s, "10.2.0.0/16 dev eth2 proto rtctl scope link"));
	ck_assert(has(&s, "10.4.0.0/16 via 192.0.2.2 proto rtctl metric 1"));
	route_store_close(rs);
}

static uint32_t version_of(const char *path)
{
	uint32_t v = 0;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 4, 8), 4);
	close(fd);
	return v;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	uint8_t *b;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*n = (size_t)st.st_size;
	b = malloc(*n + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(pread(fd, b, *n, 0), (ssize_t)*n);
	close(fd);
	return b;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_convert)
{
	char err[ERRSZ];
	struct stat st;

	make_v2();
	ck_assert_msg(store_upgrade(dir, NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(version_of(arp_path), STORE_VERSION);
	ck_assert_uint_eq(version_of(route_path), STORE_VERSION);
	char p[256];
	snprintf(p, sizeof(p), "%s.upgrade", arp_path);
	ck_assert_int_eq(stat(p, &st), -1);
	check_converted();
	/* the current format is left alone */
	size_t n0, n1;
	uint8_t *before = slurp(route_path, &n0);
	ck_assert_int_eq(store_upgrade(dir, NULL, err, sizeof(err)), 0);
	uint8_t *after = slurp(route_path, &n1);
	ck_assert(n0 == n1 && memcmp(before, after, n0) == 0);
	free(before);
	free(after);
	/* an empty directory: nothing to do */
	teardown();
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(store_upgrade(dir, NULL, err, sizeof(err)), 0);
}
END_TEST

/* A format 2 file with a bad header is refused, named, and left alone;
 * another version is left for the store's open to refuse. */
START_TEST(test_refuse)
{
	char err[ERRSZ];
	size_t n0, n1;

	make_v2();
	int fd = open(arp_path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	uint32_t bad = 0;
	ck_assert_int_eq(pwrite(fd, &bad, 4, 16), 4);     /* slot_size: hdr_crc fails */
	close(fd);
	uint8_t *before = slurp(arp_path, &n0);
	ck_assert_int_eq(store_upgrade(dir, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, arp_path) && strstr(err, "corrupt header"), "%s", err);
	uint8_t *after = slurp(arp_path, &n1);
	ck_assert(n0 == n1 && memcmp(before, after, n0) == 0);
	free(before);
	free(after);

	fd = open(arp_path, O_RDWR);
	uint32_t v1 = 1;
	ck_assert_int_eq(pwrite(fd, &v1, 4, 8), 4);
	close(fd);
	ck_assert_int_eq(store_upgrade(dir, NULL, err, sizeof(err)), 0);
	struct arp_store *as;
	ck_assert_int_eq(arp_store_open(arp_path, 16, &as, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "format version 1"), "%s", err);
}
END_TEST

static enum store_upgrade_step kill_at;
static const char *kill_file;

static void killer(const char *path, enum store_upgrade_step step)
{
	if (step == kill_at && strcmp(path, kill_file) == 0)
		raise(SIGKILL);
}

/* kill -9 at every step of each file's conversion, then a rerun. */
START_TEST(test_interrupted)
{
	const char *files[] = { arp_path, route_path };
	char err[ERRSZ];

	for (size_t fi = 0; fi < 2; fi++) {
		for (int step = UPGRADE_WRITTEN; step <= UPGRADE_DONE; step++) {
			size_t n0, n1;

			teardown();
			ck_assert_int_eq(mkdir(dir, 0700), 0);
			make_v2();
			uint8_t *before = slurp(files[fi], &n0);
			kill_at = (enum store_upgrade_step)step;
			kill_file = files[fi];
			pid_t pid = fork();
			ck_assert_int_ge(pid, 0);
			if (pid == 0) {
				alarm(60);
				store_upgrade(dir, killer, err, sizeof(err));
				_exit(0);
			}
			int status;
			ck_assert_int_eq(waitpid(pid, &status, 0), pid);
			ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			              "the child was not killed at step %d of %s", step, files[fi]);
			/* before the rename the old file is untouched; after, it is
			 * the new one */
			uint32_t v = version_of(files[fi]);
			if (step < UPGRADE_RENAMED) {
				uint8_t *after = slurp(files[fi], &n1);
				ck_assert_uint_eq(v, 2);
				ck_assert(n0 == n1 && memcmp(before, after, n0) == 0);
				free(after);
			} else {
				ck_assert_uint_eq(v, STORE_VERSION);
			}
			free(before);
			ck_assert_msg(store_upgrade(dir, NULL, err, sizeof(err)) == 0, "%s", err);
			check_converted();
		}
	}
}
END_TEST

/* A stale NAME.upgrade left by an earlier interrupted run, even garbage,
 * does not stop the conversion. */
START_TEST(test_stale_upgrade_file)
{
	char err[ERRSZ], p[256];

	make_v2();
	snprintf(p, sizeof(p), "%s.upgrade", arp_path);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "garbage", 7), 7);
	close(fd);
	ck_assert_msg(store_upgrade(dir, NULL, err, sizeof(err)) == 0, "%s", err);
	check_converted();
}
END_TEST

static Suite *upgrade_suite(void)
{
	Suite *s = suite_create("store_upgrade");
	TCase *tc = tcase_create("upgrade");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_convert);
	tcase_add_test(tc, test_refuse);
	tcase_add_test(tc, test_interrupted);
	tcase_add_test(tc, test_stale_upgrade_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(upgrade_suite());
	int failed;

	rt_log_set_level(LOG_WARNING);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
