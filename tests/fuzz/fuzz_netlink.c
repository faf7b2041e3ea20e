/* fuzz_netlink.c - libFuzzer target: the input is what the kernel sends
 * rtmd on its netlink sockets.
 *
 * The first byte picks how the rest arrives: as a multicast datagram (an
 * event), or as an answer to requests in flight (acknowledgements, a
 * dump's parts and its end).  Every message a handler sees goes through
 * the interface cache and both decoders, as kernel sync would; whatever
 * decodes must encode again, and decode back equal (the codec must not
 * accept what it cannot say).  Nothing may read outside the input, leak
 * or crash.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_codec.h"
#include "links.h"
#include "netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nl_sock *S;
static struct links *L;
static struct rt_route *R, *R2;
static uint8_t out[NL_MSG_MAX + 64] __attribute__((aligned(4)));

static void reencode_route(uint32_t table)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(out);
	char why[128];
	uint32_t table2, nh_id;

	h->nlmsg_type = RTM_NEWROUTE;
	if (R->nh_count > RT_NH_MAX || kc_route_room(R) > NL_MSG_MAX)
		abort();
	/* Imported routes may hold what rtmd never installs; the encoder
	 * still frames them, and what it framed decodes to the same route. */
	if (kc_route_encode(h, nl_msg_limit(kc_route_room(R)), R, table, R->protocol, L, why,
	                    sizeof(why)) < 0)
		return;
	/* Of the next hops' flags a request carries onlink alone: dead,
	 * linkdown, offload and trap are the kernel's to report. */
	for (unsigned i = 0; i < R->nh_count; i++)
		R->nh[i].flags &= RT_NHF_ONLINK;
	if (kc_route_decode(h, L, false, R2, &table2, &nh_id, why, sizeof(why)) != KC_OK ||
	    table2 != table || !rt_route_equal(R, R2))
		abort();
}

static void on_msg(void *ctx, uint64_t cookie, const struct nlmsghdr *h)
{
	char why[256];
	uint32_t table, nh_id;
	struct rt_neigh n;
	bool ll;

	links_apply(L, h, why, sizeof(why));
	/* A route of only a next-hop id is the caller's to complete. */
	if (kc_route_decode(h, L, false, R, &table, &nh_id, why, sizeof(why)) == KC_OK &&
	    (!nh_id || R->nh_count || R->type != RTN_UNICAST))
		reencode_route(table);
	kc_route_decode(h, L, true, R, &table, &nh_id, why, sizeof(why));
	kc_neigh_decode(h, L, &n, &ll, why, sizeof(why));
}

static void on_done(void *ctx, uint64_t cookie, int error, const char *text)
{
	if (error > 0 || strlen(text) > 255)
		abort();
}

static const struct nl_handler H = { NULL, on_msg, on_done };

/* A fresh socket and cache each time, so no input depends on another.
 * Three requests in flight for answers to match: a dump and two
 * requests, sent as NLMSG_NOOPs (the kernel's own answers are never
 * read). */
static uint32_t setup(void)
{
	char err[256];
	uint32_t seq0 = 0;

	if (nl_open(&S, NULL, 0, 1 << 16, 64, err, sizeof(err)) < 0 || !(L = links_new()))
		abort();
	for (int i = 0; i < 3; i++) {
		struct nlmsghdr *h = nl_msg_begin(S, NLMSG_NOOP, i == 0 ? NLM_F_DUMP : 0, (uint64_t)i, 0);

		if (!h)
			abort();
		if (i == 0)
			seq0 = h->nlmsg_seq;
		nl_msg_end(S, h);
	}
	if (nl_flush(S, 64, &H) < 0)
		abort();
	return seq0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *h;
	uint8_t *copy;
	uint32_t seq0;
	size_t off = 0;

	if (size < 1)
		return 0;
	if (!R && (!(R = malloc(sizeof(*R))) || !(R2 = malloc(sizeof(*R2)))))
		abort();
	seq0 = setup();
	/* An exact-size copy, so ASan sees any read past the datagram. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		abort();
	memcpy(copy, data + 1, size - 1);
	/* Answers: aim each message that frames at one of the requests
	 * (the fuzzer cannot guess a socket's port and sequence numbers). */
	if (!(data[0] & 1))
		while ((h = (struct nlmsghdr *)nl_msg_next(copy, size - 1, &off))) {
			h->nlmsg_pid = nl_portid(S);
			h->nlmsg_seq = seq0 + h->nlmsg_seq % 3;
		}
	nl_feed(S, copy, size - 1, data[0] & 1, &H);
	free(copy);
	nl_close(S);
	links_free(L);
	return 0;
}
