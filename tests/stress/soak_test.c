/* soak_test.c - many subscribers, several writers, repeated kill -9.
 *
 * One process holds SUBSCRIBERS subscriptions (poll, reconnecting and
 * resyncing whenever rtmd goes away); WRITERS processes toggle routes and
 * ARP entries in key spaces of their own, one acknowledged change at a
 * time, remembering what rtmd acknowledged.  The parent kills rtmd with
 * SIGKILL every phase and restarts it, sampling its RSS and open file
 * descriptors during each phase.  At the end the writers stop, rtmd is
 * killed once more and restarted, and every writer's last acknowledged state
 * of every key must be in the tables: no acknowledged change lost.
 *
 * Usage: soak_test [SECONDS [SUBSCRIBERS [WRITERS]]]   (defaults 120 1000 4;
 * top_builddir in the environment).  Prints one summary line.
 * Exit: 0 pass, 1 fail, 99 hard error.  Not part of "make check": "make soak".
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "entries.h"
#include "client.h"
#include "proto.h"
#include "proc.h"
#include "testlib.h"

#define KEYS 2000           /* per writer: first half routes, second half ARP */
#define PHASES 6            /* kill -9 + restart after each */
#define SAMPLES 3           /* RSS/fd samples per phase */

enum { K_ABSENT = 0, K_PRESENT = 1, K_UNSURE = 2 };

static struct testenv env;
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static void route_key(int w, int k, struct rt_route *r)
{
	test_route_host(r, 0x0a000000u | (uint32_t)(100 + w) << 16, (uint32_t)k, 0, "eth0", 0);
}

static void neigh_key(int w, int k, struct rt_neigh *n)
{
	memset(n, 0, sizeof(*n));
	n->ip.family = AF_INET;
	n->ip.bytes[0] = 172;
	n->ip.bytes[1] = (uint8_t)(16 + w);
	n->ip.bytes[2] = (uint8_t)(k >> 8);
	n->ip.bytes[3] = (uint8_t)k;
	n->lladdr[0] = 2;
	n->lladdr[4] = (uint8_t)w;
	n->lladdr[5] = (uint8_t)k;
	strcpy(n->dev, "eth1");
}

/* ---- writers -------------------------------------------------------------- */

/* Toggle random keys; a key whose request got no answer (rtmd killed) is
 * UNSURE until a later acknowledged replace makes it present again.  On
 * SIGTERM write the state to writer-W.state and the count of acknowledged
 * changes to the exit path. */
static void writer(int w)
{
	static uint8_t state[KEYS];
	struct rt_client c = { .fd = -1 };
	struct rt_msgbuf mb;
	char err[512], path[300];
	bool connected = false;
	unsigned long acked = 0;
	uint32_t seed = 7919u * (uint32_t)(w + 1);
	FILE *f;

	signal(SIGTERM, on_term);
	if (rt_msgbuf_init(&mb, 4096) < 0)
		_exit(99);
	while (!stop) {
		int k, rc;
		bool route;

		if (!connected) {
			if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0) {
				usleep(20000);
				continue;
			}
			connected = true;
		}
		seed = seed * 1103515245u + 12345u;
		k = (int)((seed >> 8) % KEYS);
		route = k < KEYS / 2;
		uint16_t type = state[k] == K_ABSENT ? (route ? RT_MSG_ROUTE_ADD : RT_MSG_ARP_ADD) :
		                state[k] == K_PRESENT ? (route ? RT_MSG_ROUTE_DEL : RT_MSG_ARP_DEL) :
		                (route ? RT_MSG_ROUTE_REPLACE : RT_MSG_ARP_REPLACE);
		rt_msg_begin(&mb, type, (uint32_t)acked, 0);
		if (route) {
			struct rt_route r;

			route_key(w, k, &r);
			rt_msg_put_route(&mb, &r);
		} else {
			struct rt_neigh n;

			neigh_key(w, k, &n);
			rt_msg_put_neigh(&mb, &n);
		}
		/* From here until the answer, the key's fate is unknown. */
		uint8_t before = state[k];
		state[k] = K_UNSURE;
		rc = test_request(&c, &mb);
		if (rc < 0) {
			rt_client_close(&c);
			connected = false;
			continue;
		}
		if (rc != 0) {
			fprintf(stderr, "writer %d: key %d (state %u, type %u) refused: %s\n", w, k,
			        before, type, rt_err_str(rc));
			_exit(2);
		}
		state[k] = (type == RT_MSG_ROUTE_DEL || type == RT_MSG_ARP_DEL) ? K_ABSENT : K_PRESENT;
		acked++;
	}
	snprintf(path, sizeof(path), "%s/writer-%d.state", env.dir, w);
	f = fopen(path, "w");
	if (!f || fwrite(state, 1, sizeof(state), f) != sizeof(state) ||
	    fprintf(f, "%lu\n", acked) < 0 || fclose(f) != 0)
		_exit(99);
	if (connected)
		rt_client_close(&c);
	rt_msgbuf_free(&mb);
	_exit(0);
}

