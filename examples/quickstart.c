/* quickstart.c - librtmd in 30 lines: print every route change, longest-prefix
 * match on the local replica, neighbour look-up by MAC from the shared mapping.
 * cc quickstart.c $(pkg-config --cflags --libs rtmd); ./a.out 10.1.2.3 02:00:00:00:00:07 */
#include <stdio.h>
#include <rtmd/rtmd.h>

static void changed(void *ctx, rtmd_sub *s, enum rtmd_event ev, const rtmd_route *r, const rtmd_route *old)
{
	char line[512];
	rtmd_route_format(r, RTMD_FORMAT_TEXT, line, sizeof(line));
	printf("%s %s\n", ev == RTMD_EVENT_ADD ? "add" : ev == RTMD_EVENT_DEL ? "del" : "change", line);
	fflush(stdout);
}

static void synced(void *ctx, rtmd_sub *s, enum rtmd_sync how) { rtmd_sub_stop(s); }

int main(int argc, char **argv)
{
	rtmd_replica *rep; rtmd_neigh_reader *nr; rtmd_neigh_vec *v = rtmd_neigh_vec_new(8);
	rtmd_route *r = rtmd_route_new(); struct rtmd_addr dst; uint8_t mac[6]; char buf[512];
	if (argc != 3 || rtmd_addr_parse(argv[1], &dst) < 0 || rtmd_mac_parse(argv[2], mac) < 0)
		return fprintf(stderr, "usage: quickstart ADDRESS MAC\n"), 2;
	if (rtmd_replica_new(&rep, NULL, 0) < 0 || rtmd_sub_connect(rtmd_replica_sub(rep)) < 0)
		return fprintf(stderr, "quickstart: %s\n", rtmd_errmsg()), 1;
	rtmd_sub_on_route(rtmd_replica_sub(rep), changed, NULL);
	rtmd_sub_on_sync(rtmd_replica_sub(rep), synced, NULL);
	rtmd_sub_run(rtmd_replica_sub(rep));                    /* until the tables are in */
	if (rtmd_replica_lookup(rep, &dst, r) == 0 && rtmd_route_format(r, RTMD_FORMAT_TEXT, buf, sizeof(buf)))
		printf("route to %s: %s\n", argv[1], buf);
	if (rtmd_neigh_reader_open(&nr, rtmd_sub_neigh_store(rtmd_replica_sub(rep)), 0) == 0 &&
	    rtmd_neigh_reader_by_lladdr(nr, mac, v) > 0 &&
	    rtmd_neigh_format(rtmd_neigh_vec_at(v, 0), RTMD_FORMAT_TEXT, buf, sizeof(buf)))
		printf("%s is %s\n", argv[2], buf);
	rtmd_sub_on_sync(rtmd_replica_sub(rep), NULL, NULL);
	return fflush(stdout), rtmd_sub_run(rtmd_replica_sub(rep)) < 0;   /* every change, for ever */
}
