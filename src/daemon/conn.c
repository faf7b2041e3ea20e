/* conn.c - a connection's output queue of shared messages (conn.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"

struct shmsg *shmsg_new(const struct rt_msgbuf *mb, uint32_t events)
{
	struct shmsg *m = malloc(sizeof(*m) + mb->len);

	if (!m)
		return NULL;
	m->refs = 1;
	m->events = events;
	m->len = mb->len;
	memcpy(m->data, mb->data, mb->len);
	return m;
}

void shmsg_unref(struct shmsg *m)
{
	if (m && --m->refs == 0)
		free(m);
}

static int outq_push(struct outq *q, struct shmsg *m)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct shmsg **v = malloc(cap * sizeof(*v));

		if (!v)
			return -1;
		for (size_t i = 0; i < q->n; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = cap;
		q->head = 0;
	}
	q->v[(q->head + q->n) % q->cap] = m;
	q->n++;
	q->events += m->events;
	q->bytes += m->len;
	return 0;
}

static void outq_pop(struct outq *q)
{
	struct shmsg *m = q->v[q->head];

	q->head = (q->head + 1) % q->cap;
	q->n--;
	q->events -= m->events;
	q->bytes -= m->len;
	shmsg_unref(m);
}

/* Behind a held reply, or straight to the output queue. */
static int push(struct conn *c, struct shmsg *m, uint64_t ticket, uint32_t seq)
{
	struct held *h;

	if (!ticket && (!c->nheld || c->releasing))
		return outq_push(&c->q, m);
	if (c->nheld == c->capheld) {
		size_t cap = c->capheld ? c->capheld * 2 : 16;
		struct held *v = realloc(c->held, cap * sizeof(*v));

		if (!v)
			return -1;
		c->held = v;
		c->capheld = cap;
	}
	h = &c->held[c->nheld++];
	h->m = m;
	h->ticket = ticket;
	h->seq = seq;
	return 0;
}

int conn_queue_shared(struct conn *c, struct shmsg *m)
{
	if (push(c, m, 0, 0) < 0)
		return -1;
	m->refs++;
	return 0;
}

int conn_queue(struct conn *c, const struct rt_msgbuf *mb)
{
	struct shmsg *m = shmsg_new(mb, 0);

	if (!m || push(c, m, 0, 0) < 0) {
		free(m);
		return -1;
	}
	return 0;
}

int conn_hold(struct conn *c, const struct rt_msgbuf *mb, uint64_t ticket, uint32_t seq)
{
	struct shmsg *m = shmsg_new(mb, 0);

	if (!m || push(c, m, ticket, seq) < 0) {
		free(m);
		return -1;
	}
	return 0;
}

void conn_release(struct conn *c, conn_ready_fn ready, void *ctx)
{
	size_t i = 0;

	c->releasing = true;
	for (; i < c->nheld; i++) {
		struct held *h = &c->held[i];

		if (h->ticket && !ready(ctx, c, h->ticket, h->seq))
			break;
		if (outq_push(&c->q, h->m) < 0) {
			/* Without memory for the queue the reply cannot go in
			 * order: the client is told by a closed connection. */
			c->dead = true;
			break;
		}
	}
	c->releasing = false;
	memmove(c->held, c->held + i, (c->nheld - i) * sizeof(*c->held));
	c->nheld -= i;
}

int conn_flush(struct conn *c)
{
	while (c->q.n) {
		struct shmsg *m = c->q.v[c->q.head];
		ssize_t n = send(c->fd, m->data, m->len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
				return 1;
			return -1;
		}
		outq_pop(&c->q);
	}
	return 0;
}

void conn_queue_free(struct conn *c)
{
	while (c->q.n)
		outq_pop(&c->q);
	free(c->q.v);
	c->q.v = NULL;
	c->q.cap = 0;
	for (size_t i = 0; i < c->nheld; i++)
		shmsg_unref(c->held[i].m);
	free(c->held);
	c->held = NULL;
	c->nheld = c->capheld = 0;
}
