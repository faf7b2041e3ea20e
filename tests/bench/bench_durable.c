/* bench_durable.c - the cost of one acknowledged change.
 *
 * One ARP_ADD of one entry per request through the client library, waiting
 * for each ack before the next (no pipelining, no group commit across
 * requests), under sync = always (msync before the ack) and sync =
 * interval (10 ms).  Then the same change made by a whole `rtctl arp add`
 * process, which adds exec, dynamic linking, connect and parsing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bench.h"

#define C_MAX 3000
#define C_LIMIT_S 10.0
#define P_MAX 200
#define P_LIMIT_S 8.0

static void neigh_n(uint32_t i, struct rt_neigh *n)
{
	memset(n, 0, sizeof(*n));
	n->ip.family = AF_INET;
	n->ip.bytes[0] = 10;
	n->ip.bytes[1] = (uint8_t)(100 + (i >> 16));
	n->ip.bytes[2] = (uint8_t)(i >> 8);
	n->ip.bytes[3] = (uint8_t)i;
	n->lladdr[0] = 0x02;
	n->lladdr[3] = (uint8_t)(i >> 16);
	n->lladdr[4] = (uint8_t)(i >> 8);
	n->lladdr[5] = (uint8_t)i;
	snprintf(n->dev, sizeof(n->dev), "eth0");
}

static void library_changes(struct daemon *d, const char *mode)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	char err[512], cmd[700], id[64], label[100];
	double *v = xmalloc(C_MAX * sizeof(*v)), t0 = now_s(), total;
	uint32_t k;
	struct stats st;

	if (rt_client_connect(&c, d->sock, err, sizeof(err)) < 0 || rt_msgbuf_init(&mb, 4096) < 0)
		die("%s", err);
	for (k = 0; k < C_MAX && now_s() - t0 < C_LIMIT_S; k++) {
		struct rt_neigh n;
		struct rt_hdr h;
		const uint8_t *msg;
		uint64_t t;

		neigh_n(k, &n);
		rt_msg_begin(&mb, RT_MSG_ARP_ADD, k + 1, 0);
		rt_msg_put_neigh(&mb, &n);
		t = now_ns();
		if (rt_client_send(&c, &mb) < 0 || rt_client_recv(&c, &h, &msg, err, sizeof(err)) != 1 ||
		    h.type != RT_MSG_ACK)
			die("arp add #%u was not acknowledged by rtmd (%s); see %s", k, err, d->log);
		v[k] = (double)(now_ns() - t) / 1e9;
	}
	total = now_s() - t0;
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
	stats_of(v, k, &st);
	snprintf(cmd, sizeof(cmd), "%s --only durable  # client library, 1 arp add per request, "
	         "sync=%s", B.self, mode);
	snprintf(id, sizeof(id), "durable.%s.rate", mode);
	snprintf(label, sizeof(label), "acknowledged single ARP changes, sync=%s", mode);
	fig(id, label, k / total, "changes/s", cmd, "%u changes in %.2f s", k, total);
	snprintf(id, sizeof(id), "durable.%s.p50", mode);
	snprintf(label, sizeof(label), "  per change p50, sync=%s", mode);
	fig(id, label, st.p50 * 1e6, "us", cmd, NULL);
	snprintf(id, sizeof(id), "durable.%s.p99", mode);
	snprintf(label, sizeof(label), "  per change p99, sync=%s", mode);
	fig(id, label, st.p99 * 1e6, "us", cmd, "max %.0f us", st.max * 1e6);
	free(v);
}

static void process_changes(struct daemon *d, const char *mode)
{
	double v[P_MAX], t0 = now_s();
	char cmd[600], id[64], label[100], why[256] = "";
	char ip[32], mac[32];
	char *argv[] = { B.rtctl, "-s", d->sock, "arp", "add", ip, "lladdr", mac, "dev", "eth1", NULL };
	struct stats st;
	uint32_t k;

	for (k = 0; k < P_MAX && now_s() - t0 < P_LIMIT_S; k++) {
		snprintf(ip, sizeof(ip), "10.200.%u.%u", k >> 8, k & 255);
		snprintf(mac, sizeof(mac), "02:00:00:01:%02x:%02x", k >> 8, k & 255);
		v[k] = bench_run(argv, NULL, NULL, 30, why, sizeof(why));
		if (v[k] < 0)
			break;
	}
	argv_str(argv, cmd, sizeof(cmd));
	stats_of(v, k, &st);
	snprintf(id, sizeof(id), "durable.%s.rtctl.p50", mode);
	snprintf(label, sizeof(label), "whole `rtctl arp add` process p50, sync=%s", mode);
	fig(id, label, k ? st.p50 * 1e6 : NAN, "us", cmd, "%u processes%s%s", k, why[0] ? "; " : "", why);
	snprintf(id, sizeof(id), "durable.%s.rtctl.p99", mode);
	snprintf(label, sizeof(label), "  rtctl process p99, sync=%s", mode);
	fig(id, label, k ? st.p99 * 1e6 : NAN, "us", cmd, NULL);
}

void suite_durable(void)
{
	struct daemon d;

	section("Durability: single acknowledged ARP changes");
	daemon_init(&d, "durable-always", "sync = \"always\";\n");
	daemon_start(&d);
	library_changes(&d, "always");
	process_changes(&d, "always");
	daemon_stop(&d);

	daemon_init(&d, "durable-interval", "sync = \"interval\";\nsync-interval-ms = 10;\n");
	daemon_start(&d);
	library_changes(&d, "interval");
	process_changes(&d, "interval");
	daemon_stop(&d);
}
