/* check_netlink.c - the rtnetlink module against the real kernel, in a
 * private network namespace: batched requests and their acknowledgements
 * matched to cookies, the kernel's refusals with their extended-ack text,
 * serialised dumps, events and who caused them, ENOBUFS with a tiny
 * receive buffer, the window; then the receive path and the attribute
 * parser fed hostile bytes.  Needs root (unshare(CLONE_NEWNET)); skips
 * with 77 otherwise. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlink.h"

#define MAXC 8192

struct rec {
	int done[MAXC];         /* 0: not yet; 1: answered */
	int error[MAXC];
	char text[MAXC][64];
	size_t n_done, n_msgs, n_events, n_own_events;
	size_t dump_routes[4];  /* per dump cookie 1000 + i */
	uint32_t own_portid;
	uint64_t order[MAXC];   /* cookies in the order answered */
};

static struct rec R;

static void on_msg(void *ctx, uint64_t cookie, const struct nlmsghdr *h)
{
	struct rec *r = ctx;

	r->n_msgs++;
	if (cookie == NL_EVENT) {
		r->n_events++;
		if (h->nlmsg_pid == r->own_portid)
			r->n_own_events++;
		return;
	}
	if (cookie >= 1000 && cookie < 1004 && h->nlmsg_type == RTM_NEWROUTE)
		r->dump_routes[cookie - 1000]++;
	/* Serialised: no part of a dump before the previous one ended. */
	if (cookie > 1000 && cookie < 1004)
		ck_assert_int_eq(r->done[cookie - 1], 1);
}

static void on_done(void *ctx, uint64_t cookie, int error, const char *text)
{
	struct rec *r = ctx;

	ck_assert_uint_lt(cookie, MAXC);
	ck_assert_int_eq(r->done[cookie], 0);
	r->done[cookie] = 1;
	r->error[cookie] = error;
	snprintf(r->text[cookie], sizeof(r->text[cookie]), "%s", text);
	r->order[r->n_done++] = cookie;
}

static const struct nl_handler H = { &R, on_msg, on_done };

static void setup(void)
{
	memset(&R, 0, sizeof(R));
}

static struct nl_sock *open_req(unsigned window)
{
	struct nl_sock *s;
	char err[256];

	ck_assert_msg(nl_open(&s, NULL, 0, 1 << 20, window, err, sizeof(err)) == 0, "%s", err);
	return s;
}

/* Queue adding (or deleting) 10.A.B.0/24 dev ifindex (0: via 192.0.2.1),
 * cookie c. */
static void queue_route(struct nl_sock *s, uint16_t type, uint16_t flags, uint32_t a, uint32_t b,
                        uint32_t oif, uint64_t c)
{
	static const uint8_t gw[4] = { 192, 0, 2, 1 };
	struct nlmsghdr *h = nl_msg_begin(s, type, flags, c, 64);
	struct rtmsg *rm;
	uint8_t dst[4] = { 10, (uint8_t)a, (uint8_t)b, 0 };

	ck_assert_ptr_nonnull(h);
	rm = mnl_nlmsg_put_extra_header(h, sizeof(*rm));
	rm->rtm_family = AF_INET;
	rm->rtm_dst_len = 24;
	rm->rtm_table = RT_TABLE_MAIN;
	rm->rtm_protocol = 200;
	rm->rtm_scope = RT_SCOPE_LINK;
	rm->rtm_type = RTN_UNICAST;
	ck_assert(mnl_attr_put_check(h, nl_msg_limit(64), RTA_DST, 4, dst));
	if (oif)
		ck_assert(mnl_attr_put_u32_check(h, nl_msg_limit(64), RTA_OIF, oif));
	else
		ck_assert(mnl_attr_put_check(h, nl_msg_limit(64), RTA_GATEWAY, 4, gw));
	rm->rtm_scope = oif ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	nl_msg_end(s, h);
}

/* Flush, then read until nothing is in flight (bounded). */
static int run(struct nl_sock *s)
{
	int rc = 0;

	for (int i = 0; i < 100000 && nl_busy(s); i++) {
		int r = nl_flush(s, 64, &H);

		ck_assert_int_ge(r, 0);
		if (r == NL_RESYNC)
			rc = r;
		r = nl_read(s, 4096, &H);
		ck_assert_int_ge(r, 0);
		if (r == NL_RESYNC)
			rc = r;
		if (nl_busy(s))
			usleep(100);
	}
	ck_assert_uint_eq(nl_busy(s), 0);
	return rc;
}

