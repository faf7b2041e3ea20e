#!/bin/sh
# A network engineer's iproute2 habits (issue 14, "Found"): each case of the
# issue, as iproute2 or SPEC.md says it must behave.  Output is input,
# ip's words and abbreviations, ip's output and JSON, exit statuses and
# messages, batches, validation before sending, and the rtmd and rtwatch
# sides.  No root needed.
. "$(dirname "$0")/lib.sh"

# ---- before rtmd runs: usage errors are found before anything is sent
expect 2 '-s "" is a usage error' -- "$RTCTL" -s "" list
contains '-s "" says why' "$ERR" "rtctl: empty socket path"
long=/tmp/$(printf '%0110d' 0)
expect 2 "a socket path over 107 bytes is a usage error" -- "$RTCTL" -s "$long" list
contains "the long path says why" "$ERR" "socket path too long"
: > "$T/plain"
expect 3 "-s on a plain file: unreachable" -- "$RTCTL" -s "$T/plain" list
contains "a plain file is not a socket" "$ERR" "cannot reach rtmd at $T/plain: not a socket"
case "$ERR" in *"rtmd.socket"*) bad "no systemd hint for a private socket";; *) ok "no systemd hint for a private socket";; esac
expect 3 "a private socket nobody listens on" -- rtctl list
case "$ERR" in *"rtmd.socket"*) bad "no systemd hint for a private path";; *) ok "no systemd hint for a private path";; esac
expect 2 "metric -1 is a wrong value, not an option" -- rtctl add 10.0.0.0/24 dev eth0 metric -1
contains "metric -1: ip's invarg" "$ERR" 'rtctl: add 10.0.0.0/24 dev eth0 metric -1: argument "-1" is wrong: "metric" value is invalid'
case "$ERR" in *"$RTCTL"*|*"invalid option"*) bad "the program is named rtctl, not by its path";; *) ok "rtctl, not its path";; esac
for v in "via 0.0.0.0" "via fe80::1" "via 224.0.0.1 dev eth0" "via ::ffff:192.0.2.1 dev eth0"; do
	case $v in *fe80*|*ffff*) p=2001:db8::/32;; *) p=10.1.0.0/16;; esac
	expect 2 "add $p $v is refused before sending" -- rtctl add $p $v
done
contains "the v4-mapped gateway says why" "$ERR" "IPv4-mapped"
expect 2 "an unknown word" -- rtctl add 10.1.0.0/16 dev eth0 frob
contains "ip's garbage message" "$ERR" '"frob" is a garbage word'
expect 2 "a keyword given twice" -- rtctl add 10.1.0.0/16 dev eth0 metric 1 metric 2
contains "ip's duparg message" "$ERR" 'duplicate "metric": "2" is the second value'
expect 2 "a keyword without its value" -- rtctl add 10.1.0.0/16 dev
contains "ip's NEXT_ARG message" "$ERR" '"dev" needs a value'

# ---- rtmd's side
expect 2 "rtmd -S relative/dir is refused" -- "$RTMD" -S relative/dir -s "$SOCK" -c "$CONF"
contains "it says so" "$ERR" "relative path is refused"
cat > "$T/bad.conf" <<'EOF'
sync = "sometimes";
max-clients = 0;
frobnicate = 1;
routes = ( { dst = "10.0.0.1/8"; dev = "eth0"; }, { dst = "10.2.0.0/16"; } );
EOF
expect 1 "--check-config on a bad file" -- "$RTMD" --check-config -c "$T/bad.conf"
same "--check-config reports every error" "$(echo "$ERR" | sed "s|$T/||" | cut -d: -f1-3)" "rtmd: bad.conf:1
rtmd: bad.conf:2
rtmd: bad.conf:3
rtmd: bad.conf:4
rtmd: bad.conf:4"

cat > "$CONF" <<'EOF'
routes = ( { dst = "10.11.0.0/16"; dev = "eth0"; }, { dst = "10.12.0.0/16"; dev = "eth0"; metric = 3; } );
EOF
start_rtmd

