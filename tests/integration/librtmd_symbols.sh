#!/bin/sh
# librtmd exports exactly what its headers declare: the function names of
# include/rtmd/*.h, the global list of src/lib/librtmd.map and the dynamic
# symbols of the built librtmd.so are one list, all in the version node
# LIBRTMD_0, and the SONAME is librtmd.so.0.
. "$(dirname "$0")/lib.sh"

so=$top_builddir/src/lib/.libs/librtmd.so
[ -f "$so" ] || { echo "missing $so: build first (make)"; exit 99; }
command -v nm >/dev/null || { echo "SKIP: nm not installed (binutils)"; exit 77; }

# Declarations: "name(" at the start of a declaration, outside comments.
sed 's|/\*.*\*/||g; /^\/\*/,/\*\//d; /^ \*/d' "$top_srcdir"/include/rtmd/*.h |
	grep -v '^typedef' | grep -o '\brtmd_[a-z0-9_]*(' | tr -d '(' | sort -u >"$T/headers"
sed -n 's/^[[:space:]]*\(rtmd_[a-z0-9_]*\);$/\1/p' "$top_srcdir/src/lib/librtmd.map" | sort -u >"$T/map"
nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sed 's/@.*//' | sort -u >"$T/exported"
nm -D --defined-only "$so" | awk '$2 != "A" && $3 !~ /^rtmd_/ { print $3 }' >"$T/strays"

same "every declared function is in the version script" "$(comm -23 "$T/headers" "$T/map")" ""
same "the version script lists nothing undeclared" "$(comm -13 "$T/headers" "$T/map")" ""
same "the library exports every declared function" "$(comm -23 "$T/headers" "$T/exported")" ""
same "the library exports nothing but them" "$(comm -13 "$T/headers" "$T/exported")$(cat "$T/strays")" ""
unversioned=$(nm -D --defined-only --with-symbol-versions "$so" 2>/dev/null |
	awk '$2 == "T" && $3 !~ /@@LIBRTMD_0$/ { print $3 }')
same "every export is in the node LIBRTMD_0" "$unversioned" ""
contains "SONAME librtmd.so.0" "$(readelf -d "$so" 2>/dev/null || objdump -p "$so")" "librtmd.so.0"
[ "$(wc -l <"$T/headers")" -gt 100 ] && ok "$(wc -l <"$T/headers") functions" || bad "header parsing found $(wc -l <"$T/headers") functions"
finish
