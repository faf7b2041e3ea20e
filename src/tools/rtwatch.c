/* rtwatch.c - print rtmd's tables, then every change as it happens.
 *
 * A subscriber must never silently miss a change: when rtmd drops us (too
 * slow) or restarts, we reconnect, say "resync" and take a fresh dump.
 * ARP entries are read from rtmd's shared mapping by slot, the event's own
 * copy serving only when the slot was reused since.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "arp_reader.h"
#include "client.h"
#include "json.h"
#include "proto.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

struct mon {
	const char *socket;
	uint32_t tables;
	bool json, timestamp, no_dump;
	long count;              /* exit after this many change events; <0: never */
	long seen;
	uint64_t last_seq;
	bool synced;
	struct arp_reader *reader;
	char reader_path[RT_PATHLEN];
	bool reader_warned;
};

static void usage(FILE *f)
{
	fprintf(f,
	"Usage: rtwatch [OPTIONS] [route|neigh|all]   (arp = neigh)\n"
	"Print rtmd's tables as \"add\" events, then \"sync\", then every change.\n"
	"  -s, --socket PATH   rtmd's socket (default $RTMD_SOCKET or %s)\n"
	"  -j, --json          one JSON object a line\n"
	"  -t, --timestamp     prefix each line with the time it was received\n"
	"  -n, --count N       exit after N change events (the dump does not count)\n"
	"      --no-dump       do not print the current tables first\n"
	"  -h, --help          show this help\n"
	"  -V, --version       show the version\n"
	"See rtwatch(1).\n", RT_DEFAULT_SOCKET);
}

static void parse_args(int argc, char **argv, struct mon *m)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timestamp", no_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "no-dump", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	m->count = -1;
	while ((ch = getopt_long(argc, argv, "s:jtn:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': m->socket = optarg; break;
		case 'j': m->json = true; break;
		case 't': m->timestamp = true; break;
		case 'D': m->no_dump = true; break;
		case 'n':
			errno = 0;
			m->count = strtol(optarg, &end, 10);
			if (errno || *end || m->count < 1 || !*optarg) {
				fprintf(stderr, "rtwatch: invalid --count \"%s\" (a positive number)\n", optarg);
				exit(EXIT_USAGE);
			}
			break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'V': printf("rtwatch %s\n", PACKAGE_VERSION); exit(EXIT_OK);
		default:
			fprintf(stderr, "Try 'rtwatch --help'.\n");
			exit(EXIT_USAGE);
		}
	}
	m->tables = RT_F_TABLE_ALL;
	if (optind < argc) {
		const char *w = argv[optind];

		if (strcmp(w, "route") == 0)
			m->tables = RT_F_TABLE_ROUTE;
		else if (strcmp(w, "arp") == 0 || strcmp(w, "neigh") == 0)
			m->tables = RT_F_TABLE_ARP;
		else if (strcmp(w, "all") != 0) {
			fprintf(stderr, "rtwatch: unknown table \"%s\" (route, neigh or all)\n", w);
			exit(EXIT_USAGE);
		}
		if (optind + 1 < argc) {
			fprintf(stderr, "rtwatch: unexpected argument \"%s\"\n", argv[optind + 1]);
			exit(EXIT_USAGE);
		}
	}
	if (!m->socket)
		m->socket = getenv("RTMD_SOCKET") && *getenv("RTMD_SOCKET") ? getenv("RTMD_SOCKET")
		                                                             : RT_DEFAULT_SOCKET;
}

static void timestamp(char *buf, size_t cap)
{
	struct timeval tv;
	struct tm tm;
	char t[40];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	char z[8];

	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);      /* +0100: ISO 8601 writes +01:00 */
	snprintf(buf, cap, "%s.%06ld%.3s:%.2s", t, (long)tv.tv_usec, z, z + 3);
}

/* A line with no entry: sync, resync. */
static void print_marker(struct mon *m, const char *what)
{
	char ts[64];

	if (m->timestamp)
		timestamp(ts, sizeof(ts));
	if (m->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "event", json_object_new_string(what));
		if (m->timestamp)
			json_object_object_add(o, "time", json_object_new_string(ts));
		json_print_line(stdout, o);
	} else {
		printf("%s%s%s\n", m->timestamp ? ts : "", m->timestamp ? " " : "", what);
	}
	fflush(stdout);
}

/* The entry as it is in the mapping, if the slot still holds this key. */
static void read_mapping(struct mon *m, struct rt_event *ev)
{
	struct rt_neigh cur;

	if (!m->reader || ev->kind == RT_EV_DEL)
		return;
	if (arp_reader_slot(m->reader, ev->slot, &cur, NULL) == 1 &&
	    rt_addr_equal(&cur.ip, &ev->neigh.ip) && strcmp(cur.dev, ev->neigh.dev) == 0)
		ev->neigh = cur;
}

