#!/bin/sh
# A full disk: rtmd's state directory on a 16 MB ext4 image the test fills.
# A change that needs a store to grow is refused with "disk full" (exit 1)
# before anything changes, for routes (growth in place), neighbours
# (rewrite) and a multipath route whose file does not exist yet; changes that fit still go through; reads and subscriptions
# keep working; once space is free the refused changes are accepted; a
# restart finds every acknowledged change.  Needs root (a loop device and
# a mount, in a mount namespace of its own); skips with 77 otherwise.
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (mounts a small file system on a loop device)"
	exit 77
fi
for tool in unshare losetup mkfs.ext4 mount umount; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done
# Our mounts in a namespace of our own: nobody else's, and gone with us.
if [ -z "${RTMD_DISKFULL_NS:-}" ]; then
	RTMD_DISKFULL_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

IMG=$T/small.img
MNT=$T/small
LOOP=
truncate -s 16M "$IMG" && mkfs.ext4 -q -F "$IMG" || { echo "mkfs.ext4 failed"; exit 99; }
LOOP=$(losetup -f --show "$IMG") || { echo "SKIP: no loop device"; exit 77; }
mkdir "$MNT"
mount -t ext4 "$LOOP" "$MNT" || { losetup -d "$LOOP"; echo "mount failed"; exit 99; }
trap 'cleanup_all' EXIT
cleanup_all() {
	if [ -n "$RTMD_PID" ]; then kill -KILL "$RTMD_PID" 2>/dev/null; wait "$RTMD_PID" 2>/dev/null; RTMD_PID=; fi
	jobs -p | xargs -r kill -KILL 2>/dev/null
	umount "$MNT" 2>/dev/null
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	cleanup
}
STATE=$MNT/state
printf 'route-capacity = 64;\narp-capacity = 64;\n' > "$CONF"

start_rtmd
seq 1 64 | awk '{ printf "route add 10.0.%d.0/24 dev eth0\n", $1 }' > "$T/routes"
seq 1 64 | awk '{ printf "neigh add 192.0.2.%d lladdr 02:00:00:00:00:%02x dev eth0\n", $1, $1 }' > "$T/neighs"
expect 0 "64 routes fill the route store" -- rtctl -b "$T/routes"
expect 0 "64 neighbours fill the ARP store" -- rtctl -b "$T/neighs"

# Fill the disk (as root: the reserved blocks too).  Delayed allocation
# reserves more than it uses, so fill again after each sync.
mkdir "$MNT/filler"
for i in 1 2 3 4 5 6; do
	dd if=/dev/zero of="$MNT/filler/$i" bs=4k 2>/dev/null
	sync -f "$MNT"
done
same "the disk is full" "$(df --output=avail -B1 "$MNT" | tail -1 | tr -d ' ')" 0

expect 1 "a route that needs the store to grow is refused" -- rtctl add 10.1.0.0/16 dev eth0
contains "... with disk full" "$ERR" "disk full"
expect 1 "a neighbour that needs the store to grow is refused" -- \
	rtctl neigh add 192.0.2.200 lladdr 02:00:00:00:00:c8 dev eth0
contains "... with disk full" "$ERR" "disk full"
expect 1 "a multipath route that needs a new file is refused" -- \
	rtctl add 10.2.0.0/16 nexthop via 192.0.2.1 dev eth0 nexthop via 192.0.2.2 dev eth0
contains "... with disk full" "$ERR" "disk full"
same "... and leaves no file behind" "$(ls "$STATE" | grep -c routes16)" 0
expect 1 "a replace that needs a free slot is refused too" -- rtctl replace 10.0.1.0/24 via 192.0.2.1 dev eth0
expect 0 "rtmd still answers reads" -- rtctl list
same "... with the 64 routes as they were" "$(echo "$OUT" | wc -l) $(echo "$OUT" | grep -c via)" "64 0"
expect 0 "a delete needs no space" -- rtctl neigh delete 192.0.2.64 dev eth0
timeout 20 "$RTWATCH" -s "$SOCK" -n 1 neigh > "$T/watch" 2>&1 &
W=$!
for _ in $(seq 1 100); do grep -q '^sync' "$T/watch" && break; sleep 0.05; done
expect 0 "a change that fits in the store's free slot is accepted" -- \
	rtctl neigh add 192.0.2.65 lladdr 02:00:00:00:00:41 dev eth0
wait "$W"; rc=$?
# (63 entries dumped, then the new one: "add neigh", or "add arp" as rtwatch said it first)
same "a subscriber still gets the dump and the event" "$rc $(grep -cE '^add (neigh|arp) ' "$T/watch")" "0 64"
same "the log says the disk is full once a store, not once a refusal" "$(grep -c 'disk full' "$T/rtmd.log")" 3

rm -r "$MNT/filler"
sync -f "$MNT"
expect 0 "with space again, the refused route is accepted" -- rtctl add 10.1.0.0/16 dev eth0
expect 0 "... and the refused neighbour" -- rtctl neigh add 192.0.2.200 lladdr 02:00:00:00:00:c8 dev eth0
expect 0 "... and the replace" -- rtctl replace 10.0.1.0/24 via 192.0.2.1 dev eth0
expect 0 "... and the multipath route" -- \
	rtctl add 10.2.0.0/16 nexthop via 192.0.2.1 dev eth0 nexthop via 192.0.2.2 dev eth0
contains "the log says so" "$(cat "$T/rtmd.log")" "there is space again"
stop_rtmd
start_rtmd
same "after a restart: every acknowledged route" "$(rtctl list | wc -l) $(rtctl list | grep -c via)" "66 2"
contains "... the multipath one too" "$(rtctl list)" \
	"10.2.0.0/16 proto rtctl nexthop via 192.0.2.1 dev eth0 weight 1 nexthop via 192.0.2.2 dev eth0 weight 1"
same "... and neighbour" "$(rtctl neigh list | wc -l)" 65
stop_rtmd
finish
