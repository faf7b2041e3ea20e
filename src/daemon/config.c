/* config.c - rtmd.conf(5): defaults, parsing and validation.
 *
 * The whole file is parsed into a scratch struct and copied to the caller
 * only when every setting passed, so a bad reload never leaves rtmd with
 * half a configuration.  Settings are walked in file order, which makes the
 * first error reported the first one in the file.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <syslog.h>
#include <unistd.h>

#include "defaults.h"
#include "config.h"
#include "log.h"
#include "rtnames.h"

/* Beyond this the file is surely not a hand-written rtmd.conf; refusing it
 * keeps a mistaken path (a disk image, /dev/zero) from eating memory. */
#define CONFIG_MAX_BYTES (64u << 20)

/* Store file names are appended to state-dir; keep room for them. */
#define STATE_DIR_MAX (RT_PATHLEN - 32)

/* Source text of one parsed file, split into lines, to re-read integer
 * literals (see int_from_source). */
struct src_text {
	char *raw;              /* name as libconfig reports it; NULL: main file */
	char *path;             /* the file libconfig opened; NULL: main file */
	char *text;
	size_t *line_off;       /* line_off[i]: offset of line i + 1 */
	size_t nlines;
	bool tried;
	bool failed;            /* could not be read: trust libconfig */
};

#define MAX_SRC_FILES 16

struct parser {
	const char *path;
	const char *include_dir;
	char *err;
	size_t errlen;
	struct rtmd_config *c;
	struct src_text src[MAX_SRC_FILES];
	size_t nsrc;
	struct rt_route *scratch;       /* a route being parsed (9 KiB) */
	bool failed;                    /* an error was said: go on to the next */
};

struct setting {
	const char *name;
	int (*parse)(struct parser *p, const config_setting_t *s, const struct setting *def);
	size_t off;             /* parse_u32: offset of the uint32_t field */
	uint32_t min, max;
};

void config_defaults(struct rtmd_config *c)
{
	memset(c, 0, sizeof(*c));
	/* The same default as rtctl and rtwatch (defaults.h). */
	snprintf(c->socket, sizeof(c->socket), "%s", RT_DEFAULT_SOCKET);
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", RTMD_DEFAULT_STATE_DIR);
	c->sync_always = true;
	c->sync_interval_ms = 10;
	snprintf(c->writer_group, sizeof(c->writer_group), "%s", "rtmd");
	c->max_clients = 1024;
	c->max_subscriber_queue = 1048576;   /* events share messages: ~72 B each, once for all subscribers */
	c->max_message_size = RT_MSG_MAX_DEFAULT;
	c->max_reply_memory = 256;
	c->idle_timeout = 0;
	c->log_level = LOG_INFO;
	c->route_capacity = 4096;
	c->arp_capacity = 4096;
	c->kernel_sync = false;
	c->kernel_table = 254;          /* RT_TABLE_MAIN */
	c->kernel_protocol = 200;       /* "rtmd" in the shipped rt_protos.d/rtmd.conf */
	c->kernel_rcvbuf_mb = 64;
	snprintf(c->fpm_peer_user, sizeof(c->fpm_peer_user), "%s", "frr");
	c->fpm_grace_seconds = 120;
}

void config_free(struct rtmd_config *c)
{
	for (size_t i = 0; i < c->n_routes; i++)
		free(c->routes[i]);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->routes);
	free(c->route_at);
	free(c->neighs);
	free(c->neigh_at);
	free(c->files);
	c->routes = NULL;
	c->route_at = NULL;
	c->neighs = NULL;
	c->neigh_at = NULL;
	c->files = NULL;
	c->n_routes = 0;
	c->n_neighs = 0;
	c->n_files = 0;
}

/* ---- messages ----------------------------------------------------------- */

/* The entry for a file libconfig names (NULL: the main file), created on
 * first use; NULL if there is no room. */
static struct src_text *src_find(struct parser *p, const char *raw)
{
	struct src_text *st;

	for (size_t i = 0; i < p->nsrc; i++) {
		const char *n = p->src[i].raw;
		if ((!n && !raw) || (n && raw && strcmp(n, raw) == 0))
			return &p->src[i];
	}
	if (p->nsrc == MAX_SRC_FILES || !raw)
		return NULL;
	st = &p->src[p->nsrc++];
	memset(st, 0, sizeof(*st));
	st->raw = strdup(raw);
	/* libconfig 1.5 opens include_dir + "/" + name and reports only the
	 * name: rebuild what it opened so messages name a findable file. */
	if (p->include_dir) {
		if (asprintf(&st->path, "%s/%s", p->include_dir, raw) < 0)
			st->path = NULL;
	} else {
		st->path = strdup(raw);
	}
	if (!st->raw || !st->path) {
		free(st->raw);
		free(st->path);
		p->nsrc--;
		return NULL;
	}
	return st;
}

static const char *file_name(struct parser *p, const char *raw)
{
	const struct src_text *st;

	if (!raw)
		return p->path;
	st = src_find(p, raw);
	return st ? st->path : raw;
}

static const char *file_of(struct parser *p, const config_setting_t *s)
{
	return file_name(p, s ? config_setting_source_file(s) : NULL);
}

/* Every error of the file is said, one a line (--check-config): each
 * appends "FILE:LINE: MSG" (or "FILE: MSG" without a line) to p->err. */
