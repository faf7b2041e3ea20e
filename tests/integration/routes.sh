#!/bin/sh
# Routes end to end through the real rtmd and rtctl: add, replace, delete,
# list, get (longest prefix match), JSON, batch, exit statuses, bad input.
. "$(dirname "$0")/lib.sh"

expect 3 "no daemon: exit 3" -- rtctl list
contains "no daemon: message names the socket" "$ERR" "cannot reach rtmd at $SOCK"

start_rtmd

expect 0 "add a route" -- rtctl add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5
expect 0 "get by longest prefix match" -- rtctl get 10.0.0.77
same "get prints the route, as ip route show" "$OUT" "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5"
expect 1 "adding it twice is refused" -- rtctl add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5
contains "duplicate: message names the entry and the reason" "$ERR" "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5: exists"
expect 0 "same prefix, other metric" -- rtctl route add 10.0.0.0/24 dev eth1 metric 1
expect 0 "get picks the lowest metric" -- rtctl get 10.0.0.1
same "lowest metric wins; a route without gateway has scope link" "$OUT" "10.0.0.0/24 dev eth1 proto rtctl scope link metric 1"
expect 0 "a longer prefix" -- rtctl add 10.0.0.64/26 via 192.0.2.2
expect 0 "get picks the longest prefix" -- rtctl get 10.0.0.77
same "longest prefix wins; no metric 0 printed" "$OUT" "10.0.0.64/26 via 192.0.2.2 proto rtctl"
expect 0 "default route" -- rtctl add default via 192.0.2.254
expect 0 "get falls back to default" -- rtctl get 8.8.8.8
same "default route" "$OUT" "default via 192.0.2.254 proto rtctl"
expect 0 "IPv6 route" -- rtctl add 2001:db8::/32 via fe80::1 dev eth0
expect 0 "IPv6 default" -- rtctl add default6 dev eth0 metric 1024
expect 0 "IPv6 get" -- rtctl get 2001:db8::5
same "IPv6 longest prefix (an IPv6 metric 0 is 1024, as in ip)" "$OUT" "2001:db8::/32 via fe80::1 dev eth0 proto rtctl metric 1024 pref medium"
expect 0 "list" -- rtctl list
same "list order: IPv4 by prefix, then length, then metric; IPv6 after" "$OUT" "default via 192.0.2.254 proto rtctl
10.0.0.0/24 dev eth1 proto rtctl scope link metric 1
10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5
10.0.0.64/26 via 192.0.2.2 proto rtctl
default dev eth0 proto rtctl metric 1024 pref medium
2001:db8::/32 via fe80::1 dev eth0 proto rtctl metric 1024 pref medium"
expect 0 "list an exact prefix" -- rtctl list 10.0.0.0/24
same "exact prefix lists both metrics" "$(echo "$OUT" | wc -l)" "2"
expect 0 "list root" -- rtctl list root 10.0.0.0/8
same "root lists everything inside" "$(echo "$OUT" | wc -l)" "3"
expect 0 "list --json" -- rtctl list --json
expect 0 "list --json is valid JSON" -- sh -c "printf '%s' '$OUT' | jq -e 'length == 6'"
expect 0 "get --json" -- rtctl -j get 10.0.0.70
same "get --json keys, as ip -j route show" "$(echo "$OUT" | jq -c .)" '[{"dst":"10.0.0.64/26","gateway":"192.0.2.2","protocol":"rtctl","flags":[]}]'
expect 0 "replace changes the gateway" -- rtctl replace 10.0.0.0/24 via 192.0.2.9 dev eth0 metric 5
expect 0 "list after replace" -- rtctl list 10.0.0.0/24
contains "replaced route" "$OUT" "10.0.0.0/24 via 192.0.2.9 dev eth0 proto rtctl metric 5"
expect 0 "replace adds when missing" -- rtctl replace 172.16.0.0/12 dev eth2
expect 0 "delete by prefix and metric" -- rtctl delete 10.0.0.0/24 metric 5
expect 1 "deleting again is refused" -- rtctl del 10.0.0.0/24 metric 5
contains "not found names the route" "$ERR" "10.0.0.0/24 proto rtctl metric 5: not found"
expect 0 "status" -- rtctl status
contains "status shows the route count" "$OUT" "routes:      6"
contains "status says kernel sync is off" "$OUT" "kernel sync: off"
expect 0 "status --json" -- rtctl status --json
same "status JSON counts" "$(echo "$OUT" | jq -c '[.routes, .arp, .sync, .kernel.enabled, .fpm.enabled]')" '[6,0,"always",false,false]'

