/* hostile_test.c - clients that break the protocol, on purpose.
 *
 * Each class of abuse (random bytes, truncated headers, lying lengths and
 * counts, wrong magic or version, unknown and reply types, oversized
 * messages, garbage records, connect/disconnect storms, half-open clients
 * that never read, max-clients exhaustion) runs against one rtmd holding a
 * known table.  After each class a normal client must get correct answers
 * within a bounded time, rtmd must be alive, its client count back to one,
 * and both tables byte-for-byte what they were.  A fairness check measures
 * how long single requests wait while another client streams a 200,000-route
 * batch.  Timings are reported; only gross delays fail (and none under
 * $RTMD_WRAPPER, where valgrind sets the pace).
 *
 * Usage: hostile_test   (top_builddir in the environment)
 * Exit: 0 pass, 1 fail, 99 hard error.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "entries.h"
#include "client.h"
#include "proto.h"
#include "proc.h"
#include "testlib.h"

#define MAX_CLIENTS 64
#define HALF_OPEN 50
#define FAIR_GROSS_MS 2000.0

static struct testenv env;
static pid_t rtmd_pid;
static int failures;
static int reply_timeout_ms = 5000;
static uint32_t table_routes = 20000, fair_routes = 200000, random_msgs = 1000;

/* The tables as a normal client lists them: the record bytes of every
 * ROUTES and NEIGHS message, concatenated. */
struct snapshot {
	uint8_t *routes, *neighs;
	size_t nroutes, nneighs;   /* bytes */
};
static struct snapshot baseline;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failures++;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long rtmd_rss_kb(void)
{
	return proc_kb(rtmd_pid, "VmRSS");
}

/* The wire size of route_of()'s routes (one next hop, no pending reason). */
#define RT_WIRE_ROUTE (RT_WIRE_ROUTE_HEAD + RT_WIRE_NH)

/* Size of one record of a message type, taking routes of one next hop. */
static size_t record_size(uint16_t type)
{
	const struct rt_msg_desc *d = rt_msg_desc(type);

	if (!d)
		return 0;
	switch (d->kind) {
	case RT_REC_ROUTE: return RT_WIRE_ROUTE;
	case RT_REC_NEIGH: return RT_WIRE_NEIGH;
	case RT_REC_EVENT: return RT_WIRE_EVENT_HEAD + RT_WIRE_NEIGH;
	case RT_REC_ACK: case RT_REC_SYNC: return 8;
	case RT_REC_ERROR: return RT_WIRE_ERROR;
	case RT_REC_NOTICE: return RT_WIRE_NOTICE;
	case RT_REC_STATUS: return RT_WIRE_STATUS;
	case RT_REC_HELLO: return RT_WIRE_HELLO;
	default: return 0;
	}
}

static void route_of(uint8_t a, uint32_t i, struct rt_route *r)
{
	test_route_host(r, (uint32_t)a << 24, i, 1, "eth0", i % 7);
}

/* Index i as the low 22 bits of an address spread over 64 /16 blocks, as
 * a real table is spread, so that the test measures rtmd's scheduling and
 * not the cost of one crowded /16 of the look-up structure. */
static uint32_t spread(uint32_t i)
{
	return (i & 63) << 16 | i >> 6;
}

/* A raw SEQPACKET connection with receive and send timeouts, so that no
 * step of the test can hang on a misbehaving daemon. */
static int raw_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = reply_timeout_ms / 1000,
	                      .tv_usec = (reply_timeout_ms % 1000) * 1000 };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", env.sock) >= (int)sizeof(sun.sun_path)) {
		fprintf(stderr, "socket path too long: %s\n", env.sock);
		exit(99);
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fail("connect %s: %s", env.sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Wait for the next message on c within the reply timeout: 1 and the
 * message, 0 on EOF, -1 on timeout or error. */
static int recv_timed(struct rt_client *c, struct rt_hdr *h, const uint8_t **msg)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char err[512];
	int rc = poll(&p, 1, reply_timeout_ms);

	if (rc <= 0)
		return -1;
	rc = rt_client_recv(c, h, msg, err, sizeof(err));
	return rc;
}

static void snapshot_free(struct snapshot *s)
{
	free(s->routes);
	free(s->neighs);
	memset(s, 0, sizeof(*s));
}

