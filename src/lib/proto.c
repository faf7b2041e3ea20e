/* proto.c - encoding and validating rtmd wire messages.
 *
 * Every byte a peer sends is checked here before any other module sees a
 * value: encoders always write canonical records (padding zero, strings
 * NUL-padded), and decoders refuse anything an encoder would not have
 * written, so a message that decodes is one that re-encodes identically.
 */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Offsets inside the records; doc/PROTOCOL.md has the same tables. */
enum {
	H_MAGIC = 0, H_VERSION = 4, H_TYPE = 6, H_LEN = 8, H_SEQ = 12,
	H_COUNT = 16, H_FLAGS = 20,

	/* route head */
	R_LEN = 0, R_FAMILY = 2, R_PLEN = 3, R_METRIC = 4, R_DST = 8, R_DISC = 24,
	R_TYPE = 28, R_ORIGIN = 29, R_PROTOCOL = 30, R_SCOPE = 31, R_TOS = 32, R_FLAGS = 33,
	R_PREF = 34, R_SRC_FAMILY = 35, R_NH_COUNT = 36, R_REASON_LEN = 38, R_SRC = 40,
	R_PAD = 56, R_END = 64,
	/* next hop */
	NH_FAMILY = 0, NH_FLAGS = 1, NH_WEIGHT = 2, NH_GW = 4, NH_DEV = 20, NH_PAD = 36,
	NH_END = 40,

	N_FAMILY = 0, N_ORIGIN = 1, N_STATE = 2, N_SLOT = 4, N_IP = 8,
	N_DEV = 24, N_LLADDR = 40, N_PROTOCOL = 46, N_FLAGS = 47, N_END = 48,

	E_SEQ = 0, E_KIND = 8, E_TABLE = 9, E_PAD = 10, E_SLOT = 12, E_REC = 16,

	ER_CODE = 0, ER_INDEX = 4, ER_APPLIED = 8, ER_TEXT = 12,

	S_VERSION = 0, S_UPTIME = 32, S_ROUTES = 40, S_ROUTES4 = 48,
	S_ROUTES6 = 56, S_NEIGHS = 64, S_CLIENTS = 72, S_SUBSCRIBERS = 76,
	S_EVENT_SEQ = 80, S_SYNC_ALWAYS = 88, S_PAD = 89,
	S_SYNC_INTERVAL = 92, S_ROUTE_CAP = 96, S_ARP_CAP = 104,
	S_ROUTE_STORE = 112, S_ARP_STORE = S_ROUTE_STORE + RT_PATHLEN,
	S_K_SYNC = S_ARP_STORE + RT_PATHLEN, S_K_PROTOCOL = S_K_SYNC + 1, S_K_PAD = S_K_SYNC + 2,
	S_K_TABLE = S_K_SYNC + 4, S_K_INST_R = S_K_SYNC + 8, S_K_INST_N = S_K_INST_R + 8,
	S_K_PEND_R = S_K_INST_N + 8, S_K_PEND_N = S_K_PEND_R + 8, S_K_IMP_R = S_K_PEND_N + 8,
	S_K_IMP_N = S_K_IMP_R + 8, S_K_RESYNCS = S_K_IMP_N + 8, S_K_UNMAPPED = S_K_RESYNCS + 8,
	S_K_ERROR = S_K_UNMAPPED + 8, S_K_END = S_K_ERROR + RT_ERR_TEXT,
	S_F_LISTEN = (S_K_END + 7) & ~7, S_F_PEER = S_F_LISTEN + RT_ADDRPORTLEN,
	S_F_CONNECTED = S_F_PEER + RT_ADDRPORTLEN, S_F_PAD = S_F_CONNECTED + 1,
	S_F_ROUTES = S_F_CONNECTED + 8, S_F_REPLAYS = S_F_ROUTES + 8,
	S_F_IGNORED = S_F_REPLAYS + 8, S_F_ERROR = S_F_IGNORED + 8,
	S_F_ERROR_END = S_F_ERROR + RT_ERR_TEXT, S_F_SKIPPED = (S_F_ERROR_END + 7) & ~7,
	S_F_HIDDEN = S_F_SKIPPED + 8, S_F_GROUPS = S_F_HIDDEN + 8,
	S_END = S_F_GROUPS + 8,

	HE_EVENT_SEQ = 0, HE_TABLES = 8, HE_PAD = 12, HE_ARP_STORE = 16,
	HE_END = HE_ARP_STORE + RT_PATHLEN,
};

#define NEIGH_NO_SLOT UINT32_MAX

_Static_assert(sizeof(struct rt_hdr) == RT_HDR_SIZE, "header layout");
_Static_assert(R_END == RT_WIRE_ROUTE_HEAD && R_SRC + 16 == R_PAD, "route layout");
_Static_assert(NH_END == RT_WIRE_NH && NH_DEV + RT_IFNAMSIZ == NH_PAD, "next-hop layout");
_Static_assert(N_END == RT_WIRE_NEIGH && N_LLADDR + 6 == N_PROTOCOL, "neigh layout");
_Static_assert(E_REC == RT_WIRE_EVENT_HEAD, "event layout");
_Static_assert(ER_TEXT + RT_ERR_TEXT == RT_WIRE_ERROR, "error layout");
_Static_assert(RT_WIRE_NOTICE == RT_WIRE_ERROR, "a notice is laid out as an error");
_Static_assert(S_END <= RT_WIRE_STATUS && RT_WIRE_STATUS % 8 == 0 &&
               RT_WIRE_STATUS - S_END < 8, "status layout");
_Static_assert(HE_END <= RT_WIRE_HELLO && RT_WIRE_HELLO % 8 == 0, "hello layout");
_Static_assert(sizeof(((struct rt_status *)0)->version) == S_UPTIME, "status version");
_Static_assert(RT_WIRE_ROUTE_MAX <= UINT16_MAX, "a route's length fits its u16");
_Static_assert(RT_HDR_SIZE + RT_WIRE_EVENT_HEAD + RT_WIRE_ROUTE_MAX <= RT_MSG_MIN_MAX,
               "the smallest message holds any one event");

/* ---- the message types ------------------------------------------------- */

#define REQ(n, k, c, u, o, t) { .name = n, .kind = k, .count = c, .use = u, .op = o, .table = t }
#define REP(n, k, c) { .name = n, .kind = k, .count = c, .use = RT_USE_ENTRY, .op = RT_OP_NONE }

