/* route_store.c - durable routes: the slot file of store.c without
 * indexes.  rtmd keeps its route_table in memory and uses slot numbers as
 * tags; this file only has to get the routes back after a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "route_store.h"
#include "store_writer.h"

struct route_store {
	struct store st;
};

int route_store_open(const char *path, uint32_t initial_capacity, struct route_store **out,
                     uint32_t *dropped, char *err, size_t errlen)
{
	struct route_store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "route store %s: out of memory", path);
		return -1;
	}
	if (store_open(&s->st, &store_route_ops, path, initial_capacity, dropped, err,
	               errlen) < 0) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void route_store_close(struct route_store *s)
{
	if (!s)
		return;
	store_close(&s->st);
	free(s);
}

/* Duplicate keys were already resolved by store_open(), so every live slot
 * is visited. */
int route_store_load(struct route_store *s, route_load_fn fn, void *ctx)
{
	for (uint32_t slot = 0; slot < s->st.m.capacity; slot++) {
		struct rt_route r;
		if (!store_slot_live(&s->st, slot) ||
		    store_route_decode(store_payload(&s->st, slot), &r) < 0)
			continue;
		int rc = fn(&r, slot, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int route_store_put(struct route_store *s, const struct rt_route *r, uint32_t *slot)
{
	uint8_t payload[STORE_ROUTE_PAYLOAD];
	char err[RT_ERRLEN];
	int rc;

	if (rt_route_check(r, err) < 0)
		return RT_E_INVALID;
	if ((rc = store_reserve(&s->st, 0)) != 0)
		return rc;
	uint32_t at = store_alloc(&s->st);
	store_route_encode(r, payload);
	store_write(&s->st, at, payload);
	s->st.count++;
	if (slot)
		*slot = at;
	return 0;
}

int route_store_update(struct route_store *s, uint32_t *slot, const struct rt_route *r)
{
	uint8_t payload[STORE_ROUTE_PAYLOAD];
	char err[RT_ERRLEN];
	int rc;

	if (rt_route_check(r, err) < 0)
		return RT_E_INVALID;
	if (!store_slot_live(&s->st, *slot))
		return RT_E_NOTFOUND;
	store_route_encode(r, payload);
	if (memcmp(payload, store_payload(&s->st, *slot), sizeof(payload)) == 0)
		return 0;
	/* New value to a free slot first; the old one is freed once the new
	 * one is durable.  Growing keeps slot numbers. */
	if ((rc = store_reserve(&s->st, 0)) != 0)
		return rc;
	uint32_t at = store_alloc(&s->st);
	store_write(&s->st, at, payload);
	store_free_later(&s->st, *slot);
	*slot = at;
	return 0;
}

int route_store_free(struct route_store *s, uint32_t slot)
{
	if (!store_slot_live(&s->st, slot))
		return RT_E_NOTFOUND;
	store_release(&s->st, slot);
	s->st.count--;
	return 0;
}

size_t route_store_count(const struct route_store *s)
{
	return s->st.count;
}

size_t route_store_capacity(const struct route_store *s)
{
	return s->st.m.capacity;
}

const char *route_store_path(const struct route_store *s)
{
	return s->st.path;
}

bool route_store_dirty(const struct route_store *s)
{
	return store_dirty(&s->st);
}

int route_store_flush(struct route_store *s, char *err, size_t errlen)
{
	return store_flush(&s->st, err, errlen);
}

int route_store_sync(struct route_store *s, uint64_t *usec, char *err, size_t errlen)
{
	return store_sync(&s->st, usec, err, errlen);
}
