/* check_client.c - the client side of the socket: with a timeout, no wait
 * on a peer that never answers (or never accepts) lasts beyond it; without
 * one, a reply is received as before. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

static char dir[64], path[128];
static int lfd = -1;

/* A listener that accepts nothing: a stopped rtmd as a client sees it. */
static void setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(dir, sizeof(dir), "/tmp/check_client.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	/* Backlog 0: one connection waits in the queue, the next blocks. */
	ck_assert_int_eq(listen(lfd, 0), 0);
}

static void teardown(void)
{
	close(lfd);
	unlink(path);
	rmdir(dir);
}

START_TEST(test_recv_times_out)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	struct rt_hdr h;
	const uint8_t *msg;
	char err[512];

	ck_assert_int_eq(rt_client_connect_timeout(&c, path, 200, err, sizeof(err)), 0);
	ck_assert_int_eq(rt_msgbuf_init(&mb, 1024), 0);
	rt_msg_begin(&mb, RT_MSG_STATUS, 1, 0);
	ck_assert_int_eq(rt_client_send(&c, &mb), 0);
	errno = 0;
	ck_assert_int_eq(rt_client_recv(&c, &h, &msg, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_msg(strstr(err, "did not answer within 0.2 s") != NULL, "message: %s", err);
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
}
END_TEST

START_TEST(test_connect_times_out)
{
	struct rt_client a, b;
	char err[512];

	/* The first fills the backlog; the second would wait for ever. */
	ck_assert_int_eq(rt_client_connect_timeout(&a, path, 200, err, sizeof(err)), 0);
	errno = 0;
	ck_assert_int_eq(rt_client_connect_timeout(&b, path, 200, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_msg(strstr(err, "did not accept the connection within 0.2 s") != NULL,
	              "message: %s", err);
	rt_client_close(&a);
}
END_TEST

START_TEST(test_reply_within_timeout)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	struct rt_hdr h;
	const uint8_t *msg;
	char err[512];
	int sfd;

	ck_assert_int_eq(rt_client_connect_timeout(&c, path, 5000, err, sizeof(err)), 0);
	sfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(sfd, 0);
	ck_assert_int_eq(rt_msgbuf_init(&mb, 1024), 0);
	rt_msg_begin(&mb, RT_MSG_ACK, 7, 0);
	rt_msg_put_ack(&mb, &(struct rt_ack){ .applied = 1, .changed = 1 });
	ck_assert_int_eq(send(sfd, mb.data, mb.len, 0), (ssize_t)mb.len);
	ck_assert_int_eq(rt_client_recv(&c, &h, &msg, err, sizeof(err)), 1);
	ck_assert_uint_eq(h.type, RT_MSG_ACK);
	ck_assert_uint_eq(h.seq, 7);
	close(sfd);
	/* The peer is gone: an end of file, not a timeout. */
	ck_assert_int_eq(rt_client_recv(&c, &h, &msg, err, sizeof(err)), 0);
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("timeout");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_recv_times_out);
	tcase_add_test(tc, test_connect_times_out);
	tcase_add_test(tc, test_reply_within_timeout);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(client_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
