/* check_fpm_frame.c - FPM framing: zebra's captured stream cut at every
 * size, and each way a frame can be malformed. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpm_frame.h"

struct tally {
	size_t frames, msgs;
	uint16_t types[512];
};

static int count(void *ctx, const struct nlmsghdr *h)
{
	struct tally *t = ctx;

	if (t->msgs < 512)
		t->types[t->msgs] = h->nlmsg_type;
	t->msgs++;
	return 0;
}

/* Feed n bytes chunk at a time; 0 when all consumed, -1 when refused
 * (reason in why). */
static int feed(const uint8_t *data, size_t n, size_t chunk, struct tally *t, char *why)
{
	struct fpm_stream s;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(fpm_stream_init(&s), 0);
	for (size_t off = 0; off < n && rc == 0;) {
		size_t room, k = n - off < chunk ? n - off : chunk;
		uint8_t *p = fpm_stream_space(&s, &room);
		const void *pl;
		size_t len;
		int r;

		ck_assert_uint_gt(room, 0);
		if (k > room)
			k = room;
		memcpy(p, data + off, k);
		fpm_stream_commit(&s, k);
		off += k;
		while ((r = fpm_stream_next(&s, &pl, &len, why, 200)) == 1) {
			ck_assert_uint_eq((uintptr_t)pl % 8, 0);
			if (fpm_frame_walk(pl, len, count, t, why, 200) != 0) {
				r = -1;
				break;
			}
			t->frames++;
		}
		if (r < 0)
			rc = -1;
	}
	if (rc == 0)
		ck_assert_uint_eq(fpm_stream_pending(&s), 0);
	fpm_stream_free(&s);
	return rc;
}

