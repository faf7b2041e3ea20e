/* rtwatch.c - print rtmd's tables, then every change as it happens.
 *
 * The reference client of librtmd's subscription: it uses <rtmd/rtmd.h>
 * and nothing else.  The library reconnects when rtmd drops us (too slow)
 * or restarts and reports the differences; rtwatch says so on stderr,
 * prints "resync", and then either the whole table again or, with
 * --no-dump, only those differences, so that no change is ever silently
 * missed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <rtmd/rtmd.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

struct watch {
	const char *socket;
	unsigned tables;         /* RTMD_SUB_ROUTES | RTMD_SUB_NEIGHS */
	bool json, timestamp, no_dump;
	long count;              /* exit after this many change events; <0: never */
	long seen;
	bool redump;             /* resyncing: the table is printed whole at sync */
};

static void usage(FILE *f)
{
	fprintf(f,
	"Usage: rtwatch [OPTIONS] [route|neigh|all]\n"
	"Print rtmd's tables as \"add\" events, then \"sync\", then every change.\n"
	"  -s, --socket PATH   rtmd's socket (default $RTMD_SOCKET or %s)\n"
	"  -j, --json          one JSON object a line\n"
	"  -t, --timestamp     start each line with the time it was received (ISO 8601)\n"
	"  -n, --count N       exit after N change events (the dump does not count)\n"
	"      --no-dump       do not print the tables: only the changes (after a resync,\n"
	"                      the changes missed)\n"
	"  -h, --help          show this help\n"
	"  -V, --version       show the version\n"
	"See rtwatch(1).\n", rtmd_default_socket());
}

