#!/bin/sh
# Authorization: an unprivileged user may read (list, get, status, rtwatch)
# but not change the tables; rtmd refuses with "permission denied", logs the
# refusal with uid and pid, and leaves the tables as they were.  Once the
# user is in the configured writer-group, changes work.  Needs root (to
# create a throwaway user and group); skips with 77 otherwise.
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (creates a throwaway user and group to run rtctl as)"
	exit 77
fi
for tool in useradd userdel groupadd groupdel gpasswd setpriv; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done
. "$(dirname "$0")/lib.sh"

# Unique names (at most 32 bytes, valid for useradd); removed on any exit.
TU=rtmdtu$$
TG=rtmdtg$$
remove_ids() {
	userdel "$TU" 2>/dev/null
	groupdel "$TG" 2>/dev/null
}
trap 'cleanup; remove_ids' EXIT
groupadd "$TG" || { echo "groupadd $TG failed"; exit 99; }
useradd -M -U -s /usr/sbin/nologin -d /nonexistent "$TU" || { echo "useradd $TU failed"; exit 99; }
TUID=$(id -u "$TU")

# The user must reach the socket and read the ARP mapping in the state dir.
chmod 0755 "$T"
echo "writer-group = \"$TG\";" > "$CONF"

as_user() { setpriv --reuid="$TU" --regid="$TU" --init-groups "$@"; }
urtctl() { as_user "$RTCTL" -s "$SOCK" "$@"; }

start_rtmd
expect 0 "root adds a route" -- rtctl add 10.1.0.0/16 via 192.0.2.1 dev eth0 metric 7
expect 0 "root adds an ARP entry" -- rtctl arp add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0
BEFORE_R=$(rtctl list)
BEFORE_A=$(rtctl arp list)

# Reading is open to everyone who can open the socket.
expect 0 "user: list" -- urtctl list
same "user sees the table" "$OUT" "$BEFORE_R"
expect 0 "user: get" -- urtctl get 10.1.2.3
same "user's get" "$OUT" "10.1.0.0/16 via 192.0.2.1 dev eth0 proto rtctl metric 7"
expect 0 "user: arp list" -- urtctl arp list
expect 0 "user: arp get by MAC" -- urtctl arp get 02:00:00:00:00:07
expect 0 "user: status" -- urtctl status
as_user timeout 20 "$RTWATCH" -s "$SOCK" --count 1 route > "$T/rtwatch.out" 2>"$T/rtwatch.err" &
MON=$!
for _ in $(seq 1 100); do grep -q '^sync$' "$T/rtwatch.out" 2>/dev/null && break; sleep 0.05; done
expect 0 "root changes while the user's rtwatch watches" -- rtctl add 10.2.0.0/16 dev eth1
wait "$MON"; rc=$?
same "user's rtwatch exits 0 after one event" "$rc" 0
same "user's rtwatch output" "$(cat "$T/rtwatch.out")" "add route 10.1.0.0/16 via 192.0.2.1 dev eth0 proto rtctl metric 7
sync
add route 10.2.0.0/16 dev eth1 proto rtctl scope link"
expect 0 "root removes it again" -- rtctl delete 10.2.0.0/16

