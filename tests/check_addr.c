/* check_addr.c - parsing, validating and printing entries (src/addr.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "entries.h"
#include "rtnames.h"

static const char *const prefixes_ok[] = {
	"10.0.0.0/24", "10.0.0.0/8", "0.0.0.0/0", "192.0.2.7/32", "192.0.2.128/25",
	"255.255.255.255/32", "2001:db8::/32", "2001:db8:0:1::/64", "::/0", "::1/128",
	"fe80::/10", "2001:db8::8000/113", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
};

static const char *const prefixes_bad[] = {
	"", "/", "/24", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+24",
	"10.0.0.0/ 24", "10.0.0.0/24x", "10.0.0.0/24/", "10.0.0.0/99999999999999999999",
	"2001:db8::/129", "2001:db8::/256", "10.0.0.1/24", "10.0.0.0/6", "192.0.2.129/25",
	"2001:db8::1/64", "2001:db8::/15", "10.0.0", "10.0.0.0.0/8", "256.0.0.0/8",
	"10.0.0.0 /8", " 10.0.0.0/8", "default4", "Default", "default/0", "::/0 ",
	"1.2.3.4/32 ", "fe80::1%eth0", "10.0.0.0/0x18", "gggg::/16",
	"1234567890123456789012345678901234567890123456789/8",
};

START_TEST(test_prefix_parse_ok)
{
	for (size_t i = 0; i < sizeof prefixes_ok / sizeof prefixes_ok[0]; i++) {
		struct rt_prefix p, q;
		char err[RT_ERRLEN] = "", buf[RT_PREFIXSTRLEN];

		ck_assert_msg(rt_prefix_parse(prefixes_ok[i], &p, err) == 0, "%s: %s", prefixes_ok[i], err);
		ck_assert_int_eq(rt_prefix_check(&p, err), 0);
		/* printing and parsing again gives the same prefix (but ::/0,
		 * which prints "default", as ip(8): a route takes its family
		 * from the gateway) */
		rt_prefix_str(&p, buf);
		ck_assert_msg(rt_prefix_parse(buf, &q, err) == 0, "%s -> %s: %s", prefixes_ok[i], buf, err);
		if (p.len || p.addr.family == AF_INET)
			ck_assert_msg(memcmp(&p, &q, sizeof p) == 0, "%s -> %s differs", prefixes_ok[i], buf);
		/* a non-zero length prints as written here, except that host
		 * prefixes print as a bare address, as ip(8) prints them */
		if (p.len && p.len < 8 * rt_addr_bytes(p.addr.family))
			ck_assert_str_eq(buf, prefixes_ok[i]);
		else if (p.len)
			ck_assert_int_eq(strncmp(buf, prefixes_ok[i], strlen(buf)), 0);
	}
}
END_TEST

START_TEST(test_prefix_parse_bad)
{
	for (size_t i = 0; i < sizeof prefixes_bad / sizeof prefixes_bad[0]; i++) {
		struct rt_prefix p;
		char err[RT_ERRLEN] = "";

		memset(&p, 0xaa, sizeof p);
		ck_assert_msg(rt_prefix_parse(prefixes_bad[i], &p, err) == -1, "accepted \"%s\"",
		              prefixes_bad[i]);
		ck_assert_msg(err[0], "\"%s\": no reason given", prefixes_bad[i]);
	}
	/* NULL err is allowed */
	struct rt_prefix p;
	ck_assert_int_eq(rt_prefix_parse("10.0.0.1/8", &p, NULL), -1);
	ck_assert_int_eq(rt_prefix_parse(NULL, &p, NULL), -1);
}
END_TEST

START_TEST(test_prefix_defaults_and_hosts)
{
	struct rt_prefix p, q;
	char err[RT_ERRLEN], buf[RT_PREFIXSTRLEN];

	ck_assert_int_eq(rt_prefix_parse("default", &p, err), 0);
	ck_assert_uint_eq(p.addr.family, AF_INET);
	ck_assert_uint_eq(p.len, 0);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(p.addr.bytes[i], 0);
	ck_assert_int_eq(rt_prefix_parse("0.0.0.0/0", &q, err), 0);
	ck_assert_int_eq(memcmp(&p, &q, sizeof p), 0);
	ck_assert_str_eq(rt_prefix_str(&p, buf), "default");

	ck_assert_int_eq(rt_prefix_parse("default6", &p, err), 0);
	ck_assert_uint_eq(p.addr.family, AF_INET6);
	ck_assert_uint_eq(p.len, 0);
	ck_assert_int_eq(rt_prefix_parse("::/0", &q, err), 0);
	ck_assert_int_eq(memcmp(&p, &q, sizeof p), 0);
	ck_assert_str_eq(rt_prefix_str(&p, buf), "default");

	/* a bare address is a host prefix */
	ck_assert_int_eq(rt_prefix_parse("192.0.2.7", &p, err), 0);
	ck_assert_uint_eq(p.addr.family, AF_INET);
	ck_assert_uint_eq(p.len, 32);
	ck_assert_uint_eq(p.addr.bytes[0], 192);
	ck_assert_uint_eq(p.addr.bytes[3], 7);
	ck_assert_int_eq(rt_prefix_parse("192.0.2.7/32", &q, err), 0);
	ck_assert_int_eq(memcmp(&p, &q, sizeof p), 0);
	ck_assert_int_eq(rt_prefix_parse("2001:db8::1", &p, err), 0);
	ck_assert_uint_eq(p.addr.family, AF_INET6);
	ck_assert_uint_eq(p.len, 128);

	/* host bits are an error, not masked */
	ck_assert_int_eq(rt_prefix_parse("10.0.0.1/24", &p, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "host bits"));
	ck_assert_int_eq(rt_prefix_parse("10.0.0.0/24", &p, err), 0);
	ck_assert_uint_eq(p.len, 24);
	ck_assert_uint_eq(p.addr.bytes[0], 10);
}
END_TEST

