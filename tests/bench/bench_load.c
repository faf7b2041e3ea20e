/* bench_load.c - bulk loads, memory, look-ups, recovery, and the kernel
 * FIB reference.
 *
 * Loads are timed around the real `rtctl -b FILE` process (fork to exit)
 * against a private rtmd with sync = always.  The 0-subscriber daemon then
 * takes 1 M ARP entries, its mapping is read through the library reader,
 * and it is restarted to time recovery of 1 M routes + 1 M ARP entries.
 * The reference loads the same IPv4 routes into the kernel with
 * `ip -batch` in a network namespace made (and removed) here.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rtmd/rtmd.h>

#include "arp_reader.h"
#include "bench.h"
#include "route_table.h"

#define LOAD_TIMEOUT_S 300.0
#define LOOKUPS_ARP 2000000
#define LOOKUPS_LPM 5000000
#define RECOVERY_RUNS 3

static const char *CONF_ALWAYS = "sync = \"always\";\n";

/* Time `rtctl -b file`; records figures id.s and id.rate. */
static double timed_load(struct daemon *d, const char *file, size_t n, const char *id,
                         const char *what, const char *extra_note, const char *unit)
{
	char *argv[] = { B.rtctl, "-s", d->sock, "-b", (char *)file, NULL };
	char cmd[600], out[400], why[256] = "", fid[64], label[100];
	double t;

	snprintf(out, sizeof(out), "%s/rtctl.out", d->dir);
	argv_str(argv, cmd, sizeof(cmd));
	t = bench_run(argv, out, out, LOAD_TIMEOUT_S, why, sizeof(why));
	snprintf(fid, sizeof(fid), "%s.s", id);
	snprintf(label, sizeof(label), "%s: seconds", what);
	if (t < 0) {
		fig(fid, label, NAN, "s", cmd, "%s (see %s)", why, out);
		return NAN;
	}
	fig(fid, label, t, "s", cmd, "%s", extra_note ? extra_note : "");
	snprintf(fid, sizeof(fid), "%s.rate", id);
	snprintf(label, sizeof(label), "%s: rate", what);
	fig(fid, label, (double)n / t, unit, cmd, NULL);
	return t;
}

static void check_counts(const struct daemon *d, uint64_t routes, uint64_t neighs)
{
	struct rt_status st;

	if (daemon_status(d, &st) < 0)
		die("rtmd (%s) does not answer status; see %s", d->name, d->log);
	if (st.routes != routes || st.neighs != neighs)
		die("rtmd (%s) holds %llu routes and %llu ARP entries, expected %llu and %llu; see %s",
		    d->name, (unsigned long long)st.routes, (unsigned long long)st.neighs,
		    (unsigned long long)routes, (unsigned long long)neighs, d->log);
}

static void memory_figs(const char *id, const char *what, long vm0, long vm1, long an0, long an1,
                        const char *store, size_t n, const char *cmd)
{
	char fid[64], label[100];
	long long alloc = 0, size = file_size(store, &alloc);

	snprintf(fid, sizeof(fid), "mem.%s.rss", id);
	snprintf(label, sizeof(label), "rtmd VmRSS growth per %s", what);
	fig(fid, label, (double)(vm1 - vm0) * 1024 / (double)n, "B", cmd,
	    "VmRSS %ld -> %ld kB; includes the store pages mapped", vm0, vm1);
	snprintf(fid, sizeof(fid), "mem.%s.anon", id);
	snprintf(label, sizeof(label), "rtmd memory beyond the store per %s (RssAnon)", what);
	fig(fid, label, (double)(an1 - an0) * 1024 / (double)n, "B", cmd, "RssAnon %ld -> %ld kB", an0,
	    an1);
	snprintf(fid, sizeof(fid), "mem.%s.store", id);
	snprintf(label, sizeof(label), "store file size per %s", what);
	fig(fid, label, (double)size / (double)n, "B", cmd, "%lld bytes, %lld allocated on disk", size,
	    alloc);
}

/* ---- look-ups ---------------------------------------------------------------- */

/* One timed pass of the ARP look-ups over the same keys with one API:
 * kind 0/1 the single calls by IP/MAC (one key per call), 2/3 the batched
 * calls (ARP_BATCH keys per call).  Rates on this thread's CPU time (per
 * core), wall time beside. */
