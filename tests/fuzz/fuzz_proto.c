/* fuzz_proto.c - libFuzzer target: the input is one received message.
 *
 * rt_msg_decode() must refuse or accept it without reading outside the
 * buffer; on acceptance every reader and getter is run over every record
 * (they check that the type carries that record, so the wrong ones must
 * refuse cleanly).  Records that decode must encode back to the same bytes:
 * the wire form is canonical (doc/PROTOCOL.md), so a decoder that accepted
 * two spellings of one value would be a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A record accepted by both decoders must survive encode/decode unchanged. */
static void route_roundtrip(const uint8_t *in, size_t size)
{
	static struct rt_route r, r2;
	static uint8_t out[RT_WIRE_ROUTE_MAX];
	char err[RT_ERRLEN];
	size_t used;

	if (rt_route_decode(in, size, &r, &used, err) != 0)
		return;
	if (rt_route_encode(&r, out) != used || memcmp(in, out, used) != 0 ||
	    rt_route_decode(out, used, &r2, NULL, err) != 0)
		abort();
}

static void neigh_roundtrip(const uint8_t *in)
{
	struct rt_neigh n, n2;
	uint32_t slot, slot2;
	uint8_t out[RT_WIRE_NEIGH];
	char err[RT_ERRLEN];

	if (rt_neigh_decode(in, &n, &slot, err) != 0)
		return;
	rt_neigh_encode(&n, slot, out);
	if (memcmp(in, out, sizeof(out)) != 0 || rt_neigh_decode(out, &n2, &slot2, err) != 0 ||
	    slot2 != slot)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_hdr h;
	char err[RT_ERRLEN];
	uint8_t *copy;

	route_roundtrip(data, size);
	if (size >= RT_WIRE_NEIGH)
		neigh_roundtrip(data);
	/* An exact-size heap copy, so ASan sees any read past the message. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (rt_msg_decode(copy, size, &h, err) == 0) {
		static struct rt_route r, er;
		struct rt_neigh n;
		struct rt_event e;
		struct rt_ack a;
		struct rt_error ee;
		struct rt_notice no;
		struct rt_status st;
		struct rt_hello hel;
		struct rt_sync sy;
		struct rt_reader r1, r2, r3;
		/* Beyond the last record too: readers must check the index. */
		uint32_t last = h.count < 4096 ? h.count + 1 : 4096;

		if (!rt_msg_desc(h.type))
			abort();   /* decode promised a known type */
		rt_msg_reader(&r1, &h, copy);
		rt_msg_reader(&r2, &h, copy);
		rt_msg_reader(&r3, &h, copy);
		for (uint32_t i = 0; i < last; i++) {
			rt_msg_read_route(&r1, &r, err);
			rt_msg_read_neigh(&r2, &n, err);
			rt_msg_read_event(&r3, &e, &er, err);
		}
		rt_msg_get_route(&h, copy, 0, &r, err);
		rt_msg_get_neigh(&h, copy, h.count ? h.count - 1 : 0, &n, err);
		rt_msg_get_ack(&h, copy, &a, err);
		if (rt_msg_get_status(&h, copy, &st, err) == 0 &&
		    (!memchr(st.version, 0, sizeof(st.version)) ||
		     !memchr(st.route_store, 0, sizeof(st.route_store)) ||
		     !memchr(st.fpm_last_error, 0, sizeof(st.fpm_last_error))))
			abort();   /* strings handed out must be terminated */
		if (rt_msg_get_error(&h, copy, &ee, err) == 0 && !memchr(ee.text, 0, sizeof(ee.text)))
			abort();
		if (rt_msg_get_notice(&h, copy, &no, err) == 0 && !memchr(no.text, 0, sizeof(no.text)))
			abort();
		rt_msg_get_hello(&h, copy, &hel, err);
		rt_msg_get_sync(&h, copy, &sy, err);
	}
	free(copy);
	return 0;
}
