/* subscribers.c - event fan-out and subscription dumps.
 *
 * Events of one loop turn are encoded once into shared messages and each
 * subscriber's queue (conn.h) takes a reference, so N subscribers cost N
 * pointers, not N copies.  A subscriber whose queue holds more than
 * max-subscriber-queue events is dropped (it reconnects and resyncs), so a
 * slow reader can never stall rtmd or grow its memory without bound: the
 * bounded form of FRR zserv's per-client output buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "arp_store.h"
#include "config.h"
#include "log.h"
#include "route_table.h"
#include "server.h"
#include "subscribers.h"
#include "tables.h"

static uint32_t table_flag(uint8_t table)
{
	return table == RT_TABLE_ROUTE ? RT_F_TABLE_ROUTE : RT_F_TABLE_ARP;
}

void server_publish(struct server *s)
{
	struct shmsg *m;

	if (!rt_msg_count(&s->evmb))
		return;
	m = shmsg_new(&s->evmb, rt_msg_count(&s->evmb));
	for (struct conn *c = s->clients; c; c = c->next) {
		if (!c->subscriber || c->dead || !(c->tables & s->evtable))
			continue;
		if (!m || c->q.events + m->events > s->cfg->max_subscriber_queue ||
		    conn_queue_shared(c, m) < 0) {
			/* what it would hold with these events: its queue may be
			 * empty while one burst is larger than the limit */
			log_warn("dropping subscriber pid %ld: %zu events queued, limit %u (it will resync)",
			         (long)c->pid, c->q.events + (m ? m->events : rt_msg_count(&s->evmb)),
			         s->cfg->max_subscriber_queue);
			c->dead = true;
		}
	}
	shmsg_unref(m);
	rt_msg_begin(&s->evmb, RT_MSG_EVENTS, 0, 0);
	s->evtable = 0;
}

void server_on_event(void *ctx, const struct rt_event *ev)
{
	struct server *s = ctx;
	uint32_t tf = table_flag(ev->table);

	if (!s->n_subscribers)
		return;     /* nobody to tell: skip encoding */

	/* One message holds one table's events, so filtered subscribers can
	 * take or skip whole messages; order across tables is kept by
	 * publishing before switching. */
	if (s->evtable && s->evtable != tf)
		server_publish(s);
	if (rt_msg_put_event(&s->evmb, ev) < 0) {
		server_publish(s);
		if (rt_msg_put_event(&s->evmb, ev) < 0) {
			/* A subscriber must never silently miss a change: without
			 * the memory to tell them, drop them all (they resync). */
			log_err("cannot encode event %llu: out of memory; dropping %zu subscriber(s), "
			        "who will resync", (unsigned long long)ev->seq, s->n_subscribers);
			for (struct conn *c = s->clients; c; c = c->next)
				if (c->subscriber)
					c->dead = true;
			return;
		}
	}
	s->evtable = tf;
}

/* ---- dumps ----------------------------------------------------------------
 * A dump is encoded once per (tables, event_seq) and shared by every
 * subscriber that asks for it before the next change: after a restart a
 * hundred rtwatch reconnecting at once cost one dump, not a hundred. */

void dump_cache_clear(struct server *s)
{
	for (size_t i = 0; i < s->dump.n; i++)
		shmsg_unref(s->dump.msgs[i]);
	free(s->dump.msgs);
	memset(&s->dump, 0, sizeof(s->dump));
}

/* Free the cached dump once every subscriber has sent it on: only the
 * cache still holds its messages. */
void dump_cache_trim(struct server *s)
{
	for (size_t i = 0; i < s->dump.n; i++)
		if (s->dump.msgs[i]->refs > 1)
			return;
	if (s->dump.n)
		dump_cache_clear(s);
}

struct dump_ctx {
	struct server *s;
	int err;
};

