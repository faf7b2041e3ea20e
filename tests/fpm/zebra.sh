#!/bin/sh
# FRR's own zebra (Debian's frr, dplane_fpm_nl) as rtmd's FPM peer: zebra
# and staticd run by hand in a private namespace beside rtmd; zebra
# connects as user frr and is accepted, static routes reach rtmd as
# frames, a zebra killed with -9 and restarted connects again and
# replays, and every FRR process is stopped by pid within bounds.  Needs
# root and FRR; skips with 77 otherwise.
. "$(dirname "$0")/lib.sh"
frr_require
. "$(dirname "$0")/../integration/lib.sh"
NS=rtmd-fpm-zebra-$$
PORT=2620
trap 'cleanup; frr_cleanup' EXIT
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

printf 'fpm-listen = "127.0.0.1:%s";\n' $PORT > "$CONF"
start_rtmd -d
frr_start z "$NS" $PORT || { echo "cannot start FRR"; exit 99; }
if wait_count "(uid $FRR_UID, frr) connected" 1 10; then ok "zebra connects as user frr and is accepted"
else bad "zebra did not connect"; tail -5 "$T/rtmd.log"; tail -20 "$(frr_dir z)/zebra.log"; fi

vty_conf z "ip route 10.10.1.0/24 192.0.2.10" "ip route 10.10.2.0/24 192.0.2.10" \
	"ip route 10.10.2.0/24 198.51.100.10" "ip route 10.10.3.0/24 blackhole" \
	"ipv6 route 2001:db8:100::/48 2001:db8::10" >/dev/null
expect 0 "vtysh shows the static routes selected" -- vty z "show ip route static json"
contains "10.10.2.0/24 is selected" "$OUT" '"10.10.2.0/24"'
# zebra sends within a second or so; kill -9 so the counts are logged.
sleep 2
frr_kill z KILL zebra
if wait_count "disconnected: end of stream" 1 5; then ok "zebra's end of stream is seen"; else bad "no disconnect logged"; fi
LINE=$(grep -F "disconnected: end of stream" "$T/rtmd.log" | head -1)
FRAMES=$(echo "$LINE" | sed -n 's/.*(\([0-9]*\) frames, \([0-9]*\) messages).*/\1/p')
# connected routes (5) with their next hops, then 5 static routes with theirs.
if [ "${FRAMES:-0}" -ge 15 ]; then ok "zebra's frames were taken ($FRAMES)"; else bad "only ${FRAMES:-0} frames: $LINE"; fi
if grep -q "malformed" "$T/rtmd.log"; then bad "a real zebra frame was called malformed"; grep malformed "$T/rtmd.log"; else ok "no real zebra frame is malformed"; fi

frr_restart_zebra z || { bad "zebra did not restart"; finish; }
if wait_count "(uid $FRR_UID, frr) connected" 2 10; then ok "a restarted zebra connects again"; else bad "no reconnect"; fi
sleep 1
# Stop the instance (staticd first, then zebra with SIGTERM), bounded.
START=$(date +%s)
frr_kill z TERM
[ -z "$(frr_pid z zebra)$(frr_pid z staticd)" ] && ok "FRR stopped within bounds ($(( $(date +%s) - START )) s)" || bad "FRR still running"
wait_count "disconnected" 2 5 && ok "the second connection ends too" || bad "no second disconnect"
stop_rtmd
finish
