/* check_proto.c - the wire protocol: round trips, rejections, fuzzing. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "entries.h"
#include "proto.h"

/* ---- helpers ----------------------------------------------------------- */

/* Value and pending state: what the wire carries. */
static bool route_eq(const struct rt_route *a, const struct rt_route *b)
{
	return rt_route_equal(a, b) && a->flags == b->flags && strcmp(a->reason, b->reason) == 0;
}

static bool neigh_eq(const struct rt_neigh *a, const struct rt_neigh *b)
{
	return rt_neigh_equal(a, b);
}

static size_t routes_size(const struct rt_route *r, size_t n)
{
	size_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += rt_route_wire_size(&r[i]);
	return sum;
}

static struct rt_msgbuf mb;

static void setup(void)
{
	ck_assert_int_eq(rt_msgbuf_init(&mb, RT_MSG_MAX_DEFAULT), 0);
}

static void teardown(void)
{
	rt_msgbuf_free(&mb);
}

/* Decode mb into hdr through an exactly sized copy, so that ASan sees any
 * read past the received length. */
static int decode_copy(const uint8_t *buf, size_t n, struct rt_hdr *h, uint8_t **copy, char *err)
{
	*copy = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(*copy);
	memcpy(*copy, buf, n);
	return rt_msg_decode(*copy, n, h, err);
}

static int decode_mb(struct rt_hdr *h, uint8_t **copy, char *err)
{
	return decode_copy(mb.data, mb.len, h, copy, err);
}

static void poke32(size_t off, uint32_t v) { memcpy(mb.data + off, &v, 4); }
static void poke16(size_t off, uint16_t v) { memcpy(mb.data + off, &v, 2); }

/* Expect rt_msg_decode of mb to fail with RT_E_PROTO. */
static void expect_bad_header(const char *what)
{
	struct rt_hdr h;
	uint8_t *copy;
	char err[RT_ERRLEN] = "";
	int rc = decode_mb(&h, &copy, err);

	ck_assert_msg(rc == RT_E_PROTO, "%s: decode returned %d", what, rc);
	ck_assert_msg(err[0], "%s: no reason given", what);
	free(copy);
}

/* Header decodes; record 0 through getter must fail with code. */
typedef int (*getter_fn)(const struct rt_hdr *, const void *, uint32_t, void *, char *);

static int get_route0(const struct rt_hdr *h, const void *b, uint32_t i, void *o, char *e)
{
	return rt_msg_get_route(h, b, i, o, e);
}

static int get_neigh0(const struct rt_hdr *h, const void *b, uint32_t i, void *o, char *e)
{
	return rt_msg_get_neigh(h, b, i, o, e);
}

/* Event i, walking a reader; the route storage is static. */
static int get_event(const struct rt_hdr *h, const void *b, uint32_t i, struct rt_event *o, char *e)
{
	static struct rt_route route;
	struct rt_reader rd;
	int rc = 0;

	rt_msg_reader(&rd, h, b);
	for (uint32_t k = 0; k <= i && (k == 0 || rc == 0 || rc == RT_E_INVALID); k++)
		rc = rt_msg_read_event(&rd, o, &route, e);
	return rc;
}

static int get_event0(const struct rt_hdr *h, const void *b, uint32_t i, void *o, char *e)
{
	return get_event(h, b, i, o, e);
}

static int get_record(getter_fn get, uint32_t i, char *err)
{
	struct rt_hdr h;
	uint8_t *copy;
	static union { struct rt_route r; struct rt_neigh n; struct rt_event e; } out;
	int rc = decode_mb(&h, &copy, err);

	ck_assert_msg(rc == 0, "header rejected: %s", err);
	rc = get(&h, copy, i, &out, err);
	free(copy);
	return rc;
}

static void expect_bad_record(getter_fn get, int code, const char *what)
{
	char err[RT_ERRLEN] = "";
	int rc = get_record(get, 0, err);

	ck_assert_msg(rc == code, "%s: got %d (%s), expected %d", what, rc, err, code);
	ck_assert_msg(err[0], "%s: no reason given", what);
}

/* ---- round trips ------------------------------------------------------- */

START_TEST(test_header_round_trip)
{
	struct rt_hdr h;
	uint8_t *copy;
	char err[RT_ERRLEN];

	rt_msg_begin(&mb, RT_MSG_STATUS, 0xdeadbeef, RT_F_TABLE_ALL | RT_F_NO_DUMP);
	ck_assert_uint_eq(mb.len, RT_HDR_SIZE);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_uint_eq(h.magic, RT_PROTO_MAGIC);
	ck_assert_uint_eq(h.version, RT_PROTO_VERSION);
	ck_assert_uint_eq(h.type, RT_MSG_STATUS);
	ck_assert_uint_eq(h.len, RT_HDR_SIZE);
	ck_assert_uint_eq(h.seq, 0xdeadbeef);
	ck_assert_uint_eq(h.count, 0);
	ck_assert_uint_eq(h.flags, RT_F_TABLE_ALL | RT_F_NO_DUMP);
	free(copy);
	/* the magic spells RTMD in memory on little-endian hosts */
	uint32_t one = 1;
	if (*(uint8_t *)&one == 1)
		ck_assert_int_eq(memcmp(mb.data, "RTMD", 4), 0);

	rt_msg_set_flags(&mb, RT_F_MORE);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_uint_eq(h.flags, RT_F_MORE);
	free(copy);

	/* every bodiless request */
	const uint16_t empty[] = { RT_MSG_ARP_LIST, RT_MSG_FLUSH, RT_MSG_STATUS,
	                           RT_MSG_SUBSCRIBE, RT_MSG_ROUTE_LIST, RT_MSG_ROUTES,
	                           RT_MSG_NEIGHS, RT_MSG_EVENTS };
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		rt_msg_begin(&mb, empty[i], (uint32_t)i, 0);
		ck_assert_msg(decode_mb(&h, &copy, err) == 0, "type %u: %s", empty[i], err);
		ck_assert_uint_eq(h.count, 0);
		free(copy);
	}
}
END_TEST

