/* netlink.c - rtnetlink sockets: batched requests, acknowledgements,
 * dumps, events, attribute validation.
 *
 * Requests live in a ring in sequence-number order, the queued ones also
 * as bytes in one send buffer.  The kernel handles rtnetlink requests in
 * the sender's sendmsg, in order, so an acknowledgement for sequence S
 * means every earlier request without a dump has been answered: one whose
 * acknowledgement never came was lost (receive buffer overrun) and is
 * completed with -ENOBUFS, as is every one still unanswered when the
 * socket is empty after an ENOBUFS.  The window keeps that from happening:
 * at most `window` requests are unacknowledged, and their acknowledgements
 * fit the receive buffer (each costs ~830 B of it, measured with
 * NETLINK_CAP_ACK leaving out the request; ACK_COST leaves room for the
 * extended-ack text).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

/* Datagrams taken per recvmmsg, and the room for each: a dump's skb is at
 * most 32 KB (the kernel sizes it after the largest recvmsg buffer seen,
 * capped there), an event or an acknowledgement is one small message. */
#define RX_SLOTS 64
#define RX_SLOT_SIZE 32768
/* Bytes of one sendmsg at most: under the default wmem_max, so the send
 * buffer never needs SO_SNDBUFFORCE. */
#define TX_MAX_BYTES (128u << 10)
#define ACK_COST 2048

struct nl_req {
	uint32_t seq;
	uint32_t len;           /* bytes in the send buffer while queued */
	uint64_t cookie;
	uint8_t dump;           /* a dump: answered by its NLMSG_DONE */
	uint8_t answered;
	uint8_t intr;           /* a part of the dump carried NLM_F_DUMP_INTR */
};

struct nl_sock {
	struct mnl_socket *mnl;
	int fd;
	uint32_t portid;
	uint32_t seq;           /* the last one given */
	unsigned window;
	/* Ring of requests, [head, tail) in sequence order: [head, sent) in
	 * flight (some answered), [sent, tail) queued.  cap a power of 2. */
	struct nl_req *ring;
	size_t cap, head, sent, tail;
	size_t unacked;         /* in flight, not answered, not dumps */
	size_t ack_scan;        /* every request before it but dumps is answered */
	bool dump_in_flight;
	/* Bytes of the queued requests: [out_off, out_len). */
	uint8_t *out;
	size_t out_off, out_len, out_cap;
	bool building;          /* between nl_msg_begin and nl_msg_end/cancel */
	bool lost;              /* ENOBUFS seen: what the drained socket did not answer is lost */
	/* Receive slots. */
	uint8_t *rx;
	struct mmsghdr rxm[RX_SLOTS];
	struct iovec rxv[RX_SLOTS];
	struct sockaddr_nl rxa[RX_SLOTS];
	struct nl_stats st;
};

static struct nl_req *req_at(const struct nl_sock *s, size_t i)
{
	return &s->ring[i & (s->cap - 1)];
}

