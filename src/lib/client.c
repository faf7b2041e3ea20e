/* client.c - connect to rtmd and exchange whole messages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

/* Large enough for any message rtmd sends (its max-message-size is capped
 * at 16 MiB by the config parser); grown on demand with MSG_PEEK|MSG_TRUNC. */
#define RBUF_INITIAL (256 * 1024)

int rt_client_connect(struct rt_client *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int saved;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_seq = 1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "cannot reach rtmd at %s: socket path too long (at most %zu bytes)",
		         path, sizeof(sun.sun_path) - 1);
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		struct stat st;

		saved = errno;
		/* connect() says "Connection refused" for a plain file */
		if (saved == ECONNREFUSED && stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
			saved = ENOTSOCK;
		/* the hint helps only where systemd would have made the socket */
		snprintf(err, errlen, "cannot reach rtmd at %s: %s%s", path,
		         saved == ENOTSOCK ? "not a socket" : strerror(saved),
		         strcmp(path, RT_DEFAULT_SOCKET) == 0 ? " (is rtmd.socket started?)" : "");
		close(c->fd);
		c->fd = -1;
		errno = saved;
		return -1;
	}
	c->rbuf_cap = RBUF_INITIAL;
	c->rbuf = malloc(c->rbuf_cap);
	if (!c->rbuf) {
		snprintf(err, errlen, "out of memory");
		close(c->fd);
		c->fd = -1;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void rt_client_close(struct rt_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	c->rbuf = NULL;
}

int rt_client_send(struct rt_client *c, const struct rt_msgbuf *mb)
{
	ssize_t n;

	do
		n = send(c->fd, mb->data, mb->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != mb->len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int rt_client_recv(struct rt_client *c, struct rt_hdr *hdr, const uint8_t **msg,
                   char *err, size_t errlen)
{
	char why[RT_ERRLEN];
	ssize_t n;

	for (;;) {
		do
			n = recv(c->fd, c->rbuf, c->rbuf_cap, MSG_PEEK | MSG_TRUNC);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			int e = errno;

			snprintf(err, errlen, "cannot read from rtmd at %s: %s", c->path, strerror(e));
			errno = e;      /* EAGAIN on a non-blocking socket: nothing yet */
			return -1;
		}
		if (n == 0) {
			/* A zero-length datagram is never sent by rtmd; treat as EOF. */
			do
				n = recv(c->fd, c->rbuf, c->rbuf_cap, 0);
			while (n < 0 && errno == EINTR);
			return 0;
		}
		if ((size_t)n <= c->rbuf_cap)
			break;
		uint8_t *nb = realloc(c->rbuf, (size_t)n);
		if (!nb) {
			snprintf(err, errlen, "out of memory for a %zd-byte message", n);
			errno = ENOMEM;
			return -1;
		}
		c->rbuf = nb;
		c->rbuf_cap = (size_t)n;
	}
	do
		n = recv(c->fd, c->rbuf, c->rbuf_cap, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot read from rtmd at %s: %s", c->path, strerror(e));
		errno = e;
		return -1;
	}
	if (rt_msg_decode(c->rbuf, (size_t)n, hdr, why) != 0) {
		snprintf(err, errlen, "malformed reply from rtmd at %s: %s", c->path, why);
		errno = EBADMSG;
		return -1;
	}
	*msg = c->rbuf;
	return 1;
}