START_TEST(test_route_round_trip)
{
	static struct rt_route in[9];
	in[0] = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, RT_ORIGIN_RTCTL);
	in[1] = test_route("default", "192.0.2.254", NULL, 0, RT_ORIGIN_CONFIG);
	in[2] = test_route("2001:db8::/32", NULL, "wlan-long-name1", 4294967295u, RT_ORIGIN_RTCTL);
	in[3] = test_route("default6", "fe80::1", "eth1", 7, RT_ORIGIN_CONFIG);
	in[4] = test_route("192.0.2.77", NULL, "lo", 1, RT_ORIGIN_RTCTL);
	/* multipath with weights and onlink, a preferred source, a scope */
	in[5] = test_route("10.2.0.0/16", NULL, NULL, 20, RT_ORIGIN_RTCTL);
	test_route_nh(&in[5], "192.0.2.1", "eth0", 1);
	test_route_nh(&in[5], "198.51.100.1", "eth1", 256);
	test_route_nh(&in[5], NULL, "eth2", 3);
	in[5].nh[1].flags = RT_NHF_ONLINK;
	ck_assert_int_eq(rt_addr_parse("10.2.0.1", &in[5].src, NULL), 0);
	in[5].scope = RT_SCOPE_SITE;
	/* a pending blackhole, with the kernel's reason */
	in[6] = test_route("10.3.0.0/16", NULL, NULL, 0, RT_ORIGIN_CONFIG);
	in[6].type = RTN_BLACKHOLE;
	in[6].flags = RT_RF_PENDING;
	snprintf(in[6].reason, sizeof in[6].reason, "key held by bgp");
	/* imported: protocol, tos, disc, an IPv6 gateway for IPv4 (RTA_VIA),
	 * kernel next-hop flags */
	in[7] = test_route("10.4.0.0/16", "fe80::9", "eth0", 5, RT_ORIGIN_KERNEL);
	in[7].protocol = RTPROT_BGP;
	in[7].tos = 0x10;
	in[7].disc = rt_disc_make(RT_DISC_KERNEL, 0x10, 0);
	in[7].nh[0].flags = RT_NHF_LINKDOWN | RT_NHF_DEAD;
	in[8] = test_route("2001:db8:1::/48", "2001:db8::1", "eth0", 1024, RT_ORIGIN_FPM);
	in[8].pref = RT_PREF_HIGH;
	in[8].protocol = 186;
	in[8].disc = RT_DISC_FPM;
	const uint16_t types[] = { RT_MSG_ROUTE_ADD, RT_MSG_ROUTE_REPLACE, RT_MSG_ROUTE_DEL,
	                           RT_MSG_ROUTES };
	struct rt_hdr h;
	uint8_t *copy;
	char err[RT_ERRLEN];
	size_t nin = sizeof in / sizeof in[0];

	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		rt_msg_begin(&mb, types[t], 42, RT_F_BATCH);
		for (size_t i = 0; i < nin; i++)
			ck_assert_int_eq(rt_msg_put_route(&mb, &in[i]), 0);
		ck_assert_uint_eq(rt_msg_count(&mb), nin);
		ck_assert_uint_eq(mb.len, RT_HDR_SIZE + routes_size(in, nin));
		ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
		ck_assert_uint_eq(h.count, nin);
		ck_assert_uint_eq(h.len, mb.len);
		static struct rt_route out;
		struct rt_reader rd;
		rt_msg_reader(&rd, &h, copy);
		for (uint32_t i = 0; i < nin; i++) {
			ck_assert_msg(rt_msg_read_route(&rd, &out, err) == 0, "%u: %s", i, err);
			ck_assert_msg(route_eq(&out, &in[i]), "route %u differs", i);
			ck_assert_msg(rt_msg_get_route(&h, copy, i, &out, err) == 0, "%u: %s", i, err);
			ck_assert_msg(route_eq(&out, &in[i]), "route %u differs (by index)", i);
		}
		ck_assert_int_eq(rt_msg_read_route(&rd, &out, err), RT_E_PROTO);
		ck_assert_int_eq(rt_msg_get_route(&h, copy, (uint32_t)nin, &out, err), RT_E_PROTO);
		ck_assert_int_eq(rt_msg_get_neigh(&h, copy, 0, (struct rt_neigh[1]){0}, err), RT_E_PROTO);
		free(copy);
	}

	/* the single-record forms, and the layout of doc/PROTOCOL.md */
	static uint8_t w[RT_WIRE_ROUTE_MAX];
	static struct rt_route out;
	size_t used = 0;
	ck_assert_uint_eq(rt_route_encode(&in[0], w), RT_WIRE_ROUTE_HEAD + RT_WIRE_NH);
	ck_assert_int_eq(rt_route_decode(w, RT_WIRE_ROUTE_MAX, &out, &used, err), 0);
	ck_assert_uint_eq(used, RT_WIRE_ROUTE_HEAD + RT_WIRE_NH);
	ck_assert(route_eq(&out, &in[0]));
	ck_assert_uint_eq(w[0] | w[1] << 8, RT_WIRE_ROUTE_HEAD + RT_WIRE_NH);
	ck_assert_uint_eq(w[2], AF_INET);
	ck_assert_uint_eq(w[3], 24);
	ck_assert_uint_eq(w[28], RTN_UNICAST);
	ck_assert_uint_eq(w[36], 1);                      /* nh_count */
	ck_assert_uint_eq(w[64], AF_INET);                /* the next hop's gateway */
	ck_assert_uint_eq(w[66], 1);                      /* its weight */
	ck_assert_int_eq(memcmp(w + 64 + 20, "eth0\0\0\0\0\0\0\0\0\0\0\0\0", 16), 0);
	ck_assert_int_eq(rt_route_decode(w, RT_WIRE_ROUTE_HEAD + RT_WIRE_NH - 1, &out, NULL, err),
	                 RT_E_PROTO);
	/* the pending reason: its length with the NUL, padded to 8 */
	size_t n6 = rt_route_encode(&in[6], w);
	ck_assert_uint_eq(n6, RT_WIRE_ROUTE_HEAD + 16);
	ck_assert_uint_eq(w[38], strlen("key held by bgp") + 1);
	ck_assert_int_eq(memcmp(w + 64, "key held by bgp", 16), 0);
	/* a route of RT_NH_MAX next hops fits the smallest message */
	static struct rt_route big;
	big = test_route("10.9.0.0/16", NULL, NULL, 0, 0);
	for (unsigned i = 0; i < RT_NH_MAX; i++) {
		char gw[32];
		snprintf(gw, sizeof gw, "192.0.%u.%u", 2 + i / 250, 1 + i % 250);
		test_route_nh(&big, gw, "eth0", (uint16_t)(1 + i));
	}
	snprintf(big.reason, sizeof big.reason, "%s", "");
	ck_assert_int_eq(rt_route_check(&big, err), 0);
	struct rt_msgbuf m16;
	ck_assert_int_eq(rt_msgbuf_init(&m16, RT_MSG_MIN_MAX), 0);
	struct rt_event bev = { .seq = 1, .kind = RT_EV_ADD, .table = RT_TABLE_ROUTE, .route = &big };
	big.flags = RT_RF_PENDING;
	memset(big.reason, 'r', RT_REASONLEN - 1);
	rt_msg_begin(&m16, RT_MSG_EVENTS, 0, 0);
	ck_assert_int_eq(rt_msg_put_event(&m16, &bev), 0);
	ck_assert_uint_eq(m16.len, RT_HDR_SIZE + RT_WIRE_EVENT_HEAD + RT_WIRE_ROUTE_MAX);
	ck_assert_msg(decode_copy(m16.data, m16.len, &h, &copy, err) == 0, "%s", err);
	struct rt_event bout;
	ck_assert_int_eq(get_event(&h, copy, 0, &bout, err), 0);
	ck_assert(route_eq(bout.route, &big));
	free(copy);
	rt_msgbuf_free(&m16);
}
END_TEST

START_TEST(test_route_key_and_get)
{
	struct rt_route key = test_route("10.1.0.0/16", NULL, NULL, 5, 0), out;
	struct rt_route host = test_route("10.1.2.3", NULL, NULL, 0, 0);
	char err[RT_ERRLEN];

	/* neither gateway nor dev: fine as a key, not as an entry */
	rt_msg_begin(&mb, RT_MSG_ROUTE_DEL, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &key), 0);
	ck_assert_int_eq(get_record(get_route0, 0, err), 0);
	rt_msg_begin(&mb, RT_MSG_ROUTE_LIST, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &key), 0);
	ck_assert_int_eq(get_record(get_route0, 0, err), 0);
	rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &key), 0);
	expect_bad_record(get_route0, RT_E_INVALID, "add without gateway or dev");
	rt_msg_begin(&mb, RT_MSG_ROUTES, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &key), 0);
	expect_bad_record(get_route0, RT_E_INVALID, "listed route without gateway or dev");

	/* gateway family must match the destination's (IPv6 for IPv4 is RTA_VIA) */
	struct rt_route mixed = test_route("2001:db8::/32", "192.0.2.1", NULL, 0, 0);
	rt_msg_begin(&mb, RT_MSG_ROUTE_REPLACE, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &mixed), 0);
	ck_assert_int_ne(get_record(get_route0, 0, err), 0);

	/* GET wants a host address */
	rt_msg_begin(&mb, RT_MSG_ROUTE_GET, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &host), 0);
	struct rt_hdr h;
	uint8_t *copy;
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_route(&h, copy, 0, &out, err), 0);
	ck_assert(route_eq(&out, &host));
	free(copy);
	rt_msg_begin(&mb, RT_MSG_ROUTE_GET, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &key), 0);
	expect_bad_record(get_route0, RT_E_INVALID, "get of a /16");
}
END_TEST

START_TEST(test_neigh_round_trip)
{
	struct rt_neigh in[] = {
		test_neigh("192.0.2.7", "02:00:00:00:00:07", "eth0", RT_ORIGIN_RTCTL),
		test_neigh("2001:db8::7", "AA:BB:CC:DD:EE:FF", "br-lan", RT_ORIGIN_CONFIG),
		test_neigh("fe80::7", "02:00:00:00:00:17", "eth1", RT_ORIGIN_KERNEL),
	};
	in[2].state = NUD_STALE;
	in[2].protocol = RTPROT_ZEBRA;
	in[2].flags = NTF_ROUTER;
	const uint16_t types[] = { RT_MSG_ARP_ADD, RT_MSG_ARP_REPLACE, RT_MSG_ARP_DEL,
	                           RT_MSG_NEIGHS };
	struct rt_hdr h;
	uint8_t *copy;
	char err[RT_ERRLEN];

	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		rt_msg_begin(&mb, types[t], 9, 0);
		for (size_t i = 0; i < 3; i++)
			ck_assert_int_eq(rt_msg_put_neigh(&mb, &in[i]), 0);
		ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
		for (uint32_t i = 0; i < 3; i++) {
			struct rt_neigh out;
			ck_assert_msg(rt_msg_get_neigh(&h, copy, i, &out, err) == 0, "%u: %s", i, err);
			ck_assert(neigh_eq(&out, &in[i]));
		}
		free(copy);
	}

	/* single-record form keeps the slot */
	uint8_t w[RT_WIRE_NEIGH];
	struct rt_neigh out;
	uint32_t slot = 0;
	rt_neigh_encode(&in[1], 12345, w);
	ck_assert_int_eq(rt_neigh_decode(w, &out, &slot, err), 0);
	ck_assert(neigh_eq(&out, &in[1]));
	ck_assert_uint_eq(slot, 12345);
	/* state, protocol and flags where doc/PROTOCOL.md puts them */
	rt_neigh_encode(&in[2], 1, w);
	ck_assert_uint_eq(w[2] | w[3] << 8, NUD_STALE);
	ck_assert_uint_eq(w[46], RTPROT_ZEBRA);
	ck_assert_uint_eq(w[47], NTF_ROUTER);

	/* look-ups: by MAC the address may be absent, by ip it may not */
	struct rt_neigh bymac = test_neigh(NULL, "02:00:00:00:00:07", NULL, 0);
	rt_msg_begin(&mb, RT_MSG_ARP_GET, 1, RT_F_BY_MAC);
	ck_assert_int_eq(rt_msg_put_neigh(&mb, &bymac), 0);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_neigh(&h, copy, 0, &out, err), 0);
	ck_assert(neigh_eq(&out, &bymac));
	free(copy);
	rt_msg_begin(&mb, RT_MSG_ARP_GET, 1, 0);
	ck_assert_int_eq(rt_msg_put_neigh(&mb, &bymac), 0);
	expect_bad_record(get_neigh0, RT_E_INVALID, "get by ip without an ip");
	struct rt_neigh byip = test_neigh("192.0.2.7", NULL, NULL, 0);
	rt_msg_begin(&mb, RT_MSG_ARP_GET, 1, 0);
	ck_assert_int_eq(rt_msg_put_neigh(&mb, &byip), 0);
	ck_assert_int_eq(get_record(get_neigh0, 0, err), 0);

	/* deletion needs the dev; an entry needs it too */
	rt_msg_begin(&mb, RT_MSG_ARP_DEL, 1, 0);
	ck_assert_int_eq(rt_msg_put_neigh(&mb, &byip), 0);
	expect_bad_record(get_neigh0, RT_E_INVALID, "delete without dev");
	rt_msg_begin(&mb, RT_MSG_ARP_ADD, 1, 0);
	ck_assert_int_eq(rt_msg_put_neigh(&mb, &byip), 0);
	expect_bad_record(get_neigh0, RT_E_INVALID, "add without dev");
}
END_TEST

