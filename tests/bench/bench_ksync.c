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

/* Run nl_floor in netns on file (del: -d, of routes of protocol proto;
 * listen: -l, with the listener rtmd has); its own clock: seconds (and
 * *cpu, its CPU seconds, if not NULL), or -1 with the reason in why. */
static double floor_run(const char *netns, const char *file, bool del, bool listen,
                        const char *proto, size_t want, double *cpu, char *cmd, size_t cmdlen,
                        char *why, size_t whylen)
{
	char prog[600], out[300], line[128];
	char *argv[13] = { "ip", "netns", "exec", (char *)netns, prog, "-b", "64", "-p", (char *)proto };
	double secs = -1, c = NAN;
	size_t n = 0, a = 9;
	unsigned errors = 0;
	FILE *f;

	snprintf(prog, sizeof(prog), "%s/tests/bench/nl_floor", B.top);
	if (del)
		argv[a++] = "-d";
	if (listen)
		argv[a++] = "-l";
	argv[a] = (char *)file;
	snprintf(out, sizeof(out), "%s/nl_floor.out", B.dir);
	remove(out);
	argv_str(argv, cmd, cmdlen);
	if (bench_run(argv, out, NULL, 600, why, whylen) < 0)
		return -1;
	if (!(f = fopen(out, "r")) || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "%lf %zu %u %lf", &secs, &n, &errors, &c) < 3) {
		snprintf(why, whylen, "nl_floor printed no result");
		secs = -1;
	} else if (n != want || errors) {
		snprintf(why, whylen, "nl_floor: %zu routes, %u refused (wanted %zu, 0)", n, errors, want);
		secs = -1;
	}
	if (f)
		fclose(f);
	if (cpu)
		*cpu = c;
	return secs;
}

/* CPU seconds (user and system) so far of process pid, all threads, or
 * (main_only) of its main thread. */
