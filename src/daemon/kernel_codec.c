/* kernel_codec.c - routes and neighbours <-> rtnetlink messages.
 *
 * What the kernel keys a route by decides the delete: an IPv4 route is
 * (dst, tos, table, metric) and the kernel deletes the first route of
 * that prefix and tos whose metric, protocol, type, scope and next hops
 * match what the request gives, metric 0 meaning "any"; so an IPv4 delete
 * of metric 0 names the next hops too (else it could take rtmd's route of
 * a higher metric; with the same next hops there, it still would: callers
 * delete only routes they know to be installed, and the kernel finds a
 * metric-0 route first).  An IPv6 delete that names a gateway removes
 * that one next hop of a multipath route, so an IPv6 delete names none.
 */
#include <errno.h>
#include <stdarg.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel_codec.h"
#include "links.h"
#include "netlink.h"

/* rtnexthop + RTA_GATEWAY/RTA_VIA of 16 bytes + slack. */
#define NH_ROOM 40
/* rtmsg, RTA_DST, RTA_TABLE, RTA_PRIORITY, RTA_PREFSRC, RTA_OIF, one
 * gateway, the multipath nest's header: under 128 bytes. */
#define ROUTE_ROOM 128

size_t kc_route_room(const struct rt_route *r)
{
	return ROUTE_ROOM + (size_t)(r->nh_count <= RT_NH_MAX ? r->nh_count : RT_NH_MAX) * NH_ROOM;
}

size_t kc_neigh_room(void)
{
	/* ndmsg 12, NDA_DST 20, NDA_LLADDR 12, NDA_PROTOCOL 8 */
	return 64;
}

static int nospace(char *why, size_t whylen)
{
	snprintf(why, whylen, "route too large for its message");
	return -EMSGSIZE;
}

/* RTA_GATEWAY for a gateway of the route's family, RTA_VIA for an IPv6
 * gateway of an IPv4 route. */
static bool put_gateway(struct nlmsghdr *h, size_t limit, uint8_t family, const struct rt_addr *gw)
{
	size_t alen = rt_addr_bytes(gw->family);

	if (gw->family == family)
		return mnl_attr_put_check(h, limit, RTA_GATEWAY, alen, gw->bytes);
	{
		uint8_t via[sizeof(struct rtvia) + 16];
		struct rtvia v = { .rtvia_family = gw->family };

		memcpy(via, &v, sizeof(v));
		memcpy(via + sizeof(v), gw->bytes, alen);
		return mnl_attr_put_check(h, limit, RTA_VIA, sizeof(v) + alen, via);
	}
}

static int ifindex_of(const struct links *l, const char *dev, char *why, size_t whylen)
{
	int i = links_index(l, dev);

	if (!i)
		snprintf(why, whylen, "no such device %s", dev);
	return i;
}

static int put_nexthops(struct nlmsghdr *h, size_t limit, struct rtmsg *rm, const struct rt_route *r,
                        const struct links *l, char *why, size_t whylen)
{
	uint8_t family = r->dst.addr.family;

	if (r->nh_count == 1) {
		const struct rt_nexthop *nh = &r->nh[0];
		int i = 0;

		if (nh->dev[0] && !(i = ifindex_of(l, nh->dev, why, whylen)))
			return -ENODEV;
		if (i && !mnl_attr_put_u32_check(h, limit, RTA_OIF, (uint32_t)i))
			return nospace(why, whylen);
		if (nh->gw.family && !put_gateway(h, limit, family, &nh->gw))
			return nospace(why, whylen);
		rm->rtm_flags |= nh->flags & RT_NHF_ONLINK;
		return 0;
	}
	if (r->nh_count == 0)
		return 0;
	{
		struct nlattr *mp = mnl_attr_nest_start_check(h, limit, RTA_MULTIPATH);

		if (!mp)
			return nospace(why, whylen);
		for (unsigned k = 0; k < r->nh_count; k++) {
			const struct rt_nexthop *nh = &r->nh[k];
			struct rtnexthop *rtnh;
			int i = 0;

			if (nh->dev[0] && !(i = ifindex_of(l, nh->dev, why, whylen)))
				return -ENODEV;
			if (h->nlmsg_len + RTNH_ALIGN(sizeof(*rtnh)) > limit)
				return nospace(why, whylen);
			rtnh = mnl_nlmsg_get_payload_tail(h);
			memset(rtnh, 0, sizeof(*rtnh));
			rtnh->rtnh_flags = nh->flags & RT_NHF_ONLINK;
			rtnh->rtnh_hops = (uint8_t)(nh->weight ? nh->weight - 1 : 0);
			rtnh->rtnh_ifindex = i;
			h->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
			if (nh->gw.family && !put_gateway(h, limit, family, &nh->gw))
				return nospace(why, whylen);
			rtnh->rtnh_len = (unsigned short)((uint8_t *)mnl_nlmsg_get_payload_tail(h) -
			                                  (uint8_t *)rtnh);
		}
		mnl_attr_nest_end(h, mp);
	}
	return 0;
}