#define ARP_BATCH 256
static void arp_pass(struct arp_reader *r, int kind, const struct rt_addr *ips,
                     const uint8_t (*macs)[6], const char *cmd)
{
	static const char *const ids[] = { "lookup.arp.ip", "lookup.arp.mac", "lookup.arp.ip_many",
	                                   "lookup.arp.mac_many" };
	static const char *const labels[] = {
		"ARP look-ups by IP from the mapping (arp_reader_get_ip, 1 key per call)",
		"ARP look-ups by MAC from the mapping (arp_reader_get_mac, 1 key per call)",
		"ARP look-ups by IP from the mapping (arp_reader_get_ip_many, 256 keys per call)",
		"ARP look-ups by MAC from the mapping (arp_reader_get_mac_many, 256 keys per call)",
	};
	struct rt_neigh *out = xmalloc(ARP_BATCH * sizeof(*out));
	int *hit = xmalloc(ARP_BATCH * sizeof(*hit));
	size_t found = 0;
	bool failed = false;
	double w0 = now_s(), c0 = thread_cpu_s(), cpu, wall;

	if (kind < 2) {
		for (size_t i = 0; i < LOOKUPS_ARP; i++)
			found += (kind == 0 ? arp_reader_get_ip(r, &ips[i], NULL, out, 1)
			                    : arp_reader_get_mac(r, macs[i], out, 1)) == 1;
	} else {
		for (size_t i = 0; i < LOOKUPS_ARP && !failed; i += ARP_BATCH) {
			size_t n = LOOKUPS_ARP - i < ARP_BATCH ? LOOKUPS_ARP - i : ARP_BATCH;
			ssize_t got = kind == 2 ? arp_reader_get_ip_many(r, ips + i, n, NULL, out, hit)
			                        : arp_reader_get_mac_many(r, macs + i, n, out, hit);
			failed = got < 0;
			/* Counted as the single calls count: exactly one match. */
			for (size_t k = 0; k < n && !failed; k++)
				found += hit[k] == 1;
		}
	}
	cpu = thread_cpu_s() - c0;
	wall = now_s() - w0;
	if (failed)
		fig(ids[kind], labels[kind], NAN, "/s/core", cmd, "look-up failed: %s", strerror(errno));
	else
		fig(ids[kind], labels[kind], LOOKUPS_ARP / cpu, "/s/core", cmd,
		    "%.3f s CPU, %.3f s wall; %zu of %d found", cpu, wall, found, LOOKUPS_ARP);
	free(out);
	free(hit);
}

static void arp_lookups(const struct daemon *d, const struct dataset *ds)
{
	char path[400], err[512], cmd[700];
	struct arp_reader *r;
	struct rt_addr *ips = xmalloc(LOOKUPS_ARP * sizeof(*ips));
	uint8_t (*macs)[6] = xmalloc(LOOKUPS_ARP * sizeof(*macs));

	daemon_store(d, "arp", path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "%s --only load  # arp_reader_get_ip/_mac (1 key per call) and "
	         "_get_ip_many/_get_mac_many (%d per call) on $D/load0/state/arp.store, the same %d "
	         "random keys, 1 thread", B.self, ARP_BATCH, LOOKUPS_ARP);
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0) {
		fig("lookup.arp.ip", "ARP look-ups by IP from the mapping", NAN, "/s/core", cmd, "%s", err);
		goto out;
	}
	for (size_t i = 0; i < LOOKUPS_ARP; i++) {
		const struct arpent *e = &ds->arp[rnd64() % ds->narp];
		struct rt_neigh n;

		arp_neigh(e, &n);
		ips[i] = n.ip;
		memcpy(macs[i], e->mac, 6);
	}
	for (int kind = 0; kind < 4; kind++)
		arp_pass(r, kind, ips, (const uint8_t (*)[6])macs, cmd);
	arp_reader_close(r);
out:
	free(ips);
	free(macs);
}

/* Random IPv4 look-up keys: uniform addresses, and addresses inside
 * random routes of the dataset (a hit each). */
