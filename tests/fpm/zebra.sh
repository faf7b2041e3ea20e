#!/bin/sh
# FRR's own zebra (Debian's frr, dplane_fpm_nl) as rtmd's FPM peer: zebra
# and staticd run by hand in a private namespace beside rtmd, with and
# without next-hop groups.  zebra connects as user frr and is accepted;
# static routes (single, ECMP, blackhole, IPv6) added, changed and removed
# in FRR are rtmd's table, compared with `vtysh -c 'show ip route json'`;
# rtctl may not change them.  With next-hop groups, kernel sync is on too:
# zebra's kernel installs are the same routes, and each is listed once.
# zebra killed with -9, a route removed meanwhile, zebra restarted: the
# replay is reconciled after the grace time, the removed route is swept,
# and subscribers saw nothing else.  Every FRR process is stopped by pid
# within bounds.  Needs root and FRR; skips with 77 otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../integration/lib.sh"
W=
# Set before frr_require makes FRR's directory, so that every way out
# removes it.
trap '[ -n "$W" ] && kill "$W" 2>/dev/null; cleanup; frr_cleanup' EXIT
frr_require
NS=rtmd-fpm-zebra-$$
PORT=2620
# zebra's replay after a restart spreads over ~10 s (doc/FPM.md): the grace
# time must outlast it.
GRACE=20
frr_netns "$NS"
chmod 0755 "$T"
RTMD_WRAPPER="ip netns exec $NS $RTMD_WRAPPER"
FRR_UID=$(id -u frr)

