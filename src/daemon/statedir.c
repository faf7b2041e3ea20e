/* statedir.c - create and lock the state directory (statedir.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "statedir.h"

/* fsync the directory that holds dir, so that a directory just created
 * is still there after a power cut (a new name is durable only once its
 * parent is synced). */
static int sync_parent(const char *dir, char *err, size_t errlen)
{
	char *p = strdup(dir);
	size_t n;
	int fd, rc = 0;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	char *slash = strrchr(p, '/');
	if (slash == p)
		slash[1] = '\0';        /* "/x": the parent is "/" */
	else if (slash)
		*slash = '\0';
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "created state directory %s, but cannot sync its parent %s: %s",
		         dir, p, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

/* The pid holding the lock on fd, or 0 if unknown (a holder in another
 * pid namespace shows as 0; the file then tells). */
static long holder(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32];
	ssize_t n;

	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_pid > 0)
		return (long)fl.l_pid;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int statedir_open(const char *dir, char *err, size_t errlen)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct stat st;
	char path[4096], pid[32];
	int fd, len;

	if (dir[0] != '/') {
		snprintf(err, errlen, "state directory \"%s\" is not an absolute path", dir);
		return -1;
	}
	if (mkdir(dir, 0755) == 0) {
		if (sync_parent(dir, err, errlen) < 0)
			return -1;
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create state directory %s: %s (create it, or choose "
		         "another with --state-dir)", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state directory %s is not a directory", dir);
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, STATEDIR_LOCK) >= (int)sizeof(path)) {
		snprintf(err, errlen, "state directory %s: path too long", dir);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the lock file %s: %s (check the state directory's "
		         "permissions)", path, strerror(errno));
		return -1;
	}
	/* A POSIX record lock, not flock(): F_GETLK names the holder's pid. */
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		int e = errno;
		long p = e == EACCES || e == EAGAIN ? holder(fd) : 0;

		if (e == EACCES || e == EAGAIN)
			snprintf(err, errlen, "state directory %s is in use by another rtmd (pid %ld, "
			         "lock %s): one daemon per state directory; stop it, or choose another "
			         "directory with --state-dir", dir, p, path);
		else
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
		close(fd);
		return -1;
	}
	/* For people and tools; the lock, not the file, is what counts. */
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
		log_warn("cannot write the pid into %s: %s (the lock holds all the same)", path,
		         strerror(errno));
	return fd;
}

void statedir_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
