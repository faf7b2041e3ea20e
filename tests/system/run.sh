#!/bin/sh
# System test: build the Debian package, boot real systemd with
# systemd-nspawn --boot on an overlay of the host's root (booted to
# basic.target, which holds sockets.target: the host's other services stay
# down), install the
# packages there (rtmd, librtmd0, librtmd-dev), and prove what an
# administrator and a library user rely on: the socket is
# enabled and listening, the first rtctl starts rtmd by socket activation,
# restart keeps the tables, reload works, stop is clean, the journal has
# rtmd's logs, an unprivileged user may read but not change, and a program
# built with pkg-config from librtmd-dev works against the packaged rtmd.
# The container has a network namespace of its own (--private-network,
# with a veth pair made inside it), so the shipped config's kernel sync
# manages the container's tables, never the test machine's: a route added
# with rtctl is in the kernel as proto rtmd, a neighbour added with ip is
# in rtmd and, for a librtmd reader (examples/neigh_by_mac), in its shared
# mapping; the service holds only CAP_NET_ADMIN, and idle exit stays off
# while kernel sync is on.
# Everything is torn down afterwards.  Exit 77 (skip) where this cannot run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "the system test needs root (systemd-nspawn, overlay mounts)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn not installed (apt-get install systemd-container)"
command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage not installed (apt-get install dpkg-dev debhelper)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || skip "no overlay filesystem"

W=$(mktemp -d /tmp/rtmd-system.XXXXXX)
NSPID=
CTPID=
PASS=0
FAIL=0
cleanup() {
	if [ -n "$NSPID" ]; then
		[ -n "${CTPID:-}" ] && timeout 10 nsenter -t "$CTPID" -m -u -i -n -p -- \
			systemctl poweroff >/dev/null 2>&1
		for _ in $(seq 1 50); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$NSPID" 2>/dev/null
		# SIGKILL on nspawn would orphan the container's init: end it too.
		[ -n "${CTPID:-}" ] && kill -KILL "$CTPID" 2>/dev/null
	fi
	umount "$W/root" 2>/dev/null || umount -l "$W/root" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

ok()  { PASS=$((PASS + 1)); echo "ok $PASS - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
# Run a command inside the container: its init's namespaces.
in_ct() { timeout 60 nsenter -t "$CTPID" -m -u -i -n -p -- "$@"; }
check() {  # check DESC WANT_RC -- command (inside the container)
	desc=$1 want=$2; shift 3
	out=$(in_ct "$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else bad "$desc: exit $rc, wanted $want"; echo "$out" | sed 's/^/    /'; fi
}
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "    got:  $2"; echo "    want: $3"; fi; }

echo "# building the Debian package"
mkdir -p "$W/src"
(cd "$src" && git ls-files -z 2>/dev/null | xargs -0 -I{} cp --parents {} "$W/src/") ||
	cp -a "$src/." "$W/src/"
if ! (cd "$W/src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b >"$W/build.log" 2>&1); then
	tail -40 "$W/build.log"
	bad "dpkg-buildpackage"
	echo "$PASS passed, $FAIL failed"; exit 1
fi
debs=
for p in rtmd librtmd0 librtmd-dev; do
	d=$(ls "$W"/${p}_*.deb 2>/dev/null | head -1)
	[ -n "$d" ] && ok "package built: $(basename "$d")" || bad "no package $p"
	debs="$debs $d"
done
if command -v lintian >/dev/null; then
	lint=$(lintian --fail-on error,warning $debs 2>&1); rc=$?
	[ "$rc" = 0 ] && ok "lintian: no errors or warnings on the three packages" ||
		{ bad "lintian"; echo "$lint" | sed 's/^/    /'; }
fi

echo "# booting systemd in a container"
mkdir -p "$W/upper" "$W/work" "$W/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$W/upper,workdir=$W/work" "$W/root" ||
	skip "cannot mount an overlay of / here"
# A clean slate inside: no rtmd from the host, a machine id of its own.
rm -rf "$W/root/etc/rtmd" "$W/root/var/lib/rtmd" "$W/root/run/rtmd" 2>/dev/null
rm -f "$W/root/etc/machine-id"; : > "$W/root/etc/machine-id"
# Container images often carry Docker's policy-rc.d (exit 101), which stops
# maintainer scripts from starting services; a real host has none.
rm -f "$W/root/usr/sbin/policy-rc.d"
mkdir -p "$W/root/root/debs"
cp $debs "$W/root/root/debs/"
systemd-nspawn -q -D "$W/root" --boot --machine "rtmdtest$$" --register=no --keep-unit \
	--private-network \
	--link-journal=no --console=pipe systemd.unit=basic.target >"$W/console.log" 2>&1 &
NSPID=$!
CTPID=
state=
# Bounded: up to 60 s for the container's systemd to finish booting.
for _ in $(seq 1 200); do
	# The container's PID 1 is the systemd that nspawn's child became.
	[ -n "$CTPID" ] || CTPID=$(pgrep -P "$NSPID" -x systemd 2>/dev/null | head -1)
	if [ -n "$CTPID" ]; then
		state=$(in_ct systemctl is-system-running 2>/dev/null)
		case $state in running|degraded) break ;; esac
	fi
	kill -0 "$NSPID" 2>/dev/null || break
	sleep 0.3
done
[ -n "$CTPID" ] || { cat "$W/console.log"; skip "systemd-nspawn --boot did not start here"; }
case $state in
running) ok "systemd booted in the container" ;;
degraded) ok "systemd booted in the container (degraded: $(in_ct systemctl --failed --no-legend --plain 2>/dev/null | awk '{print $1}' | tr '\n' ' '))" ;;
*) bad "container did not finish booting: state \"$state\""; in_ct systemctl list-jobs --no-pager 2>&1 | head -20
   tail -20 "$W/console.log"; echo "$PASS passed, $FAIL failed"; exit 1 ;;
