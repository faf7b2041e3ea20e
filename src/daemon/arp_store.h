/* arp_store.h - the ARP table, kept in a file-backed MAP_SHARED mapping.
 *
 * rtmd is the only writer.  Entries live in fixed-size slots guarded by a
 * per-slot sequence counter (odd while written) and a checksum; look-up
 * indexes by IP and by MAC live in the same file so that read-only mappers
 * (arp_reader.h) can search without locks or system calls.  Changes are made
 * durable by arp_store_sync(), which msyncs only what changed since the last
 * call.  doc/STORE.md describes the file format.
 */
#ifndef RTMD_ARP_STORE_H
#define RTMD_ARP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct arp_store;

/* Opens or creates PATH (mode 0644).  An existing file is validated (a bad
 * header is an error naming the file and the fix; it is never rewritten)
 * and recovered: torn or corrupt slots are dropped, counted in *dropped.
 * initial_capacity is used only when the file is created.
 * Returns 0, or -1 with a full message in err. */
int arp_store_open(const char *path, uint32_t initial_capacity, struct arp_store **out,
                   uint32_t *dropped, char *err, size_t errlen);
/* Syncs and unmaps. */
void arp_store_close(struct arp_store *s);

/* These return 0 or an enum rt_err (RT_E_EXISTS, RT_E_NOTFOUND, RT_E_FULL
 * when growing failed, RT_E_INTERNAL on I/O error).  *slot receives the slot
 * that now holds the entry (add/replace) or held it (delete). */
int arp_store_add(struct arp_store *s, const struct rt_neigh *n, uint32_t *slot);
/* *existed: an entry with this key was there; *changed: its value differed
 * (or it is new). */
int arp_store_replace(struct arp_store *s, const struct rt_neigh *n, uint32_t *slot,
                      bool *existed, bool *changed, struct rt_neigh *old);
/* Add or replace an imported entry (origin kernel or fpm; it never
 * replaces an owned one: the caller decides that) in the mapping without
 * making it dirty: imported entries cost no msync (the kernel is their
 * source and they are re-imported at start).  As arp_store_replace(). */
int arp_store_import(struct arp_store *s, const struct rt_neigh *n, uint32_t *slot,
                     bool *existed, bool *changed, struct rt_neigh *old);
/* Delete by key; an imported entry goes without an msync. */
int arp_store_delete(struct arp_store *s, const struct rt_addr *ip, const char *dev,
                     struct rt_neigh *old, uint32_t *slot);
int arp_store_find(const struct arp_store *s, const struct rt_addr *ip, const char *dev,
                   struct rt_neigh *out, uint32_t *slot);

/* Visit every entry (order: IPv4 before IPv6, by address, then dev), or all
 * entries with this IP (any dev) or with this MAC.  A non-zero return from
 * fn stops the walk and is returned. */
typedef int (*arp_visit_fn)(const struct rt_neigh *n, uint32_t slot, void *ctx);
int arp_store_walk(const struct arp_store *s, arp_visit_fn fn, void *ctx);
int arp_store_walk_ip(const struct arp_store *s, const struct rt_addr *ip, arp_visit_fn fn, void *ctx);
int arp_store_walk_mac(const struct arp_store *s, const uint8_t mac[6], arp_visit_fn fn, void *ctx);
/* Every entry in no particular order, without the sorted snapshot: for
 * internal passes over a large table.  fn must not change the store. */
int arp_store_walk_unordered(const struct arp_store *s, arp_visit_fn fn, void *ctx);

size_t arp_store_count(const struct arp_store *s);
size_t arp_store_capacity(const struct arp_store *s);
const char *arp_store_path(const struct arp_store *s);
/* Heap bytes used beside the mapping (benchmarks). */
size_t arp_store_memory(const struct arp_store *s);

/* True if changes were made since the last sync. */
bool arp_store_dirty(const struct arp_store *s);
/* msync what changed since the last call.  0, or -1 with a message in err.
 * *usec (may be NULL) receives the time spent in msync. */
int arp_store_sync(struct arp_store *s, uint64_t *usec, char *err, size_t errlen);

#endif
