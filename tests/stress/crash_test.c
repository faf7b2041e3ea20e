/* crash_test.c - kill -9 rtmd at random moments during a stream of
 * acknowledged changes, restart it, and prove that every acknowledged
 * change is there and nothing else is (no torn entry served).
 *
 * A writer process sends one change at a time and reports each
 * acknowledgement through a pipe; the parent kills rtmd after a random
 * delay.  The one change in flight at the kill may or may not have been
 * applied; everything acknowledged must have been.  Before most restarts
 * rtmd is also killed during its own start-up -- the recovery of what the
 * last kill left -- up to three times in a row, at random moments within
 * the time a start takes (stores of 65,536 slots, so recovery is most of
 * it).
 *
 * Routes have one next hop, 2-16 or 17-24 (rtmd's three route files), each
 * hop's gateway and weight derived from the op that wrote it, and a
 * replace of an earlier route changes its count: the route moves from one
 * file to another, which recovery must resolve when a kill cuts the move
 * short.
 *
 * Usage: crash_test [ROUNDS]   (top_builddir in the environment)
 * Exit: 0 pass, 1 fail, 99 hard error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "entries.h"
#include "client.h"
#include "proto.h"
#include "testlib.h"

#define ARP_KEYS 64
#define MAX_OPS (1u << 22)

static struct testenv env;
/* Per route key (the op index of its add): 0 absent, else 1 + the op
 * whose value it has (its add, or a replace). */
static uint32_t *route_val;
static size_t served_files[3];  /* routes listed after restarts, by route file */
static int32_t arp_gen[ARP_KEYS];  /* op index of the MAC each key has; -1 absent */

enum op_kind { OP_ROUTE_ADD, OP_ROUTE_DEL, OP_ROUTE_REPLACE, OP_ARP_REPLACE };

/* Ops i % 4 == 2 act on the route that op i - 6 added: a delete or a
 * replace, in turn. */
static enum op_kind op_kind(uint32_t i)
{
	switch (i % 4) {
	case 0: case 1: return OP_ROUTE_ADD;
	case 2: return i < 6 ? OP_ROUTE_ADD : i / 4 % 2 ? OP_ROUTE_REPLACE : OP_ROUTE_DEL;
	default: return OP_ARP_REPLACE;
	}
}

static unsigned hops_of(uint32_t val)
{
	return val % 5 == 0 ? 2 + val / 5 % 15 : val % 13 == 0 ? 17 + val / 13 % 8 : 1;
}

/* Route key (10.k/32) with the value of op val: next hop j via
 * (100+j).val, weight 1 + (val+j) % 4 when there are several. */
static void route_of(uint32_t key, uint32_t val, struct rt_route *r)
{
	char gw[32];

	test_route_host(r, 0x0a000000u, key, 0, NULL, 0);
	for (unsigned j = 0, n = hops_of(val); j < n; j++) {
		snprintf(gw, sizeof(gw), "%u.%u.%u.%u", 100 + j, (val >> 16) & 255, (val >> 8) & 255,
		         val & 255);
		test_route_nh(r, gw, "eth0", n > 1 ? (uint16_t)(1 + (val + j) % 4) : 1);
	}
}

/* The op whose value a listed route has, or -1 if no op wrote it. */
static long route_val_of(const struct rt_route *r)
{
	struct rt_route *want = malloc(rt_route_size(RT_NH_MAX));
	uint32_t key = (uint32_t)r->dst.addr.bytes[1] << 16 | (uint32_t)r->dst.addr.bytes[2] << 8 |
	               r->dst.addr.bytes[3];
	uint32_t val = r->nh_count ? (uint32_t)r->nh[0].gw.bytes[1] << 16 |
	               (uint32_t)r->nh[0].gw.bytes[2] << 8 | r->nh[0].gw.bytes[3] : 0;
	long rc = -1;

	if (!want)
		return -1;
	route_of(key, val, want);
	rt_route_normalise(want, true);
	if (key < MAX_OPS && r->dst.len == 32 && rt_route_equal(r, want) &&
	    (val == key || (val == key + 6 && op_kind(val) == OP_ROUTE_REPLACE)))
		rc = (long)val;
	free(want);
	return rc;
}

