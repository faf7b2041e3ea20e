/* netlink_worker.c - a request socket and the thread that sends on it.
 *
 * Requests travel in batches: the caller fills one (messages in a buffer,
 * a record each), submits it to a FIFO, and the thread queues its
 * messages on its socket (netlink.c does the sending, 64 a sendmsg, and
 * the matching of acknowledgements), reads every answer into the batch's
 * records, and moves it to the done FIFO, writing the eventfd.  The caller
 * collects done batches and hands their answers out in order.  The two
 * share only the FIFOs, under one mutex; a batch belongs to one side at a
 * time.
 *
 * Why a thread: the kernel does its work on a request (the FIB insert,
 * ~6 us a route) inside the sender's sendmsg.  On one thread rtmd's own
 * work (tables, store, msync) adds to the kernel's; on two they overlap.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "netlink_worker.h"

/* Batches submitted and not yet sent at most: the caller waits beyond it
 * (a reconcile queueing a million requests must not hold them all). */
#define MAX_TODO 64
/* Done batches kept for reuse. */
#define MAX_SPARE 8
#define PER_SEND 64

struct rec {
	uint64_t cookie;
	uint32_t off, len;      /* the message in buf; len 0: failed before it was sent */
	int error;
	uint32_t text;          /* offset in txt ("" at 0) */
};

struct batch {
	struct batch *next;
	uint8_t *buf;
	size_t len, cap;
	struct rec *r;
	size_t n, capr;
	char *txt;
	size_t tlen, tcap;
};

struct nlw {
	struct nl_sock *s;      /* the thread's */
	uint32_t portid;
	unsigned window;
	int efd;
	pthread_t th;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	/* Under mu. */
	struct batch *todo, *todo_tail, *done, *done_tail, *spare;
	size_t ntodo, nspare;
	bool stop;
	struct nl_stats st;
	/* The caller's. */
	struct batch *build;
	uint64_t cookie;        /* of the message being built */
	bool building;
	size_t submitted, collected;
};

static void lock(struct nlw *w)
{
	pthread_mutex_lock(&w->mu);
}

static void unlock(struct nlw *w)
{
	pthread_mutex_unlock(&w->mu);
}

/* ---- batches ---------------------------------------------------------------- */

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->r);
	free(b->txt);
	free(b);
}

static void batch_reset(struct batch *b)
{
	b->next = NULL;
	b->len = b->n = 0;
	b->tlen = 1;
	b->txt[0] = 0;
}

static struct batch *batch_new(struct nlw *w)
{
	struct batch *b = NULL;

	lock(w);
	if (w->spare) {
		b = w->spare;
		w->spare = b->next;
		w->nspare--;
	}
	unlock(w);
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))) || !(b->txt = malloc(256))) {
			free(b);
			return NULL;
		}
		b->tcap = 256;
	}
	batch_reset(b);
	return b;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	if (!(n = realloc(*p, ncap * size)))
		return false;
	*p = n;
	*cap = ncap;
	return true;
}

static struct rec *rec_add(struct batch *b)
{
	if (!grow((void **)&b->r, &b->capr, b->n + 1, sizeof(*b->r)))
		return NULL;
	return &b->r[b->n];
}

/* Keep text (the kernel's reason): its offset, or 0 ("") without memory. */
static uint32_t text_add(struct batch *b, const char *text)
{
	size_t n = strlen(text) + 1;
	uint32_t off = (uint32_t)b->tlen;

	if (n == 1 || !grow((void **)&b->txt, &b->tcap, b->tlen + n, 1))
		return 0;
	memcpy(b->txt + b->tlen, text, n);
	b->tlen += n;
	return off;
}

/* ---- the thread ---------------------------------------------------------------- */

static void on_done(void *ctx, uint64_t cookie, int error, const char *text)
{
	struct batch *b = ctx;

	if (cookie >= b->n)
		return;
	b->r[cookie].error = error;
	b->r[cookie].text = error ? text_add(b, text) : 0;
}

