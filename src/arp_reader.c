/* arp_reader.c - lock-free, read-only access to rtmd's ARP store.
 *
 * Everything read from the file is distrusted: the layout is validated
 * once per mapping and copied, slot numbers from the indexes are bounds
 * checked, probes are bounded, and a slot counts only if its seqlock read
 * was stable and its checksum and fields are valid. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arp_reader.h"
#include "store.h"

/* How often (at most) a reader stats the path to notice a file replaced
 * by a writer that died before it could mark the old one retired. */
#define RECHECK_NS 1000000000LL

struct arp_reader {
	char *path;
	struct store_map m;
	uint64_t retries;
	long long next_check;   /* CLOCK_MONOTONIC_COARSE ns */
};

static long long now_ns(void)
{
	struct timespec ts;

	/* vDSO: no system call. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int map_path(const char *path, struct store_map *m, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "arp store %s: open: %s%s", path, strerror(e),
		         e == ENOENT ? " (is rtmd running with this state directory?)" : "");
		errno = e;
		return -1;
	}
	if (store_map_fd(fd, path, &store_arp_ops, false, m, err, errlen) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* The mapping keeps the file; no descriptor is held. */
	close(fd);
	m->fd = -1;
	return 0;
}

int arp_reader_open(const char *path, struct arp_reader **out, char *err, size_t errlen)
{
	struct arp_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(path))) {
		free(r);
		snprintf(err, errlen, "arp store %s: out of memory", path);
		errno = ENOMEM;
		return -1;
	}
	if (map_path(path, &r->m, err, errlen) < 0) {
		int e = errno;
		free(r->path);
		free(r);
		errno = e;
		return -1;
	}
	r->next_check = now_ns() + RECHECK_NS;
	*out = r;
	return 0;
}

void arp_reader_close(struct arp_reader *r)
{
	if (!r)
		return;
	store_map_release(&r->m);
	free(r->path);
	free(r);
}

/* Follow the writer to a new file: when the mapped one says it is retired,
 * or (rarely checked) when the path names another file. */
static int refresh(struct arp_reader *r)
{
	bool reopen = store_map_retired(&r->m);

	if (!reopen) {
		long long now = now_ns();
		if (now < r->next_check)
			return 0;
		r->next_check = now + RECHECK_NS;
		struct stat st;
		if (stat(r->path, &st) < 0)
			return -1;
		reopen = st.st_ino != r->m.ino || st.st_dev != r->m.dev;
	}
	if (!reopen)
		return 0;

	struct store_map nm;
	char err[512];
	if (map_path(r->path, &nm, err, sizeof(err)) < 0)
		return -1;      /* errno: ENOENT gone, EIO corrupt header */
	store_map_release(&r->m);
	r->m = nm;
	return 0;
}

/* Stable, checksummed, valid entry in slot whose payload starts with
 * key[0..keylen) (the cheap test first), or -1. */
static int read_entry(struct arp_reader *r, uint32_t slot, const uint8_t *key, size_t keyoff,
                      size_t keylen, struct rt_neigh *n)
{
	uint8_t payload[STORE_ARP_PAYLOAD];

	if (store_slot_read(&r->m, slot, payload, NULL, &store_arp_ops, &r->retries) !=
	    STORE_SLOT_USED || memcmp(payload + keyoff, key, keylen) != 0)
		return -1;
	return store_neigh_decode(payload, n);
}

/* A slot can show up twice in one probe if it was freed and reused for
 * the same key while we walked the chain. */
static bool seen(const struct rt_neigh *out, size_t n, const struct rt_neigh *e)
{
	for (size_t i = 0; i < n; i++)
		if (rt_addr_equal(&out[i].ip, &e->ip) && strcmp(out[i].dev, e->dev) == 0)
			return true;
	return false;
}

int arp_reader_get_ip(struct arp_reader *r, const struct rt_addr *ip, const char *dev,
                      struct rt_neigh *out, size_t max)
{
	struct store_probe p;
	uint32_t slot;
	size_t n = 0;

	if (refresh(r) < 0)
		return -1;
	if (!rt_addr_bytes(ip->family) || (dev && strnlen(dev, RT_IFNAMSIZ) >= RT_IFNAMSIZ))
		return 0;
	/* The key bytes of the payload: family and address, then the dev. */
	struct rt_neigh k = { .ip = *ip };
	uint8_t key[STORE_ARP_PAYLOAD];
	if (dev)
		strncpy(k.dev, dev, RT_IFNAMSIZ - 1);
	store_neigh_encode(&k, key);
	size_t keylen = dev ? STORE_ARP_KEYLEN : STORE_ARP_IPLEN;
	store_probe_start(&r->m, 0, store_hash_ip(ip), &p);
	while ((slot = store_probe_next(&p)) != UINT32_MAX && n < INT32_MAX) {
		struct rt_neigh e;
		if (read_entry(r, slot, key, 0, keylen, &e) < 0 || seen(out, n < max ? n : max, &e))
			continue;
		if (n < max)
			out[n] = e;
		n++;
	}
	return (int)n;
}

int arp_reader_get_mac(struct arp_reader *r, const uint8_t mac[6], struct rt_neigh *out,
                       size_t max)
{
	struct store_probe p;
	uint32_t slot;
	size_t n = 0;

	if (refresh(r) < 0)
		return -1;
	store_probe_start(&r->m, 1, store_hash_mac(mac), &p);
	while ((slot = store_probe_next(&p)) != UINT32_MAX && n < INT32_MAX) {
		struct rt_neigh e;
		if (read_entry(r, slot, mac, STORE_ARP_MAC_OFF, 6, &e) < 0 || seen(out, n < max ? n : max, &e))
			continue;
		if (n < max)
			out[n] = e;
		n++;
	}
	return (int)n;
}

int arp_reader_slot(struct arp_reader *r, uint32_t slot, struct rt_neigh *out, uint64_t *version)
{
	uint8_t payload[STORE_ARP_PAYLOAD];

	if (refresh(r) < 0)
		return -1;
	if (slot >= r->m.capacity) {
		errno = ERANGE;
		return -1;
	}
	switch (store_slot_read(&r->m, slot, payload, version, &store_arp_ops, &r->retries)) {
	case STORE_SLOT_FREE:
		return 0;
	case STORE_SLOT_USED:
		if (store_neigh_decode(payload, out) == 0)
			return 1;
		errno = EIO;
		return -1;
	case STORE_SLOT_TORN:
		errno = EAGAIN;         /* a write never finished (writer died) */
		return -1;
	default:
		errno = EIO;
		return -1;
	}
}

uint64_t arp_reader_retries(const struct arp_reader *r)
{
	return r->retries;
}