int nl_open(struct nl_sock **out, const unsigned *groups, size_t n, size_t rcvbuf,
            unsigned window, char *err, size_t errlen)
{
	struct nl_sock *s = calloc(1, sizeof(*s));
	int one = 1, buf = rcvbuf > (size_t)(INT32_MAX / 2) ? INT32_MAX / 2 : (int)rcvbuf, eff = 0;
	socklen_t efflen = sizeof(eff);

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->window = window ? window : 1;
	s->cap = 1024;
	s->ring = malloc(s->cap * sizeof(*s->ring));
	s->rx = malloc((size_t)RX_SLOTS * RX_SLOT_SIZE);
	s->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!s->ring || !s->rx || !s->mnl) {
		snprintf(err, errlen, "cannot open a netlink socket: %s",
		         s->ring && s->rx ? strerror(errno) : "out of memory");
		goto fail;
	}
	s->fd = mnl_socket_get_fd(s->mnl);
	if (mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "cannot bind a netlink socket: %s", strerror(errno));
		goto fail;
	}
	s->portid = mnl_socket_get_portid(s->mnl);
	/* Acknowledgements without a copy of the request, with the kernel's
	 * reason in words; neither is vital, so old kernels may refuse. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* SO_RCVBUF is capped by net.core.rmem_max (often 208 KB: a few
	 * hundred notifications); SO_RCVBUFFORCE is not, and CAP_NET_ADMIN,
	 * which kernel sync needs anyway, allows it. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0 &&
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0) {
		snprintf(err, errlen, "cannot size the netlink receive buffer to %d bytes: %s", buf,
		         strerror(errno));
		goto fail;
	}
	/* The kernel doubles what it was asked for (bookkeeping overhead). */
	if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &eff, &efflen) == 0 && eff > 0 &&
	    s->window > (unsigned)eff / ACK_COST)
		s->window = (unsigned)eff / ACK_COST ? (unsigned)eff / ACK_COST : 1;
	for (size_t i = 0; i < n; i++) {
		if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
		               sizeof(groups[i])) < 0) {
			snprintf(err, errlen, "cannot join netlink group %u: %s", groups[i],
			         strerror(errno));
			goto fail;
		}
	}
	/* Sequence numbers start from a value no earlier socket of this
	 * process used, so a stray late reply cannot match. */
	s->seq = (uint32_t)((uintptr_t)s >> 4) ^ s->portid;
	for (size_t i = 0; i < RX_SLOTS; i++) {
		s->rxv[i].iov_base = s->rx + i * RX_SLOT_SIZE;
		s->rxv[i].iov_len = RX_SLOT_SIZE;
	}
	*out = s;
	return 0;
fail:
	nl_close(s);
	return -1;
}

