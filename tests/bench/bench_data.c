/* bench_data.c - the data sets: random distinct IPv4 and IPv6 prefixes in
 * random order (the length mix of bench_lpm.c: IPv4 8..32 with a quarter
 * /24; IPv6 in 2000::/3, 16..64 with /48 and /128 mixed in) and distinct
 * ARP entries, plus their batch files for rtctl -b and ip -batch.  The seed
 * is fixed, so every run loads the same tables.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bench.h"

static int v4_cmp(const void *x, const void *y)
{
	const struct v4pfx *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

static int v6_cmp(const void *x, const void *y)
{
	const struct v6pfx *a = x, *b = y;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

static void shuffle(void *base, size_t n, size_t size)
{
	uint8_t tmp[64], *v = base;

	for (size_t i = n - 1; n && i > 0; i--) {
		size_t j = rnd64() % (i + 1);

		memcpy(tmp, v + i * size, size);
		memcpy(v + i * size, v + j * size, size);
		memcpy(v + j * size, tmp, size);
	}
}

/* Generate with a surplus, sort, drop duplicates, shuffle, keep n. */
static struct v4pfx *gen_v4(size_t n)
{
	size_t cap = n + n / 4 + 16, got = 0;
	struct v4pfx *v = xmalloc(cap * sizeof(*v));

	while (got < n) {
		for (size_t i = got; i < cap; i++) {
			unsigned len = rnd64() % 100 < 25 ? 24 : 8 + (unsigned)(rnd64() % 25);

			v[i].len = (uint8_t)len;
			v[i].addr = (uint32_t)rnd64() & (len ? ~0u << (32 - len) : 0);
		}
		qsort(v, cap, sizeof(*v), v4_cmp);
		got = 0;
		for (size_t i = 0; i < cap; i++)
			if (!got || v4_cmp(&v[got - 1], &v[i]) != 0)
				v[got++] = v[i];
	}
	shuffle(v, got, sizeof(*v));
	return v;
}

static struct v6pfx *gen_v6(size_t n)
{
	size_t cap = n + n / 4 + 16, got = 0;
	struct v6pfx *v = xmalloc(cap * sizeof(*v));

	while (got < n) {
		for (size_t i = got; i < cap; i++) {
			unsigned pick = (unsigned)(rnd64() % 100);
			unsigned len = pick < 20 ? 48 : pick < 30 ? 128 : 16 + (unsigned)(rnd64() % 49);

			v[i].len = (uint8_t)len;
			v[i].hi = (rnd64() & ~(7ull << 61)) | (1ull << 61);
			v[i].lo = rnd64();
			v[i].hi &= len >= 64 ? UINT64_MAX : ~(UINT64_MAX >> len);
			v[i].lo &= len >= 128 ? UINT64_MAX : len > 64 ? ~(UINT64_MAX >> (len - 64)) : 0;
		}
		qsort(v, cap, sizeof(*v), v6_cmp);
		got = 0;
		for (size_t i = 0; i < cap; i++)
			if (!got || v6_cmp(&v[got - 1], &v[i]) != 0)
				v[got++] = v[i];
	}
	shuffle(v, got, sizeof(*v));
	return v;
}

/* Distinct by construction: odd multipliers are bijections modulo powers
 * of two, so IPs (in 10.0.0.0/8, n <= 2^24) and MACs never repeat. */
static struct arpent *gen_arp(size_t n)
{
	struct arpent *v = xmalloc(n * sizeof(*v));

	if (n > (1u << 24))
		die("at most 16777216 ARP entries");
	for (size_t i = 0; i < n; i++) {
		uint32_t ip = (uint32_t)((i * 0x9e3779b1u) & 0xffffff);
		uint32_t mac = (uint32_t)(i * 0x85ebca6bu + 0x1234567u);

		v[i].ip = 0x0a000000u | ip;
		v[i].mac[0] = 0x02;
		v[i].mac[1] = 0x42;
		v[i].mac[2] = (uint8_t)(mac >> 24);
		v[i].mac[3] = (uint8_t)(mac >> 16);
		v[i].mac[4] = (uint8_t)(mac >> 8);
		v[i].mac[5] = (uint8_t)mac;
		v[i].dev = (uint8_t)(i % 8);
	}
	return v;
}

static FILE *xfopen(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot create %s: %s", path, strerror(errno));
	return f;
}

