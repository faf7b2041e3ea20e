/* rtctl_parse.c - rtctl's grammar (the words of ip-route and ip-neigh). */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "proto.h"
#include "rtctl_parse.h"

static bool is(const char *w, const char *a, const char *b, const char *c)
{
	return strcmp(w, a) == 0 || (b && strcmp(w, b) == 0) || (c && strcmp(w, c) == 0);
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* PREFIX [via GW] [dev IF] [metric N], each keyword at most once. */
static int parse_route_spec(int argc, char **argv, struct rt_route *r, bool key_only,
                            char *err, size_t errlen)
{
	char why[RT_ERRLEN];
	bool seen_via = false, seen_dev = false, seen_metric = false;

	if (argc < 1)
		FAIL("missing PREFIX");
	if (rt_prefix_parse(argv[0], &r->dst, why) < 0)
		FAIL("%s", why);
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!is(k, "via", "dev", "metric") && !is(k, "preference", "priority", NULL))
			FAIL("unknown word \"%s\" (expected via, dev or metric)", k);
		if (!v)
			FAIL("\"%s\" needs a value", k);
		if (strcmp(k, "via") == 0) {
			if (key_only)
				FAIL("\"via\" is not allowed here (a route is named by PREFIX and metric)");
			if (seen_via)
				FAIL("\"via\" given twice");
			seen_via = true;
			if (rt_addr_parse(v, &r->nh[0].gw, why) < 0)
				FAIL("bad gateway: %s", why);
			if (r->nh[0].gw.family != r->dst.addr.family)
				FAIL("gateway %s is not of the destination's address family", v);
			r->nh_count = 1;
		} else if (strcmp(k, "dev") == 0) {
			if (key_only)
				FAIL("\"dev\" is not allowed here (a route is named by PREFIX and metric)");
			if (seen_dev)
				FAIL("\"dev\" given twice");
			seen_dev = true;
			if (rt_ifname_parse(v, r->nh[0].dev, why) < 0)
				FAIL("%s", why);
			r->nh_count = 1;
		} else {
			if (seen_metric)
				FAIL("\"metric\" given twice");
			seen_metric = true;
			if (rt_metric_parse(v, &r->metric, why) < 0)
				FAIL("%s", why);
		}
	}
	if (!key_only && !seen_via && !seen_dev)
		FAIL("a route needs \"via GATEWAY\" or \"dev IFNAME\"");
	rt_route_normalise(r, true);
	return 0;
}

/* IP lladdr MAC dev IF (any order after IP), or IP dev IF for deletion. */
static int parse_arp_spec(int argc, char **argv, struct rt_neigh *n, bool key_only,
                          char *err, size_t errlen)
{
	char why[RT_ERRLEN];
	bool seen_mac = false, seen_dev = false;

	if (argc < 1)
		FAIL("missing IP address");
	if (rt_addr_parse(argv[0], &n->ip, why) < 0)
		FAIL("%s", why);
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!is(k, "lladdr", "dev", NULL))
			FAIL("unknown word \"%s\" (expected %s)", k, key_only ? "dev" : "lladdr or dev");
		if (!v)
			FAIL("\"%s\" needs a value", k);
		if (strcmp(k, "lladdr") == 0) {
			if (key_only)
				FAIL("\"lladdr\" is not allowed here (an entry is named by IP and dev)");
			if (seen_mac)
				FAIL("\"lladdr\" given twice");
			seen_mac = true;
			if (rt_mac_parse(v, n->lladdr, why) < 0)
				FAIL("%s", why);
		} else {
			if (seen_dev)
				FAIL("\"dev\" given twice");
			seen_dev = true;
			if (rt_ifname_parse(v, n->dev, why) < 0)
				FAIL("%s", why);
		}
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
	if (is(verb, "add", "replace", NULL)) {
		bool add = strcmp(verb, "add") == 0;

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
	if (strcmp(argv[0], "arp") == 0 || strcmp(argv[0], "neigh") == 0)
		return parse_arp(argc - 1, argv + 1, q, err, errlen);
	if (strcmp(argv[0], "flush") == 0) {
		q->cmd = CMD_FLUSH;
		q->msg_type = RT_MSG_FLUSH;
		if (argc != 2)
			FAIL(argc < 2 ? "flush needs \"route\" or \"arp\"" : "unknown word \"%s\" after flush", argv[argc > 2 ? 2 : 0]);
		if (strcmp(argv[1], "route") == 0)
			q->flags = RT_F_TABLE_ROUTE;
		else if (strcmp(argv[1], "arp") == 0 || strcmp(argv[1], "neigh") == 0)
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
	    is(argv[0], "ls", "get", NULL))
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