static void lpm_keys(const struct dataset *ds, uint32_t *uni, uint32_t *hit)
{
	for (size_t i = 0; i < LOOKUPS_LPM; i++) {
		const struct v4pfx *p = &ds->v4[rnd64() % ds->n4];
		uint32_t host = (uint32_t)rnd64();

		uni[i] = (uint32_t)rnd64();
		hit[i] = p->addr | (p->len >= 32 ? 0 : host >> p->len);
	}
}

/* CPU seconds of one pass over keys, through rtmd's route table (t) or a
 * librtmd replica (rep): the same loop, so that the figures compare the
 * tables and nothing else.  *found: look-ups that matched. */
static double lpm_pass(const struct route_table *t, const rtmd_replica *rep, const uint32_t *keys,
                       rtmd_route *out, size_t *found)
{
	struct rt_addr a = { .family = AF_INET };
	double c0 = thread_cpu_s();

	*found = 0;
	for (size_t i = 0; i < LOOKUPS_LPM; i++) {
		a.bytes[0] = (uint8_t)(keys[i] >> 24);
		a.bytes[1] = (uint8_t)(keys[i] >> 16);
		a.bytes[2] = (uint8_t)(keys[i] >> 8);
		a.bytes[3] = (uint8_t)keys[i];
		if (rep)
			*found += rtmd_replica_lookup(rep, (const struct rtmd_addr *)(const void *)&a,
			                              out) == 0;
		else
			*found += route_table_lookup(t, &a, (struct rt_route *)(void *)out) == RT_OK;
	}
	return thread_cpu_s() - c0;
}

/* Rtmd's route table and the replica, pass by pass in turn, LPM_ROUNDS
 * times, each figure the best round: on a machine shared with other work
 * the two then see the same conditions, and the ratio is the tables'. */
#define LPM_ROUNDS 3
static void lpm_compare(const struct route_table *t, const rtmd_replica *rep, const uint32_t *uni,
                        const uint32_t *hit, const char *cmd_t, const char *cmd_rep)
{
	rtmd_route *out = rtmd_route_new();

	if (!out)
		die("rtmd_route_new: out of memory");
	for (int pass = 0; pass < 2; pass++) {
		const uint32_t *keys = pass ? hit : uni;
		const char *kind = pass ? "hit" : "uniform";
		const char *words = pass ? "addresses inside random routes" : "uniform random addresses";
		double best[2] = { INFINITY, INFINITY };
		size_t found[2] = { 0, 0 };
		char fname[64], label[160];

		for (int round = 0; round < LPM_ROUNDS; round++)
			for (int which = 0; which < 2; which++) {
				double cpu = lpm_pass(t, which ? rep : NULL, keys, out, &found[which]);

				if (cpu < best[which])
					best[which] = cpu;
			}
		if (found[0] != found[1])
			die("the replica matched %zu of the %s keys, rtmd's table %zu", found[1], kind,
			    found[0]);
		snprintf(fname, sizeof(fname), "lpm.lookup.%s", kind);
		snprintf(label, sizeof(label), "route LPM, %s", words);
		fig(fname, label, LOOKUPS_LPM / best[0], "/s/core", cmd_t,
		    "best of %d rounds, %.3f s CPU; %.1f%% matched", LPM_ROUNDS, best[0],
		    100.0 * (double)found[0] / LOOKUPS_LPM);
		snprintf(fname, sizeof(fname), "replica.lookup.%s", kind);
		snprintf(label, sizeof(label), "replica LPM (librtmd), %s", words);
		fig(fname, label, LOOKUPS_LPM / best[1], "/s/core", cmd_rep,
		    "best of %d rounds in turn with the table's, %.3f s CPU; %.0f%% of the table's rate",
		    LPM_ROUNDS, best[1], 100.0 * best[0] / best[1]);
	}
	rtmd_route_free(out);
}

/* rtmd's route table, as the daemon fills it, with the million routes. */
static struct route_table *lpm_table(const struct dataset *ds, char *cmd, size_t cap)
{
	struct route_table *t = route_table_new();
	long an0, an1;
	double c0, cpu;
	size_t mem;

