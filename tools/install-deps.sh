#!/bin/sh
# Install what building, testing and packaging rtmd need on Debian 12.
# Run it as root or as a user who may sudo: it asks sudo for root itself
# (a fresh Debian root shell or container has no sudo).  Idempotent.
set -eu
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		echo "install-deps.sh: installing packages as root (sudo)" >&2
		exec sudo -- "$0" "$@"
	fi
	echo "install-deps.sh: needs root, and sudo is not installed: run it as root (su -c $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
had_frr=$(dpkg-query -W -f='${Status}' frr 2>/dev/null || true)
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool pkg-config git ca-certificates \
	libsystemd-dev libconfig-dev libjson-c-dev libxxhash-dev libmnl-dev check \
	bash-completion systemd jq valgrind clang libclang-rt-14-dev mandoc man-db iproute2 util-linux procps passwd \
	abigail-tools systemd-container debhelper devscripts lintian fakeroot dpkg-dev >/dev/null
# FRRouting for the FPM tests (tests/fpm), which run zebra by hand in
# private namespaces.  A frr service that this script just installed
# would manage the host's own routes: it is stopped and disabled.  An frr
# the host already had is left as it was.
apt-get install -y -qq --no-install-recommends frr >/dev/null
case $had_frr in
*"ok installed"*) ;;
*) if [ -d /run/systemd/system ]; then systemctl disable --now frr >/dev/null 2>&1 || true; fi ;;
esac
echo "install-deps.sh: build and test dependencies installed"
