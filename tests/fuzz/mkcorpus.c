/* mkcorpus.c - write the seed corpora of the fuzz targets.
 *
 * Usage: mkcorpus DIR   (writes DIR/{proto,addr,config,store,netlink}/NAME)
 * Valid inputs of each kind, built with the project's own encoders, so the
 * fuzzers start from what rtmd really reads; run by "make fuzz-corpus".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "arp_store.h"
#include "kernel_codec.h"
#include "links.h"
#include "log.h"
#include "netlink.h"
#include "proto.h"
#include "route_store.h"

static const char *top;

static void put(const char *target, const char *name, const void *data, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", top, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void sample_route(int i, struct rt_route *r)
{
	char err[RT_ERRLEN];

	rt_route_init(r);
	rt_prefix_parse(i % 2 ? "2001:db8:1::/48" : "10.0.0.0/24", &r->dst, err);
	r->dst.addr.bytes[i % 2 ? 5 : 2] = (uint8_t)i;
	r->nh_count = 1;
	r->nh[0].weight = 1;
	rt_addr_parse(i % 2 ? "fe80::1" : "192.0.2.1", &r->nh[0].gw, err);
	if (i % 3 || i % 2)
		strcpy(r->nh[0].dev, "eth0");
	r->metric = (uint32_t)i * 10;
	r->origin = (uint8_t)(i % 2);
	if (i == 2) {
		/* multipath with a weight, onlink and a source */
		r->nh_count = 2;
		r->nh[1] = r->nh[0];
		r->nh[1].gw.bytes[3] = 9;
		r->nh[1].weight = 3;
		r->nh[1].flags = RT_NHF_ONLINK;
		strcpy(r->nh[1].dev, "eth1");
		rt_addr_parse("10.0.2.1", &r->src, err);
	}
	if (i == 3) {
		r->type = RTN_BLACKHOLE;
		r->nh_count = 0;
		r->flags = RT_RF_PENDING;
		strcpy(r->reason, "key held by bgp");
	}
}

static void sample_neigh(int i, struct rt_neigh *n)
{
	char err[RT_ERRLEN], ip[32];

	memset(n, 0, sizeof(*n));
	snprintf(ip, sizeof(ip), i % 2 ? "2001:db8::%d" : "192.0.2.%d", i + 1);
	rt_addr_parse(ip, &n->ip, err);
	uint8_t mac[6] = { 2, 0, 0, 0, 0, (uint8_t)i };
	memcpy(n->lladdr, mac, 6);
	strcpy(n->dev, i % 3 ? "eth1" : "eth0");
	n->state = NUD_PERMANENT;
}

