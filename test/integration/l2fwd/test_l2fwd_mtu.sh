#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# MTU: the TAP starts with the NIC's MTU (wire end preset to 1400); an MTU
# set on the TAP (1500) reaches the NIC port (its kernel netdev shows it,
# telemetry too) and 1500-byte DF packets, refused before, then pass both
# ways; lowering works too (1280); an MTU the NIC refuses (9000: DPDK
# 22.11's net_af_packet reports a 1518-byte max frame) is reverted on the
# TAP with a log line and leaves the NIC unchanged.  Then, with a NIC that
# takes jumbo frames (net_rtap backend=packet), TAP 9000 reaches the NIC
# and 9000-byte DF packets pass both ways.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/l2fwd/l2fk_common.sh
. "$here/l2fk_common.sh"
L2FK_TAG=l2m l2fk_setup ping

ip -n "$TB_NS_DP" link set "$TB_WDP" mtu 1400
l2fk_start afpacket
m=$(l2fk_mtu "$TB_NS_DP" "$TB_KIF")
[ "$m" = 1400 ] || fail "TAP MTU $m at start, NIC has 1400"
echo "ok: TAP starts with the NIC's MTU 1400"

# 1472 + 8 (ICMP) + 20 (IPv4) = 1500 bytes: too big for 1400.
ping_big() {
	ip netns exec "$1" ping -c 3 -i 0.2 -W 2 -M "do" -s 1472 "$2" >/dev/null 2>&1
}
ping_big "$TB_NS_DP" "$TB_ADDR4_SRV" && fail "1500-byte DF ping passed at MTU 1400"

# $1: TAP MTU to set; waits for the NIC netdev and telemetry to follow.
set_mtu() {
	local want=$1 i m
	ip -n "$TB_NS_DP" link set "$TB_KIF" mtu "$want"
	for ((i = 0; i < 30; i++)); do
		[ "$(l2fk_mtu "$TB_NS_DP" "$TB_WDP")" = "$want" ] && break
		sleep 0.1
	done
	m=$(l2fk_mtu "$TB_NS_DP" "$TB_WDP")
	[ "$m" = "$want" ] || fail "NIC netdev MTU $m after TAP MTU $want"
	l2fk_wait_tel /l2fk/pairs,0 mtu "$want" 3 || fail "telemetry MTU"
	echo "ok: TAP MTU $want -> NIC MTU $want"
}
set_mtu 1500
ping_big "$TB_NS_DP" "$TB_ADDR4_SRV" || fail "1500-byte DF ping kernel->wire failed"
ping_big "$TB_NS_SRV" "$TB_ADDR4_DP" || fail "1500-byte DF ping wire->kernel failed"
echo "ok: 1500-byte packets pass both ways"
set_mtu 1280

ip -n "$TB_NS_DP" link set "$TB_KIF" mtu 9000
sleep 0.5
for ((i = 0; i < 30; i++)); do
	[ "$(l2fk_mtu "$TB_NS_DP" "$TB_KIF")" = 1280 ] && break
	sleep 0.1
done
m=$(l2fk_mtu "$TB_NS_DP" "$TB_KIF")
[ "$m" = 1280 ] || fail "TAP MTU $m: refused 9000 not reverted to 1280"
m=$(l2fk_mtu "$TB_NS_DP" "$TB_WDP")
[ "$m" = 1280 ] || fail "NIC MTU changed to $m on a refused request"
grep -q "MTU 9000 rejected" "$L2FK_LOG" || fail "no log line for the refused MTU"
ip netns exec "$TB_NS_DP" ping -c 2 -i 0.2 -W 2 -M "do" -s 1252 "$TB_ADDR4_SRV" \
	>/dev/null || fail "1280-byte ping failed after the refused MTU"
echo "ok: MTU 9000 refused by the NIC, TAP reverted to 1280"
l2fk_stop

# Jumbo frames with a NIC that takes them (net_rtap backend=packet,
# scattered Rx): TAP 9000 -> NIC 9000, 9000-byte DF pings both ways.
tb_cleanup
rm -rf "/var/run/dpdk/$TB"
tb_init l2m
trap l2fk_cleanup EXIT
tb_wire || fail "testbed setup"
ip netns exec "$TB_NS_DP" sysctl -qw "net.ipv4.conf.$TB_WDP.rp_filter=1" \
	"net.ipv6.conf.$TB_WDP.disable_ipv6=1"
ip -n "$TB_NS_SRV" link set "$TB_WSRV" mtu 9000
l2fk_start rtappkt
set_mtu 9000
# 8972 + 8 + 20 = 9000 bytes
for ns_dst in "$TB_NS_DP $TB_ADDR4_SRV" "$TB_NS_SRV $TB_ADDR4_DP"; do
	read -r ns dst <<<"$ns_dst"
	ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 -M "do" -s 8972 "$dst" \
		>/dev/null 2>&1 || fail "9000-byte DF ping from $ns failed"
done
echo "ok: jumbo: 9000-byte packets pass both ways (net_rtap backend=packet)"
l2fk_stop
echo "PASS"
