/* links.c - the interface cache.
 *
 * Interfaces are records in one array (freed ones reused); two
 * open-addressing tables map index and name to a record.  A host has
 * tens, or with containers thousands, of interfaces, and kernel sync looks
 * one up for every route it encodes or decodes, so both look-ups must stay
 * O(1); deletion shifts entries back instead of leaving tombstones, so a
 * host that creates and deletes veths all day keeps short probes.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "links.h"
#include "netlink.h"

struct laddr {
	struct rt_addr addr;
	uint8_t prefixlen;
	uint8_t gen;
};

struct link {
	int index;              /* 0: a free record */
	unsigned flags;         /* IFF_* */
	char name[RT_IFNAMSIZ];
	uint8_t gen;            /* the dump generation that last saw it */
	struct laddr *addrs;
	size_t n_addrs, cap_addrs;
};

/* Open addressing: slot value is record id + 1, 0 empty. */
struct idtab {
	uint32_t *slot;
	size_t cap;             /* power of 2 */
};

struct links {
	struct link *v;
	size_t n, cap;          /* records used (incl. free ones), allocated */
	uint32_t *free_ids;
	size_t n_free;
	size_t live, n_addrs;
	struct idtab by_index, by_name;
	uint8_t gen, addr_gen;
	links_fn fn;
	void *ctx;
};

static size_t hash_index(int index)
{
	return (size_t)((uint32_t)index * 2654435761u);
}

static size_t hash_name(const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static size_t rec_hash(const struct links *l, const struct idtab *t, uint32_t id)
{
	return t == &l->by_index ? hash_index(l->v[id].index) : hash_name(l->v[id].name);
}

/* The slot holding the record for key, or the empty slot where it would
 * go. */
static size_t tab_find(const struct links *l, const struct idtab *t, int index, const char *name)
{
	size_t m = t->cap - 1, i = (name ? hash_name(name) : hash_index(index)) & m;

	for (;; i = (i + 1) & m) {
		uint32_t s = t->slot[i];

		if (!s)
			return i;
		if (name ? strcmp(l->v[s - 1].name, name) == 0 : l->v[s - 1].index == index)
			return i;
	}
}

static int tab_grow(struct links *l, struct idtab *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	uint32_t *old = t->slot, *n = calloc(ncap, sizeof(*n));
	size_t ocap = t->cap;

	if (!n)
		return -1;
	t->slot = n;
	t->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i]) {
			size_t j = rec_hash(l, t, old[i] - 1) & (ncap - 1);

			while (n[j])
				j = (j + 1) & (ncap - 1);
			n[j] = old[i];
		}
	}
	free(old);
	return 0;
}

