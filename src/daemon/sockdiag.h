/* sockdiag.h - who owns the other end of a local TCP connection.
 *
 * TCP carries no credentials (no SO_PEERCRED), so the owner of a peer on
 * the same host is asked of the kernel's socket diagnostics
 * (NETLINK_SOCK_DIAG, inet_diag): the socket whose 4-tuple mirrors ours.
 * A peer on another host, or in another network namespace, has no such
 * socket here and is reported as not found.
 */
#ifndef RTMD_SOCKDIAG_H
#define RTMD_SOCKDIAG_H

#include <stddef.h>
#include <sys/types.h>

/* The uid of the socket at the far end of connected TCP socket fd.
 * 0 with *uid set; -1 with errno (ENOENT: no local socket has that 4-tuple)
 * and a message in err. */
int sockdiag_peer_uid(int fd, uid_t *uid, char *err, size_t errlen);

#endif
