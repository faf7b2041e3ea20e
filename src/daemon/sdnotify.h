/* sdnotify.h - every call rtmd makes to systemd's notify protocol.
 * All are no-ops when not started by systemd ($NOTIFY_SOCKET unset). */
#ifndef RTMD_SDNOTIFY_H
#define RTMD_SDNOTIFY_H

#include <stdint.h>

void notify_ready(const char *status);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void notify_reloading(void);
void notify_stopping(void);
void notify_watchdog(void);
/* Watchdog interval in microseconds, 0 if not enabled for us. */
uint64_t notify_watchdog_usec(void);

#endif