esac

echo "# installing and using the package"
# eth0 in the container's own namespace: a veth pair, eth1 its peer.
check "a veth pair in the container's namespace" 0 -- sh -c \
	'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && ip link set eth1 up && ip addr add 192.0.2.10/24 dev eth0'
check "dpkg -i installs rtmd, librtmd0 and librtmd-dev" 0 -- sh -c 'DEBIAN_FRONTEND=noninteractive dpkg -i /root/debs/*.deb' 
check "rtmd.socket is enabled" 0 -- systemctl is-enabled rtmd.socket
check "rtmd.socket is listening" 0 -- systemctl is-active rtmd.socket
check "the rtmd group exists" 0 -- getent group rtmd
check "rtmd.service is not started before first use" 3 -- systemctl is-active rtmd.service
check "rtctl add activates rtmd through the socket" 0 -- rtctl add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5
check "rtmd.service is active" 0 -- systemctl is-active rtmd.service
same "rtctl list shows the route" "$(in_ct rtctl list 10.0.0.0/24 2>&1)" "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5"
check "rtctl arp add" 0 -- rtctl arp add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0
check "the store is in /var/lib/rtmd" 0 -- test -s /var/lib/rtmd/arp.store
check "systemctl restart rtmd" 0 -- systemctl restart rtmd.service
same "the route survived the restart" "$(in_ct rtctl get 10.0.0.9 2>&1)" "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5"
same "the ARP entry survived the restart" "$(in_ct rtctl arp get 02:00:00:00:00:07 2>&1)" "192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl"
check "systemctl reload rtmd (SIGHUP)" 0 -- systemctl reload rtmd.service
check "still active after reload" 0 -- systemctl is-active rtmd.service
check "rtmd --check-config on the shipped config" 0 -- rtmd --check-config
check "an unprivileged user may list" 0 -- setpriv --reuid=nobody --regid=nogroup --clear-groups rtctl list
check "an unprivileged user may not add" 1 -- setpriv --reuid=nobody --regid=nogroup --clear-groups rtctl add 10.9.0.0/16 dev eth0
check "rtctl status" 0 -- rtctl status
check "rtwatch (from bindir) sees a change" 0 -- sh -c 'timeout 10 /usr/bin/rtwatch --no-dump -n 1 >/tmp/mon & sleep 0.5; rtctl add 10.4.0.0/16 dev eth0; wait; grep -qx "add route 10.4.0.0/16 dev eth0 proto rtctl scope link" /tmp/mon'
check "man rtwatch shows our page (section 1)" 0 -- sh -c 'man -w 1 rtwatch | grep -q "man1/rtwatch.1"'
check "man 3 rtmd_sub_new finds librtmd's page" 0 -- sh -c 'man -w 3 rtmd_sub_new | grep -q "man3/rtmd_subscribe.3"'
# librtmd-dev as a third party uses it: the README's program, built with
# pkg-config from the installed package, against the packaged rtmd.
check "quickstart.c builds with pkg-config --cflags --libs rtmd" 0 -- sh -c \
	'cc /usr/share/doc/librtmd-dev/examples/quickstart.c $(pkg-config --cflags --libs rtmd) -o /tmp/quickstart'
