/* store_upgrade.h - converting the store files of a state directory from
 * an older format to the current one, in place, at start, crash-safely.
 *
 * Each file of format 2 is rewritten in the current format beside the old
 * one (NAME.upgrade), made durable, renamed over it and the directory
 * synced: a conversion interrupted at any point leaves the old file as it
 * was (and a stale NAME.upgrade, which the next run replaces), or the new
 * one complete.  Files of the current format are left alone; other
 * formats are left for the store's open to refuse with its message.
 */
#ifndef RTMD_STORE_UPGRADE_H
#define RTMD_STORE_UPGRADE_H

#include <stddef.h>

/* Where a test may stop a conversion (a child it kills there). */
enum store_upgrade_step {
	UPGRADE_WRITTEN,        /* NAME.upgrade holds every entry */
	UPGRADE_SYNCED,         /* ... and is durable */
	UPGRADE_RENAMED,        /* it has replaced NAME */
	UPGRADE_DONE,           /* the directory is synced */
};
typedef void (*store_upgrade_hook)(const char *path, enum store_upgrade_step step);

/* Convert the store files of DIR that need it; hook (NULL in production)
 * is called at each step of each file.  0, or -1 with a message naming
 * the file in err. */
int store_upgrade(const char *dir, store_upgrade_hook hook, char *err, size_t errlen);

#endif