static void link_up(struct nl_sock *s, int ifindex, uint64_t c)
{
	struct nlmsghdr *h = nl_msg_begin(s, RTM_NEWLINK, 0, c, 64);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	nl_msg_end(s, h);
}

START_TEST(batch_acks_match_cookies)
{
	struct nl_sock *s = open_req(4096);

	link_up(s, 1, 0);
	for (uint32_t i = 1; i <= 3000; i++)
		queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, i / 256, i % 256, 1, i);
	ck_assert_uint_eq(nl_queued(s), 3001);
	ck_assert_int_eq(run(s), 0);
	ck_assert_uint_eq(R.n_done, 3001);
	for (uint32_t i = 0; i <= 3000; i++) {
		ck_assert_int_eq(R.done[i], 1);
		ck_assert_msg(R.error[i] == 0, "cookie %u: %d %s", i, R.error[i], R.text[i]);
		ck_assert_uint_eq(R.order[i], i);
	}
	/* 64 a sendmsg, as asked. */
	ck_assert_uint_le(nl_stats(s)->sends, 3001 / 64 + 2);
	ck_assert_uint_eq(nl_stats(s)->acked, 3001);
	ck_assert_uint_eq(nl_stats(s)->failed, 0);
	for (uint32_t i = 1; i <= 3000; i++)
		queue_route(s, RTM_DELROUTE, 0, i / 256, i % 256, 1, i);
	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(run(s), 0);
	for (uint32_t i = 1; i <= 3000; i++)
		ck_assert_int_eq(R.error[i], 0);
	nl_close(s);
}
END_TEST

START_TEST(refusals_carry_errno_and_text)
{
	struct nl_sock *s = open_req(4096);

	link_up(s, 1, 0);
	queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 200, 1, 1, 1);
	queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 200, 1, 1, 2);     /* exists */
	queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 200, 2, 9999, 3);  /* no such device */
	queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 200, 3, 1, 4);
	queue_route(s, RTM_DELROUTE, 0, 200, 9, 1, 5);                             /* not there */
	queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 200, 4, 0, 6);     /* unreachable gw */
	ck_assert_int_eq(run(s), 0);
	ck_assert_int_eq(R.error[1], 0);
	ck_assert_int_eq(R.error[2], -EEXIST);
	ck_assert_int_eq(R.error[3], -ENODEV);
	ck_assert_int_eq(R.error[4], 0);
	ck_assert_int_eq(R.error[5], -ESRCH);
	/* Linux explains a refused gateway in words. */
	ck_assert_int_eq(R.error[6], -ENETUNREACH);
	ck_assert_str_eq(R.text[6], "Nexthop has invalid gateway");
	ck_assert_uint_eq(nl_stats(s)->failed, 4);
	nl_close(s);
}
END_TEST

static void queue_dump(struct nl_sock *s, uint64_t c)
{
	struct nlmsghdr *h = nl_msg_begin(s, RTM_GETROUTE, NLM_F_DUMP, c, 64);
	struct rtmsg *rm = mnl_nlmsg_put_extra_header(h, sizeof(*rm));

	rm->rtm_family = AF_INET;
	nl_msg_end(s, h);
}

START_TEST(dumps_are_serialised)
{
	struct nl_sock *s = open_req(4096);

	link_up(s, 1, 0);
	for (uint32_t i = 0; i < 2000; i++)
		queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 100 + i / 256, i % 256, 1, 3000 + i);
	/* Two dumps and a request between them: the second dump waits for
	 * the first to end, the request does not wait for either. */
	queue_dump(s, 1000);
	queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 250, 0, 1, 6000);
	queue_dump(s, 1001);
	ck_assert_int_eq(run(s), 0);
	ck_assert_int_eq(R.error[1000], 0);
	ck_assert_int_eq(R.error[1001], 0);
	ck_assert_int_eq(R.error[6000], 0);
	/* main and local tables: 2000 of ours (and the one between, which
	 * the first dump may or may not have reached), plus lo's local
	 * routes. */
	ck_assert_uint_ge(R.dump_routes[0], 2000);
	ck_assert_uint_ge(R.dump_routes[1], 2001);
	ck_assert_uint_le(R.dump_routes[1] - R.dump_routes[0], 1);
	nl_close(s);
}
END_TEST