int nl_drop_port(struct nl_sock *s, uint32_t portid, char *err, size_t errlen)
{
	/* Classic BPF loads are big-endian: nlmsg_pid (host order, offset
	 * 12) reads as ntohl(portid). */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(portid), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
		snprintf(err, errlen, "cannot filter the netlink socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s->ring);
	free(s->out);
	free(s->rx);
	free(s);
}

int nl_fd(const struct nl_sock *s)
{
	return s->fd;
}

uint32_t nl_portid(const struct nl_sock *s)
{
	return s->portid;
}

const struct nl_stats *nl_stats(const struct nl_sock *s)
{
	return &s->st;
}

size_t nl_busy(const struct nl_sock *s)
{
	return s->tail - s->head;
}

size_t nl_queued(const struct nl_sock *s)
{
	return s->tail - s->sent;
}

/* ---- building ----------------------------------------------------------------- */

static int ring_grow(struct nl_sock *s)
{
	size_t ncap = s->cap * 2;
	struct nl_req *n = malloc(ncap * sizeof(*n));

	if (!n)
		return -1;
	for (size_t i = s->head; i != s->tail; i++)
		n[i & (ncap - 1)] = *req_at(s, i);
	free(s->ring);
	s->ring = n;
	s->cap = ncap;
	return 0;
}

struct nlmsghdr *nl_msg_begin(struct nl_sock *s, uint16_t type, uint16_t flags, uint64_t cookie,
                              size_t room)
{
	size_t need = MNL_NLMSG_HDRLEN + MNL_ALIGN(room);
	struct nlmsghdr *h;
	struct nl_req *r;

	if (room > NL_MSG_MAX || s->building) {
		errno = EINVAL;
		return NULL;
	}
	if (s->tail - s->head == s->cap && ring_grow(s) < 0)
		return NULL;
	if (s->out_len + need > s->out_cap) {
		/* Slide the unsent bytes down before growing. */
		if (s->out_off) {
			memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
			s->out_len -= s->out_off;
			s->out_off = 0;
		}
		if (s->out_len + need > s->out_cap) {
			size_t ncap = s->out_cap ? s->out_cap : 65536;
			uint8_t *n;

			while (ncap < s->out_len + need)
				ncap *= 2;
			if (!(n = realloc(s->out, ncap)))
				return NULL;
			s->out = n;
			s->out_cap = ncap;
		}
	}
	/* Zeroed whole: libmnl 1.0.4 leaves an attribute's padding as it
	 * was, and the kernel would be sent whatever the buffer held. */
	memset(s->out + s->out_len, 0, need);
	h = mnl_nlmsg_put_header(s->out + s->out_len);
	h->nlmsg_type = type;
	/* A dump is answered by its NLMSG_DONE; an ack flag on it is
	 * ignored by older kernels and answered twice by newer ones. */
	h->nlmsg_flags = flags | NLM_F_REQUEST | ((flags & NLM_F_DUMP) == NLM_F_DUMP ? 0 : NLM_F_ACK);
	h->nlmsg_seq = ++s->seq;
	h->nlmsg_pid = 0;
	r = req_at(s, s->tail);
	memset(r, 0, sizeof(*r));
	r->seq = h->nlmsg_seq;
	r->cookie = cookie;
	r->dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	s->building = true;
	return h;
}

size_t nl_msg_limit(size_t room)
{
	return MNL_NLMSG_HDRLEN + MNL_ALIGN(room);
}

void nl_msg_end(struct nl_sock *s, struct nlmsghdr *h)
{
	struct nl_req *r = req_at(s, s->tail);

	r->len = MNL_ALIGN(h->nlmsg_len);
	s->out_len += r->len;
	s->tail++;
	s->building = false;
}

void nl_msg_cancel(struct nl_sock *s)
{
	if (!s->building)
		return;
	s->seq--;
	s->building = false;
}

/* ---- answers ------------------------------------------------------------------- */

/* The ring index of the unanswered in-flight request of sequence seq
 * (sequence numbers are consecutive in the ring), or SIZE_MAX. */
static size_t in_flight(const struct nl_sock *s, uint32_t seq)
{
	size_t i;

	if (s->head == s->sent)
		return SIZE_MAX;
	i = s->head + (uint32_t)(seq - req_at(s, s->head)->seq);
	if (i >= s->sent || req_at(s, i)->seq != seq || req_at(s, i)->answered)
		return SIZE_MAX;
	return i;
}

static void retire(struct nl_sock *s)
{
	while (s->head != s->sent && req_at(s, s->head)->answered)
		s->head++;
	if (s->ack_scan < s->head)
		s->ack_scan = s->head;
}

static void complete(struct nl_sock *s, struct nl_req *r, int error, const char *text,
                     const struct nl_handler *hd)
{
	uint64_t cookie = r->cookie;

	r->answered = 1;
	if (r->dump) {
		s->dump_in_flight = false;
	} else {
		s->unacked--;
		s->st.acked++;
		if (error)
			s->st.failed++;
	}
	if (hd && hd->done)
		hd->done(hd->ctx, cookie, error, text);
}

/* Requests before index ri (not dumps) were handled before it; any still
 * unanswered lost its acknowledgement. */
static void lost_before(struct nl_sock *s, size_t ri, const struct nl_handler *hd)
{
	size_t i = s->ack_scan > s->head ? s->ack_scan : s->head;

	for (; i < ri; i++) {
		struct nl_req *q = req_at(s, i);

		if (!q->answered && !q->dump)
			complete(s, q, -ENOBUFS, "acknowledgement lost", hd);
	}
	if (s->ack_scan < ri + 1)
		s->ack_scan = ri + 1;
}

/* After an ENOBUFS, with the socket drained: the kernel answered every
 * request it was sent within the sendmsg, so one not answered by now has
 * lost its acknowledgement. */
static void lost_all(struct nl_sock *s, const struct nl_handler *hd)
{
	s->lost = false;
	if (s->head != s->sent)
		lost_before(s, s->sent - 1, hd);
	for (size_t i = s->head; i != s->sent; i++) {
		struct nl_req *q = req_at(s, i);

		if (!q->answered && !q->dump)
			complete(s, q, -ENOBUFS, "acknowledgement lost", hd);
	}
	retire(s);
}

/* The kernel's errno and text from an NLMSG_ERROR or NLMSG_DONE payload:
 * an int, then (NLM_F_ACK_TLVS) attributes, after the request's copy for
 * an error that is not NLM_F_CAPPED. */
static void answer_of(const struct nlmsghdr *h, int *error, char *text, size_t cap)
{
	size_t plen = mnl_nlmsg_get_payload_len(h), off = sizeof(int);
	const uint8_t *p = mnl_nlmsg_get_payload(h);
	int e = 0;

	text[0] = 0;
	*error = 0;
	if (plen < sizeof(int)) {
		if (h->nlmsg_type == NLMSG_ERROR)
			*error = -EPROTO;
		return;
	}
	memcpy(&e, p, sizeof(e));
	/* A kernel errno is -1..-4095; anything else is not one. */
	*error = e > 0 || e < -4095 ? -EPROTO : e;
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsghdr orig;

		if (plen < sizeof(struct nlmsgerr)) {
			*error = -EPROTO;
			return;
		}
		memcpy(&orig, p + sizeof(int), sizeof(orig));
		off = sizeof(struct nlmsgerr);
		if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
			if (orig.nlmsg_len < MNL_NLMSG_HDRLEN)
				return;
			off += orig.nlmsg_len - MNL_NLMSG_HDRLEN;
		}
	}
	off = MNL_ALIGN(off);
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || off >= plen)
		return;
	{
		static const struct nl_policy pol[NLMSGERR_ATTR_MSG + 1] = {
			[NLMSGERR_ATTR_MSG] = { NL_A_STRING, 0, 0 },
		};
		const struct nlattr *tb[NLMSGERR_ATTR_MSG + 1];
		char why[64];

		if (nl_attr_parse_buf(p + off, plen - off, pol, NLMSGERR_ATTR_MSG, tb, why,
		                      sizeof(why)) == 0 && tb[NLMSGERR_ATTR_MSG])
			snprintf(text, cap, "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	}
}

/* One message of a datagram from the kernel. */
static void dispatch(struct nl_sock *s, const struct nlmsghdr *h, bool multicast,
                     const struct nl_handler *hd)
{
	char text[256];
	struct nl_req *r;
	size_t ri;
	int error;

	if (h->nlmsg_type == NLMSG_NOOP || h->nlmsg_type == NLMSG_OVERRUN)
		return;
	if (multicast) {
		s->st.events++;
		if (h->nlmsg_type >= NLMSG_MIN_TYPE && hd && hd->msg)
			hd->msg(hd->ctx, NL_EVENT, h);
		return;
	}
	if (h->nlmsg_pid != s->portid || (ri = in_flight(s, h->nlmsg_seq)) == SIZE_MAX) {
		s->st.strays++;
		return;
	}
	r = req_at(s, ri);
	if (h->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = 1;
	switch (h->nlmsg_type) {
	case NLMSG_ERROR:
		answer_of(h, &error, text, sizeof(text));
		if (!r->dump)
			lost_before(s, ri, hd);
		/* A dump answered by an error without an error: refused
		 * nothing, delivered nothing; say so rather than "complete". */
		if (r->dump && error == 0)
			error = -EPROTO;
		complete(s, r, error, text, hd);
		break;
	case NLMSG_DONE:
		if (!r->dump) {
			s->st.strays++;
			return;
		}
		answer_of(h, &error, text, sizeof(text));
		if (error == 0 && r->intr)
			error = -EINTR;
		complete(s, r, error, text, hd);
		break;
	default:
		/* A dump's part, or the answer of a GET that is not one. */
		if (hd && hd->msg)
			hd->msg(hd->ctx, r->cookie, h);
	}
}

const struct nlmsghdr *nl_msg_next(const void *buf, size_t len, size_t *off)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const uint8_t *)buf + *off);
	uint32_t mlen;

	/* Not mnl_nlmsg_ok(): it reads nlmsg_len as an int, so a length of
	 * 2^31 or more passes, and the next message lies gigabytes away. */
	if (*off > len || len - *off < sizeof(*h))
		return NULL;
	memcpy(&mlen, &h->nlmsg_len, sizeof(mlen));
	if (mlen < sizeof(*h) || mlen > len - *off)
		return NULL;
	*off += MNL_ALIGN(mlen) < len - *off ? MNL_ALIGN(mlen) : len - *off;
	return h;
}

