/* config.h - rtmd.conf(5): defaults, parsing and validation.
 *
 * The file is libconfig syntax.  Every setting is checked for type and
 * range; errors name the file and line.  Unknown settings are errors, so a
 * typo never silently falls back to a default.
 */
#ifndef RTMD_CONFIG_H
#define RTMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "defaults.h"
#include "proto.h"

#define RTMD_DEFAULT_CONFIG SYSCONFDIR "/rtmd/rtmd.conf"
#define RTMD_DEFAULT_STATE_DIR RT_DEFAULT_STATE_DIR

struct config_at {
	const char *file;                 /* one of rtmd_config.files */
	unsigned line;
};

struct rtmd_config {
	char socket[RT_PATHLEN];          /* "socket" */
	char state_dir[RT_PATHLEN];       /* "state-dir" */
	bool sync_always;                 /* "sync": "always" | "interval" */
	uint32_t sync_interval_ms;        /* "sync-interval-ms", 1..60000, default 10 */
	char writer_group[64];            /* "writer-group", default "rtmd" */
	uint32_t max_clients;             /* "max-clients", default 1024 */
	uint32_t max_subscriber_queue;    /* "max-subscriber-queue" (events), default 65536 */
	uint32_t max_message_size;        /* "max-message-size" bytes, default 65536 */
	uint32_t max_reply_memory;        /* "max-reply-memory" MiB of readers' listings, default 256 */
	uint32_t idle_timeout;            /* "idle-timeout" seconds, 0 = never (default) */
	int log_level;                    /* "log-level": LOG_ERR..LOG_DEBUG, default LOG_INFO */
	uint32_t route_capacity;          /* "route-capacity": initial slots, default 4096 */
	uint32_t arp_capacity;            /* "arp-capacity": initial slots, default 4096 */
	bool kernel_sync;                 /* "kernel-sync", default false */
	uint32_t kernel_table;            /* "kernel-table": number or rt_tables name, default main (254) */
	uint32_t kernel_protocol;         /* "kernel-protocol": 1..255, default 200 */
	uint32_t kernel_rcvbuf_mb;        /* "kernel-receive-buffer" MiB, default 64 */
	char fpm_listen[80];              /* "fpm-listen" ADDR:PORT, "" = off (default) */
	char fpm_peer_user[64];           /* "fpm-peer-user", default "frr" */
	uint32_t fpm_grace_seconds;       /* "fpm-grace-seconds", default 120 */
	/* Static "routes" (each allocated for its next hops: rt_route_dup())
	 * and "neighbours" / "arp", origin config, with where each was defined
	 * (file names in files, for "file:line" messages at reload). */
	struct rt_route **routes;
	struct config_at *route_at;
	size_t n_routes;
	struct rt_neigh *neighs;
	struct config_at *neigh_at;
	size_t n_neighs;
	char **files;
	size_t n_files;
	/* Which scalar settings the file gave (so command-line options can win). */
	bool has_socket, has_state_dir;
};

void config_defaults(struct rtmd_config *c);
/* Parse PATH into c (defaults first).  A missing file is not an error when
 * missing_ok.  Returns 0, or -1 with "FILE:LINE: reason" (or "FILE: reason")
 * in err.  On error c holds defaults only and owns nothing. */
int config_load(const char *path, bool missing_ok, struct rtmd_config *c, char *err, size_t errlen);
void config_free(struct rtmd_config *c);
/* fpm-listen's form: "ADDR:PORT" with an IPv4 literal, or an IPv6 literal
 * in brackets ("[::1]:2620"; without brackets the last colon ends the
 * address).  0 with the socket address, or -1 with the reason in err. */
int config_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                        char *err, size_t errlen);

#endif
