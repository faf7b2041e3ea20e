/* neigh_set.c - the in-memory neighbour set (neigh_set.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "neigh_set.h"

#define MIN_CAP 64

struct bucket {
	uint64_t hash;              /* 0: empty (real hashes are made odd) */
	struct neigh_entry e;
};

struct neigh_set {
	struct bucket *b;
	size_t cap;                 /* a power of two */
	size_t count;
};

/* The key bytes: the address (canonical: zero past its family) and the
 * NUL-padded name, so that byte equality is key equality. */
static uint64_t key_hash(const struct rt_neigh *n)
{
	uint8_t k[sizeof(n->ip) + RT_IFNAMSIZ];

	memcpy(k, &n->ip, sizeof(n->ip));
	memcpy(k + sizeof(n->ip), n->dev, RT_IFNAMSIZ);
	return XXH3_64bits(k, sizeof(k)) | 1;
}

static bool key_equal(const struct rt_neigh *a, const struct rt_neigh *b)
{
	return memcmp(&a->ip, &b->ip, sizeof(a->ip)) == 0 &&
	       memcmp(a->dev, b->dev, RT_IFNAMSIZ) == 0;
}

struct neigh_set *neigh_set_new(void)
{
	return calloc(1, sizeof(struct neigh_set));
}

void neigh_set_free(struct neigh_set *s)
{
	if (!s)
		return;
	free(s->b);
	free(s);
}

/* The bucket holding key, or the empty one where it would go. */
static size_t probe(const struct neigh_set *s, const struct rt_neigh *key, uint64_t h)
{
	size_t mask = s->cap - 1, i = h & mask;

	while (s->b[i].hash && !(s->b[i].hash == h && key_equal(&s->b[i].e.n, key)))
		i = (i + 1) & mask;
	return i;
}

static int grow(struct neigh_set *s)
{
	size_t cap = s->cap ? 2 * s->cap : MIN_CAP;
	struct bucket *old = s->b, *nb = calloc(cap, sizeof(*nb));
	size_t ocap = s->cap;

	if (!nb)
		return -1;
	s->b = nb;
	s->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].hash)
			s->b[probe(s, &old[i].e.n, old[i].hash)] = old[i];
	free(old);
	return 0;
}

int neigh_set_put(struct neigh_set *s, const struct neigh_entry *e, struct neigh_entry *old)
{
	uint64_t h = key_hash(&e->n);
	size_t i;

	if (s->cap) {
		i = probe(s, &e->n, h);
		if (s->b[i].hash) {
			if (old)
				*old = s->b[i].e;
			s->b[i].e = *e;
			return 1;
		}
	}
	if ((s->count + 1) * 4 > s->cap * 3 && grow(s) < 0)
		return -1;
	i = probe(s, &e->n, h);
	s->b[i].hash = h;
	s->b[i].e = *e;
	s->count++;
	return 0;
}

int neigh_set_del(struct neigh_set *s, const struct rt_neigh *key, struct neigh_entry *old)
{
	size_t mask = s->cap - 1, i, j;

	if (!s->cap)
		return 0;
	i = probe(s, key, key_hash(key));
	if (!s->b[i].hash)
		return 0;
	if (old)
		*old = s->b[i].e;
	/* Backward shift: move later entries of the run into the hole when
	 * their home bucket is not between the hole and them. */
	for (j = (i + 1) & mask; s->b[j].hash; j = (j + 1) & mask) {
		size_t home = s->b[j].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->b[i] = s->b[j];
			i = j;
		}
	}
	s->b[i].hash = 0;
	s->count--;
	return 1;
}

const struct neigh_entry *neigh_set_find(const struct neigh_set *s, const struct rt_neigh *key)
{
	size_t i;

	if (!s->cap)
		return NULL;
	i = probe(s, key, key_hash(key));
	return s->b[i].hash ? &s->b[i].e : NULL;
}

size_t neigh_set_count(const struct neigh_set *s)
{
	return s->count;
}

int neigh_set_walk(const struct neigh_set *s, int (*fn)(void *ctx, const struct neigh_entry *e),
                   void *ctx)
{
	for (size_t i = 0; i < s->cap; i++) {
		int rc;

		if (s->b[i].hash && (rc = fn(ctx, &s->b[i].e)))
			return rc;
	}
	return 0;
}