START_TEST(test_event_round_trip)
{
	static struct rt_route r0, r2;
	struct rt_event in[4], out;
	struct rt_hdr h;
	uint8_t *copy;
	char err[RT_ERRLEN];

	memset(in, 0, sizeof in);
	r0 = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	r2 = test_route("10.0.0.0/24", NULL, NULL, 100, 0);
	in[0].seq = 1; in[0].kind = RT_EV_ADD; in[0].table = RT_TABLE_ROUTE;
	in[0].route = &r0;
	in[1].seq = 2; in[1].kind = RT_EV_CHANGE; in[1].table = RT_TABLE_ARP; in[1].slot = 17;
	in[1].neigh = test_neigh("192.0.2.7", "02:00:00:00:00:07", "eth0", 1);
	in[2].seq = UINT64_MAX; in[2].kind = RT_EV_DEL; in[2].table = RT_TABLE_ROUTE;
	in[2].route = &r2;
	in[3].seq = 4; in[3].kind = RT_EV_DEL; in[3].table = RT_TABLE_ARP; in[3].slot = UINT32_MAX;
	in[3].neigh = test_neigh("2001:db8::1", NULL, "eth0", 0);

	rt_msg_begin(&mb, RT_MSG_EVENTS, 0, 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(rt_msg_put_event(&mb, &in[i]), 0);
	ck_assert_uint_eq(mb.len, RT_HDR_SIZE + 4 * RT_WIRE_EVENT_HEAD + rt_route_wire_size(&r0) +
	                  rt_route_wire_size(&r2) + 2 * RT_WIRE_NEIGH);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	for (uint32_t i = 0; i < 4; i++) {
		ck_assert_msg(get_event(&h, copy, i, &out, err) == 0, "%u: %s", i, err);
		ck_assert_uint_eq(out.seq, in[i].seq);
		ck_assert_uint_eq(out.kind, in[i].kind);
		ck_assert_uint_eq(out.table, in[i].table);
		ck_assert_uint_eq(out.slot, in[i].slot);
		if (in[i].table == RT_TABLE_ROUTE)
			ck_assert(route_eq(out.route, in[i].route));
		else
			ck_assert(neigh_eq(&out.neigh, &in[i].neigh));
	}
	free(copy);

	/* an add event must carry a whole entry */
	struct rt_event bad = in[2];
	bad.kind = RT_EV_ADD;
	/* and an event without its route cannot be encoded */
	struct rt_event none = { .kind = RT_EV_ADD, .table = RT_TABLE_ROUTE };
	rt_msg_begin(&mb, RT_MSG_EVENTS, 0, 0);
	ck_assert_int_eq(rt_msg_put_event(&mb, &none), -1);
	rt_msg_begin(&mb, RT_MSG_EVENTS, 0, 0);
	ck_assert_int_eq(rt_msg_put_event(&mb, &bad), 0);
	expect_bad_record(get_event0, RT_E_INVALID, "route add event without gateway/dev");
}
END_TEST

START_TEST(test_reply_round_trips)
{
	struct rt_hdr h;
	uint8_t *copy;
	char err[RT_ERRLEN];

	struct rt_ack ack = { .applied = 7, .changed = 3 }, ack2;
	rt_msg_begin(&mb, RT_MSG_ACK, 5, 0);
	ck_assert_int_eq(rt_msg_put_ack(&mb, &ack), 0);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_ack(&h, copy, &ack2, err), 0);
	ck_assert_uint_eq(ack2.applied, 7);
	ck_assert_uint_eq(ack2.changed, 3);
	ck_assert_uint_eq(h.seq, 5);
	free(copy);

	struct rt_error e = { .code = RT_E_EXISTS, .index = 3, .applied = 2 }, e2;
	snprintf(e.text, sizeof e.text, "10.0.0.0/24 metric 0 already exists");
	rt_msg_begin(&mb, RT_MSG_ERROR, 6, 0);
	ck_assert_int_eq(rt_msg_put_error(&mb, &e), 0);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_error(&h, copy, &e2, err), 0);
	ck_assert_int_eq(memcmp(&e, &e2, sizeof e), 0);
	free(copy);
	/* an unterminated text is cut, not overrun */
	memset(e.text, 'x', sizeof e.text);
	rt_msg_begin(&mb, RT_MSG_ERROR, 6, 0);
	ck_assert_int_eq(rt_msg_put_error(&mb, &e), 0);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_error(&h, copy, &e2, err), 0);
	ck_assert_uint_eq(strlen(e2.text), RT_ERR_TEXT - 1);
	free(copy);

	struct rt_status s, s2;
	memset(&s, 0, sizeof s);
	snprintf(s.version, sizeof s.version, "0.1.0");
	s.uptime_ms = 123456789012ull;
	s.routes = 10; s.routes4 = 6; s.routes6 = 4; s.neighs = 99;
	s.clients = 3; s.subscribers = 2; s.event_seq = 1ull << 40;
	s.sync_always = 1; s.sync_interval_ms = 250;
	s.route_capacity = 1024; s.arp_capacity = 4096;
	memset(s.route_store, 'r', RT_PATHLEN - 1);   /* longest path that fits */
	snprintf(s.arp_store, sizeof s.arp_store, "/var/lib/rtmd/arp.map");
	s.kernel_sync = 1; s.kernel_protocol = 200; s.kernel_table = 254;
	s.kernel_installed_routes = 1; s.kernel_installed_neighs = 2;
	s.kernel_pending_routes = 3; s.kernel_pending_neighs = 4;
	s.kernel_imported_routes = 5; s.kernel_imported_neighs = 6;
	s.kernel_resyncs = 7; s.kernel_unmapped_neighs = 8;
	snprintf(s.kernel_last_error, sizeof s.kernel_last_error, "Nexthop device is not up");
	snprintf(s.fpm_listen, sizeof s.fpm_listen, "127.0.0.1:2620");
	snprintf(s.fpm_peer, sizeof s.fpm_peer, "127.0.0.1:40000");
	s.fpm_connected = 1; s.fpm_routes = 9; s.fpm_replays = 10; s.fpm_ignored = 11;
	memset(s.fpm_last_error, 'e', RT_ERR_TEXT - 1);
	s.fpm_skipped = 12; s.fpm_hidden = 13; s.fpm_groups = 14;
	rt_msg_begin(&mb, RT_MSG_STATUS_REPLY, 7, 0);
	ck_assert_int_eq(rt_msg_put_status(&mb, &s), 0);
	ck_assert_uint_eq(mb.len, RT_HDR_SIZE + RT_WIRE_STATUS);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_status(&h, copy, &s2, err), 0);
	ck_assert_int_eq(memcmp(&s, &s2, sizeof s), 0);
	free(copy);

	struct rt_notice no = { .code = RT_NOTE_TAKEN_OVER, .index = 4 }, no2;
	snprintf(no.text, sizeof no.text, "10.0.0.0/24: was a config entry, now an rtctl entry");
	rt_msg_begin(&mb, RT_MSG_NOTICE, 6, RT_F_MORE);
	ck_assert_int_eq(rt_msg_put_notice(&mb, &no), 0);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_notice(&h, copy, &no2, err), 0);
	ck_assert_int_eq(memcmp(&no, &no2, sizeof no), 0);
	free(copy);
	for (int k = 0; k < 3; k++) {
		rt_msg_begin(&mb, RT_MSG_NOTICE, 6, 0);
		ck_assert_int_eq(rt_msg_put_notice(&mb, &no), 0);
		if (k == 0)
			poke32(RT_HDR_SIZE, RT_NOTE_MAX);
		else if (k == 1)
			poke32(RT_HDR_SIZE + 8, 1);
		else
			memset(mb.data + RT_HDR_SIZE + 12, 'x', RT_ERR_TEXT);
		ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
		ck_assert_msg(rt_msg_get_notice(&h, copy, &no2, err) == RT_E_PROTO, "notice case %d", k);
		free(copy);
	}

	struct rt_hello he, he2;
	memset(&he, 0, sizeof he);
	he.event_seq = 77; he.tables = RT_F_TABLE_ARP;
	snprintf(he.arp_store, sizeof he.arp_store, "/var/lib/rtmd/arp.map");
	rt_msg_begin(&mb, RT_MSG_HELLO, 0, 0);
	ck_assert_int_eq(rt_msg_put_hello(&mb, &he), 0);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_hello(&h, copy, &he2, err), 0);
	ck_assert_int_eq(memcmp(&he, &he2, sizeof he), 0);
	free(copy);

	struct rt_sync sy = { .event_seq = 0x0102030405060708ull }, sy2;
	rt_msg_begin(&mb, RT_MSG_SYNC, 0, 0);
	ck_assert_int_eq(rt_msg_put_sync(&mb, &sy), 0);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_sync(&h, copy, &sy2, err), 0);
	ck_assert_uint_eq(sy2.event_seq, sy.event_seq);
	/* a getter for the wrong record type refuses */
	ck_assert_int_eq(rt_msg_get_ack(&h, copy, &ack2, err), RT_E_PROTO);
	free(copy);
}
END_TEST

