/* fpm_nhg.h - zebra's next-hop groups, as FPM announces them.
 *
 * With `fpm use-next-hop-groups` (zebra's default) a route carries only
 * RTA_NH_ID; the next hops are in RTM_NEWNEXTHOP messages sent before it:
 * single next hops (gateway and/or interface, or blackhole) and groups of
 * them with weights.  This table keeps them by id, with the kernel's
 * rules: a group holds only single next hops, a NEWNEXTHOP of a known id
 * replaces it, a DELNEXTHOP removes it (and it leaves the groups that
 * hold it).  fpm_nhg_resolve() expands an id into the next hops a route
 * then has.  Messages are checked whole before anything changes; an
 * error says what was wrong and leaves the table as it was.
 */
#ifndef RTMD_FPM_NHG_H
#define RTMD_FPM_NHG_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most next hops of one route or group: FRR's --enable-multipath=256. */
#define FPM_NH_MAX 256

/* One next hop, before interface indexes are turned into names. */
struct fpm_nh {
	uint8_t family;         /* of gw: AF_INET or AF_INET6; 0: no gateway */
	uint8_t flags;          /* RTNH_F_ONLINK, ... as sent */
	uint16_t weight;        /* 1..256 */
	uint32_t ifindex;       /* 0: none */
	uint8_t gw[16];
};

struct fpm_nhg;

/* NULL on ENOMEM. */
struct fpm_nhg *fpm_nhg_new(void);
void fpm_nhg_free(struct fpm_nhg *t);
/* Forget every group (zebra replays them on every connect). */
void fpm_nhg_clear(struct fpm_nhg *t);
size_t fpm_nhg_count(const struct fpm_nhg *t);
bool fpm_nhg_has(const struct fpm_nhg *t, uint32_t id);

/* Check an RTM_NEWNEXTHOP or RTM_DELNEXTHOP without applying it: 0, or -1
 * with the reason in why.  *id receives its NHA_ID. */
int fpm_nhg_check(const struct fpm_nhg *t, const struct nlmsghdr *h, uint32_t *id,
                  char *why, size_t whylen);
/* Apply a message fpm_nhg_check() accepted: 0, or -1 (ENOMEM). */
int fpm_nhg_apply(struct fpm_nhg *t, const struct nlmsghdr *h);

/* The next hops of group id: 1 with nh[0..*n-1] filled (*blackhole set
 * and *n 0 for a blackhole), 0 if no such id, -1 if a member is missing
 * (why says which). */
int fpm_nhg_resolve(const struct fpm_nhg *t, uint32_t id, struct fpm_nh *nh, uint16_t *n,
                    bool *blackhole, char *why, size_t whylen);
/* Whether group id is member, or holds member: the routes that use id
 * change when member does. */
bool fpm_nhg_uses(const struct fpm_nhg *t, uint32_t id, uint32_t member);

#endif
