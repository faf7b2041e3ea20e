/* arp_store.c - the ARP table writer: neighbour entries in the slot file of
 * store.c, with the in-file IP and MAC indexes kept up to date for lock-free
 * readers.  Key: (IP, dev). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arp_store.h"
#include "errors.h"
#include "fault.h"
#include "store_writer.h"

struct arp_store {
	struct store st;
};

enum { IDX_IP = 0, IDX_MAC = 1 };

/* The stored key bytes of (ip, dev): the payload prefix. */
static void key_of(const struct rt_addr *ip, const char *dev, uint8_t key[STORE_ARP_PAYLOAD])
{
	struct rt_neigh n;

	memset(&n, 0, sizeof(n));
	n.ip = *ip;
	strncpy(n.dev, dev ? dev : "", RT_IFNAMSIZ - 1);
	store_neigh_encode(&n, key);
}

static uint32_t find_slot(const struct arp_store *s, const struct rt_addr *ip, const char *dev)
{
	uint8_t key[STORE_ARP_PAYLOAD];
	struct store_probe p;
	uint32_t slot;

	if (!rt_addr_bytes(ip->family) || !dev || strnlen(dev, RT_IFNAMSIZ) >= RT_IFNAMSIZ)
		return UINT32_MAX;
	key_of(ip, dev, key);
	store_probe_start(&s->st.m, IDX_IP, store_hash_ip(ip), &p);
	while ((slot = store_probe_next(&p)) != UINT32_MAX)
		if (memcmp(store_payload(&s->st, slot), key, STORE_ARP_KEYLEN) == 0)
			return slot;
	return UINT32_MAX;
}

static void get(const struct arp_store *s, uint32_t slot, struct rt_neigh *out)
{
	if (out && store_neigh_decode(store_payload(&s->st, slot), out) < 0)
		memset(out, 0, sizeof(*out));   /* unreachable: validated at open/write */
}

int arp_store_open(const char *path, uint32_t initial_capacity, struct arp_store **out,
                   uint32_t *dropped, char *err, size_t errlen)
{
	struct arp_store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "arp store %s: out of memory", path);
		return -1;
	}
	if (store_open(&s->st, &store_arp_ops, path, initial_capacity, dropped, err, errlen) < 0) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void arp_store_close(struct arp_store *s)
{
	if (!s)
		return;
	store_close(&s->st);
	free(s);
}

static void insert(struct arp_store *s, const struct rt_neigh *n, uint32_t slot, bool nosync)
{
	uint8_t payload[STORE_ARP_PAYLOAD];

	store_neigh_encode(n, payload);
	if (nosync)
		store_write_nosync(&s->st, slot, payload);
	else
		store_write(&s->st, slot, payload);
	/* Published only now that the slot is complete. */
	store_idx_insert(&s->st, IDX_IP, store_hash_ip(&n->ip), slot);
	store_idx_insert(&s->st, IDX_MAC, store_hash_mac(n->lladdr), slot);
	s->st.count++;
}

int arp_store_add(struct arp_store *s, const struct rt_neigh *n, uint32_t *slot)
{
	char err[RT_ERRLEN];
	uint32_t at;
	int rc;

	if (rt_neigh_check(n, err) < 0)
		return RT_E_INVALID;
	if ((at = find_slot(s, &n->ip, n->dev)) != UINT32_MAX) {
		if (slot)
			*slot = at;
		return RT_E_EXISTS;
	}
	if (rt_fault("arp store"))
		return RT_E_FULL;
	if ((rc = store_reserve(&s->st, 1)) != 0)
		return rc;
	at = store_alloc(&s->st);
	insert(s, n, at, false);
	if (slot)
		*slot = at;
	return 0;
}