/* One datagram: whole messages only; what does not frame is dropped. */
static void datagram(struct nl_sock *s, const uint8_t *buf, size_t len, bool multicast,
                     const struct nl_handler *hd)
{
	const struct nlmsghdr *h;
	size_t off = 0;

	while ((h = nl_msg_next(buf, len, &off)))
		dispatch(s, h, multicast, hd);
	if (off < len)
		s->st.malformed++;
}

void nl_feed(struct nl_sock *s, const void *buf, size_t len, bool multicast,
             const struct nl_handler *hd)
{
	datagram(s, buf, len, multicast, hd);
	retire(s);
}

int nl_read(struct nl_sock *s, size_t max_msgs, const struct nl_handler *hd)
{
	int rc = 0;

	for (size_t got = 0; got < max_msgs;) {
		int n;

		for (size_t i = 0; i < RX_SLOTS; i++) {
			memset(&s->rxm[i].msg_hdr, 0, sizeof(s->rxm[i].msg_hdr));
			s->rxm[i].msg_hdr.msg_iov = &s->rxv[i];
			s->rxm[i].msg_hdr.msg_iovlen = 1;
			s->rxm[i].msg_hdr.msg_name = &s->rxa[i];
			s->rxm[i].msg_hdr.msg_namelen = sizeof(s->rxa[i]);
		}
		n = recvmmsg(s->fd, s->rxm, RX_SLOTS, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (s->lost)
					lost_all(s, hd);
				break;
			}
			if (errno == ENOBUFS) {
				/* The kernel dropped notifications (or, on a
				 * request socket, acknowledgements) for want of
				 * buffer; the socket goes on. */
				s->st.enobufs++;
				s->lost = true;
				rc = NL_RESYNC;
				continue;
			}
			return -1;
		}
		for (int i = 0; i < n; i++) {
			const struct msghdr *m = &s->rxm[i].msg_hdr;

			/* Only the kernel speaks rtnetlink to rtmd: a datagram
			 * from another port (which needs CAP_NET_ADMIN to send
			 * one) is not read, nor is one cut short. */
			if (m->msg_namelen != sizeof(struct sockaddr_nl) || s->rxa[i].nl_pid != 0 ||
			    (m->msg_flags & MSG_TRUNC)) {
				s->st.malformed++;
				if (m->msg_flags & MSG_TRUNC)
					rc = NL_RESYNC;
				continue;
			}
			datagram(s, s->rx + (size_t)i * RX_SLOT_SIZE, s->rxm[i].msg_len,
			         s->rxa[i].nl_groups != 0, hd);
		}
		retire(s);
		got += (size_t)n;
		if (n < RX_SLOTS)
			break;
	}
	return rc;
}

