#!/bin/sh
# Kernel sync of rtmd's own entries, judged by iproute2 after every step:
# routes (single, replaced, ECMP with weights, IPv6, blackhole and
# unreachable) and neighbours added, replaced, deleted one by one and
# flushed with rtctl; pending entries (an unreachable gateway until its address
# appears, an interface that does not exist yet, appears, is deleted and
# recreated); another owner's route at the same key, which rtmd never
# replaces; and rtmd's routes left in place when it stops.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/kernel/lib.sh"

veth a0 a1 192.0.2.1/24
nsip -6 addr add 2001:db8::1/64 dev a0 nodad
start_rtmd_ns

# ---- single routes ----------------------------------------------------------------
expect 0 "rtctl add installs a route" -- rtctl add 10.9.0.0/16 via 192.0.2.2 dev a0
kernel_has "ip route show proto $KPROTO_NAME shows it" "^10\.9\.0\.0/16 via 192\.0\.2\.2 dev a0" \
	route show proto "$KPROTO"
judge "one route"
expect 0 "rtctl replace" -- rtctl replace 10.9.0.0/16 via 192.0.2.3 dev a0
kernel_has "the kernel has the new gateway" "^10\.9\.0\.0/16 via 192\.0\.2\.3 dev a0" route show
kernel_lacks "and not the old one" "192\.0\.2\.2" route show 10.9.0.0/16
expect 0 "a second metric of the same prefix" -- rtctl add 10.9.0.0/16 via 192.0.2.2 dev a0 metric 50
judge "replaced, two metrics"

# ---- ECMP, IPv6, no next hop -----------------------------------------------------------
expect 0 "add an ECMP route with weights" -- \
	rtctl add 10.10.0.0/16 nexthop via 192.0.2.2 dev a0 weight 3 nexthop via 192.0.2.3 dev a0
kernel_has "the kernel has both next hops" "nexthop via 192\.0\.2\.2 dev a0 weight 3" route show 10.10.0.0/16
expect 0 "add an IPv6 route" -- rtctl add 2001:db8:5::/48 via 2001:db8::2 dev a0
expect 0 "add an IPv6 ECMP route" -- \
	rtctl add 2001:db8:6::/48 nexthop via 2001:db8::2 dev a0 nexthop via 2001:db8::3 dev a0 weight 2
expect 0 "add a blackhole" -- rtctl add blackhole 10.11.0.0/16
expect 0 "add an unreachable with a metric" -- rtctl add unreachable 10.12.0.0/16 metric 5
kernel_has "the kernel has the blackhole" "^blackhole 10\.11\.0\.0/16" route show
judge "ECMP, IPv6, blackhole, unreachable"
expect 0 "rtctl replace an ECMP route by a single one" -- rtctl replace 10.10.0.0/16 via 192.0.2.2 dev a0
kernel_lacks "no next hop left of the ECMP route" "nexthop" route show 10.10.0.0/16
judge "ECMP replaced"

# ---- neighbours ------------------------------------------------------------------------------
expect 0 "rtctl neigh add installs a permanent neighbour" -- \
	rtctl neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev a0
kernel_has "ip neigh shows it permanent, rtmd's protocol" \
	"^192\.0\.2\.7 dev a0 lladdr 02:00:00:00:00:07 PERMANENT proto $KPROTO_NAME" neigh show
expect 0 "an IPv6 neighbour" -- rtctl neigh add 2001:db8::7 lladdr 02:00:00:00:00:17 dev a0
expect 0 "neigh replace" -- rtctl neigh replace 192.0.2.7 lladdr 02:00:00:00:00:08 dev a0
kernel_has "the kernel has the new address" "^192\.0\.2\.7 dev a0 lladdr 02:00:00:00:00:08" neigh show
same "the mapping has it" "$(mapget 192.0.2.7)" "192.0.2.7 dev a0 lladdr 02:00:00:00:00:08 PERMANENT proto rtctl"
judge "neighbours"

# ---- deletes and flush -----------------------------------------------------------------------
expect 0 "rtctl delete a route" -- rtctl delete 10.9.0.0/16 metric 50
kernel_lacks "gone from the kernel" "metric 50" route show 10.9.0.0/16
kernel_has "the other metric stays" "^10\.9\.0\.0/16 via 192\.0\.2\.3" route show 10.9.0.0/16
expect 0 "rtctl delete a blackhole" -- rtctl delete blackhole 10.11.0.0/16
kernel_lacks "gone from the kernel" "10\.11\.0\.0" route show
expect 0 "rtctl delete an IPv6 ECMP route" -- rtctl delete 2001:db8:6::/48
kernel_lacks "gone from the kernel, every next hop" "2001:db8:6::" -6 route show
expect 0 "rtctl neigh delete" -- rtctl neigh delete 2001:db8::7 dev a0
kernel_lacks "gone from the kernel" "2001:db8::7 " neigh show
judge "deleted"
expect 0 "rtctl flush route" -- rtctl flush route
expect 0 "rtctl flush arp" -- rtctl flush arp
kernel_lacks "no route of rtmd's protocol left" "." route show proto "$KPROTO"
kernel_lacks "no IPv6 route of rtmd's protocol left" "." -6 route show proto "$KPROTO"
kernel_lacks "no neighbour of rtmd's left" "PERMANENT" neigh show
judge "flushed"

