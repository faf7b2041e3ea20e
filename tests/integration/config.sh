#!/bin/sh
# rtmd.conf end to end: static routes and ARP entries at start (shown as
# "proto config"), SIGHUP reload adding, changing and removing only config
# entries (never what rtctl added), a bad or missing file on reload keeping
# the running configuration, -d kept over the file's log-level at reload,
# ownership (--force), and --check-config with file:line errors.
. "$(dirname "$0")/lib.sh"

cat > "$CONF" <<'C'
sync = "interval";
sync-interval-ms = 5;
routes = (
	{ dst = "10.10.0.0/16"; via = "192.0.2.1"; dev = "eth0"; metric = 10; },
	{ dst = "default"; via = "192.0.2.254"; },
	{ dst = "10.11.0.0/16"; dev = "eth0"; },
	{ dst = "10.12.0.0/16"; type = "blackhole"; metric = 3; },
	{ dst = "10.13.0.0/16"; src = "192.0.2.5";
	  nexthops = ( { via = "192.0.2.1"; dev = "eth0"; weight = 2; },
	               { via = "192.0.2.2"; dev = "eth1"; } ); }
);
arp = ( { ip = "192.0.2.1"; lladdr = "02:00:00:00:00:01"; dev = "eth0"; } );
neighbours = ( { ip = "2001:db8::1"; lladdr = "02:00:00:00:00:03"; dev = "eth1"; } );
C
expect 0 "--check-config accepts a valid file" -- "$RTMD" --check-config -c "$CONF"
start_rtmd
expect 0 "list" -- rtctl list
same "config routes at start, marked proto config" "$OUT" "default via 192.0.2.254 proto config
10.10.0.0/16 via 192.0.2.1 dev eth0 proto config metric 10
10.11.0.0/16 dev eth0 proto config scope link
blackhole 10.12.0.0/16 proto config metric 3
10.13.0.0/16 proto config src 192.0.2.5 nexthop via 192.0.2.1 dev eth0 weight 2 nexthop via 192.0.2.2 dev eth1 weight 1"
expect 0 "arp list" -- rtctl arp list
same "config neighbours, from both lists" "$OUT" "192.0.2.1 dev eth0 lladdr 02:00:00:00:00:01 PERMANENT proto config
2001:db8::1 dev eth1 lladdr 02:00:00:00:00:03 PERMANENT proto config"
same "JSON protocol" "$(rtctl -j list | jq -r '.[0].protocol')" "config"

# Config entries are config's: rtctl changes them only with --force.
expect 1 "delete of a config route refused" -- rtctl delete 10.11.0.0/16
contains "refusal names the owner" "$ERR" "owned by config; use --force"
expect 1 "replace of a config route refused" -- rtctl replace 10.11.0.0/16 dev eth1
contains "replace refusal names the owner" "$ERR" "owned by config; use --force"
expect 1 "add at a config key refused" -- rtctl add 10.11.0.0/16 dev eth1
expect 1 "delete of a config neighbour refused" -- rtctl arp del 192.0.2.1 dev eth0
contains "neighbour refusal names the owner" "$ERR" "owned by config; use --force"
expect 0 "--force replace takes it over" -- rtctl -f replace 10.11.0.0/16 dev eth1
contains "the take-over is said" "$ERR" "was a config entry, now an rtctl entry"
same "now an rtctl entry" "$(rtctl list 10.11.0.0/16)" "10.11.0.0/16 dev eth1 proto rtctl scope link"
expect 0 "--force delete of a config route" -- rtctl -f delete 10.12.0.0/16 metric 3
same "the config route is gone" "$(rtctl list 10.12.0.0/16)" ""
expect 0 "flush route" -- rtctl flush route
same "flush removes only rtctl entries" "$(rtctl list | wc -l)" "3"
expect 0 "put the rtctl route back" -- rtctl add 10.11.0.0/16 dev eth1
same "status shows the interval policy" "$(rtctl -j status | jq -r '.sync')" "interval"
expect 0 "a user route" -- rtctl add 10.20.0.0/16 dev eth1
expect 0 "a user ARP entry" -- rtctl arp add 192.0.2.2 lladdr 02:00:00:00:00:02 dev eth0

