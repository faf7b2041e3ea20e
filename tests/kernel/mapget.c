/* mapget.c - what a librtmd reader sees: neighbours from rtmd's shared
 * mapping, read without asking rtmd.
 *
 * Usage: mapget STORE IP [DEV]
 * Prints each entry of IP (on DEV) in rtmd's text form, one a line; exit 0
 * if there is one, 1 if none, 2 on error.  For the kernel sync tests: a
 * neighbour the kernel has must be in the mapping.
 */
#include <stdio.h>

#include "addr.h"
#include "arp_reader.h"

int main(int argc, char **argv)
{
	struct arp_reader *r;
	struct rt_neigh n[16];
	struct rt_addr ip;
	char err[256], line[RT_ROUTESTRLEN];
	int found;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: mapget STORE IP [DEV]\n");
		return 2;
	}
	if (rt_addr_parse(argv[2], &ip, err) < 0) {
		fprintf(stderr, "mapget: %s\n", err);
		return 2;
	}
	if (arp_reader_open(argv[1], &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "mapget: %s\n", err);
		return 2;
	}
	found = arp_reader_get_ip(r, &ip, argc == 4 ? argv[3] : NULL, n, 16);
	if (found < 0) {
		perror("mapget");
		arp_reader_close(r);
		return 2;
	}
	for (int i = 0; i < found && i < 16; i++) {
		rt_neigh_format(&n[i], line, sizeof(line));
		printf("%s\n", line);
	}
	arp_reader_close(r);
	return found ? 0 : 1;
}
