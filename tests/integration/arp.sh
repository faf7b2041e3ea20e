#!/bin/sh
# The ARP table end to end: add, replace, get by IP and by MAC, delete,
# list, flush, persistence across SIGTERM and kill -9, a corrupt store.
. "$(dirname "$0")/lib.sh"

start_rtmd
expect 0 "arp add" -- rtctl arp add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0
expect 1 "arp add twice" -- rtctl arp add 192.0.2.7 lladdr 02:00:00:00:00:08 dev eth0
contains "duplicate ARP entry named" "$ERR" "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:08 PERMANENT proto rtctl: exists"
expect 0 "same IP on another interface" -- rtctl arp add 192.0.2.7 lladdr 02:00:00:00:00:17 dev eth1
expect 0 "same MAC, second IP" -- rtctl arp add 192.0.2.8 lladdr 02:00:00:00:00:07 dev eth0
expect 0 "IPv6 neighbour" -- rtctl arp add 2001:db8::7 lladdr 02:00:00:00:00:07 dev eth0
expect 0 "get by MAC" -- rtctl arp get 02:00:00:00:00:07
same "get by MAC finds every IP of the MAC" "$OUT" "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
192.0.2.8 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
2001:db8::7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl"
expect 0 "get by IP" -- rtctl arp get 192.0.2.7
same "get by IP finds it on every interface" "$OUT" "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
192.0.2.7 dev eth1 lladdr 02:00:00:00:00:17 PERMANENT proto rtctl"
expect 0 "get --json, one match" -- rtctl -j arp get 192.0.2.8
same "ARP JSON keys, always an array" "$(echo "$OUT" | jq -c .)" '[{"dst":"192.0.2.8","dev":"eth0","lladdr":"02:00:00:00:00:07","state":["PERMANENT"],"protocol":"rtctl"}]'
expect 1 "get an unknown IP" -- rtctl arp get 192.0.2.99
contains "unknown IP named" "$ERR" "neigh get 192.0.2.99: not found"
expect 0 "replace changes the MAC" -- rtctl arp replace 192.0.2.8 lladdr 02:00:00:00:00:88 dev eth0
expect 0 "get after replace" -- rtctl arp get 02:00:00:00:00:88
same "replaced entry" "$OUT" "192.0.2.8 dev eth0 lladdr 02:00:00:00:00:88 PERMANENT proto rtctl"
expect 0 "delete" -- rtctl arp del 192.0.2.7 dev eth1
expect 1 "delete again" -- rtctl arp delete 192.0.2.7 dev eth1
expect 0 "arp list" -- rtctl arp list
same "list in order" "$OUT" "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
192.0.2.8 dev eth0 lladdr 02:00:00:00:00:88 PERMANENT proto rtctl
2001:db8::7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl"
expect 0 "arp list --json" -- rtctl arp list --json
same "JSON list length" "$(echo "$OUT" | jq length)" "3"
expect 2 "bad MAC" -- rtctl arp add 192.0.2.9 lladdr 02:00:00:00:07 dev eth0
expect 2 "missing dev" -- rtctl arp add 192.0.2.9 lladdr 02:00:00:00:00:09
expect 2 "bad IP" -- rtctl arp add 192.0.2.300 lladdr 02:00:00:00:00:09 dev eth0

# Persistence: SIGTERM, then kill -9, with a route too.
expect 0 "a route to persist" -- rtctl add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5
stop_rtmd
start_rtmd
expect 0 "after restart: get by MAC" -- rtctl arp get 02:00:00:00:00:88
same "entry survived a restart" "$OUT" "192.0.2.8 dev eth0 lladdr 02:00:00:00:00:88 PERMANENT proto rtctl"
expect 0 "after restart: route" -- rtctl get 10.0.0.1
same "route survived a restart" "$OUT" "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5"
expect 0 "add just before kill -9" -- rtctl arp add 192.0.2.50 lladdr 02:00:00:00:00:50 dev eth0
expect 0 "route just before kill -9" -- rtctl add 10.50.0.0/16 dev eth0
expect 0 "multipath route just before kill -9" -- rtctl add 10.51.0.0/16 nexthop via 192.0.2.1 dev eth0 nexthop via 192.0.2.2 dev eth0 weight 2
expect 0 "blackhole just before kill -9" -- rtctl add blackhole 10.52.0.0/16 metric 9
crash_rtmd
start_rtmd
expect 0 "after kill -9: get by MAC" -- rtctl arp get 02:00:00:00:00:50
same "ARP entry survived kill -9" "$OUT" "192.0.2.50 dev eth0 lladdr 02:00:00:00:00:50 PERMANENT proto rtctl"
expect 0 "after kill -9: route" -- rtctl get 10.50.1.1
same "route survived kill -9" "$OUT" "10.50.0.0/16 dev eth0 proto rtctl scope link"
expect 0 "after kill -9: multipath route" -- rtctl list 10.51.0.0/16
same "multipath route survived kill -9" "$OUT" "10.51.0.0/16 proto rtctl nexthop via 192.0.2.1 dev eth0 weight 1 nexthop via 192.0.2.2 dev eth0 weight 2"
expect 0 "after kill -9: blackhole" -- rtctl list 10.52.0.0/16
same "blackhole survived kill -9" "$OUT" "blackhole 10.52.0.0/16 proto rtctl metric 9"
expect 0 "flush arp" -- rtctl flush arp
same "flush arp empties the ARP table" "$(rtctl arp list)" ""
same "flush arp leaves routes" "$(rtctl list | wc -l)" "4"
stop_rtmd

# A store file with a bad header stops rtmd, names the file, is not rewritten.
printf 'XXXX' | dd of="$STATE/arp.store" bs=1 seek=0 conv=notrunc 2>/dev/null
sum_before=$(md5sum < "$STATE/arp.store")
expect 1 "bad magic: rtmd exits 1" -- "$RTMD" -s "$SOCK" -S "$STATE" -c "$CONF"
contains "bad magic: message names the file" "$ERR" "$STATE/arp.store"
same "bad store file left untouched" "$(md5sum < "$STATE/arp.store")" "$sum_before"
finish