check "quickstart: LPM on the replica, look-up by MAC, then a change" 0 -- sh -c '
	/tmp/quickstart 10.0.0.9 02:00:00:00:00:07 >/tmp/q.out 2>&1 & q=$!
	for i in $(seq 1 50); do grep -q "^02:00" /tmp/q.out && break; sleep 0.1; done
	rtctl add 10.5.0.0/16 dev eth0
	for i in $(seq 1 50); do grep -q "^add 10.5.0.0/16" /tmp/q.out && break; sleep 0.1; done
	kill $q; cat /tmp/q.out
	grep -qx "route to 10.0.0.9: 10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5" /tmp/q.out &&
	grep -qx "02:00:00:00:00:07 is 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl" /tmp/q.out &&
	grep -qx "add 10.5.0.0/16 dev eth0 proto rtctl scope link" /tmp/q.out'

echo "# kernel sync with the shipped config"
check "status: kernel sync on, table main, proto rtmd" 0 -- sh -c 'rtctl status | grep -q "^kernel sync: table 254, proto rtmd;"'
check "rtctl add 10.9.0.0/16 via 192.0.2.1 dev eth0" 0 -- rtctl add 10.9.0.0/16 via 192.0.2.1 dev eth0
same "ip route show proto rtmd shows it" "$(in_ct ip route show proto rtmd 10.9.0.0/16 2>&1)" "10.9.0.0/16 via 192.0.2.1 dev eth0 "
same "the ARP entry added earlier is in the kernel, permanent, proto rtmd" \
	"$(in_ct ip neigh show 192.0.2.7 dev eth0 2>&1)" "192.0.2.7 lladdr 02:00:00:00:00:07 PERMANENT proto rtmd "
check "ip neigh add ... nud permanent (another program)" 0 -- ip neigh add 192.0.2.50 lladdr 02:00:00:00:00:50 dev eth0 nud permanent
check "rtctl neigh get sees it" 0 -- sh -c 'for i in $(seq 1 50); do rtctl neigh get 192.0.2.50 2>/dev/null | grep -qx "192.0.2.50 dev eth0 lladdr 02:00:00:00:00:50 PERMANENT" && exit 0; sleep 0.1; done; rtctl neigh get 192.0.2.50; exit 1'
check "examples/neigh_by_mac builds with pkg-config (librtmd-dev)" 0 -- sh -c \
	'cc /usr/share/doc/librtmd-dev/examples/neigh_by_mac.c $(pkg-config --cflags --libs rtmd) -o /tmp/neigh_by_mac'
