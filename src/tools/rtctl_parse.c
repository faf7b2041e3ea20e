/* rtctl_parse.c - rtctl's grammar: the words of ip-route and ip-neigh.
 *
 * iproute2's habits, so that what a user knows works: a word may be cut
 * short as far as iproute2's matches() allows and the first candidate in
 * ip's order wins ("r a" is route add, "n" neighbour, "s" show); a missing
 * value, a wrong value and a keyword given twice are named as ip names
 * them (NEXT_ARG, invarg, duparg).  Every word ip prints is read back: on
 * add the output-only ones (proto, states, pref, nhid, expires, flags,
 * pending, a blackhole's "dev lo") are accepted and ignored, on delete they
 * are match keys, in list and flush they are filters.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto.h"
#include "rtctl_parse.h"
#include "rtnames.h"

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* iproute2's matches(): arg is a non-empty beginning of word. */
static bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n && n <= strlen(word) && strncmp(arg, word, n) == 0;
}

/* An abbreviation of at least min letters (where a shorter one would be
 * taken by a word ip tries first). */
static bool matches_min(const char *arg, const char *word, size_t min)
{
	return strlen(arg) >= min && matches(arg, word);
}

/* What the words of a route or a neighbour are for. */
enum role {
	ROLE_ADD,       /* build an entry; output-only words ignored */
	ROLE_DEL,       /* the entry's key and match keys */
	ROLE_FILTER,    /* list and flush selectors */
};

struct words {
	int argc, i;
	char **argv;
	char *err;
	size_t errlen;
};

/* NEXT_ARG(): the value after keyword argv[i]. */
static const char *next_arg(struct words *w)
{
	if (w->i + 1 >= w->argc) {
		snprintf(w->err, w->errlen, "\"%s\" needs a value (the command line is not complete)",
		         w->argv[w->i]);
		return NULL;
	}
	return w->argv[++w->i];
}

static int invarg(struct words *w, const char *what)
{
	snprintf(w->err, w->errlen, "argument \"%s\" is wrong: %s", w->argv[w->i], what);
	return -1;
}

/* duparg(): argv[i] is the keyword given again; its value is named. */
static int duparg(struct words *w, const char *key)
{
	snprintf(w->err, w->errlen, "duplicate \"%s\": \"%s\" is the second value", key,
	         w->argv[w->i + 1 < w->argc ? w->i + 1 : w->i]);
	return -1;
}

/* The value of a keyword that may be given once: duparg() the second time. */
static const char *once_arg(struct words *w, uint32_t *seen, uint32_t bit, const char *key)
{
	if (*seen & bit) {
		duparg(w, key);
		return NULL;
	}
	*seen |= bit;
	return next_arg(w);
}

/* ip's get_addr(): an IPv4 address may leave out its trailing zero parts
 * ("10" is 10.0.0.0, "10.1" is 10.1.0.0), as ip reads it. */
static int addr_arg(const char *s, struct rt_addr *a)
{
	char buf[RT_ADDRSTRLEN];
	size_t n = strlen(s), dots = 0;

	if (rt_addr_parse(s, a, NULL) == 0)
		return 0;
	if (n == 0 || n > 11 || strspn(s, "0123456789.") != n || s[n - 1] == '.' || s[0] == '.' ||
	    strstr(s, ".."))
		return -1;
	for (size_t i = 0; i < n; i++)
		dots += s[i] == '.';
	if (dots >= 3)
		return -1;
	snprintf(buf, sizeof(buf), "%s%s", s, dots == 0 ? ".0.0.0" : dots == 1 ? ".0.0" : ".0");
	return rt_addr_parse(buf, a, NULL);
}

/* ip's get_prefix(): "default" (family from fam, else decided later:
 * *dflt), "0/0", "10/8", ADDR, ADDR/LEN, checked against -4/-6. */
static int prefix_arg(struct words *w, const char *s, uint8_t fam, struct rt_prefix *p, bool *dflt)
{
	char addr[RT_ADDRSTRLEN + 8], why[RT_ERRLEN];
	const char *slash = strchr(s, '/');
	struct rt_addr a;

	*dflt = false;
	memset(p, 0, sizeof(*p));
	if (strcmp(s, "default") == 0 || strcmp(s, "default6") == 0) {
		*dflt = !fam && s[7] == '\0';
		p->addr.family = s[7] ? AF_INET6 : fam ? fam : AF_INET;
		if (fam && p->addr.family != fam)
			return invarg(w, "\"default6\" is an IPv6 prefix, and -4 was given");
		return 0;
	}
	if (slash && (size_t)(slash - s) < sizeof(addr)) {
		memcpy(addr, s, (size_t)(slash - s));
		addr[slash - s] = '\0';
	} else {
		snprintf(addr, sizeof(addr), "%.*s", (int)sizeof(addr) - 1, s);
	}
	if (addr_arg(addr, &a) < 0) {
		snprintf(w->err, w->errlen, "argument \"%s\" is wrong: not a prefix (ADDRESS[/LENGTH] "
		         "or default)", s);
		return -1;
	}
	if (fam && a.family != fam) {
		snprintf(w->err, w->errlen, "%s prefix is expected rather than \"%s\"",
		         fam == AF_INET6 ? "inet6" : "inet", s);
		return -1;
	}
	rt_addr_str(&a, addr);
	if (slash)
		snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "%s", slash);
	if (rt_prefix_parse(addr, p, why) < 0) {
		snprintf(w->err, w->errlen, "argument \"%s\" is wrong: %s", s, why);
		return -1;
	}
	return 0;
}