static void neigh_of(uint32_t i, struct rt_neigh *n)
{
	uint32_t key = (i / 4) % ARP_KEYS;

	memset(n, 0, sizeof(*n));
	n->ip.family = AF_INET;
	n->ip.bytes[0] = 192;
	n->ip.bytes[1] = 0;
	n->ip.bytes[2] = 2;
	n->ip.bytes[3] = (uint8_t)key;
	n->lladdr[0] = 2;
	n->lladdr[2] = (uint8_t)(i >> 24);
	n->lladdr[3] = (uint8_t)(i >> 16);
	n->lladdr[4] = (uint8_t)(i >> 8);
	n->lladdr[5] = (uint8_t)i;
	strcpy(n->dev, "eth0");
}

static uint32_t mac_gen(const struct rt_neigh *n)
{
	return (uint32_t)n->lladdr[2] << 24 | (uint32_t)n->lladdr[3] << 16 |
	       (uint32_t)n->lladdr[4] << 8 | n->lladdr[5];
}

/* Child: perform ops from `first` on, report each acknowledged op. */
static void writer(uint32_t first, int out)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	char err[512];

	struct rt_route *r = malloc(rt_route_size(RT_NH_MAX));

	if (!r || rt_client_connect(&c, env.sock, err, sizeof(err)) < 0 ||
	    rt_msgbuf_init(&mb, 65536) < 0)
		_exit(0);
	for (uint32_t i = first; i < MAX_OPS; i++) {
		struct rt_neigh n;
		int rc;

		switch (op_kind(i)) {
		case OP_ROUTE_ADD:
			route_of(i, i, r);
			rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, i, 0);
			rt_msg_put_route(&mb, r);
			break;
		case OP_ROUTE_DEL:
			route_of(i - 6, i - 6, r);
			rt_msg_begin(&mb, RT_MSG_ROUTE_DEL, i, 0);
			rt_msg_put_route(&mb, r);
			break;
		case OP_ROUTE_REPLACE:
			/* A replace adds the route if its add was lost in flight. */
			route_of(i - 6, i, r);
			rt_msg_begin(&mb, RT_MSG_ROUTE_REPLACE, i, 0);
			rt_msg_put_route(&mb, r);
			break;
		case OP_ARP_REPLACE:
			neigh_of(i, &n);
			rt_msg_begin(&mb, RT_MSG_ARP_REPLACE, i, 0);
			rt_msg_put_neigh(&mb, &n);
			break;
		}
		rc = test_request(&c, &mb);
		if (rc < 0)
			break;
		/* A delete of a route whose add was lost in flight says "not
		 * found": the table is as the model wants it either way. */
		if (rc != 0 && !(rc == RT_E_NOTFOUND && op_kind(i) == OP_ROUTE_DEL)) {
			fprintf(stderr, "op %u refused: %s\n", i, rt_err_str(rc));
			_exit(2);
		}
		if (write(out, &i, sizeof(i)) != sizeof(i))
			break;
	}
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
	free(r);
	_exit(0);
}

static void apply(uint32_t i)
{
	switch (op_kind(i)) {
	case OP_ROUTE_ADD: route_val[i] = i + 1; break;
	case OP_ROUTE_DEL: route_val[i - 6] = 0; break;
	case OP_ROUTE_REPLACE: route_val[i - 6] = i + 1; break;
	case OP_ARP_REPLACE: arp_gen[(i / 4) % ARP_KEYS] = (int32_t)i; break;
	}
}

struct seen {
	uint32_t *routes;               /* as route_val */
	size_t files[3];                /* routes by file: 1, 2-16, 17-24 next hops */
	struct rt_route *r;             /* a route being read */
	int32_t arp[ARP_KEYS];
	size_t nroutes, narp;
	int bad;
};

