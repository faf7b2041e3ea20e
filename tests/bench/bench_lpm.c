/* bench_lpm.c - throughput and memory of the route table at scale.
 *
 * Not part of make check.  Build and run by hand:
 *   gcc -std=gnu11 -D_GNU_SOURCE -O2 -Isrc tests/bench/bench_lpm.c \
 *       src/route_table.c src/addr.c $(pkg-config --cflags --libs libxxhash) -o bench_lpm
 *   ./bench_lpm [ipv4-routes [ipv6-routes [lookups [seed]]]]
 * Each family: random-order inserts, look-ups, deletes, then the same
 * routes through the bulk path (stage + build) and look-ups again.
 * Defaults: 1000000 IPv4 routes (lengths 8..32, a quarter of them /24),
 * 200000 IPv6 routes (lengths 16..64, /48 and /128 mixed in), 20000000
 * look-ups per pass, single-threaded, so rates are per core.  Prefixes are
 * distinct and inserted in random order; next hops come from 64 gateways
 * on 8 interfaces, as on a real router.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "proc.h"
#include "proto.h"
#include "route_table.h"

#define CHUNK 1000000   /* look-ups per timed round */

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd64(void)
{
	/* splitmix64: fast, and good enough to spread prefixes */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0) {
		perror("bench_lpm: clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rates are computed on this thread's CPU time: on a shared machine wall
 * time also counts the time other processes held the core.  Wall time is
 * printed beside it. */
static double wall0;

static double now(void)
{
	wall0 = clock_s(CLOCK_MONOTONIC);
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static double wall_since(void)
{
	return clock_s(CLOCK_MONOTONIC) - wall0;
}

static size_t rss_bytes(void)
{
	long kb = proc_kb(getpid(), "VmRSS");

	if (kb < 0) {
		fprintf(stderr, "bench_lpm: cannot read /proc/self/status: %s\n", strerror(errno));
		exit(1);
	}
	return (size_t)kb * 1024;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "bench_lpm: out of memory allocating %zu bytes\n", n);
		exit(1);
	}
	return p;
}

/* A prefix as a sortable 128-bit value: address (hi, lo) then length. */
struct pk {
	uint64_t hi, lo;
	uint8_t len;
};

static int pk_cmp(const void *x, const void *y)
{
	const struct pk *a = x, *b = y;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

static void mask128(struct pk *p)
{
	unsigned len = p->len;

	p->hi &= len >= 64 ? UINT64_MAX : len ? ~(UINT64_MAX >> len) : 0;
	p->lo &= len >= 128 ? UINT64_MAX : len > 64 ? ~(UINT64_MAX >> (len - 64)) : 0;
}

/* n distinct random prefixes in random order. */
static struct pk *gen_prefixes(size_t n, bool v6)
{
	size_t cap = n + n / 2, got = 0;
	struct pk *v = xmalloc(cap * sizeof(*v));

	while (got < n) {
		for (size_t i = got; i < cap; i++) {
			struct pk *p = &v[i];
			unsigned pick = (unsigned)(rnd64() % 100);
			p->hi = rnd64();
			p->lo = rnd64();
			if (!v6) {
				p->lo = 0;
				p->hi &= 0xffffffff00000000ull;
				p->len = (uint8_t)(pick < 25 ? 24 : 8 + rnd64() % 25);
			} else {
				/* global unicast, 2000::/3 */
				p->hi = (p->hi & ~(7ull << 61)) | (1ull << 61);
				p->len = (uint8_t)(pick < 20 ? 48 : pick < 30 ? 128 : 16 + rnd64() % 49);
			}
			mask128(p);
		}
		qsort(v, cap, sizeof(*v), pk_cmp);
		got = 0;
		for (size_t i = 0; i < cap; i++)
			if (!got || pk_cmp(&v[got - 1], &v[i]) != 0)
				v[got++] = v[i];
	}
	for (size_t i = got - 1; i > 0; i--) {
		size_t j = rnd64() % (i + 1);
		struct pk tmp = v[i];
		v[i] = v[j];
		v[j] = tmp;
	}
	return v;
}

static void pk_to_route(const struct pk *p, bool v6, uint32_t i, struct rt_route *r)
{
	rt_route_init(r);
	r->nh_count = 1;
	r->nh[0].weight = 1;
	r->dst.addr.family = v6 ? AF_INET6 : AF_INET;
	r->dst.len = p->len;
	for (int b = 0; b < 8; b++) {
		r->dst.addr.bytes[b] = (uint8_t)(p->hi >> (56 - 8 * b));
		if (v6)
			r->dst.addr.bytes[8 + b] = (uint8_t)(p->lo >> (56 - 8 * b));
	}
	if (!v6)
		memset(r->dst.addr.bytes + 4, 0, 12);
	unsigned nh = i % 64;
	r->nh[0].gw.family = r->dst.addr.family;
	if (v6) {
		r->nh[0].gw.bytes[0] = 0xfe;
		r->nh[0].gw.bytes[1] = 0x80;
		r->nh[0].gw.bytes[15] = (uint8_t)(nh + 1);
	} else {
		r->nh[0].gw.bytes[0] = 100;
		r->nh[0].gw.bytes[1] = 64;
		r->nh[0].gw.bytes[2] = (uint8_t)nh;
		r->nh[0].gw.bytes[3] = 1;
	}
	snprintf(r->nh[0].dev, sizeof(r->nh[0].dev), "eth%u", nh % 8);
	r->metric = 100;
}

/* Addresses are converted before the clock starts, so the loop times
 * the table and not the benchmark's own bookkeeping.  The look-ups are
 * independent, as a forwarding path's are: the CPU may overlap them,
 * and a table whose look-up is short gets more of that overlap. */
static void lookups(const struct route_table *t, bool v6, const struct pk *rand_a,
                    const struct pk *hit_a, size_t nlookups, const char *what)
{
	double w;
	struct rt_addr *addrs = xmalloc(nlookups * sizeof(*addrs));
	for (int pass = 0; pass < 2; pass++) {
		const struct pk *as = pass ? hit_a : rand_a;
		struct rt_route out;
		size_t hits = 0;
		uint64_t sum = 0;

		memset(addrs, 0, nlookups * sizeof(*addrs));
		for (size_t i = 0; i < nlookups; i++) {
			struct rt_addr *a = &addrs[i];
			a->family = v6 ? AF_INET6 : AF_INET;
			for (int b = 0; b < 8; b++)
				a->bytes[b] = (uint8_t)(as[i].hi >> (56 - 8 * b));
			if (v6)
				for (int b = 0; b < 8; b++)
					a->bytes[8 + b] = (uint8_t)(as[i].lo >> (56 - 8 * b));
			else
				memset(a->bytes + 4, 0, 4);
		}
		/* Timed in rounds of CHUNK: on a shared machine the fastest
		 * round is the best estimate of what the table can do, the
		 * total of what it did meanwhile. */
		double best = 0, cpu = 0;
		(void)now();
		for (size_t i0 = 0; i0 < nlookups; i0 += CHUNK) {
			size_t i1 = i0 + CHUNK < nlookups ? i0 + CHUNK : nlookups;
			double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
			for (size_t i = i0; i < i1; i++) {
				if (route_table_lookup(t, &addrs[i], &out) == RT_OK) {
					hits++;
					sum += out.dst.len;
				}
			}
			double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
			cpu += c1 - c0;
			if (c1 > c0 && (double)(i1 - i0) / (c1 - c0) > best)
				best = (double)(i1 - i0) / (c1 - c0);
		}
		w = wall_since();
		printf("lookup%s: %-20s %zu in %.3f s CPU (%.3f s wall) = %.2f M lookups/s, "
		       "best round %.2f M/s (%.1f%% matched, check %" PRIu64 ")\n",
		       what, pass ? "inside random routes" : "uniform random", nlookups, cpu, w,
		       (double)nlookups / cpu / 1e6, best / 1e6,
		       100.0 * (double)hits / (double)nlookups, sum);
	}

	free(addrs);
}

static void bulk_reject(const struct rt_route *r, uint32_t tag, int err, void *ctx)
{
	(void)r;
	(void)ctx;
	fprintf(stderr, "bench_lpm: bulk build rejected route #%" PRIu32 ": %d\n", tag, err);
	exit(1);
}

static void run(struct route_table *t, size_t nroutes, bool v6, size_t nlookups)
{
	const char *fam = v6 ? "IPv6" : "IPv4";
	struct rt_route r;
	size_t rss0, rss1, mem0 = route_table_memory(t);
	double t0, t1;

	printf("\n== %s: %zu routes ==\n", fam, nroutes);
	struct pk *pfx = gen_prefixes(nroutes, v6);
	/* look-up addresses: uniform, and inside a random route */
	struct pk *rand_a = xmalloc(nlookups * sizeof(*rand_a));
	struct pk *hit_a = xmalloc(nlookups * sizeof(*hit_a));
	for (size_t i = 0; i < nlookups; i++) {
		rand_a[i].hi = rnd64();
		rand_a[i].lo = rnd64();
		if (v6)
			rand_a[i].hi = (rand_a[i].hi & ~(7ull << 61)) | (1ull << 61);
		const struct pk *p = &pfx[rnd64() % nroutes];
		struct pk host = { rnd64(), rnd64(), 0 };
		/* host bits random below the prefix */
		hit_a[i].hi = p->hi | (p->len >= 64 ? 0 : host.hi >> p->len);
		hit_a[i].lo = p->lo | (p->len >= 128 ? 0 : p->len >= 64 ? host.lo >> (p->len - 64) : host.lo);
		if (!v6)
			hit_a[i].hi = p->hi | (p->len >= 32 ? 0 : (host.hi >> p->len) & 0xffffffff00000000ull);
	}

	rss0 = rss_bytes();
	t0 = now();
	for (size_t i = 0; i < nroutes; i++) {
		pk_to_route(&pfx[i], v6, (uint32_t)i, &r);
		int rc = route_table_add(t, &r, (uint32_t)i);
		if (rc != RT_OK) {
			fprintf(stderr, "bench_lpm: route_table_add #%zu failed: %d\n", i, rc);
			exit(1);
		}
	}
	t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	double w = wall_since();
	rss1 = rss_bytes();
	size_t mem = route_table_memory(t) - mem0;
	printf("insert:   %zu routes in %.3f s CPU (%.3f s wall) = %.2f M inserts/s\n", nroutes,
	       t1 - t0, w, (double)nroutes / (t1 - t0) / 1e6);
	printf("memory:   route_table_memory %zu bytes = %.1f bytes/route\n", mem,
	       (double)mem / (double)nroutes);
	printf("          RSS delta %zu bytes = %.1f bytes/route\n", rss1 - rss0,
	       (double)(rss1 - rss0) / (double)nroutes);

	lookups(t, v6, rand_a, hit_a, nlookups, "");
	t0 = now();
	for (size_t i = 0; i < nroutes; i++) {
		pk_to_route(&pfx[i], v6, (uint32_t)i, &r);
		int rc = route_table_delete(t, &r.dst, r.metric, 0, NULL, NULL);
		if (rc != RT_OK) {
			fprintf(stderr, "bench_lpm: route_table_delete #%zu failed: %d\n", i, rc);
			exit(1);
		}
	}
	t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	w = wall_since();
	printf("delete:   %zu routes in %.3f s CPU (%.3f s wall) = %.2f M deletes/s; memory after: %zu bytes\n",
	       nroutes, t1 - t0, w, (double)nroutes / (t1 - t0) / 1e6, route_table_memory(t));

	/* The same routes again through the bulk path rtmd uses at start-up:
	 * staged in the same random order, then built. */
	mem0 = route_table_memory(t);
	rss0 = rss_bytes();
	t0 = now();
	for (size_t i = 0; i < nroutes; i++) {
		pk_to_route(&pfx[i], v6, (uint32_t)i, &r);
		int rc = route_table_stage(t, &r, (uint32_t)i);
		if (rc != RT_OK) {
			fprintf(stderr, "bench_lpm: route_table_stage #%zu failed: %d\n", i, rc);
			exit(1);
		}
	}
	route_table_build(t, bulk_reject, NULL);
	t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	w = wall_since();
	rss1 = rss_bytes();
	mem = route_table_memory(t) - mem0;
	printf("bulk:     %zu routes staged and built in %.3f s CPU (%.3f s wall) = %.2f M routes/s\n",
	       nroutes, t1 - t0, w, (double)nroutes / (t1 - t0) / 1e6);
	printf("memory:   route_table_memory %zu bytes = %.1f bytes/route\n", mem,
	       (double)mem / (double)nroutes);
	printf("          RSS delta %zu bytes = %.1f bytes/route\n", rss1 - rss0,
	       (double)(rss1 - rss0) / (double)nroutes);
	lookups(t, v6, rand_a, hit_a, nlookups, "/bulk");
	for (size_t i = 0; i < nroutes; i++) {
		pk_to_route(&pfx[i], v6, (uint32_t)i, &r);
		if (route_table_delete(t, &r.dst, r.metric, 0, NULL, NULL) != RT_OK) {
			fprintf(stderr, "bench_lpm: route_table_delete #%zu after bulk failed\n", i);
			exit(1);
		}
	}
	free(pfx);
	free(rand_a);
	free(hit_a);
}

int main(int argc, char **argv)
{
	size_t n4 = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	size_t n6 = argc > 2 ? strtoull(argv[2], NULL, 10) : 200000;
	size_t nl = argc > 3 ? strtoull(argv[3], NULL, 10) : 20000000;

	if (argc > 4)
		rng = strtoull(argv[4], NULL, 0);
	if (argc > 5 || !nl) {
		fprintf(stderr, "usage: %s [ipv4-routes [ipv6-routes [lookups [seed]]]]\n", argv[0]);
		return 2;
	}
	printf("command:");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n(single thread; rates are per core)\n");

	struct route_table *t = route_table_new();
	if (!t) {
		fprintf(stderr, "bench_lpm: route_table_new: out of memory\n");
		return 1;
	}
	if (n4)
		run(t, n4, false, nl);
	if (n6)
		run(t, n6, true, nl);
	route_table_free(t);
	return 0;
}