static const struct rt_msg_desc descs[RT_MSG_TYPE_MAX + 1] = {
	[RT_MSG_ROUTE_ADD] = REQ("ROUTE_ADD", RT_REC_ROUTE, RT_COUNT_SOME, RT_USE_ENTRY, RT_OP_ADD, RT_TABLE_ROUTE),
	[RT_MSG_ROUTE_REPLACE] = REQ("ROUTE_REPLACE", RT_REC_ROUTE, RT_COUNT_SOME, RT_USE_ENTRY, RT_OP_REPLACE, RT_TABLE_ROUTE),
	[RT_MSG_ROUTE_DEL] = REQ("ROUTE_DEL", RT_REC_ROUTE, RT_COUNT_SOME, RT_USE_KEY, RT_OP_DEL, RT_TABLE_ROUTE),
	[RT_MSG_ROUTE_LIST] = REQ("ROUTE_LIST", RT_REC_ROUTE, RT_COUNT_OPT, RT_USE_FILTER, RT_OP_LIST, RT_TABLE_ROUTE),
	[RT_MSG_ROUTE_GET] = REQ("ROUTE_GET", RT_REC_ROUTE, RT_COUNT_ONE, RT_USE_LOOKUP, RT_OP_GET, RT_TABLE_ROUTE),
	[RT_MSG_ARP_ADD] = REQ("ARP_ADD", RT_REC_NEIGH, RT_COUNT_SOME, RT_USE_ENTRY, RT_OP_ADD, RT_TABLE_ARP),
	[RT_MSG_ARP_REPLACE] = REQ("ARP_REPLACE", RT_REC_NEIGH, RT_COUNT_SOME, RT_USE_ENTRY, RT_OP_REPLACE, RT_TABLE_ARP),
	[RT_MSG_ARP_DEL] = REQ("ARP_DEL", RT_REC_NEIGH, RT_COUNT_SOME, RT_USE_KEY, RT_OP_DEL, RT_TABLE_ARP),
	[RT_MSG_ARP_LIST] = REQ("ARP_LIST", RT_REC_NONE, RT_COUNT_NONE, RT_USE_ENTRY, RT_OP_LIST, RT_TABLE_ARP),
	[RT_MSG_ARP_GET] = REQ("ARP_GET", RT_REC_NEIGH, RT_COUNT_ONE, RT_USE_LOOKUP, RT_OP_GET, RT_TABLE_ARP),
	[RT_MSG_FLUSH] = REQ("FLUSH", RT_REC_NONE, RT_COUNT_NONE, RT_USE_ENTRY, RT_OP_FLUSH, 0),
	[RT_MSG_STATUS] = REQ("STATUS", RT_REC_NONE, RT_COUNT_NONE, RT_USE_ENTRY, RT_OP_STATUS, 0),
	[RT_MSG_SUBSCRIBE] = REQ("SUBSCRIBE", RT_REC_NONE, RT_COUNT_NONE, RT_USE_ENTRY, RT_OP_SUBSCRIBE, 0),
	[RT_MSG_ACK] = REP("ACK", RT_REC_ACK, RT_COUNT_ONE),
	[RT_MSG_ERROR] = REP("ERROR", RT_REC_ERROR, RT_COUNT_ONE),
	[RT_MSG_ROUTES] = REP("ROUTES", RT_REC_ROUTE, RT_COUNT_ANY),
	[RT_MSG_NEIGHS] = REP("NEIGHS", RT_REC_NEIGH, RT_COUNT_ANY),
	[RT_MSG_STATUS_REPLY] = REP("STATUS_REPLY", RT_REC_STATUS, RT_COUNT_ONE),
	[RT_MSG_EVENTS] = REP("EVENTS", RT_REC_EVENT, RT_COUNT_ANY),
	[RT_MSG_SYNC] = REP("SYNC", RT_REC_SYNC, RT_COUNT_ONE),
	[RT_MSG_HELLO] = REP("HELLO", RT_REC_HELLO, RT_COUNT_ONE),
	[RT_MSG_NOTICE] = REP("NOTICE", RT_REC_NOTICE, RT_COUNT_ONE),
};

const struct rt_msg_desc *rt_msg_desc(uint16_t type)
{
	if (type > RT_MSG_TYPE_MAX || !descs[type].name)
		return NULL;
	return &descs[type];
}

/* Size of the fixed-size record kinds; 0 for none and variable ones. */
static size_t fixed_size(uint8_t kind)
{
	switch (kind) {
	case RT_REC_NEIGH: return RT_WIRE_NEIGH;
	case RT_REC_ACK: return RT_WIRE_ACK;
	case RT_REC_ERROR: return RT_WIRE_ERROR;
	case RT_REC_NOTICE: return RT_WIRE_NOTICE;
	case RT_REC_STATUS: return RT_WIRE_STATUS;
	case RT_REC_HELLO: return RT_WIRE_HELLO;
	case RT_REC_SYNC: return RT_WIRE_SYNC;
	default: return 0;
	}
}

/* ---- small helpers ----------------------------------------------------- */

/* Callers may pass a NULL err; route it to a scratch buffer. */
#define ERRBUF(err) char err_scratch_[RT_ERRLEN]; if (!(err)) (err) = err_scratch_

static int fail(char *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, RT_ERRLEN, fmt, ap);
	va_end(ap);
	return code;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof v); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof v); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, sizeof v); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof v); return v; }

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static size_t family_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Fixed-size string field: at most size-1 bytes, NUL-padded. */
static void put_str(uint8_t *p, const char *s, size_t size)
{
	size_t n = strnlen(s, size - 1);

	memcpy(p, s, n);
	memset(p + n, 0, size - n);
}

/* The inverse of put_str: a NUL inside the field and only NULs after it,
 * so that no stray bytes ride along unseen. */
static int get_str(const uint8_t *p, size_t size, char *out, const char *what, char *err)
{
	const uint8_t *nul = memchr(p, 0, size);

	if (!nul)
		return fail(err, RT_E_PROTO, "%s is not NUL-terminated", what);
	if (!all_zero(nul, size - (size_t)(nul - p)))
		return fail(err, RT_E_PROTO, "%s has bytes after its terminating NUL", what);
	memcpy(out, p, size);
	return 0;
}

static void put_addr_bytes(uint8_t *p, const struct rt_addr *a)
{
	size_t n = family_bytes(a->family);

	memcpy(p, a->bytes, n);
	memset(p + n, 0, 16 - n);
}

