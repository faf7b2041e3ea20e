/* faults.h - fault injection for the durability tests.
 *
 * The store writer asks here whether to skip a sync, fail one, or stop at a
 * named step.  In rtmd every answer is "no": faults.c is built without
 * RTMD_FAULT_INJECTION, so a production daemon never skips a sync whatever
 * its environment says.  tests/faults/rtmd-faults is the same daemon
 * linked with faults.c built with RTMD_FAULT_INJECTION, which reads
 * $RTMD_FAULTS once, at start: a comma-separated list of
 *   skip-msync          store syncs do not msync (changes stay in the page cache)
 *   skip-dirsync        no directory fsync after a store file's rename
 *   skip-recovery-sync  opening a store does not make what it read durable
 *                       before recovering and serving it
 *   fail-dirsync[:N]    the directory fsync after a rename fails with EIO
 *                       (the first N times; always without N)
 *   stop@POINT          raise SIGSTOP at POINT (fault_point() names), each time
 * The power-cut test uses the skips as negative controls, the stops to cut
 * at exact steps of a growth.  (Allocation failures on the change path are
 * another hook's, src/lib/fault.h, set by unit tests inside one process.)
 */
#ifndef RTMD_FAULTS_H
#define RTMD_FAULTS_H

#include <stdbool.h>

enum fault {
	FAULT_SKIP_MSYNC,
	FAULT_SKIP_DIRSYNC,
	FAULT_SKIP_RECOVERY_SYNC,
	FAULT_FAIL_DIRSYNC,
	FAULT_COUNT
};

/* Steps of a file rewrite (ARP growth) and of a growth in place (routes). */
enum fault_point {
	POINT_REWRITE_SYNCED,       /* new file complete and fsynced, not renamed */
	POINT_REWRITE_RENAMED,      /* renamed over the old one, directory not synced */
	POINT_REWRITE_DONE,         /* directory synced, old file not yet retired */
	POINT_GROW_EXTENDED,        /* longer file durable, capacity not yet stored */
	POINT_GROW_CLAIMED,         /* capacity stored in the header, not yet msynced */
	POINT_OPENED,               /* a store file mapped, recovery not begun */
	POINT_COUNT
};

/* Read $RTMD_FAULTS (once); exits 2 on a word it does not know.  Logs a
 * warning for every fault in effect. */
void faults_init(void);
/* Whether fault f is in effect now (fail-dirsync:N counts down). */
bool fault_on(enum fault f);
/* SIGSTOP here if $RTMD_FAULTS says stop@ this point. */
void fault_point(enum fault_point p);

#endif
