/* tables.h - the daemon's two tables and every change made to them.
 *
 * Each change goes to the store first (so a failure leaves the table as it
 * was), then to the in-memory index, then out as one event to the listener
 * (subscribers).  Durability is separate: tables_sync() makes everything
 * changed so far durable with one msync per store.
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

/* Open (or create) STATE_DIR/routes.store and STATE_DIR/arp.store and load
 * the routes.  0, or -1 with a message naming the file in err. */
int tables_open(struct tables **out, const char *state_dir, uint32_t route_capacity,
                uint32_t arp_capacity, char *err, size_t errlen);
void tables_close(struct tables *t);
void tables_set_listener(struct tables *t, tables_event_fn fn, void *ctx);

/* Changes: 0 or an enum rt_err.  *changed (may be NULL) tells whether the
 * table changed (a replace with an identical value does not). */
int tables_route_add(struct tables *t, const struct rt_route *r, bool replace, bool *changed);
int tables_route_del(struct tables *t, const struct rt_prefix *dst, uint32_t metric);
int tables_arp_add(struct tables *t, const struct rt_neigh *n, bool replace, bool *changed);
int tables_arp_del(struct tables *t, const struct rt_addr *ip, const char *dev);
/* Remove every entry of the tables named by RT_F_TABLE_* bits. */
int tables_flush(struct tables *t, uint32_t table_flags, size_t *removed);

/* Make the config's static entries the table's config-origin entries:
 * add missing ones, change differing ones, remove config entries no longer
 * listed; entries added with rtctl are never touched.  Per-entry failures
 * are logged and counted in *failed. */
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