START_TEST(test_prefix_check)
{
	struct rt_prefix p;
	char err[RT_ERRLEN];

	ck_assert_int_eq(rt_prefix_parse("10.0.0.0/24", &p, err), 0);
	ck_assert_int_eq(rt_prefix_check(&p, err), 0);
	p.len = 33;
	ck_assert_int_eq(rt_prefix_check(&p, err), -1);
	p.len = 24;
	p.addr.bytes[3] = 1;
	ck_assert_int_eq(rt_prefix_check(&p, err), -1);
	p.addr.bytes[3] = 0;
	p.addr.bytes[4] = 1;    /* beyond an IPv4 address */
	ck_assert_int_eq(rt_prefix_check(&p, err), -1);
	p.addr.bytes[4] = 0;
	p.addr.family = 0;
	ck_assert_int_eq(rt_prefix_check(&p, err), -1);
	p.addr.family = AF_UNIX;
	ck_assert_int_eq(rt_prefix_check(&p, err), -1);
	ck_assert_int_eq(rt_prefix_parse("2001:db8::/32", &p, err), 0);
	p.len = 129;
	ck_assert_int_eq(rt_prefix_check(&p, err), -1);
	p.len = 128;
	ck_assert_int_eq(rt_prefix_check(&p, err), 0);
	p.len = 28;   /* 0x0db8 has a bit set below /28 */
	ck_assert_int_eq(rt_prefix_check(&p, err), -1);
}
END_TEST

START_TEST(test_prefix_contains)
{
	struct rt_prefix p;
	struct rt_addr a;
	char err[RT_ERRLEN];

	ck_assert_int_eq(rt_prefix_parse("10.1.0.0/16", &p, err), 0);
	ck_assert_int_eq(rt_addr_parse("10.1.255.3", &a, err), 0);
	ck_assert(rt_prefix_contains(&p, &a));
	ck_assert_int_eq(rt_addr_parse("10.2.0.0", &a, err), 0);
	ck_assert(!rt_prefix_contains(&p, &a));
	ck_assert_int_eq(rt_prefix_parse("192.0.2.128/25", &p, err), 0);
	ck_assert_int_eq(rt_addr_parse("192.0.2.127", &a, err), 0);
	ck_assert(!rt_prefix_contains(&p, &a));
	ck_assert_int_eq(rt_addr_parse("192.0.2.200", &a, err), 0);
	ck_assert(rt_prefix_contains(&p, &a));
	ck_assert_int_eq(rt_prefix_parse("default", &p, err), 0);
	ck_assert(rt_prefix_contains(&p, &a));
	ck_assert_int_eq(rt_addr_parse("::1", &a, err), 0);
	ck_assert(!rt_prefix_contains(&p, &a));   /* other family */
	ck_assert_int_eq(rt_prefix_parse("::1/128", &p, err), 0);
	ck_assert(rt_prefix_contains(&p, &a));
	ck_assert_int_eq(rt_prefix_parse("192.0.2.7", &p, err), 0);
	ck_assert_int_eq(rt_addr_parse("192.0.2.7", &a, err), 0);
	ck_assert(rt_prefix_contains(&p, &a));
	a.bytes[3] = 6;
	ck_assert(!rt_prefix_contains(&p, &a));
}
END_TEST

