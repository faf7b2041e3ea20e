#!/bin/sh
# A million routes in one `rtctl -b` run, all listed back, all surviving a
# restart.  (100,000 when the daemon runs under valgrind.)
. "$(dirname "$0")/lib.sh"

n=1000000
[ -n "$RTMD_WRAPPER" ] && n=100000
# Distinct /32s in 10.0.0.0/8 and 11.0.0.0/8, gateways cycling over 4.
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
	printf "add %d.%d.%d.%d/32 via 192.0.2.%d dev eth%d metric %d\n",
		10 + int(i / 16777216), int(i / 65536) % 256, int(i / 256) % 256, i % 256, i % 4 + 1, i % 2, i % 3 }' > "$T/bulk"
start_rtmd
expect 0 "rtctl -b loads $n routes in one run" -- rtctl -b "$T/bulk"
same "rtctl list | wc -l says $n" "$(rtctl list | wc -l)" "$n"
same "status agrees" "$(rtctl -j status | jq .routes)" "$n"
# The route written at line n/2, as the generator above makes it.
mid=$(awk -v i="$((n / 2))" 'BEGIN { printf "%d.%d.%d.%d via 192.0.2.%d dev eth%d proto rtctl%s",
	10 + int(i / 16777216), int(i / 65536) % 256, int(i / 256) % 256, i % 256, i % 4 + 1, i % 2,
	i % 3 ? " metric " i % 3 : "" }')
expect 0 "a route from the middle" -- rtctl get "${mid%% *}"
same "get finds it" "$OUT" "$mid"
stop_rtmd
start_rtmd
same "all $n routes after a restart" "$(rtctl -j status | jq .routes)" "$n"
expect 0 "flush route" -- rtctl flush route
same "flushed" "$(rtctl -j status | jq .routes)" "0"
stop_rtmd
finish
