/* kernel_codec.h - rtmd's routes and neighbours as rtnetlink messages,
 * both ways.
 *
 * The one place that knows how an entry looks as RTM_NEWROUTE/DELROUTE or
 * RTM_NEWNEIGH/DELNEIGH, for kernel sync and for the FPM server alike: no
 * socket and no state; interface names and indexes come from the
 * interface cache.  A decoder checks every attribute against a policy and
 * the entry against the model's rules (rt_route_check, rt_neigh_check)
 * before handing it out; an encoder refuses what the kernel would refuse
 * for want of an interface, with the reason a user reads.
 *
 * Results: KC_OK, KC_SKIP (a well-formed message of something rtmd does
 * not keep: another family, a cache clone, a bridge's FDB entry, a
 * source-specific route), KC_NOLINK (well-formed, but it names an
 * interface index the cache does not know: a link not heard of yet; why
 * names it) or KC_BAD (malformed; why says how).
 */
#ifndef RTMD_KERNEL_CODEC_H
#define RTMD_KERNEL_CODEC_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct links;

enum { KC_BAD = -1, KC_OK = 0, KC_SKIP = 1, KC_NOLINK = 2 };

/* Bytes after the netlink header that encoding r (or a neighbour) needs
 * at most: the room to give nl_msg_begin. */
size_t kc_route_room(const struct rt_route *r);
size_t kc_neigh_room(void);

/* Fill h, a message begun as RTM_NEWROUTE or RTM_DELROUTE with room for
 * limit bytes in all (nl_msg_limit), with r in table as protocol.  A
 * delete carries the key and the protocol only, so the kernel removes
 * rtmd's route of that key and nothing else, whatever its next hops; an
 * IPv4 delete also leaves the scope open (RT_SCOPE_NOWHERE), as ip(8).
 * Of the next hops' flags only onlink is sent: the others (dead, linkdown,
 * offload, trap) are the kernel's to report, and it refuses some of them.
 * 0, or a negative errno with the reason in why: -ENODEV for an interface
 * the kernel does not have (the entry then waits, pending), -EMSGSIZE. */
int kc_route_encode(struct nlmsghdr *h, size_t limit, const struct rt_route *r, uint32_t table,
                    uint8_t protocol, const struct links *l, char *why, size_t whylen);

/* Decode RTM_NEWROUTE or RTM_DELROUTE into r (origin kernel, or fpm when
 * fpm) and its table.  disc as doc/DESIGN.md says, but for fpm without the
 * ifindex (zebra's RTM_DELROUTE names no device); an fpm RTM_DELROUTE is
 * its key only (dst, metric, tos, disc, protocol) and is not checked
 * further.  *nh_id is the route's
 * RTA_NH_ID (0: none).  A route that carries only that id, without the
 * next hops spelled out (FPM with next-hop groups, or the kernel with
 * nexthop_compat_mode off), comes back KC_OK with no next hop and
 * unchecked: the caller resolves the id, fills in r->nh and nh_count, and
 * runs rt_route_check() itself. */
int kc_route_decode(const struct nlmsghdr *h, const struct links *l, bool fpm, struct rt_route *r,
                    uint32_t *table, uint32_t *nh_id, char *why, size_t whylen);

/* RTM_NEWNEIGH (NUD_PERMANENT, with NDA_PROTOCOL) or RTM_DELNEIGH of n.
 * 0, or a negative errno with the reason in why. */
int kc_neigh_encode(struct nlmsghdr *h, size_t limit, const struct rt_neigh *n, uint8_t protocol,
                    const struct links *l, char *why, size_t whylen);
/* Decode RTM_NEWNEIGH or RTM_DELNEIGH into n (origin kernel).  *lladdr
 * tells whether the kernel gave a link-layer address: an entry without one
 * (INCOMPLETE, FAILED) is not one rtmd keeps, so a NEWNEIGH without one
 * removes it. */
int kc_neigh_decode(const struct nlmsghdr *h, const struct links *l, struct rt_neigh *n,
                    bool *lladdr, char *why, size_t whylen);

#endif
