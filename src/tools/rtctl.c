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
#include <sys/un.h>
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
	uint8_t family;          /* -4, -6 */
	int timeout_ms;          /* each wait for rtmd; -1: none */
	char **words;            /* the command's words, options taken out */
	int nwords;
};

struct step;

/* One request on the wire and how to show its replies. */
struct request {
	uint8_t *msg;            /* encoded message; NULL: a step not yet run */
	size_t len, off;         /* off: in a batch, its place in the arena */
	uint32_t seq;
	enum rtctl_cmd cmd;
	uint32_t count;          /* records */
	uint32_t *lines;         /* batch line of each record (or of the command) */
	bool started;            /* first reply seen (JSON array opened) */
	bool own_msg;            /* msg is malloc'd (a step's) */
	bool before_stop;        /* holds lines before a failure: sent all the same */
	size_t shown;            /* entries printed */
	struct rtctl_sel *sel;   /* a filter rtctl applies to the reply, or NULL */
	struct step *step;       /* done by rtctl when its turn comes, or NULL */
	struct json_array_out ja;
};

/* A command rtctl completes itself (run_step()). */
struct step {
	enum rtctl_cmd cmd;
	struct rtctl_sel sel;
	struct rt_neigh neigh;
	struct rt_route *route;  /* rt_route_dup()'d: the entry or the keys */
	uint32_t flags;          /* header flags of its change */
	char *text;              /* its words, for messages */
};

static const char *prog = "rtctl";

