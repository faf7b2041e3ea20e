# lib.sh - FRRouting by hand for the FPM tests: zebra (with the
# dplane_fpm_nl module) and staticd, or bgpd, in a network namespace the test
# creates, without systemd.  Sourced by tests/fpm/*.sh after
# tests/integration/lib.sh when rtmd is wanted, or alone.
#
#   frr_require                 SKIP (exit 77) unless root with FRR installed
#   fpm_peer_require            SKIP unless root with what a test needs to
#                               play zebra from files (no FRR): sets SEND
#                               (fpm_send) and FIX (the fixtures)
#   frr_netns NS                create namespace NS with lo up and a veth pair
#                               fpmv0 (192.0.2.1/24, 2001:db8::1/64) -
#                               fpmv1 (198.51.100.1/24, 2001:db8:1::1/64),
#                               so gateways .10 of each are on different links
#   frr_start NAME NS PORT [EXTRA_ZEBRA_CONF]
#                               zebra + staticd in NS as instance NAME, zebra
#                               an FPM client of 127.0.0.1:PORT (PORT "-":
#                               no FPM)
#   frr_bgpd NAME CONF          start bgpd of instance NAME with CONF's text
#   vty NAME CMD...             vtysh -c CMD ... against instance NAME
#   vty_conf NAME LINE...       configure terminal, then each LINE
#   frr_kill NAME [SIG]         stop every daemon of instance NAME (SIGTERM
#                               by default), SIGKILL after FRR_STOP_SECONDS
#   frr_cleanup                 every instance and namespace of this test
#
# Every daemon is known by the pid its pid file names and is stopped by that
# pid on any exit: FRR 8.4.4's zebra can hang on SIGTERM while its FPM peer
# closes (fixed in FRR 10.3), so a stop is always bounded and ends in SIGKILL.

FRR_SBIN=${FRR_SBIN:-/usr/lib/frr}
FRR_STOP_SECONDS=${FRR_STOP_SECONDS:-5}
FRR_INSTANCES=
FRR_NETNS=
# The instances' run directories live under here (owned by frr:frr, as FRR
# requires).  Names are unique to this test run.
FRR_TOP=