/* Address of a known family with the unused tail zero; family 0 (when
 * absent_ok) with all bytes zero. */
static int get_addr(const uint8_t *p, uint8_t family, bool absent_ok, struct rt_addr *out,
                    const char *what, char *err)
{
	size_t n = family_bytes(family);

	memset(out, 0, sizeof *out);
	if (!family && absent_ok) {
		if (!all_zero(p, 16))
			return fail(err, RT_E_PROTO, "%s: address bytes set without a family", what);
		return 0;
	}
	if (!n)
		return fail(err, RT_E_INVALID, "%s: unknown address family %u", what, family);
	if (!all_zero(p + n, 16 - n))
		return fail(err, RT_E_PROTO, "%s: bytes beyond the address are not zero", what);
	out->family = family;
	memcpy(out->bytes, p, n);
	return 0;
}

static int get_origin(uint8_t v, uint8_t *out, char *err)
{
	if (v > RT_ORIGIN_MAX)
		return fail(err, RT_E_INVALID, "unknown origin %u", v);
	*out = v;
	return 0;
}

/* dev field: empty, or a valid interface name; NUL-padded either way. */
static int get_dev(const uint8_t *p, char out[RT_IFNAMSIZ], char *err)
{
	char why[RT_ERRLEN];
	int rc = get_str(p, RT_IFNAMSIZ, out, "interface name", err);

	if (rc)
		return rc;
	if (out[0] && rt_ifname_check(out, why) != 0)
		return fail(err, RT_E_INVALID, "%s", why);
	return 0;
}

/* ---- routes ------------------------------------------------------------ */

static size_t reason_bytes(const struct rt_route *r)
{
	size_t n = strnlen(r->reason, RT_REASONLEN - 1);

	return n ? n + 1 : 0;
}

size_t rt_route_wire_size(const struct rt_route *r)
{
	size_t nh = r->nh_count <= RT_NH_MAX ? r->nh_count : RT_NH_MAX;

	return RT_WIRE_ROUTE_HEAD + nh * RT_WIRE_NH + pad8(reason_bytes(r));
}

size_t rt_route_encode(const struct rt_route *r, uint8_t *out)
{
	size_t len = rt_route_wire_size(r), nh = r->nh_count <= RT_NH_MAX ? r->nh_count : RT_NH_MAX;
	size_t rlen = reason_bytes(r);
	uint8_t *p;

	memset(out, 0, len);
	put16(out + R_LEN, (uint16_t)len);
	out[R_FAMILY] = r->dst.addr.family;
	out[R_PLEN] = r->dst.len;
	put32(out + R_METRIC, r->metric);
	put_addr_bytes(out + R_DST, &r->dst.addr);
	put32(out + R_DISC, r->disc);
	out[R_TYPE] = r->type;
	out[R_ORIGIN] = r->origin;
	out[R_PROTOCOL] = r->protocol;
	out[R_SCOPE] = r->scope;
	out[R_TOS] = r->tos;
	out[R_FLAGS] = r->flags;
	out[R_PREF] = r->pref;
	out[R_SRC_FAMILY] = family_bytes(r->src.family) ? r->src.family : 0;
	put16(out + R_NH_COUNT, (uint16_t)nh);
	put16(out + R_REASON_LEN, (uint16_t)rlen);
	if (out[R_SRC_FAMILY])
		put_addr_bytes(out + R_SRC, &r->src);
	p = out + RT_WIRE_ROUTE_HEAD;
	for (size_t i = 0; i < nh; i++, p += RT_WIRE_NH) {
		const struct rt_nexthop *h = &r->nh[i];

		p[NH_FAMILY] = family_bytes(h->gw.family) ? h->gw.family : 0;
		p[NH_FLAGS] = h->flags;
		put16(p + NH_WEIGHT, h->weight);
		if (p[NH_FAMILY])
			put_addr_bytes(p + NH_GW, &h->gw);
		put_str(p + NH_DEV, h->dev, RT_IFNAMSIZ);
	}
	memcpy(p, r->reason, rlen ? rlen - 1 : 0);
	return len;
}

/* The record's length as its head says, checked against the room left:
 * 0 if it does not fit or does not add up (a framing error). */
static size_t route_len(const uint8_t *in, size_t room)
{
	size_t len, want;

	if (room < RT_WIRE_ROUTE_HEAD)
		return 0;
	len = get16(in + R_LEN);
	want = RT_WIRE_ROUTE_HEAD + (size_t)get16(in + R_NH_COUNT) * RT_WIRE_NH +
	       pad8(get16(in + R_REASON_LEN));
	return len == want && len <= room ? len : 0;
}

/* Fields of one route record whose framing route_len() accepted.  Checks
 * the encoding (padding, families, names, bounds) and the values that need
 * no context; the use decides the rest. */
static int route_unpack(const uint8_t *in, struct rt_route *r, char *err)
{
	uint8_t family = in[R_FAMILY];
	unsigned nh = get16(in + R_NH_COUNT), rlen = get16(in + R_REASON_LEN);
	const uint8_t *p = in + RT_WIRE_ROUTE_HEAD;
	char why[RT_ERRLEN];
	int rc;

	rt_route_init(r);
	if ((rc = get_addr(in + R_DST, family, false, &r->dst.addr, "route destination", err)))
		return rc;
	r->dst.len = in[R_PLEN];
	if (r->dst.len > family_bytes(family) * 8)
		return fail(err, RT_E_INVALID, "route destination: prefix length %u out of range 0..%zu",
		            r->dst.len, family_bytes(family) * 8);
	if (rt_prefix_check(&r->dst, why) != 0)
		return fail(err, RT_E_INVALID, "route destination: %s", why);
	if (!all_zero(in + R_PAD, R_END - R_PAD))
		return fail(err, RT_E_PROTO, "route: padding bytes are not zero");
	if ((rc = get_origin(in[R_ORIGIN], &r->origin, err)))
		return rc;
	if ((rc = get_addr(in + R_SRC, in[R_SRC_FAMILY], true, &r->src, "route source", err)))
		return rc;
	if (nh > RT_NH_MAX)
		return fail(err, RT_E_INVALID, "route: %u next hops, at most %d", nh, RT_NH_MAX);
	if (rlen > RT_REASONLEN)
		return fail(err, RT_E_PROTO, "route: pending reason of %u bytes, at most %d",
		            rlen, RT_REASONLEN);
	r->metric = get32(in + R_METRIC);
	r->disc = get32(in + R_DISC);
	r->type = in[R_TYPE];
	r->protocol = in[R_PROTOCOL];
	r->scope = in[R_SCOPE];
	r->tos = in[R_TOS];
	r->flags = in[R_FLAGS];
	r->pref = in[R_PREF];
	r->nh_count = (uint16_t)nh;
	for (unsigned i = 0; i < nh; i++, p += RT_WIRE_NH) {
		struct rt_nexthop *h = &r->nh[i];

		if ((rc = get_addr(p + NH_GW, p[NH_FAMILY], true, &h->gw, "route gateway", err)) ||
		    (rc = get_dev(p + NH_DEV, h->dev, err)))
			return rc;
		if (!all_zero(p + NH_PAD, NH_END - NH_PAD))
			return fail(err, RT_E_PROTO, "route: next-hop padding bytes are not zero");
		h->flags = p[NH_FLAGS];
		h->weight = get16(p + NH_WEIGHT);
	}
	if (rlen) {
		/* text, its NUL at rlen - 1 and nowhere before, zero padding */
		if (memchr(p, 0, rlen - 1) || p[rlen - 1] || !all_zero(p + rlen, pad8(rlen) - rlen))
			return fail(err, RT_E_PROTO, "route: malformed pending reason");
		memcpy(r->reason, p, rlen);
	}
	return 0;
}

