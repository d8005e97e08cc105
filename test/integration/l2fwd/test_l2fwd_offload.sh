#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Offload detection, no knobs:
#   net_af_packet (no TSO, no checksum offload, multi-segment Tx): the app
#   takes GSO frames from the kernel (TAP offers TSO and tx checksumming)
#   and segments + checksums them itself (rte_gso, measured faster than
#   letting the kernel segment): NIC TSO stays off and frames on the NIC
#   are MTU sized.
#   Same NIC with --gso=kernel (the bench's other arm): the kernel is not
#   offered TSO or checksum offload at all.
#   net_rtap backend=packet (TSO + checksum via the vnet header): TSO is
#   enabled on the NIC, the TAP offers TSO to the kernel, and a TCP upload
#   crosses the app as GSO frames (average frame > 3000 bytes); once the
#   traffic stops the forwarding lcores (2 queues on 2 lcores) sleep on Rx
#   interrupts and the process uses <= 20% of a CPU (a polling lcore
#   alone would use 100%).
#
#   test_l2fwd_offload.sh notso   the two net_af_packet cases
#   test_l2fwd_offload.sh tso     the net_rtap backend=packet case
set -uo pipefail
case ${1:-} in
notso|tso) ;;
*) echo "usage: $0 notso|tso" >&2; exit 1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/l2fwd/l2fk_common.sh
. "$here/l2fk_common.sh"
L2FK_TAG=l2o l2fk_setup iperf3

feat() {	# feat IFACE FEATURE -> on|off
	ip netns exec "$TB_NS_DP" ethtool -k "$1" |
		sed -n "s/^[[:space:]]*$2: \([a-z]*\).*/\1/p"
}

# $1: expected average frame size relation: "le1514" or "gt3000"
upload_check() {
	local b0 p0 b1 p1 avg
	b0=$(l2fk_tel /l2fk/stats,0 kernel_to_nic.tx_bytes)
	p0=$(l2fk_tel /l2fk/stats,0 kernel_to_nic.tx_pkts)
	tb_bg "$TB_NS_SRV" iperf3 -s -1 -B "$TB_ADDR4_SRV" --logfile /dev/null
	sleep 0.5
	l2fk_fg ip netns exec "$TB_NS_DP" timeout 20 iperf3 -c "$TB_ADDR4_SRV" -t 2 \
		--connect-timeout 3000 -f m >"$L2FK_TMP/iperf.log" 2>&1 ||
		{ cat "$L2FK_TMP/iperf.log"; fail "iperf3 failed"; }
	grep -E "sender" "$L2FK_TMP/iperf.log"
	b1=$(l2fk_tel /l2fk/stats,0 kernel_to_nic.tx_bytes)
	p1=$(l2fk_tel /l2fk/stats,0 kernel_to_nic.tx_pkts)
	avg=$(( (b1 - b0) / (p1 - p0) ))
	echo "kernel->NIC: $((p1 - p0)) frames, average $avg bytes"
	case $1 in
	le1514) [ "$avg" -le 1514 ] || fail "average frame $avg > 1514 without TSO" ;;
	gt3000) [ "$avg" -gt 3000 ] || fail "average frame $avg: GSO frames not passed" ;;
	esac
}

expect_tel() {	# key value
	local v
	v=$(l2fk_tel /l2fk/pairs,0 "$1") || fail "telemetry $1"
	[ "$v" = "$2" ] || fail "$1 = '$v', expected '$2'"
}

newbed() {
	l2fk_stop
	tb_cleanup
	rm -rf "/var/run/dpdk/$TB"
	tb_init l2o
	trap l2fk_cleanup EXIT
	tb_wire || fail "testbed setup"
	ip netns exec "$TB_NS_DP" sysctl -qw "net.ipv4.conf.$TB_WDP.rp_filter=1" \
		"net.ipv6.conf.$TB_WDP.disable_ipv6=1"
}