static void proto(void)
{
	struct rt_msgbuf mb;
	static struct rt_route r, er;
	struct rt_neigh n;
	char name[32];

	rt_msgbuf_init(&mb, RT_MSG_MAX_DEFAULT);
	for (uint16_t t = RT_MSG_ROUTE_ADD; t <= RT_MSG_SUBSCRIBE; t++) {
		uint32_t flags = t == RT_MSG_FLUSH || t == RT_MSG_SUBSCRIBE ? RT_F_TABLE_ALL : 0;

		rt_msg_begin(&mb, t, t, flags);
		for (int i = 0; i < 3; i++) {
			if (rt_msg_desc(t)->kind == RT_REC_ROUTE) {
				sample_route(i, &r);
				if (t == RT_MSG_ROUTE_GET)
					r.dst.len = r.dst.addr.family == 2 ? 32 : 128;
				rt_msg_put_route(&mb, &r);
			} else if (rt_msg_desc(t)->kind == RT_REC_NEIGH) {
				sample_neigh(i, &n);
				rt_msg_put_neigh(&mb, &n);
			}
			if (t == RT_MSG_ROUTE_LIST || t == RT_MSG_ROUTE_GET || t == RT_MSG_ARP_GET)
				break;
		}
		snprintf(name, sizeof(name), "request-%u", t);
		put("proto", name, mb.data, mb.len);
	}
	{
		struct rt_ack a = { 3, 2 };
		struct rt_error e = { .code = RT_E_EXISTS, .index = 1, .applied = 1 };
		struct rt_status st = { .uptime_ms = 1234, .routes = 5, .routes4 = 3, .routes6 = 2,
		                        .sync_always = 1, .sync_interval_ms = 10 };
		struct rt_hello h = { .event_seq = 42, .tables = RT_F_TABLE_ALL };
		struct rt_sync sy = { .event_seq = 42 };
		struct rt_event ev = { .seq = 43, .kind = RT_EV_ADD, .table = RT_TABLE_ROUTE, .route = &er };
		struct rt_notice no = { .code = RT_NOTE_TAKEN_OVER };

		strcpy(e.text, "10.0.0.0/24 via 192.0.2.1 metric 0");
		strcpy(st.version, "0.1.0");
		strcpy(st.route_store, "/var/lib/rtmd/routes.store");
		strcpy(st.arp_store, "/var/lib/rtmd/arp.store");
		strcpy(h.arp_store, "/var/lib/rtmd/arp.store");
		rt_msg_begin(&mb, RT_MSG_ACK, 1, 0);
		rt_msg_put_ack(&mb, &a);
		put("proto", "ack", mb.data, mb.len);
		rt_msg_begin(&mb, RT_MSG_ERROR, 1, RT_F_MORE);
		rt_msg_put_error(&mb, &e);
		put("proto", "error", mb.data, mb.len);
		strcpy(no.text, "10.0.0.0/24: a config entry, now an rtctl entry");
		rt_msg_begin(&mb, RT_MSG_NOTICE, 1, RT_F_MORE);
		rt_msg_put_notice(&mb, &no);
		put("proto", "notice", mb.data, mb.len);
		st.kernel_sync = 1;
		strcpy(st.kernel_last_error, "Nexthop device is not up");
		strcpy(st.fpm_listen, "127.0.0.1:2620");
		rt_msg_begin(&mb, RT_MSG_STATUS_REPLY, 1, 0);
		rt_msg_put_status(&mb, &st);
		put("proto", "status", mb.data, mb.len);
		rt_msg_begin(&mb, RT_MSG_HELLO, 1, 0);
		rt_msg_put_hello(&mb, &h);
		put("proto", "hello", mb.data, mb.len);
		rt_msg_begin(&mb, RT_MSG_SYNC, 1, 0);
		rt_msg_put_sync(&mb, &sy);
		put("proto", "sync", mb.data, mb.len);
		rt_msg_begin(&mb, RT_MSG_EVENTS, 0, RT_F_MORE);
		sample_route(2, &er);
		rt_msg_put_event(&mb, &ev);
		ev.seq++;
		ev.kind = RT_EV_DEL;
		ev.table = RT_TABLE_ARP;
		ev.slot = 3;
		sample_neigh(2, &ev.neigh);
		rt_msg_put_event(&mb, &ev);
		put("proto", "events", mb.data, mb.len);
		rt_msg_begin(&mb, RT_MSG_ROUTES, 1, RT_F_MORE);
		for (int i = 0; i < 4; i++) {
			sample_route(i, &r);
			rt_msg_put_route(&mb, &r);
		}
		put("proto", "routes", mb.data, mb.len);
	}
	rt_msgbuf_free(&mb);
}

static void addr(void)
{
	static const char *const samples[] = {
		"10.0.0.0/24", "default", "default6", "2001:db8::/32", "fe80::1", "192.0.2.1",
		"::ffff:192.0.2.1", "0.0.0.0/0", "::/0", "02:00:00:00:00:07", "eth0", "br-lan.100",
		"4294967295", "100", "10.0.0.1/32", "2001:db8:0:0:1::1/128",
	};
	char name[16];

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(name, sizeof(name), "addr-%zu", i);
		put("addr", name, samples[i], strlen(samples[i]));
	}
}

