/* fpm_frame.h - the FPM wire: a byte stream cut into frames, a frame cut
 * into netlink messages.
 *
 * A frame is a 4-byte header (version 1, type 1 = netlink, u16 length in
 * network order counting the header) and one or more netlink messages,
 * each padded to 4 bytes (doc/FPM.md).  These functions touch no socket:
 * the connection (fpm.c) reads into a struct fpm_stream, the decoder walks
 * the frames it hands out, and the fuzzer drives both.  Anything that does
 * not follow the framing is an error that ends the stream: after it,
 * nothing can be trusted to be cut where the sender meant.
 */
#ifndef RTMD_FPM_FRAME_H
#define RTMD_FPM_FRAME_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#define FPM_HDR_LEN 4
#define FPM_VERSION 1
#define FPM_TYPE_NETLINK 1
#define FPM_FRAME_MAX 65535

struct fpm_stream {
	uint8_t *buf;           /* bytes received, off..len not yet cut */
	size_t off, len, cap;
	uint64_t *frame;        /* the current frame's payload, copied 8-byte aligned */
	uint64_t offset;        /* stream offset of buf[0], for messages */
};

/* 0, or -1 (ENOMEM). */
int fpm_stream_init(struct fpm_stream *s);
void fpm_stream_free(struct fpm_stream *s);
/* Forget everything buffered (a new connection). */
void fpm_stream_reset(struct fpm_stream *s);
/* Where to put up to *room new bytes (room > 0 always), then commit them. */
uint8_t *fpm_stream_space(struct fpm_stream *s, size_t *room);
void fpm_stream_commit(struct fpm_stream *s, size_t n);
/* Bytes buffered that are not yet part of a whole frame. */
size_t fpm_stream_pending(const struct fpm_stream *s);
/* The next whole frame: 1 with its netlink payload (aligned, valid until
 * the next call) in *payload and *len, 0 if more bytes are needed, -1 if the
 * header is malformed (reason in why, with the frame's stream offset). */
int fpm_stream_next(struct fpm_stream *s, const void **payload, size_t *len,
                    char *why, size_t whylen);

/* Call fn for each netlink message of a frame's payload (aligned as
 * fpm_stream_next gives it), after checking that they tile the payload
 * exactly.  Returns 0; -1 if the framing is broken (why says where; fn
 * was not called at all); or fn's first non-zero return. */
int fpm_frame_walk(const void *payload, size_t len,
                   int (*fn)(void *ctx, const struct nlmsghdr *h), void *ctx,
                   char *why, size_t whylen);

#endif
