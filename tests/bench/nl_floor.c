/* nl_floor.c - the raw batched-netlink floor of the kernel sync benchmarks.
 *
 * Usage: nl_floor [-b PER_SEND] [-p PROTO] [-t TABLE] [-d] [-l] FILE
 *
 * Reads FILE, lines "route add PREFIX dev IF" (the ip -batch file the
 * harness gives ip), encodes every route before the clock starts, then
 * installs them into the current network namespace PER_SEND (default 64)
 * messages a sendmsg, each with NLM_F_ACK, reading the acknowledgements
 * between sends (up to 64 a recvmmsg: the kernel queues each as a datagram
 * of its own, and a recv each cost the floor a third of its time), and
 * prints "SECONDS ROUTES ERRORS CPU_SECONDS" (the CPU time, user and
 * system, of the timed part).  -d deletes them
 * instead.  -l also holds the listener a kernel-syncing daemon has: a
 * second socket in the link, address, route and neighbour groups with a
 * 64 MiB buffer and a filter that drops the floor's own changes (rtmd's
 * event socket, nl_drop_port), so that the kernel's work of notifying it
 * on every change (its fan-out, the filter) is the floor's too.  Nothing
 * else is done per route, so this is the least any
 * program pays to put these routes into the kernel over rtnetlink: the
 * figure rtmd's own kernel sync is measured against.  Deliberately
 * independent of rtmd's netlink module (and of libmnl), so that the floor
 * cannot inherit rtmd's mistakes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define RX_SLOTS 64
#define RX_SIZE 4096
#define MSG_SPACE 64     /* nlmsghdr 16 + rtmsg 12 + RTA_DST 8 + RTA_OIF 8 + RTA_TABLE 8 */

struct req {
	struct nlmsghdr h;
	struct rtmsg r;
	char attrs[MSG_SPACE - sizeof(struct nlmsghdr) - sizeof(struct rtmsg)];
};