# Reload: change one config route, drop the default, add one; the user's
# entries stay.
cat > "$CONF" <<'C'
routes = (
	{ dst = "10.10.0.0/16"; via = "192.0.2.9"; dev = "eth0"; metric = 10; },
	{ dst = "10.30.0.0/16"; dev = "eth3"; }
);
C
kill -HUP "$RTMD_PID"
for _ in $(seq 1 100); do rtctl list | grep -q 10.30.0.0 && break; sleep 0.05; done
expect 0 "list after reload" -- rtctl list
same "reload changed, added and removed config routes only" "$OUT" "10.10.0.0/16 via 192.0.2.9 dev eth0 proto config metric 10
10.11.0.0/16 dev eth1 proto rtctl scope link
10.20.0.0/16 dev eth1 proto rtctl scope link
10.30.0.0/16 dev eth3 proto config scope link"
same "reload removed the config ARP entry, kept the user's" "$(rtctl arp list)" "192.0.2.2 dev eth0 lladdr 02:00:00:00:00:02 PERMANENT proto rtctl"
same "status after reload: sync always again" "$(rtctl -j status | jq -r '.sync')" "always"

# A broken file on reload: logged, nothing changes, rtmd keeps running.
printf 'routes = ( { dst = "10.40.0.0/33"; dev = "eth0"; } );\n' > "$CONF"
kill -HUP "$RTMD_PID"
sleep 0.3
expect 0 "rtmd still answers after a bad reload" -- rtctl list
same "a bad reload changed nothing" "$(echo "$OUT" | wc -l)" "4"
contains "the bad reload is logged with file and line" "$(cat "$T/rtmd.log")" "$CONF:1:"
stop_rtmd

# --check-config errors name the file and line; rtmd refuses to start.
printf 'sync = "always";\nmax-clients = 0;\n' > "$CONF"
expect 1 "--check-config rejects a bad value" -- "$RTMD" --check-config -c "$CONF"
contains "error names file:line" "$ERR" "$CONF:2:"
printf 'sync = "always";\nfrobnicate = 1;\n' > "$CONF"
expect 1 "unknown setting" -- "$RTMD" --check-config -c "$CONF"
contains "unknown setting named" "$ERR" "frobnicate"
printf 'routes = (\n  { dst = "10.1.0.0/16"; type = "blackhole";\n    via = "192.0.2.1"; }\n);\n' > "$CONF"
expect 1 "a blackhole with a gateway" -- "$RTMD" --check-config -c "$CONF"
contains "its error names file:line" "$ERR" "$CONF:2:"
printf 'routes = ( { dst = "10.1.0.0/16";\n nexthops = ( { via = "192.0.2.1"; weight = 300; } ); } );\n' > "$CONF"
expect 1 "a weight out of range" -- "$RTMD" --check-config -c "$CONF"
contains "the weight error names file:line" "$ERR" "$CONF:2:"
expect 1 "rtmd does not start with a bad file" -- "$RTMD" -s "$SOCK" -S "$STATE" -c "$CONF"
expect 1 "an explicit missing config is an error" -- "$RTMD" --check-config -c "$T/nonexistent.conf"

# wait_log TEXT N: until the log holds TEXT at least N times (bounded).
wait_log() {
	for _ in $(seq 1 100); do
		[ "$(grep -c -- "$1" "$T/rtmd.log")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# A reload with the file named by -c gone changes nothing and says why.
cat > "$CONF" <<'C'
log-level = "info";
routes = ( { dst = "10.50.0.0/16"; dev = "eth0"; } );
arp = ( { ip = "192.0.2.50"; lladdr = "02:00:00:00:00:50"; dev = "eth0"; } );
C
: > "$T/rtmd.log"
STATE=$T/state2
start_rtmd -d
mv "$CONF" "$CONF.gone"
kill -HUP "$RTMD_PID"
wait_log "keeping the running configuration" 1
contains "a reload with the file missing is logged with the reason" "$(cat "$T/rtmd.log")" \
	"reload: $CONF: cannot read: No such file or directory; keeping the running configuration"
expect 0 "list after reloading a missing file" -- rtctl list
same "... the config route is still there" "$OUT" "10.50.0.0/16 dev eth0 proto config scope link"
same "... and the config ARP entry" "$(rtctl arp list)" \
	"192.0.2.50 dev eth0 lladdr 02:00:00:00:00:50 PERMANENT proto config"

# -d beats the file's log-level = "info", at reload too.
mv "$CONF.gone" "$CONF"
kill -HUP "$RTMD_PID"
wait_log "reloaded $CONF" 1
n=$(grep -c "debug: client pid" "$T/rtmd.log")
rtctl status >/dev/null
wait_log "debug: client pid" $((n + 1))
contains "debug messages after a reload under -d" "$(sed -n "/reloaded/,\$p" "$T/rtmd.log")" "debug: client pid"
stop_rtmd
finish
