/* check_links.c - the interface cache: links and addresses from made-up
 * kernel messages (added, renamed, up/down, removed, a bridge's port
 * messages ignored, malformed ones refused), mark and sweep around a dump,
 * many interfaces created and deleted; then, as root in a private network
 * namespace, fed by a real dump and real events through the netlink
 * module. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "links.h"
#include "netlink.h"

struct seen {
	unsigned what[64];
	char name[64][RT_IFNAMSIZ], old[64][RT_IFNAMSIZ];
	int index[64];
	size_t n;
};

static void listener(void *ctx, const struct links_event *ev)
{
	struct seen *s = ctx;

	if (s->n == 64)
		return;
	s->what[s->n] = ev->what;
	s->index[s->n] = ev->index;
	snprintf(s->name[s->n], RT_IFNAMSIZ, "%s", ev->name);
	snprintf(s->old[s->n], RT_IFNAMSIZ, "%s", ev->old_name ? ev->old_name : "");
	s->n++;
}

static uint8_t buf[4096] __attribute__((aligned(4)));

static const struct nlmsghdr *link_msg(uint16_t type, uint8_t family, int index, unsigned flags,
                                       const char *name)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	h->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = family;
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	if (name)
		mnl_attr_put_strz(h, IFLA_IFNAME, name);
	mnl_attr_put_u32(h, IFLA_MTU, 1500);
	return h;
}

static const struct nlmsghdr *addr_msg(uint16_t type, int index, const char *ip, uint8_t plen)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	uint8_t a[16];
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(fam, ip, a), 1);
	h->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)fam;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = (uint32_t)index;
	mnl_attr_put(h, IFA_ADDRESS, fam == AF_INET ? 4 : 16, a);
	if (fam == AF_INET)
		mnl_attr_put(h, IFA_LOCAL, 4, a);
	return h;
}

static void apply_ok(struct links *l, const struct nlmsghdr *h)
{
	char why[128] = "";

	ck_assert_msg(links_apply(l, h, why, sizeof(why)) == 0, "%s", why);
}

static struct rt_addr addr_of(const char *ip)
{
	struct rt_addr a;
	char err[RT_ERRLEN];

	ck_assert_int_eq(rt_addr_parse(ip, &a, err), 0);
	return a;
}

START_TEST(link_lifecycle)
{
	struct links *l = links_new();
	struct seen s = { .n = 0 };
	struct rt_addr a = addr_of("192.0.2.5"), b = addr_of("2001:db8::5");

	links_set_listener(l, listener, &s);
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP | IFF_LOWER_UP, "eth0"));
	ck_assert_int_eq(links_index(l, "eth0"), 7);
	ck_assert_str_eq(links_name(l, 7), "eth0");
	ck_assert(links_up(l, 7));
	ck_assert_uint_eq(s.what[0], LINKS_ADDED | LINKS_UP);
	/* The same message again: nothing to report. */
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP | IFF_LOWER_UP, "eth0"));
	ck_assert_uint_eq(s.n, 1);
	apply_ok(l, addr_msg(RTM_NEWADDR, 7, "192.0.2.5", 24));
	apply_ok(l, addr_msg(RTM_NEWADDR, 7, "2001:db8::5", 64));
	apply_ok(l, addr_msg(RTM_NEWADDR, 7, "192.0.2.5", 24));
	ck_assert_uint_eq(links_addr_count(l), 2);
	ck_assert(links_has_addr(l, &a));
	ck_assert(links_has_addr(l, &b));
	ck_assert_uint_eq(s.what[1], LINKS_ADDR_ADDED);
	ck_assert_uint_eq(s.n, 3);
	/* Carrier lost, then down. */
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP, "eth0"));
	ck_assert_uint_eq(s.what[3], LINKS_CARRIER);
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 7, 0, "eth0"));
	ck_assert_uint_eq(s.what[4], LINKS_DOWN);
	ck_assert(!links_up(l, 7));
	/* Renamed. */
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 7, 0, "wan"));
	ck_assert_uint_eq(s.what[5], LINKS_RENAMED);
	ck_assert_str_eq(s.old[5], "eth0");
	ck_assert_int_eq(links_index(l, "eth0"), 0);
	ck_assert_int_eq(links_index(l, "wan"), 7);
	/* A bridge's port message with DELLINK is not a removal. */
	apply_ok(l, link_msg(RTM_DELLINK, AF_BRIDGE, 7, 0, "wan"));
	ck_assert_int_eq(links_index(l, "wan"), 7);
	apply_ok(l, addr_msg(RTM_DELADDR, 7, "192.0.2.5", 24));
	ck_assert(!links_has_addr(l, &a));
	ck_assert_uint_eq(s.what[6], LINKS_ADDR_REMOVED);
	/* Removed: its addresses go first, each reported. */
	apply_ok(l, link_msg(RTM_DELLINK, AF_UNSPEC, 7, 0, NULL));
	ck_assert_uint_eq(s.what[7], LINKS_ADDR_REMOVED);
	ck_assert_uint_eq(s.what[8], LINKS_REMOVED);
	ck_assert_str_eq(s.name[8], "wan");
	ck_assert_int_eq(links_index(l, "wan"), 0);
	ck_assert_ptr_null(links_name(l, 7));
	ck_assert_uint_eq(links_count(l), 0);
	ck_assert_uint_eq(links_addr_count(l), 0);
	/* Addresses of an unknown interface are of no use. */
	apply_ok(l, addr_msg(RTM_NEWADDR, 99, "192.0.2.9", 24));
	ck_assert_uint_eq(links_addr_count(l), 0);
	links_free(l);
}
END_TEST

