/* check_config.c - rtmd.conf parsing: defaults, every setting, every kind
 * of error with its file and line, static entries and duplicate keys. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"

static char dir[64];
static char path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rtmd.conf", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *p, const char *text, size_t len)
{
	FILE *f = fopen(p, "w");

	ck_assert_msg(f != NULL, "cannot create %s: %s", p, strerror(errno));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_text(const char *p, const char *text)
{
	write_file(p, text, strlen(text));
}

static void write_conf(const char *text)
{
	write_text(path, text);
}

/* Loads path, expects success. */
static void load_ok(struct rtmd_config *c)
{
	char err[512];
	int r = config_load(path, false, c, err, sizeof(err));

	ck_assert_msg(r == 0, "config_load failed: %s", err);
	ck_assert_str_eq(err, "");
}

/* Loads text, expects an error at LINE (0: none) whose reason contains
 * WHAT, and a config left at its defaults. */
static void load_fails(const char *text, unsigned line, const char *what)
{
	struct rtmd_config c, d;
	char err[512], prefix[200];

	write_conf(text);
	ck_assert_int_eq(config_load(path, false, &c, err, sizeof(err)), -1);
	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	              "error \"%s\" does not start with \"%s\"", err, prefix);
	ck_assert_msg(strstr(err + strlen(prefix), what) != NULL,
	              "error \"%s\" does not contain \"%s\"", err, what);
	config_defaults(&d);
	ck_assert_ptr_null(c.routes);
	ck_assert_ptr_null(c.neighs);
	ck_assert_int_eq(memcmp(&c, &d, sizeof(c)), 0);
}

static struct rt_addr addr(const char *s)
{
	struct rt_addr a;
	char err[RT_ERRLEN];

	ck_assert_int_eq(rt_addr_parse(s, &a, err), 0);
	return a;
}

START_TEST(test_defaults)
{
	struct rtmd_config c;

	config_defaults(&c);
	ck_assert_str_eq(c.socket, RUNSTATEDIR "/rtmd/rtmd.sock");
	ck_assert_str_eq(c.state_dir, LOCALSTATEDIR "/lib/rtmd");
	ck_assert(c.sync_always);
	ck_assert_uint_eq(c.sync_interval_ms, 10);
	ck_assert_str_eq(c.writer_group, "rtmd");
	ck_assert_uint_eq(c.max_clients, 1024);
	ck_assert_uint_eq(c.max_subscriber_queue, 1048576);
	ck_assert_uint_eq(c.max_message_size, 65536);
	ck_assert_uint_eq(c.max_reply_memory, 256);
	ck_assert_uint_eq(c.idle_timeout, 0);
	ck_assert_int_eq(c.log_level, LOG_INFO);
	ck_assert_uint_eq(c.route_capacity, 4096);
	ck_assert_uint_eq(c.arp_capacity, 4096);
	ck_assert_ptr_null(c.routes);
	ck_assert_uint_eq(c.n_routes, 0);
	ck_assert_ptr_null(c.neighs);
	ck_assert_uint_eq(c.n_neighs, 0);
	ck_assert(!c.has_socket && !c.has_state_dir);
	config_free(&c);
}
END_TEST

