/* check_kernel_codec.c - routes and neighbours through the real kernel
 * and back: every kind rtmd owns (single, ECMP with weights, IPv4 via an
 * IPv6 gateway, onlink, src, scope, blackhole & co, IPv6 with metric and
 * table numbers past 255) is encoded, installed, dumped, decoded and must
 * come back equal; deletes name only rtmd's route; neighbours likewise.
 * Then hostile messages: truncated next hops, wrong address lengths,
 * unknown interfaces, bridge FDB entries.  Root only (a private network
 * namespace); the hostile part runs without. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_codec.h"
#include "links.h"
#include "netlink.h"

static bool have_ns;
static struct links *L;

/* ---- helpers -------------------------------------------------------------------- */

struct got {
	struct rt_route *routes;    /* decoded from the dump, KC_OK only */
	size_t n;
	struct rt_neigh neighs[64];
	size_t nn;
	int error[64];
	char text[64][128];
	uint32_t table;
};

static struct got G;

static void on_msg(void *ctx, uint64_t cookie, const struct nlmsghdr *h)
{
	char why[256];
	uint32_t table;
	bool ll;

	if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_NEWADDR) {
		ck_assert_msg(links_apply(L, h, why, sizeof(why)) == 0, "%s", why);
		return;
	}
	if (h->nlmsg_type == RTM_NEWNEIGH) {
		struct rt_neigh n;
		int rc = kc_neigh_decode(h, L, &n, &ll, why, sizeof(why));

		ck_assert_msg(rc != KC_BAD, "neighbour: %s", why);
		if (rc == KC_OK && ll && G.nn < 64)
			G.neighs[G.nn++] = n;
		return;
	}
	if (h->nlmsg_type == RTM_NEWROUTE) {
		struct rt_route *r = &G.routes[G.n];
		uint32_t nh_id;
		int rc = kc_route_decode(h, L, false, r, &table, &nh_id, why, sizeof(why));

		ck_assert_msg(rc != KC_BAD, "route: %s", why);
		if (rc == KC_OK && table == G.table && r->protocol == 200)
			G.n++;
	}
}

static void on_done(void *ctx, uint64_t cookie, int error, const char *text)
{
	if (cookie < 64) {
		G.error[cookie] = error;
		snprintf(G.text[cookie], sizeof(G.text[cookie]), "%s", text);
	}
}

static const struct nl_handler H = { NULL, on_msg, on_done };

static void run(struct nl_sock *s)
{
	for (int i = 0; i < 10000 && nl_busy(s); i++) {
		ck_assert_int_ge(nl_flush(s, 64, &H), 0);
		ck_assert_int_eq(nl_read(s, 4096, &H), 0);
		if (nl_busy(s))
			usleep(100);
	}
	ck_assert_uint_eq(nl_busy(s), 0);
}

static void dump(struct nl_sock *s, uint16_t type, uint8_t family)
{
	struct nlmsghdr *h = nl_msg_begin(s, type, NLM_F_DUMP, 63, 64);

	/* rtmsg, ifinfomsg, ifaddrmsg and ndmsg all start with the family. */
	*(uint8_t *)mnl_nlmsg_put_extra_header(h, 12) = family;
	nl_msg_end(s, h);
	run(s);
	ck_assert_int_eq(G.error[63], 0);
}

static struct nl_sock *S;

static struct rt_route *route(const char *text)
{
	/* A tiny reader of the test's own lines: PREFIX [type T] [metric N]
	 * [src A] [scope link] [nh GW DEV WEIGHT [onlink]]... */
	static struct rt_route r;
	char buf[512], *tok, *save = NULL, err[RT_ERRLEN];

