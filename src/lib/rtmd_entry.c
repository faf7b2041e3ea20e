/* rtmd_entry.c - librtmd's entries: accessors, builders, text forms and
 * filters over the internal struct rt_route and struct rt_neigh.
 *
 * The only file of the public API that reads an entry's fields: when the
 * entries grow, this is where the accessors learn the new fields. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "json_entry.h"
#include "rtnames.h"
#include "rtmd_impl.h"

/* ---- routes ---------------------------------------------------------------- */

/* Every route the caller holds is full size, so that any look-up can copy
 * any route into it (a route of 256 next hops is about 9 KB). */
static struct rt_route *route_alloc(void)
{
	struct rt_route *r = malloc(sizeof(*r));

	if (!r)
		lib_fail(-ENOMEM, "out of memory for a route");
	return r;
}

rtmd_route *rtmd_route_new(void)
{
	struct rt_route *r = route_alloc();

	if (!r)
		return NULL;
	rt_route_init(r);
	r->dst.addr.family = AF_INET;
	return (rtmd_route *)(void *)r;
}

rtmd_route *rtmd_route_dup(const rtmd_route *r)
{
	struct rt_route *d = route_alloc();

	if (!d)
		return NULL;
	rt_route_copy(d, lib_route(r));
	return (rtmd_route *)(void *)d;
}

void rtmd_route_free(rtmd_route *r)
{
	free(r);
}

const struct rtmd_prefix *rtmd_route_dst(const rtmd_route *r)
{
	return (const struct rtmd_prefix *)(const void *)&lib_route(r)->dst;
}

uint32_t rtmd_route_metric(const rtmd_route *r)
{
	return lib_route(r)->metric;
}

unsigned rtmd_route_type(const rtmd_route *r)
{
	return lib_route(r)->type;
}

unsigned rtmd_route_protocol(const rtmd_route *r)
{
	return lib_route(r)->protocol;
}

/* The names of imported entries' protocols, read once (rtnames reads
 * iproute2's files once too), so that the API can hand out static
 * strings: NULL for a number without a name. */
static const char *proto_names[256];
static char proto_store[256][RT_NAMELEN];
static pthread_once_t proto_once = PTHREAD_ONCE_INIT;

static void proto_load(void)
{
	for (unsigned p = 0; p < 256; p++) {
		rt_owner_name(RT_ORIGIN_KERNEL, (uint8_t)p, proto_store[p]);
		proto_names[p] = isdigit((unsigned char)proto_store[p][0]) ? NULL : proto_store[p];
	}
}

static const char *owner_name(uint8_t origin, uint8_t protocol)
{
	if (origin == RT_ORIGIN_RTCTL)
		return "rtctl";
	if (origin == RT_ORIGIN_CONFIG)
		return "config";
	pthread_once(&proto_once, proto_load);
	return proto_names[protocol];
}

const char *rtmd_route_protocol_name(const rtmd_route *r)
{
	return owner_name(lib_route(r)->origin, lib_route(r)->protocol);
}

unsigned rtmd_route_origin(const rtmd_route *r)
{
	return lib_route(r)->origin;
}

unsigned rtmd_route_scope(const rtmd_route *r)
{
	return lib_route(r)->scope;
}

unsigned rtmd_route_tos(const rtmd_route *r)
{
	return lib_route(r)->tos;
}

const struct rtmd_addr *rtmd_route_prefsrc(const rtmd_route *r)
{
	const struct rt_route *x = lib_route(r);

	return x->src.family ? (const struct rtmd_addr *)(const void *)&x->src : NULL;
}

unsigned rtmd_route_flags(const rtmd_route *r)
{
	return lib_route(r)->flags & RT_RF_PENDING ? RTMD_ROUTE_F_PENDING : 0;
}

const char *rtmd_route_pending_reason(const rtmd_route *r)
{
	const struct rt_route *x = lib_route(r);

	return x->flags & RT_RF_PENDING ? x->reason : NULL;
}

