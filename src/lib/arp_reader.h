/* arp_reader.h - read the ARP table straight from rtmd's shared mapping.
 *
 * For rtwatch and any program that wants neighbour look-ups without a system
 * call: the store file is mapped read-only; each slot read follows the
 * seqlock protocol (retry while the counter is odd or changed; slot reads
 * also verify the checksum, look-ups the fields), so a reader never returns
 * a half-written entry.  When rtmd grows the table it publishes a new file;
 * the reader notices through the old header and remaps on its next call.
 * A consumer with many keys at hand should use the batched calls
 * (arp_reader_get_*_many): same answers, 2-3 times the rate on a table
 * larger than the caches.  doc/STORE.md has the detail.
 */
#ifndef RTMD_ARP_READER_H
#define RTMD_ARP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

struct arp_reader;

/* 0, or -1 with a message in err. */
int arp_reader_open(const char *path, struct arp_reader **out, char *err, size_t errlen);
void arp_reader_close(struct arp_reader *r);

/* Look-ups: return the number of matches found (up to max copied to out),
 * or -1 with errno set (ENOENT: store gone, EIO: corrupt header). */
int arp_reader_get_ip(struct arp_reader *r, const struct rt_addr *ip, const char *dev /* NULL: any */,
                      struct rt_neigh *out, size_t max);
int arp_reader_get_mac(struct arp_reader *r, const uint8_t mac[6], struct rt_neigh *out, size_t max);
/* Batched look-ups, for throughput (a consumer resolving many keys): the
 * same answers as n single calls
 *     found[i] = arp_reader_get_ip(r, &ips[i], dev, &out[i], 1)
 *     found[i] = arp_reader_get_mac(r, macs[i], &out[i], 1)
 * with the same guarantees (never a torn or invalid entry, the file
 * followed across growth), 2-3 times faster on a large table: the
 * index buckets and slots of consecutive keys are fetched from memory
 * together instead of one after another.  For each key, out[i] is one
 * matching entry, with out[i].ip.family 0 (AF_UNSPEC) if there is none;
 * found[i] (found may be NULL) is the number of matching entries, as a
 * single call returns.  dev (NULL: any) applies to every key.  Returns the
 * number of keys with at least one match, or -1 with errno as above (out
 * and found then hold the answers of some first keys only). */
ssize_t arp_reader_get_ip_many(struct arp_reader *r, const struct rt_addr *ips, size_t n,
                               const char *dev, struct rt_neigh *out, int *found);
ssize_t arp_reader_get_mac_many(struct arp_reader *r, const uint8_t (*macs)[6], size_t n,
                                struct rt_neigh *out, int *found);
/* Read one slot: 1 and *out if it holds a valid entry, 0 if free, -1 with
 * errno on error.  *version (may be NULL) receives the slot's write version. */
int arp_reader_slot(struct arp_reader *r, uint32_t slot, struct rt_neigh *out, uint64_t *version);
/* Reads that had to retry because a write was in progress, and slots
 * given up on after the 50 ms patience (a writer that died in the middle
 * of a write), for diagnostics. */
uint64_t arp_reader_retries(const struct arp_reader *r);
uint64_t arp_reader_stuck(const struct arp_reader *r);
/* Look-ups verify the checksum of every match as well (off: the seqlock
 * and the field checks only; doc/STORE.md says why that is the default). */
void arp_reader_set_verify(struct arp_reader *r, bool on);
const char *arp_reader_path(const struct arp_reader *r);

#endif