if [ "$1" = notso ]; then
# --- NIC without TSO: software GSO here ---
l2fk_start afpacket
expect_tel nic_tso 0
expect_tel sw_gso 1
expect_tel kernel_gso 1
expect_tel kernel_csum 1
expect_tel nic_tx_offloads MULTI_SEGS
[ "$(feat "$TB_KIF" tx-tcp-segmentation)" = on ] || fail "TAP does not offer TSO (software GSO)"
[ "$(feat "$TB_KIF" tx-checksum-ip-generic)" = on ] || fail "TAP does not offer tx csum (software csum)"
upload_check le1514
echo "ok: net_af_packet: kernel GSO frames segmented here, MTU-sized frames on the NIC"
# Idle without Rx interrupts on the NIC: backoff naps (up to 1 ms).
sleep 1
t0=$(l2fk_cpu_ticks)
sleep 2
t1=$(l2fk_cpu_ticks)
cpu=$(( (t1 - t0) * 100 / (2 * $(getconf CLK_TCK)) ))
[ "$cpu" -le 20 ] || fail "idle CPU ${cpu}% > 20% (net_af_packet, naps)"
echo "ok: idle with net_af_packet: process CPU ${cpu}%"

# --- same NIC, --gso=kernel ---
newbed
l2fk_start afpacket --gso=kernel
expect_tel sw_gso 0
expect_tel kernel_gso 0
expect_tel kernel_csum 0
[ "$(feat "$TB_KIF" tx-tcp-segmentation)" = off ] || fail "--gso=kernel: TAP still offers TSO"
[ "$(feat "$TB_KIF" tx-checksum-ip-generic)" = off ] || fail "--gso=kernel: TAP offers tx csum"
upload_check le1514
echo "ok: net_af_packet --gso=kernel: no TSO/csum requested from the kernel"
l2fk_stop
echo "PASS"
exit 0
fi

# --- NIC with TSO (net_rtap AF_PACKET backend) ---
# A 1 KB round budget (default 256 KB): one GSO frame per round and
# direction, so whenever a round reads two or more (any burst of the
# upload) the rest must wait in FQ-CoDel for the next round.
l2fk_start rtappkt --round-kb=1
expect_tel nic_tso 1
expect_tel sw_gso 0
expect_tel kernel_gso 1
expect_tel kernel_csum 1
v=$(l2fk_tel /l2fk/pairs,0 nic_tx_offloads)
[[ ",$v," == *",TCP_TSO,"* ]] || fail "NIC Tx offloads '$v' lack TCP_TSO"
[ "$(feat "$TB_KIF" tx-tcp-segmentation)" = on ] || fail "TAP does not offer TSO with a TSO NIC"
upload_check gt3000
echo "ok: net_rtap/packet: TSO on the NIC, GSO frames pass through"
# Two lcores, two queue pairs: the flow hashes to either queue.
rs=0
for q in 0 1; do
	v=$(l2fk_tel /l2fk/queues,0 "to_nic_q$q.round_stops") || fail "telemetry to_nic_q$q.round_stops"
	rs=$((rs + v))
done
[ "$rs" -gt 0 ] || fail "to_nic round_stops $rs: the 1 KB round budget never left a frame for the next round"
echo "ok: round budget: $rs rounds ended at 1 KB with frames left in FQ-CoDel"

# Idle: both ports have Rx interrupts, so the forwarding lcore sleeps in
# epoll and the whole process uses (almost) no CPU.
sleep 1
l2fk_wait_tel /l2fk/lcores lcore0.sleeping 1 3 || fail "lcore not sleeping when idle"
t0=$(l2fk_cpu_ticks)
sleep 2
t1=$(l2fk_cpu_ticks)
cpu=$(( (t1 - t0) * 100 / (2 * $(getconf CLK_TCK)) ))
# A single busy-polling lcore alone would be 100%.
[ "$cpu" -le 20 ] || fail "idle CPU ${cpu}% > 20%"
echo "ok: idle: lcore sleeping on Rx interrupts, process CPU ${cpu}%"
l2fk_stop
echo "PASS"
