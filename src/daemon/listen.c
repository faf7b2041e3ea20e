/* listen.c - obtain the listening socket. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "listen.h"

static int make_addr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "socket path %s too long (at most %zu bytes)", path,
		         sizeof(sun->sun_path) - 1);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* A socket file is stale when connecting to it is refused: nobody listens. */
static int remove_if_stale(const char *path, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; remove it or choose another path with --socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "another rtmd is already running on %s; stop it first or use --socket", path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "cannot check whether %s is in use: %s", path, strerror(errno));
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int listen_open(const char *path, int *fdp, bool *created, bool *activated, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int n = sd_listen_fds(1), fd;

	*created = *activated = false;
	if (n < 0) {
		snprintf(err, errlen, "cannot read sockets passed by systemd: %s", strerror(-n));
		return -1;
	}
	if (n > 1) {
		snprintf(err, errlen, "systemd passed %d sockets; rtmd.socket must define exactly one", n);
		return -1;
	}
	if (n == 1) {
		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0) {
			snprintf(err, errlen, "the socket passed by systemd is not a listening "
			         "AF_UNIX SOCK_SEQPACKET socket; use ListenSequentialPacket= in rtmd.socket");
			return -1;
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
			snprintf(err, errlen, "cannot set flags on the activated socket: %s", strerror(errno));
			return -1;
		}
		*fdp = fd;
		*activated = true;
		return 0;
	}
	if (make_addr(path, &sun, err, errlen) < 0 || remove_if_stale(path, &sun, err, errlen) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "cannot bind %s: %s%s", path, strerror(errno),
		         errno == ENOENT ? " (does its directory exist?)" : "");
		close(fd);
		return -1;
	}
	/* Anyone who can reach the socket may read the tables; changes are
	 * checked per peer with SO_PEERCRED, as for the systemd socket unit. */
	if (chmod(path, 0666) < 0 || listen(fd, SOMAXCONN) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	*fdp = fd;
	*created = true;
	return 0;
}

void listen_close(int fd, const char *path, bool created)
{
	struct stat st;

	if (created && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if (fd >= 0)
		close(fd);
}
