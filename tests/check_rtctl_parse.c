/* Unit tests for rtctl's grammar: every command form, aliases, and every
 * kind of refusal, before anything would be sent. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto.h"
#include "rtctl_parse.h"

static int parse(const char *line, struct rtctl_req *q, char *err)
{
	char buf[512], *w[32];
	int n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = rtctl_split(buf, w, 32);
	return rtctl_parse(n, w, q, err, 256);
}

START_TEST(route_add_full)
{
	struct rtctl_req q;
	char err[256];

	ck_assert_int_eq(parse("add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5", &q, err), 0);
	ck_assert_int_eq(q.cmd, CMD_ROUTE_ADD);
	ck_assert_int_eq(q.msg_type, RT_MSG_ROUTE_ADD);
	ck_assert_int_eq(q.route.dst.len, 24);
	ck_assert_int_eq(q.route.nh[0].gw.family, AF_INET);
	ck_assert_str_eq(q.route.nh[0].dev, "eth0");
	ck_assert_uint_eq(q.route.metric, 5);
	ck_assert_int_eq(q.nrec, 1);
	/* The object word is optional and order of keywords is free. */
	ck_assert_int_eq(parse("route add 10.0.0.0/24 metric 5 dev eth0 via 192.0.2.1", &q, err), 0);
	ck_assert_uint_eq(q.route.metric, 5);
}
END_TEST

START_TEST(route_aliases)
{
	struct rtctl_req q;
	char err[256];

	ck_assert_int_eq(parse("del 10.0.0.0/24", &q, err), 0);
	ck_assert_int_eq(q.cmd, CMD_ROUTE_DEL);
	ck_assert_int_eq(parse("route delete 10.0.0.0/24 metric 7", &q, err), 0);
	ck_assert_uint_eq(q.route.metric, 7);
	ck_assert_int_eq(parse("show", &q, err), 0);
	ck_assert_int_eq(q.cmd, CMD_ROUTE_LIST);
	ck_assert_int_eq(q.nrec, 0);
	ck_assert_int_eq(parse("ls root 10.0.0.0/8", &q, err), 0);
	ck_assert_uint_eq(q.flags, RT_F_LIST_ROOT);
	ck_assert_int_eq(q.nrec, 1);
	ck_assert_int_eq(parse("list match 10.1.2.0/24", &q, err), 0);
	ck_assert_uint_eq(q.flags, RT_F_LIST_MATCH);
	ck_assert_int_eq(parse("list 10.1.2.0/24", &q, err), 0);
	ck_assert_uint_eq(q.flags, 0);
	ck_assert_int_eq(parse("replace default6 dev eth0", &q, err), 0);
	ck_assert_int_eq(q.route.dst.addr.family, AF_INET6);
	ck_assert_int_eq(q.route.dst.len, 0);
}
END_TEST

START_TEST(route_get)
{
	struct rtctl_req q;
	char err[256];

	ck_assert_int_eq(parse("get 10.0.0.77", &q, err), 0);
	ck_assert_int_eq(q.msg_type, RT_MSG_ROUTE_GET);
	ck_assert_int_eq(q.route.dst.len, 32);
	ck_assert_int_eq(parse("get 2001:db8::1", &q, err), 0);
	ck_assert_int_eq(q.route.dst.len, 128);
	ck_assert_int_eq(parse("get 10.0.0.0/24", &q, err), -1);
	ck_assert_int_eq(parse("get", &q, err), -1);
	ck_assert_int_eq(parse("get 1.2.3.4 5.6.7.8", &q, err), -1);
}
END_TEST