/* The buffer's size is implied by its length: the power of two above it.
 * Growing by the exact size made a 220k-route listing quadratic, which
 * under ASan (whose realloc always copies) took the client 5 s and ran
 * into the reply timeout. */
static size_t cap_for(size_t n)
{
	size_t c = 4096;

	while (c < n)
		c *= 2;
	return c;
}

static int append(uint8_t **v, size_t *n, const uint8_t *p, size_t len)
{
	size_t need = *n + len + 1;

	if (!*v || cap_for(need) > cap_for(*n + 1)) {
		uint8_t *nv = realloc(*v, cap_for(need));

		if (!nv)
			return -1;
		*v = nv;
	}
	memcpy(*v + *n, p, len);
	*n += len;
	return 0;
}

/* List one table on c into v; 0 or -1 (with a failure recorded). */
static int list_table(struct rt_client *c, uint16_t req, uint16_t reply, uint8_t **v, size_t *n)
{
	struct rt_msgbuf mb;
	struct rt_hdr h;
	const uint8_t *msg;

	if (rt_msgbuf_init(&mb, 1024) < 0)
		return -1;
	rt_msg_begin(&mb, req, 7, 0);
	if (rt_client_send(c, &mb) < 0) {
		rt_msgbuf_free(&mb);
		fail("send a list request: %s", strerror(errno));
		return -1;
	}
	rt_msgbuf_free(&mb);
	do {
		if (recv_timed(c, &h, &msg) <= 0) {
			fail("no list reply within %d ms", reply_timeout_ms);
			return -1;
		}
		if (h.type != reply || h.seq != 7) {
			fail("list: reply type %u seq %u, wanted %u seq 7", h.type, h.seq, reply);
			return -1;
		}
		if (append(v, n, msg + RT_HDR_SIZE, h.len - RT_HDR_SIZE) < 0)
			return -1;
	} while (h.flags & RT_F_MORE);
	return 0;
}

static int take_snapshot(struct rt_client *c, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	if (list_table(c, RT_MSG_ROUTE_LIST, RT_MSG_ROUTES, &s->routes, &s->nroutes) < 0 ||
	    list_table(c, RT_MSG_ARP_LIST, RT_MSG_NEIGHS, &s->neighs, &s->nneighs) < 0)
		return -1;
	return 0;
}

static int status(struct rt_client *c, struct rt_status *st)
{
	struct rt_msgbuf mb;
	struct rt_hdr h;
	const uint8_t *msg;
	char why[RT_ERRLEN];
	int rc;

	if (rt_msgbuf_init(&mb, 1024) < 0)
		return -1;
	rt_msg_begin(&mb, RT_MSG_STATUS, 9, 0);
	rc = rt_client_send(c, &mb);
	rt_msgbuf_free(&mb);
	if (rc < 0 || recv_timed(c, &h, &msg) <= 0 || h.type != RT_MSG_STATUS_REPLY ||
	    rt_msg_get_status(&h, msg, st, why) != 0)
		return -1;
	return 0;
}

/* After each class: rtmd alive, answering in bounded time, no client left
 * behind, tables unchanged. */
static void check_healthy(const char *class)
{
	struct rt_client c;
	struct rt_status st;
	struct snapshot now;
	char err[512];
	double t0 = now_ms(), t_status;
	int settle;

	if (waitpid(rtmd_pid, NULL, WNOHANG) != 0) {
		fail("%s: rtmd died (see %s)", class, env.log);
		exit(1);
	}
	/* Clients that hung up still count against max-clients until rtmd
	 * reads their EOF, so right after a storm a connection may be refused
	 * (closed at once): retry those for up to the reply timeout. */
	for (int tries = 0;; tries++) {
		if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0) {
			fail("%s: a normal client cannot connect: %s", class, err);
			return;
		}
		if (status(&c, &st) == 0) {
			if (tries)
				printf("  (%s: %d connection(s) refused at max-clients before one was served)\n",
				       class, tries);
			break;
		}
		rt_client_close(&c);
		if (now_ms() - t0 > reply_timeout_ms) {
			fail("%s: no status reply within %d ms", class, reply_timeout_ms);
			return;
		}
		usleep(10000);
	}
	t_status = now_ms() - t0;
	/* Hostile clients that just hung up may not have been noticed yet. */
	for (settle = 0; st.clients != 1 && settle < 100; settle++) {
		usleep(20000);
		if (status(&c, &st) < 0)
			break;
	}
	if (st.clients != 1)
		fail("%s: rtmd still counts %u clients, wanted 1 (leaked connections)", class,
		     st.clients);
	if (take_snapshot(&c, &now) == 0) {
		if (now.nroutes != baseline.nroutes || memcmp(now.routes, baseline.routes, now.nroutes))
			fail("%s: the route table changed (%zu routes, wanted %zu)", class,
			     now.nroutes / RT_WIRE_ROUTE, baseline.nroutes / RT_WIRE_ROUTE);
		if (now.nneighs != baseline.nneighs || memcmp(now.neighs, baseline.neighs, now.nneighs))
			fail("%s: the ARP table changed", class);
	}
	snapshot_free(&now);
	rt_client_close(&c);
	printf("  %-34s ok: status in %.1f ms, full list in %.1f ms, rtmd RSS %ld kB\n", class,
	       t_status, now_ms() - t0, rtmd_rss_kb());
}

