/* fuzz_addr.c - libFuzzer target: the input as text for every parser of
 * addr.h, and as raw bytes for the validators and printers.
 *
 * addr.h promises that a parser never accepts a value it cannot print back
 * identically: so parse(print(parse(s))) must equal parse(s), and every
 * printed form must be NUL-terminated within its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_terminated(const char *buf, size_t cap)
{
	if (!memchr(buf, 0, cap))
		abort();
}

static void text_parsers(const char *s)
{
	char err[RT_ERRLEN], buf[RT_PREFIXSTRLEN], buf2[RT_PREFIXSTRLEN];
	struct rt_addr a, a2;
	struct rt_prefix p, p2;
	uint8_t mac[6], mac2[6];
	char ifn[RT_IFNAMSIZ], ifn2[RT_IFNAMSIZ];
	uint32_t m, m2;

	if (rt_addr_parse(s, &a, err) == 0) {
		rt_addr_str(&a, buf);
		check_terminated(buf, RT_ADDRSTRLEN);
		if (rt_addr_parse(buf, &a2, err) != 0 || !rt_addr_equal(&a, &a2))
			abort();
	}
	check_terminated(err, RT_ERRLEN);
	if (rt_prefix_parse(s, &p, err) == 0) {
		if (rt_prefix_check(&p, err) != 0)
			abort();   /* the parser let through what the validator refuses */
		rt_prefix_str(&p, buf);
		check_terminated(buf, RT_PREFIXSTRLEN);
		/* "default" is ip's word for both families: its family comes
		 * from the context (a gateway, a source, ip's "pref") */
		if (rt_prefix_parse(buf, &p2, err) != 0 || p2.len != p.len ||
		    (p.len && !rt_addr_equal(&p.addr, &p2.addr)) ||
		    (!p.len && strcmp(buf, "default") != 0))
			abort();
		rt_prefix_str(&p2, buf2);
		if (strcmp(buf, buf2) != 0)
			abort();
	}
	if (rt_mac_parse(s, mac, err) == 0) {
		rt_mac_str(mac, buf);
		check_terminated(buf, RT_MACSTRLEN);
		if (rt_mac_parse(buf, mac2, err) != 0 || memcmp(mac, mac2, 6) != 0)
			abort();
	}
	if (rt_ifname_parse(s, ifn, err) == 0) {
		check_terminated(ifn, RT_IFNAMSIZ);
		if (rt_ifname_check(ifn, err) != 0 || rt_ifname_parse(ifn, ifn2, err) != 0 ||
		    strcmp(ifn, ifn2) != 0)
			abort();
	}
	if (rt_metric_parse(s, &m, err) == 0) {
		snprintf(buf, sizeof(buf), "%u", m);
		if (rt_metric_parse(buf, &m2, err) != 0 || m != m2)
			abort();
	}
}

/* Raw bytes as the structs a decoder would hand over: validate, and print
 * whatever validates. */
static void raw_structs(const uint8_t *data, size_t size)
{
	char err[RT_ERRLEN], buf[RT_ROUTESTRLEN];
	static struct rt_route r;
	struct rt_neigh n;
	struct rt_prefix p;

	/* the head and up to three next hops from the input, zeros beyond it */
	if (size >= rt_route_size(0)) {
		memset(&r, 0, rt_route_size(3));
		memcpy(&r, data, size < rt_route_size(3) ? size : rt_route_size(3));
		if (r.nh_count > 3)
			r.nh_count = 3;
		if (rt_route_check(&r, err) == 0) {
			rt_route_format(&r, buf, sizeof(buf));
			check_terminated(buf, sizeof(buf));
			rt_route_key_format(&r, buf, sizeof(buf));
			check_terminated(buf, sizeof(buf));
			/* A buffer too small must truncate, not overflow. */
			rt_route_format(&r, buf, 8);
			check_terminated(buf, 8);
		}
	}
	if (size >= sizeof(n)) {
		memcpy(&n, data, sizeof(n));
		if (rt_neigh_check(&n, err) == 0) {
			rt_neigh_format(&n, buf, sizeof(buf));
			check_terminated(buf, sizeof(buf));
		}
	}
	if (size >= sizeof(p)) {
		memcpy(&p, data, sizeof(p));
		if (rt_prefix_check(&p, err) == 0) {
			struct rt_addr a = p.addr;

			rt_prefix_str(&p, buf);
			check_terminated(buf, RT_PREFIXSTRLEN);
			(void)rt_prefix_contains(&p, &a);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	text_parsers(s);
	free(s);
	raw_structs(data, size);
	return 0;
}