START_TEST(events_name_who_caused_them)
{
	static const unsigned groups[] = { RTNLGRP_IPV4_ROUTE };
	struct nl_sock *s = open_req(4096), *ev;
	char err[256];

	ck_assert_msg(nl_open(&ev, groups, 1, 8 << 20, 64, err, sizeof(err)) == 0, "%s", err);
	link_up(s, 1, 0);
	run(s);
	R.own_portid = nl_portid(s);
	for (uint32_t i = 0; i < 500; i++)
		queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 30, i % 256 + 0, 1, 1 + i);
	/* 256 distinct; the rest are refused as existing, with no event. */
	ck_assert_int_eq(run(s), 0);
	for (int i = 0; i < 1000 && R.n_events < 256; i++) {
		ck_assert_int_eq(nl_read(ev, 4096, &H), 0);
		if (R.n_events < 256)
			usleep(1000);
	}
	ck_assert_uint_eq(R.n_events, 256);
	ck_assert_uint_eq(R.n_own_events, 256);
	ck_assert_uint_eq(nl_stats(ev)->events, 256);
	ck_assert_uint_eq(nl_stats(ev)->enobufs, 0);
	nl_close(ev);
	nl_close(s);
}
END_TEST

/* With the echoes of its own port dropped, a socket hears only others'. */
START_TEST(own_echoes_dropped)
{
	static const unsigned groups[] = { RTNLGRP_IPV4_ROUTE };
	struct nl_sock *s = open_req(4096), *ev;
	char err[256];

	ck_assert_msg(nl_open(&ev, groups, 1, 8 << 20, 64, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(nl_drop_port(ev, nl_portid(s), err, sizeof(err)) == 0, "%s", err);
	link_up(s, 1, 0);
	for (uint32_t i = 0; i < 100; i++)
		queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 31, i, 1, 1 + i);
	ck_assert_int_eq(run(s), 0);
	ck_assert_int_eq(system("ip route add 10.32.0.0/24 dev lo proto 77"), 0);
	for (int i = 0; i < 1000 && R.n_events == 0; i++) {
		ck_assert_int_eq(nl_read(ev, 4096, &H), 0);
		if (!R.n_events)
			usleep(1000);
	}
	/* Read on for a while: nothing of ours may follow. */
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(nl_read(ev, 4096, &H), 0);
		usleep(1000);
	}
	ck_assert_uint_eq(R.n_events, 1);
	ck_assert_uint_eq(R.n_own_events, 0);
	nl_close(ev);
	nl_close(s);
}
END_TEST

START_TEST(tiny_buffer_reports_resync)
{
	static const unsigned groups[] = { RTNLGRP_IPV4_ROUTE };
	struct nl_sock *s = open_req(4096), *ev;
	char err[256];
	int rc = 0;

	ck_assert_msg(nl_open(&ev, groups, 1, 4096, 64, err, sizeof(err)) == 0, "%s", err);
	link_up(s, 1, 0);
	for (uint32_t i = 0; i < 2000; i++)
		queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 40 + i / 256, i % 256, 1, 1 + i);
	ck_assert_int_eq(run(s), 0);
	for (int i = 0; i < 100 && rc == 0; i++)
		rc = nl_read(ev, 100000, &H);
	ck_assert_int_eq(rc, NL_RESYNC);
	ck_assert_uint_ge(nl_stats(ev)->enobufs, 1);
	ck_assert_uint_lt(R.n_events, 2000);
	/* The socket goes on: a later event still arrives. */
	memset(&R, 0, sizeof(R));
	while (nl_read(ev, 100000, &H) > 0)
		;
	memset(&R, 0, sizeof(R));
	queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 60, 0, 1, 1);
	run(s);
	for (int i = 0; i < 1000 && R.n_events == 0; i++) {
		ck_assert_int_ge(nl_read(ev, 100, &H), 0);
		if (!R.n_events)
			usleep(1000);
	}
	ck_assert_uint_eq(R.n_events, 1);
	nl_close(ev);
	nl_close(s);
}
END_TEST

START_TEST(window_bounds_unacknowledged)
{
	struct nl_sock *s = open_req(16);

	link_up(s, 1, 0);
	for (uint32_t i = 1; i <= 5000; i++)
		queue_route(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 70 + i / 256, i % 256, 1, i);
	ck_assert_int_eq(run(s), 0);
	ck_assert_uint_eq(R.n_done, 5001);
	ck_assert_uint_eq(nl_stats(s)->failed, 0);
	/* 16 at most in flight: at least 5001 / 16 sends. */
	ck_assert_uint_ge(nl_stats(s)->sends, 5001 / 16);
	nl_close(s);
}
END_TEST

/* ---- fed bytes ------------------------------------------------------------------- */

static size_t put_ack(uint8_t *buf, uint32_t seq, uint32_t portid, int error, const char *text)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED | (text ? NLM_F_ACK_TLVS : 0);
	h->nlmsg_seq = seq;
	h->nlmsg_pid = portid;
	e = mnl_nlmsg_put_extra_header(h, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_seq = seq;
	if (text)
		mnl_attr_put_strz(h, NLMSGERR_ATTR_MSG, text);
	return h->nlmsg_len;
}

