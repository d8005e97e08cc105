#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# One case of the redirect backend test (test_redirect.c) on a fresh veth
# pair: $TB-dp holds the DPDK process and the veth end it attaches to
# (backend=packet|xdp, iface=...), $TB-srv the kernel peer.
#
#   redirect.sh <test_redirect binary> <packet|xdp> <case> [devargs]
#
# devargs (e.g. rxmode=ring) are added to the port's devargs.
#
# Fails (never skips) when root or a kernel feature is missing.
set -u
BIN=$1 BACKEND=$2 CASE=$3 EXTRA=${4:-}

fail() { echo "FAIL [$BACKEND/$CASE${EXTRA:+ $EXTRA}]: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (netns, veth, AF_PACKET/AF_XDP)"
[ -x "$BIN" ] || fail "no test binary $BIN"
for c in ip ethtool; do
	command -v $c >/dev/null || fail "missing $c"
done
SRC=${RTAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
# shellcheck source=../../../devtools/testbed.sh
. "$SRC/devtools/testbed.sh"
tb_init rd
tb_ns dp || fail "netns"
NS_DP=$TB_NS
tb_ns srv || fail "netns"
NS_SRV=$TB_NS
if [ "$CASE" = intr ]; then
	# An idle link must be silent for an Rx interrupt to time out: no
	# IPv6 on the peer from the start (its MLD reports and router
	# solicitations come for seconds after link up and are real
	# incoming frames).  The DPDK side's own are never received (case
	# ownmc); its IPv6 is off too so nothing on the link depends on it.
	for ns in "$NS_DP" "$NS_SRV"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv6.conf.all.disable_ipv6=1 || fail "sysctl disable_ipv6"
	done
fi
W0="${TB}w0" W1="${TB}w1"
if [ "$CASE" = fanout ] || [ "$CASE" = cycle ]; then
	# Two real queues each way (AF_XDP binds one XSK per queue).
	ip link add "$W0" numtxqueues 2 numrxqueues 2 type veth peer \
		name "$W1" numtxqueues 2 numrxqueues 2 || fail "veth"
	TB_LINKS+=("$W0")
	ip link set "$W0" netns "$NS_DP" && ip link set "$W1" netns "$NS_SRV" ||
		fail "veth move"
	ip -n "$NS_DP" link set "$W0" up && ip -n "$NS_SRV" link set "$W1" up
else
	tb_veth "$W0" "$NS_DP" "$W1" "$NS_SRV" || fail "veth"
fi
ip -n "$NS_SRV" addr add 198.18.0.2/24 dev "$W1"
[ "$CASE" = intr ] || ip -n "$NS_SRV" addr add 2001:2::2/64 dev "$W1" nodad
MAC0=$(ip -n "$NS_DP" -br link show "$W0" | awk '{print $3}')
ip -n "$NS_SRV" neigh replace 198.18.0.1 lladdr "$MAC0" dev "$W1" nud permanent
[ "$CASE" = intr ] ||
	ip -n "$NS_SRV" neigh replace 2001:2::1 lladdr "$MAC0" dev "$W1" nud permanent
case $CASE in
tx)	# The kernel finishes our CHECKSUM_PARTIAL frames in software
	# before the wire, so the peer verifies every checksum for real.
	ip netns exec "$NS_DP" ethtool -K "$W0" tx off >/dev/null || fail "ethtool";;
rxcsum)	ip netns exec "$NS_SRV" ethtool -K "$W1" tx off >/dev/null || fail "ethtool";;
tcp)	# No GSO/LRO over AF_XDP: the peer must send finished checksums.
	[ "$BACKEND" = xdp ] && { ip netns exec "$NS_SRV" ethtool -K "$W1" tx off >/dev/null || fail "ethtool"; };;
jumbo|mtu)	ip -n "$NS_DP" link set "$W0" mtu 9000 && ip -n "$NS_SRV" link set "$W1" mtu 9000 ||
		fail "mtu 9000";;
esac
sleep 0.3
export RTAP_BACKEND=$BACKEND
# Case jumbo's peer bursts 64 unpaced 8000-byte datagrams (~1 MB of skb
# truesize) with nothing to slow it down: more than the 256 KB default
# socket buffer is meant to hold, so it asks for more, as documented.
# Case rx sends bursts of 64 x 1400 bytes (~150 KB of truesize) every
# 0.5 ms and checks that every one arrives: at load 12 on 2 cores the
# receiving lcore is descheduled for longer than 256 KB lasts (1-3 of 3
# runs lost 78-124 frames, counted in imissed), so it asks for more too.
if { [ "$CASE" = jumbo ] || [ "$CASE" = rx ]; } && [ "$BACKEND" = packet ]; then
	export RTAP_DEVARGS=sockbuf=2m
fi
[ -n "$EXTRA" ] && export RTAP_DEVARGS="${RTAP_DEVARGS:+$RTAP_DEVARGS,}$EXTRA"
timeout -s INT 50 ip netns exec "$NS_DP" "$BIN" "$CASE" "$W0" "$NS_SRV" "$W1"
rc=$?
[ $rc = 0 ] || fail "test_redirect exited $rc"
exit 0
