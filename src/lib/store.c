/* store.c - the store file format: layout, validation, payload encodings,
 * the seqlock read and index probing that every reader uses.  The writer
 * engine is src/daemon/store_writer.c.  See store.h and doc/STORE.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "store.h"
#include "store_layout.h"

_Static_assert(STORE_AF_INET == AF_INET && STORE_AF_INET6 == AF_INET6, "address families");

#define READ_SPINS 64
/* How long a reader waits for a slot to become stable.  Long enough to
 * outlast a writer preempted inside its (few-store) odd window on a busy
 * machine; short, because a writer killed in that window leaves the slot
 * odd until rtmd restarts and recovers it. */
#define READ_PATIENCE_NS 50000000LL

size_t store_page_up(size_t n)
{
	return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

/* ---- CRC-32C ------------------------------------------------------------ */

/* Reflected polynomial 0x82F63B78, one entry per byte value. */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t store_crc32c_sw(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	crc = ~crc;
	while (n--)
		crc = crc32c_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t c = ~crc;

	for (; n >= 8; n -= 8, b += 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		c = __builtin_ia32_crc32di(c, w);
	}
	uint32_t c32 = (uint32_t)c;
	while (n--)
		c32 = __builtin_ia32_crc32qi(c32, *b++);
	return ~c32;
}
#endif

uint32_t store_crc32c(uint32_t crc, const void *p, size_t n)
{
#if defined(__x86_64__)
	/* Set up by libgcc's constructor; one load and a test. */
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_hw(crc, p, n);
#endif
	return store_crc32c_sw(crc, p, n);
}

/* ---- Payload encodings ------------------------------------------------- */

static void put_addr(uint8_t *out, const struct rt_addr *a)
{
	size_t n = rt_addr_bytes(a->family);

	out[0] = n ? a->family : 0;
	memcpy(out + 1, a->bytes, n);
}

static void put_dev(uint8_t *out, const char *dev)
{
	memcpy(out, dev, strnlen(dev, RT_IFNAMSIZ - 1));
}

/* The characters addr.c's interface name rules allow (printable, not
 * blank, and none of / : " \), as a bitmap of the 128 ASCII codes; kept in
 * step by check_store's comparison with rt_neigh_check(). */
#define BIT(c) ((uint64_t)1 << ((c) & 63))
static const uint64_t ifname_chars[2] = {
	~(BIT(0x21) - 1) & ~(BIT('"') | BIT('/') | BIT(':')),          /* 0x21..0x3f */
	(BIT(0x7f) - 1) & ~BIT('\\'),                                   /* 0x40..0x7e */
};
#undef BIT

/* Bits of the bytes at and after byte i (0..7) of a word loaded from memory. */
static uint64_t bytes_from(unsigned i)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return ~(uint64_t)0 << (8 * i);
#else
	return ~(uint64_t)0 >> (8 * i);
#endif
}

/* Copy a stored interface name; -1 unless it is a valid name (or empty,
 * if allowed), NUL-terminated with zero padding (the canonical form
 * byte-compared as a key).  Readers run this on every look-up. */
static int get_dev(const uint8_t *in, char *dev, bool empty_ok)
{
	uint64_t d[2];
	unsigned n = 0;

	for (; n < RT_IFNAMSIZ && in[n]; n++)
		if (in[n] >= 128 || !((ifname_chars[in[n] >> 6] >> (in[n] & 63)) & 1))
			return -1;
	if ((n == 0 && !empty_ok) || n == RT_IFNAMSIZ ||
	    (in[0] == '.' && (n == 1 || (n == 2 && in[1] == '.'))))
		return -1;
	/* Zero padding after the NUL at n, a word at a time. */
	unsigned z = n + 1;             /* the first byte that must be zero, 1..16 */
	uint64_t m0 = z < 8 ? bytes_from(z) : 0;
	uint64_t m1 = z <= 8 ? ~(uint64_t)0 : z < 16 ? bytes_from(z - 8) : 0;
	memcpy(d, in, RT_IFNAMSIZ);
	if ((d[0] & m0) | (d[1] & m1))
		return -1;
	memcpy(dev, d, RT_IFNAMSIZ);
	return 0;
}