static int replace(struct arp_store *s, const struct rt_neigh *n, uint32_t *slot, bool *existed,
                   bool *changed, struct rt_neigh *old, bool nosync)
{
	uint8_t payload[STORE_ARP_PAYLOAD];
	char err[RT_ERRLEN];
	struct rt_neigh prev;
	int rc;

	if (rt_neigh_check(n, err) < 0)
		return RT_E_INVALID;
	uint32_t at = find_slot(s, &n->ip, n->dev);
	if (existed)
		*existed = at != UINT32_MAX;
	if (at == UINT32_MAX) {
		if (rt_fault("arp store"))
			return RT_E_FULL;
		if ((rc = store_reserve(&s->st, 1)) != 0)
			return rc;
		at = store_alloc(&s->st);
		insert(s, n, at, nosync);
		if (changed)
			*changed = true;
		if (slot)
			*slot = at;
		return 0;
	}
	get(s, at, &prev);
	if (old)
		*old = prev;
	store_neigh_encode(n, payload);
	if (memcmp(payload, store_payload(&s->st, at), STORE_ARP_PAYLOAD) == 0) {
		if (changed)
			*changed = false;
		if (slot)
			*slot = at;
		return 0;
	}
	/* Never overwrite the only copy: the new value goes to a free slot,
	 * the indexes switch to it, and the old slot is freed once the new one
	 * is durable.  (Growing keeps slot numbers, so `at` stays valid.) */
	if (rt_fault("arp store"))
		return RT_E_FULL;
	if ((rc = store_reserve(&s->st, 1)) != 0)
		return rc;
	uint32_t nslot = store_alloc(&s->st);
	if (nosync)
		store_write_nosync(&s->st, nslot, payload);
	else
		store_write(&s->st, nslot, payload);
	store_idx_swap(&s->st, IDX_IP, store_hash_ip(&n->ip), at, nslot);
	if (memcmp(prev.lladdr, n->lladdr, 6) == 0) {
		store_idx_swap(&s->st, IDX_MAC, store_hash_mac(n->lladdr), at, nslot);
	} else {
		store_idx_insert(&s->st, IDX_MAC, store_hash_mac(n->lladdr), nslot);
		store_idx_remove(&s->st, IDX_MAC, store_hash_mac(prev.lladdr), at);
	}
	/* An imported entry's old value need not survive: the kernel has the
	 * new one (and an owned entry is never replaced by an import). */
	if (nosync && !rt_origin_owned(prev.origin))
		store_free_nosync(&s->st, at);
	else
		store_free_later(&s->st, at);
	if (changed)
		*changed = true;
	if (slot)
		*slot = nslot;
	return 0;
}

int arp_store_replace(struct arp_store *s, const struct rt_neigh *n, uint32_t *slot,
                      bool *existed, bool *changed, struct rt_neigh *old)
{
	return replace(s, n, slot, existed, changed, old, false);
}

int arp_store_import(struct arp_store *s, const struct rt_neigh *n, uint32_t *slot,
                     bool *existed, bool *changed, struct rt_neigh *old)
{
	if (rt_origin_owned(n->origin))
		return RT_E_INVALID;
	return replace(s, n, slot, existed, changed, old, true);
}

int arp_store_delete(struct arp_store *s, const struct rt_addr *ip, const char *dev,
                     struct rt_neigh *old, uint32_t *slot)
{
	struct rt_neigh prev;
	uint32_t at = find_slot(s, ip, dev);

	if (at == UINT32_MAX)
		return RT_E_NOTFOUND;
	get(s, at, &prev);
	store_idx_remove(&s->st, IDX_IP, store_hash_ip(&prev.ip), at);
	store_idx_remove(&s->st, IDX_MAC, store_hash_mac(prev.lladdr), at);
	/* An imported entry's removal need not survive a crash (the kernel is
	 * its source): no msync for it.  (No older copy of its key waits for a
	 * sync: an import replaces only imports, and frees them at once.) */
	if (!rt_origin_owned(prev.origin))
		store_free_nosync(&s->st, at);
	else
		store_release(&s->st, at);
	s->st.count--;
	if (old)
		*old = prev;
	if (slot)
		*slot = at;
	return 0;
}

int arp_store_find(const struct arp_store *s, const struct rt_addr *ip, const char *dev,
                   struct rt_neigh *out, uint32_t *slot)
{
	uint32_t at = find_slot(s, ip, dev);

	if (at == UINT32_MAX)
		return RT_E_NOTFOUND;
	get(s, at, out);
	if (slot)
		*slot = at;
	return 0;
}

struct found {
	struct rt_neigh n;
	uint32_t slot;
};

