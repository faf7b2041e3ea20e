/* errors.c - the text of each result code (errors.h). */
#include "errors.h"

const char *rt_err_str(int code)
{
	static const char *const str[RT_E_MAX] = {
		[RT_OK] = "ok",
		[RT_E_EXISTS] = "exists",
		[RT_E_NOTFOUND] = "not found",
		[RT_E_PERM] = "permission denied",
		[RT_E_FULL] = "table full",
		[RT_E_INVALID] = "invalid argument",
		[RT_E_PROTO] = "protocol error",
		[RT_E_SKIPPED] = "skipped after an earlier failure",
		[RT_E_TOOBIG] = "message too big",
		[RT_E_INTERNAL] = "internal error",
		[RT_E_BUSY] = "busy, try again",
		[RT_E_OWNED] = "owned by another protocol",
		[RT_E_NOSPACE] = "disk full",
	};

	if (code < 0 || code >= RT_E_MAX)
		return "unknown error";
	return str[code];
}