/* Record what one reply message of a list holds. */
static int take_listed(const struct rt_hdr *h, const uint8_t *msg, void *ctx)
{
	struct seen *s = ctx;
	char err[RT_ERRLEN];

	struct rt_route *r = s->r;

	for (uint32_t k = 0; k < h->count; k++) {
		struct rt_neigh n;

		if (h->type == RT_MSG_ROUTES) {
			long val;

			if (rt_msg_get_route(h, msg, k, r, err) != 0 || (val = route_val_of(r)) < 0) {
				s->bad++;   /* an entry no acknowledged or in-flight op wrote */
				continue;
			}
			uint32_t i = (uint32_t)r->dst.addr.bytes[1] << 16 |
			             (uint32_t)r->dst.addr.bytes[2] << 8 | r->dst.addr.bytes[3];
			s->routes[i] = (uint32_t)val + 1;
			s->files[r->nh_count == 1 ? 0 : r->nh_count <= 16 ? 1 : 2]++;
			s->nroutes++;
		} else if (h->type == RT_MSG_NEIGHS) {
			if (rt_msg_get_neigh(h, msg, k, &n, err) != 0 || n.ip.bytes[3] >= ARP_KEYS ||
			    (mac_gen(&n) / 4) % ARP_KEYS != n.ip.bytes[3] || mac_gen(&n) % 4 != 3) {
				s->bad++;   /* an entry no acknowledged or in-flight op wrote */
				continue;
			}
			s->arp[n.ip.bytes[3]] = (int32_t)mac_gen(&n);
			s->narp++;
		} else {
			return -1;
		}
	}
	return 0;
}

static int list(uint16_t type, struct seen *s)
{
	if (test_query(env.sock, type, take_listed, s) < 0) {
		fprintf(stderr, "list: the exchange with rtmd failed\n");
		return -1;
	}
	return 0;
}

/* Compare the served tables with the model; the in-flight op may have
 * gone either way, and the model takes whichever it did. */
static int verify(uint32_t next, long inflight, size_t *lost)
{
	struct seen s = { .routes = calloc(MAX_OPS, sizeof(uint32_t)),
	                  .r = malloc(rt_route_size(RT_NH_MAX)) };
	int rc = 0;

	for (int k = 0; k < ARP_KEYS; k++)
		s.arp[k] = -1;
	if (!s.routes || !s.r || list(RT_MSG_ROUTE_LIST, &s) < 0 || list(RT_MSG_ARP_LIST, &s) < 0) {
		free(s.routes);
		free(s.r);
		return -1;
	}
	if (inflight >= 0) {
		uint32_t i = (uint32_t)inflight;

		if (op_kind(i) == OP_ROUTE_ADD && s.routes[i])
			apply(i);
		else if (op_kind(i) == OP_ROUTE_DEL && !s.routes[i - 6])
			apply(i);
		else if (op_kind(i) == OP_ROUTE_REPLACE && s.routes[i - 6] == i + 1)
			apply(i);
		else if (op_kind(i) == OP_ARP_REPLACE && s.arp[(i / 4) % ARP_KEYS] == (int32_t)i)
			apply(i);
	}
	for (uint32_t i = 0; i < next; i++)
		if (route_val[i] != s.routes[i]) {
			fprintf(stderr, "route of op %u: expected %s%ld, found %s%ld\n", i,
			        route_val[i] ? "the value of op " : "absent", (long)route_val[i] - 1,
			        s.routes[i] ? "the value of op " : "absent", (long)s.routes[i] - 1);
			if (route_val[i])
				(*lost)++;
			rc = 1;
		}
	for (int f = 0; f < 3; f++)
		served_files[f] += s.files[f];
	for (int k = 0; k < ARP_KEYS; k++)
		if (arp_gen[k] != s.arp[k]) {
			fprintf(stderr, "arp key %d: expected MAC of op %d, found %d\n", k, arp_gen[k], s.arp[k]);
			(*lost)++;
			rc = 1;
		}
	if (s.bad) {
		fprintf(stderr, "%d entries served that no operation wrote (torn?)\n", s.bad);
		rc = 1;
	}
	free(s.routes);
	free(s.r);
	return rc;
}