START_TEST(test_missing_file)
{
	struct rtmd_config c, d;
	char err[512], want[256];

	config_defaults(&d);
	strcpy(err, "junk");
	ck_assert_int_eq(config_load(path, true, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(memcmp(&c, &d, sizeof(c)), 0);

	ck_assert_int_eq(config_load(path, false, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(memcmp(&c, &d, sizeof(c)), 0);
}
END_TEST

/* missing_ok covers only a file that does not exist, not one that cannot
 * be read or is not a file. */
START_TEST(test_unreadable)
{
	struct rtmd_config c;
	char err[512], want[256];

	ck_assert_int_eq(config_load(dir, true, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read: %s", dir, strerror(EISDIR));
	ck_assert_str_eq(err, want);

	write_file(path, "sync = \"always\";\n\0", 18);
	ck_assert_int_eq(config_load(path, true, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL byte"));
}
END_TEST

START_TEST(test_empty_file)
{
	struct rtmd_config c, d;

	write_conf("# nothing but a comment\n");
	load_ok(&c);
	config_defaults(&d);
	ck_assert_int_eq(memcmp(&c, &d, sizeof(c)), 0);
}
END_TEST

START_TEST(test_every_setting)
{
	struct rtmd_config c;

	write_conf("socket = \"/tmp/x/rtmd.sock\";\n"
	           "state-dir = \"/srv/rtmd\";\n"
	           "sync = \"interval\";\n"
	           "sync-interval-ms = 250;\n"
	           "writer-group = \"netadmin\";\n"
	           "max-clients = 77;\n"
	           "max-subscriber-queue = 1000;\n"
	           "max-message-size = 32768;\n"
	           "idle-timeout = 600;\n"
	           "log-level = \"debug\";\n"
	           "route-capacity = 100000;\n"
	           "max-reply-memory = 64;\n"
	           "arp-capacity = 0x100;\n"
	           "routes = ();\n"
	           "arp = [];\n");
	load_ok(&c);
	ck_assert_str_eq(c.socket, "/tmp/x/rtmd.sock");
	ck_assert(c.has_socket);
	ck_assert_str_eq(c.state_dir, "/srv/rtmd");
	ck_assert(c.has_state_dir);
	ck_assert(!c.sync_always);
	ck_assert_uint_eq(c.sync_interval_ms, 250);
	ck_assert_str_eq(c.writer_group, "netadmin");
	ck_assert_uint_eq(c.max_clients, 77);
	ck_assert_uint_eq(c.max_subscriber_queue, 1000);
	ck_assert_uint_eq(c.max_message_size, 32768);
	ck_assert_uint_eq(c.max_reply_memory, 64);
	ck_assert_uint_eq(c.idle_timeout, 600);
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	ck_assert_uint_eq(c.route_capacity, 100000);
	ck_assert_uint_eq(c.arp_capacity, 256);
	ck_assert_uint_eq(c.n_routes, 0);
	ck_assert_uint_eq(c.n_neighs, 0);
	config_free(&c);
}
END_TEST

START_TEST(test_sync_and_levels)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "err", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	struct rtmd_config c;
	char text[128];

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		snprintf(text, sizeof(text), "log-level = \"%s\";\nsync = \"always\";\n",
		         levels[i].name);
		write_conf(text);
		load_ok(&c);
		ck_assert_int_eq(c.log_level, levels[i].level);
		ck_assert(c.sync_always);
	}
}
END_TEST

START_TEST(test_bounds)
{
	struct rtmd_config c;

	write_conf("sync-interval-ms = 1;\nmax-clients = 1;\nmax-message-size = 16384;\n"
	           "idle-timeout = 0;\nmax-subscriber-queue = 16;\n");
	load_ok(&c);
	ck_assert_uint_eq(c.sync_interval_ms, 1);
	ck_assert_uint_eq(c.max_clients, 1);
	ck_assert_uint_eq(c.max_message_size, 16384);
	write_conf("sync-interval-ms = 60000;\nmax-message-size = 1048576;\n"
	           "idle-timeout = 2147483;\nroute-capacity = 16777216L;\n");
	load_ok(&c);
	ck_assert_uint_eq(c.sync_interval_ms, 60000);
	ck_assert_uint_eq(c.max_message_size, 1048576);
	ck_assert_uint_eq(c.idle_timeout, 2147483);
	ck_assert_uint_eq(c.route_capacity, 16777216);
}
END_TEST

START_TEST(test_routes)
{
	struct rtmd_config c;
	char buf[RT_ROUTESTRLEN];

	write_conf("routes = (\n"
	           "  { dst = \"10.0.0.0/24\"; via = \"192.0.2.1\"; dev = \"eth0\"; metric = 5; },\n"
	           "  { dst = \"default\"; via = \"192.0.2.254\"; },\n"
	           "  { dst = \"2001:db8::/32\"; dev = \"eth1\"; },\n"
	           "  { dst = \"10.0.0.0/24\"; dev = \"eth1\"; metric = 4294967295; },\n"
	           "  { dst = \"10.1.0.0/16\"; dev = \"eth1\"; metric = 4294967294L; },\n"
	           "  { dst = \"10.2.0.0/16\"; dev = \"eth1\"; metric = \"7\"; }\n"
	           ");\n");
	load_ok(&c);
	ck_assert_uint_eq(c.n_routes, 6);
	rt_route_format(c.routes[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.0.0.0/24 via 192.0.2.1 dev eth0 proto config metric 5");
	for (size_t i = 0; i < c.n_routes; i++)
		ck_assert_uint_eq(c.routes[i]->origin, RT_ORIGIN_CONFIG);
	ck_assert_uint_eq(c.routes[1]->dst.len, 0);
	ck_assert_uint_eq(c.routes[1]->dst.addr.family, AF_INET);
	ck_assert_uint_eq(c.routes[1]->nh[0].gw.family, AF_INET);
	ck_assert_str_eq(c.routes[1]->nh[0].dev, "");
	ck_assert_uint_eq(c.routes[1]->metric, 0);
	ck_assert_uint_eq(c.routes[2]->dst.addr.family, AF_INET6);
	ck_assert_uint_eq(c.routes[2]->nh[0].gw.family, 0);
	ck_assert_uint_eq(c.routes[3]->metric, 4294967295u);
	ck_assert_uint_eq(c.routes[4]->metric, 4294967294u);
	ck_assert_uint_eq(c.routes[5]->metric, 7);
	config_free(&c);
	ck_assert_ptr_null(c.routes);
	ck_assert_uint_eq(c.n_routes, 0);
}
END_TEST

/* Several entries on one line: each metric is read from its own literal. */
START_TEST(test_routes_one_line)
{
	struct rtmd_config c;

	write_conf("routes = ( { dst = \"10.0.0.0/8\"; dev = \"a\"; metric = 4294967295; },"
	           " { dst = \"10.0.0.0/8\"; dev = \"b\"; /* metric = 1; */ metric = 3000000000; },"
	           " { dst = \"10.0.0.0/8\"; dev = \"c#\"; metric = 2; },\n"
	           "  { dst = \"10.1.0.0/16\"; dev = \"a\";\n"
	           "    metric = \"5\"; }, { dst = \"10.1.0.0/16\"; dev = \"a\"; metric = 4000000000; }"
	           " ); # metric = 9\n");
	load_ok(&c);
	ck_assert_uint_eq(c.n_routes, 5);
	ck_assert_uint_eq(c.routes[0]->metric, 4294967295u);
	ck_assert_uint_eq(c.routes[1]->metric, 3000000000u);
	ck_assert_uint_eq(c.routes[2]->metric, 2);
	ck_assert_str_eq(c.routes[2]->nh[0].dev, "c#");
	ck_assert_uint_eq(c.routes[3]->metric, 5);
	ck_assert_uint_eq(c.routes[4]->metric, 4000000000u);
	config_free(&c);
}
END_TEST

START_TEST(test_arp)
{
	struct rtmd_config c;
	char buf[RT_ROUTESTRLEN];
	struct rt_addr a;

	write_conf("arp = (\n"
	           "  { ip = \"192.0.2.7\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; },\n"
	           "  { ip = \"192.0.2.7\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth1\"; },\n"
	           "  { dev = \"eth0\"; ip = \"2001:db8::7\"; lladdr = \"02:AB:00:00:00:08\"; }\n"
	           ");\n");
	load_ok(&c);
	ck_assert_uint_eq(c.n_neighs, 3);
	rt_neigh_format(&c.neighs[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto config");
	ck_assert_str_eq(c.neighs[1].dev, "eth1");
	a = addr("2001:db8::7");
	ck_assert(rt_addr_equal(&c.neighs[2].ip, &a));
	ck_assert_uint_eq(c.neighs[2].lladdr[1], 0xab);
	for (size_t i = 0; i < c.n_neighs; i++)
		ck_assert_uint_eq(c.neighs[i].origin, RT_ORIGIN_CONFIG);
	config_free(&c);
}
END_TEST

/* Table of every kind of error and the line it must be reported on. */
static const struct bad {
	const char *text;
	unsigned line;
	const char *what;
} bad[] = {
	/* libconfig syntax errors */
	{ "sync = \"always\";\nmax-clients = ;\n", 2, "syntax error" },
	{ "max-clients = 5;\n\nmax-clients = 6;\n", 3, "duplicate setting name" },
	{ "sync = \"always\";\n\nroutes = ( { dst = \"a\"; );\n", 3, "syntax error" },
	/* unknown settings */
	{ "sync = \"always\";\nsync-intervall-ms = 5;\n", 2, "unknown setting \"sync-intervall-ms\"" },
	{ "\n\nfoo = { a = 1; };\n", 3, "unknown setting \"foo\"" },
	/* types */
	{ "max-clients = \"5\";\n", 1, "max-clients: expected an integer, not a string" },
	{ "max-clients = 5.0;\n", 1, "max-clients: expected an integer, not a float" },
	{ "idle-timeout = true;\n", 1, "idle-timeout: expected an integer, not a boolean" },
	{ "socket = 5;\n", 1, "socket: expected a string" },
	{ "sync = always;\n", 1, "syntax error" },
	{ "log-level = 7;\n", 1, "log-level: expected a string" },
	{ "writer-group = [ \"a\" ];\n", 1, "writer-group: expected a string" },
	/* ranges */
	{ "\nsync-interval-ms = 0;\n", 2, "sync-interval-ms: 0 is out of range (allowed: 1..60000)" },
	{ "sync-interval-ms = 60001;\n", 1, "60001 is out of range" },
	{ "max-clients = 0;\n", 1, "max-clients: 0 is out of range" },
	{ "max-clients = -1;\n", 1, "max-clients: -1 is out of range" },
	{ "max-clients = 4294968320;\n", 1, "max-clients: 4294968320 is out of range" },
	{ "max-clients = 99999999999999999999;\n", 1, "max-clients: integer too large" },
	{ "max-message-size = 16383;\n", 1, "max-message-size: 16383 is out of range" },
	{ "max-message-size = 1048577;\n", 1, "out of range" },
	{ "max-subscriber-queue = 15;\n", 1, "max-subscriber-queue: 15 is out of range" },
	{ "idle-timeout = 2147484;\n", 1, "idle-timeout: 2147484 is out of range" },
	{ "route-capacity = 0;\n", 1, "route-capacity: 0 is out of range" },
	{ "arp-capacity = 16777217;\n", 1, "arp-capacity: 16777217 is out of range" },
	{ "arp-capacity = 0x100000000;\n", 1, "arp-capacity: 4294967296 is out of range" },
	/* strings */
	{ "sync = \"sometimes\";\n", 1, "sync: \"sometimes\" is not \"always\" or \"interval\"" },
	{ "log-level = \"loud\";\n", 1, "log-level: \"loud\" is not one of err, warning" },
	{ "socket = \"run/rtmd.sock\";\n", 1, "socket: \"run/rtmd.sock\" is not an absolute path" },
	{ "socket = \"/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\";\n", 1,
	  "socket: path too long" },
	{ "state-dir = \"\";\n", 1, "state-dir: \"\" is not an absolute path" },
	{ "writer-group = \"\";\n", 1, "writer-group: empty group name" },
	{ "writer-group = \"net admin\";\n", 1, "writer-group: \"net admin\" is not a valid group name" },
	{ "writer-group = \"-x\";\n", 1, "is not a valid group name" },
	/* routes */
	{ "routes = { dst = \"10.0.0.0/8\"; };\n", 1, "routes: expected a list of groups" },
	{ "routes = [ \"10.0.0.0/8\" ];\n", 1, "routes: expected a list of groups" },
	{ "routes = (\n  \"10.0.0.0/8\" );\n", 2, "routes: entry 1 is a string, expected a group" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"eth0\"; },\n  { via = \"192.0.2.1\"; }\n);\n",
	  3, "routes: entry has no dst" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\";\n    gw = \"192.0.2.1\"; }\n);\n", 3,
	  "routes: unknown setting \"gw\"" },
	{ "routes = (\n  { dst = \"10.0.0.1/8\"; dev = \"eth0\"; }\n);\n", 2, "dst: invalid prefix" },
	{ "routes = (\n  { dst = 10; dev = \"eth0\"; }\n);\n", 2, "dst: expected a string" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\";\n via = \"192.0.2\"; }\n);\n", 3, "via: invalid address" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"eth0eth0eth0eth0\"; }\n);\n", 2,
	  "dev: interface name \"eth0eth0eth0eth0\" too long" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"eth0\"; metric = -1; }\n);\n", 2,
	  "metric: -1 is out of range (allowed: 0..4294967295)" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"eth0\"; metric = 4294967296; }\n);\n", 2,
	  "metric: 4294967296 is out of range" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"eth0\"; metric = \"x\"; }\n);\n", 2,
	  "metric: invalid metric \"x\"" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"eth0\"; metric = 1.5; }\n);\n", 2,
	  "metric: expected an integer, not a float" },
	{ "routes = (\n\n  { dst = \"10.0.0.0/8\"; metric = 1; }\n);\n", 3,
	  "route 10.0.0.0/8: a route needs a gateway (via) or an interface (dev)" },
	{ "routes = (\n  { dst = \"10.0.0.0/8\"; via = \"2001:db8::1\"; }\n);\n", 2,
	  "route 10.0.0.0/8: gateway family does not match" },
	/* arp */
	{ "arp = ( { ip = \"192.0.2.7\"; dev = \"eth0\"; } );\n", 1, "arp: entry 192.0.2.7 has no lladdr" },
	{ "arp = ( { ip = \"192.0.2.7\"; lladdr = \"02:00:00:00:00:07\"; } );\n", 1,
	  "arp: entry 192.0.2.7 has no dev" },
	{ "arp = (\n{ lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; } );\n", 2, "arp: entry has no ip" },
	{ "arp = (\n{ ip = \"192.0.2.7\";\n  lladdr = \"02:00:00:00:00\"; dev = \"eth0\"; } );\n", 3,
	  "lladdr: invalid MAC address" },
	{ "arp = (\n{ ip = \"192.0.2.300\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; } );\n", 2,
	  "ip: invalid address" },
	{ "arp = (\n{ ip = \"192.0.2.3\"; mac = \"02:00:00:00:00:07\"; dev = \"eth0\"; } );\n", 2,
	  "arp: unknown setting \"mac\" (known: ip, lladdr, dev)" },
	{ "arp = (\n{ ip = \"192.0.2.3\"; lladdr = \"02:00:00:00:00:07\"; dev = \"a/b\"; } );\n", 2,
	  "dev: invalid interface name" },
	{ "arp = 5;\n", 1, "arp: expected a list of groups" },
	/* duplicate keys, named with both lines */
	{ "routes = (\n"
	  "  { dst = \"10.0.0.0/24\"; via = \"192.0.2.1\"; metric = 5; },\n"
	  "  { dst = \"10.0.0.0/24\"; via = \"192.0.2.1\"; metric = 6; },\n"
	  "  { dst = \"10.0.1.0/24\"; via = \"192.0.2.1\"; },\n"
	  "  { dst = \"10.0.0.0/24\"; dev = \"eth9\"; metric = 5; }\n"
	  ");\n", 5, "duplicate route 10.0.0.0/24 proto config metric 5: already defined at line 2" },
	{ "routes = (\n"
	  "  { dst = \"default\"; via = \"192.0.2.1\"; },\n"
	  "  { dst = \"0.0.0.0/0\"; via = \"192.0.2.2\"; metric = 0; }\n"
	  ");\n", 3, "duplicate route default proto config: already defined at line 2" },
	{ "arp = (\n"
	  "  { ip = \"192.0.2.7\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; },\n"
	  "  { ip = \"192.0.2.8\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; },\n"
	  "  { ip = \"192.0.2.7\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth1\"; },\n"
	  "  { ip = \"192.0.2.8\"; lladdr = \"02:00:00:00:00:09\"; dev = \"eth0\"; }\n"
	  ");\n", 5, "duplicate arp entry 192.0.2.8 dev eth0: already defined at line 3" },
};

START_TEST(test_errors)
{
	const struct bad *b = &bad[_i];

	load_fails(b->text, b->line, b->what);
}
END_TEST

/* The first duplicate reported is the earliest second definition, even
 * when another key sorts first. */
START_TEST(test_duplicate_order)
{
	load_fails("routes = (\n"
	           "  { dst = \"10.9.0.0/16\"; dev = \"a\"; },\n"
	           "  { dst = \"10.1.0.0/16\"; dev = \"a\"; },\n"
	           "  { dst = \"10.9.0.0/16\"; dev = \"b\"; },\n"
	           "  { dst = \"10.1.0.0/16\"; dev = \"b\"; },\n"
	           "  { dst = \"10.9.0.0/16\"; dev = \"c\"; }\n"
	           ");\n", 4, "duplicate route 10.9.0.0/16 proto config: already defined at line 2");
}
END_TEST

/* A failed load frees what it had parsed (valgrind checks) and leaves c
 * at its defaults, whatever c held before. */
START_TEST(test_error_after_entries)
{
	struct rtmd_config c;
	char err[512];

	write_conf("routes = ( { dst = \"10.0.0.0/8\"; dev = \"a\"; } );\n"
	           "arp = ( { ip = \"192.0.2.7\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; } );\n"
	           "bogus = 1;\n");
	ck_assert_int_eq(config_load(path, false, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":3: unknown setting \"bogus\""));
	ck_assert_ptr_null(c.routes);
	ck_assert_ptr_null(c.neighs);
	ck_assert_uint_eq(c.n_routes + c.n_neighs, 0);
}
END_TEST

START_TEST(test_include)
{
	struct rtmd_config c;
	char inc[160], err[512], want[512], cwd[4096];

	snprintf(inc, sizeof(inc), "%s/routes.conf", dir);
	write_text(inc, "routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"a\"; metric = 4000000000; }\n);\n");
	write_conf("max-clients = 9;\n@include \"routes.conf\"\n");
	/* Relative to the config file, not to the current directory. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir("/"), 0);
	load_ok(&c);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_uint_eq(c.max_clients, 9);
	ck_assert_uint_eq(c.n_routes, 1);
	ck_assert_uint_eq(c.routes[0]->metric, 4000000000u);
	config_free(&c);

	/* Errors in an included file name that file. */
	write_text(inc, "routes = (\n  { dst = \"10.0.0.0/8\"; }\n);\n");
	ck_assert_int_eq(config_load(path, false, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: route 10.0.0.0/8: a route needs", inc);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got \"%s\"", err);

	/* A duplicate in the same file says "line N". */
	write_text(inc, "routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"a\"; },\n"
	                "  { dst = \"10.0.0.0/8\"; dev = \"a\"; }\n);\n");
	ck_assert_int_eq(config_load(path, false, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: duplicate route 10.0.0.0/8 proto config: "
	         "already defined at line 2 ", inc);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got \"%s\"", err);

	/* Across files it names the other file. */
	write_text(inc, "{ dst = \"10.0.0.0/8\"; dev = \"b\"; }\n");
	write_conf("routes = (\n  { dst = \"10.0.0.0/8\"; dev = \"a\"; },\n@include \"routes.conf\"\n);\n");
	ck_assert_int_eq(config_load(path, false, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: duplicate route 10.0.0.0/8 proto config: "
	         "already defined at %s:2 ", inc, path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got \"%s\"", err);
}
END_TEST

/* A large static table loads, and duplicate detection stays fast. */
START_TEST(test_many_routes)
{
	enum { N = 20000 };
	size_t cap = (size_t)N * 80 + 32, len = 0;
	char *text = malloc(cap);
	struct rtmd_config c;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text + len, cap - len, "routes = (\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
		                        "{ dst = \"10.%d.%d.0/24\"; dev = \"eth0\"; metric = %d; }%s\n",
		                        i / 256, i % 256, i, i + 1 < N ? "," : "");
	len += (size_t)snprintf(text + len, cap - len, ");\n");
	write_file(path, text, len);
	free(text);
	load_ok(&c);
	ck_assert_uint_eq(c.n_routes, N);
	ck_assert_uint_eq(c.routes[N - 1]->metric, N - 1);
	config_free(&c);
}
END_TEST

/* Every setting in the shipped etc/rtmd.conf, once uncommented, parses and
 * is at its default (but kernel-sync, which it turns on); its example
 * routes and arp entries are valid. */
START_TEST(test_shipped_file)
{
	const char *top = getenv("top_srcdir");
	char in[4096], line[1024];
	struct rtmd_config c, d;
	FILE *f, *out;

	snprintf(in, sizeof(in), "%s/etc/rtmd.conf.in", top ? top : ".");
	f = fopen(in, "r");
	ck_assert_msg(f != NULL, "cannot open %s: %s (set top_srcdir)", in, strerror(errno));
	out = fopen(path, "w");
	ck_assert_ptr_nonnull(out);
	while (fgets(line, sizeof(line), f)) {
		static const char *const var[][2] = {
			{ "@localstatedir@", LOCALSTATEDIR }, { "@runstatedir@", RUNSTATEDIR },
		};
		const char *l = line;
		for (size_t v = 0; v < sizeof(var) / sizeof(var[0]); v++) {
			char *at = strstr(line, var[v][0]);
			if (at) {
				char rest[1024];
				snprintf(rest, sizeof(rest), "%s", at + strlen(var[v][0]));
				snprintf(at, sizeof(line) - (size_t)(at - line), "%s%s", var[v][1], rest);
			}
		}
		/* "#name = ...", "#\t{ ... }" and "#);" are the commented settings. */
		if (line[0] == '#' && ((line[1] >= 'a' && line[1] <= 'z') || line[1] == '\t' ||
		                       line[1] == ')'))
			l = line + 1;
		ck_assert_int_ge(fputs(l, out), 0);
	}
	fclose(f);
	ck_assert_int_eq(fclose(out), 0);
	load_ok(&c);
	ck_assert_uint_eq(c.n_routes, 5);
	ck_assert_uint_eq(c.n_neighs, 1);
	config_free(&c);
	config_defaults(&d);
	c.has_socket = c.has_state_dir = false;
	/* The one setting the shipped file sets: the packaged service syncs
	 * the kernel (the compiled default is off, for private runs). */
	ck_assert(c.kernel_sync);
	d.kernel_sync = true;
	ck_assert_int_eq(memcmp(&c, &d, sizeof(c)), 0);
}
END_TEST

/* kernel-sync, kernel-table (number or iproute2 name), kernel-protocol,
 * kernel-receive-buffer: defaults, values, and what is refused. */
START_TEST(test_kernel_settings)
{
	struct rtmd_config c;

	config_defaults(&c);
	ck_assert(!c.kernel_sync);
	ck_assert_uint_eq(c.kernel_table, 254);
	ck_assert_uint_eq(c.kernel_protocol, 200);
	ck_assert_uint_eq(c.kernel_rcvbuf_mb, 64);
	write_conf("kernel-sync = true;\nkernel-table = 1000;\nkernel-protocol = 42;\n"
	           "kernel-receive-buffer = 256;\n");
	load_ok(&c);
	ck_assert(c.kernel_sync);
	ck_assert_uint_eq(c.kernel_table, 1000);
	ck_assert_uint_eq(c.kernel_protocol, 42);
	ck_assert_uint_eq(c.kernel_rcvbuf_mb, 256);
	config_free(&c);
	write_conf("kernel-table = \"local\";\n");
	load_ok(&c);
	ck_assert_uint_eq(c.kernel_table, 255);
	write_conf("kernel-table = \"main\";\n");
	load_ok(&c);
	ck_assert_uint_eq(c.kernel_table, 254);
	write_conf("kernel-table = \"0x10\";\n");
	load_ok(&c);
	ck_assert_uint_eq(c.kernel_table, 16);
	write_conf("kernel-table = 4294967295;\n");
	load_ok(&c);
	ck_assert_uint_eq(c.kernel_table, 4294967295u);
	load_fails("kernel-sync = 1;\n", 1, "expected true or false");
	load_fails("kernel-table = \"no-such-table\";\n", 1, "no table \"no-such-table\"");
	load_fails("kernel-table = 0;\n", 1, "out of range");
	load_fails("kernel-table = \"0\";\n", 1, "table 0 is not a table");
	load_fails("kernel-table = 4294967296;\n", 1, "out of range");
	load_fails("kernel-table = 1.5;\n", 1, "expected a table name or number");
	load_fails("kernel-protocol = 3;\n", 1, "out of range");
	load_fails("kernel-protocol = 256;\n", 1, "out of range");
	load_fails("kernel-receive-buffer = 0;\n", 1, "out of range");
}
END_TEST

/* FPM: off by default; the address forms; bad addresses, users and grace
 * times are errors at their line. */
START_TEST(test_fpm)
{
	struct rtmd_config c;
	struct sockaddr_storage ss;
	socklen_t len;
	char err[160];

	config_defaults(&c);
	ck_assert_str_eq(c.fpm_listen, "");
	ck_assert_str_eq(c.fpm_peer_user, "frr");
	ck_assert_uint_eq(c.fpm_grace_seconds, 120);
	write_conf("fpm-listen = \"127.0.0.1:2620\";\nfpm-peer-user = \"zebra-1\";\n"
	           "fpm-grace-seconds = 0;\n");
	load_ok(&c);
	ck_assert_str_eq(c.fpm_listen, "127.0.0.1:2620");
	ck_assert_str_eq(c.fpm_peer_user, "zebra-1");
	ck_assert_uint_eq(c.fpm_grace_seconds, 0);
	write_conf("fpm-listen = \"[::1]:2621\";\nfpm-grace-seconds = 86400;\n");
	load_ok(&c);
	ck_assert_str_eq(c.fpm_listen, "[::1]:2621");
	ck_assert_uint_eq(c.fpm_grace_seconds, 86400);
	ck_assert_int_eq(config_parse_listen("[::1]:2621", &ss, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 2621);
	ck_assert_int_eq(config_parse_listen("fe80::1:179", &ss, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 179);
	ck_assert_int_eq(config_parse_listen("0.0.0.0:1", &ss, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	load_fails("fpm-listen = \"127.0.0.1\";\n", 1, "expected ADDRESS:PORT");
	load_fails("\nfpm-listen = \"127.0.0.1:0\";\n", 2, "port must be 1..65535");
	load_fails("fpm-listen = \"127.0.0.1:65536\";\n", 1, "port must be 1..65535");
	load_fails("fpm-listen = \"127.0.0.1:-1\";\n", 1, "port must be 1..65535");
	load_fails("fpm-listen = \"localhost:2620\";\n", 1, "not an IPv4 or IPv6 address");
	load_fails("fpm-listen = \"[127.0.0.1]:2620\";\n", 1, "not an IPv4 or IPv6 address");
	load_fails("fpm-listen = \"[::1:2620\";\n", 1, "expected [IPV6]:PORT");
	load_fails("fpm-listen = \":2620\";\n", 1, "missing or over-long address");
	load_fails("fpm-listen = 2620;\n", 1, "expected a string");
	load_fails("fpm-peer-user = \"\";\n", 1, "empty user name");
	load_fails("fpm-peer-user = \"fr r\";\n", 1, "not a valid user name");
	load_fails("fpm-grace-seconds = 86401;\n", 1, "fpm-grace-seconds");
	load_fails("fpm-grace-seconds = -1;\n", 1, "fpm-grace-seconds");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_every_setting);
	tcase_add_test(tc, test_sync_and_levels);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_routes_one_line);
	tcase_add_test(tc, test_arp);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_duplicate_order);
	tcase_add_test(tc, test_error_after_entries);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_many_routes);
	tcase_add_test(tc, test_shipped_file);
	tcase_add_test(tc, test_kernel_settings);
	tcase_add_test(tc, test_fpm);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