	if (!t)
		die("route_table_new: out of memory");
	snprintf(cmd, cap, "%s --only load  # route_table_lookup, the %zu IPv4 routes, "
	         "%d look-ups, 1 thread", B.self, ds->n4, LOOKUPS_LPM);
	an0 = proc_kb(getpid(), "RssAnon");
	c0 = thread_cpu_s();
	for (size_t i = 0; i < ds->n4; i++) {
		struct rt_route r;
		int rc;

		v4_route(&ds->v4[i], &r);
		if ((rc = route_table_add(t, &r, (uint32_t)i)) != RT_OK)
			die("route_table_add of route %zu: %s", i, rt_err_str(rc));
	}
	cpu = thread_cpu_s() - c0;
	an1 = proc_kb(getpid(), "RssAnon");
	mem = route_table_memory(t);
	fig("lpm.insert", "route table inserts (library)", (double)ds->n4 / cpu, "/s/core", cmd,
	    "%.3f s CPU", cpu);
	fig("lpm.mem", "route table memory per route (route_table_memory)",
	    (double)mem / (double)ds->n4, "B", cmd, "RSS growth of the process: %.1f B/route",
	    (double)(an1 - an0) * 1024 / (double)ds->n4);
	return t;
}

static void replica_synced(void *ctx, rtmd_sub *s, enum rtmd_sync how)
{
	rtmd_sub_stop(s);
}

/* A librtmd replica of the daemon's million routes: the time to take the
 * table and its memory. */
static rtmd_replica *replica_take(const struct daemon *d, const struct dataset *ds, char *cmd,
                                  size_t cap)
{
	rtmd_replica *rep;
	long an0 = proc_kb(getpid(), "RssAnon");
	double w0 = now_s(), c0 = thread_cpu_s();

	snprintf(cmd, cap, "%s --only load  # rtmd_replica_lookup on a replica of rtmd's "
	         "%zu IPv4 routes, %d look-ups, 1 thread", B.self, ds->n4, LOOKUPS_LPM);
	if (rtmd_replica_new(&rep, d->sock, 0) < 0)
		die("rtmd_replica_new: %s", rtmd_errmsg());
	rtmd_sub_on_sync(rtmd_replica_sub(rep), replica_synced, NULL);
	if (rtmd_sub_run(rtmd_replica_sub(rep)) < 0)
		die("replica of %s: %s", d->sock, rtmd_errmsg());
	if (rtmd_replica_count(rep, AF_INET) != ds->n4)
		die("replica of %s holds %zu IPv4 routes, not %zu", d->sock,
		    rtmd_replica_count(rep, AF_INET), ds->n4);
	fig("replica.sync", "librtmd replica: subscribe and take 1 M routes", now_s() - w0, "s", cmd,
	    "%.3f s CPU in the subscriber", thread_cpu_s() - c0);
	fig("replica.mem", "librtmd replica: memory per route (RSS growth)",
	    (double)(proc_kb(getpid(), "RssAnon") - an0) * 1024 / (double)ds->n4, "B", cmd,
	    "the route table's own share is lpm.mem");
	return rep;
}

/* The internal table against the replica, on the same keys. */
static void lpm_lookups(const struct daemon *d, const struct dataset *ds, const uint32_t *uni,
                        const uint32_t *hit)
{
	char cmd_t[700], cmd_rep[700];
	struct route_table *t = lpm_table(ds, cmd_t, sizeof(cmd_t));
	rtmd_replica *rep = replica_take(d, ds, cmd_rep, sizeof(cmd_rep));

	lpm_compare(t, rep, uni, hit, cmd_t, cmd_rep);
	rtmd_replica_free(rep);
	route_table_free(t);
}

/* ---- recovery --------------------------------------------------------------------- */

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void recovery(struct daemon *d, const struct dataset *ds)
{
	double t[RECOVERY_RUNS];
	char cmd[600], why[256];
	char *argv[] = { B.rtmd, "-s", d->sock, "-S", d->state, "-c", d->conf, NULL };

	argv_str(argv, cmd, sizeof(cmd));
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "  (then rtctl status)");
	for (int i = 0; i < RECOVERY_RUNS; i++) {
		daemon_stop(d);
		t[i] = daemon_try_start(d, why, sizeof(why));
		if (t[i] < 0) {
			fig("recovery.s", "rtmd start-up, 1 M routes + 1 M ARP in the store", NAN, "s", cmd,
			    "%s", why);
			return;
		}
		check_counts(d, ds->n4, ds->narp);
	}
	qsort(t, RECOVERY_RUNS, sizeof(t[0]), dbl_cmp);
	fig("recovery.s", "rtmd start-up, 1 M routes + 1 M ARP in the store", t[RECOVERY_RUNS / 2], "s",
	    cmd, "median of %d starts (%.3f, %.3f, %.3f s), exec to first status reply; page cache warm",
	    RECOVERY_RUNS, t[0], t[1], t[2]);
}

