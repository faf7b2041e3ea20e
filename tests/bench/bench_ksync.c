/* bench_ksync.c - kernel sync (issue 13): installing routes into a
 * network namespace, each way beside the others in one namespace and one
 * run: the raw batched-netlink floor (tests/bench/nl_floor: 64 messages a
 * sendmsg, each acknowledged, nothing else done), ip -batch, and (once
 * kernel sync exists) rtctl -b into an rtmd with kernel-sync on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Run nl_floor in netns on file (del: -d, of routes of protocol proto);
 * its own clock: seconds, or -1 with the reason in why. */
static double floor_run(const char *netns, const char *file, bool del, const char *proto,
                        size_t want, char *cmd, size_t cmdlen, char *why, size_t whylen)
{
	char prog[600], out[300], line[128];
	char *argv[] = { "ip", "netns", "exec", (char *)netns, prog, "-b", "64", "-p", (char *)proto,
	                 (char *)file, NULL, NULL };
	double secs = -1;
	size_t n = 0;
	unsigned errors = 0;
	FILE *f;

	snprintf(prog, sizeof(prog), "%s/tests/bench/nl_floor", B.top);
	if (del) {
		argv[9] = "-d";
		argv[10] = (char *)file;
	}
	snprintf(out, sizeof(out), "%s/nl_floor.out", B.dir);
	remove(out);
	argv_str(argv, cmd, cmdlen);
	if (bench_run(argv, out, NULL, 600, why, whylen) < 0)
		return -1;
	if (!(f = fopen(out, "r")) || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "%lf %zu %u", &secs, &n, &errors) != 3) {
		snprintf(why, whylen, "nl_floor printed no result");
		secs = -1;
	} else if (n != want || errors) {
		snprintf(why, whylen, "nl_floor: %zu routes, %u refused (wanted %zu, 0)", n, errors, want);
		secs = -1;
	}
	if (f)
		fclose(f);
	return secs;
}

void suite_ksync(const struct dataset *ds)
{
	char netns[64], why[256] = "", cmd[700], ipcmd[700];
	double fl, fl_del, ip;

	section("Kernel sync: routes into a network namespace");
	if (bench_netns_create("ksync", netns, sizeof(netns), why, sizeof(why)) < 0) {
		fig("ksync.floor.s", "raw batched netlink floor: install 1 M routes", NAN, "s",
		    "ip netns exec NS tests/bench/nl_floor -b 64 $D/kernel4.batch", "%s", why);
		return;
	}
	fl = floor_run(netns, ds->kernel4, false, "200", ds->n4, cmd, sizeof(cmd), why, sizeof(why));
	if (fl < 0) {
		fig("ksync.floor.s", "raw batched netlink floor: install 1 M routes", NAN, "s", cmd,
		    "%s", why);
		bench_netns_remove(netns);
		return;
	}
	fig("ksync.floor.s", "raw batched netlink floor: install 1 M routes: seconds", fl, "s", cmd,
	    "64 RTM_NEWROUTE a sendmsg, each acknowledged; veth d0 in netns rtmdbench<pid>-ksync");
	fig("ksync.floor.rate", "raw batched netlink floor: install rate", (double)ds->n4 / fl,
	    "routes/s", cmd, NULL);
	fl_del = floor_run(netns, ds->kernel4, true, "200", ds->n4, cmd, sizeof(cmd), why, sizeof(why));
	fig("ksync.floor_del.s", "raw batched netlink floor: delete 1 M routes: seconds",
	    fl_del < 0 ? NAN : fl_del, "s", cmd, "%s", fl_del < 0 ? why : "");
	if (fl_del < 0) {
		bench_netns_remove(netns);
		return;
	}
	{
		char *batch[] = { "ip", "-n", netns, "-batch", (char *)ds->kernel4, NULL };

		argv_str(batch, ipcmd, sizeof(ipcmd));
		ip = bench_run(batch, NULL, NULL, 900, why, sizeof(why));
	}
	fig("ksync.ip.s", "ip -batch: install the same 1 M routes: seconds", ip < 0 ? NAN : ip, "s",
	    ipcmd, "%s", ip < 0 ? why : "same namespace, after the floor removed its routes");
	if (ip > 0) {
		fig("ksync.ip.rate", "ip -batch: install rate", (double)ds->n4 / ip, "routes/s", ipcmd,
		    NULL);
		fig("ksync.floor_vs_ip", "floor speed-up over ip -batch (ip s / floor s)", ip / fl, "x",
		    "ksync.ip.s / ksync.floor.s", NULL);
		/* ip -batch added them as proto boot (3). */
		if (floor_run(netns, ds->kernel4, true, "3", ds->n4, cmd, sizeof(cmd), why, sizeof(why)) < 0)
			note("removing ip -batch's routes: %s", why);
	}
	bench_netns_remove(netns);
}
