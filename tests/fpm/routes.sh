#!/bin/sh
# zebra's routes as rtmd's entries, from the frames zebra 8.4.4 really sent
# (tests/fpm/fixtures, replayed by fpm_send as a throwaway peer user): every
# form (single, ECMP, blackhole, unreachable, device, IPv6, next-hop groups
# and not) becomes the route FRR selected (compared with the fixtures' own
# `show ip route json`); a change (delete + add in one frame) is one event;
# routes of another table are ignored and counted; rtctl may not change
# them; a replay after a reconnect changes only what differs and sweeps
# what was not sent again, after the grace time and 5 s of quiet; the grace
# time ends with the routes gone; a malformed frame changes nothing, and a
# route over an unknown interface is skipped, counted, and keeps the
# connection; status counts skipped routes, next-hop groups, and (kernel
# sync on) the kernel's hidden copies of FPM routes.  The namespace has the capture's interfaces (tests/fpm/lib.sh,
# frr_netns), so zebra's interface indexes name the same devices.  Needs
# root; no FRR.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
fpm_peer_require

NS=rtmd-fpm-routes-$$
TU=rtmdfpr$$
trap 'cleanup; frr_cleanup; userdel "$TU" 2>/dev/null' EXIT
frr_netns "$NS"
useradd -M -U -s /usr/sbin/nologin -d /nonexistent "$TU" || exit 99
chmod 0755 "$T"
RTMD_WRAPPER="ip netns exec $NS $RTMD_WRAPPER"

