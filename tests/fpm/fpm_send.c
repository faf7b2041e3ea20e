/* fpm_send.c - play the FPM client (zebra's side) from files, for tests.
 *
 *   fpm_send [-c CHUNK] [-w SECONDS] [-p PAUSE_MS] ADDR PORT [FILE...]
 *
 * Connects to ADDR:PORT, sends each FILE's bytes (CHUNK bytes a write,
 * PAUSE_MS between writes, so frames cross reads), then waits up to
 * SECONDS (default 2) for the server to close.  Prints "closed" (exit 0)
 * if it did, "open" (exit 1) if the connection was still open at the
 * end; exit 2 on a usage or connection error.  Never reads anything
 * meaningful: FPM servers send nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int send_all(int fd, const unsigned char *p, size_t n, size_t chunk, long pause_ms)
{
	while (n > 0) {
		size_t k = n < chunk ? n : chunk;
		ssize_t w = send(fd, p, k, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		if (pause_ms) {
			struct timespec ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	size_t chunk = 1 << 20;
	double wait_s = 2;
	long pause_ms = 0;
	socklen_t sl;
	int opt, fd;

	while ((opt = getopt(argc, argv, "c:w:p:")) != -1) {
		switch (opt) {
		case 'c': chunk = strtoul(optarg, NULL, 10); break;
		case 'w': wait_s = strtod(optarg, NULL); break;
		case 'p': pause_ms = strtol(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (argc - optind < 2 || chunk == 0) {
		fprintf(stderr, "usage: fpm_send [-c CHUNK] [-w SECONDS] [-p PAUSE_MS] ADDR PORT [FILE...]\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[optind], &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)atoi(argv[optind + 1]));
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[optind], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)atoi(argv[optind + 1]));
		sl = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "fpm_send: bad address %s\n", argv[optind]);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "fpm_send: connect %s:%s: %s\n", argv[optind], argv[optind + 1],
		        strerror(errno));
		return 2;
	}
	for (int i = optind + 2; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		unsigned char *buf = NULL;
		size_t n = 0, cap = 0, r;

		if (!f) {
			fprintf(stderr, "fpm_send: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		do {
			if (n == cap) {
				cap = cap ? cap * 2 : 65536;
				buf = realloc(buf, cap);
				if (!buf) {
					fprintf(stderr, "fpm_send: out of memory\n");
					return 2;
				}
			}
			r = fread(buf + n, 1, cap - n, f);
			n += r;
		} while (r > 0);
		fclose(f);
		/* A refused peer may be closed before everything is sent: that
		 * is an answer, not an error. */
		if (send_all(fd, buf, n, chunk, pause_ms) < 0 && errno != EPIPE && errno != ECONNRESET) {
			fprintf(stderr, "fpm_send: send: %s\n", strerror(errno));
			free(buf);
			return 2;
		}
		free(buf);
	}
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ms = (int)(wait_s * 1000);
	char b[256];

	while (poll(&pfd, 1, ms) > 0) {
		ssize_t r = recv(fd, b, sizeof(b), 0);
		if (r <= 0) {
			puts("closed");
			return 0;
		}
	}
	puts("open");
	close(fd);
	return 1;
}