START_TEST(test_addr_parse)
{
	static const char *const ok[] = {
		"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1", "2001:db8::1",
		"fe80::1:2:3:4", "::ffff:192.0.2.1", "2001:db8:0:0:1:0:0:1",
	};
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "1.2.3.4 ", " 1.2.3.4",
		"01.2.3.4", "1.2.3.4/32", "fe80::1%eth0", ":::", "2001:db8::g", "1:2:3:4:5:6:7:8:9",
		"hello", "0x7f.0.0.1", "default",
	};
	char err[RT_ERRLEN], buf[RT_ADDRSTRLEN];
	struct rt_addr a, b;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_msg(rt_addr_parse(ok[i], &a, err) == 0, "%s: %s", ok[i], err);
		ck_assert(a.family == AF_INET || a.family == AF_INET6);
		ck_assert_int_eq(rt_addr_parse(rt_addr_str(&a, buf), &b, err), 0);
		ck_assert(rt_addr_equal(&a, &b));
		ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		ck_assert_msg(rt_addr_parse(bad[i], &a, err) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0], "\"%s\": no reason", bad[i]);
	}

	ck_assert_int_eq(rt_addr_parse("192.0.2.1", &a, err), 0);
	ck_assert_uint_eq(a.family, AF_INET);
	ck_assert_int_eq(memcmp(a.bytes, "\xc0\x00\x02\x01", 4), 0);
	for (int i = 4; i < 16; i++)
		ck_assert_uint_eq(a.bytes[i], 0);
	ck_assert_uint_eq(rt_addr_bytes(AF_INET), 4);
	ck_assert_uint_eq(rt_addr_bytes(AF_INET6), 16);
	ck_assert_uint_eq(rt_addr_bytes(0), 0);

	/* canonical printing */
	ck_assert_int_eq(rt_addr_parse("2001:0DB8:0000:0000:0000:0000:0000:0001", &a, err), 0);
	ck_assert_str_eq(rt_addr_str(&a, buf), "2001:db8::1");

	ck_assert_int_eq(rt_addr_parse("10.0.0.1", &a, err), 0);
	ck_assert_int_eq(rt_addr_parse("10.0.0.2", &b, err), 0);
	ck_assert(!rt_addr_equal(&a, &b));
	ck_assert_int_eq(rt_addr_parse("::ffff:10.0.0.1", &b, err), 0);
	ck_assert(!rt_addr_equal(&a, &b));   /* mapped is not the same address */
}
END_TEST

START_TEST(test_mac)
{
	static const char *const bad[] = {
		"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:f", "aa:bb:cc:dd:ee:ff:00", "aa:bb:cc:dd:ee:ff:",
		"aa-bb-cc-dd-ee-ff", "aa.bb.cc.dd.ee.ff", "aabb.ccdd.eeff", "aabbccddeeff",
		"gg:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:fg", "a:b:c:d:e:f", "aa:bb:cc:dd:ee:ff ",
		" aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:eeff:", "aa::bb:cc:dd:eeff", "+a:bb:cc:dd:ee:ff",
		"aa:bb:cc:dd:ee: f", "aa;bb;cc;dd;ee;ff",
	};
	uint8_t mac[6];
	char err[RT_ERRLEN], buf[RT_MACSTRLEN];

	ck_assert_int_eq(rt_mac_parse("02:00:00:00:00:07", mac, err), 0);
	ck_assert_int_eq(memcmp(mac, "\x02\x00\x00\x00\x00\x07", 6), 0);
	ck_assert_int_eq(rt_mac_parse("AA:bb:Cc:dD:EE:ff", mac, err), 0);
	ck_assert_int_eq(memcmp(mac, "\xaa\xbb\xcc\xdd\xee\xff", 6), 0);
	ck_assert_str_eq(rt_mac_str(mac, buf), "aa:bb:cc:dd:ee:ff");
	ck_assert_int_eq(rt_mac_parse("00:00:00:00:00:00", mac, err), 0);
	ck_assert_str_eq(rt_mac_str(mac, buf), "00:00:00:00:00:00");
	ck_assert_int_eq(rt_mac_parse("01:23:45:67:89:ab", mac, err), 0);
	ck_assert_str_eq(rt_mac_str(mac, buf), "01:23:45:67:89:ab");

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		ck_assert_msg(rt_mac_parse(bad[i], mac, err) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0], "\"%s\": no reason", bad[i]);
	}
	ck_assert_int_eq(rt_mac_parse(NULL, mac, err), -1);
}
END_TEST