bool store_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

void store_neigh_encode(const struct rt_neigh *n, uint8_t out[STORE_ARP_PAYLOAD])
{
	memset(out, 0, STORE_ARP_PAYLOAD);
	put_addr(out + STORE_N_FAMILY, &n->ip);
	put_dev(out + STORE_N_DEV, n->dev);
	memcpy(out + STORE_N_MAC, n->lladdr, 6);
	out[STORE_N_ORIGIN] = n->origin;
	memcpy(out + STORE_N_STATE, &n->state, 2);
	out[STORE_N_PROTOCOL] = n->protocol;
	out[STORE_N_FLAGS] = n->flags;
}

int store_neigh_decode(const uint8_t in[STORE_ARP_PAYLOAD], struct rt_neigh *n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w[STORE_ARP_PAYLOAD / 8];

	memcpy(w, in, sizeof(w));
	return store_neigh_from_words(w[0], w[1], w[2], w[3], w[4], w[5], n);
#else
	/* rt_neigh_check()'s rules, open-coded: it formats messages. */
	uint16_t state;
	uint8_t origin = in[STORE_N_ORIGIN], flags = in[STORE_N_FLAGS];

	memcpy(&state, in + STORE_N_STATE, 2);
	if (!store_zero(in + STORE_N_ZERO, STORE_ARP_PAYLOAD - STORE_N_ZERO) ||
	    origin > RT_ORIGIN_MAX || (state & ~RT_NUD_KNOWN) || (flags & ~RT_NF_KNOWN) ||
	    (origin <= RT_ORIGIN_CONFIG && ((state != NUD_PERMANENT && state) || flags)))
		return -1;
	if (in[0] == AF_INET) {
		if (!store_zero(in + 5, 12))
			return -1;
	} else if (in[0] != AF_INET6) {
		return -1;
	}
	if (get_dev(in + STORE_N_DEV, n->dev, false) < 0)
		return -1;
	n->ip.family = in[0];
	memcpy(n->ip.bytes, in + STORE_N_IP, 16);
	memcpy(n->lladdr, in + STORE_N_MAC, 6);
	n->origin = origin;
	n->state = state;
	n->protocol = in[STORE_N_PROTOCOL];
	n->flags = flags;
	return 0;
#endif
}

/* The route file whose payloads are of this size. */
static unsigned store_route_class_of_size(size_t size)
{
	return size == STORE_ROUTE_PAYLOAD ? 0 : size == STORE_ROUTE16_PAYLOAD ? 1 : 2;
}

/* Bytes at the start of a route payload for n next hops. */
static size_t route_bytes(unsigned n)
{
	return STORE_R_NH + (size_t)n * STORE_NH_SIZE;
}

void store_route_encode(const struct rt_route *r, uint8_t *out, size_t size)
{
	unsigned n = r->nh_count;

	memset(out, 0, size);
	if (route_bytes(n) > size)
		return;         /* a caller bug: left free */
	put_addr(out + STORE_R_FAMILY, &r->dst.addr);
	out[STORE_R_PLEN] = r->dst.len;
	memcpy(out + STORE_R_METRIC, &r->metric, 4);
	out[STORE_R_TYPE] = r->type;
	out[STORE_R_PROTOCOL] = r->protocol;
	out[STORE_R_SCOPE] = r->scope;
	out[STORE_R_TOS] = r->tos;
	out[STORE_R_FLAGS] = r->origin == RT_ORIGIN_CONFIG ? STORE_RF_CONFIG : 0;
	out[STORE_R_NH_COUNT] = (uint8_t)(n ? n - 1 : 0);
	put_addr(out + STORE_R_SRC, &r->src);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = out + route_bytes(i);
		const struct rt_nexthop *nh = &r->nh[i];

		put_addr(p + STORE_NH_GW, &nh->gw);
		put_dev(p + STORE_NH_DEV, nh->dev);
		p[STORE_NH_WEIGHT] = (uint8_t)(nh->weight ? nh->weight - 1 : 0);
		p[STORE_NH_FLAGS] = nh->flags;
	}
}

