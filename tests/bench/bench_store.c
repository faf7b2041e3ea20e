/* bench_store.c - what durability and look-ups cost (not part of make check).
 *
 *   make tests/bench/bench_store
 *   tests/bench/bench_store [DIR] [ENTRIES] [sync|arp|read|route|all]
 *
 * DIR must be on the file system the state directory lives on (msync cost
 * is a property of the device); default ".".  ENTRIES defaults to 1000000.
 *   sync   msync time per single acknowledged change (p50/p99) and per batch
 *          of 1000 changes, against a raw one-page msync;
 *   arp    fill the ARP store to ENTRIES (sync per 1000), reopen after a clean
 *          close and after a kill -9 with unsynced changes;
 *   read   reader look-ups per second by IP, by (IP, dev) and by MAC with
 *          random keys (precomputed: the loop is the look-ups and nothing
 *          else, each independent of the last, as in a consumer), through
 *          the single calls and the batched ones (arp_reader_get_*_many,
 *          256 keys per call), and the raw ceilings of one random
 *          hash-table read per key and of a bucket + slot read;
 *   route  put ENTRIES routes one by one from a small store, one sync per
 *          1000 (rtmd loading a table), then reopen + route_store_load.
 * Times are wall and, where the machine is shared, CPU seconds too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sys/wait.h>

#include <xxhash.h>

#include "entries.h"
#include "arp_reader.h"
#include "arp_store.h"
#include "log.h"
#include "route_store.h"

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

static void sync_routes(struct route_store *s, uint64_t *usec)
{
	char err[512];

	die_if(route_store_sync(s, usec, err, sizeof(err)), "route sync", err);
}

static void bench_sync(const char *dir)
{
	char path[4096], err[512];
	struct arp_store *s;
	uint32_t dropped;
	enum { SINGLE = 1000, BATCH = 1000, NBATCH = 20 };
	uint64_t us[SINGLE > NBATCH ? SINGLE : NBATCH];

	raw_msync(dir);
	snprintf(path, sizeof(path), "%s/bench-sync.store", dir);
	unlink(path);
	die_if(arp_store_open(path, 1024, &s, &dropped, err, sizeof(err)), "open", err);

	/* One change, made durable before the next (sync=always). */
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

	/* Batches of 1000 new entries: contiguous slots. */
	for (int b = 0; b < NBATCH; b++) {
		for (int i = 0; i < BATCH; i++) {
			struct rt_neigh n;
			entry(next++, &n);
			die_if(arp_store_add(s, &n, NULL), "add", NULL);
		}
		sync_or_die(s, &us[b]);
	}
	printf("batch of %d adds     : msync p50 %6" PRIu64 " us  p99 %6" PRIu64 " us\n", BATCH,
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
	printf("batch of %d replaces : msync p50 %6" PRIu64 " us  p99 %6" PRIu64
	       " us  (random entries: scattered pages)\n", BATCH,
	       pct(us, NBATCH, 0.50), pct(us, NBATCH, 0.99));
	arp_store_close(s);
	unlink(path);
}

/* A writer killed with unsynced changes in flight: replaces (new slots,
 * index swaps, pending frees) and an add, then SIGKILL. */
static void crash_arp(const char *path, uint32_t total)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		struct arp_store *s;
		char err[512];
		if (arp_store_open(path, 1024, &s, NULL, err, sizeof(err)) < 0)
			_exit(1);
		for (int i = 0; i < 1000; i++) {
			struct rt_neigh n;
			entry(rnd(total), &n);
			n.lladdr[1] ^= 0x33;
			if (arp_store_replace(s, &n, NULL, NULL, NULL, NULL))
				_exit(2);
		}
		raise(SIGKILL);
		_exit(3);
	}
	int status;
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status)) {
		fprintf(stderr, "bench_store: crash child exited with %d\n", WEXITSTATUS(status));
		exit(1);
	}
}

static void bench_arp(const char *path, uint32_t total)
{
	char err[512];
	struct arp_store *s;
	uint32_t dropped;
	uint64_t us, sync_us = 0;

	unlink(path);
	die_if(arp_store_open(path, 1024, &s, &dropped, err, sizeof(err)), "open", err);
	double t0 = now_s(), c0 = cpu_s();
	for (uint32_t next = 0; next < total;) {
		struct rt_neigh n;
		entry(next++, &n);
		die_if(arp_store_add(s, &n, NULL), "add", NULL);
		if (next % 1000 == 0 || next == total) {
			sync_or_die(s, &us);
			sync_us += us;
		}
	}
	printf("arp fill to %u        : %.2f s wall, %.2f s CPU, %.2f s in msync (capacity %zu, "
	       "heap %zu KiB)\n", total, now_s() - t0, cpu_s() - c0, (double)sync_us / 1e6,
	       arp_store_capacity(s), arp_store_memory(s) / 1024);
	arp_store_close(s);

	for (int i = 0; i < 3; i++) {
		t0 = now_s();
		c0 = cpu_s();
		die_if(arp_store_open(path, 1024, &s, &dropped, err, sizeof(err)), "reopen", err);
		printf("arp open (clean)       : %.3f s wall, %.3f s CPU (%u dropped, %zu entries)\n",
		       now_s() - t0, cpu_s() - c0, dropped, arp_store_count(s));
		arp_store_close(s);
	}
	crash_arp(path, total);
	t0 = now_s();
	c0 = cpu_s();
	die_if(arp_store_open(path, 1024, &s, &dropped, err, sizeof(err)), "reopen", err);
	printf("arp open after kill -9 : %.3f s wall, %.3f s CPU (%u dropped, %zu entries)\n",
	       now_s() - t0, cpu_s() - c0, dropped, arp_store_count(s));
	arp_store_close(s);
}