static int err_line(struct parser *p, const char *file, unsigned line, const char *msg)
{
	size_t used = strnlen(p->err, p->errlen);

	if (used + 2 >= p->errlen)
		return -1;
	if (used)
		p->err[used++] = '\n';
	if (line)
		snprintf(p->err + used, p->errlen - used, "%s:%u: %s", file, line, msg);
	else
		snprintf(p->err + used, p->errlen - used, "%s: %s", file ? file : p->path, msg);
	return -1;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct parser *p, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	unsigned line = s ? config_setting_source_line(s) : 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_line(p, file_of(p, s), line, msg);
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "group";
	case CONFIG_TYPE_INT: case CONFIG_TYPE_INT64: return "integer";
	case CONFIG_TYPE_FLOAT: return "float";
	case CONFIG_TYPE_STRING: return "string";
	case CONFIG_TYPE_BOOL: return "boolean";
	case CONFIG_TYPE_ARRAY: return "array";
	case CONFIG_TYPE_LIST: return "list";
	default: return "value";
	}
}

/* ---- integers ----------------------------------------------------------
 *
 * libconfig before 1.7 reads a decimal literal with atoi(): 4294967295
 * becomes -1 and 4294967296 silently becomes 0, without the "L" suffix
 * that makes it a 64-bit integer.  A metric or limit that wraps into range
 * would be accepted with a value nobody wrote, so integer settings are
 * checked against their literal in the source text, which also lets
 * "metric = 4294967295;" mean what it says on every libconfig version.
 */

static void src_free(struct parser *p)
{
	for (size_t i = 0; i < p->nsrc; i++) {
		free(p->src[i].raw);
		free(p->src[i].path);
		free(p->src[i].text);
		free(p->src[i].line_off);
	}
	p->nsrc = 0;
}

/* Index the lines of a text owned by st. */
static int src_index(struct src_text *st)
{
	size_t n = 1, k = 0;

	for (const char *q = st->text; *q; q++)
		n += *q == '\n';
	st->line_off = malloc(n * sizeof(*st->line_off));
	if (!st->line_off)
		return -1;
	st->line_off[k++] = 0;
	for (const char *q = st->text; *q; q++)
		if (*q == '\n')
			st->line_off[k++] = (size_t)(q - st->text) + 1;
	st->nlines = k;
	return 0;
}

static char *read_text(const char *path, int *err_no);

static const struct src_text *src_get(struct parser *p, const char *raw)
{
	struct src_text *st = src_find(p, raw);
	int e;

	if (!st)
		return NULL;
	if (!st->tried) {
		st->tried = true;
		st->text = st->path ? read_text(st->path, &e) : NULL;
		st->failed = !st->text || src_index(st) < 0;
	}
	return st->failed ? NULL : st;
}

/* Skip a string or a comment starting at q; returns where scanning goes on
 * (q itself if there is neither). */
static const char *skip_noise(const char *q, const char *end)
{
	if (*q == '"') {
		for (q++; q < end && *q != '"'; q++)
			if (*q == '\\' && q + 1 < end)
				q++;
		return q < end ? q + 1 : end;
	}
	if (*q == '#' || (*q == '/' && q + 1 < end && q[1] == '/'))
		return end;
	if (*q == '/' && q + 1 < end && q[1] == '*') {
		const char *c = strstr(q + 2, "*/");
		return c && c + 2 <= end ? c + 2 : end;
	}
	return q;
}

static bool ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '*';
}

/* Find the occ-th "NAME = literal" on the line and parse the literal.
 * 1 with *out set, 0 if not found (trust libconfig), -1 if the literal
 * does not fit in 64 bits. */
static int literal_on_line(const char *line, const char *end, const char *name,
                           unsigned occ, long long *out)
{
	size_t nl = strlen(name);
	const char *q = line;

	while (q < end) {
		const char *next = skip_noise(q, end);
		if (next != q) {
			q = next;
			continue;
		}
		if (!ident_char(*q)) {
			q++;
			continue;
		}
		const char *id = q;
		while (q < end && ident_char(*q))
			q++;
		if ((size_t)(q - id) != nl || memcmp(id, name, nl) != 0)
			continue;
		const char *v = q;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v == end || (*v != '=' && *v != ':'))
			continue;
		if (occ-- > 0)
			continue;
		for (v++; v < end && (*v == ' ' || *v == '\t'); v++)
			;
		bool neg = v < end && *v == '-';
		if (v < end && (*v == '-' || *v == '+'))
			v++;
		bool hex = end - v > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
		char buf[64];
		size_t n = 0;
		for (const char *d = hex ? v + 2 : v; d < end && n < sizeof(buf) - 1 &&
		     (hex ? isxdigit((unsigned char)*d) : isdigit((unsigned char)*d)); d++)
			buf[n++] = *d;
		buf[n] = '\0';
		if (n == 0)
			return 0;
		if (n == sizeof(buf) - 1)
			return -1;      /* 63 digits or more: far beyond 64 bits */
		errno = 0;
		char *e;
		unsigned long long u = strtoull(buf, &e, hex ? 16 : 10);
		if (*e)
			return 0;
		if (errno == ERANGE || u > (unsigned long long)LLONG_MAX + neg)
			return -1;
		*out = neg ? (long long)(0 - u) : (long long)u;
		return 1;
	}
	return 0;
}

/* occ: how many settings of the same name come before s on its line. */
static int int_from_source(struct parser *p, const config_setting_t *s, unsigned occ,
                           long long *out)
{
	const char *name = config_setting_name(s);
	unsigned line = config_setting_source_line(s);
	const struct src_text *st;

	if (!name || !line)
		return 0;
	st = src_get(p, config_setting_source_file(s));
	if (!st || line > st->nlines)
		return 0;
	const char *b = st->text + st->line_off[line - 1];
	const char *e = strchr(b, '\n');
	return literal_on_line(b, e ? e : b + strlen(b), name, occ, out);
}

static bool same_file(const config_setting_t *s, const char *file)
{
	const char *f = config_setting_source_file(s);
	return (!f && !file) || (f && file && strcmp(f, file) == 0);
}

/* Entries of a list can share a line ("{ metric = 1; }, { metric = 2; }"):
 * count the settings named like s on its line in the entries before entry
 * idx.  Entries are in file order, so the walk stops at the first entry
 * that ends on an earlier line. */