# ---- output is input
expect 0 "delete by the words of its line" -- sh -c "'$RTCTL' -s '$SOCK' add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5 &&
	'$RTCTL' -s '$SOCK' delete 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5"
expect 1 "a key that does not match is not found" -- sh -c "'$RTCTL' -s '$SOCK' add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5 &&
	'$RTCTL' -s '$SOCK' delete 10.0.0.0/24 via 192.0.2.2 dev eth0 metric 5"
contains "not found names the entry" "$ERR" "route delete 10.0.0.0/24 via 192.0.2.2 dev eth0 metric 5: not found"
expect 0 "delete 10.0.0.0/24 deletes its only route, whatever its metric" -- rtctl delete 10.0.0.0/24
rtctl add 10.5.0.0/16 dev eth0 metric 10
rtctl add 10.5.0.0/16 dev eth1 metric 11
expect 1 "delete of a prefix with two routes is ambiguous" -- rtctl delete 10.5.0.0/16
contains "ambiguous lists them" "$ERR" "ambiguous"
contains "the first candidate" "$ERR" "  10.5.0.0/16 dev eth0 proto rtctl scope link metric 10"
contains "the second candidate" "$ERR" "  10.5.0.0/16 dev eth1 proto rtctl scope link metric 11"
expect 0 "a key settles it" -- rtctl delete 10.5.0.0/16 dev eth1
expect 0 "the other one is the only one left" -- rtctl delete 10.5.0.0/16
expect 0 "a config entry's line is a valid add" -- rtctl add 10.13.0.0/16 dev eth0 proto config scope link
same "and is an rtctl entry" "$(rtctl list 10.13.0.0/16)" "10.13.0.0/16 dev eth0 proto rtctl scope link"
expect 1 "delete of a config entry by its line needs --force" -- rtctl delete 10.11.0.0/16 dev eth0 proto config scope link
expect 1 "replace of a config entry without --force is refused" -- rtctl replace 10.11.0.0/16 dev eth1
contains "it says who owns it" "$ERR" "owned by config; use --force"
expect 0 "replace --force of a config entry" -- rtctl --force replace 10.11.0.0/16 dev eth1
contains "replace --force says it is an rtctl entry now" "$ERR" "was a config entry, now an rtctl entry"
same "it is an rtctl entry" "$(rtctl list 10.11.0.0/16)" "10.11.0.0/16 dev eth1 proto rtctl scope link"