/* ---- header rejections ------------------------------------------------- */

static void build_valid_add(void)
{
	struct rt_route r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);

	rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &r), 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &r), 0);
}

START_TEST(test_reject_short)
{
	struct rt_hdr h;
	char err[RT_ERRLEN];
	uint8_t *copy;

	build_valid_add();
	for (size_t n = 0; n < RT_HDR_SIZE; n++) {
		ck_assert_int_eq(decode_copy(mb.data, n, &h, &copy, err), RT_E_PROTO);
		free(copy);
	}
	/* truncated body: len no longer matches */
	for (size_t n = RT_HDR_SIZE; n < mb.len; n++) {
		ck_assert_int_eq(decode_copy(mb.data, n, &h, &copy, err), RT_E_PROTO);
		free(copy);
	}
	ck_assert_int_eq(rt_msg_decode(NULL, 0, &h, NULL), RT_E_PROTO);
}
END_TEST

START_TEST(test_reject_header_fields)
{
	build_valid_add();
	poke32(0, RT_PROTO_MAGIC ^ 1);
	expect_bad_header("wrong magic");

	build_valid_add();
	poke16(4, RT_PROTO_VERSION + 1);
	expect_bad_header("newer version");
	poke16(4, 0);
	expect_bad_header("version 0");

	build_valid_add();
	poke32(8, (uint32_t)mb.len + 1);
	expect_bad_header("len larger than received");
	poke32(8, (uint32_t)mb.len - 1);
	expect_bad_header("len smaller than received");

	/* received more than the header claims */
	build_valid_add();
	{
		struct rt_hdr h;
		char err[RT_ERRLEN];
		uint8_t big[RT_HDR_SIZE + 2 * (RT_WIRE_ROUTE_HEAD + RT_WIRE_NH) + 8] = { 0 }, *copy;
		memcpy(big, mb.data, mb.len);
		ck_assert_int_eq(decode_copy(big, sizeof big, &h, &copy, err), RT_E_PROTO);
		free(copy);
	}

	const uint16_t unknown[] = { 0, 14, 63, 73, 0xffff };
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		build_valid_add();
		poke16(6, unknown[i]);
		expect_bad_header("unknown type");
	}

	for (int bit = 0; bit < 32; bit++) {
		if (RT_F_FLAGS_KNOWN & (1u << bit))
			continue;
		build_valid_add();
		poke32(20, 1u << bit);
		expect_bad_header("unknown flag");
	}

	build_valid_add();
	poke32(16, 3);
	expect_bad_header("count larger than body");
	poke32(16, 1);
	expect_bad_header("count smaller than body");
	poke32(16, 0x80000000u);   /* count * size wraps in 32 bits */
	expect_bad_header("overflowing count");
	poke32(16, UINT32_MAX);
	expect_bad_header("overflowing count 2");

	/* a route's length that does not add up */
	build_valid_add();
	poke16(RT_HDR_SIZE, RT_WIRE_ROUTE_HEAD + RT_WIRE_NH + 8);
	expect_bad_header("route longer than its next hops");
	build_valid_add();
	poke16(RT_HDR_SIZE + 36, 2);
	expect_bad_header("route with more next hops than its length");
	build_valid_add();
	poke16(RT_HDR_SIZE + 38, 1);
	expect_bad_header("route with a reason its length lacks");
	build_valid_add();
	poke16(RT_HDR_SIZE, 0);
	expect_bad_header("route of length 0");

	/* a request type with a body of another record size */
	build_valid_add();
	poke16(6, RT_MSG_ARP_ADD);
	expect_bad_header("routes in an ARP add");
}
END_TEST

START_TEST(test_reject_counts)
{
	struct rt_route r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	struct rt_ack a = { 1, 1 };

	rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, 1, 0);
	expect_bad_header("add with no records");
	rt_msg_begin(&mb, RT_MSG_ROUTE_DEL, 1, 0);
	expect_bad_header("delete with no records");
	rt_msg_begin(&mb, RT_MSG_ARP_REPLACE, 1, 0);
	expect_bad_header("arp replace with no records");
	rt_msg_begin(&mb, RT_MSG_ROUTE_GET, 1, 0);
	expect_bad_header("get with no record");
	rt_msg_begin(&mb, RT_MSG_ACK, 1, 0);
	expect_bad_header("ack with no record");
	rt_msg_begin(&mb, RT_MSG_SYNC, 1, 0);
	expect_bad_header("sync with no record");

	rt_msg_begin(&mb, RT_MSG_ROUTE_LIST, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &r), 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &r), 0);
	expect_bad_header("list with two filters");
	rt_msg_begin(&mb, RT_MSG_ROUTE_GET, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &r), 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &r), 0);
	expect_bad_header("get with two");
	rt_msg_begin(&mb, RT_MSG_ACK, 1, 0);
	ck_assert_int_eq(rt_msg_put_ack(&mb, &a), 0);
	ck_assert_int_eq(rt_msg_put_ack(&mb, &a), 0);
	expect_bad_header("two acks");

	rt_msg_begin(&mb, RT_MSG_FLUSH, 1, RT_F_TABLE_ROUTE);
	poke32(16, 5);   /* 5 records of size 0 fill an empty body */
	expect_bad_header("flush with a count");

	/* bodiless types with a body appended by hand */
	const uint16_t empty[] = { RT_MSG_FLUSH, RT_MSG_STATUS, RT_MSG_SUBSCRIBE, RT_MSG_ARP_LIST };
	for (size_t i = 0; i < 4; i++) {
		rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, 1, 0);
		ck_assert_int_eq(rt_msg_put_route(&mb, &r), 0);
		poke16(6, empty[i]);
		expect_bad_header("bodiless type with a body");
		poke32(16, 0);
		expect_bad_header("bodiless type with count 0 and a body");
	}
}
END_TEST

/* ---- record rejections -------------------------------------------------- */

enum { R_LEN = 0, R_FAMILY = 2, R_PLEN = 3, R_DST = 8, R_DISC = 24, R_TYPE = 28, R_ORIGIN = 29,
       R_TOS = 32, R_FLAGS = 33, R_PREF = 34, R_SRC_FAMILY = 35, R_NH_COUNT = 36, R_SRC = 40,
       R_PAD = 56, R_NH = 64 };
enum { NH_FAMILY = 0, NH_FLAGS = 1, NH_WEIGHT = 2, NH_GW = 4, NH_DEV = 20, NH_PAD = 36 };
enum { N_FAMILY = 0, N_ORIGIN = 1, N_STATE = 2, N_SLOT = 4, N_IP = 8, N_DEV = 24,
       N_PROTOCOL = 46, N_FLAGS = 47 };

static void build_route_msg(uint16_t type, const struct rt_route *r)
{
	rt_msg_begin(&mb, type, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, r), 0);
}