static unsigned same_line_before(const config_setting_t *list, unsigned idx,
                                 const config_setting_t *s)
{
	const char *name = config_setting_name(s), *file = config_setting_source_file(s);
	unsigned line = config_setting_source_line(s), n = 0;

	while (idx-- > 0) {
		const config_setting_t *e = config_setting_get_elem(list, idx);
		int len = config_setting_length(e);
		const config_setting_t *last = len > 0 ? config_setting_get_elem(e, (unsigned)len - 1) : e;
		const config_setting_t *m;

		if (!same_file(last, file) || config_setting_source_line(last) < line)
			break;
		m = config_setting_get_member(e, name);
		if (m && same_file(m, file) && config_setting_source_line(m) == line)
			n++;
	}
	return n;
}

static int get_int(struct parser *p, const config_setting_t *s, const char *what,
                   long long min, long long max, unsigned occ, long long *out)
{
	int type = config_setting_type(s);
	long long v;

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return fail(p, s, "%s: expected an integer, not a %s", what, type_name(type));
	v = config_setting_get_int64(s);
	if (type == CONFIG_TYPE_INT) {
		long long lit;
		int r = int_from_source(p, s, occ, &lit);
		if (r < 0)
			return fail(p, s, "%s: integer too large (allowed: %lld..%lld)", what, min, max);
		if (r > 0)
			v = lit;
	}
	if (v < min || v > max)
		return fail(p, s, "%s: %lld is out of range (allowed: %lld..%lld)", what, v, min, max);
	*out = v;
	return 0;
}

/* ---- scalar settings ---------------------------------------------------- */

static int get_string(struct parser *p, const config_setting_t *s, const char *what,
                      const char **out)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_STRING)
		return fail(p, s, "%s: expected a string in double quotes, not a %s", what,
		            type_name(type));
	*out = config_setting_get_string(s);
	return 0;
}

static int parse_u32(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	long long v;

	if (get_int(p, s, def->name, def->min, def->max, 0, &v) < 0)
		return -1;
	*(uint32_t *)((char *)p->c + def->off) = (uint32_t)v;
	return 0;
}

static int parse_socket(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	const char *v = NULL;

	if (get_string(p, s, def->name, &v) < 0)
		return -1;
	if (v[0] != '/')
		return fail(p, s, "%s: \"%s\" is not an absolute path", def->name, v);
	/* The kernel's limit for a socket path, which is below RT_PATHLEN. */
	if (strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return fail(p, s, "%s: path too long (at most %zu bytes)", def->name,
		            sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	snprintf(p->c->socket, sizeof(p->c->socket), "%s", v);
	p->c->has_socket = true;
	return 0;
}

static int parse_state_dir(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	const char *v = NULL;

	if (get_string(p, s, def->name, &v) < 0)
		return -1;
	if (v[0] != '/')
		return fail(p, s, "%s: \"%s\" is not an absolute path", def->name, v);
	if (strlen(v) >= STATE_DIR_MAX)
		return fail(p, s, "%s: path too long (at most %d bytes)", def->name, STATE_DIR_MAX - 1);
	snprintf(p->c->state_dir, sizeof(p->c->state_dir), "%s", v);
	p->c->has_state_dir = true;
	return 0;
}

static int parse_sync(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	const char *v = NULL;

	if (get_string(p, s, def->name, &v) < 0)
		return -1;
	if (strcmp(v, "always") == 0)
		p->c->sync_always = true;
	else if (strcmp(v, "interval") == 0)
		p->c->sync_always = false;
	else
		return fail(p, s, "%s: \"%s\" is not \"always\" or \"interval\"", def->name, v);
	return 0;
}

/* The portable user/group name characters (and the '$' Samba adds);
 * anything else would never match a name and is surely a typo. */
static bool valid_name(const char *v)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++) {
		char ch = v[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		          (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		          (ch == '-' && i > 0) || (ch == '$' && i == n - 1 && i > 0);
		if (!ok)
			return false;
	}
	return n > 0;
}

/* writer-group and fpm-peer-user: a name of at most cap - 1 bytes. */
static int parse_name(struct parser *p, const config_setting_t *s, const char *def_name,
                      const char *kind, char *out, size_t cap)
{
	const char *v = NULL;
	size_t n;

	if (get_string(p, s, def_name, &v) < 0)
		return -1;
	n = strlen(v);
	if (n == 0)
		return fail(p, s, "%s: empty %s name", def_name, kind);
	if (n >= cap)
		return fail(p, s, "%s: %s name too long (at most %zu bytes)", def_name, kind, cap - 1);
	if (!valid_name(v))
		return fail(p, s, "%s: \"%s\" is not a valid %s name", def_name, v, kind);
	snprintf(out, cap, "%s", v);
	return 0;
}

static int parse_group(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	return parse_name(p, s, def->name, "group", p->c->writer_group, sizeof(p->c->writer_group));
}

static int parse_fpm_user(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	return parse_name(p, s, def->name, "user", p->c->fpm_peer_user, sizeof(p->c->fpm_peer_user));
}

int config_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                     char *err, size_t errlen)
{
	char host[64];
	const char *colon, *port_s;
	char *end;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':') {
			snprintf(err, errlen, "\"%s\": expected [IPV6]:PORT", s);
			return -1;
		}
		hl = (size_t)(rb - s - 1);
		memcpy(host, s + 1, hl < sizeof(host) ? hl : 0);
		port_s = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			snprintf(err, errlen, "\"%s\": expected ADDRESS:PORT, as in \"127.0.0.1:2620\"", s);
			return -1;
		}
		hl = (size_t)(colon - s);
		memcpy(host, s, hl < sizeof(host) ? hl : 0);
		port_s = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(err, errlen, "\"%s\": missing or over-long address", s);
		return -1;
	}
	host[hl] = '\0';
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || port == 0 || port > 65535 || port_s[0] == '+' ||
	    port_s[0] == '-' || port_s[0] == ' ') {
		snprintf(err, errlen, "\"%s\": port must be 1..65535", s);
		return -1;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1 && s[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	snprintf(err, errlen, "\"%s\": \"%s\" is not an IPv4 or IPv6 address (names are not looked up)",
	         s, host);
	return -1;
}

static int parse_fpm_listen(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[160];
	const char *v = NULL;

	if (get_string(p, s, def->name, &v) < 0)
		return -1;
	/* "" is the default: off. */
	if (v[0] && config_parse_listen(v, &ss, &len, why, sizeof(why)) < 0)
		return fail(p, s, "%s: %s", def->name, why);
	if (strlen(v) >= sizeof(p->c->fpm_listen))
		return fail(p, s, "%s: too long", def->name);
	snprintf(p->c->fpm_listen, sizeof(p->c->fpm_listen), "%s", v);
	return 0;
}

static int parse_log_level(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	const char *v = NULL;
	int level;

	if (get_string(p, s, def->name, &v) < 0)
		return -1;
	level = rt_log_level_parse(v);
	if (level < 0)
		return fail(p, s, "%s: \"%s\" is not one of err, warning, notice, info, debug",
		            def->name, v);
	p->c->log_level = level;
	return 0;
}

/* ---- routes and arp ----------------------------------------------------- */

/* Check that s is a list of groups; *n receives its length. */
static int get_entry_list(struct parser *p, const config_setting_t *s, const char *what,
                          const char *example, size_t *n)
{
	int type = config_setting_type(s);
	int len = config_setting_length(s);

	/* An empty "[]" is an empty array to libconfig: allow it. */
	if (!(type == CONFIG_TYPE_LIST || (type == CONFIG_TYPE_ARRAY && len == 0)))
		return fail(p, s, "%s: expected a list of groups, as in %s = ( %s, ... )",
		            what, what, example);
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			return fail(p, e, "%s: entry %d is a %s, expected a group %s", what, i + 1,
			            type_name(config_setting_type(e)), example);
	}
	*n = (size_t)len;
	return 0;
}