# ---- ip's words
expect 0 "r a" -- rtctl r a 10.20.0.0/16 dev eth0
expect 0 "ro sh" -- rtctl ro sh 10.20.0.0/16
same "ro sh lists it" "$OUT" "10.20.0.0/16 dev eth0 proto rtctl scope link"
expect 0 "ro del" -- rtctl ro del 10.20.0.0/16
expect 0 "to and 10/8" -- rtctl route add to 10/8 dev eth0
same "10/8 is 10.0.0.0/8" "$(rtctl list exact 10.0.0.0/8)" "10.0.0.0/8 dev eth0 proto rtctl scope link"
expect 0 "0/0" -- rtctl add 0/0 via 192.0.2.254
expect 0 "default via fe80::1 takes the family of its gateway" -- rtctl add default via fe80::1 dev eth0
expect 0 "-6 default" -- rtctl -6 add default dev eth1 metric 7
expect 0 "-4 list default" -- rtctl -4 list default
same "-4 shows the IPv4 default only" "$OUT" "default via 192.0.2.254 proto rtctl"
expect 0 "list default shows both families" -- rtctl list default
same "both defaults" "$OUT" "default via 192.0.2.254 proto rtctl
default dev eth1 proto rtctl metric 7 pref medium
default via fe80::1 dev eth0 proto rtctl metric 1024 pref medium"
case "$(rtctl list; rtctl -j list)" in *default6*) bad "default6 printed";; *) ok "never default6";; esac
expect 0 "list dev eth1" -- rtctl list dev eth1
same "dev is a filter, not a prefix" "$OUT" "10.11.0.0/16 dev eth1 proto rtctl scope link
default dev eth1 proto rtctl metric 7 pref medium"
expect 0 "list proto config" -- rtctl list proto config
same "proto filters" "$OUT" "10.12.0.0/16 dev eth0 proto config scope link metric 3"
expect 0 "change of a route that is there" -- rtctl change 10.0.0.0/8 dev eth2
same "changed" "$(rtctl list 10.0.0.0/8)" "10.0.0.0/8 dev eth2 proto rtctl scope link"
expect 1 "change of a route that is not there" -- rtctl change 10.99.0.0/16 dev eth2
contains "change: not found" "$ERR" "route change 10.99.0.0/16 dev eth2: not found"
expect 0 "append" -- rtctl append 10.21.0.0/16 dev eth0
expect 0 "n a ... nud permanent" -- rtctl n a 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0 nud permanent
expect 0 "neighbour" -- rtctl neighbour add 192.0.2.8 lladdr 02:00:00:00:00:08 dev eth0
expect 0 "neighbor" -- rtctl neighbor add 192.0.2.9 lladdr 02:00:00:00:00:09 dev eth1
expect 0 "neigh show dev eth1" -- rtctl neigh show dev eth1
same "neighbour filters" "$OUT" "192.0.2.9 dev eth1 lladdr 02:00:00:00:00:09 PERMANENT proto rtctl"
expect 0 "-j neigh get, one match" -- rtctl -j neigh get 192.0.2.9
same "-j neigh get is always an array" "$(echo "$OUT" | jq -c 'type, length')" '"array"
1'
expect 1 "-j get that finds nothing" -- rtctl -j neigh get 192.0.2.99
same "prints []" "$(echo "$OUT" | jq -c .)" "[]"
rtctl -6 del default dev eth1 metric 7 && rtctl -6 del default
expect 1 "-j route get, no IPv6 route" -- rtctl -j get 2001:db8::1
same "route get prints []" "$(echo "$OUT" | jq -c .)" "[]"
expect 0 "the line of a neighbour, as delete" -- rtctl neigh del 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl

# ---- ip's output
rtctl add 10.30.0.0/16 via 192.0.2.1 dev eth0 metric 30
same "proto comes before metric" "$(rtctl list 10.30.0.0/16)" "10.30.0.0/16 via 192.0.2.1 dev eth0 proto rtctl metric 30"
same "JSON says protocol" "$(rtctl -j list 10.30.0.0/16 | jq -c '.[0] | keys_unsorted')" '["dst","gateway","dev","protocol","metric","flags"]'

# ---- quiet successes
expect 0 "a successful flush" -- rtctl flush dev eth1
same "prints nothing" "$OUT$ERR" ""
same "flush dev eth1 removed rtctl's eth1 routes only" "$(rtctl list dev eth1)" ""
expect 0 "route flush" -- rtctl route flush
same "route flush prints nothing" "$OUT$ERR" ""
same "flush leaves the config entries" "$(rtctl list)" "10.12.0.0/16 dev eth0 proto config scope link metric 3"
expect 0 "flush route, the older form" -- rtctl flush route
expect 0 "flush arp, the older form" -- rtctl flush arp
same "flush arp prints nothing" "$OUT$ERR" ""

