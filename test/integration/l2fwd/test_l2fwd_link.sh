#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Link state mirror, both ways, no loops:
#   TAP admin down -> the NIC port is set down (net_af_packet clears IFF_UP
#   on its netdev) and the TAP loses its carrier with it; TAP up -> NIC up,
#   carrier back, ping passes.
#   Wire carrier down (peer end set down) -> the TAP shows NO-CARRIER;
#   carrier back -> LOWER_UP, ping passes.
#   TAP MAC -> NIC MAC; TAP promisc on/off -> NIC promisc on/off; the
#   NIC's link speed shows on the TAP (ethtool).
# Each step is checked on the interface flags and in telemetry, and the
# control path must report no error.  Stopped with SIGTERM (the other
# tests use SIGINT): exit 0, summary printed, TAP gone.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/l2fwd/l2fk_common.sh
. "$here/l2fk_common.sh"
L2FK_TAG=l2l l2fk_setup ping

ping_ok() {
	ip netns exec "$TB_NS_DP" ping -c 2 -i 0.2 -W 2 "$TB_ADDR4_SRV" >/dev/null 2>&1
}

l2fk_start afpacket
l2fk_wait_flag "$TB_NS_DP" "$TB_KIF" 1 LOWER_UP || fail "TAP has no carrier at start"
ping_ok || fail "no ping at start"
# Link speed: net_af_packet reports 10 Gbit/s full duplex; tun's own
# default is 10 Mbit/s, so this value can only come from the mirror.
sp=$(ip netns exec "$TB_NS_DP" ethtool "$TB_KIF" | sed -n 's/.*Speed: *//p')
[ "$sp" = 10000Mb/s ] || fail "TAP speed '$sp', NIC reports 10000Mb/s"
echo "ok: NIC link speed on the TAP: $sp"

ip -n "$TB_NS_DP" link set "$TB_KIF" down
l2fk_wait_flag "$TB_NS_DP" "$TB_WDP" 0 UP 3 || fail "NIC netdev still UP after TAP down"
l2fk_wait_tel /l2fk/pairs,0 kernel_admin_up 0 3 || fail "telemetry admin state"
l2fk_wait_tel /l2fk/pairs,0 nic_link_up 0 3 || fail "NIC link still up after TAP down"
echo "ok: TAP admin down -> NIC down"
ip -n "$TB_NS_DP" link set "$TB_KIF" up
l2fk_wait_flag "$TB_NS_DP" "$TB_WDP" 1 UP 3 || fail "NIC netdev not UP after TAP up"
l2fk_wait_flag "$TB_NS_DP" "$TB_KIF" 1 LOWER_UP 5 || fail "TAP carrier not back after up"
ping_ok || fail "no ping after admin down/up"
echo "ok: TAP admin up -> NIC up, carrier back, ping passes"

ip -n "$TB_NS_SRV" link set "$TB_WSRV" down
l2fk_wait_flag "$TB_NS_DP" "$TB_KIF" 1 NO-CARRIER 3 || fail "TAP has carrier with the wire down"
l2fk_wait_tel /l2fk/pairs,0 nic_link_up 0 3 || fail "telemetry NIC link"
l2fk_have_flag "$TB_NS_DP" "$TB_KIF" UP || fail "TAP admin state changed by carrier loss"
echo "ok: wire carrier down -> TAP NO-CARRIER ($(l2fk_flags "$TB_NS_DP" "$TB_KIF"))"
ip -n "$TB_NS_SRV" link set "$TB_WSRV" up
l2fk_wait_flag "$TB_NS_DP" "$TB_KIF" 1 LOWER_UP 5 || fail "TAP carrier not back"
l2fk_have_flag "$TB_NS_DP" "$TB_KIF" NO-CARRIER && fail "TAP still NO-CARRIER"
ping_ok || fail "no ping after carrier down/up"
echo "ok: wire carrier up -> TAP LOWER_UP, ping passes"

# MAC and promiscuous mode follow the TAP too.
mac=02:00:5e:10:00:42
ip -n "$TB_NS_DP" link set "$TB_KIF" address "$mac"
for ((i = 0; i < 30; i++)); do
	ip -n "$TB_NS_DP" link show "$TB_WDP" | grep -q "link/ether $mac" && break
	sleep 0.1
done
ip -n "$TB_NS_DP" link show "$TB_WDP" | grep -q "link/ether $mac" ||
	fail "NIC MAC did not follow the TAP ($mac)"
ping_ok || fail "no ping after the MAC change"
ip -n "$TB_NS_DP" link set "$TB_KIF" promisc on
l2fk_wait_flag "$TB_NS_DP" "$TB_WDP" 1 PROMISC 3 || fail "NIC not promiscuous"
ip -n "$TB_NS_DP" link set "$TB_KIF" promisc off
l2fk_wait_flag "$TB_NS_DP" "$TB_WDP" 0 PROMISC 3 || fail "NIC still promiscuous"
echo "ok: TAP MAC -> NIC MAC, TAP promisc on/off -> NIC promisc on/off"

err=$(l2fk_tel /l2fk/stats,0 ctl_errors)
[ "$err" = 0 ] || fail "control path errors: $err"
ev=$(l2fk_tel /l2fk/stats,0 ctl_events)
# start + admin down/up (2 admin, 2 carrier) + wire down/up (2) + MAC +
# promisc on/off at least;
# a loop would keep this counter running.
if [ "$ev" -lt 9 ] || [ "$ev" -gt 40 ]; then fail "ctl_events $ev outside 9..40"; fi
sleep 1
ev2=$(l2fk_tel /l2fk/stats,0 ctl_events)
[ "$ev2" = "$ev" ] || fail "control events still counting ($ev -> $ev2): loop?"
echo "ok: $ev control events, no errors, quiet afterwards"
l2fk_stop TERM
grep -q "== l2fwd-kernel summary" "$L2FK_LOG" || fail "no exit summary after SIGTERM"
echo "ok: SIGTERM: exit 0, summary printed, TAP removed"
echo "PASS"
