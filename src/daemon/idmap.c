/* idmap.c - flat maps from 64-bit keys to records (idmap.h). */
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

static uint64_t key_of(const struct idmap *m, size_t i)
{
	uint64_t k;

	memcpy(&k, m->v + i * m->esz, sizeof(k));
	return k;
}

static size_t home(uint64_t key, size_t cap)
{
	/* Fibonacci hashing: zebra's ids are small and dense; a hash key
	 * loses nothing by it. */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

int idmap_init(struct idmap *m, size_t esz, size_t cap)
{
	m->esz = esz;
	m->cap = cap;
	m->count = 0;
	m->v = calloc(cap, esz);
	return m->v ? 0 : -1;
}

void idmap_free(struct idmap *m)
{
	free(m->v);
	m->v = NULL;
	m->cap = m->count = 0;
}

void idmap_clear(struct idmap *m)
{
	memset(m->v, 0, m->cap * m->esz);
	m->count = 0;
}

static size_t slot_of(const struct idmap *m, uint64_t key, size_t cap, const uint8_t *v)
{
	size_t i = home(key, cap);
	uint64_t k;

	for (;; i = (i + 1) & (cap - 1)) {
		memcpy(&k, v + i * m->esz, sizeof(k));
		if (k == key || k == 0)
			return i;
	}
}

void *idmap_find(const struct idmap *m, uint64_t key)
{
	size_t i = slot_of(m, key, m->cap, m->v);

	return key && key_of(m, i) == key ? m->v + i * m->esz : NULL;
}

static int grow(struct idmap *m)
{
	size_t cap = m->cap * 2;
	uint8_t *v = calloc(cap, m->esz);

	if (!v)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		uint64_t k = key_of(m, i);

		if (k)
			memcpy(v + slot_of(m, k, cap, v) * m->esz, m->v + i * m->esz, m->esz);
	}
	free(m->v);
	m->v = v;
	m->cap = cap;
	return 0;
}

void *idmap_put(struct idmap *m, uint64_t key)
{
	uint8_t *r = idmap_find(m, key);

	if (r || !key)
		return r;
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return NULL;
	r = m->v + slot_of(m, key, m->cap, m->v) * m->esz;
	memcpy(r, &key, sizeof(key));
	m->count++;
	return r;
}

void idmap_del(struct idmap *m, void *rec)
{
	size_t i = (size_t)((uint8_t *)rec - m->v) / m->esz, j = i;

	memset(rec, 0, m->esz);
	m->count--;
	/* Backward shift: a later record of the run moves into the hole
	 * unless its home slot lies after the hole. */
	for (;;) {
		uint64_t k;

		j = (j + 1) & (m->cap - 1);
		if (!(k = key_of(m, j)))
			return;
		if (((j - home(k, m->cap)) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
			memcpy(m->v + i * m->esz, m->v + j * m->esz, m->esz);
			memset(m->v + j * m->esz, 0, m->esz);
			i = j;
		}
	}
}

void *idmap_at(const struct idmap *m, size_t i)
{
	return key_of(m, i) ? m->v + i * m->esz : NULL;
}