static void parse_args(int argc, char **argv, struct watch *w)
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

	w->count = -1;
	while ((ch = getopt_long(argc, argv, "s:jtn:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': w->socket = optarg; break;
		case 'j': w->json = true; break;
		case 't': w->timestamp = true; break;
		case 'D': w->no_dump = true; break;
		case 'n':
			errno = 0;
			w->count = strtol(optarg, &end, 10);
			if (errno || *end || w->count < 1 || !*optarg) {
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
	w->tables = RTMD_SUB_ROUTES | RTMD_SUB_NEIGHS;
	if (optind < argc) {
		const char *word = argv[optind];

		if (strcmp(word, "route") == 0)
			w->tables = RTMD_SUB_ROUTES;
		else if (strcmp(word, "neigh") == 0 || strcmp(word, "arp") == 0)
			w->tables = RTMD_SUB_NEIGHS;
		else if (strcmp(word, "all") != 0) {
			fprintf(stderr, "rtwatch: unknown table \"%s\" (route, neigh or all)\n", word);
			exit(EXIT_USAGE);
		}
		if (optind + 1 < argc) {
			fprintf(stderr, "rtwatch: unexpected argument \"%s\"\n", argv[optind + 1]);
			exit(EXIT_USAGE);
		}
	}
}

/* ISO 8601 local time with microseconds and the UTC offset,
 * 2025-12-01T10:00:00.123456+01:00. */
static void timestamp(char *buf, size_t cap)
{
	struct timeval tv;
	struct tm tm;
	char t[32], z[8];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);      /* +0100: ISO 8601 writes +01:00 */
	snprintf(buf, cap, "%s.%06ld%.3s:%.2s", t, (long)tv.tv_usec, z, z + 3);
}

/* One line: an event and its entry (entry NULL: a marker, sync or resync).
 * entry is the text or JSON the library printed. */
static void print_line(const struct watch *w, const char *event, const char *table, uint64_t seq,
                       const char *entry)
{
	char ts[48];

	if (w->timestamp)
		timestamp(ts, sizeof(ts));
	if (w->json) {
		printf("{\"event\":\"%s\"", event);
		if (table)
			printf(",\"table\":\"%s\"", table);
		if (seq)
			printf(",\"seq\":%llu", (unsigned long long)seq);
		if (w->timestamp)
			printf(",\"time\":\"%s\"", ts);
		/* The entry's object, its keys spliced into this one. */
		printf("%s%s\n", entry && entry[1] != '}' ? "," : "", entry ? entry + 1 : "}");
	} else {
		printf("%s%s%s%s%s%s%s\n", w->timestamp ? ts : "", w->timestamp ? " " : "", event,
		       table ? " " : "", table ? table : "", entry ? " " : "", entry ? entry : "");
	}
}

static const char *event_word(enum rtmd_event ev)
{
	return ev == RTMD_EVENT_ADD ? "add" : ev == RTMD_EVENT_CHANGE ? "change" : "del";
}

/* Live changes count towards --count; the tables and a resync's
 * differences do not. */
static void counted(struct watch *w, rtmd_sub *s)
{
	if (rtmd_sub_seq(s) && w->count > 0 && ++w->seen >= w->count)
		rtmd_sub_stop(s);
}

/* An entry's line; a deleted route is shown by its key.  Most routes fit
 * the buffer; one of many next hops (up to 256) is formatted again into
 * the length the first call asked for. */
static void print_route(const struct watch *w, const char *event, uint64_t seq,
                        const rtmd_route *r)
{
	enum rtmd_format how = w->json ? RTMD_FORMAT_JSON
	                     : strcmp(event, "del") == 0 ? RTMD_FORMAT_KEY : RTMD_FORMAT_TEXT;
	char small[2048], *buf = small;
	int n = rtmd_route_format(r, how, small, sizeof(small));

	if (n >= (int)sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (!buf) {
			fprintf(stderr, "rtwatch: out of memory for a route of %u next hops\n",
			        rtmd_route_nexthop_count(r));
			exit(EXIT_FAIL);
		}
		rtmd_route_format(r, how, buf, (size_t)n + 1);
	}
	print_line(w, event, "route", seq, buf);
	if (buf != small)
		free(buf);
}

static void print_neigh(const struct watch *w, const char *event, uint64_t seq,
                        const rtmd_neigh *n)
{
	char buf[512];

	rtmd_neigh_format(n, w->json ? RTMD_FORMAT_JSON : RTMD_FORMAT_TEXT, buf, sizeof(buf));
	print_line(w, event, "neigh", seq, buf);
}

static void on_route(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_route *r,
                     const rtmd_route *old)
{
	struct watch *w = ctx;

	if (w->redump)
		return;
	print_route(w, event_word(ev), rtmd_sub_seq(s), r);
	counted(w, s);
}

static void on_neigh(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_neigh *n,
                     const rtmd_neigh *old)
{
	struct watch *w = ctx;

	if (w->redump)
		return;
	print_neigh(w, event_word(ev), rtmd_sub_seq(s), n);
	counted(w, s);
}

static int dump_route(void *ctx, const rtmd_route *r)
{
	print_route(ctx, "add", 0, r);
	return 0;
}

static int dump_neigh(void *ctx, const rtmd_neigh *n)
{
	print_neigh(ctx, "add", 0, n);
	return 0;
}

static void on_lost(void *ctx, rtmd_sub *s, int err, const char *detail)
{
	fprintf(stderr, "rtwatch: %s; reconnecting\n", detail);
}

static void on_resync(void *ctx, rtmd_sub *s, enum rtmd_sync how)
{
	struct watch *w = ctx;

	fprintf(stderr, "rtwatch: %s; resyncing\n", how == RTMD_SYNC_RESTARTED ?
	        "rtmd restarted" : "rtmd had dropped this subscriber (it fell too far behind)");
	print_line(w, "resync", NULL, 0, NULL);
	w->redump = !w->no_dump;
}

static void on_sync(void *ctx, rtmd_sub *s, enum rtmd_sync how)
{
	struct watch *w = ctx;

	/* After a resync the table again, whole, from the library's copy
	 * (which now equals rtmd's), routes first as in the first dump. */
	if (w->redump) {
		rtmd_sub_route_walk(s, dump_route, w);
		rtmd_sub_neigh_walk(s, dump_neigh, w);
		w->redump = false;
	}
	print_line(w, "sync", NULL, 0, NULL);
}

int main(int argc, char **argv)
{
	struct watch w = { 0 };
	rtmd_sub *s;
	int rc;

	parse_args(argc, argv, &w);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = rtmd_sub_new(&s, w.socket, w.tables | (w.no_dump ? RTMD_SUB_NO_DUMP : 0));
	if (rc < 0) {
		fprintf(stderr, "rtwatch: %s\n", rtmd_errmsg());
		return rc == -EINVAL || rc == -ENAMETOOLONG ? EXIT_USAGE : EXIT_FAIL;
	}
	rtmd_sub_on_route(s, on_route, &w);
	rtmd_sub_on_neigh(s, on_neigh, &w);
	rtmd_sub_on_sync(s, on_sync, &w);
	rtmd_sub_on_resync(s, on_resync, &w);
	rtmd_sub_on_lost(s, on_lost, &w);
	if (rtmd_sub_connect(s) < 0) {
		fprintf(stderr, "rtwatch: %s\n", rtmd_errmsg());
		rtmd_sub_free(s);
		return EXIT_UNREACHABLE;
	}
	rc = rtmd_sub_run(s);       /* returns when --count is reached */
	if (rc < 0)
		fprintf(stderr, "rtwatch: %s\n", rtmd_errmsg());
	rtmd_sub_free(s);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
