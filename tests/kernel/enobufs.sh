#!/bin/sh
# Lost notifications: rtmd's event socket gets a tiny receive buffer
# (RTMD_TEST_NETLINK_RCVBUF), and another process makes 200 k changes with
# ip -batch (150 k routes added, 50 k of them deleted).  The kernel drops
# notifications (ENOBUFS); rtmd must notice, dump again, and end equal to
# the kernel, and a subscriber that replays what it was told must end with
# the same table: it saw the differences, never a gap.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/kernel/lib.sh"

ADD=150000
DEL=50000
# A reading of both sides takes seconds at 100 k routes: fewer of them,
# so that a failure ends in minutes.
CONVERGE_TRIES=20
veth a0 a1 192.0.2.1/24
RTMD_TEST_NETLINK_RCVBUF=65536
export RTMD_TEST_NETLINK_RCVBUF
start_rtmd_ns
rtctl add 10.255.0.0/16 via 192.0.2.2 dev a0 || bad "add rtmd's own route"
rtwatch_start "$T/watch" route

# 10.X.Y.0/24 for X 0..2, Y 0..255 ... spread over 10.0/9: 150 k prefixes.
awk -v n=$ADD 'BEGIN { for (i = 0; i < n; i++)
	printf "route add 10.%d.%d.%d/32 via 192.0.2.2 dev a0 proto static\n", int(i / 65536) + 100, int(i / 256) % 256, i % 256 }' >"$T/add.batch"
awk -v n=$DEL 'BEGIN { for (i = 0; i < n; i++)
	printf "route del 10.%d.%d.%d/32 via 192.0.2.2 dev a0 proto static\n", int(i / 65536) + 100, int(i / 256) % 256, i % 256 }' >"$T/del.batch"
nsip -batch "$T/add.batch" || bad "ip -batch of $ADD routes"
nsip -batch "$T/del.batch" || bad "ip -batch deleting $DEL of them"

eventually "rtmd noticed the lost notifications" '^[1-9]' sh -c "$RTCTL -s $SOCK -j status | jq .kernel.resyncs"
contains "... and logged it" "$(cat "$T/rtmd.log")" "dropped notifications"
# rtmd's view converges once the dumps after the burst are done.
want=$((ADD - DEL + 2))   # the burst's, rtmd's own, a0's connected route
eventually "rtmd holds every route the kernel has" "^$want\$" sh -c "$RTCTL -s $SOCK list | grep -c '^10\.\|^192\.'"
judge "after the burst"
kernel_has "rtmd's own route is still there" "^10\.255\.0\.0/16 via 192\.0\.2\.2 dev a0 proto $KPROTO_NAME" route show

# The subscriber's IPv4 table, replayed from what it printed: add and
# change set an entry, del removes it, resync starts again from the next
# dump.  (IPv6 keys need the device, fe80::/64 being on every interface.)
replay() {
	awk '
		$1 == "resync" { delete t; next }
		$2 != "route" || $3 ~ /:/ { next }
		{ key = $3; m = " metric 0"; if (match($0, / metric [0-9]+/)) m = substr($0, RSTART, RLENGTH)
		  key = key m; line = $0; sub(/^[a-z]+ route /, "", line) }
		$1 == "add" || $1 == "change" { t[key] = line }
		$1 == "del" { delete t[key] }
		END { for (k in t) print t[k] }' "$T/watch" | sort
}
v4() { rtctl list | awk '$1 !~ /:/ && !($1 == "default" && / via [0-9a-f]*:/)' | sort; }
for _ in $(seq 1 100); do
	[ "$(replay | wc -l)" = "$(v4 | wc -l)" ] && break
	sleep 0.1
done
same "the subscriber's replayed table equals rtmd's" "$(replay | md5sum)" "$(v4 | md5sum)"
stop_rtmd
finish