/* "via [inet|inet6] GW" with argv[i] at "via"; the gateway's family must
 * be the route's (fam, 0 while "default" waits for it) unless named. */
static int via_arg(struct words *w, uint8_t fam, struct rt_addr *gw)
{
	const char *v = next_arg(w);
	uint8_t want = 0;

	if (!v)
		return -1;
	if (strcmp(v, "inet") == 0 || strcmp(v, "inet6") == 0) {
		want = v[4] ? AF_INET6 : AF_INET;
		if (!(v = next_arg(w)))
			return -1;
	}
	if (addr_arg(v, gw) < 0)
		return invarg(w, "invalid gateway address");
	if (want && gw->family != want)
		return invarg(w, want == AF_INET6 ? "not an inet6 address" : "not an inet address");
	/* an IPv4 route's IPv6 gateway only as "via inet6 GW", as in ip(8) */
	if (!want && fam && gw->family != fam)
		return invarg(w, "the gateway is not of the destination's address family "
		              "(an IPv4 route's IPv6 gateway is \"via inet6 GW\")");
	return 0;
}

static int dev_arg(struct words *w, char dev[RT_IFNAMSIZ])
{
	char why[RT_ERRLEN];
	const char *v = next_arg(w);

	if (!v)
		return -1;
	if (rt_ifname_parse(v, dev, why) < 0)
		return invarg(w, why);
	return 0;
}

/* Next-hop flags ip prints after a next hop or a route. */
static int nh_flag_word(const char *k)
{
	static const struct { const char *word; int bit; } f[] = {
		{ "dead", RT_NHF_DEAD }, { "onlink", RT_NHF_ONLINK }, { "pervasive", 0 },
		{ "offload", RT_NHF_OFFLOAD }, { "trap", RT_NHF_TRAP }, { "linkdown", RT_NHF_LINKDOWN },
		{ "unresolved", 0 }, { "rt_offload", RT_NHF_OFFLOAD }, { "rt_trap", RT_NHF_TRAP },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(k, f[i].word) == 0)
			return f[i].bit;
	return -1;
}

/* One "nexthop NHSPEC": via, dev, weight and flags, up to the next
 * "nexthop" or a word that is not its own; argv[i] is "nexthop". */
static int nexthop_arg(struct words *w, uint8_t fam, enum role role, struct rt_nexthop *nh,
                       uint8_t *nhflags)
{
	bool via = false, dev = false, weight = false;

	memset(nh, 0, sizeof(*nh));
	while (w->i + 1 < w->argc) {
		const char *k = w->argv[w->i + 1];
		int bit;

		if (strcmp(k, "via") == 0) {
			w->i++;
			if (via)
				return duparg(w, "via");
			via = true;
			if (via_arg(w, fam, &nh->gw) < 0)
				return -1;
		} else if (strcmp(k, "dev") == 0) {
			w->i++;
			if (dev)
				return duparg(w, "dev");
			dev = true;
			if (dev_arg(w, nh->dev) < 0)
				return -1;
		} else if (strcmp(k, "weight") == 0) {
			char *end;
			unsigned long v;
			const char *s;

			w->i++;
			if (weight)
				return duparg(w, "weight");
			weight = true;
			if (!(s = next_arg(w)))
				return -1;
			v = strtoul(s, &end, 10);
			if (!isdigit((unsigned char)*s) || *end || v < 1 || v > RT_WEIGHT_MAX)
				return invarg(w, "\"weight\" is invalid (1..256)");
			nh->weight = (uint16_t)v;
		} else if ((bit = nh_flag_word(k)) >= 0) {
			w->i++;
			if (bit == RT_NHF_ONLINK)
				nh->flags |= RT_NHF_ONLINK;
			else if (role != ROLE_ADD)
				nh->flags |= (uint8_t)bit;
			*nhflags |= (uint8_t)bit;
		} else {
			break;
		}
	}
	if (!nh->gw.family && !nh->dev[0]) {
		snprintf(w->err, w->errlen, "\"nexthop\" needs \"via GATEWAY\" or \"dev IFNAME\"");
		return -1;
	}
	return 0;
}

/* Output-only words with the number of values each takes: accepted and
 * ignored on add. */
static int output_only(const char *k)
{
	static const struct { const char *word; int args; } o[] = {
		{ "nhid", 1 }, { "expires", 1 }, { "pending", 0 }, { "cache", 0 },
		{ "error", 1 }, { "hoplimit", 1 }, { "mtu", 1 }, { "rtt", 1 }, { "ttl-propagate", 1 },
	};

	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		if (strcmp(k, o[i].word) == 0)
			return o[i].args;
	return -1;
}

static int mix_error(struct words *w)
{
	snprintf(w->err, w->errlen, "\"nexthop\" and \"via\", \"dev\" or \"onlink\" do not mix");
	return -1;
}