START_TEST(route_refusals)
{
	static const char *const bad[] = {
		"add 10.0.0.1/24 dev eth0",          /* host bits */
		"add 10.0.0.0/33 dev eth0",
		"add 10.0.0.0/24",                   /* neither via nor dev */
		"add 10.0.0.0/24 metric 1",
		"add 10.0.0.0/24 via 2001:db8::1",   /* family mismatch */
		"add 10.0.0.0/24 via 300.0.0.1",
		"add 10.0.0.0/24 dev",               /* missing value */
		"add 10.0.0.0/24 dev eth0 dev eth1", /* twice */
		"add 10.0.0.0/24 dev eth0 metric -1",
		"add 10.0.0.0/24 dev eth0 metric 4294967296",
		"add 10.0.0.0/24 dev 0123456789abcdef",
		"add 10.0.0.0/24 dev a/b",
		"add 10.0.0.0/24 dev eth0 table 5",  /* rtmd keeps one table */
		"add 10.0.0.0/24 dev eth0 weight 3", /* a next hop's word */
		"add 10.0.0.0/24 10.1.0.0/24 dev eth0", /* two destinations */
		"add multicast 224.0.0.0/4 dev eth0", /* not a type rtmd owns */
		"add 10/8 via 0.0.0.0",              /* no next hop at all */
		"add 10/8 via fe80::1",              /* family: via inet6 */
		"add 2001:db8::/32 via fe80::1",     /* link-local needs dev */
		"add 10/8 via 224.0.0.1 dev eth0",   /* multicast gateway */
		"add 2001:db8::/32 via ::ffff:192.0.2.1 dev eth0", /* v4-mapped */
		"add 10/8 dev eth0 metric 1 metric 2", /* duplicate */
		"-4 add 2001:db8::/32 dev eth0",     /* not a word: options come first */
		"list root",
		"list 10.0.0.0/24 extra",
		"frobnicate",
		"route frobnicate",
		"flush everything",
		"status now",
	};
	struct rtctl_req q;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ck_assert_msg(parse(bad[i], &q, err) == -1, "accepted: %s", bad[i]);
		ck_assert_msg(err[0] != 0, "no message for: %s", bad[i]);
	}
}
END_TEST

START_TEST(arp_commands)
{
	struct rtctl_req q;
	char err[256];

	ck_assert_int_eq(parse("arp add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0", &q, err), 0);
	ck_assert_int_eq(q.msg_type, RT_MSG_ARP_ADD);
	ck_assert_uint_eq(q.neigh.lladdr[5], 7);
	ck_assert_str_eq(q.neigh.dev, "eth0");
	ck_assert_int_eq(parse("arp replace fe80::1 dev eth0 lladdr AA:BB:CC:DD:EE:FF", &q, err), 0);
	ck_assert_uint_eq(q.neigh.lladdr[0], 0xaa);
	ck_assert_int_eq(parse("arp del 192.0.2.7 dev eth0", &q, err), 0);
	ck_assert_int_eq(q.cmd, CMD_ARP_DEL);
	ck_assert_int_eq(parse("arp get 02:00:00:00:00:07", &q, err), 0);
	ck_assert_uint_eq(q.flags, RT_F_BY_MAC);
	ck_assert_int_eq(parse("arp get 192.0.2.7", &q, err), 0);
	ck_assert_uint_eq(q.flags, 0);
	ck_assert_int_eq(parse("arp list", &q, err), 0);
	ck_assert_int_eq(parse("flush arp", &q, err), 0);
	ck_assert_uint_eq(q.flags, RT_F_TABLE_ARP);
	ck_assert_int_eq(parse("arp add 192.0.2.7 dev eth0", &q, err), -1);
	ck_assert_int_eq(parse("arp add 192.0.2.7 lladdr 02:00:00:00:00:07", &q, err), -1);
	ck_assert_int_eq(parse("arp add 192.0.2.7 lladdr 02:00:00:00:07 dev eth0", &q, err), -1);
	ck_assert_int_eq(parse("arp add 192.0.2.7 lladdr 02-00-00-00-00-07 dev eth0", &q, err), -1);
	/* As ip-neigh, a delete takes and ignores the non-key words. */
	ck_assert_int_eq(parse("arp del 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0", &q, err), 0);
	ck_assert_int_eq(parse("neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0 nud permanent",
			       &q, err), 0);
	ck_assert_uint_eq(q.neigh.state, NUD_PERMANENT);
	ck_assert_int_eq(parse("neighbor add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0 nud reachable",
			       &q, err), -1);
	/* What ip-neigh show prints can be given back. */
	ck_assert_int_eq(parse("neigh add 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl",
			       &q, err), 0);
	ck_assert_int_eq(parse("arp get nonsense", &q, err), -1);
	/* "ip neigh" alone lists */
	ck_assert_int_eq(parse("arp", &q, err), 0);
	ck_assert_int_eq(q.cmd, CMD_ARP_LIST);
}
END_TEST