/* ---- the suite ------------------------------------------------------------------------- */

static void load_rtwatch10(const struct dataset *ds)
{
	struct daemon d;
	pid_t mon[10];
	char *argv[] = { B.rtwatch, "-s", NULL, NULL };
	struct rt_status st;
	double t0;
	long drops;

	daemon_init(&d, "load-rtwatch10", CONF_ALWAYS);
	daemon_start(&d);
	argv[2] = d.sock;
	for (int i = 0; i < 10; i++)
		mon[i] = bench_spawn(argv, NULL, NULL);
	for (t0 = now_s(); daemon_status(&d, &st) == 0 && st.subscribers < 10; usleep(10000))
		if (now_s() - t0 > 30)
			die("the 10 rtwatch processes did not subscribe within 30 s");
	timed_load(&d, ds->routes4, ds->n4, "load.v4.rtwatch10",
	           "rtctl -b 1 M IPv4 routes, 10 rtwatch > /dev/null",
	           "subscribers: 10 x src/tools/rtwatch -s SOCKET > /dev/null", "routes/s");
	drops = log_count(&d, "dropping subscriber");
	fig("load.v4.rtwatch10.drops", "  rtwatch subscribers dropped (queue full) during it", (double)drops,
	    "drops", "grep -c 'dropping subscriber' $D/load-rtwatch10/rtmd.log",
	    "each drop makes that rtwatch reconnect and take a full dump");
	timed_load(&d, ds->routes6, ds->n6, "load.v6.rtwatch10",
	           "rtctl -b 200 k IPv6 routes, 10 rtwatch > /dev/null", NULL, "routes/s");
	fig("load.v6.rtwatch10.drops", "  rtwatch subscribers dropped during it",
	    (double)(log_count(&d, "dropping subscriber") - drops), "drops",
	    "grep -c 'dropping subscriber' $D/load-rtwatch10/rtmd.log", NULL);
	for (int i = 0; i < 10; i++)
		bench_kill(mon[i]);
	daemon_stop(&d);
}

static void load_poll10(const struct dataset *ds)
{
	struct daemon d;
	struct subs *s;
	uint64_t t0, last;

	daemon_init(&d, "load-poll10", CONF_ALWAYS);
	daemon_start(&d);
	s = subs_start_rtmd(10, d.sock);
	if (!s)
		die("10 C subscribers could not subscribe to %s", d.sock);
	subs_set_target(s, ds->n4);
	t0 = now_ns();
	timed_load(&d, ds->routes4, ds->n4, "load.v4.poll10", "rtctl -b 1 M IPv4 routes, 10 C subscribers",
	           NULL, "routes/s");
	last = subs_wait_target(s, 120);
	fig("load.v4.poll10.reach", "  until all 10 C subscribers had every event",
	    last ? (double)(last - t0) / 1e9 : NAN, "s", "the same run",
	    last ? "" : "not every subscriber got every event (%u dropped)", subs_failed(s));
	subs_set_target(s, ds->n4 + ds->n6);
	t0 = now_ns();
	timed_load(&d, ds->routes6, ds->n6, "load.v6.poll10",
	           "rtctl -b 200 k IPv6 routes, 10 C subscribers", NULL, "routes/s");
	last = subs_wait_target(s, 120);
	fig("load.v6.poll10.reach", "  until all 10 C subscribers had every event",
	    last ? (double)(last - t0) / 1e9 : NAN, "s", "the same run",
	    last ? "" : "not every subscriber got every event (%u dropped)", subs_failed(s));
	subs_stop(s);
	daemon_stop(&d);
}

