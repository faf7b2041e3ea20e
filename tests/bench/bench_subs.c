/* bench_subs.c - N subscriber processes that time-stamp what they receive.
 *
 * The same child code serves rtmd and the raw floor, so both sides pay the
 * same receive and decode costs: a child blocks in recv() on its socket
 * (connected to rtmd and subscribed, or one end of a socket pair the
 * harness writes), decodes each EVENTS message with the library, checks
 * that event sequence numbers follow each other, and records in shared
 * memory the CLOCK_MONOTONIC time at which each sampled event arrived.
 * The child that completes an event (or a throughput target) last wakes the
 * harness through a pipe, so the harness sleeps instead of spinning on one
 * of the two cores.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

struct shared {
	_Atomic uint32_t ready, failed, finished;
	_Atomic uint32_t nsamples;             /* events < this are sampled */
	_Atomic uint64_t target;
	_Atomic uint32_t done[LAT_MAX];
	uint64_t t_send[LAT_MAX];
	_Atomic uint64_t seen[SUBS_MAX], gaps[SUBS_MAX], last_ns[SUBS_MAX];
	uint64_t recv_ns[];                    /* [SUBS_MAX][LAT_MAX] */
};

struct subs {
	struct shared *sh;
	size_t shlen;
	int n;
	pid_t pid[SUBS_MAX];
	int floor_fd[SUBS_MAX];
	int pipe_rd, pipe_wr;
};

static void wake(int fd)
{
	char c = 1;

	while (write(fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* rtmd side: subscribe to the route table without a dump; 0 and the
 * sequence of the last event before us, or -1. */
static int subscribe(int fd, uint8_t *buf, size_t cap, uint64_t *seq)
{
	struct rt_msgbuf mb;
	char why[RT_ERRLEN];
	struct rt_hdr h;
	bool sent;

	if (rt_msgbuf_init(&mb, 1024) < 0)
		return -1;
	rt_msg_begin(&mb, RT_MSG_SUBSCRIBE, 1, RT_F_TABLE_ROUTE | RT_F_NO_DUMP);
	sent = send(fd, mb.data, mb.len, MSG_NOSIGNAL) == (ssize_t)mb.len;
	rt_msgbuf_free(&mb);
	if (!sent)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, buf, cap, 0);
		struct rt_sync sy;

		if (n <= 0 || rt_msg_decode(buf, (size_t)n, &h, why) != 0)
			return -1;
		if (h.type == RT_MSG_SYNC) {
			if (rt_msg_get_sync(&h, buf, &sy, why) != 0)
				return -1;
			*seq = sy.event_seq;
			return 0;
		}
		if (h.type != RT_MSG_HELLO && h.type != RT_MSG_EVENTS)
			return -1;
	}
}

static __attribute__((noreturn)) void child(struct shared *sh, int i, int n, int fd, int wpipe,
                                            const char *sock)
{
	size_t cap = RT_MSG_MAX_DEFAULT + 1;
	uint8_t *buf = malloc(cap);
	uint64_t last = 0, seen = 0;
	char why[RT_ERRLEN];

	if (!buf)
		_exit(1);
	if (sock) {
		struct rt_client c;

		if (rt_client_connect(&c, sock, why, sizeof(why)) < 0 ||
		    subscribe(c.fd, buf, cap, &last) < 0) {
			atomic_fetch_add(&sh->failed, 1);
			atomic_fetch_add(&sh->ready, 1);
			_exit(1);
		}
		fd = c.fd;
	}
	atomic_fetch_add(&sh->ready, 1);
	for (;;) {
		ssize_t r = recv(fd, buf, cap, 0);
		uint64_t t = now_ns();
		struct rt_hdr h;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || rt_msg_decode(buf, (size_t)r, &h, why) != 0 || h.type != RT_MSG_EVENTS) {
			/* rtmd dropped us, stopped, or sent something unexpected */
			atomic_fetch_add(&sh->failed, 1);
			wake(wpipe);
			_exit(1);
		}
		static struct rt_route route;
		struct rt_reader rd;

		rt_msg_reader(&rd, &h, buf);
		for (uint32_t k = 0; k < h.count; k++) {
			struct rt_event ev;

			if (rt_msg_read_event(&rd, &ev, &route, why) != 0) {
				atomic_fetch_add(&sh->failed, 1);
				wake(wpipe);
				_exit(1);
			}
			if (ev.seq != last + 1)
				atomic_fetch_add(&sh->gaps[i], 1);
			last = ev.seq;
			if (seen < atomic_load(&sh->nsamples)) {
				sh->recv_ns[(size_t)i * LAT_MAX + seen] = t;
				if (atomic_fetch_add(&sh->done[seen], 1) + 1 == (uint32_t)n)
					wake(wpipe);
			}
			seen++;
			if (seen == atomic_load(&sh->target)) {
				atomic_store(&sh->last_ns[i], t);
				if (atomic_fetch_add(&sh->finished, 1) + 1 == (uint32_t)n)
					wake(wpipe);
			}
		}
		atomic_store(&sh->seen[i], seen);
	}
}

static struct subs *subs_new(int n)
{
	struct subs *s = xcalloc(1, sizeof(*s));
	int p[2];

	if (n < 1 || n > SUBS_MAX)
		die("subscribers: 1..%d, not %d", SUBS_MAX, n);
	s->n = n;
	s->shlen = sizeof(struct shared) + (size_t)SUBS_MAX * LAT_MAX * sizeof(uint64_t);
	s->sh = mmap(NULL, s->shlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->sh == MAP_FAILED)
		die("mmap of %zu bytes of shared memory: %s", s->shlen, strerror(errno));
	atomic_store(&s->sh->nsamples, 0);
	atomic_store(&s->sh->target, UINT64_MAX);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		die("pipe: %s", strerror(errno));
	s->pipe_rd = p[0];
	s->pipe_wr = p[1];
	for (int i = 0; i < n; i++)
		s->floor_fd[i] = -1;
	return s;
}

