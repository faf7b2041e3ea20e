#!/bin/sh
# The README's examples are commands that work: every line of its ```sh
# blocks that runs rtctl, rtwatch or `ip route show` is run, in order,
# against a private rtmd (rtctl and rtwatch reach it through
# $RTMD_SOCKET; rtwatch runs for a second and must have printed its
# sync).  Lines of other commands (installing, building) are left out.
. "$(dirname "$0")/lib.sh"

README=$top_srcdir/README.md
[ -r "$README" ] || { echo "missing $README"; exit 99; }

# rtctl and rtwatch as the README writes them, bare or as src/tools/...
mkdir -p "$T/bin" "$T/src/tools"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$RTCTL" > "$T/bin/rtctl"
printf '#!/bin/sh\ntimeout 1 "%s" "$@"; rc=$?; [ $rc = 124 ] && exit 0; exit $rc\n' "$RTWATCH" > "$T/bin/rtwatch"
chmod +x "$T/bin/rtctl" "$T/bin/rtwatch"
ln -s "$T/bin/rtctl" "$T/src/tools/rtctl"
ln -s "$T/bin/rtwatch" "$T/src/tools/rtwatch"

awk '/^```sh$/ { inb = 1; next } /^```/ { inb = 0; next } inb' "$README" |
	grep -E '^(src/tools/)?(rtctl|rtwatch)( |$)|^ip route show' > "$T/lines"
[ "$(wc -l < "$T/lines")" -ge 20 ] && ok "the README has rtctl examples ($(wc -l < "$T/lines") lines)" ||
	bad "the README's rtctl examples were not found"

start_rtmd
export RTMD_SOCKET="$SOCK"
n=0
while IFS= read -r line; do
	n=$((n + 1))
	case $line in ip*) command -v ip >/dev/null 2>&1 || { ok "skipped (no ip): $line"; continue; };; esac
	(cd "$T" && PATH=$T/bin:$PATH sh -c "$line") > "$T/out.$n" 2> "$T/err.$n"
	rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$T/err.$n" ]; then
		ok "README: $line"
	else
		bad "README: $line: exit $rc"; cat "$T/err.$n"
	fi
	case $line in *rtwatch*)
		grep -Eq '(^|[0-9] )(sync|\{"event":"sync"\})$' "$T/out.$n" && ok "README: $line printed its sync" ||
			bad "README: $line printed no sync";;
	esac
done < "$T/lines"

stop_rtmd
finish
