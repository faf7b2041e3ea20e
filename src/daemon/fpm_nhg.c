/* fpm_nhg.c - zebra's next-hop groups by id (fpm_nhg.h).
 *
 * A flat map by id (idmap.h): ids are the kernel's (never 0), a BGP table
 * of a million routes has a few thousand groups, and look-ups happen once
 * per route, so this stays small and flat.  A second map of the same kind
 * maps a member id to the groups that hold it, so a next
 * hop that goes leaves its groups in O(its groups' members), not in a
 * scan of every group (BGP churn deletes next hops all the time).
 */
#include <errno.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fpm_nhg.h"
#include "idmap.h"

enum { NH_SINGLE = 1, NH_BLACKHOLE, NH_GROUP };

struct member {
	uint32_t id;
	uint16_t weight;        /* 1..256 */
};

struct entry {
	uint64_t id;            /* idmap's key */
	uint8_t kind;
	uint16_t n;             /* NH_GROUP: members */
	struct fpm_nh nh;       /* NH_SINGLE */
	struct member *m;       /* NH_GROUP */
};

/* The groups that hold member id (once per time they list it); kept
 * whether id itself is known or not: a group may name a member before
 * it is sent. */
struct users {
	uint64_t id;            /* idmap's key */
	uint32_t n, cap;
	uint32_t *g;
};

struct fpm_nhg {
	struct idmap v;         /* struct entry by id */
	struct idmap u;         /* struct users by member id */
};

/* What one NEWNEXTHOP/DELNEXTHOP says, checked. */
struct parsed {
	uint32_t id;
	uint8_t kind;
	struct fpm_nh nh;
	const struct nexthop_grp *grp;
	uint16_t n;
};

struct fpm_nhg *fpm_nhg_new(void)
{
	struct fpm_nhg *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (idmap_init(&t->v, sizeof(struct entry), 64) < 0 ||
	    idmap_init(&t->u, sizeof(struct users), 64) < 0) {
		fpm_nhg_free(t);
		return NULL;
	}
	return t;
}

void fpm_nhg_clear(struct fpm_nhg *t)
{
	for (size_t i = 0; i < t->v.cap; i++) {
		struct entry *e = idmap_at(&t->v, i);

		if (e)
			free(e->m);
	}
	idmap_clear(&t->v);
	for (size_t i = 0; i < t->u.cap; i++) {
		struct users *x = idmap_at(&t->u, i);

		if (x)
			free(x->g);
	}
	idmap_clear(&t->u);
}

void fpm_nhg_free(struct fpm_nhg *t)
{
	if (!t)
		return;
	if (t->v.v && t->u.v)
		fpm_nhg_clear(t);
	idmap_free(&t->v);
	idmap_free(&t->u);
	free(t);
}

size_t fpm_nhg_count(const struct fpm_nhg *t)
{
	return t->v.count;
}

static struct entry *find(const struct fpm_nhg *t, uint32_t id)
{
	return idmap_find(&t->v, id);
}

bool fpm_nhg_has(const struct fpm_nhg *t, uint32_t id)
{
	return id && find(t, id) != NULL;
}

static void remove_entry(struct fpm_nhg *t, struct entry *e)
{
	free(e->m);
	idmap_del(&t->v, e);
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

/* ---- members -> groups ------------------------------------------------------ */

static struct users *users_find(const struct fpm_nhg *t, uint32_t id)
{
	return idmap_find(&t->u, id);
}

/* Remove the record of member id; its array goes with it unless kept. */
static void users_remove(struct fpm_nhg *t, struct users *x, bool keep_array)
{
	if (!keep_array)
		free(x->g);
	idmap_del(&t->u, x);
}

static int link_member(struct fpm_nhg *t, uint32_t member, uint32_t group)
{
	struct users *x = idmap_put(&t->u, member);

	if (!x)
		return -1;
	if (x->n == x->cap) {
		uint32_t cap = x->cap ? x->cap * 2 : 4;
		uint32_t *g = realloc(x->g, cap * sizeof(*g));

		if (!g) {
			if (!x->n)
				users_remove(t, x, false);
			return -1;
		}
		x->g = g;
		x->cap = cap;
	}
	x->g[x->n++] = group;
	return 0;
}

static void unlink_member(struct fpm_nhg *t, uint32_t member, uint32_t group)
{
	struct users *x = users_find(t, member);

	if (!x)
		return;
	for (uint32_t i = 0; i < x->n; i++)
		if (x->g[i] == group) {
			x->g[i] = x->g[--x->n];
			break;
		}
	if (!x->n)
		users_remove(t, x, false);
}

/* A group's members no longer name it (it goes, or is replaced). */
static void unlink_group(struct fpm_nhg *t, const struct entry *e)
{
	if (e->kind != NH_GROUP)
		return;
	for (uint16_t j = 0; j < e->n; j++)
		unlink_member(t, e->m[j].id, e->id);
}

/* Remove member id from every group that holds it (the kernel's rule when
 * a next hop goes); a group left empty goes too. */
static void drop_member(struct fpm_nhg *t, uint32_t id)
{
	struct users *x = users_find(t, id);
	uint32_t *g, n;

	if (!x)
		return;
	g = x->g;
	n = x->n;
	users_remove(t, x, true);
	for (uint32_t i = 0; i < n; i++) {
		struct entry *e = find(t, g[i]);
		uint16_t k = 0;

		if (!e || e->kind != NH_GROUP)
			continue;
		for (uint16_t j = 0; j < e->n; j++)
			if (e->m[j].id != id)
				e->m[k++] = e->m[j];
		e->n = k;
		if (k == 0)
			remove_entry(t, e);
	}
	free(g);
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

			unlink_group(t, e);
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
	if (e) {
		unlink_group(t, e);
		free(e->m);
	} else if (!(e = idmap_put(&t->v, p.id))) {
		free(m);
		return -1;
	}
	e->kind = p.kind;
	e->n = p.n;
	e->nh = p.nh;
	e->m = m;
	/* On failure the group stays, unknown to some of its members' lists:
	 * the caller closes the connection, and the next one clears all. */
	for (uint16_t i = 0; i < p.n; i++)
		if (link_member(t, m[i].id, p.id) < 0)
			return -1;
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