/* Wait until all children are ready (or one failed): 0 or -1. */
static int wait_ready(struct subs *s)
{
	double deadline = now_s() + 120;

	while (atomic_load(&s->sh->ready) < (uint32_t)s->n) {
		if (now_s() > deadline) {
			note("only %u of %d subscribers ready after 120 s", atomic_load(&s->sh->ready), s->n);
			return -1;
		}
		usleep(1000);
	}
	if (atomic_load(&s->sh->failed)) {
		note("%u of %d subscribers could not subscribe", atomic_load(&s->sh->failed), s->n);
		return -1;
	}
	return 0;
}

struct subs *subs_start_rtmd(int n, const char *sock)
{
	struct subs *s = subs_new(n);

	for (int i = 0; i < n; i++) {
		s->pid[i] = bench_fork();
		if (s->pid[i] == 0)
			child(s->sh, i, n, -1, s->pipe_wr, sock);
	}
	if (wait_ready(s) < 0) {
		subs_stop(s);
		return NULL;
	}
	return s;
}

struct subs *subs_start_floor(int n)
{
	struct subs *s = subs_new(n);

	for (int i = 0; i < n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
			die("socketpair: %s", strerror(errno));
		s->pid[i] = bench_fork();
		if (s->pid[i] == 0) {
			/* Drop the writer ends inherited from earlier pairs. */
			for (int j = 0; j < i; j++)
				close(s->floor_fd[j]);
			close(sv[0]);
			child(s->sh, i, n, sv[1], s->pipe_wr, NULL);
		}
		close(sv[1]);
		s->floor_fd[i] = sv[0];
	}
	if (wait_ready(s) < 0) {
		subs_stop(s);
		return NULL;
	}
	return s;
}

void subs_stop(struct subs *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++)
		if (s->pid[i] > 0)
			kill(s->pid[i], SIGKILL);
	for (int i = 0; i < s->n; i++) {
		if (s->pid[i] > 0)
			bench_kill(s->pid[i]);
		if (s->floor_fd[i] >= 0)
			close(s->floor_fd[i]);
	}
	close(s->pipe_rd);
	close(s->pipe_wr);
	munmap(s->sh, s->shlen);
	free(s);
}

int subs_count(const struct subs *s)
{
	return s->n;
}

const int *subs_floor_fds(const struct subs *s)
{
	return s->floor_fd;
}

uint64_t subs_seen(const struct subs *s)
{
	uint64_t min = UINT64_MAX;

	for (int i = 0; i < s->n; i++) {
		uint64_t v = atomic_load(&s->sh->seen[i]);

		min = v < min ? v : min;
	}
	return min;
}

void subs_mark_send(struct subs *s, uint32_t k)
{
	s->sh->t_send[k] = now_ns();
}

/* Sleep on the pipe until cond() holds; stray wake-ups are drained.
 * 0, or -1 on timeout or when a subscriber failed. */
static int wait_for(struct subs *s, bool (*cond)(const struct subs *, uint32_t), uint32_t arg,
                    double timeout_s)
{
	struct pollfd p = { .fd = s->pipe_rd, .events = POLLIN };
	double deadline = now_s() + timeout_s;
	char drain[64];

	for (;;) {
		int ms;

		if (cond(s, arg))
			return 0;
		if (atomic_load(&s->sh->failed))
			return -1;
		ms = (int)((deadline - now_s()) * 1000);
		if (ms < 0)
			return -1;
		/* The pipe is the wake-up; the 100 ms cap only bounds a lost one. */
		if (poll(&p, 1, ms > 100 ? 100 : ms) > 0 && read(s->pipe_rd, drain, sizeof(drain)) < 0 &&
		    errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

static bool event_done(const struct subs *s, uint32_t k)
{
	return atomic_load(&s->sh->done[k]) >= (uint32_t)s->n;
}

static bool target_done(const struct subs *s, uint32_t unused)
{
	return atomic_load(&s->sh->finished) >= (uint32_t)s->n;
}

int subs_wait_event(struct subs *s, uint32_t k, double timeout_s)
{
	return wait_for(s, event_done, k, timeout_s);
}

double subs_reach_all(const struct subs *s, uint32_t k)
{
	uint64_t last = 0;

	for (int i = 0; i < s->n; i++) {
		uint64_t t = s->sh->recv_ns[(size_t)i * LAT_MAX + k];

		last = t > last ? t : last;
	}
	return (double)(last - s->sh->t_send[k]) / 1e9;
}

void subs_sample(struct subs *s, uint32_t k)
{
	atomic_store(&s->sh->nsamples, k);
}

void subs_set_target(struct subs *s, uint64_t total)
{
	atomic_store(&s->sh->finished, 0);
	atomic_store(&s->sh->target, total);
}

uint64_t subs_wait_target(struct subs *s, double timeout_s)
{
	uint64_t last = 0;

	if (wait_for(s, target_done, 0, timeout_s) < 0)
		return 0;
	for (int i = 0; i < s->n; i++) {
		uint64_t t = atomic_load(&s->sh->last_ns[i]);

		last = t > last ? t : last;
	}
	return last;
}

unsigned subs_failed(const struct subs *s)
{
	return atomic_load(&s->sh->failed);
}

uint64_t subs_gaps(const struct subs *s)
{
	uint64_t g = 0;

	for (int i = 0; i < s->n; i++)
		g += atomic_load(&s->sh->gaps[i]);
	return g;
}
