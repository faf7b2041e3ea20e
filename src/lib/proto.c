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

	R_FAMILY = 0, R_PLEN = 1, R_FLAGS = 2, R_ORIGIN = 3, R_METRIC = 4,
	R_DST = 8, R_GW = 24, R_DEV = 40,

	N_FAMILY = 0, N_ORIGIN = 1, N_PAD1 = 2, N_SLOT = 4, N_IP = 8,
	N_DEV = 24, N_LLADDR = 40, N_PAD2 = 46,

	E_SEQ = 0, E_KIND = 8, E_TABLE = 9, E_PAD = 10, E_SLOT = 12, E_REC = 16,

	ER_CODE = 0, ER_INDEX = 4, ER_APPLIED = 8, ER_TEXT = 12,

	S_VERSION = 0, S_UPTIME = 32, S_ROUTES = 40, S_ROUTES4 = 48,
	S_ROUTES6 = 56, S_NEIGHS = 64, S_CLIENTS = 72, S_SUBSCRIBERS = 76,
	S_EVENT_SEQ = 80, S_SYNC_ALWAYS = 88, S_PAD = 89,
	S_SYNC_INTERVAL = 92, S_ROUTE_CAP = 96, S_ARP_CAP = 104,
	S_ROUTE_STORE = 112, S_ARP_STORE = S_ROUTE_STORE + RT_PATHLEN,
	S_END = S_ARP_STORE + RT_PATHLEN,

	HE_EVENT_SEQ = 0, HE_TABLES = 8, HE_PAD = 12, HE_ARP_STORE = 16,
	HE_END = HE_ARP_STORE + RT_PATHLEN,
};

#define RF_GATEWAY 0x01u
#define RF_DEV     0x02u
#define RF_KNOWN   (RF_GATEWAY | RF_DEV)

#define NEIGH_NO_SLOT UINT32_MAX

_Static_assert(sizeof(struct rt_hdr) == RT_HDR_SIZE, "header layout");
_Static_assert(R_DEV + RT_IFNAMSIZ == RT_WIRE_ROUTE, "route layout");
_Static_assert(N_PAD2 + 2 == RT_WIRE_NEIGH, "neigh layout");
_Static_assert(E_REC + RT_WIRE_ROUTE == RT_WIRE_EVENT, "event layout");
_Static_assert(E_REC + RT_WIRE_NEIGH <= RT_WIRE_EVENT, "event layout");
_Static_assert(ER_TEXT + RT_ERR_TEXT == RT_WIRE_ERROR, "error layout");
_Static_assert(S_END <= RT_WIRE_STATUS && RT_WIRE_STATUS % 8 == 0, "status layout");
_Static_assert(HE_END <= RT_WIRE_HELLO && RT_WIRE_HELLO % 8 == 0, "hello layout");
_Static_assert(sizeof(((struct rt_status *)0)->version) == S_UPTIME, "status version");

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

