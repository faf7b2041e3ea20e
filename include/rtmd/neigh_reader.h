/* rtmd/neigh_reader.h - neighbour look-ups straight from rtmd's shared
 * mapping, without a system call or a message to rtmd.
 *
 * rtmd keeps its neighbour table in a file that readers map read-only.
 * The reader never returns a half-written entry (each slot is a seqlock;
 * an entry's fields are validated; rtmd_neigh_reader_slot() and, with
 * RTMD_READER_VERIFY, every look-up also verify the entry's checksum),
 * gives up on a slot that a writer left half-written after 50 ms instead
 * of waiting for ever, and follows the file when rtmd replaces it (it does
 * when the table grows): a long-running reader never reads a dead file.
 * A reader is used by one thread at a time.  See rtmd_neigh_reader(3).
 */
#ifndef LIBRTMD_NEIGH_READER_H
#define LIBRTMD_NEIGH_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rtmd/base.h>
#include <rtmd/entry.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtmd_neigh_reader rtmd_neigh_reader;
/* Entries found, allocated by the library (their size may grow). */
typedef struct rtmd_neigh_vec rtmd_neigh_vec;

/* Flags of rtmd_neigh_reader_open(). */
#define RTMD_READER_VERIFY 0x1u   /* look-ups verify each entry's checksum too */

/* Map rtmd's neighbour file at path; NULL: rtmd_default_neigh_store().
 * 0, or -ENOENT (no such file: rtmd has not run with that state
 * directory), -EACCES, -EIO (not a valid store: rtmd_errmsg() says what)
 * or -ENOMEM. */
int rtmd_neigh_reader_open(rtmd_neigh_reader **out, const char *path, unsigned flags);
void rtmd_neigh_reader_close(rtmd_neigh_reader *r);
/* The file rtmd keeps its neighbours in when nobody names another
 * ("/var/lib/rtmd/arp.store" for the packages).  rtmd_status_text(st,
 * "arp_store") and rtmd_sub_neigh_store() tell the one a running rtmd uses. */
const char *rtmd_default_neigh_store(void);

/* A vector of cap entries (cap >= 1); NULL: no memory. */
rtmd_neigh_vec *rtmd_neigh_vec_new(size_t cap);
void rtmd_neigh_vec_free(rtmd_neigh_vec *v);
size_t rtmd_neigh_vec_cap(const rtmd_neigh_vec *v);
/* Entry i, or NULL if i >= cap or the look-up left it empty. */
const rtmd_neigh *rtmd_neigh_vec_at(const rtmd_neigh_vec *v, size_t i);

/* Look-ups return the number of entries found (0: none), up to the cap of
 * out copied to it, or a negative code: -ENOENT (the file is gone), -EIO
 * (it is corrupt).  By IP on one device (dev) or any (dev NULL); by
 * link-layer address (one MAC may answer for several IPs). */
int rtmd_neigh_reader_by_ip(rtmd_neigh_reader *r, const struct rtmd_addr *ip, const char *dev,
                            rtmd_neigh_vec *out);
int rtmd_neigh_reader_by_lladdr(rtmd_neigh_reader *r, const uint8_t lladdr[6],
                                rtmd_neigh_vec *out);
/* Many keys at once: the same answers as n single look-ups, 2-3 times
 * faster on a large table (the memory reads of consecutive keys overlap).
 * Entry i of out (cap >= n) is one match of key i, or empty; found[i]
 * (found may be NULL) is how many key i has.  Returns the number of keys
 * with a match, or a negative code (out then holds some first keys). */
ssize_t rtmd_neigh_reader_by_ip_many(rtmd_neigh_reader *r, const struct rtmd_addr *ips, size_t n,
                                     const char *dev, rtmd_neigh_vec *out, int *found);
ssize_t rtmd_neigh_reader_by_lladdr_many(rtmd_neigh_reader *r, const uint8_t (*lladdrs)[6],
                                         size_t n, rtmd_neigh_vec *out, int *found);
/* The entry in one slot (a neighbour event's rtmd_neigh_slot()), checksum
 * verified: 1 and entry 0 of out, 0 if the slot is free, or a negative
 * code: -ERANGE (no such slot), -EAGAIN (a writer left it half-written),
 * -EIO (damaged), -ENOENT. */
int rtmd_neigh_reader_slot(rtmd_neigh_reader *r, uint32_t slot, rtmd_neigh_vec *out);

/* The file this reader maps now (it follows rtmd's replacements). */
const char *rtmd_neigh_reader_path(const rtmd_neigh_reader *r);
/* Reads that had to wait for a write in progress, and slots given up on
 * (half-written for 50 ms), since the reader was opened. */
uint64_t rtmd_neigh_reader_retries(const rtmd_neigh_reader *r);
uint64_t rtmd_neigh_reader_stuck(const rtmd_neigh_reader *r);

#ifdef __cplusplus
}
#endif

#endif
