/* bench_ksync.c - kernel sync (issue 13), in one namespace and one run:
 * installing 1 M routes three ways, beside each other (the raw
 * batched-netlink floor, tests/bench/nl_floor: 64 messages a sendmsg, each
 * acknowledged, nothing else done; ip -batch; rtctl -b into an rtmd with
 * kernel-sync on); then importing: another process loads the routes with
 * ip -batch (and 100 k permanent neighbours) while rtmd listens, and the
 * figures are how long until rtmd holds them all, the notifications the
 * kernel dropped on rtmd (resyncs), and rtmd's memory per imported entry.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define CONF_KSYNC "kernel-sync = true;\nkernel-protocol = 200;\nroute-capacity = 1100000;\n"
#define IMPORT_NEIGHS 100000

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

/* Poll rtmd's status until pred holds (or timeout_s): seconds from t0, or -1. */
static double wait_status(const struct daemon *d, double t0, double timeout_s,
                          bool (*pred)(const struct rt_status *, size_t), size_t n,
                          struct rt_status *st)
{
	for (;;) {
		if (daemon_status(d, st) == 0 && pred(st, n))
			return now_s() - t0;
		if (now_s() - t0 > timeout_s)
			return -1;
		usleep(2000);
	}
}

static bool all_installed(const struct rt_status *st, size_t n)
{
	return st->kernel_installed_routes + st->kernel_pending_routes >= n;
}

static bool routes_imported(const struct rt_status *st, size_t n)
{
	return st->kernel_imported_routes >= n;
}

static bool neighs_imported(const struct rt_status *st, size_t n)
{
	return st->kernel_imported_neighs >= n;
}

/* rtctl -b of the routes into rtmd with kernel sync on, in netns. */
static void rtmd_install(const struct dataset *ds, const char *netns, double fl, double ip)
{
	struct daemon d;
	struct rt_status st;
	char *argv[] = { B.rtctl, "-s", NULL, "-b", (char *)ds->routes4, NULL };
	char cmd[700], why[256], out[400];
	double t;

	daemon_init(&d, "ksync-install", CONF_KSYNC);
	snprintf(d.netns, sizeof(d.netns), "%s", netns);
	daemon_start(&d);
	argv[2] = d.sock;
	argv_str(argv, cmd, sizeof(cmd));
	snprintf(out, sizeof(out), "%s/rtctl.out", d.dir);
	t = bench_run(argv, out, out, 900, why, sizeof(why));
	if (t < 0 || daemon_status(&d, &st) < 0 || !all_installed(&st, ds->n4)) {
		fig("ksync.rtmd.s", "rtmd: rtctl -b the same 1 M routes, kernel sync on", NAN, "s", cmd,
		    "%s (see %s)", t < 0 ? why : "not all routes in rtmd", out);
		daemon_stop(&d);
		return;
	}
	fig("ksync.rtmd.s", "rtmd: rtctl -b the same 1 M routes, kernel sync on: seconds", t, "s", cmd,
	    "sync = always: every acknowledgement after the msync and the kernel's answers; "
	    "%llu installed, %llu pending", (unsigned long long)st.kernel_installed_routes,
	    (unsigned long long)st.kernel_pending_routes);
	fig("ksync.rtmd.rate", "rtmd: install rate", (double)ds->n4 / t, "routes/s", cmd, NULL);
	fig("ksync.rtmd_vs_floor", "rtmd against the floor (floor s / rtmd s)", fl / t, "x",
	    "ksync.floor.s / ksync.rtmd.s", "target >= 0.8");
	if (ip > 0)
		fig("ksync.rtmd_vs_ip", "rtmd against ip -batch (ip s / rtmd s)", ip / t, "x",
		    "ksync.ip.s / ksync.rtmd.s", "target >= 5 (the floor itself is %.1fx)", ip / fl);
	/* Stopping leaves the routes in the kernel (SPEC); the floor clears
	 * them for the import runs. */
	daemon_stop(&d);
}