START_TEST(lost_acks_complete_earlier_requests)
{
	struct nl_sock *s = open_req(4096);
	uint8_t buf[256];
	uint32_t seq0;
	struct nlmsghdr *h;

	/* Three requests queued but never sent; feed an answer for the
	 * third as if the first two had been answered and lost.  (Nothing is
	 * in flight before a send, so they are sent first.) */
	h = nl_msg_begin(s, NLMSG_NOOP, 0, 1, 0);
	seq0 = h->nlmsg_seq;
	nl_msg_end(s, h);
	h = nl_msg_begin(s, NLMSG_NOOP, 0, 2, 0);
	nl_msg_end(s, h);
	h = nl_msg_begin(s, NLMSG_NOOP, 0, 3, 0);
	nl_msg_end(s, h);
	ck_assert_int_eq(nl_flush(s, 64, &H), 0);
	/* The kernel's own acknowledgements are ignored: read them away
	 * after the fed ones. */
	nl_feed(s, buf, put_ack(buf, seq0 + 2, nl_portid(s), -EINVAL, "made up"), false, &H);
	ck_assert_int_eq(R.error[1], -ENOBUFS);
	ck_assert_int_eq(R.error[2], -ENOBUFS);
	ck_assert_int_eq(R.error[3], -EINVAL);
	ck_assert_str_eq(R.text[3], "made up");
	ck_assert_uint_eq(nl_busy(s), 0);
	ck_assert_int_eq(nl_read(s, 100, &H), 0);
	ck_assert_uint_ge(nl_stats(s)->strays, 3);
	nl_close(s);
}
END_TEST

START_TEST(hostile_replies_are_dropped)
{
	struct nl_sock *s = open_req(4096);
	uint8_t buf[512];
	struct nlmsghdr *h;
	uint32_t seq;
	size_t n;

	h = nl_msg_begin(s, NLMSG_NOOP, 0, 7, 0);
	seq = h->nlmsg_seq;
	nl_msg_end(s, h);
	ck_assert_int_eq(nl_flush(s, 64, &H), 0);
	/* A reply to another port, to an unknown seq, a truncated header,
	 * a message longer than its datagram, an error too short for its
	 * payload, an absurd errno: none completes cookie 7 wrongly. */
	n = put_ack(buf, seq, nl_portid(s) + 1, 0, NULL);
	nl_feed(s, buf, n, false, &H);
	n = put_ack(buf, seq + 100, nl_portid(s), 0, NULL);
	nl_feed(s, buf, n, false, &H);
	nl_feed(s, buf, 10, false, &H);
	n = put_ack(buf, seq, nl_portid(s), 0, NULL);
	((struct nlmsghdr *)buf)->nlmsg_len = 400;
	nl_feed(s, buf, n, false, &H);
	ck_assert_int_eq(R.done[7], 0);
	/* A length of 2^31 or more (libmnl's own check reads it as negative). */
	n = put_ack(buf, seq, nl_portid(s), 0, NULL);
	((struct nlmsghdr *)buf)->nlmsg_len = 0x80000010u;
	nl_feed(s, buf, n, false, &H);
	ck_assert_int_eq(R.done[7], 0);
	/* An error message with a truncated payload: an answer, EPROTO. */
	n = put_ack(buf, seq, nl_portid(s), 0, NULL);
	((struct nlmsghdr *)buf)->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	nl_feed(s, buf, MNL_NLMSG_HDRLEN + 2, false, &H);
	ck_assert_int_eq(R.done[7], 1);
	ck_assert_int_eq(R.error[7], -EPROTO);
	ck_assert_uint_ge(nl_stats(s)->malformed, 2);
	ck_assert_uint_ge(nl_stats(s)->strays, 2);
	/* Broken TLVs after an error are ignored, the error kept. */
	h = nl_msg_begin(s, NLMSG_NOOP, 0, 8, 0);
	seq = h->nlmsg_seq;
	nl_msg_end(s, h);
	ck_assert_int_eq(nl_flush(s, 64, &H), 0);
	n = put_ack(buf, seq, nl_portid(s), -99999, "x");
	buf[n - 8] = 0xff;     /* the attribute's length */
	nl_feed(s, buf, n, false, &H);
	ck_assert_int_eq(R.error[8], -EPROTO);
	ck_assert_str_eq(R.text[8], "");
	while (nl_read(s, 100, &H) > 0)
		;
	nl_close(s);
}
END_TEST

