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

int rtmd_replica_find(const rtmd_replica *rep, const struct rtmd_prefix *dst, uint32_t metric,
                      rtmd_route *out)
{
	if (route_table_find(lib_sub_routes(rep->sub), lib_prefix(dst), metric, lib_route_w(out),
	                     NULL) != RT_OK)
		return RTMD_E_NOTFOUND;
	return 0;
}

size_t rtmd_replica_count(const rtmd_replica *rep, unsigned family)
{
	return route_table_count(lib_sub_routes(rep->sub), (uint8_t)family);
}
