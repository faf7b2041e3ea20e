#!/bin/sh
# Import: what others put into the kernel (routes of any protocol, ECMP,
# IPv6, neighbours of every state with a link-layer address) appears in
# rtctl, in an rtwatch subscriber and, for neighbours, in the shared
# mapping, and disappears with it; rtmd changes none of it; an IPv6
# next hop deleted alone leaves the rest; a dynamic neighbour may be
# pinned with rtctl neigh add.  Judged by iproute2 after every step.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/kernel/lib.sh"

veth a0 a1 192.0.2.1/24
nsip -6 addr add 2001:db8::1/64 dev a0 nodad
nsip route add 10.1.0.0/16 via 192.0.2.2 proto static
start_rtmd_ns
rtwatch_start "$T/watch" route
rtwatch_start "$T/nwatch" neigh
judge "at start"
contains "a route there before rtmd started is imported" "$(rtctl list 10.1.0.0/16)" \
	"10.1.0.0/16 via 192.0.2.2 dev a0 proto static"
expect 1 "it is read-only for rtctl" -- rtctl delete 10.1.0.0/16
contains "... owned by static" "$ERR" "owned by static"

# ---- routes added with ip -----------------------------------------------------------------
nsip route add 10.2.0.0/16 via 192.0.2.3 proto bgp metric 20
nsip route add 10.3.0.0/16 proto ospf nexthop via 192.0.2.2 weight 1 nexthop via 192.0.2.3 weight 4
nsip route add blackhole 10.4.0.0/16
nsip -6 route add 2001:db8:9::/48 proto 42 nexthop via 2001:db8::2 dev a0 nexthop via 2001:db8::3 dev a0
nsip route add 10.5.0.0/16 via 192.0.2.2 tos 0x10
eventually "an ECMP route of ospf appears" \
	"^10\.3\.0\.0/16 proto ospf nexthop via 192\.0\.2\.2 dev a0 weight 1 nexthop via 192\.0\.2\.3 dev a0 weight 4" \
	rtctl list 10.3.0.0/16
judge "routes added with ip"
eventually "rtwatch heard the bgp route" "^add route 10\.2\.0\.0/16 via 192\.0\.2\.3 dev a0 proto bgp metric 20" \
	cat "$T/watch"
same "rtctl get finds an imported route" "$(rtctl get 10.2.3.4)" "10.2.0.0/16 via 192.0.2.3 dev a0 proto bgp metric 20"

# ---- changed and removed with ip ---------------------------------------------------------------
nsip route replace 10.2.0.0/16 via 192.0.2.2 proto bgp metric 20
eventually "a replace is a change" "^change route 10\.2\.0\.0/16 via 192\.0\.2\.2 dev a0 proto bgp metric 20" \
	cat "$T/watch"
nsip -6 route del 2001:db8:9::/48 via 2001:db8::3 dev a0
eventually "an IPv6 next hop deleted alone leaves the other" \
	"^2001:db8:9::/48 via 2001:db8::2 dev a0 proto [^ ]+ metric 1024" rtctl list 2001:db8:9::/48
nsip route del 10.3.0.0/16
nsip route del blackhole 10.4.0.0/16
eventually "rtwatch heard the ECMP route go" "^del route 10\.3\.0\.0/16" cat "$T/watch"
judge "routes changed and removed with ip"

# ---- neighbours -------------------------------------------------------------------------------------
nsip neigh add 192.0.2.50 lladdr 02:00:00:00:00:50 dev a0 nud permanent
nsip neigh add 192.0.2.51 lladdr 02:00:00:00:00:51 dev a0 nud reachable
nsip neigh add 192.0.2.52 lladdr 02:00:00:00:00:52 dev a0 nud stale proto 77
nsip neigh add 2001:db8::50 lladdr 02:00:00:00:00:60 dev a0 nud permanent
eventually "rtctl neigh get finds a permanent one" "^192\.0\.2\.50 dev a0 lladdr 02:00:00:00:00:50 PERMANENT$" \
	rtctl neigh get 192.0.2.50
eventually "the mapping has it" "^192\.0\.2\.50 dev a0 lladdr 02:00:00:00:00:50 PERMANENT$" mapget 192.0.2.50
eventually "the mapping has the stale one with its protocol" \
	"^192\.0\.2\.52 dev a0 lladdr 02:00:00:00:00:52 STALE proto 77$" mapget 192.0.2.52
eventually "the mapping has the IPv6 one" "^2001:db8::50 dev a0 lladdr 02:00:00:00:00:60 PERMANENT$" \
	mapget 2001:db8::50
judge "neighbours added with ip"
eventually "rtwatch heard the permanent one" "^add neigh 192\.0\.2\.50 dev a0 lladdr 02:00:00:00:00:50 PERMANENT" \
	cat "$T/nwatch"
eventually "rtwatch heard the stale one" "^add neigh 192\.0\.2\.52 dev a0 lladdr 02:00:00:00:00:52 STALE proto 77" \
	cat "$T/nwatch"
nsip neigh change 192.0.2.52 lladdr 02:00:00:00:00:53 dev a0 nud reachable
eventually "a change of state and address with ip is a change" \
	"^change neigh 192\.0\.2\.52 dev a0 lladdr 02:00:00:00:00:53 REACHABLE" cat "$T/nwatch"
eventually "the mapping follows it" "^192\.0\.2\.52 dev a0 lladdr 02:00:00:00:00:53 REACHABLE" mapget 192.0.2.52
expect 1 "a permanent neighbour of another owner cannot be taken" -- \
	rtctl neigh add 192.0.2.50 lladdr 02:00:00:00:00:99 dev a0
expect 0 "a dynamic one may be pinned" -- rtctl neigh add 192.0.2.51 lladdr 02:00:00:00:00:98 dev a0
kernel_has "pinned: permanent, rtmd's protocol" "^192\.0\.2\.51 dev a0 lladdr 02:00:00:00:00:98 PERMANENT proto $KPROTO_NAME" \
	neigh show
nsip neigh del 192.0.2.50 dev a0
nsip neigh del 2001:db8::50 dev a0
eventually "gone from the mapping with the kernel's" "^1$" sh -c "$MAPGET $STATE/arp.store 192.0.2.50; echo \$?"
eventually "rtwatch heard it go" "^del neigh 192\.0\.2\.50 dev a0" cat "$T/nwatch"
eventually "and the IPv6 one" "^del neigh 2001:db8::50 dev a0" cat "$T/nwatch"
judge "neighbours removed with ip"

# ---- nothing of theirs was touched -------------------------------------------------------------------
kernel_has "the static route is untouched" "^10\.1\.0\.0/16 via 192\.0\.2\.2 dev a0 proto static" route show
kernel_has "the tos route is untouched" "^10\.5\.0\.0/16 tos 0x10 via 192\.0\.2\.2" route show
same "status counts no resync" "$(rtctl -j status | jq .kernel.resyncs)" "0"
stop_rtmd
finish
