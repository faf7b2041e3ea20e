/* fuzz_store.c - libFuzzer target: the input as a store file.
 *
 * Store files are read by rtmd at start and by any process through
 * arp_reader, so a corrupt or hostile file must be refused or recovered,
 * never crash either.  The first input byte chooses how the rest is used:
 *   bit 0 clear: as arp.store (arp_store_open: validate, recover, look up,
 *         change), then read by arp_reader (look-ups by IP and MAC, slots);
 *   bit 0 set:   as route files (route_store_open + route_store_load, then
 *         a put, an update that moves the route between files and a free),
 *         bits 1-2 choosing which: routes.store, routes16.store,
 *         routes256.store, or (3) the first N bytes routes.store and the
 *         rest routes16.store, N from the next 4 input bytes;
 *   bit 3 set:   store_upgrade() runs on the directory first (format-2
 *         inputs are converted, others must be left alone).
 * The files are rewritten for each input in a private temporary directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arp_reader.h"
#include "arp_store.h"
#include "log.h"
#include "route_store.h"
#include "store_upgrade.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], arp_path[96];

/* Empty the directory: growth leaves new files and retired ones behind. */
static void clean_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

static void remove_dir(void)
{
	clean_dir();
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "%s", "/tmp/fuzz_store.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(arp_path, sizeof(arp_path), "%s/arp.store", dir);
	atexit(remove_dir);
	rt_log_set_level(-1);   /* recovery messages are expected: keep quiet */
	return 0;
}

static int count_route(const struct rt_route *r, uint32_t slot, void *ctx)
{
	char err[RT_ERRLEN];

	if (rt_route_check(r, err) != 0)
		abort();   /* load must hand out only valid routes */
	++*(size_t *)ctx;
	return 0;
}

static int check_neigh(const struct rt_neigh *n, uint32_t slot, void *ctx)
{
	char err[RT_ERRLEN];

	if (rt_neigh_check(n, err) != 0)
		abort();
	return 0;
}

static void arp_side(void)
{
	struct arp_store *s;
	struct arp_reader *r;
	struct rt_neigh out[8], n;
	char err[1024];
	uint32_t dropped, slot;
	struct rt_addr ip = { .family = 2, .bytes = { 192, 0, 2, 7 } };
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 7 };

	if (arp_store_open(arp_path, 16, &s, &dropped, err, sizeof(err)) == 0) {
		arp_store_walk(s, check_neigh, NULL);
		arp_store_walk_ip(s, &ip, check_neigh, NULL);
		arp_store_walk_mac(s, mac, check_neigh, NULL);
		arp_store_find(s, &ip, "eth0", &n, &slot);
		/* A change on a recovered store must work or fail cleanly. */
		memset(&n, 0, sizeof(n));
		n.ip = ip;
		memcpy(n.lladdr, mac, 6);
		strcpy(n.dev, "eth0");
		arp_store_add(s, &n, &slot);
		arp_store_close(s);
	} else if (err[0] == '\0') {
		abort();
	}
	if (arp_reader_open(arp_path, &r, err, sizeof(err)) == 0) {
		arp_reader_get_ip(r, &ip, NULL, out, 8);
		arp_reader_get_ip(r, &ip, "eth0", out, 8);
		arp_reader_get_mac(r, mac, out, 8);
		for (uint32_t i = 0; i < 64; i++)
			arp_reader_slot(r, i, &n, NULL);
		arp_reader_slot(r, UINT32_MAX, &n, NULL);
		arp_reader_close(r);
	}
}

/* Changes on a recovered store work or fail cleanly: a route of one next
 * hop, replaced by one of two (it moves to routes16.store), freed. */
static void route_changes(struct route_store *s)
{
	static struct rt_route r;
	uint32_t tag;

	rt_route_init(&r);
	r.dst.addr.family = 2;
	r.dst.addr.bytes[0] = 10;
	r.dst.len = 8;
	r.metric = 77;
	r.nh_count = 1;
	r.nh[0].weight = 1;
	strcpy(r.nh[0].dev, "eth0");
	if (route_store_put(s, &r, &tag) != 0)
		return;
	r.nh_count = 2;
	r.nh[0].weight = r.nh[1].weight = 1;
	strcpy(r.nh[1].dev, "eth1");
	route_store_update(s, &tag, &r);
	route_store_free(s, tag);
}

static void route_side(void)
{
	struct route_store *s;
	char err[1024];
	uint32_t dropped;
	size_t n = 0;

	if (route_store_open(dir, 16, &s, &dropped, err, sizeof(err)) == 0) {
		route_store_load(s, count_route, &n);
		if (n > route_store_count(s) || n > route_store_capacity(s))
			abort();
		route_changes(s);
		route_store_close(s);
	} else if (err[0] == '\0') {
		abort();
	}
}

static void write_file(const char *name, const uint8_t *data, size_t size)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0) {
		perror(path);
		exit(1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const route_files[] = { "routes.store", "routes16.store",
	                                           "routes256.store" };
	char err[1024];
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++, size--;
	clean_dir();
	if (!(sel & 1)) {
		write_file("arp.store", data, size);
	} else if (((sel >> 1) & 3) < 3) {
		write_file(route_files[(sel >> 1) & 3], data, size);
	} else {
		uint32_t split = 0;

		if (size < 4)
			return 0;
		memcpy(&split, data, 4);
		data += 4, size -= 4;
		split = (uint32_t)(split % (size + 1));
		write_file("routes.store", data, split);
		write_file("routes16.store", data + split, size - split);
	}
	if ((sel & 8) && store_upgrade(dir, NULL, err, sizeof(err)) < 0 && err[0] == '\0')
		abort();
	if (sel & 1)
		route_side();
	else
		arp_side();
	return 0;
}