static long usec_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

/* Start rtmd, killing it n times first while it starts up (recovers),
 * each at a random moment within *start_us, the time a whole start took
 * last; then a start that runs, and *start_us measured again. */
static pid_t restart(int n, long *start_us, size_t *kills)
{
	long t0;
	pid_t pid;

	for (int i = 0; i < n; i++) {
		pid = testenv_spawn_rtmd(&env);
		usleep((useconds_t)(rand() % (*start_us > 1 ? *start_us : 1)));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		(*kills)++;
	}
	t0 = usec_now();
	pid = testenv_start_rtmd(&env);
	*start_us = usec_now() - t0;
	return pid;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	uint32_t next = 0;
	long inflight = -1, start_us = 20000;
	size_t lost = 0, acked = 0, failures = 0, recovery_kills = 0;
	long start_sum = 0;

	testenv_init(&env, "crash");
	route_val = calloc(MAX_OPS, sizeof(uint32_t));
	if (!route_val)
		return 99;
	for (int k = 0; k < ARP_KEYS; k++)
		arp_gen[k] = -1;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);

	for (int r = 0; r < rounds; r++) {
		pid_t rtmd, w;
		int fds[2];
		uint32_t i;

		/* Both sync policies promise the same after a kill -9: with
		 * "interval" an ack comes before the msync, not before the
		 * change is in the file. */
		testenv_config(&env, r % 2 ? "sync = \"interval\";\nroute-capacity = 65536;\n"
		                             "arp-capacity = 65536;\n"
		                           : "sync = \"always\";\nroute-capacity = 65536;\n"
		                             "arp-capacity = 65536;\n");
		rtmd = restart(r ? rand() % 4 : 0, &start_us, &recovery_kills);
		start_sum += start_us;

		if (verify(next, inflight, &lost) != 0) {
			fprintf(stderr, "round %d: verification failed (log: %s)\n", r, env.log);
			failures++;
			break;
		}
		if (pipe(fds) < 0) {
			perror("pipe");
			return 99;
		}
		w = fork();
		if (w == 0) {
			close(fds[0]);
			writer(next, fds[1]);
		}
		close(fds[1]);
		/* Kill anywhere from at once to well into the stream. */
		usleep((useconds_t)(rand() % 30000));
		kill(rtmd, SIGKILL);
		waitpid(rtmd, NULL, 0);
		inflight = -1;
		while (read(fds[0], &i, sizeof(i)) == sizeof(i)) {
			apply(i);
			acked++;
			next = i + 1;
		}
		close(fds[0]);
		waitpid(w, NULL, 0);
		inflight = next;   /* sent, perhaps applied, never acknowledged */
		next++;
	}
	if (!failures) {
		pid_t rtmd = testenv_start_rtmd(&env);

		if (verify(next, inflight, &lost) != 0)
			failures++;
		kill(rtmd, SIGTERM);
		waitpid(rtmd, NULL, 0);
	}
	printf("crash test: %d kill -9 rounds and %zu kills during start-up and recovery (a start "
	       "took %ld ms on average), %zu acknowledged changes, %zu lost, %s\n", rounds,
	       recovery_kills, rounds ? start_sum / rounds / 1000 : 0, acked, lost,
	       failures ? "FAILED" : "no torn or unknown entries");
	printf("crash test: routes served after the restarts, by route file: %zu of one next hop, "
	       "%zu of 2-16, %zu of 17-24\n", served_files[0], served_files[1], served_files[2]);
	if (!failures)
		testenv_cleanup(&env);
	else
		fprintf(stderr, "kept %s for inspection\n", env.dir);
	free(route_val);
	return failures ? 1 : 0;
}
