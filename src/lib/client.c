/* client.c - connect to rtmd and exchange whole messages. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

/* Large enough for any message rtmd sends (its max-message-size is capped
 * at 16 MiB by the config parser); grown on demand with MSG_PEEK|MSG_TRUNC. */
#define RBUF_INITIAL (256 * 1024)

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int rt_client_wait(int fd, short events, int timeout_ms)
{
	uint64_t end = timeout_ms >= 0 ? mono_ms() + (uint64_t)timeout_ms : 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int left = -1, n;

		if (timeout_ms >= 0) {
			uint64_t now = mono_ms();
			left = now >= end ? 0 : (int)(end - now);
		}
		n = poll(&p, 1, left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

const char *rt_client_timeout_str(int timeout_ms, char *buf, size_t len)
{
	snprintf(buf, len, "%g s", timeout_ms / 1000.0);
	return buf;
}

int rt_client_connect(struct rt_client *c, const char *path, char *err, size_t errlen)
{
	return rt_client_connect_timeout(c, path, -1, err, errlen);
}

int rt_client_connect_timeout(struct rt_client *c, const char *path, int timeout_ms, char *err,
                              size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char tbuf[32];
	int saved;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_seq = 1;
	c->timeout_ms = timeout_ms;
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
	if (timeout_ms >= 0) {
		/* Bounds a connect to a listener whose backlog is full (a stopped
		 * rtmd), and blocking sends; 0 would mean "for ever" here. */
		int ms = timeout_ms ? timeout_ms : 1;
		struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

		if (setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
			saved = errno;
			snprintf(err, errlen, "cannot set a socket timeout: %s", strerror(saved));
			close(c->fd);
			c->fd = -1;
			errno = saved;
			return -1;
		}
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		struct stat st;

		saved = errno;
		/* connect() says "Connection refused" for a plain file */
		if (saved == ECONNREFUSED && stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
			saved = ENOTSOCK;
		if (saved == EAGAIN && timeout_ms >= 0) {
			saved = ETIMEDOUT;
			snprintf(err, errlen, "rtmd at %s did not accept the connection within %s",
			         path, rt_client_timeout_str(timeout_ms, tbuf, sizeof(tbuf)));
		} else {
			/* the hint helps only where systemd would have made the socket */
			snprintf(err, errlen, "cannot reach rtmd at %s: %s%s", path,
			         saved == ENOTSOCK ? "not a socket" : strerror(saved),
			         strcmp(path, RT_DEFAULT_SOCKET) == 0 ? " (is rtmd.socket started?)" : "");
		}
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
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && c->timeout_ms >= 0)
		errno = ETIMEDOUT;      /* SO_SNDTIMEO ran out */
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
	char why[RT_ERRLEN], tbuf[32];
	ssize_t n;

	if (c->timeout_ms >= 0) {
		int w = rt_client_wait(c->fd, POLLIN, c->timeout_ms);

		if (w <= 0) {
			int e = w == 0 ? ETIMEDOUT : errno;

			if (w == 0)
				snprintf(err, errlen, "rtmd at %s did not answer within %s", c->path,
				         rt_client_timeout_str(c->timeout_ms, tbuf, sizeof(tbuf)));
			else
				snprintf(err, errlen, "cannot wait for rtmd at %s: %s", c->path,
				         strerror(e));
			errno = e;
			return -1;
		}
	}
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
