/* rtctl.c - change and query rtmd's tables.
 *
 * A batch is parsed whole before anything is sent (bad input changes
 * nothing), packed many records to a message, and sent with a window of
 * messages in flight, so a million routes cost about a thousand messages
 * and no round trip each.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include "client.h"
#include "json.h"
#include "proto.h"
#include "rtctl_parse.h"
#include "rtnames.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };
#define WINDOW 32            /* batch messages in flight */
#define BATCH_MSG_MAX (64 * 1024)

struct opts {
	const char *socket, *batch;
	bool json, force, quiet;
	int timeout_ms;          /* each wait for rtmd; -1: none */
};

/* One request on the wire and how to show its replies. */
struct request {
	uint8_t *msg;            /* encoded message */
	size_t len, off;         /* off: in a batch, its place in the arena */
	uint32_t seq;
	enum rtctl_cmd cmd;
	uint32_t count;          /* records */
	uint32_t *lines;         /* batch line of each record (or of the command) */
	bool started;            /* first reply seen (JSON array opened) */
	size_t shown;            /* entries printed */
	struct json_array_out ja;
};

static const char *prog = "rtctl";

static void usage(FILE *f)
{
	fprintf(f,
	"Usage: rtctl [OPTIONS] [route] add|replace [TYPE] PREFIX [via GATEWAY] [dev IFNAME]\n"
	"                 [src ADDR] [scope S] [onlink] [metric N] [nexthop via GW [dev IF] [weight W]]...\n"
	"       rtctl [OPTIONS] [route] delete [TYPE] PREFIX [metric N]\n"
	"       rtctl [OPTIONS] [route] list [[root|match|exact] PREFIX]\n"
	"       rtctl [OPTIONS] [route] get ADDRESS\n"
	"       rtctl [OPTIONS] neigh add|replace IP lladdr MAC dev IFNAME [nud permanent]\n"
	"       rtctl [OPTIONS] neigh delete IP dev IFNAME\n"
	"       rtctl [OPTIONS] neigh list\n"
	"       rtctl [OPTIONS] neigh get IP|MAC\n"
	"       rtctl [OPTIONS] flush route|neigh\n"
	"       rtctl [OPTIONS] status\n"
	"       rtctl [OPTIONS] -b FILE|-\n"
	"Options:\n"
	"  -s, --socket PATH   rtmd's socket (default $RTMD_SOCKET or %s)\n"
	"  -j, --json          print JSON\n"
	"  -b, --batch FILE    run the commands in FILE ('-' = stdin), one a line\n"
	"  -f, --force         change or remove config entries; in a batch, go on past\n"
	"                      failing lines\n"
	"  -q, --quiet         print nothing on success\n"
	"      --timeout SEC   wait at most SEC seconds for each reply (default %d;\n"
	"                      0: no limit); past it, exit 3 (a change may still apply)\n"
	"  -h, --help          show this help\n"
	"  -V, --version       show the version\n"
	"Aliases: del = delete, show/ls = list.  Exit: 0 ok, 1 refused by rtmd,\n"
	"2 invalid input, 3 rtmd unreachable or no answer in time.  See rtctl(8).\n",
	RT_DEFAULT_SOCKET, RT_DEFAULT_TIMEOUT_MS / 1000);
}