	rt_route_init(&r);
	snprintf(buf, sizeof(buf), "%s", text);
	tok = strtok_r(buf, " ", &save);
	ck_assert_int_eq(rt_prefix_parse(tok, &r.dst, err), 0);
	while ((tok = strtok_r(NULL, " ", &save))) {
		if (!strcmp(tok, "type")) {
			tok = strtok_r(NULL, " ", &save);
			r.type = !strcmp(tok, "blackhole") ? RTN_BLACKHOLE :
			         !strcmp(tok, "unreachable") ? RTN_UNREACHABLE : RTN_PROHIBIT;
		} else if (!strcmp(tok, "metric")) {
			r.metric = (uint32_t)atol(strtok_r(NULL, " ", &save));
		} else if (!strcmp(tok, "src")) {
			ck_assert_int_eq(rt_addr_parse(strtok_r(NULL, " ", &save), &r.src, err), 0);
		} else if (!strcmp(tok, "scope")) {
			strtok_r(NULL, " ", &save);
			r.scope = RT_SCOPE_LINK;
		} else if (!strcmp(tok, "onlink")) {
			r.nh[r.nh_count - 1].flags |= RT_NHF_ONLINK;
		} else if (!strcmp(tok, "nh")) {
			struct rt_nexthop *nh = &r.nh[r.nh_count++];
			const char *gw = strtok_r(NULL, " ", &save), *dev = strtok_r(NULL, " ", &save);

			memset(nh, 0, sizeof(*nh));
			if (strcmp(gw, "-"))
				ck_assert_int_eq(rt_addr_parse(gw, &nh->gw, err), 0);
			if (strcmp(dev, "-"))
				snprintf(nh->dev, sizeof(nh->dev), "%s", dev);
			nh->weight = (uint16_t)atoi(strtok_r(NULL, " ", &save));
		}
	}
	if (r.dst.addr.family == AF_INET6 && r.metric == 0)
		r.metric = 1024;
	return &r;
}

static int install(const struct rt_route *r, uint16_t type, uint32_t table, uint64_t cookie)
{
	char why[128];
	struct nlmsghdr *h = nl_msg_begin(S, type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0,
	                                  cookie, kc_route_room(r));
	int rc = kc_route_encode(h, nl_msg_limit(kc_route_room(r)), r, table, 200, L, why, sizeof(why));

	if (rc < 0) {
		nl_msg_cancel(S);
		return rc;
	}
	nl_msg_end(S, h);
	run(S);
	return G.error[cookie];
}

/* The routes of protocol 200 in table, decoded. */
static size_t routes_of(uint32_t table)
{
	G.n = 0;
	G.table = table;
	dump(S, RTM_GETROUTE, AF_INET);
	dump(S, RTM_GETROUTE, AF_INET6);
	return G.n;
}

static bool same_value(const struct rt_route *a, const struct rt_route *b)
{
	struct rt_route x, y;

	rt_route_copy(&x, a);
	rt_route_copy(&y, b);
	x.origin = y.origin = 0;
	x.protocol = y.protocol = 0;
	x.disc = y.disc = 0;
	/* The kernel reports link flags on next hops (linkdown, dead). */
	for (unsigned i = 0; i < x.nh_count; i++)
		x.nh[i].flags &= RT_NHF_ONLINK;
	for (unsigned i = 0; i < y.nh_count; i++)
		y.nh[i].flags &= RT_NHF_ONLINK;
	return rt_route_equal(&x, &y);
}

static void setup_kernel(void)
{
	char err[256];

	/* The forked tests share the namespace: start from no kc0. */
	ck_assert_int_eq(system("ip link del kc0 2>/dev/null; ip link set lo up && "
	                        "ip link add kc0 type veth peer name kc1 && ip link set kc0 up && ip link set kc1 up && "
	                        "ip addr add 192.0.2.1/24 dev kc0 && ip addr add 198.51.100.1/24 dev kc1 && "
	                        "ip -6 addr add 2001:db8::1/64 dev kc0 nodad && ip -6 addr add 2001:db8:1::1/64 dev kc1 nodad"), 0);
	L = links_new();
	ck_assert_msg(nl_open(&S, NULL, 0, 8 << 20, 4096, err, sizeof(err)) == 0, "%s", err);
	G.routes = calloc(64, sizeof(struct rt_route));
	dump(S, RTM_GETLINK, AF_UNSPEC);
	dump(S, RTM_GETADDR, AF_UNSPEC);
	ck_assert_int_gt(links_index(L, "kc0"), 0);
}

static void teardown_kernel(void)
{
	nl_close(S);
	links_free(L);
	free(G.routes);
	memset(&G, 0, sizeof(G));
}

/* ---- kernel round trips --------------------------------------------------------- */