same "a librtmd reader sees it in the shared mapping, no rtmd call" \
	"$(in_ct /tmp/neigh_by_mac 02:00:00:00:00:50 /var/lib/rtmd/arp.store 2>&1)" \
	"192.0.2.50 dev eth0 lladdr 02:00:00:00:00:50 PERMANENT"
check "rtwatch reads a neighbour ip changes from the mapping" 0 -- sh -c 'timeout 10 rtwatch --no-dump -n 1 neigh >/tmp/nmon & sleep 0.5; ip neigh replace 192.0.2.50 lladdr 02:00:00:00:00:51 dev eth0 nud permanent; wait; grep -qx "change neigh 192.0.2.50 dev eth0 lladdr 02:00:00:00:00:51 PERMANENT" /tmp/nmon'
check "rtctl may not change the kernel's entry" 1 -- rtctl neigh delete 192.0.2.50 dev eth0
pid=$(in_ct systemctl show -p MainPID --value rtmd.service)
same "rtmd holds CAP_NET_ADMIN and no other capability" "$(in_ct sh -c "grep CapEff /proc/$pid/status" 2>&1 | awk '{print $2}')" "0000000000001000"
same "rtmd's unit allows these address families" "$(in_ct systemctl show -p RestrictAddressFamilies --value rtmd.service)" "AF_INET AF_INET6 AF_NETLINK AF_UNIX"
# idle-timeout: off while kernel sync is on (the kernel's changes must
# keep flowing); with it off rtmd stops by itself when idle and the socket
# starts it again.
check "set idle-timeout = 2" 0 -- sh -c 'echo "idle-timeout = 2;" >> /etc/rtmd/rtmd.conf'
check "restart with the idle timeout" 0 -- systemctl restart rtmd.service
check "with kernel sync on, rtmd stays up past the idle timeout" 0 -- sh -c 'sleep 3.5; systemctl is-active -q rtmd.service'
check "kernel-sync = false" 0 -- sed -i 's/^kernel-sync = true;$/kernel-sync = false;/' /etc/rtmd/rtmd.conf
check "restart with kernel sync off" 0 -- systemctl restart rtmd.service
check "rtmd exits by itself when idle" 0 -- sh -c 'for i in $(seq 1 50); do systemctl is-active -q rtmd.service || exit 0; sleep 0.2; done; exit 1'
same "the idle exit was clean" "$(in_ct systemctl show -p Result --value rtmd.service)" "success"
same "the next request reactivates it, nothing lost" "$(in_ct rtctl get 10.0.0.9 2>&1)" "10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5"
check "remove idle-timeout, kernel sync on again" 0 -- sh -c "sed -i '/^idle-timeout = 2;\$/d; s/^kernel-sync = false;\$/kernel-sync = true;/' /etc/rtmd/rtmd.conf"
check "restart without it" 0 -- systemctl restart rtmd.service
check "systemctl stop rtmd" 0 -- systemctl stop rtmd.service
same "rtmd exited cleanly" "$(in_ct systemctl show -p Result --value rtmd.service)" "success"
same "its routes stay in the kernel after it stops" "$(in_ct ip route show proto rtmd 10.9.0.0/16 2>&1)" "10.9.0.0/16 via 192.0.2.1 dev eth0 "
check "the first request after stop activates it again" 0 -- rtctl list
journal=$(in_ct journalctl -u rtmd.service --no-pager 2>&1)
case $journal in *"ready on /run/rtmd/rtmd.sock (socket-activated)"*) ok "journalctl -u rtmd shows its log" ;;
	*) bad "journal lacks rtmd's start message"; echo "$journal" | tail -20 | sed 's/^/    /' ;; esac
check "systemctl stop rtmd.socket rtmd.service" 0 -- systemctl stop rtmd.socket rtmd.service
check "socket gone after stop" 1 -- test -S /run/rtmd/rtmd.sock
check "dpkg --purge removes the packages" 0 -- env DEBIAN_FRONTEND=noninteractive dpkg --purge librtmd-dev rtmd librtmd0

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
