#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Dependency bootstrap for rtap on Debian 12 (bookworm), run as root.
#
#   devtools/deps.sh            install everything (idempotent, cached)
#   RTAP_DEPS_PREFIX=/x ...     install DPDK/liburing into another root-owned prefix
#
# Steps: apt sources (deb-src, non-free, trixie deb-src) -> apt packages ->
# DPDK 22.11.11 from Debian's source package -> liburing 2.9 from trixie's
# source package.  Each built component has a stamp file holding the exact
# version and options it was built with; it is rebuilt only when they change.
# Any failure names the step and how to fix it.  There is no fallback to
# another DPDK or liburing version.
set -euo pipefail

PREFIX=${RTAP_DEPS_PREFIX:-/opt/rtap-deps}
DPDK_DEB_VERSION=22.11.11-0+deb12u1
DPDK_VERSION=22.11.11
LIBURING_DEB_VERSION=2.9-1
LIBURING_SUITE=trixie
SRC_DIR=$PREFIX/src
STAMP_DIR=$PREFIX/stamps
JOBS=$(nproc)

step=init
fail() {
	local l
	echo "rtap deps: FAILED at step '$step': $*" >&2
	# Show the tail of any log the message names, so CI output is enough.
	for l in $(printf '%s\n' "$*" | grep -o '/[^ ;:)]*\.log'); do
		[ -f "$l" ] && { echo "---- last lines of $l:" >&2; tail -n 25 "$l" >&2; }
	done
	exit 1
}
trap 'rc=$?; [ $rc -eq 0 ] || echo "rtap deps: step \"$step\" failed (exit $rc); see the output above. Re-run devtools/deps.sh after fixing it." >&2' EXIT
log() { echo "rtap deps: [$step] $*"; }

[ "$(id -u)" -eq 0 ] || { step=check; fail "must run as root (apt-get and $PREFIX)"; }
if ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
	step=check
	fail "Debian 12 (bookworm) is required; this is $(. /etc/os-release; echo "$PRETTY_NAME")"
fi

# ---------------------------------------------------------------- apt sources
step=apt-sources
SOURCES=/etc/apt/sources.list.d/rtap.sources
want_sources=$(cat <<'EOF'
# Written by rtap devtools/deps.sh: DPDK source package, netperf (non-free),
# liburing 2.9 source package from trixie.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
)
apt_updated=0
if [ ! -f "$SOURCES" ] || [ "$(cat "$SOURCES")" != "$want_sources" ]; then
	log "writing $SOURCES"
	printf '%s\n' "$want_sources" > "$SOURCES"
	rm -f "$STAMP_DIR/apt-update"
fi
mkdir -p "$STAMP_DIR" "$SRC_DIR"
# apt-get update at most once a day (and whenever the sources changed).
if [ -z "$(find "$STAMP_DIR/apt-update" -mmin -1440 2>/dev/null)" ]; then
	step=apt-update
	log "apt-get update"
	apt-get update -q >/dev/null || fail "apt-get update failed: check network access to deb.debian.org and $SOURCES"
	touch "$STAMP_DIR/apt-update"
	apt_updated=1
fi

# ---------------------------------------------------------------- apt packages
step=apt-install
PKGS=(
	build-essential gcc g++ make git pkg-config meson ninja-build python3
	python3-pyelftools dpkg-dev
	libnuma-dev libpcap-dev libbpf-dev libxdp-dev libmnl-dev libelf-dev
	libsystemd-dev zlib1g-dev libjansson-dev
	iproute2 ethtool iperf3 flent fping iputils-ping netperf
	python3-matplotlib procps psmisc strace valgrind jq socat linux-perf
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ $apt_updated -eq 0 ]; then
		apt-get update -q >/dev/null || fail "apt-get update failed"
		touch "$STAMP_DIR/apt-update"
	fi
	log "installing: ${missing[*]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}" > "$STAMP_DIR/apt-install.log" 2>&1 ||
		fail "apt-get install of '${missing[*]}' failed: see $STAMP_DIR/apt-install.log (netperf needs the non-free component from $SOURCES)"
