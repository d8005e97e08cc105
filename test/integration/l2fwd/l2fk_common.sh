# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared by the l2fwd-kernel integration tests: start the app on the
# standard testbed (devtools/testbed.sh), query its telemetry, assert.
#
#   l2fk_setup TAG              root/tool checks, testbed, cleanup trap
#   l2fk_start NICKIND [ARGS]   start the app; NICKIND: afpacket | rtappkt
#                               (net_rtap backend=packet); ARGS go after --;
#                               L2FK_AFP_ARGS: extra net_af_packet devargs,
#                               L2FK_LCORES: EAL -l list (default 0,1)
#   l2fk_tel CMD [KEY]          telemetry query (l2fk_tel.py)
#   l2fk_wait_tel CMD KEY VAL [SECS]   wait until KEY == VAL
#   l2fk_fg CMD...              run CMD so that a signal still cleans up
#   fail MSG                    print and exit 1 (cleanup runs)

: "${RTAP_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
: "${RTAP_BUILD_DIR:=$RTAP_SOURCE_DIR/build}"
L2FK_BIN=$RTAP_BUILD_DIR/app/l2fwd-kernel/dpdk-l2fwd-kernel
L2FK_TEL=$RTAP_SOURCE_DIR/test/integration/l2fwd/l2fk_tel.py
# The system interpreter: a version-manager shim costs ~0.5 s per call.
if [ -x /usr/bin/python3 ]; then L2FK_PY=/usr/bin/python3; else L2FK_PY=python3; fi
# shellcheck source=devtools/testbed.sh
. "$RTAP_SOURCE_DIR/devtools/testbed.sh"

fail() {
	echo "FAIL: $*" >&2
	if [ -n "${L2FK_LOG:-}" ] && [ -f "$L2FK_LOG" ]; then
		echo "---- l2fwd-kernel log (tail) ----" >&2
		tail -n 40 "$L2FK_LOG" >&2
	fi
	exit 1
}

l2fk_cleanup() {
	# A second signal must not cut the cleanup short.  tb_cleanup
	# resets the traps to the defaults, so it runs in a subshell that
	# ignores them (its arrays are inherited; what it removes is global).
	trap '' INT TERM
	( trap '' INT TERM; tb_cleanup )
	TB_PIDS=() TB_NETNS=() TB_LINKS=()
	trap - EXIT
	[ -n "${TB:-}" ] && rm -rf "/var/run/dpdk/$TB"
	[ -n "${L2FK_TMP:-}" ] && rm -rf "$L2FK_TMP"
	trap - INT TERM
}

l2fk_setup() {
	local t
	[ "$(id -u)" -eq 0 ] || fail "needs root (netns, veth, TAP)"
	[ -x "$L2FK_BIN" ] || fail "$L2FK_BIN not built"
	for t in ip ethtool python3 "$@"; do
		command -v "$t" >/dev/null || fail "missing tool: $t"
	done
	[ -c /dev/net/tun ] || fail "/dev/net/tun missing"
	tb_init "${L2FK_TAG:-l2f}"
	trap l2fk_cleanup EXIT
	L2FK_TMP=$(mktemp -d /tmp/l2fk-test.XXXXXX)
	L2FK_LOG=$L2FK_TMP/l2fk.log
	tb_wire || fail "testbed setup"
	# The wire end belongs to DPDK: keep the dp kernel's own IP stack off
	# it (it shares the TAP's MAC; without this the weak host model
	# delivers replies twice, via the wire end and via the TAP).
	ip netns exec "$TB_NS_DP" sysctl -qw \
		"net.ipv4.conf.$TB_WDP.rp_filter=1" \
		"net.ipv6.conf.$TB_WDP.disable_ipv6=1"
}

# l2fk_start afpacket|rtappkt [app args...]
l2fk_start() {
	local kind=$1 vdev
	shift
	case $kind in
	afpacket)
		vdev="net_af_packet0,iface=$TB_WDP${L2FK_AFP_ARGS:-}"
		# net_af_packet reads raw frames without the vnet header: the
		# peer must finish its checksums (a real wire carries full
		# checksums anyway).
		ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
		;;
	rtappkt)
		vdev="net_rtap0,iface=$TB_WDP,backend=packet"
		;;
	*)
		fail "unknown NIC kind $kind" ;;
	esac
	tb_bg "$TB_NS_DP" "$L2FK_BIN" -l "${L2FK_LCORES:-0,1}" --no-pci --no-huge -m 512 \
		--file-prefix "$TB" --log-level=lib.eal:warning \
		--vdev "$vdev" -- --kernel-name "$TB_KIF" "$@" >"$L2FK_LOG" 2>&1
	L2FK_PID=$TB_LAST_PID
	tb_kif_up "$TB_KIF" 20 || fail "l2fwd-kernel did not create $TB_KIF"
	l2fk_wait_tel /l2fk/pairs,0 nic_link_up 1 10 ||
		fail "NIC link not up after the TAP came up"
}

# Run a long command so that a signal (meson's timeout SIGTERM) runs the
# cleanup trap at once: bash defers traps while a foreground child runs,
# but not while it waits for a background one.
l2fk_fg() {
	"$@" &
	wait $!
}

l2fk_tel() {
	"$L2FK_PY" "$L2FK_TEL" "$TB" "$@"
}

l2fk_wait_tel() {
	local cmd=$1 key=$2 want=$3 secs=${4:-5} i v
	for ((i = 0; i < secs * 10; i++)); do
		v=$(l2fk_tel "$cmd" "$key" 2>/dev/null)
		[ "$v" = "$want" ] && return 0
		sleep 0.1
	done
	echo "telemetry $cmd $key: '$v', wanted '$want'" >&2
	return 1
}

# Stop the app with SIGINT (or the signal given, e.g. TERM) and check it
# exits 0 and removed the TAP.
l2fk_stop() {
	local i sig=${1:-INT}
	kill -"$sig" "$L2FK_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$L2FK_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$L2FK_PID" 2>/dev/null && fail "l2fwd-kernel ignored SIG$sig for 10 s"
	wait "$L2FK_PID"
	L2FK_RC=$?
	[ "$L2FK_RC" -eq 0 ] || fail "l2fwd-kernel exited with $L2FK_RC"
	ip -n "$TB_NS_DP" link show "$TB_KIF" >/dev/null 2>&1 &&
		fail "$TB_KIF still exists after exit"
	return 0
}

# CPU ticks (utime + stime, all threads) used by the app so far.
l2fk_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$L2FK_PID/stat"
}

# Interface flags line, e.g. "<BROADCAST,MULTICAST,UP,LOWER_UP>".
l2fk_flags() { ip -n "$1" -o link show "$2" | sed -n 's/.*<\([^>]*\)>.*/\1/p'; }
l2fk_mtu() { ip -n "$1" -o link show "$2" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
l2fk_have_flag() { [[ ",$(l2fk_flags "$1" "$2")," == *",$3,"* ]]; }

# Wait until interface $2 in netns $1 has ($3=1) or lacks ($3=0) flag $4.
l2fk_wait_flag() {
	local ns=$1 ifn=$2 want=$3 flag=$4 secs=${5:-5} i
	for ((i = 0; i < secs * 10; i++)); do
		if l2fk_have_flag "$ns" "$ifn" "$flag"; then
			[ "$want" = 1 ] && return 0
		else
			[ "$want" = 0 ] && return 0
		fi
		sleep 0.1
	done
	echo "$ifn flags <$(l2fk_flags "$ns" "$ifn")>: wanted $flag=$want" >&2
	return 1
}