# ---- batches
printf 'add 10.40.0.0/16 dev eth0\nadd 10.41.0.0/33 dev eth0\nadd 10.42.0.0/16 dev eth0\nadd 10.40.0.0/16 dev eth0\nadd 10.43.0.0/16 dev eth0 frob\nadd 10.44.0.0/16 dev eth0\n' > "$T/b1"
expect 2 "without --force a batch stops at its first invalid line" -- rtctl -b "$T/b1"
same "and names it" "$ERR" "rtctl: $T/b1:2: argument \"10.41.0.0/33\" is wrong: invalid prefix \"10.41.0.0/33\": length must be 0..32"
same "the lines before stay applied, none after" "$(rtctl list root 10.40.0.0/13 | cut -d' ' -f1)" "10.40.0.0/16"
rtctl flush
expect 2 "with --force every bad line is reported, the rest applied" -- rtctl --force -b "$T/b1"
same "each invalid or refused line is named, in line order" "$(echo "$ERR" | sed "s|^rtctl: $T/b1:||" | cut -d: -f1,2)" "2: argument \"10.41.0.0/33\" is wrong
4: route add 10.40.0.0/16 dev eth0 proto rtctl scope link
5: either \"to\" is duplicate, or \"frob\" is a garbage word here"
same "the valid lines applied" "$(rtctl list root 10.40.0.0/13 | cut -d' ' -f1 | tr '\n' ' ')" "10.40.0.0/16 10.42.0.0/16 10.44.0.0/16 "
rtctl flush
printf 'add 10.40.0.0/16 dev eth0\nadd 10.40.0.0/16 dev eth0\nadd 10.45.0.0/16 dev eth0 metric x\n' > "$T/b2"
expect 1 "--force: the exit status is the first failure's" -- rtctl -f -b "$T/b2"
rtctl flush
printf 'add 10.50.0.0/16 dev eth0\nadd 10.51.0.0/16 dev\000 eth0\nadd 10.52.0.0/16 dev eth0\n' > "$T/nul"
expect 2 "a NUL byte is an error" -- rtctl -b "$T/nul"
same "naming its line" "$ERR" "rtctl: $T/nul:2: a NUL byte in the line"
same "nothing after it" "$(rtctl list root 10.48.0.0/12 | cut -d' ' -f1)" "10.50.0.0/16"
rtctl flush
printf '10.60.0.0/16 proto bgp metric 20\n\tnexthop via 192.0.2.1 dev eth0 weight 1\n\tnexthop via 192.0.2.2 dev eth1 weight 1\n' | sed '1s/^/add /' > "$T/mp"
expect 0 "indented lines continue the command (ip route show's nexthop lines)" -- rtctl -b "$T/mp"
same "one multipath route" "$(rtctl list 10.60.0.0/16)" "10.60.0.0/16 proto rtctl metric 20 nexthop via 192.0.2.1 dev eth0 weight 1 nexthop via 192.0.2.2 dev eth1 weight 1"
expect 1 "-q: a refusal is still said" -- rtctl -q add 10.12.0.0/16 dev eth0 metric 3
contains "-q keeps errors" "$ERR" "10.12.0.0/16 dev eth0 proto rtctl scope link metric 3: exists"
# deletes by their lines, resolved together: each sees what the lines before it took
rtctl flush
printf 'add 10.70.0.0/16 dev eth0\nadd 10.71.0.0/16 dev eth0\nadd 10.72.0.0/16 dev eth0\n' | rtctl -b -
printf 'delete 10.70.0.0/16 dev eth0\ndelete 10.71.0.0/16\ndelete 10.71.0.0/16 dev eth0\ndelete 10.72.0.0/16\n' > "$T/d1"
expect 1 "a second delete of one route in a batch is not found" -- rtctl -b "$T/d1"
same "it names the line" "$ERR" "rtctl: $T/d1:3: route delete 10.71.0.0/16 dev eth0: not found"
same "the lines before it applied, not those after" "$(rtctl list root 10.64.0.0/10 | cut -d' ' -f1)" "10.72.0.0/16"
rtctl add 10.73.0.0/16 dev eth0
expect 1 "--force: the same batch goes on" -- rtctl -f -b "$T/d1"
same "and deletes what it can" "$(rtctl list root 10.64.0.0/10 | cut -d' ' -f1)" "10.73.0.0/16"
rtctl flush
rtctl add 10.12.0.0/16 dev eth0 metric 3 2>/dev/null
rtctl list | sed 's/^/delete /' > "$T/del"
expect 1 "rtctl list as deletes: a config entry needs --force" -- rtctl -b "$T/del"
expect 0 "rtctl list | sed s/^/delete / | rtctl -f -b -" -- rtctl -f -b "$T/del"
same "empties the table" "$(rtctl list)" ""

stop_rtmd
finish