int kc_route_encode(struct nlmsghdr *h, size_t limit, const struct rt_route *r, uint32_t table,
                    uint8_t protocol, const struct links *l, char *why, size_t whylen)
{
	uint8_t family = r->dst.addr.family;
	bool del = h->nlmsg_type == RTM_DELROUTE;
	size_t alen = rt_addr_bytes(family);
	struct rtmsg *rm;

	why[0] = 0;
	if (h->nlmsg_len + MNL_ALIGN(sizeof(*rm)) > limit)
		return nospace(why, whylen);
	rm = mnl_nlmsg_put_extra_header(h, sizeof(*rm));
	rm->rtm_family = family;
	rm->rtm_dst_len = r->dst.len;
	rm->rtm_tos = r->tos;
	rm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rm->rtm_protocol = protocol;
	/* A delete matches on what it names: the scope left open (as ip
	 * route del), any type. */
	rm->rtm_scope = del ? RT_SCOPE_NOWHERE : r->scope;
	rm->rtm_type = del ? RTN_UNSPEC : r->type;
	if (r->dst.len && !mnl_attr_put_check(h, limit, RTA_DST, alen, r->dst.addr.bytes))
		return nospace(why, whylen);
	if (!mnl_attr_put_u32_check(h, limit, RTA_TABLE, table) ||
	    !mnl_attr_put_u32_check(h, limit, RTA_PRIORITY, r->metric))
		return nospace(why, whylen);
	if (del) {
		if (family == AF_INET && r->metric == 0)
			return put_nexthops(h, limit, rm, r, l, why, whylen);
		return 0;
	}
	if (r->src.family && !mnl_attr_put_check(h, limit, RTA_PREFSRC, alen, r->src.bytes))
		return nospace(why, whylen);
	if (r->pref && family == AF_INET6 && !mnl_attr_put_u8_check(h, limit, RTA_PREF, r->pref))
		return nospace(why, whylen);
	return put_nexthops(h, limit, rm, r, l, why, whylen);
}

/* ---- decoding routes ------------------------------------------------------------------ */

static const struct nl_policy route_pol[RTA_MAX + 1] = {
	[RTA_DST] = { NL_A_BINARY, 4, 16 },
	[RTA_SRC] = { NL_A_BINARY, 4, 16 },
	[RTA_OIF] = { NL_A_U32, 0, 0 },
	[RTA_GATEWAY] = { NL_A_BINARY, 4, 16 },
	[RTA_PRIORITY] = { NL_A_U32, 0, 0 },
	[RTA_PREFSRC] = { NL_A_BINARY, 4, 16 },
	[RTA_MULTIPATH] = { NL_A_BINARY, 0, 0 },
	[RTA_TABLE] = { NL_A_U32, 0, 0 },
	[RTA_VIA] = { NL_A_BINARY, sizeof(struct rtvia), sizeof(struct rtvia) + 16 },
	[RTA_PREF] = { NL_A_U8, 0, 0 },
	[RTA_NH_ID] = { NL_A_U32, 0, 0 },
};

static const struct nl_policy nh_pol[RTA_MAX + 1] = {
	[RTA_GATEWAY] = { NL_A_BINARY, 4, 16 },
	[RTA_VIA] = { NL_A_BINARY, sizeof(struct rtvia), sizeof(struct rtvia) + 16 },
};

static int bad(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return KC_BAD;
}

