/* route_table.h - the in-memory routing table with longest-prefix match.
 *
 * Routes are identified by (dst prefix, metric, disc) (doc/DESIGN.md, "Keys
 * and owners"); the routes of a prefix are ordered by (metric, disc).  The
 * table answers exact look-ups, longest-prefix-match look-ups (ties on
 * prefix length go to the lowest key; pending routes never match) and
 * ordered walks, for IPv4 and IPv6, with no fixed capacity.  Each route
 * carries an opaque 32-bit tag that the owner uses to tie it to persistent
 * storage (rtmd stores its slot there).  A change either happens whole or,
 * for want of memory, not at all.  Not thread-safe; one writer, and readers
 * only between writes.
 */
#ifndef RTMD_ROUTE_TABLE_H
#define RTMD_ROUTE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct route_table;

struct route_table *route_table_new(void);
void route_table_free(struct route_table *t);

/* All return 0 or an enum rt_err value (RT_E_EXISTS, RT_E_NOTFOUND,
 * RT_E_FULL on allocation failure, RT_E_INVALID for a bad route).  The
 * table checks only what it needs (a valid prefix, at most RT_NH_MAX next
 * hops): rt_route_check() is the caller's. */
int route_table_add(struct route_table *t, const struct rt_route *r, uint32_t tag);
/* Insert or overwrite.  If an entry with the same key existed, *existed is
 * set, its previous value copied to *old and its tag to *old_tag (either
 * may be NULL). */
int route_table_replace(struct route_table *t, const struct rt_route *r, uint32_t tag,
                        bool *existed, struct rt_route *old, uint32_t *old_tag);
int route_table_delete(struct route_table *t, const struct rt_prefix *dst, uint32_t metric,
                       uint32_t disc, struct rt_route *old, uint32_t *old_tag);
/* Make the next add or replace of r (the same attributes) unable to fail
 * for want of memory, so that a caller can change the table after its
 * store without a way back: 0 or RT_E_FULL.  Held until the next add,
 * replace or route_table_unreserve(). */
int route_table_reserve(struct route_table *t, const struct rt_route *r);
void route_table_unreserve(struct route_table *t);
/* Bulk load, for rebuilding the table at start-up: stage every route, then
 * build once.  route_table_stage() checks and queues a route (0,
 * RT_E_INVALID or RT_E_FULL); staged routes are not visible until
 * route_table_build(), which sorts them and builds the table in one pass
 * when their family is empty (else adds them one by one).  Each staged
 * route the build does not keep is passed to reject with why: RT_E_EXISTS
 * (same key as one staged earlier or already in the table; the earliest
 * staged is kept) or RT_E_FULL.  Returns 0. */
typedef void (*route_reject_fn)(const struct rt_route *r, uint32_t tag, int err, void *ctx);
int route_table_stage(struct route_table *t, const struct rt_route *r, uint32_t tag);
int route_table_build(struct route_table *t, route_reject_fn reject, void *ctx);
/* Exact look-up by key. */
int route_table_find(const struct route_table *t, const struct rt_prefix *dst, uint32_t metric,
                     uint32_t disc, struct rt_route *out, uint32_t *tag);
/* Longest-prefix match for a host address: the longest prefix with a route
 * that is not pending, and of its routes the first such in key order. */
int route_table_lookup(const struct route_table *t, const struct rt_addr *a,
                       struct rt_route *out);

/* A hint, for a caller about to change or find many routes: start the
 * cache misses of dst's walk now.  depth 0 asks for the first level; depth
 * d walks the d - 1 levels that earlier hints brought in and asks for the
 * next, so a caller hints each key a few times, at decreasing distance
 * ahead of its change.  Never changes the table or fails. */
void route_table_prefetch(const struct route_table *t, const struct rt_prefix *dst, unsigned depth);

size_t route_table_count(const struct route_table *t, uint8_t family /* 0: all */);
/* Approximate heap bytes used by the table (for status and benchmarks). */
size_t route_table_memory(const struct route_table *t);

enum route_filter { RT_FILTER_ALL, RT_FILTER_EXACT, RT_FILTER_ROOT, RT_FILTER_MATCH };
/* Visit routes in a stable order: IPv4 before IPv6, then by prefix address,
 * then prefix length, then metric and disc.  EXACT: dst == prefix; ROOT: dst inside
 * prefix (not shorter); MATCH: dst contains prefix (not longer).  A visitor
 * returning non-zero stops the walk and that value is returned.  The table
 * must not be modified during a walk. */
typedef int (*route_visit_fn)(const struct rt_route *r, uint32_t tag, void *ctx);
int route_table_walk(const struct route_table *t, enum route_filter mode,
                     const struct rt_prefix *prefix, route_visit_fn fn, void *ctx);

#endif