START_TEST(routes_round_trip)
{
	static const struct { const char *text; uint32_t table; } cases[] = {
		{ "10.1.0.0/16 nh 192.0.2.2 kc0 1", 254 },
		{ "10.2.0.0/16 metric 100 src 192.0.2.1 nh 192.0.2.2 kc0 1", 254 },
		{ "10.3.0.0/24 nh - kc0 1", 254 },
		{ "10.4.0.0/16 nh 192.0.2.2 kc0 3 nh 198.51.100.2 kc1 1", 254 },
		{ "10.5.0.0/16 nh 203.0.113.9 kc0 1 onlink", 254 },
		{ "10.6.0.0/16 nh 2001:db8::2 kc0 1", 254 },
		{ "10.7.0.0/16 type blackhole", 254 },
		{ "10.8.0.0/16 type unreachable metric 7", 254 },
		{ "10.9.0.0/16 type prohibit", 254 },
		{ "0.0.0.0/0 metric 4000 nh 192.0.2.2 kc0 1", 254 },
		{ "10.10.0.0/16 nh 192.0.2.2 kc0 1", 1000 },
		{ "2001:db8:10::/48 nh 2001:db8::2 kc0 1", 254 },
		{ "2001:db8:11::/48 metric 5 nh 2001:db8::2 kc0 2 nh 2001:db8:1::2 kc1 5", 254 },
		{ "2001:db8:12::/48 type blackhole", 254 },
		{ "2001:db8:13::/48 nh - kc1 1", 254 },
		{ "2001:db8:14::/48 nh fe80::1 kc0 1", 254 },
		{ "::/0 nh 2001:db8::2 kc0 1", 70000 },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct rt_route *want = calloc(n, sizeof(struct rt_route));
	char err[RT_ERRLEN];

	if (!have_ns)
		return;
	setup_kernel();
	for (size_t i = 0; i < n; i++) {
		struct rt_route *r = route(cases[i].text);

		/* ip(8)'s default scope; the kernel keeps every IPv6 route
		 * at universe. */
		r->scope = r->scope ? r->scope : r->dst.addr.family == AF_INET && r->type == RTN_UNICAST &&
		           r->nh_count == 1 && !r->nh[0].gw.family ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
		ck_assert_msg(rt_route_check(r, err) == 0, "%s: %s", cases[i].text, err);
		rt_route_copy(&want[i], r);
		ck_assert_msg(install(r, RTM_NEWROUTE, cases[i].table, i) == 0, "%s: %d %s",
		              cases[i].text, G.error[i], G.text[i]);
	}
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		routes_of(cases[i].table);
		for (size_t j = 0; j < G.n && !found; j++)
			found = same_value(&G.routes[j], &want[i]);
		ck_assert_msg(found, "%s did not come back from table %u (%zu routes there)", cases[i].text,
		              cases[i].table, G.n);
	}
	/* Deletes name the key and the protocol: all gone. */
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(install(&want[i], RTM_DELROUTE, cases[i].table, i) == 0, "delete %s: %d %s",
		              cases[i].text, G.error[i], G.text[i]);
	ck_assert_uint_eq(routes_of(254), 0);
	ck_assert_uint_eq(routes_of(1000), 0);
	free(want);
	teardown_kernel();
}
END_TEST

START_TEST(deletes_spare_other_owners)
{
	struct rt_route r;

	if (!have_ns)
		return;
	setup_kernel();
	/* Someone else's route at the key of ours; ours at another metric. */
	ck_assert_int_eq(system("ip route add 10.20.0.0/16 via 192.0.2.9 proto static"), 0);
	rt_route_copy(&r, route("10.20.0.0/16 metric 100 nh 192.0.2.3 kc0 1"));
	ck_assert_int_eq(install(&r, RTM_NEWROUTE, 254, 1), 0);
	/* Our delete of metric 0 (which we do not have) must not take the
	 * static route, nor our metric-100 one: the kernel reads metric 0
	 * as "any", so the delete names the next hops.  (With the same next
	 * hops at both metrics it would still take the other: rtmd deletes
	 * only routes it knows to be installed.) */
	rt_route_copy(&r, route("10.20.0.0/16 nh 192.0.2.2 kc0 1"));
	ck_assert_int_eq(install(&r, RTM_DELROUTE, 254, 2), -ESRCH);
	ck_assert_uint_eq(routes_of(254), 1);
	ck_assert_int_eq(system("ip route show 10.20.0.0/16 proto static | grep -q 192.0.2.9"), 0);
	/* Installing at the static route's key is refused (EXCL), not a
	 * replace. */
	ck_assert_int_eq(install(&r, RTM_NEWROUTE, 254, 3), -EEXIST);
	ck_assert_int_eq(system("ip route show 10.20.0.0/16 proto static | grep -q 192.0.2.9"), 0);
	/* IPv6: ours at a key, a foreign one elsewhere; deleting ours by key
	 * and protocol leaves the foreign one. */
	ck_assert_int_eq(system("ip -6 route add 2001:db8:20::/48 via 2001:db8::9 proto static"), 0);
	rt_route_copy(&r, route("10.20.0.0/16 metric 100 nh 192.0.2.3 kc0 1"));
	ck_assert_int_eq(install(&r, RTM_DELROUTE, 254, 4), 0);
	rt_route_copy(&r, route("2001:db8:20::/48 metric 1024 nh 2001:db8::2 kc0 1"));
	ck_assert_int_eq(install(&r, RTM_DELROUTE, 254, 5), -ESRCH);
	ck_assert_int_eq(system("ip -6 route show 2001:db8:20::/48 proto static | grep -q 2001:db8::9"), 0);
	ck_assert_int_eq(system("ip route del 10.20.0.0/16 proto static && ip -6 route del 2001:db8:20::/48"), 0);
	teardown_kernel();
}
END_TEST