static bool owned_type(uint8_t t)
{
	return t == RTN_UNICAST || t == RTN_BLACKHOLE || t == RTN_UNREACHABLE || t == RTN_PROHIBIT;
}

/* ROUTE := [to] [TYPE] PREFIX [INFO...], INFO in any order (for filters:
 * [to] [root|match|exact] PREFIX and the selectors).  Fills r (add), r's
 * key and s (delete), or s (filter). */
static int route_words(struct words *w, enum role role, uint8_t fam, struct rt_route *r,
                       struct rtctl_sel *s)
{
	char why[RT_ERRLEN];
	bool dflt = false, have_dst = false, seen_dev = false, seen_via = false, onlink = false;
	bool saw_pref = false, dev_lo = false;
	uint32_t dup = 0;

	r->type = RTN_UNICAST;
	for (; w->i < w->argc; w->i++) {
		const char *k = w->argv[w->i], *v;
		uint8_t t;
		int n, bit;

		if (strcmp(k, "via") == 0) {
			if (seen_via)
				return duparg(w, "via");
			if (r->nh_count > 1 || (r->nh_count && !seen_dev))
				return mix_error(w);
			seen_via = true;
			if (via_arg(w, dflt ? 0 : r->dst.addr.family, &r->nh[0].gw) < 0)
				return -1;
			r->nh_count = 1;
			s->via = r->nh[0].gw;
			s->given |= SEL_VIA;
		} else if (strcmp(k, "dev") == 0 || strcmp(k, "oif") == 0) {
			char dev[RT_IFNAMSIZ];

			if (seen_dev)
				return duparg(w, "dev");
			seen_dev = true;
			if (dev_arg(w, dev) < 0)
				return -1;
			/* ip prints a blackhole's (IPv6: any no-hop type's) "dev lo" */
			if (role != ROLE_FILTER && strcmp(dev, "lo") == 0 && have_dst &&
			    r->type != RTN_UNICAST) {
				dev_lo = true;
				continue;
			}
			memcpy(s->dev, dev, sizeof(dev));
			s->given |= SEL_DEV;
			if (role == ROLE_FILTER)
				continue;
			if (r->nh_count > 1 || (r->nh_count && !seen_via))
				return mix_error(w);
			memcpy(r->nh[0].dev, dev, sizeof(dev));
			r->nh_count = 1;
		} else if (strcmp(k, "nexthop") == 0 && role != ROLE_FILTER) {
			if (seen_via || seen_dev || onlink)
				return mix_error(w);
			if (r->nh_count == RT_NH_MAX) {
				snprintf(w->err, w->errlen, "more than %d next hops", RT_NH_MAX);
				return -1;
			}
			if (nexthop_arg(w, dflt ? 0 : r->dst.addr.family, role, &r->nh[r->nh_count],
			                &s->nhflags) < 0)
				return -1;
			r->nh_count++;
			s->given |= SEL_NEXTHOPS;
		} else if (strcmp(k, "src") == 0) {
			if (!(v = once_arg(w, &dup, SEL_SRC, "src")))
				return -1;
			if (addr_arg(v, &r->src) < 0)
				return invarg(w, "invalid source address");
			s->src = r->src;
			s->given |= SEL_SRC;
		} else if (strcmp(k, "pref") == 0) {
			if (!(v = next_arg(w)))
				return -1;
			if (strcmp(v, "low") && strcmp(v, "medium") && strcmp(v, "high"))
				return invarg(w, "\"pref\" value is invalid (low, medium, high)");
			s->pref = v[0] == 'l' ? RT_PREF_LOW : v[0] == 'h' ? RT_PREF_HIGH : RT_PREF_MEDIUM;
			s->given |= SEL_PREF;
			saw_pref = true;
		} else if (matches(k, "metric") || matches(k, "priority") ||
		           strcmp(k, "preference") == 0) {
			if (!(v = once_arg(w, &dup, SEL_METRIC, "metric")))
				return -1;
			if (rt_metric_parse(v, &r->metric, why) < 0)
				return invarg(w, "\"metric\" value is invalid (0..4294967295)");
			s->metric = r->metric;
			s->given |= SEL_METRIC;
		} else if (matches(k, "scope")) {
			if (!(v = once_arg(w, &dup, SEL_SCOPE, "scope")))
				return -1;
			if (rt_scope_parse(v, &r->scope) < 0)
				return invarg(w, "invalid \"scope\" value (global, site, link, host or a "
				              "number)");
			s->scope = r->scope;
			s->given |= SEL_SCOPE;
		} else if (matches(k, "protocol")) {
			uint8_t set[32];

			if (!(v = once_arg(w, &dup, SEL_PROTO, "protocol")))
				return -1;
			if (strcmp(v, "rtctl") && strcmp(v, "config") && rt_proto_match(v, set) == 0)
				return invarg(w, "\"protocol\" is invalid (a name of rt_protos or a number)");
			snprintf(s->proto, sizeof(s->proto), "%s", v);
			s->given |= SEL_PROTO;
		} else if (strcmp(k, "tos") == 0 || matches(k, "dsfield")) {
			if (!(v = once_arg(w, &dup, SEL_TOS, "tos")))
				return -1;
			if (rt_tos_parse(v, &r->tos) < 0)
				return invarg(w, "TOS value is invalid");
			s->tos = r->tos;
			s->given |= SEL_TOS;
		} else if (strcmp(k, "type") == 0 && role == ROLE_FILTER) {
			if (!(v = next_arg(w)))
				return -1;
			if (rt_type_parse(v, &s->type) < 0)
				return invarg(w, "unknown route type");
			s->given |= SEL_TYPE;
		} else if ((bit = nh_flag_word(k)) >= 0) {
			/* on add only onlink counts; elsewhere each flag is a key */
			if (bit == RT_NHF_ONLINK && role != ROLE_FILTER) {
				if (r->nh_count > 1)
					return mix_error(w);
				onlink = true;
			}
			s->nhflags |= (uint8_t)bit;
			if (bit && role != ROLE_ADD)
				s->given |= SEL_NHFLAGS;
		} else if (strcmp(k, "pending") == 0) {
			s->given |= SEL_PENDING;
		} else if ((n = output_only(k)) >= 0 && role != ROLE_FILTER) {
			if (n && !next_arg(w))
				return -1;
		} else if (strcmp(k, "table") == 0) {
			/* rtmd keeps one table, the kernel's main (kernel-table) */
			if (!(v = next_arg(w)))
				return -1;
			if (strcmp(v, "main") && strcmp(v, "254"))
				return invarg(w, "rtmd keeps one table, \"main\"");
		} else {
			/* the destination: [to] [TYPE] PREFIX, filters [root|match|exact] */
			if (strcmp(k, "to") == 0 && !(k = next_arg(w)))
				return -1;
			if (have_dst) {
				snprintf(w->err, w->errlen, "either \"to\" is duplicate, or \"%s\" is a "
				         "garbage word here", k);
				return -1;
			}
			if (role == ROLE_FILTER) {
				s->mode = SEL_EXACT;
				if (matches(k, "root") || matches(k, "match") || matches(k, "exact")) {
					s->mode = k[0] == 'r' ? SEL_ROOT : k[0] == 'm' ? SEL_MATCH : SEL_EXACT;
					if (!(k = next_arg(w)))
						return -1;
				}
				have_dst = true;
				if (strcmp(k, "all") == 0 || strcmp(k, "any") == 0)
					continue;
			} else if (!isdigit((unsigned char)k[0]) && rt_type_parse(k, &t) == 0 &&
			           w->i + 1 < w->argc) {
				if (role == ROLE_ADD && !owned_type(t))
					return invarg(w, "rtmd's routes are unicast, blackhole, unreachable "
					              "or prohibit");
				r->type = t;
				s->type = t;
				s->given |= SEL_TYPE;
				k = w->argv[++w->i];
			}
			if (prefix_arg(w, k, fam, &r->dst, &dflt) < 0)
				return -1;
			have_dst = true;
			s->dst = r->dst;
			s->given |= SEL_PREFIX;
			/* list shows both families: so does "list default" */
			s->any_family = role == ROLE_FILTER && dflt;
		}
	}
	if (!have_dst && role != ROLE_FILTER) {
		snprintf(w->err, w->errlen, "missing PREFIX (a destination: ADDRESS[/LENGTH] or "
		         "default)");
		return -1;
	}
	/* "default" takes its family from a gateway or the source, as ip(8)
	 * does; without either, ip's "pref", which it prints for IPv6 routes
	 * only, says IPv6: so every listed line gives its route back. */
	if (dflt) {
		uint8_t f = r->nh_count && r->nh[0].gw.family ? r->nh[0].gw.family : r->src.family;

		if (!f && (saw_pref || dev_lo))
			f = AF_INET6;
		if (f)
			r->dst.addr.family = f;
		for (unsigned i = 0; i < r->nh_count; i++)
			if (r->nh[i].gw.family && r->nh[i].gw.family != r->dst.addr.family) {
				snprintf(w->err, w->errlen, "the next hops' gateways are of different "
				         "address families");
				return -1;
			}
		s->dst = r->dst;
	}
	if (r->src.family && r->src.family != r->dst.addr.family && role != ROLE_FILTER) {
		snprintf(w->err, w->errlen, "the source %s is not of the destination's address family",
		         rt_addr_str(&r->src, why));
		return -1;
	}
	if (onlink && r->nh_count == 1)
		r->nh[0].flags |= RT_NHF_ONLINK;
	/* a next hop's flags (nexthop ... linkdown) are keys too */
	if (role != ROLE_ADD && s->nhflags)
		s->given |= SEL_NHFLAGS;
	if (role == ROLE_FILTER)
		return 0;
	if (r->type != RTN_UNICAST && r->nh_count) {
		snprintf(w->err, w->errlen, "a %s route has no next hop (via, dev, nexthop)",
		         rt_type_name(r->type, why));
		return -1;
	}
	if (role == ROLE_ADD && r->type == RTN_UNICAST && !r->nh_count) {
		snprintf(w->err, w->errlen, "a route needs \"via GATEWAY\", \"dev IFNAME\" or "
		         "\"nexthop\"");
		return -1;
	}
	rt_route_normalise(r, !(s->given & SEL_SCOPE));
	s->metric = r->metric;
	if (role == ROLE_ADD && rt_route_check(r, why) < 0) {
		snprintf(w->err, w->errlen, "%s", why);
		return -1;
	}
	return 0;
}

