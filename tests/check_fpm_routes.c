/* check_fpm_routes.c - zebra's routes on next-hop groups: a group replaced
 * in place re-resolves its own routes (and those of the groups holding it)
 * and no other, however many routes the table holds. */
#include <arpa/inet.h>
#include <check.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpm_nhg.h"
#include "fpm_routes.h"
#include "route_table.h"
#include "tables.h"

static char dir[64];
static struct tables *t;
static struct fpm_routes *fr;
static struct fpm_nhg *nhg;
static struct rt_route *r;      /* scratch (9 KiB) */

static void setup(void)
{
	char err[256] = "";

	strcpy(dir, "/tmp/check_fpm_routes.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_msg(tables_open(&t, dir, 1024, 16, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(fr = fpm_routes_new(t, NULL, RT_TABLE_MAIN));
	ck_assert_ptr_nonnull(nhg = fpm_nhg_new());
	ck_assert_ptr_nonnull(r = malloc(rt_route_size(RT_NH_MAX)));
}

static void teardown(void)
{
	static const char *const names[] = { "arp.store", "routes.store", "routes16.store",
	                                     "routes256.store" };
	char p[256];

	free(r);
	fpm_routes_free(fr);
	fpm_nhg_free(nhg);
	tables_close(t);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* ---- messages as zebra sends them --------------------------------------------- */

struct msg {
	union {
		struct nlmsghdr h;
		uint8_t b[512];
	};
};

static void *msg_start(struct msg *m, uint16_t type, uint16_t flags, const void *body, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->h.nlmsg_type = type;
	m->h.nlmsg_flags = flags;
	m->h.nlmsg_len = NLMSG_LENGTH(len);
	memcpy(NLMSG_DATA(&m->h), body, len);
	m->h.nlmsg_len = NLMSG_ALIGN(m->h.nlmsg_len);
	return m;
}

static void attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(m->b + m->h.nlmsg_len);

	ck_assert_uint_le(m->h.nlmsg_len + RTA_SPACE(len), sizeof(m->b));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	m->h.nlmsg_len += RTA_SPACE(len);
}

/* Apply m as a frame of its own; it must be taken. */
static void feed(const struct msg *m)
{
	size_t n, ignored;
	char why[200] = "";

	ck_assert_msg(fpm_routes_frame(fr, nhg, m, m->h.nlmsg_len, &n, &ignored, why,
	                               sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(n, 1);
}

/* Next hop id: gateway 10.255.0.0 + gw, no interface. */
static void nh_single(uint32_t id, uint32_t gw)
{
	struct nhmsg nh = { .nh_family = AF_INET, .nh_protocol = 11 };
	uint32_t a = htonl(0x0aff0000u | gw);
	struct msg m;

	msg_start(&m, RTM_NEWNEXTHOP, 0x501, &nh, sizeof(nh));
	attr(&m, NHA_ID, &id, 4);
	attr(&m, NHA_GATEWAY, &a, 4);
	feed(&m);
}

static void nh_group(uint32_t id, uint32_t a, uint32_t b)
{
	struct nhmsg nh = { .nh_family = AF_UNSPEC, .nh_protocol = 11 };
	struct nexthop_grp g[2] = { { .id = a }, { .id = b } };
	struct msg m;

	msg_start(&m, RTM_NEWNEXTHOP, 0x501, &nh, sizeof(nh));
	attr(&m, NHA_ID, &id, 4);
	attr(&m, NHA_GROUP, g, sizeof(g));
	feed(&m);
}

/* 10.x.y.0/24 proto bgp metric 20 on group id. */
static void route_on(uint32_t dst, uint32_t id)
{
	struct rtmsg rm = { .rtm_family = AF_INET, .rtm_dst_len = 24, .rtm_table = RT_TABLE_MAIN,
	                    .rtm_protocol = 186, .rtm_type = RTN_UNICAST };
	uint32_t a = htonl(0x0a000000u | dst << 8), prio = 20;
	struct msg m;

	msg_start(&m, RTM_NEWROUTE, 0x501, &rm, sizeof(rm));
	attr(&m, RTA_DST, &a, 4);
	attr(&m, RTA_PRIORITY, &prio, 4);
	attr(&m, RTA_NH_ID, &id, 4);
	feed(&m);
}

static void route_del(uint32_t dst)
{
	struct rtmsg rm = { .rtm_family = AF_INET, .rtm_dst_len = 24, .rtm_table = RT_TABLE_MAIN,
	                    .rtm_protocol = 186 };
	uint32_t a = htonl(0x0a000000u | dst << 8), prio = 20;
	struct msg m;

	msg_start(&m, RTM_DELROUTE, 0x401, &rm, sizeof(rm));
	attr(&m, RTA_DST, &a, 4);
	attr(&m, RTA_PRIORITY, &prio, 4);
	feed(&m);
}

/* The first gateway of 10.x.y.0/24's route, as its last byte pair. */
static uint32_t gw_of(uint32_t dst)
{
	struct rt_prefix p = { .addr = { .family = AF_INET }, .len = 24 };
	uint32_t a = htonl(0x0a000000u | dst << 8), g;

	memcpy(p.addr.bytes, &a, 4);
	ck_assert_int_eq(route_table_find(tables_routes(t), &p, 20, rt_disc_make(RT_DISC_KERNEL, 0, 0),
	                                  r, NULL), RT_OK);
	ck_assert_uint_ge(r->nh_count, 1);
	memcpy(&g, r->nh[0].gw.bytes, 4);
	return ntohl(g) & 0xffff;
}

static uint64_t visits(void)
{
	struct fpm_routes_stats st;

	fpm_routes_stats(fr, &st);
	return st.group_route_visits;
}

/* ---- tests ------------------------------------------------------------------------ */

enum { SINGLES = 400, PAIRS = 100, PER = 20 };

/* Route r of group slot s: singles s = 0..SINGLES-1 are next hops
 * 1..SINGLES, pairs s = SINGLES.. groups 1001.. of next hops (k, k+200). */
static uint32_t dst_of(uint32_t s, uint32_t r)
{
	return 1 + s * PER + r;
}

START_TEST(test_replace_touches_its_routes)
{
	uint64_t ev, v;

	for (uint32_t i = 1; i <= SINGLES; i++)
		nh_single(i, i);
	for (uint32_t k = 1; k <= PAIRS; k++)
		nh_group(1000 + k, k, k + 200);
	nh_single(9999, 9999);          /* used by no route */
	for (uint32_t s = 0; s < SINGLES + PAIRS; s++)
		for (uint32_t r = 0; r < PER; r++)
			route_on(dst_of(s, r), s < SINGLES ? s + 1 : 1000 + (s - SINGLES + 1));
	ck_assert_uint_eq(tables_fpm_routes(t), (SINGLES + PAIRS) * PER);
	ck_assert_uint_eq(visits(), 0);
	ck_assert_uint_eq(gw_of(dst_of(6, 0)), 7);

	/* Next hop 7 gets another gateway: its 20 routes and the 20 of group
	 * 1007 (7 and 207) change; of 10 000 routes, 40 are looked at. */
	ev = tables_event_seq(t);
	nh_single(7, 4000);
	ck_assert_uint_eq(visits(), 2 * PER);
	ck_assert_uint_eq(tables_event_seq(t) - ev, 2 * PER);
	for (uint32_t r = 0; r < PER; r++) {
		ck_assert_uint_eq(gw_of(dst_of(6, r)), 4000);
		ck_assert_uint_eq(gw_of(dst_of(SINGLES + 6, r)), 207);  /* sorted: .0.207 first */
	}
	ck_assert_uint_eq(gw_of(dst_of(7, 0)), 8);

	/* The same again: looked at, nothing changes. */
	ev = tables_event_seq(t);
	v = visits();
	nh_single(7, 4000);
	ck_assert_uint_eq(visits() - v, 2 * PER);
	ck_assert_uint_eq(tables_event_seq(t) - ev, 0);

	/* A group (not a member of any): its own routes only. */
	v = visits();
	nh_group(1050, 50, 51);
	ck_assert_uint_eq(visits() - v, PER);
	ck_assert_uint_eq(tables_event_seq(t) - ev, PER);

	/* A next hop no route uses: nothing looked at. */
	v = visits();
	nh_single(9999, 9998);
	ck_assert_uint_eq(visits() - v, 0);

	/* Routes that leave a group (deleted, or moved to another) are no
	 * longer its: next hop 8 loses one route to a delete, one to group 9. */
	route_del(dst_of(7, 0));
	route_on(dst_of(7, 1), 9);
	v = visits();
	nh_single(8, 4001);
	ck_assert_uint_eq(visits() - v, PER - 2 + PER);         /* and group 1008's */
	ck_assert_uint_eq(gw_of(dst_of(7, 1)), 9);
	ck_assert_uint_eq(gw_of(dst_of(7, 2)), 4001);
	v = visits();
	nh_single(9, 4002);
	ck_assert_uint_eq(visits() - v, PER + 1 + PER);
	ck_assert_uint_eq(gw_of(dst_of(7, 1)), 4002);

	/* The end of the grace time takes everything, the index too. */
	ck_assert_uint_eq(fpm_routes_sweep(fr, true), (SINGLES + PAIRS) * PER - 1);
	v = visits();
	nh_single(9, 4003);
	ck_assert_uint_eq(visits() - v, 0);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("fpm_routes");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_replace_touches_its_routes);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
