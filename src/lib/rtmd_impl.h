/* rtmd_impl.h - what the files of librtmd's public API share (internal).
 *
 * The public types are the internal ones behind an opaque name: an
 * rtmd_route is a struct rt_route, so that routes pass between the tables
 * and the caller without a copy; an rtmd_neigh is a struct rt_neigh with
 * the slot it came with.  The public address types have the internal
 * layout (checked in rtmd_base.c), so arrays of them pass as they are.
 */
#ifndef RTMD_IMPL_H
#define RTMD_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmd/rtmd.h"

#include "addr.h"
#include "proto.h"

struct rtmd_neigh {
	struct rt_neigh n;
	uint32_t slot;
};

/* List selectors: the prefix goes to rtmd, the rest is applied here. */
struct rtmd_filter {
	bool has_prefix;
	struct rt_prefix prefix;
	enum rtmd_match how;
	unsigned family;
	char dev[RT_IFNAMSIZ];      /* "": any */
	struct rt_addr gw;          /* family 0: any */
	int origin;                 /* -1: any */
	unsigned type;              /* 0: any */
	bool has_lladdr;
	uint8_t lladdr[6];
	unsigned state;             /* 0: any */
};

static inline const struct rt_route *lib_route(const rtmd_route *r)
{
	return (const struct rt_route *)(const void *)r;
}

static inline struct rt_route *lib_route_w(rtmd_route *r)
{
	return (struct rt_route *)(void *)r;
}

static inline const rtmd_route *lib_pub_route(const struct rt_route *r)
{
	return (const rtmd_route *)(const void *)r;
}

static inline const struct rt_addr *lib_addr(const struct rtmd_addr *a)
{
	return (const struct rt_addr *)(const void *)a;
}

static inline const struct rt_prefix *lib_prefix(const struct rtmd_prefix *p)
{
	return (const struct rt_prefix *)(const void *)p;
}

/* Record a failure's detail for rtmd_errmsg() and return err. */
int lib_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The code of an rtmd refusal (enum rt_err) as librtmd returns it. */
static inline int lib_rt_err(uint32_t code)
{
	return code ? -(RTMD_E_BASE + (int)code) : 0;
}

/* The socket named, $RTMD_SOCKET, or the default, into buf (108 bytes):
 * 0, or -ENAMETOOLONG. */
int lib_socket_path(const char *name, char *buf, size_t cap);

/* The subscription's copy of the route table, for the replica. */
struct route_table;
const struct route_table *lib_sub_routes(const rtmd_sub *s);

/* r as it goes to rtmd: a copy into dst (full size) with ip(8)'s defaults
 * applied, as rtctl applies them. */
void lib_route_prepare(struct rt_route *dst, const rtmd_route *r);
/* Two routes or neighbours with the same key and contents (a route's
 * pending state included). */
int lib_route_same(const struct rt_route *a, const struct rt_route *b);
int lib_neigh_same(const struct rt_neigh *a, const struct rt_neigh *b);

#endif