START_TEST(route_new_words)
{
	struct rtctl_req q;
	char err[256];

	ck_assert_int_eq(parse("add blackhole 10.9.0.0/16", &q, err), 0);
	ck_assert_uint_eq(q.route.type, RTN_BLACKHOLE);
	ck_assert_uint_eq(q.route.nh_count, 0);
	ck_assert_int_eq(parse("add unreachable 2001:db8::/32", &q, err), 0);
	ck_assert_uint_eq(q.route.type, RTN_UNREACHABLE);
	ck_assert_int_eq(parse("add prohibit 10.9.0.0/16 metric 3", &q, err), 0);
	ck_assert_uint_eq(q.route.type, RTN_PROHIBIT);
	ck_assert_uint_eq(q.route.metric, 3);
	/* What ip-route show prints for a blackhole: "dev lo" is taken. */
	ck_assert_int_eq(parse("add blackhole 2001:db8::/32 dev lo proto rtctl metric 1024 pref medium",
			       &q, err), 0);
	ck_assert_int_eq(parse("add blackhole 10.9.0.0/16 via 192.0.2.1", &q, err), -1);

	ck_assert_int_eq(parse("add 10.0.0.0/24 via 192.0.2.1 dev eth0 src 192.0.2.9 scope link onlink",
			       &q, err), 0);
	ck_assert_uint_eq(q.route.src.family, AF_INET);
	ck_assert_uint_eq(q.route.scope, RT_SCOPE_LINK);
	ck_assert_uint_eq(q.route.nh[0].flags, RT_NHF_ONLINK);
	ck_assert_int_eq(parse("add 10.0.0.0/24 dev eth0 scope nonsense", &q, err), -1);
	ck_assert_int_eq(parse("add 10.0.0.0/24 dev eth0 src 2001:db8::1", &q, err), -1);

	ck_assert_int_eq(parse("add 10.0.0.0/24 nexthop via 192.0.2.1 dev eth0 weight 2 "
			       "nexthop via 192.0.2.2 dev eth1", &q, err), 0);
	ck_assert_uint_eq(q.route.nh_count, 2);
	ck_assert_uint_eq(q.route.nh[0].weight, 2);
	ck_assert_str_eq(q.route.nh[1].dev, "eth1");
	ck_assert_uint_eq(q.route.nh[1].weight, 1);
	ck_assert_int_eq(parse("add 10.0.0.0/24 nexthop via 192.0.2.1 weight 0", &q, err), -1);
	ck_assert_int_eq(parse("add 10.0.0.0/24 nexthop via 192.0.2.1 weight 257", &q, err), -1);
	ck_assert_int_eq(parse("add 10.0.0.0/24 via 192.0.2.3 nexthop via 192.0.2.1", &q, err), -1);
	ck_assert_int_eq(parse("add 10.0.0.0/24 nexthop", &q, err), -1);

	/* Output-only words are accepted and change nothing. */
	ck_assert_int_eq(parse("add 10.0.0.0/24 via 192.0.2.1 dev eth0 proto bgp", &q, err), 0);
	ck_assert_uint_eq(q.route.nh_count, 1);
	ck_assert_int_eq(parse("change 10.0.0.0/24 dev eth0", &q, err), 0);
	ck_assert_int_eq(q.cmd, CMD_ROUTE_CHANGE);
	ck_assert_int_eq(q.msg_type, RT_MSG_ROUTE_REPLACE);
	ck_assert(q.resolve);
	/* The family follows the gateway when the prefix is "default". */
	ck_assert_int_eq(parse("add default via 2001:db8::1", &q, err), 0);
	ck_assert_int_eq(q.route.dst.addr.family, AF_INET6);
}
END_TEST

/* SPEC: a line of rtctl list (ip route show) prefixed with "add" is a valid
 * command that gives the same route back. */
START_TEST(listed_lines_parse_back)
{
	static const char *const cmds[] = {
		"add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5",
		"add 10.1.0.0/16 dev eth1",
		"add 10.2.0.0/16 dev eth1 scope host",
		"add 10.3.0.0/16 via 192.0.2.1 dev eth0 src 192.0.2.9 onlink",
		"add blackhole 10.4.0.0/16 metric 3",
		"add unreachable 2001:db8:4::/48",
		"add prohibit 10.5.0.0/16",
		"add 2001:db8::/32 via fe80::1 dev eth0",
		"add default via 2001:db8::1 dev eth0 metric 100",
		"add default6 dev eth0",
		"add blackhole default6",
		"add 10.6.0.0/16 nexthop via 192.0.2.1 dev eth0 weight 3 nexthop via 192.0.2.2 dev eth1",
		"add 10.7.0.0/16 via inet6 fe80::1 dev eth0",
		"add 10.8.0.0/16 src 192.0.2.9 nexthop via 192.0.2.1 dev eth0 onlink nexthop dev eth1",
	};
	static struct rtctl_req q, q2;
	char err[256], line[RT_ROUTESTRLEN + 8];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ck_assert_msg(parse(cmds[i], &q, err) == 0, "%s: %s", cmds[i], err);
		memcpy(line, "add ", 4);
		rt_route_format(&q.route, line + 4, sizeof(line) - 4);
		ck_assert_msg(parse(line, &q2, err) == 0, "%s: %s", line, err);
		ck_assert_msg(rt_route_equal(&q.route, &q2.route), "%s gave %s back differently",
		              cmds[i], line);
	}
}
END_TEST

