#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The kernel's multicast list on the TAP -> the NIC's filters.
# NIC: net_rtap backend=packet on the wire veth.  It has no multicast
# filter table (rte_eth_dev_set_mc_addr_list: -ENOTSUP), so the app falls
# back to allmulticast on the NIC, which net_rtap applies to the attached
# veth (IFF_ALLMULTI, visible in the dp netns) -- and turns it off again
# when the list empties.  Asserted:
#   - the app's copy of the list (telemetry mc_count) follows the TAP's
#     link-layer list (ip maddr), also after `ip maddr add/del`;
#   - NIC allmulticast (ethdev flag and the veth's ALLMULTI) is on while
#     the TAP has groups, off when the TAP goes down (the kernel drops all
#     its groups), on again when it comes back up;
#   - a socket behind the TAP that joined 239.1.2.3 (IP_ADD_MEMBERSHIP,
#     which adds 01:00:5e:01:02:03 to the TAP's list) receives the
#     multicast datagrams the wire peer sends, payload checked; the
#     address leaves the list when the socket closes.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/l2fwd/l2fk_common.sh
. "$here/l2fk_common.sh"
L2FK_TAG=l2m l2fk_setup
mcast=$here/l2fk_mcast.py
group=239.1.2.3
grpmac=01:00:5e:01:02:03

tap_mc_count() {	# link-layer multicast addresses on the TAP
	ip -n "$TB_NS_DP" maddr show dev "$TB_KIF" | grep -c '^[[:space:]]*link '
}

# wait_mc N: the app's mc_count == N (it polls the list once a second)
wait_mc() {
	l2fk_wait_tel /l2fk/pairs,0 mc_count "$1" 5 ||
		fail "app mc_count did not become $1 (TAP has $(tap_mc_count))"
}

# wait_mc_tap: the app's mc_count == the TAP's list, which still grows
# for a while after the TAP comes up (IPv6 joins its groups later)
wait_mc_tap() {
	local i n v
	for ((i = 0; i < 60; i++)); do
		n=$(tap_mc_count)
		v=$(l2fk_tel /l2fk/pairs,0 mc_count 2>/dev/null)
		[ "$n" -ge 1 ] && [ "$v" = "$n" ] && return 0
		sleep 0.1
	done
	fail "app mc_count '$v' != TAP list $n"
}

allmulti_is() {	# 1|0: ethdev flag and the veth's IFF_ALLMULTI
	l2fk_wait_tel /l2fk/pairs,0 nic_allmulti "$1" 5 ||
		fail "NIC allmulticast flag not $1"
	l2fk_wait_flag "$TB_NS_DP" "$TB_WDP" "$1" ALLMULTI 5 ||
		fail "wire veth ALLMULTI not $1"
}

l2fk_start rtappkt
n0=$(tap_mc_count)
[ "$n0" -ge 1 ] || fail "TAP has no multicast address at all (all-hosts expected)"
wait_mc "$n0"
expect=$(l2fk_tel /l2fk/pairs,0 mc_filter)
[ "$expect" = 0 ] || fail "mc_filter $expect: net_rtap packet has no filter table"
l2fk_wait_tel /l2fk/pairs,0 mc_allmulti_fallback 1 5 || fail "no allmulti fallback"
allmulti_is 1
echo "ok: TAP list of $n0 mirrored, NIC allmulticast on (no filter table)"

# ip maddr add / del
ip -n "$TB_NS_DP" maddr add 01:00:5e:7f:00:01 dev "$TB_KIF" || fail "ip maddr add"
wait_mc $((n0 + 1))
ip -n "$TB_NS_DP" maddr del 01:00:5e:7f:00:01 dev "$TB_KIF" || fail "ip maddr del"
wait_mc "$n0"
echo "ok: ip maddr add/del -> mc_count $((n0 + 1)) -> $n0"

# A socket joins the group behind the TAP; the wire peer sends to it.
ready=$L2FK_TMP/joined go=$L2FK_TMP/go port=$((7000 + RANDOM % 1000))
ip netns exec "$TB_NS_DP" timeout 40 "$L2FK_PY" "$mcast" join "$group" \
	"$TB_ADDR4_DP" "$port" 20 "$ready" "$go" >"$L2FK_TMP/join.out" 2>&1 &
jpid=$!
for ((i = 0; i < 50; i++)); do
	[ -f "$ready" ] && break
	sleep 0.1
done
[ -f "$ready" ] || fail "receiver did not join"
ip -n "$TB_NS_DP" maddr show dev "$TB_KIF" | grep -q "link  *$grpmac" ||
	fail "IP_ADD_MEMBERSHIP did not put $grpmac on the TAP"
wait_mc $((n0 + 1))
allmulti_is 1
: >"$go"
l2fk_fg ip netns exec "$TB_NS_SRV" "$L2FK_PY" "$mcast" send "$group" \
	"$TB_ADDR4_SRV" "$port" 20 || fail "multicast sender failed"
wait "$jpid" || { cat "$L2FK_TMP/join.out" >&2; fail "multicast datagrams did not reach the joined socket"; }
echo "ok: joined $group: $grpmac on the list, wire multicast received ($(cat "$L2FK_TMP/join.out"))"
wait_mc "$n0"
echo "ok: socket closed -> $grpmac left the list"

# TAP down: the kernel leaves every group, the NIC stops taking them.
ip -n "$TB_NS_DP" link set "$TB_KIF" down
wait_mc 0
l2fk_wait_tel /l2fk/pairs,0 mc_allmulti_fallback 0 5 || fail "fallback still on"
allmulti_is 0
ip -n "$TB_NS_DP" link set "$TB_KIF" up
wait_mc_tap
allmulti_is 1
echo "ok: TAP down -> list empty -> NIC allmulticast off; up -> on"
l2fk_stop
echo "PASS"