/* Another process loads the routes (then neighbours) while rtmd imports. */
static void rtmd_import(const struct dataset *ds, const char *netns)
{
	struct daemon d;
	struct rt_status st;
	char *batch[] = { "ip", "-n", (char *)netns, "-batch", (char *)ds->kernel4, NULL };
	char cmd[700], why[256], nfile[400];
	long an0, an1, an2;
	uint64_t before;
	double t0, tip, tall;
	FILE *f;

	daemon_init(&d, "ksync-import", CONF_KSYNC);
	snprintf(d.netns, sizeof(d.netns), "%s", netns);
	daemon_start(&d);
	an0 = proc_kb(d.pid, "RssAnon");
	/* What rtmd imported before the load (the interfaces' own routes). */
	if (daemon_status(&d, &st) < 0)
		die("rtmd (%s) does not answer status; see %s", d.name, d.log);
	before = st.kernel_imported_routes;
	argv_str(batch, cmd, sizeof(cmd));
	t0 = now_s();
	tip = bench_run(batch, NULL, NULL, 900, why, sizeof(why));
	tall = tip < 0 ? -1 : wait_status(&d, t0, tip + 120, routes_imported, before + ds->n4, &st);
	if (tall < 0) {
		fig("ksync.import.s", "import: until rtmd holds 1 M routes ip -batch loads", NAN, "s", cmd,
		    "%s", tip < 0 ? why : "rtmd did not import them all within 120 s of ip's end");
		daemon_stop(&d);
		return;
	}
	an1 = proc_kb(d.pid, "RssAnon");
	daemon_status(&d, &st);
	fig("ksync.import.s", "import: until rtmd holds the 1 M routes ip -batch loads: seconds", tall,
	    "s", cmd, "ip -batch itself took %.2f s; rtmd held them all %.3f s after it ended",
	    tip, tall - tip);
	fig("ksync.import.lag", "  of which after ip -batch ended", tall - tip, "s", cmd, NULL);
	fig("ksync.import.missing", "  routes missing in rtmd at the end",
	    (double)(before + ds->n4) - (double)st.kernel_imported_routes, "routes", "rtctl -j status",
	    "target 0");
	fig("ksync.import.resyncs", "  notifications lost by rtmd (ENOBUFS, each a resync)",
	    (double)st.kernel_resyncs, "resyncs", "rtctl -j status", "target 0; kernel-receive-buffer 64 MiB");
	fig("ksync.import.mem", "  rtmd memory per imported route (RssAnon growth)",
	    an0 >= 0 && an1 >= 0 ? (double)(an1 - an0) * 1024.0 / (double)ds->n4 : NAN, "B/route",
	    "/proc/PID/status RssAnon before and after", "target <= 100");
	/* 100 k permanent neighbours, from another process. */
	snprintf(nfile, sizeof(nfile), "%s/neigh.batch", B.dir);
	if (!(f = fopen(nfile, "w")))
		die("cannot write %s", nfile);
	for (size_t i = 0; i < IMPORT_NEIGHS && i < ds->narp; i++) {
		const struct arpent *e = &ds->arp[i];

		fprintf(f, "neigh add %u.%u.%u.%u lladdr %02x:%02x:%02x:%02x:%02x:%02x dev d0 nud permanent\n",
		        e->ip >> 24, (e->ip >> 16) & 255, (e->ip >> 8) & 255, e->ip & 255, e->mac[0],
		        e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
	}
	fclose(f);
	batch[4] = nfile;
	argv_str(batch, cmd, sizeof(cmd));
	t0 = now_s();
	tip = bench_run(batch, NULL, NULL, 600, why, sizeof(why));
	tall = tip < 0 ? -1 : wait_status(&d, t0, tip + 60, neighs_imported,
	                                  IMPORT_NEIGHS < ds->narp ? IMPORT_NEIGHS : ds->narp, &st);
	an2 = proc_kb(d.pid, "RssAnon");
	if (tall < 0) {
		fig("ksync.import.neigh.s", "import: until rtmd holds 100 k permanent neighbours ip -batch adds",
		    NAN, "s", cmd, "%s", tip < 0 ? why : "not all imported within 60 s");
	} else {
		fig("ksync.import.neigh.s", "import: until rtmd holds 100 k permanent neighbours ip -batch adds",
		    tall, "s", cmd, "ip -batch itself took %.2f s", tip);
		fig("ksync.import.neigh.mem", "  rtmd memory per imported neighbour (RssAnon growth)",
		    an1 >= 0 && an2 >= 0 ? (double)(an2 - an1) * 1024.0 / IMPORT_NEIGHS : NAN, "B/neigh",
		    "/proc/PID/status RssAnon before and after",
		    "the entries themselves live in the shared mapping (a file)");
	}
	daemon_stop(&d);
}

void suite_ksync(const struct dataset *ds)
{
	char netns[64], why[256] = "", cmd[700], ipcmd[700];
	double fl, fl_del, ip = -1;

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
	rtmd_install(ds, netns, fl, ip);
	if (floor_run(netns, ds->kernel4, true, "200", ds->n4, cmd, sizeof(cmd), why, sizeof(why)) < 0)
		note("removing rtmd's routes: %s", why);
	rtmd_import(ds, netns);
	bench_netns_remove(netns);
}

/* Issue 13's targets. */
void suite_ksync_targets(void)
{
	double vf = fig_value("ksync.rtmd_vs_floor"), vi = fig_value("ksync.rtmd_vs_ip");
	double fi = fig_value("ksync.floor_vs_ip"), miss = fig_value("ksync.import.missing");
	double res = fig_value("ksync.import.resyncs"), mem = fig_value("ksync.import.mem");

	target("kernel sync: install rate >= 0.8x the raw batched-netlink floor",
	       isnan(vf) ? -1 : vf >= 0.8, "%.2fx", vf);
	target("kernel sync: install rate >= 5x ip -batch", isnan(vi) ? -1 : vi >= 5,
	       "%.2fx (the floor itself: %.2fx)", vi, fi);
	target("kernel sync: import of 1 M routes ends equal, 0 missing, no ENOBUFS caused by rtmd",
	       isnan(miss) || isnan(res) ? -1 : miss == 0 && res == 0, "%.0f missing, %.0f resyncs",
	       miss, res);
	target("kernel sync: <= 100 B daemon memory per imported route", isnan(mem) ? -1 : mem <= 100,
	       "%.0f B/route", mem);
}
