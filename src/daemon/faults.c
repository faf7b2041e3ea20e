/* faults.c - fault injection (faults.h).  Built twice: without
 * RTMD_FAULT_INJECTION for rtmd (every fault off, $RTMD_FAULTS ignored with
 * a notice) and with it for tests/faults/rtmd-faults. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "faults.h"
#include "log.h"

#ifndef RTMD_FAULT_INJECTION

void faults_init(void)
{
	const char *env = getenv("RTMD_FAULTS");

	if (env && *env)
		log_notice("RTMD_FAULTS is set, but this rtmd is built without fault injection: "
		           "ignored");
}

bool fault_on(enum fault f)
{
	(void)f;
	return false;
}

void fault_point(enum fault_point p)
{
	(void)p;
}

#else

static const char *const fault_names[FAULT_COUNT] = {
	[FAULT_SKIP_MSYNC] = "skip-msync",
	[FAULT_SKIP_DIRSYNC] = "skip-dirsync",
	[FAULT_SKIP_RECOVERY_SYNC] = "skip-recovery-sync",
	[FAULT_FAIL_DIRSYNC] = "fail-dirsync",
};

static const char *const point_names[POINT_COUNT] = {
	[POINT_REWRITE_SYNCED] = "rewrite-synced",
	[POINT_REWRITE_RENAMED] = "rewrite-renamed",
	[POINT_REWRITE_DONE] = "rewrite-done",
	[POINT_GROW_EXTENDED] = "grow-extended",
	[POINT_GROW_CLAIMED] = "grow-claimed",
	[POINT_OPENED] = "opened",
};

/* -1: for ever; n > 0: the next n times; 0: off. */
static long armed[FAULT_COUNT];
static bool stops[POINT_COUNT];

static int lookup(const char *const *names, int n, const char *w, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncmp(names[i], w, len) == 0)
			return i;
	return -1;
}

void faults_init(void)
{
	const char *env = getenv("RTMD_FAULTS");

	for (const char *w = env; w && *w; w += strcspn(w, ",") + (w[strcspn(w, ",")] == ',')) {
		size_t len = strcspn(w, ","), name = strcspn(w, ":,");
		int i;

		if (len == 0)
			continue;
		if (len > 5 && strncmp(w, "stop@", 5) == 0 &&
		    (i = lookup(point_names, POINT_COUNT, w + 5, len - 5)) >= 0) {
			stops[i] = true;
			log_warn("fault injection: stop at %s", point_names[i]);
			continue;
		}
		if ((i = lookup(fault_names, FAULT_COUNT, w, name)) < 0) {
			log_err("RTMD_FAULTS: unknown fault \"%.*s\"", (int)len, w);
			exit(2);
		}
		armed[i] = name < len ? strtol(w + name + 1, NULL, 10) : -1;
		if (armed[i] == 0) {
			log_err("RTMD_FAULTS: \"%.*s\": a count of at least 1 expected", (int)len, w);
			exit(2);
		}
		log_warn("fault injection: %s%s: changes may not be durable; for tests only",
		         fault_names[i], armed[i] > 0 ? " (counted)" : "");
	}
}

bool fault_on(enum fault f)
{
	if (armed[f] == 0)
		return false;
	if (armed[f] > 0) {
		armed[f]--;
		log_warn("fault injection: %s (%ld more)", fault_names[f], armed[f]);
	}
	return true;
}

void fault_point(enum fault_point p)
{
	if (stops[p]) {
		struct timespec ts;

		/* The time, so that the test counts the stop from when it began,
		 * not from when it noticed it (rtmd's running time). */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		log_notice("fault injection: stopping at %s (monotonic %lld.%09ld)", point_names[p],
		           (long long)ts.tv_sec, ts.tv_nsec);
		raise(SIGSTOP);
	}
}

#endif
