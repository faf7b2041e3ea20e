/* rtctl_parse.c - rtctl's grammar (the words of ip-route and ip-neigh). */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "proto.h"
#include "rtctl_parse.h"
#include "rtnames.h"

static bool is(const char *w, const char *a, const char *b, const char *c)
{
	return strcmp(w, a) == 0 || (b && strcmp(w, b) == 0) || (c && strcmp(w, c) == 0);
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* Words ip(8) prints that say nothing rtctl can set: accepted and ignored,
 * so that a line of `rtctl list` or `ip route show` can be pasted; with
 * the number of values that follow each. */
static int output_only(const char *w)
{
	static const struct { const char *word; int args; } words[] = {
		{ "proto", 1 }, { "pref", 1 }, { "nhid", 1 }, { "expires", 1 }, { "pending", 0 },
		{ "linkdown", 0 }, { "dead", 0 }, { "offload", 0 }, { "trap", 0 },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i].word) == 0)
			return words[i].args;
	return -1;
}

/* "via [inet6|inet] GW" at argv[i]; returns the words used, or -1. */
static int parse_via(int argc, char **argv, int i, uint8_t family, struct rt_addr *gw,
                     char *err, size_t errlen)
{
	char why[RT_ERRLEN];
	int used = 2;
	uint8_t want = 0;

	if (i + 1 < argc && (strcmp(argv[i + 1], "inet6") == 0 || strcmp(argv[i + 1], "inet") == 0)) {
		want = argv[i + 1][4] == '6' ? AF_INET6 : AF_INET;
		used = 3;
	}
	if (i + used - 1 >= argc)
		FAIL("\"via\" needs a gateway");
	if (rt_addr_parse(argv[i + used - 1], gw, why) < 0)
		FAIL("bad gateway: %s", why);
	if (want && gw->family != want)
		FAIL("gateway %s is not an %s address", argv[i + used - 1], argv[i + 1]);
	/* an IPv4 route's IPv6 gateway only as "via inet6 GW", as in ip(8) */
	if (!want && family && gw->family != family)
		FAIL("gateway %s is not of the destination's address family", argv[i + used - 1]);
	return used;
}

/* nexthop via GW [dev IF] [weight W] [onlink], starting at argv[i] (the
 * word after "nexthop"); returns the words used, or -1. */
static int parse_nexthop(int argc, char **argv, int i, uint8_t family, struct rt_nexthop *nh,
                         char *err, size_t errlen)
{
	char why[RT_ERRLEN];
	int j = i;

	memset(nh, 0, sizeof(*nh));
	while (j < argc && strcmp(argv[j], "nexthop") != 0) {
		const char *k = argv[j];
		if (strcmp(k, "via") == 0) {
			int n = parse_via(argc, argv, j, family, &nh->gw, err, errlen);
			if (n < 0)
				return -1;
			j += n;
		} else if (strcmp(k, "dev") == 0) {
			if (j + 1 >= argc)
				FAIL("\"dev\" needs a value");
			if (rt_ifname_parse(argv[j + 1], nh->dev, why) < 0)
				FAIL("%s", why);
			j += 2;
		} else if (strcmp(k, "weight") == 0) {
			uint32_t w;
			if (j + 1 >= argc || rt_metric_parse(argv[j + 1], &w, why) < 0 || w < 1 ||
			    w > RT_WEIGHT_MAX)
				FAIL("\"weight\" needs a number 1..%d", RT_WEIGHT_MAX);
			nh->weight = (uint16_t)w;
			j += 2;
		} else if (strcmp(k, "onlink") == 0) {
			nh->flags |= RT_NHF_ONLINK;
			j++;
		} else if (output_only(k) == 0) {
			j++;            /* a next hop's dead, linkdown, ... */
		} else {
			break;
		}
	}
	if (!nh->gw.family && !nh->dev[0])
		FAIL("\"nexthop\" needs \"via GATEWAY\" or \"dev IFNAME\"");
	return j - i;
}

