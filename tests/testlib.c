/* testlib.c - helpers for the C integration tests. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

void testenv_init(struct testenv *e, const char *name)
{
	const char *top = getenv("top_builddir");

	snprintf(e->rtmd, sizeof(e->rtmd), "%s/src/rtmd", top ? top : ".");
	if (access(e->rtmd, X_OK) < 0) {
		fprintf(stderr, "%s: %s (build first; set top_builddir)\n", e->rtmd, strerror(errno));
		exit(99);
	}
	snprintf(e->dir, sizeof(e->dir), "/tmp/rtmd-%s.XXXXXX", name);
	if (!mkdtemp(e->dir)) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(e->sock, sizeof(e->sock), "%s/rtmd.sock", e->dir);
	snprintf(e->state, sizeof(e->state), "%s/state", e->dir);
	snprintf(e->log, sizeof(e->log), "%s/rtmd.log", e->dir);
	snprintf(e->conf, sizeof(e->conf), "/dev/null");
}

void testenv_config(struct testenv *e, const char *text)
{
	FILE *f;

	snprintf(e->conf, sizeof(e->conf), "%s/rtmd.conf", e->dir);
	f = fopen(e->conf, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(e->conf);
		exit(99);
	}
}

void testenv_cleanup(struct testenv *e)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", e->dir);
}

pid_t testenv_start_rtmd(struct testenv *e)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(99);
	}
	if (pid == 0) {
		int fd = open(e->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0)
			dup2(fd, 2);
		execl(e->rtmd, "rtmd", "-s", e->sock, "-S", e->state, "-c", e->conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		struct rt_client c;
		char err[512];

		if (rt_client_connect(&c, e->sock, err, sizeof(err)) == 0) {
			rt_client_close(&c);
			return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "rtmd exited at start; see %s\n", e->log);
			exit(1);
		}
		usleep(10000);
	}
	fprintf(stderr, "rtmd did not come up within 5 s; see %s\n", e->log);
	exit(99);
}

int test_request(struct rt_client *c, struct rt_msgbuf *mb)
{
	char err[512];
	struct rt_hdr h;
	const uint8_t *msg;

	if (rt_client_send(c, mb) < 0)
		return -1;
	if (rt_client_recv(c, &h, &msg, err, sizeof(err)) <= 0)
		return -1;
	if (h.type == RT_MSG_ACK)
		return 0;
	if (h.type == RT_MSG_ERROR) {
		struct rt_error e;

		if (rt_msg_get_error(&h, msg, &e, err) == 0)
			return (int)e.code;
	}
	return -1;
}
