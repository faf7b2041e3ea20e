/* bench_store.c - what durability and look-ups cost (not part of make check).
 *
 *   gcc -std=gnu11 -D_GNU_SOURCE -O2 -Isrc tests/bench/bench_store.c \
 *       src/store.c src/arp_store.c src/arp_reader.c src/addr.c src/log.c \
 *       $(pkg-config --cflags --libs zlib libxxhash) -o bench_store
 *   ./bench_store [DIR] [ENTRIES]
 *
 * DIR must be on the file system the state directory lives on (msync cost
 * is a property of the device); default ".".  ENTRIES defaults to 1000000.
 * Reports msync time per single acknowledged change (p50/p99), per batch of
 * 1000 changes, the time to fill, reopen (recover) the store, and reader
 * look-ups per second by IP and by MAC.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arp_reader.h"
#include "arp_store.h"
#include "log.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time too: on a shared machine the wall clock measures the neighbours. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i];
}

/* Entry i: 10.x.y.z (unique), MAC shared by groups of four IPs, dev by i%4. */
static void entry(uint32_t i, struct rt_neigh *n)
{
	memset(n, 0, sizeof(*n));
	n->ip.family = AF_INET;
	n->ip.bytes[0] = 10;
	n->ip.bytes[1] = (uint8_t)(i >> 16);
	n->ip.bytes[2] = (uint8_t)(i >> 8);
	n->ip.bytes[3] = (uint8_t)i;
	uint32_t m = i / 4;
	uint8_t mac[6] = { 0x02, 0, (uint8_t)(m >> 24), (uint8_t)(m >> 16), (uint8_t)(m >> 8), (uint8_t)m };
	memcpy(n->lladdr, mac, 6);
	snprintf(n->dev, sizeof(n->dev), "eth%u", i % 4);
}

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* The floor: msync of one dirtied page of a plain shared mapping, same
 * file system, same moment. */
static void raw_msync(const char *dir)
{
	char p[4096];
	enum { N = 300, PAGES = 64 };
	uint64_t v[N];

	snprintf(p, sizeof(p), "%s/bench-raw.tmp", dir);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, PAGES * 4096) < 0) {
		perror(p);
		exit(1);
	}
	uint8_t *m = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (int i = 0; i < N; i++) {
		uint8_t *pg = m + (size_t)(i % PAGES) * 4096;
		pg[i % 4096]++;
		double t0 = now_s();
		if (msync(pg, 4096, MS_SYNC) < 0) {
			perror("msync");
			exit(1);
		}
		v[i] = (uint64_t)((now_s() - t0) * 1e6);
	}
	printf("raw 1-page msync       : p50 %6" PRIu64 " us  p99 %6" PRIu64 " us  (baseline)\n",
	       pct(v, N, 0.50), pct(v, N, 0.99));
	munmap(m, PAGES * 4096);
	close(fd);
	unlink(p);
}

static void die_if(int rc, const char *what, const char *err)
{
	if (rc) {
		fprintf(stderr, "bench_store: %s failed (%d): %s\n", what, rc, err ? err : "");
		exit(1);
	}
}