/* Send one hostile message on a fresh connection and expect an ERROR with
 * code want (0: any code, or none at all if the daemon just closes) followed
 * by a close (unless the error concerns a record, which leaves the
 * connection open: then want is 0 and must_close false).  Returns the error code seen, 0 for a bare close, -1 if rtmd
 * neither answered nor closed within the timeout. */
static int hostile_one(const void *buf, size_t n, int want, const char *what, bool must_close)
{
	uint8_t rbuf[4096];
	int fd = raw_connect(), code = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	if (send(fd, buf, n, MSG_NOSIGNAL) < 0) {
		if (errno == EMSGSIZE) {
			close(fd);
			return -2;
		}
		/* rtmd may already have hung up on an earlier part: fine. */
	}
	r = recv(fd, rbuf, sizeof(rbuf), 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		fail("%s: no reply and no close within %d ms", what, reply_timeout_ms);
		close(fd);
		return -1;
	}
	if (r > 0) {
		struct rt_hdr h;
		struct rt_error e;
		char why[RT_ERRLEN];

		if (rt_msg_decode(rbuf, (size_t)r, &h, why) != 0 || h.type != RT_MSG_ERROR ||
		    rt_msg_get_error(&h, rbuf, &e, why) != 0) {
			fail("%s: reply is not a well-formed ERROR (%s)", what, why);
		} else {
			code = (int)e.code;
			if (want && code != want)
				fail("%s: error code %d (%s), wanted %d (%s)", what, code,
				     rt_err_str(code), want, rt_err_str(want));
		}
		/* After a framing error the connection must be closed. */
		r = must_close ? recv(fd, rbuf, sizeof(rbuf), 0) : 0;
		if (r != 0)
			fail("%s: connection not closed after the error (recv %zd: %s)", what, r,
			     r < 0 ? strerror(errno) : "more data");
	} else if (want && r == 0) {
		fail("%s: closed without an error reply", what);
	}
	close(fd);
	return code;
}

static void put_hdr(uint8_t *b, uint32_t magic, uint16_t version, uint16_t type, uint32_t len,
                    uint32_t seq, uint32_t count, uint32_t flags)
{
	memcpy(b, &magic, 4);
	memcpy(b + 4, &version, 2);
	memcpy(b + 6, &type, 2);
	memcpy(b + 8, &len, 4);
	memcpy(b + 12, &seq, 4);
	memcpy(b + 16, &count, 4);
	memcpy(b + 20, &flags, 4);
}

/* A valid ROUTE_ADD of n routes in 10.200.0.0/16 (not in the table), built
 * by hand into b; returns its length. */
static size_t valid_add(uint8_t *b, uint32_t n)
{
	size_t len = RT_HDR_SIZE + (size_t)n * RT_WIRE_ROUTE;

	put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, RT_MSG_ROUTE_ADD, (uint32_t)len, 1, n, 0);
	for (uint32_t i = 0; i < n; i++) {
		struct rt_route r;

		route_of(10, 200u << 16 | i, &r);
		rt_route_encode(&r, b + RT_HDR_SIZE + (size_t)i * RT_WIRE_ROUTE);
	}
	return len;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void class_random(void)
{
	static uint8_t b[4096];

	for (uint32_t k = 0; k < random_msgs; k++) {
		size_t n = 1 + rnd() % sizeof(b);

		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)rnd();
		/* Half of them with a plausible header, so the decoder's later
		 * checks are reached too. */
		if (k % 2) {
			uint32_t magic = RT_PROTO_MAGIC;
			uint16_t ver = RT_PROTO_VERSION;

			if (n >= 6) {
				memcpy(b, &magic, 4);
				memcpy(b + 4, &ver, 2);
			}
		}
		if (hostile_one(b, n, 0, "random bytes", true) < 0)
			break;
	}
	check_healthy("random bytes");
}