/* iproute2's matches(): the first word of ip's order that the
 * abbreviation begins. */
START_TEST(abbreviations)
{
	static const struct { const char *line; int cmd; } ok[] = {
		{ "r a 10/8 dev eth0", CMD_ROUTE_ADD }, { "ro del 10/8", CMD_ROUTE_DEL },
		{ "route", CMD_ROUTE_LIST }, { "r", CMD_ROUTE_LIST }, { "s", CMD_ROUTE_LIST },
		{ "sh dev eth0", CMD_ROUTE_LIST }, { "l", CMD_ROUTE_LIST }, { "lst", CMD_ROUTE_LIST },
		{ "g 10.0.0.1", CMD_ROUTE_GET }, { "c 10/8 dev eth0", CMD_ROUTE_CHANGE },
		{ "chg 10/8 dev eth0", CMD_ROUTE_CHANGE }, { "rep 10/8 dev eth0", CMD_ROUTE_REPLACE },
		{ "app 10/8 dev eth0", CMD_ROUTE_ADD }, { "prepend 10/8 dev eth0", CMD_ROUTE_ADD },
		{ "n", CMD_ARP_LIST }, { "ne a 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0", CMD_ARP_ADD },
		{ "neighbor del 192.0.2.7 dev eth0", CMD_ARP_DEL }, { "neighbour sh", CMD_ARP_LIST },
		{ "arp get 192.0.2.7", CMD_ARP_GET }, { "st", CMD_STATUS }, { "f", CMD_FLUSH },
		{ "flush route", CMD_FLUSH }, { "flush n", CMD_FLUSH }, { "n f", CMD_FLUSH },
		{ "f dev eth0", CMD_ROUTE_FLUSH }, { "n f dev eth0", CMD_ARP_FLUSH },
		{ "help", CMD_HELP }, { "r help", CMD_HELP },
	};
	static struct rtctl_req q;
	char err[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(parse(ok[i].line, &q, err) == 0, "%s: %s", ok[i].line, err);
		ck_assert_msg((int)q.cmd == ok[i].cmd, "%s: command %d, not %d", ok[i].line, q.cmd,
		              ok[i].cmd);
	}
	ck_assert_int_eq(parse("flush n", &q, err), 0);
	ck_assert_uint_eq(q.flags, RT_F_TABLE_ARP);
	ck_assert_int_eq(parse("rtctl add 10/8 dev eth0", &q, err), -1);
}
END_TEST

/* ip's prefixes: 10/8, 0/0, to, default's family from the gateway or -4/-6. */
START_TEST(prefixes)
{
	static struct rtctl_req q;
	char err[256], buf[RT_PREFIXSTRLEN];
	char *w[8];
	char l1[] = "add default dev eth0";

	ck_assert_int_eq(parse("add to 10/8 dev eth0", &q, err), 0);
	ck_assert_str_eq(rt_prefix_str(&q.route.dst, buf), "10.0.0.0/8");
	ck_assert_int_eq(parse("add 192.168/16 dev eth0", &q, err), 0);
	ck_assert_str_eq(rt_prefix_str(&q.route.dst, buf), "192.168.0.0/16");
	ck_assert_int_eq(parse("add 10.7 dev eth0", &q, err), 0);
	ck_assert_str_eq(rt_prefix_str(&q.route.dst, buf), "10.7.0.0");
	ck_assert_int_eq(parse("add 0/0 via 192.0.2.1", &q, err), 0);
	ck_assert_int_eq(q.route.dst.len, 0);
	ck_assert_int_eq(q.route.dst.addr.family, AF_INET);
	ck_assert_int_eq(parse("add to blackhole 10.9/16", &q, err), 0);
	ck_assert_int_eq(q.route.type, RTN_BLACKHOLE);
	ck_assert_int_eq(parse("add default via fe80::1 dev eth0", &q, err), 0);
	ck_assert_int_eq(q.route.dst.addr.family, AF_INET6);
	ck_assert_int_eq(parse("add default dev eth0 metric 1024 pref medium", &q, err), 0);
	ck_assert_int_eq(q.route.dst.addr.family, AF_INET6);
	ck_assert_int_eq(parse("add blackhole default dev lo metric 1024", &q, err), 0);
	ck_assert_int_eq(q.route.dst.addr.family, AF_INET6);
	ck_assert_int_eq(rtctl_parse_family(rtctl_split(l1, w, 8), w, AF_INET6, &q, err, 256), 0);
	ck_assert_int_eq(q.route.dst.addr.family, AF_INET6);
	/* -4 with an IPv6 prefix, 10/33, a word for a prefix */
	char l2[] = "add 2001:db8::/32 dev eth0";
	ck_assert_int_eq(rtctl_parse_family(rtctl_split(l2, w, 8), w, AF_INET, &q, err, 256), -1);
	ck_assert_int_eq(parse("add 10/33 dev eth0", &q, err), -1);
	ck_assert_int_eq(parse("add 10.0.0.0.0/8 dev eth0", &q, err), -1);
	ck_assert_int_eq(parse("add 1.2.3/24 dev eth0", &q, err), 0);
	ck_assert_int_eq(parse("add 10/8 via inet6 fe80::1 dev eth0", &q, err), 0);
	ck_assert_int_eq(q.route.nh[0].gw.family, AF_INET6);
}
END_TEST