static void sync_or_die(struct arp_store *s, uint64_t *usec)
{
	char err[512];

	die_if(arp_store_sync(s, usec, err, sizeof(err)), "sync", err);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	uint32_t total = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1000000;
	char path[4096], err[512];
	struct arp_store *s;
	uint32_t dropped;
	enum { SINGLE = 1000, BATCH = 1000, NBATCH = 20 };
	uint64_t us[SINGLE > NBATCH ? SINGLE : NBATCH];

	rt_log_init("bench_store", LOG_WARNING);
	if (total < SINGLE + BATCH * NBATCH)
		total = SINGLE + BATCH * NBATCH;
	raw_msync(dir);
	snprintf(path, sizeof(path), "%s/bench-arp.store", dir);
	unlink(path);
	die_if(arp_store_open(path, 1024, &s, &dropped, err, sizeof(err)), "open", err);

	/* 1. One change, made durable before the next (sync=always). */
	uint32_t next = 0;
	uint64_t lat[SINGLE];
	for (int i = 0; i < SINGLE; i++) {
		struct rt_neigh n;
		entry(next++, &n);
		double t0 = now_s();
		die_if(arp_store_add(s, &n, NULL), "add", NULL);
		sync_or_die(s, &us[i]);
		lat[i] = (uint64_t)((now_s() - t0) * 1e6);
	}
	printf("single add + msync     : msync p50 %6" PRIu64 " us  p99 %6" PRIu64
	       " us  (add+sync p50 %" PRIu64 " us)\n",
	       pct(us, SINGLE, 0.50), pct(us, SINGLE, 0.99), pct(lat, SINGLE, 0.50));

	/* Replace: new slot + deferred free of the old one (two pages). */
	for (int i = 0; i < SINGLE; i++) {
		struct rt_neigh n;
		entry(rnd(next), &n);
		n.lladdr[1] ^= 0x11;
		bool existed, changed;
		die_if(arp_store_replace(s, &n, NULL, &existed, &changed, NULL), "replace", NULL);
		sync_or_die(s, &us[i]);
	}
	printf("single replace + msync : msync p50 %6" PRIu64 " us  p99 %6" PRIu64 " us\n",
	       pct(us, SINGLE, 0.50), pct(us, SINGLE, 0.99));

	/* 2. Batches of 1000 new entries: contiguous slots. */
	for (int b = 0; b < NBATCH; b++) {
		for (int i = 0; i < BATCH; i++) {
			struct rt_neigh n;
			entry(next++, &n);
			die_if(arp_store_add(s, &n, NULL), "add", NULL);
		}
		sync_or_die(s, &us[b]);
	}
	printf("batch of %d adds       : msync p50 %6" PRIu64 " us  p99 %6" PRIu64 " us\n", BATCH,
	       pct(us, NBATCH, 0.50), pct(us, NBATCH, 0.99));

	/* Batches of 1000 replaces of random entries: scattered pages. */
	for (int b = 0; b < NBATCH; b++) {
		for (int i = 0; i < BATCH; i++) {
			struct rt_neigh n;
			entry(rnd(next), &n);
			n.lladdr[1] ^= 0x22;
			die_if(arp_store_replace(s, &n, NULL, NULL, NULL, NULL), "replace", NULL);
		}
		sync_or_die(s, &us[b]);
	}
	printf("batch of %d replaces   : msync p50 %6" PRIu64 " us  p99 %6" PRIu64
	       " us  (random entries: scattered pages)\n", BATCH,
	       pct(us, NBATCH, 0.50), pct(us, NBATCH, 0.99));

	/* 3. Fill to `total`, growing by doubling from 1024 slots. */
	double t0 = now_s();
	while (next < total) {
		struct rt_neigh n;
		entry(next++, &n);
		die_if(arp_store_add(s, &n, NULL), "add", NULL);
	}
	sync_or_die(s, NULL);
	printf("fill to %u entries    : %.2f s (capacity %zu, heap beside the mapping %zu KiB)\n",
	       total, now_s() - t0, arp_store_capacity(s), arp_store_memory(s) / 1024);
	arp_store_close(s);

	t0 = now_s();
	die_if(arp_store_open(path, 1024, &s, &dropped, err, sizeof(err)), "reopen", err);
	printf("reopen + recovery      : %.3f s (%u dropped, %zu entries)\n", now_s() - t0, dropped,
	       arp_store_count(s));

	struct arp_reader *r;
	die_if(arp_reader_open(path, &r, err, sizeof(err)), "reader open", err);
	struct rt_neigh out[8];
	for (int by_mac = 0; by_mac < 2; by_mac++) {
		uint32_t lookups = 0, hits = 0;
		double c0 = cpu_s(), t;
		t0 = now_s();
		do {
			for (int i = 0; i < 10000; i++, lookups++) {
				struct rt_neigh n;
				entry(rnd(total), &n);
				hits += (by_mac ? arp_reader_get_mac(r, n.lladdr, out, 8)
				                : arp_reader_get_ip(r, &n.ip, NULL, out, 8)) >= 1;
			}
			t = now_s() - t0;
		} while (t < 2.0);
		printf("reader by %s    : %.2f M look-ups/s wall, %.2f M per CPU-second "
		       "(%u of %u found)\n", by_mac ? "MAC (4 IPs)" : "IP         ",
		       lookups / t / 1e6, lookups / (cpu_s() - c0) / 1e6, hits, lookups);
	}
	printf("reader retries         : %" PRIu64 "\n", arp_reader_retries(r));
	arp_reader_close(r);
	arp_store_close(s);
	unlink(path);
	return 0;
}