START_TEST(swapped_names)
{
	struct links *l = links_new();

	/* Two interfaces swap names; the kernel announces one at a time. */
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "a"));
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 3, IFF_UP, "b"));
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "tmp"));
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 3, IFF_UP, "a"));
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "b"));
	ck_assert_int_eq(links_index(l, "a"), 3);
	ck_assert_int_eq(links_index(l, "b"), 2);
	ck_assert_int_eq(links_index(l, "tmp"), 0);
	/* A new interface takes a name before the old holder's rename is
	 * heard of: the name follows the newest message. */
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 4, IFF_UP, "a"));
	ck_assert_int_eq(links_index(l, "a"), 4);
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 3, IFF_UP, "c"));
	ck_assert_int_eq(links_index(l, "a"), 4);
	ck_assert_int_eq(links_index(l, "c"), 3);
	ck_assert_str_eq(links_name(l, 3), "c");
	links_free(l);
}
END_TEST

START_TEST(malformed_messages_change_nothing)
{
	struct links *l = links_new();
	struct nlmsghdr *h;
	char why[128];

	ck_assert_int_eq(links_apply(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 5, 0, NULL), why, sizeof(why)), -1);
	ck_assert_int_eq(links_apply(l, link_msg(RTM_NEWLINK, AF_UNSPEC, -1, 0, "x"), why, sizeof(why)), -1);
	/* A name of 16 bytes without its NUL. */
	h = (struct nlmsghdr *)link_msg(RTM_NEWLINK, AF_UNSPEC, 5, 0, NULL);
	mnl_attr_put(h, IFLA_IFNAME, 16, "0123456789abcdef");
	ck_assert_int_eq(links_apply(l, h, why, sizeof(why)), -1);
	/* Too short for its header. */
	h = (struct nlmsghdr *)link_msg(RTM_NEWLINK, AF_UNSPEC, 5, 0, "x");
	h->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	ck_assert_int_eq(links_apply(l, h, why, sizeof(why)), -1);
	ck_assert_uint_eq(links_count(l), 0);
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 5, 0, "x"));
	/* An IPv4 address of 16 bytes, a prefix length of 33. */
	h = (struct nlmsghdr *)addr_msg(RTM_NEWADDR, 5, "2001:db8::1", 64);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(h))->ifa_family = AF_INET;
	ck_assert_int_eq(links_apply(l, h, why, sizeof(why)), -1);
	h = (struct nlmsghdr *)addr_msg(RTM_NEWADDR, 5, "192.0.2.1", 24);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(h))->ifa_prefixlen = 33;
	ck_assert_int_eq(links_apply(l, h, why, sizeof(why)), -1);
	ck_assert_uint_eq(links_addr_count(l), 0);
	links_free(l);
}
END_TEST

START_TEST(sweep_after_dump)
{
	struct links *l = links_new();
	struct seen s = { .n = 0 };

	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "a"));
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 3, IFF_UP, "b"));
	apply_ok(l, addr_msg(RTM_NEWADDR, 2, "192.0.2.1", 24));
	apply_ok(l, addr_msg(RTM_NEWADDR, 2, "192.0.2.2", 24));
	links_set_listener(l, listener, &s);
	links_dump_begin(l, false);
	apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "a"));
	links_dump_end(l, false);
	ck_assert_uint_eq(links_count(l), 1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.what[0], LINKS_REMOVED);
	ck_assert_str_eq(s.name[0], "b");
	links_dump_begin(l, true);
	apply_ok(l, addr_msg(RTM_NEWADDR, 2, "192.0.2.2", 24));
	links_dump_end(l, true);
	ck_assert_uint_eq(links_addr_count(l), 1);
	ck_assert_uint_eq(s.what[1], LINKS_ADDR_REMOVED);
	links_free(l);
}
END_TEST

START_TEST(many_links_churn)
{
	struct links *l = links_new();
	char name[RT_IFNAMSIZ];

	/* 20000 interfaces, every other one removed, re-added under new
	 * indexes: every look-up stays right (backward-shift deletion). */
	for (int i = 1; i <= 20000; i++) {
		snprintf(name, sizeof(name), "veth%d", i);
		apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, i, IFF_UP, name));
	}
	for (int i = 1; i <= 20000; i += 2)
		apply_ok(l, link_msg(RTM_DELLINK, AF_UNSPEC, i, 0, NULL));
	for (int i = 1; i <= 20000; i += 2) {
		snprintf(name, sizeof(name), "veth%d", i);
		apply_ok(l, link_msg(RTM_NEWLINK, AF_UNSPEC, 100000 + i, IFF_UP, name));
	}
	ck_assert_uint_eq(links_count(l), 20000);
	for (int i = 1; i <= 20000; i++) {
		int want = i % 2 ? 100000 + i : i;

		snprintf(name, sizeof(name), "veth%d", i);
		ck_assert_int_eq(links_index(l, name), want);
		ck_assert_str_eq(links_name(l, want), name);
		if (i % 2)
			ck_assert_ptr_null(links_name(l, i));
	}
	links_free(l);
}
END_TEST