/* A delete by its key goes straight to rtmd; by more, rtctl looks first;
 * output-only words are keys. */
START_TEST(delete_keys)
{
	static struct rtctl_req q;
	char err[256];

	ck_assert_int_eq(parse("delete 10.0.0.0/24 metric 5", &q, err), 0);
	ck_assert(!q.resolve);
	ck_assert_int_eq(parse("delete 10.0.0.0/24", &q, err), 0);
	ck_assert(q.resolve);
	ck_assert_int_eq(parse("delete 10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5", &q,
	                       err), 0);
	ck_assert(q.resolve);
	ck_assert_uint_eq(q.sel.given & (SEL_VIA | SEL_DEV | SEL_PROTO | SEL_METRIC),
	                  SEL_VIA | SEL_DEV | SEL_PROTO | SEL_METRIC);
	ck_assert_str_eq(q.sel.proto, "rtctl");
	ck_assert_int_eq(parse("del 10.20.0.0/16 proto bgp metric 20 nexthop via 192.0.2.1 dev eth0 "
	                       "weight 1 nexthop via 192.0.2.2 dev eth1 weight 3 linkdown", &q, err), 0);
	ck_assert_uint_eq(q.route.nh_count, 2);
	ck_assert(q.sel.given & SEL_NEXTHOPS);
	ck_assert(q.sel.given & SEL_NHFLAGS);
	ck_assert_int_eq(parse("del blackhole 2001:db8::/48 dev lo proto rtctl metric 1024 pref medium",
	                       &q, err), 0);
	ck_assert(!(q.sel.given & SEL_DEV));
	ck_assert_int_eq(parse("neigh del 192.0.2.7 dev eth0", &q, err), 0);
	ck_assert(!q.resolve);
	ck_assert_int_eq(parse("neigh del 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 REACHABLE "
	                       "proto rtctl", &q, err), 0);
	ck_assert(q.resolve);
	ck_assert_uint_eq(q.sel.state, NUD_REACHABLE);
	ck_assert_int_eq(parse("neigh del 192.0.2.7", &q, err), -1);
}
END_TEST

