/* subscribe_test.c - 100 subscribers and one writer making 100,000 route
 * changes.  Each subscriber rebuilds the table from its dump and events and
 * checks that event sequence numbers follow each other with no gap; one
 * subscriber is not read for a while, so rtmd drops it (bounded queue); it
 * reconnects and resyncs.  At the end every subscriber's table must equal
 * what `list` returns.
 *
 * Usage: subscribe_test [SUBSCRIBERS [CHANGES]]   (top_builddir in the env)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "entries.h"
#include "client.h"
#include "proto.h"
#include "testlib.h"

#define IDS 20000
#define PER_MSG 500

struct sub {
	struct rt_client c;
	bool connected, synced;
	uint64_t last_seq, events;
	unsigned resyncs, gaps;
	uint8_t gw[IDS];             /* 0: absent, else last byte of the gateway */
};

static struct testenv env;

static void route_of(uint32_t id, uint8_t gw, struct rt_route *r)
{
	test_route_host(r, 0x0a070000u, id, gw, NULL, 0);
}

static int id_of(const struct rt_route *r)
{
	if (r->dst.addr.bytes[0] != 10 || r->dst.addr.bytes[1] != 7 || r->dst.len != 32)
		return -1;
	return r->dst.addr.bytes[2] << 8 | r->dst.addr.bytes[3];
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void writer(uint32_t changes)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	char err[512];
	uint32_t done = 0;

	if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0 || rt_msgbuf_init(&mb, 65536) < 0)
		_exit(3);
	for (uint32_t round = 0; done < changes; round++) {
		/* add all, replace all, delete even ids, re-add them, ... */
		uint16_t type = round == 0 ? RT_MSG_ROUTE_ADD :
		                round % 3 == 2 ? RT_MSG_ROUTE_DEL : RT_MSG_ROUTE_REPLACE;

		for (uint32_t k = 0; k < IDS && done < changes; k += PER_MSG) {
			rt_msg_begin(&mb, type, round * IDS + k + 1, 0);
			for (uint32_t id = k; id < k + PER_MSG && id < IDS && done < changes; id++) {
				struct rt_route r;

				if (type == RT_MSG_ROUTE_DEL && id % 2)
					continue;
				route_of(id, (uint8_t)(round % 250 + 1), &r);
				rt_msg_put_route(&mb, &r);
				done++;
			}
			if (rt_msg_count(&mb) && test_request(&c, &mb) != 0) {
				fprintf(stderr, "writer: refused in round %u\n", round);
				_exit(2);
			}
		}
	}
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
	_exit(0);
}

static int subscribe(struct sub *s)
{
	struct rt_msgbuf mb;
	char err[512];
	int rc;

	if (rt_client_connect(&s->c, env.sock, err, sizeof(err)) < 0) {
		fprintf(stderr, "subscriber: %s\n", err);
		return -1;
	}
	if (rt_msgbuf_init(&mb, 1024) < 0)
		return -1;
	rt_msg_begin(&mb, RT_MSG_SUBSCRIBE, 1, RT_F_TABLE_ROUTE);
	rc = rt_client_send(&s->c, &mb);
	rt_msgbuf_free(&mb);
	memset(s->gw, 0, sizeof(s->gw));
	s->connected = rc == 0;
	s->synced = false;
	return rc;
}

/* Read one message; on EOF reconnect and resync. */
static int pump(struct sub *s)
{
	char err[512], why[RT_ERRLEN];
	struct rt_hdr h;
	const uint8_t *msg;
	int rc = rt_client_recv(&s->c, &h, &msg, err, sizeof(err));

	if (rc <= 0) {
		rt_client_close(&s->c);
		s->resyncs++;
		return subscribe(s);
	}
	if (h.type == RT_MSG_HELLO) {
		struct rt_hello hello;

		if (rt_msg_get_hello(&h, msg, &hello, why))
			return -1;
		s->last_seq = hello.event_seq;
	} else if (h.type == RT_MSG_SYNC) {
		s->synced = true;
	} else if (h.type == RT_MSG_EVENTS) {
		static struct rt_route route;
		struct rt_reader rd;

		rt_msg_reader(&rd, &h, msg);
		for (uint32_t i = 0; i < h.count; i++) {
			struct rt_event ev;
			int id;

			if (rt_msg_read_event(&rd, &ev, &route, why) != 0 || (id = id_of(ev.route)) < 0) {
				fprintf(stderr, "subscriber: bad event: %s\n", why);
				return -1;
			}
			if (s->synced) {
				if (ev.seq != s->last_seq + 1)
					s->gaps++;
				s->last_seq = ev.seq;
				s->events++;
			}
			s->gw[id] = ev.kind == RT_EV_DEL ? 0 : ev.route->nh[0].gw.bytes[3];
		}
	} else {
		fprintf(stderr, "subscriber: unexpected message type %u\n", h.type);
		return -1;
	}
	return 0;
}

