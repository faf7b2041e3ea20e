/* watch.c - print rtmd's tables, then every change, as rtwatch does: a
 * subscription that librtmd keeps whole across drops and restarts.
 *
 *   cc watch.c $(pkg-config --cflags --libs rtmd) -o watch
 *   ./watch [N]        (exit after N changes; default: run for ever)
 */
#include <stdio.h>
#include <stdlib.h>

#include <rtmd/rtmd.h>

static long left = -1;                  /* changes to print before exiting */

static const char *what(enum rtmd_event ev)
{
	return ev == RTMD_EVENT_ADD ? "add" : ev == RTMD_EVENT_CHANGE ? "change" : "del";
}

static void counted(rtmd_sub *s)
{
	if (rtmd_sub_synced(s) && left > 0 && --left == 0)
		rtmd_sub_stop(s);
}

static void on_route(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_route *r,
                     const rtmd_route *old)
{
	char line[1024];

	rtmd_route_format(r, RTMD_FORMAT_TEXT, line, sizeof(line));
	printf("%s route %s\n", what(ev), line);
	counted(s);
}

static void on_neigh(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_neigh *n,
                     const rtmd_neigh *old)
{
	char line[256];

	rtmd_neigh_format(n, RTMD_FORMAT_TEXT, line, sizeof(line));
	printf("%s neigh %s\n", what(ev), line);
	counted(s);
}

static void on_sync(void *ctx, rtmd_sub *s, enum rtmd_sync how)
{
	puts(how == RTMD_SYNC_FIRST ? "sync" : "resync");
	fflush(stdout);
}

static void on_lost(void *ctx, rtmd_sub *s, int err, const char *detail)
{
	fprintf(stderr, "watch: %s; reconnecting\n", detail);
}

int main(int argc, char **argv)
{
	rtmd_sub *s;
	int rc;

	if (argc > 1)
		left = atol(argv[1]);
	rc = rtmd_sub_new(&s, NULL, 0);     /* both tables, $RTMD_SOCKET or the default */
	if (rc == 0)
		rc = rtmd_sub_connect(s);
	if (rc < 0) {
		fprintf(stderr, "watch: %s\n", rtmd_errmsg());
		return 1;
	}
	rtmd_sub_on_route(s, on_route, NULL);
	rtmd_sub_on_neigh(s, on_neigh, NULL);
	rtmd_sub_on_sync(s, on_sync, NULL);
	rtmd_sub_on_lost(s, on_lost, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = rtmd_sub_run(s);               /* returns when on_route/on_neigh stop it */
	if (rc < 0)
		fprintf(stderr, "watch: %s\n", rtmd_errmsg());
	rtmd_sub_free(s);
	return rc < 0;
}
