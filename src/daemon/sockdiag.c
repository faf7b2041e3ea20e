/* sockdiag.c - the owner of a local TCP peer, by inet_diag (sockdiag.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sockdiag.h"

/* An address as inet_diag wants it, IPv4-mapped IPv6 turned back into the
 * IPv4 the peer's own socket has (a listener on "::" sees 127.0.0.1 as
 * ::ffff:127.0.0.1, the peer's socket is AF_INET). */
static int diag_addr(const struct sockaddr_storage *ss, int *family, uint32_t out[4], uint16_t *port)
{
	memset(out, 0, 4 * sizeof(uint32_t));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		*family = AF_INET;
		memcpy(out, &sin->sin_addr, 4);
		*port = sin->sin_port;
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		*port = sin6->sin6_port;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			*family = AF_INET;
			memcpy(out, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			*family = AF_INET6;
			memcpy(out, &sin6->sin6_addr, 16);
		}
		return 0;
	}
	return -1;
}

static int ask(int nl, const struct inet_diag_req_v2 *req, uid_t *uid, char *err, size_t errlen)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} msg = {
		.h = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.r = *req,
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr h;
		uint8_t b[8192];
	} buf;
	ssize_t n;

	if (sendto(nl, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		snprintf(err, errlen, "sock_diag request: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		n = recv(nl, &buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n < 0) {
		snprintf(err, errlen, "sock_diag reply: %s", strerror(errno));
		return -1;
	}
	for (struct nlmsghdr *h = &buf.h; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_seq != 1)
			continue;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			int code = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) ? -e->error : EPROTO;

			errno = code ? code : EPROTO;
			if (errno == ENOENT)
				snprintf(err, errlen, "no local socket is the other end (a remote peer, or one in another network namespace)");
			else
				snprintf(err, errlen, "sock_diag: %s", strerror(errno));
			return -1;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
		    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			/* The lookup is by the exact 4-tuple: check it is that one. */
			if (m->id.idiag_sport != req->id.idiag_sport || m->id.idiag_dport != req->id.idiag_dport)
				continue;
			*uid = m->idiag_uid;
			return 0;
		}
	}
	errno = ENOENT;
	snprintf(err, errlen, "sock_diag answered without the socket");
	return -1;
}

int sockdiag_peer_uid(int fd, uid_t *uid, char *err, size_t errlen)
{
	struct sockaddr_storage local, peer;
	socklen_t ll = sizeof(local), pl = sizeof(peer);
	struct inet_diag_req_v2 req = {
		.sdiag_protocol = IPPROTO_TCP,
		.idiag_states = ~0u,
		.id.idiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
	};
	struct timeval tv = { .tv_sec = 2 };
	int lf, pf, nl, rc;

	if (getsockname(fd, (struct sockaddr *)&local, &ll) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0) {
		snprintf(err, errlen, "socket addresses: %s", strerror(errno));
		return -1;
	}
	/* The peer's socket: its source is our peer address, its destination
	 * our local address. */
	if (diag_addr(&peer, &pf, req.id.idiag_src, &req.id.idiag_sport) < 0 ||
	    diag_addr(&local, &lf, req.id.idiag_dst, &req.id.idiag_dport) < 0 || pf != lf) {
		errno = EAFNOSUPPORT;
		snprintf(err, errlen, "not a TCP/IP connection");
		return -1;
	}
	req.sdiag_family = (uint8_t)pf;
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0) {
		snprintf(err, errlen, "NETLINK_SOCK_DIAG socket: %s", strerror(errno));
		return -1;
	}
	/* The kernel answers at once; the bound only guards against a kernel
	 * without inet_diag leaving the event loop waiting. */
	if (setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		snprintf(err, errlen, "SO_RCVTIMEO: %s", strerror(errno));
		close(nl);
		return -1;
	}
	rc = ask(nl, &req, uid, err, errlen);
	int saved = errno;
	close(nl);
	errno = saved;
	return rc;
}
