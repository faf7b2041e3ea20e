#!/bin/sh
# A million routes through kernel sync: rtctl -b installs 1 M routes of
# rtmd's own (a thousand of them ECMP), another owner's route sits at the
# key of one of them and is never replaced, half are deleted with a batch
# and the rest with rtctl flush route.  iproute2 judges in full with 1 M
# routes and after the flush, and by counts and samples at half (each
# full judge reads a million routes from ip -j and rtctl -j through jq: a
# minute a side).  About three minutes: it runs only in the full suite
# (tools/test-all.sh sets RTMD_TEST_FULL=1).
if [ "${RTMD_TEST_FULL:-0}" != 1 ]; then
	echo "SKIP: $(basename "$0") installs 1 M routes (minutes): set RTMD_TEST_FULL=1 (tools/test-all.sh does)"
	exit 77
fi
. "${top_srcdir:-$(dirname "$0")/../..}/tests/kernel/lib.sh"

N=1000000
# Each reading of both sides takes tens of seconds at 1 M routes, and
# rtmd's answers come after the kernel's: few readings are needed.
CONVERGE_TRIES=5
veth a0 a1 192.0.2.1/24
write_kconf "route-capacity = 1100000;"
# The one route of another owner, at a key the batch also names.
nsip route add 10.0.0.7/32 via 192.0.2.9 proto static
start_rtmd_ns

# 10.X.Y.Z/32 from 10.0.0.0 upwards; every thousandth ECMP.
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) {
	p = sprintf("10.%d.%d.%d/32", int(i / 65536), int(i / 256) % 256, i % 256)
	if (i % 1000 == 999) printf "add %s nexthop via 192.0.2.2 dev a0 nexthop via 192.0.2.3 dev a0 weight 2\n", p
	else if (i != 7) printf "add %s via 192.0.2.2 dev a0\n", p } }' >"$T/add.batch"
awk -v n=$N 'BEGIN { for (i = 0; i < n; i += 2) if (i != 7)
	printf "delete 10.%d.%d.%d/32\n", int(i / 65536), int(i / 256) % 256, i % 256 }' >"$T/del.batch"

# (The log's times show where the minutes go; nothing is asserted on them.)
stamp() { echo "# $(date +%T) $*"; }
stamp "start"
expect 0 "rtctl -b installs $((N - 1)) routes" -- rtctl -q -b "$T/add.batch"
same "status: all installed, none pending" \
	"$(rtctl -j status | jq -c '[.kernel.installed_routes, .kernel.pending_routes]')" "[$((N - 1)),0]"
same "ip counts them as rtmd's" "$(nsip -o -4 route show proto "$KPROTO" | wc -l)" "$((N - 1))"
kernel_has "an ECMP one is in the kernel" "nexthop via 192\.0\.2\.3 dev a0 weight 2" route show 10.0.3.231/32
stamp "installed"
# The full judge once at 1 M (a minute a side); IPv6 holds none of them.
converge "1 M routes installed: IPv4 routes equal the kernel's" "kernel_routes 4" "rtmd_routes 4"
converge "1 M routes installed: neighbours equal the kernel's" "kernel_neighs" "rtmd_neighs"
same "no IPv6 route of rtmd's in the kernel" "$(nsip -6 route show proto "$KPROTO" | wc -l)" "0"
stamp "judged"

expect 1 "rtctl add at the other owner's key is refused" -- rtctl add 10.0.0.7/32 via 192.0.2.2 dev a0
kernel_has "the static route is untouched" "^10\.0\.0\.7 via 192\.0\.2\.9 dev a0 proto static" route show 10.0.0.7/32

expect 0 "rtctl -b deletes half of them" -- rtctl -q -b "$T/del.batch"
same "ip counts the other half" "$(nsip -o -4 route show proto "$KPROTO" | wc -l)" "$((N / 2 - 1))"
same "rtctl counts as many of its own" "$(rtctl list | grep -c ' proto rtctl')" "$((N / 2 - 1))"
kernel_lacks "a deleted one is gone from the kernel" "." route show 10.0.0.8/32
kernel_has "a kept one stays" "^10\.0\.0\.9 via 192\.0\.2\.2 dev a0 proto $KPROTO_NAME" route show 10.0.0.9/32
contains "rtctl has the kept one" "$(rtctl list 10.0.0.9/32)" "via 192.0.2.2 dev a0 proto rtctl"
stamp "deleted half"

expect 0 "rtctl flush route removes the rest" -- rtctl -q flush route
same "no route of rtmd's protocol is left" "$(nsip -o -4 route show proto "$KPROTO" | wc -l)" "0"
kernel_has "the static route is still untouched" "^10\.0\.0\.7 via 192\.0\.2\.9 dev a0 proto static" route show 10.0.0.7/32
stamp "flushed"
judge "flushed"
stamp "judged"
stop_rtmd
finish