/* [TYPE] PREFIX [via GW] [dev IF] [src ADDR] [scope S] [onlink] [metric N]
 * [nexthop ...]..., each keyword at most once; for a deletion only the
 * key (TYPE, PREFIX, metric) and the words ip prints but rtctl cannot
 * set. */
static int parse_route_spec(int argc, char **argv, struct rt_route *r, bool key_only,
                            char *err, size_t errlen)
{
	char why[RT_ERRLEN];
	bool seen_via = false, seen_dev = false, seen_metric = false, seen_src = false;
	bool seen_scope = false, onlink = false, is_default = false, saw_pref = false;
	uint8_t type = RTN_UNICAST;
	int i = 0;

	if (argc >= 1 && rt_type_parse(argv[0], &type) == 0 && !isdigit((unsigned char)argv[0][0])) {
		if (type != RTN_UNICAST && type != RTN_BLACKHOLE && type != RTN_UNREACHABLE &&
		    type != RTN_PROHIBIT)
			FAIL("route type \"%s\": rtmd's routes are unicast, blackhole, unreachable or "
			     "prohibit", argv[0]);
		i++;
	}
	r->type = type;
	if (i >= argc)
		FAIL("missing PREFIX");
	if (rt_prefix_parse(argv[i], &r->dst, why) < 0)
		FAIL("%s", why);
	is_default = strcmp(argv[i], "default") == 0;
	for (i++; i < argc;) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int skip = output_only(k);

		if (skip >= 0) {
			if (skip && !v)
				FAIL("\"%s\" needs a value", k);
			saw_pref |= strcmp(k, "pref") == 0;
			i += 1 + skip;
			continue;
		}
		if (strcmp(k, "onlink") == 0 || strcmp(k, "nexthop") == 0 || strcmp(k, "via") == 0 ||
		    strcmp(k, "dev") == 0 || strcmp(k, "src") == 0 || strcmp(k, "scope") == 0) {
			if (key_only && !(strcmp(k, "dev") == 0 && v && strcmp(v, "lo") == 0 &&
			                  type != RTN_UNICAST))
				FAIL("\"%s\" is not allowed here (a route is named by PREFIX and metric)", k);
		} else if (!is(k, "metric", "preference", "priority")) {
			FAIL("unknown word \"%s\" (expected via, dev, src, scope, onlink, metric or "
			     "nexthop)", k);
		}
		if (strcmp(k, "onlink") == 0) {
			onlink = true;
			i++;
			continue;
		}
		if (strcmp(k, "nexthop") == 0) {
			if (seen_via || seen_dev || onlink)
				FAIL("\"nexthop\" and \"via\", \"dev\" or \"onlink\" do not mix");
			if (r->nh_count == RT_NH_MAX)
				FAIL("more than %d next hops", RT_NH_MAX);
			int n = parse_nexthop(argc, argv, i + 1, is_default ? 0 : r->dst.addr.family,
			                      &r->nh[r->nh_count], err, errlen);
			if (n < 0)
				return -1;
			r->nh_count++;
			i += 1 + n;
			continue;
		}
		if (!v)
			FAIL("\"%s\" needs a value", k);
		if (strcmp(k, "via") == 0) {
			if (seen_via)
				FAIL("\"via\" given twice");
			if (r->nh_count && !seen_dev)
				FAIL("\"nexthop\" and \"via\" do not mix");
			seen_via = true;
			int n = parse_via(argc, argv, i, is_default ? 0 : r->dst.addr.family, &r->nh[0].gw,
			                  err, errlen);
			if (n < 0)
				return -1;
			r->nh_count = 1;
			i += n;
			continue;
		}
		if (strcmp(k, "dev") == 0) {
			if (seen_dev)
				FAIL("\"dev\" given twice");
			seen_dev = true;
			if (type != RTN_UNICAST && strcmp(v, "lo") == 0) {
				i += 2;         /* ip's "blackhole ... dev lo" */
				continue;
			}
			if (r->nh_count && !seen_via)
				FAIL("\"nexthop\" and \"dev\" do not mix");
			if (rt_ifname_parse(v, r->nh[0].dev, why) < 0)
				FAIL("%s", why);
			r->nh_count = 1;
		} else if (strcmp(k, "src") == 0) {
			if (seen_src)
				FAIL("\"src\" given twice");
			seen_src = true;
			if (rt_addr_parse(v, &r->src, why) < 0)
				FAIL("bad source: %s", why);
		} else if (strcmp(k, "scope") == 0) {
			if (seen_scope)
				FAIL("\"scope\" given twice");
			seen_scope = true;
			if (rt_scope_parse(v, &r->scope) < 0)
				FAIL("unknown scope \"%s\" (global, site, link, host or a number)", v);
		} else {
			if (seen_metric)
				FAIL("\"metric\" given twice");
			seen_metric = true;
			if (rt_metric_parse(v, &r->metric, why) < 0)
				FAIL("%s", why);
		}
		i += 2;
	}
	/* "default" takes its family from the first gateway (or source), as
	 * ip(8) does: an IPv4 default route via IPv6 needs -4 there.  Without
	 * either, ip's "pref", which it prints for IPv6 routes only, says IPv6:
	 * so every listed line gives its route back. */
	if (is_default) {
		const struct rt_addr *g = r->nh_count ? &r->nh[0].gw : NULL;
		uint8_t fam = g && g->family ? g->family : r->src.family;
		if (!fam && saw_pref)
			fam = AF_INET6;
		if (fam)
			r->dst.addr.family = fam;
		for (unsigned k = 0; k < r->nh_count; k++)
			if (r->nh[k].gw.family && r->nh[k].gw.family != r->dst.addr.family)
				FAIL("the next hops' gateways are of different address families");
	}
	if (onlink && r->nh_count)
		r->nh[0].flags |= RT_NHF_ONLINK;
	if (!key_only && type == RTN_UNICAST && !r->nh_count)
		FAIL("a route needs \"via GATEWAY\", \"dev IFNAME\" or \"nexthop\"");
	if (type != RTN_UNICAST && r->nh_count)
		FAIL("a %s route has no next hop (via, dev, nexthop)", argv[0]);
	rt_route_normalise(r, !seen_scope);
	if (!key_only && rt_route_check(r, why) < 0)
		FAIL("%s", why);
	return 0;
}