START_TEST(test_reject_route_fields)
{
	struct rt_route r4 = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	struct rt_route r6 = test_route("2001:db8::/64", NULL, "eth0", 0, 0);
	const size_t B = RT_HDR_SIZE, NH = RT_HDR_SIZE + R_NH;
	const uint16_t types[] = { RT_MSG_ROUTE_ADD, RT_MSG_ROUTE_DEL };

	for (size_t t = 0; t < 2; t++) {
		uint16_t ty = types[t];

		build_route_msg(ty, &r4);
		mb.data[B + R_FAMILY] = 0;
		expect_bad_record(get_route0, RT_E_INVALID, "family 0");
		mb.data[B + R_FAMILY] = AF_UNIX;
		expect_bad_record(get_route0, RT_E_INVALID, "family AF_UNIX");
		mb.data[B + R_FAMILY] = 0xff;
		expect_bad_record(get_route0, RT_E_INVALID, "family 255");

		build_route_msg(ty, &r4);
		mb.data[B + R_PLEN] = 33;
		expect_bad_record(get_route0, RT_E_INVALID, "IPv4 /33");
		mb.data[B + R_PLEN] = 255;
		expect_bad_record(get_route0, RT_E_INVALID, "IPv4 /255");
		build_route_msg(ty, &r6);
		mb.data[B + R_PLEN] = 129;
		expect_bad_record(get_route0, RT_E_INVALID, "IPv6 /129");

		build_route_msg(ty, &r4);
		mb.data[B + R_PLEN] = 23;   /* 10.0.0.0/23 is fine, /8 with .0.0 too */
		ck_assert_int_eq(get_record(get_route0, 0, (char[RT_ERRLEN]){0}), 0);
		mb.data[B + R_DST + 3] = 1;   /* 10.0.0.1/23 */
		expect_bad_record(get_route0, RT_E_INVALID, "host bits");
		build_route_msg(ty, &r6);
		mb.data[B + R_DST + 8] = 0x80;   /* 2001:db8::8000:0:0:0/64 */
		expect_bad_record(get_route0, RT_E_INVALID, "IPv6 host bits");

		build_route_msg(ty, &r4);
		mb.data[B + R_DST + 4] = 1;   /* beyond the IPv4 address */
		expect_bad_record(get_route0, RT_E_PROTO, "dst tail");
		build_route_msg(ty, &r4);
		mb.data[NH + NH_GW + 15] = 1;
		expect_bad_record(get_route0, RT_E_PROTO, "gw tail");
		build_route_msg(ty, &r4);
		mb.data[NH + NH_FAMILY] = 0;
		expect_bad_record(get_route0, RT_E_PROTO, "gateway bytes without a family");
		build_route_msg(ty, &r4);
		mb.data[NH + NH_FAMILY] = 7;
		expect_bad_record(get_route0, RT_E_INVALID, "gateway family 7");
		build_route_msg(ty, &r4);
		mb.data[B + R_SRC + 1] = 1;
		expect_bad_record(get_route0, RT_E_PROTO, "source bytes without a family");
		build_route_msg(ty, &r4);
		mb.data[B + R_PAD + 3] = 1;
		expect_bad_record(get_route0, RT_E_PROTO, "head padding");
		build_route_msg(ty, &r4);
		mb.data[NH + NH_PAD + 1] = 1;
		expect_bad_record(get_route0, RT_E_PROTO, "next-hop padding");

		build_route_msg(ty, &r4);
		memset(mb.data + NH + NH_DEV, 'a', 16);
		expect_bad_record(get_route0, RT_E_PROTO, "dev without NUL");
		build_route_msg(ty, &r4);
		mb.data[NH + NH_DEV + 10] = 'x';   /* "eth0\0...x" */
		expect_bad_record(get_route0, RT_E_PROTO, "dev bytes after NUL");
		build_route_msg(ty, &r4);
		mb.data[NH + NH_DEV + 1] = '/';
		expect_bad_record(get_route0, RT_E_INVALID, "dev with a slash");
		build_route_msg(ty, &r4);
		mb.data[NH + NH_DEV + 1] = ' ';
		expect_bad_record(get_route0, RT_E_INVALID, "dev with a space");

		build_route_msg(ty, &r4);
		mb.data[B + R_ORIGIN] = 4;
		expect_bad_record(get_route0, RT_E_INVALID, "origin 4");
		mb.data[B + R_ORIGIN] = 0xff;
		expect_bad_record(get_route0, RT_E_INVALID, "origin 255");
		build_route_msg(ty, &r4);
		poke32(B + R_DISC, 1);
		expect_bad_record(get_route0, RT_E_INVALID, "owned route with a disc");
	}

	/* values only a whole entry is checked for */
	struct { size_t off; uint8_t v; const char *what; } bad[] = {
		{ B + R_TYPE, 0, "type 0" }, { B + R_TYPE, RTN_LOCAL, "owned local route" },
		{ B + R_TYPE, 200, "type 200" }, { B + R_TOS, 0x10, "owned route with tos" },
		{ B + R_FLAGS, 0x80, "unknown route flag" }, { B + R_PREF, RT_PREF_LOW, "IPv4 pref" },
		{ NH + NH_FLAGS, RT_NHF_DEAD, "owned route with a kernel flag" },
		{ NH + NH_FLAGS, 0x80, "unknown next-hop flag" },
		{ NH + NH_WEIGHT + 1, 2, "weight 513" }, { NH + NH_GW + 0, 224, "multicast gateway" },
		{ B + R_TYPE, RTN_BLACKHOLE, "blackhole with a next hop" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		build_route_msg(RT_MSG_ROUTE_DEL, &r4);
		mb.data[bad[i].off] = bad[i].v;
		ck_assert_msg(get_record(get_route0, 0, (char[RT_ERRLEN]){0}) == 0,
		              "a key with %s is refused", bad[i].what);
		build_route_msg(RT_MSG_ROUTE_ADD, &r4);
		mb.data[bad[i].off] = bad[i].v;
		expect_bad_record(get_route0, RT_E_INVALID, bad[i].what);
	}

	/* every record of a message is checked, not only the first */
	rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &r4), 0);
	ck_assert_int_eq(rt_msg_put_route(&mb, &r4), 0);
	mb.data[B + rt_route_wire_size(&r4) + R_ORIGIN] = 9;
	char err[RT_ERRLEN];
	ck_assert_int_eq(get_record(get_route0, 0, err), 0);
	ck_assert_int_eq(get_record(get_route0, 1, err), RT_E_INVALID);

	/* rt_route_decode applies the same checks */
	uint8_t w[RT_WIRE_ROUTE_HEAD + RT_WIRE_NH];
	static struct rt_route out;
	rt_route_encode(&r4, w);
	w[R_PLEN] = 40;
	ck_assert_int_eq(rt_route_decode(w, sizeof w, &out, NULL, err), RT_E_INVALID);
	ck_assert_int_eq(rt_route_decode(w, sizeof w, &out, NULL, NULL), RT_E_INVALID);
}
END_TEST

START_TEST(test_reject_neigh_fields)
{
	struct rt_neigh n = test_neigh("192.0.2.7", "02:00:00:00:00:07", "eth0", 0);
	const size_t B = RT_HDR_SIZE;

#define BUILD() do { rt_msg_begin(&mb, RT_MSG_ARP_ADD, 1, 0); \
		ck_assert_int_eq(rt_msg_put_neigh(&mb, &n), 0); } while (0)
	BUILD();
	mb.data[B + N_FAMILY] = 0;
	expect_bad_record(get_neigh0, RT_E_INVALID, "family 0");
	mb.data[B + N_FAMILY] = 3;
	expect_bad_record(get_neigh0, RT_E_INVALID, "family 3");
	BUILD();
	mb.data[B + N_ORIGIN] = 4;
	expect_bad_record(get_neigh0, RT_E_INVALID, "origin 4");
	BUILD();
	mb.data[B + N_STATE + 1] = 1;
	expect_bad_record(get_neigh0, RT_E_INVALID, "state 0x100");
	BUILD();
	mb.data[B + N_STATE] = NUD_STALE;
	expect_bad_record(get_neigh0, RT_E_INVALID, "an owned entry that is not permanent");
	BUILD();
	mb.data[B + N_FLAGS] = 0x01;
	expect_bad_record(get_neigh0, RT_E_INVALID, "unknown neighbour flag");
	BUILD();
	mb.data[B + N_FLAGS] = NTF_ROUTER;
	expect_bad_record(get_neigh0, RT_E_INVALID, "an owned entry with the router flag");
	BUILD();
	mb.data[B + N_ORIGIN] = RT_ORIGIN_KERNEL;
	mb.data[B + N_STATE] = NUD_STALE;
	mb.data[B + N_FLAGS] = NTF_ROUTER;
	mb.data[B + N_PROTOCOL] = 255;
	ck_assert_int_eq(get_record(get_neigh0, 0, (char[RT_ERRLEN]){0}), 0);
	BUILD();
	poke32(B + N_SLOT, 0);
	expect_bad_record(get_neigh0, RT_E_PROTO, "slot in a request");
	BUILD();
	mb.data[B + N_IP + 4] = 1;
	expect_bad_record(get_neigh0, RT_E_PROTO, "ip tail");
	BUILD();
	memset(mb.data + B + N_DEV, 'e', 16);
	expect_bad_record(get_neigh0, RT_E_PROTO, "dev without NUL");
	BUILD();
	mb.data[B + N_DEV + 15] = 'e';
	expect_bad_record(get_neigh0, RT_E_PROTO, "dev bytes after NUL");
	BUILD();
	memset(mb.data + B + N_DEV, 0, 16);
	memcpy(mb.data + B + N_DEV, "..", 2);
	expect_bad_record(get_neigh0, RT_E_INVALID, "dev ..");
	BUILD();
	memset(mb.data + B + N_DEV, 0, 16);
	expect_bad_record(get_neigh0, RT_E_INVALID, "empty dev");