# Changing is not.
refused() {  # refused DESCRIPTION rtctl-args...
	local desc=$1; shift
	expect 1 "user: $desc is refused" -- urtctl "$@"
	contains "user: $desc says permission denied" "$ERR" "permission denied"
}
refused "add" add 10.9.0.0/16 via 192.0.2.1 dev eth0
refused "replace" replace 10.1.0.0/16 via 192.0.2.9 dev eth0 metric 7
refused "delete" delete 10.1.0.0/16 metric 7
refused "flush route" flush route
refused "flush arp" flush arp
expect 1 "user: a refusal names the entry" -- urtctl add 10.9.0.0/16 via 192.0.2.1 dev eth0
contains "user: the refused entry is named" "$ERR" "rtctl: route add 10.9.0.0/16 via 192.0.2.1 dev eth0: permission denied"
refused "arp add" arp add 192.0.2.8 lladdr 02:00:00:00:00:08 dev eth0
refused "arp delete" arp delete 192.0.2.7 dev eth0
printf 'add 10.10.0.0/16 dev eth0\nadd 10.11.0.0/16 dev eth0\ndelete 10.1.0.0/16 metric 7\n' > "$T/batch"
chmod 0644 "$T/batch"
refused "batch" -b "$T/batch"
refused "batch --force" -f -b "$T/batch"
same "routes unchanged by refused requests" "$(rtctl list)" "$BEFORE_R"
same "ARP table unchanged by refused requests" "$(rtctl arp list)" "$BEFORE_A"
LOG=$(grep "refused a change" "$T/rtmd.log" | head -1)
contains "refusal logged with the uid" "$LOG" "uid $TUID"
case "$LOG" in
*"pid "[0-9]*) ok "refusal logged with the pid" ;;
*) bad "refusal logged with the pid"; echo "  got: $LOG" ;;
esac
# One line per connection that was refused (each rtctl above is one).
n=$(grep -c "refused a change.*uid $TUID" "$T/rtmd.log")
[ "$n" -ge 9 ] && ok "every refused connection logged ($n lines)" || bad "only $n refusals logged, wanted 9 or more"

# A member of the writer group may change the tables (membership is read
# at connect, so a new rtctl sees it at once).
gpasswd -a "$TU" "$TG" >/dev/null || { bad "gpasswd -a $TU $TG"; finish; }
expect 0 "writer-group member: add" -- urtctl add 10.9.0.0/16 via 192.0.2.1 dev eth0
expect 0 "writer-group member: replace" -- urtctl replace 10.1.0.0/16 via 192.0.2.9 dev eth0 metric 7
expect 0 "writer-group member: arp add" -- urtctl arp add 192.0.2.8 lladdr 02:00:00:00:00:08 dev eth0
expect 0 "writer-group member: batch" -- urtctl -b "$T/batch"
same "member's changes applied" "$(rtctl list)" "10.9.0.0/16 via 192.0.2.1 dev eth0 proto rtctl
10.10.0.0/16 dev eth0 proto rtctl scope link
10.11.0.0/16 dev eth0 proto rtctl scope link"
expect 0 "writer-group member: flush route" -- urtctl flush route
same "flush applied" "$(rtctl list)" ""
# The writer group as the primary group counts too.
gpasswd -d "$TU" "$TG" >/dev/null
expect 1 "user removed from the group is refused again" -- urtctl add 10.12.0.0/16 dev eth0
expect 0 "writer group as primary group: add" -- \
	setpriv --reuid="$TU" --regid="$TG" --clear-groups "$RTCTL" -s "$SOCK" add 10.12.0.0/16 dev eth0
stop_rtmd

# max-reply-memory: a reader that asks for a list and does not read it
# holds memory in rtmd; past the limit other readers' lists are "busy",
# while root's are not limited.  30,000 routes list to ~3.0 MiB.
printf 'writer-group = "%s";\nmax-reply-memory = 4;\n' "$TG" > "$CONF"
start_rtmd
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "add 10.%d.%d.0/24 dev eth0\n", int(i / 256), i % 256 }' > "$T/many"
rtctl flush route >/dev/null
expect 0 "root loads 30,000 routes" -- rtctl -b "$T/many"
expect 0 "a reader may list when nothing waits" -- urtctl list
same "the reader got the whole table" "$(echo "$OUT" | wc -l)" "30000"
# A reader whose output nobody reads: rtctl stops reading the socket.
as_user sh -c "'$RTCTL' -s '$SOCK' list | sleep 15" &
STUCK=$!
sleep 1
expect 1 "another reader's list is refused while replies wait" -- urtctl list
contains "refusal says busy" "$ERR" "busy, try again"
expect 0 "root's list is not limited" -- rtctl list --json
contains "rtmd logged the refusal" "$(cat "$T/rtmd.log")" "listing refused"
# The stuck rtctl is a grandchild; its command line names our private socket.
pkill -f -- "-s $SOCK list" 2>/dev/null; wait "$STUCK" 2>/dev/null
ok_after=0
for _ in $(seq 1 50); do urtctl list >/dev/null 2>&1 && { ok_after=1; break; }; sleep 0.1; done
same "readers may list again once the replies are gone" "$ok_after" "1"
stop_rtmd
finish