START_TEST(missing_device_is_enodev)
{
	struct rt_route r;
	struct rt_neigh n = { .state = NUD_PERMANENT };
	uint8_t buf[256] __attribute__((aligned(4)));
	char why[128], err[RT_ERRLEN];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);

	L = links_new();
	rt_route_copy(&r, route("10.30.0.0/16 nh 192.0.2.2 eth9 1"));
	h->nlmsg_type = RTM_NEWROUTE;
	ck_assert_int_eq(kc_route_encode(h, sizeof(buf), &r, 254, 200, L, why, sizeof(why)), -ENODEV);
	ck_assert_str_eq(why, "no such device eth9");
	ck_assert_int_eq(rt_addr_parse("192.0.2.7", &n.ip, err), 0);
	snprintf(n.dev, sizeof(n.dev), "eth9");
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = RTM_NEWNEIGH;
	ck_assert_int_eq(kc_neigh_encode(h, sizeof(buf), &n, 200, L, why, sizeof(why)), -ENODEV);
	/* Too small a buffer: EMSGSIZE, never a write past it. */
	rt_route_copy(&r, route("10.30.0.0/16 type blackhole"));
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = RTM_NEWROUTE;
	ck_assert_int_eq(kc_route_encode(h, 40, &r, 254, 200, L, why, sizeof(why)), -EMSGSIZE);
	links_free(L);
}
END_TEST

START_TEST(neighbours_round_trip)
{
	struct rt_neigh n = { .state = NUD_PERMANENT, .origin = RT_ORIGIN_RTCTL };
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 7 };
	char why[128], err[RT_ERRLEN];
	struct nlmsghdr *h;

	if (!have_ns)
		return;
	setup_kernel();
	ck_assert_int_eq(rt_addr_parse("192.0.2.7", &n.ip, err), 0);
	memcpy(n.lladdr, mac, 6);
	snprintf(n.dev, sizeof(n.dev), "kc0");
	h = nl_msg_begin(S, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, 1, kc_neigh_room());
	ck_assert_int_eq(kc_neigh_encode(h, nl_msg_limit(kc_neigh_room()), &n, 200, L, why, sizeof(why)), 0);
	nl_msg_end(S, h);
	run(S);
	ck_assert_int_eq(G.error[1], 0);
	G.nn = 0;
	dump(S, RTM_GETNEIGH, AF_INET);
	ck_assert_uint_eq(G.nn, 1);
	ck_assert(rt_addr_equal(&G.neighs[0].ip, &n.ip));
	ck_assert_mem_eq(G.neighs[0].lladdr, mac, 6);
	ck_assert_str_eq(G.neighs[0].dev, "kc0");
	ck_assert_uint_eq(G.neighs[0].state, NUD_PERMANENT);
	ck_assert_uint_eq(G.neighs[0].protocol, 200);
	ck_assert_uint_eq(G.neighs[0].origin, RT_ORIGIN_KERNEL);
	h = nl_msg_begin(S, RTM_DELNEIGH, 0, 2, kc_neigh_room());
	ck_assert_int_eq(kc_neigh_encode(h, nl_msg_limit(kc_neigh_room()), &n, 200, L, why, sizeof(why)), 0);
	nl_msg_end(S, h);
	run(S);
	ck_assert_int_eq(G.error[2], 0);
	G.nn = 0;
	dump(S, RTM_GETNEIGH, AF_INET);
	ck_assert_uint_eq(G.nn, 0);
	teardown_kernel();
}
END_TEST