unsigned rtmd_route_pref(const rtmd_route *r)
{
	return lib_route(r)->pref;
}

unsigned rtmd_route_nexthop_count(const rtmd_route *r)
{
	unsigned n = lib_route(r)->nh_count;

	return n <= RT_NH_MAX ? n : RT_NH_MAX;
}

static const struct rt_nexthop *nexthop(const rtmd_route *r, unsigned i)
{
	return i < rtmd_route_nexthop_count(r) ? &lib_route(r)->nh[i] : NULL;
}

const struct rtmd_addr *rtmd_route_nexthop_gateway(const rtmd_route *r, unsigned i)
{
	const struct rt_nexthop *nh = nexthop(r, i);

	return nh && nh->gw.family ? (const struct rtmd_addr *)(const void *)&nh->gw : NULL;
}

const char *rtmd_route_nexthop_dev(const rtmd_route *r, unsigned i)
{
	const struct rt_nexthop *nh = nexthop(r, i);

	return nh && nh->dev[0] ? nh->dev : NULL;
}

unsigned rtmd_route_nexthop_weight(const rtmd_route *r, unsigned i)
{
	const struct rt_nexthop *nh = nexthop(r, i);

	return nh && nh->weight ? nh->weight : 1;
}

unsigned rtmd_route_nexthop_flags(const rtmd_route *r, unsigned i)
{
	const struct rt_nexthop *nh = nexthop(r, i);

	return nh ? nh->flags : 0;
}

static int addr_ok(const struct rtmd_addr *a, const char *what)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return lib_fail(-EINVAL, "%s: unknown address family %u", what, a->family);
	for (size_t i = rt_addr_bytes(a->family); i < sizeof(a->bytes); i++)
		if (a->bytes[i])
			return lib_fail(-EINVAL, "%s: bytes past an IPv4 address are not zero", what);
	return 0;
}

int rtmd_route_set_dst(rtmd_route *r, const struct rtmd_prefix *dst)
{
	char err[RT_ERRLEN];

	if (rt_prefix_check(lib_prefix(dst), err) < 0)
		return lib_fail(-EINVAL, "destination: %s", err);
	lib_route_w(r)->dst = *lib_prefix(dst);
	return 0;
}

int rtmd_route_set_metric(rtmd_route *r, uint32_t metric)
{
	lib_route_w(r)->metric = metric;
	return 0;
}

int rtmd_route_set_type(rtmd_route *r, unsigned type)
{
	/* The types rtmd owns; the others are the kernel's to make. */
	if (type != RTN_UNICAST && type != RTN_BLACKHOLE && type != RTN_UNREACHABLE &&
	    type != RTN_PROHIBIT)
		return lib_fail(-EINVAL, "route type %u: rtmd holds unicast, blackhole, unreachable "
		                "and prohibit routes", type);
	lib_route_w(r)->type = (uint8_t)type;
	return 0;
}

int rtmd_route_set_scope(rtmd_route *r, unsigned scope)
{
	if (scope > 255)
		return lib_fail(-EINVAL, "scope %u out of range (0..255)", scope);
	lib_route_w(r)->scope = (uint8_t)scope;
	return 0;
}

int rtmd_route_set_prefsrc(rtmd_route *r, const struct rtmd_addr *src)
{
	struct rt_route *x = lib_route_w(r);
	int rc;

	if (!src || !src->family) {
		memset(&x->src, 0, sizeof(x->src));
		return 0;
	}
	if ((rc = addr_ok(src, "preferred source")) < 0)
		return rc;
	x->src = *lib_addr(src);
	return 0;
}

