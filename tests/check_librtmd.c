/* check_librtmd.c - librtmd's public API against a real rtmd on a private
 * socket: requests and batches, the subscription across a drop and a
 * restart (the program's view, built from the callbacks alone, must equal
 * rtmd's table at every sync), the reader following a replaced file, the
 * replica's look-ups, and the entries' accessors and text forms.  Only
 * <rtmd/rtmd.h> is used, as a third-party program would. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rtmd/rtmd.h>

#include "testlib.h"

static struct testenv env;
static pid_t rtmd_pid;

static void start(const char *conf)
{
	testenv_init(&env, "librtmd");
	if (conf)
		testenv_config(&env, conf);
	rtmd_pid = testenv_start_rtmd(&env);
	setenv("RTMD_SOCKET", env.sock, 1);
}

static void stop_rtmd(void)
{
	int st;

	if (rtmd_pid > 0) {
		kill(rtmd_pid, SIGTERM);
		waitpid(rtmd_pid, &st, 0);
	}
	rtmd_pid = 0;
}

static void setup(void)
{
	start(NULL);
}

static void teardown(void)
{
	stop_rtmd();
	testenv_cleanup(&env);
}

static struct rtmd_prefix P(const char *s)
{
	struct rtmd_prefix p;

	ck_assert_msg(rtmd_prefix_parse(s, &p) == 0, "%s: %s", s, rtmd_errmsg());
	return p;
}

static struct rtmd_addr A(const char *s)
{
	struct rtmd_addr a;

	ck_assert_msg(rtmd_addr_parse(s, &a) == 0, "%s: %s", s, rtmd_errmsg());
	return a;
}

static rtmd_route *route(const char *dst, const char *gw, const char *dev, uint32_t metric)
{
	rtmd_route *r = rtmd_route_new();
	struct rtmd_prefix p = P(dst);
	struct rtmd_addr g;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(rtmd_route_set_dst(r, &p), 0);
	ck_assert_int_eq(rtmd_route_set_metric(r, metric), 0);
	if (gw)
		g = A(gw);
	ck_assert_int_eq(rtmd_route_add_nexthop(r, gw ? &g : NULL, dev, 0, 0), 0);
	return r;
}

static rtmd_neigh *neigh(const char *ip, const char *mac, const char *dev)
{
	rtmd_neigh *n = rtmd_neigh_new();
	struct rtmd_addr a = A(ip);
	uint8_t m[6];

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(rtmd_mac_parse(mac, m), 0);
	ck_assert_int_eq(rtmd_neigh_set_ip(n, &a), 0);
	ck_assert_int_eq(rtmd_neigh_set_lladdr(n, m), 0);
	ck_assert_int_eq(rtmd_neigh_set_dev(n, dev), 0);
	return n;
}

static rtmd_client *client(void)
{
	rtmd_client *c;

	ck_assert_int_eq(rtmd_client_new(&c, NULL), 0);
	return c;
}

static void add(rtmd_client *c, const char *dst, const char *gw, const char *dev, uint32_t metric)
{
	rtmd_route *r = route(dst, gw, dev, metric);

	ck_assert_msg(rtmd_client_route_add(c, r) == 0, "add %s: %s", dst, rtmd_errmsg());
	rtmd_route_free(r);
}

/* ---- a view of the tables built from callbacks only ----------------------------- */

#define VIEW_MAX 4096
struct view {
	int n;
	char key[VIEW_MAX][80], text[VIEW_MAX][200];
	int adds, changes, dels, syncs, resyncs, losts;
	enum rtmd_sync last_sync, last_resync;
	int reported[VIEW_MAX];     /* events told per key since the last mark */
};

static int view_find(struct view *v, const char *key)
{
	for (int i = 0; i < v->n; i++)
		if (strcmp(v->key[i], key) == 0)
			return i;
	return -1;
}

static void view_apply(struct view *v, enum rtmd_event ev, const char *key, const char *text)
{
	int i = view_find(v, key);

	switch (ev) {
	case RTMD_EVENT_ADD:
		ck_assert_msg(i < 0, "add of %s, which the view holds", key);
		ck_assert_int_lt(v->n, VIEW_MAX);
		i = v->n++;
		snprintf(v->key[i], sizeof(v->key[i]), "%s", key);
		v->reported[i] = 0;
		v->adds++;
		break;
	case RTMD_EVENT_CHANGE:
		ck_assert_msg(i >= 0, "change of %s, which the view lacks", key);
		v->changes++;
		break;
	case RTMD_EVENT_DEL:
		ck_assert_msg(i >= 0, "del of %s, which the view lacks", key);
		v->n--;
		memmove(v->key[i], v->key[v->n], sizeof(v->key[i]));
		memmove(v->text[i], v->text[v->n], sizeof(v->text[i]));
		v->reported[i] = v->reported[v->n];
		v->dels++;
		return;
	}
	snprintf(v->text[i], sizeof(v->text[i]), "%s", text);
	v->reported[i]++;
}

static void on_route(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_route *r,
                     const rtmd_route *old)
{
	char key[80], text[200], otext[200];

	rtmd_route_format(r, RTMD_FORMAT_KEY, key, sizeof(key));
	rtmd_route_format(r, RTMD_FORMAT_TEXT, text, sizeof(text));
	if (ev == RTMD_EVENT_CHANGE) {
		ck_assert_ptr_nonnull(old);
		rtmd_route_format(old, RTMD_FORMAT_TEXT, otext, sizeof(otext));
		ck_assert_str_ne(text, otext);
		ck_assert_str_eq(otext, ((struct view *)ctx)->text[view_find(ctx, key)]);
	} else {
		ck_assert_ptr_null(old);
	}
	if (ev == RTMD_EVENT_DEL)   /* the whole entry, as the view had it */
		ck_assert_str_eq(text, ((struct view *)ctx)->text[view_find(ctx, key)]);
	view_apply(ctx, ev, key, text);
}

static void on_neigh(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_neigh *n,
                     const rtmd_neigh *old)
{
	char key[80], text[200];

	rtmd_neigh_format(n, RTMD_FORMAT_KEY, key, sizeof(key));
	rtmd_neigh_format(n, RTMD_FORMAT_TEXT, text, sizeof(text));
	if (ev != RTMD_EVENT_DEL)
		ck_assert_uint_ne(rtmd_neigh_slot(n), RTMD_SLOT_NONE);
	view_apply(ctx, ev, key, text);
}

static void on_sync(void *ctx, rtmd_sub *s, enum rtmd_sync how)
{
	struct view *v = ctx;

	v->syncs++;
	v->last_sync = how;
	ck_assert_int_eq(rtmd_sub_synced(s), 1);
}

static void on_resync(void *ctx, rtmd_sub *s, enum rtmd_sync how)
{
	struct view *v = ctx;

	v->resyncs++;
	v->last_resync = how;
	ck_assert_int_ne(how, RTMD_SYNC_FIRST);
	for (int i = 0; i < v->n; i++)
		v->reported[i] = 0;
}

static void on_lost(void *ctx, rtmd_sub *s, int err, const char *detail)
{
	struct view *v = ctx;

	v->losts++;
	ck_assert_int_lt(err, 0);
	ck_assert(detail && *detail);
	ck_assert_int_eq(rtmd_sub_synced(s), 0);
}

