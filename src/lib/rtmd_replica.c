/* rtmd_replica.c - librtmd's route replica: a subscription to the route
 * table whose copy answers longest-prefix matches.  The copy is the same
 * route_table rtmd itself uses, so a look-up costs what rtmd's does
 * (tests/bench/bench_lpm measures both). */
#include <errno.h>
#include <stdlib.h>

#include "errors.h"
#include "route_table.h"
#include "rtmd_impl.h"

struct rtmd_replica {
	rtmd_sub *sub;
};

int rtmd_replica_new(rtmd_replica **out, const char *socket, unsigned flags)
{
	rtmd_replica *rep;
	int rc;

	*out = NULL;
	if (flags)
		return lib_fail(-EINVAL, "unknown replica flags 0x%x", flags);
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return lib_fail(-ENOMEM, "out of memory for a replica");
	rc = rtmd_sub_new(&rep->sub, socket, RTMD_SUB_ROUTES);
	if (rc < 0) {
		free(rep);
		return rc;
	}
	*out = rep;
	return 0;
}

void rtmd_replica_free(rtmd_replica *rep)
{
	if (!rep)
		return;
	rtmd_sub_free(rep->sub);
	free(rep);
}

rtmd_sub *rtmd_replica_sub(rtmd_replica *rep)
{
	return rep->sub;
}

int rtmd_replica_lookup(const rtmd_replica *rep, const struct rtmd_addr *addr, rtmd_route *out)
{
	/* No lib_fail() on a miss: a replica answers misses at full speed. */
	if (route_table_lookup(lib_sub_routes(rep->sub), lib_addr(addr), lib_route_w(out)) != RT_OK)
		return RTMD_E_NOTFOUND;
	return 0;
}

struct find {
	uint32_t metric;
	struct rt_route *out;
};

static int find_metric(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct find *f = ctx;

	(void)tag;
	if (r->metric != f->metric)
		return 0;
	rt_route_copy(f->out, r);
	return 1;
}

/* The routes of a prefix are in (metric, disc) order, so the first of this
 * metric is the owned one (disc 0) if there is one, else the first of the
 * imported routes the kernel keys further (tos, device). */
int rtmd_replica_find(const rtmd_replica *rep, const struct rtmd_prefix *dst, uint32_t metric,
                      rtmd_route *out)
{
	struct find f = { .metric = metric, .out = lib_route_w(out) };

	if (route_table_walk(lib_sub_routes(rep->sub), RT_FILTER_EXACT, lib_prefix(dst),
	                     find_metric, &f) != 1)
		return RTMD_E_NOTFOUND;
	return 0;
}

size_t rtmd_replica_count(const rtmd_replica *rep, unsigned family)
{
	return route_table_count(lib_sub_routes(rep->sub), (uint8_t)family);
}