int rtmd_route_add_nexthop(rtmd_route *r, const struct rtmd_addr *gw, const char *dev,
                           unsigned weight, unsigned flags)
{
	struct rt_route *x = lib_route_w(r);
	struct rt_nexthop nh;
	char err[RT_ERRLEN];
	int rc;

	if (x->nh_count >= RT_NH_MAX)
		return lib_fail(-ENOSPC, "a route holds at most %d next hops", RT_NH_MAX);
	if (weight > RT_WEIGHT_MAX)
		return lib_fail(-EINVAL, "next-hop weight %u out of range (1..%d)", weight,
		                RT_WEIGHT_MAX);
	if (flags & ~RTMD_NH_F_ONLINK)
		return lib_fail(-EINVAL, "next-hop flags 0x%x: a route rtmd owns may set onlink only",
		                flags);
	if (!(gw && gw->family) && !dev)
		return lib_fail(-EINVAL, "a next hop needs a gateway or a device");
	memset(&nh, 0, sizeof(nh));
	nh.weight = (uint16_t)(weight ? weight : 1);
	nh.flags = (uint8_t)flags;
	if (gw && gw->family) {
		if ((rc = addr_ok(gw, "gateway")) < 0)
			return rc;
		nh.gw = *lib_addr(gw);
	}
	if (dev && rt_ifname_parse(dev, nh.dev, err) < 0)
		return lib_fail(-EINVAL, "%s", err);
	x->nh[x->nh_count++] = nh;
	return 0;
}

void rtmd_route_clear_nexthops(rtmd_route *r)
{
	lib_route_w(r)->nh_count = 0;
}

/* A change in the pending state is news to a subscriber, though not a
 * change of the route (rt_route_equal()). */
int lib_route_same(const struct rt_route *a, const struct rt_route *b)
{
	return rt_route_equal(a, b) && (a->flags & RT_RF_PENDING) == (b->flags & RT_RF_PENDING) &&
	       strncmp(a->reason, b->reason, RT_REASONLEN) == 0;
}

void lib_route_prepare(struct rt_route *dst, const rtmd_route *r)
{
	const struct rt_route *x = lib_route(r);

	rt_route_copy(dst, x);
	/* ip(8)'s defaults; a scope left at universe is its default scope. */
	rt_route_normalise(dst, x->scope == RT_SCOPE_UNIVERSE);
}

/* ---- neighbours -------------------------------------------------------------- */

rtmd_neigh *rtmd_neigh_new(void)
{
	struct rtmd_neigh *n = calloc(1, sizeof(*n));

	if (!n) {
		lib_fail(-ENOMEM, "out of memory for a neighbour");
		return NULL;
	}
	n->slot = RTMD_SLOT_NONE;
	n->n.origin = RT_ORIGIN_RTCTL;
	n->n.state = NUD_PERMANENT;
	return n;
}

rtmd_neigh *rtmd_neigh_dup(const rtmd_neigh *n)
{
	struct rtmd_neigh *d = malloc(sizeof(*d));

	if (!d) {
		lib_fail(-ENOMEM, "out of memory for a neighbour");
		return NULL;
	}
	*d = *n;
	return d;
}

void rtmd_neigh_free(rtmd_neigh *n)
{
	free(n);
}

const struct rtmd_addr *rtmd_neigh_ip(const rtmd_neigh *n)
{
	return (const struct rtmd_addr *)(const void *)&n->n.ip;
}

const char *rtmd_neigh_dev(const rtmd_neigh *n)
{
	return n->n.dev;
}

const uint8_t *rtmd_neigh_lladdr(const rtmd_neigh *n)
{
	return n->n.lladdr;
}

unsigned rtmd_neigh_state(const rtmd_neigh *n)
{
	return n->n.state;
}

unsigned rtmd_neigh_protocol(const rtmd_neigh *n)
{
	return n->n.protocol;
}

const char *rtmd_neigh_protocol_name(const rtmd_neigh *n)
{
	/* ip(8) prints no protocol for an imported neighbour without one. */
	if (!rt_origin_owned(n->n.origin) && !n->n.protocol)
		return NULL;
	return owner_name(n->n.origin, n->n.protocol);
}

unsigned rtmd_neigh_origin(const rtmd_neigh *n)
{
	return n->n.origin;
}

