/* client.h - the client side of the rtmd socket, shared by rtctl and rtwatch.
 *
 * Connects a SOCK_SEQPACKET socket, sends whole messages, and receives whole
 * messages into a buffer, checking each with rt_msg_decode().  Blocking I/O,
 * retried on EINTR.
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
};

/* 0, or -1 with errno set and a full user-facing message in err (RT_ERRLEN
 * or more): "cannot reach rtmd at PATH: REASON (is rtmd.socket started?)" */
int rt_client_connect(struct rt_client *c, const char *path, char *err, size_t errlen);
void rt_client_close(struct rt_client *c);
/* Send a finished message; -1 with errno on failure. */
int rt_client_send(struct rt_client *c, const struct rt_msgbuf *mb);
/* Receive and decode one message.  Returns 1 with *hdr and *msg (the whole
 * message, header included, in the client buffer, valid until the next
 * call), 0 on orderly EOF, -1 on error with a message in err and errno
 * set (EBADMSG: malformed; EAGAIN: nothing yet on a non-blocking socket). */
int rt_client_recv(struct rt_client *c, struct rt_hdr *hdr, const uint8_t **msg,
                   char *err, size_t errlen);

#endif
