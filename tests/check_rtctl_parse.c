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
		"add 10.0.0.0/24 dev eth0 table 5",  /* unknown word */
		"delete 10.0.0.0/24 via 192.0.2.1",  /* key only */
		"list root",
		"list 10.0.0.0/24 extra",
		"frobnicate",
		"route",
		"route frobnicate",
		"flush",
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
	ck_assert_int_eq(parse("arp", &q, err), -1);
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
	ck_assert_int_eq(q.cmd, CMD_ROUTE_REPLACE);
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
	tcase_add_test(tc, split_comments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