/* Remove slot i, shifting later entries of the probe run back. */
static void tab_del(const struct links *l, struct idtab *t, size_t i)
{
	size_t m = t->cap - 1, j = i;

	t->slot[i] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & m;
		if (!t->slot[j])
			return;
		home = rec_hash(l, t, t->slot[j] - 1) & m;
		/* Move j into the hole i unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->slot[i] = t->slot[j];
			t->slot[j] = 0;
			i = j;
		}
	}
}

struct links *links_new(void)
{
	struct links *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (tab_grow(l, &l->by_index) < 0 || tab_grow(l, &l->by_name) < 0) {
		links_free(l);
		return NULL;
	}
	return l;
}

void links_free(struct links *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].addrs);
	free(l->v);
	free(l->free_ids);
	free(l->by_index.slot);
	free(l->by_name.slot);
	free(l);
}

void links_set_listener(struct links *l, links_fn fn, void *ctx)
{
	l->fn = fn;
	l->ctx = ctx;
}

static void report(struct links *l, unsigned what, const struct link *k, const char *old_name,
                   const struct laddr *a)
{
	struct links_event ev = {
		.what = what, .index = k->index, .name = k->name, .old_name = old_name,
		.addr = a ? &a->addr : NULL, .prefixlen = a ? a->prefixlen : 0,
	};

	if (l->fn && what)
		l->fn(l->ctx, &ev);
}

static struct link *by_index(const struct links *l, int index)
{
	uint32_t s = l->by_index.slot[tab_find(l, &l->by_index, index, NULL)];

	return s ? &l->v[s - 1] : NULL;
}

int links_index(const struct links *l, const char *name)
{
	uint32_t s;

	if (!name || !*name)
		return 0;
	s = l->by_name.slot[tab_find(l, &l->by_name, 0, name)];
	return s ? l->v[s - 1].index : 0;
}

const char *links_name(const struct links *l, int index)
{
	const struct link *k = index > 0 ? by_index(l, index) : NULL;

	return k ? k->name : NULL;
}

bool links_up(const struct links *l, int index)
{
	const struct link *k = index > 0 ? by_index(l, index) : NULL;

	return k && (k->flags & IFF_UP);
}

bool links_has_addr(const struct links *l, const struct rt_addr *addr)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t j = 0; l->v[i].index && j < l->v[i].n_addrs; j++)
			if (rt_addr_equal(&l->v[i].addrs[j].addr, addr))
				return true;
	return false;
}

size_t links_count(const struct links *l)
{
	return l->live;
}

size_t links_addr_count(const struct links *l)
{
	return l->n_addrs;
}

/* ---- links ----------------------------------------------------------------------- */

static int name_insert(struct links *l, uint32_t id)
{
	if ((l->live + 1) * 2 > l->by_name.cap && tab_grow(l, &l->by_name) < 0)
		return -1;
	l->by_name.slot[tab_find(l, &l->by_name, 0, l->v[id].name)] = id + 1;
	return 0;
}

static void name_remove(struct links *l, const struct link *k)
{
	size_t i = tab_find(l, &l->by_name, 0, k->name);

	/* Two interfaces never share a name, but a rename is announced for
	 * the new holder before the old one's: only remove our own. */
	if (l->by_name.slot[i] && &l->v[l->by_name.slot[i] - 1] == k)
		tab_del(l, &l->by_name, i);
}

static struct link *link_add(struct links *l, int index, const char *name)
{
	uint32_t id;
	struct link *k;

	if ((l->live + 1) * 2 > l->by_index.cap && tab_grow(l, &l->by_index) < 0)
		return NULL;
	if ((l->live + 1) * 2 > l->by_name.cap && tab_grow(l, &l->by_name) < 0)
		return NULL;
	if (l->n_free) {
		id = l->free_ids[--l->n_free];
	} else {
		if (l->n == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 16;
			struct link *n = realloc(l->v, ncap * sizeof(*n));
			uint32_t *f = realloc(l->free_ids, ncap * sizeof(*f));

			if (n)
				l->v = n;
			if (f)
				l->free_ids = f;
			if (!n || !f)
				return NULL;
			l->cap = ncap;
		}
		id = (uint32_t)l->n++;
	}
	k = &l->v[id];
	memset(k, 0, sizeof(*k));
	k->index = index;
	snprintf(k->name, sizeof(k->name), "%s", name);
	l->by_index.slot[tab_find(l, &l->by_index, index, NULL)] = id + 1;
	/* A name still held by an interface the kernel renamed away from it
	 * (whose own message has not come yet) moves to the new one. */
	{
		size_t i = tab_find(l, &l->by_name, 0, name);

		if (l->by_name.slot[i])
			tab_del(l, &l->by_name, i);
	}
	l->by_name.slot[tab_find(l, &l->by_name, 0, name)] = id + 1;
	l->live++;
	return k;
}

static void link_remove(struct links *l, struct link *k)
{
	struct link gone = *k;

	for (size_t i = 0; i < k->n_addrs; i++)
		report(l, LINKS_ADDR_REMOVED, k, NULL, &k->addrs[i]);
	l->n_addrs -= k->n_addrs;
	name_remove(l, k);
	tab_del(l, &l->by_index, tab_find(l, &l->by_index, k->index, NULL));
	free(k->addrs);
	memset(k, 0, sizeof(*k));
	l->free_ids[l->n_free++] = (uint32_t)(k - l->v);
	l->live--;
	gone.addrs = NULL;
	gone.n_addrs = 0;
	report(l, LINKS_REMOVED, &gone, NULL, NULL);
}

static int apply_link(struct links *l, const struct nlmsghdr *h, char *why, size_t whylen)
{
	static const struct nl_policy pol[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = { NL_A_STRING, 0, RT_IFNAMSIZ },
	};
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	struct link *k;
	unsigned what = 0;
	char old[RT_IFNAMSIZ];

	if (nl_attr_parse(h, sizeof(*ifi), pol, IFLA_MAX, tb, why, whylen) < 0)
		return -1;
	ifi = mnl_nlmsg_get_payload(h);
	/* A bridge speaks of its ports in AF_BRIDGE link messages; their
	 * RTM_DELLINK means "left the bridge", not "gone". */
	if (ifi->ifi_family != AF_UNSPEC)
		return 0;
	if (ifi->ifi_index <= 0) {
		snprintf(why, whylen, "link message with interface index %d", ifi->ifi_index);
		return -1;
	}
	k = by_index(l, ifi->ifi_index);
	if (h->nlmsg_type == RTM_DELLINK) {
		if (k)
			link_remove(l, k);
		return 0;
	}
	if (!tb[IFLA_IFNAME]) {
		snprintf(why, whylen, "link message for index %d without a name", ifi->ifi_index);
		return -1;
	}
	if (!k) {
		if (!(k = link_add(l, ifi->ifi_index, mnl_attr_get_str(tb[IFLA_IFNAME])))) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		k->flags = ifi->ifi_flags;
		k->gen = l->gen;
		report(l, LINKS_ADDED | (k->flags & IFF_UP ? LINKS_UP : 0), k, NULL, NULL);
		return 0;
	}
	k->gen = l->gen;
	old[0] = 0;
	if (strcmp(k->name, mnl_attr_get_str(tb[IFLA_IFNAME]))) {
		snprintf(old, sizeof(old), "%s", k->name);
		name_remove(l, k);
		snprintf(k->name, sizeof(k->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
		{
			size_t i = tab_find(l, &l->by_name, 0, k->name);

			if (l->by_name.slot[i])
				tab_del(l, &l->by_name, i);
		}
		if (name_insert(l, (uint32_t)(k - l->v)) < 0) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		what |= LINKS_RENAMED;
	}
	if ((k->flags ^ ifi->ifi_flags) & IFF_UP)
		what |= ifi->ifi_flags & IFF_UP ? LINKS_UP : LINKS_DOWN;
	if ((k->flags ^ ifi->ifi_flags) & IFF_LOWER_UP)
		what |= LINKS_CARRIER;
	k->flags = ifi->ifi_flags;
	report(l, what, k, old[0] ? old : NULL, NULL);
	return 0;
}

/* ---- addresses --------------------------------------------------------------------- */

static int apply_addr(struct links *l, const struct nlmsghdr *h, char *why, size_t whylen)
{
	static const struct nl_policy pol[IFA_MAX + 1] = {
		[IFA_ADDRESS] = { NL_A_BINARY, 4, 16 },
		[IFA_LOCAL] = { NL_A_BINARY, 4, 16 },
	};
	const struct nlattr *tb[IFA_MAX + 1], *a;
	const struct ifaddrmsg *ifa;
	struct laddr x = { .gen = 0 };
	struct link *k;
	size_t len, i;

	if (nl_attr_parse(h, sizeof(*ifa), pol, IFA_MAX, tb, why, whylen) < 0)
		return -1;
	ifa = mnl_nlmsg_get_payload(h);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	/* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's
	 * on a point-to-point link, and the same as IFA_LOCAL otherwise. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	len = ifa->ifa_family == AF_INET ? 4 : 16;
	if (!a || mnl_attr_get_payload_len(a) != len) {
		snprintf(why, whylen, "address message for index %u without a %s address",
		         ifa->ifa_index, ifa->ifa_family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	if (ifa->ifa_prefixlen > len * 8) {
		snprintf(why, whylen, "address message with prefix length %u", ifa->ifa_prefixlen);
		return -1;
	}
	/* Addresses arrive after their interface; one of an interface rtmd
	 * never heard of is of no use to it. */
	if (!(k = ifa->ifa_index <= INT32_MAX ? by_index(l, (int)ifa->ifa_index) : NULL))
		return 0;
	x.addr.family = ifa->ifa_family;
	memcpy(x.addr.bytes, mnl_attr_get_payload(a), len);
	x.prefixlen = ifa->ifa_prefixlen;
	x.gen = l->addr_gen;
	for (i = 0; i < k->n_addrs; i++)
		if (k->addrs[i].prefixlen == x.prefixlen && rt_addr_equal(&k->addrs[i].addr, &x.addr))
			break;
	if (h->nlmsg_type == RTM_DELADDR) {
		if (i < k->n_addrs) {
			x = k->addrs[i];
			k->addrs[i] = k->addrs[--k->n_addrs];
			l->n_addrs--;
			report(l, LINKS_ADDR_REMOVED, k, NULL, &x);
		}
		return 0;
	}
	if (i < k->n_addrs) {
		k->addrs[i].gen = l->addr_gen;
		return 0;
	}
	if (k->n_addrs == k->cap_addrs) {
		size_t ncap = k->cap_addrs ? k->cap_addrs * 2 : 4;
		struct laddr *n = realloc(k->addrs, ncap * sizeof(*n));

		if (!n) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		k->addrs = n;
		k->cap_addrs = ncap;
	}
	k->addrs[k->n_addrs++] = x;
	l->n_addrs++;
	report(l, LINKS_ADDR_ADDED, k, NULL, &x);
	return 0;
}

int links_apply(struct links *l, const struct nlmsghdr *h, char *why, size_t whylen)
{
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return apply_link(l, h, why, whylen);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return apply_addr(l, h, why, whylen);
	default:
		return 0;
	}
}

/* ---- mark and sweep ------------------------------------------------------------------ */

void links_dump_begin(struct links *l, bool addrs)
{
	if (addrs)
		l->addr_gen++;
	else
		l->gen++;
}

void links_dump_end(struct links *l, bool addrs)
{
	for (size_t i = 0; i < l->n; i++) {
		struct link *k = &l->v[i];

		if (!k->index)
			continue;
		if (!addrs) {
			if (k->gen != l->gen)
				link_remove(l, k);
			continue;
		}
		for (size_t j = 0; j < k->n_addrs;) {
			if (k->addrs[j].gen == l->addr_gen) {
				j++;
				continue;
			}
			struct laddr x = k->addrs[j];

			k->addrs[j] = k->addrs[--k->n_addrs];
			l->n_addrs--;
			report(l, LINKS_ADDR_REMOVED, k, NULL, &x);
		}
	}
}
