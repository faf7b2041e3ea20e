/* fpm_nhg.c - zebra's next-hop groups by id (fpm_nhg.h).
 *
 * An open-addressing table with linear probing and backward-shift
 * deletion: ids are the kernel's (never 0, so 0 marks an empty slot), a
 * BGP table of a million routes has a few thousand groups, and look-ups
 * happen once per route, so this stays small and flat.
 */
#include <errno.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fpm_nhg.h"

enum { NH_SINGLE = 1, NH_BLACKHOLE, NH_GROUP };

struct member {
	uint32_t id;
	uint16_t weight;        /* 1..256 */
};

struct entry {
	uint32_t id;            /* 0: empty */
	uint8_t kind;
	uint16_t n;             /* NH_GROUP: members */
	struct fpm_nh nh;       /* NH_SINGLE */
	struct member *m;       /* NH_GROUP */
};

struct fpm_nhg {
	struct entry *v;
	size_t cap, count;      /* cap a power of two */
};

/* What one NEWNEXTHOP/DELNEXTHOP says, checked. */
struct parsed {
	uint32_t id;
	uint8_t kind;
	struct fpm_nh nh;
	const struct nexthop_grp *grp;
	uint16_t n;
};

static size_t slot_of(uint32_t id, size_t cap)
{
	/* Fibonacci hashing: zebra's ids are small and dense. */
	return (size_t)((id * 2654435769u) & (cap - 1));
}

struct fpm_nhg *fpm_nhg_new(void)
{
	struct fpm_nhg *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 64;
	t->v = calloc(t->cap, sizeof(*t->v));
	if (!t->v) {
		free(t);
		return NULL;
	}
	return t;
}

void fpm_nhg_clear(struct fpm_nhg *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->v[i].m);
	memset(t->v, 0, t->cap * sizeof(*t->v));
	t->count = 0;
}

void fpm_nhg_free(struct fpm_nhg *t)
{
	if (!t)
		return;
	fpm_nhg_clear(t);
	free(t->v);
	free(t);
}

size_t fpm_nhg_count(const struct fpm_nhg *t)
{
	return t->count;
}

static struct entry *find(const struct fpm_nhg *t, uint32_t id)
{
	for (size_t i = slot_of(id, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (t->v[i].id == id)
			return &t->v[i];
		if (t->v[i].id == 0)
			return NULL;
	}
}

static int grow(struct fpm_nhg *t)
{
	size_t cap = t->cap * 2;
	struct entry *v = calloc(cap, sizeof(*v));

	if (!v)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->v[i].id)
			continue;
		for (j = slot_of(t->v[i].id, cap); v[j].id; j = (j + 1) & (cap - 1))
			;
		v[j] = t->v[i];
	}
	free(t->v);
	t->v = v;
	t->cap = cap;
	return 0;
}

static void remove_entry(struct fpm_nhg *t, struct entry *e)
{
	size_t i = (size_t)(e - t->v), j = i;

	free(e->m);
	memset(e, 0, sizeof(*e));
	t->count--;
	/* Backward shift: move up every later entry of the probe run whose
	 * home slot is not between the hole and it. */
	for (;;) {
		size_t home;

		j = (j + 1) & (t->cap - 1);
		if (!t->v[j].id)
			return;
		home = slot_of(t->v[j].id, t->cap);
		if (((j - home) & (t->cap - 1)) >= ((j - i) & (t->cap - 1))) {
			t->v[i] = t->v[j];
			memset(&t->v[j], 0, sizeof(t->v[j]));
			i = j;
		}
	}
}

/* The attributes after struct nhmsg, each bounds-checked; unknown types
 * are skipped (newer kernels' and zebra's additions). */
