#!/bin/sh
# librtmd as a third party gets it: "make install DESTDIR=...", then each
# program of examples/ compiled with nothing but
# "pkg-config --cflags --libs rtmd" pointed at that tree, and run (with
# LD_LIBRARY_PATH) against a private rtmd.  Also: the installed headers
# are the public ones only and compile as C and C++, the section-3 pages
# and the protocol and store documents are installed, and nothing is
# written outside the prefix.
. "$(dirname "$0")/lib.sh"

command -v pkg-config >/dev/null || { echo "SKIP: pkg-config not installed"; exit 77; }
: "${CC:=cc}" "${MAKE:=make}"
root=$T/root
if ! $MAKE -C "$top_builddir" install DESTDIR="$root" >"$T/install.log" 2>&1; then
	tail -20 "$T/install.log"; bad "make install DESTDIR"; finish
fi
ok "make install DESTDIR=..."
prefix=$(sed -n 's/^prefix=//p' "$top_builddir/rtmd.pc")
pcdir=$(find "$root" -name rtmd.pc -printf '%h\n' | head -1)
[ -n "$pcdir" ] && ok "rtmd.pc installed" || { bad "no rtmd.pc under $root"; finish; }
libdir=${pcdir%/pkgconfig}
same "nothing installed outside the prefix $prefix" \
	"$(cd "$root" && find . ! -type d | sed 's|^\.||' | grep -v "^$prefix/")" ""
same "the installed headers are librtmd's public ones" \
	"$(cd "$root$prefix/include/rtmd" && ls | tr '\n' ' ')" \
	"base.h client.h entry.h neigh_reader.h replica.h rtmd.h subscribe.h "
man3=$root$prefix/share/man/man3
for p in librtmd rtmd_entry rtmd_client rtmd_subscribe rtmd_neigh_reader rtmd_replica; do
	[ -s "$man3/$p.3" ] || bad "man page $p.3 not installed"
done
same "a page a function: rtmd_sub_new.3 points at rtmd_subscribe.3" \
	"$(cat "$man3/rtmd_sub_new.3" 2>/dev/null)" ".so man3/rtmd_subscribe.3"
doc=$(find "$root" -name PROTOCOL.md -printf '%h\n' | head -1)
: "${doc:=$root/nonexistent}"
[ -n "$doc" ] && [ -s "$doc/STORE.md" ] && [ -s "$doc/examples/quickstart.c" ] &&
	ok "PROTOCOL.md, STORE.md and the examples in $(echo "$doc" | sed "s|^$root||")" ||
	bad "documents or examples missing from the docdir"

pc() {
	PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_PATH=$pcdir \
		pkg-config "$@"
}
flags=$(pc --cflags --libs rtmd) && ok "pkg-config --cflags --libs rtmd: $flags" ||
	{ bad "pkg-config rtmd"; finish; }
contains "the flags name the installed tree" "$flags" "-I$root$prefix/include"
# A build with sanitizers puts them into librtmd.so: the programs need them too.
for ex in quickstart watch neigh_by_mac route_lookup; do
	if $CC -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter $SAN_CFLAGS \
	     "$doc/examples/$ex.c" -o "$T/$ex" $flags $SAN_LDFLAGS 2>"$T/cc.log"; then
		ok "examples/$ex.c builds against the installed files"
	else
		bad "examples/$ex.c does not build"; cat "$T/cc.log"
	fi
done
printf '#include <rtmd/rtmd.h>\nint main(void) { return rtmd_version() == 0; }\n' >"$T/cxx.cc"
if command -v c++ >/dev/null; then
	c++ -Wall -Werror -fsyntax-only $(pc --cflags rtmd) "$T/cxx.cc" 2>"$T/cxx.log" &&
		ok "the headers compile as C++" || { bad "the headers in C++"; cat "$T/cxx.log"; }
fi

# Against a private rtmd, with the installed library only.
start_rtmd
export RTMD_SOCKET=$SOCK LD_LIBRARY_PATH=$libdir
rtctl add 10.0.0.0/24 via 192.0.2.1 dev eth0 metric 5
rtctl arp add 192.0.2.7 lladdr 02:00:00:00:00:07 dev eth0
rtctl arp add 192.0.2.8 lladdr 02:00:00:00:00:07 dev eth1
same "route_lookup: longest-prefix match on the replica" "$("$T/route_lookup" 10.0.0.9)" \
	"1 routes
10.0.0.9: 10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5"
expect 1 "route_lookup: a miss exits 1" -- "$T/route_lookup" 10.9.9.9
same "neigh_by_mac: the IPs of a MAC, from the mapping" "$("$T/neigh_by_mac" 02:00:00:00:00:07)" \
	"192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
192.0.2.8 dev eth1 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl"
ldd "$T/route_lookup" | grep -q "$libdir/librtmd.so.0" && ok "the examples run on the installed librtmd.so.0" ||
	bad "the examples do not load the installed library: $(ldd "$T/route_lookup" | grep rtmd)"

# watch: the tables, sync, then two changes.
"$T/watch" 2 >"$T/watch.out" 2>&1 &
wpid=$!
for _ in $(seq 1 100); do grep -q '^sync$' "$T/watch.out" && break; sleep 0.05; done
rtctl add 10.1.0.0/16 dev eth1
rtctl replace 10.1.0.0/16 via 192.0.2.9 dev eth1
for _ in $(seq 1 100); do kill -0 $wpid 2>/dev/null || break; sleep 0.05; done
kill $wpid 2>/dev/null; wait $wpid; rc=$?
same "watch prints the tables, sync, the changes, and exits 0" "rc $rc: $(cat "$T/watch.out")" \
	"rc 0: add route 10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5
add neigh 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
add neigh 192.0.2.8 dev eth1 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
sync
add route 10.1.0.0/16 dev eth1 proto rtctl scope link
change route 10.1.0.0/16 via 192.0.2.9 dev eth1 proto rtctl"

# quickstart: the README's program.
"$T/quickstart" 10.0.0.9 02:00:00:00:00:07 >"$T/q.out" 2>&1 &
qpid=$!
for _ in $(seq 1 100); do grep -qs '^02:00' "$T/q.out" && break; sleep 0.05; done
rtctl del 10.1.0.0/16
for _ in $(seq 1 100); do grep -qs '^del ' "$T/q.out" && break; sleep 0.05; done
kill $qpid; wait $qpid 2>/dev/null
same "quickstart: changes, LPM on the replica, look-up by MAC" "$(cat "$T/q.out")" \
	"add 10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5
add 10.1.0.0/16 via 192.0.2.9 dev eth1 proto rtctl
route to 10.0.0.9: 10.0.0.0/24 via 192.0.2.1 dev eth0 proto rtctl metric 5
02:00:00:00:00:07 is 192.0.2.7 dev eth0 lladdr 02:00:00:00:00:07 PERMANENT proto rtctl
del 10.1.0.0/16 via 192.0.2.9 dev eth1 proto rtctl"
stop_rtmd
finish