static void class_truncated(void)
{
	uint8_t b[RT_HDR_SIZE + RT_WIRE_ROUTE];

	valid_add(b, 1);
	for (size_t n = 1; n < RT_HDR_SIZE; n++)
		hostile_one(b, n, RT_E_PROTO, "truncated header", true);
	/* Whole header, body cut short. */
	for (size_t n = RT_HDR_SIZE; n < sizeof(b); n += 7)
		hostile_one(b, n, RT_E_PROTO, "truncated body", true);
	check_healthy("truncated headers and bodies");
}

static void class_lying_len(void)
{
	static const uint32_t lies[] = { 0, 1, RT_HDR_SIZE, RT_HDR_SIZE + RT_WIRE_ROUTE - 1,
	                                 RT_HDR_SIZE + RT_WIRE_ROUTE + 1, 65536, 0x7fffffff,
	                                 0xffffffff };
	uint8_t b[RT_HDR_SIZE + 2 * RT_WIRE_ROUTE];

	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		valid_add(b, 1);
		memcpy(b + 8, &lies[i], 4);
		hostile_one(b, RT_HDR_SIZE + RT_WIRE_ROUTE, RT_E_PROTO, "len that lies", true);
		/* The same lie with trailing bytes after a correct body. */
		hostile_one(b, sizeof(b), RT_E_PROTO, "len that lies, extra bytes", true);
	}
	check_healthy("lengths that lie");
}

static void class_magic_version(void)
{
	uint8_t b[RT_HDR_SIZE + RT_WIRE_ROUTE];
	uint32_t magic = 0x52544d44;   /* byte-swapped */
	uint16_t versions[] = { 0, 1, 3, 0x100, 0xffff };

	valid_add(b, 1);
	memcpy(b, &magic, 4);
	hostile_one(b, sizeof(b), RT_E_PROTO, "wrong magic", true);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		valid_add(b, 1);
		memcpy(b + 4, &versions[i], 2);
		hostile_one(b, sizeof(b), RT_E_PROTO, "wrong version", true);
	}
	check_healthy("wrong magic and version");
}

static void class_types(void)
{
	static const uint16_t unknown[] = { 0, 14, 15, 63, 73, 100, 0x7fff, 0xffff };
	uint8_t b[RT_HDR_SIZE + 2048];

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, unknown[i], RT_HDR_SIZE, 1, 0, 0);
		hostile_one(b, RT_HDR_SIZE, RT_E_PROTO, "unknown type", true);
	}
	/* Reply types, each with a body of the right size (zeros or a
	 * plausible record), sent as requests. */
	for (uint16_t t = RT_MSG_ACK; t <= RT_MSG_TYPE_MAX; t++) {
		size_t rs = record_size(t);
		uint32_t len = (uint32_t)(RT_HDR_SIZE + rs);

		if (rs > sizeof(b) - RT_HDR_SIZE)
			fail("record of type %u (%zu bytes) does not fit the test buffer", t, rs);

		memset(b, 0, sizeof(b));
		put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, t, len, 1, rs ? 1 : 0, 0);
		hostile_one(b, len, RT_E_PROTO, "reply type as a request", true);
	}
	/* Unknown flag bits. */
	put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, RT_MSG_STATUS, RT_HDR_SIZE, 1, 0, 0x80000000u);
	hostile_one(b, RT_HDR_SIZE, RT_E_PROTO, "unknown flag bit", true);
	check_healthy("unknown and reply types");
}

static void class_oversized(void)
{
	size_t sizes[] = { 65536 + 1, 65536 + RT_WIRE_ROUTE, 200000, 1 << 20 };
	size_t cap = 2 << 20;
	uint8_t *b = malloc(cap);
	int sent = 0;

	if (!b)
		exit(99);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = (uint32_t)((sizes[i] - RT_HDR_SIZE + RT_WIRE_ROUTE - 1) / RT_WIRE_ROUTE);
		size_t len = valid_add(b, n);
		int rc = hostile_one(b, len, RT_E_TOOBIG, "oversized message", true);

		if (rc == -2)
			printf("  (a %zu-byte message exceeds this host's socket buffer: not sent)\n", len);
		else
			sent++;
	}
	if (!sent)
		fail("oversized: no oversized message could be sent");
	free(b);
	check_healthy("oversized messages");
}