static int parse_metric(struct parser *p, const config_setting_t *s, unsigned occ, uint32_t *out)
{
	char err[RT_ERRLEN];
	long long v;

	/* A quoted metric goes through the same parser as rtctl's. */
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (rt_metric_parse(config_setting_get_string(s), out, err) < 0)
			return fail(p, s, "metric: %s", err);
		return 0;
	}
	if (get_int(p, s, "metric", 0, UINT32_MAX, occ, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* A next hop's gateway: "ADDR", or "inet6 ADDR" for an IPv4 route's IPv6
 * gateway (the kernel's RTA_VIA, as ip(8) writes it). */
static int parse_gateway(struct parser *p, const config_setting_t *s, struct rt_addr *gw)
{
	char err[RT_ERRLEN];
	const char *v = NULL;

	if (get_string(p, s, "via", &v) < 0)
		return -1;
	if (strncmp(v, "inet6 ", 6) == 0 || strncmp(v, "inet ", 5) == 0) {
		bool six = v[4] == '6';
		if (rt_addr_parse(v + (six ? 6 : 5), gw, err) < 0)
			return fail(p, s, "via: %s", err);
		if (gw->family != (six ? AF_INET6 : AF_INET))
			return fail(p, s, "via: \"%s\" is not an %s address", v, six ? "inet6" : "inet");
		return 0;
	}
	if (rt_addr_parse(v, gw, err) < 0)
		return fail(p, s, "via: %s", err);
	return 0;
}

static int parse_bool(struct parser *p, const config_setting_t *s, const char *what, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(p, s, "%s: expected true or false, not a %s", what,
		            type_name(config_setting_type(s)));
	*out = config_setting_get_bool(s);
	return 0;
}

/* One group of "nexthops = ( ... )": via, dev, weight, onlink. */
static int parse_nexthop(struct parser *p, const config_setting_t *list, unsigned idx,
                         struct rt_nexthop *nh)
{
	const config_setting_t *g = config_setting_get_elem(list, idx);
	char err[RT_ERRLEN];

	memset(nh, 0, sizeof(*nh));
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(p, g, "nexthops: entry %u is a %s, expected a group { via = ...; dev = ...; }",
		            idx + 1, type_name(config_setting_type(g)));
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s), *v = NULL;

		if (strcmp(name, "via") == 0) {
			if (parse_gateway(p, s, &nh->gw) < 0)
				return -1;
		} else if (strcmp(name, "dev") == 0) {
			if (get_string(p, s, name, &v) < 0)
				return -1;
			if (rt_ifname_parse(v, nh->dev, err) < 0)
				return fail(p, s, "dev: %s", err);
		} else if (strcmp(name, "weight") == 0) {
			long long w;
			if (get_int(p, s, name, 1, RT_WEIGHT_MAX, same_line_before(list, idx, s), &w) < 0)
				return -1;
			nh->weight = (uint16_t)w;
		} else if (strcmp(name, "onlink") == 0) {
			bool on = false;
			if (parse_bool(p, s, name, &on) < 0)
				return -1;
			nh->flags = on ? RT_NHF_ONLINK : 0;
		} else {
			return fail(p, s, "nexthops: unknown setting \"%s\" (known: via, dev, weight, onlink)",
			            name);
		}
	}
	if (!nh->gw.family && !nh->dev[0])
		return fail(p, g, "nexthops: entry %u needs via or dev", idx + 1);
	return 0;
}

/* Entry idx of list, into r. */
static int parse_route(struct parser *p, const config_setting_t *list, unsigned idx,
                       struct rt_route *r)
{
	const config_setting_t *g = config_setting_get_elem(list, idx), *hops = NULL;
	char err[RT_ERRLEN], buf[RT_PREFIXSTRLEN];
	bool have_dst = false, have_scope = false, onlink = false, single = false;
	const char *v = NULL;

	rt_route_init(r);
	r->origin = RT_ORIGIN_CONFIG;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);

		if (strcmp(name, "metric") == 0) {
			if (parse_metric(p, s, same_line_before(list, idx, s), &r->metric) < 0)
				return -1;
		} else if (strcmp(name, "onlink") == 0) {
			if (parse_bool(p, s, name, &onlink) < 0)
				return -1;
			single = true;
		} else if (strcmp(name, "nexthops") == 0) {
			hops = s;
		} else if (strcmp(name, "via") == 0) {
			if (parse_gateway(p, s, &r->nh[0].gw) < 0)
				return -1;
			single = true;
		} else if (strcmp(name, "dst") == 0 || strcmp(name, "dev") == 0 ||
		           strcmp(name, "src") == 0 || strcmp(name, "scope") == 0 ||
		           strcmp(name, "type") == 0) {
			if (get_string(p, s, name, &v) < 0)
				return -1;
			if (strcmp(name, "dst") == 0) {
				if (rt_prefix_parse(v, &r->dst, err) < 0)
					return fail(p, s, "dst: %s", err);
				have_dst = true;
			} else if (strcmp(name, "dev") == 0) {
				if (rt_ifname_parse(v, r->nh[0].dev, err) < 0)
					return fail(p, s, "dev: %s", err);
				single = true;
			} else if (strcmp(name, "src") == 0) {
				if (rt_addr_parse(v, &r->src, err) < 0)
					return fail(p, s, "src: %s", err);
			} else if (strcmp(name, "scope") == 0) {
				if (rt_scope_parse(v, &r->scope) < 0)
					return fail(p, s, "scope: \"%s\" is not a scope (global, link, host, "
					            "or a number)", v);
				have_scope = true;
			} else if (rt_type_parse(v, &r->type) < 0 || !(r->type == RTN_UNICAST ||
			           r->type == RTN_BLACKHOLE || r->type == RTN_UNREACHABLE ||
			           r->type == RTN_PROHIBIT)) {
				return fail(p, s, "type: \"%s\" is not unicast, blackhole, unreachable or "
				            "prohibit", v);
			}
		} else {
			return fail(p, s, "routes: unknown setting \"%s\" (known: dst, type, via, dev, "
			            "src, scope, onlink, metric, nexthops)", name);
		}
	}
	if (!have_dst)
		return fail(p, g, "routes: entry has no dst");
	rt_prefix_str(&r->dst, buf);
	if (hops) {
		int n = config_setting_length(hops);
		if (single)
			return fail(p, hops, "route %s: nexthops and via/dev/onlink are exclusive", buf);
		if (config_setting_type(hops) != CONFIG_TYPE_LIST || n < 1)
			return fail(p, hops, "route %s: nexthops: expected a list of groups, as in "
			            "nexthops = ( { via = \"192.0.2.1\"; dev = \"eth0\"; }, ... )", buf);
		if (n > RT_NH_MAX)
			return fail(p, hops, "route %s: %d next hops, at most %d", buf, n, RT_NH_MAX);
		for (int i = 0; i < n; i++)
			if (parse_nexthop(p, hops, (unsigned)i, &r->nh[i]) < 0)
				return -1;
		r->nh_count = (uint16_t)n;
	} else if (single) {
		r->nh[0].flags = onlink ? RT_NHF_ONLINK : 0;
		r->nh_count = 1;
	}
	/* "default" takes its family from the gateway, as in ip(8) */
	if (r->dst.len == 0 && r->dst.addr.family == AF_INET && r->nh_count &&
	    r->nh[0].gw.family == AF_INET6)
		r->dst.addr.family = AF_INET6;
	for (unsigned i = 0; i < r->nh_count; i++) {
		const struct rt_addr *gw = &r->nh[i].gw;
		/* an IPv6 gateway of an IPv4 route only as "inet6 ADDR" */
		if (gw->family && gw->family != r->dst.addr.family)
			return fail(p, g, "route %s: gateway family does not match the destination's "
			            "(an IPv4 route via an IPv6 gateway is written via = \"inet6 ADDR\")",
			            buf);
	}
	rt_route_normalise(r, !have_scope);
	if (rt_route_check(r, err) < 0)
		return fail(p, g, "route %s: %s", buf, err);
	return 0;
}

