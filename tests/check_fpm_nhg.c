/* check_fpm_nhg.c - zebra's next-hop groups: the captured announcements
 * resolved, and the kernel's rules for replace, delete and members. */
#include <arpa/inet.h>
#include <check.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpm_frame.h"
#include "fpm_nhg.h"

static int apply_nh(void *ctx, const struct nlmsghdr *h)
{
	struct fpm_nhg *t = ctx;
	char why[200];
	uint32_t id;

	if (h->nlmsg_type != RTM_NEWNEXTHOP && h->nlmsg_type != RTM_DELNEXTHOP)
		return 0;
	ck_assert_msg(fpm_nhg_check(t, h, &id, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(fpm_nhg_apply(t, h), 0);
	return 0;
}

static void feed_fixture(struct fpm_nhg *t, const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[512], why[200];
	struct fpm_stream s;
	const void *pl;
	size_t len, room, n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fpm/fixtures/%s", top ? top : ".", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (set top_srcdir)", path);
	ck_assert_int_eq(fpm_stream_init(&s), 0);
	uint8_t *p = fpm_stream_space(&s, &room);
	n = fread(p, 1, room, f);
	fclose(f);
	fpm_stream_commit(&s, n);
	while (fpm_stream_next(&s, &pl, &len, why, sizeof(why)) == 1)
		ck_assert_int_eq(fpm_frame_walk(pl, len, apply_nh, t, why, sizeof(why)), 0);
	ck_assert_uint_eq(fpm_stream_pending(&s), 0);
	fpm_stream_free(&s);
}

static void check_v4(const struct fpm_nh *nh, const char *gw, uint32_t ifindex, uint16_t weight)
{
	char a[INET6_ADDRSTRLEN];

	ck_assert_uint_eq(nh->family, AF_INET);
	ck_assert_str_eq(inet_ntop(AF_INET, nh->gw, a, sizeof(a)), gw);
	ck_assert_uint_eq(nh->ifindex, ifindex);
	ck_assert_uint_eq(nh->weight, weight);
}

START_TEST(test_captured)
{
	static const char *const steps[] = {
		"nhg-00-connect.bin", "nhg-01-single.bin", "nhg-02-ecmp.bin", "nhg-03-blackhole.bin",
		"nhg-04-devroute.bin", "nhg-05-ipv6.bin", "nhg-06-change.bin", "nhg-07-table100.bin",
		"nhg-08-distance.bin", "nhg-09-ecmp32.bin",
	};
	struct fpm_nhg *t = fpm_nhg_new();
	struct fpm_nh nh[FPM_NH_MAX];
	uint16_t n;
	bool bh;
	char why[200], a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		feed_fixture(t, steps[i]);
	/* 12: 192.0.2.10 on fpmv0 (ifindex 3 in the capture's namespace). */
	ck_assert_int_eq(fpm_nhg_resolve(t, 12, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(n, 1);
	ck_assert(!bh);
	check_v4(&nh[0], "192.0.2.10", 3, 1);
	/* 16: the ECMP group of 12 and 17. */
	ck_assert_int_eq(fpm_nhg_resolve(t, 16, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(n, 2);
	check_v4(&nh[0], "192.0.2.10", 3, 1);
	check_v4(&nh[1], "198.51.100.10", 2, 1);
	ck_assert(fpm_nhg_uses(t, 16, 17));
	ck_assert(!fpm_nhg_uses(t, 16, 5));
	/* 20: a blackhole. */
	ck_assert_int_eq(fpm_nhg_resolve(t, 20, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert(bh);
	ck_assert_uint_eq(n, 0);
	/* 23: a device route's next hop, no gateway. */
	ck_assert_int_eq(fpm_nhg_resolve(t, 23, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(nh[0].family, 0);
	ck_assert_uint_eq(nh[0].ifindex, 3);
	/* 29: IPv6 ECMP. */
	ck_assert_int_eq(fpm_nhg_resolve(t, 29, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(nh[1].family, AF_INET6);
	ck_assert_str_eq(inet_ntop(AF_INET6, nh[1].gw, a, sizeof(a)), "2001:db8:1::10");
	/* 154: the 32-way group, grown one path at a time. */
	ck_assert_int_eq(fpm_nhg_resolve(t, 154, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(n, 32);
	for (uint16_t i = 0; i < 32; i++) {
		char want[20];
		snprintf(want, sizeof(want), "192.0.2.%u", 10u + i);
		check_v4(&nh[i], want, 3, 1);
	}
	ck_assert_int_eq(fpm_nhg_resolve(t, 99999, nh, &n, &bh, why, sizeof(why)), 0);
	/* zebra restarted: groups it read back from the kernel come with
	 * weight byte 255 (= 256), and unused ones are deleted. */
	feed_fixture(t, "nhg-12-restart-replay.bin");
	ck_assert_int_eq(fpm_nhg_resolve(t, 98, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(n, 22);
	ck_assert_uint_eq(nh[0].weight, 256);
	ck_assert_int_eq(fpm_nhg_resolve(t, 175, nh, &n, &bh, why, sizeof(why)), 0);
	ck_assert_int_eq(fpm_nhg_resolve(t, 221, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(n, 32);
	fpm_nhg_clear(t);
	ck_assert_uint_eq(fpm_nhg_count(t), 0);
	ck_assert_int_eq(fpm_nhg_resolve(t, 12, nh, &n, &bh, why, sizeof(why)), 0);
	fpm_nhg_free(t);
}
END_TEST

/* Build a next-hop message. */
struct msg {
	union {
		struct nlmsghdr h;
		uint8_t b[4096];
	};
};

static void put_attr(struct msg *m, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(m->b + NLMSG_ALIGN(m->h.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	m->h.nlmsg_len = NLMSG_ALIGN(m->h.nlmsg_len) + a->nla_len;
}

static void begin(struct msg *m, uint16_t type, uint8_t family, uint32_t id)
{
	struct nhmsg nhm = { .nh_family = family };

	memset(m, 0, sizeof(*m));
	m->h.nlmsg_type = type;
	m->h.nlmsg_len = NLMSG_LENGTH(sizeof(nhm));
	memcpy(NLMSG_DATA(&m->h), &nhm, sizeof(nhm));
	put_attr(m, NHA_ID, &id, 4);
}

static void single(struct fpm_nhg *t, uint32_t id, const char *gw, uint32_t oif)
{
	struct msg m;
	uint8_t a[4];
	char why[200];
	uint32_t got;

	begin(&m, RTM_NEWNEXTHOP, AF_INET, id);
	inet_pton(AF_INET, gw, a);
	put_attr(&m, NHA_GATEWAY, a, 4);
	put_attr(&m, NHA_OIF, &oif, 4);
	ck_assert_msg(fpm_nhg_check(t, &m.h, &got, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(got, id);
	ck_assert_int_eq(fpm_nhg_apply(t, &m.h), 0);
}

static void group(struct fpm_nhg *t, uint32_t id, const uint32_t *ids, const uint8_t *w, size_t n)
{
	struct nexthop_grp g[FPM_NH_MAX + 1];
	struct msg m;
	char why[200];
	uint32_t got;

	memset(g, 0, sizeof(g));
	for (size_t i = 0; i < n; i++) {
		g[i].id = ids[i];
		g[i].weight = w ? w[i] : 0;
	}
	begin(&m, RTM_NEWNEXTHOP, 0, id);
	put_attr(&m, NHA_GROUP, g, (uint16_t)(n * sizeof(g[0])));
	ck_assert_msg(fpm_nhg_check(t, &m.h, &got, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(fpm_nhg_apply(t, &m.h), 0);
}

static void del(struct fpm_nhg *t, uint32_t id)
{
	struct msg m;
	char why[200];
	uint32_t got;

	begin(&m, RTM_DELNEXTHOP, 0, id);
	ck_assert_int_eq(fpm_nhg_check(t, &m.h, &got, why, sizeof(why)), 0);
	ck_assert_int_eq(fpm_nhg_apply(t, &m.h), 0);
}

START_TEST(test_kernel_rules)
{
	struct fpm_nhg *t = fpm_nhg_new();
	struct fpm_nh nh[FPM_NH_MAX];
	uint32_t ids[] = { 1, 2, 3 };
	uint8_t w[] = { 0, 4, 255 };
	uint16_t n;
	bool bh;
	char why[200];

	single(t, 1, "192.0.2.1", 7);
	single(t, 2, "192.0.2.2", 7);
	single(t, 3, "192.0.2.3", 8);
	group(t, 10, ids, w, 3);
	ck_assert_int_eq(fpm_nhg_resolve(t, 10, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(nh[0].weight, 1);
	ck_assert_uint_eq(nh[1].weight, 5);
	ck_assert_uint_eq(nh[2].weight, 256);
	/* Replacing a member changes the group. */
	single(t, 2, "192.0.2.22", 9);
	ck_assert_int_eq(fpm_nhg_resolve(t, 10, nh, &n, &bh, why, sizeof(why)), 1);
	check_v4(&nh[1], "192.0.2.22", 9, 5);
	/* A deleted member leaves the group; the last one takes it along. */
	del(t, 2);
	ck_assert_int_eq(fpm_nhg_resolve(t, 10, nh, &n, &bh, why, sizeof(why)), 1);
	ck_assert_uint_eq(n, 2);
	check_v4(&nh[1], "192.0.2.3", 8, 256);
	del(t, 1);
	del(t, 3);
	ck_assert_int_eq(fpm_nhg_resolve(t, 10, nh, &n, &bh, why, sizeof(why)), 0);
	ck_assert_uint_eq(fpm_nhg_count(t), 0);
	/* Deleting what does not exist is no error (zebra's replay). */
	del(t, 42);
	/* A group whose member never came resolves to an error naming it. */
	group(t, 11, ids, NULL, 1);
	ck_assert_int_eq(fpm_nhg_resolve(t, 11, nh, &n, &bh, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "next-hop group 11: member 1 is unknown");
	fpm_nhg_free(t);
}
END_TEST

START_TEST(test_many)
{
	struct fpm_nhg *t = fpm_nhg_new();
	struct fpm_nh nh[FPM_NH_MAX];
	uint16_t n;
	bool bh;
	char why[200];

	/* Growth, then deletion of every other id: the rest is still found
	 * (backward-shift deletion keeps probe runs whole). */
	for (uint32_t id = 1; id <= 20000; id++)
		single(t, id * 7, "192.0.2.1", id);
	for (uint32_t id = 2; id <= 20000; id += 2)
		del(t, id * 7);
	ck_assert_uint_eq(fpm_nhg_count(t), 10000);
	for (uint32_t id = 1; id <= 20000; id++) {
		int rc = fpm_nhg_resolve(t, id * 7, nh, &n, &bh, why, sizeof(why));
		ck_assert_int_eq(rc, id % 2 ? 1 : 0);
		if (rc == 1)
			ck_assert_uint_eq(nh[0].ifindex, id);
	}
	fpm_nhg_free(t);
}
END_TEST

static void refused(const struct msg *m, const char *what)
{
	struct fpm_nhg *t = fpm_nhg_new();
	char why[200] = "";
	uint32_t id;

	ck_assert_int_eq(fpm_nhg_check(t, &m->h, &id, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, what), "\"%s\" does not say \"%s\"", why, what);
	fpm_nhg_free(t);
}

START_TEST(test_malformed)
{
	struct msg m;
	uint32_t zero = 0, one = 1, self = 5;
	uint8_t six[6] = { 0 };
	struct nexthop_grp g[2] = { { .id = 1 }, { .id = 5 } };

	begin(&m, RTM_NEWNEXTHOP, AF_INET, 5);
	refused(&m, "no gateway, no interface");
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct nhmsg));
	refused(&m, "without a 4-byte NHA_ID");
	m.h.nlmsg_len = NLMSG_LENGTH(2);
	refused(&m, "without its nhmsg");
	begin(&m, RTM_NEWNEXTHOP, AF_INET, 0);
	refused(&m, "id 0");
	begin(&m, RTM_NEWNEXTHOP, AF_INET, 5);
	put_attr(&m, NHA_GATEWAY, six, 6);
	refused(&m, "a 6-byte gateway for family 2");
	begin(&m, RTM_NEWNEXTHOP, 0, 5);
	put_attr(&m, NHA_GATEWAY, six, 4);
	refused(&m, "a 4-byte gateway for family 0");
	begin(&m, RTM_NEWNEXTHOP, AF_INET, 5);
	put_attr(&m, NHA_OIF, six, 2);
	refused(&m, "NHA_OIF of 2 bytes");
	begin(&m, RTM_NEWNEXTHOP, 0, 5);
	put_attr(&m, NHA_GROUP, g, 12);
	refused(&m, "NHA_GROUP of 12 bytes");
	begin(&m, RTM_NEWNEXTHOP, 0, 5);
	put_attr(&m, NHA_GROUP, g, 16);
	refused(&m, "member 2 has id 5");
	begin(&m, RTM_NEWNEXTHOP, 0, 5);
	put_attr(&m, NHA_OIF, &one, 4);
	m.h.nlmsg_len += 2;
	refused(&m, "2 stray bytes");
	begin(&m, RTM_NEWNEXTHOP, 0, 5);
	put_attr(&m, NHA_OIF, &one, 4);
	((struct nlattr *)(m.b + NLMSG_LENGTH(sizeof(struct nhmsg)) + 8))->nla_len = 200;
	refused(&m, "claims 200 bytes");
	begin(&m, RTM_NEWROUTE, 0, 5);
	refused(&m, "not a next-hop message");
	(void)zero;
	(void)self;
}
END_TEST

int main(void)
{
	Suite *su = suite_create("fpm_nhg");
	TCase *tc = tcase_create("fpm_nhg");
	SRunner *sr;
	int failed;

	/* test_many takes ~3 s under ASan; 4 s (Check's default) fails on a busy machine. */
	tcase_set_timeout(tc, 60);

	tcase_add_test(tc, test_captured);
	tcase_add_test(tc, test_kernel_rules);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
