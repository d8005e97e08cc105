#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Link state mirror, both ways, no loops:
#   TAP admin down -> the NIC port is set down (net_af_packet clears IFF_UP
#   on its netdev) and the TAP loses its carrier with it; TAP up -> NIC up,
#   carrier back, ping passes.
#   Wire carrier down (peer end set down) -> the TAP shows NO-CARRIER;
#   carrier back -> LOWER_UP, ping passes.
# Each step is checked on the interface flags and in telemetry, and the
# control path must report no error.
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

err=$(l2fk_tel /l2fk/stats,0 ctl_errors)
[ "$err" = 0 ] || fail "control path errors: $err"
ev=$(l2fk_tel /l2fk/stats,0 ctl_events)
# start + admin down/up (2 admin, 2 carrier) + wire down/up (2) at least;
# a loop would keep this counter running.
[ "$ev" -ge 6 ] && [ "$ev" -le 30 ] || fail "ctl_events $ev outside 6..30"
sleep 1
ev2=$(l2fk_tel /l2fk/stats,0 ctl_events)
[ "$ev2" = "$ev" ] || fail "control events still counting ($ev -> $ev2): loop?"
echo "ok: $ev control events, no errors, quiet afterwards"
l2fk_stop
echo "PASS"