static int parse_neigh(struct parser *p, const config_setting_t *g, struct rt_neigh *n)
{
	char err[RT_ERRLEN], buf[RT_ADDRSTRLEN];
	bool have_ip = false, have_mac = false;
	const char *v = NULL;

	memset(n, 0, sizeof(*n));
	n->origin = RT_ORIGIN_CONFIG;
	n->state = NUD_PERMANENT;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);

		if (strcmp(name, "ip") != 0 && strcmp(name, "lladdr") != 0 && strcmp(name, "dev") != 0)
			return fail(p, s, "%s: unknown setting \"%s\" (known: ip, lladdr, dev)",
			            config_setting_name(config_setting_parent(config_setting_parent(s))),
			            name);
		if (get_string(p, s, name, &v) < 0)
			return -1;
		if (strcmp(name, "ip") == 0) {
			if (rt_addr_parse(v, &n->ip, err) < 0)
				return fail(p, s, "ip: %s", err);
			have_ip = true;
		} else if (strcmp(name, "lladdr") == 0) {
			if (rt_mac_parse(v, n->lladdr, err) < 0)
				return fail(p, s, "lladdr: %s", err);
			have_mac = true;
		} else if (rt_ifname_parse(v, n->dev, err) < 0) {
			return fail(p, s, "dev: %s", err);
		}
	}
	if (!have_ip)
		return fail(p, g, "arp: entry has no ip");
	if (!have_mac)
		return fail(p, g, "arp: entry %s has no lladdr", rt_addr_str(&n->ip, buf));
	if (!n->dev[0])
		return fail(p, g, "arp: entry %s has no dev", rt_addr_str(&n->ip, buf));
	if (rt_neigh_check(n, err) < 0)
		return fail(p, g, "arp %s: %s", rt_addr_str(&n->ip, buf), err);
	return 0;
}