/* ip neigh: ADDR [lladdr MAC] [nud STATE] [dev IF] [router] [proto P],
 * the state words ip prints (REACHABLE, ...), and for filters IP|PREFIX|MAC. */
static int neigh_words(struct words *w, enum role role, uint8_t fam, struct rt_neigh *n,
                       struct rtctl_sel *s)
{
	bool have_ip = false;

	for (; w->i < w->argc; w->i++) {
		const char *k = w->argv[w->i], *v;
		uint16_t st;

		if (matches(k, "lladdr")) {
			if (s->given & SEL_LLADDR)
				return duparg(w, "lladdr");
			if (!(v = next_arg(w)))
				return -1;
			if (rt_mac_parse(v, n->lladdr, NULL) < 0)
				return invarg(w, "invalid MAC address (aa:bb:cc:dd:ee:ff)");
			memcpy(s->lladdr, n->lladdr, 6);
			s->given |= SEL_LLADDR;
		} else if (strcmp(k, "nud") == 0) {
			if (!(v = next_arg(w)))
				return -1;
			if (role == ROLE_FILTER && strcmp(v, "all") == 0)
				continue;
			if (rt_nud_parse(v, &st) < 0)
				return invarg(w, "nud state is bad");
			if (role == ROLE_ADD && st != NUD_PERMANENT)
				return invarg(w, "the neighbours rtmd keeps are permanent (nud permanent)");
			s->state |= st;
			s->given |= SEL_STATE;
		} else if (strcmp(k, "dev") == 0) {
			if (s->given & SEL_DEV)
				return duparg(w, "dev");
			if (dev_arg(w, n->dev) < 0)
				return -1;
			memcpy(s->dev, n->dev, sizeof(s->dev));
			s->given |= SEL_DEV;
		} else if (matches(k, "router")) {
			s->given |= SEL_ROUTER;
		} else if (matches(k, "protocol")) {
			uint8_t set[32];

			if (!(v = next_arg(w)))
				return -1;
			if (strcmp(v, "rtctl") && strcmp(v, "config") && rt_proto_match(v, set) == 0)
				return invarg(w, "\"protocol\" is invalid (a name of rt_protos or a number)");
			snprintf(s->proto, sizeof(s->proto), "%s", v);
			s->given |= SEL_PROTO;
		} else if (isupper((unsigned char)k[0]) && rt_nud_parse(k, &st) == 0) {
			/* the state as ip prints it: REACHABLE; a match key on delete */
			if (role != ROLE_ADD) {
				s->state |= st;
				s->given |= SEL_STATE;
			}
		} else if (strcmp(k, "extern_learn") == 0 || strcmp(k, "offload") == 0 ||
		           strcmp(k, "managed") == 0) {
			continue;
		} else {
			if (strcmp(k, "to") == 0 && !(k = next_arg(w)))
				return -1;
			if (have_ip) {
				snprintf(w->err, w->errlen, "either \"to\" is duplicate, or \"%s\" is a "
				         "garbage word here", k);
				return -1;
			}
			have_ip = true;
			if (role == ROLE_FILTER && (strcmp(k, "all") == 0 || strcmp(k, "any") == 0))
				continue;
			if (role == ROLE_FILTER && strlen(k) == 17 && rt_mac_parse(k, s->lladdr, NULL) == 0) {
				s->given |= SEL_LLADDR;
				continue;
			}
			if (role == ROLE_FILTER) {
				bool dflt;

				if (prefix_arg(w, k, fam, &s->dst, &dflt) < 0)
					return -1;
				s->given |= SEL_IP;
				continue;
			}
			if (addr_arg(k, &n->ip) < 0)
				return invarg(w, "not an IP address");
			if (fam && n->ip.family != fam) {
				snprintf(w->err, w->errlen, "%s address is expected rather than \"%s\"",
				         fam == AF_INET6 ? "inet6" : "inet", k);
				return -1;
			}
		}
	}
	if (role == ROLE_FILTER)
		return 0;
	if (!have_ip) {
		snprintf(w->err, w->errlen, "missing the neighbour's IP address");
		return -1;
	}
	if (role == ROLE_ADD && !(s->given & SEL_LLADDR)) {
		snprintf(w->err, w->errlen, "missing \"lladdr MAC\"");
		return -1;
	}
	if (!(s->given & SEL_DEV)) {
		snprintf(w->err, w->errlen, "device and destination are required arguments "
		         "(missing \"dev IFNAME\")");
		return -1;
	}
	return 0;
}