/* ---- sending ------------------------------------------------------------------ */

int nl_flush(struct nl_sock *s, unsigned per_send, const struct nl_handler *hd)
{
	struct iovec iov[1024];
	int rc = 0;

	if (per_send == 0 || per_send > 1024)
		per_send = 64;
	while (s->sent != s->tail) {
		struct msghdr mh = { .msg_iov = iov };
		size_t k = 0, bytes = 0, off = s->out_off, room;

		if (s->unacked >= s->window) {
			size_t before = s->unacked;
			int r = nl_read(s, s->window, hd);

			if (r < 0)
				return -1;
			if (r == NL_RESYNC)
				rc = NL_RESYNC;
			if (s->unacked == before)
				break;  /* the acknowledgements are not there yet */
			continue;
		}
		room = s->window - s->unacked;
		while (k < per_send && k < room && s->sent + k != s->tail) {
			struct nl_req *r = req_at(s, s->sent + k);

			if (r->dump && (s->dump_in_flight || k > 0))
				break;
			if (k > 0 && bytes + r->len > TX_MAX_BYTES)
				break;
			iov[k].iov_base = s->out + off;
			iov[k].iov_len = r->len;
			off += r->len;
			bytes += r->len;
			k++;
			if (r->dump)
				break;
		}
		if (k == 0)
			break;  /* a dump waits for the one in flight */
		mh.msg_iovlen = k;
		if (sendmsg(s->fd, &mh, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s->st.sends++;
		s->st.sent += k;
		for (size_t i = 0; i < k; i++) {
			struct nl_req *r = req_at(s, s->sent + i);

			if (r->dump)
				s->dump_in_flight = true;
			else
				s->unacked++;
		}
		s->sent += k;
		s->out_off = off;
		if (s->out_off == s->out_len)
			s->out_off = s->out_len = 0;
	}
	return rc;
}

/* ---- attributes ------------------------------------------------------------------ */

static int check_attr(const struct nlattr *a, const struct nl_policy *p, char *why, size_t whylen)
{
	size_t len = mnl_attr_get_payload_len(a);
	const char *v = mnl_attr_get_payload(a);
	static const size_t fixed[] = {
		[NL_A_U8] = 1, [NL_A_U16] = 2, [NL_A_U32] = 4, [NL_A_U64] = 8,
	};

	switch (p->kind) {
	case NL_A_U8: case NL_A_U16: case NL_A_U32: case NL_A_U64:
		if (len < fixed[p->kind])
			goto size;
		return 0;
	case NL_A_FLAG:
		return 0;
	case NL_A_STRING:
		if (len == 0 || memchr(v, 0, len) == NULL || (p->max && strlen(v) + 1 > p->max))
			goto size;
		return 0;
	case NL_A_BINARY:
		if (len < p->min || (p->max && len > p->max))
			goto size;
		return 0;
	case NL_A_NESTED:
		return 0;
	default:
		return 0;
	}
size:
	snprintf(why, whylen, "attribute %u has a bad length (%zu bytes)", mnl_attr_get_type(a), len);
	return -1;
}

int nl_attr_parse_buf(const void *buf, size_t len, const struct nl_policy *policy,
                      unsigned maxtype, const struct nlattr **tb, char *why, size_t whylen)
{
	const struct nlattr *a = buf;
	int left = len > INT32_MAX ? INT32_MAX : (int)len;

	memset(tb, 0, (maxtype + 1) * sizeof(*tb));
	while (mnl_attr_ok(a, left)) {
		uint16_t type = mnl_attr_get_type(a);

		if (type <= maxtype && policy[type].kind != NL_A_NONE) {
			if (check_attr(a, &policy[type], why, whylen) < 0)
				return -1;
			tb[type] = a;
		}
		left -= (int)MNL_ALIGN(a->nla_len) < left ? (int)MNL_ALIGN(a->nla_len) : left;
		a = mnl_attr_next(a);
	}
	/* Up to 3 bytes of padding may follow the last attribute. */
	if (left >= (int)sizeof(struct nlattr)) {
		snprintf(why, whylen, "broken attribute chain (%d bytes left over)", left);
		return -1;
	}
	return 0;
}

int nl_attr_parse(const struct nlmsghdr *h, size_t hdrlen, const struct nl_policy *policy,
                  unsigned maxtype, const struct nlattr **tb, char *why, size_t whylen)
{
	size_t plen = mnl_nlmsg_get_payload_len(h), off = MNL_ALIGN(hdrlen);

	if (h->nlmsg_len < MNL_NLMSG_HDRLEN || plen < hdrlen) {
		snprintf(why, whylen, "message of type %u too short (%zu bytes) for its header",
		         h->nlmsg_type, plen);
		return -1;
	}
	if (off > plen)
		off = plen;
	return nl_attr_parse_buf((const uint8_t *)mnl_nlmsg_get_payload(h) + off, plen - off, policy,
	                         maxtype, tb, why, whylen);
}
