#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# "No per-packet system call at load": dpdk-testpmd loads the net_rtap
# plugin (-d librte_net_rtap.so) and io-forwards between net_rtap (TAP +
# io_uring) and net_af_packet on the testbed wire while iperf3 pushes TCP
# through it.  perf counts io_uring_enter calls of the testpmd process over
# a 4 s window; the TAP's own counters give the frames net_rtap moved in
# that window.  Fails unless traffic flowed and io_uring_enter per frame
# stays below the bound.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=${RTAP_SOURCE_DIR:-$(cd "$here/../../.." && pwd)}
build=${RTAP_BUILD_DIR:-$top/build}
testpmd=${RTAP_TESTPMD:-/opt/rtap-deps/bin/dpdk-testpmd}
plugin=$build/drivers/net/rtap/librte_net_rtap.so
max_ratio=${RTAP_MAX_ENTER_PER_FRAME:-0.25}

fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (netns, veth, TAP)"
for t in perf iperf3 ethtool "$testpmd"; do
	command -v "$t" >/dev/null || fail "missing tool: $t"
done
[ -f "$plugin" ] || fail "plugin not built: $plugin"
perf stat -e syscalls:sys_enter_io_uring_enter -- true >/dev/null 2>&1 ||
	fail "perf cannot count syscalls:sys_enter_io_uring_enter (tracefs?)"

# shellcheck source=devtools/testbed.sh
. "$top/devtools/testbed.sh"
tb_init rsc
tb_wire || fail "testbed"
tb_safe_plugin "$plugin" || fail "cannot copy $plugin to a directory EAL accepts"
plugin=$TB_PLUGIN
log=$(mktemp /tmp/rtap-syscalls.XXXXXX)
trap 'tb_cleanup; rm -f "$log" "$log.perf"; rm -rf "/var/run/dpdk/$TB"' EXIT

tb_bg "$TB_NS_DP" "$testpmd" -l 0,1 --no-pci --no-huge -m 512 \
	--file-prefix "$TB" --log-level=lib.eal:warning -d "$plugin" \
	--vdev "net_rtap0,iface=$TB_KIF" --vdev "net_af_packet0,iface=$TB_WDP" \
	-- --forward-mode=io --total-num-mbufs 16384 --stats-period 1 \
	--no-mlockall >"$log" 2>&1
pmd_pid=$TB_LAST_PID
# net_af_packet reads raw frames: have the wire peer finish checksums.
ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
tb_kif_up "$TB_KIF" 20 || { tail -20 "$log"; fail "net_rtap did not create $TB_KIF"; }
# testpmd starts forwarding only after its link check: allow 20 s.
ok=0
for _ in $(seq 20); do
	if ip netns exec "$TB_NS_DP" ping -c 1 -W 1 "$TB_ADDR4_SRV" >/dev/null; then
		ok=1
		break
	fi
done
[ $ok -eq 1 ] || { tail -40 "$log"; ip -n "$TB_NS_DP" -s link show "$TB_KIF";
	fail "no ping through testpmd + net_rtap in 20 s"; }

tb_bg "$TB_NS_SRV" iperf3 -s -1 -B "$TB_ADDR4_SRV" --logfile /dev/null
sleep 0.3
tb_bg "$TB_NS_DP" iperf3 -c "$TB_ADDR4_SRV" -t 16 -f g --connect-timeout 3000 \
	--logfile "$log.iperf"
iperf_pid=$TB_LAST_PID
sleep 2

counters() {
	ip -n "$TB_NS_DP" -s -j link show "$TB_KIF" | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["rx"]["packets"] + s["tx"]["packets"])'
}

# One 4 s window.  Sanity: each io_uring_enter submits at most the posted
# reads (64) plus a Tx ring (512) of work, so fewer enters than
# frames / 576 means perf missed events: that window is void, not a pass.
measure() {
	local tids
	f0=$(counters)
	# Every thread of testpmd by TID (the lcore is not the main thread).
	tids=$(ls "/proc/$pmd_pid/task" | paste -sd, -)
	perf stat -x, -e syscalls:sys_enter_io_uring_enter \
		-e raw_syscalls:sys_enter --per-thread -t "$tids" \
		-o "$log.perf" -- sleep 4 || fail "perf stat"
	f1=$(counters)
	frames=$((f1 - f0))
	enters=$(awk -F, '/io_uring_enter/ && $2 ~ /^[0-9]+$/ {s += $2} END {print s + 0}' "$log.perf")
	all=$(awk -F, '/raw_syscalls:sys_enter/ && $2 ~ /^[0-9]+$/ {s += $2} END {print s + 0}' "$log.perf")
	worker=$(awk -F, '$1 ~ /^rte-worker/ && /io_uring_enter/ && $2 ~ /^[0-9]+$/ {s += $2} END {print s + 0}' "$log.perf")
	# Per thread: value, unit, event, time running (ns), % running.
	grep -v '^#' "$log.perf" | awk -F, '$2 ~ /^[0-9]+$/ && $2 > 0 {print "  " $0}'
	echo "window 4 s: net_rtap frames (TAP rx+tx) $frames, io_uring_enter $enters (lcore $worker), all syscalls of testpmd $all"
	[ "$frames" -gt 20000 ] && [ "$worker" -gt 0 ] &&
		[ $((enters * 576)) -ge "$frames" ]
}
valid=0
for attempt in 1 2; do
	if measure; then
		valid=1
		break
	fi
	echo "window $attempt void (too little traffic, or perf missed the lcore's events)"
done
wait "$iperf_pid" 2>/dev/null
grep -E "sender|receiver" "$log.iperf" 2>/dev/null
rm -f "$log.iperf"
[ $valid -eq 1 ] || fail "no valid measurement window in two tries"
ratio=$(python3 -c "print(f'{$enters / $frames:.4f}')")
allr=$(python3 -c "print(f'{$all / $frames:.4f}')")
echo "io_uring_enter per net_rtap frame: $ratio (bound $max_ratio); all testpmd syscalls per frame: $allr (includes net_af_packet)"
python3 -c "import sys; sys.exit(0 if $enters / $frames < $max_ratio else 1)" ||
	fail "io_uring_enter per frame $ratio >= $max_ratio"
kill -0 "$pmd_pid" 2>/dev/null || fail "testpmd died"
echo "PASS test_pmd_syscalls"
