#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and test rtap against the DPDK releases after devtools/deps.sh's
# 22.11 LTS: Debian trixie's DPDK 24.11 (shared libraries) and sid's 25.11
# (headers + static libraries).  Run as root.
#
#   devtools/compat-build.sh              set up (cached), build, run tests
#   devtools/compat-build.sh --build-only
#   RTAP_COMPAT_PREFIX=/x ...             another root-owned prefix
#                                         (default /opt/rtap-deps-24.11)
# Last line: "compat: N passed, N failed".
#
# Why a chroot: the Debian archive reachable here has the 24.11 and 25.11
# binary packages but not their upstream source tarballs
# (dpdk_24.11.4.orig.tar.xz answers 404), and trixie's libraries need
# trixie's glibc.  So a minimal trixie root is made with debootstrap, with
# libdpdk-dev 24.11 and our build dependencies, and the tree (bind-mounted
# read-only) is built and tested inside it in a private mount namespace:
# the host's mounts and packages are not touched.  The kernel, netns, TAP
# and veth are the host's, as in every other test.  sid's libdpdk-dev 25.11
# is unpacked into <root>/opt/dpdk-25.11 and linked statically.
#
# Limit: Debian builds DPDK without -Denable_driver_sdk, so ethdev_driver.h
# and bus_vdev_driver.h are not installed and net_rtap itself (and what
# links it: l2fwd-kernel, the PMD/packet/xdp/l2fwd tests) cannot be built
# against these DPDKs; meson's -Dpmd=auto disables exactly those.  What is
# built and run against 24.11 and 25.11: lib/ (dql, codel, fq_codel, nlmon),
# the vnet translation (rtap_vnet.c with real mbufs), the devargs parser
# (rte_kvargs), the unit suite, vnet_kernel, nlmon and bench_pktflood.
# Stamps hold the suite, the package list; the DPDK versions found are
# checked against the expected series on every run.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${RTAP_COMPAT_PREFIX:-/opt/rtap-deps-24.11}
SUITE=trixie
MIRROR=http://deb.debian.org/debian
DPDK_SERIES=24.11
NEXT_SUITE=sid
DPDK_NEXT=25.11
ROOT=$PREFIX/root
STAMP=$PREFIX/stamp
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