/* An address field as put_addr() writes it: family 0 all zero, else a
 * known family with zeros past it. */
static int get_addr(const uint8_t *in, struct rt_addr *a)
{
	size_t n = rt_addr_bytes(in[0]);

	if ((!n && in[0]) || !store_zero(in + 1 + n, 16 - n))
		return -1;
	a->family = in[0];
	memcpy(a->bytes, in + 1, 16);
	return 0;
}

int store_route_decode(const uint8_t *in, size_t size, struct rt_route *r)
{
	char err[RT_ERRLEN];
	unsigned n;

	rt_route_init(r);
	if (!in[STORE_R_FAMILY] || size < STORE_R_NH || (in[STORE_R_FLAGS] & ~STORE_RF_CONFIG))
		return -1;
	r->type = in[STORE_R_TYPE];
	n = r->type == RTN_UNICAST ? in[STORE_R_NH_COUNT] + 1u : 0;
	if ((r->type != RTN_UNICAST && in[STORE_R_NH_COUNT]) || route_bytes(n) > size ||
	    !store_zero(in + route_bytes(n), size - route_bytes(n)))
		return -1;
	if (get_addr(in + STORE_R_FAMILY, &r->dst.addr) < 0 || get_addr(in + STORE_R_SRC, &r->src) < 0)
		return -1;
	r->dst.len = in[STORE_R_PLEN];
	memcpy(&r->metric, in + STORE_R_METRIC, 4);
	r->protocol = in[STORE_R_PROTOCOL];
	r->scope = in[STORE_R_SCOPE];
	r->tos = in[STORE_R_TOS];
	r->origin = (in[STORE_R_FLAGS] & STORE_RF_CONFIG) ? RT_ORIGIN_CONFIG : RT_ORIGIN_RTCTL;
	r->nh_count = (uint16_t)n;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = in + route_bytes(i);
		struct rt_nexthop *nh = &r->nh[i];

		if (get_addr(p + STORE_NH_GW, &nh->gw) < 0 || get_dev(p + STORE_NH_DEV, nh->dev, true) < 0)
			return -1;
		nh->weight = (uint16_t)(p[STORE_NH_WEIGHT] + 1u);
		nh->flags = p[STORE_NH_FLAGS];
	}
	/* what the encoder writes of a valid route: itself, in its class */
	if (rt_route_check(r, err) < 0 || store_route_class(n) != store_route_class_of_size(size))
		return -1;
	return 0;
}

static uint64_t arp_hash(const uint8_t *payload, unsigned i)
{
	return i == 0 ? store_hash_ip_bytes(payload) : store_hash_mac(payload + STORE_N_MAC);
}

static int arp_valid(const uint8_t *payload)
{
	struct rt_neigh n;

	return store_neigh_decode(payload, &n);
}

/* Recovery validates every slot of a route file: 9 KiB a route is too
 * much for a stack frame per call, and recovery runs on one thread per
 * store. */
static _Thread_local struct rt_route valid_scratch;

static int route_valid(const uint8_t *payload)
{
	return store_route_decode(payload, STORE_ROUTE_PAYLOAD, &valid_scratch);
}

static int route16_valid(const uint8_t *payload)
{
	return store_route_decode(payload, STORE_ROUTE16_PAYLOAD, &valid_scratch);
}

static int route256_valid(const uint8_t *payload)
{
	return store_route_decode(payload, STORE_ROUTE256_PAYLOAD, &valid_scratch);
}

const struct store_ops store_arp_ops = {
	.kind = STORE_KIND_ARP,
	.what = "arp store",
	.slot_size = STORE_SLOT_HEAD + STORE_ARP_PAYLOAD,
	.payload_size = STORE_ARP_PAYLOAD,
	.keylen = STORE_ARP_KEYLEN,
	.nindex = 2,
	.in_place = false,
	.hash = arp_hash,
	.valid = arp_valid,
};

/* The multipath files are rare and small: written through the mapping,
 * as write-behind stages thousands of slots, which at 9 KiB a slot would
 * cost more memory than their routes. */
