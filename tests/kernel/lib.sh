# lib.sh - the harness of the kernel sync tests (issue 13): a network
# namespace of the test's own with veth pairs, a real rtmd inside it with
# kernel-sync on (private socket and state directory), and iproute2 as
# the independent judge of what the kernel holds.  Sourced by each
# tests/kernel/*.sh after the integration helpers (ok, bad, expect, same,
# contains, finish, rtctl).  Needs root; skips (77) otherwise.  The
# namespace is removed on every way out.
#
# Judging rules (SPEC.md, "Kernel"): rtmd's rtctl and config entries read
# as the name ip(8) gives kernel-protocol; pending entries and FPM-only
# entries are left out; neighbours are compared with ip neigh show nud all
# (those with a link-layer address, which is what rtmd imports).

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: $(basename "$0") needs root (it makes a network namespace)"
	exit 77
fi
for t in ip jq; do
	command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $(basename "$0") needs $t"; exit 77; }
done

. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

NS=rtmd-netlink-$(basename "$0" .sh)-$$
KTABLE=${KTABLE:-main}
KPROTO=${KPROTO:-200}
RTWATCH_PIDS=

kcleanup() {
	for p in $RTWATCH_PIDS; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	cleanup
	ip netns del "$NS" 2>/dev/null
}
trap kcleanup EXIT

ip netns add "$NS" || { echo "SKIP: ip netns add failed"; exit 77; }
ip -n "$NS" link set lo up

# nsip ARGS...: ip inside the namespace.
nsip() { ip -n "$NS" "$@"; }

# veth A B [ADDR/LEN]: a veth pair A <-> B, both up, ADDR on A.
veth() {
	nsip link add "$1" type veth peer name "$2" || return 1
	nsip link set "$1" up && nsip link set "$2" up || return 1
	[ -z "${3:-}" ] || nsip addr add "$3" dev "$1"
}

# The name ip(8) shows for kernel-protocol (an rt_protos.d name, or the
# number), read back from the kernel the way ip prints it.
kproto_name() {
	nsip route add blackhole 198.18.255.255/32 proto "$KPROTO" table 252 2>/dev/null
	nsip -j route show table 252 | jq -r '.[0].protocol'
	nsip route del blackhole 198.18.255.255/32 proto "$KPROTO" table 252 2>/dev/null
}
KPROTO_NAME=$(kproto_name)

# write_kconf [extra settings]: rtmd.conf with kernel sync on.
write_kconf() {
	{
		echo "kernel-sync = true;"
		echo "kernel-table = \"$KTABLE\";"
		echo "kernel-protocol = $KPROTO;"
		printf '%s\n' "$@"
	} > "$CONF"
}
write_kconf

# start_rtmd_ns [rtmd options]: rtmd inside the namespace; waits until it
# answers.  (ip netns exec execs, so $! is rtmd's pid.)
start_rtmd_ns() {
	ip netns exec "$NS" $RTMD_WRAPPER "$RTMD" -s "$SOCK" -S "$STATE" -c "$CONF" "$@" \
		2>>"$T/rtmd.log" &
	RTMD_PID=$!
	for _ in $(seq 1 600); do
		"$RTCTL" -s "$SOCK" status >/dev/null 2>&1 && return 0
		kill -0 "$RTMD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "rtmd did not start in $NS; its log:"; cat "$T/rtmd.log"
	exit 99
}

# rtwatch_start FILE [rtwatch options]: a subscriber writing to FILE.
rtwatch_start() {
	local f=$1; shift
	"$RTWATCH" -s "$SOCK" "$@" >"$f" 2>>"$T/rtwatch.err" &
	RTWATCH_PIDS="$RTWATCH_PIDS $!"
}

# ---- the judge --------------------------------------------------------------------

