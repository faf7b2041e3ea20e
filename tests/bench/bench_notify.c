/* bench_notify.c - notification latency and sustained fan-out, against the
 * raw floor.
 *
 * Latency: the harness sends one ROUTE_REPLACE of one route, waits for the
 * ack and for every subscriber process to have the event, and takes
 * "reach-all" = last subscriber's receipt - request send.  Events are sent
 * one at a time so each sample is measured alone.  The floor does the same
 * with no daemon: one process writes the same bytes (a 24-byte header and a
 * 72-byte event, rtmd's own message) to N SOCK_SEQPACKET sockets read by N
 * processes running the same receive code.
 *
 * Sustained: a batched writer (1000 routes a message, 8 messages in flight)
 * against the floor writing one event per write and 64 per write; the rate
 * is events reaching all subscribers per second, from the first send to the
 * last subscriber's last receipt.  Totals stay below rtmd's default
 * per-subscriber queue (65536 events), so no subscriber is dropped.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "entries.h"
#include "bench.h"

static const int NSUBS[] = { 1, 10, 100, 1000 };
#define PER_MSG 1000
#define WINDOW 8
#define RUN_LIMIT_S 15.0
#define LAT_ROUTE 60000

/* Across runs on one daemon, so that a replace always changes the route. */
static uint32_t lat_round, sus_round;

static uint32_t samples_for(int n)
{
	return n <= 10 ? 1000 : n <= 100 ? 500 : 100;
}

/* One event per write costs a reader wake-up per delivery: a tenth of the
 * deliveries keep the run short. */
static uint64_t events_unbatched(int n)
{
	uint64_t e = 200000 / (uint64_t)n;

	return e < 200 ? 200 : e > 60000 ? 60000 : e;
}

/* Events per sustained run: about two million deliveries, in whole
 * writer messages, below the subscriber queue bound. */
static uint64_t events_for(int n)
{
	uint64_t e = 2000000 / (uint64_t)n;

	e = e < 2000 ? 2000 : e > 60000 ? 60000 : e;
	return e / PER_MSG * PER_MSG;
}

static void route_n(uint32_t id, uint32_t round, struct rt_route *r)
{
	test_route_host(r, 0x0afa0000u, id, (uint8_t)(1 + round % 2), "d0", 0);
}

static int ack(struct rt_client *c)
{
	char err[512];
	struct rt_hdr h;
	const uint8_t *msg;

	if (rt_client_recv(c, &h, &msg, err, sizeof(err)) != 1) {
		note("writer: %s", err);
		return -1;
	}
	if (h.type != RT_MSG_ACK) {
		note("writer: rtmd answered message type %u, not an ack", h.type);
		return -1;
	}
	return 0;
}

static void record_latency(const char *who, const char *mode, int n, double *v, uint32_t k,
                           const char *cmd, double *p50)
{
	char id[64], label[100];
	struct stats st;

	stats_of(v, k, &st);
	*p50 = st.p50;
	snprintf(id, sizeof(id), "notify.%s.%s.n%d.p50", who, mode, n);
	snprintf(label, sizeof(label), "%s %s reach-all p50, N=%d", who, mode, n);
	fig(id, label, st.p50 * 1e6, "us", cmd, "%zu samples", st.n);
	snprintf(id, sizeof(id), "notify.%s.%s.n%d.p99", who, mode, n);
	snprintf(label, sizeof(label), "%s %s reach-all p99, N=%d", who, mode, n);
	fig(id, label, st.p99 * 1e6, "us", cmd, NULL);
	snprintf(id, sizeof(id), "notify.%s.%s.n%d.max", who, mode, n);
	snprintf(label, sizeof(label), "%s %s reach-all max, N=%d", who, mode, n);
	fig(id, label, st.max * 1e6, "us", cmd, NULL);
}

/* One latency run: want samples (fewer if RUN_LIMIT_S runs out), each one
 * event published alone by publish() and waited for at every subscriber;
 * the figures are recorded as who/mode.  Returns the samples taken. */
typedef int (*publish_fn)(void *ctx, struct rt_msgbuf *mb, uint32_t k);

