/* rtmd/base.h - librtmd's error convention, version and address types.
 *
 * Every librtmd function that can fail returns 0 (or a count, never
 * negative) on success and a negative code on failure: either a negative
 * errno value (-ENOMEM, -ETIMEDOUT, -ECONNREFUSED, ...) for what went wrong
 * on this side, or one of the RTMD_E_* codes below for what rtmd refused.
 * rtmd_strerror() names any of them; rtmd_errmsg() gives the detail of the
 * last failure in the calling thread ("cannot reach rtmd at PATH: ...").
 * See librtmd(3).
 */
#ifndef LIBRTMD_BASE_H
#define LIBRTMD_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Refusals by rtmd: -(RTMD_E_BASE + the code rtmd sent).  Codes rtmd may
 * add later keep that form, and rtmd_strerror() names them. */
#define RTMD_E_BASE 1000
enum rtmd_error {
	RTMD_E_EXISTS = -1001,    /* the entry exists (add) */
	RTMD_E_NOTFOUND = -1002,  /* no such entry (delete, get, look-ups) */
	RTMD_E_PERM = -1003,      /* changes need root or rtmd's writer group */
	RTMD_E_FULL = -1004,      /* a table or resource limit of rtmd */
	RTMD_E_INVALID = -1005,   /* rtmd found a field invalid */
	RTMD_E_PROTO = -1006,     /* a malformed message, either way (a stale
	                             library or daemon speaking another version) */
	RTMD_E_SKIPPED = -1007,   /* batch: not applied after an earlier failure */
	RTMD_E_TOOBIG = -1008,    /* a message over rtmd's max-message-size */
	RTMD_E_INTERNAL = -1009,  /* an I/O error inside rtmd (its store) */
	RTMD_E_BUSY = -1010,      /* rtmd's reply memory is full: try again */
	RTMD_E_OWNED = -1011,     /* the entry is another protocol's (the kernel's,
	                             FRR's) or, without RTMD_CLIENT_TAKE_CONFIG,
	                             rtmd.conf's: rtmd_errmsg() says whose */
	RTMD_E_NOSPACE = -1012,   /* rtmd's store must grow and its disk is full:
	                             nothing changed; try again once there is space */
};

/* Text of a code returned by any librtmd function: "exists", "not found",
 * strerror(-err) for errno values, "unknown error N" else.  Static. */
const char *rtmd_strerror(int err);

/* The detail of the last failure of a librtmd call in this thread, e.g.
 * "cannot reach rtmd at /run/rtmd/rtmd.sock: No such file or directory
 * (is rtmd.socket started?)", or "10.0.0.0/24 via 192.0.2.1 dev eth0
 * proto rtctl metric 5: exists".  Valid until the next failing call in
 * this thread; "" if none failed yet. */
const char *rtmd_errmsg(void);

/* The library's version, "0.1.0". */
const char *rtmd_version(void);

/* An IPv4 or IPv6 address.  This layout is fixed (it is in the ABI): an
 * array of them is what the batched reader calls take. */
struct rtmd_addr {
	uint8_t family;           /* AF_INET or AF_INET6; 0: no address */
	uint8_t bytes[16];        /* network byte order; IPv4 uses the first 4,
	                             the other 12 are zero */
};

/* A prefix: an address and a length.  Bits past the length are zero. */
struct rtmd_prefix {
	struct rtmd_addr addr;
	uint8_t len;              /* 0..32 (IPv4), 0..128 (IPv6) */
};

/* Longest text of an address, of a prefix and of a MAC, with the NUL. */
#define RTMD_ADDRSTRLEN 46
#define RTMD_PREFIXSTRLEN 50
#define RTMD_MACSTRLEN 18

/* Parsers: 0, or -EINVAL with the reason in rtmd_errmsg().
 * rtmd_addr_parse: "192.0.2.1", "2001:db8::1".
 * rtmd_prefix_parse: "10.0.0.0/24", "10/8", "2001:db8::/32", an address
 * (a full-length prefix), "default" (0.0.0.0/0) and "default6" (::/0);
 * host bits set past the length are refused, as ip(8) refuses them.
 * rtmd_mac_parse: "02:00:00:00:00:07". */
int rtmd_addr_parse(const char *text, struct rtmd_addr *out);
int rtmd_prefix_parse(const char *text, struct rtmd_prefix *out);
int rtmd_mac_parse(const char *text, uint8_t mac[6]);

/* Printers, as snprintf: write at most cap bytes (NUL included) and return
 * the length of the whole text.  A prefix prints as rtctl prints it:
 * "10.0.0.0/24", a full-length prefix as its address, a zero-length one
 * as "default". */
int rtmd_addr_format(const struct rtmd_addr *a, char *buf, size_t cap);
int rtmd_prefix_format(const struct rtmd_prefix *p, char *buf, size_t cap);
int rtmd_mac_format(const uint8_t mac[6], char *buf, size_t cap);

/* 1 if a is inside p (same family), else 0. */
int rtmd_prefix_contains(const struct rtmd_prefix *p, const struct rtmd_addr *a);

#ifdef __cplusplus
}
#endif

#endif
