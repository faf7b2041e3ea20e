#!/bin/sh
# Install what building, testing and packaging rtmd need on Debian 12.
# Run as root (or with sudo).  Idempotent.
set -eu
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config git ca-certificates \
	libsystemd-dev libconfig-dev libjson-c-dev libxxhash-dev libmnl-dev check \
	systemd jq valgrind clang libclang-rt-14-dev mandoc man-db iproute2 util-linux procps passwd \
	systemd-container debhelper devscripts lintian fakeroot dpkg-dev >/dev/null
echo "install-deps.sh: build and test dependencies installed"