send() {  # send [fpm_send args...] as the peer user, from inside the namespace
	ip netns exec "$NS" setpriv --reuid="$TU" --regid="$TU" --init-groups "$SEND" "$@"
}
wait_log() {  # wait_log TEXT N SECONDS: until the log has N lines with TEXT
	for _ in $(seq 1 $(($3 * 20))); do
		[ "$(grep -cF -- "$1" "$T/rtmd.log")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# hex HEX...: the bytes (POSIX printf has only octal escapes)
hex() {
	for h in $(echo "$*" | tr -d ' ' | sed 's/../& /g'); do printf "\\$(printf %03o "0x$h")"; done
}
fpm_stat() {  # fpm_stat KEY: that key of rtctl -j status's "fpm" object
	rtctl -j status | sed -n "s/.*\"fpm\":{.*\"$1\":\\([^,}]*\\).*/\\1/p"
}
compare() {  # compare DESC MODE: rtmd's FPM routes are what FRR selected
	if ! command -v python3 >/dev/null 2>&1; then
		echo "# python3 missing: $1 not compared"
		return
	fi
	rtctl -j list > "$T/list.json"
	expect 0 "$1" -- python3 "$top_srcdir/tests/fpm/compare.py" "$FIX/$2-show-ip-route.json" \
		"$FIX/$2-show-ipv6-route.json" -- "$T/list.json"
	[ -z "$ERR" ] || echo "$ERR"
}

for MODE in nhg nonhg; do
	echo "# $MODE: zebra's frames with$( [ $MODE = nhg ] || echo out) next-hop groups"
	printf 'fpm-listen = "127.0.0.1:2620";\nfpm-peer-user = "%s";\nfpm-grace-seconds = 3;\n' "$TU" > "$CONF"
	: > "$T/rtmd.log"
	rm -rf "$STATE"
	start_rtmd -d
	# Steps 00..10 of the capture in one connection: FRR's table at the
	# end is the fixture's show ip route.
	timeout 10 "$RTWATCH" -s "$SOCK" --no-dump route > "$T/watch1" 2>&1 &
	W=$!
	sleep 0.3
	expect 1 "$MODE: the capture's frames are taken" -- send -w 0.5 127.0.0.1 2620 \
		"$FIX/$MODE"-0*.bin "$FIX/$MODE"-10-*.bin
	wait_log "disconnected: end of stream" 1 5
	compare "$MODE: rtmd holds what FRR selected, next hops and all" "$MODE"
	same "$MODE: proto static, metric 20, as zebra sends" "$(rtctl list 10.10.1.0/24)" \
		"10.10.1.0/24 via 198.51.100.10 dev fpmv1 proto static metric 20"
	same "$MODE: a blackhole" "$(rtctl list 10.10.4.0/24)" "unreachable 10.10.4.0/24 proto static metric 20"
	same "$MODE: a route of table 100 is not taken" "$(rtctl list 10.10.7.0/24)" ""
	same "$MODE: and is counted" "$(fpm_stat ignored_other_tables)" 1
	same "$MODE: no route of the capture is skipped" "$(fpm_stat skipped_routes)" 0
	# The capture's groups, less those zebra deleted (none without them);
	# they outlive the connection until the next one.
	same "$MODE: status counts the next-hop groups" "$(fpm_stat next_hop_groups)" \
		"$( [ $MODE = nhg ] && echo 48 || echo 0)"
	same "$MODE: no kernel copy is hidden with kernel sync off" "$(fpm_stat hidden_kernel_routes)" 0
	kill "$W" 2>/dev/null; wait "$W" 2>/dev/null
	# 10.10.1.0/24 changed gateway: a delete and an add in one frame.
	same "$MODE: a change is one event" \
		"$(grep -F ' 10.10.1.0/24 ' "$T/watch1" | cut -d' ' -f1 | tr '\n' ' ')" "add change "
	same "$MODE: a deleted route goes" "$(grep -F ' 10.10.3.0/24 ' "$T/watch1" | cut -d' ' -f1 | tr '\n' ' ')" "add del "

	expect 1 "$MODE: rtctl may not delete FRR's route" -- rtctl delete 10.10.1.0/24 metric 20
	contains "$MODE: it says who owns it" "$ERR" "owned by static (FRR); change it in FRR"
	expect 1 "$MODE: nor add at its key" -- rtctl add 10.10.1.0/24 dev fpmv0 metric 20
	expect 0 "$MODE: another metric is another key" -- rtctl add 10.10.1.0/24 dev fpmv0 metric 5

	# zebra restarted (kill -9): the replay, within the grace time.  Only
	# 10.10.6.0/24, removed meanwhile, differs: it alone goes, at the sweep.
	timeout 20 "$RTWATCH" -s "$SOCK" --no-dump route > "$T/watch2" 2>&1 &
	W=$!
	sleep 0.3
	expect 1 "$MODE: a replay after a reconnect" -- send -w 7 127.0.0.1 2620 "$FIX/$MODE"-12-*.bin
	if wait_log "reconciled" 1 10; then ok "$MODE: the replay is reconciled"; else bad "$MODE: no sweep"; fi
	same "$MODE: the route not replayed is swept" "$(rtctl list 10.10.6.0/24)" ""
	kill "$W" 2>/dev/null; wait "$W" 2>/dev/null
	same "$MODE: subscribers saw only the difference" "$(grep -v '^sync$' "$T/watch2")" \
		"del route 10.10.6.0/24 proto static metric 20"
	same "$MODE: one replay counted" "$(fpm_stat replays)" 1
	[ "$(fpm_stat ignored_other_tables)" -gt 1 ] && ok "$MODE: the replay's table-100 route ignored" ||
		bad "$MODE: ignored_other_tables is $(fpm_stat ignored_other_tables)"

	# zebra stopped after staticd: the static routes' deletes.
	expect 1 "$MODE: zebra's deletes" -- send -w 0.5 127.0.0.1 2620 "$FIX/$MODE"-12-*.bin \
		"$FIX/$MODE"-13-*.bin
	wait_log "disconnected: end of stream" 3 5
	same "$MODE: no static route is left" "$(rtctl list proto static)" ""
	same "$MODE: the connected ones are" "$(fpm_stat routes)" 5
	# Grace time over: FRR's routes go, rtctl's stays.
	if wait_log "did not come back" 1 10; then ok "$MODE: the grace time ends"; else bad "$MODE: no grace end"; fi
	same "$MODE: FRR's routes are gone, rtctl's stays" "$(rtctl list)" \
		"10.10.1.0/24 dev fpmv0 proto rtctl scope link metric 5"
	same "$MODE: status counts no FPM route" "$(fpm_stat routes)" 0
	stop_rtmd
done

echo "# strict frames"
printf 'fpm-listen = "127.0.0.1:2620";\nfpm-peer-user = "%s";\n' "$TU" > "$CONF"
: > "$T/rtmd.log"
rm -rf "$STATE"
start_rtmd -d
# RTM_NEWROUTE blackhole 10.99.0.0/16 proto static metric 20, and the same
# message with a 3-byte RTA_DST.
NLH=000000180001050000000000000000    # after the length: RTM_NEWROUTE, 0x501, seq, pid
RTM=02100000fec4000600000000             # AF_INET /16, table main, proto static, blackhole
PRIO=0800060014000000
GOOD="2c$NLH $RTM 080001000a630000 $PRIO"
BAD="2c$NLH $RTM 070001000a620000 $PRIO"
hex 0101005c $GOOD $BAD > "$T/bad.bin"
expect 0 "a frame with a malformed route closes the connection" -- send -w 2 127.0.0.1 2620 "$T/bad.bin"
wait_log "malformed frame" 1 5
contains "it is logged" "$(grep malformed "$T/rtmd.log")" "netlink message 2 of the frame"
same "and the good route of that frame was not taken" "$(rtctl list)" ""
hex 01010030 $GOOD > "$T/good.bin"
expect 1 "the good route alone" -- send -w 0.5 127.0.0.1 2620 "$T/good.bin"
same "is taken" "$(rtctl list)" "blackhole 10.99.0.0/16 proto static metric 20"
# 10.98.0.0/16 dev (index 77): an interface rtmd does not know.
hex 01010038 "34$NLH" 02100000fec4000100000000 080001000a620000 $PRIO 080004004d000000 > "$T/nolink.bin"
expect 1 "a route over an unknown interface keeps the connection" -- send -w 0.5 127.0.0.1 2620 "$T/nolink.bin"
same "it is not taken" "$(rtctl list 10.98.0.0/16)" ""
contains "status says why" "$(fpm_stat last_error)" "10.98.0.0/16 skipped: unknown interface index 77"
same "and counts it" "$(fpm_stat skipped_routes)" 1
# Forms zebra 8.4.4 did not send (tests/fpm/seeds, over lo): RTA_MULTIPATH
# with weights, an IPv6 blackhole, a group replaced in place (its route
# changes without a route message), a route on an unknown group.
timeout 10 "$RTWATCH" -s "$SOCK" --no-dump route > "$T/watch3" 2>&1 &
W=$!
sleep 0.3
expect 1 "hand-made frames" -- send -w 0.5 127.0.0.1 2620 "$top_srcdir/tests/fpm/seeds/hand-routes.bin"
same "a change in one frame, weights as sent" "$(rtctl list proto bgp)" \
"10.1.0.0/16 via 127.0.0.4 dev lo proto bgp metric 20
10.2.0.0/16 proto bgp metric 20 nexthop via 127.0.0.2 dev lo weight 1 nexthop via 127.0.0.3 dev lo weight 3
blackhole 2001:db8:9::/48 dev lo proto bgp metric 20 pref medium"
kill "$W" 2>/dev/null; wait "$W" 2>/dev/null
same "the group's new next hop reached its route" "$(grep -F ' 10.3.0.0/24 ' "$T/watch3")" \
"add route 10.3.0.0/24 via 127.0.0.5 dev lo proto bgp metric 20
change route 10.3.0.0/24 via 127.0.0.6 dev lo proto bgp metric 20
del route 10.3.0.0/24 proto bgp metric 20"
same "a route on an unknown group is skipped" "$(rtctl list 10.4.0.0/24)" ""
# 10.4.0.0/24 (group 99) and 10.6.0.0/24 (interface 77) join 10.98.0.0/16.
same "status counts every skipped route" "$(fpm_stat skipped_routes)" 3
same "group 7, deleted at the end, is not counted" "$(fpm_stat next_hop_groups)" 0
stop_rtmd

echo "# with kernel sync: zebra's install of an FPM route is hidden and counted"
printf 'kernel-sync = true;\nfpm-listen = "127.0.0.1:2620";\nfpm-peer-user = "%s";\n' "$TU" > "$CONF"
: > "$T/rtmd.log"
rm -rf "$STATE"
start_rtmd -d
expect 1 "an FPM route" -- send -w 0.5 127.0.0.1 2620 "$T/good.bin"
ip -n "$NS" route add blackhole 10.99.0.0/16 proto static metric 20 || bad "ip route add failed"
for _ in $(seq 1 100); do
	[ "$(fpm_stat hidden_kernel_routes)" = 1 ] && break
	sleep 0.05
done
same "status counts the hidden kernel copy" "$(fpm_stat hidden_kernel_routes)" 1
same "which is not listed" "$(rtctl list 10.99.0.0/16)" "blackhole 10.99.0.0/16 proto static metric 20"
same "no group was sent" "$(fpm_stat next_hop_groups)" 0
stop_rtmd
finish