wait_count() {  # wait_count TEXT N [SECONDS]: until the log has N lines with TEXT
	local tries=$(( ${3:-10} * 20 ))
	for _ in $(seq 1 $tries); do
		[ "$(grep -cF -- "$1" "$T/rtmd.log")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# same_as_frr DESC: rtmd's FPM routes are what zebra selected (polled:
# zebra sends within a second or so).
same_as_frr() {
	local i
	for i in $(seq 1 40); do
		vty "$Z" "show ip route json" > "$T/frr4.json" && vty "$Z" "show ipv6 route json" > "$T/frr6.json" &&
			rtctl -j list > "$T/rtmd.json" &&
			python3 "$top_srcdir/tests/fpm/compare.py" --metric 20 "$T/frr4.json" "$T/frr6.json" -- \
				"$T/rtmd.json" > "$T/cmp" 2>&1 && { ok "$1"; return; }
		sleep 0.25
	done
	bad "$1"; cat "$T/cmp"
}

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing (tests/fpm/compare.py)"; exit 77; }

for MODE in nhg nonhg; do
	echo "# zebra $( [ $MODE = nhg ] && echo "with next-hop groups, kernel sync on" || echo "without next-hop groups")"
	if [ $MODE = nhg ]; then
		KS="kernel-sync = true;"; ZEXTRA=
	else
		KS=; ZEXTRA="no fpm use-next-hop-groups"
	fi
	Z=z$MODE
	printf 'fpm-listen = "127.0.0.1:%s";\nfpm-grace-seconds = %s;\n%s\n' $PORT $GRACE "$KS" > "$CONF"
	: > "$T/rtmd.log"
	rm -rf "$STATE"
	start_rtmd -d
	frr_start "$Z" "$NS" $PORT "$ZEXTRA" || { echo "cannot start FRR"; exit 99; }
	if wait_count "(uid $FRR_UID, frr) connected" 1 10; then ok "$MODE: zebra connects as user frr and is accepted"
	else bad "$MODE: zebra did not connect"; tail -5 "$T/rtmd.log"; tail -20 "$(frr_dir "$Z")/zebra.log"; fi

	vty_conf "$Z" "ip route 10.10.1.0/24 192.0.2.10" "ip route 10.10.2.0/24 192.0.2.10" \
		"ip route 10.10.2.0/24 198.51.100.10" "ip route 10.10.3.0/24 blackhole" \
		"ip route 10.10.5.0/24 192.0.2.10" \
		"ipv6 route 2001:db8:100::/48 2001:db8::10" "ipv6 route 2001:db8:101::/48 2001:db8::10" \
		"ipv6 route 2001:db8:101::/48 2001:db8:1::10" "ipv6 route 2001:db8:102::/48 blackhole" >/dev/null
	same_as_frr "$MODE: added: rtmd holds what zebra selected"
	same "$MODE: a static route is proto static" "$(rtctl list 10.10.1.0/24)" \
		"10.10.1.0/24 via 192.0.2.10 dev fpmv0 proto static metric 20"
	expect 1 "$MODE: rtctl may not delete it" -- rtctl delete 10.10.1.0/24 metric 20
	contains "$MODE: and says FRR owns it" "$ERR" "owned by static (FRR); change it in FRR"
	if [ $MODE = nhg ]; then
		same "$MODE: zebra's kernel copies are listed once" \
			"$(rtctl -j list | grep -c '"protocol":"static"')" 7
		contains "$MODE: rtctl status: the peer" "$(rtctl status)" "connected to 127.0.0.1:"
	fi

	vty_conf "$Z" "ip route 10.10.1.0/24 198.51.100.10" "no ip route 10.10.1.0/24 192.0.2.10" \
		"no ip route 10.10.2.0/24 198.51.100.10" "no ipv6 route 2001:db8:102::/48 blackhole" >/dev/null
	same_as_frr "$MODE: changed and removed: rtmd follows"
	same "$MODE: the changed route" "$(rtctl list 10.10.1.0/24)" \
		"10.10.1.0/24 via 198.51.100.10 dev fpmv1 proto static metric 20"

	# zebra killed; a route removed in staticd meanwhile; zebra back.
	timeout 60 "$RTWATCH" -s "$SOCK" --no-dump route > "$T/watch" 2>&1 &
	W=$!
	sleep 0.3
	frr_kill "$Z" KILL zebra
	if wait_count "disconnected: end of stream" 1 5; then ok "$MODE: zebra's end of stream is seen"; else bad "$MODE: no disconnect logged"; fi
	vty_conf "$Z" "no ip route 10.10.5.0/24 192.0.2.10" >/dev/null 2>&1
	frr_restart_zebra "$Z" || { bad "$MODE: zebra did not restart"; finish; }
	if wait_count "(uid $FRR_UID, frr) connected" 2 10; then ok "$MODE: a restarted zebra connects again"; else bad "$MODE: no reconnect"; fi
	if wait_count "reconciled" 1 $((GRACE + 20)); then ok "$MODE: the replay is reconciled"; else bad "$MODE: no sweep"; tail -5 "$T/rtmd.log"; fi
	# A restarted zebra finds the route it had installed in the kernel and
	# may replay it before its own sweep of such routes deletes it (seen
	# under the sanitizers): either way it goes, with one delete (bounded).
	for _ in $(seq 1 150); do [ -z "$(rtctl list 10.10.5.0/24)" ] && break; sleep 0.1; done
	same "$MODE: the route removed meanwhile is swept" "$(rtctl list 10.10.5.0/24)" ""
	same_as_frr "$MODE: after the replay rtmd holds what zebra selected"
	kill "$W" 2>/dev/null; wait "$W" 2>/dev/null; W=
	# zebra sends fe80::/64 of one interface, and may pick another after
	# a restart: a real change of what it sends, left out here.
	same "$MODE: subscribers saw that delete and nothing else" \
		"$(grep -v -e '^sync$' -e ' fe80::/64 ' "$T/watch")" \
		"del route 10.10.5.0/24 proto static metric 20"
	if grep -q "malformed" "$T/rtmd.log"; then bad "$MODE: a real zebra frame was called malformed"; grep malformed "$T/rtmd.log"
	else ok "$MODE: no real zebra frame is malformed"; fi
	same "$MODE: one replay in status" "$(rtctl -j status | sed -n 's/.*"replays":\([0-9]*\).*/\1/p')" 1

	# Stop the instance (staticd first, then zebra with SIGTERM), bounded.
	START=$(date +%s)
	frr_kill "$Z" TERM
	[ -z "$(frr_pid "$Z" zebra)$(frr_pid "$Z" staticd)" ] && ok "$MODE: FRR stopped within bounds ($(( $(date +%s) - START )) s)" ||
		bad "$MODE: FRR still running"
	wait_count "disconnected" 2 5 && ok "$MODE: the second connection ends too" || bad "$MODE: no second disconnect"
	same "$MODE: staticd's stop deleted its routes in rtmd" "$(rtctl list proto static)" ""
	stop_rtmd
done
finish
