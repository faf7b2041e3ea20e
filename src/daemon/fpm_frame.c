/* fpm_frame.c - FPM frames in a byte stream, netlink messages in a frame
 * (fpm_frame.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpm_frame.h"

/* Two whole frames: a read always has room for the rest of a partial one. */
#define STREAM_CAP (2 * (FPM_FRAME_MAX + 1))

int fpm_stream_init(struct fpm_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->buf = malloc(STREAM_CAP);
	s->frame = malloc(FPM_FRAME_MAX + 8);
	if (!s->buf || !s->frame) {
		fpm_stream_free(s);
		errno = ENOMEM;
		return -1;
	}
	s->cap = STREAM_CAP;
	return 0;
}

void fpm_stream_free(struct fpm_stream *s)
{
	free(s->buf);
	free(s->frame);
	s->buf = NULL;
	s->frame = NULL;
	s->cap = s->off = s->len = 0;
}

void fpm_stream_reset(struct fpm_stream *s)
{
	s->off = s->len = 0;
	s->offset = 0;
}

uint8_t *fpm_stream_space(struct fpm_stream *s, size_t *room)
{
	/* Keep the unconsumed tail at the front: it is less than a frame, so
	 * at least a frame's worth of room remains. */
	if (s->off) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->offset += s->off;
		s->off = 0;
	}
	*room = s->cap - s->len;
	return s->buf + s->len;
}

void fpm_stream_commit(struct fpm_stream *s, size_t n)
{
	s->len += n;
}

size_t fpm_stream_pending(const struct fpm_stream *s)
{
	return s->len - s->off;
}

int fpm_stream_next(struct fpm_stream *s, const void **payload, size_t *len,
                    char *why, size_t whylen)
{
	const uint8_t *p = s->buf + s->off;
	size_t n = s->len - s->off;
	uint64_t at = s->offset + s->off;
	uint16_t flen;

	if (n < FPM_HDR_LEN)
		return 0;
	if (p[0] != FPM_VERSION) {
		snprintf(why, whylen, "frame at byte %" PRIu64 ": FPM version %u, expected %u",
		         at, p[0], FPM_VERSION);
		return -1;
	}
	if (p[1] != FPM_TYPE_NETLINK) {
		snprintf(why, whylen, "frame at byte %" PRIu64 ": FPM message type %u%s, expected 1 "
		         "(netlink: zebra's dplane_fpm_nl module)", at, p[1],
		         p[1] == 2 ? " (protobuf)" : "");
		return -1;
	}
	memcpy(&flen, p + 2, sizeof(flen));
	flen = ntohs(flen);
	if (flen < FPM_HDR_LEN + NLMSG_HDRLEN) {
		snprintf(why, whylen, "frame at byte %" PRIu64 ": length %u holds no netlink message",
		         at, flen);
		return -1;
	}
	if (n < flen)
		return 0;
	memcpy(s->frame, p + FPM_HDR_LEN, flen - FPM_HDR_LEN);
	*payload = s->frame;
	*len = flen - FPM_HDR_LEN;
	s->off += flen;
	return 1;
}

int fpm_frame_walk(const void *payload, size_t len,
                   int (*fn)(void *ctx, const struct nlmsghdr *h), void *ctx,
                   char *why, size_t whylen)
{
	const uint8_t *p = payload;
	size_t off;

	/* Check the whole chain before handing out any message, so a broken
	 * frame is refused whole. */
	for (off = 0; off < len;) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)(p + off);

		if (len - off < NLMSG_HDRLEN) {
			snprintf(why, whylen, "%zu stray bytes after the netlink message at offset %zu of the frame",
			         len - off, off);
			return -1;
		}
		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len - off) {
			snprintf(why, whylen, "netlink message at offset %zu of a %zu-byte frame claims %" PRIu32 " bytes",
			         off, len, h->nlmsg_len);
			return -1;
		}
		/* The last message may lack its padding; any other must not. */
		if (NLMSG_ALIGN(h->nlmsg_len) >= len - off)
			break;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	for (off = 0; off < len; off += NLMSG_ALIGN(((const struct nlmsghdr *)(p + off))->nlmsg_len)) {
		int rc = fn(ctx, (const struct nlmsghdr *)(p + off));

		if (rc)
			return rc;
	}
	return 0;
}
