/* entries.c - entries for tests and benchmarks (entries.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "entries.h"

static void must(int rc, const char *what, const char *text, const char *err)
{
	if (rc < 0) {
		fprintf(stderr, "test entry: %s \"%s\": %s\n", what, text, err);
		abort();
	}
}

void test_route_nh(struct rt_route *r, const char *gw, const char *dev, uint16_t weight)
{
	struct rt_nexthop *nh;
	char err[RT_ERRLEN];

	if (r->nh_count >= RT_NH_MAX)
		must(-1, "next hop", gw ? gw : dev, "the route has RT_NH_MAX next hops");
	nh = &r->nh[r->nh_count++];
	memset(nh, 0, sizeof(*nh));
	if (gw)
		must(rt_addr_parse(gw, &nh->gw, err), "gateway", gw, err);
	if (dev)
		must(rt_ifname_parse(dev, nh->dev, err), "device", dev, err);
	nh->weight = weight;
}

struct rt_route test_route(const char *dst, const char *gw, const char *dev, uint32_t metric,
                           uint8_t origin)
{
	struct rt_route r;
	char err[RT_ERRLEN];

	rt_route_init(&r);
	must(rt_prefix_parse(dst, &r.dst, err), "destination", dst, err);
	if (gw || dev)
		test_route_nh(&r, gw, dev, 1);
	r.nh[0].weight = 1;     /* for a test that fills nh[0] in itself */
	r.metric = metric;
	r.origin = origin;
	return r;
}

struct rt_neigh test_neigh(const char *ip, const char *mac, const char *dev, uint8_t origin)
{
	struct rt_neigh n;
	char err[RT_ERRLEN];

	memset(&n, 0, sizeof(n));
	if (ip)
		must(rt_addr_parse(ip, &n.ip, err), "neighbour address", ip, err);
	if (mac)
		must(rt_mac_parse(mac, n.lladdr, err), "MAC", mac, err);
	if (dev)
		must(rt_ifname_parse(dev, n.dev, err), "device", dev, err);
	n.origin = origin;
	if (ip)
		n.state = rt_origin_owned(origin) ? NUD_PERMANENT : NUD_REACHABLE;
	return n;
}

void test_route_host(struct rt_route *r, uint32_t base, uint32_t i, uint8_t gw, const char *dev,
                     uint32_t metric)
{
	uint32_t a = base + i;

	rt_route_init(r);
	r->dst.addr.family = AF_INET;
	r->dst.addr.bytes[0] = (uint8_t)(a >> 24);
	r->dst.addr.bytes[1] = (uint8_t)(a >> 16);
	r->dst.addr.bytes[2] = (uint8_t)(a >> 8);
	r->dst.addr.bytes[3] = (uint8_t)a;
	r->dst.len = 32;
	r->metric = metric;
	if (!gw && !dev)
		return;
	r->nh_count = 1;
	r->nh[0].weight = 1;
	if (gw) {
		r->nh[0].gw.family = AF_INET;
		r->nh[0].gw.bytes[0] = 192;
		r->nh[0].gw.bytes[2] = 2;
		r->nh[0].gw.bytes[3] = gw;
	}
	if (dev)
		snprintf(r->nh[0].dev, sizeof(r->nh[0].dev), "%s", dev);
}
