/* addr.c - parsing, validation and printing of table entries. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "rtnames.h"

#define ERR(...) do { if (err) snprintf(err, RT_ERRLEN, __VA_ARGS__); return -1; } while (0)

size_t rt_addr_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static unsigned max_len(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

bool rt_addr_equal(const struct rt_addr *a, const struct rt_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->bytes, b->bytes, rt_addr_bytes(a->family)) == 0;
}

int rt_addr_parse(const char *s, struct rt_addr *out, char *err)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		ERR("empty address");
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, out->bytes) == 1) {
			out->family = AF_INET6;
			return 0;
		}
	} else if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = AF_INET;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	ERR("invalid address \"%s\"", s);
}

/* True if any bit beyond len is set. */
static bool host_bits_set(const struct rt_addr *a, unsigned len)
{
	size_t n = rt_addr_bytes(a->family);
	for (size_t i = len / 8; i < n; i++) {
		uint8_t mask = i == len / 8 ? (uint8_t)(0xffu >> (len % 8)) : 0xff;
		if (a->bytes[i] & mask)
			return true;
	}
	return false;
}

int rt_prefix_check(const struct rt_prefix *p, char *err)
{
	char buf[RT_ADDRSTRLEN];

	if (p->addr.family != AF_INET && p->addr.family != AF_INET6)
		ERR("unknown address family %u", p->addr.family);
	if (p->len > max_len(p->addr.family))
		ERR("prefix length %u out of range (0..%u)", p->len, max_len(p->addr.family));
	for (size_t i = rt_addr_bytes(p->addr.family); i < sizeof(p->addr.bytes); i++)
		if (p->addr.bytes[i])
			ERR("address bytes beyond the family are not zero");
	if (host_bits_set(&p->addr, p->len))
		ERR("prefix %s/%u has host bits set", rt_addr_str(&p->addr, buf), p->len);
	return 0;
}

