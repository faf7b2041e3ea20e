#!/bin/bash
# The bash completions of rtctl and rtwatch offer the grammar's words and
# the host's interface names.
. "$top_srcdir/tests/integration/lib.sh"

bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || { echo "SKIP: bash-completion is not installed ($bc)"; exit 77; }

# complete_words FILE FUNC WORD...: what FUNC offers after WORDs (the last
# one is the word being completed), one a line, sorted.
complete_words() {
	local file=$1 func=$2
	shift 2
	bash --norc --noprofile -c '
		. "$1"; . "$2"; func=$3; shift 3
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$func"; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$bc" "$file" "$func" "$@"
}

rtctl_c=$top_srcdir/completion/rtctl
rtwatch_c=$top_srcdir/completion/rtwatch

has() {  # has DESCRIPTION OFFERED WORD...: the completion offers every WORD
	local desc=$1 out=$2 w missing=""; shift 2
	for w in "$@"; do
		printf '%s\n' "$out" | grep -qx -- "$w" || missing="$missing $w"
	done
	if [ -z "$missing" ]; then ok "$desc"; else bad "$desc: lacks$missing (offered: $(echo $out))"; fi
}

out=$(complete_words "$rtctl_c" _rtctl rtctl "")
has "rtctl: objects and commands first" "$out" route neigh status add list
out=$(complete_words "$rtctl_c" _rtctl rtctl neigh "")
has "rtctl neigh: its commands" "$out" add replace delete list get flush
out=$(complete_words "$rtctl_c" _rtctl rtctl route add 10.0.0.0/8 "")
has "rtctl route add PREFIX: route keywords" "$out" via dev metric nexthop onlink
out=$(complete_words "$rtctl_c" _rtctl rtctl add 10.0.0.0/8 via 192.0.2.1 dev "")
has "rtctl ... dev: interface names from /sys/class/net" "$out" lo
out=$(complete_words "$rtctl_c" _rtctl rtctl n a 192.0.2.7 "")
has "rtctl n a IP (abbreviated): neighbour keywords" "$out" lladdr dev nud
out=$(complete_words "$rtctl_c" _rtctl rtctl ro del 10.0.0.0/8 "")
has "rtctl ro del PREFIX: the keys of a line" "$out" via dev proto metric nexthop
out=$(complete_words "$rtctl_c" _rtctl rtctl list "")
has "rtctl list: selectors" "$out" root match exact dev via proto type
out=$(complete_words "$rtctl_c" _rtctl rtctl neighbour del 192.0.2.7 "")
has "rtctl neighbour del IP: keys" "$out" dev lladdr nud
out=$(complete_words "$rtctl_c" _rtctl rtctl --j)
has "rtctl --j: long options" "$out" --json
out=$(complete_words "$rtwatch_c" _rtwatch rtwatch "")
has "rtwatch: tables" "$out" route neigh all
out=$(complete_words "$rtwatch_c" _rtwatch rtwatch --no)
has "rtwatch --no: --no-dump" "$out" --no-dump
finish
