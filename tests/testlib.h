/* testlib.h - helpers for the C integration tests: a private rtmd in a
 * temporary directory, and one-request exchanges with it. */
#ifndef RTMD_TESTLIB_H
#define RTMD_TESTLIB_H

#include <sys/types.h>

#include "client.h"
#include "proto.h"

struct testenv {
	char dir[64], sock[256], state[256], log[256], rtmd[512];
};

/* Make the temporary directory and find src/rtmd under $top_builddir;
 * exits 99 on failure. */
void testenv_init(struct testenv *e, const char *name);
/* Remove the directory. */
void testenv_cleanup(struct testenv *e);
/* Start rtmd on the env's socket and state (extra args may be NULL-ended
 * list after the env) and wait until it accepts connections. */
pid_t testenv_start_rtmd(struct testenv *e);
/* Send mb, wait for the final reply: 0 ack, an rt_err code, -1 lost. */
int test_request(struct rt_client *c, struct rt_msgbuf *mb);

#endif