struct answer {
	struct rt_status *st;
	uint8_t *table;
};

/* A status reply, or one message of a route list (into table by id). */
static int take_answer(const struct rt_hdr *h, const uint8_t *msg, void *ctx)
{
	struct answer *a = ctx;
	char err[RT_ERRLEN];

	if (h->type == RT_MSG_STATUS_REPLY)
		return rt_msg_get_status(h, msg, a->st, err) != 0 ? -1 : 0;
	for (uint32_t i = 0; h->type == RT_MSG_ROUTES && i < h->count; i++) {
		struct rt_route r;
		int id;

		if (rt_msg_get_route(h, msg, i, &r, err) != 0 || (id = id_of(&r)) < 0)
			return -1;
		a->table[id] = r.nh_count ? r.nh[0].gw.bytes[3] : 0;
	}
	return h->type == RT_MSG_STATUS_REPLY || h->type == RT_MSG_ROUTES ? 0 : -1;
}

static int query(uint16_t type, struct rt_status *st, uint8_t *table)
{
	struct answer a = { .st = st, .table = table };

	return test_query(env.sock, type, take_answer, &a);
}

int main(int argc, char **argv)
{
	int nsub = argc > 1 ? atoi(argv[1]) : 100;
	uint32_t changes = argc > 2 ? (uint32_t)atoi(argv[2]) : 100000;
	struct sub *subs = calloc((size_t)nsub, sizeof(*subs));
	struct pollfd *pfd = calloc((size_t)nsub, sizeof(*pfd));
	static uint8_t truth[IDS];
	struct rt_status st;
	double t0, t_writer = 0, deadline;
	bool writer_done = false;
	unsigned gaps = 0, resyncs = 0, mismatched = 0;
	int wstatus = 0, fail = 0;
	pid_t rtmd, w;

	if (!subs || !pfd || nsub < 2)
		return 99;
	testenv_init(&env, "subscribe");
	testenv_config(&env, "max-subscriber-queue = 65536;  # < 100,000: the stopped subscriber must overflow\n");
	rtmd = testenv_start_rtmd(&env);
	for (int i = 0; i < nsub; i++)
		if (subscribe(&subs[i]) < 0)
			return 99;
	t0 = now_s();
	w = fork();
	if (w == 0)
		writer(changes);
	deadline = now_s() + 120;
	for (;;) {
		int n = 0;

		if (!writer_done && waitpid(w, &wstatus, WNOHANG) == w) {
			writer_done = true;
			t_writer = now_s() - t0;
			if (query(RT_MSG_STATUS, &st, NULL) < 0)
				return 99;
		}
		if (writer_done) {
			int behind = 0;

			for (int i = 0; i < nsub; i++)
				behind += !subs[i].synced || subs[i].last_seq < st.event_seq;
			if (!behind || now_s() > deadline)
				break;
		}
		/* Subscriber 0 is not read until the writer is done: it falls
		 * behind, is dropped, and must resync. */
		for (int i = 0; i < nsub; i++) {
			pfd[i].fd = (i == 0 && !writer_done) ? -1 : subs[i].c.fd;
			pfd[i].events = POLLIN;
		}
		n = poll(pfd, (nfds_t)nsub, 100);
		if (n < 0 && errno != EINTR)
			return 99;
		for (int i = 0; n > 0 && i < nsub; i++)
			if (pfd[i].revents && pump(&subs[i]) < 0)
				fail = 1;
	}
	memset(truth, 0, sizeof(truth));
	if (query(RT_MSG_ROUTE_LIST, &st, truth) < 0)
		return 99;
	for (int i = 0; i < nsub; i++) {
		gaps += subs[i].gaps;
		resyncs += subs[i].resyncs;
		if (memcmp(subs[i].gw, truth, sizeof(truth)) != 0 || !subs[i].synced) {
			mismatched++;
			fprintf(stderr, "subscriber %d: table differs from rtmd's\n", i);
		}
		rt_client_close(&subs[i].c);
	}
	printf("subscribe test: %d subscribers, %u changes in %.2f s (%.0f changes/s), "
	       "%u tables differ, %u sequence gaps, stopped subscriber resynced %u time(s), others %u\n",
	       nsub, changes, t_writer, changes / (t_writer > 0 ? t_writer : 1), mismatched, gaps,
	       subs[0].resyncs, resyncs - subs[0].resyncs);
	kill(rtmd, SIGTERM);
	waitpid(rtmd, NULL, 0);
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		fprintf(stderr, "writer failed\n");
		fail = 1;
	}
	if (subs[0].resyncs == 0) {
		fprintf(stderr, "the slow subscriber was never dropped: the queue bound was not exercised\n");
		fail = 1;
	}
	if (mismatched || gaps)
		fail = 1;
	if (!fail)
		testenv_cleanup(&env);
	free(subs);
	free(pfd);
	return fail;
}