/* Look-ups per second with precomputed random keys. */
static void bench_read(const char *path, uint32_t total)
{
	enum { NKEYS = 1 << 20, BATCH = 256 };
	struct arp_reader *r;
	char err[512];
	struct rt_addr *ips = malloc(NKEYS * sizeof(*ips)), *dips = malloc(NKEYS * sizeof(*dips));
	char (*devs)[RT_IFNAMSIZ] = malloc(NKEYS * sizeof(*devs));
	uint8_t (*macs)[6] = malloc(NKEYS * sizeof(*macs));

	if (!ips || !dips || !devs || !macs) {
		fprintf(stderr, "bench_store: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i < NKEYS; i++) {
		struct rt_neigh n;
		entry(rnd(total), &n);
		ips[i] = n.ip;
		memcpy(devs[i], n.dev, RT_IFNAMSIZ);
		memcpy(macs[i], n.lladdr, 6);
		/* Entry on dev (i / BATCH) % 4 (entry() puts entry k on k % 4). */
		entry(rnd(total / 4) * 4 + i / BATCH % 4, &n);
		dips[i] = n.ip;
	}
	die_if(arp_reader_open(path, &r, err, sizeof(err)), "reader open", err);

	/* The ceiling: hash the key, read one random 8-byte bucket of a table
	 * as large as the store's IP index. */
	size_t nb = 64;
	while (nb < 2 * (size_t)total)
		nb *= 2;
	uint64_t *tab = calloc(nb, sizeof(uint64_t));
	if (!tab) {
		fprintf(stderr, "bench_store: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < nb; i++)
		tab[i] = i * 0x9e3779b97f4a7c15ull;
	uint64_t sum = 0, n = 0;
	double t0 = now_s(), c0 = cpu_s(), t;
	do {
		for (uint32_t i = 0; i < NKEYS; i++)
			sum += tab[XXH3_64bits(&ips[i], 17) & (nb - 1)];
		n += NKEYS;
		t = now_s() - t0;
	} while (t < 1.0);
	printf("raw hash + 1 read      : %6.2f M/s wall, %6.2f M per CPU-second (anonymous "
	       "memory; %" PRIu64 ")\n",
	       (double)n / t / 1e6, (double)n / (cpu_s() - c0) / 1e6, sum & 1);
	free(tab);

	/* The ceiling that matters: the same two dependent reads a look-up
	 * makes (the IP bucket, then the slot it names), in the store's own
	 * mapping, in a loop of nothing else.  Offsets: doc/STORE.md. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		perror(path);
		exit(1);
	}
	const uint8_t *base = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	uint32_t nbk, cap;
	uint64_t slots_off, idx_off;
	memcpy(&nbk, base + 24, 4);
	memcpy(&slots_off, base + 40, 8);
	memcpy(&idx_off, base + 48, 8);
	memcpy(&cap, base + 72, 4);
	const uint64_t *bk = (const void *)(base + idx_off);
	sum = n = 0;
	t0 = now_s();
	c0 = cpu_s();
	do {
		for (uint32_t i = 0; i < NKEYS; i++) {
			uint64_t v = bk[XXH3_64bits(&ips[i], 5) & (nbk - 1)];
			sum += base[slots_off + (size_t)((uint32_t)v - 1 < cap ? (uint32_t)v - 1 : 0) * 64];
		}
		n += NKEYS;
		t = now_s() - t0;
	} while (t < 1.0);
	printf("raw bucket + slot      : %6.2f M/s wall, %6.2f M per CPU-second (ceiling in the "
	       "mapping; %" PRIu64 ")\n", (double)n / t / 1e6, (double)n / (cpu_s() - c0) / 1e6,
	       sum & 1);
	munmap((void *)base, (size_t)sb.st_size);
	close(fd);

	/* The same keys through each API: single calls (one key per call, up
	 * to 8 matches copied) and batched calls (BATCH keys per call, one
	 * match copied per key, the count of matches per key). */
	static const char *const devname[] = { "eth0", "eth1", "eth2", "eth3" };
	struct rt_neigh out[8], *bout = malloc(BATCH * sizeof(*bout));
	int *bfound = malloc(BATCH * sizeof(*bfound));
	if (!bout || !bfound) {
		fprintf(stderr, "bench_store: out of memory\n");
		exit(1);
	}
	static const char *what[] = { "IP (any dev)", "IP + dev    ", "MAC (4 IPs) " };
	for (int batched = 0; batched < 2; batched++)
	for (int kind = 0; kind < 3; kind++) {
		uint64_t lookups = 0, hits = 0;
		t0 = now_s();
		c0 = cpu_s();
		do {
			if (!batched) {
				for (uint32_t i = 0; i < NKEYS; i++) {
					int got = kind == 0 ? arp_reader_get_ip(r, &ips[i], NULL, out, 8) :
					          kind == 1 ? arp_reader_get_ip(r, &ips[i], devs[i], out, 8) :
					                      arp_reader_get_mac(r, macs[i], out, 8);
					hits += got >= 1;
				}
			} else {
				/* (IP, dev): one dev per call, so each run of BATCH
				 * keys is of entries on one dev (dips, devname). */
				for (uint32_t i = 0; i < NKEYS; i += BATCH) {
					ssize_t got = kind == 0 ? arp_reader_get_ip_many(r, ips + i, BATCH, NULL,
					                                                  bout, bfound) :
					              kind == 1 ? arp_reader_get_ip_many(r, dips + i, BATCH,
					                                                  devname[i / BATCH % 4],
					                                                  bout, bfound) :
					                          arp_reader_get_mac_many(r, (const uint8_t (*)[6])macs + i,
					                                                  BATCH, bout, bfound);
					if (got < 0) {
						perror("batched look-up");
						exit(1);
					}
					hits += (uint64_t)got;
				}
			}
			lookups += NKEYS;
			t = now_s() - t0;
		} while (t < 2.0);
		printf("reader by %s %s: %6.2f M look-ups/s wall, %6.2f M per CPU-second "
		       "(%" PRIu64 " of %" PRIu64 " found)\n", what[kind],
		       batched ? "(batched, 256 keys per call)" : "(single calls)              ",
		       (double)lookups / t / 1e6, (double)lookups / (cpu_s() - c0) / 1e6, hits, lookups);
	}
	free(bout);
	free(bfound);
	printf("reader retries         : %" PRIu64 "\n", arp_reader_retries(r));
	arp_reader_close(r);
	free(ips);
	free(dips);
	free(devs);
	free(macs);
}

/* Route k: 10.0.0.0 + k as a host route via one of 64 gateways. */
static void route_of(uint32_t k, struct rt_route *rt)
{
	test_route_host(rt, 0x0a000000u, k, (uint8_t)(1 + k % 64), NULL, k % 3);
}

static int count_route(const struct rt_route *rt, uint32_t slot, void *ctx)
{
	(void)slot;
	*(uint64_t *)ctx += rt->metric + 1;
	return 0;
}

static void bench_route(const char *dir, uint32_t total)
{
	char path[4096], err[512];
	struct route_store *s;
	uint32_t dropped;
	uint64_t us, sync_us = 0, sum = 0;

	snprintf(path, sizeof(path), "%s/bench-route.store", dir);
	unlink(path);
	die_if(route_store_open(path, 1024, &s, &dropped, err, sizeof(err)), "route open", err);
	double t0 = now_s(), c0 = cpu_s();
	for (uint32_t k = 0; k < total;) {
		struct rt_route rt;
		route_of(k++, &rt);
		die_if(route_store_put(s, &rt, NULL), "route put", NULL);
		if (k % 1000 == 0 || k == total) {
			sync_routes(s, &us);
			sync_us += us;
		}
	}
	double wall = now_s() - t0;
	printf("route put x %u        : %.2f s wall, %.2f s CPU, %.2f s in msync -> %.2f s in the "
	       "store besides msync (capacity %zu)\n", total, wall, cpu_s() - c0,
	       (double)sync_us / 1e6, wall - (double)sync_us / 1e6, route_store_capacity(s));
	route_store_close(s);

	for (int i = 0; i < 3; i++) {
		t0 = now_s();
		c0 = cpu_s();
		die_if(route_store_open(path, 1024, &s, &dropped, err, sizeof(err)), "route reopen", err);
		double t1 = now_s(), c1 = cpu_s();
		die_if(route_store_load(s, count_route, &sum), "route load", NULL);
		printf("route open + load      : %.3f + %.3f s wall, %.3f + %.3f s CPU "
		       "(%u dropped, %zu routes)\n", t1 - t0, now_s() - t1, c1 - c0, cpu_s() - c1,
		       dropped, route_store_count(s));
		route_store_close(s);
	}
	unlink(path);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	uint32_t total = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1000000;
	const char *what = argc > 3 ? argv[3] : "all";
	bool all = strcmp(what, "all") == 0;
	char path[4096];

	rt_log_init("bench_store", LOG_WARNING);
	if (total < 1000)
		total = 1000;
	if (all || strcmp(what, "sync") == 0)
		bench_sync(dir);
	snprintf(path, sizeof(path), "%s/bench-arp.store", dir);
	if (all || strcmp(what, "arp") == 0 || strcmp(what, "read") == 0) {
		if (all || strcmp(what, "arp") == 0 || access(path, R_OK) != 0)
			bench_arp(path, total);
		bench_read(path, total);
	}
	if (all || strcmp(what, "route") == 0)
		bench_route(dir, total);
	if (all)
		unlink(path);
	return 0;
}
