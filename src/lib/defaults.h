/* defaults.h - the paths rtmd and its clients agree on when nobody names
 * one.  They follow configure's runstatedir, so a build for /usr/local
 * talks to /usr/local/var/run/rtmd/rtmd.sock and the packages (configured
 * with --runstatedir=/run) to /run/rtmd/rtmd.sock. */
#ifndef RTMD_DEFAULTS_H
#define RTMD_DEFAULTS_H

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define RT_DEFAULT_SOCKET RUNSTATEDIR "/rtmd/rtmd.sock"
/* How long a client waits for each reply (rtctl --timeout). */
#define RT_DEFAULT_TIMEOUT_MS 30000

#endif
