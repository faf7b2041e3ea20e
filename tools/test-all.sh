#!/bin/sh
# Every test rtmd has, from a clean tree: unit and integration tests, the
# same under ASan+UBSan, the daemon under valgrind, make distcheck, and (as
# root, where systemd-nspawn works) the Debian package and system test.
# Prints one closing line "N passed, N failed, N skipped" over all suites.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
pass=0; fail=0; skip=0

tally() {  # tally BUILDDIR: add the counts of its test-suite.log
	log=$1/test-suite.log
	[ -f "$log" ] || return 0
	p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
	s=$(sed -n 's/^# SKIP: *//p' "$log"); e=$(sed -n 's/^# ERROR: *//p' "$log")
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${e:-0})); skip=$((skip + ${s:-0}))
}

step() { printf '\n=== %s\n' "$*"; }
status=0

[ -x configure ] || ./autogen.sh

step "build and make check"
rm -rf build-test && mkdir build-test && cd build-test
../configure -q
make -j"$jobs" >/dev/null
# RTMD_TEST_FULL: the long tests too (tests/kernel/million.sh, minutes),
# in this build only.
RTMD_TEST_FULL=1 make -j"$jobs" check || status=1
tally "$top/build-test"; cd "$top"

step "librtmd ABI against abi/librtmd.abi (abidiff)"
if command -v abidiff >/dev/null 2>&1; then
	if (cd build-test && make abicheck); then pass=$((pass + 1)); else fail=$((fail + 1)); status=1; fi
else
	echo "abidiff not found: skipped (apt-get install abigail-tools)"
	skip=$((skip + 1))
fi

step "make check under AddressSanitizer + UndefinedBehaviorSanitizer"
rm -rf build-san && mkdir build-san && cd build-san
../configure -q --enable-sanitizers CC=gcc
make -j"$jobs" >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	make -j"$jobs" check || status=1
tally "$top/build-san"; cd "$top"

# (tests/kernel/enobufs.sh is left out: its 200 k changes take valgrind's
# rtmd many minutes; it runs under the sanitizers above.)
step "integration tests with rtmd under valgrind"
cd build-test
RTMD_WRAPPER="valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
	make check TESTS="$(cd "$top" && ls tests/integration/*.sh tests/fpm/*.sh | grep -v 'lib.sh\|capture.sh' | tr '\n' ' ') tests/kernel/routes.sh tests/kernel/import.sh tests/kernel/restart.sh tests/stress/hostile_test" \
	TEST_SUITE_LOG=valgrind-suite.log || status=1
if [ -f valgrind-suite.log ]; then
	p=$(sed -n 's/^# PASS: *//p' valgrind-suite.log); f=$(sed -n 's/^# FAIL: *//p' valgrind-suite.log)
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
fi
cd "$top"

step "soak: 1000 subscribers, 4 writers, kill -9 and restart every phase (2 min)"
if (cd build-test && make soak SOAK_SECONDS=120 >soak.log 2>&1); then
	pass=$((pass + 1)); tail -1 build-test/soak.log
else
	fail=$((fail + 1)); status=1; tail -30 build-test/soak.log
fi

step "fuzzing: 6 libFuzzer targets x 60 s (clang, ASan+UBSan)"
if command -v clang >/dev/null 2>&1; then
	rm -rf build-fuzz && mkdir build-fuzz && cd build-fuzz
	if ../configure -q CC=clang --enable-fuzzing && make -j"$jobs" >/dev/null &&
	   make fuzz FUZZ_SECONDS=60; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); status=1
	fi
	cd "$top"
else
	echo "clang not found: skipped (apt-get install clang libclang-rt-14-dev)"
	skip=$((skip + 1))
fi

step "make distcheck"
# The full suite already ran above; inside the tarball's build the unit
# tests and one integration suite prove it builds, installs and works.
dist_tests="tests/check_addr tests/check_proto tests/check_route_table tests/check_store"
dist_tests="$dist_tests tests/check_config tests/check_rtctl_parse tests/integration/routes.sh"
dist_tests="$dist_tests tests/check_librtmd tests/integration/librtmd_install.sh"
if (cd build-test && make -j"$jobs" distcheck TESTS="$dist_tests" >distcheck.log 2>&1); then
	pass=$((pass + 1)); echo "distcheck: ok"
else
	fail=$((fail + 1)); status=1; tail -40 build-test/distcheck.log
fi

if [ -x tests/system/run.sh ]; then
	step "Debian package and systemd system test"
	if tests/system/run.sh; then pass=$((pass + 1)); rc=0; else rc=$?; fi
	case $rc in
	0) ;;
	77) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); status=1 ;;
	esac
fi

echo
echo "$pass passed, $fail failed, $skip skipped"
exit $status
