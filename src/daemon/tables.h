/* tables.h - the daemon's two tables and every change made to them.
 *
 * A change is all-or-nothing across the memory table, the store and the
 * events: everything that can fail (memory, the store's growth, a full
 * disk) is reserved or done before anything is committed, so a refused or
 * failed change leaves all three as they were, and a change that is made
 * goes out as exactly one event to the listener (subscribers).  Durability
 * is separate: tables_sync() makes everything changed so far durable with
 * one msync per store.
 *
 * Owners (doc/DESIGN.md, "Keys and owners"): entries of origin rtctl and
 * config are rtmd's and can be changed here; imported ones (kernel, FPM)
 * only through the import functions, which the kernel and FPM code call.
 */
#ifndef RTMD_TABLES_H
#define RTMD_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "arp_store.h"
#include "proto.h"
#include "route_table.h"

struct rtmd_config;
struct tables;

typedef void (*tables_event_fn)(void *ctx, const struct rt_event *ev);

/* Open (or create) the stores in STATE_DIR, converting an older format in
 * place first, and load the routes.  0, or -1 with a message naming the
 * file in err. */
int tables_open(struct tables **out, const char *state_dir, uint32_t route_capacity,
                uint32_t arp_capacity, char *err, size_t errlen);
void tables_close(struct tables *t);
void tables_set_listener(struct tables *t, tables_event_fn fn, void *ctx);

/* Kernel sync hears of every change of an owned entry once it is made and
 * its event is out: old NULL for a new entry, nw NULL for a removed one,
 * both for a change (old as it was, pending state included).  It may call
 * back into the tables (tables_route_set_pending). */
struct tables_kernel {
	void *ctx;
	void (*route)(void *ctx, const struct rt_route *old, const struct rt_route *nw);
	void (*neigh)(void *ctx, const struct rt_neigh *old, const struct rt_neigh *nw);
};
void tables_set_kernel(struct tables *t, const struct tables_kernel *k);

/* Flags of a change. */
#define TABLES_REPLACE     0x1u  /* an entry of this key may be replaced */
#define TABLES_TAKE_CONFIG 0x2u  /* config entries may be changed or removed (rtctl
                                    --force, a config reload); a replace by rtctl
                                    makes them rtctl entries */

/* What a change did, or why it was refused. */
struct tables_result {
	bool changed;               /* the table changed (a replace with the same value does not) */
	int notice;                 /* 0, or RT_NOTE_TAKEN_OVER with text */
	char text[RT_ERR_TEXT];     /* the notice's, or RT_E_OWNED's "owned by P" */
};

/* Changes of owned entries: 0 or an enum rt_err, res (may be NULL) says
 * more.  r's origin says who asks (RT_ORIGIN_RTCTL or RT_ORIGIN_CONFIG);
 * an entry of another owner is refused with RT_E_OWNED ("owned by kernel",
 * "owned by bgp", "owned by config; use --force"). */
int tables_route_add(struct tables *t, const struct rt_route *r, unsigned flags,
                     struct tables_result *res);
int tables_route_del(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                     unsigned flags, struct tables_result *res);
int tables_arp_add(struct tables *t, const struct rt_neigh *n, unsigned flags,
                   struct tables_result *res);
int tables_arp_del(struct tables *t, const struct rt_addr *ip, const char *dev, unsigned flags,
                   struct tables_result *res);
/* The index of the i-th of n sorted keys in the order the kernel's FIB
 * trie takes best: every 256th key, then the next... (a permutation of
 * 0..n-1).  It inserts keys in sorted order 1.45x and deletes them 3.7x
 * slower than in random order, and this order costs it 1.35x of random
 * (measured with tests/bench/nl_floor, 300 k routes), while rtmd's own
 * table keeps most of the sorted order's locality.  Many kernel changes
 * made from a walk go out in this order. */
size_t tables_spread(size_t i, size_t n);

/* Remove the rtctl entries (and with TABLES_TAKE_CONFIG the config ones) of
 * the tables named by RT_F_TABLE_* bits; imported entries stay. */
int tables_flush(struct tables *t, uint32_t table_flags, unsigned flags, size_t *removed);

/* Imports (kernel sync, FPM): add or replace an entry of origin kernel or
 * fpm at its key (a route's key has its disc), or remove one.  Imported
 * routes are not stored; imported neighbours are written to the shared
 * mapping without making it dirty (they cost no msync).  RT_E_OWNED if the
 * key is an owned neighbour's.  *changed (may be NULL) as above. */
int tables_route_import(struct tables *t, const struct rt_route *r, bool *changed);
int tables_route_unimport(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                          uint32_t disc);
/* FPM and kernel copies of one route (SPEC.md): an FPM route's disc is
 * its kernel copy's: rt_disc_make(RT_DISC_KERNEL, tos, 0), or for an IPv6
 * route of one next hop without a gateway, that device's ifindex in place
 * of 0.  FPM holds one route per (prefix, metric, tos): one of another
 * device there is replaced.  While FPM holds a route, the kernel's copies
 * at its (prefix, metric, tos) are kept out of sight (no events); when
 * FPM's goes (tables_route_unimport_fpm) the kernel's copy at its key is
 * what remains, as one change.  tables_route_unimport() removes the
 * kernel's copy only, shown or not. */
int tables_route_unimport_fpm(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                              uint8_t tos);
/* FPM's route at (dst, metric, tos), whatever its device: RT_OK with it in
 * out, or RT_E_NOTFOUND. */
int tables_route_find_fpm(const struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                          uint8_t tos, struct rt_route *out);
/* The kernel's copy at a key, shown or hidden: RT_OK with it in out, or
 * RT_E_NOTFOUND.  Kernel sync's view of what it imported. */
int tables_route_find_import(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                             uint32_t disc, struct rt_route *out);
/* Visit the hidden kernel copies (kernel sync's sweep); the table must
 * not change meanwhile. */
int tables_hidden_walk(const struct tables *t, route_visit_fn fn, void *ctx);
size_t tables_fpm_routes(const struct tables *t);
size_t tables_hidden_routes(const struct tables *t);
int tables_arp_import(struct tables *t, const struct rt_neigh *n, bool *changed);
int tables_arp_unimport(struct tables *t, const struct rt_addr *ip, const char *dev);
/* An owned route (key: dst, metric) is pending with this reason, or (reason
 * NULL) is not: in memory only, never stored; a change event if the state
 * or the reason changed. */
int tables_route_set_pending(struct tables *t, const struct rt_prefix *dst, uint32_t metric,
                             const char *reason);

/* Make the config's static entries the table's config-origin entries:
 * add missing ones, change differing ones, remove config entries no longer
 * listed; entries added with rtctl and imported ones are never touched.
 * Per-entry failures are logged and counted in *failed. */
void tables_apply_config(struct tables *t, const struct rtmd_config *c, size_t *added,
                         size_t *changed, size_t *removed, size_t *failed);

const struct route_table *tables_routes(const struct tables *t);
const struct arp_store *tables_arp(const struct tables *t);
const char *tables_route_store_path(const struct tables *t);
size_t tables_route_capacity(const struct tables *t);
uint64_t tables_event_seq(const struct tables *t);

bool tables_dirty(const struct tables *t);
/* 0, or -1 with the failing file and error in err.  *usec: time in msync. */
int tables_sync(struct tables *t, uint64_t *usec, char *err, size_t errlen);
/* Hand every change so far to the kernel (no msync): after this they
 * survive a kill -9 of rtmd.  Needed before an ack when sync is not
 * "always".  0, or -1 with the failing file and error in err. */
int tables_write_out(struct tables *t, char *err, size_t errlen);

#endif