static void config(void)
{
	static const char full[] =
		"# every setting\n"
		"socket = \"/run/rtmd/rtmd.sock\";\n"
		"state-dir = \"/var/lib/rtmd\";\n"
		"sync = \"interval\";\nsync-interval-ms = 25;\n"
		"writer-group = \"netadm\";\nmax-clients = 100;\n"
		"max-subscriber-queue = 1000;\nmax-message-size = 65536;\n"
		"idle-timeout = 30;\nlog-level = \"debug\";\n"
		"route-capacity = 1024;\narp-capacity = 512;\n"
		"routes = (\n"
		"  { dst = \"10.0.0.0/24\"; via = \"192.0.2.1\"; dev = \"eth0\"; metric = 100; },\n"
		"  { dst = \"default\"; via = \"192.0.2.254\"; },\n"
		"  { dst = \"2001:db8::/32\"; dev = \"eth1\"; metric = 0x10; },\n"
		"  { dst = \"10.9.0.0/16\"; type = \"blackhole\"; },\n"
		"  { dst = \"10.8.0.0/16\"; src = \"192.0.2.5\"; scope = \"link\";\n"
		"    nexthops = ( { via = \"192.0.2.1\"; dev = \"eth0\"; weight = 2; onlink = true; },\n"
		"                 { via = \"inet6 fe80::1\"; dev = \"eth1\"; } ); }\n"
		");\n"
		"neighbours = ( { ip = \"192.0.2.8\"; lladdr = \"02:00:00:00:00:08\"; dev = \"eth0\"; } );\n"
		"arp = (\n"
		"  { ip = \"192.0.2.7\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; },\n"
		"  { ip = \"2001:db8::7\"; lladdr = \"02:00:00:00:00:07\"; dev = \"eth0\"; }\n"
		");\n";
	static const char small[] = "sync = \"always\";\nmax-clients = 4;\n";
	static const char bad[] = "routes = ( { dst = \"10.0.0.1/24\"; } );\nmax-clients = -1;\n";

	put("config", "full", full, sizeof(full) - 1);
	put("config", "small", small, sizeof(small) - 1);
	put("config", "bad", bad, sizeof(bad) - 1);
	put("config", "empty", "", 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Store files as fuzz_store reads them: its selector byte, then the file
 * (or, for two route files, a 4-byte split point and both). */
static void put_store(const char *name, uint8_t selector, const char *path, const char *path2)
{
	size_t n, n2 = 0, off = 1;
	uint8_t *a = slurp(path, &n), *b = path2 ? slurp(path2, &n2) : NULL;
	uint8_t *buf = malloc(1 + 4 + n + n2);
	uint32_t split = (uint32_t)n;

	if (!buf) {
		perror("malloc");
		exit(1);
	}
	buf[0] = selector;
	if (b) {
		memcpy(buf + off, &split, 4);
		off += 4;
	}
	memcpy(buf + off, a, n);
	if (b)
		memcpy(buf + off + n, b, n2);
	put("store", name, buf, off + n + n2);
	free(a);
	free(b);
	free(buf);
}

static void store(void)
{
	char dir[] = "/tmp/mkcorpus.XXXXXX", path[64], path16[64], err[1024];
	struct arp_store *as;
	struct route_store *rs;
	uint32_t dropped, slot;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/arp.store", dir);
	if (arp_store_open(path, 16, &as, &dropped, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	put_store("arp-empty", 0, path, NULL);
	for (int i = 0; i < 6; i++) {
		struct rt_neigh n;

		sample_neigh(i, &n);
		arp_store_add(as, &n, &slot);
	}
	arp_store_close(as);
	put_store("arp-6", 0, path, NULL);
	put_store("arp-6-upgrade", 8, path, NULL);
	unlink(path);
	if (route_store_open(dir, 16, &rs, &dropped, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	for (int i = 0; i < 6; i++) {
		static struct rt_route r;

		sample_route(i, &r);
		r.flags = 0;            /* pending is never stored */
		r.reason[0] = '\0';
		if (route_store_put(rs, &r, &slot) != 0) {
			fprintf(stderr, "mkcorpus: route_store_put failed\n");
			exit(1);
		}
	}
	route_store_close(rs);
	snprintf(path, sizeof(path), "%s/routes.store", dir);
	snprintf(path16, sizeof(path16), "%s/routes16.store", dir);
	put_store("route-6", 1, path, NULL);
	put_store("route-multi", 1 | 1 << 1, path16, NULL);
	put_store("route-both", 1 | 3 << 1, path, path16);
	put_store("route-both-upgrade", 1 | 3 << 1 | 8, path, path16);
	unlink(path);
	unlink(path16);
	rmdir(dir);
}

/* What the kernel sends rtmd, as fuzz_netlink reads it: a first byte (1:
 * a multicast datagram, 0: answers), then a datagram: a link, an address,
 * routes and neighbours encoded by kernel_codec, an acknowledgement. */
static void netlink(void)
{
	static uint8_t buf[8192] __attribute__((aligned(4))), file[8193];
	static struct rt_route r;
	struct links *l = links_new();
	struct nlmsghdr *h;
	char why[RT_ERRLEN];
	size_t len = 0;

	if (!l)
		exit(1);
	memset(buf, 0, sizeof(buf));
	/* RTM_NEWLINK of eth0 (index 5), up. */
	h = mnl_nlmsg_put_header(buf + len);
	h->nlmsg_type = RTM_NEWLINK;
	{
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

		ifi->ifi_index = 5;
		ifi->ifi_flags = IFF_UP | IFF_LOWER_UP;
		mnl_attr_put_strz(h, IFLA_IFNAME, "eth0");
	}
	if (links_apply(l, h, why, sizeof(why)) < 0)
		exit(1);
	len += MNL_ALIGN(h->nlmsg_len);
	for (int i = 0; i < 4; i++) {
		sample_route(i, &r);
		r.origin = RT_ORIGIN_KERNEL;
		r.protocol = (uint8_t)(i == 3 ? 186 : 3);
		snprintf(r.nh[0].dev, sizeof(r.nh[0].dev), "eth0");
		for (unsigned k = 1; k < r.nh_count; k++)
			snprintf(r.nh[k].dev, sizeof(r.nh[k].dev), "eth0");
		h = mnl_nlmsg_put_header(buf + len);
		h->nlmsg_type = i == 1 ? RTM_DELROUTE : RTM_NEWROUTE;
		if (kc_route_encode(h, kc_route_room(&r) + MNL_NLMSG_HDRLEN, &r, 254, r.protocol, l,
		                    why, sizeof(why)) < 0)
			exit(1);
		len += MNL_ALIGN(h->nlmsg_len);
	}
	for (int i = 0; i < 2; i++) {
		struct rt_neigh n;

		sample_neigh(i, &n);
		snprintf(n.dev, sizeof(n.dev), "eth0");
		h = mnl_nlmsg_put_header(buf + len);
		h->nlmsg_type = RTM_NEWNEIGH;
		if (kc_neigh_encode(h, kc_neigh_room() + MNL_NLMSG_HDRLEN, &n, 77, l, why, sizeof(why)) < 0)
			exit(1);
		len += MNL_ALIGN(h->nlmsg_len);
	}
	file[0] = 1;
	memcpy(file + 1, buf, len);
	put("netlink", "events", file, len + 1);
	/* Answers: an acknowledgement, a refusal with the kernel's text, a
	 * dump's end. */
	memset(buf, 0, sizeof(buf));
	len = 0;
	for (int i = 0; i < 3; i++) {
		h = mnl_nlmsg_put_header(buf + len);
		h->nlmsg_type = i == 2 ? NLMSG_DONE : NLMSG_ERROR;
		h->nlmsg_seq = (uint32_t)(i == 2 ? 0 : i);
		if (i < 2) {
			struct nlmsgerr *e = mnl_nlmsg_put_extra_header(h, sizeof(*e));

			e->error = i ? -ENODEV : 0;
			h->nlmsg_flags = NLM_F_CAPPED | (i ? NLM_F_ACK_TLVS : 0);
			if (i)
				mnl_attr_put_strz(h, NLMSGERR_ATTR_MSG, "Nexthop device is not up");
		} else {
			*(int *)mnl_nlmsg_put_extra_header(h, sizeof(int)) = 0;
		}
		len += MNL_ALIGN(h->nlmsg_len);
	}
	file[0] = 0;
	memcpy(file + 1, buf, len);
	put("netlink", "answers", file, len + 1);
	links_free(l);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus DIR\n");
		return 2;
	}
	top = argv[1];
	rt_log_set_level(-1);
	if (mkdir(top, 0755) < 0 && errno != EEXIST) {
		perror(top);
		return 1;
	}
	proto();
	addr();
	config();
	store();
	netlink();
	return 0;
}
