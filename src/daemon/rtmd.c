/* rtmd.c - the routing-table manager daemon: options, then a flat list of
 * start-up steps ending in the event loop. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arp_store.h"
#include "config.h"
#include "faults.h"
#include "kernel_sync.h"
#include "listen.h"
#include "log.h"
#include "route_table.h"
#include "sdnotify.h"
#include "statedir.h"
#include "server.h"
#include "tables.h"

struct options {
	const char *config, *socket, *state_dir;
	bool debug, check_config;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: rtmd [OPTIONS]\n"
	        "Keep the routing and ARP tables, serve rtctl and rtwatch on a Unix socket.\n\n"
	        "  -c, --config FILE     configuration file (default %s)\n"
	        "  -s, --socket PATH     listening socket (default /run/rtmd/rtmd.sock), unless\n"
	        "                        systemd passes one\n"
	        "  -S, --state-dir DIR   store files (default $STATE_DIRECTORY or %s)\n"
	        "  -d, --debug           log debug messages\n"
	        "      --check-config    check the configuration file and exit (0: valid)\n"
	        "  -h, --help            show this help and exit\n"
	        "  -V, --version         show the version and exit\n"
	        "\nSee rtmd(8) and rtmd.conf(5).\n",
	        RTMD_DEFAULT_CONFIG, RTMD_DEFAULT_STATE_DIR);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:s:S:dhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 's': o->socket = optarg; break;
		case 'S': o->state_dir = optarg; break;
		case 'd': o->debug = true; break;
		case 'C': o->check_config = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("rtmd %s\n", PACKAGE_VERSION); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rtmd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
	/* readers started elsewhere find the mapping by this path */
	if (o->state_dir && o->state_dir[0] != '/') {
		fprintf(stderr, "rtmd: --state-dir \"%s\": a relative path is refused (give an absolute "
		        "one, such as %s)\n", o->state_dir, RTMD_DEFAULT_STATE_DIR);
		exit(2);
	}
}

/* Command line beats the file; systemd's StateDirectory= beats the
 * built-in default. */
static void apply_overrides(const struct options *o, struct rtmd_config *cfg)
{
	const char *env = getenv("STATE_DIRECTORY");

	if (o->socket)
		snprintf(cfg->socket, sizeof(cfg->socket), "%s", o->socket);
	if (o->state_dir)
		snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", o->state_dir);
	else if (!cfg->has_state_dir && env && *env == '/')
		/* $STATE_DIRECTORY may list several directories; ours is the first. */
		snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%.*s", (int)strcspn(env, ":"), env);
	if (o->debug)
		cfg->log_level = LOG_DEBUG;
}

int main(int argc, char **argv)
{
	struct options o = { .config = NULL };
	struct rtmd_config cfg;
	struct tables *t;
	struct server s;
	size_t added, changed, removed, failed;
	char err[8192];
	bool created, activated;
	int fd, lock_fd, rc;

	parse_options(argc, argv, &o);
	rt_log_init("rtmd", o.debug ? LOG_DEBUG : LOG_INFO);
	faults_init();
	if (config_load(o.config ? o.config : RTMD_DEFAULT_CONFIG, o.config == NULL, &cfg, err, sizeof(err)) < 0) {
		/* every error of the file, one a line */
		for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n"))
			fprintf(stderr, "rtmd: %s\n", line);
		return 1;
	}
	if (o.check_config && !o.config && access(RTMD_DEFAULT_CONFIG, F_OK) < 0) {
		printf("%s: not found, defaults apply\n", RTMD_DEFAULT_CONFIG);
		config_free(&cfg);
		return 0;
	}
	if (o.check_config) {
		printf("%s: OK (%zu static routes, %zu static ARP entries)\n",
		       o.config ? o.config : RTMD_DEFAULT_CONFIG, cfg.n_routes, cfg.n_neighs);
		config_free(&cfg);
		return 0;
	}
	apply_overrides(&o, &cfg);
	rt_log_set_level(cfg.log_level);
	/* Before anything in the directory is touched: a second rtmd on it
	 * must change nothing. */
	if ((lock_fd = statedir_open(cfg.state_dir, err, sizeof(err))) < 0)
		rt_die(1, "%s", err);
	if (tables_open(&t, cfg.state_dir, cfg.route_capacity, cfg.arp_capacity, err, sizeof(err)) < 0)
		rt_die(1, "%s", err);
	/* With the state directory ours (tables_open locks it): what an earlier
	 * start left in the kernel under other kernel-sync settings goes. */
	ksync_cleanup_earlier(&cfg);
	tables_apply_config(t, &cfg, &added, &changed, &removed, &failed);
	if (tables_sync(t, NULL, err, sizeof(err)) < 0)
		rt_die(1, "%s", err);
	if (listen_open(cfg.socket, &fd, &created, &activated, err, sizeof(err)) < 0)
		rt_die(1, "%s", err);
	if (server_init(&s, &cfg, o.config ? o.config : RTMD_DEFAULT_CONFIG, t, fd, created,
	                activated, err, sizeof(err)) < 0)
		rt_die(1, "%s", err);
	s.config_required = o.config != NULL || access(RTMD_DEFAULT_CONFIG, F_OK) == 0;
	s.log_level_override = o.debug ? LOG_DEBUG : -1;
	log_info("rtmd %s ready on %s%s, state in %s: %zu routes, %zu ARP entries, sync %s",
	         PACKAGE_VERSION, cfg.socket, activated ? " (socket-activated)" : "", cfg.state_dir,
	         route_table_count(tables_routes(t), 0), arp_store_count(tables_arp(t)),
	         cfg.sync_always ? "always" : "interval");
	notify_ready("serving");
	rc = server_run(&s);
	server_free(&s);
	listen_close(fd, cfg.socket, created);
	tables_close(t);
	statedir_close(lock_fd);
	config_free(&cfg);
	return rc;
}
