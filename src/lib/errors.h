/* errors.h - the result codes of every table operation, shared by the
 * wire protocol, the in-memory tables, the stores and the tools.
 *
 * One convention for the whole tree: a function that changes or looks up a
 * table returns RT_OK (0) or one of these codes; the wire protocol carries
 * the same numbers in its error records, so a code keeps its meaning from
 * the store that refused a change to the rtctl that prints it.
 */
#ifndef RTMD_ERRORS_H
#define RTMD_ERRORS_H

enum rt_err {
	RT_OK = 0,
	RT_E_EXISTS = 1,
	RT_E_NOTFOUND = 2,
	RT_E_PERM = 3,
	RT_E_FULL = 4,        /* capacity or resource limit */
	RT_E_INVALID = 5,     /* a field failed validation */
	RT_E_PROTO = 6,       /* malformed message */
	RT_E_SKIPPED = 7,     /* batch stopped at an earlier failure */
	RT_E_TOOBIG = 8,
	RT_E_INTERNAL = 9,    /* I/O error in rtmd (store, msync) */
	RT_E_BUSY = 10,       /* a limit on pending replies: try again later */
	RT_E_OWNED = 11,      /* the entry belongs to another protocol (the text says which) */
	RT_E_NOSPACE = 12,    /* the store needs to grow and the disk is full */
	RT_E_MAX
};
const char *rt_err_str(int code);   /* "exists", "not found", ... */

#endif