/* IP lladdr MAC dev IF [nud permanent] (any order after IP), or IP dev IF
 * for deletion; the states and proto ip(8) prints are accepted and
 * ignored (and lladdr and nud on a deletion). */
static int parse_arp_spec(int argc, char **argv, struct rt_neigh *n, bool key_only,
                          char *err, size_t errlen)
{
	char why[RT_ERRLEN];
	bool seen_mac = false, seen_dev = false;
	uint16_t state;

	if (argc < 1)
		FAIL("missing IP address");
	if (rt_addr_parse(argv[0], &n->ip, why) < 0)
		FAIL("%s", why);
	for (int i = 1; i < argc;) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (rt_nud_parse(k, &state) == 0 && isupper((unsigned char)k[0])) {
			i++;            /* ip prints the state in capitals: REACHABLE */
			continue;
		}
		if (!is(k, "lladdr", "dev", "nud") && !is(k, "proto", "router", NULL))
			FAIL("unknown word \"%s\" (expected %s)", k,
			     key_only ? "dev" : "lladdr, dev or nud");
		if (strcmp(k, "router") == 0) {
			i++;
			continue;
		}
		if (!v)
			FAIL("\"%s\" needs a value", k);
		if (strcmp(k, "lladdr") == 0) {
			if (seen_mac)
				FAIL("\"lladdr\" given twice");
			seen_mac = true;
			if (rt_mac_parse(v, n->lladdr, why) < 0)
				FAIL("%s", why);
		} else if (strcmp(k, "nud") == 0) {
			if (rt_nud_parse(v, &state) < 0)
				FAIL("unknown state \"%s\"", v);
			if (!key_only && state != NUD_PERMANENT)
				FAIL("nud %s: the neighbours rtmd keeps are permanent", v);
		} else if (strcmp(k, "dev") == 0) {
			if (seen_dev)
				FAIL("\"dev\" given twice");
			seen_dev = true;
			if (rt_ifname_parse(v, n->dev, why) < 0)
				FAIL("%s", why);
		}
		i += 2;
	}
	if (!key_only && !seen_mac)
		FAIL("missing \"lladdr MAC\"");
	if (!seen_dev)
		FAIL("missing \"dev IFNAME\"");
	return 0;
}

