/* rtmd_neigh_reader.c - librtmd's neighbour reader: the public face of
 * arp_reader.c, which does the seqlock reads, the validation, the 50 ms
 * patience and the following of a replaced file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arp_reader.h"
#include "defaults.h"
#include "rtmd_impl.h"

struct rtmd_neigh_reader {
	struct arp_reader *r;
};

/* The internal calls fill raw[]; entries are then copied to e[] with
 * their slot (the copy is cheap beside a look-up's cache misses). */
struct rtmd_neigh_vec {
	size_t cap;
	size_t used;                /* entries the last call filled */
	struct rt_neigh *raw;
	struct rtmd_neigh e[];
};

const char *rtmd_default_neigh_store(void)
{
	return RT_DEFAULT_STATE_DIR "/" RT_ARP_STORE_FILE;
}

int rtmd_neigh_reader_open(rtmd_neigh_reader **out, const char *path, unsigned flags)
{
	rtmd_neigh_reader *r;
	char err[512];

	*out = NULL;
	if (flags & ~RTMD_READER_VERIFY)
		return lib_fail(-EINVAL, "unknown reader flags 0x%x", flags);
	r = calloc(1, sizeof(*r));
	if (!r)
		return lib_fail(-ENOMEM, "out of memory for a reader");
	if (arp_reader_open(path ? path : rtmd_default_neigh_store(), &r->r, err, sizeof(err)) < 0) {
		int e = errno ? errno : EIO;

		free(r);
		return lib_fail(-e, "%s", err);
	}
	arp_reader_set_verify(r->r, flags & RTMD_READER_VERIFY);
	*out = r;
	return 0;
}

void rtmd_neigh_reader_close(rtmd_neigh_reader *r)
{
	if (!r)
		return;
	arp_reader_close(r->r);
	free(r);
}

rtmd_neigh_vec *rtmd_neigh_vec_new(size_t cap)
{
	rtmd_neigh_vec *v;

	if (cap == 0 || cap > (SIZE_MAX - sizeof(*v)) / (sizeof(v->e[0]) + sizeof(*v->raw))) {
		lib_fail(-EINVAL, "vector of %zu entries", cap);
		return NULL;
	}
	v = calloc(1, sizeof(*v) + cap * sizeof(v->e[0]));
	if (v)
		v->raw = calloc(cap, sizeof(*v->raw));
	if (!v || !v->raw) {
		free(v);
		lib_fail(-ENOMEM, "out of memory for %zu entries", cap);
		return NULL;
	}
	v->cap = cap;
	return v;
}

void rtmd_neigh_vec_free(rtmd_neigh_vec *v)
{
	if (!v)
		return;
	free(v->raw);
	free(v);
}

size_t rtmd_neigh_vec_cap(const rtmd_neigh_vec *v)
{
	return v->cap;
}

const rtmd_neigh *rtmd_neigh_vec_at(const rtmd_neigh_vec *v, size_t i)
{
	return i < v->used && v->e[i].n.ip.family ? &v->e[i] : NULL;
}

/* raw[0..n) to e[0..n): what the last call found (family 0: nothing). */
static void publish(rtmd_neigh_vec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v->e[i].n = v->raw[i];
		v->e[i].slot = RTMD_SLOT_NONE;
	}
	v->used = n;
}

static int reader_err(const rtmd_neigh_reader *r)
{
	int e = errno ? errno : EIO;

	return lib_fail(-e, "neighbour store %s: %s%s", arp_reader_path(r->r), strerror(e),
	                e == ENOENT ? " (the file is gone: is rtmd's state directory still there?)" :
	                e == EIO ? " (corrupt: rtmd repairs it at its next start)" : "");
}

int rtmd_neigh_reader_by_ip(rtmd_neigh_reader *r, const struct rtmd_addr *ip, const char *dev,
                            rtmd_neigh_vec *out)
{
	int n = arp_reader_get_ip(r->r, lib_addr(ip), dev, out->raw, out->cap);

	if (n < 0)
		return reader_err(r);
	publish(out, (size_t)n < out->cap ? (size_t)n : out->cap);
	return n;
}

int rtmd_neigh_reader_by_lladdr(rtmd_neigh_reader *r, const uint8_t lladdr[6], rtmd_neigh_vec *out)
{
	int n = arp_reader_get_mac(r->r, lladdr, out->raw, out->cap);

	if (n < 0)
		return reader_err(r);
	publish(out, (size_t)n < out->cap ? (size_t)n : out->cap);
	return n;
}

ssize_t rtmd_neigh_reader_by_ip_many(rtmd_neigh_reader *r, const struct rtmd_addr *ips, size_t n,
                                     const char *dev, rtmd_neigh_vec *out, int *found)
{
	ssize_t hits;

	if (n > out->cap)
		return lib_fail(-EINVAL, "%zu keys for a vector of %zu entries", n, out->cap);
	hits = arp_reader_get_ip_many(r->r, lib_addr(ips), n, dev, out->raw, found);
	if (hits < 0)
		return reader_err(r);
	/* Keys without a match already have family 0. */
	publish(out, n);
	return hits;
}

ssize_t rtmd_neigh_reader_by_lladdr_many(rtmd_neigh_reader *r, const uint8_t (*lladdrs)[6],
                                         size_t n, rtmd_neigh_vec *out, int *found)
{
	ssize_t hits;

	if (n > out->cap)
		return lib_fail(-EINVAL, "%zu keys for a vector of %zu entries", n, out->cap);
	hits = arp_reader_get_mac_many(r->r, lladdrs, n, out->raw, found);
	if (hits < 0)
		return reader_err(r);
	publish(out, n);
	return hits;
}

int rtmd_neigh_reader_slot(rtmd_neigh_reader *r, uint32_t slot, rtmd_neigh_vec *out)
{
	int rc = arp_reader_slot(r->r, slot, &out->raw[0], NULL);

	if (rc < 0) {
		int e = errno;

		if (e == ERANGE)
			return lib_fail(-ERANGE, "slot %u is past the end of %s", slot,
			                arp_reader_path(r->r));
		if (e == EAGAIN)
			return lib_fail(-EAGAIN, "slot %u of %s is half-written (its writer died; rtmd "
			                "repairs it at its next start)", slot, arp_reader_path(r->r));
		return reader_err(r);
	}
	publish(out, (size_t)rc);
	if (rc)
		out->e[0].slot = slot;
	return rc;
}

const char *rtmd_neigh_reader_path(const rtmd_neigh_reader *r)
{
	return arp_reader_path(r->r);
}

uint64_t rtmd_neigh_reader_retries(const rtmd_neigh_reader *r)
{
	return arp_reader_retries(r->r);
}

uint64_t rtmd_neigh_reader_stuck(const rtmd_neigh_reader *r)
{
	return arp_reader_stuck(r->r);
}