/* Address of a known family with the unused tail zero. */
static int get_addr(const uint8_t *p, uint8_t family, struct rt_addr *out,
                    const char *what, char *err)
{
	size_t n = family_bytes(family);

	memset(out, 0, sizeof *out);
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
	if (v > RT_ORIGIN_CONFIG)
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

/* ---- error strings ----------------------------------------------------- */

/* ---- single records ---------------------------------------------------- */

void rt_route_encode(const struct rt_route *r, uint8_t out[RT_WIRE_ROUTE])
{
	uint8_t flags = 0;

	if (r->gw.family)
		flags |= RF_GATEWAY;
	if (r->dev[0])
		flags |= RF_DEV;
	out[R_FAMILY] = r->dst.addr.family;
	out[R_PLEN] = r->dst.len;
	out[R_FLAGS] = flags;
	out[R_ORIGIN] = r->origin;
	put32(out + R_METRIC, r->metric);
	put_addr_bytes(out + R_DST, &r->dst.addr);
	if (r->gw.family)
		put_addr_bytes(out + R_GW, &r->gw);
	else
		memset(out + R_GW, 0, 16);
	put_str(out + R_DEV, r->dev, RT_IFNAMSIZ);
}

/* Everything but the route-level rule (gateway or dev, families agree),
 * which deletions and look-ups do not need. */
static int route_unpack(const uint8_t *in, struct rt_route *r, char *err)
{
	uint8_t family = in[R_FAMILY], flags = in[R_FLAGS];
	char why[RT_ERRLEN];
	int rc;

	memset(r, 0, sizeof *r);
	if (flags & ~RF_KNOWN)
		return fail(err, RT_E_PROTO, "route: unknown flag bits 0x%02x", flags & ~RF_KNOWN);
	if ((rc = get_addr(in + R_DST, family, &r->dst.addr, "route destination", err)))
		return rc;
	r->dst.len = in[R_PLEN];
	if (r->dst.len > family_bytes(family) * 8)
		return fail(err, RT_E_INVALID, "route destination: prefix length %u out of range 0..%zu",
		            r->dst.len, family_bytes(family) * 8);
	if (rt_prefix_check(&r->dst, why) != 0)
		return fail(err, RT_E_INVALID, "route destination: %s", why);
	if (flags & RF_GATEWAY) {
		if ((rc = get_addr(in + R_GW, family, &r->gw, "route gateway", err)))
			return rc;
	} else if (!all_zero(in + R_GW, 16)) {
		return fail(err, RT_E_PROTO, "route: gateway bytes set without the gateway flag");
	}
	if ((rc = get_dev(in + R_DEV, r->dev, err)))
		return rc;
	if (!!(flags & RF_DEV) != !!r->dev[0])
		return fail(err, RT_E_PROTO, "route: interface flag does not match the interface field");
	if ((rc = get_origin(in[R_ORIGIN], &r->origin, err)))
		return rc;
	r->metric = get32(in + R_METRIC);
	return 0;
}

static int route_full_check(const struct rt_route *r, char *err)
{
	char why[RT_ERRLEN];

	if (rt_route_check(r, why) != 0)
		return fail(err, RT_E_INVALID, "%s", why);
	return 0;
}

int rt_route_decode(const uint8_t in[RT_WIRE_ROUTE], struct rt_route *r, char *err)
{
	ERRBUF(err);
	int rc = route_unpack(in, r, err);

	return rc ? rc : route_full_check(r, err);
}

void rt_neigh_encode(const struct rt_neigh *n, uint32_t slot, uint8_t out[RT_WIRE_NEIGH])
{
	out[N_FAMILY] = n->ip.family;
	out[N_ORIGIN] = n->origin;
	memset(out + N_PAD1, 0, 2);
	put32(out + N_SLOT, slot);
	put_addr_bytes(out + N_IP, &n->ip);
	put_str(out + N_DEV, n->dev, RT_IFNAMSIZ);
	memcpy(out + N_LLADDR, n->lladdr, 6);
	memset(out + N_PAD2, 0, 2);
}

/* What a neighbour record must hold depends on what it is used for. */
enum neigh_use {
	NEIGH_FULL,     /* an entry: rt_neigh_check */
	NEIGH_KEY,      /* deletion: ip and dev */
	NEIGH_BY_IP,    /* look-up by ip: dev optional */
	NEIGH_BY_MAC,   /* look-up by lladdr: ip may be absent (family 0) */
};

static int neigh_unpack(const uint8_t *in, enum neigh_use use, struct rt_neigh *n,
                        uint32_t *slot, char *err)
{
	uint8_t family = in[N_FAMILY];
	char why[RT_ERRLEN];
	int rc;

	memset(n, 0, sizeof *n);
	if (!all_zero(in + N_PAD1, 2) || !all_zero(in + N_PAD2, 2))
		return fail(err, RT_E_PROTO, "neighbour: padding bytes are not zero");
	if (family == 0 && use == NEIGH_BY_MAC) {
		if (!all_zero(in + N_IP, 16))
			return fail(err, RT_E_PROTO, "neighbour: address bytes set without a family");
	} else if ((rc = get_addr(in + N_IP, family, &n->ip, "neighbour address", err))) {
		return rc;
	}
	if ((rc = get_dev(in + N_DEV, n->dev, err)))
		return rc;
	if ((rc = get_origin(in[N_ORIGIN], &n->origin, err)))
		return rc;
	memcpy(n->lladdr, in + N_LLADDR, 6);
	if (slot)
		*slot = get32(in + N_SLOT);
	switch (use) {
	case NEIGH_FULL:
		if (rt_neigh_check(n, why) != 0)
			return fail(err, RT_E_INVALID, "%s", why);
		break;
	case NEIGH_KEY:
		if (!n->dev[0])
			return fail(err, RT_E_INVALID, "neighbour: an interface name is required");
		break;
	case NEIGH_BY_IP:
	case NEIGH_BY_MAC:
		break;
	}
	return 0;
}

int rt_neigh_decode(const uint8_t in[RT_WIRE_NEIGH], struct rt_neigh *n, uint32_t *slot, char *err)
{
	ERRBUF(err);
	return neigh_unpack(in, NEIGH_FULL, n, slot, err);
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

size_t rt_msg_record_size(uint16_t type)
{
	switch (type) {
	case RT_MSG_ROUTE_ADD: case RT_MSG_ROUTE_REPLACE: case RT_MSG_ROUTE_DEL:
	case RT_MSG_ROUTE_LIST: case RT_MSG_ROUTE_GET: case RT_MSG_ROUTES:
		return RT_WIRE_ROUTE;
	case RT_MSG_ARP_ADD: case RT_MSG_ARP_REPLACE: case RT_MSG_ARP_DEL:
	case RT_MSG_ARP_GET: case RT_MSG_NEIGHS:
		return RT_WIRE_NEIGH;
	case RT_MSG_ACK: return RT_WIRE_ACK;
	case RT_MSG_ERROR: return RT_WIRE_ERROR;
	case RT_MSG_STATUS_REPLY: return RT_WIRE_STATUS;
	case RT_MSG_EVENTS: return RT_WIRE_EVENT;
	case RT_MSG_SYNC: return RT_WIRE_SYNC;
	case RT_MSG_HELLO: return RT_WIRE_HELLO;
	default: return 0;
	}
}

size_t rt_msg_capacity(uint16_t type, size_t max)
{
	size_t sz = rt_msg_record_size(type);

	if (!sz || max < RT_HDR_SIZE)
		return 0;
	return (max - RT_HDR_SIZE) / sz;
}

/* Room for one more record of the message's own type, or NULL with errno:
 * EINVAL for a record that does not belong in this message (a caller bug),
 * EMSGSIZE when the message is full, ENOMEM. */
static uint8_t *msg_reserve(struct rt_msgbuf *mb, size_t size)
{
	uint16_t type;
	size_t need;

	if (!mb->data || mb->len < RT_HDR_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	type = get16(mb->data + H_TYPE);
	if (rt_msg_record_size(type) != size) {
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
	uint8_t *p = msg_reserve(mb, RT_WIRE_ROUTE);

	if (!p)
		return -1;
	rt_route_encode(r, p);
	return 0;
}

int rt_msg_put_neigh(struct rt_msgbuf *mb, const struct rt_neigh *n)
{
	uint8_t *p = msg_reserve(mb, RT_WIRE_NEIGH);

	if (!p)
		return -1;
	rt_neigh_encode(n, NEIGH_NO_SLOT, p);
	return 0;
}

int rt_msg_put_event(struct rt_msgbuf *mb, const struct rt_event *e)
{
	uint8_t *p = msg_reserve(mb, RT_WIRE_EVENT);

	if (!p)
		return -1;
	put64(p + E_SEQ, e->seq);
	p[E_KIND] = e->kind;
	p[E_TABLE] = e->table;
	put16(p + E_PAD, 0);
	memset(p + E_REC, 0, RT_WIRE_EVENT - E_REC);
	if (e->table == RT_TABLE_ARP) {
		put32(p + E_SLOT, e->slot);
		rt_neigh_encode(&e->u.neigh, e->slot, p + E_REC);
	} else {
		/* route events have no slot; the decoder insists on 0 */
		put32(p + E_SLOT, 0);
		if (e->table == RT_TABLE_ROUTE)
			rt_route_encode(&e->u.route, p + E_REC);
	}
	return 0;
}

int rt_msg_put_ack(struct rt_msgbuf *mb, const struct rt_ack *a)
{
	uint8_t *p = msg_reserve(mb, RT_WIRE_ACK);

	if (!p)
		return -1;
	put32(p, a->applied);
	put32(p + 4, a->changed);
	return 0;
}

int rt_msg_put_error(struct rt_msgbuf *mb, const struct rt_error *e)
{
	uint8_t *p = msg_reserve(mb, RT_WIRE_ERROR);

	if (!p)
		return -1;
	put32(p + ER_CODE, e->code);
	put32(p + ER_INDEX, e->index);
	put32(p + ER_APPLIED, e->applied);
	put_str(p + ER_TEXT, e->text, RT_ERR_TEXT);
	return 0;
}

int rt_msg_put_status(struct rt_msgbuf *mb, const struct rt_status *s)
{
	uint8_t *p = msg_reserve(mb, RT_WIRE_STATUS);

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
	return 0;
}

int rt_msg_put_hello(struct rt_msgbuf *mb, const struct rt_hello *h)
{
	uint8_t *p = msg_reserve(mb, RT_WIRE_HELLO);

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
	uint8_t *p = msg_reserve(mb, RT_WIRE_SYNC);

	if (!p)
		return -1;
	put64(p, s->event_seq);
	return 0;
}

/* ---- decoding ---------------------------------------------------------- */

enum count_rule { C_NONE, C_ONE, C_ANY, C_SOME, C_OPT };

static bool type_known(uint16_t type, enum count_rule *rule)
{
	switch (type) {
	case RT_MSG_ROUTE_ADD: case RT_MSG_ROUTE_REPLACE: case RT_MSG_ROUTE_DEL:
	case RT_MSG_ARP_ADD: case RT_MSG_ARP_REPLACE: case RT_MSG_ARP_DEL:
		*rule = C_SOME;
		return true;
	case RT_MSG_ROUTE_LIST:
		*rule = C_OPT;
		return true;
	case RT_MSG_ROUTE_GET: case RT_MSG_ARP_GET:
	case RT_MSG_ACK: case RT_MSG_ERROR: case RT_MSG_STATUS_REPLY:
	case RT_MSG_SYNC: case RT_MSG_HELLO:
		*rule = C_ONE;
		return true;
	case RT_MSG_ARP_LIST: case RT_MSG_FLUSH: case RT_MSG_STATUS: case RT_MSG_SUBSCRIBE:
		*rule = C_NONE;
		return true;
	case RT_MSG_ROUTES: case RT_MSG_NEIGHS: case RT_MSG_EVENTS:
		*rule = C_ANY;
		return true;
	default:
		return false;
	}
}

int rt_msg_decode(const void *buf, size_t n, struct rt_hdr *hdr, char *err)
{
	ERRBUF(err);
	const uint8_t *p = buf;
	struct rt_hdr h;
	enum count_rule rule;
	size_t size;

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
	if (!type_known(h.type, &rule))
		return fail(err, RT_E_PROTO, "unknown message type %u", h.type);
	if (h.flags & ~RT_F_FLAGS_KNOWN)
		return fail(err, RT_E_PROTO, "unknown flag bits 0x%x", h.flags & ~RT_F_FLAGS_KNOWN);
	size = rt_msg_record_size(h.type);
	/* 64-bit product: count is peer-controlled */
	if ((uint64_t)h.count * size != n - RT_HDR_SIZE)
		return fail(err, RT_E_PROTO, "%u records of %zu bytes do not fill a %zu-byte body",
		            h.count, size, n - RT_HDR_SIZE);
	switch (rule) {
	case C_NONE:
		if (h.count != 0)
			return fail(err, RT_E_PROTO, "message type %u takes no records, got %u",
			            h.type, h.count);
		break;
	case C_ONE:
		if (h.count != 1)
			return fail(err, RT_E_PROTO, "message type %u takes exactly 1 record, got %u",
			            h.type, h.count);
		break;
	case C_OPT:
		if (h.count > 1)
			return fail(err, RT_E_PROTO, "message type %u takes 0 or 1 record, got %u",
			            h.type, h.count);
		break;
	case C_SOME:
		if (h.count == 0)
			return fail(err, RT_E_PROTO, "message type %u needs at least 1 record", h.type);
		break;
	case C_ANY:
		break;
	}
	if (hdr)
		*hdr = h;
	return 0;
}

/* Which getter a message type's records are for; ACK and SYNC records
 * have the same size, so the size alone cannot tell. */
enum rec_kind { K_NONE, K_ROUTE, K_NEIGH, K_EVENT, K_ACK, K_ERROR, K_STATUS, K_HELLO, K_SYNC };

static enum rec_kind rec_kind(uint16_t type)
{
	switch (type) {
	case RT_MSG_ACK: return K_ACK;
	case RT_MSG_ERROR: return K_ERROR;
	case RT_MSG_STATUS_REPLY: return K_STATUS;
	case RT_MSG_EVENTS: return K_EVENT;
	case RT_MSG_SYNC: return K_SYNC;
	case RT_MSG_HELLO: return K_HELLO;
	default:
		switch (rt_msg_record_size(type)) {
		case RT_WIRE_ROUTE: return K_ROUTE;
		case RT_WIRE_NEIGH: return K_NEIGH;
		default: return K_NONE;
		}
	}
}

/* Record i of a message already accepted by rt_msg_decode. */
static const uint8_t *record(const struct rt_hdr *h, const void *buf, uint32_t i,
                             enum rec_kind kind, char *err)
{
	size_t size = rt_msg_record_size(h->type);

	if (rec_kind(h->type) != kind) {
		fail(err, RT_E_PROTO, "message type %u does not carry this record", h->type);
		return NULL;
	}
	if (i >= h->count) {
		fail(err, RT_E_PROTO, "record %u of a message with %u", i, h->count);
		return NULL;
	}
	return (const uint8_t *)buf + RT_HDR_SIZE + (size_t)i * size;
}

int rt_msg_get_route(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_route *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = record(h, buf, i, K_ROUTE, err);
	int rc;

	if (!p)
		return RT_E_PROTO;
	if ((rc = route_unpack(p, out, err)))
		return rc;
	switch (h->type) {
	case RT_MSG_ROUTE_ADD: case RT_MSG_ROUTE_REPLACE: case RT_MSG_ROUTES:
		return route_full_check(out, err);
	case RT_MSG_ROUTE_GET:
		if (out->dst.len != family_bytes(out->dst.addr.family) * 8)
			return fail(err, RT_E_INVALID, "route get: %u-bit prefix, expected a host address",
			            out->dst.len);
		return 0;
	default:        /* DEL, LIST: the prefix (and metric) is all they use */
		return 0;
	}
}

int rt_msg_get_neigh(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_neigh *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = record(h, buf, i, K_NEIGH, err);
	enum neigh_use use = NEIGH_FULL;
	uint32_t slot;
	int rc;

	if (!p)
		return RT_E_PROTO;
	if (h->type == RT_MSG_ARP_DEL)
		use = NEIGH_KEY;
	else if (h->type == RT_MSG_ARP_GET)
		use = (h->flags & RT_F_BY_MAC) ? NEIGH_BY_MAC : NEIGH_BY_IP;
	if ((rc = neigh_unpack(p, use, out, &slot, err)))
		return rc;
	if (slot != NEIGH_NO_SLOT)
		return fail(err, RT_E_PROTO, "neighbour: slot must be 0x%08x outside events", NEIGH_NO_SLOT);
	return 0;
}

int rt_msg_get_event(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_event *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = record(h, buf, i, K_EVENT, err);
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
		if ((rc = route_unpack(p + E_REC, &out->u.route, err)))
			return rc;
		/* a deletion needs only the key; the rest is informative */
		return out->kind == RT_EV_DEL ? 0 : route_full_check(&out->u.route, err);
	case RT_TABLE_ARP:
		if (!all_zero(p + E_REC + RT_WIRE_NEIGH, RT_WIRE_EVENT - E_REC - RT_WIRE_NEIGH))
			return fail(err, RT_E_PROTO, "event: padding bytes are not zero");
		if ((rc = neigh_unpack(p + E_REC, out->kind == RT_EV_DEL ? NEIGH_KEY : NEIGH_FULL,
		                       &out->u.neigh, &nslot, err)))
			return rc;
		if (nslot != out->slot)
			return fail(err, RT_E_PROTO, "event: slot %u disagrees with the record's slot %u",
			            out->slot, nslot);
		return 0;
	default:
		return fail(err, RT_E_PROTO, "event: unknown table %u", out->table);
	}
}

int rt_msg_get_ack(const struct rt_hdr *h, const void *buf, struct rt_ack *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = record(h, buf, 0, K_ACK, err);

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
	const uint8_t *p = record(h, buf, 0, K_ERROR, err);

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

int rt_msg_get_status(const struct rt_hdr *h, const void *buf, struct rt_status *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = record(h, buf, 0, K_STATUS, err);
	int rc;

	if (!p)
		return RT_E_PROTO;
	memset(out, 0, sizeof *out);
	if (!all_zero(p + S_PAD, S_SYNC_INTERVAL - S_PAD) || !all_zero(p + S_END, RT_WIRE_STATUS - S_END))
		return fail(err, RT_E_PROTO, "status: padding bytes are not zero");
	if (p[S_SYNC_ALWAYS] > 1)
		return fail(err, RT_E_PROTO, "status: sync policy %u is neither 0 nor 1", p[S_SYNC_ALWAYS]);
	if ((rc = get_str(p + S_VERSION, sizeof out->version, out->version, "status version", err)) ||
	    (rc = get_str(p + S_ROUTE_STORE, RT_PATHLEN, out->route_store, "status route store", err)) ||
	    (rc = get_str(p + S_ARP_STORE, RT_PATHLEN, out->arp_store, "status ARP store", err)))
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
	return 0;
}

int rt_msg_get_hello(const struct rt_hdr *h, const void *buf, struct rt_hello *out, char *err)
{
	ERRBUF(err);
	const uint8_t *p = record(h, buf, 0, K_HELLO, err);

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
	const uint8_t *p = record(h, buf, 0, K_SYNC, err);

	if (!p)
		return RT_E_PROTO;
	out->event_seq = get64(p);
	return 0;
}
