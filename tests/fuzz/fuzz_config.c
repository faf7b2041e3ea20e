/* fuzz_config.c - libFuzzer target: the input as an rtmd.conf.
 *
 * config_load() reads a file (its error messages name file and line, and it
 * re-reads integer literals from the text), so the input is written to a
 * private temporary file and loaded from there, as rtmd would.  Inputs with
 * @include are skipped: they make libconfig open other files of the host,
 * which measures the host, not the parser.  Whatever the input, the result
 * is 0 with a valid config or -1 with a message; never a crash or a leak.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "%s", "/tmp/fuzz_config.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/rtmd.conf", dir);
	atexit(remove_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtmd_config c;
	char err[1024];
	int fd;

	if (memmem(data, size, "@include", 8))
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0) {
		perror(path);
		exit(1);
	}
	if (config_load(path, false, &c, err, sizeof(err)) == 0) {
		char why[RT_ERRLEN];

		/* What the loader accepts, rtmd uses as is: it must be valid. */
		for (size_t i = 0; i < c.n_routes; i++)
			if (rt_route_check(c.routes[i], why) != 0)
				abort();
		for (size_t i = 0; i < c.n_neighs; i++)
			if (rt_neigh_check(&c.neighs[i], why) != 0)
				abort();
		if (c.max_message_size < RT_MSG_MIN_MAX || !memchr(c.socket, 0, sizeof(c.socket)) ||
		    !memchr(c.writer_group, 0, sizeof(c.writer_group)))
			abort();
		config_free(&c);
	} else if (!memchr(err, 0, sizeof(err)) || err[0] == '\0') {
		abort();   /* a refusal must say why */
	}
	return 0;
}
