/* bench.h - the rtmd benchmark harness (make bench), issue 7.
 *
 * One program, rtmd_bench, runs every suite against the real programs of
 * the build tree on private sockets and state directories in one temporary
 * directory, prints a table of figures (each with the command that produced
 * it) and writes them as JSON.  This header is the harness's internal
 * interface between its files; nothing outside tests/bench uses it.
 */
#ifndef RTMD_BENCH_H
#define RTMD_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "client.h"
#include "proc.h"
#include "proto.h"

/* ---- environment (benchlib.c) ------------------------------------------- */

struct bench_env {
	char top[512];          /* build tree holding src/daemon/rtmd, src/tools/rtctl, src/tools/rtwatch */
	char rtmd[600], rtctl[600], rtwatch[600];
	char dir[256];          /* the temporary directory ($D in commands) */
	char self[128];         /* how the harness was invoked, for the commands */
};
extern struct bench_env B;

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void note(const char *fmt, ...);
uint64_t now_ns(void);
double now_s(void);
double thread_cpu_s(void);
uint64_t rnd64(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);

/* Make B.dir, install the cleanup (children killed, netns removed, dir
 * removed) for exit and for SIGINT/SIGTERM/SIGHUP. */
void bench_setup(const char *tmpbase, bool keep);
/* A function run by the cleanup, e.g. removing a network namespace. */
void bench_on_cleanup(void (*fn)(void));
/* A network namespace "rtmdbench<pid>-TAG" (name written to name) with a
 * veth pair d0/d0p and lo up, removed by bench_netns_remove or at the
 * cleanup.  0, or -1 with "skipped: reason" in why. */
int bench_netns_create(const char *tag, char *name, size_t cap, char *why, size_t whylen);
void bench_netns_remove(const char *name);
/* "$D/..." form of a path under B.dir, for printed commands. */
const char *short_path(const char *path, char *buf, size_t cap);

/* ---- children -------------------------------------------------------------- */

/* fork() that records the child for the cleanup; the child is killed when
 * the harness dies (PR_SET_PDEATHSIG). */
pid_t bench_fork(void);
/* Spawn argv with stdout/stderr to files (NULL: /dev/null). */
pid_t bench_spawn(char *const argv[], const char *out, const char *err);
/* Wait for a recorded child; after timeout_s it is killed.  Returns the
 * wait status, or -1 on timeout. */
int bench_wait(pid_t pid, double timeout_s);
/* SIGKILL and reap a recorded child. */
void bench_kill(pid_t pid);
/* Run argv to completion: seconds taken, or -1 (failed or timed out; the
 * reason in why). */
double bench_run(char *const argv[], const char *out, const char *err, double timeout_s,
                 char *why, size_t whylen);
/* argv joined with spaces, paths under B.dir shortened to $D. */
void argv_str(char *const argv[], char *buf, size_t cap);

/* ---- a private rtmd ------------------------------------------------------------ */

struct daemon {
	char name[32];
	char dir[300], sock[340], state[340], conf[340], log[340];
	char netns[64];         /* "": the harness's own namespace */
	pid_t pid;
};

/* Directory $D/NAME with a config file holding conf_text. */
void daemon_init(struct daemon *d, const char *name, const char *conf_text);
/* Start rtmd; returns the seconds from fork+exec to its first answered
 * status request.  Dies if it does not come up in 120 s. */
double daemon_start(struct daemon *d);
/* The same, but -1 with the reason in why when rtmd fails to come up. */
double daemon_try_start(struct daemon *d, char *why, size_t whylen);
/* SIGTERM, wait (SIGKILL after 60 s). */
void daemon_stop(struct daemon *d);
int daemon_status(const struct daemon *d, struct rt_status *st);
/* Lines of the daemon's log containing needle. */
long log_count(const struct daemon *d, const char *needle);
/* Size and allocated bytes of a file, -1 if missing. */
long long file_size(const char *path, long long *allocated);
/* The daemon's store paths. */
void daemon_store(const struct daemon *d, const char *which, char *buf, size_t cap);

