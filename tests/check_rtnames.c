/* check_rtnames.c - names of protocols, types, scopes, tos values and
 * neighbour states (src/lib/rtnames.c), with a private directory of
 * iproute2 files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "addr.h"
#include "rtnames.h"

static char etc[64], usr[64];

static void put(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void rm(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

static void setup(void)
{
	char p[128];

	strcpy(etc, "/tmp/check_rtnames.etc.XXXXXX");
	strcpy(usr, "/tmp/check_rtnames.usr.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(etc));
	ck_assert_ptr_nonnull(mkdtemp(usr));
	snprintf(p, sizeof(p), "%s/rt_protos.d", etc);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/rt_protos.d", usr);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

static void teardown(void)
{
	static const char *const files[] = {
		"rt_protos", "rt_scopes", "rt_dsfield", "rt_protos.d/frr.conf", "rt_protos.d/rtmd.conf",
		"rt_protos.d/a.conf", "rt_protos.d/ignored.txt", "rt_protos.d", "",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char p[256];
		snprintf(p, sizeof(p), "%s/%s", etc, files[i]);
		unlink(p);
		rmdir(p);
		snprintf(p, sizeof(p), "%s/%s", usr, files[i]);
		unlink(p);
		rmdir(p);
	}
	rt_names_load(NULL, NULL);
}

#define ck_name(fn, v, want) do { char b_[RT_NAMELEN]; ck_assert_str_eq(fn((v), b_), (want)); } while (0)

/* No files at all: ip(8)'s built-in tables. */
START_TEST(test_builtin)
{
	rt_names_load(etc, usr);
	ck_name(rt_proto_name, RTPROT_KERNEL, "kernel");
	ck_name(rt_proto_name, RTPROT_BOOT, "boot");
	ck_name(rt_proto_name, RTPROT_BGP, "bgp");
	ck_name(rt_proto_name, 200, "200");
	ck_name(rt_scope_name, RT_SCOPE_LINK, "link");
	ck_name(rt_scope_name, RT_SCOPE_UNIVERSE, "global");
	ck_name(rt_scope_name, 7, "7");
	ck_name(rt_tos_name, 0x10, "0x10");
	ck_name(rt_type_name, RTN_BLACKHOLE, "blackhole");
	ck_name(rt_type_name, RTN_UNICAST, "unicast");
	ck_name(rt_type_name, 99, "99");
	uint8_t v;
	ck_assert_int_eq(rt_proto_parse("static", &v), 0);
	ck_assert_uint_eq(v, RTPROT_STATIC);
	ck_assert_int_eq(rt_proto_parse("42", &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(rt_proto_parse("0x10", &v), 0);
	ck_assert_uint_eq(v, 16);
	ck_assert_int_eq(rt_proto_parse("256", &v), -1);
	ck_assert_int_eq(rt_proto_parse("nosuch", &v), -1);
	ck_assert_int_eq(rt_proto_parse("", &v), -1);
	ck_assert_int_eq(rt_scope_parse("host", &v), 0);
	ck_assert_uint_eq(v, RT_SCOPE_HOST);
	ck_assert_int_eq(rt_type_parse("prohibit", &v), 0);
	ck_assert_uint_eq(v, RTN_PROHIBIT);
	ck_assert_int_eq(rt_type_parse("black", &v), -1);
}
END_TEST

/* ETC's files over the built-ins; USR's main file only when ETC has none;
 * the .d directories of both, ETC's shadowing a namesake in USR; a later
 * definition of a number wins; only *.conf; junk lines skipped. */
START_TEST(test_files)
{
	put(usr, "rt_protos", "# usr\n2 usrkernel\n");
	put(etc, "rt_protos", "# comment\n\n  2\tkernel\n3 boot\n0x20 hexproto trailing words\n"
	                      "300 toobig\nbadline\n5 " "a-name-that-is-far-too-long-to-be-kept-here\n");
	put(usr, "rt_protos.d/frr.conf", "186 usrbgp\n196 usrstatic\n");
	put(usr, "rt_protos.d/a.conf", "197 fromusr\n");
	put(etc, "rt_protos.d/frr.conf", "186 bgp\n196 static\n");
	put(etc, "rt_protos.d/rtmd.conf", "200 rtmd\n");
	put(etc, "rt_protos.d/ignored.txt", "201 ignored\n");
	put(etc, "rt_scopes", "0 global\n200 site\n253 link\n7 seven\n");
	put(etc, "rt_dsfield", "0x10 lowdelay\n0x28 AF11\n");
	rt_names_load(etc, usr);
	ck_name(rt_proto_name, 2, "kernel");
	ck_name(rt_proto_name, 0x20, "hexproto");
	ck_name(rt_proto_name, 186, "bgp");
	ck_name(rt_proto_name, 197, "fromusr");
	ck_name(rt_proto_name, 200, "rtmd");
	ck_name(rt_proto_name, 201, "201");
	ck_name(rt_proto_name, 5, "5");            /* the long name was not kept */
	ck_name(rt_proto_name, RTPROT_BIRD, "bird");   /* built-in, no file says otherwise */
	ck_name(rt_scope_name, 7, "seven");
	ck_name(rt_tos_name, 0x28, "AF11");
	ck_name(rt_tos_name, 0x04, "0x04");
	uint8_t set[32];
	/* "static" is two numbers: the built-in 4 and FRR's 196 */
	ck_assert_int_eq(rt_proto_match("static", set), 2);
	ck_assert(set[4 / 8] & (1u << (4 % 8)));
	ck_assert(set[196 / 8] & (1u << (196 % 8)));
	ck_assert_int_eq(rt_proto_match("17", set), 1);
	ck_assert(set[17 / 8] & (1u << (17 % 8)));
	ck_assert_int_eq(rt_proto_match("nosuch", set), 0);
	uint8_t v;
	ck_assert_int_eq(rt_tos_parse("AF11", &v), 0);
	ck_assert_uint_eq(v, 0x28);
	/* USR's main file counts when ETC has none */
	rm(etc, "rt_protos");
	rt_names_load(etc, usr);
	ck_name(rt_proto_name, 2, "usrkernel");
	/* no directories at all */
	rt_names_load("", "");
	ck_name(rt_proto_name, 186, "bgp");
	ck_name(rt_proto_name, 200, "200");
}
END_TEST

START_TEST(test_owner)
{
	char b[RT_NAMELEN];

	put(etc, "rt_protos.d/rtmd.conf", "200 rtmd\n");
	rt_names_load(etc, usr);
	ck_assert_str_eq(rt_owner_name(RT_ORIGIN_RTCTL, 200, b), "rtctl");
	ck_assert_str_eq(rt_owner_name(RT_ORIGIN_CONFIG, 200, b), "config");
	ck_assert_str_eq(rt_owner_name(RT_ORIGIN_KERNEL, RTPROT_BOOT, b), "boot");
	ck_assert_str_eq(rt_owner_name(RT_ORIGIN_KERNEL, 0, b), "kernel");
	ck_assert_str_eq(rt_owner_name(RT_ORIGIN_FPM, RTPROT_BGP, b), "bgp");
	ck_assert_str_eq(rt_owner_name(RT_ORIGIN_KERNEL, 200, b), "rtmd");
}
END_TEST

START_TEST(test_nud)
{
	char b[RT_NUDSTRLEN];
	uint16_t v;

	ck_assert_int_eq(rt_nud_format(NUD_PERMANENT, b, sizeof(b)), 9);
	ck_assert_str_eq(b, "PERMANENT");
	rt_nud_format(NUD_STALE, b, sizeof(b));
	ck_assert_str_eq(b, "STALE");
	rt_nud_format(0, b, sizeof(b));
	ck_assert_str_eq(b, "NONE");
	rt_nud_format(NUD_REACHABLE | NUD_NOARP, b, sizeof(b));
	ck_assert_str_eq(b, "REACHABLE NOARP");
	rt_nud_format(0xff, b, sizeof(b));
	ck_assert_str_eq(b, "INCOMPLETE REACHABLE STALE DELAY PROBE FAILED NOARP PERMANENT");
	ck_assert_int_lt((int)strlen(b), RT_NUDSTRLEN);
	/* snprintf-like */
	char s[4];
	ck_assert_int_eq(rt_nud_format(NUD_DELAY, s, sizeof(s)), 5);
	ck_assert_str_eq(s, "DEL");
	ck_assert_int_eq(rt_nud_parse("permanent", &v), 0);
	ck_assert_uint_eq(v, NUD_PERMANENT);
	ck_assert_int_eq(rt_nud_parse("REACHABLE", &v), 0);
	ck_assert_uint_eq(v, NUD_REACHABLE);
	ck_assert_int_eq(rt_nud_parse("none", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(rt_nud_parse("perm", &v), -1);
	ck_assert_int_eq(rt_nud_parse("all", &v), -1);
}
END_TEST

static Suite *rtnames_suite(void)
{
	Suite *s = suite_create("rtnames");
	TCase *tc = tcase_create("names");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_builtin);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_owner);
	tcase_add_test(tc, test_nud);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rtnames_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