int rt_prefix_parse(const char *s, struct rt_prefix *out, char *err)
{
	char addr[RT_ADDRSTRLEN + 1];
	const char *slash;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		ERR("empty prefix");
	if (strcmp(s, "default") == 0) {
		out->addr.family = AF_INET;
		return 0;
	}
	if (strcmp(s, "default6") == 0) {
		out->addr.family = AF_INET6;
		return 0;
	}
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(addr))
		ERR("invalid prefix \"%s\"", s);
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (rt_addr_parse(addr, &out->addr, NULL) < 0)
		ERR("invalid prefix \"%s\": bad address \"%s\"", s, addr);
	if (slash) {
		const char *l = slash + 1;
		unsigned long v;
		char *end;

		if (!isdigit((unsigned char)*l))
			ERR("invalid prefix \"%s\": bad length", s);
		errno = 0;
		v = strtoul(l, &end, 10);
		if (errno || *end || v > max_len(out->addr.family))
			ERR("invalid prefix \"%s\": length must be 0..%u", s, max_len(out->addr.family));
		out->len = (uint8_t)v;
	} else {
		out->len = (uint8_t)max_len(out->addr.family);
	}
	if (host_bits_set(&out->addr, out->len))
		ERR("invalid prefix \"%s\": host bits set beyond /%u", s, out->len);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int rt_mac_parse(const char *s, uint8_t out[6], char *err)
{
	if (!s || strlen(s) != 17)
		ERR("invalid MAC address \"%s\" (expected aa:bb:cc:dd:ee:ff)", s ? s : "");
	for (int i = 0; i < 6; i++) {
		int hi = hexval((unsigned char)s[3 * i]), lo = hexval((unsigned char)s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			ERR("invalid MAC address \"%s\" (expected aa:bb:cc:dd:ee:ff)", s);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The kernel's rules (dev_valid_name), minus characters that would make
 * our one-entry-a-line output ambiguous. */
static int ifname_valid(const char *s, size_t n, char *err)
{
	if (n == 0)
		ERR("empty interface name");
	if (n >= RT_IFNAMSIZ)
		ERR("interface name \"%.*s\" too long (at most %d bytes)", (int)n, s, RT_IFNAMSIZ - 1);
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		ERR("invalid interface name \"%.*s\"", (int)n, s);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '"' || c == '\\')
			ERR("invalid interface name \"%.*s\": character not allowed", (int)n, s);
	}
	return 0;
}

int rt_ifname_parse(const char *s, char out[RT_IFNAMSIZ], char *err)
{
	size_t n = s ? strlen(s) : 0;

	memset(out, 0, RT_IFNAMSIZ);
	if (ifname_valid(s ? s : "", n, err) < 0)
		return -1;
	memcpy(out, s, n);
	return 0;
}

int rt_ifname_check(const char name[RT_IFNAMSIZ], char *err)
{
	size_t n = strnlen(name, RT_IFNAMSIZ);

	if (n == RT_IFNAMSIZ)
		ERR("interface name not terminated");
	for (size_t i = n; i < RT_IFNAMSIZ; i++)
		if (name[i])
			ERR("interface name padding not zero");
	return ifname_valid(name, n, err);
}

int rt_metric_parse(const char *s, uint32_t *out, char *err)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		ERR("invalid metric \"%s\" (0..4294967295)", s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		ERR("invalid metric \"%s\" (0..4294967295)", s);
	*out = (uint32_t)v;
	return 0;
}

/* ---- routes ------------------------------------------------------------- */

void rt_route_init(struct rt_route *r)
{
	memset(r, 0, offsetof(struct rt_route, nh));
	memset(&r->nh[0], 0, sizeof(r->nh[0]));
	r->type = RTN_UNICAST;
}

void rt_route_copy(struct rt_route *dst, const struct rt_route *src)
{
	size_t n = src->nh_count <= RT_NH_MAX ? src->nh_count : RT_NH_MAX;

	if (dst != src)
		memcpy(dst, src, rt_route_size(n));
	dst->nh_count = (uint16_t)n;
}

struct rt_route *rt_route_dup(const struct rt_route *r)
{
	size_t n = r->nh_count <= RT_NH_MAX ? r->nh_count : RT_NH_MAX;
	/* room for nh[0] always: rt_route_init() and readers of nh[0] may
	 * touch it */
	struct rt_route *d = malloc(rt_route_size(n ? n : 1));

	if (d) {
		memcpy(d, r, rt_route_size(n));
		d->nh_count = (uint16_t)n;
		if (!n)
			memset(&d->nh[0], 0, sizeof(d->nh[0]));
	}
	return d;
}

static bool nh_equal(const struct rt_nexthop *a, const struct rt_nexthop *b)
{
	return a->weight == b->weight && a->flags == b->flags && rt_addr_equal(&a->gw, &b->gw) &&
	       strncmp(a->dev, b->dev, RT_IFNAMSIZ) == 0;
}

bool rt_route_equal(const struct rt_route *a, const struct rt_route *b)
{
	if (a->dst.len != b->dst.len || !rt_addr_equal(&a->dst.addr, &b->dst.addr) ||
	    a->metric != b->metric || a->disc != b->disc || a->type != b->type ||
	    a->origin != b->origin || a->protocol != b->protocol || a->scope != b->scope ||
	    a->tos != b->tos || a->pref != b->pref || a->nh_count != b->nh_count ||
	    !rt_addr_equal(&a->src, &b->src) || a->nh_count > RT_NH_MAX)
		return false;
	for (unsigned i = 0; i < a->nh_count; i++)
		if (!nh_equal(&a->nh[i], &b->nh[i]))
			return false;
	return true;
}

static bool addr_zero(const struct rt_addr *a)
{
	for (size_t i = 0; i < rt_addr_bytes(a->family); i++)
		if (a->bytes[i])
			return false;
	return true;
}

void rt_route_normalise(struct rt_route *r, bool default_scope)
{
	if (r->dst.addr.family == AF_INET6 && r->metric == 0)
		r->metric = 1024;
	if (r->nh_count > RT_NH_MAX)
		return;         /* rt_route_check() refuses it */
	for (unsigned i = 0; i < r->nh_count; i++) {
		struct rt_nexthop *nh = &r->nh[i];

		/* the kernel's reading of "via 0.0.0.0 dev X": a device route */
		if (nh->gw.family == AF_INET && nh->dev[0] && addr_zero(&nh->gw))
			memset(&nh->gw, 0, sizeof(nh->gw));
		if (nh->weight == 0 || r->nh_count == 1)
			nh->weight = 1;
	}
	/* IPv6 routes have no scope: the kernel reports universe whatever was asked */
	if (r->dst.addr.family == AF_INET6)
		r->scope = RT_SCOPE_UNIVERSE;
	else if (default_scope && r->type == RTN_UNICAST)
		r->scope = r->nh_count == 1 && !r->nh[0].gw.family ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
}

/* Address classes a gateway or preferred source must not be in. */
static const char *bad_unicast(const struct rt_addr *a)
{
	const uint8_t *b = a->bytes;

	if (addr_zero(a))
		return "unspecified";
	if (a->family == AF_INET) {
		if ((b[0] & 0xf0) == 0xe0)
			return "multicast";
		if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
			return "broadcast";
		return NULL;
	}
	if (b[0] == 0xff)
		return "multicast";
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(b, mapped, 12) == 0)
		return "IPv4-mapped";
	return NULL;
}