/* Selectors take what ip's filters take. */
START_TEST(selectors)
{
	static struct rtctl_req q, a;
	char err[256];

	ck_assert_int_eq(parse("add 10.1.0.0/16 via 192.0.2.1 dev eth0 metric 5", &a, err), 0);
	ck_assert_int_eq(parse("list dev eth0", &q, err), 0);
	ck_assert_int_eq(q.nrec, 0);
	ck_assert(rtctl_sel_route(&q.sel, &a.route, NULL));
	ck_assert_int_eq(parse("list dev eth1", &q, err), 0);
	ck_assert(!rtctl_sel_route(&q.sel, &a.route, NULL));
	ck_assert_int_eq(parse("list root 10/8", &q, err), 0);
	ck_assert_int_eq(q.nrec, 1);
	ck_assert_uint_eq(q.flags, RT_F_LIST_ROOT);
	ck_assert(rtctl_sel_route(&q.sel, &a.route, NULL));
	ck_assert_int_eq(parse("list match 10.1.2.3", &q, err), 0);
	ck_assert(rtctl_sel_route(&q.sel, &a.route, NULL));
	ck_assert_int_eq(parse("list exact 10/8", &q, err), 0);
	ck_assert(!rtctl_sel_route(&q.sel, &a.route, NULL));
	ck_assert_int_eq(parse("list proto rtctl via 192.0.2.1 metric 5 type unicast", &q, err), 0);
	ck_assert(rtctl_sel_route(&q.sel, &a.route, NULL));
	ck_assert_int_eq(parse("list proto kernel", &q, err), 0);
	ck_assert(!rtctl_sel_route(&q.sel, &a.route, NULL));
	ck_assert_int_eq(parse("list default", &q, err), 0);
	ck_assert(q.sel.any_family);
	ck_assert_int_eq(q.nrec, 0);
	ck_assert_int_eq(parse("list all", &q, err), 0);
	ck_assert(rtctl_sel_route(&q.sel, &a.route, NULL));
	ck_assert_int_eq(parse("list nexthop via 192.0.2.1", &q, err), -1);
	ck_assert_int_eq(parse("list proto nosuchname", &q, err), -1);

	ck_assert_int_eq(parse("neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0", &a, err), 0);
	a.neigh.state = NUD_PERMANENT;
	ck_assert_int_eq(parse("neigh list 192.0.2.0/24 dev eth0 nud permanent proto rtctl", &q, err), 0);
	ck_assert(rtctl_sel_neigh(&q.sel, &a.neigh));
	ck_assert_int_eq(parse("neigh list 02:00:00:00:00:07", &q, err), 0);
	ck_assert(rtctl_sel_neigh(&q.sel, &a.neigh));
	ck_assert_int_eq(parse("neigh show nud stale", &q, err), 0);
	ck_assert(!rtctl_sel_neigh(&q.sel, &a.neigh));
	ck_assert_int_eq(parse("neigh show nud all", &q, err), 0);
	ck_assert(rtctl_sel_neigh(&q.sel, &a.neigh));
	ck_assert_int_eq(parse("neigh get 192.0.2.7 dev eth1", &q, err), 0);
	ck_assert(!rtctl_sel_neigh(&q.sel, &a.neigh));
}
END_TEST

/* ip's messages: NEXT_ARG, invarg, duparg, garbage. */
START_TEST(messages)
{
	static struct rtctl_req q;
	char err[256];

	ck_assert_int_eq(parse("add 10/8 dev", &q, err), -1);
	ck_assert_str_eq(err, "\"dev\" needs a value (the command line is not complete)");
	ck_assert_int_eq(parse("add 10/8 dev eth0 metric -1", &q, err), -1);
	ck_assert_str_eq(err, "argument \"-1\" is wrong: \"metric\" value is invalid (0..4294967295)");
	ck_assert_int_eq(parse("add 10/8 dev eth0 dev eth1", &q, err), -1);
	ck_assert_str_eq(err, "duplicate \"dev\": \"eth1\" is the second value");
	ck_assert_int_eq(parse("add 10/8 dev eth0 frob", &q, err), -1);
	ck_assert_str_eq(err, "either \"to\" is duplicate, or \"frob\" is a garbage word here");
}
END_TEST

START_TEST(split_comments)
{
	char line[] = "  add 10.0.0.0/8\tdev eth0   # a comment\n";
	char blank[] = "   # only a comment\n";
	char many[] = "a b c d";
	char *w[8];

	ck_assert_int_eq(rtctl_split(line, w, 8), 4);
	ck_assert_str_eq(w[0], "add");
	ck_assert_str_eq(w[3], "eth0");
	ck_assert_int_eq(rtctl_split(blank, w, 8), 0);
	ck_assert_int_eq(rtctl_split(many, w, 3), 4);   /* more than max */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rtctl_parse");
	TCase *tc = tcase_create("grammar");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, route_add_full);
	tcase_add_test(tc, route_aliases);
	tcase_add_test(tc, route_get);
	tcase_add_test(tc, route_refusals);
	tcase_add_test(tc, arp_commands);
	tcase_add_test(tc, route_new_words);
	tcase_add_test(tc, listed_lines_parse_back);
	tcase_add_test(tc, abbreviations);
	tcase_add_test(tc, prefixes);
	tcase_add_test(tc, delete_keys);
	tcase_add_test(tc, selectors);
	tcase_add_test(tc, messages);
	tcase_add_test(tc, split_comments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
