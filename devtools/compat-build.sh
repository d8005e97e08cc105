#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and test rtap against another DPDK release than devtools/deps.sh's
# 22.11 LTS: Debian trixie's DPDK 24.11 (run as root).
#
#   devtools/compat-build.sh              set up (cached), build, unit suite,
#                                         the PMD-free integration tests
#   devtools/compat-build.sh --build-only
#   RTAP_COMPAT_PREFIX=/x ...             another root-owned prefix
#                                         (default /opt/rtap-deps-24.11)
#
# Why a chroot: the Debian archive reachable here has the 24.11 binary
# packages but not the upstream source tarball (dpdk_24.11.4.orig.tar.xz
# answers 404, only the debian.tar.xz is there), and trixie's libraries need
# trixie's glibc.  So a minimal trixie root is made with debootstrap, with
# libdpdk-dev 24.11 and our build dependencies, and the tree (bind-mounted
# read-only) is built and tested inside it in a private mount namespace:
# the host's mounts and packages are not touched.  The kernel, netns, TAP
# and veth are the host's, as in every other test.
#
# Limit: Debian builds DPDK without -Denable_driver_sdk, so ethdev_driver.h
# and bus_vdev_driver.h are not installed and net_rtap itself (and what
# links it: l2fwd-kernel, the PMD/packet/xdp/l2fwd tests) cannot be built
# against this DPDK; meson's -Dpmd=auto disables exactly those.  What is
# built and run against 24.11: lib/ (dql, codel, fq_codel, nlmon), the vnet
# translation (rtap_vnet.c with real 24.11 mbufs), the devargs parser
# (rte_kvargs 24.11), the unit suite and vnet_kernel, nlmon, bench_pktflood.
# The stamp holds the suite, the package list and the DPDK version found.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${RTAP_COMPAT_PREFIX:-/opt/rtap-deps-24.11}
SUITE=trixie
MIRROR=http://deb.debian.org/debian
DPDK_SERIES=24.11
ROOT=$PREFIX/root
STAMP=$PREFIX/stamp
BUILD_IN_ROOT=/rtap/build-$DPDK_SERIES
PKGS=gcc,libc6-dev,make,pkgconf,meson,ninja-build,python3,libdpdk-dev,liburing-dev,libmnl-dev,libbpf-dev,libxdp-dev,libelf-dev,iproute2,ethtool,procps,psmisc,jq,socat,iputils-ping,iperf3,util-linux,kmod
build_only=0
[ "${1:-}" = --build-only ] && build_only=1

step=init
trap 'rc=$?; [ $rc -eq 0 ] || echo "rtap compat: step \"$step\" failed (exit $rc)" >&2' EXIT
log() { echo "rtap compat: [$step] $*"; }
fail() {
	echo "rtap compat: FAILED at step '$step': $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || fail "must run as root (debootstrap, chroot, netns)"
mkdir -p "$PREFIX"
# One run at a time per prefix (the root and its build dir are shared).
exec 9> "$PREFIX/lock"
flock 9

# ------------------------------------------------------------ trixie root
step=root
stamp_want="$SUITE $MIRROR $PKGS"
if [ "$(head -n1 "$STAMP" 2>/dev/null)" != "$stamp_want" ] ||
   [ ! -f "$ROOT/usr/lib/x86_64-linux-gnu/pkgconfig/libdpdk.pc" ]; then
	if ! command -v debootstrap >/dev/null; then
		log "apt-get install debootstrap"
		apt-get install -y -q --no-install-recommends debootstrap \
			> "$PREFIX/apt-install.log" 2>&1 ||
			fail "cannot install debootstrap (log: $PREFIX/apt-install.log)"
	fi
	log "debootstrap $SUITE into $ROOT (download-bound; ~10 min here)"
	rm -rf "$ROOT" "$STAMP"
	debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$ROOT" "$MIRROR" \
		> "$PREFIX/debootstrap.log" 2>&1 ||
		fail "debootstrap failed (log: $PREFIX/debootstrap.log; tail: $(tail -n 3 "$PREFIX/debootstrap.log" | tr '\n' ' '))"
	mkdir -p "$ROOT/rtap/src"
	printf '%s\n' "$stamp_want" > "$STAMP"
else
	log "$SUITE root up to date in $ROOT"
fi
dpdk_ver=$(chroot "$ROOT" pkg-config --modversion libdpdk) ||
	fail "libdpdk.pc not usable in $ROOT"
case $dpdk_ver in
$DPDK_SERIES.*) ;;
*) fail "$SUITE's libdpdk-dev is $dpdk_ver, not $DPDK_SERIES.x: update DPDK_SERIES/SUITE" ;;
esac
log "DPDK $dpdk_ver ($(chroot "$ROOT" dpkg-query -W -f '${Version}' libdpdk-dev)), gcc $(chroot "$ROOT" gcc -dumpversion)"

