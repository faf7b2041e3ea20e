/* log.h - one logging helper for the daemon and the tools.
 *
 * Under systemd (stderr connected to the journal, $JOURNAL_STREAM) lines get
 * sd-daemon "<N>" priority prefixes so the journal records the level;
 * otherwise they are "ident: level: text" on stderr.
 */
#ifndef RTMD_LOG_H
#define RTMD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

void rt_log_init(const char *ident, int max_level);
void rt_log_set_level(int max_level);
int rt_log_level(void);
/* Parses "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int rt_log_level_parse(const char *s);
void rt_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_vlog(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
_Noreturn void rt_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) rt_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) rt_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) rt_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) rt_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) rt_log(LOG_DEBUG, __VA_ARGS__)

#endif