static void put_attr(struct req *q, unsigned short type, const void *data, unsigned short len)
{
	struct rtattr *a = (struct rtattr *)((char *)q + NLMSG_ALIGN(q->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	q->h.nlmsg_len = NLMSG_ALIGN(q->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static double cpu_s(const struct rusage *r)
{
	return r->ru_utime.tv_sec + r->ru_utime.tv_usec / 1e6 + r->ru_stime.tv_sec +
	       r->ru_stime.tv_usec / 1e6;
}

/* The listener of -l, bound beside the request socket fd: its messages
 * (nlmsg_pid is fd's port id) are dropped before they are queued. */
static int listen_beside(int fd)
{
	static const unsigned groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEIGH,
	};
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t alen = sizeof(a);
	int l = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), rcv = 64 << 20;

	if (l < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		return -1;
	{
		/* Classic BPF loads are big-endian. */
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(a.nl_pid), 0, 1),
			BPF_STMT(BPF_RET | BPF_K, 0),
			BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		};
		struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

		if (setsockopt(l, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(l, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i], sizeof(groups[i])) < 0)
			return -1;
	return l;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned per_send = 64, proto = 200, table = RT_TABLE_MAIN, errors = 0;
	bool del = false, listener = false;
	size_t n = 0, cap = 1 << 16, acked = 0, sent = 0;
	struct req *q = NULL;
	char line[256], *buf, last_dev[IF_NAMESIZE + 1] = "";
	unsigned last_ifi = 0;
	struct rusage ru0, ru1;
	FILE *f;
	int c, fd, lfd = -1, one = 1, rcv = 8 << 20;
	double t0, t1;

	while ((c = getopt(argc, argv, "b:p:t:dl")) != -1) {
		switch (c) {
		case 'b': per_send = (unsigned)atoi(optarg); break;
		case 'p': proto = (unsigned)atoi(optarg); break;
		case 't': table = (unsigned)atoi(optarg); break;
		case 'd': del = true; break;
		case 'l': listener = true; break;
		default: fprintf(stderr, "usage: nl_floor [-b N] [-p PROTO] [-t TABLE] [-d] [-l] FILE\n"); return 2;
		}
	}
	if (optind + 1 != argc || per_send == 0 || per_send > 4096) {
		fprintf(stderr, "usage: nl_floor [-b N] [-p PROTO] [-t TABLE] [-d] [-l] FILE\n");
		return 2;
	}
	if (!(f = fopen(argv[optind], "r"))) {
		fprintf(stderr, "nl_floor: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	q = malloc(cap * sizeof(*q));
	while (q && fgets(line, sizeof(line), f)) {
		char pfx[64], dev[IF_NAMESIZE + 1], *slash;
		unsigned char a[16];
		unsigned len, ifi, fam;

		if (sscanf(line, "route add %63s dev %16s", pfx, dev) != 2)
			continue;
		if (!(slash = strchr(pfx, '/')))
			continue;
		*slash = 0;
		len = (unsigned)atoi(slash + 1);
		fam = strchr(pfx, ':') ? AF_INET6 : AF_INET;
		/* One look-up per device, not per line. */
		if (strcmp(dev, last_dev)) {
			snprintf(last_dev, sizeof(last_dev), "%s", dev);
			last_ifi = if_nametoindex(dev);
		}
		ifi = last_ifi;
		if (inet_pton((int)fam, pfx, a) != 1 || !ifi) {
			fprintf(stderr, "nl_floor: bad line or no device: %s", line);
			return 1;
		}
		if (n == cap && !(q = realloc(q, (cap *= 2) * sizeof(*q))))
			break;
		memset(&q[n], 0, sizeof(q[n]));
		q[n].h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
		q[n].h.nlmsg_type = del ? RTM_DELROUTE : RTM_NEWROUTE;
		q[n].h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (del ? 0 : NLM_F_CREATE | NLM_F_EXCL);
		q[n].h.nlmsg_seq = (uint32_t)n + 1;
		q[n].r.rtm_family = (unsigned char)fam;
		q[n].r.rtm_dst_len = (unsigned char)len;
		q[n].r.rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
		q[n].r.rtm_protocol = (unsigned char)proto;
		q[n].r.rtm_scope = RT_SCOPE_LINK;
		q[n].r.rtm_type = RTN_UNICAST;
		put_attr(&q[n], RTA_DST, a, fam == AF_INET ? 4 : 16);
		put_attr(&q[n], RTA_OIF, &ifi, 4);
		if (table >= 256)
			put_attr(&q[n], RTA_TABLE, &table, 4);
		n++;
	}
	fclose(f);
	if (!q) {
		fprintf(stderr, "nl_floor: out of memory\n");
		return 1;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0) {
		fprintf(stderr, "nl_floor: netlink socket: %s\n", strerror(errno));
		return 1;
	}
	if (listener && (lfd = listen_beside(fd)) < 0) {
		fprintf(stderr, "nl_floor: the listener socket: %s\n", strerror(errno));
		return 1;
	}
	buf = malloc((size_t)RX_SLOTS * RX_SIZE);
	if (!buf) {
		fprintf(stderr, "nl_floor: out of memory\n");
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now();
	while (acked < n) {
		/* Keep at most a few sends' acknowledgements unread, so none is
		 * ever dropped for want of receive buffer. */
		if (sent < n && sent - acked < 4 * per_send) {
			struct iovec iov[4096];
			struct msghdr mh = { .msg_iov = iov };
			size_t k = 0;

			for (; k < per_send && sent + k < n; k++) {
				iov[k].iov_base = &q[sent + k];
				iov[k].iov_len = q[sent + k].h.nlmsg_len;
			}
			mh.msg_iovlen = k;
			if (sendmsg(fd, &mh, 0) < 0) {
				fprintf(stderr, "nl_floor: sendmsg: %s\n", strerror(errno));
				return 1;
			}
			sent += k;
			continue;
		}
		struct mmsghdr mm[RX_SLOTS];
		struct iovec rv[RX_SLOTS];
		int got;

		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < RX_SLOTS; i++) {
			rv[i].iov_base = buf + (size_t)i * RX_SIZE;
			rv[i].iov_len = RX_SIZE;
			mm[i].msg_hdr.msg_iov = &rv[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		/* Blocks for the first datagram, then takes what is queued. */
		got = recvmmsg(fd, mm, RX_SLOTS, MSG_WAITFORONE, NULL);
		if (got < 0) {
			fprintf(stderr, "nl_floor: recvmmsg: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < got; i++) {
			size_t r = mm[i].msg_len;

			for (struct nlmsghdr *h = (struct nlmsghdr *)rv[i].iov_base; NLMSG_OK(h, r);
			     h = NLMSG_NEXT(h, r)) {
				if (h->nlmsg_type != NLMSG_ERROR)
					continue;
				acked++;
				if (((struct nlmsgerr *)NLMSG_DATA(h))->error)
					errors++;
			}
		}
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &ru1);
	printf("%.6f %zu %u %.6f\n", t1 - t0, n, errors, cpu_s(&ru1) - cpu_s(&ru0));
	free(buf);
	free(q);
	close(fd);
	if (lfd >= 0)
		close(lfd);
	return 0;
}