static void class_count(void)
{
	static const uint32_t lies[] = { 0, 2, 3, 1000, 0x80000000u, 0xffffffffu,
	                                 (uint32_t)(0x100000000ull / RT_WIRE_ROUTE) + 1 };
	uint8_t b[RT_HDR_SIZE + RT_WIRE_ROUTE];

	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		valid_add(b, 1);
		memcpy(b + 16, &lies[i], 4);
		hostile_one(b, sizeof(b), RT_E_PROTO, "count that lies", true);
	}
	/* Types that take exactly one record, or none, given another count. */
	put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, RT_MSG_STATUS, sizeof(b), 1, 1, 0);
	hostile_one(b, sizeof(b), RT_E_PROTO, "status with a record", true);
	check_healthy("counts that lie");
}

/* Valid headers over records that break the encoding or the value rules:
 * an error, the connection open or closed, and nothing applied. */
static void class_garbage_records(void)
{
	static uint8_t b[RT_HDR_SIZE + 64 * RT_WIRE_ROUTE];
	static const uint16_t types[] = { RT_MSG_ROUTE_ADD, RT_MSG_ROUTE_REPLACE, RT_MSG_ROUTE_DEL,
	                                  RT_MSG_ROUTE_LIST, RT_MSG_ROUTE_GET, RT_MSG_ARP_ADD,
	                                  RT_MSG_ARP_REPLACE, RT_MSG_ARP_DEL, RT_MSG_ARP_GET };

	for (int k = 0; k < 300; k++) {
		uint16_t t = types[k % (sizeof(types) / sizeof(types[0]))];
		size_t rs = record_size(t);
		uint32_t n = (t == RT_MSG_ROUTE_LIST || t == RT_MSG_ROUTE_GET || t == RT_MSG_ARP_GET)
		             ? 1 : 1 + rnd() % 64;
		size_t len = RT_HDR_SIZE + n * rs;

		put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, t, (uint32_t)len, 1, n, 0);
		for (size_t i = RT_HDR_SIZE; i < len; i++)
			b[i] = (uint8_t)rnd();
		/* Make the first record certainly invalid (an unknown family,
		 * at byte 2 of a route and 0 of a neigh), so nothing applies. */
		b[RT_HDR_SIZE + (rs == RT_WIRE_ROUTE ? 2 : 0)] = 0x80;
		if (k % 3 == 0) {
			/* ... or only subtly: a valid record with one bad byte. */
			struct rt_route r;

			route_of(10, 201u << 16 | (uint32_t)k, &r);
			if (rs == RT_WIRE_ROUTE) {
				rt_route_encode(&r, b + RT_HDR_SIZE);
				/* bytes after the next hop's dev's NUL */
				b[RT_HDR_SIZE + RT_WIRE_ROUTE_HEAD + 20 + 5 + k % 6] = 'x';
			}
		}
		if (hostile_one(b, len, 0, "garbage records", false) == 0)
			fail("garbage records (type %u): no error reply", t);
	}
	check_healthy("valid headers, garbage records");
}

static void class_cycles(void)
{
	uint8_t b[RT_HDR_SIZE];

	put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, RT_MSG_STATUS, RT_HDR_SIZE, 1, 0, 0);
	for (int i = 0; i < 1000; i++) {
		int fd = raw_connect();

		if (fd < 0)
			break;
		/* Every third sends a request and hangs up without reading. */
		if (i % 3 == 0)
			send(fd, b, sizeof(b), MSG_NOSIGNAL);
		if (i % 5 == 0)
			shutdown(fd, SHUT_WR);
		close(fd);
	}
	check_healthy("1000 connect/disconnect cycles");
}

/* Clients that pipeline list requests of the whole (large) table and never
 * read: rtmd must stop reading them rather than queue without bound, and
 * go on serving others. */
