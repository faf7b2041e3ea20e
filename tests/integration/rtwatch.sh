#!/bin/sh
# rtwatch end to end: dump, sync, change events in text and JSON, --count,
# --no-dump, table filters, ARP entries read from the mapping, resync after
# a kill -9 and restart of rtmd, and a SIGSTOPped subscriber that rtmd
# drops and that then resyncs to the same table as rtmd.
. "$(dirname "$0")/lib.sh"

echo 'max-subscriber-queue = 64;' > "$CONF"
start_rtmd
rtctl add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 100
rtctl arp add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0

# wait_lines FILE N: until FILE has N lines (bounded: 10 s).
wait_lines() {
	for _ in $(seq 1 200); do
		[ "$(wc -l < "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

"$RTWATCH" -s "$SOCK" > "$T/mon1" 2> "$T/mon1.err" &
MON1=$!
wait_lines "$T/mon1" 3
rtctl replace 10.0.0.0/24 via 192.0.2.9 dev eth0 metric 100
rtctl delete 10.0.0.0/24 metric 100
rtctl arp del 192.0.2.7 dev eth0
wait_lines "$T/mon1" 6
same "text dump, sync and events" "$(cat "$T/mon1")" "add route 10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 100
add neigh 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
sync
change route 10.0.0.0/24 via 192.0.2.9 dev eth0 proto rtctl metric 100
del route 10.0.0.0/24 proto rtctl metric 100
del neigh 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl"

"$RTWATCH" -s "$SOCK" --json --count 2 arp > "$T/mon2" &
MON2=$!
wait_lines "$T/mon2" 1
rtctl add 10.1.0.0/16 dev eth1          # route: not for an arp-only subscriber
rtctl arp add 192.0.2.8 lladdr 02:00:00:00:00:08 dev eth0
rtctl arp replace 192.0.2.8 lladdr 02:00:00:00:00:09 dev eth0
wait "$MON2"; rc=$?
same "--count 2 exits 0 after two events" "$rc" "0"
same "JSON, neighbours only ('arp' is neigh), sync first" "$(jq -c 'del(.seq)' "$T/mon2")" '{"event":"sync"}
{"event":"add","table":"neigh","dst":"192.0.2.8","dev":"eth0","lladdr":"02:00:00:00:00:08","state":["PERMANENT"],"protocol":"rtctl"}
{"event":"change","table":"neigh","dst":"192.0.2.8","dev":"eth0","lladdr":"02:00:00:00:00:09","state":["PERMANENT"],"protocol":"rtctl"}'
same "JSON events carry consecutive sequence numbers" \
	"$(jq -r 'select(.seq) | .seq' "$T/mon2" | awk 'NR>1 && $1!=p+1 {print "gap"} {p=$1}')" ""

# until_sync (sh code, $0 = rtwatch's output file): wait until rtwatch has
# printed "sync" (bounded: 10 s) before making the change, so
# a slow rtmd (valgrind) cannot see the change before the subscription.
until_sync='i=0; until grep -q sync "$0" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done'
expect 0 "--no-dump prints sync first" -- sh -c "timeout 15 '$RTWATCH' -s '$SOCK' --no-dump -n 1 route > '$T/mon3' & $until_sync; '$RTCTL' -s '$SOCK' add 10.2.0.0/16 dev eth2; wait" "$T/mon3"
same "--no-dump output" "$(cat "$T/mon3")" "sync
add route 10.2.0.0/16 dev eth2 proto rtctl scope link"
expect 0 "--timestamp" -- sh -c "timeout 15 '$RTWATCH' -s '$SOCK' -t --no-dump -n 1 > '$T/mon4' & $until_sync; '$RTCTL' -s '$SOCK' add 10.3.0.0/16 dev eth2; wait" "$T/mon4"
contains "timestamped line" "$(tail -1 "$T/mon4")" " add route 10.3.0.0/16 dev eth2 proto rtctl scope link"
tail -1 "$T/mon4" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?[+-][0-9]{2}:[0-9]{2} add ' &&
	ok "-t is ISO 8601 with the UTC offset" || bad "-t is not ISO 8601 with an offset: $(tail -1 "$T/mon4")"
expect 2 "rtwatch: bad table word" -- "$RTWATCH" -s "$SOCK" bogus
expect 2 "rtwatch: bad count" -- "$RTWATCH" -s "$SOCK" -n 0
expect 3 "rtwatch: no daemon" -- "$RTWATCH" -s "$T/nothing.sock"

# A route of 256 next hops: its line (about 18 KB of JSON) is printed whole.
nh=$(for i in $(seq 1 256); do printf ' nexthop via 192.0.%d.%d dev interface-%05d' $((i / 250 + 3)) $((i % 250 + 1)) $i; done)
expect 0 "rtwatch --json prints a route of 256 next hops whole" -- sh -c "timeout 15 '$RTWATCH' -s '$SOCK' --json --no-dump -n 1 route > '$T/mon5' & $until_sync; '$RTCTL' -s '$SOCK' add 10.200.0.0/16 $nh; wait" "$T/mon5"
same "... as one JSON object with every next hop" "$(jq -c 'select(.event == "add") | .nexthops | length' "$T/mon5")" "256"
rtctl del 10.200.0.0/16

# Restart: rtwatch reconnects, says resync, dumps again.
lines=$(wc -l < "$T/mon1")
crash_rtmd
start_rtmd
wait_lines "$T/mon1" $((lines + 5))
contains "resync after kill -9 and restart" "$(tail -n +$((lines + 1)) "$T/mon1")" "resync
add route 10.1.0.0/16 dev eth1 proto rtctl scope link"
contains "the outage is said on stderr" "$(cat "$T/mon1.err")" "rtwatch: lost rtmd at $SOCK"

# A stopped subscriber is dropped (queue of 64 events), then resyncs.
"$RTWATCH" -s "$SOCK" --json route > "$T/slow" &
SLOW=$!
# The same with --no-dump: after the resync, only what it missed.
"$RTWATCH" -s "$SOCK" --no-dump route > "$T/slow2" 2> "$T/slow2.err" &
SLOW2=$!
wait_lines "$T/slow" 3
wait_lines "$T/slow2" 1
kill -STOP "$SLOW" "$SLOW2"
i=0; : > "$T/b"
while [ $i -lt 3000 ]; do echo "add 172.16.$((i / 256)).$((i % 256))/32 dev eth3" >> "$T/b"; i=$((i + 1)); done
expect 0 "writer not held back by a stopped subscriber" -- rtctl -b "$T/b"
kill -CONT "$SLOW" "$SLOW2"
for _ in $(seq 1 100); do grep -q '"event":"resync"' "$T/slow" && break; sleep 0.1; done
contains "dropped subscriber resynced" "$(cat "$T/slow")" '{"event":"resync"}'
contains "rtmd logged the drop" "$(cat "$T/rtmd.log")" "dropping subscriber"
case "$(grep 'dropping subscriber' "$T/rtmd.log")" in
*": 0 events queued"*) bad "the drop's log line gives the real queued count";;
*) ok "the drop's log line gives the real queued count";; esac
rtctl add 10.99.0.0/16 dev eth0   # marks the end
for _ in $(seq 1 100); do grep -q '10.99.0.0/16' "$T/slow" && break; sleep 0.1; done
# Rebuild the slow subscriber's table from its output (after its last resync).
table=$(awk '/"event":"resync"/ {n=NR} {l[NR]=$0} END {for (i=n+1; i<=NR; i++) print l[i]}' "$T/slow" |
	jq -r 'select(.table=="route") | [.event, .dst, .metric // 0] | @tsv' |
	awk -F'\t' '$1=="del" {delete t[$2" "$3]; next} {t[$2" "$3]=1} END {for (k in t) print k}' | sort)
same "resynced subscriber ends with rtmd's table" "$table" "$(rtctl -j list | jq -r '.[] | "\(.dst) \(.metric // 0)"' | sort)"
for _ in $(seq 1 100); do grep -q '10.99.0.0/16' "$T/slow2" && break; sleep 0.1; done
contains "the dropped subscriber says so on stderr" "$(cat "$T/slow2.err")" "dropped this subscriber"
after=$(awk '/^resync$/ {n=NR} {l[NR]=$0} END {for (i=n+1; i<=NR; i++) print l[i]}' "$T/slow2")
same "--no-dump: after the resync only the changes missed, then sync" \
	"$(echo "$after" | grep -c '^add route 172\.16\.')/$(echo "$after" | grep -vc '^add route 172\.16\.')" "3000/2"
same "... and the change after it" "$(echo "$after" | tail -2)" "sync
add route 10.99.0.0/16 dev eth0 proto rtctl scope link"
kill "$MON1" "$SLOW" "$SLOW2" 2>/dev/null
stop_rtmd
finish