/* Send b's messages and read every answer into its records. */
static void run_batch(struct nlw *w, struct batch *b)
{
	struct nl_handler hd = { b, NULL, on_done };

	for (size_t i = 0; i < b->n; i++) {
		struct rec *r = &b->r[i];
		const struct nlmsghdr *src = (const struct nlmsghdr *)(b->buf + r->off);
		struct nlmsghdr *h;

		if (!r->len)
			continue;
		r->error = -ENOBUFS;    /* until an answer says otherwise */
		h = nl_msg_begin(w->s, src->nlmsg_type,
		                 src->nlmsg_flags & (uint16_t)~(NLM_F_REQUEST | NLM_F_ACK), i,
		                 r->len - MNL_NLMSG_HDRLEN);
		if (!h) {
			r->error = -ENOMEM;
			r->text = text_add(b, "out of memory");
			continue;
		}
		memcpy(mnl_nlmsg_get_payload(h), (const uint8_t *)src + MNL_NLMSG_HDRLEN,
		       r->len - MNL_NLMSG_HDRLEN);
		h->nlmsg_len = r->len;
		nl_msg_end(w->s, h);
	}
	/* The kernel answers within the send; a socket that takes no more
	 * for a moment (its memory) is tried again shortly.  Bounded: what
	 * is still unanswered then stays -ENOBUFS, which kernel sync treats
	 * as lost (it reconciles). */
	for (int tries = 0; nl_busy(w->s) && tries < 1000; tries++) {
		int rc = nl_flush(w->s, PER_SEND, &hd);

		if (nl_read(w->s, w->window, &hd) < 0 || rc < 0) {
			struct pollfd p = { .fd = nl_fd(w->s), .events = POLLIN };

			poll(&p, 1, 10);
		}
	}
	if (nl_busy(w->s)) {
		/* Give up on this socket's queue: nothing of it may be sent
		 * later, out of its batch. */
		nl_close(w->s);
		w->s = NULL;
	}
}

static void *thread_main(void *arg)
{
	struct nlw *w = arg;

	lock(w);
	for (;;) {
		struct batch *b;
		uint64_t one = 1;

		while (!w->todo && !w->stop)
			pthread_cond_wait(&w->cv_work, &w->mu);
		if (!w->todo)
			break;
		b = w->todo;
		unlock(w);
		if (w->s)
			run_batch(w, b);
		else
			for (size_t i = 0; i < b->n; i++)
				if (b->r[i].len)
					b->r[i].error = -EIO;
		lock(w);
		if (w->s)
			w->st = *nl_stats(w->s);
		w->todo = b->next;
		if (!w->todo)
			w->todo_tail = NULL;
		w->ntodo--;
		b->next = NULL;
		if (w->done_tail)
			w->done_tail->next = b;
		else
			w->done = b;
		w->done_tail = b;
		pthread_cond_broadcast(&w->cv_done);
		/* Wakes the loop; a full counter (never: it is read) would
		 * only mean it is awake already. */
		if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			break;
	}
	unlock(w);
	return NULL;
}

/* ---- the caller's side ------------------------------------------------------------ */

int nlw_open(struct nlw **out, size_t rcvbuf, unsigned window, char *err, size_t errlen)
{
	struct nlw *w = calloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->efd = -1;
	w->window = window;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv_work, NULL);
	pthread_cond_init(&w->cv_done, NULL);
	if (nl_open(&w->s, NULL, 0, rcvbuf, window, err, errlen) < 0)
		goto fail;
	w->portid = nl_portid(w->s);
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((rc = pthread_create(&w->th, NULL, thread_main, w)) != 0) {
		snprintf(err, errlen, "cannot start the netlink thread: %s", strerror(rc));
		goto fail;
	}
	/* Named, so that top -H and perf tell the kernel's work on rtmd's
	 * requests from the event loop's (best effort). */
	pthread_setname_np(w->th, "rtmd-netlink");
	w->started = true;
	*out = w;
	return 0;
fail:
	nlw_close(w);
	return -1;
}

static void free_list(struct batch *b)
{
	while (b) {
		struct batch *n = b->next;

		batch_free(b);
		b = n;
	}
}

void nlw_close(struct nlw *w)
{
	if (!w)
		return;
	if (w->started) {
		lock(w);
		w->stop = true;
		pthread_cond_signal(&w->cv_work);
		unlock(w);
		pthread_join(w->th, NULL);
	}
	free_list(w->todo);
	free_list(w->done);
	free_list(w->spare);
	batch_free(w->build);
	nl_close(w->s);
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->cv_work);
	pthread_cond_destroy(&w->cv_done);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int nlw_fd(const struct nlw *w)
{
	return w->efd;
}