static uint32_t sample_latency(struct subs *s, int n, uint32_t want, publish_fn publish, void *ctx,
                               const char *who, const char *mode, const char *cmd, double *p50)
{
	struct rt_msgbuf mb;
	double *v = xmalloc(want * sizeof(*v)), t_end = now_s() + RUN_LIMIT_S;
	uint32_t k;

	if (rt_msgbuf_init(&mb, RT_MSG_MAX_DEFAULT) < 0)
		die("out of memory");
	subs_sample(s, want);
	for (k = 0; k < want && now_s() < t_end; k++) {
		subs_mark_send(s, k);
		if (publish(ctx, &mb, k) < 0 || subs_wait_event(s, k, 10) < 0) {
			note("%s latency N=%d: sample %u lost (%u subscribers failed)", who, n, k,
			     subs_failed(s));
			break;
		}
		v[k] = subs_reach_all(s, k);
	}
	subs_sample(s, k);
	record_latency(who, mode, n, v, k, cmd, p50);
	rt_msgbuf_free(&mb);
	free(v);
	return k;
}

/* rtmd: one change per request; its own route, whose gateway flips every
 * time, so each replace is a change and makes one event. */
static int rtmd_publish(void *ctx, struct rt_msgbuf *mb, uint32_t k)
{
	struct rt_client *c = ctx;
	struct rt_route r;

	route_n(LAT_ROUTE, lat_round++, &r);
	rt_msg_begin(mb, RT_MSG_ROUTE_REPLACE, k + 1, 0);
	rt_msg_put_route(mb, &r);
	return rt_client_send(c, mb) < 0 || ack(c) < 0 ? -1 : 0;
}

static uint32_t rtmd_latency(struct rt_client *c, struct subs *s, const char *mode, int n,
                             uint32_t want, double *p50)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "%s --only notify  # rtmd sync=%s, %d subscriber processes, "
	         "1 route replace per request", B.self, mode, n);
	return sample_latency(s, n, want, rtmd_publish, c, "rtmd", mode, cmd, p50);
}

static double rtmd_sustained(struct rt_client *c, struct subs *s, int n, uint64_t base)
{
	uint64_t total = events_for(n), msgs = total / PER_MSG, sent = 0, acked = 0, last;
	struct rt_msgbuf mb;
	uint64_t t0;

	if (rt_msgbuf_init(&mb, RT_MSG_MAX_DEFAULT) < 0)
		die("out of memory");
	subs_set_target(s, base + total);
	t0 = now_ns();
	while (acked < msgs) {
		if (sent < msgs && sent - acked < WINDOW) {
			rt_msg_begin(&mb, RT_MSG_ROUTE_REPLACE, (uint32_t)sent + 1, 0);
			sus_round++;
			for (uint32_t i = 0; i < PER_MSG; i++) {
				struct rt_route r;

				route_n(i, sus_round, &r);
				rt_msg_put_route(&mb, &r);
			}
			if (rt_client_send(c, &mb) < 0)
				die("writer: send to rtmd: %s", strerror(errno));
			sent++;
			continue;
		}
		if (ack(c) < 0)
			die("writer: rtmd refused a batch of the sustained run");
		acked++;
	}
	rt_msgbuf_free(&mb);
	last = subs_wait_target(s, 120);
	if (!last) {
		note("rtmd sustained N=%d: not every subscriber got every event (%u failed)", n,
		     subs_failed(s));
		return NAN;
	}
	return (double)total / ((double)(last - t0) / 1e9);
}

static void floor_msg(struct rt_msgbuf *mb, uint64_t seq0, uint32_t count)
{
	rt_msg_begin(mb, RT_MSG_EVENTS, 0, 0);
	for (uint32_t i = 0; i < count; i++) {
		static struct rt_route r;
		struct rt_event ev = { .seq = seq0 + i, .kind = RT_EV_CHANGE, .table = RT_TABLE_ROUTE,
		                       .route = &r };

		route_n((uint32_t)(seq0 + i) % PER_MSG, (uint32_t)(seq0 + i), &r);
		rt_msg_put_event(mb, &ev);
	}
}