/* ---- statistics and results --------------------------------------------------- */

struct stats {
	size_t n;
	double p50, p99, max, mean;
};
/* Sorts v. */
void stats_of(double *v, size_t n, struct stats *s);

/* A figure: value (NAN = not measured, with the reason in note). */
__attribute__((format(printf, 6, 7)))
void fig(const char *id, const char *label, double value, const char *unit, const char *cmd,
         const char *notefmt, ...);
/* Value of a recorded figure, NAN if none. */
double fig_value(const char *id);
/* A target of the issue: met 1, not met 0, unknown -1. */
__attribute__((format(printf, 3, 4)))
void target(const char *text, int met, const char *measuredfmt, ...);
void section(const char *title);
/* Print the table and write JSON to path (NULL: do not write). */
void results_finish(const char *json_path, double elapsed_s);

/* ---- data sets (bench_data.c) ------------------------------------------------- */

struct v4pfx { uint32_t addr; uint8_t len; };
struct v6pfx { uint64_t hi, lo; uint8_t len; };
struct arpent { uint32_t ip; uint8_t mac[6]; uint8_t dev; };

struct dataset {
	size_t n4, n6, narp;
	struct v4pfx *v4;
	struct v6pfx *v6;
	struct arpent *arp;
	char routes4[300], routes6[300], kernel4[300], arp_txt[300];
};
void data_make(struct dataset *ds, size_t n4, size_t n6, size_t narp);
void data_free(struct dataset *ds);
void v4_route(const struct v4pfx *p, struct rt_route *r);
void arp_neigh(const struct arpent *a, struct rt_neigh *n);

/* ---- subscriber processes (bench_subs.c) -------------------------------------- */

#define SUBS_MAX 1000
#define LAT_MAX 2000

struct subs;
/* Fork n subscribers of rtmd on sock (route table, no dump), or of the raw
 * floor (one SOCK_SEQPACKET socket pair each, written by this process);
 * returns when all are ready, NULL on failure. */
struct subs *subs_start_rtmd(int n, const char *sock);
struct subs *subs_start_floor(int n);
void subs_stop(struct subs *s);
int subs_count(const struct subs *s);
/* Writer ends of the floor sockets. */
const int *subs_floor_fds(const struct subs *s);
/* Events each subscriber has received so far (all equal when idle). */
uint64_t subs_seen(const struct subs *s);
/* Latency: sample the first k events (<= LAT_MAX) each subscriber sees
 * (set before they are sent; lower it again when fewer were sent)... */
void subs_sample(struct subs *s, uint32_t k);
/* ...mark the send time of event k... */
void subs_mark_send(struct subs *s, uint32_t k);
/* ...then wait until every subscriber received it: 0, or -1 after timeout. */
int subs_wait_event(struct subs *s, uint32_t k, double timeout_s);
/* Reach-all latency of sample k in seconds (last receipt - send). */
double subs_reach_all(const struct subs *s, uint32_t k);
/* Throughput: every subscriber is done at `total` events seen (counted
 * since it subscribed); wait for all: the CLOCK_MONOTONIC ns of the last
 * subscriber's last receipt, or 0 after timeout / on failure. */
void subs_set_target(struct subs *s, uint64_t total);
uint64_t subs_wait_target(struct subs *s, double timeout_s);
/* Subscribers that failed (EOF: dropped by rtmd) and sequence gaps seen. */
unsigned subs_failed(const struct subs *s);
uint64_t subs_gaps(const struct subs *s);

/* ---- suites ---------------------------------------------------------------- */

void suite_load(struct dataset *ds, bool with_rtwatch);
void suite_kernel(const struct dataset *ds);
void suite_ksync(const struct dataset *ds);
void suite_ksync_targets(void);
void suite_notify(void);
void suite_durable(void);
void suite_targets(void);

#endif