static int dump_keep(struct server *s)
{
	struct shmsg *m, **v;

	if (!rt_msg_count(&s->mb))
		return 0;
	v = realloc(s->dump.msgs, (s->dump.n + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->dump.msgs = v;
	m = shmsg_new(&s->mb, 0);   /* a dump is state, not events: no queue charge */
	if (!m)
		return -1;
	s->dump.msgs[s->dump.n++] = m;
	return 0;
}

static int dump_put(struct dump_ctx *d, const struct rt_event *ev)
{
	struct server *s = d->s;

	if (rt_msg_put_event(&s->mb, ev) == 0)
		return 0;
	if (dump_keep(s) < 0)
		return d->err = RT_E_FULL;
	rt_msg_begin(&s->mb, RT_MSG_EVENTS, 0, RT_F_MORE);
	if (rt_msg_put_event(&s->mb, ev) < 0)
		return d->err = RT_E_FULL;
	return 0;
}

static int dump_route(const struct rt_route *r, uint32_t tag, void *ctx)
{
	struct rt_event ev = { .kind = RT_EV_ADD, .table = RT_TABLE_ROUTE, .route = r };

	return dump_put(ctx, &ev);
}

static int dump_neigh(const struct rt_neigh *n, uint32_t slot, void *ctx)
{
	struct rt_event ev = { .kind = RT_EV_ADD, .table = RT_TABLE_ARP, .slot = slot };

	ev.neigh = *n;
	return dump_put(ctx, &ev);
}

/* The dump of these tables as they are now, built if the cache is stale. */
static int dump_build(struct server *s, uint32_t tables, uint64_t seq)
{
	struct dump_ctx d = { .s = s };

	if (s->dump.valid && s->dump.seq == seq && s->dump.tables == tables)
		return RT_OK;
	dump_cache_clear(s);
	/* Encoded between two requests: no change can fall between the dump
	 * and the stream that follows it. */
	rt_msg_begin(&s->mb, RT_MSG_EVENTS, 0, RT_F_MORE);
	if (tables & RT_F_TABLE_ROUTE)
		route_table_walk(tables_routes(s->tables), RT_FILTER_ALL, NULL, dump_route, &d);
	if (!d.err && (tables & RT_F_TABLE_ARP))
		arp_store_walk(tables_arp(s->tables), dump_neigh, &d);
	if (!d.err && dump_keep(s) < 0)
		d.err = RT_E_FULL;
	if (d.err) {
		dump_cache_clear(s);
		return d.err;
	}
	s->dump.valid = true;
	s->dump.seq = seq;
	s->dump.tables = tables;
	return RT_OK;
}

int server_subscribe(struct server *s, struct conn *c, const struct rt_hdr *h)
{
	struct rt_hello hello = { .event_seq = tables_event_seq(s->tables) };
	struct rt_sync sync = { .event_seq = hello.event_seq };
	uint32_t tables = h->flags & RT_F_TABLE_ALL;
	int rc;

	if (c->subscriber)
		return RT_E_INVALID;
	if (!tables)
		tables = RT_F_TABLE_ALL;
	/* Pending events belong before the dump's snapshot. */
	server_publish(s);
	hello.tables = tables;
	snprintf(hello.arp_store, sizeof(hello.arp_store), "%s", arp_store_path(tables_arp(s->tables)));
	rt_msg_begin(&s->mb, RT_MSG_HELLO, h->seq, 0);
	if (rt_msg_put_hello(&s->mb, &hello) < 0 || conn_queue(c, &s->mb) < 0)
		return RT_E_FULL;
	if (!(h->flags & RT_F_NO_DUMP)) {
		rc = dump_build(s, tables, hello.event_seq);
		if (rc != RT_OK)
			return rc;
		for (size_t i = 0; i < s->dump.n; i++)
			if (conn_queue_shared(c, s->dump.msgs[i]) < 0)
				return RT_E_FULL;
	}
	rt_msg_begin(&s->mb, RT_MSG_SYNC, h->seq, 0);
	if (rt_msg_put_sync(&s->mb, &sync) < 0 || conn_queue(c, &s->mb) < 0)
		return RT_E_FULL;
	c->subscriber = true;
	c->tables = tables;
	s->n_subscribers++;
	return RT_OK;
}