START_TEST(test_ifname)
{
	static const char *const ok[] = {
		"eth0", "lo", "e", "eth0.100", "br-lan", "wg_0", "...", "a.", "123456789012345",
		"veth@x", "en_p3s0",
	};
	static const char *const bad[] = {
		"", ".", "..", "1234567890123456", "eth/0", "eth 0", "eth\t0", "eth0\n", "eth0:1",
		" eth0", "eth0 ", "a\x7f", "\"x\"", "a\\b",
	};
	char out[RT_IFNAMSIZ], err[RT_ERRLEN];

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		memset(out, 0x55, sizeof out);
		ck_assert_msg(rt_ifname_parse(ok[i], out, err) == 0, "\"%s\": %s", ok[i], err);
		ck_assert_str_eq(out, ok[i]);
		for (size_t j = strlen(ok[i]); j < RT_IFNAMSIZ; j++)
			ck_assert_msg(out[j] == 0, "\"%s\": not NUL-padded", ok[i]);
		ck_assert_int_eq(rt_ifname_check(out, err), 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		ck_assert_msg(rt_ifname_parse(bad[i], out, err) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0], "\"%s\": no reason", bad[i]);
	}
	ck_assert_int_eq(rt_ifname_parse(NULL, out, err), -1);

	/* the fixed-size form: terminated, NUL-padded, same character rules */
	memset(out, 'a', sizeof out);
	ck_assert_int_eq(rt_ifname_check(out, err), -1);
	memset(out, 0, sizeof out);
	memcpy(out, "eth0", 4);
	out[8] = 'x';
	ck_assert_int_eq(rt_ifname_check(out, err), -1);
	out[8] = 0;
	out[1] = '/';
	ck_assert_int_eq(rt_ifname_check(out, err), -1);
	memset(out, 0, sizeof out);
	ck_assert_int_eq(rt_ifname_check(out, err), -1);
}
END_TEST

START_TEST(test_metric)
{
	uint32_t m = 12345;
	char err[RT_ERRLEN];
	static const char *const bad[] = {
		"", "-1", "-0", "+1", " 1", "1 ", "4294967296", "18446744073709551616",
		"99999999999999999999999999", "12abc", "0x10", "1.5", "1e3", "abc",
	};

	ck_assert_int_eq(rt_metric_parse("0", &m, err), 0);
	ck_assert_uint_eq(m, 0);
	ck_assert_int_eq(rt_metric_parse("100", &m, err), 0);
	ck_assert_uint_eq(m, 100);
	ck_assert_int_eq(rt_metric_parse("4294967295", &m, err), 0);
	ck_assert_uint_eq(m, 4294967295u);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = 777;
		err[0] = 0;
		ck_assert_msg(rt_metric_parse(bad[i], &m, err) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0], "\"%s\": no reason", bad[i]);
		ck_assert_uint_eq(m, 777);   /* untouched on failure */
	}
	ck_assert_int_eq(rt_metric_parse(NULL, &m, err), -1);
}
END_TEST