/* Seconds, decimals allowed, up to a day; 0: no limit. */
static int parse_timeout(const char *arg)
{
	char *end;
	double sec;

	errno = 0;
	sec = strtod(arg, &end);
	if (errno || end == arg || *end || !(sec >= 0 && sec <= 86400)) {
		fprintf(stderr, "%s: --timeout \"%s\": seconds from 0 (no limit) to 86400 expected\n",
		        prog, arg);
		exit(EXIT_USAGE);
	}
	if (sec == 0)
		return -1;
	return sec * 1000 < 1 ? 1 : (int)(sec * 1000);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->timeout_ms = RT_DEFAULT_TIMEOUT_MS;
	/* Options may follow the command words ("rtctl list --json"): no word
	 * of the grammar starts with '-'. */
	while ((ch = getopt_long(argc, argv, "s:jb:fqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': o->socket = optarg; break;
		case 'j': o->json = true; break;
		case 'b': o->batch = optarg; break;
		case 'f': o->force = true; break;
		case 'q': o->quiet = true; break;
		case 'T': o->timeout_ms = parse_timeout(optarg); break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'V': printf("rtctl %s\n", PACKAGE_VERSION); exit(EXIT_OK);
		default:
			fprintf(stderr, "Try 'rtctl --help'.\n");
			exit(EXIT_USAGE);
		}
	}
	if (!o->socket)
		o->socket = getenv("RTMD_SOCKET") && *getenv("RTMD_SOCKET") ? getenv("RTMD_SOCKET")
		                                                             : RT_DEFAULT_SOCKET;
}

/* ---- printing ------------------------------------------------------------- */

static void print_route(const struct opts *o, struct request *q, const struct rt_route *r)
{
	static char buf[RT_ROUTESTRMAX];

	if (o->json) {
		if (q->cmd == CMD_ROUTE_GET)
			json_print_line(stdout, rt_route_to_json(r));
		else
			json_array_add(&q->ja, rt_route_to_json(r));
	} else {
		rt_route_format(r, buf, sizeof(buf));
		puts(buf);
	}
	q->shown++;
}

static void add_int(struct json_object *j, const char *key, uint64_t v)
{
	json_object_object_add(j, key, json_object_new_int64((int64_t)v));
}

static void add_str(struct json_object *j, const char *key, const char *v)
{
	json_object_object_add(j, key, json_object_new_string(v));
}

/* Kernel sync and FPM, as objects that later work only fills in. */
static void status_parts_json(struct json_object *j, const struct rt_status *st)
{
	struct json_object *k = json_object_new_object(), *f = json_object_new_object();
	char proto[RT_NAMELEN];

	json_object_object_add(k, "enabled", json_object_new_boolean(st->kernel_sync));
	add_int(k, "table", st->kernel_table);
	add_str(k, "protocol", rt_proto_name(st->kernel_protocol, proto));
	add_int(k, "installed_routes", st->kernel_installed_routes);
	add_int(k, "installed_neighs", st->kernel_installed_neighs);
	add_int(k, "pending_routes", st->kernel_pending_routes);
	add_int(k, "pending_neighs", st->kernel_pending_neighs);
	add_int(k, "imported_routes", st->kernel_imported_routes);
	add_int(k, "imported_neighs", st->kernel_imported_neighs);
	add_int(k, "resyncs", st->kernel_resyncs);
	add_int(k, "unmapped_neighs", st->kernel_unmapped_neighs);
	add_str(k, "last_error", st->kernel_last_error);
	json_object_object_add(j, "kernel", k);
	json_object_object_add(f, "enabled", json_object_new_boolean(st->fpm_listen[0] != 0));
	add_str(f, "listen", st->fpm_listen);
	add_str(f, "peer", st->fpm_peer);
	json_object_object_add(f, "connected", json_object_new_boolean(st->fpm_connected));
	add_int(f, "routes", st->fpm_routes);
	add_int(f, "replays", st->fpm_replays);
	add_int(f, "ignored_other_tables", st->fpm_ignored);
	add_str(f, "last_error", st->fpm_last_error);
	json_object_object_add(j, "fpm", f);
}

static void status_parts_text(const struct rt_status *st)
{
	char proto[RT_NAMELEN];

	if (!st->kernel_sync) {
		printf("kernel sync: off\n");
	} else {
		printf("kernel sync: table %u, proto %s; installed %llu routes, %llu neighbours; "
		       "pending %llu, %llu; imported %llu, %llu; resyncs %llu; unmapped neighbours %llu\n",
		       st->kernel_table, rt_proto_name(st->kernel_protocol, proto),
		       (unsigned long long)st->kernel_installed_routes,
		       (unsigned long long)st->kernel_installed_neighs,
		       (unsigned long long)st->kernel_pending_routes,
		       (unsigned long long)st->kernel_pending_neighs,
		       (unsigned long long)st->kernel_imported_routes,
		       (unsigned long long)st->kernel_imported_neighs,
		       (unsigned long long)st->kernel_resyncs,
		       (unsigned long long)st->kernel_unmapped_neighs);
		if (st->kernel_last_error[0])
			printf("kernel error: %s\n", st->kernel_last_error);
	}
	if (!st->fpm_listen[0]) {
		printf("fpm:         off\n");
	} else {
		printf("fpm:         listening on %s, %s%s; %llu routes, %llu replays, "
		       "%llu routes of other tables ignored\n", st->fpm_listen,
		       st->fpm_connected ? "connected to " : "not connected",
		       st->fpm_connected ? st->fpm_peer : "", (unsigned long long)st->fpm_routes,
		       (unsigned long long)st->fpm_replays, (unsigned long long)st->fpm_ignored);
		if (st->fpm_last_error[0])
			printf("fpm error:   %s\n", st->fpm_last_error);
	}
}

static void print_status(const struct opts *o, const struct rt_status *st)
{
	if (o->json) {
		struct json_object *j = json_object_new_object();

		add_str(j, "version", st->version);
		add_int(j, "uptime_s", st->uptime_ms / 1000);
		add_int(j, "routes", st->routes);
		add_int(j, "routes4", st->routes4);
		add_int(j, "routes6", st->routes6);
		add_int(j, "arp", st->neighs);
		add_int(j, "clients", st->clients);
		add_int(j, "subscribers", st->subscribers);
		add_int(j, "event_seq", st->event_seq);
		add_str(j, "sync", st->sync_always ? "always" : "interval");
		add_int(j, "sync_interval_ms", st->sync_interval_ms);
		add_int(j, "route_capacity", st->route_capacity);
		add_int(j, "arp_capacity", st->arp_capacity);
		add_str(j, "route_store", st->route_store);
		add_str(j, "arp_store", st->arp_store);
		status_parts_json(j, st);
		json_print_line(stdout, j);
		return;
	}
	uint64_t up = st->uptime_ms / 1000;
	printf("rtmd %s, up %llud %02llu:%02llu:%02llu\n", st->version,
	       (unsigned long long)(up / 86400), (unsigned long long)(up / 3600 % 24),
	       (unsigned long long)(up / 60 % 60), (unsigned long long)(up % 60));
	printf("routes:      %llu (IPv4 %llu, IPv6 %llu), capacity %llu\n",
	       (unsigned long long)st->routes, (unsigned long long)st->routes4,
	       (unsigned long long)st->routes6, (unsigned long long)st->route_capacity);
	printf("arp entries: %llu, capacity %llu\n", (unsigned long long)st->neighs,
	       (unsigned long long)st->arp_capacity);
	printf("clients:     %u, of which subscribers %u\n", st->clients, st->subscribers);
	printf("events:      %llu\n", (unsigned long long)st->event_seq);
	if (st->sync_always)
		printf("sync:        always (msync before every acknowledgement)\n");
	else
		printf("sync:        interval (within %u ms)\n", st->sync_interval_ms);
	printf("route store: %s\narp store:   %s\n", st->route_store, st->arp_store);
	status_parts_text(st);
}

/* ---- replies ---------------------------------------------------------------- */

struct run {
	const struct opts *o;
	const char *src;         /* batch file name, or NULL */
	int status;              /* exit status so far */
	bool stop;               /* a batch line failed: send no more */
};

static void report_error(struct run *rn, struct request *q, const struct rt_error *e)
{
	const char *what = rtctl_cmd_name(q->cmd);
	char where[300] = "";

	if (e->code == RT_E_SKIPPED)
		return;
	if (rn->src)
		snprintf(where, sizeof(where), "%s:%u: ", rn->src,
		         q->lines[e->index < q->count ? e->index : 0]);
	if (e->code == RT_E_PERM)
		fprintf(stderr, "%s: %s%s: permission denied (%s)\n", prog, where, what, e->text);
	else if (e->code == RT_E_OWNED)         /* the text names the entry and its owner */
		fprintf(stderr, "%s: %s%s %s\n", prog, where, what, e->text);
	else if (e->text[0])
		fprintf(stderr, "%s: %s%s %s: %s\n", prog, where, what, e->text, rt_err_str((int)e->code));
	else
		fprintf(stderr, "%s: %s%s: %s\n", prog, where, what, rt_err_str((int)e->code));
	if (e->code == RT_E_PROTO || e->code == RT_E_TOOBIG || e->code == RT_E_INVALID)
		rn->status = rn->status == EXIT_OK ? EXIT_USAGE : rn->status;
	rn->status = rn->status == EXIT_OK ? EXIT_REFUSED : rn->status;
	if (!rn->o->force)
		rn->stop = true;
}

/* Handle one reply message for q.  Returns 1 when q is complete, 0 if more
 * replies follow, -1 on a protocol error. */
static int handle_reply(struct run *rn, struct request *q, const struct rt_hdr *h, const uint8_t *msg)
{
	const struct opts *o = rn->o;
	char why[RT_ERRLEN];
	bool more = h->flags & RT_F_MORE;

	if (h->seq != q->seq) {
		fprintf(stderr, "%s: rtmd answered request %u while %u was expected\n", prog, h->seq, q->seq);
		return -1;
	}
	switch (h->type) {
	case RT_MSG_ERROR: {
		struct rt_error e;

		if (rt_msg_get_error(h, msg, &e, why))
			goto bad;
		report_error(rn, q, &e);
		return more ? 0 : 1;
	}
	case RT_MSG_NOTICE: {
		struct rt_notice no;
		char where[300] = "";

		if (rt_msg_get_notice(h, msg, &no, why))
			goto bad;
		if (rn->src)
			snprintf(where, sizeof(where), "%s:%u: ", rn->src,
			         q->lines[no.index < q->count ? no.index : 0]);
		if (!o->quiet)
			fprintf(stderr, "%s: %s%s%s%s\n", prog, where,
			        no.code == RT_NOTE_PENDING ? "warning: pending (" : "", no.text,
			        no.code == RT_NOTE_PENDING ? ")" : "");
		return more ? 0 : 1;
	}
	case RT_MSG_ACK: {
		struct rt_ack a;

		if (rt_msg_get_ack(h, msg, &a, why))
			goto bad;
		if (q->cmd == CMD_FLUSH && !o->quiet && !o->json)
			printf("flushed %u entries\n", a.applied);
		return 1;
	}
	case RT_MSG_ROUTES: {
		static struct rt_route r;       /* 9 KiB, one at a time */
		struct rt_reader rd;

		if (o->json && q->cmd == CMD_ROUTE_LIST && !q->started)
			json_array_begin(&q->ja, stdout);
		q->started = true;
		rt_msg_reader(&rd, h, msg);
		for (uint32_t i = 0; i < h->count; i++) {
			if (rt_msg_read_route(&rd, &r, why))
				goto bad;
			print_route(o, q, &r);
		}
		if (!more && o->json && q->cmd == CMD_ROUTE_LIST)
			json_array_end(&q->ja);
		return more ? 0 : 1;
	}
	case RT_MSG_NEIGHS: {
		/* arp get prints an object for one match and an array for several:
		 * buffer until the last message to know which. */
		static struct json_object *acc;
		struct rt_reader rd;

		if (o->json && !acc)
			acc = json_object_new_array();
		rt_msg_reader(&rd, h, msg);
		for (uint32_t i = 0; i < h->count; i++) {
			struct rt_neigh n;
			char buf[RT_ROUTESTRLEN];

			if (rt_msg_read_neigh(&rd, &n, why))
				goto bad;
			if (o->json && q->cmd == CMD_ARP_LIST) {
				if (!q->started)
					json_array_begin(&q->ja, stdout);
				q->started = true;
				json_array_add(&q->ja, rt_neigh_to_json(&n));
			} else if (o->json) {
				json_object_array_add(acc, rt_neigh_to_json(&n));
			} else {
				rt_neigh_format(&n, buf, sizeof(buf));
				puts(buf);
			}
		}
		if (!more && o->json) {
			if (q->cmd == CMD_ARP_LIST) {
				if (!q->started)
					json_array_begin(&q->ja, stdout);
				json_array_end(&q->ja);
			} else if (json_object_array_length(acc) == 1) {
				json_print_line(stdout, json_object_get(json_object_array_get_idx(acc, 0)));
			} else {
				json_print_line(stdout, json_object_get(acc));
			}
		}
		if (!more && acc) {
			json_object_put(acc);
			acc = NULL;
		}
		return more ? 0 : 1;
	}
	case RT_MSG_STATUS_REPLY: {
		struct rt_status st;

		if (rt_msg_get_status(h, msg, &st, why))
			goto bad;
		print_status(o, &st);
		return 1;
	}
	default:
		snprintf(why, sizeof(why), "unexpected message type %u", h->type);
		goto bad;
	}
bad:
	fprintf(stderr, "%s: malformed reply from rtmd: %s\n", prog, why);
	return -1;
}

/* ---- building requests -------------------------------------------------------- */

static int add_record(struct rt_msgbuf *mb, const struct rtctl_req *r)
{
	if (r->cmd <= CMD_ROUTE_GET)
		return rt_msg_put_route(mb, &r->route);
	return rt_msg_put_neigh(mb, &r->neigh);
}

static int finish_request(struct request *q, struct rt_msgbuf *mb)
{
	q->len = mb->len;
	q->msg = malloc(mb->len);
	if (!q->msg)
		return -1;
	memcpy(q->msg, mb->data, mb->len);
	return 0;
}

/* ---- talking to rtmd ------------------------------------------------------------ */

static int connect_or_exit(struct rt_client *c, const char *path, int timeout_ms)
{
	char err[512];

	if (rt_client_connect_timeout(c, path, timeout_ms, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		exit(EXIT_UNREACHABLE);
	}
	return 0;
}

static int lost(const struct rt_client *c, const char *err)
{
	if (err && *err)
		fprintf(stderr, "%s: %s\n", prog, err);
	else
		fprintf(stderr, "%s: rtmd at %s closed the connection before answering\n", prog, c->path);
	return EXIT_UNREACHABLE;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* No reply within --timeout: rtmd is stopped or stuck.  What was sent may
 * still be applied when it resumes, and the message says so. */
static int timed_out(const struct rt_client *c, const struct run *rn, const struct request *q)
{
	char tbuf[32], where[300] = "";

	rt_client_timeout_str(rn->o->timeout_ms, tbuf, sizeof(tbuf));
	if (rn->src)
		snprintf(where, sizeof(where), "%s:%u: ", rn->src, q->lines[0]);
	if (!rtctl_is_change(q->cmd))
		fprintf(stderr, "%s: %srtmd at %s did not answer within %s\n", prog, where, c->path, tbuf);
	else if (rn->src)
		fprintf(stderr, "%s: %srtmd at %s did not answer within %s; the changes sent from "
		        "this line on may still be applied\n", prog, where, c->path, tbuf);
	else
		fprintf(stderr, "%s: rtmd at %s did not answer within %s; the change may still be "
		        "applied\n", prog, c->path, tbuf);
	return EXIT_UNREACHABLE;
}

/* Send requests q[0..n) keeping up to WINDOW in flight; read replies as
 * they come so neither side can block the other.  --timeout bounds each
 * wait for a reply (the time since the last one came), not the batch. */
static int exchange(struct rt_client *c, struct run *rn, struct request *q, size_t n)
{
	size_t sent = 0, done = 0;
	uint64_t since = now_ms();

	while (done < n) {
		bool can_send = !rn->stop && sent < n && sent - done < WINDOW;
		struct pollfd p = { .fd = c->fd, .events = POLLIN | (can_send ? POLLOUT : 0) };

		if (!rn->stop || sent > done) {
			int wait = -1, k;

			if (rn->o->timeout_ms >= 0) {
				uint64_t t = now_ms(), end = since + (uint64_t)rn->o->timeout_ms;
				wait = t >= end ? 0 : (int)(end - t);
			}
			k = poll(&p, 1, wait);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
				return EXIT_UNREACHABLE;
			}
			if (k == 0)
				return timed_out(c, rn, &q[done < n ? done : n - 1]);
		}
		if (rn->stop && sent == done)
			break;
		if (can_send && (p.revents & POLLOUT)) {
			ssize_t k = send(c->fd, q[sent].msg, q[sent].len, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (k >= 0) {
				sent++;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				if (errno == EMSGSIZE) {
					fprintf(stderr, "%s: request too large for the socket\n", prog);
					return EXIT_USAGE;
				}
				return lost(c, strerror(errno));
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			char err[512] = "";
			struct rt_hdr h;
			const uint8_t *msg;
			int rc = rt_client_recv(c, &h, &msg, err, sizeof(err));

			if (rc <= 0)
				return lost(c, err);
			if (done == sent) {
				fprintf(stderr, "%s: unexpected message from rtmd (type %u)\n", prog, h.type);
				return EXIT_UNREACHABLE;
			}
			since = now_ms();
			rc = handle_reply(rn, &q[done], &h, msg);
			if (rc < 0)
				return EXIT_UNREACHABLE;
			if (rc == 1)
				done++;
		}
	}
	return rn->status;
}

static int run_single(const struct opts *o, int argc, char **argv)
{
	struct rtctl_req r;
	struct rt_msgbuf mb;
	struct rt_client c;
	struct request q = { .count = 1 };
	struct run rn = { .o = o };
	char err[RT_ERRLEN + 64];
	uint32_t line = 0;
	int rc;

	if (rtctl_parse(argc, argv, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EXIT_USAGE;
	}
	if (rt_msgbuf_init(&mb, BATCH_MSG_MAX) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_UNREACHABLE;
	}
	connect_or_exit(&c, o->socket, o->timeout_ms);
	q.seq = c.next_seq++;
	q.cmd = r.cmd;
	q.lines = &line;
	rt_msg_begin(&mb, r.msg_type, q.seq,
	             r.flags | (o->force && rtctl_is_change(r.cmd) ? RT_F_TAKE_CONFIG : 0));
	if (r.nrec)
		add_record(&mb, &r);
	if (finish_request(&q, &mb) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		rc = EXIT_UNREACHABLE;
	} else {
		rc = exchange(&c, &rn, &q, 1);
	}
	if (rc == EXIT_OK && r.cmd == CMD_ROUTE_GET && q.shown == 0)
		rc = EXIT_REFUSED;
	free(q.msg);
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
	return rc;
}

/* ---- batch -------------------------------------------------------------------------- */

/* A batch's messages (56 MB for a million routes) live in one mapping in
 * huge pages: copied into malloc'd chunks they cost a page fault every
 * 4 KiB, which was 40 % of rtctl's time parsing a big batch. */
struct batch {
	struct request *q;
	size_t n, cap;
	uint8_t *arena;
	size_t arena_len, arena_cap;
};

static int arena_put(struct batch *b, const struct rt_msgbuf *mb, size_t *off)
{
	if (b->arena_len + mb->len > b->arena_cap) {
		size_t ncap = b->arena_cap ? b->arena_cap * 2 : (size_t)4 << 20;
		void *p;

		while (ncap < b->arena_len + mb->len)
			ncap *= 2;
		p = b->arena ? mremap(b->arena, b->arena_cap, ncap, MREMAP_MAYMOVE)
		             : mmap(NULL, ncap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		madvise(p, ncap, MADV_HUGEPAGE);    /* best effort */
		b->arena = p;
		b->arena_cap = ncap;
	}
	memcpy(b->arena + b->arena_len, mb->data, mb->len);
	*off = b->arena_len;
	b->arena_len += mb->len;
	return 0;
}

static struct request *batch_new(struct batch *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct request *q = realloc(b->q, cap * sizeof(*q));

		if (!q)
			return NULL;
		b->q = q;
		b->cap = cap;
	}
	memset(&b->q[b->n], 0, sizeof(b->q[0]));
	return &b->q[b->n++];
}

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->q[i].lines);
	free(b->q);
	if (b->arena)
		munmap(b->arena, b->arena_cap);
}

/* Close the open message (if any) into the request list. */
static int batch_seal(struct batch *b, struct rt_msgbuf *mb, struct request *cur)
{
	if (!cur)
		return 0;
	cur->len = mb->len;
	return arena_put(b, mb, &cur->off);
}

/* The words of the longest line: a route of RT_NH_MAX next hops, each
 * "nexthop via GW dev IF weight W onlink", after its own attributes. */
#define BATCH_WORDS_MAX (32 + 8 * RT_NH_MAX)

static int run_batch(const struct opts *o)
{
	FILE *f = strcmp(o->batch, "-") == 0 ? stdin : fopen(o->batch, "r");
	const char *src = strcmp(o->batch, "-") == 0 ? "stdin" : o->batch;
	struct batch b = { 0 };
	struct rt_msgbuf mb;
	struct request *cur = NULL;
	struct rt_client c;
	struct run rn = { .o = o, .src = src };
	char *line = NULL, **words = NULL;
	size_t linecap = 0, lines_cap = 0;
	uint32_t lineno = 0, seq = 1;
	uint32_t flags = RT_F_BATCH | RT_F_BATCH_START | (o->force ? RT_F_FORCE | RT_F_TAKE_CONFIG : 0);
	int rc = EXIT_OK;

	if (!f) {
		fprintf(stderr, "%s: cannot open batch file %s: %s\n", prog, o->batch, strerror(errno));
		return EXIT_USAGE;
	}
	if (rt_msgbuf_init(&mb, BATCH_MSG_MAX) < 0 ||
	    !(words = malloc(BATCH_WORDS_MAX * sizeof(*words))))
		goto oom;
	while (getline(&line, &linecap, f) >= 0) {
		char err[RT_ERRLEN + 64];
		struct rtctl_req r;
		int nw;

		lineno++;
		nw = rtctl_split(line, words, BATCH_WORDS_MAX);
		if (nw == 0)
			continue;
		if (nw > BATCH_WORDS_MAX) {
			fprintf(stderr, "%s: %s:%u: too many words\n", prog, src, lineno);
			rc = EXIT_USAGE;
			goto out;
		}
		if (strcmp(words[0], "rtctl") == 0) {
			fprintf(stderr, "%s: %s:%u: write commands without \"rtctl\"\n", prog, src, lineno);
			rc = EXIT_USAGE;
			goto out;
		}
		if (rtctl_parse(nw, words, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s:%u: %s\n", prog, src, lineno, err);
			rc = EXIT_USAGE;
			goto out;
		}
		/* Consecutive records of one kind share a message. */
		if (cur && rtctl_is_change(r.cmd) && r.nrec && cur->cmd == r.cmd &&
		    add_record(&mb, &r) == 0) {
			if (cur->count == lines_cap) {
				uint32_t *l = realloc(cur->lines, 2 * lines_cap * sizeof(*l));
				if (!l)
					goto oom;
				cur->lines = l;
				lines_cap *= 2;
			}
			cur->lines[cur->count++] = lineno;
			continue;
		}
		if (batch_seal(&b, &mb, cur) < 0)
			goto oom;
		cur = batch_new(&b);
		if (!cur)
			goto oom;
		lines_cap = 64;
		cur->lines = malloc(lines_cap * sizeof(*cur->lines));
		if (!cur->lines)
			goto oom;
		cur->seq = seq++;
		cur->cmd = r.cmd;
		cur->lines[0] = lineno;
		cur->count = 1;
		rt_msg_begin(&mb, r.msg_type, cur->seq,
		             r.flags | (rtctl_is_change(r.cmd) ? flags : 0));
		if (rtctl_is_change(r.cmd))
			flags &= ~RT_F_BATCH_START;
		if (r.nrec)
			add_record(&mb, &r);
		if (!rtctl_is_change(r.cmd) || !r.nrec) {
			if (batch_seal(&b, &mb, cur) < 0)
				goto oom;
			cur = NULL;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, src, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	if (batch_seal(&b, &mb, cur) < 0)
		goto oom;
	if (b.n) {
		/* The arena may have moved while it grew. */
		for (size_t i = 0; i < b.n; i++)
			b.q[i].msg = b.arena + b.q[i].off;
		connect_or_exit(&c, o->socket, o->timeout_ms);
		c.next_seq = seq;
		rc = exchange(&c, &rn, b.q, b.n);
		rt_client_close(&c);
	}
	goto out;
oom:
	fprintf(stderr, "%s: out of memory reading %s\n", prog, src);
	rc = EXIT_UNREACHABLE;
out:
	free(line);
	free(words);
	if (f != stdin)
		fclose(f);
	rt_msgbuf_free(&mb);
	batch_free(&b);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };

	parse_opts(argc, argv, &o);
	if (o.batch) {
		if (optind < argc) {
			fprintf(stderr, "%s: --batch takes no command words (\"%s\")\n", prog, argv[optind]);
			return EXIT_USAGE;
		}
		return run_batch(&o);
	}
	return run_single(&o, argc - optind, argv + optind);
}