static int floor_send(struct subs *s, const struct rt_msgbuf *mb)
{
	const int *fd = subs_floor_fds(s);

	for (int i = 0; i < subs_count(s); i++) {
		ssize_t r = send(fd[i], mb->data, mb->len, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR) {
			i--;
			continue;
		}
		if (r != (ssize_t)mb->len)
			return -1;
	}
	return 0;
}

static int floor_publish(void *ctx, struct rt_msgbuf *mb, uint32_t k)
{
	floor_msg(mb, k + 1, 1);
	return floor_send(ctx, mb);
}

static uint32_t floor_latency(struct subs *s, int n, uint32_t want, double *p50)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "%s --only notify  # raw floor: 1 writer, %d SOCK_SEQPACKET "
	         "socket pairs, %d reader processes, 96-byte messages", B.self, n, n);
	return sample_latency(s, n, want, floor_publish, s, "floor", "unbatched", cmd, p50);
}

/* The floor of any design with a daemon in the middle: the writer's message
 * goes to a relay process, which forwards it to the N sockets.  rtmd cannot
 * beat this (it adds the work of applying the change), and the raw floor
 * above has one hop fewer, which no broker can remove. */
static __attribute__((noreturn)) void relay(int in, const int *out, int n)
{
	uint8_t buf[4096];

	for (;;) {
		ssize_t r = recv(in, buf, sizeof(buf), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(r < 0);
		for (int i = 0; i < n; i++)
			while (send(out[i], buf, (size_t)r, MSG_NOSIGNAL) < 0)
				if (errno != EINTR)
					_exit(1);
	}
}

static int relay_publish(void *ctx, struct rt_msgbuf *mb, uint32_t k)
{
	const int *fd = ctx;

	floor_msg(mb, k + 1, 1);
	return send(*fd, mb->data, mb->len, MSG_NOSIGNAL) == (ssize_t)mb->len ? 0 : -1;
}

static uint32_t relay_latency(int n, uint32_t want, double *p50)
{
	struct subs *s = subs_start_floor(n);
	char cmd[700];
	uint32_t k;
	int sv[2];
	pid_t pid;

	if (!s)
		die("cannot start %d floor readers", n);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		die("socketpair: %s", strerror(errno));
	pid = bench_fork();
	if (pid == 0) {
		close(sv[0]);
		relay(sv[1], subs_floor_fds(s), subs_count(s));
	}
	close(sv[1]);
	snprintf(cmd, sizeof(cmd), "%s --only notify  # relay floor: 1 writer -> 1 relay process -> "
	         "%d SOCK_SEQPACKET sockets, %d reader processes, 96-byte messages", B.self, n, n);
	k = sample_latency(s, n, want, relay_publish, &sv[0], "relay", "unbatched", cmd, p50);
	close(sv[0]);
	bench_wait(pid, 10);
	subs_stop(s);
	return k;
}

static double floor_sustained(struct subs *s, int n, uint64_t base, uint32_t per_write)
{
	uint64_t total = per_write == 1 ? events_unbatched(n) : events_for(n), last, t0;
	struct rt_msgbuf mb;

	if (rt_msgbuf_init(&mb, RT_MSG_MAX_DEFAULT) < 0)
		die("out of memory");
	subs_set_target(s, base + total);
	t0 = now_ns();
	for (uint64_t e = 0; e < total; e += per_write) {
		uint32_t cnt = (uint32_t)(total - e < per_write ? total - e : per_write);

		floor_msg(&mb, base + e + 1, cnt);
		if (floor_send(s, &mb) < 0) {
			note("floor sustained N=%d: a reader went away", n);
			rt_msgbuf_free(&mb);
			return NAN;
		}
	}
	rt_msgbuf_free(&mb);
	last = subs_wait_target(s, 120);
	if (!last)
		return NAN;
	return (double)total / ((double)(last - t0) / 1e9);
}

static void sustained_fig(const char *id, const char *label, int n, double rate, const char *cmd,
                          uint64_t events)
{
	char i1[64], l1[100];

	snprintf(i1, sizeof(i1), "%s.n%d", id, n);
	snprintf(l1, sizeof(l1), "%s, N=%d", label, n);
	fig(i1, l1, rate * n, "deliv/s", cmd, "%.0f events/s reaching all %d subscribers; %llu events",
	    rate, n, (unsigned long long)events);
}

static void run_n(struct daemon *d, const char *mode, int n, bool sustained)
{
	struct rt_client c;
	char err[512], cmd[700], id[64], label[100];
	struct subs *s;
	double rp50 = NAN, fp50 = NAN, lp50 = NAN, rrate = NAN, f1 = NAN, f64 = NAN;
	uint32_t k;

	s = subs_start_rtmd(n, d->sock);
	if (!s) {
		snprintf(id, sizeof(id), "notify.rtmd.%s.n%d.p50", mode, n);
		fig(id, "rtmd reach-all p50", NAN, "us", "", "subscribers could not subscribe");
		return;
	}
	if (rt_client_connect(&c, d->sock, err, sizeof(err)) < 0)
		die("%s", err);
	k = rtmd_latency(&c, s, mode, n, samples_for(n), &rp50);
	if (sustained) {
		rrate = rtmd_sustained(&c, s, n, k);
		snprintf(cmd, sizeof(cmd), "%s --only notify  # rtmd sync=%s, %d subscriber processes, "
		         "%d routes per request, %d requests in flight", B.self, mode, n, PER_MSG, WINDOW);
		sustained_fig("notify.rtmd.sustained", "rtmd sustained batched deliveries", n, rrate, cmd,
		              events_for(n));
	}
	if (subs_gaps(s))
		note("rtmd N=%d: %llu sequence gaps", n, (unsigned long long)subs_gaps(s));
	rt_client_close(&c);
	subs_stop(s);
	if (!sustained)
		return;

	s = subs_start_floor(n);
	if (!s)
		die("cannot start %d floor readers", n);
	k = floor_latency(s, n, samples_for(n), &fp50);
	snprintf(cmd, sizeof(cmd), "%s --only notify  # raw floor, %d readers", B.self, n);
	f1 = floor_sustained(s, n, k, 1);
	sustained_fig("notify.floor.sustained1", "floor sustained deliveries, 1 event/write", n, f1, cmd,
	              events_unbatched(n));
	f64 = floor_sustained(s, n, k + events_unbatched(n), 64);
	sustained_fig("notify.floor.sustained64", "floor sustained deliveries, 64 events/write", n, f64,
	              cmd, events_for(n));
	subs_stop(s);
	relay_latency(n, samples_for(n), &lp50);

	snprintf(id, sizeof(id), "notify.ratio.lat.n%d", n);
	snprintf(label, sizeof(label), "reach-all p50 rtmd/floor, N=%d", n);
	fig(id, label, rp50 / fp50, "x", "ratio of the two figures above", "target <= 1.25");
	snprintf(id, sizeof(id), "notify.ratio.relay.n%d", n);
	snprintf(label, sizeof(label), "reach-all p50 rtmd/relay floor, N=%d", n);
	fig(id, label, rp50 / lp50, "x", "ratio of the figures above",
	    "the relay floor has rtmd's extra hop (writer -> daemon -> readers), nothing else");
	snprintf(id, sizeof(id), "notify.ratio.sustained.n%d", n);
	snprintf(label, sizeof(label), "sustained deliveries rtmd/floor(64/write), N=%d", n);
	fig(id, label, rrate / f64, "x", "ratio of the figures above", "target >= 0.5; vs 1/write: %.2f",
	    rrate / f1);
}

void suite_notify(void)
{
	struct daemon d;

	section("Notification: reach-all latency and sustained fan-out (rtmd vs raw floor)");
	daemon_init(&d, "notify-interval",
	            "sync = \"interval\";\nsync-interval-ms = 10;\nmax-clients = 4096;\n");
	daemon_start(&d);
	for (size_t i = 0; i < sizeof(NSUBS) / sizeof(NSUBS[0]); i++)
		run_n(&d, "interval", NSUBS[i], true);
	daemon_stop(&d);

	/* With sync = always the event leaves rtmd after the msync. */
	daemon_init(&d, "notify-always", "sync = \"always\";\nmax-clients = 4096;\n");
	daemon_start(&d);
	for (size_t i = 0; i < sizeof(NSUBS) / sizeof(NSUBS[0]); i++)
		run_n(&d, "always", NSUBS[i], false);
	daemon_stop(&d);
}
