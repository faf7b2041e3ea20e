/* testlib.c - helpers for the C integration tests. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

void testenv_init(struct testenv *e, const char *name)
{
	const char *top = getenv("top_builddir");

	snprintf(e->rtmd, sizeof(e->rtmd), "%s/src/daemon/rtmd", top ? top : ".");
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

bool testenv_wrapped(void)
{
	const char *w = getenv("RTMD_WRAPPER");

	return w && w[strspn(w, " \t")] != '\0';
}

/* argv for execvp: the words of $RTMD_WRAPPER (split on blanks; no quoting,
 * as in lib.sh's unquoted $RTMD_WRAPPER), then rtmd and its options. */
static char **rtmd_argv(struct testenv *e)
{
	static char words[1024];
	static char *argv[64];
	const char *w = getenv("RTMD_WRAPPER");
	int n = 0;

	snprintf(words, sizeof(words), "%s", w ? w : "");
	for (char *save = NULL, *tok = strtok_r(words, " \t", &save); tok && n < 50;
	     tok = strtok_r(NULL, " \t", &save))
		argv[n++] = tok;
	argv[n++] = e->rtmd;
	argv[n++] = "-s";
	argv[n++] = e->sock;
	argv[n++] = "-S";
	argv[n++] = e->state;
	argv[n++] = "-c";
	argv[n++] = e->conf;
	argv[n] = NULL;
	return argv;
}

pid_t testenv_spawn_rtmd(struct testenv *e)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(99);
	}
	if (pid == 0) {
		char **argv = rtmd_argv(e);
		int fd = open(e->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		/* A test that dies must not leave its daemon behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0)
			dup2(fd, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

pid_t testenv_start_rtmd(struct testenv *e)
{
	/* valgrind needs seconds where the bare daemon needs milliseconds. */
	int tries = testenv_wrapped() ? 6000 : 3000;  /* 30 s: recovery on a loaded CI machine */
	pid_t pid = testenv_spawn_rtmd(e);

	for (int i = 0; i < tries; i++) {
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
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fprintf(stderr, "rtmd did not come up within %d s; see %s\n", tries / 100, e->log);
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

int test_query(const char *sock, uint16_t type, test_reply_fn fn, void *ctx)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	char err[512];
	struct rt_hdr h;
	const uint8_t *msg;
	int rc = 0;

	if (rt_client_connect(&c, sock, err, sizeof(err)) < 0)
		return -1;
	if (rt_msgbuf_init(&mb, 1024) < 0) {
		rt_client_close(&c);
		return -1;
	}
	rt_msg_begin(&mb, type, 1, 0);
	if (rt_client_send(&c, &mb) < 0)
		rc = -1;
	while (rc == 0) {
		if (rt_client_recv(&c, &h, &msg, err, sizeof(err)) <= 0 || fn(&h, msg, ctx) != 0)
			rc = -1;
		else if (!(h.flags & RT_F_MORE))
			break;
	}
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
	return rc;
}