START_TEST(test_route_format)
{
	char buf[RT_ROUTESTRLEN];
	struct rt_route r;
	int n;

	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, RT_ORIGIN_RTCTL);
	n = rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 100");
	ck_assert_int_eq(n, (int)strlen(buf));

	r = test_route("10.0.0.0/24", "192.0.2.1", NULL, 0, RT_ORIGIN_RTCTL);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.0.0.0/24 via 192.0.2.1 proto rtctl");

	/* ip(8)'s default scope for a device route */
	r = test_route("10.0.0.0/24", NULL, "eth0", 0, RT_ORIGIN_RTCTL);
	rt_route_normalise(&r, true);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.0.0.0/24 dev eth0 proto rtctl scope link");

	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, RT_ORIGIN_CONFIG);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.0.0.0/24 via 192.0.2.1 dev eth0 proto config metric 100");

	r = test_route("2001:db8::/32", "fe80::1", "eth1", 4294967295u, RT_ORIGIN_RTCTL);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "2001:db8::/32 via fe80::1 dev eth1 proto rtctl metric 4294967295 pref medium");

	r = test_route("default", "192.0.2.254", NULL, 0, RT_ORIGIN_CONFIG);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "default via 192.0.2.254 proto config");

	/* as ip route show prints the kernel's: proto boot left out, tos
	 * after dst, the source, flags after the metric */
	r = test_route("172.20.0.0/16", "10.0.0.2", "va", 7, RT_ORIGIN_KERNEL);
	r.protocol = RTPROT_BOOT;
	r.tos = 0x10;
	r.nh[0].flags = RT_NHF_ONLINK | RT_NHF_LINKDOWN;
	ck_assert_int_eq(rt_addr_parse("10.0.0.1", &r.src, NULL), 0);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "172.20.0.0/16 tos 0x10 via 10.0.0.2 dev va src 10.0.0.1 metric 7 onlink linkdown");
	r = test_route("10.0.0.0/24", NULL, "va", 0, RT_ORIGIN_KERNEL);
	r.protocol = RTPROT_KERNEL;
	r.scope = RT_SCOPE_LINK;
	ck_assert_int_eq(rt_addr_parse("10.0.0.1", &r.src, NULL), 0);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.0.0.0/24 dev va proto kernel scope link src 10.0.0.1");
	r.protocol = 250;
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.0.0.0/24 dev va proto 250 scope link src 10.0.0.1");
	/* an IPv4 route via an IPv6 gateway (RTA_VIA) */
	r = test_route("10.99.0.0/16", NULL, "va", 0, RT_ORIGIN_KERNEL);
	r.protocol = RTPROT_BOOT;
	ck_assert_int_eq(rt_addr_parse("fe80::1", &r.nh[0].gw, NULL), 0);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.99.0.0/16 via inet6 fe80::1 dev va");

	/* types: the word first; an IPv6 one on lo, as the kernel says */
	r = test_route("203.0.113.0/24", NULL, NULL, 0, RT_ORIGIN_RTCTL);
	r.type = RTN_BLACKHOLE;
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "blackhole 203.0.113.0/24 proto rtctl");
	r = test_route("2001:db8:3::/48", NULL, NULL, 1024, RT_ORIGIN_KERNEL);
	r.type = RTN_UNREACHABLE;
	r.protocol = RTPROT_BOOT;
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "unreachable 2001:db8:3::/48 dev lo metric 1024 pref medium");

	/* multipath: each next hop with its weight and flags, on one line */
	r = test_route("172.16.0.0/16", "10.0.0.2", "va", 0, RT_ORIGIN_KERNEL);
	r.protocol = 196;
	r.nh_count = 2;
	r.nh[1] = r.nh[0];
	r.nh[1].gw.bytes[2] = 1;
	strcpy(r.nh[1].dev, "vb");
	r.nh[1].weight = 3;
	r.nh[1].flags = RT_NHF_ONLINK;
	rt_names_load("", "");          /* ip's built-in names only: 196 has none */
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "172.16.0.0/16 proto 196 nexthop via 10.0.0.2 dev va weight 1 "
	                 "nexthop via 10.0.1.2 dev vb weight 3 onlink");
	r.dst.addr.family = AF_INET6;
	memset(r.dst.addr.bytes, 0, 16);
	r.dst.addr.bytes[0] = 0x20;
	r.dst.addr.bytes[1] = 0x01;
	r.dst.len = 16;
	r.metric = 1024;
	r.pref = RT_PREF_HIGH;
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(rt_addr_parse(i ? "fe80::2" : "fe80::1", &r.nh[i].gw, NULL), 0);
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "2001::/16 proto 196 metric 1024 pref high nexthop via fe80::1 dev va "
	                 "weight 1 nexthop via fe80::2 dev vb weight 3 onlink");

	/* pending: a word after the flags */
	r = test_route("10.5.0.0/16", "192.0.2.1", "eth9", 0, RT_ORIGIN_RTCTL);
	r.flags = RT_RF_PENDING;
	snprintf(r.reason, sizeof r.reason, "No such device");
	rt_route_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.5.0.0/16 via 192.0.2.1 dev eth9 proto rtctl pending");

	/* what is printed parses back to the same destination */
	struct rt_prefix p;
	char pre[RT_PREFIXSTRLEN], err[RT_ERRLEN];
	r = test_route("192.0.2.7", NULL, "eth0", 1, 0);
	ck_assert_int_eq(rt_prefix_parse(rt_prefix_str(&r.dst, pre), &p, err), 0);
	ck_assert_int_eq(memcmp(&p, &r.dst, sizeof p), 0);

	/* snprintf-like truncation */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, RT_ORIGIN_CONFIG);
	const char *full = "10.0.0.0/24 via 192.0.2.1 dev eth0 proto config metric 100";
	char small[16];
	memset(small, 'z', sizeof small);
	n = rt_route_format(&r, small, sizeof small);
	ck_assert_int_eq(n, (int)strlen(full));
	ck_assert_str_eq(small, "10.0.0.0/24 via");
	n = rt_route_format(&r, NULL, 0);
	ck_assert_int_eq(n, (int)strlen(full));

	/* the longest one-hop route fits in RT_ROUTESTRLEN, any in RT_ROUTESTRMAX */
	r = test_route("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120",
	          "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "123456789012345", 4294967295u,
	          RT_ORIGIN_CONFIG);
	r.scope = 199;
	r.nh[0].flags = RT_NHF_KNOWN;
	r.flags = RT_RF_PENDING;
	ck_assert_int_eq(rt_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", &r.src, NULL), 0);
	n = rt_route_format(&r, buf, sizeof buf);
	ck_assert_int_lt(n, RT_ROUTESTRLEN);
	ck_assert_int_eq(n, (int)strlen(buf));
	r.nh_count = RT_NH_MAX;
	for (int i = 1; i < RT_NH_MAX; i++)
		r.nh[i] = r.nh[0];
	static char big[RT_ROUTESTRMAX];
	n = rt_route_format(&r, big, sizeof big);
	ck_assert_int_lt(n, RT_ROUTESTRMAX);
	ck_assert_int_eq(n, (int)strlen(big));

	/* the key */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, RT_ORIGIN_CONFIG);
	rt_route_key_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.0.0.0/24 proto config metric 100");
	r = test_route("fe80::/64", NULL, "eth1", 256, RT_ORIGIN_KERNEL);
	r.protocol = RTPROT_KERNEL;
	r.disc = rt_disc_make(RT_DISC_KERNEL, 0, 3);
	rt_route_key_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "fe80::/64 dev eth1 proto kernel metric 256");
	r = test_route("10.0.0.0/24", NULL, NULL, 0, RT_ORIGIN_RTCTL);
	r.type = RTN_PROHIBIT;
	rt_route_key_format(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "10.0.0.0/24 proto rtctl");
	rt_names_load(NULL, NULL);
}
END_TEST