const struct store_ops store_route_ops[3] = {
	{
		.kind = STORE_KIND_ROUTE,
		.what = "route store",
		.slot_size = STORE_SLOT_HEAD + STORE_ROUTE_PAYLOAD,
		.payload_size = STORE_ROUTE_PAYLOAD,
		.keylen = STORE_ROUTE_KEYLEN,
		.nindex = 0,
		.in_place = true,
		.write_behind = true,
		.valid = route_valid,
	},
	{
		.kind = STORE_KIND_ROUTE16,
		.what = "route store (up to 16 next hops)",
		.slot_size = STORE_SLOT_HEAD + STORE_ROUTE16_PAYLOAD,
		.payload_size = STORE_ROUTE16_PAYLOAD,
		.keylen = STORE_ROUTE_KEYLEN,
		.nindex = 0,
		.in_place = true,
		.valid = route16_valid,
	},
	{
		.kind = STORE_KIND_ROUTE256,
		.what = "route store (up to 256 next hops)",
		.slot_size = STORE_SLOT_HEAD + STORE_ROUTE256_PAYLOAD,
		.payload_size = STORE_ROUTE256_PAYLOAD,
		.keylen = STORE_ROUTE_KEYLEN,
		.nindex = 0,
		.in_place = true,
		.valid = route256_valid,
	},
};

/* ---- Layout and validation --------------------------------------------- */

uint32_t store_buckets_for(uint32_t capacity)
{
	uint32_t n = 64;

	while (n < 2 * (uint64_t)capacity)
		n *= 2;
	return n;
}

/* Fill the layout fields of m for a file of this capacity. */
void store_layout(const struct store_ops *ops, uint32_t capacity, struct store_map *m)
{
	m->capacity = capacity;
	m->slot_size = ops->slot_size;
	m->payload_size = ops->payload_size;
	m->nindex = ops->nindex;
	m->nbuckets = ops->nindex ? store_buckets_for(capacity) : 0;
	m->slots_off = STORE_HDR_SIZE;
	size_t off = m->slots_off + store_page_up((size_t)capacity * ops->slot_size);
	for (unsigned i = 0; i < STORE_MAX_INDEX; i++) {
		m->index_off[i] = i < ops->nindex ? off : 0;
		if (i < ops->nindex)
			off += store_page_up((size_t)m->nbuckets * sizeof(uint64_t));
	}
	m->len = off;
}

uint32_t store_hdr_crc(const struct store_hdr *h)
{
	return store_crc32c(0, h, offsetof(struct store_hdr, hdr_crc));
}

uint64_t store_extent_of(uint64_t generation, uint32_t capacity)
{
	uint32_t check = store_crc32c(store_crc32c(0, &generation, 8), &capacity, 4);

	return (uint64_t)check << 32 | capacity;
}

struct store_hdr *store_hdr_of(const struct store_map *m)
{
	return (struct store_hdr *)m->base;
}

/* A header validation failure: message naming the file, the problem and
 * the fix; errno EIO. */
#define BAD(...) do { \
	int n_ = snprintf(err, errlen, "%s %s: ", ops->what, path); \
	if (n_ > 0 && (size_t)n_ < errlen) \
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__); \
	size_t l_ = strlen(err); \
	if (l_ < errlen) \
		snprintf(err + l_, errlen - l_, "; %s", fix); \
	errno = EIO; \
	return -1; \
} while (0)

