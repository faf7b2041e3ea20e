#!/bin/sh
# iproute2 is the reference for rtctl's words: a namespace of the test's own
# is populated (ECMP, blackhole & co, proto kernel, scope link, src, IPv6
# link-local gateways, neighbours); the real `ip route show`, `ip -6 route
# show` and `ip neigh show` lines are fed to `rtctl -b` with "add" in
# front, and what rtctl then lists is compared with ip's own view, word by
# word and, with -j, key by key.  Then `rtctl list` fed back as "delete"
# empties the tables.  rtmd runs without kernel sync: only the text is
# judged here (tests/kernel judges what rtmd installs).  Needs root.
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: $(basename "$0") needs root (it makes a network namespace)"
	exit 77
fi
for t in ip jq; do
	command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $(basename "$0") needs $t"; exit 77; }
done
. "$(dirname "$0")/lib.sh"

NS=rtmd-cli-iproute2-$$
ncleanup() { cleanup; ip netns del "$NS" 2>/dev/null; }
trap ncleanup EXIT
ip netns add "$NS" || { echo "SKIP: ip netns add failed"; exit 77; }
nsip() { ip -n "$NS" "$@"; }

nsip link set lo up
nsip link add va type veth peer name vb
nsip link add vc type veth peer name vd
for d in va vb vc vd; do nsip link set "$d" up; done
nsip addr add 10.9.0.1/24 dev va
nsip addr add 10.9.1.1/24 dev vc
nsip -6 addr add 2001:db8:9::1/64 dev va nodad
nsip route add default via 10.9.0.254
nsip route add 10.20.0.0/16 nexthop via 10.9.0.2 dev va weight 1 nexthop via 10.9.1.2 dev vc weight 3
nsip route add blackhole 10.30.0.0/16
nsip route add unreachable 10.31.0.0/16 metric 3
nsip route add prohibit 10.32.0.0/16
nsip route add 10.40.0.0/16 via 10.9.0.3 src 10.9.0.1 metric 50 proto static
nsip route add 10.41.0.0/16 dev vc scope link metric 7
nsip route add 10.42.0.0/16 via 10.9.1.9 dev vc onlink
nsip route add 10.43.0.1 dev va
nsip -6 route add default via fe80::1 dev va
nsip -6 route add 2001:db8:50::/48 nexthop via fe80::2 dev va nexthop via fe80::3 dev vc
nsip -6 route add blackhole 2001:db8:60::/48
nsip -6 route add 2001:db8:61::/48 via fe80::4 dev vc metric 20
nsip neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev va nud permanent
nsip neigh add 10.9.0.5 lladdr 02:00:00:00:00:05 dev va nud reachable
nsip neigh add 10.9.1.2 lladdr 02:00:00:00:00:12 dev vc nud stale
nsip neigh add fe80::2 lladdr 02:00:00:00:00:22 dev va router nud stale
nsip neigh add 2001:db8:9::7 lladdr 02:00:00:00:00:27 dev va nud permanent

# The kernel keeps fe80::/64 on every interface; rtmd's own routes are one
# per (prefix, metric): the first one stands for them.
FE80DEV=$(nsip -6 -j route show | jq -r '[.[] | select(.dst == "fe80::/64")][0].dev')
{ nsip route show; nsip -6 route show; } |
	awk '$1 == "fe80::/64" && $3 != "'"$FE80DEV"'" { skip = 1; next }
	     /^[ \t]/ { if (!skip) print; next } { skip = 0; print }' > "$T/ip-routes"
nsip neigh show > "$T/ip-neighs"
{ nsip -j route show; nsip -6 -j route show; } |
	jq -s --arg d "$FE80DEV" '[.[][] | select(.dst != "fe80::/64" or .dev == $d)]' > "$T/ip-routes.json"
nsip -j neigh show > "$T/ip-neighs.json"
[ "$(jq length "$T/ip-routes.json")" -ge 17 ] && ok "the namespace holds the routes" ||
	bad "the namespace holds $(jq length "$T/ip-routes.json") routes"
grep -q '^	nexthop' "$T/ip-routes" && ok "ip prints multipath next hops on their own lines" ||
	bad "no indented nexthop line in ip route show"

start_rtmd

# ip route show -> rtctl add: every line, continuation lines as they are
sed -E 's/^([^ \t])/add \1/' "$T/ip-routes" > "$T/add-routes"
sed 's/^/neigh add /' "$T/ip-neighs" > "$T/add-neighs"
expect 0 "ip route show's lines, with add, are rtctl commands" -- rtctl -b "$T/add-routes"
[ -z "$ERR" ] && ok "and print nothing" || bad "add printed: $ERR"
expect 0 "ip neigh show's lines, with neigh add, are rtctl commands" -- rtctl -b "$T/add-neighs"