START_TEST(test_neigh_format)
{
	struct rt_neigh n;
	char buf[RT_ROUTESTRLEN], err[RT_ERRLEN];

	memset(&n, 0, sizeof n);
	ck_assert_int_eq(rt_addr_parse("192.0.2.7", &n.ip, err), 0);
	ck_assert_int_eq(rt_mac_parse("02:00:00:00:00:07", n.lladdr, err), 0);
	ck_assert_int_eq(rt_ifname_parse("eth0", n.dev, err), 0);
	rt_neigh_normalise(&n);
	rt_neigh_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl");
	ck_assert_int_eq(rt_neigh_check(&n, err), 0);
	n.origin = RT_ORIGIN_CONFIG;
	rt_neigh_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto config");
	ck_assert_int_eq(rt_addr_parse("2001:db8::7", &n.ip, err), 0);
	n.origin = RT_ORIGIN_KERNEL;
	n.state = NUD_REACHABLE;
	n.flags = NTF_ROUTER;
	rt_neigh_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "2001:db8::7 dev eth0 lladdr 02:00:00:00:00:07 router REACHABLE");
	n.flags = 0;
	n.state = NUD_STALE;
	n.protocol = RTPROT_STATIC;
	rt_neigh_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "2001:db8::7 dev eth0 lladdr 02:00:00:00:00:07 STALE proto static");

	/* validation */
	ck_assert_int_eq(rt_neigh_check(&n, err), 0);
	n.origin = 9;
	ck_assert_int_eq(rt_neigh_check(&n, err), -1);
	n.origin = RT_ORIGIN_RTCTL;
	ck_assert_int_eq(rt_neigh_check(&n, err), -1);   /* owned and stale */
	n.state = NUD_PERMANENT;
	n.flags = NTF_ROUTER;
	ck_assert_int_eq(rt_neigh_check(&n, err), -1);   /* owned with a kernel flag */
	n.flags = 0;
	n.state = 0x100;
	ck_assert_int_eq(rt_neigh_check(&n, err), -1);
	n.state = NUD_PERMANENT;
	ck_assert_int_eq(rt_neigh_check(&n, err), 0);
	n.dev[0] = 0;
	ck_assert_int_eq(rt_neigh_check(&n, err), -1);   /* dev required */
	ck_assert_int_eq(rt_ifname_parse("eth0", n.dev, err), 0);
	n.ip.family = 0;
	ck_assert_int_eq(rt_neigh_check(&n, err), -1);
	ck_assert_int_eq(rt_addr_parse("192.0.2.7", &n.ip, err), 0);
	n.ip.bytes[8] = 1;
	ck_assert_int_eq(rt_neigh_check(&n, err), -1);
}
END_TEST

/* Gateways the kernel refuses for the routes rtmd owns (issue 14):
 * refused before anything is sent, with the reason. */
START_TEST(test_route_check_gateways)
{
	static const struct { const char *dst, *gw, *dev, *why; } bad[] = {
		{ "10.0.0.0/24", "0.0.0.0", NULL, "0.0.0.0" },
		{ "2001:db8::/32", "fe80::1", NULL, "link-local" },
		{ "10.0.0.0/24", "224.0.0.1", "eth0", "multicast" },
		{ "2001:db8::/32", "ff02::1", "eth0", "multicast" },
		{ "10.0.0.0/24", "255.255.255.255", "eth0", "broadcast" },
		{ "2001:db8::/32", "::ffff:192.0.2.1", "eth0", "IPv4-mapped" },
		{ "2001:db8::/32", "::", "eth0", "unspecified" },
	};
	struct rt_route r;
	char err[RT_ERRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = test_route(bad[i].dst, bad[i].gw, bad[i].dev, 0, 0);
		rt_route_normalise(&r, true);
		err[0] = 0;
		ck_assert_msg(rt_route_check(&r, err) == -1, "accepted via %s", bad[i].gw);
		ck_assert_msg(strstr(err, bad[i].why), "via %s: \"%s\" does not say %s", bad[i].gw, err,
		              bad[i].why);
	}
	/* 0.0.0.0 with a device is a device route; link-local with one is fine */
	r = test_route("10.0.0.0/24", "0.0.0.0", "eth0", 0, 0);
	rt_route_normalise(&r, true);
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	ck_assert_int_eq(r.nh[0].gw.family, 0);
	r = test_route("2001:db8::/32", "fe80::1", "eth0", 0, 0);
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	/* an imported route is what the kernel holds */
	r = test_route("2001:db8::/32", "fe80::1", NULL, 0, 0);
	r.origin = RT_ORIGIN_KERNEL;
	r.disc = RT_DISC_KERNEL;
	ck_assert_int_eq(rt_route_check(&r, err), 0);
}
END_TEST