static void usage(FILE *f)
{
	fprintf(f,
	"Usage: rtctl [OPTIONS] [route] { add | replace | change | append } ROUTE\n"
	"       rtctl [OPTIONS] [route] delete [to] [TYPE] PREFIX [KEYS]\n"
	"       rtctl [OPTIONS] [route] { list | show | flush } [SELECTOR]\n"
	"       rtctl [OPTIONS] [route] get [to] ADDRESS\n"
	"       rtctl [OPTIONS] neigh { add | replace } ADDR lladdr MAC dev IFNAME [nud permanent]\n"
	"       rtctl [OPTIONS] neigh delete ADDR dev IFNAME [lladdr MAC] [nud STATE] [proto P]\n"
	"       rtctl [OPTIONS] neigh { list | show | flush } [ADDR | PREFIX | MAC] [dev IFNAME]\n"
	"                                                   [nud STATE] [proto P]\n"
	"       rtctl [OPTIONS] neigh get { ADDR | MAC } [dev IFNAME]\n"
	"       rtctl [OPTIONS] status\n"
	"       rtctl [OPTIONS] { -b | --batch } FILE      (FILE '-': standard input)\n"
	"ROUTE := [to] [TYPE] PREFIX [via [inet|inet6] GW] [dev IFNAME] [src ADDR]\n"
	"         [scope SCOPE] [onlink] [metric N] [NEXTHOP]...\n"
	"TYPE := { unicast | blackhole | unreachable | prohibit }\n"
	"PREFIX := { ADDRESS[/LENGTH] | default }     (10/8 is 10.0.0.0/8)\n"
	"NEXTHOP := nexthop [via GW] [dev IFNAME] [weight W] [onlink]\n"
	"SCOPE := { global | site | link | host | NUMBER }\n"
	"KEYS := the words of the route's line: via GW, dev IFNAME, proto P, metric N, ...\n"
	"SELECTOR := [[root | match | exact] PREFIX] [dev IFNAME] [via GW] [proto P]\n"
	"            [type TYPE] [scope SCOPE] [src ADDR] [metric N]\n"
	"OPTIONS := { -s | --socket } PATH | -j | --json | -4 | -6 | -f | --force | -q | --quiet\n"
	"           | --timeout SEC | -h | --help | -V | --version\n"
	"Words may be cut short as ip(8) allows (r a, ro del, n); neigh, neighbor,\n"
	"neighbour and arp name one table; route may be left out.  Default socket:\n"
	"$RTMD_SOCKET or %s.  --timeout bounds each wait for rtmd (default %d s;\n"
	"0: none).  Exit: 0 ok, 1 refused by rtmd, 2 invalid input, 3 rtmd\n"
	"unreachable or no answer in time (a change may still apply).  See rtctl(8).\n",
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

static void bad_option(void)
{
	fprintf(stderr, "Try 'rtctl --help'.\n");
	exit(EXIT_USAGE);
}

/* An option word after the command words ("rtctl list --json"): the flags
 * only, so that a value such as "metric -1" stays a word of the command
 * (and is refused as a wrong value, not as an unknown option).  Returns
 * the words used, 0 if w is not such an option. */
static int late_option(struct opts *o, int argc, char **argv, int i)
{
	const char *w = argv[i];

	if (!strcmp(w, "-j") || !strcmp(w, "--json"))
		o->json = true;
	else if (!strcmp(w, "-q") || !strcmp(w, "--quiet"))
		o->quiet = true;
	else if (!strcmp(w, "-f") || !strcmp(w, "--force"))
		o->force = true;
	else if (!strcmp(w, "-4") || !strcmp(w, "-6"))
		o->family = w[1] == '4' ? AF_INET : AF_INET6;
	else if ((!strcmp(w, "-s") || !strcmp(w, "--socket")) && i + 1 < argc) {
		o->socket = argv[i + 1];
		return 2;
	} else if (!strcmp(w, "--timeout") && i + 1 < argc) {
		o->timeout_ms = parse_timeout(argv[i + 1]);
		return 2;
	} else
		return 0;
	return 1;
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
	int ch, n = 0;

	o->timeout_ms = RT_DEFAULT_TIMEOUT_MS;
	/* '+': options end at the first word of the command, as in ip(8) */
	while ((ch = getopt_long(argc, argv, "+s:jb:fqhV46", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': o->socket = optarg; break;
		case 'j': o->json = true; break;
		case 'b': o->batch = optarg; break;
		case 'f': o->force = true; break;
		case 'q': o->quiet = true; break;
		case 'T': o->timeout_ms = parse_timeout(optarg); break;
		case '4': o->family = AF_INET; break;
		case '6': o->family = AF_INET6; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'V': printf("rtctl %s\n", PACKAGE_VERSION); exit(EXIT_OK);
		default: bad_option();
		}
	}
	/* the words left, without the option words among them */
	o->words = argv + optind;
	for (int i = optind; i < argc;) {
		int used = late_option(o, argc, argv, i);

		if (used) {
			i += used;
			continue;
		}
		o->words[n++] = argv[i++];
	}
	o->nwords = n;
	if (!o->socket)
		o->socket = getenv("RTMD_SOCKET") && *getenv("RTMD_SOCKET") ? getenv("RTMD_SOCKET")
		                                                             : RT_DEFAULT_SOCKET;
	/* before anything is sent: a path the kernel cannot take is a usage error */
	if (!*o->socket) {
		fprintf(stderr, "%s: empty socket path (-s \"\")\n", prog);
		exit(EXIT_USAGE);
	}
	if (strlen(o->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "%s: socket path too long (%zu bytes, at most %zu): %s\n", prog,
		        strlen(o->socket), sizeof(((struct sockaddr_un *)0)->sun_path) - 1, o->socket);
		exit(EXIT_USAGE);
	}
}

/* ---- printing ------------------------------------------------------------- */

static void print_route(const struct opts *o, struct request *q, const struct rt_route *r)
{
	static char buf[RT_ROUTESTRMAX];

	if (o->json) {
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
	add_int(f, "skipped_routes", st->fpm_skipped);
	add_int(f, "hidden_kernel_routes", st->fpm_hidden);
	add_int(f, "next_hop_groups", st->fpm_groups);
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
		       "%llu routes of other tables ignored, %llu skipped; %llu kernel copies "
		       "hidden; %llu next-hop groups\n", st->fpm_listen,
		       st->fpm_connected ? "connected to " : "not connected",
		       st->fpm_connected ? st->fpm_peer : "", (unsigned long long)st->fpm_routes,
		       (unsigned long long)st->fpm_replays, (unsigned long long)st->fpm_ignored,
		       (unsigned long long)st->fpm_skipped, (unsigned long long)st->fpm_hidden,
		       (unsigned long long)st->fpm_groups);
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
	const char *text;        /* the single command's words, for messages */
	int status;              /* exit status of the first failure */
	uint32_t first_line;     /* its line (batches), UINT32_MAX: none yet */
	bool stop;               /* a line failed without --force: send no more */
	/* --force: invalid lines found while parsing, said in line order
	 * among rtmd's refusals */
	char **later;
	uint32_t *later_line;
	size_t nlater, said, later_cap;
};

/* Say the invalid lines before line (all: UINT32_MAX). */
static void say_before(struct run *rn, uint32_t line)
{
	for (; rn->said < rn->nlater && rn->later_line[rn->said] < line; rn->said++) {
		fputs(rn->later[rn->said], stderr);
		free(rn->later[rn->said]);
	}
}

static int say_later(struct run *rn, uint32_t line, const char *msg)
{
	if (rn->nlater == rn->later_cap) {
		size_t cap = rn->later_cap ? 2 * rn->later_cap : 16;
		char **m = realloc(rn->later, cap * sizeof(*m));
		uint32_t *l = m ? realloc(rn->later_line, cap * sizeof(*l)) : NULL;

		if (m)
			rn->later = m;
		if (!l)
			return -1;
		rn->later_line = l;
		rn->later_cap = cap;
	}
	if (!(rn->later[rn->nlater] = strdup(msg)))
		return -1;
	rn->later_line[rn->nlater++] = line;
	return 0;
}

static void run_free(struct run *rn)
{
	for (size_t i = rn->said; i < rn->nlater; i++)
		free(rn->later[i]);
	free(rn->later);
	free(rn->later_line);
}

/* A failure at line: the first one sets the exit status; without
 * --force nothing after it is sent. */
static void failed(struct run *rn, uint32_t line, int status)
{
	if (rn->first_line == UINT32_MAX || line < rn->first_line) {
		rn->first_line = line;
		rn->status = status;
	}
	if (!rn->o->force)
		rn->stop = true;
}

static void where(struct run *rn, uint32_t line, char *buf, size_t cap)
{
	say_before(rn, line);
	buf[0] = '\0';
	if (rn->src)
		snprintf(buf, cap, "%s:%u: ", rn->src, line);
}

static void report_error(struct run *rn, struct request *q, const struct rt_error *e)
{
	const char *what = rtctl_cmd_name(q->cmd);
	uint32_t line = q->lines[e->index < q->count ? e->index : 0];
	char at[300];

	if (e->code == RT_E_SKIPPED)
		return;
	where(rn, line, at, sizeof(at));
	if (e->code == RT_E_PERM)             /* rtmd refused before reading the entry */
		fprintf(stderr, "%s: %s%s%s%s: permission denied (%s)\n", prog, at, what,
		        rn->text ? " " : "", rn->text ? rn->text : "", e->text);
	else if (e->code == RT_E_OWNED)         /* the text names the entry and its owner */
		fprintf(stderr, "%s: %s%s %s\n", prog, at, what, e->text);
	else if (e->text[0])
		fprintf(stderr, "%s: %s%s %s: %s\n", prog, at, what, e->text, rt_err_str((int)e->code));
	else
		fprintf(stderr, "%s: %s%s: %s\n", prog, at, what, rt_err_str((int)e->code));
	failed(rn, line, e->code == RT_E_PROTO || e->code == RT_E_TOOBIG || e->code == RT_E_INVALID
	                 ? EXIT_USAGE : EXIT_REFUSED);
}

/* Entries of a list or get reply, through the request's selector. */
static void show_route(const struct opts *o, struct request *q, const struct rt_route *r)
{
	if (q->sel && !rtctl_sel_route(q->sel, r, NULL))
		return;
	print_route(o, q, r);
}

static void show_neigh(const struct opts *o, struct request *q, const struct rt_neigh *n)
{
	char buf[RT_ROUTESTRLEN];

	if (q->sel && !rtctl_sel_neigh(q->sel, n))
		return;
	if (o->json) {
		json_array_add(&q->ja, rt_neigh_to_json(n));
	} else {
		rt_neigh_format(n, buf, sizeof(buf));
		puts(buf);
	}
	q->shown++;
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
	/* lists and gets print one JSON array, even of nothing */
	if (o->json && !q->started && (q->cmd == CMD_ROUTE_LIST || q->cmd == CMD_ROUTE_GET ||
	                               q->cmd == CMD_ARP_LIST || q->cmd == CMD_ARP_GET))
		json_array_begin(&q->ja, stdout);
	q->started = true;
	switch (h->type) {
	case RT_MSG_ERROR: {
		struct rt_error e;

		if (rt_msg_get_error(h, msg, &e, why))
			goto bad;
		/* a get that finds nothing prints its empty array, and says so */
		if (!(e.code == RT_E_NOTFOUND && (q->cmd == CMD_ROUTE_GET || q->cmd == CMD_ARP_GET) &&
		      o->json))
			report_error(rn, q, &e);
		else
			failed(rn, q->lines[0], EXIT_REFUSED);
		break;
	}
	case RT_MSG_NOTICE: {
		struct rt_notice no;
		char at[300];

		if (rt_msg_get_notice(h, msg, &no, why))
			goto bad;
		where(rn, q->lines[no.index < q->count ? no.index : 0], at, sizeof(at));
		if (!o->quiet)
			fprintf(stderr, "%s: %s%s%s%s\n", prog, at,
			        no.code == RT_NOTE_PENDING ? "warning: pending (" : "", no.text,
			        no.code == RT_NOTE_PENDING ? ")" : "");
		break;
	}
	case RT_MSG_ACK: {
		struct rt_ack a;

		if (rt_msg_get_ack(h, msg, &a, why))
			goto bad;
		break;
	}
	case RT_MSG_ROUTES: {
		static struct rt_route r;       /* 9 KiB, one at a time */
		struct rt_reader rd;

		rt_msg_reader(&rd, h, msg);
		for (uint32_t i = 0; i < h->count; i++) {
			if (rt_msg_read_route(&rd, &r, why))
				goto bad;
			show_route(o, q, &r);
		}
		break;
	}
	case RT_MSG_NEIGHS: {
		struct rt_reader rd;

		rt_msg_reader(&rd, h, msg);
		for (uint32_t i = 0; i < h->count; i++) {
			struct rt_neigh n;

			if (rt_msg_read_neigh(&rd, &n, why))
				goto bad;
			show_neigh(o, q, &n);
		}
		break;
	}
	case RT_MSG_STATUS_REPLY: {
		struct rt_status st;

		if (rt_msg_get_status(h, msg, &st, why))
			goto bad;
		print_status(o, &st);
		break;
	}
	default:
		snprintf(why, sizeof(why), "unexpected message type %u", h->type);
		goto bad;
	}
	if (more)
		return 0;
	if (o->json && (q->cmd == CMD_ROUTE_LIST || q->cmd == CMD_ROUTE_GET ||
	                q->cmd == CMD_ARP_LIST || q->cmd == CMD_ARP_GET))
		json_array_end(&q->ja);
	/* a get whose selector (neigh get ... dev) left nothing found nothing */
	if ((q->cmd == CMD_ROUTE_GET || q->cmd == CMD_ARP_GET) && !q->shown &&
	    h->type != RT_MSG_ERROR) {
		char at[300];

		where(rn, q->lines[0], at, sizeof(at));
		if (!o->json)
			fprintf(stderr, "%s: %s%s%s%s: not found\n", prog, at, rtctl_cmd_name(q->cmd),
			        rn->text ? " " : "", rn->text ? rn->text : "");
		failed(rn, q->lines[0], EXIT_REFUSED);
	}
	return 1;
bad:
	fprintf(stderr, "%s: malformed reply from rtmd: %s\n", prog, why);
	return -1;
}

/* ---- building requests -------------------------------------------------------- */

static int add_record(struct rt_msgbuf *mb, const struct rtctl_req *r)
{
	if (r->cmd <= CMD_ROUTE_GET || r->cmd == CMD_ROUTE_CHANGE)
		return rt_msg_put_route(mb, &r->route);
	return rt_msg_put_neigh(mb, &r->neigh);
}

/* A selector rtctl applies itself (a list's dev, proto, ...), or NULL
 * when rtmd's reply is the answer as it stands. */
static bool filters_here(const struct rtctl_req *r)
{
	if (r->cmd != CMD_ROUTE_LIST && r->cmd != CMD_ARP_LIST && r->cmd != CMD_ARP_GET)
		return false;
	return (r->sel.given & ~(r->cmd == CMD_ROUTE_LIST ? SEL_PREFIX : 0)) || r->sel.any_family;
}

static struct rtctl_sel *client_filter(const struct rtctl_req *r)
{
	struct rtctl_sel *s;

	if (!filters_here(r) || !(s = malloc(sizeof(*s))))
		return NULL;
	*s = r->sel;
	return s;
}

/* The words of a command, for messages about it. */
static char *join_words(int argc, char **argv)
{
	size_t len = 1;
	char *t;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (!(t = malloc(len)))
		return NULL;
	t[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(t, " ");
		strcat(t, argv[i]);
	}
	return t;
}

/* A command rtctl completes itself when its turn comes: a delete named by
 * more than its key, a change, a flush with selectors. */
static struct step *step_new(const struct rtctl_req *r, char *text, uint32_t flags)
{
	struct step *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->cmd = r->cmd;
	st->sel = r->sel;
	st->neigh = r->neigh;
	st->flags = flags;
	st->text = text;
	if (!(st->route = rt_route_dup(&r->route))) {
		free(st);
		return NULL;
	}
	return st;
}

static void step_free(struct step *st)
{
	if (!st)
		return;
	free(st->route);
	free(st->text);
	free(st);
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

/* What a step found: the entries its selector takes. */
struct found {
	const struct step *st;
	bool owned_only;         /* flush: rtctl's entries (config too with --force) */
	bool config;
	struct rt_route **routes;
	struct rt_neigh *neighs;
	size_t n, cap;
	bool oom;
};

static bool found_grow(struct found *f)
{
	if (f->n < f->cap)
		return true;
	size_t cap = f->cap ? 2 * f->cap : 16;
	void *p = f->st->cmd == CMD_ARP_DEL || f->st->cmd == CMD_ARP_FLUSH
	        ? realloc(f->neighs, cap * sizeof(*f->neighs))
	        : realloc(f->routes, cap * sizeof(*f->routes));

	if (!p) {
		f->oom = true;
		return false;
	}
	if (f->st->cmd == CMD_ARP_DEL || f->st->cmd == CMD_ARP_FLUSH)
		f->neighs = p;
	else
		f->routes = p;
	f->cap = cap;
	return true;
}

static bool take_origin(const struct found *f, uint8_t origin)
{
	return !f->owned_only || origin == RT_ORIGIN_RTCTL || (f->config && origin == RT_ORIGIN_CONFIG);
}

static void found_free(struct found *f)
{
	for (size_t i = 0; f->routes && i < f->n; i++)
		free(f->routes[i]);
	free(f->routes);
	free(f->neighs);
}

/* Send one message and read its replies, collecting into f what the step's
 * selector takes.  0; an rt_err code with e filled; -1 on a lost
 * connection (said). */
/* One reply message of a step's listing into f (or, f NULL, only its
 * error into e and *code).  Returns whether more messages follow. */
static bool take_reply(const struct rt_hdr *h, const uint8_t *msg, struct found *f,
                       struct rt_error *e, int *code)
{
	static struct rt_route r;
	char why[RT_ERRLEN];
	struct rt_reader rd;

	rt_msg_reader(&rd, h, msg);
	if (h->type == RT_MSG_ERROR) {
		struct rt_error x;

		if (rt_msg_get_error(h, msg, &x, why) == 0 && !*code &&
		    !(x.code == RT_E_NOTFOUND && f)) {
			*e = x;
			*code = (int)x.code;
		}
	} else if (h->type == RT_MSG_ROUTES && f) {
		for (uint32_t i = 0; i < h->count; i++) {
			if (rt_msg_read_route(&rd, &r, why))
				break;
			if (!rtctl_sel_route(&f->st->sel, &r, f->st->route) ||
			    !take_origin(f, r.origin) || !found_grow(f))
				continue;
			if ((f->routes[f->n] = rt_route_dup(&r)))
				f->n++;
			else
				f->oom = true;
		}
	} else if (h->type == RT_MSG_NEIGHS && f) {
		for (uint32_t i = 0; i < h->count; i++) {
			struct rt_neigh n;

			if (rt_msg_read_neigh(&rd, &n, why))
				break;
			if (rtctl_sel_neigh(&f->st->sel, &n) && take_origin(f, n.origin) &&
			    found_grow(f))
				f->neighs[f->n++] = n;
		}
	}
	return h->flags & RT_F_MORE;
}

/* Send one message and read its replies, collecting into f what the step's
 * selector takes.  0; an rt_err code with e filled; -1 on a lost
 * connection (said). */
static int sync_request(struct rt_client *c, struct rt_msgbuf *mb, struct found *f,
                        struct rt_error *e)
{
	char why[512];
	int code = 0;

	if (rt_client_send(c, mb) < 0)
		return lost(c, strerror(errno)), -1;
	for (;;) {
		struct rt_hdr h;
		const uint8_t *msg;
		int rc = rt_client_recv(c, &h, &msg, why, sizeof(why));

		if (rc <= 0)
			return lost(c, why), -1;
		if (!take_reply(&h, msg, f, e, &code))
			return code;
	}
}

/* List what the step is about: the routes of its prefix, the neighbours of
 * its address, or, for a flush, the whole table (or the prefix's part). */
static void list_msg(struct rt_client *c, const struct step *st, struct rt_msgbuf *mb)
{
	if (st->cmd == CMD_ARP_DEL) {
		struct rt_neigh key = st->neigh;

		snprintf(key.dev, sizeof(key.dev), "any");
		rt_msg_begin(mb, RT_MSG_ARP_GET, c->next_seq++, 0);
		rt_msg_put_neigh(mb, &key);
	} else if (st->cmd == CMD_ARP_FLUSH) {
		rt_msg_begin(mb, RT_MSG_ARP_LIST, c->next_seq++, 0);
	} else {
		struct rt_route *key = st->route;
		uint32_t flags = 0;

		bool prefix = (st->sel.given & SEL_PREFIX) && !st->sel.any_family;

		if (st->cmd == CMD_ROUTE_FLUSH && prefix)
			flags = st->sel.mode == SEL_ROOT ? RT_F_LIST_ROOT :
			        st->sel.mode == SEL_MATCH ? RT_F_LIST_MATCH : 0;
		rt_msg_begin(mb, RT_MSG_ROUTE_LIST, c->next_seq++, flags);
		if (st->cmd != CMD_ROUTE_FLUSH || prefix) {
			uint16_t n = key->nh_count;

			key->nh_count = 0;      /* the prefix is the filter */
			key->dst = st->sel.given & SEL_PREFIX ? st->sel.dst : key->dst;
			rt_msg_put_route(mb, key);
			key->nh_count = n;
		}
	}
}

static int step_list(struct rt_client *c, const struct step *st, struct found *f,
                     struct rt_error *e)
{
	struct rt_msgbuf mb;
	int rc;

	if (rt_msgbuf_init(&mb, BATCH_MSG_MAX) < 0)
		return -1;
	list_msg(c, st, &mb);
	rc = sync_request(c, &mb, f, e);
	rt_msgbuf_free(&mb);
	if (rc > 0 && st->cmd == CMD_ARP_DEL && e->code == RT_E_NOTFOUND)
		rc = 0;
	return rc;
}

/* A step's own failure, said as rtmd would say it. */
static void step_fail(struct run *rn, struct request *q, const char *why, int status)
{
	char at[300];

	where(rn, q->lines[0], at, sizeof(at));
	fprintf(stderr, "%s: %s%s %s: %s\n", prog, at, rtctl_cmd_name(q->cmd), q->step->text, why);
	failed(rn, q->lines[0], status);
}

/* Several entries match a delete: say which, so the user can name one. */
static void ambiguous(struct run *rn, struct request *q, const struct found *f)
{
	char buf[RT_ROUTESTRLEN];

	step_fail(rn, q, "ambiguous: several entries match; name one by the words of its line:",
	          EXIT_REFUSED);
	for (size_t i = 0; i < f->n; i++) {
		if (f->routes)
			rt_route_format(f->routes[i], buf, sizeof(buf));
		else
			rt_neigh_format(&f->neighs[i], buf, sizeof(buf));
		fprintf(stderr, "  %s\n", buf);
	}
}

/* A flush with selectors: delete what matched, many entries a message;
 * entries gone in between are no failure. */
static int flush_found(struct rt_client *c, struct run *rn, struct request *q, struct found *f)
{
	struct rt_msgbuf mb;
	struct rt_error e = { 0 };
	bool arp = q->cmd == CMD_ARP_FLUSH;
	uint32_t flags = RT_F_FORCE | (rn->o->force ? RT_F_TAKE_CONFIG : 0);
	int rc = 0;

	if (rt_msgbuf_init(&mb, BATCH_MSG_MAX) < 0)
		return -1;
	for (size_t i = 0; i < f->n && rc == 0;) {
		rt_msg_begin(&mb, arp ? RT_MSG_ARP_DEL : RT_MSG_ROUTE_DEL, c->next_seq++, flags);
		while (i < f->n && (arp ? rt_msg_put_neigh(&mb, &f->neighs[i])
		                        : rt_msg_put_route(&mb, f->routes[i])) == 0)
			i++;
		rc = sync_request(c, &mb, NULL, &e);
	}
	rt_msgbuf_free(&mb);
	if (rc > 0 && rc != RT_E_NOTFOUND)
		report_error(rn, q, &e);
	return rc < 0 ? -1 : 0;
}

/* Run q's step: 1 with q->msg the message to send now, 0 when the step
 * ended here (a failure said, or a flush done), -1 on a lost connection. */
static int run_step(struct rt_client *c, struct run *rn, struct request *q)
{
	struct step *st = q->step;
	struct found f = { .st = st };
	struct rt_error e = { 0 };
	struct rt_msgbuf mb;
	int rc;

	if (st->cmd == CMD_ROUTE_FLUSH || st->cmd == CMD_ARP_FLUSH) {
		f.owned_only = true;
		f.config = rn->o->force;
	}
	if (st->cmd == CMD_ROUTE_CHANGE) {
		/* the route at (prefix, metric) must be there */
		st->sel.given = SEL_PREFIX | SEL_METRIC;
		st->sel.mode = SEL_EXACT;
		st->sel.dst = st->route->dst;
		st->sel.metric = st->route->metric;
	}
	rc = step_list(c, st, &f, &e);
	if (rc < 0 || f.oom) {
		if (f.oom)
			fprintf(stderr, "%s: out of memory\n", prog);
		found_free(&f);
		return -1;
	}
	if (rc > 0) {
		report_error(rn, q, &e);
		found_free(&f);
		return 0;
	}
	if (st->cmd == CMD_ROUTE_FLUSH || st->cmd == CMD_ARP_FLUSH) {
		rc = flush_found(c, rn, q, &f);
		found_free(&f);
		return rc;
	}
	if (f.n == 0 || (f.n > 1 && st->cmd != CMD_ROUTE_CHANGE)) {
		if (f.n == 0)
			step_fail(rn, q, "not found", EXIT_REFUSED);
		else
			ambiguous(rn, q, &f);
		found_free(&f);
		return 0;
	}
	if (rt_msgbuf_init(&mb, BATCH_MSG_MAX) < 0) {
		found_free(&f);
		return -1;
	}
	if (st->cmd == CMD_ARP_DEL) {
		rt_msg_begin(&mb, RT_MSG_ARP_DEL, q->seq, st->flags);
		rt_msg_put_neigh(&mb, &f.neighs[0]);
	} else if (st->cmd == CMD_ROUTE_CHANGE) {
		rt_msg_begin(&mb, RT_MSG_ROUTE_REPLACE, q->seq, st->flags);
		rt_msg_put_route(&mb, st->route);
	} else {
		struct rt_route *r = f.routes[0];
		char name[RT_NAMELEN], why[RT_NAMELEN + 32];

		if (!rt_origin_owned(r->origin)) {
			snprintf(why, sizeof(why), "owned by %s", rt_owner_name(r->origin, r->protocol, name));
			step_fail(rn, q, why, EXIT_REFUSED);
			found_free(&f);
			rt_msgbuf_free(&mb);
			return 0;
		}
		rt_msg_begin(&mb, RT_MSG_ROUTE_DEL, q->seq, st->flags);
		rt_msg_put_route(&mb, r);
	}
	found_free(&f);
	q->len = mb.len;
	q->msg = mb.data;       /* the request owns the buffer now */
	q->own_msg = true;
	return 1;
}

#define GROUP_MAX 256          /* deletes resolved together, one message (if it fits) */

static bool same_key(const struct found *a, size_t i, const struct found *b, size_t j)
{
	if (a->routes)
		return a->routes[i]->dst.len == b->routes[j]->dst.len &&
		       rt_addr_equal(&a->routes[i]->dst.addr, &b->routes[j]->dst.addr) &&
		       a->routes[i]->metric == b->routes[j]->metric && a->routes[i]->disc == b->routes[j]->disc;
	return rt_addr_equal(&a->neighs[i].ip, &b->neighs[j].ip) &&
	       strncmp(a->neighs[i].dev, b->neighs[j].dev, RT_IFNAMSIZ) == 0;
}

/* Deletes that rtctl resolves, q[0..n) in a row: their listings go out
 * together, and the entries they name are deleted in one message (one
 * sync in rtmd, not one a line).  An entry an earlier line of the group
 * takes is gone for the later ones, as it will be.  Returns 1 with
 * q[n-1] carrying the deletes (q[0..n-1) are done), 0 when nothing is
 * left to send, -1 on a lost connection. */
static int run_delete_group(struct rt_client *c, struct run *rn, struct request *q, size_t *np)
{
	size_t n = *np;
	struct found *f = calloc(n, sizeof(*f));
	size_t *pick = calloc(n, sizeof(*pick)), sent = 0, got = 0, k = 0;
	uint32_t *lines = malloc(n * sizeof(*lines));
	struct rt_msgbuf mb;
	bool arp = q[0].step->cmd == CMD_ARP_DEL, mb_ok = false;
	int rc = -1, code = 0;

	if (!f || !pick || !lines || rt_msgbuf_init(&mb, BATCH_MSG_MAX) < 0)
		goto oom;
	mb_ok = true;
	for (size_t i = 0; i < n; i++)
		f[i].st = q[i].step;
	/* the listings, a window of them in flight */
	while (got < n) {
		char why[512];
		struct rt_hdr h;
		const uint8_t *msg;
		struct rt_error e = { 0 };

		while (sent < n && sent - got < WINDOW) {
			list_msg(c, q[sent].step, &mb);
			if (rt_client_send(c, &mb) < 0) {
				lost(c, strerror(errno));
				goto out;
			}
			sent++;
		}
		if (rt_client_recv(c, &h, &msg, why, sizeof(why)) <= 0) {
			lost(c, why);
			goto out;
		}
		code = 0;
		if (!take_reply(&h, msg, &f[got], &e, &code))
			got++;
		if (f[got < n ? got : n - 1].oom || (code && code != RT_E_NOTFOUND))
			goto oom;
	}
	/* each line names one entry that no earlier line of the group took */
	/* q[0]'s sequence number, which no other message of the group uses:
	 * the last request of the group, whichever that is, carries it */
	rt_msg_begin(&mb, arp ? RT_MSG_ARP_DEL : RT_MSG_ROUTE_DEL, q[0].seq, q[0].step->flags);
	for (size_t i = 0; i < n && !rn->stop; i++) {
		size_t m = 0, one = 0;

		for (size_t j = 0; j < f[i].n; j++) {
			bool taken = false;

			for (size_t p = 0; p < k && !taken; p++)
				taken = same_key(&f[i], j, &f[pick[p]], 0);
			if (!taken) {
				m++;
				one = j;
			}
		}
		if (m != 1) {
			if (m == 0)
				step_fail(rn, &q[i], "not found", EXIT_REFUSED);
			else
				ambiguous(rn, &q[i], &f[i]);
			continue;
		}
		if (!arp && !rt_origin_owned(f[i].routes[one]->origin)) {
			char name[RT_NAMELEN], why[RT_NAMELEN + 32];

			snprintf(why, sizeof(why), "owned by %s",
			         rt_owner_name(f[i].routes[one]->origin, f[i].routes[one]->protocol, name));
			step_fail(rn, &q[i], why, EXIT_REFUSED);
			continue;
		}
		/* the chosen entry first in its list, for the later lines' checks */
		if (arp) {
			struct rt_neigh t = f[i].neighs[0];
			f[i].neighs[0] = f[i].neighs[one];
			f[i].neighs[one] = t;
		} else {
			struct rt_route *t = f[i].routes[0];
			f[i].routes[0] = f[i].routes[one];
			f[i].routes[one] = t;
		}
		if ((arp ? rt_msg_put_neigh(&mb, &f[i].neighs[0])
		         : rt_msg_put_route(&mb, f[i].routes[0])) < 0) {
			if (errno != EMSGSIZE || k == 0)
				goto oom;
			/* the message is full: this line and those after it wait for
			 * the next group (which lists them again, after this one) */
			n = i;
			break;
		}
		lines[k] = q[i].lines[0];
		pick[k++] = i;
	}
	rc = 0;
	*np = n;
	if (k) {
		struct request *last = &q[n - 1];

		if (!(last->msg = malloc(mb.len)))
			goto oom;
		memcpy(last->msg, mb.data, mb.len);
		last->seq = q[0].seq;
		last->len = mb.len;
		last->own_msg = true;
		last->before_stop = true;
		free(last->lines);
		last->lines = lines;
		last->count = (uint32_t)k;
		lines = NULL;
		rc = 1;
	}
	goto out;
oom:
	fprintf(stderr, "%s: out of memory\n", prog);
	rc = -1;
out:
	for (size_t i = 0; f && i < n; i++)
		found_free(&f[i]);
	free(f);
	free(pick);
	free(lines);
	if (mb_ok)
		rt_msgbuf_free(&mb);
	return rc;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* No reply within --timeout: rtmd is stopped or stuck.  What was sent may
 * still be applied when it resumes, and the message says so. */
static int timed_out(const struct rt_client *c, struct run *rn, const struct request *q)
{
	char tbuf[32], at[300];

	rt_client_timeout_str(rn->o->timeout_ms, tbuf, sizeof(tbuf));
	where(rn, q->lines[0], at, sizeof(at));
	if (!rtctl_is_change(q->cmd))
		fprintf(stderr, "%s: %srtmd at %s did not answer within %s\n", prog, at, c->path, tbuf);
	else if (rn->src)
		fprintf(stderr, "%s: %srtmd at %s did not answer within %s; the changes sent from "
		        "this line on may still be applied\n", prog, at, c->path, tbuf);
	else
		fprintf(stderr, "%s: rtmd at %s did not answer within %s; the change may still be "
		        "applied\n", prog, c->path, tbuf);
	return EXIT_UNREACHABLE;
}

/* Send requests q[0..n) keeping up to WINDOW in flight; read replies as
 * they come so neither side can block the other.  A step runs when every
 * request before it is answered, so it sees what they did.  --timeout
 * bounds each wait for a reply (the time since the last one came), not
 * the batch. */
static int exchange(struct rt_client *c, struct run *rn, struct request *q, size_t n)
{
	size_t sent = 0, done = 0;
	uint64_t since = now_ms();

	while (done < n) {
		if (!rn->stop && sent < n && sent == done && q[sent].step && !q[sent].msg &&
		    rn->src && (q[sent].step->cmd == CMD_ROUTE_DEL || q[sent].step->cmd == CMD_ARP_DEL)) {
			size_t k = sent + 1;
			int rc;

			while (k < n && k - sent < GROUP_MAX && q[k].step && !q[k].msg &&
			       q[k].step->cmd == q[sent].step->cmd)
				k++;
			size_t m = k - sent;

			rc = run_delete_group(c, rn, &q[sent], &m);
			if (rc < 0)
				return EXIT_UNREACHABLE;
			since = now_ms();
			sent = done = sent + (rc ? m - 1 : m);
			continue;
		}
		if (!rn->stop && sent < n && sent == done && q[sent].step && !q[sent].msg) {
			int rc = run_step(c, rn, &q[sent]);

			if (rc < 0)
				return EXIT_UNREACHABLE;
			since = now_ms();
			if (rc == 0) {
				sent++;
				done++;
				continue;
			}
		}
		bool can_send = sent < n && (!rn->stop || (q[sent].before_stop && sent == done)) &&
		                sent - done < WINDOW && (!q[sent].step || q[sent].msg);
		struct pollfd p = { .fd = c->fd, .events = POLLIN | (can_send ? POLLOUT : 0) };

		if (sent == done && !can_send)
			break;
		int wait = -1, ready;

		if (rn->o->timeout_ms >= 0) {
			uint64_t t = now_ms(), end = since + (uint64_t)rn->o->timeout_ms;
			wait = t >= end ? 0 : (int)(end - t);
		}
		if ((ready = poll(&p, 1, wait)) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
			return EXIT_UNREACHABLE;
		}
		if (ready == 0)
			return timed_out(c, rn, &q[done < n ? done : n - 1]);
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

/* A parsed command as a request: its message, or its step. */
static int make_request(const struct opts *o, const struct rtctl_req *r, struct request *q,
                        struct rt_msgbuf *mb, uint32_t flags, char *text)
{
	q->cmd = r->cmd;
	q->sel = client_filter(r);
	if (filters_here(r) && !q->sel) {
		free(text);
		return -1;
	}
	if (r->resolve || r->cmd == CMD_ROUTE_FLUSH || r->cmd == CMD_ARP_FLUSH) {
		if (!(q->step = step_new(r, text, flags)))
			return -1;
		return 0;
	}
	free(text);
	rt_msg_begin(mb, r->msg_type, q->seq, r->flags | (rtctl_is_change(r->cmd) ? flags : 0));
	if (r->nrec)
		add_record(mb, r);
	(void)o;
	return 0;
}

static void request_free(struct request *q)
{
	if (q->own_msg)
		free(q->msg);
	free(q->sel);
	step_free(q->step);
}

static int run_single(const struct opts *o, int argc, char **argv)
{
	static struct rtctl_req r;
	struct rt_msgbuf mb;
	struct rt_client c;
	struct request q = { .count = 1 };
	struct run rn = { .o = o, .first_line = UINT32_MAX };
	char err[RT_ERRLEN + 64], *text = join_words(argc, argv), *entry;
	uint32_t line = 0;
	int rc;

	if (!text) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_UNREACHABLE;
	}
	if (rtctl_parse_family(argc, argv, o->family, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, text, err);
		free(text);
		return EXIT_USAGE;
	}
	free(text);
	if (r.cmd == CMD_HELP) {
		usage(stdout);
		return EXIT_OK;
	}
	/* messages name the entry by the words the user gave it */
	text = join_words(argc - r.entry, argv + r.entry);
	entry = text ? strdup(text) : NULL;
	if (!entry || rt_msgbuf_init(&mb, BATCH_MSG_MAX) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		free(text);
		free(entry);
		return EXIT_UNREACHABLE;
	}
	rn.text = text;
	connect_or_exit(&c, o->socket, o->timeout_ms);
	q.seq = c.next_seq++;
	q.lines = &line;
	rc = make_request(o, &r, &q, &mb, o->force && rtctl_is_change(r.cmd) ? RT_F_TAKE_CONFIG : 0,
	                  entry);
	if (rc < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		rc = EXIT_UNREACHABLE;
	} else {
		if (!q.step) {
			q.msg = mb.data;
			q.len = mb.len;
		}
		rc = exchange(&c, &rn, &q, 1);
	}
	request_free(&q);
	free(text);
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
	for (size_t i = 0; i < b->n; i++) {
		free(b->q[i].lines);
		request_free(&b->q[i]);
	}
	free(b->q);
	if (b->arena)
		munmap(b->arena, b->arena_cap);
}

/* Close the open message (if any) into the request list. */
static int batch_seal(struct batch *b, struct rt_msgbuf *mb, struct request *cur)
{
	if (!cur || cur->step)
		return 0;
	cur->len = mb->len;
	return arena_put(b, mb, &cur->off);
}

/* Batch input: one command a line; a line that starts with a blank goes on
 * with the command before it (ip route show's indented "nexthop" lines). */
struct reader {
	FILE *f;
	char *line;              /* the line read ahead */
	size_t cap;
	ssize_t len;             /* -1: none */
	uint32_t lineno;         /* of the line read ahead */
	char *cmd;               /* the command being put together */
	size_t cmd_len, cmd_cap;
};

/* Cut a '#' comment that starts a word. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '#' && (p == s || *(p - 1) == ' ' || *(p - 1) == '\t')) {
			*p = '\0';
			return;
		}
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

static int cmd_append(struct reader *rd, const char *s)
{
	size_t n = strlen(s);

	if (rd->cmd_len + n + 2 > rd->cmd_cap) {
		size_t cap = (rd->cmd_len + n + 2) * 2;
		char *p = realloc(rd->cmd, cap);

		if (!p)
			return -1;
		rd->cmd = p;
		rd->cmd_cap = cap;
	}
	rd->cmd[rd->cmd_len++] = ' ';
	memcpy(rd->cmd + rd->cmd_len, s, n + 1);
	rd->cmd_len += n;
	return 0;
}

/* Read ahead one line; 1, 0 at the end, -1 on a read error or a NUL byte
 * (err says which, *bad its line). */
static int read_ahead(struct reader *rd, char *err, size_t errlen)
{
	rd->len = getline(&rd->line, &rd->cap, rd->f);
	if (rd->len < 0) {
		if (ferror(rd->f)) {
			snprintf(err, errlen, "cannot read: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	rd->lineno++;
	if (memchr(rd->line, '\0', (size_t)rd->len)) {
		snprintf(err, errlen, "a NUL byte in the line");
		return -1;
	}
	strip_comment(rd->line);
	return 1;
}

/* The next command: 1 with rd->cmd and its first line, 0 at the end, -1
 * with err for the line in *line. */
static int read_command(struct reader *rd, uint32_t *line, char *err, size_t errlen)
{
	int rc;

	for (;;) {
		if (rd->len < 0 && (rc = read_ahead(rd, err, errlen)) <= 0) {
			*line = rd->lineno;
			return rc;
		}
		if (!blank(rd->line))
			break;
		rd->len = -1;
	}
	*line = rd->lineno;
	rd->cmd_len = 0;
	if (cmd_append(rd, rd->line) < 0)
		goto oom;
	for (;;) {
		rd->len = -1;
		if ((rc = read_ahead(rd, err, errlen)) < 0) {
			/* the bad line is its own failure, after this command */
			rd->len = -2;
			return 1;
		}
		if (rc == 0 || (rd->line[0] != ' ' && rd->line[0] != '\t'))
			return 1;
		if (cmd_append(rd, rd->line) < 0)
			goto oom;
	}
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int run_batch(const struct opts *o)
{
	FILE *f = strcmp(o->batch, "-") == 0 ? stdin : fopen(o->batch, "r");
	const char *src = strcmp(o->batch, "-") == 0 ? "stdin" : o->batch;
	struct batch b = { 0 };
	struct rt_msgbuf mb;
	struct request *cur = NULL;
	struct rt_client c;
	struct run rn = { .o = o, .src = src, .first_line = UINT32_MAX };
	struct reader rd = { .f = f, .len = -1 };
	static struct rtctl_req r;
	char **words = NULL, err[RT_ERRLEN + 64], stop_err[RT_ERRLEN + 64] = "";
	size_t words_cap = 0, lines_cap = 0;
	uint32_t seq = 1, stop_line = 0, first = 0;
	uint32_t flags = RT_F_BATCH | RT_F_BATCH_START | (o->force ? RT_F_FORCE | RT_F_TAKE_CONFIG : 0);
	int rc = EXIT_OK, got;

	if (!f) {
		fprintf(stderr, "%s: cannot open batch file %s: %s\n", prog, o->batch, strerror(errno));
		return EXIT_USAGE;
	}
	if (rt_msgbuf_init(&mb, BATCH_MSG_MAX) < 0)
		goto oom;
	for (;;) {
		int nw;

		if (rd.len == -2) {
			/* the line after the last command could not be read */
			got = -1;
			first = rd.lineno;
			rd.len = -1;
		} else {
			got = read_command(&rd, &first, err, sizeof(err));
		}
		if (got == 0)
			break;
		if (got < 0 && strcmp(err, "out of memory") == 0)
			goto oom;
		if (got > 0) {
			if (rd.cmd_len / 2 + 2 > words_cap) {
				char **w = realloc(words, (rd.cmd_len / 2 + 2) * sizeof(*w));

				if (!w)
					goto oom;
				words = w;
				words_cap = rd.cmd_len / 2 + 2;
			}
			nw = rtctl_split(rd.cmd, words, (int)words_cap);
			if (nw == 0)
				continue;
			if (strcmp(words[0], "rtctl") == 0) {
				snprintf(err, sizeof(err), "write commands without \"rtctl\"");
				got = -1;
			} else if (rtctl_parse_family(nw, words, o->family, &r, err, sizeof(err)) < 0) {
				got = -1;
			} else if (r.cmd == CMD_HELP) {
				snprintf(err, sizeof(err), "\"help\" is not a command of a batch");
				got = -1;
			}
		}
		if (got < 0) {
			/* an invalid line: without --force the batch ends before it,
			 * with --force it is reported and skipped */
			if (!o->force) {
				snprintf(stop_err, sizeof(stop_err), "%s", err);
				stop_line = first;
				break;
			}
			char msg[RT_ERRLEN + 400];

			snprintf(msg, sizeof(msg), "%s: %s:%u: %s\n", prog, src, first, err);
			if (say_later(&rn, first, msg) < 0)
				goto oom;
			failed(&rn, first, EXIT_USAGE);
			if (rd.len == -1 && ferror(f))
				break;
			continue;
		}
		/* Consecutive records of one kind share a message. */
		if (cur && !cur->step && rtctl_is_change(r.cmd) && r.nrec && !r.resolve &&
		    cur->cmd == r.cmd && add_record(&mb, &r) == 0) {
			if (cur->count == lines_cap) {
				uint32_t *l = realloc(cur->lines, 2 * lines_cap * sizeof(*l));
				if (!l)
					goto oom;
				cur->lines = l;
				lines_cap *= 2;
			}
			cur->lines[cur->count++] = first;
			continue;
		}
		if (batch_seal(&b, &mb, cur) < 0)
			goto oom;
		cur = batch_new(&b);
		if (!cur)
			goto oom;
		/* room to grow only where records will share the message */
		lines_cap = rtctl_is_change(r.cmd) && r.nrec && !r.resolve ? 64 : 1;
		cur->lines = malloc(lines_cap * sizeof(*cur->lines));
		if (!cur->lines)
			goto oom;
		cur->seq = seq++;
		cur->lines[0] = first;
		cur->count = 1;
		if (make_request(o, &r, cur, &mb, flags,
		                 r.resolve || r.cmd == CMD_ROUTE_FLUSH || r.cmd == CMD_ARP_FLUSH
		                 ? join_words(nw - r.entry, words + r.entry) : NULL) < 0)
			goto oom;
		if (rtctl_is_change(r.cmd))
			flags &= ~RT_F_BATCH_START;
		if (cur->step || !rtctl_is_change(r.cmd) || !r.nrec) {
			if (batch_seal(&b, &mb, cur) < 0)
				goto oom;
			cur = NULL;
		}
	}
	if (batch_seal(&b, &mb, cur) < 0)
		goto oom;
	if (b.n) {
		/* The arena may have moved while it grew. */
		for (size_t i = 0; i < b.n; i++)
			if (!b.q[i].step)
				b.q[i].msg = b.arena + b.q[i].off;
		char cerr[512];

		if (rt_client_connect_timeout(&c, o->socket, o->timeout_ms, cerr, sizeof(cerr)) < 0) {
			say_before(&rn, UINT32_MAX);
			fprintf(stderr, "%s: %s\n", prog, cerr);
			rc = EXIT_UNREACHABLE;
			goto out;
		}
		c.next_seq = seq;
		rc = exchange(&c, &rn, b.q, b.n);
		rt_client_close(&c);
	}
	say_before(&rn, UINT32_MAX);
	/* rtmd lost or silent (3) wins over the first failure: what was sent
	 * is not known to be applied, which an exit 1 would say (under -f: the
	 * other lines were) */
	bool unknown = rc == EXIT_UNREACHABLE;

	/* the invalid line that ended the batch, if nothing failed before it */
	if (stop_err[0] && rn.first_line == UINT32_MAX) {
		fprintf(stderr, "%s: %s:%u: %s\n", prog, src, stop_line, stop_err);
		rc = unknown ? rc : EXIT_USAGE;
	} else if (rn.first_line != UINT32_MAX && !unknown) {
		rc = rn.status;
	}
	goto out;
oom:
	fprintf(stderr, "%s: out of memory reading %s\n", prog, src);
	rc = EXIT_UNREACHABLE;
out:
	free(words);
	free(rd.line);
	free(rd.cmd);
	if (f != stdin)
		fclose(f);
	rt_msgbuf_free(&mb);
	batch_free(&b);
	run_free(&rn);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };

	parse_opts(argc, argv, &o);
	if (o.batch) {
		if (o.nwords) {
			fprintf(stderr, "%s: --batch takes no command words (\"%s\")\n", prog, o.words[0]);
			return EXIT_USAGE;
		}
		return run_batch(&o);
	}
	return run_single(&o, o.nwords, o.words);
}