#undef BUILD

	/* by-MAC look-up with address bytes but no family */
	struct rt_neigh m = test_neigh(NULL, "02:00:00:00:00:07", NULL, 0);
	rt_msg_begin(&mb, RT_MSG_ARP_GET, 1, RT_F_BY_MAC);
	ck_assert_int_eq(rt_msg_put_neigh(&mb, &m), 0);
	mb.data[B + N_IP] = 10;
	expect_bad_record(get_neigh0, RT_E_PROTO, "address bytes without family");

	uint8_t w[RT_WIRE_NEIGH];
	struct rt_neigh out;
	char err[RT_ERRLEN];
	rt_neigh_encode(&n, 3, w);
	w[N_ORIGIN] = 7;
	ck_assert_int_eq(rt_neigh_decode(w, &out, NULL, err), RT_E_INVALID);
	(void)N_IP;
}
END_TEST

START_TEST(test_reject_event_and_replies)
{
	const size_t B = RT_HDR_SIZE;
	struct rt_event e;
	char err[RT_ERRLEN];
	struct rt_hdr h;
	uint8_t *copy;

	memset(&e, 0, sizeof e);
	e.seq = 1; e.kind = RT_EV_ADD; e.table = RT_TABLE_ARP; e.slot = 4;
	e.neigh = test_neigh("192.0.2.7", "02:00:00:00:00:07", "eth0", 0);
#define BUILD() do { rt_msg_begin(&mb, RT_MSG_EVENTS, 1, 0); \
		ck_assert_int_eq(rt_msg_put_event(&mb, &e), 0); } while (0)
	BUILD();
	ck_assert_int_eq(get_record(get_event0, 0, err), 0);
	mb.data[B + 8] = 0;
	expect_bad_record(get_event0, RT_E_PROTO, "kind 0");
	mb.data[B + 8] = 4;
	expect_bad_record(get_event0, RT_E_PROTO, "kind 4");
	BUILD();
	mb.data[B + 9] = 0;
	expect_bad_record(get_event0, RT_E_PROTO, "table 0");
	mb.data[B + 9] = 3;
	expect_bad_record(get_event0, RT_E_PROTO, "table 3");
	BUILD();
	mb.data[B + 11] = 1;
	expect_bad_record(get_event0, RT_E_PROTO, "event pad");
	BUILD();
	poke32(B + 12, 5);
	expect_bad_record(get_event0, RT_E_PROTO, "slots disagree");
	BUILD();
	mb.data[B + 9] = RT_TABLE_ROUTE;   /* a neigh read as a route: framing */
	expect_bad_header("a neighbour framed as a route");
#undef BUILD
	static struct rt_route er0;
	er0 = test_route("10.0.0.0/24", NULL, "eth0", 0, 0);
	e.table = RT_TABLE_ROUTE;
	e.slot = 0;
	e.route = &er0;
	rt_msg_begin(&mb, RT_MSG_EVENTS, 1, 0);
	ck_assert_int_eq(rt_msg_put_event(&mb, &e), 0);
	ck_assert_int_eq(get_record(get_event0, 0, err), 0);
	poke32(B + 12, 1);
	expect_bad_record(get_event0, RT_E_PROTO, "route event with a slot");

	/* error */
	struct rt_error er = { .code = RT_E_PERM }, er2;
	rt_msg_begin(&mb, RT_MSG_ERROR, 1, 0);
	ck_assert_int_eq(rt_msg_put_error(&mb, &er), 0);
	poke32(B, RT_E_MAX);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_error(&h, copy, &er2, err), RT_E_PROTO);
	free(copy);
	poke32(B, RT_OK);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_error(&h, copy, &er2, err), RT_E_PROTO);
	free(copy);
	poke32(B, RT_E_PERM);
	memset(mb.data + B + 12, 'x', RT_ERR_TEXT);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_error(&h, copy, &er2, err), RT_E_PROTO);
	free(copy);

	/* ack: more changed than applied is nonsense */
	struct rt_ack a = { .applied = 1, .changed = 2 }, a2;
	rt_msg_begin(&mb, RT_MSG_ACK, 1, 0);
	ck_assert_int_eq(rt_msg_put_ack(&mb, &a), 0);
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_ack(&h, copy, &a2, err), RT_E_PROTO);
	free(copy);

	/* status: strings, flag byte, padding */
	struct rt_status s, s2;
	memset(&s, 0, sizeof s);
	snprintf(s.version, sizeof s.version, "1");
	for (int k = 0; k < 4; k++) {
		rt_msg_begin(&mb, RT_MSG_STATUS_REPLY, 1, 0);
		ck_assert_int_eq(rt_msg_put_status(&mb, &s), 0);
		switch (k) {
		case 0: memset(mb.data + B, 'v', 32); break;           /* version */
		case 1: mb.data[B + 88] = 2; break;                    /* sync_always */
		case 2: mb.data[B + 90] = 1; break;                    /* pad */
		case 3: mb.data[B + 1124] = 1; break;                 /* pad after the FPM error */
		}
		ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
		ck_assert_msg(rt_msg_get_status(&h, copy, &s2, err) == RT_E_PROTO, "status case %d", k);
		free(copy);
	}
	rt_msg_begin(&mb, RT_MSG_STATUS_REPLY, 1, 0);
	ck_assert_int_eq(rt_msg_put_status(&mb, &s), 0);
	memset(mb.data + B + 112 + 256, 'p', 256);   /* arp_store */
	ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
	ck_assert_int_eq(rt_msg_get_status(&h, copy, &s2, err), RT_E_PROTO);
	free(copy);

	/* hello */
	struct rt_hello he = { .tables = RT_F_TABLE_ALL }, he2;
	for (int k = 0; k < 4; k++) {
		rt_msg_begin(&mb, RT_MSG_HELLO, 1, 0);
		ck_assert_int_eq(rt_msg_put_hello(&mb, &he), 0);
		switch (k) {
		case 0: poke32(B + 8, 0); break;
		case 1: poke32(B + 8, RT_F_TABLE_ALL | RT_F_MORE); break;
		case 2: mb.data[B + 13] = 1; break;
		case 3: memset(mb.data + B + 16, 'a', RT_PATHLEN); break;
		}
		ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
		ck_assert_msg(rt_msg_get_hello(&h, copy, &he2, err) == RT_E_PROTO, "hello case %d", k);
		free(copy);
	}
}
END_TEST

/* ---- message buffer ----------------------------------------------------- */