static int parse_route(int argc, char **argv, struct rtctl_req *q, char *err, size_t errlen)
{
	const char *verb = argv[0];

	argc--, argv++;
	q->nrec = 1;
	/* change and append as replace and add, until the grammar has their
	 * own rules */
	if (is(verb, "add", "replace", "change") || strcmp(verb, "append") == 0) {
		bool add = strcmp(verb, "add") == 0 || strcmp(verb, "append") == 0;

		q->cmd = add ? CMD_ROUTE_ADD : CMD_ROUTE_REPLACE;
		q->msg_type = add ? RT_MSG_ROUTE_ADD : RT_MSG_ROUTE_REPLACE;
		return parse_route_spec(argc, argv, &q->route, false, err, errlen);
	}
	if (is(verb, "delete", "del", NULL)) {
		q->cmd = CMD_ROUTE_DEL;
		q->msg_type = RT_MSG_ROUTE_DEL;
		return parse_route_spec(argc, argv, &q->route, true, err, errlen);
	}
	if (is(verb, "list", "show", "ls")) {
		char why[RT_ERRLEN];

		q->cmd = CMD_ROUTE_LIST;
		q->msg_type = RT_MSG_ROUTE_LIST;
		q->nrec = 0;
		if (argc == 0)
			return 0;
		if (is(argv[0], "root", "match", "exact")) {
			q->flags = strcmp(argv[0], "root") == 0 ? RT_F_LIST_ROOT :
			           strcmp(argv[0], "match") == 0 ? RT_F_LIST_MATCH : 0;
			argc--, argv++;
			if (argc == 0)
				FAIL("missing PREFIX after \"%s\"", argv[-1]);
		}
		if (argc > 1)
			FAIL("unknown word \"%s\" after the prefix", argv[1]);
		if (rt_prefix_parse(argv[0], &q->route.dst, why) < 0)
			FAIL("%s", why);
		q->nrec = 1;
		return 0;
	}
	if (strcmp(verb, "get") == 0) {
		char why[RT_ERRLEN];

		q->cmd = CMD_ROUTE_GET;
		q->msg_type = RT_MSG_ROUTE_GET;
		if (argc != 1)
			FAIL(argc ? "unknown word \"%s\" after the address" : "missing ADDRESS%s",
			     argc ? argv[1] : "");
		if (rt_addr_parse(argv[0], &q->route.dst.addr, why) < 0)
			FAIL("%s", why);
		q->route.dst.len = (uint8_t)(rt_addr_bytes(q->route.dst.addr.family) * 8);
		return 0;
	}
	FAIL("unknown route command \"%s\" (add, replace, delete, list, get)", verb);
}

