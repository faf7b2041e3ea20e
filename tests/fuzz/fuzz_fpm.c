/* fuzz_fpm.c - libFuzzer target: the input is what an FPM peer sends.
 *
 * The bytes are fed to an fpm_stream in reads of varying size (drawn from
 * the input's length, so the seeds are plain captures of zebra's stream:
 * tests/fpm/fixtures),
 * each whole frame walked as the connection walks it.  Whatever the
 * input, cutting must agree with a second pass that feeds everything at
 * once: the frames handed out, and the point where the stream is refused,
 * cannot depend on how the bytes arrived.  Each whole frame then goes
 * through the connection's own decoder (fpm_routes_frame: routes and
 * next-hop groups into real tables), whose table must come out the same
 * both ways, and empty after the end-of-grace sweep.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpm_frame.h"
#include "fpm_nhg.h"
#include "fpm_routes.h"
#include "route_table.h"
#include "tables.h"
#include <linux/rtnetlink.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	uint64_t frames, msgs, bytes, sum;
	struct fpm_nhg *nhg;
	uint64_t nh_ok, nh_resolved;
	uint64_t applied, routes, events;
};

/* One set of tables for the whole run (no interfaces: routes over one
 * are skipped, the rest go in). */
static struct tables *tables;
static struct fpm_routes *routes;
static struct fpm_nhg *route_nhg;
static char dir[] = "/tmp/fuzz_fpm.XXXXXX";

/* At exit: the tables closed, their state directory removed. */
static void close_tables(void)
{
	DIR *d;
	struct dirent *e;
	char path[sizeof(dir) + 256];

	fpm_routes_free(routes);
	fpm_nhg_free(route_nhg);
	tables_close(tables);
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(dir);
}

static void open_tables(void)
{
	char err[256] = "";

	if (tables)
		return;
	if (!mkdtemp(dir) || atexit(close_tables) != 0 ||
	    tables_open(&tables, dir, 1024, 16, err, sizeof(err)) < 0 ||
	    !(routes = fpm_routes_new(tables, NULL, 254)) || !(route_nhg = fpm_nhg_new())) {
		fprintf(stderr, "fuzz_fpm: cannot set up: %s\n", err);
		abort();
	}
}

/* The frame as the connection takes it. */
static void decode_frame(const void *payload, size_t len, struct tally *t)
{
	size_t n, ignored;
	char why[200];

	if (fpm_routes_frame(routes, route_nhg, payload, len, &n, &ignored, why, sizeof(why)) == 0)
		t->applied += n;
}

static int count_msg(void *ctx, const struct nlmsghdr *h)
{
	struct tally *t = ctx;

	/* Touch every byte the message claims: out-of-bounds shows. */
	const uint8_t *p = (const uint8_t *)h;
	for (uint32_t i = 0; i < h->nlmsg_len; i++)
		t->sum += p[i];
	t->msgs++;
	if (h->nlmsg_type == RTM_NEWNEXTHOP || h->nlmsg_type == RTM_DELNEXTHOP) {
		static struct fpm_nh nh[FPM_NH_MAX];
		char why[160];
		uint32_t id;
		uint16_t n;
		bool bh;

		if (h->nlmsg_len >= NLMSG_LENGTH(8) &&
		    fpm_nhg_check(t->nhg, h, &id, why, sizeof(why)) == 0) {
			if (fpm_nhg_apply(t->nhg, h) < 0)
				abort();
			t->nh_ok++;
			if (fpm_nhg_resolve(t->nhg, id, nh, &n, &bh, why, sizeof(why)) == 1)
				t->nh_resolved += n + bh;
		}
	}
	return 0;
}

/* Feeds data in reads of the sizes seed draws; returns how it ended:
 * 0 all consumed (maybe a partial frame left), -1 refused. */
static int run(const uint8_t *data, size_t size, unsigned seed, struct tally *t)
{
	struct fpm_stream s;
	char why[200];
	size_t off = 0;
	int rc = 0;

	if (fpm_stream_init(&s) < 0)
		abort();
	memset(t, 0, sizeof(*t));
	open_tables();
	fpm_nhg_clear(route_nhg);
	fpm_routes_mark(routes);
	t->events = tables_event_seq(tables);
	t->nhg = fpm_nhg_new();
	if (!t->nhg)
		abort();
	while (off < size && rc == 0) {
		size_t room, n;
		uint8_t *p = fpm_stream_space(&s, &room);
		const void *payload;
		size_t len;
		int r;

		n = seed ? 1 + (seed = seed * 1103515245u + 12345u) % 97 : size - off;
		if (n > size - off)
			n = size - off;
		if (n > room)
			n = room;
		memcpy(p, data + off, n);
		off += n;
		fpm_stream_commit(&s, n);
		while ((r = fpm_stream_next(&s, &payload, &len, why, sizeof(why))) == 1) {
			if (fpm_frame_walk(payload, len, count_msg, t, why, sizeof(why)) != 0) {
				r = -1;
				break;
			}
			t->frames++;
			t->bytes += len;
			decode_frame(payload, len, t);
		}
		if (r < 0)
			rc = -1;
	}
	fpm_stream_free(&s);
	fpm_nhg_free(t->nhg);
	t->nhg = NULL;
	t->routes = tables_fpm_routes(tables);
	t->events = tables_event_seq(tables) - t->events;
	/* The end of the grace time: nothing of FPM's may be left. */
	fpm_routes_sweep(routes, true);
	if (tables_fpm_routes(tables) || route_table_count(tables_routes(tables), 0))
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally a, b;
	int ra, rb;

	ra = run(data, size, (unsigned)size * 2654435761u | 1u, &a);
	rb = run(data, size, 0, &b);
	if (ra != rb || a.frames != b.frames || a.msgs != b.msgs || a.bytes != b.bytes ||
	    a.sum != b.sum || a.nh_ok != b.nh_ok || a.nh_resolved != b.nh_resolved ||
	    a.applied != b.applied || a.routes != b.routes || a.events != b.events)
		abort();
	return 0;
}
