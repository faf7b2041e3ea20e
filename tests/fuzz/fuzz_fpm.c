/* fuzz_fpm.c - libFuzzer target: the input is what an FPM peer sends.
 *
 * The bytes are fed to an fpm_stream in reads of varying size (drawn from
 * the input's length, so the seeds are plain captures of zebra's stream:
 * tests/fpm/fixtures),
 * each whole frame walked as the connection walks it.  Whatever the
 * input, cutting must agree with a second pass that feeds everything at
 * once: the frames handed out, and the point where the stream is refused,
 * cannot depend on how the bytes arrived.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fpm_frame.h"
#include "fpm_nhg.h"
#include <linux/rtnetlink.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	uint64_t frames, msgs, bytes, sum;
	struct fpm_nhg *nhg;
	uint64_t nh_ok, nh_resolved;
};

static int count_msg(void *ctx, const struct nlmsghdr *h)
{
	struct tally *t = ctx;

	/* Touch every byte the message claims: out-of-bounds shows. */
	const uint8_t *p = (const uint8_t *)h;
	for (uint32_t i = 0; i < h->nlmsg_len; i++)
		t->sum += p[i];
	t->msgs++;
	if (h->nlmsg_type == RTM_NEWNEXTHOP || h->nlmsg_type == RTM_DELNEXTHOP) {
		static struct fpm_nh nh[FPM_NH_MAX];
		char why[160];
		uint32_t id;
		uint16_t n;
		bool bh;

		if (h->nlmsg_len >= NLMSG_LENGTH(8) &&
		    fpm_nhg_check(t->nhg, h, &id, why, sizeof(why)) == 0) {
			if (fpm_nhg_apply(t->nhg, h) < 0)
				abort();
			t->nh_ok++;
			if (fpm_nhg_resolve(t->nhg, id, nh, &n, &bh, why, sizeof(why)) == 1)
				t->nh_resolved += n + bh;
		}
	}
	return 0;
}

/* Feeds data in reads of the sizes seed draws; returns how it ended:
 * 0 all consumed (maybe a partial frame left), -1 refused. */
static int run(const uint8_t *data, size_t size, unsigned seed, struct tally *t)
{
	struct fpm_stream s;
	char why[200];
	size_t off = 0;
	int rc = 0;

	if (fpm_stream_init(&s) < 0)
		abort();
	memset(t, 0, sizeof(*t));
	t->nhg = fpm_nhg_new();
	if (!t->nhg)
		abort();
	while (off < size && rc == 0) {
		size_t room, n;
		uint8_t *p = fpm_stream_space(&s, &room);
		const void *payload;
		size_t len;
		int r;

		n = seed ? 1 + (seed = seed * 1103515245u + 12345u) % 97 : size - off;
		if (n > size - off)
			n = size - off;
		if (n > room)
			n = room;
		memcpy(p, data + off, n);
		off += n;
		fpm_stream_commit(&s, n);
		while ((r = fpm_stream_next(&s, &payload, &len, why, sizeof(why))) == 1) {
			if (fpm_frame_walk(payload, len, count_msg, t, why, sizeof(why)) != 0) {
				r = -1;
				break;
			}
			t->frames++;
			t->bytes += len;
		}
		if (r < 0)
			rc = -1;
	}
	fpm_stream_free(&s);
	fpm_nhg_free(t->nhg);
	t->nhg = NULL;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally a, b;
	int ra, rb;

	ra = run(data, size, (unsigned)size * 2654435761u | 1u, &a);
	rb = run(data, size, 0, &b);
	if (ra != rb || a.frames != b.frames || a.msgs != b.msgs || a.bytes != b.bytes ||
	    a.sum != b.sum || a.nh_ok != b.nh_ok || a.nh_resolved != b.nh_resolved)
		abort();
	return 0;
}