uint32_t nlw_portid(const struct nlw *w)
{
	return w->portid;
}

static struct batch *building(struct nlw *w)
{
	if (!w->build)
		w->build = batch_new(w);
	return w->build;
}

struct nlmsghdr *nlw_msg_begin(struct nlw *w, uint16_t type, uint16_t flags, uint64_t cookie,
                               size_t room)
{
	size_t need = MNL_NLMSG_HDRLEN + MNL_ALIGN(room);
	struct batch *b = building(w);
	struct nlmsghdr *h;

	if (!b || w->building || room > NL_MSG_MAX || (flags & NLM_F_DUMP) == NLM_F_DUMP ||
	    !grow((void **)&b->buf, &b->cap, b->len + need, 1))
		return NULL;
	h = (struct nlmsghdr *)(b->buf + b->len);
	/* All of it: libmnl 1.0.4 leaves an attribute's padding as it was. */
	memset(h, 0, need);
	h->nlmsg_len = MNL_NLMSG_HDRLEN;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
	w->cookie = cookie;
	w->building = true;
	return h;
}

void nlw_msg_end(struct nlw *w, struct nlmsghdr *h)
{
	struct batch *b = w->build;
	struct rec *r = rec_add(b);

	w->building = false;
	if (!r)
		return;         /* dropped: its answer never comes, which the caller sees as busy */
	memset(r, 0, sizeof(*r));
	r->cookie = w->cookie;
	r->off = (uint32_t)((uint8_t *)h - b->buf);
	r->len = h->nlmsg_len;
	b->len += MNL_ALIGN(h->nlmsg_len);
	b->n++;
}

void nlw_msg_cancel(struct nlw *w)
{
	w->building = false;
}

int nlw_fail(struct nlw *w, uint64_t cookie, int error, const char *text)
{
	struct batch *b = building(w);
	struct rec *r = b ? rec_add(b) : NULL;

	if (!r)
		return -1;
	memset(r, 0, sizeof(*r));
	r->cookie = cookie;
	r->error = error;
	r->text = text_add(b, text);
	b->n++;
	return 0;
}

void nlw_submit(struct nlw *w)
{
	struct batch *b = w->build;

	if (!b || !b->n)
		return;
	w->build = NULL;
	w->submitted += b->n;
	lock(w);
	while (w->ntodo >= MAX_TODO)
		pthread_cond_wait(&w->cv_done, &w->mu);
	if (w->todo_tail)
		w->todo_tail->next = b;
	else
		w->todo = b;
	w->todo_tail = b;
	w->ntodo++;
	pthread_cond_signal(&w->cv_work);
	unlock(w);
}

size_t nlw_collect(struct nlw *w, const struct nl_handler *hd, bool wait)
{
	struct batch *list;
	size_t count = 0;
	uint64_t v;

	if (wait)
		nlw_submit(w);
	lock(w);
	while (wait && w->todo)
		pthread_cond_wait(&w->cv_done, &w->mu);
	list = w->done;
	w->done = w->done_tail = NULL;
	unlock(w);
	/* Read before handing out, so a batch done meanwhile wakes the loop
	 * again. */
	if (read(w->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		v = 0;
	while (list) {
		struct batch *b = list;

		list = b->next;
		for (size_t i = 0; i < b->n; i++)
			if (hd && hd->done)
				hd->done(hd->ctx, b->r[i].cookie, b->r[i].error, b->txt + b->r[i].text);
		count += b->n;
		w->collected += b->n;
		lock(w);
		if (w->nspare < MAX_SPARE) {
			b->next = w->spare;
			w->spare = b;
			w->nspare++;
			b = NULL;
		}
		unlock(w);
		batch_free(b);
	}
	return count;
}

size_t nlw_built(const struct nlw *w)
{
	return w->build ? w->build->n : 0;
}

size_t nlw_busy(const struct nlw *w)
{
	return nlw_built(w) + (w->submitted - w->collected);
}

void nlw_stats(const struct nlw *w, struct nl_stats *st)
{
	lock((struct nlw *)w);
	*st = w->st;
	unlock((struct nlw *)w);
}