# ---- pending: a gateway not reachable yet ------------------------------------------------------------
expect 0 "a route via an unreachable gateway is accepted (exit 0)" -- \
	rtctl add 10.20.0.0/16 via 198.51.100.9 dev a0
contains "... with a warning naming the kernel's reason" "$ERR" "warning: pending ("
contains "rtctl list shows it pending" "$(rtctl list 10.20.0.0/16)" "pending"
same "its JSON has the reason" "$(rtctl -j list 10.20.0.0/16 | jq -r '.[0].pending_reason | length > 0')" "true"
kernel_lacks "the kernel does not have it" "10\.20\.0\.0" route show
judge "pending (left out of the judging)"
nsip addr add 198.51.100.1/24 dev a0
kernel_has "installed once its gateway is reachable" "^10\.20\.0\.0/16 via 198\.51\.100\.9" route show
eventually "no longer pending" "^10\.20\.0\.0/16 via 198\.51\.100\.9 dev a0 proto rtctl$" rtctl list 10.20.0.0/16

# ---- pending: an interface that comes, goes, comes back -------------------------------------------
expect 0 "a route on an interface that does not exist" -- rtctl add 10.21.0.0/16 dev b0
contains "... pending: no such device" "$ERR" "pending (no such device b0)"
expect 0 "a neighbour on it" -- rtctl neigh add 10.21.0.7 lladdr 02:00:00:00:00:21 dev b0
contains "... pending too" "$ERR" "pending ("
veth b0 b1
kernel_has "the route is installed when b0 appears" "^10\.21\.0\.0/16 dev b0" route show
kernel_has "and the neighbour" "^10\.21\.0\.7 dev b0 lladdr 02:00:00:00:00:21 PERMANENT" neigh show
judge "interface appeared"
nsip link del b0
eventually "pending again when b0 is deleted" "^10\.21\.0\.0/16 dev b0 .*pending" rtctl list 10.21.0.0/16
judge "interface gone"
veth b0 b1
kernel_has "installed again when b0 is recreated" "^10\.21\.0\.0/16 dev b0" route show
kernel_has "the neighbour too" "^10\.21\.0\.7 dev b0 lladdr 02:00:00:00:00:21 PERMANENT" neigh show
judge "interface recreated"
downs=$(grep -c 'interface b0 went down' "$T/rtmd.log")
nsip link set b0 down
eventually "pending while b0 is down" "^10\.21\.0\.0/16 dev b0 .*pending" rtctl list 10.21.0.0/16
same "logged once for the link" "$(grep -c 'interface b0 went down' "$T/rtmd.log")" "$((downs + 1))"
nsip link set b0 up
kernel_has "installed again when b0 is up" "^10\.21\.0\.0/16 dev b0" route show
judge "link down and up"

# ---- another owner's route at the key ----------------------------------------------------------
nsip route add 10.30.0.0/16 via 192.0.2.9 proto static
eventually "rtmd imports it" "^10\.30\.0\.0/16 via 192\.0\.2\.9 dev a0 proto static" rtctl list 10.30.0.0/16
expect 1 "rtctl add at its key is refused" -- rtctl add 10.30.0.0/16 via 192.0.2.2 dev a0
contains "... as owned by static" "$ERR" "owned by static"
kernel_has "the static route is untouched" "^10\.30\.0\.0/16 via 192\.0\.2\.9 dev a0 proto static" route show
expect 0 "a route of rtmd's" -- rtctl add 10.31.0.0/16 via 192.0.2.2 dev a0
nsip route replace 10.31.0.0/16 via 192.0.2.9 proto static
eventually "replaced by another owner: pending, key held" "^10\.31\.0\.0/16 via 192\.0\.2\.2 dev a0 proto rtctl pending" \
	rtctl list 10.31.0.0/16
same "its reason names the holder" "$(rtctl -j list 10.31.0.0/16 | jq -r '.[] | select(.protocol == "rtctl") | .pending_reason')" \
	"key held by static"
kernel_has "rtmd leaves the other owner's route" "^10\.31\.0\.0/16 via 192\.0\.2\.9 dev a0 proto static" route show
nsip route del 10.31.0.0/16 proto static
kernel_has "reinstalled once the key is free" "^10\.31\.0\.0/16 via 192\.0\.2\.2 dev a0 proto $KPROTO_NAME" route show
judge "key held, then free"

# ---- status, and stopping ---------------------------------------------------------------------
expect 0 "rtctl -j status" -- rtctl -j status
same "status: kernel table and protocol" "$(printf '%s' "$OUT" | jq -c '[.kernel.table, .kernel.protocol]')" \
	"[254,\"$KPROTO_NAME\"]"
same "status: nothing pending" "$(printf '%s' "$OUT" | jq -c '[.kernel.pending_routes, .kernel.pending_neighs]')" "[0,0]"
same "status: imported counts" "$(printf '%s' "$OUT" | jq '.kernel.imported_routes > 0')" "true"
stop_rtmd
kernel_has "rtmd's routes stay in the kernel after it stops" "^10\.31\.0\.0/16" route show proto "$KPROTO"
finish