static bool link_local6(const struct rt_addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

/* An address field: a known family (or 0 when absent is allowed) with the
 * bytes beyond it zero. */
static int addr_field_check(const struct rt_addr *a, bool absent_ok, const char *what, char *err)
{
	size_t from = rt_addr_bytes(a->family);

	if (a->family == 0) {
		if (!absent_ok)
			ERR("%s: no address", what);
	} else if (!from) {
		ERR("%s: unknown address family %u", what, a->family);
	}
	for (size_t i = from; i < sizeof(a->bytes); i++)
		if (a->bytes[i])
			ERR("%s: bytes beyond the address are not zero", what);
	return 0;
}

static int dev_field_check(const char dev[RT_IFNAMSIZ], char *err)
{
	if (dev[0])
		return rt_ifname_check(dev, err);
	for (size_t i = 0; i < RT_IFNAMSIZ; i++)
		if (dev[i])
			ERR("interface name padding not zero");
	return 0;
}

static const char *nh_name(const struct rt_nexthop *nh, char *buf, size_t cap)
{
	char g[RT_ADDRSTRLEN];
	size_t off = 0;

	buf[0] = '\0';
	if (nh->gw.family)
		off += (size_t)snprintf(buf, cap, "via %s", rt_addr_str(&nh->gw, g));
	if (nh->dev[0] && off < cap)
		snprintf(buf + off, cap - off, "%sdev %s", off ? " " : "", nh->dev);
	return buf;
}

static int nh_check(const struct rt_route *r, unsigned i, bool owned, char *err)
{
	const struct rt_nexthop *nh = &r->nh[i];
	char a[RT_ADDRSTRLEN], why[RT_ERRLEN];
	const char *cls;

	if (addr_field_check(&nh->gw, true, "gateway", err) < 0)
		return -1;
	if (nh->gw.family && nh->gw.family != r->dst.addr.family &&
	    !(r->dst.addr.family == AF_INET && nh->gw.family == AF_INET6))
		ERR("gateway %s is not of the destination's address family", rt_addr_str(&nh->gw, a));
	if (dev_field_check(nh->dev, why) < 0)
		ERR("%s", why);
	if (!nh->gw.family && !nh->dev[0])
		ERR("a %s needs a gateway (via) or an interface (dev)",
		    r->nh_count > 1 ? "next hop" : "route");
	if (nh->weight > RT_WEIGHT_MAX)
		ERR("weight %u out of range (1..%u)", nh->weight, RT_WEIGHT_MAX);
	if (nh->flags & ~RT_NHF_KNOWN)
		ERR("unknown next-hop flags 0x%02x", nh->flags & ~RT_NHF_KNOWN);
	if (!owned)
		return 0;
	/* The kernel's rules for what a route may be installed with. */
	if (nh->flags & ~RT_NHF_ONLINK)
		ERR("next-hop flags other than onlink are the kernel's to set");
	if ((nh->flags & RT_NHF_ONLINK) && !nh->dev[0])
		ERR("onlink needs an interface (dev)");
	if (nh->gw.family) {
		if (nh->gw.family == AF_INET && addr_zero(&nh->gw) && !nh->dev[0])
			ERR("via 0.0.0.0 with no dev is not a next hop");
		if ((cls = bad_unicast(&nh->gw)) && !(nh->gw.family == AF_INET && addr_zero(&nh->gw)))
			ERR("gateway %s is %s, not a unicast address", rt_addr_str(&nh->gw, a), cls);
		if (link_local6(&nh->gw) && !nh->dev[0])
			ERR("gateway %s is link-local: it needs an interface (dev)", rt_addr_str(&nh->gw, a));
		if (r->scope == RT_SCOPE_HOST)
			ERR("a route of scope host cannot have a gateway");
	}
	for (unsigned j = 0; j < i; j++)
		if (rt_addr_equal(&r->nh[j].gw, &nh->gw) &&
		    strncmp(r->nh[j].dev, nh->dev, RT_IFNAMSIZ) == 0)
			ERR("next hop %s given twice", nh_name(nh, why, sizeof(why)));
	return 0;
}

static bool type_owned(uint8_t t)
{
	return t == RTN_UNICAST || t == RTN_BLACKHOLE || t == RTN_UNREACHABLE || t == RTN_PROHIBIT;
}

/* Types without next hops. */
static bool type_nohop(uint8_t t)
{
	return t == RTN_BLACKHOLE || t == RTN_UNREACHABLE || t == RTN_PROHIBIT || t == RTN_THROW;
}

int rt_route_key_check(const struct rt_route *r, char *err)
{
	if (rt_prefix_check(&r->dst, err) < 0)
		return -1;
	if (r->origin > RT_ORIGIN_MAX)
		ERR("unknown origin %u", r->origin);
	if (rt_origin_owned(r->origin) && r->disc)
		ERR("routes rtmd owns have key discriminator 0, not 0x%x", r->disc);
	return 0;
}

/* Rules (the kernel's where it has one; doc/DESIGN.md): every field is
 * canonical (as the wire and store encodings need); a unicast route has
 * 1..RT_NH_MAX next hops, blackhole & co none; a next hop has a gateway of
 * the route's family (or IPv6 for IPv4, RTA_VIA) and/or an interface.
 * Routes rtmd owns must also be installable: type unicast, blackhole,
 * unreachable or prohibit; no tos, pref or disc; next hops with a unicast
 * gateway (not 0.0.0.0 without a dev, multicast, broadcast, v4-mapped or
 * unspecified; link-local only with a dev), only the onlink flag, each
 * once; scope host without gateways; a unicast preferred source. */
int rt_route_check(const struct rt_route *r, char *err)
{
	bool owned = rt_origin_owned(r->origin);
	char a[RT_ADDRSTRLEN];
	/* (not snprintf: this runs for every route of a million-route load) */
	const char *t = r->type == RTN_BLACKHOLE ? "blackhole" : r->type == RTN_UNREACHABLE ?
	                "unreachable" : r->type == RTN_PROHIBIT ? "prohibit" :
	                r->type == RTN_THROW ? "throw" : "unicast";
	const char *cls;

	if (rt_route_key_check(r, err) < 0)
		return -1;
	if (r->type == RTN_UNSPEC || r->type > RTN_MAX)
		ERR("unknown route type %u", r->type);
	if (owned && !type_owned(r->type))
		ERR("routes rtmd owns are unicast, blackhole, unreachable or prohibit (type %u)", r->type);
	if (r->flags & ~RT_RF_KNOWN)
		ERR("unknown route flags 0x%02x", r->flags & ~RT_RF_KNOWN);
	if ((r->flags & RT_RF_PENDING) && !owned)
		ERR("only routes rtmd owns can be pending");
	if (!memchr(r->reason, 0, sizeof(r->reason)))
		ERR("pending reason not terminated");
	if (r->reason[0] && !(r->flags & RT_RF_PENDING))
		ERR("a pending reason on a route that is not pending");
	if (r->tos && (r->dst.addr.family != AF_INET || owned))
		ERR("tos is %s", owned ? "not supported on routes rtmd owns" : "IPv4 only");
	if (r->pref && (r->dst.addr.family != AF_INET6 || owned ||
	                (r->pref != RT_PREF_HIGH && r->pref != RT_PREF_LOW)))
		ERR("route preference %u is not valid here", r->pref);
	if (addr_field_check(&r->src, true, "preferred source", err) < 0)
		return -1;
	if (r->src.family && r->src.family != r->dst.addr.family)
		ERR("preferred source %s is not of the destination's address family",
		    rt_addr_str(&r->src, a));
	if (owned && r->src.family && (cls = bad_unicast(&r->src)))
		ERR("preferred source %s is %s, not a unicast address", rt_addr_str(&r->src, a), cls);
	if (r->nh_count > RT_NH_MAX)
		ERR("%u next hops, at most %u", r->nh_count, RT_NH_MAX);
	if (type_nohop(r->type) && r->nh_count)
		ERR("a %s route has no next hop (via, dev, nexthop)", t);
	if (r->type == RTN_UNICAST && !r->nh_count)
		ERR("a route needs a gateway (via) or an interface (dev)");
	for (unsigned i = 0; i < r->nh_count; i++)
		if (nh_check(r, i, owned, err) < 0)
			return -1;
	return 0;
}

/* ---- neighbours --------------------------------------------------------- */

void rt_neigh_normalise(struct rt_neigh *n)
{
	if (rt_origin_owned(n->origin))
		n->state = NUD_PERMANENT;
}

bool rt_neigh_equal(const struct rt_neigh *a, const struct rt_neigh *b)
{
	return rt_addr_equal(&a->ip, &b->ip) && memcmp(a->lladdr, b->lladdr, 6) == 0 &&
	       strncmp(a->dev, b->dev, RT_IFNAMSIZ) == 0 && a->origin == b->origin &&
	       a->protocol == b->protocol && a->flags == b->flags && a->state == b->state;
}

int rt_neigh_check(const struct rt_neigh *n, char *err)
{
	if (n->ip.family != AF_INET && n->ip.family != AF_INET6)
		ERR("unknown address family %u", n->ip.family);
	for (size_t i = rt_addr_bytes(n->ip.family); i < sizeof(n->ip.bytes); i++)
		if (n->ip.bytes[i])
			ERR("address bytes beyond the family are not zero");
	if (rt_ifname_check(n->dev, err) < 0)
		return -1;
	if (n->origin > RT_ORIGIN_MAX)
		ERR("unknown origin %u", n->origin);
	if (n->state & ~RT_NUD_KNOWN)
		ERR("unknown neighbour state bits 0x%x", n->state & ~RT_NUD_KNOWN);
	if (n->flags & ~RT_NF_KNOWN)
		ERR("unknown neighbour flags 0x%02x", n->flags & ~RT_NF_KNOWN);
	if (rt_origin_owned(n->origin) && n->state != NUD_PERMANENT && n->state != NUD_NONE)
		ERR("neighbours rtmd owns are permanent");
	if (rt_origin_owned(n->origin) && n->flags)
		ERR("neighbour flags (router, proxy) are the kernel's to set");
	return 0;
}

char *rt_addr_str(const struct rt_addr *a, char buf[RT_ADDRSTRLEN])
{
	if (!inet_ntop(a->family, a->bytes, buf, RT_ADDRSTRLEN))
		snprintf(buf, RT_ADDRSTRLEN, "?");
	return buf;
}

char *rt_prefix_str(const struct rt_prefix *p, char buf[RT_PREFIXSTRLEN])
{
	char a[RT_ADDRSTRLEN];

	if (p->len == 0 && (p->addr.family == AF_INET || p->addr.family == AF_INET6))
		snprintf(buf, RT_PREFIXSTRLEN, "default");
	else if (p->len == max_len(p->addr.family))
		snprintf(buf, RT_PREFIXSTRLEN, "%s", rt_addr_str(&p->addr, a));  /* a host, as ip prints it */
	else
		snprintf(buf, RT_PREFIXSTRLEN, "%s/%u", rt_addr_str(&p->addr, a), p->len);
	return buf;
}

char *rt_mac_str(const uint8_t mac[6], char buf[RT_MACSTRLEN])
{
	snprintf(buf, RT_MACSTRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
	         mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

bool rt_prefix_contains(const struct rt_prefix *p, const struct rt_addr *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->addr.family != a->family)
		return false;
	if (memcmp(p->addr.bytes, a->bytes, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);
		if ((p->addr.bytes[full] ^ a->bytes[full]) & mask)
			return false;
	}
	return true;
}

/* snprintf that keeps appending safely after truncation. */
static void append(char *buf, size_t cap, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*off < cap ? buf + *off : NULL, *off < cap ? cap - *off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

/* Next-hop flags in ip(8)'s words and order (print_rt_flags()). */
static void nh_flags(char *buf, size_t cap, size_t *off, uint8_t f)
{
	static const struct { uint8_t bit; const char *word; } w[] = {
		{ RT_NHF_DEAD, "dead" }, { RT_NHF_ONLINK, "onlink" }, { RT_NHF_OFFLOAD, "offload" },
		{ RT_NHF_TRAP, "trap" }, { RT_NHF_LINKDOWN, "linkdown" },
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (f & w[i].bit)
			append(buf, cap, off, " %s", w[i].word);
}

/* "via GW", or "via inet6 GW" for an IPv4 route's IPv6 gateway, as ip. */
static void nh_via(char *buf, size_t cap, size_t *off, const struct rt_route *r,
                   const struct rt_nexthop *nh)
{
	char g[RT_ADDRSTRLEN];

	if (nh->gw.family)
		append(buf, cap, off, " via %s%s", nh->gw.family != r->dst.addr.family ? "inet6 " : "",
		       rt_addr_str(&nh->gw, g));
	if (nh->dev[0])
		append(buf, cap, off, " dev %s", nh->dev);
}

/* The kernel reports IPv6 routes of these types on the loopback device. */
static bool on_lo(const struct rt_route *r)
{
	return r->dst.addr.family == AF_INET6 && !r->nh_count &&
	       (r->type == RTN_BLACKHOLE || r->type == RTN_UNREACHABLE || r->type == RTN_PROHIBIT);
}

/* proto: rtmd's own names for what it owns; else the protocol's name,
 * except boot, which ip(8) leaves out. */
static void proto_word(char *buf, size_t cap, size_t *off, const struct rt_route *r)
{
	char n[RT_NAMELEN];

	if (rt_origin_owned(r->origin) || r->protocol != RTPROT_BOOT)
		append(buf, cap, off, " proto %s", rt_owner_name(r->origin, r->protocol, n));
}

/* The head of both forms: type, destination, tos. */
static void route_head(char *buf, size_t cap, size_t *off, const struct rt_route *r)
{
	char p[RT_PREFIXSTRLEN], n[RT_NAMELEN];

	if (r->type != RTN_UNICAST)
		append(buf, cap, off, "%s ", rt_type_name(r->type, n));
	append(buf, cap, off, "%s", rt_prefix_str(&r->dst, p));
	if (r->tos)
		append(buf, cap, off, " tos %s", rt_tos_name(r->tos, n));
}

/* ip route show's words and order (iproute.c, print_route()): type, dst,
 * tos, via, dev, proto, scope, src, metric, flags; then rtmd's pending,
 * IPv6's pref, and a multipath route's next hops on the same line. */
int rt_route_format(const struct rt_route *r, char *buf, size_t cap)
{
	char a[RT_ADDRSTRLEN], n[RT_NAMELEN];
	unsigned nh = r->nh_count <= RT_NH_MAX ? r->nh_count : RT_NH_MAX;
	size_t off = 0;

	if (cap)
		buf[0] = '\0';
	route_head(buf, cap, &off, r);
	if (nh == 1)
		nh_via(buf, cap, &off, r, &r->nh[0]);
	if (on_lo(r))
		append(buf, cap, &off, " dev lo");
	proto_word(buf, cap, &off, r);
	if (r->scope != RT_SCOPE_UNIVERSE)
		append(buf, cap, &off, " scope %s", rt_scope_name(r->scope, n));
	if (r->src.family)
		append(buf, cap, &off, " src %s", rt_addr_str(&r->src, a));
	if (r->metric)
		append(buf, cap, &off, " metric %u", r->metric);
	if (nh == 1)
		nh_flags(buf, cap, &off, r->nh[0].flags);
	if (r->flags & RT_RF_PENDING)
		append(buf, cap, &off, " pending");
	if (r->dst.addr.family == AF_INET6)
		append(buf, cap, &off, " pref %s", r->pref == RT_PREF_HIGH ? "high" :
		       r->pref == RT_PREF_LOW ? "low" : "medium");
	for (unsigned i = 0; nh > 1 && i < nh; i++) {
		append(buf, cap, &off, " nexthop");
		nh_via(buf, cap, &off, r, &r->nh[i]);
		append(buf, cap, &off, " weight %u", r->nh[i].weight ? r->nh[i].weight : 1);
		nh_flags(buf, cap, &off, r->nh[i].flags);
	}
	return (int)off;
}

int rt_route_key_format(const struct rt_route *r, char *buf, size_t cap)
{
	char p[RT_PREFIXSTRLEN], n[RT_NAMELEN];
	size_t off = 0;

	if (cap)
		buf[0] = '\0';
	append(buf, cap, &off, "%s", rt_prefix_str(&r->dst, p));
	if (r->tos)
		append(buf, cap, &off, " tos %s", rt_tos_name(r->tos, n));
	/* an imported IPv6 route without a gateway is keyed by its device */
	if (((r->disc >> RT_DISC_IFINDEX_SHIFT) & RT_DISC_IFINDEX_MAX) && r->nh_count &&
	    r->nh[0].dev[0])
		append(buf, cap, &off, " dev %s", r->nh[0].dev);
	proto_word(buf, cap, &off, r);
	if (r->metric)
		append(buf, cap, &off, " metric %u", r->metric);
	return (int)off;
}

/* ip neigh show's words and order (ipneigh.c, print_neigh()): dst, dev,
 * lladdr, router, proxy, the state, then proto. */
int rt_neigh_format(const struct rt_neigh *n, char *buf, size_t cap)
{
	char a[RT_ADDRSTRLEN], m[RT_MACSTRLEN], st[RT_NUDSTRLEN], p[RT_NAMELEN];
	size_t off = 0;

	if (cap)
		buf[0] = '\0';
	rt_nud_format(n->state, st, sizeof(st));
	append(buf, cap, &off, "%s dev %s lladdr %s%s%s %s", rt_addr_str(&n->ip, a), n->dev,
	       rt_mac_str(n->lladdr, m), n->flags & NTF_ROUTER ? " router" : "",
	       n->flags & NTF_PROXY ? " proxy" : "", st);
	if (rt_origin_owned(n->origin) || n->protocol)
		append(buf, cap, &off, " proto %s", rt_owner_name(n->origin, n->protocol, p));
	return (int)off;
}
