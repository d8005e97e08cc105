#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ethtool -K on the TAP propagates to the NIC port: with a TSO-capable
# NIC (net_rtap backend=packet), `ethtool -K <tap> tso off` must take TCP
# TSO off the NIC's Tx offloads (the port is reconfigured with the
# forwarding lcores paused) and traffic must keep flowing as MTU-sized
# frames; `tso on` restores TSO and GSO frames.  Checked through
# telemetry (/l2fk/pairs nic_tx_offloads, /l2fk/stats reconfigs) and the
# kernel->NIC frame sizes.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/l2fwd/l2fk_common.sh
. "$here/l2fk_common.sh"
L2FK_TAG=l2e l2fk_setup iperf3

# $1: "le1514" or "gt3000" on the average kernel->NIC frame of an upload.
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
	le1514) [ "$avg" -le 1514 ] || fail "average frame $avg > 1514 with TSO off" ;;
	gt3000) [ "$avg" -gt 3000 ] || fail "average frame $avg: no GSO frames" ;;
	esac
}

has_tso() {
	[[ ",$(l2fk_tel /l2fk/pairs,0 nic_tx_offloads)," == *",TCP_TSO,"* ]]
}

l2fk_start rtappkt
has_tso || fail "NIC starts without TSO"
upload_check gt3000

ip netns exec "$TB_NS_DP" ethtool -K "$TB_KIF" tso off || fail "ethtool -K tso off"
l2fk_wait_tel /l2fk/stats,0 reconfigs 1 5 || fail "NIC not reconfigured"
has_tso && fail "NIC still has TSO after ethtool -K tso off"
l2fk_wait_tel /l2fk/pairs,0 nic_tso 0 2 || fail "telemetry nic_tso"
grep -q "ethtool: tso off" "$L2FK_LOG" || fail "no log line for the change"
upload_check le1514
echo "ok: ethtool -K tso off -> NIC TSO off, traffic flows in MTU frames"

ip netns exec "$TB_NS_DP" ethtool -K "$TB_KIF" tso on || fail "ethtool -K tso on"
l2fk_wait_tel /l2fk/stats,0 reconfigs 2 5 || fail "NIC not reconfigured back"
has_tso || fail "NIC lacks TSO after ethtool -K tso on"
upload_check gt3000
echo "ok: ethtool -K tso on -> NIC TSO back, GSO frames again"
l2fk_stop
echo "PASS"
