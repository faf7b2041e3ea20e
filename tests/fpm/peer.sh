#!/bin/sh
# The FPM listener's gate: only a peer whose socket belongs to
# fpm-peer-user is served (checked through sock_diag), one at a time;
# root, other users and a second peer are refused and logged; frames cut
# anywhere across reads are taken; a malformed frame closes the
# connection with a log line.  Runs rtmd in a private network namespace
# with a throwaway user as the FPM peer (no FRR needed).  Needs root.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
fpm_peer_require

NS=rtmd-fpm-peer-$$
TU=rtmdfpm$$
OU=rtmdfpo$$
remove_all() {
	ip netns del "$NS" 2>/dev/null
	userdel "$TU" 2>/dev/null
	userdel "$OU" 2>/dev/null
}
trap 'cleanup; remove_all' EXIT
ip netns add "$NS" && ip -n "$NS" link set lo up || { echo "cannot create namespace $NS"; exit 99; }
useradd -M -U -s /usr/sbin/nologin -d /nonexistent "$TU" || exit 99
useradd -M -U -s /usr/sbin/nologin -d /nonexistent "$OU" || exit 99
TUID=$(id -u "$TU")
chmod 0755 "$T"
RTMD_WRAPPER="ip netns exec $NS $RTMD_WRAPPER"

# send AS [fpm_send args...]: connect from inside the namespace as user AS.
send() {
	local who=$1
	shift
	if [ "$who" = root ]; then
		ip netns exec "$NS" "$SEND" "$@"
	else
		ip netns exec "$NS" setpriv --reuid="$who" --regid="$who" --init-groups "$SEND" "$@"
	fi
}
logged() {  # logged DESCRIPTION TEXT: the rtmd log has a line with TEXT
	if grep -qF -- "$2" "$T/rtmd.log"; then ok "$1"; else bad "$1"; echo "  no \"$2\" in:"; tail -5 "$T/rtmd.log"; fi
}
wait_logged() {  # wait_logged TEXT: until the log has it (bounded)
	for _ in $(seq 1 100); do grep -qF -- "$1" "$T/rtmd.log" && return 0; sleep 0.05; done
}

printf 'fpm-listen = "127.0.0.1:2620";\nfpm-peer-user = "%s";\n' "$TU" > "$CONF"
start_rtmd -d

expect 0 "root's connection is closed" -- send root -w 2 127.0.0.1 2620
same "root: closed" "$OUT" closed
logged "root's refusal is logged with its owner" "its socket belongs to uid 0 (root), fpm-peer-user is \"$TU\" (uid $TUID)"
sleep 1.1   # refusals are logged at most once a second
expect 0 "another user's connection is closed" -- send "$OU" -w 2 127.0.0.1 2620
same "other user: closed" "$OUT" closed
logged "the other user's refusal is logged" "belongs to uid $(id -u "$OU") ($OU)"

expect 1 "fpm-peer-user's connection stays open" -- send "$TU" -w 1 127.0.0.1 2620
same "peer user: open" "$OUT" open
logged "the peer is logged as connected" "(uid $TUID, $TU) connected"

# One peer at a time.
conns() { grep -cF "(uid $TUID, $TU) connected" "$T/rtmd.log"; }
BEFORE=$(conns)
send "$TU" -w 4 127.0.0.1 2620 > "$T/first.out" &
FIRST=$!
for _ in $(seq 1 100); do [ "$(conns)" -gt "$BEFORE" ] && break; sleep 0.05; done
sleep 1.1
expect 0 "a second peer is refused" -- send "$TU" -w 2 127.0.0.1 2620
same "second peer: closed" "$OUT" closed
wait_logged "FPM has one peer at a time"
logged "the second peer's refusal is logged" "FPM has one peer at a time"
wait "$FIRST"
same "the first peer was kept" "$(cat "$T/first.out")" open

# Real frames, whole and cut at every odd place across reads.  The counts
# are the fixtures' (python3 tests/fpm/dump.py prints them).
expect 1 "zebra's frames (next-hop groups) are taken" -- send "$TU" -w 1 127.0.0.1 2620 "$FIX"/nhg-*.bin
wait_logged "(165 frames, 171 messages)"
logged "every frame and message counted" "end of stream (165 frames, 171 messages)"
expect 1 "zebra's frames, 7 bytes a write, are taken" -- send "$TU" -c 7 -w 1 127.0.0.1 2620 "$FIX"/nonhg-*.bin
wait_logged "end of stream (43 frames, 47 messages)"
logged "all of them, cut into 7-byte reads" "end of stream (43 frames, 47 messages)"
expect 1 "one byte a write" -- send "$TU" -c 1 -w 1 127.0.0.1 2620 "$FIX"/nhg-06-change.bin
wait_logged "end of stream (1 frames, 2 messages)"
logged "a frame of two messages read a byte at a time" "end of stream (1 frames, 2 messages)"