static void set(struct rtctl_req *q, enum rtctl_cmd cmd, uint16_t msg_type, int nrec)
{
	q->cmd = cmd;
	q->msg_type = msg_type;
	q->nrec = nrec;
}

/* A route list or flush: the prefix the server filters on, the rest here. */
static void filter_request(struct rtctl_req *q)
{
	struct rtctl_sel *s = &q->sel;

	if (!(s->given & SEL_PREFIX) || s->any_family)
		return;
	q->route.dst = s->dst;
	q->nrec = 1;
	q->flags |= s->mode == SEL_ROOT ? RT_F_LIST_ROOT : s->mode == SEL_MATCH ? RT_F_LIST_MATCH : 0;
}

static int parse_route(struct words *w, uint8_t fam, struct rtctl_req *q)
{
	const char *verb = w->i < w->argc ? w->argv[w->i] : "list";
	char *err = w->err;
	size_t errlen = w->errlen;
	enum role role = ROLE_ADD;

	q->entry = ++w->i;
	/* ip's order (do_iproute()): the first word the abbreviation fits */
	if (matches(verb, "add") || matches(verb, "prepend") || matches(verb, "append")) {
		set(q, CMD_ROUTE_ADD, RT_MSG_ROUTE_ADD, 1);
	} else if (matches(verb, "change") || strcmp(verb, "chg") == 0) {
		set(q, CMD_ROUTE_CHANGE, RT_MSG_ROUTE_REPLACE, 1);
		q->resolve = true;
	} else if (matches(verb, "replace")) {
		set(q, CMD_ROUTE_REPLACE, RT_MSG_ROUTE_REPLACE, 1);
	} else if (matches(verb, "delete")) {
		set(q, CMD_ROUTE_DEL, RT_MSG_ROUTE_DEL, 1);
		role = ROLE_DEL;
	} else if (matches(verb, "list") || matches(verb, "show") || matches(verb, "lst")) {
		set(q, CMD_ROUTE_LIST, RT_MSG_ROUTE_LIST, 0);
		role = ROLE_FILTER;
	} else if (matches(verb, "get")) {
		struct rtctl_sel s = { 0 };

		set(q, CMD_ROUTE_GET, RT_MSG_ROUTE_GET, 1);
		for (; w->i < w->argc; w->i++) {
			const char *k = w->argv[w->i];

			if (strcmp(k, "to") == 0 && !(k = next_arg(w)))
				return -1;
			if (q->route.dst.addr.family)
				FAIL("either \"to\" is duplicate, or \"%s\" is a garbage word here", k);
			if (addr_arg(k, &q->route.dst.addr) < 0)
				FAIL("argument \"%s\" is wrong: not an address (get takes one address; "
				     "list takes prefixes)", k);
			if (fam && q->route.dst.addr.family != fam)
				FAIL("%s address is expected rather than \"%s\"",
				     fam == AF_INET6 ? "inet6" : "inet", k);
		}
		if (!q->route.dst.addr.family)
			FAIL("need at least a destination address");
		q->route.dst.len = (uint8_t)(rt_addr_bytes(q->route.dst.addr.family) * 8);
		q->sel = s;
		return 0;
	} else if (matches(verb, "flush")) {
		set(q, CMD_ROUTE_FLUSH, RT_MSG_ROUTE_LIST, 0);
		role = ROLE_FILTER;
	} else if (matches(verb, "help")) {
		q->cmd = CMD_HELP;
		return 0;
	} else {
		FAIL("command \"%s\" is unknown, try \"rtctl help\"", verb);
	}
	if (route_words(w, role, fam, &q->route, &q->sel) < 0)
		return -1;
	if (fam) {
		q->sel.family = fam;
		q->sel.given |= SEL_FAMILY;
	}
	if (role == ROLE_FILTER) {
		filter_request(q);
		/* a flush of everything is rtmd's own, in one request */
		if (q->cmd == CMD_ROUTE_FLUSH && !q->sel.given) {
			set(q, CMD_FLUSH, RT_MSG_FLUSH, 0);
			q->flags = RT_F_TABLE_ROUTE;
		}
		return 0;
	}
	/* a delete by its key alone goes straight to rtmd; "delete PREFIX"
	 * deletes the only route of that prefix, whatever its metric, and
	 * other keys must match the route: rtctl looks first */
	if (role == ROLE_DEL)
		q->resolve = (q->sel.given & ~(SEL_PREFIX | SEL_FAMILY)) != SEL_METRIC;
	return 0;
}

