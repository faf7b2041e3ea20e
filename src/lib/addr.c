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

int rt_route_check(const struct rt_route *r, char *err)
{
	if (rt_prefix_check(&r->dst, err) < 0)
		return -1;
	if (r->gw.family) {
		if (r->gw.family != r->dst.addr.family)
			ERR("gateway family does not match destination family");
		for (size_t i = rt_addr_bytes(r->gw.family); i < sizeof(r->gw.bytes); i++)
			if (r->gw.bytes[i])
				ERR("gateway bytes beyond the family are not zero");
	} else {
		for (size_t i = 0; i < sizeof(r->gw.bytes); i++)
			if (r->gw.bytes[i])
				ERR("absent gateway has non-zero bytes");
	}
	if (r->dev[0] && rt_ifname_check(r->dev, err) < 0)
		return -1;
	if (!r->dev[0]) {
		for (size_t i = 0; i < RT_IFNAMSIZ; i++)
			if (r->dev[i])
				ERR("interface name padding not zero");
		if (!r->gw.family)
			ERR("a route needs a gateway (via) or an interface (dev)");
	}
	if (r->origin > RT_ORIGIN_CONFIG)
		ERR("unknown origin %u", r->origin);
	return 0;
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
	if (n->origin > RT_ORIGIN_CONFIG)
		ERR("unknown origin %u", n->origin);
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

	if (p->len == 0 && p->addr.family == AF_INET)
		snprintf(buf, RT_PREFIXSTRLEN, "default");
	else if (p->len == 0 && p->addr.family == AF_INET6)
		snprintf(buf, RT_PREFIXSTRLEN, "default6");
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

int rt_route_format(const struct rt_route *r, char *buf, size_t cap)
{
	char p[RT_PREFIXSTRLEN], g[RT_ADDRSTRLEN];
	size_t off = 0;

	append(buf, cap, &off, "%s", rt_prefix_str(&r->dst, p));
	if (r->gw.family)
		append(buf, cap, &off, " via %s", rt_addr_str(&r->gw, g));
	if (r->dev[0])
		append(buf, cap, &off, " dev %s", r->dev);
	append(buf, cap, &off, " metric %u", r->metric);
	if (r->origin == RT_ORIGIN_CONFIG)
		append(buf, cap, &off, " proto config");
	return (int)off;
}

int rt_route_key_format(const struct rt_route *r, char *buf, size_t cap)
{
	char p[RT_PREFIXSTRLEN];

	return snprintf(buf, cap, "%s metric %u", rt_prefix_str(&r->dst, p), r->metric);
}

int rt_neigh_format(const struct rt_neigh *n, char *buf, size_t cap)
{
	char a[RT_ADDRSTRLEN], m[RT_MACSTRLEN];

	return snprintf(buf, cap, "%s dev %s lladdr %s%s", rt_addr_str(&n->ip, a), n->dev,
	                rt_mac_str(n->lladdr, m),
	                n->origin == RT_ORIGIN_CONFIG ? " proto config" : "");
}