/* Where setting g is, as the config keeps it: its file name interned in
 * c->files.  0, or -1 (no memory). */
static int locate_at(struct parser *p, const config_setting_t *g, struct config_at *at)
{
	const char *f = file_of(p, g);
	struct rtmd_config *c = p->c;

	at->line = config_setting_source_line(g);
	for (size_t i = 0; i < c->n_files; i++)
		if (strcmp(c->files[i], f) == 0) {
			at->file = c->files[i];
			return 0;
		}
	char **v = realloc(c->files, (c->n_files + 1) * sizeof(*v));
	if (!v)
		return -1;
	c->files = v;
	if (!(v[c->n_files] = strdup(f)))
		return -1;
	at->file = v[c->n_files++];
	return 0;
}

static int parse_routes(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	struct rtmd_config *c = p->c;
	size_t n;

	if (get_entry_list(p, s, def->name, "{ dst = \"10.0.0.0/24\"; via = \"192.0.2.1\"; }", &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	c->routes = calloc(n, sizeof(*c->routes));
	c->route_at = calloc(n, sizeof(*c->route_at));
	if (!c->routes || !c->route_at)
		return fail(p, s, "routes: out of memory for %zu entries", n);
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		size_t k = c->n_routes;

		if (parse_route(p, s, (unsigned)i, p->scratch) < 0) {
			p->failed = true;       /* and on to the next entry's errors */
			continue;
		}
		if (!(c->routes[k] = rt_route_dup(p->scratch)) || locate_at(p, g, &c->route_at[k]) < 0)
			return fail(p, s, "routes: out of memory for %zu entries", n);
		c->n_routes = k + 1;
	}
	return 0;
}

/* "neighbours" and "arp": one list, entries appended in file order. */
static int parse_arp(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	struct rtmd_config *c = p->c;
	size_t n, have = c->n_neighs;
	void *a, *b;

	if (get_entry_list(p, s, def->name,
	                   "{ ip = \"192.0.2.7\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; }",
	                   &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	a = realloc(c->neighs, (have + n) * sizeof(*c->neighs));
	if (a)
		c->neighs = a;
	b = a ? realloc(c->neigh_at, (have + n) * sizeof(*c->neigh_at)) : NULL;
	if (b)
		c->neigh_at = b;
	if (!a || !b)
		return fail(p, s, "%s: out of memory for %zu entries", def->name, n);
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		size_t k = c->n_neighs;

		if (parse_neigh(p, g, &c->neighs[k]) < 0) {
			p->failed = true;
			continue;
		}
		if (locate_at(p, g, &c->neigh_at[k]) < 0)
			return fail(p, s, "%s: out of memory for %zu entries", def->name, n);
		c->n_neighs = k + 1;
	}
	return 0;
}

/* ---- duplicate keys ----------------------------------------------------- */

/* Sorting indexes by key (then by position) puts duplicates next to each
 * other with the first definition first: O(n log n) for large tables. */
struct keyref {
	const void *entry;
	size_t idx;
};

static int addr_cmp(const struct rt_addr *a, const struct rt_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

static int route_key_cmp(const void *x, const void *y)
{
	const struct keyref *kx = x, *ky = y;
	/* entries: the config's array of route pointers */
	const struct rt_route *a = *(const struct rt_route *const *)kx->entry;
	const struct rt_route *b = *(const struct rt_route *const *)ky->entry;
	int c = addr_cmp(&a->dst.addr, &b->dst.addr);

	if (c == 0 && a->dst.len != b->dst.len)
		c = a->dst.len < b->dst.len ? -1 : 1;
	if (c == 0 && a->metric != b->metric)
		c = a->metric < b->metric ? -1 : 1;
	if (c == 0 && kx->idx != ky->idx)
		c = kx->idx < ky->idx ? -1 : 1;
	return c;
}

static int neigh_key_cmp(const void *x, const void *y)
{
	const struct keyref *kx = x, *ky = y;
	const struct rt_neigh *a = kx->entry, *b = ky->entry;
	int c = strncmp(a->dev, b->dev, RT_IFNAMSIZ);

	if (c == 0)
		c = addr_cmp(&a->ip, &b->ip);
	if (c == 0 && kx->idx != ky->idx)
		c = kx->idx < ky->idx ? -1 : 1;
	return c;
}

/* Finds the duplicate whose second definition comes first in the file.
 * Returns 1 with *first and *second set, 0 if there is none, -1 on ENOMEM. */
static int find_duplicate(const void *entries, size_t n, size_t size,
                          int (*cmp)(const void *, const void *), size_t *first, size_t *second)
{
	struct keyref *k;
	size_t best = SIZE_MAX;

	if (n < 2)
		return 0;
	k = malloc(n * sizeof(*k));
	if (!k)
		return -1;
	for (size_t i = 0; i < n; i++) {
		k[i].entry = (const char *)entries + i * size;
		k[i].idx = i;
	}
	qsort(k, n, sizeof(*k), cmp);
	for (size_t i = 1; i < n; i++) {
		struct keyref a = k[i - 1], b = k[i];
		a.idx = b.idx = 0;      /* compare keys only */
		if (cmp(&a, &b) != 0)
			continue;
		/* k[i - 1] is the first of this run only if the run starts there. */
		size_t j = i - 1;
		while (j > 0) {
			struct keyref c = k[j - 1], d = k[j];
			c.idx = d.idx = 0;
			if (cmp(&c, &d) != 0)
				break;
			j--;
		}
		if (k[i].idx < best) {
			best = k[i].idx;
			*first = k[j].idx;
			*second = k[i].idx;
		}
	}
	free(k);
	return best != SIZE_MAX;
}

static void loc_text(const struct config_at *here, const struct config_at *there,
                     char *buf, size_t cap)
{
	if (strcmp(here->file, there->file) == 0)
		snprintf(buf, cap, "line %u", there->line);
	else
		snprintf(buf, cap, "%s:%u", there->file, there->line);
}

static int fail_at(struct parser *p, const struct config_at *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, const struct config_at *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_line(p, at->file, at->line, msg);
}

static int check_duplicates(struct parser *p)
{
	char key[RT_ROUTESTRLEN], where[RT_PATHLEN + 16], ip[RT_ADDRSTRLEN];
	size_t a, b;
	int r;

	r = find_duplicate(p->c->routes, p->c->n_routes, sizeof(*p->c->routes), route_key_cmp,
	                   &a, &b);
	if (r < 0)
		return fail(p, NULL, "out of memory checking routes for duplicates");
	if (r > 0) {
		rt_route_key_format(p->c->routes[b], key, sizeof(key));
		loc_text(&p->c->route_at[b], &p->c->route_at[a], where, sizeof(where));
		return fail_at(p, &p->c->route_at[b], "duplicate route %s: already defined at %s "
		               "(a route is identified by dst and metric)", key, where);
	}
	r = find_duplicate(p->c->neighs, p->c->n_neighs, sizeof(*p->c->neighs), neigh_key_cmp,
	                   &a, &b);
	if (r < 0)
		return fail(p, NULL, "out of memory checking arp for duplicates");
	if (r > 0) {
		const struct rt_neigh *n = &p->c->neighs[b];
		loc_text(&p->c->neigh_at[b], &p->c->neigh_at[a], where, sizeof(where));
		return fail_at(p, &p->c->neigh_at[b], "duplicate arp entry %s dev %s: already defined "
		               "at %s (an entry is identified by dev and ip)",
		               rt_addr_str(&n->ip, ip), n->dev, where);
	}
	return 0;
}

/* ---- kernel sync -------------------------------------------------------- */

static int parse_bool_setting(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(p, s, "%s: expected true or false, not a %s", def->name,
		            type_name(config_setting_type(s)));
	*(bool *)((char *)p->c + def->off) = config_setting_get_bool(s);
	return 0;
}

/* A table number in ip(8)'s spelling: decimal or 0x hex. */
static bool table_number(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* NAME's number in one rt_tables file ("NUMBER NAME" lines, '#'
 * comments); the last definition wins, as in ip(8). */
static void table_in_file(const char *path, const char *name, uint32_t *out, bool *found)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char num[64], nm[256];
		uint32_t v;

		if (sscanf(line, " %63s %255s", num, nm) == 2 && num[0] != '#' &&
		    strcmp(nm, name) == 0 && table_number(num, &v)) {
			*out = v;
			*found = true;
		}
	}
	fclose(f);
}

static int table_conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

/* iproute2's table names: built in, then rt_tables (/etc, else
 * /usr/share), then the .conf files of rt_tables.d in both. */
static bool table_lookup(const char *name, uint32_t *out)
{
	static const char *const dirs[] = { "/usr/share/iproute2", SYSCONFDIR "/iproute2" };
	char path[512];
	bool found = false;

	if (strcmp(name, "main") == 0 || strcmp(name, "default") == 0 || strcmp(name, "local") == 0) {
		*out = name[0] == 'm' ? 254 : name[0] == 'd' ? 253 : 255;
		return true;
	}
	snprintf(path, sizeof(path), "%s/iproute2/rt_tables", SYSCONFDIR);
	if (access(path, R_OK) == 0)
		table_in_file(path, name, out, &found);
	else
		table_in_file("/usr/share/iproute2/rt_tables", name, out, &found);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct dirent **ents;
		int n;

		snprintf(path, sizeof(path), "%s/rt_tables.d", dirs[i]);
		if ((n = scandir(path, &ents, table_conf_filter, alphasort)) < 0)
			continue;
		for (int j = 0; j < n; j++) {
			char file[800];

			snprintf(file, sizeof(file), "%s/%s", path, ents[j]->d_name);
			table_in_file(file, name, out, &found);
			free(ents[j]);
		}
		free(ents);
	}
	return found;
}