fi
# These would shadow or break our DPDK build.
for bad in libdpdk-dev libarchive-dev; do
	if dpkg-query -W -f='${Status}' "$bad" 2>/dev/null | grep -q 'install ok installed'; then
		step=apt-conflicts
		fail "$bad is installed; it conflicts with rtap's DPDK build (same sonames / breaks static links). Remove it: apt-get remove $bad"
	fi
done

# ---------------------------------------------------------------- DPDK
step=dpdk
DPDK_DRIVERS=bus/vdev,bus/pci,mempool/ring,net/tap,net/af_packet,net/af_xdp,net/ring,net/null,net/virtio
# Libraries nothing of ours (nor testpmd, nor the drivers above) needs.
DPDK_DISABLE_LIBS=acl,bbdev,bitratestats,bpf,cfgfile,compressdev,cryptodev,distributor,efd,eventdev,fib,graph,gpudev,ipsec,jobstats,latencystats,lpm,member,node,pcapng,pdump,pipeline,port,power,rawdev,regexdev,reorder,rib,sched,security,stack,table,vhost,dmadev,mldev
DPDK_OPTS=(
	--prefix="$PREFIX" --libdir=lib --buildtype=release
	-Denable_driver_sdk=true
	-Dplatform=generic
	-Dtests=false -Denable_docs=false -Dexamples=
	-Denable_kmods=false
	-Ddisable_libs="$DPDK_DISABLE_LIBS"
	-Denable_drivers="$DPDK_DRIVERS"
	-Denable_apps=test-pmd
)
dpdk_stamp_want="dpdk $DPDK_DEB_VERSION ${DPDK_OPTS[*]}"
if [ "$(cat "$STAMP_DIR/dpdk" 2>/dev/null)" != "$dpdk_stamp_want" ] ||
   [ ! -f "$PREFIX/lib/pkgconfig/libdpdk.pc" ] || [ ! -x "$PREFIX/bin/dpdk-testpmd" ]; then
	step=dpdk-source
	dsrc=$SRC_DIR/dpdk-stable-$DPDK_VERSION
	if [ ! -f "$dsrc/meson.build" ]; then
		log "apt-get source dpdk=$DPDK_DEB_VERSION"
		(cd "$SRC_DIR" && apt-get source -q --download-only "dpdk=$DPDK_DEB_VERSION" > "$SRC_DIR/dpdk-download.log" 2>&1) ||
			fail "could not download the DPDK source package dpdk=$DPDK_DEB_VERSION (log: $SRC_DIR/dpdk-download.log): is the deb-src line in $SOURCES reachable?"
		dsc=$(ls "$SRC_DIR"/dpdk_"${DPDK_DEB_VERSION#*:}".dsc 2>/dev/null | head -n1)
		[ -n "$dsc" ] || fail "dpdk .dsc not found in $SRC_DIR after download"
		rm -rf "$dsrc"
		# Integrity comes from apt (Release -> .dsc hashes); dpkg-source
		# only lacks the uploader's key, so its signature warning is noise.
		(cd "$SRC_DIR" && dpkg-source --skip-patches -x "$dsc" "$dsrc" > "$SRC_DIR/dpdk-unpack.log" 2>&1) ||
			fail "could not unpack $dsc (log: $SRC_DIR/dpdk-unpack.log)"
	fi
	step=dpdk-configure
	rm -rf "$dsrc/build-rtap"
	log "meson setup (drivers: $DPDK_DRIVERS)"
	meson setup "${DPDK_OPTS[@]}" "$dsrc/build-rtap" "$dsrc" > "$SRC_DIR/dpdk-configure.log" 2>&1 ||
		fail "DPDK meson setup failed; log: $SRC_DIR/dpdk-configure.log (missing -dev package?)"
	step=dpdk-build
	log "ninja build (-j$JOBS), takes about 2 minutes on 2 cores"
	ninja -C "$dsrc/build-rtap" -j "$JOBS" > "$SRC_DIR/dpdk-build.log" 2>&1 ||
		fail "DPDK build failed; log: $SRC_DIR/dpdk-build.log"
	step=dpdk-install
	ninja -C "$dsrc/build-rtap" install > "$SRC_DIR/dpdk-install.log" 2>&1 ||
		fail "DPDK install into $PREFIX failed; log: $SRC_DIR/dpdk-install.log"
	printf '%s\n' "$dpdk_stamp_want" > "$STAMP_DIR/dpdk"
	log "DPDK $DPDK_VERSION installed in $PREFIX"
