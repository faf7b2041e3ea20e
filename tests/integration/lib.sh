# lib.sh - shared helpers for the integration tests: start a real rtmd on a
# private socket and state directory, run the real rtctl/rtwatch, check exit
# statuses and output.  Sourced by each tests/integration/*.sh.
set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
RTMD=$top_builddir/src/daemon/rtmd
RTCTL=$top_builddir/src/tools/rtctl
RTWATCH=$top_builddir/src/tools/rtwatch
for b in "$RTMD" "$RTCTL" "$RTWATCH"; do
	[ -x "$b" ] || { echo "missing $b: build first (make)"; exit 99; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/rtmd-test.XXXXXX")
SOCK=$T/rtmd.sock
STATE=$T/state
CONF=$T/rtmd.conf
: > "$CONF"
RTMD_PID=
PASS=0
FAIL=0
# RTMD_WRAPPER lets CI run the daemon under valgrind: every test then also
# proves a clean exit with no memory errors.
: "${RTMD_WRAPPER:=}"

cleanup() {
	if [ -n "$RTMD_PID" ]; then kill -KILL "$RTMD_PID" 2>/dev/null; wait "$RTMD_PID" 2>/dev/null; fi
	jobs -p | xargs -r kill -KILL 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok()   { PASS=$((PASS + 1)); echo "ok $PASS - $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }

rtctl() { "$RTCTL" -s "$SOCK" "$@"; }

# start_rtmd [extra rtmd options]: start and wait until it answers.
start_rtmd() {
	$RTMD_WRAPPER "$RTMD" -s "$SOCK" -S "$STATE" -c "$CONF" "$@" 2>>"$T/rtmd.log" &
	RTMD_PID=$!
	for _ in $(seq 1 600); do
		"$RTCTL" -s "$SOCK" status >/dev/null 2>&1 && return 0
		kill -0 "$RTMD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "rtmd did not start; its log:"; cat "$T/rtmd.log"
	exit 99
}

# stop_rtmd: SIGTERM, expect exit status 0.
stop_rtmd() {
	local rc
	kill -TERM "$RTMD_PID"
	wait "$RTMD_PID"; rc=$?
	RTMD_PID=
	[ "$rc" = 0 ] && ok "rtmd exits 0 on SIGTERM" || { bad "rtmd exited $rc on SIGTERM"; cat "$T/rtmd.log"; }
}

crash_rtmd() {
	kill -KILL "$RTMD_PID"; wait "$RTMD_PID" 2>/dev/null; RTMD_PID=
}

# expect RC DESCRIPTION -- command...: check the exit status; output kept in $OUT/$ERR.
expect() {
	local want=$1 desc=$2; shift 3
	"$@" >"$T/out" 2>"$T/err"; local rc=$?
	OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
	if [ "$rc" = "$want" ]; then ok "$desc"; else
		bad "$desc: exit $rc, wanted $want"; echo "  stdout: $OUT"; echo "  stderr: $ERR"; fi
}

# same DESCRIPTION GOT WANT
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "  got:  $2"; echo "  want: $3"; fi
}

# contains DESCRIPTION HAYSTACK NEEDLE
contains() {
	case "$2" in *"$3"*) ok "$1" ;; *) bad "$1"; echo "  got: $2"; echo "  wanted it to contain: $3" ;; esac
}

finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
	exit $?
}