# Word by word: ip's lines (next hops joined, single-spaced) and rtctl's,
# without the protocol (rtctl's entries are rtctl's).
noproto() { sed -E 's/ proto [^ ]+//; s/[ \t]+/ /g; s/ $//' | sort; }
want=$(awk '/^[ \t]/ { sub(/^[ \t]+/, ""); line = line " " $0; next }
            { if (line != "") print line; line = $0 } END { print line }' "$T/ip-routes" | noproto)
got=$(rtctl list | noproto)
same "rtctl list says what ip route show says, word by word" "$got" "$want"
got=$(rtctl list)
case "$got" in *"  "*|*" ") bad "rtctl list is single-spaced";; *) ok "rtctl list is single-spaced";; esac
same "rtctl list: IPv4 first, then by address, length, metric" \
	"$(rtctl list | awk '{ print ($1 ~ /:/ || $2 ~ /:/ || / pref /) ? 6 : 4 }' | uniq | tr '\n' ' ')" "4 6 "
contains "the IPv6 default prints as default" "$got" "default via fe80::1 dev va proto rtctl metric 1024 pref medium"
case "$got" in *default6*) bad "default6 printed";; *) ok "never default6";; esac
want=$(sed -E 's/ (REACHABLE|STALE|PERMANENT|router)//g' "$T/ip-neighs" | noproto)
got=$(rtctl neigh list | sed -E 's/ PERMANENT//' | noproto)
same "rtctl neigh list says what ip neigh show says (rtctl's are permanent)" "$got" "$want"

# Key by key with -j: ip -j route show's keys and types, protocol aside.
norm='[.[] | del(.protocol)] | sort_by(.dst, (.metric // 0), (.type // ""))'
expect 0 "rtctl -j list" -- rtctl -j list
echo "$OUT" > "$T/rtctl-routes.json"
same "rtctl -j list is ip -j route show, key by key" \
	"$(jq -c "$norm | .[]" "$T/rtctl-routes.json")" "$(jq -c "$norm | .[]" "$T/ip-routes.json")"
same "rtctl's JSON says protocol, never proto" \
	"$(jq '[.[] | select(has("proto") or .protocol != "rtctl")] | length' "$T/rtctl-routes.json")" 0
same "the IPv6 default's dst is default" \
	"$(jq -r '[.[] | select(.gateway == "fe80::1")][0].dst' "$T/rtctl-routes.json")" default
nnorm='[.[] | {dst, dev, lladdr}] | sort_by(.dev, .dst)'
same "rtctl -j neigh list is ip -j neigh show (dst, dev, lladdr)" \
	"$(rtctl -j neigh list | jq -c "$nnorm")" "$(jq -c "$nnorm" "$T/ip-neighs.json")"
same "a neighbour's state is an array" "$(rtctl -j neigh list | jq -c '[.[].state | type] | unique')" '["array"]'

# ip's filters select what ip selects.  ip leaves out of each line the
# words its filter pins (dev, via, scope); rtctl prints whole lines, so
# that they stay commands: the routes are compared by destination and
# metric.  rtctl's dev also takes a multipath route through that device
# (ip's looks at single-path routes only), so those are left aside here.
keys() { sed -E 's/^(unicast|blackhole|unreachable|prohibit) //' |
         awk '{ m = 0; for (i = 1; i < NF; i++) if ($i == "metric") m = $(i + 1); print $1, m }' | sort; }
for f in "dev vc" "via 10.9.0.3" "type blackhole" "root 10.0.0.0/8" "match 10.20.1.1" "10.20.0.0/16" \
         "proto rtctl dev va" "-6 dev va" "-4 scope link" "exact 10.9.0.0/24" "to default" "-4 0/0" "-6 default"; do
	case $f in -6*|-4*) fam=${f%% *}; sel=${f#* };; *) fam=; sel=$f;; esac
	sel_ip=$(echo "$sel" | sed 's/proto rtctl//; s|0/0|default|')
	want=$({ [ "$fam" = -6 ] || nsip -4 route show $sel_ip; [ "$fam" = -4 ] || nsip -6 route show $sel_ip; } 2>/dev/null |
		grep -v -e '^[[:space:]]' -e '^fe80::/64' | keys)
	got=$(rtctl $fam list $sel | grep -v '^fe80::/64' |
		{ case $sel in *dev*) grep -v nexthop;; *) cat;; esac; } | keys)
	same "list $f selects what ip selects" "$got" "$want"
done
contains "list dev vc takes a multipath route through vc" "$(rtctl list dev vc)" "10.20.0.0/16 proto rtctl nexthop"

# rtctl's own lines fed back as deletes empty the tables.
rtctl list | sed 's/^/delete /' > "$T/del-routes"
rtctl neigh list | sed 's/^/neigh delete /' > "$T/del-neighs"
expect 0 "rtctl list, as deletes" -- rtctl -b "$T/del-routes"
same "the route table is empty" "$(rtctl list)" ""
expect 0 "rtctl neigh list, as deletes" -- rtctl -b "$T/del-neighs"
same "the neighbour table is empty" "$(rtctl neigh list)" ""

# ip's lines, JSON-exact, once more through the command line one by one
while IFS= read -r line; do
	rtctl add $line || bad "add $line"
done <<EOF
$(awk '/^[ \t]/ { sub(/^[ \t]+/, ""); line = line " " $0; next }
       { if (line != "") print line; line = $0 } END { print line }' "$T/ip-routes")
EOF
same "one by one, the same routes" "$(rtctl -j list | jq -c "$norm | .[]")" "$(jq -c "$norm | .[]" "$T/ip-routes.json")"

stop_rtmd
finish