static uint8_t *read_fixture(const char *name, size_t *n)
{
	const char *top = getenv("top_srcdir");
	char path[512];
	FILE *f;
	uint8_t *buf = malloc(1 << 20);

	snprintf(path, sizeof(path), "%s/tests/fpm/fixtures/%s", top ? top : ".", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (set top_srcdir)", path);
	*n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

START_TEST(test_fixture_any_cut)
{
	size_t n;
	uint8_t *data = read_fixture("nhg-12-restart-replay.bin", &n);
	struct tally whole, cut;
	char why[200];

	ck_assert_int_eq(feed(data, n, n, &whole, why), 0);
	/* As dump.py counts them: 88 frames, 91 messages. */
	ck_assert_uint_eq(whole.frames, 88);
	ck_assert_uint_eq(whole.msgs, 91);
	for (size_t chunk = 1; chunk <= 97; chunk++) {
		ck_assert_int_eq(feed(data, n, chunk, &cut, why), 0);
		ck_assert_uint_eq(cut.frames, whole.frames);
		ck_assert_uint_eq(cut.msgs, whole.msgs);
		ck_assert(memcmp(cut.types, whole.types, sizeof(cut.types)) == 0);
	}
	free(data);
}
END_TEST

START_TEST(test_two_messages_a_frame)
{
	size_t n;
	uint8_t *data = read_fixture("nonhg-06-change.bin", &n);
	struct tally t;
	char why[200];

	ck_assert_int_eq(feed(data, n, 3, &t, why), 0);
	ck_assert_uint_eq(t.frames, 1);
	ck_assert_uint_eq(t.msgs, 2);
	ck_assert_uint_eq(t.types[0], 25);   /* RTM_DELROUTE */
	ck_assert_uint_eq(t.types[1], 24);   /* RTM_NEWROUTE */
	free(data);
}
END_TEST

/* A frame of one netlink message of len bytes (header included), the
 * message's own length field set to nlen. */
static size_t frame(uint8_t *out, uint8_t ver, uint8_t type, uint16_t flen, uint32_t nlen)
{
	uint16_t be = htons(flen);
	struct nlmsghdr h = { .nlmsg_len = nlen, .nlmsg_type = 24 };

	memset(out, 0, 4096);
	out[0] = ver;
	out[1] = type;
	memcpy(out + 2, &be, 2);
	memcpy(out + 4, &h, sizeof(h));
	return flen;
}

static void refused(const uint8_t *buf, size_t n, const char *what)
{
	struct tally t;
	char why[200] = "";

	ck_assert_int_eq(feed(buf, n, n, &t, why), -1);
	ck_assert_msg(strstr(why, what), "\"%s\" does not say \"%s\"", why, what);
	ck_assert_int_eq(feed(buf, n, 1, &t, why), -1);
	ck_assert_uint_eq(t.frames, 0);
}

START_TEST(test_malformed)
{
	uint8_t b[4096];
	size_t n;

	refused(b, frame(b, 2, 1, 20, 16), "FPM version 2, expected 1");
	refused(b, frame(b, 1, 2, 20, 16), "type 2 (protobuf)");
	refused(b, frame(b, 1, 0, 20, 16), "type 0, expected 1");
	n = frame(b, 1, 1, 19, 16);
	refused(b, 19 + 4, "length 19 holds no netlink message");
	refused(b, frame(b, 1, 1, 3, 16) + 20, "length 3 holds no netlink message");
	refused(b, frame(b, 1, 1, 20, 21), "claims 21 bytes");
	refused(b, frame(b, 1, 1, 20, 15), "claims 15 bytes");
	refused(b, frame(b, 1, 1, 20, 0), "claims 0 bytes");
	/* Two messages, the second cut short: refused whole, fn not called. */
	n = frame(b, 1, 1, 4 + 16 + 8, 16);
	refused(b, n, "8 stray bytes");
	(void)n;
}
END_TEST

START_TEST(test_padding)
{
	uint8_t b[4096];
	struct tally t;
	char why[200];

	/* The last message may lack its padding (17 bytes in a 21-byte
	 * payload). */
	ck_assert_int_eq(feed(b, frame(b, 1, 1, 4 + 17, 17), 4096, &t, why), 0);
	ck_assert_uint_eq(t.msgs, 1);
	/* Two messages of 18 bytes: the first is padded to 20. */
	frame(b, 1, 1, 4 + 20 + 18, 18);
	memcpy(b + 24, b + 4, 16);
	ck_assert_int_eq(feed(b, 4 + 20 + 18, 5, &t, why), 0);
	ck_assert_uint_eq(t.msgs, 2);
	/* ... and unpadded, the second one is misplaced: refused. */
	frame(b, 1, 1, 4 + 18 + 18, 18);
	memcpy(b + 22, b + 4, 16);
	ck_assert_int_eq(feed(b, 4 + 18 + 18, 4096, &t, why), -1);
}
END_TEST

START_TEST(test_partial_then_more)
{
	uint8_t b[4096];
	struct fpm_stream s;
	const void *pl;
	size_t len, room;
	char why[200];
	size_t n = frame(b, 1, 1, 20, 16);

	ck_assert_int_eq(fpm_stream_init(&s), 0);
	memcpy(fpm_stream_space(&s, &room), b, 3);
	fpm_stream_commit(&s, 3);
	ck_assert_int_eq(fpm_stream_next(&s, &pl, &len, why, sizeof(why)), 0);
	memcpy(fpm_stream_space(&s, &room), b + 3, n - 4);
	fpm_stream_commit(&s, n - 4);
	ck_assert_int_eq(fpm_stream_next(&s, &pl, &len, why, sizeof(why)), 0);
	ck_assert_uint_eq(fpm_stream_pending(&s), n - 1);
	memcpy(fpm_stream_space(&s, &room), b + n - 1, 1);
	fpm_stream_commit(&s, 1);
	ck_assert_int_eq(fpm_stream_next(&s, &pl, &len, why, sizeof(why)), 1);
	ck_assert_uint_eq(len, 16);
	ck_assert_int_eq(fpm_stream_next(&s, &pl, &len, why, sizeof(why)), 0);
	/* The biggest frame fits after any partial one. */
	fpm_stream_space(&s, &room);
	ck_assert_uint_ge(room, 2 * FPM_FRAME_MAX);
	fpm_stream_reset(&s);
	ck_assert_uint_eq(fpm_stream_pending(&s), 0);
	fpm_stream_free(&s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("fpm_frame");
	TCase *tc = tcase_create("fpm_frame");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_fixture_any_cut);
	tcase_add_test(tc, test_two_messages_a_frame);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_padding);
	tcase_add_test(tc, test_partial_then_more);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