# Run "$@" inside the root, in a private mount namespace: nothing mounted
# here outlives the command, even if it is killed.
in_root() {
	unshare -m --propagation private bash -ec '
		R=$1; S=$2; shift 2
		mount --bind "$R" "$R"		# "ip netns" wants / to be a mount
		mount -t proc proc "$R/proc"
		mount --rbind /sys "$R/sys"
		mount --rbind /dev "$R/dev"
		mount -t tmpfs tmpfs "$R/run"
		mount -t tmpfs tmpfs "$R/tmp"
		mount --bind "$S" "$R/rtap/src"
		mount -o remount,bind,ro "$R/rtap/src"
		exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 "$@"
	' _ "$ROOT" "$SRC" "$@"
}

# ------------------------------------------------------------------ build
step=build
log "meson setup -Dpmd=auto + ninja in $ROOT$BUILD_IN_ROOT"
t0=$SECONDS
in_root bash -ec '
	b=$1
	if [ ! -f "$b/build.ninja" ]; then
		meson setup -Dpmd=auto "$b" /rtap/src > /rtap/setup.log 2>&1 ||
			{ tail -n 30 /rtap/setup.log; exit 1; }
	fi
	ninja -C "$b" > /rtap/ninja.log 2>&1 || { grep -E "error|warning" /rtap/ninja.log | head -n 40; exit 1; }
	grep -E "Has header \"ethdev_driver.h\"" /rtap/setup.log "$b/meson-logs/meson-log.txt" 2>/dev/null | tail -n 1 || true
' _ "$BUILD_IN_ROOT" || fail "build against DPDK $dpdk_ver failed (logs: $ROOT/rtap/{setup,ninja}.log)"
log "built in $((SECONDS - t0)) s"
[ $build_only -eq 1 ] && { step=done; log "build only: done"; exit 0; }

# ------------------------------------------------------------------- tests
# Every test meson defines for this build: with -Dpmd=auto and no driver
# SDK, that is the unit suite plus vnet_kernel, nlmon and bench_pktflood.
step=test
t0=$SECONDS
rc=0
in_root bash -c '
	b=$1
	meson test -C "$b" --list 2>/dev/null | sed "s/^/  /"
	meson test -C "$b" --print-errorlogs > /rtap/test.log 2>&1
	r=$?
	grep -E "^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout):" /rtap/test.log
	# A skip (77) counts as a failure here as everywhere in rtap.
	if grep -Eq "^(Skipped|Fail|Timeout|Unexpected Pass): +[1-9]" /rtap/test.log; then r=1; fi
	exit $r
' _ "$BUILD_IN_ROOT" || rc=$?
ok=$(grep -Ec '^ *[0-9]+/[0-9]+ .* OK ' "$ROOT/rtap/test.log" || true)
bad=$(grep -Ec '^ *[0-9]+/[0-9]+ .* (FAIL|SKIP|TIMEOUT|ERROR)' "$ROOT/rtap/test.log" || true)
log "DPDK $dpdk_ver: tests in $((SECONDS - t0)) s (log: $ROOT/rtap/test.log)"
echo "compat-$DPDK_SERIES: $ok passed, $bad failed"
[ $rc -eq 0 ] || fail "tests against DPDK $dpdk_ver failed"
step=done