/* ---- subscribers ------------------------------------------------------------ */

struct sub {
	struct rt_client c;
	bool connected, synced;
	uint64_t last_seq;
};

static int sub_connect(struct sub *s)
{
	struct rt_msgbuf mb;
	char err[512];
	int rc;

	if (rt_client_connect(&s->c, env.sock, err, sizeof(err)) < 0)
		return -1;
	if (rt_msgbuf_init(&mb, 1024) < 0)
		return -1;
	rt_msg_begin(&mb, RT_MSG_SUBSCRIBE, 1, 0);
	rc = rt_client_send(&s->c, &mb);
	rt_msgbuf_free(&mb);
	if (rc < 0) {
		rt_client_close(&s->c);
		return -1;
	}
	s->connected = true;
	s->synced = false;
	return 0;
}

/* Runs until SIGTERM; prints "events resyncs gaps synced" on stdout. */
static void subscribers(int n)
{
	struct sub *subs = calloc((size_t)n, sizeof(*subs));
	struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
	unsigned long events = 0, resyncs = 0, gaps = 0;
	int synced = 0;

	signal(SIGTERM, on_term);
	if (!subs || !pfd)
		_exit(99);
	while (!stop) {
		int ready;

		for (int i = 0; i < n; i++) {
			if (!subs[i].connected && sub_connect(&subs[i]) == 0)
				resyncs++;
			pfd[i].fd = subs[i].connected ? subs[i].c.fd : -1;
			pfd[i].events = POLLIN;
		}
		ready = poll(pfd, (nfds_t)n, 50);
		if (ready < 0 && errno != EINTR)
			_exit(99);
		for (int i = 0; ready > 0 && i < n; i++) {
			struct sub *s = &subs[i];
			char err[512], why[RT_ERRLEN];
			struct rt_hdr h;
			const uint8_t *msg;

			if (!pfd[i].revents)
				continue;
			if (rt_client_recv(&s->c, &h, &msg, err, sizeof(err)) <= 0) {
				rt_client_close(&s->c);
				s->connected = false;
				continue;
			}
			if (h.type == RT_MSG_HELLO) {
				struct rt_hello hello;

				if (rt_msg_get_hello(&h, msg, &hello, why) == 0)
					s->last_seq = hello.event_seq;
			} else if (h.type == RT_MSG_SYNC) {
				s->synced = true;
			} else if (h.type == RT_MSG_EVENTS && s->synced) {
				static struct rt_route route;
				struct rt_reader rd;

				rt_msg_reader(&rd, &h, msg);
				for (uint32_t e = 0; e < h.count; e++) {
					struct rt_event ev;

					if (rt_msg_read_event(&rd, &ev, &route, why) != 0)
						continue;
					gaps += ev.seq != s->last_seq + 1;
					s->last_seq = ev.seq;
					events++;
				}
			}
		}
	}
	for (int i = 0; i < n; i++) {
		synced += subs[i].connected && subs[i].synced;
		if (subs[i].connected)
			rt_client_close(&subs[i].c);
	}
	printf("%lu %lu %lu %d\n", events, resyncs, gaps, synced);
	fflush(stdout);
	_exit(0);
}

/* ---- the parent -------------------------------------------------------------- */

static int query_status(struct rt_status *st)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	struct rt_hdr h;
	const uint8_t *msg;
	char err[512];
	int rc = -1;

	if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0)
		return -1;
	if (rt_msgbuf_init(&mb, 1024) == 0) {
		rt_msg_begin(&mb, RT_MSG_STATUS, 1, 0);
		if (rt_client_send(&c, &mb) == 0 && rt_client_recv(&c, &h, &msg, err, sizeof(err)) > 0 &&
		    h.type == RT_MSG_STATUS_REPLY && rt_msg_get_status(&h, msg, st, err) == 0)
			rc = 0;
		rt_msgbuf_free(&mb);
	}
	rt_client_close(&c);
	return rc;
}

