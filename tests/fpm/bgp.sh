#!/bin/sh
# Volume: BGP routes from one bgpd to another, whose zebra feeds rtmd over
# FPM.  Namespace A loads FPM_BGP_ROUTES /24s into its kernel (ip -batch)
# and its bgpd announces them (redistribute kernel) over a veth to B's
# bgpd; B's zebra installs them into B's kernel and sends them to rtmd,
# which runs in B.  The test: rtmd ends up with every route, as proto bgp
# via A, as many as B's kernel holds.  It also prints, from one run, how
# long zebra took to put them into its kernel and rtmd to hold them
# (`make bench` runs it with 100 k routes: doc/FPM.md).  Timing is printed,
# never asserted.  Needs root and FRR (with bgpd); skips with 77 otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../integration/lib.sh"
# Set before frr_require makes FRR's directory, so that every way out
# removes it.
trap 'cleanup; frr_cleanup' EXIT
frr_require
[ -x "$FRR_SBIN/bgpd" ] || { echo "SKIP: FRR's bgpd missing"; exit 77; }
N=${FPM_BGP_ROUTES:-10000}
LIMIT=${FPM_BGP_SECONDS:-120}   # bound on the wait for all N
NA=rtmd-fpm-bgpa-$$
NB=rtmd-fpm-bgpb-$$
PORT=2620
frr_netns "$NA"
frr_netns "$NB"
ip link add bgpa netns "$NA" type veth peer name bgpb netns "$NB" &&
	ip -n "$NA" addr add 10.255.0.1/30 dev bgpa && ip -n "$NA" link set bgpa up &&
	ip -n "$NB" addr add 10.255.0.2/30 dev bgpb && ip -n "$NB" link set bgpb up ||
	{ echo "cannot link $NA and $NB"; exit 99; }
chmod 0755 "$T"
RTMD_WRAPPER="ip netns exec $NB $RTMD_WRAPPER"

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }
rate() { echo "$1 $2 $3" | awk '{ d = $3 - $2; printf "%.0f", (d > 0 ? $1 / d : 0) }'; }
# cpu PID: its user + system CPU seconds so far
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
fpm_routes() { rtctl -j status | sed -n 's/.*"fpm":{.*"routes":\([0-9]*\).*/\1/p'; }

# A's routes, in its kernel before its zebra starts (zebra reads them).
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
	printf "route add %d.%d.%d.0/24 dev fpmv0\n", 16 + int(i / 65536), int(i / 256) % 256, i % 256 }' \
	> "$T/routes.batch"
ip -n "$NA" -batch "$T/routes.batch" || { echo "ip -batch failed"; exit 99; }
same "A's kernel holds the $N routes" "$(ip -n "$NA" route show dev fpmv0 | grep -c '^1[67]\.')" "$N"

printf 'fpm-listen = "127.0.0.1:%s";\nfpm-grace-seconds = 5;\n' $PORT > "$CONF"
start_rtmd
frr_start a "$NA" - || { echo "cannot start FRR in $NA"; exit 99; }
frr_bgpd a "hostname a-bgpd
router bgp 65001
 bgp router-id 10.255.0.1
 no bgp ebgp-requires-policy
 neighbor 10.255.0.2 remote-as 65002
 address-family ipv4 unicast
  redistribute kernel
 exit-address-family" || { echo "cannot start bgpd in $NA"; exit 99; }
frr_start b "$NB" $PORT || { echo "cannot start FRR in $NB"; exit 99; }
for _ in $(seq 1 100); do grep -q "connected" "$T/rtmd.log" && break; sleep 0.1; done
sleep 1
BASE=$(fpm_routes)     # B's connected routes
ZPID=$(frr_pid b zebra)
RC0=$(cpu "$RTMD_PID") ZC0=$(cpu "$ZPID")
T0=$(now)
frr_bgpd b "hostname b-bgpd
router bgp 65002
 bgp router-id 10.255.0.2
 no bgp ebgp-requires-policy
 neighbor 10.255.0.1 remote-as 65001" || { echo "cannot start bgpd in $NB"; exit 99; }

# Sample both sides until each holds all N (bounded).
KF= KD= RF= RD= K=0 R=0
# printf: awk's print of a sum has 6 digits (1.79614e+09), which is
# up to 10 000 s early or late.
END=$(echo "$T0 $LIMIT" | awk '{ printf "%.3f", $1 + $2 }')
while :; do
	t=$(now)
	[ -n "$KD" ] || K=$(ip -n "$NB" route show proto bgp | wc -l)
	[ -n "$RD" ] || R=$(( $(fpm_routes) - BASE ))
	[ -z "$KF" ] && [ "$K" -gt 0 ] && KF=$t
	[ -z "$RF" ] && [ "$R" -gt 0 ] && RF=$t
	[ -z "$KD" ] && [ "$K" -ge "$N" ] && KD=$t
	[ -z "$RD" ] && [ "$R" -ge "$N" ] && RD=$t && RC1=$(cpu "$RTMD_PID")
	[ -n "$KD" ] && [ -n "$RD" ] && ZC1=$(cpu "$ZPID") && break
	[ "$(echo "$t $END" | awk '{ print ($1 > $2) }')" = 1 ] && break
	sleep 0.1
done
if [ -n "$RD" ]; then ok "rtmd holds all $N BGP routes"; else bad "rtmd holds $R of $N after $LIMIT s"; fi
same "as many as zebra put into B's kernel" "$(ip -n "$NB" route show proto bgp | wc -l)" "$N"
same "proto bgp, via A" "$(rtctl list 16.0.0.0/24)" "16.0.0.0/24 via 10.255.0.1 dev bgpb proto bgp metric 20"
same "every one of them" "$(rtctl list proto bgp | grep -c ' via 10.255.0.1 dev bgpb proto bgp metric 20$')" "$N"
if [ -n "$RD" ] && [ -n "$KD" ]; then
	echo "# figures: $N routes; bgpd B started at 0 s"
	echo "#   zebra -> kernel: first $(elapsed "$T0" "$KF") s, all $(elapsed "$T0" "$KD") s ($(rate "$N" "$KF" "$KD") routes/s)"
	echo "#   zebra -> rtmd:   first $(elapsed "$T0" "$RF") s, all $(elapsed "$T0" "$RD") s ($(rate "$N" "$RF" "$RD") routes/s)"
	echo "#   rtmd after the kernel: $(elapsed "$KD" "$RD") s"
	RCPU=$(elapsed "$RC0" "$RC1") ZCPU=$(elapsed "$ZC0" "$ZC1")
	echo "#   CPU: rtmd $RCPU s ($(rate "$N" 0 "$RCPU") routes per CPU second), zebra $ZCPU s"
	if [ -n "${FPM_BGP_JSON:-}" ]; then
		printf '{"routes":%s,"kernel_first_s":%s,"kernel_all_s":%s,"kernel_routes_per_s":%s,"rtmd_first_s":%s,"rtmd_all_s":%s,"rtmd_routes_per_s":%s,"rtmd_cpu_s":%s,"zebra_cpu_s":%s}\n' \
			"$N" "$(elapsed "$T0" "$KF")" "$(elapsed "$T0" "$KD")" "$(rate "$N" "$KF" "$KD")" \
			"$(elapsed "$T0" "$RF")" "$(elapsed "$T0" "$RD")" "$(rate "$N" "$RF" "$RD")" \
			"$RCPU" "$ZCPU" > "$FPM_BGP_JSON"
	fi
fi
frr_kill b TERM
frr_kill a TERM
stop_rtmd
finish
