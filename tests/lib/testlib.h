/* testlib.h - helpers for the C integration tests: a private rtmd in a
 * temporary directory, and one-request exchanges with it. */
#ifndef RTMD_TESTLIB_H
#define RTMD_TESTLIB_H

#include <stdbool.h>
#include <sys/types.h>

#include "client.h"
#include "proto.h"

struct testenv {
	char dir[64], sock[256], state[256], log[256], rtmd[512];
	char conf[256];         /* "/dev/null" unless testenv_config() wrote one */
};

/* Make the temporary directory and find src/daemon/rtmd under $top_builddir;
 * exits 99 on failure. */
void testenv_init(struct testenv *e, const char *name);
/* Write TEXT as the daemon's config file for the next start. */
void testenv_config(struct testenv *e, const char *text);
/* Remove the directory. */
void testenv_cleanup(struct testenv *e);
/* Start rtmd on the env's socket, state and config, and wait until it
 * accepts connections.  With $RTMD_WRAPPER set (e.g. "valgrind -q ..."),
 * rtmd runs under it, split on blanks, and the wait is up to 60 s. */
pid_t testenv_start_rtmd(struct testenv *e);
/* The same without the wait: rtmd is started and left to come up (or to
 * be killed while it does). */
pid_t testenv_spawn_rtmd(struct testenv *e);
/* True when $RTMD_WRAPPER is set: the daemon is slowed down, so tests
 * should report timings rather than assert them. */
bool testenv_wrapped(void);
/* Send mb, wait for the final reply: 0 ack, an rt_err code, -1 lost. */
int test_request(struct rt_client *c, struct rt_msgbuf *mb);

/* On a new connection to sock, send a bodiless request of this type and
 * give each reply message to fn until one without RT_F_MORE.  0, or -1 if
 * the exchange failed or fn returned non-zero. */
typedef int (*test_reply_fn)(const struct rt_hdr *h, const uint8_t *msg, void *ctx);
int test_query(const char *sock, uint16_t type, test_reply_fn fn, void *ctx);

#endif