/* Mark in present[w][k] what the tables hold. */
static int list_into(uint16_t type, uint8_t (*present)[KEYS], int writers)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	struct rt_hdr h;
	const uint8_t *msg;
	char err[512];

	if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0 || rt_msgbuf_init(&mb, 1024) < 0)
		return -1;
	rt_msg_begin(&mb, type, 1, 0);
	if (rt_client_send(&c, &mb) < 0)
		return -1;
	do {
		if (rt_client_recv(&c, &h, &msg, err, sizeof(err)) <= 0)
			return -1;
		for (uint32_t i = 0; i < h.count; i++) {
			int w, k;

			if (h.type == RT_MSG_ROUTES) {
				struct rt_route r;

				if (rt_msg_get_route(&h, msg, i, &r, err) != 0)
					return -1;
				w = r.dst.addr.bytes[1] - 100;
				k = r.dst.addr.bytes[2] << 8 | r.dst.addr.bytes[3];
				if (r.dst.addr.bytes[0] != 10 || k >= KEYS / 2)
					continue;
			} else {
				struct rt_neigh n;

				if (rt_msg_get_neigh(&h, msg, i, &n, err) != 0)
					return -1;
				w = n.ip.bytes[1] - 16;
				k = n.ip.bytes[2] << 8 | n.ip.bytes[3];
				if (n.ip.bytes[0] != 172 || k < KEYS / 2 || k >= KEYS)
					continue;
			}
			if (w >= 0 && w < writers)
				present[w][k] = 1;
		}
	} while (h.flags & RT_F_MORE);
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
	return 0;
}