int store_map_fd(int fd, const char *path, const struct store_ops *ops, bool writable,
                 struct store_map *m, char *err, size_t errlen)
{
	const char *fix = writable ? "move it away to start with an empty table (it is left untouched)"
	                           : "check the path (it should be the file rtmd writes)";
	struct store_hdr h;
	struct stat st;
	struct store_map want;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s %s: fstat: %s", ops->what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		BAD("not a regular file");
	if (st.st_size < STORE_HDR_SIZE)
		BAD("truncated to %lld bytes (a store has at least a %d-byte header)",
		    (long long)st.st_size, STORE_HDR_SIZE);
	ssize_t r = pread(fd, &h, sizeof(h), 0);
	if (r != (ssize_t)sizeof(h)) {
		snprintf(err, errlen, "%s %s: cannot read the header: %s", ops->what, path,
		         r < 0 ? strerror(errno) : "short read");
		errno = EIO;
		return -1;
	}
	if (memcmp(h.magic, STORE_MAGIC, 8) != 0)
		BAD("bad magic (not an rtmd store?)");
	if (h.version != STORE_VERSION)
		BAD("format version %" PRIu32 ", this program reads version %d", h.version,
		    STORE_VERSION);
	if (h.kind != (uint32_t)ops->kind)
		BAD("holds a %s, not a %s",
		    h.kind == STORE_KIND_ARP ? store_arp_ops.what :
		    h.kind >= STORE_KIND_ROUTE && h.kind <= STORE_KIND_ROUTE256 ?
		    store_route_ops[h.kind - STORE_KIND_ROUTE].what : "store of unknown kind", ops->what);
	if (h.slot_size != ops->slot_size || h.payload_size != ops->payload_size)
		BAD("entry size %" PRIu32 ", expected %" PRIu32, h.slot_size, ops->slot_size);
	if (h.hdr_crc != store_hdr_crc(&h))
		BAD("header checksum mismatch (corrupt header)");
	uint32_t capacity = (uint32_t)h.extent;
	if (h.extent != store_extent_of(h.generation, capacity))
		BAD("capacity checksum mismatch (corrupt header)");
	if (capacity == 0 || capacity > STORE_MAX_CAPACITY)
		BAD("capacity %" PRIu32 " out of range (corrupt header)", capacity);
	store_layout(ops, capacity, &want);
	if (h.nindex != want.nindex || h.nbuckets != want.nbuckets ||
	    h.slots_off != want.slots_off || h.index_off[0] != want.index_off[0] ||
	    h.index_off[1] != want.index_off[1])
		BAD("inconsistent layout (corrupt header)");
	/* A store that grows in place may be longer than its capacity says: a
	 * growth interrupted between extending the file and the header.  The
	 * tail was never part of the store. */
	if ((uint64_t)st.st_size < want.len || (!ops->in_place && (uint64_t)st.st_size != want.len))
		BAD("size %zu for %" PRIu32 " slots does not match the file length %lld "
		    "(truncated or extended)", want.len, capacity, (long long)st.st_size);

	/* The writer reads every slot at once (recovery): fault it all in with
	 * one call.  Readers touch a few pages per look-up. */
	void *base = mmap(NULL, want.len, writable ? PROT_READ | PROT_WRITE : PROT_READ,
	                  MAP_SHARED | (writable ? MAP_POPULATE : 0), fd, 0);
	if (base == MAP_FAILED) {
		int e = errno;
		snprintf(err, errlen, "%s %s: mmap of %zu bytes: %s", ops->what, path, want.len,
		         strerror(e));
		errno = e;
		return -1;
	}
	*m = want;
	m->fd = fd;
	m->base = base;
	m->generation = h.generation;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return 0;
}

void store_map_release(struct store_map *m)
{
	if (m->base)
		munmap(m->base, m->len);
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->fd = -1;
}

uint32_t store_map_flags(const struct store_map *m)
{
	return __atomic_load_n(&store_hdr_of(m)->flags, __ATOMIC_ACQUIRE);
}

/* ---- Slots ------------------------------------------------------------- */


struct slot_ptr store_slot_at(const struct store_map *m, uint32_t slot)
{
	uint8_t *p = m->base + m->slots_off + (size_t)slot * m->slot_size;
	struct slot_ptr sp = {
		.seq = (uint32_t *)(void *)p,
		.crc = (uint32_t *)(void *)(p + 4),
		.version = (uint64_t *)(void *)(p + 8),
		.words = (uint64_t *)(void *)(p + STORE_SLOT_HEAD),
	};
	return sp;
}

uint32_t store_slot_crc(uint64_t version, const uint8_t *payload, size_t n)
{
	return store_crc32c(store_crc32c(0, &version, sizeof(version)), payload, n);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);    /* vDSO */
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

