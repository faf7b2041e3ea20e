/* route_lookup.c - longest-prefix match on a local replica of rtmd's route
 * table: the table is copied once and kept current by a subscription, and
 * every look-up is answered from memory.
 *
 *   cc route_lookup.c $(pkg-config --cflags --libs rtmd) -o route_lookup
 *   ./route_lookup 10.1.2.3 2001:db8::1 ...
 */
#include <stdio.h>

#include <rtmd/rtmd.h>

static void synced(void *ctx, rtmd_sub *s, enum rtmd_sync how)
{
	rtmd_sub_stop(s);                   /* the replica holds rtmd's table */
}

int main(int argc, char **argv)
{
	rtmd_replica *rep;
	rtmd_route *r = rtmd_route_new();
	int rc, status = 0;

	if (argc < 2 || !r) {
		fprintf(stderr, "usage: route_lookup ADDRESS...\n");
		return 2;
	}
	rc = rtmd_replica_new(&rep, NULL, 0);
	if (rc == 0) {
		rtmd_sub_on_sync(rtmd_replica_sub(rep), synced, NULL);
		rc = rtmd_sub_connect(rtmd_replica_sub(rep));
	}
	if (rc == 0)
		rc = rtmd_sub_run(rtmd_replica_sub(rep));
	if (rc < 0) {
		fprintf(stderr, "route_lookup: %s\n", rtmd_errmsg());
		return 1;
	}
	printf("%zu routes\n", rtmd_replica_count(rep, 0));
	for (int i = 1; i < argc; i++) {
		struct rtmd_addr a;
		char line[1024];

		if (rtmd_addr_parse(argv[i], &a) < 0) {
			fprintf(stderr, "route_lookup: %s\n", rtmd_errmsg());
			status = 2;
		} else if (rtmd_replica_lookup(rep, &a, r) < 0) {
			printf("%s: no route\n", argv[i]);
			status = status ? status : 1;
		} else {
			rtmd_route_format(r, RTMD_FORMAT_TEXT, line, sizeof(line));
			printf("%s: %s\n", argv[i], line);
		}
	}
	rtmd_route_free(r);
	rtmd_replica_free(rep);
	return status;
}