static int parse_attrs(const struct nlmsghdr *h, const struct nlattr **tb, unsigned max,
                       char *why, size_t whylen)
{
	size_t off = NLMSG_ALIGN(sizeof(struct nhmsg)), len = h->nlmsg_len - NLMSG_HDRLEN;
	const uint8_t *p = NLMSG_DATA(h);

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (len < sizeof(struct nhmsg)) {
		snprintf(why, whylen, "next-hop message without its nhmsg");
		return -1;
	}
	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const struct nlattr *)(p + off);
		unsigned type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off) {
			snprintf(why, whylen, "next-hop message: attribute %u at offset %zu claims %u bytes of %zu",
			         type, off, a->nla_len, len - off);
			return -1;
		}
		if (type <= max)
			tb[type] = a;
		off += NLA_ALIGN(a->nla_len);
	}
	if (off < len) {
		snprintf(why, whylen, "next-hop message: %zu stray bytes after its attributes", len - off);
		return -1;
	}
	return 0;
}

static size_t payload_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static const void *payload(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static int parse(const struct nlmsghdr *h, struct parsed *out, char *why, size_t whylen)
{
	const struct nlattr *tb[NHA_MAX + 1];
	const struct nhmsg *nhm = NLMSG_DATA(h);

	memset(out, 0, sizeof(*out));
	if (parse_attrs(h, tb, NHA_MAX, why, whylen) < 0)
		return -1;
	if (!tb[NHA_ID] || payload_len(tb[NHA_ID]) != 4) {
		snprintf(why, whylen, "next-hop message without a 4-byte NHA_ID");
		return -1;
	}
	memcpy(&out->id, payload(tb[NHA_ID]), 4);
	if (out->id == 0) {
		snprintf(why, whylen, "next-hop message with id 0");
		return -1;
	}
	if (h->nlmsg_type == RTM_DELNEXTHOP)
		return 0;
	if (tb[NHA_GROUP]) {
		size_t n = payload_len(tb[NHA_GROUP]) / sizeof(struct nexthop_grp);
		const struct nexthop_grp *g = payload(tb[NHA_GROUP]);

		if (payload_len(tb[NHA_GROUP]) % sizeof(struct nexthop_grp) || n == 0 ||
		    n > FPM_NH_MAX) {
			snprintf(why, whylen, "next-hop group %u: NHA_GROUP of %zu bytes is not 1..%u members of 8",
			         out->id, payload_len(tb[NHA_GROUP]), FPM_NH_MAX);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			uint32_t mid;

			memcpy(&mid, (const uint8_t *)g + i * sizeof(*g), sizeof(mid));
			if (mid == 0 || mid == out->id) {
				snprintf(why, whylen, "next-hop group %u: member %zu has id %u", out->id,
				         i + 1, mid);
				return -1;
			}
		}
		out->kind = NH_GROUP;
		out->grp = g;
		out->n = (uint16_t)n;
		return 0;
	}
	if (tb[NHA_BLACKHOLE]) {
		out->kind = NH_BLACKHOLE;
		return 0;
	}
	out->kind = NH_SINGLE;
	out->nh.weight = 1;
	out->nh.flags = (uint8_t)nhm->nh_flags;
	if (tb[NHA_OIF]) {
		if (payload_len(tb[NHA_OIF]) != 4) {
			snprintf(why, whylen, "next hop %u: NHA_OIF of %zu bytes", out->id,
			         payload_len(tb[NHA_OIF]));
			return -1;
		}
		memcpy(&out->nh.ifindex, payload(tb[NHA_OIF]), 4);
	}
	if (tb[NHA_GATEWAY]) {
		size_t want = nhm->nh_family == AF_INET ? 4 : nhm->nh_family == AF_INET6 ? 16 : 0;

		if (!want || payload_len(tb[NHA_GATEWAY]) != want) {
			snprintf(why, whylen, "next hop %u: a %zu-byte gateway for family %u", out->id,
			         payload_len(tb[NHA_GATEWAY]), nhm->nh_family);
			return -1;
		}
		out->nh.family = nhm->nh_family;
		memcpy(out->nh.gw, payload(tb[NHA_GATEWAY]), want);
	}
	if (!out->nh.family && !out->nh.ifindex) {
		snprintf(why, whylen, "next hop %u has no gateway, no interface and is no blackhole",
		         out->id);
		return -1;
	}
	return 0;
}

int fpm_nhg_check(const struct fpm_nhg *t, const struct nlmsghdr *h, uint32_t *id,
                  char *why, size_t whylen)
{
	struct parsed p;

	(void)t;
	if (h->nlmsg_type != RTM_NEWNEXTHOP && h->nlmsg_type != RTM_DELNEXTHOP) {
		snprintf(why, whylen, "message type %u is not a next-hop message", h->nlmsg_type);
		return -1;
	}
	if (parse(h, &p, why, whylen) < 0)
		return -1;
	*id = p.id;
	return 0;
}

/* Remove member id from every group (the kernel's rule when a next hop
 * goes); a group left empty goes too. */
static void drop_member(struct fpm_nhg *t, uint32_t id)
{
	for (size_t i = 0; i < t->cap; i++) {
		struct entry *e = &t->v[i];
		uint16_t k = 0;

		if (e->kind != NH_GROUP)
			continue;
		for (uint16_t j = 0; j < e->n; j++)
			if (e->m[j].id != id)
				e->m[k++] = e->m[j];
		e->n = k;
	}
	for (size_t i = 0; i < t->cap; i++)
		while (t->v[i].id && t->v[i].kind == NH_GROUP && t->v[i].n == 0)
			remove_entry(t, &t->v[i]);
}

int fpm_nhg_apply(struct fpm_nhg *t, const struct nlmsghdr *h)
{
	struct parsed p;
	struct member *m = NULL;
	struct entry *e;
	char why[16];

	if (parse(h, &p, why, sizeof(why)) < 0) {
		errno = EINVAL;
		return -1;
	}
	e = find(t, p.id);
	if (h->nlmsg_type == RTM_DELNEXTHOP) {
		if (e) {
			bool was_single = e->kind != NH_GROUP;

			remove_entry(t, e);
			if (was_single)
				drop_member(t, p.id);
		}
		return 0;
	}
	if (p.kind == NH_GROUP) {
		m = malloc(p.n * sizeof(*m));
		if (!m)
			return -1;
		for (uint16_t i = 0; i < p.n; i++) {
			struct nexthop_grp g;

			memcpy(&g, (const uint8_t *)p.grp + i * sizeof(g), sizeof(g));
			m[i].id = g.id;
			m[i].weight = (uint16_t)(g.weight + 1);
		}
	}
	if (!e) {
		if ((t->count + 1) * 4 > t->cap * 3 && grow(t) < 0) {
			free(m);
			return -1;
		}
		for (size_t i = slot_of(p.id, t->cap);; i = (i + 1) & (t->cap - 1))
			if (!t->v[i].id) {
				e = &t->v[i];
				break;
			}
		t->count++;
	} else {
		free(e->m);
	}
	e->id = p.id;
	e->kind = p.kind;
	e->n = p.n;
	e->nh = p.nh;
	e->m = m;
	return 0;
}

int fpm_nhg_resolve(const struct fpm_nhg *t, uint32_t id, struct fpm_nh *nh, uint16_t *n,
                    bool *blackhole, char *why, size_t whylen)
{
	const struct entry *e = find(t, id);

	*n = 0;
	*blackhole = false;
	if (!e)
		return 0;
	if (e->kind == NH_BLACKHOLE) {
		*blackhole = true;
		return 1;
	}
	if (e->kind == NH_SINGLE) {
		nh[0] = e->nh;
		*n = 1;
		return 1;
	}
	for (uint16_t i = 0; i < e->n; i++) {
		const struct entry *m = find(t, e->m[i].id);

		if (!m || m->kind != NH_SINGLE) {
			snprintf(why, whylen, "next-hop group %u: member %u is %s", id, e->m[i].id,
			         !m ? "unknown" : m->kind == NH_GROUP ? "a group" : "a blackhole");
			*n = 0;
			return -1;
		}
		nh[*n] = m->nh;
		nh[*n].weight = e->m[i].weight;
		(*n)++;
	}
	return 1;
}

bool fpm_nhg_uses(const struct fpm_nhg *t, uint32_t id, uint32_t member)
{
	const struct entry *e;

	if (id == member)
		return true;
	e = find(t, id);
	if (!e || e->kind != NH_GROUP)
		return false;
	for (uint16_t i = 0; i < e->n; i++)
		if (e->m[i].id == member)
			return true;
	return false;
}