START_TEST(attribute_policy)
{
	static const struct nl_policy pol[RTA_MAX + 1] = {
		[RTA_DST] = { NL_A_BINARY, 4, 16 },
		[RTA_OIF] = { NL_A_U32, 0, 0 },
		[RTA_TABLE] = { NL_A_U32, 0, 0 },
	};
	const struct nlattr *tb[RTA_MAX + 1];
	uint8_t buf[256] __attribute__((aligned(4)));
	struct nlmsghdr *h;
	struct rtmsg *rm;
	char why[128];

	memset(buf, 0, sizeof(buf));
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = RTM_NEWROUTE;
	rm = mnl_nlmsg_put_extra_header(h, sizeof(*rm));
	rm->rtm_family = AF_INET;
	mnl_attr_put(h, RTA_DST, 4, "\x0a\0\0\0");
	mnl_attr_put_u32(h, RTA_OIF, 3);
	mnl_attr_put_u32(h, 999, 1);            /* unknown: skipped */
	mnl_attr_put_u8(h, RTA_PRIORITY, 1);    /* not in the policy: skipped */
	ck_assert_msg(nl_attr_parse(h, sizeof(*rm), pol, RTA_MAX, tb, why, sizeof(why)) == 0, "%s", why);
	ck_assert_ptr_nonnull(tb[RTA_DST]);
	ck_assert_uint_eq(mnl_attr_get_u32(tb[RTA_OIF]), 3);
	ck_assert_ptr_null(tb[RTA_TABLE]);
	ck_assert_ptr_null(tb[RTA_PRIORITY]);
	/* A u32 of 2 bytes. */
	mnl_attr_put_u16(h, RTA_TABLE, 1);
	ck_assert_int_eq(nl_attr_parse(h, sizeof(*rm), pol, RTA_MAX, tb, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "attribute 15"));
	/* A chain whose last attribute claims more than there is. */
	h->nlmsg_len -= 8;
	((struct nlattr *)((uint8_t *)h + h->nlmsg_len - 8))->nla_len = 200;
	ck_assert_int_eq(nl_attr_parse(h, sizeof(*rm), pol, RTA_MAX, tb, why, sizeof(why)), -1);
	/* A header longer than the message. */
	h->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	ck_assert_int_eq(nl_attr_parse(h, sizeof(*rm), pol, RTA_MAX, tb, why, sizeof(why)), -1);
	/* Strings must end inside their attribute. */
	{
		static const struct nl_policy sp[4] = { [1] = { NL_A_STRING, 0, 16 } };
		const struct nlattr *st[4];
		uint8_t a[32] __attribute__((aligned(4))) = { 8, 0, 1, 0, 'e', 't', 'h', '0' };

		ck_assert_int_eq(nl_attr_parse_buf(a, 8, sp, 3, st, why, sizeof(why)), -1);
		a[7] = 0;
		ck_assert_int_eq(nl_attr_parse_buf(a, 8, sp, 3, st, why, sizeof(why)), 0);
		ck_assert_str_eq(mnl_attr_get_str(st[1]), "eth");
		/* ... and fit max. */
		memcpy(a, "\x18\0\x01\0" "0123456789abcdefghi\0", 24);
		ck_assert_int_eq(nl_attr_parse_buf(a, 24, sp, 3, st, why, sizeof(why)), -1);
	}
}
END_TEST

static Suite *netlink_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *k = tcase_create("kernel");
	TCase *f = tcase_create("fed");

	tcase_add_checked_fixture(k, setup, NULL);
	tcase_set_timeout(k, 60);
	tcase_add_test(k, batch_acks_match_cookies);
	tcase_add_test(k, refusals_carry_errno_and_text);
	tcase_add_test(k, dumps_are_serialised);
	tcase_add_test(k, events_name_who_caused_them);
	tcase_add_test(k, own_echoes_dropped);
	tcase_add_test(k, tiny_buffer_reports_resync);
	tcase_add_test(k, window_bounds_unacknowledged);
	suite_add_tcase(s, k);
	tcase_add_checked_fixture(f, setup, NULL);
	tcase_add_test(f, lost_acks_complete_earlier_requests);
	tcase_add_test(f, hostile_replies_are_dropped);
	tcase_add_test(f, attribute_policy);
	suite_add_tcase(s, f);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	/* The tests (forked children) share this one namespace; each uses
	 * prefixes of its own. */
	if (geteuid() != 0) {
		printf("SKIP: check_netlink needs root (a private network namespace)\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: check_netlink: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	sr = srunner_create(netlink_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