static int parse_neigh(struct words *w, uint8_t fam, struct rtctl_req *q)
{
	const char *verb = w->i < w->argc ? w->argv[w->i] : "list";
	char *err = w->err;
	size_t errlen = w->errlen;
	enum role role = ROLE_ADD;

	q->entry = ++w->i;
	if (matches(verb, "add")) {
		set(q, CMD_ARP_ADD, RT_MSG_ARP_ADD, 1);
	} else if (matches(verb, "change") || strcmp(verb, "chg") == 0 || matches(verb, "replace")) {
		set(q, CMD_ARP_REPLACE, RT_MSG_ARP_REPLACE, 1);
	} else if (matches(verb, "delete")) {
		set(q, CMD_ARP_DEL, RT_MSG_ARP_DEL, 1);
		role = ROLE_DEL;
	} else if (matches(verb, "list") || matches(verb, "show") || matches(verb, "lst")) {
		set(q, CMD_ARP_LIST, RT_MSG_ARP_LIST, 0);
		role = ROLE_FILTER;
	} else if (matches(verb, "get")) {
		const char *k = w->i < w->argc ? w->argv[w->i] : NULL;

		set(q, CMD_ARP_GET, RT_MSG_ARP_GET, 1);
		if (k && strcmp(k, "to") == 0)
			k = w->i + 1 < w->argc ? w->argv[++w->i] : NULL;
		if (!k)
			FAIL("missing the IP or MAC address to look up");
		/* A MAC has five colons and no dots; anything else is an IP. */
		if (strlen(k) == 17 && rt_mac_parse(k, q->neigh.lladdr, NULL) == 0) {
			q->flags = RT_F_BY_MAC;
			q->neigh.ip.family = AF_INET;   /* keeps the record valid */
		} else if (addr_arg(k, &q->neigh.ip) < 0) {
			FAIL("argument \"%s\" is wrong: neither an IP address nor a MAC address", k);
		}
		/* the record must carry a valid interface name */
		snprintf(q->neigh.dev, sizeof(q->neigh.dev), "any");
		for (w->i++; w->i < w->argc; w->i++) {
			if (strcmp(w->argv[w->i], "dev") != 0)
				FAIL("either \"to\" is duplicate, or \"%s\" is a garbage word here",
				     w->argv[w->i]);
			if (q->sel.given & SEL_DEV)
				return duparg(w, "dev");
			if (dev_arg(w, q->sel.dev) < 0)
				return -1;
			q->sel.given |= SEL_DEV;
		}
		return 0;
	} else if (matches(verb, "flush")) {
		set(q, CMD_ARP_FLUSH, RT_MSG_ARP_LIST, 0);
		role = ROLE_FILTER;
	} else if (matches(verb, "help")) {
		q->cmd = CMD_HELP;
		return 0;
	} else {
		FAIL("command \"%s\" is unknown, try \"rtctl help\"", verb);
	}
	if (neigh_words(w, role, fam, &q->neigh, &q->sel) < 0)
		return -1;
	if (fam) {
		q->sel.family = fam;
		q->sel.given |= SEL_FAMILY;
	}
	if (q->cmd == CMD_ARP_FLUSH && !q->sel.given) {
		set(q, CMD_FLUSH, RT_MSG_FLUSH, 0);
		q->flags = RT_F_TABLE_ARP;
	}
	if (role == ROLE_DEL)
		q->resolve = (q->sel.given & ~(SEL_IP | SEL_DEV | SEL_FAMILY)) != 0;
	return 0;
}

