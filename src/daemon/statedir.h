/* statedir.h - rtmd's state directory: created durably, and held by one
 * rtmd at a time.
 *
 * Two daemons on one directory would both write the same slots and both
 * acknowledge; statedir_open() takes a lock (a POSIX record lock on
 * DIR/rtmd.lock, held for the daemon's life and released by the kernel when
 * it exits, however it exits) before anything else in the directory is
 * touched, and a second rtmd is refused with the holder's pid.
 */
#ifndef RTMD_STATEDIR_H
#define RTMD_STATEDIR_H

#include <stddef.h>

#define STATEDIR_LOCK "rtmd.lock"

/* Create dir if missing (mode 0755, its parent fsynced so that the new
 * name survives a power cut), then lock it.  Returns the lock's file
 * descriptor (keep it open while the stores are in use), or -1 with a
 * message in err naming the directory, and for a directory in use the pid
 * that holds it. */
int statedir_open(const char *dir, char *err, size_t errlen);
void statedir_close(int fd);

#endif
