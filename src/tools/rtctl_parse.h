/* rtctl_parse.h - rtctl's command grammar, shared by the command line and
 * batch files: ip-route's and ip-neigh's words, abbreviated as iproute2's
 * matches() allows.  Everything is validated here, before anything is sent;
 * what rtmd cannot do in one request (filters, a delete named by more than
 * its key) comes back as a selector that rtctl applies to a listing. */
#ifndef RTMD_RTCTL_PARSE_H
#define RTMD_RTCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rtnames.h"

enum rtctl_cmd {
	CMD_ROUTE_ADD, CMD_ROUTE_REPLACE, CMD_ROUTE_DEL, CMD_ROUTE_LIST, CMD_ROUTE_GET,
	CMD_ARP_ADD, CMD_ARP_REPLACE, CMD_ARP_DEL, CMD_ARP_LIST, CMD_ARP_GET,
	CMD_FLUSH, CMD_STATUS,
	CMD_ROUTE_FLUSH,        /* flush with selectors: list, match, delete */
	CMD_ARP_FLUSH,
	CMD_ROUTE_CHANGE,       /* replace of a route that must exist */
	CMD_HELP,               /* "help": print the usage */
};

/* What the selector names; a field counts only when its bit is set. */
enum {
	SEL_METRIC = 1u << 0, SEL_TYPE = 1u << 1, SEL_DEV = 1u << 2, SEL_VIA = 1u << 3,
	SEL_PROTO = 1u << 4, SEL_SRC = 1u << 5, SEL_SCOPE = 1u << 6, SEL_NEXTHOPS = 1u << 7,
	SEL_PENDING = 1u << 8, SEL_NHFLAGS = 1u << 9, SEL_PREF = 1u << 10, SEL_TOS = 1u << 11,
	SEL_PREFIX = 1u << 12, SEL_FAMILY = 1u << 13, SEL_LLADDR = 1u << 14, SEL_STATE = 1u << 15,
	SEL_IP = 1u << 16, SEL_ROUTER = 1u << 17,
};
enum sel_prefix_mode { SEL_EXACT, SEL_ROOT, SEL_MATCH };

/* A filter of list and flush, and the match keys of a delete: the words
 * `ip route show` and `ip neigh show` print, as they print them. */
struct rtctl_sel {
	uint32_t given;         /* SEL_* */
	uint8_t family;         /* SEL_FAMILY: -4/-6 */
	uint8_t mode;           /* enum sel_prefix_mode of SEL_PREFIX */
	bool any_family;        /* SEL_PREFIX is "default" without -4/-6: both */
	struct rt_prefix dst;   /* SEL_PREFIX (routes), SEL_IP (neighbours, a prefix) */
	uint32_t metric;
	uint8_t type, scope, tos, pref, nhflags;
	char proto[RT_NAMELEN]; /* as typed: a name or a number */
	char dev[RT_IFNAMSIZ];
	struct rt_addr via, src;
	uint8_t lladdr[6];
	uint16_t state;         /* NUD_* bits: any of them */
};

struct rtctl_req {
	enum rtctl_cmd cmd;
	uint16_t msg_type;      /* enum rt_msg_type of the request */
	uint32_t flags;         /* RT_F_* header flags (filters, table, by-MAC) */
	int nrec;               /* 0 or 1 record */
	int entry;              /* index of the first word after the command's verb */
	/* delete and change: rtctl lists the candidates and names one entry
	 * (a delete without metric, or with keys beyond the entry's key) */
	bool resolve;
	struct rtctl_sel sel;   /* list, flush, get (dev), resolved delete */
	struct rt_neigh neigh;  /* neighbour commands */
	struct rt_route route;  /* route commands; last, as it is long (the
	                           next hops of a delete's "nexthop" keys) */
};

/* Parse words (without "rtctl" and options); family is -4's AF_INET, -6's
 * AF_INET6, or 0.  0, or -1 with a message in err ("argument \"x\" is
 * wrong: ...", "duplicate \"dev\" ...").  err needs RT_ERRLEN+64. */
int rtctl_parse_family(int argc, char **argv, uint8_t family, struct rtctl_req *req, char *err,
                       size_t errlen);
int rtctl_parse(int argc, char **argv, struct rtctl_req *req, char *err, size_t errlen);
/* Does the selector take this entry? */
bool rtctl_sel_route(const struct rtctl_sel *s, const struct rt_route *r,
                     const struct rt_route *keys);
bool rtctl_sel_neigh(const struct rtctl_sel *s, const struct rt_neigh *n);
/* Split a batch line in place at blanks, dropping a '#' comment; returns
 * the number of words (max + 1 if more: the caller reports too many). */
int rtctl_split(char *line, char **words, int max);
/* True for commands that change a table. */
int rtctl_is_change(enum rtctl_cmd cmd);
/* "route add", "neigh delete", ... for messages. */
const char *rtctl_cmd_name(enum rtctl_cmd cmd);

#endif
