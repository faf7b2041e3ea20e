/* defaults.h - the paths rtmd and its clients agree on when nobody names
 * one.  They follow configure's runstatedir, so a build for /usr/local
 * talks to /usr/local/var/run/rtmd/rtmd.sock and the packages (configured
 * with --runstatedir=/run) to /run/rtmd/rtmd.sock; the state directory
 * (where readers find the neighbour mapping) follows localstatedir. */
#ifndef RTMD_DEFAULTS_H
#define RTMD_DEFAULTS_H

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

#define RT_DEFAULT_SOCKET RUNSTATEDIR "/rtmd/rtmd.sock"
#define RT_DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/rtmd"
/* The neighbour mapping, in the state directory. */
#define RT_ARP_STORE_FILE "arp.store"
/* How long a client waits for each reply (rtctl --timeout). */
#define RT_DEFAULT_TIMEOUT_MS 30000

#endif
