/* log.c - leveled logging to stderr, journal-aware. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *log_ident = "rtmd";
static int log_max = LOG_INFO;
static bool log_journal;    /* stderr goes to the journal: use <N> prefixes */

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void rt_log_init(const char *ident, int max_level)
{
	log_ident = ident;
	log_max = max_level;
	/* systemd sets JOURNAL_STREAM to the device:inode of the stream it
	 * connected; only trust it if stderr is still that stream. */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void rt_log_set_level(int max_level)
{
	log_max = max_level;
}

int rt_log_level(void)
{
	return log_max;
}

int rt_log_level_parse(const char *s)
{
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	if (strcmp(s, "error") == 0)
		return LOG_ERR;
	if (strcmp(s, "warn") == 0)
		return LOG_WARNING;
	return -1;
}

void rt_vlog(int prio, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	if (prio > log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", prio, msg);
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, level_names[prio & 7], msg);
	errno = saved;
}

void rt_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vlog(prio, fmt, ap);
	va_end(ap);
}

void rt_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}