static int parse_table(struct parser *p, const config_setting_t *s, const struct setting *def)
{
	uint32_t v = 0;

	if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
		long long n;

		if (get_int(p, s, def->name, 1, UINT32_MAX, 0, &n) < 0)
			return -1;
		p->c->kernel_table = (uint32_t)n;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(p, s, "%s: expected a table name or number, not a %s", def->name,
		            type_name(config_setting_type(s)));
	if (!table_number(config_setting_get_string(s), &v) &&
	    !table_lookup(config_setting_get_string(s), &v))
		return fail(p, s, "%s: no table \"%s\" in %s/iproute2/rt_tables (give a number, or name it there)",
		            def->name, config_setting_get_string(s), SYSCONFDIR);
	if (v == 0)
		return fail(p, s, "%s: table 0 is not a table (allowed: 1..4294967295)", def->name);
	p->c->kernel_table = v;
	return 0;
}

/* ---- the file ----------------------------------------------------------- */

static const struct setting settings[] = {
	{ "socket", parse_socket, 0, 0, 0 },
	{ "state-dir", parse_state_dir, 0, 0, 0 },
	{ "sync", parse_sync, 0, 0, 0 },
	{ "sync-interval-ms", parse_u32, offsetof(struct rtmd_config, sync_interval_ms), 1, 60000 },
	{ "writer-group", parse_group, 0, 0, 0 },
	{ "max-clients", parse_u32, offsetof(struct rtmd_config, max_clients), 1, 1000000 },
	{ "max-subscriber-queue", parse_u32,
	  offsetof(struct rtmd_config, max_subscriber_queue), 16, 16777216 },
	/* Above 1 MiB a message no longer fits a default socket buffer. */
	{ "max-message-size", parse_u32,
	  offsetof(struct rtmd_config, max_message_size), RT_MSG_MIN_MAX, 1048576 },
	{ "max-reply-memory", parse_u32,
	  offsetof(struct rtmd_config, max_reply_memory), 1, 1048576 },
	/* In milliseconds it must still fit poll()'s int timeout. */
	{ "idle-timeout", parse_u32, offsetof(struct rtmd_config, idle_timeout), 0, INT_MAX / 1000 },
	{ "log-level", parse_log_level, 0, 0, 0 },
	{ "route-capacity", parse_u32, offsetof(struct rtmd_config, route_capacity), 1, 16777216 },
	{ "arp-capacity", parse_u32, offsetof(struct rtmd_config, arp_capacity), 1, 16777216 },
	{ "kernel-sync", parse_bool_setting, offsetof(struct rtmd_config, kernel_sync), 0, 0 },
	{ "kernel-table", parse_table, 0, 0, 0 },
	/* 0 is RTPROT_UNSPEC, which the kernel reads as "any" in a delete;
	 * 1..3 are the kernel's own and ip(8)'s default (boot): rtmd removes
	 * routes of its protocol that it does not hold, so never those. */
	{ "kernel-protocol", parse_u32, offsetof(struct rtmd_config, kernel_protocol), 4, 255 },
	/* What a burst of notifications may fill before one is lost (and rtmd
	 * dumps again): ~1 KB each, so 64 MiB holds ~130 k. */
	{ "kernel-receive-buffer", parse_u32, offsetof(struct rtmd_config, kernel_rcvbuf_mb), 1, 1024 },
	{ "routes", parse_routes, 0, 0, 0 },
	{ "neighbours", parse_arp, 0, 0, 0 },
	{ "arp", parse_arp, 0, 0, 0 },
	{ "fpm-listen", parse_fpm_listen, 0, 0, 0 },
	{ "fpm-peer-user", parse_fpm_user, 0, 0, 0 },
	{ "fpm-grace-seconds", parse_u32, offsetof(struct rtmd_config, fpm_grace_seconds), 0, 86400 },
};