static rtmd_sub *subscribe(struct view *v, unsigned flags)
{
	rtmd_sub *s;

	memset(v, 0, sizeof(*v));
	ck_assert_int_eq(rtmd_sub_new(&s, NULL, flags), 0);
	rtmd_sub_on_route(s, on_route, v);
	rtmd_sub_on_neigh(s, on_neigh, v);
	rtmd_sub_on_sync(s, on_sync, v);
	rtmd_sub_on_resync(s, on_resync, v);
	rtmd_sub_on_lost(s, on_lost, v);
	ck_assert_msg(rtmd_sub_connect(s) == 0, "%s", rtmd_errmsg());
	return s;
}

/* Drive the subscription from a poll loop until v has seen `syncs` syncs
 * (bounded: 60 s). */
static void pump_until_syncs(rtmd_sub *s, struct view *v, int syncs)
{
	for (int i = 0; i < 600 && v->syncs < syncs; i++) {
		struct pollfd p = { .fd = rtmd_sub_fd(s), .events = POLLIN };

		ck_assert_int_ge(poll(&p, 1, 100), 0);
		ck_assert_msg(rtmd_sub_process(s) == 0, "%s", rtmd_errmsg());
	}
	ck_assert_int_eq(v->syncs, syncs);
}

/* Process what has arrived within ms (the stream after a change). */
static void pump_for(rtmd_sub *s, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		struct pollfd p = { .fd = rtmd_sub_fd(s), .events = POLLIN };

		if (poll(&p, 1, 10) > 0)
			ck_assert_msg(rtmd_sub_process(s) == 0, "%s", rtmd_errmsg());
	}
}

struct lines {
	int n;
	char text[VIEW_MAX][200];
};

static int list_route(void *ctx, const rtmd_route *r)
{
	struct lines *l = ctx;

	ck_assert_int_lt(l->n, VIEW_MAX);
	rtmd_route_format(r, RTMD_FORMAT_TEXT, l->text[l->n++], sizeof(l->text[0]));
	return 0;
}

static int list_neigh(void *ctx, const rtmd_neigh *n)
{
	struct lines *l = ctx;

	ck_assert_int_lt(l->n, VIEW_MAX);
	rtmd_neigh_format(n, RTMD_FORMAT_TEXT, l->text[l->n++], sizeof(l->text[0]));
	return 0;
}

/* The view holds exactly what rtmd lists. */
static void assert_view_is_rtmd(struct view *v)
{
	static struct lines l;
	rtmd_client *c = client();

	l.n = 0;
	ck_assert_int_ge(rtmd_client_route_list(c, NULL, list_route, &l), 0);
	ck_assert_int_ge(rtmd_client_neigh_list(c, NULL, list_neigh, &l), 0);
	ck_assert_int_eq(l.n, v->n);
	for (int i = 0; i < l.n; i++) {
		bool found = false;

		for (int j = 0; j < v->n && !found; j++)
			found = strcmp(v->text[j], l.text[i]) == 0;
		ck_assert_msg(found, "rtmd has \"%s\", the view does not", l.text[i]);
	}
	rtmd_client_free(c);
}

/* ---- requests ---------------------------------------------------------------------- */

START_TEST(test_client_routes)
{
	rtmd_client *c = client();
	rtmd_route *r = route("10.0.0.0/24", "192.0.2.1", "eth0", 5), *got = rtmd_route_new();
	struct rtmd_addr a = A("10.0.0.77");
	struct lines l = { 0 };
	char buf[200];

	ck_assert_int_eq(rtmd_client_route_add(c, r), 0);
	ck_assert_int_eq(rtmd_client_route_add(c, r), RTMD_E_EXISTS);
	ck_assert_str_eq(rtmd_strerror(RTMD_E_EXISTS), "exists");
	ck_assert_str_eq(rtmd_errmsg(), "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5: exists");
	ck_assert_int_eq(rtmd_client_route_get(c, &a, got), 0);
	rtmd_route_format(got, RTMD_FORMAT_TEXT, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5");
	a = A("10.9.9.9");
	ck_assert_int_eq(rtmd_client_route_get(c, &a, got), RTMD_E_NOTFOUND);

	rtmd_route_free(r);
	r = route("10.0.0.0/24", "192.0.2.9", "eth1", 5);
	ck_assert_int_eq(rtmd_client_route_replace(c, r), 0);
	add(c, "10.1.0.0/16", NULL, "eth2", 0);
	add(c, "2001:db8::/32", "fe80::1", "eth0", 1024);
	ck_assert_int_eq(rtmd_client_route_list(c, NULL, list_route, &l), 3);
	ck_assert_str_eq(l.text[0], "10.0.0.0/24 via 192.0.2.9 dev eth1 proto rtctl metric 5");

	/* A prefix filter goes to rtmd; the rest is applied here. */
	rtmd_filter *f = rtmd_filter_new();
	struct rtmd_prefix p = P("10.0.0.0/8");

	ck_assert_int_eq(rtmd_filter_set_prefix(f, &p, RTMD_MATCH_ROOT), 0);
	l.n = 0;
	ck_assert_int_eq(rtmd_client_route_list(c, f, list_route, &l), 2);
	ck_assert_int_eq(rtmd_filter_set_dev(f, "eth2"), 0);
	l.n = 0;
	ck_assert_int_eq(rtmd_client_route_list(c, f, list_route, &l), 1);
	ck_assert_str_eq(l.text[0], "10.1.0.0/16 dev eth2 proto rtctl scope link");
	rtmd_filter_free(f);

	ck_assert_int_eq(rtmd_client_route_delete(c, r), 0);
	ck_assert_int_eq(rtmd_client_route_delete(c, r), RTMD_E_NOTFOUND);
	ck_assert_int_eq(rtmd_client_route_flush(c), 2);
	l.n = 0;
	ck_assert_int_eq(rtmd_client_route_list(c, NULL, list_route, &l), 0);
	rtmd_route_free(r);
	rtmd_route_free(got);
	rtmd_client_free(c);
}
END_TEST

static int first_neigh(void *ctx, const rtmd_neigh *n)
{
	rtmd_neigh_format(n, RTMD_FORMAT_TEXT, ctx, 200);
	return 0;
}

START_TEST(test_client_neighs_and_status)
{
	rtmd_client *c = client();
	rtmd_neigh *n = neigh("192.0.2.7", "02:00:00:00:00:07", "eth0");
	struct rtmd_addr ip = A("192.0.2.7");
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 7 };
	rtmd_status *st;
	char text[200] = "";
	uint64_t v;

	ck_assert_int_eq(rtmd_client_neigh_add(c, n), 0);
	ck_assert_int_eq(rtmd_client_neigh_add(c, n), RTMD_E_EXISTS);
	rtmd_neigh_free(n);
	n = neigh("192.0.2.8", "02:00:00:00:00:07", "eth1");
	ck_assert_int_eq(rtmd_client_neigh_replace(c, n), 0);
	ck_assert_int_eq(rtmd_client_neigh_get(c, &ip, first_neigh, text), 1);
	ck_assert_str_eq(text, "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl");
	ck_assert_int_eq(rtmd_client_neigh_get_lladdr(c, mac, first_neigh, text), 2);
	mac[5] = 9;
	ck_assert_int_eq(rtmd_client_neigh_get_lladdr(c, mac, first_neigh, text), RTMD_E_NOTFOUND);

	ck_assert_int_eq(rtmd_client_status(c, &st), 0);
	ck_assert_int_eq(rtmd_status_number(st, "arp", &v), 0);
	ck_assert_uint_eq(v, 2);
	ck_assert_str_eq(rtmd_status_text(st, "version"), rtmd_version());
	ck_assert(strstr(rtmd_status_text(st, "arp_store"), env.state));
	ck_assert_int_eq(rtmd_status_number(st, "sync", &v), -EINVAL);
	ck_assert_int_eq(rtmd_status_number(st, "no such key", &v), -ENOENT);
	ck_assert_ptr_null(rtmd_status_text(st, "no such key"));
	for (size_t i = 0; i < rtmd_status_count(st); i++)
		ck_assert_ptr_nonnull(rtmd_status_text(st, rtmd_status_key(st, i)));
	ck_assert_ptr_null(rtmd_status_key(st, rtmd_status_count(st)));
	rtmd_status_free(st);

	ck_assert_int_eq(rtmd_client_neigh_delete(c, n), 0);
	ck_assert_int_eq(rtmd_client_neigh_flush(c), 1);
	rtmd_neigh_free(n);
	rtmd_client_free(c);
}
END_TEST