static pid_t kill_restart(pid_t rtmd)
{
	kill(rtmd, SIGKILL);
	waitpid(rtmd, NULL, 0);
	return testenv_start_rtmd(&env);
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 120;
	int nsub = argc > 2 ? atoi(argv[2]) : 1000;
	int nwriters = argc > 3 ? atoi(argv[3]) : 4;
	double phase = (double)seconds / (PHASES + 1);
	long rss_first = -1, rss_last = -1, rss_max = 0, rss_mid = -1;
	int fds_first = -1, fds_last = -1, fds_max = 0, restarts = 0, fail = 0;
	unsigned long changes = 0, lost = 0, unsure = 0, events = 0, resyncs = 0, gaps = 0;
	int synced = 0, pipefd[2];
	pid_t rtmd, subp, *wp = calloc((size_t)(nwriters > 0 ? nwriters : 1), sizeof(pid_t));
	uint8_t (*present)[KEYS] = calloc((size_t)(nwriters > 0 ? nwriters : 1), KEYS);
	struct rlimit rl;
	struct rt_status st;
	char conf[256];
	rlim_t need = (rlim_t)nsub + (rlim_t)nwriters + 256;

	if (nsub < 1 || nwriters < 1 || nwriters > 100 || seconds < 7 || !wp || !present)
		return 99;
	/* 1000 subscriber sockets here, as many in rtmd (which inherits it). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (rl.rlim_max < need)
			rl.rlim_max = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			fprintf(stderr, "cannot raise RLIMIT_NOFILE to %lu: %s (run as root or raise ulimit -n)\n",
			        (unsigned long)need, strerror(errno));
			return 99;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	testenv_init(&env, "soak");
	snprintf(conf, sizeof(conf), "max-clients = %d;\n", nsub + nwriters + 64);
	testenv_config(&env, conf);
	rtmd = testenv_start_rtmd(&env);
	if (pipe(pipefd) < 0)
		return 99;
	subp = fork();
	if (subp == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		subscribers(nsub);
	}
	close(pipefd[1]);
	for (int w = 0; w < nwriters; w++)
		if ((wp[w] = fork()) == 0)
			writer(w);

	for (int p = 0; p <= PHASES; p++) {
		for (int s = 1; s <= SAMPLES; s++) {
			long rss;
			int fds;

			usleep((useconds_t)(phase / SAMPLES * 1e6));
			rss = proc_kb(rtmd, "VmRSS");
			fds = proc_fd_count(rtmd);
			/* The first phase's first sample is warm-up. */
			if (p == 0 && s == 1)
				continue;
			if (rss_first < 0) {
				rss_first = rss;
				fds_first = fds;
			}
			rss_last = rss;
			fds_last = fds;
			if (rss > rss_max)
				rss_max = rss;
			/* This rtmd at mid-life: its first samples still see the
			 * reconnection storm of 1000 subscribers filling queues and
			 * malloc arenas, so growth from there is not a leak. */
			if (s == (SAMPLES + 1) / 2)
				rss_mid = rss;
			if (fds > fds_max)
				fds_max = fds;
		}
		if (query_status(&st) == 0)
			printf("  phase %d: rtmd pid %ld RSS %ld kB, %d fds, %u clients (%u subscribers), "
			       "%llu routes, %llu ARP entries\n", p, (long)rtmd, rss_last, fds_last,
			       st.clients, st.subscribers, (unsigned long long)st.routes,
			       (unsigned long long)st.neighs);
		if (p < PHASES) {
			rtmd = kill_restart(rtmd);
			restarts++;
		}
	}

	/* Stop the writers, crash rtmd once more, and check every key. */
	for (int w = 0; w < nwriters; w++) {
		int ws;

		kill(wp[w], SIGTERM);
		if (waitpid(wp[w], &ws, 0) != wp[w] || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
			fprintf(stderr, "writer %d failed (status %d)\n", w, ws);
			fail = 1;
		}
	}
	rtmd = kill_restart(rtmd);
	restarts++;
	if (list_into(RT_MSG_ROUTE_LIST, present, nwriters) < 0 ||
	    list_into(RT_MSG_ARP_LIST, present, nwriters) < 0) {
		fprintf(stderr, "cannot list the tables after the final restart\n");
		return 1;
	}
	for (int w = 0; w < nwriters; w++) {
		uint8_t state[KEYS];
		unsigned long acked = 0;
		char path[300];
		FILE *f;

		snprintf(path, sizeof(path), "%s/writer-%d.state", env.dir, w);
		f = fopen(path, "r");
		if (!f || fread(state, 1, KEYS, f) != KEYS || fscanf(f, "%lu", &acked) != 1) {
			fprintf(stderr, "%s: cannot read the writer's state\n", path);
			return 1;
		}
		fclose(f);
		changes += acked;
		for (int k = 0; k < KEYS; k++) {
			if (state[k] == K_UNSURE) {
				unsure++;
			} else if (state[k] != present[w][k]) {
				lost++;
				if (lost <= 10)
					fprintf(stderr, "writer %d key %d: acknowledged %s, table says %s\n", w, k,
					        state[k] ? "present" : "absent",
					        present[w][k] ? "present" : "absent");
			}
		}
	}
	/* Every subscriber must be back and in sync with the last rtmd. */
	for (int i = 0; i < 300; i++) {
		if (query_status(&st) == 0 && st.subscribers == (uint32_t)nsub)
			break;
		usleep(100000);
	}
	usleep(500000);
	kill(subp, SIGTERM);
	{
		FILE *f = fdopen(pipefd[0], "r");

		if (!f || fscanf(f, "%lu %lu %lu %d", &events, &resyncs, &gaps, &synced) != 4) {
			fprintf(stderr, "no summary from the subscriber process\n");
			fail = 1;
		}
		waitpid(subp, NULL, 0);
	}
	kill(rtmd, SIGTERM);
	{
		int ws;

		if (waitpid(rtmd, &ws, 0) != rtmd || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
			fprintf(stderr, "rtmd did not exit 0 on SIGTERM (status %d)\n", ws);
			fail = 1;
		}
	}
	printf("soak: %d clients (%d subscribers, %d writers), %lu changes, %d restarts, lost = %lu "
	       "(%lu in flight at a kill), RSS first/last/max %ld/%ld/%ld kB (last rtmd %ld -> %ld), "
	       "fds first/last/max "
	       "%d/%d/%d, %lu events, %lu resyncs, %lu gaps, %d/%d subscribers in sync at the end\n",
	       nsub + nwriters, nsub, nwriters, changes, restarts, lost, unsure, rss_first, rss_last,
	       rss_max, rss_mid, rss_last, fds_first, fds_last, fds_max, events, resyncs, gaps, synced, nsub);
	if (lost || gaps || synced != nsub || changes == 0)
		fail = 1;
	/* Bounded: no fd leak (subscribers + writers + a few files), no growth
	 * of memory beyond noise between a fresh and a long-running rtmd. */
	if (fds_max > nsub + nwriters + 64) {
		fprintf(stderr, "rtmd held %d fds for %d clients\n", fds_max, nsub + nwriters);
		fail = 1;
	}
	/* Each phase is a fresh rtmd whose size follows the table and the
	 * dumps of 1000 resubscriptions, so leaks show within one life: the
	 * last rtmd between mid-life and its last sample. */
	if (rss_last > rss_mid + rss_mid / 2 + 16384) {
		fprintf(stderr, "the last rtmd grew from %ld to %ld kB in %.0f s\n", rss_mid, rss_last,
		        phase * (SAMPLES - (SAMPLES + 1) / 2) / SAMPLES);
		fail = 1;
	}
	if (!fail)
		testenv_cleanup(&env);
	else
		fprintf(stderr, "kept %s for inspection\n", env.dir);
	return fail;
}
