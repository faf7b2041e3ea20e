/* check_neigh_set.c - the in-memory neighbour set against a plain array:
 * random puts and deletes (backward-shift deletion is the part that can
 * lose entries), finds, walks and growth. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "neigh_set.h"

#define KEYS 3000

static struct rt_neigh key_of(unsigned i)
{
	struct rt_neigh n = { 0 };

	n.ip.family = AF_INET;
	n.ip.bytes[0] = 10;
	n.ip.bytes[2] = (uint8_t)(i >> 8);
	n.ip.bytes[3] = (uint8_t)i;
	/* Two devices, so that one address is two keys. */
	strcpy(n.dev, i % 2 ? "eth1" : "eth0");
	return n;
}

static int count_walk(void *ctx, const struct neigh_entry *e)
{
	(*(size_t *)ctx)++;
	return 0;
}

START_TEST(test_random_against_model)
{
	struct neigh_set *s = neigh_set_new();
	static bool present[KEYS];
	static uint8_t mac[KEYS];
	size_t live = 0, walked = 0;

	srand(7);
	for (int round = 0; round < 200000; round++) {
		unsigned i = (unsigned)rand() % KEYS;
		struct neigh_entry e = { .n = key_of(i), .slot = i, .tag = 1 }, old;
		int rc;

		if (rand() % 3) {
			e.n.lladdr[5] = (uint8_t)round;
			rc = neigh_set_put(s, &e, &old);
			ck_assert_int_eq(rc, present[i]);
			if (rc)
				ck_assert_uint_eq(old.n.lladdr[5], mac[i]);
			live += !present[i];
			present[i] = true;
			mac[i] = (uint8_t)round;
		} else {
			rc = neigh_set_del(s, &e.n, &old);
			ck_assert_int_eq(rc, present[i]);
			if (rc)
				ck_assert_uint_eq(old.slot, i);
			live -= present[i];
			present[i] = false;
		}
		if (round % 9973 == 0) {
			for (unsigned k = 0; k < KEYS; k++) {
				struct rt_neigh key = key_of(k);
				const struct neigh_entry *f = neigh_set_find(s, &key);

				ck_assert_int_eq(f != NULL, present[k]);
				if (f)
					ck_assert_uint_eq(f->n.lladdr[5], mac[k]);
			}
		}
	}
	ck_assert_uint_eq(neigh_set_count(s), live);
	ck_assert_int_eq(neigh_set_walk(s, count_walk, &walked), 0);
	ck_assert_uint_eq(walked, live);
	neigh_set_free(s);
}
END_TEST

START_TEST(test_empty)
{
	struct neigh_set *s = neigh_set_new();
	struct rt_neigh k = key_of(1);

	ck_assert_ptr_null(neigh_set_find(s, &k));
	ck_assert_int_eq(neigh_set_del(s, &k, NULL), 0);
	ck_assert_uint_eq(neigh_set_count(s), 0);
	neigh_set_free(s);
	neigh_set_free(NULL);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("neigh_set");
	TCase *t = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(t, test_random_against_model);
	tcase_add_test(t, test_empty);
	tcase_set_timeout(t, 60);
	suite_add_tcase(su, t);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