# What both sides are reduced to: one line an entry of ip -j's keys that
# describe it, with ip's defaults filled in, rtmd's owned protocols read
# as kernel-protocol's name, pending routes left out; sorted by sort(1)
# (strings and sort(1) keep the judge fast at 100 k routes: jq's own
# objects and sort_by took 8 s a side).
ROUTE_CANON='
  def own: if . == "rtctl" or . == "config" then $kp else . end;
  .[]
  | select(((.flags // []) | index("pending")) | not)
  | select(has("pending_reason") | not)
  | [ .dst, (.type // "unicast"), "via", (.gateway // "-"), "dev", (.dev // "-"),
      "proto", (.protocol | own), "scope", (.scope // "global"), "src", (.prefsrc // "-"),
      "metric", ((.metric // 0) | tostring),
      (if ((.flags // []) | index("onlink")) then "onlink" else "-" end),
      ((.nexthops // []) | map("nexthop \(.gateway // "-") \(.dev // "-") \(.weight // 1)") | join(" ")) ]
  | join(" ")'
# Whether a route of rtctl -j list is IPv6 (its destination, else a gateway).
# (contains, not test: jq's regular expressions cost a minute at 1 M routes.)
V6='((.dst | contains(":")) or ((.gateway // "") | contains(":")) or
     ((.nexthops // []) | any((.gateway // "") | contains(":"))) or
     (.dst == "default" and .type != null and .type != "unicast" and (.dev // "") == "lo"))'
NEIGH_CANON='
  def own: if . == "rtctl" or . == "config" then $kp else . end;
  .[] | select(.lladdr)
  | [ .dst, "dev", .dev, "lladdr", .lladdr, ((.state // []) | sort | join(",")),
      "proto", (.protocol // "-" | own) ]
  | join(" ")'

kernel_routes() {   # FAMILY (4 or 6)
	nsip -"$1" -j route show table "$KTABLE" | jq -r --arg kp "$KPROTO_NAME" "$ROUTE_CANON" | sort
}
rtmd_routes() {
	"$RTCTL" -s "$SOCK" -j list |
		jq -r --arg kp "$KPROTO_NAME" --arg f "$1" "[.[] | select(($V6) == (\$f == \"6\"))] | $ROUTE_CANON" |
		sort
}
kernel_neighs() {
	nsip -j neigh show nud all | jq -r --arg kp "$KPROTO_NAME" "$NEIGH_CANON" | sort
}
# rtmd's own neighbours on an interface that is missing or down are
# pending (the kernel cannot hold them): left out, as pending routes are.
rtmd_neighs() {
	local up
	up=$(nsip -j link show up | jq -c '[.[].ifname]')
	"$RTCTL" -s "$SOCK" -j neigh list |
		jq -r --arg kp "$KPROTO_NAME" --argjson up "$up" \
			"[.[] | select((.protocol == \"rtctl\" or .protocol == \"config\") and
			               (.dev as \$d | \$up | index(\$d) | not) | not)] | $NEIGH_CANON" | sort
}

# converge DESC CMD_A CMD_B: the two commands' outputs become equal (they
# are read again, CONVERGE_TRIES times 0.1 s apart: events take a moment
# to arrive); ok, or bad with both sides.  Bounded, and never a timed
# assertion: a slow machine only waits longer for the same answer.
CONVERGE_TRIES=${CONVERGE_TRIES:-100}
converge() {
	local desc=$1 a b
	for _ in $(seq 1 "$CONVERGE_TRIES"); do
		a=$($2 2>&1); b=$($3 2>&1)
		[ "$a" = "$b" ] && { ok "$desc"; return 0; }
		sleep 0.1
	done
	bad "$desc"
	printf '%s\n' "$a" >"$T/judge.a"; printf '%s\n' "$b" >"$T/judge.b"
	echo "  diff ($2) ($3):"; diff "$T/judge.a" "$T/judge.b" | sed 's/^/    /'
	return 1
}

# judge DESC: rtmd's routes (both families) and neighbours equal the
# kernel's.
judge() {
	converge "$1: IPv4 routes equal the kernel's" "kernel_routes 4" "rtmd_routes 4"
	converge "$1: IPv6 routes equal the kernel's" "kernel_routes 6" "rtmd_routes 6"
	converge "$1: neighbours equal the kernel's" "kernel_neighs" "rtmd_neighs"
}

# eventually DESC PATTERN CMD...: CMD's output has a line matching PATTERN
# (grep -E) within 10 s.
eventually() {
	local desc=$1 pat=$2; shift 2
	for _ in $(seq 1 100); do
		"$@" 2>&1 | grep -Eq -- "$pat" && { ok "$desc"; return 0; }
		sleep 0.1
	done
	bad "$desc"; echo "  $*:"; "$@" 2>&1 | sed 's/^/    /'; return 1
}

# mapget IP [DEV]: the neighbour as a reader of the shared mapping sees it.
MAPGET=$top_builddir/tests/kernel/mapget
mapget() { "$MAPGET" "$STATE/arp.store" "$@"; }

# kernel_has DESC PATTERN ARGS...: some line of "ip ARGS" matches PATTERN
# (grep -E), within 10 s.
kernel_has() {
	local desc=$1 pat=$2; shift 2
	for _ in $(seq 1 100); do
		nsip "$@" | grep -Eq -- "$pat" && { ok "$desc"; return 0; }
		sleep 0.1
	done
	bad "$desc"; echo "  ip $*:"; nsip "$@" | sed 's/^/    /'; return 1
}

# kernel_lacks DESC PATTERN ARGS...: no line matches, within 10 s.
kernel_lacks() {
	local desc=$1 pat=$2; shift 2
	for _ in $(seq 1 100); do
		nsip "$@" | grep -Eq -- "$pat" || { ok "$desc"; return 0; }
		sleep 0.1
	done
	bad "$desc"; echo "  ip $*:"; nsip "$@" | sed 's/^/    /'; return 1
}