unsigned rtmd_neigh_flags(const rtmd_neigh *n)
{
	return n->n.flags;
}

uint32_t rtmd_neigh_slot(const rtmd_neigh *n)
{
	return n->slot;
}

int rtmd_neigh_set_ip(rtmd_neigh *n, const struct rtmd_addr *ip)
{
	int rc = addr_ok(ip, "neighbour address");

	if (rc < 0)
		return rc;
	n->n.ip = *lib_addr(ip);
	return 0;
}

int rtmd_neigh_set_dev(rtmd_neigh *n, const char *dev)
{
	char err[RT_ERRLEN], name[RT_IFNAMSIZ];

	if (rt_ifname_parse(dev, name, err) < 0)
		return lib_fail(-EINVAL, "%s", err);
	memcpy(n->n.dev, name, sizeof(name));
	return 0;
}

int rtmd_neigh_set_lladdr(rtmd_neigh *n, const uint8_t lladdr[6])
{
	memcpy(n->n.lladdr, lladdr, sizeof(n->n.lladdr));
	return 0;
}

int lib_neigh_same(const struct rt_neigh *a, const struct rt_neigh *b)
{
	return rt_neigh_equal(a, b);
}

/* ---- text forms ------------------------------------------------------------------ */

/* The JSON form is rtctl's (json_entry.c), printed compactly. */
static int json_out(struct json_object *o, char *buf, size_t cap)
{
	int n;

	if (!o)
		return lib_fail(-ENOMEM, "out of memory for a JSON form");
	n = snprintf(buf, cap, "%s",
	             json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return n;
}

int rtmd_route_format(const rtmd_route *r, enum rtmd_format how, char *buf, size_t cap)
{
	switch (how) {
	case RTMD_FORMAT_KEY:
		return rt_route_key_format(lib_route(r), buf, cap);
	case RTMD_FORMAT_JSON:
		return json_out(rt_route_to_json(lib_route(r)), buf, cap);
	default:
		return rt_route_format(lib_route(r), buf, cap);
	}
}

int rtmd_neigh_format(const rtmd_neigh *n, enum rtmd_format how, char *buf, size_t cap)
{
	char a[RT_ADDRSTRLEN];

	switch (how) {
	case RTMD_FORMAT_KEY:
		return snprintf(buf, cap, "%s dev %s", rt_addr_str(&n->n.ip, a), n->n.dev);
	case RTMD_FORMAT_JSON:
		return json_out(rt_neigh_to_json(&n->n), buf, cap);
	default:
		return rt_neigh_format(&n->n, buf, cap);
	}
}

/* ---- filters ------------------------------------------------------------------------ */

rtmd_filter *rtmd_filter_new(void)
{
	rtmd_filter *f = calloc(1, sizeof(*f));

	if (!f) {
		lib_fail(-ENOMEM, "out of memory for a filter");
		return NULL;
	}
	f->origin = -1;
	return f;
}

void rtmd_filter_free(rtmd_filter *f)
{
	free(f);
}

int rtmd_filter_set_prefix(rtmd_filter *f, const struct rtmd_prefix *p, enum rtmd_match how)
{
	char err[RT_ERRLEN];

	if (!p) {
		f->has_prefix = false;
		return 0;
	}
	if (how > RTMD_MATCH_CONTAINS)
		return lib_fail(-EINVAL, "unknown prefix match %d", (int)how);
	if (rt_prefix_check(lib_prefix(p), err) < 0)
		return lib_fail(-EINVAL, "filter prefix: %s", err);
	f->has_prefix = true;
	f->prefix = *lib_prefix(p);
	f->how = how;
	return 0;
}

int rtmd_filter_set_family(rtmd_filter *f, unsigned family)
{
	if (family && family != AF_INET && family != AF_INET6)
		return lib_fail(-EINVAL, "unknown address family %u", family);
	f->family = family;
	return 0;
}

int rtmd_filter_set_dev(rtmd_filter *f, const char *dev)
{
	char err[RT_ERRLEN], name[RT_IFNAMSIZ];

	if (!dev) {
		f->dev[0] = '\0';
		return 0;
	}
	if (rt_ifname_parse(dev, name, err) < 0)
		return lib_fail(-EINVAL, "%s", err);
	memcpy(f->dev, name, sizeof(name));
	return 0;
}

int rtmd_filter_set_gateway(rtmd_filter *f, const struct rtmd_addr *gw)
{
	int rc = gw ? addr_ok(gw, "gateway") : 0;

	if (rc < 0)
		return rc;
	memset(&f->gw, 0, sizeof(f->gw));
	if (gw)
		f->gw = *lib_addr(gw);
	return 0;
}

int rtmd_filter_set_origin(rtmd_filter *f, int origin)
{
	if (origin < -1 || origin > RTMD_ORIGIN_FPM)
		return lib_fail(-EINVAL, "unknown origin %d", origin);
	f->origin = origin;
	return 0;
}

int rtmd_filter_set_type(rtmd_filter *f, unsigned type)
{
	if (type > 255)
		return lib_fail(-EINVAL, "unknown route type %u", type);
	f->type = type;
	return 0;
}

int rtmd_filter_set_lladdr(rtmd_filter *f, const uint8_t lladdr[6])
{
	f->has_lladdr = lladdr != NULL;
	if (lladdr)
		memcpy(f->lladdr, lladdr, 6);
	return 0;
}

int rtmd_filter_set_state(rtmd_filter *f, unsigned nud)
{
	if (nud > 0xff)
		return lib_fail(-EINVAL, "unknown neighbour state bits 0x%x", nud);
	f->state = nud;
	return 0;
}

static bool prefix_match(const rtmd_filter *f, const struct rt_prefix *dst)
{
	switch (f->how) {
	case RTMD_MATCH_ROOT:           /* dst inside the filter prefix */
		return dst->len >= f->prefix.len && rt_prefix_contains(&f->prefix, &dst->addr);
	case RTMD_MATCH_CONTAINS:       /* the filter prefix inside dst */
		return dst->len <= f->prefix.len && rt_prefix_contains(dst, &f->prefix.addr);
	default:
		return dst->len == f->prefix.len && rt_addr_equal(&dst->addr, &f->prefix.addr);
	}
}

int rtmd_filter_route(const rtmd_filter *f, const rtmd_route *r)
{
	unsigned n = rtmd_route_nexthop_count(r);
	bool dev = !f || !f->dev[0], gw = !f || !f->gw.family;

	if (!f)
		return 1;
	if ((f->family && rtmd_route_dst(r)->addr.family != f->family) ||
	    (f->has_prefix && !prefix_match(f, lib_prefix(rtmd_route_dst(r)))) ||
	    (f->origin >= 0 && rtmd_route_origin(r) != (unsigned)f->origin) ||
	    (f->type && rtmd_route_type(r) != f->type))
		return 0;
	for (unsigned i = 0; i < n && !(dev && gw); i++) {
		const char *d = rtmd_route_nexthop_dev(r, i);
		const struct rtmd_addr *g = rtmd_route_nexthop_gateway(r, i);

		dev = dev || (d && strcmp(d, f->dev) == 0);
		gw = gw || (g && rt_addr_equal(lib_addr(g), &f->gw));
	}
	return dev && gw;
}

int rtmd_filter_neigh(const rtmd_filter *f, const rtmd_neigh *n)
{
	if (!f)
		return 1;
	return !(f->family && n->n.ip.family != f->family) &&
	       !(f->dev[0] && strcmp(n->n.dev, f->dev) != 0) &&
	       !(f->origin >= 0 && rtmd_neigh_origin(n) != (unsigned)f->origin) &&
	       !(f->has_lladdr && memcmp(n->n.lladdr, f->lladdr, 6) != 0) &&
	       !(f->state && !(rtmd_neigh_state(n) & f->state));
}
