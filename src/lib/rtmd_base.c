/* rtmd_base.c - librtmd's errors, version and address helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"
#include "errors.h"
#include "rtmd_impl.h"

_Static_assert(sizeof(struct rtmd_addr) == sizeof(struct rt_addr), "rtmd_addr is rt_addr");
_Static_assert(offsetof(struct rtmd_addr, bytes) == offsetof(struct rt_addr, bytes), "rtmd_addr");
_Static_assert(sizeof(struct rtmd_prefix) == sizeof(struct rt_prefix), "rtmd_prefix is rt_prefix");
_Static_assert(offsetof(struct rtmd_prefix, len) == offsetof(struct rt_prefix, len), "rtmd_prefix");
_Static_assert(RTMD_IFNAMSIZ == RT_IFNAMSIZ, "interface names");
_Static_assert(RTMD_ADDRSTRLEN == RT_ADDRSTRLEN && RTMD_MACSTRLEN == RT_MACSTRLEN, "text sizes");
_Static_assert(RTMD_PREFIXSTRLEN == RT_PREFIXSTRLEN, "text sizes");
_Static_assert(RTMD_E_EXISTS == -(RTMD_E_BASE + RT_E_EXISTS) &&
               RTMD_E_BUSY == -(RTMD_E_BASE + RT_E_BUSY) &&
               RTMD_E_OWNED == -(RTMD_E_BASE + RT_E_OWNED) &&
               RTMD_E_NOSPACE == -(RTMD_E_BASE + RT_E_NOSPACE) && RT_E_NOSPACE + 1 == RT_E_MAX,
               "the public codes are rtmd's, and name every one");

/* Large enough for rtmd's detail texts and a socket path. */
#define ERRMSG_MAX 512
static __thread char errmsg[ERRMSG_MAX];

int lib_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return err;
}

const char *rtmd_errmsg(void)
{
	return errmsg;
}

const char *rtmd_strerror(int err)
{
	const char *s;

	if (err == 0)
		return rt_err_str(RT_OK);
	if (err <= -RTMD_E_BASE - 1 && err > -RTMD_E_BASE - RT_E_MAX)
		return rt_err_str(-err - RTMD_E_BASE);
	if (err <= -RTMD_E_BASE)
		return "unknown rtmd error";
	if (err < 0 && (s = strerrordesc_np(-err)))
		return s;
	return "unknown error";
}

const char *rtmd_version(void)
{
	return PACKAGE_VERSION;
}

const char *rtmd_default_socket(void)
{
	return RT_DEFAULT_SOCKET;
}

int lib_socket_path(const char *name, char *buf, size_t cap)
{
	const char *env = getenv("RTMD_SOCKET");

	if (!name)
		name = env && *env ? env : RT_DEFAULT_SOCKET;
	if (!*name)
		return lib_fail(-EINVAL, "empty socket path");
	if (strlen(name) >= cap)
		return lib_fail(-ENAMETOOLONG, "socket path %s too long (at most %zu bytes)", name,
		                cap - 1);
	memcpy(buf, name, strlen(name) + 1);
	return 0;
}

/* ---- addresses ------------------------------------------------------------- */

int rtmd_addr_parse(const char *text, struct rtmd_addr *out)
{
	char err[RT_ERRLEN];

	if (rt_addr_parse(text, (struct rt_addr *)(void *)out, err) < 0)
		return lib_fail(-EINVAL, "%s", err);
	return 0;
}

int rtmd_prefix_parse(const char *text, struct rtmd_prefix *out)
{
	char err[RT_ERRLEN];

	if (rt_prefix_parse(text, (struct rt_prefix *)(void *)out, err) < 0)
		return lib_fail(-EINVAL, "%s", err);
	return 0;
}

int rtmd_mac_parse(const char *text, uint8_t mac[6])
{
	char err[RT_ERRLEN];
	uint8_t m[6];

	if (rt_mac_parse(text, m, err) < 0)
		return lib_fail(-EINVAL, "%s", err);
	memcpy(mac, m, sizeof(m));
	return 0;
}

int rtmd_addr_format(const struct rtmd_addr *a, char *buf, size_t cap)
{
	char s[RT_ADDRSTRLEN];

	if (!a->family)
		return snprintf(buf, cap, "none");
	return snprintf(buf, cap, "%s", rt_addr_str(lib_addr(a), s));
}

int rtmd_prefix_format(const struct rtmd_prefix *p, char *buf, size_t cap)
{
	char s[RT_PREFIXSTRLEN];

	return snprintf(buf, cap, "%s", rt_prefix_str(lib_prefix(p), s));
}

int rtmd_mac_format(const uint8_t mac[6], char *buf, size_t cap)
{
	char s[RT_MACSTRLEN];

	return snprintf(buf, cap, "%s", rt_mac_str(mac, s));
}

int rtmd_prefix_contains(const struct rtmd_prefix *p, const struct rtmd_addr *a)
{
	return rt_prefix_contains(lib_prefix(p), lib_addr(a));
}