START_TEST(test_route_check)
{
	struct rt_route r;
	char err[RT_ERRLEN];

	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	r = test_route("10.0.0.0/24", "192.0.2.1", NULL, 100, 0);
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	r = test_route("10.0.0.0/24", NULL, "eth0", 100, 1);
	ck_assert_int_eq(rt_route_check(&r, err), 0);

	r = test_route("10.0.0.0/24", NULL, NULL, 100, 0);
	err[0] = 0;
	ck_assert_int_eq(rt_route_check(&r, err), -1);   /* needs via or dev */
	ck_assert(err[0]);
	r = test_route("2001:db8::/32", "192.0.2.1", NULL, 100, 0);
	ck_assert_int_eq(rt_route_check(&r, err), -1);   /* family mismatch */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 9);
	ck_assert_int_eq(rt_route_check(&r, err), -1);   /* origin */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	r.dst.addr.bytes[3] = 1;
	ck_assert_int_eq(rt_route_check(&r, err), -1);   /* host bits */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	r.nh[0].gw.bytes[12] = 1;
	ck_assert_int_eq(rt_route_check(&r, err), -1);   /* gateway tail */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	memset(r.nh[0].dev, 'x', sizeof r.nh[0].dev);
	ck_assert_int_eq(rt_route_check(&r, err), -1);   /* unterminated dev */
	r = test_route("10.0.0.0/24", "192.0.2.1", NULL, 100, 0);
	r.nh[0].dev[3] = 'x';                                   /* "" with junk after */
	ck_assert_int_eq(rt_route_check(&r, err), -1);

	/* the kernel's rules for what rtmd may install */
	static const struct { const char *gw, *dev, *why; } bad[] = {
		{ "0.0.0.0", NULL, "no dev" }, { "224.0.0.1", "eth0", "multicast" },
		{ "255.255.255.255", "eth0", "broadcast" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = test_route("10.0.0.0/24", bad[i].gw, bad[i].dev, 0, 0);
		ck_assert_msg(rt_route_check(&r, err) == -1, "%s accepted", bad[i].gw);
		ck_assert_msg(strstr(err, bad[i].why), "%s: %s", bad[i].gw, err);
	}
	static const struct { const char *gw, *dev, *why; } bad6[] = {
		{ "ff02::1", "eth0", "multicast" }, { "::ffff:192.0.2.1", "eth0", "IPv4-mapped" },
		{ "::", "eth0", "unspecified" }, { "fe80::1", NULL, "link-local" },
	};
	for (size_t i = 0; i < sizeof bad6 / sizeof bad6[0]; i++) {
		r = test_route("2001:db8::/32", bad6[i].gw, bad6[i].dev, 0, 0);
		ck_assert_msg(rt_route_check(&r, err) == -1, "%s accepted", bad6[i].gw);
		ck_assert_msg(strstr(err, bad6[i].why), "%s: %s", bad6[i].gw, err);
	}
	/* 0.0.0.0 with a dev is a device route, as the kernel reads it */
	r = test_route("10.0.0.0/24", "0.0.0.0", "eth0", 0, 0);
	rt_route_normalise(&r, true);
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	ck_assert_uint_eq(r.nh[0].gw.family, 0);
	ck_assert_uint_eq(r.scope, RT_SCOPE_LINK);
	/* imported routes are the kernel's: a multicast gateway is its business */
	r = test_route("10.0.0.0/24", "224.0.0.1", "eth0", 0, RT_ORIGIN_KERNEL);
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	/* IPv4 via IPv6 (RTA_VIA), not IPv6 via IPv4 */
	r = test_route("10.0.0.0/24", "fe80::1", "eth0", 0, 0);
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	/* types */
	r = test_route("10.0.0.0/24", NULL, NULL, 0, 0);
	r.type = RTN_BLACKHOLE;
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	r = test_route("10.0.0.0/24", "192.0.2.1", NULL, 0, 0);
	r.type = RTN_PROHIBIT;
	ck_assert_int_eq(rt_route_check(&r, err), -1);    /* no next hop for prohibit */
	r = test_route("10.0.0.0/24", NULL, "eth0", 0, 0);
	r.type = RTN_LOCAL;
	ck_assert_int_eq(rt_route_check(&r, err), -1);    /* not a type rtmd owns */
	r.origin = RT_ORIGIN_KERNEL;
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	r.type = 0;
	ck_assert_int_eq(rt_route_check(&r, err), -1);
	/* scope host has no gateway */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 0, 0);
	r.scope = RT_SCOPE_HOST;
	ck_assert_int_eq(rt_route_check(&r, err), -1);
	/* multipath: weights, duplicates, flags */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 0, 0);
	r.nh_count = 2;
	r.nh[1] = r.nh[0];
	ck_assert_int_eq(rt_route_check(&r, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "given twice"));
	r.nh[1].gw.bytes[3] = 2;
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	r.nh[1].weight = 257;
	ck_assert_int_eq(rt_route_check(&r, err), -1);
	r.nh[1].weight = 256;
	r.nh[1].flags = RT_NHF_DEAD;
	ck_assert_int_eq(rt_route_check(&r, err), -1);    /* the kernel's to set */
	r.nh[1].flags = RT_NHF_ONLINK;
	ck_assert_int_eq(rt_route_check(&r, err), 0);
	r.nh[1].dev[0] = 0;
	ck_assert_int_eq(rt_route_check(&r, err), -1);    /* onlink needs a dev */
	/* owned routes have no tos, disc or pref */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 0, 0);
	r.tos = 0x10;
	ck_assert_int_eq(rt_route_check(&r, err), -1);
	r.tos = 0;
	r.disc = 1;
	ck_assert_int_eq(rt_route_check(&r, err), -1);
	/* a source of the route's family */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 0, 0);
	ck_assert_int_eq(rt_addr_parse("2001:db8::1", &r.src, NULL), 0);
	ck_assert_int_eq(rt_route_check(&r, err), -1);
	/* the pending reason only with the flag */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 0, 0);
	snprintf(r.reason, sizeof r.reason, "x");
	ck_assert_int_eq(rt_route_check(&r, err), -1);
	r.flags = RT_RF_PENDING;
	ck_assert_int_eq(rt_route_check(&r, err), 0);
}
END_TEST

