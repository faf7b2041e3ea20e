/* rtmd_entry.c - librtmd's entries: accessors, builders, text forms and
 * filters over the internal struct rt_route and struct rt_neigh.
 *
 * The only file of the public API that reads an entry's fields: when the
 * entries grow, this is where the accessors learn the new fields. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rtmd_impl.h"

/* ---- routes ---------------------------------------------------------------- */

rtmd_route *rtmd_route_new(void)
{
	struct rt_route *r = calloc(1, sizeof(*r));

	if (!r) {
		lib_fail(-ENOMEM, "out of memory for a route");
		return NULL;
	}
	r->dst.addr.family = AF_INET;
	return (rtmd_route *)(void *)r;
}

rtmd_route *rtmd_route_dup(const rtmd_route *r)
{
	struct rt_route *d = malloc(sizeof(*d));

	if (!d) {
		lib_fail(-ENOMEM, "out of memory for a route");
		return NULL;
	}
	*d = *lib_route(r);
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
	return RTMD_ROUTE_UNICAST;
}

unsigned rtmd_route_protocol(const rtmd_route *r)
{
	return 0;
}

static const char *origin_name(uint8_t origin)
{
	return origin == RT_ORIGIN_CONFIG ? "config" : "rtctl";
}

const char *rtmd_route_protocol_name(const rtmd_route *r)
{
	return origin_name(lib_route(r)->origin);
}

unsigned rtmd_route_origin(const rtmd_route *r)
{
	return lib_route(r)->origin;
}

unsigned rtmd_route_scope(const rtmd_route *r)
{
	/* ip(8)'s normalisation: a unicast route without a gateway is a link route. */
	return lib_route(r)->gw.family ? RTMD_SCOPE_UNIVERSE : RTMD_SCOPE_LINK;
}

unsigned rtmd_route_tos(const rtmd_route *r)
{
	return 0;
}

const struct rtmd_addr *rtmd_route_prefsrc(const rtmd_route *r)
{
	return NULL;
}

unsigned rtmd_route_flags(const rtmd_route *r)
{
	return 0;
}

const char *rtmd_route_pending_reason(const rtmd_route *r)
{
	return NULL;
}

unsigned rtmd_route_pref(const rtmd_route *r)
{
	return RTMD_PREF_MEDIUM;
}

unsigned rtmd_route_nexthop_count(const rtmd_route *r)
{
	return lib_route(r)->gw.family || lib_route(r)->dev[0];
}

const struct rtmd_addr *rtmd_route_nexthop_gateway(const rtmd_route *r, unsigned i)
{
	const struct rt_route *x = lib_route(r);

	if (i >= rtmd_route_nexthop_count(r) || !x->gw.family)
		return NULL;
	return (const struct rtmd_addr *)(const void *)&x->gw;
}

const char *rtmd_route_nexthop_dev(const rtmd_route *r, unsigned i)
{
	const struct rt_route *x = lib_route(r);

	if (i >= rtmd_route_nexthop_count(r) || !x->dev[0])
		return NULL;
	return x->dev;
}

unsigned rtmd_route_nexthop_weight(const rtmd_route *r, unsigned i)
{
	return 1;
}

unsigned rtmd_route_nexthop_flags(const rtmd_route *r, unsigned i)
{
	return 0;
}

int rtmd_route_set_dst(rtmd_route *r, const struct rtmd_prefix *dst)
{
	struct rt_route *x = lib_route_w(r);
	char err[RT_ERRLEN];

	if (rt_prefix_check(lib_prefix(dst), err) < 0)
		return lib_fail(-EINVAL, "destination: %s", err);
	if (x->gw.family && x->gw.family != dst->addr.family)
		return lib_fail(-EINVAL, "destination and gateway are of different families");
	x->dst = *lib_prefix(dst);
	return 0;
}

int rtmd_route_set_metric(rtmd_route *r, uint32_t metric)
{
	lib_route_w(r)->metric = metric;
	return 0;
}

int rtmd_route_set_type(rtmd_route *r, unsigned type)
{
	if (type != RTMD_ROUTE_UNICAST)
		return lib_fail(-ENOTSUP, "route type %u: this rtmd holds unicast routes only", type);
	return 0;
}

int rtmd_route_set_scope(rtmd_route *r, unsigned scope)
{
	if (scope != rtmd_route_scope(r))
		return lib_fail(-ENOTSUP, "scope %u: this rtmd sets the scope from the next hop", scope);
	return 0;
}

int rtmd_route_set_prefsrc(rtmd_route *r, const struct rtmd_addr *src)
{
	if (src && src->family)
		return lib_fail(-ENOTSUP, "this rtmd has no preferred source addresses");
	return 0;
}