static int cmp_found(const void *a, const void *b)
{
	const struct rt_neigh *x = &((const struct found *)a)->n, *y = &((const struct found *)b)->n;

	if (x->ip.family != y->ip.family)
		return x->ip.family < y->ip.family ? -1 : 1;   /* AF_INET < AF_INET6 */
	int c = memcmp(x->ip.bytes, y->ip.bytes, sizeof(x->ip.bytes));
	return c ? c : strcmp(x->dev, y->dev);
}

/* Visit a snapshot, so that fn may change the store. */
static int visit(struct found *v, size_t n, arp_visit_fn fn, void *ctx)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = fn(&v[i].n, v[i].slot, ctx);
	free(v);
	return rc;
}

int arp_store_walk(const struct arp_store *s, arp_visit_fn fn, void *ctx)
{
	struct found *v = malloc(((size_t)s->st.count + 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return RT_E_INTERNAL;
	/* The IP index holds exactly the live entries (not the replaced slots
	 * still waiting for a sync). */
	const uint64_t *b = store_buckets(&s->st.m, IDX_IP);
	for (uint32_t k = 0; k < s->st.m.nbuckets && n < s->st.count; k++) {
		if (b[k] == STORE_IDX_EMPTY || store_bucket_tomb(b[k]))
			continue;
		v[n].slot = (uint32_t)b[k] - 1;
		get(s, v[n].slot, &v[n].n);
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_found);
	return visit(v, n, fn, ctx);
}

int arp_store_walk_unordered(const struct arp_store *s, arp_visit_fn fn, void *ctx)
{
	const uint64_t *b = store_buckets(&s->st.m, IDX_IP);
	size_t seen = 0;
	int rc = 0;

	for (uint32_t k = 0; k < s->st.m.nbuckets && seen < s->st.count && !rc; k++) {
		struct rt_neigh n;

		if (b[k] == STORE_IDX_EMPTY || store_bucket_tomb(b[k]))
			continue;
		get(s, (uint32_t)b[k] - 1, &n);
		rc = fn(&n, (uint32_t)b[k] - 1, ctx);
		seen++;
	}
	return rc;
}

static int walk_index(const struct arp_store *s, unsigned index, uint64_t hash,
                      const struct rt_addr *ip, const uint8_t *mac, arp_visit_fn fn, void *ctx)
{
	struct found *v = NULL;
	size_t n = 0, cap = 0;
	struct store_probe p;
	uint32_t slot;

	store_probe_start(&s->st.m, index, hash, &p);
	while ((slot = store_probe_next(&p)) != UINT32_MAX) {
		struct rt_neigh e;
		get(s, slot, &e);
		if (ip ? !rt_addr_equal(&e.ip, ip) : memcmp(e.lladdr, mac, 6) != 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct found *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				free(v);
				return RT_E_INTERNAL;
			}
			v = nv;
			cap = ncap;
		}
		v[n].n = e;
		v[n].slot = slot;
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_found);
	return visit(v, n, fn, ctx);
}

int arp_store_walk_ip(const struct arp_store *s, const struct rt_addr *ip, arp_visit_fn fn,
                      void *ctx)
{
	if (!rt_addr_bytes(ip->family))
		return 0;
	return walk_index(s, IDX_IP, store_hash_ip(ip), ip, NULL, fn, ctx);
}

int arp_store_walk_mac(const struct arp_store *s, const uint8_t mac[6], arp_visit_fn fn,
                       void *ctx)
{
	return walk_index(s, IDX_MAC, store_hash_mac(mac), NULL, mac, fn, ctx);
}

size_t arp_store_count(const struct arp_store *s)
{
	return s->st.count;
}

size_t arp_store_capacity(const struct arp_store *s)
{
	return s->st.m.capacity;
}

const char *arp_store_path(const struct arp_store *s)
{
	return s->st.path;
}

size_t arp_store_memory(const struct arp_store *s)
{
	return sizeof(*s) - sizeof(s->st) + store_memory(&s->st);
}

bool arp_store_dirty(const struct arp_store *s)
{
	return store_dirty(&s->st);
}

int arp_store_sync(struct arp_store *s, uint64_t *usec, char *err, size_t errlen)
{
	return store_sync(&s->st, usec, err, errlen);
}
