/* subscribers.h - subscriptions: the dump, the sync mark, and every change
 * fanned out to each subscriber in order.
 *
 * A subscriber gets HELLO, the tables as add events (unless it asked for
 * no dump), SYNC, then the events of every later turn, published only after
 * the turn's changes are durable.  One that falls max-subscriber-queue
 * events behind is dropped; it reconnects and resyncs, never silently
 * missing a change.
 */
#ifndef RTMD_SUBSCRIBERS_H
#define RTMD_SUBSCRIBERS_H

#include "conn.h"
#include "proto.h"

struct server;

/* Events produced by the tables go to the turn's pending message. */
void server_on_event(void *ctx, const struct rt_event *ev);
/* Fan the pending events out to the subscribers' queues. */
void server_publish(struct server *s);
/* Start a subscription: HELLO, the dump as add events (unless RT_F_NO_DUMP),
 * SYNC; 0 or an rt_err. */
void dump_cache_clear(struct server *s);
void dump_cache_trim(struct server *s);
int server_subscribe(struct server *s, struct conn *c, const struct rt_hdr *h);

#endif
