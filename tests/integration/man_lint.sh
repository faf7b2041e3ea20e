#!/bin/sh
# Every man page the build generates is clean under "mandoc -T lint" (what
# it says about pages of other packages it cannot find is left out).
. "$(dirname "$0")/lib.sh"
command -v mandoc >/dev/null || { echo "SKIP: mandoc not installed (apt-get install mandoc)"; exit 77; }
n=0
for page in "$top_builddir"/man/*.[1-8]; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	out=$(mandoc -T lint "$page" 2>&1 | grep -v 'referenced manual not found\|mandoc.db')
	same "mandoc -T lint $(basename "$page")" "$out" ""
done
[ "$n" -ge 10 ] && ok "$n pages" || bad "only $n generated pages found under $top_builddir/man"
finish