static void class_half_open(void)
{
	int fds[HALF_OPEN];
	static uint8_t b[RT_HDR_SIZE];
	long rss0 = rtmd_rss_kb(), rss1;
	int sent = 0;

	put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, RT_MSG_ROUTE_LIST, RT_HDR_SIZE, 1, 0, 0);
	for (int i = 0; i < HALF_OPEN; i++) {
		fds[i] = raw_connect();
		if (fds[i] < 0)
			exit(1);
		/* Non-blocking: once rtmd stops reading, the socket fills and
		 * the client stops sending, as a hostile one would. */
		for (int k = 0; k < 64; k++) {
			if (send(fds[i], b, sizeof(b), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				break;
			sent++;
		}
	}
	usleep(300000);
	rss1 = rtmd_rss_kb();
	{
		/* Check health with the half-open clients still connected. */
		struct rt_client c;
		struct rt_status st;
		char err[512];
		double t0 = now_ms();

		if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0 || status(&c, &st) < 0)
			fail("half-open: a normal client gets no status while %d clients do not read",
			     HALF_OPEN);
		else
			printf("  with %d half-open clients (%d list requests of %u routes sent): "
			       "status in %.1f ms, rtmd RSS %ld kB -> %ld kB\n", HALF_OPEN, sent,
			       table_routes, now_ms() - t0, rss0, rss1);
		rt_client_close(&c);
	}
	for (int i = 0; i < HALF_OPEN; i++)
		close(fds[i]);
	check_healthy("half-open clients");
}

/* ---- fairness: single requests while another client streams a batch ---- */

static void streamer(uint32_t n)
{
	struct rt_msgbuf mb;
	struct rt_client c;
	char err[512];
	size_t per = rt_msg_capacity(RT_MSG_ROUTE_ADD, 65536);
	uint32_t msgs = (uint32_t)((n + per - 1) / per), sent_msgs = 0, acked = 0, next = 0;
	bool built = false;

	if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0 || rt_msgbuf_init(&mb, 65536) < 0)
		_exit(99);
	/* Pipelined as rtctl --batch does: send whenever the socket takes
	 * more, read acknowledgements as they come. */
	while (acked < msgs) {
		struct pollfd p = { .fd = c.fd, .events = POLLIN | (sent_msgs < msgs ? POLLOUT : 0) };

		if (poll(&p, 1, 60000) <= 0)
			_exit(3);
		if ((p.revents & POLLOUT) && sent_msgs < msgs) {
			if (!built) {
				rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, sent_msgs + 1,
				             RT_F_BATCH | (sent_msgs ? 0 : RT_F_BATCH_START));
				for (size_t k = 0; k < per && next < n; k++, next++) {
					struct rt_route r;

					route_of(100, 64u << 16 | spread(next), &r);
					rt_msg_put_route(&mb, &r);
				}
				built = true;
			}
			if (send(c.fd, mb.data, mb.len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)mb.len) {
				sent_msgs++;
				built = false;
			} else if (errno != EAGAIN) {
				_exit(4);
			}
		}
		if (p.revents & POLLIN) {
			struct rt_hdr h;
			const uint8_t *msg;

			if (rt_client_recv(&c, &h, &msg, err, sizeof(err)) <= 0 || h.type != RT_MSG_ACK)
				_exit(5);
			acked++;
		}
	}
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
	_exit(0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void class_fairness(void)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	char err[512];
	static double lat[200000];
	size_t nlat = 0;
	uint32_t adds = 0;
	double t0 = now_ms(), t_stream, maxd = 0;
	int ws = 0;
	pid_t pid;

	if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0 || rt_msgbuf_init(&mb, 1024) < 0)
		exit(99);
	pid = fork();
	if (pid < 0)
		exit(99);
	if (pid == 0)
		streamer(fair_routes);
	for (uint32_t k = 0; waitpid(pid, &ws, WNOHANG) == 0; k++) {
		struct rt_hdr h;
		const uint8_t *msg;
		double t = now_ms();
		int rc;

		if (k % 2) {
			struct rt_route r;

			route_of(198, 18u << 16 | adds, &r);
			rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, k, 0);
			rt_msg_put_route(&mb, &r);
		} else {
			rt_msg_begin(&mb, RT_MSG_STATUS, k, 0);
		}
		/* Wait long enough to measure a bad delay rather than give up. */
		reply_timeout_ms *= 6;
		rc = rt_client_send(&c, &mb) < 0 ? -1 : recv_timed(&c, &h, &msg);
		reply_timeout_ms /= 6;
		if (rc <= 0) {
			fail("fairness: request %u got no answer within %d ms", k, reply_timeout_ms * 6);
			exit(1);
		}
		if (h.type == RT_MSG_ACK)
			adds++;
		else if (h.type != RT_MSG_STATUS_REPLY)
			fail("fairness: reply type %u", h.type);
		if (nlat < sizeof(lat) / sizeof(lat[0]))
			lat[nlat++] = now_ms() - t;
		usleep(2000);
	}
	if (waitpid(pid, &ws, 0) < 0 && errno != ECHILD)
		exit(99);
	t_stream = now_ms() - t0;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		fail("fairness: the streaming client failed (status %d)", ws);
	qsort(lat, nlat, sizeof(lat[0]), cmp_double);
	if (nlat)
		maxd = lat[nlat - 1];
	printf("  fairness: %u-route batch streamed in %.0f ms (%.0f routes/s); meanwhile %zu "
	       "single requests (%u adds): median %.2f ms, p99 %.2f ms, max %.2f ms\n",
	       fair_routes, t_stream, fair_routes / (t_stream / 1e3), nlat, adds,
	       nlat ? lat[nlat / 2] : 0, nlat ? lat[nlat * 99 / 100] : 0, maxd);
	if (!testenv_wrapped() && maxd > FAIR_GROSS_MS)
		fail("fairness: a single request waited %.0f ms behind a batch", maxd);
	if (nlat < 5)
		fail("fairness: only %zu requests answered during the batch", nlat);
	rt_msgbuf_free(&mb);
	/* The table now legitimately holds the new routes: take it as the
	 * baseline after checking the count. */
	{
		struct rt_status st;

		if (status(&c, &st) < 0 || st.routes != table_routes + fair_routes + adds)
			fail("fairness: %llu routes after the batch, wanted %u",
			     (unsigned long long)st.routes, table_routes + fair_routes + adds);
		snapshot_free(&baseline);
		if (take_snapshot(&c, &baseline) < 0)
			exit(1);
	}
	rt_client_close(&c);
	check_healthy("fairness");
}

