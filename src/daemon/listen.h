/* listen.h - the listening socket: from systemd, or made by rtmd itself. */
#ifndef RTMD_LISTEN_H
#define RTMD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

/* Take the socket systemd passed (sd_listen_fds: exactly one AF_UNIX
 * SOCK_SEQPACKET listening socket), else create PATH, removing an existing
 * socket file only when no live daemon answers on it.  0 with *fd set, or
 * -1 with a message in err. */
int listen_open(const char *path, int *fd, bool *created, bool *activated, char *err, size_t errlen);
/* Close, and unlink PATH if we created it and it is still ours. */
void listen_close(int fd, const char *path, bool created);

#endif