static int parse_arp(int argc, char **argv, struct rtctl_req *q, char *err, size_t errlen)
{
	const char *verb;

	if (argc < 1)
		FAIL("missing arp command (add, replace, delete, list, get)");
	verb = argv[0];
	argc--, argv++;
	q->nrec = 1;
	if (is(verb, "add", "replace", NULL)) {
		bool add = strcmp(verb, "add") == 0;

		q->cmd = add ? CMD_ARP_ADD : CMD_ARP_REPLACE;
		q->msg_type = add ? RT_MSG_ARP_ADD : RT_MSG_ARP_REPLACE;
		return parse_arp_spec(argc, argv, &q->neigh, false, err, errlen);
	}
	if (is(verb, "delete", "del", NULL)) {
		q->cmd = CMD_ARP_DEL;
		q->msg_type = RT_MSG_ARP_DEL;
		return parse_arp_spec(argc, argv, &q->neigh, true, err, errlen);
	}
	if (is(verb, "list", "show", "ls")) {
		q->cmd = CMD_ARP_LIST;
		q->msg_type = RT_MSG_ARP_LIST;
		q->nrec = 0;
		if (argc)
			FAIL("unknown word \"%s\" after \"arp list\"", argv[0]);
		return 0;
	}
	if (strcmp(verb, "get") == 0) {
		char why[RT_ERRLEN];

		q->cmd = CMD_ARP_GET;
		q->msg_type = RT_MSG_ARP_GET;
		if (argc != 1)
			FAIL(argc ? "unknown word \"%s\" after the address" : "missing IP or MAC address%s",
			     argc ? argv[1] : "");
		/* A MAC has five colons and no dots; anything else is an IP. */
		if (strlen(argv[0]) == 17 && rt_mac_parse(argv[0], q->neigh.lladdr, NULL) == 0) {
			q->flags = RT_F_BY_MAC;
			q->neigh.ip.family = AF_INET;   /* keeps the record valid */
		} else if (rt_addr_parse(argv[0], &q->neigh.ip, why) < 0) {
			FAIL("\"%s\" is neither an IP address nor a MAC address", argv[0]);
		}
		/* The record must carry a valid interface name. */
		snprintf(q->neigh.dev, sizeof(q->neigh.dev), "any");
		return 0;
	}
	FAIL("unknown arp command \"%s\" (add, replace, delete, list, get)", verb);
}

int rtctl_parse(int argc, char **argv, struct rtctl_req *q, char *err, size_t errlen)
{
	memset(q, 0, offsetof(struct rtctl_req, route));
	rt_route_init(&q->route);
	memset(&q->neigh, 0, sizeof(q->neigh));
	q->neigh.state = NUD_PERMANENT;
	if (argc < 1)
		FAIL("missing command (try rtctl --help)");
	if (strcmp(argv[0], "route") == 0) {
		if (argc < 2)
			FAIL("missing route command (add, replace, delete, list, get)");
		return parse_route(argc - 1, argv + 1, q, err, errlen);
	}
	if (is(argv[0], "arp", "neigh", "neighbour") || strcmp(argv[0], "neighbor") == 0)
		return parse_arp(argc - 1, argv + 1, q, err, errlen);
	if (strcmp(argv[0], "flush") == 0) {
		q->cmd = CMD_FLUSH;
		q->msg_type = RT_MSG_FLUSH;
		if (argc != 2)
			FAIL(argc < 2 ? "flush needs \"route\" or \"arp\"" : "unknown word \"%s\" after flush", argv[argc > 2 ? 2 : 0]);
		if (strcmp(argv[1], "route") == 0)
			q->flags = RT_F_TABLE_ROUTE;
		else if (is(argv[1], "arp", "neigh", "neighbour") || strcmp(argv[1], "neighbor") == 0)
			q->flags = RT_F_TABLE_ARP;
		else
			FAIL("unknown table \"%s\" (route or arp)", argv[1]);
		return 0;
	}
	if (strcmp(argv[0], "status") == 0) {
		q->cmd = CMD_STATUS;
		q->msg_type = RT_MSG_STATUS;
		if (argc != 1)
			FAIL("unknown word \"%s\" after status", argv[1]);
		return 0;
	}
	if (is(argv[0], "add", "replace", "delete") || is(argv[0], "del", "list", "show") ||
	    is(argv[0], "ls", "get", "change") || strcmp(argv[0], "append") == 0)
		return parse_route(argc, argv, q, err, errlen);
	FAIL("unknown command \"%s\" (try rtctl --help)", argv[0]);
}

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
	case CMD_ROUTE_ADD: case CMD_ROUTE_REPLACE: case CMD_ROUTE_DEL:
	case CMD_ARP_ADD: case CMD_ARP_REPLACE: case CMD_ARP_DEL: case CMD_FLUSH:
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
		[CMD_ROUTE_GET] = "route get", [CMD_ARP_ADD] = "arp add",
		[CMD_ARP_REPLACE] = "arp replace", [CMD_ARP_DEL] = "arp delete",
		[CMD_ARP_LIST] = "arp list", [CMD_ARP_GET] = "arp get",
		[CMD_FLUSH] = "flush", [CMD_STATUS] = "status",
	};
	return names[cmd];
}