START_TEST(test_msgbuf_limits)
{
	struct rt_route r = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	struct rt_msgbuf small;
	size_t cap;
	uint32_t i;

	ck_assert_uint_eq(rt_msg_capacity(RT_MSG_ROUTE_ADD, 65536), (65536 - 24) / 104);
	ck_assert_uint_eq(rt_msg_capacity(RT_MSG_NEIGHS, 65536), (65536 - 24) / 48);
	ck_assert_uint_eq(rt_msg_capacity(RT_MSG_EVENTS, 1024), (1024 - 24) / 120);
	ck_assert_uint_eq(rt_msg_capacity(RT_MSG_STATUS, 65536), 0);
	ck_assert_uint_eq(rt_msg_capacity(RT_MSG_ROUTES, 10), 0);
	ck_assert_uint_eq(rt_msg_capacity(RT_MSG_HELLO, 65536), (65536 - 24) / RT_WIRE_HELLO);
	ck_assert_uint_eq(rt_msg_capacity(999, 65536), 0);
	ck_assert_ptr_null(rt_msg_desc(999));
	ck_assert_ptr_null(rt_msg_desc(14));
	ck_assert_ptr_null(rt_msg_desc(0));
	ck_assert_str_eq(rt_msg_desc(RT_MSG_NOTICE)->name, "NOTICE");
	ck_assert_uint_eq(rt_msg_desc(RT_MSG_ROUTE_DEL)->op, RT_OP_DEL);
	ck_assert_uint_eq(rt_msg_desc(RT_MSG_ARP_GET)->table, RT_TABLE_ARP);
	ck_assert_uint_eq(rt_msg_desc(RT_MSG_ROUTES)->op, RT_OP_NONE);

	/* fills to exactly the capacity, growing on the way */
	cap = rt_msg_capacity(RT_MSG_ROUTES, RT_MSG_MAX_DEFAULT);
	rt_msg_begin(&mb, RT_MSG_ROUTES, 3, RT_F_MORE);
	for (i = 0; rt_msg_put_route(&mb, &r) == 0; i++)
		ck_assert_uint_le(mb.len, mb.max);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(i, cap);
	ck_assert_uint_eq(rt_msg_count(&mb), cap);
	ck_assert_uint_le(mb.cap, mb.max);
	{
		struct rt_hdr h;
		uint8_t *copy;
		char err[RT_ERRLEN];
		ck_assert_int_eq(decode_mb(&h, &copy, err), 0);
		ck_assert_uint_eq(h.count, cap);
		ck_assert_uint_eq(h.flags, RT_F_MORE);
		free(copy);
	}

	/* a new message starts empty in the same buffer */
	rt_msg_begin(&mb, RT_MSG_ACK, 4, 0);
	ck_assert_uint_eq(mb.len, RT_HDR_SIZE);
	ck_assert_uint_eq(rt_msg_count(&mb), 0);

	/* records that do not belong in the message are refused */
	ck_assert_int_eq(rt_msg_put_route(&mb, &r), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(rt_msg_count(&mb), 0);

	/* a message that can hold the header and nothing else */
	ck_assert_int_eq(rt_msgbuf_init(&small, RT_HDR_SIZE + RT_WIRE_ROUTE_HEAD + RT_WIRE_NH - 1), 0);
	rt_msg_begin(&small, RT_MSG_ROUTES, 1, 0);
	ck_assert_int_eq(rt_msg_put_route(&small, &r), -1);
	ck_assert_uint_eq(small.len, RT_HDR_SIZE);
	rt_msgbuf_free(&small);
	ck_assert_int_eq(rt_msgbuf_init(&small, RT_HDR_SIZE - 1), -1);
	rt_msgbuf_free(&small);

	/* growth from a small start up to exactly max */
	ck_assert_int_eq(rt_msgbuf_init(&small, 10000), 0);
	rt_msg_begin(&small, RT_MSG_ROUTES, 1, 0);
	for (i = 0; rt_msg_put_route(&small, &r) == 0; i++)
		;
	ck_assert_uint_eq(i, (10000 - 24) / 104);
	rt_msgbuf_free(&small);
}
END_TEST

START_TEST(test_err_str)
{
	ck_assert_str_eq(rt_err_str(RT_OK), "ok");
	ck_assert_str_eq(rt_err_str(RT_E_EXISTS), "exists");
	ck_assert_str_eq(rt_err_str(RT_E_NOTFOUND), "not found");
	ck_assert_str_eq(rt_err_str(RT_E_PERM), "permission denied");
	ck_assert_str_eq(rt_err_str(RT_E_FULL), "table full");
	ck_assert_str_eq(rt_err_str(RT_E_INVALID), "invalid argument");
	ck_assert_str_eq(rt_err_str(RT_E_PROTO), "protocol error");
	ck_assert_str_eq(rt_err_str(RT_E_SKIPPED), "skipped after an earlier failure");
	ck_assert_str_eq(rt_err_str(RT_E_TOOBIG), "message too big");
	ck_assert_str_eq(rt_err_str(RT_E_INTERNAL), "internal error");
	ck_assert_str_eq(rt_err_str(RT_E_BUSY), "busy, try again");
	ck_assert_str_eq(rt_err_str(RT_E_NOSPACE), "disk full");
	ck_assert_ptr_nonnull(rt_err_str(RT_E_MAX));
	ck_assert_ptr_nonnull(rt_err_str(-1));
}
END_TEST

/* ---- fuzzing ------------------------------------------------------------ */

/* A xorshift generator: reproducible across libcs, seedable from the
 * environment to replay a failure. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Decode a whole message and, if every record is accepted, check that each
 * record passes the validators and that re-encoding yields the same bytes:
 * what the decoder lets through is exactly what an encoder can produce.
 * Returns 1 if accepted, 0 if rejected. */
static int check_message(const uint8_t *buf, size_t n)
{
	struct rt_hdr h;
	struct rt_msgbuf re;
	char err[RT_ERRLEN];
	uint8_t *copy;
	int ok = 1;

	if (decode_copy(buf, n, &h, &copy, err) != 0) {
		ck_assert_msg(err[0], "rejected without a reason");
		free(copy);
		return 0;
	}
	ck_assert_uint_eq(h.len, n);
	ck_assert_int_eq(rt_msgbuf_init(&re, n > RT_HDR_SIZE ? n : RT_HDR_SIZE), 0);
	rt_msg_begin(&re, h.type, h.seq, h.flags);
	const struct rt_msg_desc *d = rt_msg_desc(h.type);
	ck_assert_ptr_nonnull(d);
	struct rt_reader rd;
	rt_msg_reader(&rd, &h, copy);
	for (uint32_t i = 0; ok && i < h.count; i++) {
		static struct rt_route r, er;
		struct rt_neigh nb;
		struct rt_event e;
		struct rt_ack a;
		struct rt_error ee;
		struct rt_notice no;
		struct rt_status s;
		struct rt_hello he;
		struct rt_sync sy;
		char why[RT_ERRLEN];
		int rc;

		err[0] = 0;
		switch (d->kind) {
		case RT_REC_ROUTE:
			rc = rt_msg_read_route(&rd, &r, err);
			if (rc == 0) {
				ck_assert_msg(rt_prefix_check(&r.dst, why) == 0, "%s", why);
				if (d->use == RT_USE_ENTRY)
					ck_assert_msg(rt_route_check(&r, why) == 0, "%s", why);
				ck_assert_int_eq(rt_msg_put_route(&re, &r), 0);
			}
			break;
		case RT_REC_NEIGH:
			rc = rt_msg_read_neigh(&rd, &nb, err);
			if (rc == 0) {
				if (d->use == RT_USE_ENTRY)
					ck_assert_msg(rt_neigh_check(&nb, why) == 0, "%s", why);
				ck_assert_int_eq(rt_msg_put_neigh(&re, &nb), 0);
			}
			break;
		case RT_REC_EVENT:
			rc = rt_msg_read_event(&rd, &e, &er, err);
			if (rc == 0) {
				ck_assert(e.kind >= RT_EV_ADD && e.kind <= RT_EV_DEL);
				ck_assert(e.table == RT_TABLE_ROUTE || e.table == RT_TABLE_ARP);
				if (e.kind != RT_EV_DEL) {
					if (e.table == RT_TABLE_ROUTE)
						ck_assert_msg(rt_route_check(e.route, why) == 0, "%s", why);
					else
						ck_assert_msg(rt_neigh_check(&e.neigh, why) == 0, "%s", why);
				}
				ck_assert_int_eq(rt_msg_put_event(&re, &e), 0);
			}
			break;
		case RT_REC_ACK:
			rc = rt_msg_get_ack(&h, copy, &a, err);
			if (rc == 0)
				ck_assert_int_eq(rt_msg_put_ack(&re, &a), 0);
			break;
		case RT_REC_ERROR:
			rc = rt_msg_get_error(&h, copy, &ee, err);
			if (rc == 0) {
				ck_assert(ee.code > 0 && ee.code < RT_E_MAX);
				ck_assert(memchr(ee.text, 0, sizeof ee.text));
				ck_assert_int_eq(rt_msg_put_error(&re, &ee), 0);
			}
			break;
		case RT_REC_NOTICE:
			rc = rt_msg_get_notice(&h, copy, &no, err);
			if (rc == 0) {
				ck_assert(memchr(no.text, 0, sizeof no.text));
				ck_assert_int_eq(rt_msg_put_notice(&re, &no), 0);
			}
			break;
		case RT_REC_STATUS:
			rc = rt_msg_get_status(&h, copy, &s, err);
			if (rc == 0) {
				ck_assert(memchr(s.version, 0, sizeof s.version));
				ck_assert(memchr(s.route_store, 0, sizeof s.route_store));
				ck_assert(memchr(s.arp_store, 0, sizeof s.arp_store));
				ck_assert(memchr(s.kernel_last_error, 0, sizeof s.kernel_last_error));
				ck_assert(memchr(s.fpm_peer, 0, sizeof s.fpm_peer));
				ck_assert_int_eq(rt_msg_put_status(&re, &s), 0);
			}
			break;
		case RT_REC_HELLO:
			rc = rt_msg_get_hello(&h, copy, &he, err);
			if (rc == 0) {
				ck_assert(memchr(he.arp_store, 0, sizeof he.arp_store));
				ck_assert_int_eq(rt_msg_put_hello(&re, &he), 0);
			}
			break;
		case RT_REC_SYNC:
			rc = rt_msg_get_sync(&h, copy, &sy, err);
			if (rc == 0)
				ck_assert_int_eq(rt_msg_put_sync(&re, &sy), 0);
			break;
		default:
			ck_abort_msg("records in a message of type %u", h.type);
			rc = -1;
		}
		if (rc) {
			ck_assert_msg(rc == RT_E_PROTO || rc == RT_E_INVALID, "code %d", rc);
			ck_assert_msg(err[0], "record rejected without a reason");
			ok = 0;
		}
	}
	if (ok) {
		ck_assert_uint_eq(re.len, n);
		ck_assert_msg(memcmp(re.data, copy, n) == 0,
		              "type %u: accepted message does not re-encode identically", h.type);
	}
	rt_msgbuf_free(&re);
	free(copy);
	return ok;
}

/* One valid message of every type, kept as byte strings. */
struct sample { uint8_t *buf; size_t len; };

static size_t make_samples(struct sample *out, size_t max)
{
	size_t k = 0;
	static struct rt_route r1, r2, rh, r3;
	r1 = test_route("10.0.0.0/24", "192.0.2.1", "eth0", 100, 0);
	r2 = test_route("2001:db8::/48", NULL, "eth1", 5, 1);
	rh = test_route("192.0.2.9", NULL, NULL, 0, 0);
	/* multipath, pending with a reason, a source, an imported one */
	r3 = test_route("10.8.0.0/16", NULL, NULL, 20, 0);
	test_route_nh(&r3, "192.0.2.1", "eth0", 2);
	test_route_nh(&r3, "fe80::1", "eth1", 1);
	ck_assert_int_eq(rt_addr_parse("10.8.0.1", &r3.src, NULL), 0);
	r3.flags = RT_RF_PENDING;
	snprintf(r3.reason, sizeof r3.reason, "No such device");
	struct rt_route *rk = &rh;
	struct rt_neigh n1 = test_neigh("192.0.2.7", "02:00:00:00:00:07", "eth0", 0);
	struct rt_neigh n2 = test_neigh("fe80::1", "aa:bb:cc:dd:ee:ff", "wlan0", 1);
	struct rt_neigh nm = test_neigh(NULL, "02:00:00:00:00:07", NULL, 0);
	struct rt_event ev[2];
	struct rt_ack ack = { 2, 1 };
	struct rt_error er = { .code = RT_E_NOTFOUND, .index = 1, .applied = 1, .text = "gone" };
	struct rt_notice no = { .code = RT_NOTE_PENDING, .index = 0, .text = "pending (No such device)" };
	struct rt_status st;
	struct rt_hello he = { .event_seq = 9, .tables = RT_F_TABLE_ALL, .arp_store = "/x/arp" };
	struct rt_sync sy = { 10 };

	memset(ev, 0, sizeof ev);
	ev[0].seq = 10; ev[0].kind = RT_EV_CHANGE; ev[0].table = RT_TABLE_ROUTE; ev[0].route = &r3;
	ev[1].seq = 11; ev[1].kind = RT_EV_ADD; ev[1].table = RT_TABLE_ARP; ev[1].slot = 3;
	ev[1].neigh = n2;
	memset(&st, 0, sizeof st);
	snprintf(st.version, sizeof st.version, "0.1.0");
	snprintf(st.route_store, sizeof st.route_store, "/var/lib/rtmd/routes");
	snprintf(st.arp_store, sizeof st.arp_store, "/var/lib/rtmd/arp");
	st.routes = 2; st.sync_always = 1;

#define ADD() do { ck_assert(k < max); out[k].len = mb.len; out[k].buf = malloc(mb.len); \
		memcpy(out[k].buf, mb.data, mb.len); k++; } while (0)
	rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, 1, RT_F_BATCH | RT_F_BATCH_START);
	rt_msg_put_route(&mb, &r1); rt_msg_put_route(&mb, &r2); rt_msg_put_route(&mb, &r3); ADD();
	rt_msg_begin(&mb, RT_MSG_ROUTE_DEL, 2, RT_F_TAKE_CONFIG);
	rt_msg_put_route(&mb, rk); ADD();
	rt_msg_begin(&mb, RT_MSG_ROUTE_LIST, 3, 0);
	rt_msg_put_route(&mb, &r2); ADD();
	rt_msg_begin(&mb, RT_MSG_ROUTE_GET, 4, 0);
	rt_msg_put_route(&mb, &rh); ADD();
	rt_msg_begin(&mb, RT_MSG_ARP_REPLACE, 5, RT_F_FORCE);
	rt_msg_put_neigh(&mb, &n1); rt_msg_put_neigh(&mb, &n2); ADD();
	rt_msg_begin(&mb, RT_MSG_ARP_DEL, 5, 0);
	rt_msg_put_neigh(&mb, &n1); ADD();
	rt_msg_begin(&mb, RT_MSG_ARP_GET, 6, RT_F_BY_MAC);
	rt_msg_put_neigh(&mb, &nm); ADD();
	rt_msg_begin(&mb, RT_MSG_SUBSCRIBE, 7, RT_F_TABLE_ALL);
	ADD();
	rt_msg_begin(&mb, RT_MSG_ACK, 8, 0);
	rt_msg_put_ack(&mb, &ack); ADD();
	rt_msg_begin(&mb, RT_MSG_ERROR, 8, 0);
	rt_msg_put_error(&mb, &er); ADD();
	rt_msg_begin(&mb, RT_MSG_NOTICE, 8, RT_F_MORE);
	rt_msg_put_notice(&mb, &no); ADD();
	rt_msg_begin(&mb, RT_MSG_ROUTES, 9, RT_F_MORE);
	rt_msg_put_route(&mb, &r1); rt_msg_put_route(&mb, &r2); ADD();
	rt_msg_begin(&mb, RT_MSG_NEIGHS, 9, 0);
	rt_msg_put_neigh(&mb, &n2); ADD();
	rt_msg_begin(&mb, RT_MSG_STATUS_REPLY, 10, 0);
	rt_msg_put_status(&mb, &st); ADD();
	rt_msg_begin(&mb, RT_MSG_EVENTS, 0, 0);
	rt_msg_put_event(&mb, &ev[0]); rt_msg_put_event(&mb, &ev[1]); ADD();
	rt_msg_begin(&mb, RT_MSG_HELLO, 0, 0);
	rt_msg_put_hello(&mb, &he); ADD();
	rt_msg_begin(&mb, RT_MSG_SYNC, 0, 0);
	rt_msg_put_sync(&mb, &sy); ADD();
