/* neigh_by_mac.c - which IPs answer for a MAC address: look-ups straight
 * from rtmd's shared mapping, no message to rtmd and no system call.
 *
 *   cc neigh_by_mac.c $(pkg-config --cflags --libs rtmd) -o neigh_by_mac
 *   ./neigh_by_mac 02:00:00:00:00:07 [STORE]
 *
 * STORE defaults to the file rtmd names in its status, else the compiled
 * default (rtmd_default_neigh_store()). */
#include <stdio.h>

#include <rtmd/rtmd.h>

/* The mapping a running rtmd uses, from its status; NULL if it does not
 * answer (the mapping outlives rtmd: the default file is still there). */
static const char *store_of_rtmd(char *buf, size_t cap)
{
	rtmd_client *c;
	rtmd_status *st = NULL;
	const char *path = NULL;

	if (rtmd_client_new(&c, NULL) == 0 && rtmd_client_status(c, &st) == 0 &&
	    snprintf(buf, cap, "%s", rtmd_status_text(st, "arp_store")) > 0)
		path = buf;
	rtmd_status_free(st);
	rtmd_client_free(c);
	return path;
}

int main(int argc, char **argv)
{
	char path[4096], line[256];
	rtmd_neigh_reader *r;
	rtmd_neigh_vec *v;
	uint8_t mac[6];
	int n;

	if (argc < 2 || argc > 3 || rtmd_mac_parse(argv[1], mac) < 0) {
		fprintf(stderr, "usage: neigh_by_mac MAC [STORE]\n");
		return 2;
	}
	if (rtmd_neigh_reader_open(&r, argc == 3 ? argv[2] : store_of_rtmd(path, sizeof(path)), 0) < 0) {
		fprintf(stderr, "neigh_by_mac: %s\n", rtmd_errmsg());
		return 1;
	}
	v = rtmd_neigh_vec_new(64);
	n = v ? rtmd_neigh_reader_by_lladdr(r, mac, v) : -1;
	if (n < 0)
		fprintf(stderr, "neigh_by_mac: %s\n", rtmd_errmsg());
	for (int i = 0; i < n && i < 64; i++) {
		rtmd_neigh_format(rtmd_neigh_vec_at(v, (size_t)i), RTMD_FORMAT_TEXT, line, sizeof(line));
		puts(line);
	}
	rtmd_neigh_vec_free(v);
	rtmd_neigh_reader_close(r);
	return n > 0 ? 0 : 1;
}