# ------------------------------------------------- DPDK 25.11 (headers+.a)
# sid's libdpdk-dev carries the headers and the static libraries, enough to
# build and run everything -Dpmd=auto builds, linked statically (the shared
# libraries would need sid's glibc).  Fetched with apt-get download through
# a private source list and state directory inside the root (signatures are
# checked; the expiry date is not, the archive mirror here is a frozen
# snapshot whose sid Release file is past Valid-Until): the root's own
# apt configuration and the host's stay as they are.
step=dpdk-$DPDK_NEXT
d_next=/opt/dpdk-$DPDK_NEXT
if [ "$(cat "$PREFIX/stamp-$DPDK_NEXT" 2>/dev/null)" != "$NEXT_SUITE libdpdk-dev" ] ||
   [ ! -f "$ROOT$d_next/usr/lib/x86_64-linux-gnu/pkgconfig/libdpdk.pc" ]; then
	log "apt-get download libdpdk-dev ($NEXT_SUITE)"
	in_root bash -ec '
		d=$1 suite=$2 mirror=$3
		a="-o Dir::Etc::SourceList=/etc/apt/rtap-next.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=/var/lib/rtap-next/lists -o Dir::Cache=/var/cache/rtap-next -o Acquire::Check-Valid-Until=false"
		mkdir -p /var/lib/rtap-next/lists/partial /var/cache/rtap-next/archives/partial
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > /etc/apt/rtap-next.list
		apt-get $a update -q > /rtap/next-update.log 2>&1 || { tail -n 5 /rtap/next-update.log; exit 1; }
		rm -rf "$d" /rtap/next-debs && mkdir -p "$d" /rtap/next-debs
		(cd /rtap/next-debs && apt-get $a download -q libdpdk-dev > /rtap/next-download.log 2>&1) ||
			{ tail -n 5 /rtap/next-download.log; exit 1; }
		dpkg-deb -x /rtap/next-debs/libdpdk-dev_*.deb "$d"
		sed -i "s|^prefix=/usr\$|prefix=$d/usr|" "$d"/usr/lib/x86_64-linux-gnu/pkgconfig/*.pc
	' _ "$d_next" "$NEXT_SUITE" "$MIRROR" || fail "cannot fetch $NEXT_SUITE's libdpdk-dev (logs in $ROOT/rtap/next-*.log)"
	printf '%s\n' "$NEXT_SUITE libdpdk-dev" > "$PREFIX/stamp-$DPDK_NEXT"
fi
next_pc=$d_next/usr/lib/x86_64-linux-gnu/pkgconfig
next_ver=$(in_root env PKG_CONFIG_PATH=$next_pc pkg-config --modversion libdpdk) ||
	fail "libdpdk.pc not usable in $ROOT$d_next"
case $next_ver in
$DPDK_NEXT.*) ;;
*) fail "$NEXT_SUITE's libdpdk-dev is $next_ver, not $DPDK_NEXT.x: update DPDK_NEXT/NEXT_SUITE" ;;
esac
log "DPDK $next_ver (static libraries from $NEXT_SUITE's libdpdk-dev)"

# ------------------------------------------------------------ build + test
# build_and_test <series> <version> <meson options...>
total_ok=0
total_bad=0
build_and_test() {
	local series=$1 ver=$2 b=/rtap/build-$1 ok bad rc=0
	shift 2
	step=build-$series
	t0=$SECONDS
	in_root bash -ec '
		b=$1; shift
		if [ ! -f "$b/build.ninja" ]; then
			meson setup -Dpmd=auto "$@" "$b" /rtap/src > "$b.setup.log" 2>&1 ||
				{ tail -n 30 "$b.setup.log"; exit 1; }
		elif [ $# -gt 0 ]; then
			meson configure "$b" "$@" > "$b.setup.log" 2>&1 ||
				{ tail -n 30 "$b.setup.log"; exit 1; }
		fi
		ninja -C "$b" > "$b.ninja.log" 2>&1 ||
			{ grep -E "error|warning|undefined" "$b.ninja.log" | head -n 40; exit 1; }
	' _ "$b" "$@" || fail "build against DPDK $ver failed (logs: $ROOT$b.{setup,ninja}.log)"
	log "built against DPDK $ver in $((SECONDS - t0)) s"
	[ $build_only -eq 1 ] && return 0
	# The unit suite and the integration tests that do not drive net_rtap
	# (the others are not defined without the PMD); bench_callgrind needs
	# the deps prefix's testpmd and is not one of them.
	step=test-$series
	t0=$SECONDS
	in_root bash -c '
		b=$1
		tests=$(meson test -C "$b" --list 2>/dev/null | awk -F" / " "\$1 ~ /:unit\$/ || \$2 ~ /^(vnet_kernel|nlmon|bench_pktflood)\$/ {print \$2}")
		meson test -C "$b" --print-errorlogs $tests > "$b.test.log" 2>&1
		r=$?
		grep -E "^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout):" "$b.test.log"
		# A skip (77) counts as a failure here as everywhere in rtap.
		if grep -Eq "^(Skipped|Fail|Timeout|Unexpected Pass): +[1-9]" "$b.test.log"; then r=1; fi
		exit $r
	' _ "$b" || rc=$?
	ok=$(grep -Ec '^ *[0-9]+/[0-9]+ .* OK ' "$ROOT$b.test.log" || true)
	# The binaries must run the DPDK they were built for, not a mix.
	if ! grep -q "^test_compat (DPDK $ver):" "$ROOT$b/meson-logs/testlog.txt"; then
		log "DPDK $ver build runs $(grep -ho '^test_compat (DPDK [^)]*)' "$ROOT$b/meson-logs/testlog.txt" | head -n 1)"
		bad=$((bad + 1))
	fi
	bad=$(grep -Ec '^ *[0-9]+/[0-9]+ .* (FAIL|SKIP|TIMEOUT|ERROR)' "$ROOT$b.test.log" || true)
	log "DPDK $ver: $ok passed, $bad failed in $((SECONDS - t0)) s (log: $ROOT$b.test.log)"
	total_ok=$((total_ok + ok))
	total_bad=$((total_bad + bad + (rc != 0 && bad == 0)))
}

build_and_test "$DPDK_SERIES" "$dpdk_ver"
# Static link (meson picks the .a files by full path): the mempool ring
# driver whole (its constructor registers the ops) and, for meson's own
# link checks, what it and EAL need.  -L first: by name alone -l: would
# find trixie's 24.11 copies in /usr/lib.  test_compat prints the
# rte_version() it runs with, checked below.
next_lib=$d_next/usr/lib/x86_64-linux-gnu
build_and_test "$DPDK_NEXT" "$next_ver" -Dpkg_config_path=$next_pc \
	"-Dc_link_args=-L$next_lib -Wl,--whole-archive -l:librte_mempool_ring.a -Wl,--no-whole-archive -l:librte_mempool.a -l:librte_ring.a -l:librte_eal.a -l:librte_argparse.a -l:librte_kvargs.a -l:librte_log.a -l:librte_telemetry.a -lnuma"

# ---------------------------------------------------- PMD symbol check
# What cannot be compiled against 24.11/25.11 (the PMD, l2fwd-kernel) is
# checked at link level: every DPDK symbol their 22.11 build imports
# (functions and variables, driver SDK included: DPDK exports it as
# INTERNAL) must be exported by 24.11's shared and 25.11's static
# libraries.  Same name only; a changed prototype would not show here.
# The 22.11 spellings rtap_compat.h maps on newer releases are replaced by
# their successors (which must then exist).
COMPAT_MAPPED="rte_ctrl_thread_create:rte_thread_create_control,rte_thread_join
rte_tel_data_add_dict_u64:rte_tel_data_add_dict_uint
rte_kvargs_process:rte_kvargs_process_opt"
step=symbols
pmd_bins=()
for f in "${RTAP_COMPAT_NATIVE_BUILD:-$SRC/build}"/drivers/net/rtap/librte_net_rtap.so \
	 "${RTAP_COMPAT_NATIVE_BUILD:-$SRC/build}"/app/l2fwd-kernel/dpdk-l2fwd-kernel; do
	[ -f "$f" ] && pmd_bins+=("$f")
done
if [ ${#pmd_bins[@]} -eq 0 ]; then
	log "no native build with the PMD (RTAP_COMPAT_NATIVE_BUILD, default $SRC/build): symbol check not run"
	total_bad=$((total_bad + 1))
else
	imports=$(for f in "${pmd_bins[@]}"; do nm -D --undefined-only "$f"; done |
		awk '{print $2}' | sed 's/@.*//' | grep -E '^(rte_|per_lcore_|eth_)' | sort -u)
	while IFS=: read -r old new; do
		if printf '%s\n' "$imports" | grep -qx "$old"; then
			imports=$(printf '%s\n' "$imports" | grep -vx "$old"; printf '%s\n' ${new//,/ })
		fi
	done <<< "$COMPAT_MAPPED"
	imports=$(printf '%s\n' "$imports" | sort -u)
	# Libraries and the vdev bus only: the ~180 hardware driver
	# libraries export nothing we could import and take minutes to scan.
	dpdk_libs() {
		local f
		for f in "$@"; do
			case ${f##*/} in
			librte_bus_vdev.*) ;;
			librte_net_*|librte_crypto_*|librte_event_*|librte_common_*|\
			librte_baseband_*|librte_dma_*|librte_raw_*|librte_regex_*|\
			librte_compress_*|librte_ml_*|librte_vdpa_*|librte_bus_*|\
			librte_mempool_*|librte_gpudev_*|librte_power_*) continue ;;
			esac
			printf '%s\n' "$f"
		done
	}
	exp24=$(dpdk_libs "$ROOT"/usr/lib/x86_64-linux-gnu/librte_*.so | xargs nm -D --defined-only 2>/dev/null |
		awk 'NF == 3 {print $3}' | sed 's/@.*//' | sort -u)
	exp25=$(dpdk_libs "$ROOT$d_next"/usr/lib/x86_64-linux-gnu/librte_*.a | xargs nm -g --defined-only 2>/dev/null |
		awk 'NF == 3 {print $3}' | sort -u)
	n=$(printf '%s\n' "$imports" | wc -l)
	for v in 24 25; do
		[ $v = 24 ] && have=$exp24 || have=$exp25
		miss=$(comm -23 <(printf '%s\n' "$imports") <(printf '%s\n' "$have"))
		if [ -n "$miss" ]; then
			log "DPDK $v.11 lacks $(printf '%s\n' "$miss" | wc -l) of the $n DPDK symbols net_rtap/l2fwd-kernel import: $(echo $miss)"
			total_bad=$((total_bad + 1))
		else
			log "DPDK $v.11 exports all $n DPDK symbols net_rtap/l2fwd-kernel import"
			total_ok=$((total_ok + 1))
		fi
	done
fi

step=done
[ $build_only -eq 1 ] && { log "build only: done"; exit 0; }
echo "compat: $total_ok passed, $total_bad failed"
[ "$total_bad" -eq 0 ] || { step=tests; fail "tests against DPDK $dpdk_ver/$next_ver failed"; }
