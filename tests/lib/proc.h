/* proc.h - what the tests and benchmarks read of a process from /proc. */
#ifndef RTMD_TEST_PROC_H
#define RTMD_TEST_PROC_H

#include <sys/types.h>

/* A field of /proc/PID/status in kB ("VmRSS", "RssAnon"), -1 if the
 * process or the field is missing. */
long proc_kb(pid_t pid, const char *field);
/* Open descriptors of PID (entries of /proc/PID/fd), -1 if unreadable. */
int proc_fd_count(pid_t pid);

#endif