/* Reads a whole text file; NULL with *err_no set on failure (EISDIR for a
 * directory, EFBIG when too large, EILSEQ for a NUL byte). */
static char *read_text(const char *path, int *err_no)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err_no = errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		*err_no = errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		*err_no = EISDIR;
		goto fail;
	}
	for (;;) {
		if (len + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;
			if (ncap > CONFIG_MAX_BYTES + 1) {
				*err_no = EFBIG;
				goto fail;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				*err_no = ENOMEM;
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*err_no = errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		*err_no = EILSEQ;
		goto fail;
	}
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

static int parse_root(struct parser *p, const config_setting_t *root)
{
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct setting *def = NULL;

		for (size_t k = 0; k < sizeof(settings) / sizeof(settings[0]); k++)
			if (strcmp(settings[k].name, name) == 0)
				def = &settings[k];
		if (!def)
			p->failed |= fail(p, s, "unknown setting \"%s\" (see rtmd.conf(5))", name) < 0;
		else if (def->parse(p, s, def) < 0)
			p->failed = true;
	}
	return check_duplicates(p) < 0 || p->failed ? -1 : 0;
}

int config_load(const char *path, bool missing_ok, struct rtmd_config *c, char *err, size_t errlen)
{
	struct rtmd_config tmp;
	struct parser p = { .path = path, .err = err, .errlen = errlen, .c = &tmp };
	config_t cfg;
	char *text, *dir;
	int e = 0, rc = -1;

	config_defaults(c);
	config_defaults(&tmp);
	if (errlen)
		err[0] = '\0';
	text = read_text(path, &e);
	if (!text) {
		if (e == ENOENT && missing_ok)
			return 0;
		if (e == EILSEQ)
			fail(&p, NULL, "contains a NUL byte: not a text configuration file");
		else if (e == EFBIG)
			fail(&p, NULL, "larger than %u MiB: not an rtmd configuration file",
			     CONFIG_MAX_BYTES >> 20);
		else
			fail(&p, NULL, "cannot read: %s", strerror(e));
		return -1;
	}
	/* Keep the text: integer literals are re-read from it. */
	p.src[0].text = text;
	p.src[0].tried = true;
	p.nsrc = 1;
	if (src_index(&p.src[0]) < 0)
		p.src[0].failed = true;
	if (!(p.scratch = malloc(rt_route_size(RT_NH_MAX)))) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(text);
		p.src[0].text = NULL;
		src_free(&p);
		return -1;
	}

	config_init(&cfg);
	/* @include names are relative to the including file, not to the
	 * directory rtmd happened to start in. */
	dir = strdup(path);
	if (dir) {
		char *slash = strrchr(dir, '/');
		if (slash) {
			/* Cut the file name; "/rtmd.conf" keeps its "/". */
			slash[slash == dir] = '\0';
			config_set_include_dir(&cfg, dir);
			p.include_dir = dir;
		}
	}
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		const char *f = file_name(&p, config_error_file(&cfg));
		if (config_error_line(&cfg) > 0)
			snprintf(err, errlen, "%s:%d: %s", f, config_error_line(&cfg),
			         config_error_text(&cfg));
		else
			snprintf(err, errlen, "%s: %s", f, config_error_text(&cfg));
		goto out;
	}
	if (parse_root(&p, config_root_setting(&cfg)) < 0)
		goto out;
	*c = tmp;
	config_defaults(&tmp);          /* c owns what tmp held */
	rc = 0;
out:
	config_free(&tmp);
	free(p.scratch);
	config_destroy(&cfg);
	free(dir);
	src_free(&p);
	return rc;
}
