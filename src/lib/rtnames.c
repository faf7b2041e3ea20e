/* rtnames.c - protocol, type, scope, tos and state names (rtnames.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/rtnetlink.h>

#include "addr.h"
#include "rtnames.h"

#define ETC_DIR "/etc/iproute2"
#define USR_DIR "/usr/share/iproute2"
#define MAX_DROPINS 256

typedef char name_tab[256][RT_NAMELEN];

static name_tab protos, scopes, dsfields;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;             /* the tables hold something: defaults or a test's */

/* ip(8)'s built-in tables (lib/rt_names.c), used where no file speaks. */
static const struct { uint8_t id; const char *name; } builtin_protos[] = {
	{ RTPROT_UNSPEC, "unspec" }, { RTPROT_REDIRECT, "redirect" }, { RTPROT_KERNEL, "kernel" },
	{ RTPROT_BOOT, "boot" }, { RTPROT_STATIC, "static" }, { RTPROT_GATED, "gated" },
	{ RTPROT_RA, "ra" }, { RTPROT_MRT, "mrt" }, { RTPROT_ZEBRA, "zebra" },
	{ RTPROT_BIRD, "bird" }, { RTPROT_BABEL, "babel" }, { RTPROT_DNROUTED, "dnrouted" },
	{ RTPROT_XORP, "xorp" }, { RTPROT_NTK, "ntk" }, { RTPROT_DHCP, "dhcp" },
	{ RTPROT_KEEPALIVED, "keepalived" }, { RTPROT_BGP, "bgp" }, { RTPROT_ISIS, "isis" },
	{ RTPROT_OSPF, "ospf" }, { RTPROT_RIP, "rip" }, { RTPROT_EIGRP, "eigrp" },
}, builtin_scopes[] = {
	{ RT_SCOPE_UNIVERSE, "global" }, { RT_SCOPE_SITE, "site" }, { RT_SCOPE_LINK, "link" },
	{ RT_SCOPE_HOST, "host" }, { RT_SCOPE_NOWHERE, "nowhere" },
};

static const char *const types[] = {
	[RTN_UNSPEC] = "none", [RTN_UNICAST] = "unicast", [RTN_LOCAL] = "local",
	[RTN_BROADCAST] = "broadcast", [RTN_ANYCAST] = "anycast", [RTN_MULTICAST] = "multicast",
	[RTN_BLACKHOLE] = "blackhole", [RTN_UNREACHABLE] = "unreachable",
	[RTN_PROHIBIT] = "prohibit", [RTN_THROW] = "throw", [RTN_NAT] = "nat",
	[RTN_XRESOLVE] = "xresolve",
};

/* In bit order, as ip(8) prints them. */
static const char *const nud_names[8] = {
	"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT",
};

/* ---- reading iproute2's files -------------------------------------------- */

/* One "ID NAME" line, as ip reads it (decimal or 0x hex id, '#'
 * comments).  Lines that do not parse, ids beyond 255 and names too long
 * to keep are skipped. */
static void read_line(char *line, name_tab tab)
{
	char *p = line, *end, *name;
	unsigned long id;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\n' || *p == '\0')
		return;
	errno = 0;
	id = strtoul(p, &end, 0);
	if (errno || end == p || id > 255 || (*end != ' ' && *end != '\t'))
		return;
	for (p = end; *p == ' ' || *p == '\t'; p++)
		;
	name = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (p == name || (size_t)(p - name) >= RT_NAMELEN)
		return;
	memcpy(tab[id], name, (size_t)(p - name));
	tab[id][p - name] = '\0';
}

/* 0, or -1 if the file could not be opened (errno set). */
static int read_file(const char *path, name_tab tab)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
			/* an over-long line: skip the rest of it */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		read_line(line, tab);
	}
	fclose(f);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf names of dir, sorted; *n of them (at most MAX_DROPINS). */