/* ---- hostile messages ------------------------------------------------------------- */

static uint8_t mbuf[4096] __attribute__((aligned(4)));

static struct nlmsghdr *route_msg(uint8_t family, uint8_t dst_len)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(mbuf);
	struct rtmsg *rm;

	memset(mbuf, 0, sizeof(mbuf));
	h = mnl_nlmsg_put_header(mbuf);
	h->nlmsg_type = RTM_NEWROUTE;
	rm = mnl_nlmsg_put_extra_header(h, sizeof(*rm));
	rm->rtm_family = family;
	rm->rtm_dst_len = dst_len;
	rm->rtm_table = RT_TABLE_MAIN;
	rm->rtm_protocol = 3;
	rm->rtm_type = RTN_UNICAST;
	return h;
}

static uint32_t last_nh_id;

static int decode_as(struct nlmsghdr *h, bool fpm, struct rt_route *r, char *why)
{
	uint32_t table;

	return kc_route_decode(h, L, fpm, r, &table, &last_nh_id, why, 128);
}

static int decode(struct nlmsghdr *h, struct rt_route *r, char *why)
{
	return decode_as(h, false, r, why);
}

START_TEST(hostile_routes)
{
	struct rt_route *r = malloc(sizeof(*r));
	struct nlmsghdr *h;
	struct nlattr *mp;
	struct rtnexthop *nh;
	char why[128];
	uint8_t lnk[256] __attribute__((aligned(4)));
	struct nlmsghdr *lh = mnl_nlmsg_put_header(lnk);
	struct ifinfomsg *ifi;

	L = links_new();
	lh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(lh, sizeof(*ifi));
	ifi->ifi_index = 5;
	mnl_attr_put_strz(lh, IFLA_IFNAME, "eth0");
	ck_assert_int_eq(links_apply(L, lh, why, sizeof(why)), 0);
	/* A good one first. */
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mnl_attr_put_u32(h, RTA_OIF, 5);
	ck_assert_msg(decode(h, r, why) == KC_OK, "%s", why);
	ck_assert_str_eq(r->nh[0].dev, "eth0");
	ck_assert_uint_eq(r->origin, RT_ORIGIN_KERNEL);
	/* Unknown interface: well-formed, a link not heard of yet. */
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mnl_attr_put_u32(h, RTA_OIF, 77);
	ck_assert_int_eq(decode(h, r, why), KC_NOLINK);
	ck_assert_str_eq(why, "unknown interface index 77");
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mp = mnl_attr_nest_start(h, RTA_MULTIPATH);
	nh = mnl_nlmsg_get_payload_tail(h);
	memset(nh, 0, sizeof(*nh));
	nh->rtnh_len = sizeof(*nh);
	nh->rtnh_ifindex = 78;
	h->nlmsg_len += sizeof(*nh);
	mnl_attr_nest_end(h, mp);
	ck_assert_int_eq(decode(h, r, why), KC_NOLINK);
	ck_assert_str_eq(why, "unknown interface index 78");
	/* Only a next-hop object's id (FPM with next-hop groups): handed
	 * back, no next hop, for the caller to resolve. */
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mnl_attr_put_u32(h, RTA_NH_ID, 42);
	ck_assert_msg(decode_as(h, true, r, why) == KC_OK, "%s", why);
	ck_assert_uint_eq(last_nh_id, 42);
	ck_assert_uint_eq(r->nh_count, 0);
	ck_assert_uint_eq(r->origin, RT_ORIGIN_FPM);
	/* ... and with the next hops spelled out too (the kernel's compat
	 * mode): both. */
	mnl_attr_put_u32(h, RTA_OIF, 5);
	ck_assert_msg(decode(h, r, why) == KC_OK, "%s", why);
	ck_assert_uint_eq(last_nh_id, 42);
	ck_assert_uint_eq(r->nh_count, 1);
	/* An IPv6 device route: the kernel keeps one per device, so its
	 * disc holds the ifindex; zebra's deletes name no device, so an FPM
	 * route's does not. */
	h = route_msg(AF_INET6, 64);
	mnl_attr_put(h, RTA_DST, 16, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
	mnl_attr_put_u32(h, RTA_OIF, 5);
	ck_assert_msg(decode(h, r, why) == KC_OK, "%s", why);
	ck_assert_uint_eq(r->disc, rt_disc_make(RT_DISC_KERNEL, 0, 5));
	ck_assert_msg(decode_as(h, true, r, why) == KC_OK, "%s", why);
	ck_assert_uint_eq(r->disc, rt_disc_make(RT_DISC_KERNEL, 0, 0));
	ck_assert_uint_eq(r->origin, RT_ORIGIN_FPM);
	ck_assert_uint_eq(last_nh_id, 0);
	/* zebra's RTM_DELROUTE: the key alone, of type RTN_UNSPEC, which
	 * the kernel's own deletes never are. */
	h = route_msg(AF_INET, 8);
	h->nlmsg_type = RTM_DELROUTE;
	((struct rtmsg *)mnl_nlmsg_get_payload(h))->rtm_type = RTN_UNSPEC;
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mnl_attr_put_u32(h, RTA_PRIORITY, 20);
	ck_assert_int_eq(decode(h, r, why), KC_BAD);
	ck_assert_msg(decode_as(h, true, r, why) == KC_OK, "%s", why);
	ck_assert_uint_eq(r->metric, 20);
	ck_assert_uint_eq(r->disc, rt_disc_make(RT_DISC_KERNEL, 0, 0));
	/* An IPv6 destination in an IPv4 route. */
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 16, "\x0a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
	ck_assert_int_eq(decode(h, r, why), KC_BAD);
	/* Prefix length 33; host bits set. */
	h = route_msg(AF_INET, 33);
	ck_assert_int_eq(decode(h, r, why), KC_BAD);
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\x01\0\0");
	mnl_attr_put_u32(h, RTA_OIF, 5);
	ck_assert_int_eq(decode(h, r, why), KC_BAD);
	/* A next hop whose length runs past the multipath attribute. */
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mp = mnl_attr_nest_start(h, RTA_MULTIPATH);
	nh = mnl_nlmsg_get_payload_tail(h);
	memset(nh, 0, sizeof(*nh));
	nh->rtnh_len = 200;
	nh->rtnh_ifindex = 5;
	h->nlmsg_len += sizeof(*nh);
	mnl_attr_nest_end(h, mp);
	ck_assert_int_eq(decode(h, r, why), KC_BAD);
	/* An empty multipath attribute. */
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mp = mnl_attr_nest_start(h, RTA_MULTIPATH);
	mnl_attr_nest_end(h, mp);
	ck_assert_int_eq(decode(h, r, why), KC_BAD);
	/* 300 next hops: more than the model holds. */
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mp = mnl_attr_nest_start(h, RTA_MULTIPATH);
	for (int i = 0; i < 300 && h->nlmsg_len + 8 < sizeof(mbuf); i++) {
		nh = mnl_nlmsg_get_payload_tail(h);
		memset(nh, 0, sizeof(*nh));
		nh->rtnh_len = sizeof(*nh);
		nh->rtnh_ifindex = 5;
		h->nlmsg_len += sizeof(*nh);
	}
	mnl_attr_nest_end(h, mp);
	ck_assert_int_eq(decode(h, r, why), KC_BAD);
	/* Cache clones and source routes are skipped, other families too. */
	h = route_msg(AF_INET6, 0);
	((struct rtmsg *)mnl_nlmsg_get_payload(h))->rtm_flags = RTM_F_CLONED;
	ck_assert_int_eq(decode(h, r, why), KC_SKIP);
	h = route_msg(AF_INET6, 0);
	((struct rtmsg *)mnl_nlmsg_get_payload(h))->rtm_src_len = 64;
	ck_assert_int_eq(decode(h, r, why), KC_SKIP);
	h = route_msg(AF_MPLS, 20);
	ck_assert_int_eq(decode(h, r, why), KC_SKIP);
	/* RTA_VIA of a bad family. */
	h = route_msg(AF_INET, 8);
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mnl_attr_put(h, RTA_VIA, 6, "\x07\0\x01\x02\x03\x04");
	ck_assert_int_eq(decode(h, r, why), KC_BAD);
	free(r);
	links_free(L);
}
END_TEST

START_TEST(hostile_neighbours)
{
	uint8_t lnk[256] __attribute__((aligned(4)));
	struct nlmsghdr *lh = mnl_nlmsg_put_header(lnk), *h;
	struct ifinfomsg *ifi;
	struct ndmsg *nd;
	struct rt_neigh n;
	char why[128];
	bool ll;

	L = links_new();
	lh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(lh, sizeof(*ifi));
	ifi->ifi_index = 5;
	mnl_attr_put_strz(lh, IFLA_IFNAME, "eth0");
	ck_assert_int_eq(links_apply(L, lh, why, sizeof(why)), 0);
#define NEIGH(fam, idx) do { memset(mbuf, 0, sizeof(mbuf)); h = mnl_nlmsg_put_header(mbuf); \
	h->nlmsg_type = RTM_NEWNEIGH; nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd)); \
	nd->ndm_family = (fam); nd->ndm_ifindex = (idx); nd->ndm_state = NUD_REACHABLE; } while (0)
	NEIGH(AF_INET, 5);
	mnl_attr_put(h, NDA_DST, 4, "\xc0\0\x02\x07");
	mnl_attr_put(h, NDA_LLADDR, 6, "\x02\0\0\0\0\x07");
	ck_assert_msg(kc_neigh_decode(h, L, &n, &ll, why, sizeof(why)) == KC_OK, "%s", why);
	ck_assert(ll);
	ck_assert_uint_eq(n.state, NUD_REACHABLE);
	/* No link-layer address: decoded, flagged. */
	NEIGH(AF_INET, 5);
	mnl_attr_put(h, NDA_DST, 4, "\xc0\0\x02\x07");
	ck_assert_int_eq(kc_neigh_decode(h, L, &n, &ll, why, sizeof(why)), KC_OK);
	ck_assert(!ll);
	/* A bridge's FDB entry, a 4-byte lladdr (a tunnel): not kept. */
	NEIGH(AF_BRIDGE, 5);
	mnl_attr_put(h, NDA_LLADDR, 6, "\x02\0\0\0\0\x07");
	ck_assert_int_eq(kc_neigh_decode(h, L, &n, &ll, why, sizeof(why)), KC_SKIP);
	NEIGH(AF_INET, 5);
	mnl_attr_put(h, NDA_DST, 4, "\xc0\0\x02\x07");
	mnl_attr_put(h, NDA_LLADDR, 4, "\x01\x02\x03\x04");
	ck_assert_int_eq(kc_neigh_decode(h, L, &n, &ll, why, sizeof(why)), KC_SKIP);
	/* No address, a 16-byte address in IPv4, an unknown interface. */
	NEIGH(AF_INET, 5);
	ck_assert_int_eq(kc_neigh_decode(h, L, &n, &ll, why, sizeof(why)), KC_BAD);
	NEIGH(AF_INET, 5);
	mnl_attr_put(h, NDA_DST, 16, "\xc0\0\x02\x07\0\0\0\0\0\0\0\0\0\0\0\0");
	ck_assert_int_eq(kc_neigh_decode(h, L, &n, &ll, why, sizeof(why)), KC_BAD);
	NEIGH(AF_INET, 9);
	mnl_attr_put(h, NDA_DST, 4, "\xc0\0\x02\x07");
	ck_assert_int_eq(kc_neigh_decode(h, L, &n, &ll, why, sizeof(why)), KC_NOLINK);
#undef NEIGH
	links_free(L);
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("kernel_codec");
	TCase *k = tcase_create("kernel");
	TCase *f = tcase_create("hostile");

	tcase_set_timeout(k, 60);
	tcase_add_test(k, routes_round_trip);
	tcase_add_test(k, deletes_spare_other_owners);
	tcase_add_test(k, neighbours_round_trip);
	suite_add_tcase(s, k);
	tcase_add_test(f, missing_device_is_enodev);
	tcase_add_test(f, hostile_routes);
	tcase_add_test(f, hostile_neighbours);
	suite_add_tcase(s, f);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int failed;

	/* The forked tests share this namespace (setup_kernel makes their
	 * interfaces anew each time). */
	have_ns = geteuid() == 0 && unshare(CLONE_NEWNET) == 0;
	if (!have_ns)
		printf("SKIP: kernel round trips need root (a private network namespace); hostile messages only\n");
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