/* ip(8)'s defaults, and the helpers that never copy a whole route. */
START_TEST(test_route_helpers)
{
	static struct rt_route r, c;
	struct rt_route *d;

	r = test_route("2001:db8::/32", "fe80::1", "eth0", 0, 0);
	r.nh[0].weight = 0;
	rt_route_normalise(&r, true);
	ck_assert_uint_eq(r.metric, 1024);
	ck_assert_uint_eq(r.nh[0].weight, 1);
	ck_assert_uint_eq(r.scope, RT_SCOPE_UNIVERSE);      /* it has a gateway */
	r = test_route("10.0.0.0/24", NULL, "eth0", 0, 0);
	r.scope = RT_SCOPE_HOST;
	rt_route_normalise(&r, false);                      /* a scope the text named */
	ck_assert_uint_eq(r.scope, RT_SCOPE_HOST);
	rt_route_normalise(&r, true);
	ck_assert_uint_eq(r.scope, RT_SCOPE_LINK);
	/* IPv6 has no scope: the kernel says universe whatever was asked */
	r = test_route("2001:db8::/32", NULL, "eth0", 0, 0);
	r.scope = RT_SCOPE_LINK;
	rt_route_normalise(&r, false);
	ck_assert_uint_eq(r.scope, RT_SCOPE_UNIVERSE);
	/* a single next hop's weight is 1; multipath weights stay */
	r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 0, 0);
	r.nh[0].weight = 5;
	rt_route_normalise(&r, true);
	ck_assert_uint_eq(r.nh[0].weight, 1);
	r.nh_count = 2;
	r.nh[1] = r.nh[0];
	r.nh[1].weight = 5;
	r.nh[1].gw.bytes[3] = 9;
	rt_route_normalise(&r, true);
	ck_assert_uint_eq(r.nh[1].weight, 5);
	ck_assert_uint_eq(r.scope, RT_SCOPE_UNIVERSE);
	/* copy, dup, equal: order matters, the pending state does not */
	rt_route_copy(&c, &r);
	ck_assert(rt_route_equal(&c, &r));
	c.flags = RT_RF_PENDING;
	snprintf(c.reason, sizeof c.reason, "why");
	ck_assert(rt_route_equal(&c, &r));
	c.nh[0] = r.nh[1];
	c.nh[1] = r.nh[0];
	ck_assert(!rt_route_equal(&c, &r));
	d = rt_route_dup(&r);
	ck_assert_ptr_nonnull(d);
	ck_assert(rt_route_equal(d, &r));
	free(d);
	r.nh_count = 0;
	r.type = RTN_BLACKHOLE;
	d = rt_route_dup(&r);
	ck_assert(rt_route_equal(d, &r));
	free(d);
}
END_TEST


static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, test_prefix_parse_ok);
	tcase_add_test(tc, test_prefix_parse_bad);
	tcase_add_test(tc, test_prefix_defaults_and_hosts);
	tcase_add_test(tc, test_prefix_check);
	tcase_add_test(tc, test_prefix_contains);
	tcase_add_test(tc, test_addr_parse);
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_ifname);
	tcase_add_test(tc, test_metric);
	tcase_add_test(tc, test_route_format);
	tcase_add_test(tc, test_neigh_format);
	tcase_add_test(tc, test_route_check);
	tcase_add_test(tc, test_route_check_gateways);
	tcase_add_test(tc, test_route_helpers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
