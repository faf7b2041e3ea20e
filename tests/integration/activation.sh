#!/bin/sh
# Socket activation without systemd: systemd-socket-activate holds the
# SOCK_SEQPACKET socket and starts rtmd on the first connection, passing
# it as systemd would (LISTEN_FDS).  rtmd must serve on it, say so, and
# with idle-timeout exit on its own once idle, losing nothing.
. "$(dirname "$0")/lib.sh"

command -v systemd-socket-activate >/dev/null 2>&1 || {
	echo "SKIP: systemd-socket-activate not installed (package systemd)"; exit 77; }

printf 'idle-timeout = 1;\n' > "$CONF"
systemd-socket-activate --seqpacket -l "$SOCK" \
	$RTMD_WRAPPER "$RTMD" -S "$STATE" -c "$CONF" 2>>"$T/rtmd.log" &
ACT=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
# Until the first connection the process is still the activator; it then
# becomes rtmd (exec).
case $(cat "/proc/$ACT/comm" 2>/dev/null) in
systemd-socket*) ok "the activator holds the socket; rtmd not started yet" ;;
*) bad "rtmd started before any connection: $(cat "/proc/$ACT/comm" 2>/dev/null)" ;;
esac
expect 0 "the first rtctl starts rtmd and is served" -- rtctl add 10.0.0.0/24 via 192.0.2.1 dev eth0
expect 0 "an ARP entry" -- rtctl arp add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0
contains "rtmd knows it was socket-activated" "$(cat "$T/rtmd.log")" "(socket-activated)"
# Idle, no clients: rtmd exits 0 by itself within a few seconds.
rc=timeout
for _ in $(seq 1 100); do
	if ! kill -0 "$ACT" 2>/dev/null; then wait "$ACT"; rc=$?; break; fi
	sleep 0.1
done
same "rtmd exits 0 when idle" "$rc" "0"
contains "the idle exit is logged" "$(cat "$T/rtmd.log")" "idle for 1 s"
# Started again (as systemd would on the next connection): nothing lost.
printf '' > "$CONF"
start_rtmd
same "the route survived the idle exit" "$(rtctl list)" "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl"
same "the ARP entry survived" "$(rtctl arp get 192.0.2.7)" "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl"
stop_rtmd
finish
