/* check_idmap.c - the flat map behind the FPM server's tables: churn
 * against a plain array, so that backward-shift deletion never loses or
 * duplicates a key, whatever the probe runs look like. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

struct rec {
	uint64_t key;
	uint32_t v;
};

#define KEYS 3000

START_TEST(test_churn)
{
	static uint32_t ref[KEYS];     /* 0: absent, else the value + 1 */
	struct idmap m;
	uint64_t x = 88172645463325252ull;
	size_t count = 0;

	ck_assert_int_eq(idmap_init(&m, sizeof(struct rec), 4), 0);
	memset(ref, 0, sizeof(ref));
	for (int op = 0; op < 200000; op++) {
		/* keys with few bits and multiples: long probe runs */
		uint64_t k, r;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		r = x % KEYS;
		k = r % 3 ? r + 1 : (r + 1) << 20;
		if (x & (1ull << 40)) {
			struct rec *e = idmap_put(&m, k);

			ck_assert_ptr_nonnull(e);
			ck_assert_uint_eq(e->key, k);
			count += !ref[r];
			e->v = (uint32_t)op;
			ref[r] = (uint32_t)op + 1;
		} else {
			struct rec *e = idmap_find(&m, k);

			ck_assert_int_eq(e != NULL, ref[r] != 0);
			if (e) {
				ck_assert_uint_eq(e->v + 1, ref[r]);
				idmap_del(&m, e);
				ref[r] = 0;
				count--;
			}
		}
		ck_assert_uint_eq(m.count, count);
	}
	for (uint64_t r = 0; r < KEYS; r++) {
		uint64_t k = r % 3 ? r + 1 : (r + 1) << 20;
		struct rec *e = idmap_find(&m, k);

		ck_assert_int_eq(e != NULL, ref[r] != 0);
	}
	ck_assert_ptr_null(idmap_find(&m, 0));
	ck_assert_ptr_null(idmap_put(&m, 0));
	idmap_clear(&m);
	ck_assert_uint_eq(m.count, 0);
	ck_assert_ptr_null(idmap_find(&m, 1));
	idmap_free(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("idmap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	/* 200,000 operations: 1 s in a plain build, more than Check's default
	 * 4 s under ASan on a loaded machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_churn);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