# Malformed frames close the connection, with the reason.
printf '\002\001\000\024' > "$T/badver"; head -c 16 /dev/zero >> "$T/badver"
expect 0 "a frame of FPM version 2 closes the connection" -- send "$TU" -w 2 127.0.0.1 2620 "$T/badver"
logged "the version is logged" "FPM version 2, expected 1"
printf '\001\002\000\024' > "$T/proto"; head -c 16 /dev/zero >> "$T/proto"
expect 0 "a protobuf frame closes the connection" -- send "$TU" -w 2 127.0.0.1 2620 "$T/proto"
logged "the protobuf type is logged" "FPM message type 2 (protobuf)"
printf '\001\001\000\003' > "$T/short"
expect 0 "a frame shorter than its header closes the connection" -- send "$TU" -w 2 127.0.0.1 2620 "$T/short"
logged "the length is logged" "length 3 holds no netlink message"
# A netlink message claiming more than its frame holds.
printf '\001\001\000\024\377\000\000\000' > "$T/nllen"; head -c 12 /dev/zero >> "$T/nllen"
expect 0 "a netlink message longer than its frame closes the connection" -- \
	send "$TU" -w 2 127.0.0.1 2620 "$FIX"/nhg-01-single.bin "$T/nllen"
logged "the netlink length is logged" "claims 255 bytes"
logged "the good frames before it were taken" "malformed frame (2 frames, 2 messages)"
printf '\001\001\000\024\020\000\000\000\030\000' > "$T/rtshort"; head -c 10 /dev/zero >> "$T/rtshort"
expect 0 "an RTM_NEWROUTE without its rtmsg closes the connection" -- send "$TU" -w 2 127.0.0.1 2620 "$T/rtshort"
logged "the short body is logged" "(type 24) has 0 bytes of body, needs 12"
expect 1 "a peer is served again after all that" -- send "$TU" -w 1 127.0.0.1 2620 "$FIX"/nhg-00-connect.bin
stop_rtmd

# Grace and replay: a peer that does not come back loses its routes at the
# end of the grace time; one that does is reconciled once the grace time
# is over and it has been quiet for 5 s.
printf 'fpm-listen = "127.0.0.1:2620";\nfpm-peer-user = "%s";\nfpm-grace-seconds = 1;\n' "$TU" > "$CONF"
: > "$T/rtmd.log"
start_rtmd -d
expect 1 "a peer connects and sends" -- send "$TU" -w 0.2 127.0.0.1 2620 "$FIX"/nhg-00-connect.bin
for _ in $(seq 1 60); do grep -q "did not come back" "$T/rtmd.log" && break; sleep 0.05; done
logged "gone past the grace time: its routes go" "zebra did not come back within fpm-grace-seconds (1 s)"
expect 1 "a peer connects again" -- send "$TU" -w 0.2 127.0.0.1 2620 "$FIX"/nhg-00-connect.bin
expect 1 "and reconnects within the grace time, replaying" -- send "$TU" -w 6 127.0.0.1 2620 "$FIX"/nhg-00-connect.bin
for _ in $(seq 1 200); do grep -q "reconciled" "$T/rtmd.log" && break; sleep 0.05; done
logged "the replay is reconciled after 5 s of quiet" "replay from 127.0.0.1:"
same "the grace time did not also expire" "$(grep -c "did not come back" "$T/rtmd.log")" 1
stop_rtmd

# A listener on "::" sees IPv4 peers as v4-mapped: the owner is still found.
printf 'fpm-listen = "[::]:2621";\nfpm-peer-user = "%s";\n' "$TU" > "$CONF"
: > "$T/rtmd.log"
start_rtmd -d
expect 1 "IPv6 listener: an IPv4 peer of the peer user is served" -- send "$TU" -w 1 127.0.0.1 2621
expect 1 "IPv6 listener: an IPv6 peer of the peer user is served" -- send "$TU" -w 1 ::1 2621
expect 0 "IPv6 listener: root over IPv6 is refused" -- send root -w 2 ::1 2621
logged "IPv6 listener: the refusal names the IPv6 peer" "refused a connection from [::1]:"
stop_rtmd

# A peer user that does not exist refuses everyone, and says so.
printf 'fpm-listen = "127.0.0.1:2622";\nfpm-peer-user = "nosuchuser%s";\n' $$ > "$CONF"
: > "$T/rtmd.log"
start_rtmd
logged "a missing fpm-peer-user is logged at start" "fpm-peer-user \"nosuchuser$$\" does not exist"
expect 0 "without the user, its would-be peer is refused" -- send "$TU" -w 2 127.0.0.1 2622
logged "and the refusal says why" "fpm-peer-user \"nosuchuser$$\" does not exist"
stop_rtmd
finish