void suite_load(struct dataset *ds, bool with_rtwatch)
{
	struct daemon d;
	char store[400], cmd[600];
	char *argv[] = { B.rtctl, "-s", NULL, "-b", NULL, NULL };
	long vm0, an0, vm1, an1;

	section("Load: rtctl -b into rtmd, sync = always");
	daemon_init(&d, "load0", CONF_ALWAYS);
	daemon_start(&d);
	vm0 = proc_kb(d.pid, "VmRSS");
	an0 = proc_kb(d.pid, "RssAnon");
	timed_load(&d, ds->routes4, ds->n4, "load.v4.n0", "rtctl -b 1 M IPv4 routes, 0 subscribers",
	           NULL, "routes/s");
	check_counts(&d, ds->n4, 0);
	vm1 = proc_kb(d.pid, "VmRSS");
	an1 = proc_kb(d.pid, "RssAnon");
	argv[2] = d.sock;
	argv[4] = ds->routes4;
	argv_str(argv, cmd, sizeof(cmd));
	section("Memory at 1 M routes and 1 M ARP entries");
	daemon_store(&d, "routes", store, sizeof(store));
	memory_figs("route", "route", vm0, vm1, an0, an1, store, ds->n4, cmd);

	section("Load: rtctl -b into rtmd, sync = always");
	timed_load(&d, ds->arp_txt, ds->narp, "load.arp.n0", "rtctl -b 1 M ARP entries, 0 subscribers",
	           NULL, "entries/s");
	check_counts(&d, ds->n4, ds->narp);
	vm0 = vm1;
	an0 = an1;
	vm1 = proc_kb(d.pid, "VmRSS");
	an1 = proc_kb(d.pid, "RssAnon");
	argv[4] = ds->arp_txt;
	argv_str(argv, cmd, sizeof(cmd));
	section("Memory at 1 M routes and 1 M ARP entries");
	daemon_store(&d, "arp", store, sizeof(store));
	memory_figs("arp", "ARP entry", vm0, vm1, an0, an1, store, ds->narp, cmd);

	section("Look-ups per core (library, 1 M entries)");
	arp_lookups(&d, ds);
	uint32_t *uni = xmalloc(LOOKUPS_LPM * sizeof(*uni)), *hit = xmalloc(LOOKUPS_LPM * sizeof(*hit));
	lpm_keys(ds, uni, hit);
	lpm_lookups(&d, ds, uni, hit);
	free(uni);
	free(hit);

	section("Recovery");
	recovery(&d, ds);
	daemon_stop(&d);

	section("Load: rtctl -b into rtmd, sync = always");
	daemon_init(&d, "load0-v6", CONF_ALWAYS);
	daemon_start(&d);
	timed_load(&d, ds->routes6, ds->n6, "load.v6.n0", "rtctl -b 200 k IPv6 routes, 0 subscribers",
	           NULL, "routes/s");
	daemon_stop(&d);
	load_poll10(ds);
	if (with_rtwatch)
		load_rtwatch10(ds);
}

/* ---- kernel reference ---------------------------------------------------------------- */

void suite_kernel(const struct dataset *ds)
{
	char cmd[600], why[256] = "", netns[64];
	double t, rtmd_t = fig_value("load.v4.n0.s");

	section("Reference: the kernel FIB, ip -batch in a private network namespace");
	if (bench_netns_create("kernel", netns, sizeof(netns), why, sizeof(why)) < 0) {
		fig("kernel.v4.s", "kernel: ip -batch 1 M IPv4 routes", NAN, "s",
		    "ip -n NS -batch $D/kernel4.batch", "%s", why);
		return;
	}
	{
		char *batch[] = { "ip", "-n", netns, "-batch", (char *)ds->kernel4, NULL };

		argv_str(batch, cmd, sizeof(cmd));
		t = bench_run(batch, NULL, NULL, 600, why, sizeof(why));
	}
	bench_netns_remove(netns);
	if (t < 0) {
		fig("kernel.v4.s", "kernel: ip -batch 1 M IPv4 routes", NAN, "s", cmd, "%s", why);
		return;
	}
	fig("kernel.v4.s", "kernel: ip -batch 1 M IPv4 routes: seconds", t, "s", cmd,
	    "netns %s, d0 is a veth device; namespace removed after", "rtmdbench<pid>-kernel");
	fig("kernel.v4.rate", "kernel: ip -batch 1 M IPv4 routes: rate", (double)ds->n4 / t, "routes/s",
	    cmd, NULL);
	fig("kernel.ratio", "rtmd speed-up over the kernel (kernel s / rtmd s)", t / rtmd_t, "x",
	    "kernel.v4.s / load.v4.n0.s", "target >= 30");
}