static bool is_neigh_word(const char *w)
{
	return matches(w, "neighbour") || matches(w, "neighbor") || strcmp(w, "arp") == 0;
}

int rtctl_parse_family(int argc, char **argv, uint8_t fam, struct rtctl_req *q, char *err,
                       size_t errlen)
{
	struct words w = { .argc = argc, .argv = argv, .err = err, .errlen = errlen };
	const char *o;

	memset(q, 0, offsetof(struct rtctl_req, route));
	rt_route_init(&q->route);
	q->neigh.state = NUD_PERMANENT;
	if (argc < 1)
		FAIL("missing command (try rtctl --help)");
	o = argv[0];
	/* objects first, as ip tries them: "r" is route, "n" neighbour */
	if (matches(o, "route")) {
		w.i = 1;
		return parse_route(&w, fam, q);
	}
	if (is_neigh_word(o)) {
		w.i = 1;
		return parse_neigh(&w, fam, q);
	}
	if (matches_min(o, "status", 2)) {
		set(q, CMD_STATUS, RT_MSG_STATUS, 0);
		if (argc != 1)
			FAIL("either \"to\" is duplicate, or \"%s\" is a garbage word here", argv[1]);
		return 0;
	}
	/* the older "flush route|arp" */
	if (matches(o, "flush") && argc == 2 && (matches(argv[1], "route") || is_neigh_word(argv[1]))) {
		set(q, CMD_FLUSH, RT_MSG_FLUSH, 0);
		q->flags = matches(argv[1], "route") ? RT_F_TABLE_ROUTE : RT_F_TABLE_ARP;
		return 0;
	}
	if (matches(o, "help")) {
		q->cmd = CMD_HELP;
		return 0;
	}
	/* "route" may be left out */
	return parse_route(&w, fam, q);
}

int rtctl_parse(int argc, char **argv, struct rtctl_req *q, char *err, size_t errlen)
{
	return rtctl_parse_family(argc, argv, 0, q, err, errlen);
}

/* ---- selectors ------------------------------------------------------------ */

static bool proto_is(const char *want, uint8_t origin, uint8_t protocol)
{
	char n[RT_NAMELEN];
	uint8_t set[32];

	if (strcmp(want, rt_owner_name(origin, protocol, n)) == 0)
		return true;
	if (rt_origin_owned(origin))
		return false;
	return rt_proto_match(want, set) > 0 && (set[protocol / 8] >> (protocol % 8) & 1);
}

static bool nh_has(const struct rt_route *r, const struct rtctl_sel *s, uint32_t what)
{
	for (unsigned i = 0; i < r->nh_count && i < RT_NH_MAX; i++) {
		const struct rt_nexthop *nh = &r->nh[i];

		if (what == SEL_DEV && strncmp(nh->dev, s->dev, RT_IFNAMSIZ) == 0)
			return true;
		if (what == SEL_VIA && rt_addr_equal(&nh->gw, &s->via))
			return true;
		if (what == SEL_NHFLAGS && (nh->flags & s->nhflags))
			return true;
	}
	return false;
}