/* An address attribute of exactly the family's length. */
static int get_addr(const struct nlattr *a, uint8_t family, struct rt_addr *out, const char *what,
                    char *why, size_t whylen)
{
	size_t alen = rt_addr_bytes(family);

	if (mnl_attr_get_payload_len(a) != alen)
		return bad(why, whylen, "%s of %u bytes in a family %u route", what,
		           mnl_attr_get_payload_len(a), family);
	memset(out, 0, sizeof(*out));
	out->family = family;
	memcpy(out->bytes, mnl_attr_get_payload(a), alen);
	return KC_OK;
}

static int get_gateway(const struct nlattr *const *tb, uint8_t family, struct rt_addr *gw,
                       char *why, size_t whylen)
{
	memset(gw, 0, sizeof(*gw));
	if (tb[RTA_GATEWAY])
		return get_addr(tb[RTA_GATEWAY], family, gw, "gateway", why, whylen);
	if (tb[RTA_VIA]) {
		struct rtvia v;
		size_t len = mnl_attr_get_payload_len(tb[RTA_VIA]);

		memcpy(&v, mnl_attr_get_payload(tb[RTA_VIA]), sizeof(v));
		if ((v.rtvia_family != AF_INET && v.rtvia_family != AF_INET6) ||
		    len != sizeof(v) + rt_addr_bytes((uint8_t)v.rtvia_family))
			return bad(why, whylen, "RTA_VIA of family %u and %zu bytes", v.rtvia_family, len);
		gw->family = (uint8_t)v.rtvia_family;
		memcpy(gw->bytes, (const uint8_t *)mnl_attr_get_payload(tb[RTA_VIA]) + sizeof(v),
		       len - sizeof(v));
	}
	return KC_OK;
}

static int dev_of(const struct links *l, int64_t ifindex, char dev[RT_IFNAMSIZ], char *why,
                  size_t whylen)
{
	const char *name;

	dev[0] = 0;
	if (ifindex == 0)
		return KC_OK;
	if (ifindex < 0 || ifindex > INT32_MAX)
		return bad(why, whylen, "interface index %lld", (long long)ifindex);
	if (!(name = links_name(l, (int)ifindex))) {
		snprintf(why, whylen, "unknown interface index %lld", (long long)ifindex);
		return KC_NOLINK;
	}
	snprintf(dev, RT_IFNAMSIZ, "%s", name);
	return KC_OK;
}

static int get_multipath(const struct nlattr *mp, const struct links *l, struct rt_route *r,
                         int *ifindex0, char *why, size_t whylen)
{
	const uint8_t *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);
	int rc;

	while (left >= sizeof(struct rtnexthop)) {
		struct rtnexthop rtnh;
		const struct nlattr *tb[RTA_MAX + 1];
		struct rt_nexthop *nh;
		char w[96];

		memcpy(&rtnh, p, sizeof(rtnh));
		if (rtnh.rtnh_len < sizeof(rtnh) || rtnh.rtnh_len > left)
			return bad(why, whylen, "next hop %u of %u bytes, %zu left", r->nh_count,
			           rtnh.rtnh_len, left);
		if (r->nh_count == RT_NH_MAX)
			return bad(why, whylen, "more than %u next hops", RT_NH_MAX);
		nh = &r->nh[r->nh_count];
		memset(nh, 0, sizeof(*nh));
		if (nl_attr_parse_buf(p + RTNH_ALIGN(sizeof(rtnh)),
		                      rtnh.rtnh_len > RTNH_ALIGN(sizeof(rtnh)) ?
		                      rtnh.rtnh_len - RTNH_ALIGN(sizeof(rtnh)) : 0,
		                      nh_pol, RTA_MAX, tb, w, sizeof(w)) < 0)
			return bad(why, whylen, "next hop %u: %s", r->nh_count, w);
		if (get_gateway(tb, r->dst.addr.family, &nh->gw, why, whylen) < 0)
			return KC_BAD;
		if ((rc = dev_of(l, rtnh.rtnh_ifindex, nh->dev, why, whylen)) != KC_OK)
			return rc;
		if (r->nh_count == 0)
			*ifindex0 = rtnh.rtnh_ifindex;
		nh->weight = (uint16_t)(rtnh.rtnh_hops + 1);
		nh->flags = rtnh.rtnh_flags & RT_NHF_KNOWN;
		r->nh_count++;
		if ((size_t)RTNH_ALIGN(rtnh.rtnh_len) >= left)
			break;
		left -= (size_t)RTNH_ALIGN(rtnh.rtnh_len);
		p += RTNH_ALIGN(rtnh.rtnh_len);
	}
	if (r->nh_count == 0)
		return bad(why, whylen, "an empty RTA_MULTIPATH");
	return KC_OK;
}