/* ---- max-clients exhaustion (rtmd restarted with a small limit) ---- */

/* Connections past max-clients that rtmd keeps for writers (server.c). */
#define WRITER_RESERVE 8

/* Open n connections, each asking for status: how many were served and
 * how many closed at once.  The connections stay open. */
static void exhaust(int *fds, int n, int *served, int *refused)
{
	uint8_t b[RT_HDR_SIZE], rbuf[RT_HDR_SIZE + RT_WIRE_STATUS];

	*served = *refused = 0;
	put_hdr(b, RT_PROTO_MAGIC, RT_PROTO_VERSION, RT_MSG_STATUS, RT_HDR_SIZE, 1, 0, 0);
	for (int i = 0; i < n; i++) {
		ssize_t r;

		fds[i] = raw_connect();
		if (fds[i] < 0)
			exit(1);
		send(fds[i], b, sizeof(b), MSG_NOSIGNAL);
		r = recv(fds[i], rbuf, sizeof(rbuf), 0);
		if (r > 0)
			(*served)++;
		else if (r == 0 || errno == ECONNRESET)   /* closed unread: reset */
			(*refused)++;
		else
			fail("max-clients: connection %d neither served nor refused within %d ms", i,
			     reply_timeout_ms);
	}
}

/* Readers fill max-clients; a writer must still get in (a few slots are
 * kept for writers), so no local user can lock root out.  As root the
 * readers are a child that became nobody; otherwise the test's own user is
 * rtmd's user, a writer, and gets the reserve too. */
