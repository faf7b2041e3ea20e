/* client.h - the client side of the rtmd socket, shared by rtctl and rtwatch.
 *
 * Connects a SOCK_SEQPACKET socket, sends whole messages, and receives whole
 * messages into a buffer, checking each with rt_msg_decode().  Blocking I/O,
 * retried on EINTR, and with a timeout each wait (to connect, for room to
 * send, for a message) is bounded: a stopped rtmd never hangs a client.
 */
#ifndef RTMD_CLIENT_H
#define RTMD_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#include "defaults.h"

struct rt_client {
	int fd;
	char path[108];
	uint8_t *rbuf;          /* receive buffer, rbuf_cap bytes */
	size_t rbuf_cap;
	uint32_t next_seq;
	int timeout_ms;         /* bound on each wait; -1: none */
};

/* 0, or -1 with errno set and a full user-facing message in err (RT_ERRLEN
 * or more): "cannot reach rtmd at PATH: REASON (is rtmd.socket started?)".
 * Waits without a bound (subscribers wait for events for ever). */
int rt_client_connect(struct rt_client *c, const char *path, char *err, size_t errlen);
/* The same with every wait bounded by timeout_ms (-1: none), the connect
 * included: a request whose reply does not come in time fails with
 * ETIMEDOUT ("rtmd at PATH did not answer within N s").  A change sent
 * before the timeout may still be applied. */
int rt_client_connect_timeout(struct rt_client *c, const char *path, int timeout_ms, char *err,
                              size_t errlen);
void rt_client_close(struct rt_client *c);
/* Send a finished message; -1 with errno on failure (ETIMEDOUT: no room
 * within the timeout). */
int rt_client_send(struct rt_client *c, const struct rt_msgbuf *mb);
/* Receive and decode one message.  Returns 1 with *hdr and *msg (the whole
 * message, header included, in the client buffer, valid until the next
 * call), 0 on orderly EOF, -1 on error with a message in err and errno
 * set (EBADMSG: malformed; EAGAIN: nothing yet on a non-blocking socket;
 * ETIMEDOUT: nothing within the timeout). */
int rt_client_recv(struct rt_client *c, struct rt_hdr *hdr, const uint8_t **msg,
                   char *err, size_t errlen);

/* Wait until fd is ready for events (POLLIN/POLLOUT) for at most
 * timeout_ms (-1: for ever), across EINTR.  1 ready, 0 timed out, -1
 * error with errno. */
int rt_client_wait(int fd, short events, int timeout_ms);
/* "within N s" for messages. */
const char *rt_client_timeout_str(int timeout_ms, char *buf, size_t len);

#endif
