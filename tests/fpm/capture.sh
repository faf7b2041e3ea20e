#!/bin/sh
# capture.sh - record real zebra FPM frames into tests/fpm/fixtures.
# Not part of the test suite: run by hand (as root, FRR installed) when
# FRR's output must be looked at again:
#   sh tests/fpm/capture.sh [OUTDIR]
# For next-hop groups on and off it starts zebra + staticd in a private
# namespace, feeding tests/fpm/capture.py, and after each step below cuts
# the stream into a file OUTDIR/{nhg,nonhg}-NN-STEP.bin (whole FPM frames).
. "$(dirname "$0")/lib.sh"
frr_require
OUT=${1:-$(dirname "$0")/fixtures}
mkdir -p "$OUT"
NS=rtmd-fpm-cap-$$
CAP_PID=
trap 'kill -TERM $CAP_PID 2>/dev/null; frr_cleanup' EXIT
frr_netns "$NS"
PORT=2620

# quiet: wait until capture.py has seen nothing for 1.5 s (at most 20 s).
quiet() {
	for _ in $(seq 1 200); do
		sleep 0.1
		[ -f "$PFX.last" ] || continue
		age=$(python3 -c "import time,sys; print(time.time()-float(open(sys.argv[1]).read()))" "$PFX.last")
		python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 1.5 else 1)" "$age" && return 0
	done
}
step=0
cut() {  # cut NAME: the frames since the last cut become the file NN-NAME
	quiet
	kill -USR1 "$CAP_PID"
	sleep 0.3
	f=$(printf '%s/%s-%02d-%s.bin' "$OUT" "$MODE" "$step" "$1")
	mv "$PFX-$step.bin" "$f"
	echo "$f: $(stat -c %s "$f") bytes"
	step=$((step + 1))
}

for MODE in nhg nonhg; do
	step=0
	PFX=$FRR_TOP/cap-$MODE
	ip netns exec "$NS" python3 "$(dirname "$0")/capture.py" 127.0.0.1 $PORT "$PFX" &
	CAP_PID=$!
	for _ in $(seq 1 100); do [ -f "$PFX.ready" ] && break; sleep 0.05; done
	if [ $MODE = nhg ]; then extra=; else extra="no fpm use-next-hop-groups"; fi
	frr_start $MODE "$NS" $PORT "$extra" || exit 99
	sleep 4    # zebra connects 1 s after start, then replays
	cut connect
	vty_conf $MODE "ip route 10.10.1.0/24 192.0.2.10"; cut single
	vty_conf $MODE "ip route 10.10.2.0/24 192.0.2.10" "ip route 10.10.2.0/24 198.51.100.10"; cut ecmp
	vty_conf $MODE "ip route 10.10.3.0/24 blackhole" "ip route 10.10.4.0/24 reject"; cut blackhole
	vty_conf $MODE "ip route 10.10.6.0/24 fpmv0"; cut devroute
	vty_conf $MODE "ipv6 route 2001:db8:100::/48 2001:db8::10" \
		"ipv6 route 2001:db8:101::/48 2001:db8::10" "ipv6 route 2001:db8:101::/48 2001:db8:1::10" \
		"ipv6 route 2001:db8:102::/48 blackhole"; cut ipv6
	vty_conf $MODE "ip route 10.10.1.0/24 198.51.100.10" "no ip route 10.10.1.0/24 192.0.2.10"; cut change
	vty_conf $MODE "ip route 10.10.7.0/24 192.0.2.10 table 100"; cut table100
	vty_conf $MODE "ip route 10.10.8.0/24 192.0.2.10 50" "ip route 10.10.8.0/24 198.51.100.10 20"; cut distance
	set -- "configure terminal"
	for i in $(seq 10 41); do set -- "$@" "ip route 10.10.9.0/24 192.0.2.$i"; done
	vty $MODE "$@"; cut ecmp32
	vty_conf $MODE "no ip route 10.10.3.0/24 blackhole" "no ipv6 route 2001:db8:100::/48 2001:db8::10"; cut delete
	vty $MODE "show ip route json" > "$OUT/$MODE-show-ip-route.json"
	vty $MODE "show ipv6 route json" > "$OUT/$MODE-show-ipv6-route.json"
	frr_kill $MODE KILL zebra
	cut zebra-killed
	vty_conf $MODE "no ip route 10.10.6.0/24 fpmv0" >/dev/null 2>&1
	frr_restart_zebra $MODE || exit 99
	sleep 15   # zebra connects and replays; staticd's gateway routes follow
	           # some 9 s later, once next-hop tracking resolves them
	cut restart-replay
	frr_kill $MODE TERM
	cut zebra-term
	kill -TERM $CAP_PID; wait $CAP_PID; CAP_PID=
	cat "$PFX.log"
	cp "$FRR_TOP/$MODE/zebra.log" "$OUT/$MODE-zebra.log" 2>/dev/null
done