static char **dropins(const char *dir, size_t *n)
{
	char **v = NULL;
	struct dirent *de;
	DIR *d = dir && *dir ? opendir(dir) : NULL;

	*n = 0;
	if (!d)
		return NULL;
	v = calloc(MAX_DROPINS, sizeof(*v));
	while (v && *n < MAX_DROPINS && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 5 || de->d_name[0] == '.' || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if (!(v[*n] = strdup(de->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static bool listed(char **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static void read_dropins(const char *etc, const char *usr, const char *sub, name_tab tab)
{
	char path[4096], de[4096], du[4096];
	size_t ne, nu;
	char **ve, **vu;

	snprintf(de, sizeof(de), "%s/%s", etc ? etc : "", sub);
	snprintf(du, sizeof(du), "%s/%s", usr ? usr : "", sub);
	ve = etc && *etc ? dropins(de, &ne) : (ne = 0, NULL);
	vu = usr && *usr ? dropins(du, &nu) : (nu = 0, NULL);
	for (size_t i = 0; i < nu; i++) {
		if (listed(ve, ne, vu[i]))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", du, vu[i]) < (int)sizeof(path))
			read_file(path, tab);
	}
	for (size_t i = 0; i < ne; i++)
		if (snprintf(path, sizeof(path), "%s/%s", de, ve[i]) < (int)sizeof(path))
			read_file(path, tab);
	for (size_t i = 0; i < ne; i++)
		free(ve[i]);
	for (size_t i = 0; i < nu; i++)
		free(vu[i]);
	free(ve);
	free(vu);
}

/* ETC/file, or USR/file when ETC has none. */
static void read_main(const char *etc, const char *usr, const char *file, name_tab tab)
{
	char path[4096];

	if (etc && *etc) {
		snprintf(path, sizeof(path), "%s/%s", etc, file);
		if (read_file(path, tab) == 0 || errno != ENOENT)
			return;
	}
	if (usr && *usr) {
		snprintf(path, sizeof(path), "%s/%s", usr, file);
		read_file(path, tab);
	}
}

void rt_names_load(const char *etc, const char *usr)
{
	memset(protos, 0, sizeof(protos));
	memset(scopes, 0, sizeof(scopes));
	memset(dsfields, 0, sizeof(dsfields));
	for (size_t i = 0; i < sizeof(builtin_protos) / sizeof(builtin_protos[0]); i++)
		snprintf(protos[builtin_protos[i].id], RT_NAMELEN, "%s", builtin_protos[i].name);
	for (size_t i = 0; i < sizeof(builtin_scopes) / sizeof(builtin_scopes[0]); i++)
		snprintf(scopes[builtin_scopes[i].id], RT_NAMELEN, "%s", builtin_scopes[i].name);
	if (!etc && !usr) {
		etc = ETC_DIR;
		usr = USR_DIR;
	}
	read_main(etc, usr, "rt_protos", protos);
	read_dropins(etc, usr, "rt_protos.d", protos);
	read_main(etc, usr, "rt_scopes", scopes);
	read_main(etc, usr, "rt_dsfield", dsfields);
	__atomic_store_n(&loaded, true, __ATOMIC_RELEASE);
}

static void load_default(void)
{
	const char *env = getenv("RTMD_IPROUTE2_DIRS");
	char etc[2048] = "", usr[2048] = "";

	if (__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))
		return;         /* a test loaded its own */
	if (!env) {
		rt_names_load(NULL, NULL);
		return;
	}
	const char *colon = strchr(env, ':');
	size_t n = colon ? (size_t)(colon - env) : strlen(env);
	snprintf(etc, sizeof(etc), "%.*s", (int)(n < sizeof(etc) ? n : sizeof(etc) - 1), env);
	if (colon)
		snprintf(usr, sizeof(usr), "%s", colon + 1);
	rt_names_load(etc, usr);
}

static void init(void)
{
	if (!__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))
		pthread_once(&once, load_default);
}

/* ---- numbers to text ---------------------------------------------------- */

const char *rt_proto_name(uint8_t proto, char buf[RT_NAMELEN])
{
	init();
	if (protos[proto][0])
		return memcpy(buf, protos[proto], RT_NAMELEN);
	snprintf(buf, RT_NAMELEN, "%u", proto);
	return buf;
}

const char *rt_type_name(uint8_t type, char buf[RT_NAMELEN])
{
	if (type < sizeof(types) / sizeof(types[0]))
		snprintf(buf, RT_NAMELEN, "%s", types[type]);
	else
		snprintf(buf, RT_NAMELEN, "%u", type);
	return buf;
}

const char *rt_scope_name(uint8_t scope, char buf[RT_NAMELEN])
{
	init();
	if (scopes[scope][0])
		return memcpy(buf, scopes[scope], RT_NAMELEN);
	snprintf(buf, RT_NAMELEN, "%u", scope);
	return buf;
}

const char *rt_tos_name(uint8_t tos, char buf[RT_NAMELEN])
{
	init();
	if (dsfields[tos][0])
		return memcpy(buf, dsfields[tos], RT_NAMELEN);
	snprintf(buf, RT_NAMELEN, "0x%02x", tos);
	return buf;
}

const char *rt_owner_name(uint8_t origin, uint8_t protocol, char buf[RT_NAMELEN])
{
	if (origin == RT_ORIGIN_RTCTL)
		snprintf(buf, RT_NAMELEN, "rtctl");
	else if (origin == RT_ORIGIN_CONFIG)
		snprintf(buf, RT_NAMELEN, "config");
	else if (protocol == RTPROT_UNSPEC)
		snprintf(buf, RT_NAMELEN, "kernel");
	else
		rt_proto_name(protocol, buf);
	return buf;
}

/* ---- text to numbers ---------------------------------------------------- */

static int number(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int from_tab(const char *s, const name_tab tab, uint8_t *out)
{
	unsigned v;

	init();
	if (!s || !*s)
		return -1;
	for (unsigned i = 0; i < 256; i++)
		if (tab[i][0] && strcmp(tab[i], s) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	if (number(s, 255, &v) < 0)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

int rt_proto_parse(const char *s, uint8_t *out)
{
	return from_tab(s, protos, out);
}

int rt_scope_parse(const char *s, uint8_t *out)
{
	return from_tab(s, scopes, out);
}

int rt_tos_parse(const char *s, uint8_t *out)
{
	return from_tab(s, dsfields, out);
}

int rt_type_parse(const char *s, uint8_t *out)
{
	unsigned v;

	if (!s)
		return -1;
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i], s) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	if (number(s, 255, &v) < 0)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

int rt_proto_match(const char *s, uint8_t set[32])
{
	unsigned v;
	int n = 0;

	init();
	memset(set, 0, 32);
	if (!s || !*s)
		return 0;
	if (number(s, 255, &v) == 0) {
		set[v / 8] |= (uint8_t)(1u << (v % 8));
		return 1;
	}
	for (unsigned i = 0; i < 256; i++)
		if (protos[i][0] && strcmp(protos[i], s) == 0) {
			set[i / 8] |= (uint8_t)(1u << (i % 8));
			n++;
		}
	return n;
}

/* ---- neighbour states ------------------------------------------------------ */

void rt_nud_each(uint16_t state, void (*fn)(const char *name, void *ctx), void *ctx)
{
	if (!(state & 0xff)) {
		fn("NONE", ctx);
		return;
	}
	for (unsigned b = 0; b < 8; b++)
		if (state & (1u << b))
			fn(nud_names[b], ctx);
}

struct nud_buf {
	char *buf;
	size_t cap, off;
};

static void nud_append(const char *name, void *ctx)
{
	struct nud_buf *nb = ctx;
	int n = snprintf(nb->off < nb->cap ? nb->buf + nb->off : NULL,
	                 nb->off < nb->cap ? nb->cap - nb->off : 0, "%s%s", nb->off ? " " : "", name);

	if (n > 0)
		nb->off += (size_t)n;
}

int rt_nud_format(uint16_t state, char *buf, size_t cap)
{
	struct nud_buf nb = { buf, cap, 0 };

	if (cap)
		buf[0] = '\0';
	rt_nud_each(state, nud_append, &nb);
	return (int)nb.off;
}

int rt_nud_parse(const char *s, uint16_t *out)
{
	if (!s)
		return -1;
	if (strcasecmp(s, "none") == 0) {
		*out = NUD_NONE;
		return 0;
	}
	for (unsigned b = 0; b < 8; b++)
		if (strcasecmp(s, nud_names[b]) == 0) {
			*out = (uint16_t)(1u << b);
			return 0;
		}
	return -1;
}