static bool hops_equal(const struct rt_route *r, const struct rt_route *k)
{
	if (r->nh_count != k->nh_count)
		return false;
	for (unsigned i = 0; i < r->nh_count && i < RT_NH_MAX; i++) {
		const struct rt_nexthop *a = &r->nh[i], *b = &k->nh[i];

		if (!rt_addr_equal(&a->gw, &b->gw) || strncmp(a->dev, b->dev, RT_IFNAMSIZ) ||
		    (b->weight && a->weight != b->weight))
			return false;
	}
	return true;
}

bool rtctl_sel_route(const struct rtctl_sel *s, const struct rt_route *r,
                     const struct rt_route *keys)
{
	uint32_t g = s->given;

	if ((g & SEL_FAMILY) && r->dst.addr.family != s->family)
		return false;
	if (g & SEL_PREFIX) {
		const struct rt_prefix *p = &s->dst;
		bool in = rt_prefix_contains(p, &r->dst.addr) && r->dst.len >= p->len;
		bool around = rt_prefix_contains(&r->dst, &p->addr) && r->dst.len <= p->len;

		if (s->any_family) {
			/* "default": of either family */
			in = true;
			around = r->dst.len == 0;
		} else if (r->dst.addr.family != p->addr.family) {
			return false;
		}
		if ((s->mode == SEL_ROOT && !in) || (s->mode == SEL_MATCH && !around) ||
		    (s->mode == SEL_EXACT && !(in && r->dst.len == p->len)))
			return false;
	}
	if ((g & SEL_METRIC) && r->metric != s->metric)
		return false;
	if ((g & SEL_TYPE) && r->type != s->type)
		return false;
	if ((g & SEL_PROTO) && !proto_is(s->proto, r->origin, r->protocol))
		return false;
	if ((g & SEL_SRC) && !rt_addr_equal(&r->src, &s->src))
		return false;
	if ((g & SEL_SCOPE) && r->scope != s->scope)
		return false;
	if ((g & SEL_TOS) && r->tos != s->tos)
		return false;
	if ((g & SEL_PREF) && (r->pref ? r->pref : RT_PREF_MEDIUM) != s->pref)
		return false;
	if ((g & SEL_PENDING) && !(r->flags & RT_RF_PENDING))
		return false;
	if ((g & SEL_NHFLAGS) && !nh_has(r, s, SEL_NHFLAGS))
		return false;
	if ((g & SEL_NEXTHOPS) && keys && !hops_equal(r, keys))
		return false;
	if ((g & SEL_DEV) && !nh_has(r, s, SEL_DEV))
		return false;
	if ((g & SEL_VIA) && !nh_has(r, s, SEL_VIA))
		return false;
	return true;
}

bool rtctl_sel_neigh(const struct rtctl_sel *s, const struct rt_neigh *n)
{
	uint32_t g = s->given;

	if ((g & SEL_FAMILY) && n->ip.family != s->family)
		return false;
	if ((g & SEL_IP) && !(rt_prefix_contains(&s->dst, &n->ip)))
		return false;
	if ((g & SEL_DEV) && strncmp(n->dev, s->dev, RT_IFNAMSIZ) != 0)
		return false;
	if ((g & SEL_LLADDR) && memcmp(n->lladdr, s->lladdr, 6) != 0)
		return false;
	if ((g & SEL_STATE) && !(n->state & s->state) && !(s->state == 0 && n->state == 0))
		return false;
	if ((g & SEL_PROTO) && !proto_is(s->proto, n->origin, n->protocol))
		return false;
	if ((g & SEL_ROUTER) && !(n->flags & NTF_ROUTER))
		return false;
	return true;
}

/* ---- batch lines and names --------------------------------------------------- */

int rtctl_split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max)
			return max + 1;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

int rtctl_is_change(enum rtctl_cmd cmd)
{
	switch (cmd) {
	case CMD_ROUTE_ADD: case CMD_ROUTE_REPLACE: case CMD_ROUTE_DEL: case CMD_ROUTE_CHANGE:
	case CMD_ARP_ADD: case CMD_ARP_REPLACE: case CMD_ARP_DEL: case CMD_FLUSH:
	case CMD_ROUTE_FLUSH: case CMD_ARP_FLUSH:
		return 1;
	default:
		return 0;
	}
}

const char *rtctl_cmd_name(enum rtctl_cmd cmd)
{
	static const char *const names[] = {
		[CMD_ROUTE_ADD] = "route add", [CMD_ROUTE_REPLACE] = "route replace",
		[CMD_ROUTE_DEL] = "route delete", [CMD_ROUTE_LIST] = "route list",
		[CMD_ROUTE_GET] = "route get", [CMD_ARP_ADD] = "neigh add",
		[CMD_ARP_REPLACE] = "neigh replace", [CMD_ARP_DEL] = "neigh delete",
		[CMD_ARP_LIST] = "neigh list", [CMD_ARP_GET] = "neigh get",
		[CMD_FLUSH] = "flush", [CMD_STATUS] = "status", [CMD_ROUTE_FLUSH] = "route flush",
		[CMD_ARP_FLUSH] = "neigh flush", [CMD_ROUTE_CHANGE] = "route change",
		[CMD_HELP] = "help",
	};
	return names[cmd];
}
