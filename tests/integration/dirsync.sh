#!/bin/sh
# A failed directory fsync after the ARP store's rename (growth) fails the
# change that grew it, never acknowledging on a rename that may not be
# durable; once the directory syncs again, changes are accepted, and
# nothing acknowledged is lost.  A directory that never syncs again stops
# rtmd before anything else is acknowledged.  Uses tests/faults/rtmd-faults
# (fail-dirsync fails that fsync with EIO).
. "$(dirname "$0")/lib.sh"
FAULTS=$top_builddir/tests/faults/rtmd-faults
[ -x "$FAULTS" ] || { echo "missing $FAULTS: make check builds it"; exit 99; }

printf 'arp-capacity = 64;\n' > "$CONF"
# The files exist before the fault is armed (creating one renames too).
start_rtmd
stop_rtmd

# add_neighs FIRST LAST: one rtctl each, so that the one that grows the
# store is the one refused.
add_neighs() {
	i=$1
	while [ "$i" -le "$2" ]; do
		rtctl neigh add 192.0.2.$i lladdr 02:00:00:00:00:$(printf %02x "$i") dev eth0 ||
			return "$i"
		i=$((i + 1))
	done
	return 0
}

# Once: the growing change is refused, the next one goes through.
RTMD_FAULTS=fail-dirsync:1 "$FAULTS" -s "$SOCK" -S "$STATE" -c "$CONF" 2>>"$T/rtmd.log" &
RTMD_PID=$!
for _ in $(seq 1 200); do rtctl status >/dev/null 2>&1 && break; sleep 0.05; done
expect 0 "64 neighbours fill the store" -- add_neighs 1 64
expect 1 "the 65th grows it; the directory sync fails: refused" -- \
	rtctl neigh add 192.0.2.65 lladdr 02:00:00:00:00:41 dev eth0
contains "... as an internal error" "$ERR" "internal error"
contains "the log says what failed and what happens" "$(cat "$T/rtmd.log")" \
	"the change is refused, and so is every change until the directory can be synced"
expect 0 "rtmd still serves" -- rtctl status
expect 0 "the directory syncs again: the same change is accepted" -- \
	rtctl neigh add 192.0.2.65 lladdr 02:00:00:00:00:41 dev eth0
contains "... after the retried sync" "$(cat "$T/rtmd.log")" "the directory sync after its rename succeeded now"
same "65 neighbours" "$(rtctl neigh list | wc -l)" 65
stop_rtmd
start_rtmd
same "all 65 after a restart" "$(rtctl neigh list | wc -l)" 65
stop_rtmd

# For ever: nothing more is acknowledged; rtmd stops rather than lie.
rm -rf "$STATE"
start_rtmd
stop_rtmd
RTMD_FAULTS=fail-dirsync "$FAULTS" -s "$SOCK" -S "$STATE" -c "$CONF" 2>>"$T/rtmd.log" &
RTMD_PID=$!
for _ in $(seq 1 200); do rtctl status >/dev/null 2>&1 && break; sleep 0.05; done
expect 0 "64 neighbours" -- add_neighs 1 64
rtctl neigh add 192.0.2.65 lladdr 02:00:00:00:00:41 dev eth0 2>"$T/err"; rc=$?
[ "$rc" != 0 ] && ok "with the directory failing for good the growing change is not acknowledged (exit $rc)" ||
	bad "the 65th change was acknowledged"
wait "$RTMD_PID"; rc=$?; RTMD_PID=
same "rtmd stops (exit 1) rather than acknowledge on it" "$rc" 1
contains "... saying why" "$(tail -3 "$T/rtmd.log")" "cannot make changes durable"
start_rtmd
expect 0 "restarted" -- rtctl neigh list
same "the 64 acknowledged neighbours are there" "$(echo "$OUT" | wc -l)" 64
stop_rtmd
finish