static void print_event(struct mon *m, struct rt_event *ev)
{
	static const char *const kinds[] = { [RT_EV_ADD] = "add", [RT_EV_CHANGE] = "change", [RT_EV_DEL] = "del" };
	const char *table = ev->table == RT_TABLE_ROUTE ? "route" : "neigh";
	static char buf[RT_ROUTESTRMAX];
	char ts[64];

	if (ev->table == RT_TABLE_ARP)
		read_mapping(m, ev);
	if (m->timestamp)
		timestamp(ts, sizeof(ts));
	if (m->json) {
		struct json_object *o = json_object_new_object(), *e;

		json_object_object_add(o, "event", json_object_new_string(kinds[ev->kind]));
		json_object_object_add(o, "table", json_object_new_string(table));
		if (ev->seq)
			json_object_object_add(o, "seq", json_object_new_int64((int64_t)ev->seq));
		if (m->timestamp)
			json_object_object_add(o, "time", json_object_new_string(ts));
		e = ev->table == RT_TABLE_ROUTE ? rt_route_to_json(ev->route) : rt_neigh_to_json(&ev->neigh);
		json_object_object_foreach(e, k, v)
			json_object_object_add(o, k, json_object_get(v));
		json_object_put(e);
		json_print_line(stdout, o);
	} else {
		if (ev->table == RT_TABLE_ROUTE && ev->kind == RT_EV_DEL)
			rt_route_key_format(ev->route, buf, sizeof(buf));
		else if (ev->table == RT_TABLE_ROUTE)
			rt_route_format(ev->route, buf, sizeof(buf));
		else
			rt_neigh_format(&ev->neigh, buf, sizeof(buf));
		printf("%s%s%s %s %s\n", m->timestamp ? ts : "", m->timestamp ? " " : "",
		       kinds[ev->kind], table, buf);
	}
}

static void open_reader(struct mon *m, const char *path)
{
	char err[512];

	if (!(m->tables & RT_F_TABLE_ARP) || !*path)
		return;
	if (m->reader && strcmp(m->reader_path, path) == 0)
		return;
	if (m->reader)
		arp_reader_close(m->reader);
	m->reader = NULL;
	if (arp_reader_open(path, &m->reader, err, sizeof(err)) < 0) {
		if (!m->reader_warned)
			fprintf(stderr, "rtwatch: cannot map the ARP store (%s); using the copies in events\n", err);
		m->reader_warned = true;
		return;
	}
	snprintf(m->reader_path, sizeof(m->reader_path), "%s", path);
}

/* One subscription, until the connection ends (1), the count is reached
 * (0) or something fails for good (-1). */
static int subscribe(struct mon *m, struct rt_client *c, bool first)
{
	struct rt_msgbuf mb;
	char err[512], why[RT_ERRLEN];
	struct rt_hdr h;
	const uint8_t *msg;
	int rc;

	if (rt_msgbuf_init(&mb, 1024) < 0)
		return -1;
	rt_msg_begin(&mb, RT_MSG_SUBSCRIBE, c->next_seq++, m->tables | (first && m->no_dump ? RT_F_NO_DUMP : 0));
	rc = rt_client_send(c, &mb);
	rt_msgbuf_free(&mb);
	if (rc < 0)
		return 1;
	m->synced = false;
	for (;;) {
		rc = rt_client_recv(c, &h, &msg, err, sizeof(err));
		if (rc <= 0)
			return 1;
		switch (h.type) {
		case RT_MSG_HELLO: {
			struct rt_hello hello;

			if (rt_msg_get_hello(&h, msg, &hello, why))
				goto bad;
			m->last_seq = hello.event_seq;
			open_reader(m, hello.arp_store);
			break;
		}
		case RT_MSG_SYNC:
			m->synced = true;
			print_marker(m, "sync");
			break;
		case RT_MSG_EVENTS: {
			/* a route is 9 KiB: one buffer for every event */
			static struct rt_route route;
			struct rt_reader rd;

			rt_msg_reader(&rd, &h, msg);
			for (uint32_t i = 0; i < h.count; i++) {
				struct rt_event ev;

				if (rt_msg_read_event(&rd, &ev, &route, why))
					goto bad;
				if (!m->synced) {
					ev.seq = 0;     /* dump entries are state, not events */
					print_event(m, &ev);
					continue;
				}
				if (m->tables == RT_F_TABLE_ALL && ev.seq != m->last_seq + 1)
					fprintf(stderr, "rtwatch: event sequence jumped from %llu to %llu\n",
					        (unsigned long long)m->last_seq, (unsigned long long)ev.seq);
				m->last_seq = ev.seq;
				print_event(m, &ev);
				if (m->count > 0 && ++m->seen >= m->count) {
					fflush(stdout);
					return 0;
				}
			}
			break;
		}
		case RT_MSG_ERROR: {
			struct rt_error e;

			if (rt_msg_get_error(&h, msg, &e, why))
				goto bad;
			fprintf(stderr, "rtwatch: rtmd refused the subscription: %s: %s\n",
			        rt_err_str((int)e.code), e.text);
			return -1;
		}
		default:
			snprintf(why, sizeof(why), "unexpected message type %u", h.type);
			goto bad;
		}
		fflush(stdout);
	}
bad:
	fprintf(stderr, "rtwatch: malformed message from rtmd: %s\n", why);
	return -1;
}

int main(int argc, char **argv)
{
	struct mon m = { 0 };
	struct rt_client c;
	char err[512];
	bool first = true;
	unsigned delay_ms = 50;
	int rc;

	parse_args(argc, argv, &m);
	for (;;) {
		if (rt_client_connect(&c, m.socket, err, sizeof(err)) < 0) {
			if (first) {
				fprintf(stderr, "rtwatch: %s\n", err);
				return EXIT_UNREACHABLE;
			}
			/* rtmd is restarting: keep trying, more slowly each time. */
			usleep(delay_ms * 1000);
			delay_ms = delay_ms < 1000 ? delay_ms * 2 : 1000;
			continue;
		}
		delay_ms = 50;
		if (!first)
			print_marker(&m, "resync");
		rc = subscribe(&m, &c, first);
		rt_client_close(&c);
		first = false;
		if (rc <= 0)
			break;
		/* an outage is said, once: the resync line follows the reconnect */
		fprintf(stderr, "rtwatch: lost rtmd at %s; reconnecting\n", m.socket);
	}
	if (m.reader)
		arp_reader_close(m.reader);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