# The other types, source, scope, onlink and multipath, printed as ip does.
expect 0 "blackhole" -- rtctl add blackhole 10.60.0.0/16
expect 0 "unreachable IPv6" -- rtctl add unreachable 2001:db8:60::/48
expect 0 "prohibit with a metric" -- rtctl add prohibit 10.61.0.0/16 metric 3
expect 0 "list the types" -- rtctl list root 10.60.0.0/15
same "type word first" "$OUT" "blackhole 10.60.0.0/16 proto rtctl
prohibit 10.61.0.0/16 proto rtctl metric 3"
expect 0 "list IPv6 unreachable" -- rtctl list 2001:db8:60::/48
same "IPv6 unreachable is on lo, as in ip" "$OUT" "unreachable 2001:db8:60::/48 dev lo proto rtctl metric 1024 pref medium"
expect 0 "get skips nothing a blackhole holds" -- rtctl get 10.60.1.1
same "get finds the blackhole" "$OUT" "blackhole 10.60.0.0/16 proto rtctl"
expect 0 "blackhole --json" -- rtctl -j list 10.60.0.0/16
same "blackhole JSON has a type" "$(echo "$OUT" | jq -c '.[0]')" '{"type":"blackhole","dst":"10.60.0.0/16","protocol":"rtctl","flags":[]}'
expect 2 "a blackhole has no gateway" -- rtctl add blackhole 10.62.0.0/16 via 192.0.2.1
expect 0 "src, scope, onlink" -- rtctl add 10.63.0.0/16 via 198.51.100.1 dev eth0 src 192.0.2.9 onlink
expect 0 "list src and onlink" -- rtctl list 10.63.0.0/16
same "src then onlink" "$OUT" "10.63.0.0/16 via 198.51.100.1 dev eth0 proto rtctl src 192.0.2.9 onlink"
expect 0 "multipath" -- rtctl add 10.64.0.0/16 nexthop via 192.0.2.1 dev eth0 weight 3 nexthop via 192.0.2.2 dev eth1
expect 0 "list multipath" -- rtctl list 10.64.0.0/16
same "next hops on one line" "$OUT" "10.64.0.0/16 proto rtctl nexthop via 192.0.2.1 dev eth0 weight 3 nexthop via 192.0.2.2 dev eth1 weight 1"
expect 0 "multipath --json" -- rtctl -j list 10.64.0.0/16
same "multipath JSON" "$(echo "$OUT" | jq -c '.[0].nexthops')" '[{"gateway":"192.0.2.1","dev":"eth0","weight":3,"flags":[]},{"gateway":"192.0.2.2","dev":"eth1","weight":1,"flags":[]}]'
expect 0 "a pasted line of the list" -- rtctl replace 10.64.0.0/16 proto rtctl nexthop via 192.0.2.1 dev eth0 weight 3 nexthop via 192.0.2.2 dev eth1 weight 1
expect 2 "duplicate next hops refused" -- rtctl add 10.65.0.0/16 nexthop via 192.0.2.1 dev eth0 nexthop via 192.0.2.1 dev eth0
contains "duplicate next hop named" "$ERR" "given twice"
expect 2 "multicast gateway refused" -- rtctl add 10.65.0.0/16 via 224.0.0.1
expect 2 "v4-mapped gateway refused" -- rtctl add 2001:db8:65::/48 via ::ffff:192.0.2.1 dev eth0
expect 2 "link-local gateway needs a dev" -- rtctl add 2001:db8:65::/48 via fe80::1
contains "link-local message" "$ERR" "dev"
expect 0 "delete the multipath route" -- rtctl del 10.64.0.0/16