static int route_use_check(const struct rt_route *r, uint8_t use, char *err)
{
	char why[RT_ERRLEN];

	switch (use) {
	case RT_USE_ENTRY:
		if (rt_route_check(r, why) != 0)
			return fail(err, RT_E_INVALID, "%s", why);
		return 0;
	case RT_USE_LOOKUP:
		if (r->dst.len != family_bytes(r->dst.addr.family) * 8)
			return fail(err, RT_E_INVALID, "route get: %u-bit prefix, expected a host address",
			            r->dst.len);
		return 0;
	case RT_USE_KEY:
		if (rt_route_key_check(r, why) != 0)
			return fail(err, RT_E_INVALID, "%s", why);
		return 0;
	default:        /* RT_USE_FILTER: the prefix is all it uses */
		return 0;
	}
}

int rt_route_decode(const uint8_t *in, size_t n, struct rt_route *r, size_t *used, char *err)
{
	ERRBUF(err);
	size_t len = route_len(in, n);
	int rc;

	if (!len)
		return fail(err, RT_E_PROTO, "route record does not add up to its length");
	if (used)
		*used = len;
	rc = route_unpack(in, r, err);
	return rc ? rc : route_use_check(r, RT_USE_ENTRY, err);
}

/* ---- neighbours -------------------------------------------------------- */

void rt_neigh_encode(const struct rt_neigh *n, uint32_t slot, uint8_t out[RT_WIRE_NEIGH])
{
	out[N_FAMILY] = n->ip.family;
	out[N_ORIGIN] = n->origin;
	put16(out + N_STATE, n->state);
	put32(out + N_SLOT, slot);
	put_addr_bytes(out + N_IP, &n->ip);
	put_str(out + N_DEV, n->dev, RT_IFNAMSIZ);
	memcpy(out + N_LLADDR, n->lladdr, 6);
	out[N_PROTOCOL] = n->protocol;
	out[N_FLAGS] = n->flags;
}

static int neigh_unpack(const uint8_t *in, uint8_t use, bool by_mac, struct rt_neigh *n,
                        uint32_t *slot, char *err)
{
	uint8_t family = in[N_FAMILY];
	char why[RT_ERRLEN];
	int rc;

	memset(n, 0, sizeof *n);
	if ((rc = get_addr(in + N_IP, family, use == RT_USE_LOOKUP && by_mac, &n->ip,
	                   "neighbour address", err)))
		return rc;
	if ((rc = get_dev(in + N_DEV, n->dev, err)))
		return rc;
	if ((rc = get_origin(in[N_ORIGIN], &n->origin, err)))
		return rc;
	memcpy(n->lladdr, in + N_LLADDR, 6);
	n->state = get16(in + N_STATE);
	n->protocol = in[N_PROTOCOL];
	n->flags = in[N_FLAGS];
	if (slot)
		*slot = get32(in + N_SLOT);
	switch (use) {
	case RT_USE_ENTRY:
		if (rt_neigh_check(n, why) != 0)
			return fail(err, RT_E_INVALID, "%s", why);
		break;
	case RT_USE_KEY:
		if (!n->dev[0])
			return fail(err, RT_E_INVALID, "neighbour: an interface name is required");
		break;
	default:
		break;
	}
	return 0;
}

int rt_neigh_decode(const uint8_t in[RT_WIRE_NEIGH], struct rt_neigh *n, uint32_t *slot, char *err)
{
	ERRBUF(err);
	return neigh_unpack(in, RT_USE_ENTRY, false, n, slot, err);
}

/* ---- message buffer ---------------------------------------------------- */

#define MSGBUF_INITIAL 512