static void class_exhaustion(int limit)
{
	int fds[128], res[2], hold[2], served = 0, refused = 0, n = limit + WRITER_RESERVE + 4;
	bool as_reader = geteuid() == 0;
	int want_served = as_reader ? limit : limit + WRITER_RESERVE;
	pid_t pid;

	if (as_reader && chmod(env.dir, 0755) < 0)
		fail("chmod %s: %s", env.dir, strerror(errno));
	if (pipe(res) < 0 || pipe(hold) < 0)
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		char c;

		if (as_reader && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		exhaust(fds, n, &served, &refused);
		if (write(res[1], &served, sizeof(served)) < 0 || write(res[1], &refused, sizeof(refused)) < 0)
			_exit(4);
		close(hold[1]);
		if (read(hold[0], &c, 1) < 0)   /* keep the connections until told */
			_exit(5);
		_exit(0);
	}
	close(res[1]);
	close(hold[0]);
	if (read(res[0], &served, sizeof(served)) != sizeof(served) ||
	    read(res[0], &refused, sizeof(refused)) != sizeof(refused))
		fail("max-clients: the connecting child failed");
	printf("  max-clients %d: %d connections by %s served, %d refused (closed at once)\n", limit,
	       served, as_reader ? "a reader (nobody)" : "rtmd's own user (a writer)", refused);
	if (served != want_served || refused != n - want_served)
		fail("max-clients %d: %d served and %d refused, wanted %d and %d", limit, served,
		     refused, want_served, n - want_served);
	if (as_reader) {
		int w, wr;

		exhaust(&w, 1, &wr, &(int){ 0 });
		if (wr != 1)
			fail("max-clients: root was locked out by readers");
		printf("  max-clients %d: root still served with every reader slot taken\n", limit);
		close(w);
	}
	close(hold[1]);        /* the child closes its connections and exits */
	waitpid(pid, NULL, 0);
	close(res[0]);
	check_healthy("max-clients exhaustion");
}

static void fill_table(void)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	char err[512];
	size_t per = rt_msg_capacity(RT_MSG_ROUTE_ADD, 65536);

	if (rt_client_connect(&c, env.sock, err, sizeof(err)) < 0 || rt_msgbuf_init(&mb, 65536) < 0)
		exit(99);
	for (uint32_t i = 0; i < table_routes; ) {
		rt_msg_begin(&mb, RT_MSG_ROUTE_ADD, i + 1, 0);
		for (size_t k = 0; k < per && i < table_routes; k++, i++) {
			struct rt_route r;

			route_of(10, spread(i), &r);
			rt_msg_put_route(&mb, &r);
		}
		int rc = test_request(&c, &mb);

		if (rc != 0) {
			fprintf(stderr, "cannot fill the table: %s\n", rc < 0 ? "no reply" : rt_err_str(rc));
			exit(99);
		}
	}
	rt_msg_begin(&mb, RT_MSG_ARP_ADD, 1, 0);
	for (uint32_t i = 0; i < 100; i++) {
		struct rt_neigh nb = { .ip.family = AF_INET, .ip.bytes = { 192, 0, 2, (uint8_t)i },
		                       .lladdr = { 2, 0, 0, 0, 0, (uint8_t)i } };

		strcpy(nb.dev, "eth0");
		rt_msg_put_neigh(&mb, &nb);
	}
	if (test_request(&c, &mb) != 0 || take_snapshot(&c, &baseline) < 0) {
		fprintf(stderr, "cannot fill the ARP table\n");
		exit(99);
	}
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
}

static void stop_rtmd(void)
{
	int ws;

	kill(rtmd_pid, SIGTERM);
	if (waitpid(rtmd_pid, &ws, 0) != rtmd_pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		fail("rtmd did not exit 0 on SIGTERM (status %d; see %s)", ws, env.log);
}

int main(void)
{
	char conf[256];

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (testenv_wrapped()) {
		/* valgrind runs rtmd some 30 times slower: smaller volumes,
		 * longer timeouts, timings reported but not judged. */
		reply_timeout_ms = 60000;
		table_routes = 2000;
		fair_routes = 20000;
		random_msgs = 200;
	}
	testenv_init(&env, "hostile");
	snprintf(conf, sizeof(conf), "max-clients = %d;\nsync = \"interval\";\n", MAX_CLIENTS);
	testenv_config(&env, conf);
	rtmd_pid = testenv_start_rtmd(&env);
	fill_table();
	printf("hostile test: rtmd pid %ld, %u routes, 100 ARP entries, RSS %ld kB\n",
	       (long)rtmd_pid, table_routes, rtmd_rss_kb());
	check_healthy("baseline");
	class_random();
	class_truncated();
	class_lying_len();
	class_magic_version();
	class_types();
	class_oversized();
	class_count();
	class_garbage_records();
	class_cycles();
	class_half_open();
	class_fairness();
	stop_rtmd();

	testenv_config(&env, "max-clients = 4;\n");
	rtmd_pid = testenv_start_rtmd(&env);
	check_healthy("restart with max-clients = 4");
	class_exhaustion(4);
	stop_rtmd();
	printf("hostile test: %d failure(s)\n", failures);
	if (!failures)
		testenv_cleanup(&env);
	else
		fprintf(stderr, "rtmd's log: %s\n", env.log);
	return failures ? 1 : 0;
}
