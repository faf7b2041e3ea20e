#!/bin/sh
# Install what building, testing and packaging rtmd need on Debian 12.
# Run as root (or with sudo).  Idempotent.
set -eu
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
had_frr=$(dpkg-query -W -f='${Status}' frr 2>/dev/null || true)
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config git ca-certificates \
	libsystemd-dev libconfig-dev libjson-c-dev libxxhash-dev check \
	bash-completion systemd jq valgrind clang libclang-rt-14-dev mandoc man-db iproute2 util-linux procps passwd \
	systemd-container debhelper devscripts lintian fakeroot dpkg-dev >/dev/null
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