# Invalid input: exit 2, nothing sent, nothing changed.
before=$(rtctl list)
expect 2 "host bits set" -- rtctl add 10.0.0.1/24 dev eth0
contains "host bits message" "$ERR" "host bits"
expect 2 "bad prefix" -- rtctl add 10.0.0.0/33 dev eth0
expect 2 "bad gateway" -- rtctl add 10.1.0.0/16 via 300.1.1.1
contains "bad gateway message" "$ERR" 'argument "300.1.1.1" is wrong: invalid gateway address'
expect 2 "gateway of the other family" -- rtctl add 10.1.0.0/16 via fe80::1
expect 2 "neither via nor dev" -- rtctl add 10.1.0.0/16 metric 3
expect 2 "unknown word" -- rtctl add 10.1.0.0/16 dev eth0 weight 3
contains "unknown word message" "$ERR" '"weight" is a garbage word here'
expect 2 "interface name too long" -- rtctl add 10.1.0.0/16 dev abcdefghijklmnop
expect 2 "metric overflow" -- rtctl add 10.1.0.0/16 dev eth0 metric 4294967296
expect 2 "unknown command" -- rtctl frobnicate
expect 2 "unknown option" -- rtctl --frobnicate list
same "bad input changed nothing" "$(rtctl list)" "$before"

# Batch: one message per many lines; stops at the first failing line.
cat > "$T/batch" <<'B'
# comment line
add 192.168.0.0/24 dev eth0

route add 192.168.1.0/24 via 192.0.2.1   # trailing comment
add 192.168.0.0/24 dev eth0
add 192.168.2.0/24 dev eth0
B
expect 1 "batch stops at the first failing line" -- rtctl -b "$T/batch"
contains "batch names the failing line" "$ERR" "batch:5:"
expect 0 "list the line after the failure" -- rtctl list 192.168.2.0/24 --json
same "line after the failure was not applied" "$OUT" "[]"
expect 0 "list the batch's first lines" -- rtctl list root 192.168.0.0/16
same "lines before the failure were applied" "$(echo "$OUT" | wc -l)" "2"
expect 1 "--force goes on past failures" -- rtctl -f -b "$T/batch"
expect 0 "list after --force" -- rtctl list root 192.168.0.0/16
same "--force applied the rest" "$(echo "$OUT" | wc -l)" "3"
printf 'add 10.9.0.0/16 dev eth0\nadd 10.9.0.1/16 dev eth0\n' > "$T/bad"
expect 2 "batch with invalid input" -- rtctl -b "$T/bad"
contains "batch invalid line named" "$ERR" "bad:2:"
same "the lines before the invalid one were applied" "$(rtctl list 10.9.0.0/16)" "10.9.0.0/16 dev eth0 proto rtctl scope link"
# A listed route of 256 next hops is one line, and a batch takes it back.
awk 'BEGIN { printf "add 10.7.0.0/16"; for (i = 0; i < 256; i++) printf " nexthop via 198.18.%d.%d dev eth0 weight %d onlink", i / 250, i % 250 + 1, i % 7 + 1; print "" }' > "$T/wide"
expect 0 "a batch line of a 256-hop route" -- rtctl -b "$T/wide"
rtctl list 10.7.0.0/16 | sed 's/^/replace /' > "$T/wide2"
same "... listed with its 256 next hops" "$(grep -o nexthop "$T/wide2" | wc -l)" 256
expect 0 "... and its listed line given back in a batch" -- rtctl -b "$T/wide2"
printf 'add 10.8.0.0/16 dev eth0\nlist 10.8.0.0/16\n' | rtctl -b - >"$T/o" 2>&1
same "batch from stdin, with a query" "$(cat "$T/o")" "10.8.0.0/16 dev eth0 proto rtctl scope link"
expect 0 "flush route" -- rtctl flush route
expect 0 "list after flush" -- rtctl list
same "flush empties the table" "$OUT" ""
expect 1 "get with no route" -- rtctl get 10.0.0.1
contains "no route message" "$ERR" "route get 10.0.0.1: not found"

stop_rtmd
finish