static bool nohop_type(uint8_t t)
{
	return t == RTN_BLACKHOLE || t == RTN_UNREACHABLE || t == RTN_PROHIBIT || t == RTN_THROW;
}

int kc_route_decode(const struct nlmsghdr *h, const struct links *l, bool fpm, struct rt_route *r,
                    uint32_t *table, uint32_t *nh_id, char *why, size_t whylen)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rm;
	char w[RT_ERRLEN];
	uint8_t family;
	int ifindex0 = 0, rc;

	why[0] = 0;
	*nh_id = 0;
	if (h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE)
		return KC_SKIP;
	if (nl_attr_parse(h, sizeof(*rm), route_pol, RTA_MAX, tb, why, whylen) < 0)
		return KC_BAD;
	rm = mnl_nlmsg_get_payload(h);
	family = rm->rtm_family;
	if (family != AF_INET && family != AF_INET6)
		return KC_SKIP;
	/* Cache clones (PMTU exceptions, redirects) and source-specific
	 * routes are not entries of the table rtmd keeps. */
	if ((rm->rtm_flags & RTM_F_CLONED) || rm->rtm_src_len || tb[RTA_SRC])
		return KC_SKIP;
	*table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rm->rtm_table;
	rt_route_init(r);
	r->origin = fpm ? RT_ORIGIN_FPM : RT_ORIGIN_KERNEL;
	r->dst.addr.family = family;
	r->dst.len = rm->rtm_dst_len;
	if (rm->rtm_dst_len > rt_addr_bytes(family) * 8)
		return bad(why, whylen, "prefix length %u in a family %u route", rm->rtm_dst_len, family);
	if (tb[RTA_DST] && get_addr(tb[RTA_DST], family, &r->dst.addr, "destination", why, whylen) < 0)
		return KC_BAD;
	r->type = rm->rtm_type;
	r->protocol = rm->rtm_protocol;
	r->scope = rm->rtm_scope;
	r->tos = family == AF_INET ? rm->rtm_tos : 0;
	r->metric = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	if (family == AF_INET6 && r->metric == 0)
		r->metric = 1024;
	if (family == AF_INET6 && tb[RTA_PREF]) {
		uint8_t p = mnl_attr_get_u8(tb[RTA_PREF]);

		r->pref = p == RT_PREF_HIGH || p == RT_PREF_LOW ? p : 0;
	}
	if (tb[RTA_PREFSRC] && get_addr(tb[RTA_PREFSRC], family, &r->src, "preferred source", why,
	                                whylen) < 0)
		return KC_BAD;
	/* The kernel names a device for IPv6 blackholes (lo); such types
	 * have no next hop in the model. */
	if (!nohop_type(r->type)) {
		if (tb[RTA_MULTIPATH]) {
			if ((rc = get_multipath(tb[RTA_MULTIPATH], l, r, &ifindex0, why, whylen)) != KC_OK)
				return rc;
		} else if (tb[RTA_OIF] || tb[RTA_GATEWAY] || tb[RTA_VIA]) {
			struct rt_nexthop *nh = &r->nh[0];

			ifindex0 = tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0;
			if (get_gateway(tb, family, &nh->gw, why, whylen) < 0)
				return KC_BAD;
			if ((rc = dev_of(l, tb[RTA_OIF] ? mnl_attr_get_u32(tb[RTA_OIF]) : 0, nh->dev, why,
			                 whylen)) != KC_OK)
				return rc;
			nh->weight = 1;
			nh->flags = rm->rtm_flags & RT_NHF_KNOWN;
			r->nh_count = 1;
		}
	}
	if (tb[RTA_NH_ID])
		*nh_id = mnl_attr_get_u32(tb[RTA_NH_ID]);
	/* The kernel keeps an IPv6 route without a gateway per device
	 * (fe80::/64 on every interface): the device is part of its key.
	 * zebra's deletes name no device, and a route on a next-hop group
	 * has its device only once resolved: fpm_routes.c puts it in an FPM
	 * route's key itself (tables.h). */
	r->disc = rt_disc_make(RT_DISC_KERNEL, r->tos,
	                       !fpm && family == AF_INET6 && r->nh_count && !r->nh[0].gw.family &&
	                       ifindex0 > 0 ? (uint32_t)ifindex0 : 0);
	/* zebra's RTM_DELROUTE is the key alone, of type RTN_UNSPEC. */
	if (fpm && h->nlmsg_type == RTM_DELROUTE)
		return KC_OK;
	/* Only an id: the caller's to resolve and check. */
	if (*nh_id && !r->nh_count && r->type == RTN_UNICAST)
		return KC_OK;
	if (rt_route_check(r, w) < 0)
		return bad(why, whylen, "%s", w);
	return KC_OK;
}