int rtmd_route_add_nexthop(rtmd_route *r, const struct rtmd_addr *gw, const char *dev,
                           unsigned weight, unsigned flags)
{
	struct rt_route *x = lib_route_w(r), t = *x;
	char err[RT_ERRLEN];

	if (rtmd_route_nexthop_count(r))
		return lib_fail(-ENOSPC, "this rtmd holds one next hop a route");
	if (weight > 1 || flags)
		return lib_fail(-ENOTSUP, "this rtmd has no next-hop weights or flags");
	if (!(gw && gw->family) && !dev)
		return lib_fail(-EINVAL, "a next hop needs a gateway or a device");
	if (gw && gw->family) {
		if (gw->family != x->dst.addr.family)
			return lib_fail(-EINVAL, "gateway and destination are of different families");
		t.gw = *lib_addr(gw);
	}
	if (dev && rt_ifname_parse(dev, t.dev, err) < 0)
		return lib_fail(-EINVAL, "%s", err);
	if (rt_route_check(&t, err) < 0)
		return lib_fail(-EINVAL, "%s", err);
	*x = t;
	return 0;
}

void rtmd_route_clear_nexthops(rtmd_route *r)
{
	struct rt_route *x = lib_route_w(r);

	memset(&x->gw, 0, sizeof(x->gw));
	memset(x->dev, 0, sizeof(x->dev));
}

int lib_route_same(const struct rt_route *a, const struct rt_route *b)
{
	return memcmp(&a->dst, &b->dst, sizeof(a->dst)) == 0 && a->metric == b->metric &&
	       memcmp(&a->gw, &b->gw, sizeof(a->gw)) == 0 &&
	       memcmp(a->dev, b->dev, sizeof(a->dev)) == 0 && a->origin == b->origin;
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
	return RTMD_NUD_PERMANENT;
}

unsigned rtmd_neigh_protocol(const rtmd_neigh *n)
{
	return 0;
}

const char *rtmd_neigh_protocol_name(const rtmd_neigh *n)
{
	return origin_name(n->n.origin);
}

unsigned rtmd_neigh_origin(const rtmd_neigh *n)
{
	return n->n.origin;
}

unsigned rtmd_neigh_flags(const rtmd_neigh *n)
{
	return 0;
}

uint32_t rtmd_neigh_slot(const rtmd_neigh *n)
{
	return n->slot;
}

int rtmd_neigh_set_ip(rtmd_neigh *n, const struct rtmd_addr *ip)
{
	if (ip->family != AF_INET && ip->family != AF_INET6)
		return lib_fail(-EINVAL, "neighbour address: unknown family %u", ip->family);
	for (size_t i = rt_addr_bytes(ip->family); i < sizeof(ip->bytes); i++)
		if (ip->bytes[i])
			return lib_fail(-EINVAL, "neighbour address: bytes past an IPv4 address are not zero");
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
	return memcmp(&a->ip, &b->ip, sizeof(a->ip)) == 0 &&
	       memcmp(a->dev, b->dev, sizeof(a->dev)) == 0 &&
	       memcmp(a->lladdr, b->lladdr, sizeof(a->lladdr)) == 0 && a->origin == b->origin;
}

/* ---- text forms ------------------------------------------------------------------ */

/* snprintf that keeps counting after the buffer is full. */
static void put(char *buf, size_t cap, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*off < cap ? buf + *off : NULL, *off < cap ? cap - *off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

/* Interface names and protocol names hold no character JSON must escape
 * (rt_ifname_check() refuses quotes, backslashes and control bytes). */
static int route_json(const struct rt_route *r, char *buf, size_t cap)
{
	char p[RT_PREFIXSTRLEN], g[RT_ADDRSTRLEN];
	size_t off = 0;

	put(buf, cap, &off, "{\"dst\":\"%s\"", rt_prefix_str(&r->dst, p));
	if (r->gw.family)
		put(buf, cap, &off, ",\"gateway\":\"%s\"", rt_addr_str(&r->gw, g));
	if (r->dev[0])
		put(buf, cap, &off, ",\"dev\":\"%s\"", r->dev);
	put(buf, cap, &off, ",\"metric\":%u,\"proto\":\"%s\"}", r->metric, origin_name(r->origin));
	return (int)off;
}

static int neigh_json(const struct rt_neigh *n, char *buf, size_t cap)
{
	char a[RT_ADDRSTRLEN], m[RT_MACSTRLEN];

	return snprintf(buf, cap, "{\"dst\":\"%s\",\"dev\":\"%s\",\"lladdr\":\"%s\",\"proto\":\"%s\"}",
	                rt_addr_str(&n->ip, a), n->dev, rt_mac_str(n->lladdr, m),
	                origin_name(n->origin));
}

int rtmd_route_format(const rtmd_route *r, enum rtmd_format how, char *buf, size_t cap)
{
	switch (how) {
	case RTMD_FORMAT_KEY:
		return rt_route_key_format(lib_route(r), buf, cap);
	case RTMD_FORMAT_JSON:
		return route_json(lib_route(r), buf, cap);
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
		return neigh_json(&n->n, buf, cap);
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
	if (gw && gw->family != AF_INET && gw->family != AF_INET6)
		return lib_fail(-EINVAL, "gateway: unknown family %u", gw->family);
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
