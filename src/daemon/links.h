/* links.h - the kernel's interfaces as rtmd knows them: index <-> name,
 * up or down, and their addresses.
 *
 * Fed with the kernel's link and address messages (a dump, then events),
 * and nothing else: it opens no socket.  Looking an interface up by name
 * (encoding a route) or by index (decoding one) is a hash look-up.  Every
 * change is reported to a listener, which is how kernel sync knows to
 * retry its pending entries and which interface took its entries with it.
 * A dump is bracketed by links_dump_begin/end: what the dump (or an event
 * meanwhile) did not mention is removed at the end, and reported.
 */
#ifndef RTMD_LINKS_H
#define RTMD_LINKS_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct links;

enum links_what {
	LINKS_ADDED = 1 << 0,     /* a new interface */
	LINKS_REMOVED = 1 << 1,   /* the interface is gone (name: its last one) */
	LINKS_RENAMED = 1 << 2,   /* old_name is the name it had */
	LINKS_UP = 1 << 3,        /* administratively up (IFF_UP) */
	LINKS_DOWN = 1 << 4,      /* administratively down: the kernel drops its routes */
	LINKS_CARRIER = 1 << 5,   /* carrier (IFF_LOWER_UP) came or went */
	LINKS_ADDR_ADDED = 1 << 6,
	LINKS_ADDR_REMOVED = 1 << 7,
};

struct links_event {
	unsigned what;          /* enum links_what bits */
	int index;
	const char *name;       /* the interface's (current or last) name */
	const char *old_name;   /* LINKS_RENAMED */
	const struct rt_addr *addr;   /* LINKS_ADDR_* */
	uint8_t prefixlen;
};

typedef void (*links_fn)(void *ctx, const struct links_event *ev);

/* NULL: out of memory. */
struct links *links_new(void);
void links_free(struct links *l);
void links_set_listener(struct links *l, links_fn fn, void *ctx);

/* Apply RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR or RTM_DELADDR (other
 * types, and link messages of other families, such as a bridge's port
 * messages, are ignored).  0, or -1 with the reason in why for a message
 * that does not parse (nothing changed). */
int links_apply(struct links *l, const struct nlmsghdr *h, char *why, size_t whylen);

/* Around a dump of links (addrs false) or of addresses (addrs true). */
void links_dump_begin(struct links *l, bool addrs);
void links_dump_end(struct links *l, bool addrs);

/* The interface index of name, 0 if there is none. */
int links_index(const struct links *l, const char *name);
/* The name of interface index, NULL if there is none. */
const char *links_name(const struct links *l, int index);
bool links_up(const struct links *l, int index);
/* Whether addr is an address of some interface (a usable src). */
bool links_has_addr(const struct links *l, const struct rt_addr *addr);
size_t links_count(const struct links *l);
size_t links_addr_count(const struct links *l);

#endif