/* ---- neighbours ------------------------------------------------------------------------ */

int kc_neigh_encode(struct nlmsghdr *h, size_t limit, const struct rt_neigh *n, uint8_t protocol,
                    const struct links *l, char *why, size_t whylen)
{
	struct ndmsg *nd;
	int i;

	why[0] = 0;
	if (!(i = ifindex_of(l, n->dev, why, whylen)))
		return -ENODEV;
	if (h->nlmsg_len + MNL_ALIGN(sizeof(*nd)) > limit)
		return nospace(why, whylen);
	nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd));
	nd->ndm_family = n->ip.family;
	nd->ndm_ifindex = i;
	nd->ndm_state = NUD_PERMANENT;
	if (!mnl_attr_put_check(h, limit, NDA_DST, rt_addr_bytes(n->ip.family), n->ip.bytes))
		return nospace(why, whylen);
	if (h->nlmsg_type == RTM_DELNEIGH)
		return 0;
	if (!mnl_attr_put_check(h, limit, NDA_LLADDR, 6, n->lladdr) ||
	    !mnl_attr_put_u8_check(h, limit, NDA_PROTOCOL, protocol))
		return nospace(why, whylen);
	return 0;
}

int kc_neigh_decode(const struct nlmsghdr *h, const struct links *l, struct rt_neigh *n,
                    bool *lladdr, char *why, size_t whylen)
{
	static const struct nl_policy pol[NDA_MAX + 1] = {
		[NDA_DST] = { NL_A_BINARY, 4, 16 },
		[NDA_LLADDR] = { NL_A_BINARY, 0, 32 },
		[NDA_PROTOCOL] = { NL_A_U8, 0, 0 },
	};
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *nd;
	struct rt_addr ip;
	char w[RT_ERRLEN];
	int rc;

	why[0] = 0;
	*lladdr = false;
	if (h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH)
		return KC_SKIP;
	if (nl_attr_parse(h, sizeof(*nd), pol, NDA_MAX, tb, why, whylen) < 0)
		return KC_BAD;
	nd = mnl_nlmsg_get_payload(h);
	/* AF_BRIDGE: a bridge's forwarding entry; NTF_PROXY: a proxy entry
	 * (ip neigh add proxy), neither a neighbour. */
	if ((nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6) || (nd->ndm_flags & NTF_PROXY))
		return KC_SKIP;
	if (!tb[NDA_DST])
		return bad(why, whylen, "neighbour message without an address");
	if (get_addr(tb[NDA_DST], nd->ndm_family, &ip, "neighbour address", why, whylen) < 0)
		return KC_BAD;
	memset(n, 0, sizeof(*n));
	n->ip = ip;
	if ((rc = dev_of(l, nd->ndm_ifindex, n->dev, why, whylen)) != KC_OK)
		return rc;
	if (!n->dev[0])
		return bad(why, whylen, "neighbour message without an interface");
	/* Link-layer addresses of other lengths (a tunnel's IPv4 address,
	 * InfiniBand's 20 bytes) are not MACs: such neighbours are not kept. */
	if (tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return KC_SKIP;
	if (tb[NDA_LLADDR]) {
		memcpy(n->lladdr, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
		*lladdr = true;
	}
	n->origin = RT_ORIGIN_KERNEL;
	n->state = nd->ndm_state & RT_NUD_KNOWN;
	n->flags = nd->ndm_flags & RT_NF_KNOWN;
	n->protocol = tb[NDA_PROTOCOL] ? mnl_attr_get_u8(tb[NDA_PROTOCOL]) : 0;
	if (rt_neigh_check(n, w) < 0)
		return bad(why, whylen, "%s", w);
	return KC_OK;
}