#undef ADD
	return k;
}

START_TEST(test_fuzz_single_bytes)
{
	struct sample s[32];
	size_t ns = make_samples(s, 32);
	unsigned long accepted = 0, rejected = 0;

	for (size_t k = 0; k < ns; k++) {
		uint8_t *m = malloc(s[k].len);

		ck_assert_msg(check_message(s[k].buf, s[k].len) == 1, "sample %zu invalid", k);
		/* every byte through the values that matter to some field:
		 * extremes, each single bit flipped, neighbours, families,
		 * prefix-length bounds and characters interface names refuse */
		for (size_t pos = 0; pos < s[k].len; pos++) {
			const uint8_t o = s[k].buf[pos];
			const uint8_t vals[] = {
				0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff, (uint8_t)(o + 1), (uint8_t)(o - 1),
				o ^ 0x01, o ^ 0x02, o ^ 0x04, o ^ 0x08, o ^ 0x10, o ^ 0x20, o ^ 0x40, o ^ 0x80,
				AF_INET, AF_INET6, 23, 24, 32, 33, 64, 65, 128, 129, '/', ' ', ':', '.', 'a',
			};
			for (size_t vi = 0; vi < sizeof vals; vi++) {
				memcpy(m, s[k].buf, s[k].len);
				if (m[pos] == vals[vi])
					continue;
				m[pos] = vals[vi];
				if (check_message(m, s[k].len))
					accepted++;
				else
					rejected++;
			}
		}
		free(m);
		free(s[k].buf);
	}
	/* both outcomes must occur, or the fuzzing proves nothing */
	ck_assert_uint_gt(accepted, 1000);
	ck_assert_uint_gt(rejected, 10000);
}
END_TEST

START_TEST(test_fuzz_random)
{
	struct sample s[32];
	size_t ns = make_samples(s, 32);
	const char *env = getenv("RTMD_FUZZ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eed1234abcdull;
	unsigned long iters = 60000;

	rng_state = seed ? seed : 1;
	for (unsigned long it = 0; it < iters; it++) {
		struct sample *x = &s[rng() % ns];
		size_t len = x->len;
		uint8_t *m;

		/* sometimes cut or extend the message (and fix up len so that
		 * the count check, not the len check, must catch it) */
		switch (rng() % 8) {
		case 0:
			len = rng() % (x->len + 1);
			break;
		case 1:
			len = x->len + rng() % 80;
			break;
		default:
			break;
		}
		m = calloc(1, len ? len : 1);
		ck_assert_ptr_nonnull(m);
		memcpy(m, x->buf, len < x->len ? len : x->len);
		if (len >= RT_HDR_SIZE && rng() % 2) {
			uint32_t l = (uint32_t)len;
			memcpy(m + 8, &l, 4);
		}
		for (int j = 0, nmut = 1 + (int)(rng() % 4); j < nmut && len; j++) {
			size_t pos = rng() % len;
			switch (rng() % 3) {
			case 0: m[pos] = (uint8_t)rng(); break;
			case 1: m[pos] ^= (uint8_t)(1u << (rng() % 8)); break;
			case 2: m[pos] = 0; break;
			}
		}
		check_message(m, len);
		free(m);
	}
	for (size_t k = 0; k < ns; k++)
		free(s[k].buf);
}
END_TEST

static Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("codec");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_header_round_trip);
	tcase_add_test(tc, test_route_round_trip);
	tcase_add_test(tc, test_route_key_and_get);
	tcase_add_test(tc, test_neigh_round_trip);
	tcase_add_test(tc, test_event_round_trip);
	tcase_add_test(tc, test_reply_round_trips);
	tcase_add_test(tc, test_reject_short);
	tcase_add_test(tc, test_reject_header_fields);
	tcase_add_test(tc, test_reject_counts);
	tcase_add_test(tc, test_reject_route_fields);
	tcase_add_test(tc, test_reject_neigh_fields);
	tcase_add_test(tc, test_reject_event_and_replies);
	tcase_add_test(tc, test_msgbuf_limits);
	tcase_add_test(tc, test_err_str);
	suite_add_tcase(s, tc);

	TCase *fz = tcase_create("fuzz");
	tcase_add_checked_fixture(fz, setup, teardown);
	tcase_set_timeout(fz, 300);
	tcase_add_test(fz, test_fuzz_single_bytes);
	tcase_add_test(fz, test_fuzz_random);
	suite_add_tcase(s, fz);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(proto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
