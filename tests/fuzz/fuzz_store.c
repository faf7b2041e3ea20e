/* fuzz_store.c - libFuzzer target: the input as a store file.
 *
 * Store files are read by rtmd at start and by any process through
 * arp_reader, so a corrupt or hostile file must be refused or recovered,
 * never crash either.  The first input byte chooses how the rest is used:
 *   even: as the ARP store (arp_store_open: validate, recover, look up),
 *         then read by arp_reader (open, look-ups by IP and MAC, slot reads);
 *   odd:  as the route store (route_store_open + route_store_load).
 * The file is rewritten for each input in a private temporary directory.
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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

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
	snprintf(path, sizeof(path), "%s/test.store", dir);
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

	if (arp_store_open(path, 16, &s, &dropped, err, sizeof(err)) == 0) {
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
	if (arp_reader_open(path, &r, err, sizeof(err)) == 0) {
		arp_reader_get_ip(r, &ip, NULL, out, 8);
		arp_reader_get_ip(r, &ip, "eth0", out, 8);
		arp_reader_get_mac(r, mac, out, 8);
		for (uint32_t i = 0; i < 64; i++)
			arp_reader_slot(r, i, &n, NULL);
		arp_reader_slot(r, UINT32_MAX, &n, NULL);
		arp_reader_close(r);
	}
}

static void route_side(void)
{
	struct route_store *s;
	char err[1024];
	uint32_t dropped;
	size_t n = 0;

	if (route_store_open(path, 16, &s, &dropped, err, sizeof(err)) == 0) {
		route_store_load(s, count_route, &n);
		if (n > route_store_capacity(s))
			abort();
		route_store_close(s);
	} else if (err[0] == '\0') {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd;

	if (size < 1)
		return 0;
	clean_dir();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1) || close(fd) < 0) {
		perror(path);
		exit(1);
	}
	if (data[0] & 1)
		route_side();
	else
		arp_side();
	return 0;
}