/* Notices a change came with. */
struct notices {
	int n;
	size_t index[8];
	enum rtmd_notice what[8];
	char text[8][160];
};

static void noticed(void *ctx, size_t index, enum rtmd_notice what, const char *text)
{
	struct notices *no = ctx;

	if (no->n < 8) {
		no->index[no->n] = index;
		no->what[no->n] = what;
		snprintf(no->text[no->n], sizeof(no->text[0]), "%s", text);
	}
	no->n++;
}

/* rtmd.conf's entries are refused unless the client takes them over, as
 * rtctl --force; the take-over is a notice.  Status has the kernel's and
 * FPM's parts as dotted keys. */
START_TEST(test_client_config_entries)
{
	rtmd_client *c;
	rtmd_batch *b = rtmd_batch_new(RTMD_BATCH_TAKE_CONFIG);
	struct notices no = { 0 };
	rtmd_route *r;
	rtmd_status *st;
	uint64_t v;

	teardown();
	start("routes = ( { dst = \"10.9.0.0/16\"; dev = \"eth0\"; },\n"
	      "           { dst = \"10.8.0.0/16\"; dev = \"eth0\"; } );\n");
	c = client();
	rtmd_client_on_notice(c, noticed, &no);
	r = route("10.9.0.0/16", "192.0.2.1", "eth0", 0);
	ck_assert_int_eq(rtmd_client_route_replace(c, r), RTMD_E_OWNED);
	ck_assert_msg(strstr(rtmd_errmsg(), "owned by config"), "%s", rtmd_errmsg());
	ck_assert_str_eq(rtmd_strerror(RTMD_E_OWNED), "owned by another protocol");
	ck_assert_int_eq(rtmd_client_route_flush(c), 0);        /* config entries stay */
	ck_assert_int_eq(rtmd_client_set_flags(c, 0x10), -EINVAL);
	ck_assert_int_eq(rtmd_client_set_flags(c, RTMD_CLIENT_TAKE_CONFIG), 0);
	ck_assert_int_eq(rtmd_client_route_replace(c, r), 0);
	ck_assert_int_eq(no.n, 1);
	ck_assert_uint_eq(no.index[0], 0);
	ck_assert_int_eq(no.what[0], RTMD_NOTICE_TAKEN_OVER);
	ck_assert_msg(no.text[0][0], "a notice says what happened");
	struct rtmd_addr in = A("10.9.1.1");
	rtmd_route *got = rtmd_route_new();
	ck_assert_int_eq(rtmd_client_route_get(c, &in, got), 0);
	ck_assert_uint_eq(rtmd_route_origin(got), RTMD_ORIGIN_RTCTL);
	rtmd_route_free(got);
	rtmd_route_free(r);

	/* In a batch, the notice names the change. */
	r = route("10.7.0.0/16", NULL, "eth1", 0);
	ck_assert_int_eq(rtmd_batch_route(b, RTMD_OP_ADD, r), 0);
	rtmd_route_free(r);
	r = route("10.8.0.0/16", "192.0.2.2", "eth0", 0);
	ck_assert_int_eq(rtmd_batch_route(b, RTMD_OP_REPLACE, r), 0);
	rtmd_route_free(r);
	ck_assert_int_eq(rtmd_client_set_flags(c, 0), 0);
	ck_assert_int_eq(rtmd_client_batch(c, b, NULL, NULL), 0);
	ck_assert_int_eq(no.n, 2);
	ck_assert_uint_eq(no.index[1], 1);
	ck_assert_int_eq(no.what[1], RTMD_NOTICE_TAKEN_OVER);
	rtmd_batch_free(b);
	static struct lines l;
	l.n = 0;
	ck_assert_int_eq(rtmd_client_route_list(c, NULL, list_route, &l), 3);
	ck_assert_str_eq(l.text[1], "10.8.0.0/16 via 192.0.2.2 dev eth0 proto rtctl");

	ck_assert_int_eq(rtmd_client_status(c, &st), 0);
	ck_assert_int_eq(rtmd_status_number(st, "kernel.enabled", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_str_eq(rtmd_status_text(st, "kernel.enabled"), "false");
	ck_assert_int_eq(rtmd_status_number(st, "kernel.pending_routes", &v), 0);
	ck_assert_str_eq(rtmd_status_text(st, "fpm.enabled"), "false");
	ck_assert_str_eq(rtmd_status_text(st, "fpm.listen"), "");
	ck_assert_int_eq(rtmd_status_number(st, "fpm.routes", &v), 0);
	ck_assert_int_eq(rtmd_status_number(st, "fpm.skipped_routes", &v), 0);
	ck_assert_int_eq(rtmd_status_number(st, "fpm.hidden_kernel_routes", &v), 0);
	ck_assert_int_eq(rtmd_status_number(st, "fpm.next_hop_groups", &v), 0);
	rtmd_status_free(st);
	rtmd_client_free(c);
}
END_TEST

/* The grown model through rtmd and back: every accessor on the fields of
 * a multipath route, a blackhole, a preferred source and a scope. */
START_TEST(test_client_model)
{
	rtmd_client *c = client();
	rtmd_route *r = rtmd_route_new(), *got = rtmd_route_new();
	struct rtmd_prefix p = P("10.20.0.0/16"), p6 = P("2001:db8:20::/48");
	struct rtmd_addr g1 = A("192.0.2.1"), g2 = A("192.0.2.2"), src = A("192.0.2.100");
	struct rtmd_addr in = A("10.20.3.4"), in6 = A("2001:db8:20::1");
	char buf[512];

	ck_assert_int_eq(rtmd_route_set_dst(r, &p), 0);
	ck_assert_int_eq(rtmd_route_set_metric(r, 7), 0);
	ck_assert_int_eq(rtmd_route_set_prefsrc(r, &src), 0);
	ck_assert_int_eq(rtmd_route_add_nexthop(r, &g1, "eth0", 3, 0), 0);
	ck_assert_int_eq(rtmd_route_add_nexthop(r, &g2, "eth1", 0, RTMD_NH_F_ONLINK), 0);
	ck_assert_msg(rtmd_client_route_add(c, r) == 0, "%s", rtmd_errmsg());
	ck_assert_int_eq(rtmd_client_route_get(c, &in, got), 0);
	ck_assert_uint_eq(rtmd_route_nexthop_count(got), 2);
	ck_assert_uint_eq(rtmd_route_nexthop_weight(got, 0), 3);
	ck_assert_uint_eq(rtmd_route_nexthop_weight(got, 1), 1);
	ck_assert_str_eq(rtmd_route_nexthop_dev(got, 1), "eth1");
	ck_assert_int_eq(memcmp(rtmd_route_nexthop_gateway(got, 1), &g2, sizeof(g2)), 0);
	ck_assert_uint_eq(rtmd_route_nexthop_flags(got, 1), RTMD_NH_F_ONLINK);
	ck_assert_uint_eq(rtmd_route_nexthop_flags(got, 0), 0);
	ck_assert_ptr_null(rtmd_route_nexthop_dev(got, 2));
	ck_assert_int_eq(memcmp(rtmd_route_prefsrc(got), &src, sizeof(src)), 0);
	ck_assert_uint_eq(rtmd_route_metric(got), 7);
	rtmd_route_format(got, RTMD_FORMAT_TEXT, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.20.0.0/16 proto rtctl src 192.0.2.100 metric 7 "
	                      "nexthop via 192.0.2.1 dev eth0 weight 3 "
	                      "nexthop via 192.0.2.2 dev eth1 weight 1 onlink");

	/* A blackhole: no next hops; an IPv6 metric 0 goes as 1024. */
	rtmd_route_free(r);
	r = rtmd_route_new();
	ck_assert_int_eq(rtmd_route_set_dst(r, &p6), 0);
	ck_assert_int_eq(rtmd_route_set_type(r, RTMD_ROUTE_BLACKHOLE), 0);
	ck_assert_msg(rtmd_client_route_add(c, r) == 0, "%s", rtmd_errmsg());
	ck_assert_int_eq(rtmd_client_route_get(c, &in6, got), 0);
	ck_assert_uint_eq(rtmd_route_type(got), RTMD_ROUTE_BLACKHOLE);
	ck_assert_uint_eq(rtmd_route_nexthop_count(got), 0);
	ck_assert_uint_eq(rtmd_route_metric(got), 1024);
	ck_assert_uint_eq(rtmd_route_pref(got), RTMD_PREF_MEDIUM);
	ck_assert_uint_eq(rtmd_route_scope(got), RTMD_SCOPE_UNIVERSE);

	/* A device route gets scope link, unless one was set. */
	rtmd_route_free(r);
	r = route("10.21.0.0/16", NULL, "eth0", 0);
	ck_assert_int_eq(rtmd_client_route_add(c, r), 0);
	in = A("10.21.0.1");
	ck_assert_int_eq(rtmd_client_route_get(c, &in, got), 0);
	ck_assert_uint_eq(rtmd_route_scope(got), RTMD_SCOPE_LINK);
	ck_assert_int_eq(rtmd_route_set_scope(r, RTMD_SCOPE_HOST), 0);
	ck_assert_int_eq(rtmd_client_route_replace(c, r), 0);
	ck_assert_int_eq(rtmd_client_route_get(c, &in, got), 0);
	ck_assert_uint_eq(rtmd_route_scope(got), RTMD_SCOPE_HOST);
	ck_assert_int_eq(rtmd_route_set_scope(r, 256), -EINVAL);
	rtmd_route_free(r);
	rtmd_route_free(got);
	rtmd_client_free(c);
}
END_TEST

/* Bad input is refused before anything is sent, with the reason. */
START_TEST(test_client_refuses_bad_input)
{
	rtmd_client *c = client();
	rtmd_route *r = rtmd_route_new();
	rtmd_neigh *n = rtmd_neigh_new();
	struct rtmd_prefix p;
	struct rtmd_addr a;

	ck_assert_int_eq(rtmd_prefix_parse("10.0.0.1/24", &p), -EINVAL);
	ck_assert(strstr(rtmd_errmsg(), "host bits"));
	ck_assert_int_eq(rtmd_addr_parse("300.1.1.1", &a), -EINVAL);
	ck_assert_int_eq(rtmd_client_route_add(c, r), -EINVAL);     /* no next hop */
	ck_assert(strstr(rtmd_errmsg(), "gateway"));
	ck_assert_int_eq(rtmd_client_neigh_add(c, n), -EINVAL);     /* no address */
	ck_assert_int_eq(rtmd_route_add_nexthop(r, NULL, "bad/name", 0, 0), -EINVAL);
	/* An IPv4 route may have an IPv6 gateway (the kernel's RTA_VIA), not
	 * the other way round: refused when the route goes, not when built. */
	struct rtmd_prefix p6 = P("2001:db8:1::/48");
	a = A("192.0.2.1");
	ck_assert_int_eq(rtmd_route_set_dst(r, &p6), 0);
	ck_assert_int_eq(rtmd_route_add_nexthop(r, &a, NULL, 0, 0), 0);
	ck_assert_int_eq(rtmd_client_route_add(c, r), -EINVAL);
	ck_assert_msg(strstr(rtmd_errmsg(), "address family"), "%s", rtmd_errmsg());
	ck_assert_int_eq(rtmd_route_add_nexthop(r, &a, NULL, 257, 0), -EINVAL);  /* weight */
	ck_assert_int_eq(rtmd_route_add_nexthop(r, &a, NULL, 1, RTMD_NH_F_DEAD), -EINVAL);
	ck_assert_int_eq(rtmd_route_set_type(r, RTMD_ROUTE_LOCAL), -EINVAL);
	rtmd_client *c2 = (rtmd_client *)1;
	ck_assert_int_eq(rtmd_client_new(&c2, "/tmp/x/..........................................."
	                 "........................................................................."),
	                 -ENAMETOOLONG);
	ck_assert_ptr_null(c2);
	rtmd_route_free(r);
	rtmd_neigh_free(n);
	rtmd_client_free(c);
}
END_TEST

/* A socket that accepts and never answers: the timeout bounds the wait. */
START_TEST(test_client_timeout_and_unreachable)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	rtmd_client *c;
	rtmd_status *st;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/mute.sock", env.dir);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(rtmd_client_new(&c, sun.sun_path), 0);
	rtmd_client_set_timeout(c, 100);
	ck_assert_int_eq(rtmd_client_status(c, &st), -ETIMEDOUT);
	ck_assert(strstr(rtmd_errmsg(), "did not answer"));
	rtmd_client_free(c);
	close(fd);
	unlink(sun.sun_path);
	ck_assert_int_eq(rtmd_client_new(&c, sun.sun_path), 0);
	ck_assert_int_eq(rtmd_client_status(c, &st), -ENOENT);
	ck_assert(strstr(rtmd_errmsg(), "cannot reach rtmd at"));
	rtmd_client_free(c);
}
END_TEST

/* A client outlives a restart of rtmd: the next request reconnects. */
START_TEST(test_client_reconnects)
{
	rtmd_client *c = client();

	add(c, "10.0.0.0/24", NULL, "eth0", 0);
	stop_rtmd();
	rtmd_pid = testenv_start_rtmd(&env);
	add(c, "10.0.1.0/24", NULL, "eth0", 0);
	rtmd_client_free(c);
}
END_TEST

struct failures {
	int n;
	size_t index[8];
	int err[8];
};

static void failed(void *ctx, size_t index, int err, const char *detail)
{
	struct failures *f = ctx;

	ck_assert(detail && *detail);
	if (f->n < 8) {
		f->index[f->n] = index;
		f->err[f->n] = err;
	}
	f->n++;
}

static void batch_of(rtmd_batch *b, int from, int n)
{
	for (int i = from; i < from + n; i++) {
		char dst[32];
		rtmd_route *r;

		snprintf(dst, sizeof(dst), "10.%d.%d.0/24", i / 256, i % 256);
		r = route(dst, NULL, "eth0", 0);
		ck_assert_int_eq(rtmd_batch_route(b, RTMD_OP_ADD, r), 0);
		rtmd_route_free(r);
	}
}

START_TEST(test_batch)
{
	rtmd_client *c = client();
	rtmd_batch *b = rtmd_batch_new(0), *bf = rtmd_batch_new(RTMD_BATCH_FORCE);
	struct failures f = { 0 };
	rtmd_status *st;
	uint64_t routes;

	/* 3000 routes: several messages, some in flight at once. */
	batch_of(b, 0, 3000);
	ck_assert_uint_eq(rtmd_batch_count(b), 3000);
	ck_assert_int_eq(rtmd_client_batch(c, b, failed, &f), 0);
	ck_assert_int_eq(f.n, 0);
	rtmd_batch_free(b);

	/* 3000..3004 then 2990..3009: without force the batch stops at the
	 * first existing one (index 5); with force every existing one (now
	 * 2990..3004) is reported and the rest applied. */
	b = rtmd_batch_new(0);
	batch_of(b, 3000, 5);
	batch_of(b, 2990, 20);
	ck_assert_int_eq(rtmd_client_batch(c, b, failed, &f), RTMD_E_EXISTS);
	ck_assert_int_eq(f.n, 1);
	ck_assert_uint_eq(f.index[0], 5);
	ck_assert_int_eq(rtmd_client_status(c, &st), 0);
	ck_assert_int_eq(rtmd_status_number(st, "routes", &routes), 0);
	ck_assert_uint_eq(routes, 3005);            /* the 5 before it, none after */
	rtmd_status_free(st);

	memset(&f, 0, sizeof(f));
	batch_of(bf, 2990, 20);
	ck_assert_int_eq(rtmd_client_batch(c, bf, failed, &f), RTMD_E_EXISTS);
	ck_assert_int_eq(f.n, 15);
	ck_assert_uint_eq(f.index[0], 0);
	ck_assert_uint_eq(f.index[7], 7);
	ck_assert_int_eq(rtmd_client_status(c, &st), 0);
	ck_assert_int_eq(rtmd_status_number(st, "routes", &routes), 0);
	ck_assert_uint_eq(routes, 3010);
	rtmd_status_free(st);
	rtmd_batch_free(b);
	rtmd_batch_free(bf);
	ck_assert_ptr_null(rtmd_batch_new(0x80));
	rtmd_client_free(c);
}
END_TEST

/* ---- subscription -------------------------------------------------------------------- */

START_TEST(test_sub_dump_and_stream)
{
	static struct view v;
	rtmd_client *c = client();
	rtmd_neigh *n = neigh("192.0.2.7", "02:00:00:00:00:07", "eth0");
	rtmd_route *r;
	rtmd_sub *s;

	add(c, "10.0.0.0/24", "192.0.2.1", "eth0", 0);
	ck_assert_int_eq(rtmd_client_neigh_add(c, n), 0);
	s = subscribe(&v, 0);
	pump_until_syncs(s, &v, 1);
	ck_assert_int_eq(v.last_sync, RTMD_SYNC_FIRST);
	ck_assert_int_eq(v.adds, 2);
	ck_assert_uint_eq(rtmd_sub_route_count(s), 1);
	ck_assert_uint_eq(rtmd_sub_neigh_count(s), 1);
	ck_assert(strstr(rtmd_sub_neigh_store(s), env.state));

	add(c, "10.1.0.0/16", NULL, "eth1", 7);
	r = route("10.1.0.0/16", "192.0.2.2", "eth1", 7);
	ck_assert_int_eq(rtmd_client_route_replace(c, r), 0);
	ck_assert_int_eq(rtmd_client_route_replace(c, r), 0);   /* no change: no event */
	ck_assert_int_eq(rtmd_client_route_delete(c, r), 0);
	ck_assert_int_eq(rtmd_client_neigh_delete(c, n), 0);
	pump_for(s, 300);
	ck_assert_int_eq(v.adds, 3);
	ck_assert_int_eq(v.changes, 1);
	ck_assert_int_eq(v.dels, 2);
	assert_view_is_rtmd(&v);
	ck_assert_int_eq(v.losts, 0);
	rtmd_route_free(r);
	rtmd_neigh_free(n);
	rtmd_sub_free(s);
	rtmd_client_free(c);
}
END_TEST

/* RTMD_SUB_NO_DUMP: the tables are not reported, changes are. */
START_TEST(test_sub_no_dump_one_table)
{
	static struct view v;
	rtmd_client *c = client();
	rtmd_neigh *n = neigh("192.0.2.7", "02:00:00:00:00:07", "eth0");
	rtmd_sub *s;

	add(c, "10.0.0.0/24", NULL, "eth0", 0);
	s = subscribe(&v, RTMD_SUB_NO_DUMP | RTMD_SUB_ROUTES);
	pump_until_syncs(s, &v, 1);
	ck_assert_int_eq(v.adds, 0);
	ck_assert_uint_eq(rtmd_sub_route_count(s), 1);          /* still copied */
	ck_assert_int_eq(rtmd_client_neigh_add(c, n), 0);      /* other table: not told */
	add(c, "10.2.0.0/16", NULL, "eth0", 0);
	pump_for(s, 300);
	ck_assert_int_eq(v.adds, 1);
	ck_assert_str_eq(v.text[0], "10.2.0.0/16 dev eth0 proto rtctl scope link");
	ck_assert_uint_eq(rtmd_sub_neigh_count(s), 0);
	rtmd_neigh_free(n);
	rtmd_sub_free(s);
	rtmd_client_free(c);
}
END_TEST

/* rtmd drops a subscriber whose queue passes max-subscriber-queue (16
 * here, so one batch of 100 changes drops it): the library reconnects and
 * tells only the differences, and the view is rtmd's table again. */
START_TEST(test_sub_dropped_resyncs_differences)
{
	static struct view v;
	rtmd_client *c;
	rtmd_batch *b = rtmd_batch_new(0);
	rtmd_route *r;
	rtmd_sub *s;

	teardown();
	start("max-subscriber-queue = 16;\n");
	c = client();
	for (int i = 0; i < 5; i++) {
		char dst[32];

		snprintf(dst, sizeof(dst), "172.16.%d.0/24", i);
		add(c, dst, NULL, "eth0", 0);
	}
	s = subscribe(&v, 0);
	pump_until_syncs(s, &v, 1);
	ck_assert_int_eq(v.adds, 5);

	/* Without reading: delete one, change one, add 100 in one batch. */
	r = route("172.16.0.0/24", NULL, "eth0", 0);
	ck_assert_int_eq(rtmd_batch_route(b, RTMD_OP_DELETE, r), 0);
	rtmd_route_free(r);
	r = route("172.16.1.0/24", "192.0.2.1", "eth0", 0);
	ck_assert_int_eq(rtmd_batch_route(b, RTMD_OP_REPLACE, r), 0);
	rtmd_route_free(r);
	batch_of(b, 0, 100);
	ck_assert_int_eq(rtmd_client_batch(c, b, NULL, NULL), 0);
	pump_until_syncs(s, &v, 2);
	ck_assert_int_eq(v.losts, 1);
	ck_assert_int_eq(v.resyncs, 1);
	ck_assert_int_eq(v.last_resync, RTMD_SYNC_DROPPED);
	ck_assert_int_eq(v.last_sync, RTMD_SYNC_DROPPED);
	assert_view_is_rtmd(&v);
	ck_assert_int_eq(v.n, 104);
	/* Unchanged entries were not told again. */
	for (int i = 0; i < v.n; i++)
		if (strncmp(v.key[i], "172.16.", 7) == 0 && strcmp(v.key[i], "172.16.1.0/24 proto rtctl"))
			ck_assert_msg(v.reported[i] == 0, "%s told again", v.key[i]);
	ck_assert_int_eq(v.dels, 1);
	ck_assert_int_eq(v.changes, 1);
	rtmd_batch_free(b);
	rtmd_sub_free(s);
	rtmd_client_free(c);
}
END_TEST

/* rtmd restarts with another table: the subscription reconnects (after
 * retrying while nobody listens) and tells the differences. */
START_TEST(test_sub_restart)
{
	static struct view v;
	rtmd_client *c = client();
	rtmd_sub *s;
	char state2[sizeof(env.state) - 1];

	add(c, "10.0.0.0/24", NULL, "eth0", 0);
	add(c, "10.0.1.0/24", NULL, "eth0", 0);
	s = subscribe(&v, 0);
	pump_until_syncs(s, &v, 1);
	stop_rtmd();
	pump_for(s, 300);                   /* lost; reconnects fail for a while */
	ck_assert_int_eq(v.losts, 1);
	ck_assert_int_eq(rtmd_sub_synced(s), 0);
	memcpy(state2, env.state, sizeof(state2));
	state2[sizeof(state2) - 1] = '\0';
	snprintf(env.state, sizeof(env.state), "%.250s2", state2);
	rtmd_pid = testenv_start_rtmd(&env);
	add(c, "10.0.1.0/24", NULL, "eth0", 0);
	add(c, "10.0.2.0/24", NULL, "eth0", 0);
	pump_until_syncs(s, &v, 2);
	ck_assert_int_eq(v.last_sync, RTMD_SYNC_RESTARTED);
	assert_view_is_rtmd(&v);
	ck_assert_int_eq(v.adds, 3);
	ck_assert_int_eq(v.dels, 1);
	rtmd_sub_free(s);
	rtmd_client_free(c);
}
END_TEST

static void stop_after_two(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_route *r,
                           const rtmd_route *old)
{
	int *n = ctx;

	if (++*n % 2 == 0)
		rtmd_sub_stop(s);
}

/* rtmd_sub_run() returns after the event that stopped it; the rest of the
 * message waits for the next call. */
START_TEST(test_sub_run_and_stop)
{
	rtmd_client *c = client();
	rtmd_sub *s;
	int n = 0;

	for (int i = 0; i < 5; i++) {
		char dst[32];

		snprintf(dst, sizeof(dst), "10.0.%d.0/24", i);
		add(c, dst, NULL, "eth0", 0);
	}
	ck_assert_int_eq(rtmd_sub_new(&s, NULL, RTMD_SUB_ROUTES), 0);
	rtmd_sub_on_route(s, stop_after_two, &n);
	ck_assert_int_eq(rtmd_sub_run(s), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(rtmd_sub_run(s), 0);
	ck_assert_int_eq(n, 4);
	rtmd_sub_free(s);
	ck_assert_int_eq(rtmd_sub_new(&s, NULL, 0x100), -EINVAL);
	ck_assert_ptr_null(s);
	rtmd_client_free(c);
}
END_TEST

/* ---- reader and replica ------------------------------------------------------------------ */

START_TEST(test_reader_follows_growth)
{
	rtmd_neigh_reader *r;
	rtmd_neigh_vec *v = rtmd_neigh_vec_new(256);
	struct rtmd_addr ips[200];
	rtmd_batch *b = rtmd_batch_new(0);
	rtmd_client *c;
	char path[300], text[200];
	int found[200];

	teardown();
	start("arp-capacity = 16;\n");
	c = client();
	rtmd_neigh *n = neigh("192.0.2.1", "02:00:00:00:00:01", "eth0");
	ck_assert_int_eq(rtmd_client_neigh_add(c, n), 0);
	rtmd_neigh_free(n);
	snprintf(path, sizeof(path), "%s/arp.store", env.state);
	ck_assert_msg(rtmd_neigh_reader_open(&r, path, RTMD_READER_VERIFY) == 0, "%s", rtmd_errmsg());

	/* 200 more: the file is replaced several times under the reader. */
	for (int i = 0; i < 200; i++) {
		char ip[32], mac[32];

		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 250, i % 250 + 1);
		snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", i / 256, i % 256 + 1);
		n = neigh(ip, mac, "eth1");
		ck_assert_int_eq(rtmd_batch_neigh(b, RTMD_OP_ADD, n), 0);
		rtmd_neigh_free(n);
		ips[i] = A(ip);
	}
	ck_assert_int_eq(rtmd_client_batch(c, b, NULL, NULL), 0);
	ck_assert_int_eq(rtmd_neigh_reader_by_ip(r, &ips[199], NULL, v), 1);
	rtmd_neigh_format(rtmd_neigh_vec_at(v, 0), RTMD_FORMAT_TEXT, text, sizeof(text));
	ck_assert_str_eq(text, "10.0.0.200 dev eth1 lladdr 02:00:00:00:00:c8 PERMANENT proto rtctl");
	ck_assert_ptr_null(rtmd_neigh_vec_at(v, 1));
	ck_assert_int_eq(rtmd_neigh_reader_by_ip(r, &ips[0], "eth2", v), 0);
	ck_assert_ptr_null(rtmd_neigh_vec_at(v, 0));
	ck_assert_int_eq(rtmd_neigh_reader_by_ip_many(r, ips, 200, "eth1", v, found), 200);
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(found[i], 1);
		ck_assert_int_eq(memcmp(rtmd_neigh_ip(rtmd_neigh_vec_at(v, (size_t)i)), &ips[i],
		                        sizeof(ips[i])), 0);
	}
	uint8_t macs[3][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 0x77 }, { 2, 0, 0, 0, 9, 9 } };
	ck_assert_int_eq(rtmd_neigh_reader_by_lladdr_many(r, macs, 3, v, found), 2);
	ck_assert_int_eq(found[0], 2);          /* 192.0.2.1 and 10.0.0.1 */
	ck_assert_int_eq(found[1], 1);
	ck_assert_ptr_null(rtmd_neigh_vec_at(v, 2));
	ck_assert_int_eq(rtmd_neigh_reader_by_lladdr(r, macs[0], v), 2);
	ck_assert_int_eq(rtmd_neigh_reader_slot(r, 1u << 29, v), -ERANGE);
	ck_assert_str_ne(rtmd_neigh_reader_path(r), "");
	ck_assert_uint_eq(rtmd_neigh_reader_stuck(r), 0);
	ck_assert_int_eq(rtmd_neigh_reader_by_ip_many(r, ips, 257, NULL, v, NULL), -EINVAL);
	rtmd_neigh_reader_close(r);
	ck_assert_int_eq(rtmd_neigh_reader_open(&r, "/nonexistent/arp.store", 0), -ENOENT);
	rtmd_neigh_vec_free(v);
	rtmd_batch_free(b);
	rtmd_client_free(c);
}
END_TEST