bool store_slot_wait(unsigned *tries, long long *deadline, uint64_t *retries)
{
	unsigned t = ++*tries;

	if (retries)
		(*retries)++;
	if (t % READ_SPINS) {
		cpu_relax();
		return true;
	}
	long long now = mono_ns();
	if (!*deadline)
		*deadline = now + READ_PATIENCE_NS;
	else if (now > *deadline)
		return false;
	sched_yield();
	return true;
}

/* What a slot holds, from a stable copy of it.  valid NULL: the fields are
 * left to the caller's decode. */
enum store_slot_state store_classify(uint32_t seq, uint32_t crc, uint64_t ver,
                                      const uint8_t *payload, size_t n,
                                      int (*valid)(const uint8_t *))
{
	if (seq & 1)
		return STORE_SLOT_TORN;
	if (seq == 0 && crc == 0 && ver == 0 && store_zero(payload, n))
		return STORE_SLOT_FREE;         /* never written */
	if (crc != store_slot_crc(ver, payload, n))
		return STORE_SLOT_CORRUPT;
	if (!payload[0])
		return store_zero(payload, n) ? STORE_SLOT_FREE : STORE_SLOT_CORRUPT;
	return !valid || valid(payload) == 0 ? STORE_SLOT_USED : STORE_SLOT_CORRUPT;
}

/* Seqlock read (Boehm's pattern: acquire load of the sequence, relaxed
 * loads of the data, acquire fence, relaxed re-load of the sequence). */
enum store_slot_state store_slot_read(const struct store_map *m, uint32_t slot,
                                      uint8_t *payload, uint64_t *version,
                                      const struct store_ops *ops, uint64_t *retries)
{
	uint64_t w[STORE_PAYLOAD_MAX / 8];
	size_t nw = m->payload_size / 8;
	uint32_t s1, s2, crc = 0;
	uint64_t ver = 0;
	long long deadline = 0;
	unsigned tries = 0;

	(void)ops;
	if (slot >= m->capacity) {
		memset(payload, 0, m->payload_size);
		return STORE_SLOT_CORRUPT;
	}
	struct slot_ptr sp = store_slot_at(m, slot);
	for (;;) {
		s1 = __atomic_load_n(sp.seq, __ATOMIC_ACQUIRE);
		if (!(s1 & 1)) {
			crc = __atomic_load_n(sp.crc, __ATOMIC_RELAXED);
			ver = __atomic_load_n(sp.version, __ATOMIC_RELAXED);
			for (size_t i = 0; i < nw; i++)
				w[i] = __atomic_load_n(&sp.words[i], __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			s2 = __atomic_load_n(sp.seq, __ATOMIC_RELAXED);
			if (s1 == s2)
				break;
		}
		if (!store_slot_wait(&tries, &deadline, retries)) {
			s1 |= 1;
			break;
		}
	}
	memcpy(payload, w, m->payload_size);
	if (version)
		*version = ver;
	return store_classify(s1, crc, ver, payload, m->payload_size, NULL);
}

/* ---- Index probing ----------------------------------------------------- */

uint64_t *store_bucket_array(const struct store_map *m, unsigned index)
{
	return (uint64_t *)(void *)(m->base + m->index_off[index]);
}

void store_probe_start(const struct store_map *m, unsigned index, uint64_t hash,
                       struct store_probe *p)
{
	memset(p, 0, sizeof(*p));
	if (index >= m->nindex || !m->nbuckets)
		return;
	p->mask = m->nbuckets - 1;
	p->pos = (uint32_t)hash & p->mask;
	p->tag = (uint32_t)(hash >> 32);
	p->steps = m->nbuckets;
	p->bucket = store_bucket_array(m, index);
	p->capacity = m->capacity;
}

uint32_t store_probe_next(struct store_probe *p)
{
	while (p->steps) {
		uint64_t v = __atomic_load_n(&p->bucket[p->pos], __ATOMIC_ACQUIRE);
		p->pos = (p->pos + 1) & p->mask;
		p->steps--;
		if (v == STORE_IDX_EMPTY)
			break;
		/* A tombstone or a hostile value fails the bound. */
		if ((uint32_t)(v >> 32) != p->tag || (uint32_t)v - 1 >= p->capacity)
			continue;
		return (uint32_t)v - 1;
	}
	p->steps = 0;
	return UINT32_MAX;
}