static double proc_cpu_s(pid_t pid, bool main_only)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;

	if (main_only)
		snprintf(path, sizeof(path), "/proc/%ld/task/%ld/stat", (long)pid, (long)pid);
	else
		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return NAN;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* After the command name, which may hold spaces: fields 14 and 15. */
	if (!p || !(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Routes of protocol proto in netns's main table, as ip(8) lists them;
 * -1 if ip failed. */
static long kernel_routes(const char *netns, const char *proto)
{
	char *argv[] = { "ip", "-n", (char *)netns, "-4", "route", "show", "proto", (char *)proto,
	                 NULL };
	char out[400], why[256], line[256];
	long n = 0;
	FILE *f;

	snprintf(out, sizeof(out), "%s/ip-route.out", B.dir);
	if (bench_run(argv, out, NULL, 300, why, sizeof(why)) < 0 || !(f = fopen(out, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	remove(out);
	return n;
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

struct install {
	double secs, cpu;       /* rtctl -b's wall time; rtmd's CPU meanwhile */
	double cpu_main;        /* of which its main thread's (the rest: rtmd-netlink's) */
	double rm_secs;         /* rtctl flush route (with remove) */
	long in_kernel, left;   /* ip's count after the install, after the flush */
	unsigned long long installed, pending;
	char cmd[700], why[256];
};

/* rtctl -b of the routes into a fresh rtmd with kernel sync on, in netns;
 * with remove, then rtctl flush route, each judged by ip's count of
 * rtmd's routes.  Without remove rtmd's routes stay (stopping leaves them,
 * SPEC): the caller clears them.  0, or -1 with in->why. */
static int rtmd_install(const struct dataset *ds, const char *netns, const char *name,
                        bool remove_them, struct install *in)
{
	struct daemon d;
	struct rt_status st;
	char *argv[] = { B.rtctl, "-s", NULL, "-b", (char *)ds->routes4, NULL };
	char *flush[] = { B.rtctl, "-s", NULL, "-q", "flush", "route", NULL };
	char out[400];
	double c0, m0;

	memset(in, 0, sizeof(*in));
	in->in_kernel = in->left = -1;
	in->rm_secs = NAN;
	daemon_init(&d, name, CONF_KSYNC);
	snprintf(d.netns, sizeof(d.netns), "%s", netns);
	daemon_start(&d);
	argv[2] = flush[2] = d.sock;
	argv_str(argv, in->cmd, sizeof(in->cmd));
	snprintf(out, sizeof(out), "%s/rtctl.out", d.dir);
	c0 = proc_cpu_s(d.pid, false);
	m0 = proc_cpu_s(d.pid, true);
	in->secs = bench_run(argv, out, out, 900, in->why, sizeof(in->why));
	in->cpu = proc_cpu_s(d.pid, false) - c0;
	in->cpu_main = proc_cpu_s(d.pid, true) - m0;
	if (in->secs < 0 || daemon_status(&d, &st) < 0 || !all_installed(&st, ds->n4)) {
		if (in->secs >= 0)
			snprintf(in->why, sizeof(in->why), "not all routes in rtmd (see %.200s)", out);
		daemon_stop(&d);
		return -1;
	}
	in->installed = st.kernel_installed_routes;
	in->pending = st.kernel_pending_routes;
	if (remove_them) {
		in->in_kernel = kernel_routes(netns, "200");
		in->rm_secs = bench_run(flush, out, out, 900, in->why, sizeof(in->why));
		in->left = kernel_routes(netns, "200");
	}
	daemon_stop(&d);
	return 0;
}

#define ROUNDS 2

/* The floor and rtmd installing the same routes, ROUNDS times in turn (the
 * machine may be shared: the best of each is the figure), and ip -batch
 * once.  Then 1 M routes removed through rtmd.  Returns the best floor. */
static void install_suite(const struct dataset *ds, const char *netns)
{
	struct install in[ROUNDS], *best = NULL;
	double fl[ROUNDS], flc[ROUNDS], bfl = NAN, bflc = NAN, fl_del = NAN, ip = -1, bare = -1;
	char cmd[700], dcmd[700], ipcmd[700], why[256] = "", list_f[128] = "", list_r[128] = "";

	for (int r = 0; r < ROUNDS; r++) {
		char name[32];

		/* With rtmd's listener (rtmd's own event socket listens while
		 * it installs: the kernel notifies it of every change). */
		fl[r] = floor_run(netns, ds->kernel4, false, true, "200", ds->n4, &flc[r], cmd,
		                  sizeof(cmd), why, sizeof(why));
		if (fl[r] < 0) {
			fig("ksync.floor.s", "raw batched netlink floor: install 1 M routes", NAN, "s", cmd,
			    "%s", why);
			return;
		}
		if (isnan(bfl) || fl[r] < bfl) {
			bfl = fl[r];
			bflc = flc[r];
		}
		fl_del = floor_run(netns, ds->kernel4, true, true, "200", ds->n4, NULL, dcmd,
		                   sizeof(dcmd), why, sizeof(why));
		if (fl_del < 0) {
			fig("ksync.floor_del.s", "raw batched netlink floor: delete 1 M routes", NAN, "s",
			    dcmd, "%s", why);
			return;
		}
		if (r == 0) {
			char bcmd[700];

			fig("ksync.floor_del.s", "raw batched netlink floor: delete 1 M routes: seconds",
			    fl_del, "s", dcmd, NULL);
			/* The same without any listener, for reference. */
			bare = floor_run(netns, ds->kernel4, false, false, "200", ds->n4, NULL, bcmd,
			                 sizeof(bcmd), why, sizeof(why));
			fig("ksync.floor_bare.s", "  the floor without a listener: install: seconds",
			    bare < 0 ? NAN : bare, "s", bcmd, "%s", bare < 0 ? why : "not the figure rtmd "
			    "is held to (rtmd cannot install without its event socket listening)");
			if (bare >= 0 && floor_run(netns, ds->kernel4, true, false, "200", ds->n4, NULL,
			                           bcmd, sizeof(bcmd), why, sizeof(why)) < 0)
				note("removing the floor's routes: %s", why);
			char *batch[] = { "ip", "-n", (char *)netns, "-batch", (char *)ds->kernel4, NULL };

			argv_str(batch, ipcmd, sizeof(ipcmd));
			ip = bench_run(batch, NULL, NULL, 900, why, sizeof(why));
			fig("ksync.ip.s", "ip -batch: install the same 1 M routes: seconds",
			    ip < 0 ? NAN : ip, "s", ipcmd, "%s",
			    ip < 0 ? why : "same namespace, after the floor removed its routes");
			/* ip -batch added them as proto boot (3). */
			if (ip > 0 && floor_run(netns, ds->kernel4, true, false, "3", ds->n4, NULL, dcmd,
			                        sizeof(dcmd), why, sizeof(why)) < 0)
				note("removing ip -batch's routes: %s", why);
		}
		snprintf(name, sizeof(name), "ksync-install%d", r);
		if (rtmd_install(ds, netns, name, r == 0, &in[r]) < 0) {
			fig("ksync.rtmd.s", "rtmd: rtctl -b the same 1 M routes, kernel sync on", NAN, "s",
			    in[r].cmd, "%s", in[r].why);
			return;
		}
		if (!best || in[r].secs < best->secs)
			best = &in[r];
		/* The flush of round 0 emptied the table; later rounds leave
		 * rtmd's routes, which the floor removes. */
		if (r > 0 && floor_run(netns, ds->kernel4, true, false, "200", ds->n4, NULL, dcmd,
		                       sizeof(dcmd), why, sizeof(why)) < 0)
			note("removing rtmd's routes: %s", why);
		snprintf(list_f + strlen(list_f), sizeof(list_f) - strlen(list_f), "%s%.2f", r ? ", " : "",
		         fl[r]);
		snprintf(list_r + strlen(list_r), sizeof(list_r) - strlen(list_r), "%s%.2f", r ? ", " : "",
		         in[r].secs);
	}
	fig("ksync.floor.s", "raw batched netlink floor: install 1 M routes: seconds", bfl, "s", cmd,
	    "best of %d rounds (%s s), taking turns with rtmd; 64 RTM_NEWROUTE a sendmsg, each "
	    "acknowledged; with rtmd's listener (-l); veth d0 in netns rtmdbench<pid>-ksync", ROUNDS, list_f);
	fig("ksync.floor.rate", "raw batched netlink floor: install rate", (double)ds->n4 / bfl,
	    "routes/s", cmd, NULL);
	fig("ksync.floor.cpu", "  its CPU time (user + system) in that round", bflc, "s", cmd, NULL);
	if (ip > 0) {
		fig("ksync.ip.rate", "ip -batch: install rate", (double)ds->n4 / ip, "routes/s", ipcmd,
		    NULL);
		fig("ksync.floor_vs_ip", "floor speed-up over ip -batch (ip s / floor s)", ip / bfl, "x",
		    "ksync.ip.s / ksync.floor.s", NULL);
	}
	fig("ksync.rtmd.s", "rtmd: rtctl -b the same 1 M routes, kernel sync on: seconds", best->secs,
	    "s", best->cmd, "best of %d rounds (%s s); sync = always: every acknowledgement after "
	    "the msync and the kernel's answers; %llu installed, %llu pending", ROUNDS, list_r,
	    best->installed, best->pending);
	fig("ksync.rtmd.rate", "rtmd: install rate", (double)ds->n4 / best->secs, "routes/s",
	    best->cmd, NULL);
	fig("ksync.rtmd.cpu", "  rtmd's CPU time (both threads) in that round", best->cpu, "s",
	    "/proc/PID/stat utime + stime", "the floor's: %.2f s", bflc);
	fig("ksync.rtmd.cpu_thread", "  of which its request thread's (rtmd-netlink: the kernel's work)",
	    best->cpu - best->cpu_main, "s", "/proc/PID/task/TID/stat", "the main thread's: %.2f s",
	    best->cpu_main);
	fig("ksync.rtmd_thread_vs_floor", "  the floor's CPU against rtmd's request thread's",
	    bflc / (best->cpu - best->cpu_main), "x", "ksync.floor.cpu / ksync.rtmd.cpu_thread",
	    "1: rtmd's requests cost the kernel what the floor's do");
	fig("ksync.rtmd_vs_floor", "rtmd against the floor (floor s / rtmd s)", bfl / best->secs, "x",
	    "ksync.floor.s / ksync.rtmd.s", "target >= 0.8");
	if (ip > 0)
		fig("ksync.rtmd_vs_ip", "rtmd against ip -batch (ip s / rtmd s)", ip / best->secs, "x",
		    "ksync.ip.s / ksync.rtmd.s", "target >= 5 (the floor itself is %.1fx)", ip / bfl);
	fig("ksync.rtmd.in_kernel", "  rtmd's routes in the kernel after round 1 (ip route show proto 200)",
	    (double)in[0].in_kernel, "routes", "ip -n NS -4 route show proto 200 | wc -l",
	    "should be %zu", ds->n4);
	fig("ksync.rtmd.flush_s", "rtmd: rtctl flush route of those 1 M routes: seconds",
	    in[0].rm_secs < 0 ? NAN : in[0].rm_secs, "s", "rtctl -s SOCK -q flush route", NULL);
	fig("ksync.rtmd.left", "  rtmd's routes left in the kernel after the flush", (double)in[0].left,
	    "routes", "ip -n NS -4 route show proto 200 | wc -l", "should be 0");
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
	char netns[64], why[256] = "";

	section("Kernel sync: routes into a network namespace");
	if (bench_netns_create("ksync", netns, sizeof(netns), why, sizeof(why)) < 0) {
		fig("ksync.floor.s", "raw batched netlink floor: install 1 M routes", NAN, "s",
		    "ip netns exec NS tests/bench/nl_floor -b 64 $D/kernel4.batch", "%s", why);
		return;
	}
	install_suite(ds, netns);
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