else
	log "DPDK $DPDK_VERSION up to date in $PREFIX"
fi

# ---------------------------------------------------------------- liburing
step=liburing
uring_stamp_want="liburing $LIBURING_DEB_VERSION static"
if [ "$(cat "$STAMP_DIR/liburing" 2>/dev/null)" != "$uring_stamp_want" ] ||
   [ ! -f "$PREFIX/lib/liburing.a" ]; then
	step=liburing-source
	usrc=$SRC_DIR/liburing-${LIBURING_DEB_VERSION%-*}
	if [ ! -f "$usrc/configure" ]; then
		log "apt-get source liburing=$LIBURING_DEB_VERSION ($LIBURING_SUITE)"
		(cd "$SRC_DIR" && apt-get source -q --download-only "liburing=$LIBURING_DEB_VERSION" > "$SRC_DIR/liburing-download.log" 2>&1) ||
			fail "could not download liburing=$LIBURING_DEB_VERSION (log: $SRC_DIR/liburing-download.log): is the $LIBURING_SUITE deb-src line in $SOURCES reachable?"
		dsc=$(ls "$SRC_DIR"/liburing_"$LIBURING_DEB_VERSION".dsc 2>/dev/null | head -n1)
		[ -n "$dsc" ] || fail "liburing .dsc not found in $SRC_DIR after download"
		rm -rf "$usrc"
		(cd "$SRC_DIR" && dpkg-source --skip-patches -x "$dsc" "$usrc" > "$SRC_DIR/liburing-unpack.log" 2>&1) ||
			fail "could not unpack $dsc (log: $SRC_DIR/liburing-unpack.log)"
	fi
	step=liburing-build
	log "building static liburing"
	(cd "$usrc" && ./configure --prefix="$PREFIX" --libdir="$PREFIX/lib" \
		--includedir="$PREFIX/include" > "$SRC_DIR/liburing-configure.log" 2>&1 &&
	 make -C src -j "$JOBS" liburing.a > "$SRC_DIR/liburing-build.log" 2>&1) ||
		fail "liburing build failed; logs in $SRC_DIR/liburing-*.log"
	step=liburing-install
	install -d "$PREFIX/include/liburing" "$PREFIX/lib/pkgconfig"
	install -m 0644 "$usrc/src/include/liburing.h" "$PREFIX/include/"
	install -m 0644 "$usrc"/src/include/liburing/*.h "$PREFIX/include/liburing/"
	install -m 0644 "$usrc/src/liburing.a" "$PREFIX/lib/"
	cat > "$PREFIX/lib/pkgconfig/liburing.pc" <<EOF
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: liburing
Version: ${LIBURING_DEB_VERSION%-*}
Description: io_uring library (static, built by rtap devtools/deps.sh)
Libs: \${libdir}/liburing.a
Cflags: -I\${includedir}
EOF
	printf '%s\n' "$uring_stamp_want" > "$STAMP_DIR/liburing"
	log "liburing ${LIBURING_DEB_VERSION%-*} installed in $PREFIX"
else
	log "liburing ${LIBURING_DEB_VERSION%-*} up to date in $PREFIX"
fi

# EAL refuses plugins below a world-writable directory: keep the prefix tight.
step=permissions
chmod 0755 "$PREFIX" "$PREFIX/lib"
step=done
log "all dependencies ready in $PREFIX"