int rt_msgbuf_init(struct rt_msgbuf *mb, size_t max)
{
	memset(mb, 0, sizeof *mb);
	if (max < RT_HDR_SIZE || max > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	mb->cap = max < MSGBUF_INITIAL ? max : MSGBUF_INITIAL;
	mb->data = calloc(1, mb->cap);
	if (!mb->data) {
		mb->cap = 0;
		return -1;
	}
	mb->max = max;
	return 0;
}

void rt_msgbuf_free(struct rt_msgbuf *mb)
{
	free(mb->data);
	mb->data = NULL;
	mb->len = mb->cap = 0;
}

void rt_msg_begin(struct rt_msgbuf *mb, uint16_t type, uint32_t seq, uint32_t flags)
{
	uint8_t *p = mb->data;

	if (!p)         /* init failed; the put functions will refuse too */
		return;
	put32(p + H_MAGIC, RT_PROTO_MAGIC);
	put16(p + H_VERSION, RT_PROTO_VERSION);
	put16(p + H_TYPE, type);
	put32(p + H_LEN, RT_HDR_SIZE);
	put32(p + H_SEQ, seq);
	put32(p + H_COUNT, 0);
	put32(p + H_FLAGS, flags);
	mb->len = RT_HDR_SIZE;
}

void rt_msg_set_flags(struct rt_msgbuf *mb, uint32_t flags)
{
	put32(mb->data + H_FLAGS, flags);
}

uint32_t rt_msg_count(const struct rt_msgbuf *mb)
{
	return mb->len >= RT_HDR_SIZE ? get32(mb->data + H_COUNT) : 0;
}

size_t rt_msg_capacity(uint16_t type, size_t max)
{
	const struct rt_msg_desc *d = rt_msg_desc(type);
	size_t sz;

	if (!d || max < RT_HDR_SIZE)
		return 0;
	switch (d->kind) {
	case RT_REC_ROUTE: sz = RT_WIRE_ROUTE_HEAD + RT_WIRE_NH; break;
	case RT_REC_EVENT: sz = RT_WIRE_EVENT_HEAD + RT_WIRE_ROUTE_HEAD + RT_WIRE_NH; break;
	default: sz = fixed_size(d->kind); break;
	}
	return sz ? (max - RT_HDR_SIZE) / sz : 0;
}

/* Room for one more record of size bytes and of the message's own kind,
 * or NULL with errno: EINVAL for a record that does not belong in this
 * message (a caller bug), EMSGSIZE when the message is full, ENOMEM. */
static uint8_t *msg_reserve(struct rt_msgbuf *mb, uint8_t kind, size_t size)
{
	const struct rt_msg_desc *d;
	size_t need;

	if (!mb->data || mb->len < RT_HDR_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	d = rt_msg_desc(get16(mb->data + H_TYPE));
	if (!d || d->kind != kind) {
		errno = EINVAL;
		return NULL;
	}
	need = mb->len + size;
	if (need > mb->max) {
		errno = EMSGSIZE;
		return NULL;
	}
	if (need > mb->cap) {
		size_t cap = mb->cap;
		uint8_t *p;

		while (cap < need)
			cap = cap > mb->max / 2 ? mb->max : cap * 2;
		p = realloc(mb->data, cap);
		if (!p)
			return NULL;
		mb->data = p;
		mb->cap = cap;
	}
	uint8_t *rec = mb->data + mb->len;
	mb->len = need;
	put32(mb->data + H_LEN, (uint32_t)need);
	put32(mb->data + H_COUNT, get32(mb->data + H_COUNT) + 1);
	return rec;
}

int rt_msg_put_route(struct rt_msgbuf *mb, const struct rt_route *r)
{
	uint8_t *p = msg_reserve(mb, RT_REC_ROUTE, rt_route_wire_size(r));

	if (!p)
		return -1;
	rt_route_encode(r, p);
	return 0;
}

int rt_msg_put_neigh(struct rt_msgbuf *mb, const struct rt_neigh *n)
{
	uint8_t *p = msg_reserve(mb, RT_REC_NEIGH, RT_WIRE_NEIGH);

	if (!p)
		return -1;
	rt_neigh_encode(n, NEIGH_NO_SLOT, p);
	return 0;
}

int rt_msg_put_event(struct rt_msgbuf *mb, const struct rt_event *e)
{
	bool route = e->table == RT_TABLE_ROUTE;
	uint8_t *p;

	if ((route && !e->route) || (!route && e->table != RT_TABLE_ARP)) {
		errno = EINVAL;
		return -1;
	}
	p = msg_reserve(mb, RT_REC_EVENT,
	                RT_WIRE_EVENT_HEAD + (route ? rt_route_wire_size(e->route) : RT_WIRE_NEIGH));
	if (!p)
		return -1;
	put64(p + E_SEQ, e->seq);
	p[E_KIND] = e->kind;
	p[E_TABLE] = e->table;
	put16(p + E_PAD, 0);
	/* route events have no slot; the decoder insists on 0 */
	put32(p + E_SLOT, route ? 0 : e->slot);
	if (route)
		rt_route_encode(e->route, p + E_REC);
	else
		rt_neigh_encode(&e->neigh, e->slot, p + E_REC);
	return 0;
}

int rt_msg_put_ack(struct rt_msgbuf *mb, const struct rt_ack *a)
{
	uint8_t *p = msg_reserve(mb, RT_REC_ACK, RT_WIRE_ACK);

	if (!p)
		return -1;
	put32(p, a->applied);
	put32(p + 4, a->changed);
	return 0;
}

int rt_msg_put_error(struct rt_msgbuf *mb, const struct rt_error *e)
{
	uint8_t *p = msg_reserve(mb, RT_REC_ERROR, RT_WIRE_ERROR);

	if (!p)
		return -1;
	put32(p + ER_CODE, e->code);
	put32(p + ER_INDEX, e->index);
	put32(p + ER_APPLIED, e->applied);
	put_str(p + ER_TEXT, e->text, RT_ERR_TEXT);
	return 0;
}

int rt_msg_put_notice(struct rt_msgbuf *mb, const struct rt_notice *n)
{
	uint8_t *p = msg_reserve(mb, RT_REC_NOTICE, RT_WIRE_NOTICE);

	if (!p)
		return -1;
	put32(p + ER_CODE, n->code);
	put32(p + ER_INDEX, n->index);
	put32(p + ER_APPLIED, 0);
	put_str(p + ER_TEXT, n->text, RT_ERR_TEXT);
	return 0;
}

int rt_msg_put_status(struct rt_msgbuf *mb, const struct rt_status *s)
{
	uint8_t *p = msg_reserve(mb, RT_REC_STATUS, RT_WIRE_STATUS);

	if (!p)
		return -1;
	memset(p, 0, RT_WIRE_STATUS);
	put_str(p + S_VERSION, s->version, sizeof s->version);
	put64(p + S_UPTIME, s->uptime_ms);
	put64(p + S_ROUTES, s->routes);
	put64(p + S_ROUTES4, s->routes4);
	put64(p + S_ROUTES6, s->routes6);
	put64(p + S_NEIGHS, s->neighs);
	put32(p + S_CLIENTS, s->clients);
	put32(p + S_SUBSCRIBERS, s->subscribers);
	put64(p + S_EVENT_SEQ, s->event_seq);
	p[S_SYNC_ALWAYS] = s->sync_always ? 1 : 0;
	put32(p + S_SYNC_INTERVAL, s->sync_interval_ms);
	put64(p + S_ROUTE_CAP, s->route_capacity);
	put64(p + S_ARP_CAP, s->arp_capacity);
	put_str(p + S_ROUTE_STORE, s->route_store, RT_PATHLEN);
	put_str(p + S_ARP_STORE, s->arp_store, RT_PATHLEN);
	p[S_K_SYNC] = s->kernel_sync ? 1 : 0;
	p[S_K_PROTOCOL] = s->kernel_protocol;
	put32(p + S_K_TABLE, s->kernel_table);
	put64(p + S_K_INST_R, s->kernel_installed_routes);
	put64(p + S_K_INST_N, s->kernel_installed_neighs);
	put64(p + S_K_PEND_R, s->kernel_pending_routes);
	put64(p + S_K_PEND_N, s->kernel_pending_neighs);
	put64(p + S_K_IMP_R, s->kernel_imported_routes);
	put64(p + S_K_IMP_N, s->kernel_imported_neighs);
	put64(p + S_K_RESYNCS, s->kernel_resyncs);
	put64(p + S_K_UNMAPPED, s->kernel_unmapped_neighs);
	put_str(p + S_K_ERROR, s->kernel_last_error, RT_ERR_TEXT);
	put_str(p + S_F_LISTEN, s->fpm_listen, RT_ADDRPORTLEN);
	put_str(p + S_F_PEER, s->fpm_peer, RT_ADDRPORTLEN);
	p[S_F_CONNECTED] = s->fpm_connected ? 1 : 0;
	put64(p + S_F_ROUTES, s->fpm_routes);
	put64(p + S_F_REPLAYS, s->fpm_replays);
	put64(p + S_F_IGNORED, s->fpm_ignored);
	put_str(p + S_F_ERROR, s->fpm_last_error, RT_ERR_TEXT);
	put64(p + S_F_SKIPPED, s->fpm_skipped);
	put64(p + S_F_HIDDEN, s->fpm_hidden);
	put64(p + S_F_GROUPS, s->fpm_groups);
	return 0;
}

int rt_msg_put_hello(struct rt_msgbuf *mb, const struct rt_hello *h)
{
	uint8_t *p = msg_reserve(mb, RT_REC_HELLO, RT_WIRE_HELLO);

	if (!p)
		return -1;
	memset(p, 0, RT_WIRE_HELLO);
	put64(p + HE_EVENT_SEQ, h->event_seq);
	put32(p + HE_TABLES, h->tables);
	put_str(p + HE_ARP_STORE, h->arp_store, RT_PATHLEN);
	return 0;
}

int rt_msg_put_sync(struct rt_msgbuf *mb, const struct rt_sync *s)
{
	uint8_t *p = msg_reserve(mb, RT_REC_SYNC, RT_WIRE_SYNC);

	if (!p)
		return -1;
	put64(p, s->event_seq);
	return 0;
}

/* ---- decoding ---------------------------------------------------------- */

/* Length of the record of this kind at p with room bytes left, 0 if it
 * does not fit (a framing error). */
static size_t record_len(uint8_t kind, const uint8_t *p, size_t room)
{
	size_t fixed = fixed_size(kind), inner;

	if (fixed)
		return fixed <= room ? fixed : 0;
	if (kind == RT_REC_ROUTE)
		return route_len(p, room);
	/* an event: its head, then a route or a neigh */
	if (kind != RT_REC_EVENT || room < RT_WIRE_EVENT_HEAD)
		return 0;
	if (p[E_TABLE] == RT_TABLE_ROUTE)
		inner = route_len(p + E_REC, room - RT_WIRE_EVENT_HEAD);
	else
		inner = RT_WIRE_NEIGH <= room - RT_WIRE_EVENT_HEAD ? RT_WIRE_NEIGH : 0;
	return inner ? RT_WIRE_EVENT_HEAD + inner : 0;
}

int rt_msg_decode(const void *buf, size_t n, struct rt_hdr *hdr, char *err)
{
	ERRBUF(err);
	const uint8_t *p = buf;
	const struct rt_msg_desc *d;
	struct rt_hdr h;
	size_t off = RT_HDR_SIZE;

	if (n < RT_HDR_SIZE)
		return fail(err, RT_E_PROTO, "message of %zu bytes is shorter than the %d-byte header",
		            n, RT_HDR_SIZE);
	h.magic = get32(p + H_MAGIC);
	h.version = get16(p + H_VERSION);
	h.type = get16(p + H_TYPE);
	h.len = get32(p + H_LEN);
	h.seq = get32(p + H_SEQ);
	h.count = get32(p + H_COUNT);
	h.flags = get32(p + H_FLAGS);
	if (h.magic != RT_PROTO_MAGIC)
		return fail(err, RT_E_PROTO, "bad magic 0x%08x (not an rtmd message)", h.magic);
	if (h.version != RT_PROTO_VERSION)
		return fail(err, RT_E_PROTO, "protocol version %u, expected %d (mixed rtmd versions?)",
		            h.version, RT_PROTO_VERSION);
	if (h.len != n)
		return fail(err, RT_E_PROTO, "header says %u bytes, received %zu", h.len, n);
	if (!(d = rt_msg_desc(h.type)))
		return fail(err, RT_E_PROTO, "unknown message type %u", h.type);
	if (h.flags & ~RT_F_FLAGS_KNOWN)
		return fail(err, RT_E_PROTO, "unknown flag bits 0x%x", h.flags & ~RT_F_FLAGS_KNOWN);
	switch (d->count) {
	case RT_COUNT_NONE:
		if (h.count != 0)
			return fail(err, RT_E_PROTO, "message type %u takes no records, got %u",
			            h.type, h.count);
		break;
	case RT_COUNT_ONE:
		if (h.count != 1)
			return fail(err, RT_E_PROTO, "message type %u takes exactly 1 record, got %u",
			            h.type, h.count);
		break;
	case RT_COUNT_OPT:
		if (h.count > 1)
			return fail(err, RT_E_PROTO, "message type %u takes 0 or 1 record, got %u",
			            h.type, h.count);
		break;
	case RT_COUNT_SOME:
		if (h.count == 0)
			return fail(err, RT_E_PROTO, "message type %u needs at least 1 record", h.type);
		break;
	default:
		break;
	}
	/* The records walk the body exactly; count is peer-controlled, but a
	 * record is at least 8 bytes, so the walk is bounded by the body. */
	for (uint32_t i = 0; i < h.count; i++) {
		size_t len = record_len(d->kind, p + off, n - off);

		if (!len)
			return fail(err, RT_E_PROTO, "record %u of %u does not fit the %zu-byte body",
			            i, h.count, n - RT_HDR_SIZE);
		off += len;
	}
	if (off != n)
		return fail(err, RT_E_PROTO, "%u records leave %zu of the %zu-byte body unread",
		            h.count, n - off, n - RT_HDR_SIZE);
	if (hdr)
		*hdr = h;
	return 0;
}

void rt_msg_reader(struct rt_reader *rd, const struct rt_hdr *h, const void *buf)
{
	rd->msg = buf;
	rd->h = *h;
	rd->index = 0;
	rd->off = RT_HDR_SIZE;
}

/* The next record of a decoded message, if it is of this kind: its
 * address and length; NULL at the end or for the wrong kind. */
static const uint8_t *next_record(struct rt_reader *rd, uint8_t kind, size_t *len, char *err)
{
	const struct rt_msg_desc *d = rt_msg_desc(rd->h.type);

	if (!d || d->kind != kind) {
		fail(err, RT_E_PROTO, "message type %u does not carry this record", rd->h.type);
		return NULL;
	}
	if (rd->index >= rd->h.count || rd->off > rd->h.len) {
		fail(err, RT_E_PROTO, "record %u of a message with %u", rd->index, rd->h.count);
		return NULL;
	}
	*len = record_len(kind, rd->msg + rd->off, rd->h.len - rd->off);
	if (!*len) {
		fail(err, RT_E_PROTO, "record %u does not fit the message", rd->index);
		return NULL;
	}
	const uint8_t *p = rd->msg + rd->off;
	rd->off += *len;
	rd->index++;
	return p;
}

int rt_msg_read_route(struct rt_reader *rd, struct rt_route *out, char *err)
{
	ERRBUF(err);
	size_t len;
	const uint8_t *p = next_record(rd, RT_REC_ROUTE, &len, err);
	int rc;

	if (!p)
		return RT_E_PROTO;
	if ((rc = route_unpack(p, out, err)))
		return rc;
	return route_use_check(out, rt_msg_desc(rd->h.type)->use, err);
}

int rt_msg_read_neigh(struct rt_reader *rd, struct rt_neigh *out, char *err)
{
	ERRBUF(err);
	size_t len;
	const uint8_t *p = next_record(rd, RT_REC_NEIGH, &len, err);
	uint32_t slot;
	int rc;

	if (!p)
		return RT_E_PROTO;
	if ((rc = neigh_unpack(p, rt_msg_desc(rd->h.type)->use, rd->h.flags & RT_F_BY_MAC, out,
	                       &slot, err)))
		return rc;
	if (slot != NEIGH_NO_SLOT)
		return fail(err, RT_E_PROTO, "neighbour: slot must be 0x%08x outside events", NEIGH_NO_SLOT);
	return 0;
}

int rt_msg_read_event(struct rt_reader *rd, struct rt_event *out, struct rt_route *route, char *err)
{
	ERRBUF(err);
	size_t len;
	const uint8_t *p = next_record(rd, RT_REC_EVENT, &len, err);
	uint32_t nslot;
	int rc;

	if (!p)
		return RT_E_PROTO;
	memset(out, 0, sizeof *out);
	out->seq = get64(p + E_SEQ);
	out->kind = p[E_KIND];
	out->table = p[E_TABLE];
	out->slot = get32(p + E_SLOT);
	if (out->kind < RT_EV_ADD || out->kind > RT_EV_DEL)
		return fail(err, RT_E_PROTO, "event: unknown kind %u", out->kind);
	if (get16(p + E_PAD) != 0)
		return fail(err, RT_E_PROTO, "event: padding bytes are not zero");
	switch (out->table) {
	case RT_TABLE_ROUTE:
		if (out->slot != 0)
			return fail(err, RT_E_PROTO, "event: route events carry slot 0, got %u", out->slot);
		if ((rc = route_unpack(p + E_REC, route, err)))
			return rc;
		out->route = route;
		/* a deletion needs only the key; the rest is informative */
		return route_use_check(route, out->kind == RT_EV_DEL ? RT_USE_KEY : RT_USE_ENTRY, err);
	case RT_TABLE_ARP:
		if ((rc = neigh_unpack(p + E_REC, out->kind == RT_EV_DEL ? RT_USE_KEY : RT_USE_ENTRY,
		                       false, &out->neigh, &nslot, err)))
			return rc;
		if (nslot != out->slot)
			return fail(err, RT_E_PROTO, "event: slot %u disagrees with the record's slot %u",
			            out->slot, nslot);
		return 0;
	default:
		return fail(err, RT_E_PROTO, "event: unknown table %u", out->table);
	}
}

/* Position a reader at record i (walking from the start). */
static int seek(struct rt_reader *rd, const struct rt_hdr *h, const void *buf, uint32_t i,
                uint8_t kind, char *err)
{
	const struct rt_msg_desc *d = rt_msg_desc(h->type);
	size_t len;

	rt_msg_reader(rd, h, buf);
	if (!d || d->kind != kind)
		return fail(err, RT_E_PROTO, "message type %u does not carry this record", h->type);
	if (i >= h->count)
		return fail(err, RT_E_PROTO, "record %u of a message with %u", i, h->count);
	while (rd->index < i)
		if (!next_record(rd, kind, &len, err))
			return RT_E_PROTO;
	return 0;
}

int rt_msg_get_route(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_route *out, char *err)
{
	ERRBUF(err);
	struct rt_reader rd;
	int rc = seek(&rd, h, buf, i, RT_REC_ROUTE, err);

	return rc ? rc : rt_msg_read_route(&rd, out, err);
}

int rt_msg_get_neigh(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_neigh *out, char *err)
{
	ERRBUF(err);
	struct rt_reader rd;
	int rc = seek(&rd, h, buf, i, RT_REC_NEIGH, err);

	return rc ? rc : rt_msg_read_neigh(&rd, out, err);
}

/* The one record of a single-record message. */
static const uint8_t *single(const struct rt_hdr *h, const void *buf, uint8_t kind, char *err)
{
	struct rt_reader rd;
	size_t len;

	if (seek(&rd, h, buf, 0, kind, err))
		return NULL;
	return next_record(&rd, kind, &len, err);
}

int rt_msg_get_ack(const struct rt_hdr *h, const void *buf, struct rt_ack *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = single(h, buf, RT_REC_ACK, err);

	if (!p)
		return RT_E_PROTO;
	out->applied = get32(p);
	out->changed = get32(p + 4);
	if (out->changed > out->applied)
		return fail(err, RT_E_PROTO, "ack: %u changed of %u applied", out->changed, out->applied);
	return 0;
}

int rt_msg_get_error(const struct rt_hdr *h, const void *buf, struct rt_error *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = single(h, buf, RT_REC_ERROR, err);

	if (!p)
		return RT_E_PROTO;
	memset(out, 0, sizeof *out);
	out->code = get32(p + ER_CODE);
	out->index = get32(p + ER_INDEX);
	out->applied = get32(p + ER_APPLIED);
	if (out->code == RT_OK || out->code >= RT_E_MAX)
		return fail(err, RT_E_PROTO, "error: unknown code %u", out->code);
	return get_str(p + ER_TEXT, RT_ERR_TEXT, out->text, "error text", err);
}

int rt_msg_get_notice(const struct rt_hdr *h, const void *buf, struct rt_notice *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = single(h, buf, RT_REC_NOTICE, err);

	if (!p)
		return RT_E_PROTO;
	memset(out, 0, sizeof *out);
	out->code = get32(p + ER_CODE);
	out->index = get32(p + ER_INDEX);
	if (out->code == 0 || out->code >= RT_NOTE_MAX)
		return fail(err, RT_E_PROTO, "notice: unknown code %u", out->code);
	if (get32(p + ER_APPLIED) != 0)
		return fail(err, RT_E_PROTO, "notice: reserved bytes are not zero");
	return get_str(p + ER_TEXT, RT_ERR_TEXT, out->text, "notice text", err);
}

int rt_msg_get_status(const struct rt_hdr *h, const void *buf, struct rt_status *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = single(h, buf, RT_REC_STATUS, err);
	int rc;

	if (!p)
		return RT_E_PROTO;
	memset(out, 0, sizeof *out);
	if (!all_zero(p + S_PAD, S_SYNC_INTERVAL - S_PAD) ||
	    !all_zero(p + S_K_PAD, S_K_TABLE - S_K_PAD) ||
	    !all_zero(p + S_K_END, S_F_LISTEN - S_K_END) ||
	    !all_zero(p + S_F_PAD, S_F_ROUTES - S_F_PAD) ||
	    !all_zero(p + S_F_ERROR_END, S_F_SKIPPED - S_F_ERROR_END) ||
	    !all_zero(p + S_END, RT_WIRE_STATUS - S_END))
		return fail(err, RT_E_PROTO, "status: padding bytes are not zero");
	if (p[S_SYNC_ALWAYS] > 1 || p[S_K_SYNC] > 1 || p[S_F_CONNECTED] > 1)
		return fail(err, RT_E_PROTO, "status: a flag byte is neither 0 nor 1");
	if ((rc = get_str(p + S_VERSION, sizeof out->version, out->version, "status version", err)) ||
	    (rc = get_str(p + S_ROUTE_STORE, RT_PATHLEN, out->route_store, "status route store", err)) ||
	    (rc = get_str(p + S_ARP_STORE, RT_PATHLEN, out->arp_store, "status ARP store", err)) ||
	    (rc = get_str(p + S_K_ERROR, RT_ERR_TEXT, out->kernel_last_error, "status kernel error",
	                  err)) ||
	    (rc = get_str(p + S_F_LISTEN, RT_ADDRPORTLEN, out->fpm_listen, "status FPM address", err)) ||
	    (rc = get_str(p + S_F_PEER, RT_ADDRPORTLEN, out->fpm_peer, "status FPM peer", err)) ||
	    (rc = get_str(p + S_F_ERROR, RT_ERR_TEXT, out->fpm_last_error, "status FPM error", err)))
		return rc;
	out->uptime_ms = get64(p + S_UPTIME);
	out->routes = get64(p + S_ROUTES);
	out->routes4 = get64(p + S_ROUTES4);
	out->routes6 = get64(p + S_ROUTES6);
	out->neighs = get64(p + S_NEIGHS);
	out->clients = get32(p + S_CLIENTS);
	out->subscribers = get32(p + S_SUBSCRIBERS);
	out->event_seq = get64(p + S_EVENT_SEQ);
	out->sync_always = p[S_SYNC_ALWAYS];
	out->sync_interval_ms = get32(p + S_SYNC_INTERVAL);
	out->route_capacity = get64(p + S_ROUTE_CAP);
	out->arp_capacity = get64(p + S_ARP_CAP);
	out->kernel_sync = p[S_K_SYNC];
	out->kernel_protocol = p[S_K_PROTOCOL];
	out->kernel_table = get32(p + S_K_TABLE);
	out->kernel_installed_routes = get64(p + S_K_INST_R);
	out->kernel_installed_neighs = get64(p + S_K_INST_N);
	out->kernel_pending_routes = get64(p + S_K_PEND_R);
	out->kernel_pending_neighs = get64(p + S_K_PEND_N);
	out->kernel_imported_routes = get64(p + S_K_IMP_R);
	out->kernel_imported_neighs = get64(p + S_K_IMP_N);
	out->kernel_resyncs = get64(p + S_K_RESYNCS);
	out->kernel_unmapped_neighs = get64(p + S_K_UNMAPPED);
	out->fpm_connected = p[S_F_CONNECTED];
	out->fpm_routes = get64(p + S_F_ROUTES);
	out->fpm_replays = get64(p + S_F_REPLAYS);
	out->fpm_ignored = get64(p + S_F_IGNORED);
	out->fpm_skipped = get64(p + S_F_SKIPPED);
	out->fpm_hidden = get64(p + S_F_HIDDEN);
	out->fpm_groups = get64(p + S_F_GROUPS);
	return 0;
}

int rt_msg_get_hello(const struct rt_hdr *h, const void *buf, struct rt_hello *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = single(h, buf, RT_REC_HELLO, err);

	if (!p)
		return RT_E_PROTO;
	memset(out, 0, sizeof *out);
	if (!all_zero(p + HE_PAD, HE_ARP_STORE - HE_PAD) || !all_zero(p + HE_END, RT_WIRE_HELLO - HE_END))
		return fail(err, RT_E_PROTO, "hello: padding bytes are not zero");
	out->event_seq = get64(p + HE_EVENT_SEQ);
	out->tables = get32(p + HE_TABLES);
	if (out->tables == 0 || (out->tables & ~RT_F_TABLE_ALL))
		return fail(err, RT_E_PROTO, "hello: bad table set 0x%x", out->tables);
	return get_str(p + HE_ARP_STORE, RT_PATHLEN, out->arp_store, "hello ARP store", err);
}

int rt_msg_get_sync(const struct rt_hdr *h, const void *buf, struct rt_sync *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = single(h, buf, RT_REC_SYNC, err);

	if (!p)
		return RT_E_PROTO;
	out->event_seq = get64(p);
	return 0;
}