static void xfclose(FILE *f, const char *path)
{
	if (ferror(f) || fclose(f) != 0)
		die("cannot write %s: %s (disk full?)", path, strerror(errno));
}

void data_make(struct dataset *ds, size_t n4, size_t n6, size_t narp)
{
	FILE *r4, *k4, *r6, *a;
	char buf[INET6_ADDRSTRLEN];
	double t0 = now_s();

	memset(ds, 0, sizeof(*ds));
	ds->n4 = n4;
	ds->n6 = n6;
	ds->narp = narp;
	ds->v4 = gen_v4(n4);
	ds->v6 = gen_v6(n6);
	ds->arp = gen_arp(narp);
	snprintf(ds->routes4, sizeof(ds->routes4), "%s/routes4.txt", B.dir);
	snprintf(ds->routes6, sizeof(ds->routes6), "%s/routes6.txt", B.dir);
	snprintf(ds->kernel4, sizeof(ds->kernel4), "%s/kernel4.batch", B.dir);
	snprintf(ds->arp_txt, sizeof(ds->arp_txt), "%s/arp.txt", B.dir);
	r4 = xfopen(ds->routes4);
	k4 = xfopen(ds->kernel4);
	for (size_t i = 0; i < n4; i++) {
		uint32_t x = ds->v4[i].addr;
		char p[24];

		snprintf(p, sizeof(p), "%u.%u.%u.%u/%u", x >> 24, (x >> 16) & 255, (x >> 8) & 255,
		         x & 255, ds->v4[i].len);
		fprintf(r4, "add %s dev d0\n", p);
		fprintf(k4, "route add %s dev d0\n", p);
	}
	xfclose(r4, ds->routes4);
	xfclose(k4, ds->kernel4);
	r6 = xfopen(ds->routes6);
	for (size_t i = 0; i < n6; i++) {
		uint8_t b[16];

		for (int j = 0; j < 8; j++) {
			b[j] = (uint8_t)(ds->v6[i].hi >> (56 - 8 * j));
			b[8 + j] = (uint8_t)(ds->v6[i].lo >> (56 - 8 * j));
		}
		inet_ntop(AF_INET6, b, buf, sizeof(buf));
		fprintf(r6, "add %s/%u dev d0\n", buf, ds->v6[i].len);
	}
	xfclose(r6, ds->routes6);
	a = xfopen(ds->arp_txt);
	for (size_t i = 0; i < narp; i++) {
		const struct arpent *e = &ds->arp[i];

		fprintf(a, "arp add %u.%u.%u.%u lladdr %02x:%02x:%02x:%02x:%02x:%02x dev eth%u\n",
		        e->ip >> 24, (e->ip >> 16) & 255, (e->ip >> 8) & 255, e->ip & 255, e->mac[0],
		        e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5], e->dev);
	}
	xfclose(a, ds->arp_txt);
	note("data: %zu IPv4 + %zu IPv6 routes, %zu ARP entries and their batch files in %.1f s",
	     n4, n6, narp, now_s() - t0);
}

void data_free(struct dataset *ds)
{
	free(ds->v4);
	free(ds->v6);
	free(ds->arp);
	ds->v4 = NULL;
	ds->v6 = NULL;
	ds->arp = NULL;
}

void v4_route(const struct v4pfx *p, struct rt_route *r)
{
	rt_route_init(r);
	r->nh_count = 1;
	r->nh[0].weight = 1;
	r->dst.addr.family = AF_INET;
	r->dst.addr.bytes[0] = (uint8_t)(p->addr >> 24);
	r->dst.addr.bytes[1] = (uint8_t)(p->addr >> 16);
	r->dst.addr.bytes[2] = (uint8_t)(p->addr >> 8);
	r->dst.addr.bytes[3] = (uint8_t)p->addr;
	r->dst.len = p->len;
	snprintf(r->nh[0].dev, sizeof(r->nh[0].dev), "d0");
}

void arp_neigh(const struct arpent *a, struct rt_neigh *n)
{
	memset(n, 0, sizeof(*n));
	n->ip.family = AF_INET;
	n->ip.bytes[0] = (uint8_t)(a->ip >> 24);
	n->ip.bytes[1] = (uint8_t)(a->ip >> 16);
	n->ip.bytes[2] = (uint8_t)(a->ip >> 8);
	n->ip.bytes[3] = (uint8_t)a->ip;
	memcpy(n->lladdr, a->mac, 6);
	snprintf(n->dev, sizeof(n->dev), "eth%u", a->dev);
}