/* A copy of rtmd's mapping with slot 0 changed by hand at byte off: the
 * reader must refuse what it finds there. */
static void damaged_copy(const char *from, const char *to, size_t off, uint8_t xor)
{
	char cmd[700];
	uint8_t b;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(to, "r+b");
	ck_assert_ptr_nonnull(f);
	/* The slots start at the header page; slot 0 holds the first entry. */
	ck_assert_int_eq(fseek(f, (long)(4096 + off), SEEK_SET), 0);
	ck_assert_int_eq(fread(&b, 1, 1, f), 1);
	b ^= xor;
	ck_assert_int_eq(fseek(f, (long)(4096 + off), SEEK_SET), 0);
	ck_assert_int_eq(fwrite(&b, 1, 1, f), 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* A writer that died inside its write leaves the slot's sequence odd: the
 * reader gives up on it after its 50 ms patience instead of waiting for
 * ever.  A slot whose checksum is wrong is refused by slot reads and by
 * look-ups that verify. */
START_TEST(test_reader_stuck_and_damaged)
{
	rtmd_client *c = client();
	rtmd_neigh *n = neigh("192.0.2.1", "02:00:00:00:00:01", "eth0");
	rtmd_neigh_vec *v = rtmd_neigh_vec_new(4);
	struct rtmd_addr ip = A("192.0.2.1");
	rtmd_neigh_reader *r;
	char store[300], copy[300];

	ck_assert_int_eq(rtmd_client_neigh_add(c, n), 0);
	snprintf(store, sizeof(store), "%s/arp.store", env.state);
	snprintf(copy, sizeof(copy), "%s/stuck.store", env.dir);

	damaged_copy(store, copy, 0, 1);            /* seq odd */
	ck_assert_int_eq(rtmd_neigh_reader_open(&r, copy, 0), 0);
	ck_assert_int_eq(rtmd_neigh_reader_by_ip(r, &ip, NULL, v), 0);
	ck_assert_uint_eq(rtmd_neigh_reader_stuck(r), 1);
	ck_assert_uint_gt(rtmd_neigh_reader_retries(r), 0);
	ck_assert_int_eq(rtmd_neigh_reader_slot(r, 0, v), -EAGAIN);
	ck_assert(strstr(rtmd_errmsg(), "half-written"));
	rtmd_neigh_reader_close(r);

	damaged_copy(store, copy, 4, 0x40);         /* crc */
	ck_assert_int_eq(rtmd_neigh_reader_open(&r, copy, 0), 0);
	ck_assert_int_eq(rtmd_neigh_reader_slot(r, 0, v), -EIO);
	/* Without RTMD_READER_VERIFY a look-up trusts the seqlock and the
	 * fields (the entry is whole); with it, the checksum decides. */
	ck_assert_int_eq(rtmd_neigh_reader_by_ip(r, &ip, NULL, v), 1);
	rtmd_neigh_reader_close(r);
	ck_assert_int_eq(rtmd_neigh_reader_open(&r, copy, RTMD_READER_VERIFY), 0);
	ck_assert_int_eq(rtmd_neigh_reader_by_ip(r, &ip, NULL, v), 0);
	ck_assert_int_eq(rtmd_neigh_reader_by_lladdr(r, rtmd_neigh_lladdr(n), v), 0);
	rtmd_neigh_reader_close(r);
	ck_assert_int_eq(rtmd_neigh_reader_open(&r, store, RTMD_READER_VERIFY), 0);
	ck_assert_int_eq(rtmd_neigh_reader_by_ip(r, &ip, NULL, v), 1);
	rtmd_neigh_reader_close(r);
	rtmd_neigh_vec_free(v);
	rtmd_neigh_free(n);
	rtmd_client_free(c);
}
END_TEST

struct slots {
	rtmd_neigh_reader *r;
	int checked;
};

static void slot_check(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_neigh *n,
                       const rtmd_neigh *old)
{
	struct slots *sl = ctx;
	rtmd_neigh_reader *r = sl->r;
	rtmd_neigh_vec *v = rtmd_neigh_vec_new(1);
	char a[200], b[200];

	if (ev != RTMD_EVENT_DEL) {
		sl->checked++;
		ck_assert_int_eq(rtmd_neigh_reader_slot(r, rtmd_neigh_slot(n), v), 1);
		rtmd_neigh_format(n, RTMD_FORMAT_TEXT, a, sizeof(a));
		rtmd_neigh_format(rtmd_neigh_vec_at(v, 0), RTMD_FORMAT_TEXT, b, sizeof(b));
		ck_assert_str_eq(a, b);
		ck_assert_uint_eq(rtmd_neigh_slot(rtmd_neigh_vec_at(v, 0)), rtmd_neigh_slot(n));
	}
	rtmd_neigh_vec_free(v);
}

/* A neighbour event's slot names the entry in the mapping. */
START_TEST(test_event_slots)
{
	rtmd_client *c = client();
	rtmd_neigh *n = neigh("192.0.2.9", "02:00:00:00:00:09", "eth0");
	struct slots sl = { 0 };
	rtmd_sub *s;
	static struct view v;

	ck_assert_int_eq(rtmd_client_neigh_add(c, n), 0);
	s = subscribe(&v, RTMD_SUB_NEIGHS);
	pump_until_syncs(s, &v, 1);
	ck_assert_int_eq(rtmd_neigh_reader_open(&sl.r, rtmd_sub_neigh_store(s), 0), 0);
	rtmd_sub_on_neigh(s, slot_check, &sl);
	rtmd_neigh_free(n);
	n = neigh("192.0.2.10", "02:00:00:00:00:0a", "eth0");
	ck_assert_int_eq(rtmd_client_neigh_add(c, n), 0);
	pump_for(s, 200);
	ck_assert_int_eq(sl.checked, 1);
	rtmd_neigh_reader_close(sl.r);
	rtmd_neigh_free(n);
	rtmd_sub_free(s);
	rtmd_client_free(c);
}
END_TEST

static void stop_at_sync(void *ctx, rtmd_sub *s, enum rtmd_sync how)
{
	rtmd_sub_stop(s);
}

START_TEST(test_replica)
{
	rtmd_client *c = client();
	rtmd_replica *rep;
	rtmd_route *r = rtmd_route_new();
	struct rtmd_addr a = A("10.0.0.77");
	struct rtmd_prefix p = P("10.0.0.0/24");
	char text[200];

	add(c, "10.0.0.0/8", NULL, "eth0", 0);
	add(c, "10.0.0.0/24", "192.0.2.1", "eth0", 20);
	add(c, "10.0.0.0/24", "192.0.2.2", "eth0", 10);
	add(c, "2001:db8::/32", NULL, "eth0", 0);
	ck_assert_int_eq(rtmd_replica_new(&rep, NULL, 0), 0);
	rtmd_sub_on_sync(rtmd_replica_sub(rep), stop_at_sync, NULL);
	ck_assert_int_eq(rtmd_sub_run(rtmd_replica_sub(rep)), 0);
	ck_assert_uint_eq(rtmd_replica_count(rep, 0), 4);
	ck_assert_uint_eq(rtmd_replica_count(rep, AF_INET6), 1);
	ck_assert_int_eq(rtmd_replica_lookup(rep, &a, r), 0);
	rtmd_route_format(r, RTMD_FORMAT_TEXT, text, sizeof(text));
	ck_assert_str_eq(text, "10.0.0.0/24 via 192.0.2.2 dev eth0 proto rtctl metric 10");
	ck_assert_int_eq(rtmd_replica_find(rep, &p, 20, r), 0);
	ck_assert_uint_eq(rtmd_route_metric(r), 20);
	ck_assert_int_eq(rtmd_replica_find(rep, &p, 30, r), RTMD_E_NOTFOUND);
	a = A("11.0.0.1");
	ck_assert_int_eq(rtmd_replica_lookup(rep, &a, r), RTMD_E_NOTFOUND);

	/* A change reaches the replica with the next process. */
	add(c, "11.0.0.0/8", NULL, "eth1", 0);
	rtmd_sub_on_sync(rtmd_replica_sub(rep), NULL, NULL);
	pump_for(rtmd_replica_sub(rep), 200);
	ck_assert_int_eq(rtmd_replica_lookup(rep, &a, r), 0);
	ck_assert_str_eq(rtmd_route_nexthop_dev(r, 0), "eth1");
	rtmd_route_free(r);
	rtmd_replica_free(rep);
	rtmd_client_free(c);
}
END_TEST

/* ---- entries --------------------------------------------------------------------------------- */

START_TEST(test_entries)
{
	rtmd_route *r = route("10.0.0.0/24", "192.0.2.1", "eth0", 5), *d;
	rtmd_neigh *n = neigh("2001:db8::7", "02:00:00:00:00:07", "eth0"), *nd;
	rtmd_filter *f = rtmd_filter_new();
	struct rtmd_addr gw = A("192.0.2.1");
	char buf[300];

	ck_assert_uint_eq(rtmd_route_dst(r)->len, 24);
	ck_assert_uint_eq(rtmd_route_metric(r), 5);
	ck_assert_uint_eq(rtmd_route_type(r), RTMD_ROUTE_UNICAST);
	ck_assert_uint_eq(rtmd_route_origin(r), RTMD_ORIGIN_RTCTL);
	ck_assert_str_eq(rtmd_route_protocol_name(r), "rtctl");
	ck_assert_uint_eq(rtmd_route_scope(r), RTMD_SCOPE_UNIVERSE);
	ck_assert_uint_eq(rtmd_route_flags(r) & RTMD_ROUTE_F_PENDING, 0);
	ck_assert_uint_eq(rtmd_route_nexthop_count(r), 1);
	ck_assert_int_eq(memcmp(rtmd_route_nexthop_gateway(r, 0), &gw, sizeof(gw)), 0);
	ck_assert_str_eq(rtmd_route_nexthop_dev(r, 0), "eth0");
	ck_assert_uint_eq(rtmd_route_nexthop_weight(r, 0), 1);
	ck_assert_ptr_null(rtmd_route_nexthop_dev(r, 1));
	ck_assert_ptr_null(rtmd_route_nexthop_gateway(r, 7));
	ck_assert_ptr_null(rtmd_route_prefsrc(r));
	d = rtmd_route_dup(r);
	rtmd_route_free(r);
	ck_assert_int_eq(rtmd_route_format(d, RTMD_FORMAT_TEXT, buf, sizeof(buf)),
	                 (int)strlen("10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5"));
	ck_assert_str_eq(buf, "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5");
	rtmd_route_format(d, RTMD_FORMAT_KEY, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.0.0.0/24 proto rtctl metric 5");
	rtmd_route_format(d, RTMD_FORMAT_JSON, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"dst\":\"10.0.0.0/24\",\"gateway\":\"192.0.2.1\",\"dev\":\"eth0\","
	                      "\"protocol\":\"rtctl\",\"metric\":5,\"flags\":[]}");
	/* Truncation as snprintf. */
	ck_assert_int_eq(rtmd_route_format(d, RTMD_FORMAT_TEXT, buf, 5), 55);
	ck_assert_str_eq(buf, "10.0");
	rtmd_route_clear_nexthops(d);
	ck_assert_uint_eq(rtmd_route_nexthop_count(d), 0);

	ck_assert_str_eq(rtmd_neigh_dev(n), "eth0");
	ck_assert_uint_eq(rtmd_neigh_ip(n)->family, AF_INET6);
	ck_assert_uint_eq(rtmd_neigh_lladdr(n)[5], 7);
	ck_assert_uint_eq(rtmd_neigh_state(n), RTMD_NUD_PERMANENT);
	ck_assert_uint_eq(rtmd_neigh_slot(n), RTMD_SLOT_NONE);
	nd = rtmd_neigh_dup(n);
	rtmd_neigh_format(nd, RTMD_FORMAT_JSON, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{\"dst\":\"2001:db8::7\",\"dev\":\"eth0\",\"lladdr\":\"02:00:00:00:00:07\","
	                      "\"state\":[\"PERMANENT\"],\"protocol\":\"rtctl\"}");
	rtmd_neigh_format(nd, RTMD_FORMAT_KEY, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::7 dev eth0");

	/* Filters. */
	ck_assert_int_eq(rtmd_filter_neigh(f, nd), 1);
	ck_assert_int_eq(rtmd_filter_set_family(f, AF_INET), 0);
	ck_assert_int_eq(rtmd_filter_neigh(f, nd), 0);
	ck_assert_int_eq(rtmd_filter_set_family(f, 99), -EINVAL);
	ck_assert_int_eq(rtmd_filter_set_family(f, 0), 0);
	ck_assert_int_eq(rtmd_filter_set_lladdr(f, rtmd_neigh_lladdr(n)), 0);
	ck_assert_int_eq(rtmd_filter_neigh(f, nd), 1);
	ck_assert_int_eq(rtmd_filter_set_origin(f, RTMD_ORIGIN_CONFIG), 0);
	ck_assert_int_eq(rtmd_filter_neigh(f, nd), 0);
	rtmd_filter_free(f);
	ck_assert_int_eq(rtmd_filter_route(NULL, d), 1);

	struct rtmd_prefix p = P("10.1.2.0/24");
	struct rtmd_addr in = A("10.1.2.3"), out = A("10.1.3.3");
	ck_assert_int_eq(rtmd_prefix_contains(&p, &in), 1);
	ck_assert_int_eq(rtmd_prefix_contains(&p, &out), 0);
	ck_assert_int_gt(rtmd_prefix_format(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "10.1.2.0/24");
	ck_assert_str_eq(rtmd_strerror(-ENOENT), "No such file or directory");
	ck_assert_str_eq(rtmd_strerror(RTMD_E_BUSY), "busy, try again");
	ck_assert_str_eq(rtmd_strerror(-1099), "unknown rtmd error");
	ck_assert_str_eq(rtmd_strerror(0), "ok");
	rtmd_route_free(d);
	rtmd_neigh_free(n);
	rtmd_neigh_free(nd);
}
END_TEST

static Suite *librtmd_suite(void)
{
	Suite *s = suite_create("librtmd");
	TCase *t = tcase_create("api");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_entries);
	tcase_add_test(t, test_client_routes);
	tcase_add_test(t, test_client_neighs_and_status);
	tcase_add_test(t, test_client_config_entries);
	tcase_add_test(t, test_client_model);
	tcase_add_test(t, test_client_refuses_bad_input);
	tcase_add_test(t, test_client_timeout_and_unreachable);
	tcase_add_test(t, test_client_reconnects);
	tcase_add_test(t, test_batch);
	tcase_add_test(t, test_sub_dump_and_stream);
	tcase_add_test(t, test_sub_no_dump_one_table);
	tcase_add_test(t, test_sub_dropped_resyncs_differences);
	tcase_add_test(t, test_sub_restart);
	tcase_add_test(t, test_sub_run_and_stop);
	tcase_add_test(t, test_reader_follows_growth);
	tcase_add_test(t, test_event_slots);
	tcase_add_test(t, test_reader_stuck_and_damaged);
	tcase_add_test(t, test_replica);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(librtmd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