/* ---- the real kernel ------------------------------------------------------------- */

struct feed {
	struct links *l;
	int dumps_done;
};

static void feed_msg(void *ctx, uint64_t cookie, const struct nlmsghdr *h)
{
	struct feed *f = ctx;
	char why[128];

	ck_assert_msg(links_apply(f->l, h, why, sizeof(why)) == 0, "%s", why);
}

static void feed_done(void *ctx, uint64_t cookie, int error, const char *text)
{
	struct feed *f = ctx;

	ck_assert_msg(error == 0, "dump %llu: %d %s", (unsigned long long)cookie, error, text);
	links_dump_end(f->l, cookie == 2);
	f->dumps_done++;
}

static void pump(struct nl_sock *s, const struct nl_handler *hd, int want_dumps, struct feed *f)
{
	for (int i = 0; i < 2000 && (nl_busy(s) || f->dumps_done < want_dumps); i++) {
		ck_assert_int_ge(nl_flush(s, 64, hd), 0);
		ck_assert_int_eq(nl_read(s, 1000, hd), 0);
		usleep(1000);
	}
	ck_assert_uint_eq(nl_busy(s), 0);
}

START_TEST(kernel_dump_and_events)
{
	static const unsigned groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR };
	struct feed f = { .l = links_new() };
	const struct nl_handler hd = { &f, feed_msg, feed_done };
	struct nl_sock *s;
	struct nlmsghdr *h;
	struct rt_addr a = addr_of("198.51.100.1");
	char err[256];
	int ifi;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: kernel_dump_and_events needs root (a private network namespace)\n");
		links_free(f.l);
		return;
	}
	ck_assert_int_eq(system("ip link add cl0 type veth peer name cl1 && ip addr add 198.51.100.1/24 dev cl0"), 0);
	ck_assert_msg(nl_open(&s, groups, 3, 4 << 20, 64, err, sizeof(err)) == 0, "%s", err);
	links_dump_begin(f.l, false);
	h = nl_msg_begin(s, RTM_GETLINK, NLM_F_DUMP, 1, 64);
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(h, sizeof(struct ifinfomsg)))->ifi_family = AF_UNSPEC;
	nl_msg_end(s, h);
	/* The address dump starts only once the link dump ended; its
	 * begin is marked from the link dump's end (cookie 1) in a real
	 * user; here both generations move up front. */
	links_dump_begin(f.l, true);
	h = nl_msg_begin(s, RTM_GETADDR, NLM_F_DUMP, 2, 64);
	((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(h, sizeof(struct ifaddrmsg)))->ifa_family = AF_UNSPEC;
	nl_msg_end(s, h);
	pump(s, &hd, 2, &f);
	ck_assert_uint_eq(links_count(f.l), 3);   /* lo, cl0, cl1 */
	ck_assert_int_eq(links_index(f.l, "lo"), 1);
	ck_assert_int_gt(ifi = links_index(f.l, "cl0"), 1);
	ck_assert(!links_up(f.l, ifi));
	ck_assert(links_has_addr(f.l, &a));
	/* Events: up, renamed, deleted (with its peer). */
	ck_assert_int_eq(system("ip link set cl0 up && ip link set cl0 down && ip link set cl0 name cl9 && ip link set cl9 up"), 0);
	for (int i = 0; i < 2000 && !links_index(f.l, "cl9"); i++) {
		ck_assert_int_eq(nl_read(s, 1000, &hd), 0);
		usleep(1000);
	}
	ck_assert_int_eq(links_index(f.l, "cl9"), ifi);
	ck_assert(links_up(f.l, ifi));
	ck_assert_int_eq(system("ip link del cl9"), 0);
	for (int i = 0; i < 2000 && links_count(f.l) != 1; i++) {
		ck_assert_int_eq(nl_read(s, 1000, &hd), 0);
		usleep(1000);
	}
	ck_assert_uint_eq(links_count(f.l), 1);
	ck_assert(!links_has_addr(f.l, &a));
	nl_close(s);
	links_free(f.l);
}
END_TEST

static Suite *links_suite(void)
{
	Suite *s = suite_create("links");
	TCase *t = tcase_create("messages");
	TCase *k = tcase_create("kernel");

	tcase_add_test(t, link_lifecycle);
	tcase_add_test(t, swapped_names);
	tcase_add_test(t, malformed_messages_change_nothing);
	tcase_add_test(t, sweep_after_dump);
	tcase_add_test(t, many_links_churn);
	suite_add_tcase(s, t);
	tcase_set_timeout(k, 30);
	tcase_add_test(k, kernel_dump_and_events);
	suite_add_tcase(s, k);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(links_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
