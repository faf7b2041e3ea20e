/* rtctl_parse.h - rtctl's command grammar, shared by the command line and
 * batch files.  Everything is validated here, before anything is sent. */
#ifndef RTMD_RTCTL_PARSE_H
#define RTMD_RTCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum rtctl_cmd {
	CMD_ROUTE_ADD, CMD_ROUTE_REPLACE, CMD_ROUTE_DEL, CMD_ROUTE_LIST, CMD_ROUTE_GET,
	CMD_ARP_ADD, CMD_ARP_REPLACE, CMD_ARP_DEL, CMD_ARP_LIST, CMD_ARP_GET,
	CMD_FLUSH, CMD_STATUS,
};

struct rtctl_req {
	enum rtctl_cmd cmd;
	uint16_t msg_type;      /* enum rt_msg_type of the request */
	uint32_t flags;         /* RT_F_* header flags (filters, table, by-MAC) */
	int nrec;               /* 0 or 1 record */
	struct rt_neigh neigh;  /* arp commands */
	struct rt_route route;  /* route commands; last, as it is long */
};

/* Parse words (without "rtctl" and options).  0, or -1 with a message in
 * err ("bad prefix ...", "unknown word ...").  err needs RT_ERRLEN+64. */
int rtctl_parse(int argc, char **argv, struct rtctl_req *req, char *err, size_t errlen);
/* Split a batch line in place at blanks, dropping a '#' comment; returns
 * the number of words (max if more: the caller reports too many words). */
int rtctl_split(char *line, char **words, int max);
/* True for commands that change a table. */
int rtctl_is_change(enum rtctl_cmd cmd);
/* "route add", "arp delete", ... for messages. */
const char *rtctl_cmd_name(enum rtctl_cmd cmd);

#endif