frr_require() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (network namespaces, FRR's daemons run as user frr)"
		exit 77
	fi
	for b in "$FRR_SBIN/zebra" "$FRR_SBIN/staticd" /usr/bin/vtysh; do
		[ -x "$b" ] || { echo "SKIP: FRRouting not installed ($b missing; apt-get install frr)"; exit 77; }
	done
	for m in /usr/lib/*/frr/modules/dplane_fpm_nl.so /usr/lib/frr/modules/dplane_fpm_nl.so; do
		[ -e "$m" ] && FRR_FPM_MODULE=$m
	done
	[ -n "${FRR_FPM_MODULE:-}" ] || { echo "SKIP: FRR's dplane_fpm_nl module not found"; exit 77; }
	id frr >/dev/null 2>&1 || { echo "SKIP: user frr missing (FRR's package creates it)"; exit 77; }
	command -v ip >/dev/null 2>&1 || { echo "SKIP: iproute2 missing"; exit 77; }
	FRR_TOP=$(mktemp -d "${TMPDIR:-/tmp}/rtmd-frr.XXXXXX") || exit 99
	chmod 0755 "$FRR_TOP"
}

fpm_peer_require() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (a network namespace, a throwaway user)"
		exit 77
	fi
	for tool in useradd userdel setpriv ip; do
		command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
	done
	SEND=$top_builddir/tests/fpm/fpm_send
	FIX=$top_srcdir/tests/fpm/fixtures
	[ -x "$SEND" ] || { echo "missing $SEND: make check builds it"; exit 99; }
}

frr_netns() {
	local ns=$1
	ip netns add "$ns" || { echo "cannot create network namespace $ns"; exit 99; }
	FRR_NETNS="$FRR_NETNS $ns"
	ip -n "$ns" link set lo up &&
	ip -n "$ns" link add fpmv0 type veth peer name fpmv1 &&
	ip -n "$ns" addr add 192.0.2.1/24 dev fpmv0 &&
	ip -n "$ns" addr add 198.51.100.1/24 dev fpmv1 &&
	ip -n "$ns" -6 addr add 2001:db8::1/64 dev fpmv0 nodad &&
	ip -n "$ns" -6 addr add 2001:db8:1::1/64 dev fpmv1 nodad &&
	ip -n "$ns" link set fpmv0 up &&
	ip -n "$ns" link set fpmv1 up || { echo "cannot set up the links of $ns"; exit 99; }
}

frr_dir() { echo "$FRR_TOP/$1"; }

# frr_pid NAME DAEMON: the pid the daemon's pid file names, or nothing.
frr_pid() {
	local f
	f="$(frr_dir "$1")/$2.pid"
	[ -s "$f" ] && cat "$f"
}

# frr_daemon NAME NS DAEMON [ARGS...]: start one daemonized FRR process and
# wait for its pid file (bounded).
frr_daemon() {
	local name=$1 ns=$2 d=$3 dir
	shift 3
	dir=$(frr_dir "$name")
	rm -f "$dir/$d.pid"
	ip netns exec "$ns" "$FRR_SBIN/$d" -d -f "$dir/$d.conf" -i "$dir/$d.pid" \
		-z "$dir/zserv.api" --vty_socket "$dir" -P 0 \
		--log "file:$dir/$d.log" --log-level debugging "$@" \
		>>"$dir/$d.out" 2>&1 || { echo "$d of $name failed to start:"; cat "$dir/$d.out" "$dir/$d.log" 2>/dev/null | tail -20; return 1; }
	for _ in $(seq 1 100); do
		[ -n "$(frr_pid "$name" "$d")" ] && [ -S "$dir/$d.vty" ] && return 0
		sleep 0.05
	done
	echo "$d of $name wrote no pid file or vty socket"
	return 1
}

frr_conf_file() {  # frr_conf_file NAME DAEMON TEXT
	local f
	f="$(frr_dir "$1")/$2.conf"
	printf '%s\n' "$3" > "$f"
	chown frr:frr "$f"
	chmod 0640 "$f"
}

frr_start() {
	local name=$1 ns=$2 port=$3 extra=${4:-} dir
	dir=$(frr_dir "$name")
	mkdir -p "$dir" && chown frr:frr "$dir" && chmod 0750 "$dir" || exit 99
	FRR_INSTANCES="$FRR_INSTANCES $name"
	echo "$ns" > "$dir/netns"
	# The module is disabled until an address is configured.
	if [ "$port" = - ]; then
		frr_conf_file "$name" zebra "hostname $name-zebra
$extra"
		echo > "$dir/nofpm"
	else
		frr_conf_file "$name" zebra "hostname $name-zebra
fpm address 127.0.0.1 port $port
$extra"
	fi
	frr_conf_file "$name" staticd "hostname $name-staticd"
	frr_daemon "$name" "$ns" zebra $(frr_fpm_args "$name") || return 1
	frr_daemon "$name" "$ns" staticd || return 1
}

frr_fpm_args() {  # zebra's arguments for the FPM module, if NAME has FPM
	[ -e "$(frr_dir "$1")/nofpm" ] || echo "-M $FRR_FPM_MODULE"
}

# frr_restart_zebra NAME: start zebra again (after frr_kill NAME zebra ...).
frr_restart_zebra() {
	local name=$1
	frr_daemon "$name" "$(cat "$(frr_dir "$name")/netns")" zebra $(frr_fpm_args "$name")
}

frr_bgpd() {
	local name=$1 conf=$2
	frr_conf_file "$name" bgpd "$conf"
	frr_daemon "$name" "$(cat "$(frr_dir "$name")/netns")" bgpd
}

vty() {
	local dir n
	dir=$(frr_dir "$1")
	shift
	# Turn CMD... into -c CMD ... in place (POSIX sh has no arrays).
	n=$#
	while [ "$n" -gt 0 ]; do
		set -- "$@" -c "$1"
		shift
		n=$((n - 1))
	done
	timeout 30 vtysh --vty_socket "$dir" "$@"
}

vty_conf() {
	local name=$1
	shift
	vty "$name" "configure terminal" "$@"
}

# frr_kill NAME [SIGNAL [DAEMON...]]: signal the daemons (all of the
# instance by default), wait at most FRR_STOP_SECONDS for each, then SIGKILL.
frr_kill() {
	local name=$1 sig=${2:-TERM} d pid
	shift
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] || set -- bgpd staticd zebra
	for d in "$@"; do
		pid=$(frr_pid "$name" "$d")
		[ -n "$pid" ] || continue
		kill -"$sig" "$pid" 2>/dev/null
		for _ in $(seq 1 $((FRR_STOP_SECONDS * 20))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "# $d of $name (pid $pid) still running ${FRR_STOP_SECONDS}s after SIG$sig: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		fi
		rm -f "$(frr_dir "$name")/$d.pid"
	done
}

frr_cleanup() {
	local name ns
	for name in $FRR_INSTANCES; do frr_kill "$name" KILL; done
	FRR_INSTANCES=
	for ns in $FRR_NETNS; do ip netns del "$ns" 2>/dev/null; done
	FRR_NETNS=
	[ -n "$FRR_TOP" ] && rm -rf "$FRR_TOP"
	FRR_TOP=
}
