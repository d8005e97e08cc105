#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# UDP GSO (UDP_SEGMENT) and TCP/IPv6 GSO through l2fwd-kernel.
#
#   test_l2fwd_gso.sh notso   NIC net_af_packet: no TSO, no USO.  Software
#       GSO here is rte_gso's TCP/IPv4 only, so the TAP must not offer
#       tx-tcp6-segmentation nor tx-udp-segmentation (the kernel segments
#       those before the TAP); an ethtool -K that turns them back on is
#       undone.  A UDP_SEGMENT sender (IPv4 and IPv6) reaches the wire
#       peer datagram by datagram, sizes and payload checked; an IPv6 TCP
#       transfer arrives with the same SHA-256; every frame on the NIC is
#       MTU sized and nothing is dropped as untranslatable.
#   test_l2fwd_gso.sh tso     NIC net_rtap backend=packet: TSO and USO.
#       The TAP offers both; UDP_SEGMENT and IPv6 TCP cross the app as GSO
#       frames (average frame on the NIC > 3000 bytes), the wire peer gets
#       intact datagrams / the same SHA-256; a UDP_SEGMENT sender on the
#       wire side reaches a socket behind the TAP intact too.
set -uo pipefail
case ${1:-} in
notso|tso) ;;
*) echo "usage: $0 notso|tso" >&2; exit 1 ;;
esac
arm=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/l2fwd/l2fk_common.sh
. "$here/l2fk_common.sh"
L2FK_TAG=l2g l2fk_setup sha256sum
udpgso=$here/l2fk_udpgso.py
xfer=$here/l2fk_xfer.py

feat() {	# feat IFACE FEATURE -> on|off
	ip netns exec "$TB_NS_DP" ethtool -k "$1" |
		sed -n "s/^[[:space:]]*$2: \([a-z]*\).*/\1/p"
}

expect_tel() {	# key value
	local v
	v=$(l2fk_tel /l2fk/pairs,0 "$1") || fail "telemetry $1"
	[ "$v" = "$2" ] || fail "$1 = '$v', expected '$2'"
}

up_counters() {	# -> "bytes pkts" of kernel->NIC
	echo "$(l2fk_tel /l2fk/stats,0 kernel_to_nic.tx_bytes)" \
		"$(l2fk_tel /l2fk/stats,0 kernel_to_nic.tx_pkts)"
}

# avg_check LABEL B0 P0 le1514|gt3000
avg_check() {
	local label=$1 b0=$2 p0=$3 rel=$4 b1 p1 avg
	read -r b1 p1 < <(up_counters)
	[ "$p1" -gt "$p0" ] || fail "$label: no frame crossed kernel->NIC"
	avg=$(( (b1 - b0) / (p1 - p0) ))
	echo "$label: kernel->NIC $((p1 - p0)) frames, average $avg bytes"
	case $rel in
	le1514) [ "$avg" -le 1514 ] || fail "$label: average frame $avg > 1514" ;;
	gt3000) [ "$avg" -gt 3000 ] || fail "$label: average frame $avg: GSO frames did not cross" ;;
	esac
}

tap_tx_dropped() {
	ip -n "$TB_NS_DP" -j -s link show "$TB_KIF" | "$L2FK_PY" -c \
		'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'
}

# udp_run LABEL SENDNS RECVNS DSTADDR GSO COUNT
udp_run() {
	local label=$1 sns=$2 rns=$3 addr=$4 gso=$5 count=$6
	local port=$((6000 + RANDOM % 1000)) ready=$L2FK_TMP/ready.$label i
	rm -f "$ready"
	ip netns exec "$rns" timeout 30 "$L2FK_PY" "$udpgso" recv "$addr" "$port" \
		"$count" "$gso" "$ready" >"$L2FK_TMP/$label.recv" 2>&1 &
	local rpid=$!
	for ((i = 0; i < 50; i++)); do
		[ -f "$ready" ] && break
		sleep 0.1
	done
	[ -f "$ready" ] || fail "$label: receiver not ready"
	d0=$(tap_tx_dropped)
	l2fk_fg ip netns exec "$sns" timeout 30 "$L2FK_PY" "$udpgso" send "$addr" \
		"$port" "$count" "$gso" || fail "$label: sender failed"
	wait "$rpid"
	rc=$?
	if [ "$rc" = 3 ]; then
		# Lost, not damaged: only acceptable where the kernel counted
		# it -- tail drops of the TAP's tun ring (TX dropped) when the
		# lcore was descheduled on a loaded machine.
		lost=$(sed -n 's/^lost \([0-9]*\).*/\1/p' "$L2FK_TMP/$label.recv")
		d1=$(tap_tx_dropped)
		if [ -n "$lost" ] && [ "$lost" -le $((count / 10)) ] &&
		   [ "$lost" -le $((d1 - d0)) ]; then
			echo "$label: $(cat "$L2FK_TMP/$label.recv"); all $lost counted as TAP tail drops ($((d1 - d0)))"
			return 0
		fi
		echo "$label: TAP TX dropped $d0 -> $d1" >&2
	fi
	[ "$rc" = 0 ] || {
		cat "$L2FK_TMP/$label.recv" >&2
		ip -n "$TB_NS_DP" -s link show "$TB_KIF" >&2
		ip -n "$TB_NS_SRV" -s link show "$TB_WSRV" >&2
		l2fk_tel /l2fk/stats,0 >&2
		l2fk_tel /ethdev/xstats,0 >&2
		fail "$label: receiver: datagrams lost or damaged"
	}
	echo "$label: $(cat "$L2FK_TMP/$label.recv")"
}

# tcp6_run LABEL: IPv6 TCP upload kernel -> wire peer, SHA-256 compared
tcp6_run() {
	local label=$1 port=$((5000 + RANDOM % 1000)) want got
	head -c $((8 << 20)) /dev/urandom >"$L2FK_TMP/src"
	want=$(sha256sum <"$L2FK_TMP/src" | cut -d' ' -f1)
	ip netns exec "$TB_NS_SRV" timeout 45 "$L2FK_PY" "$xfer" serve-recv \
		"$TB_ADDR6_SRV" "$port" "$L2FK_TMP/$label.out" &
	local spid=$!
	l2fk_fg timeout 45 ip netns exec "$TB_NS_DP" "$L2FK_PY" "$xfer" send \
		"$TB_ADDR6_SRV" "$port" "$L2FK_TMP/src" || fail "$label: client failed"
	wait "$spid" || fail "$label: server failed"
	got=$(sha256sum <"$L2FK_TMP/$label.out" | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "$label: sha256 $got != $want"
	echo "$label: 8 MiB over TCP/IPv6, sha256 $got"
}

no_bad_offload() {
	local d v
	for d in kernel_to_nic nic_to_kernel; do
		v=$(l2fk_tel /l2fk/stats,0 "$d.bad_offload")
		[ "$v" = 0 ] || fail "$d.bad_offload = $v"
	done
}

if [ "$arm" = notso ]; then
	l2fk_start afpacket
	expect_tel sw_gso 1
	expect_tel nic_uso 0
	expect_tel kernel_tso6 0
	[ "$(feat "$TB_KIF" tx-tcp-segmentation)" = on ] ||
		fail "TAP does not offer TSO for IPv4 (software GSO)"
	[ "$(feat "$TB_KIF" tx-tcp6-segmentation)" = off ] ||
		fail "TAP offers tx-tcp6-segmentation, rte_gso cannot segment it"
	[ "$(feat "$TB_KIF" tx-udp-segmentation)" = off ] ||
		fail "TAP offers tx-udp-segmentation to a NIC without USO"
	echo "ok: TAP features: tso on, tso6 off, uso off"

	read -r b0 p0 < <(up_counters)
	udp_run uso4 "$TB_NS_DP" "$TB_NS_SRV" "$TB_ADDR4_SRV" 1400 440
	udp_run uso6 "$TB_NS_DP" "$TB_NS_SRV" "$TB_ADDR6_SRV" 1200 440
	avg_check "UDP_SEGMENT" "$b0" "$p0" le1514
	read -r b0 p0 < <(up_counters)
	tcp6_run tcp6
	avg_check "TCP/IPv6" "$b0" "$p0" le1514
	no_bad_offload

	# The user switches USO back on: the app turns it off again.
	ip netns exec "$TB_NS_DP" ethtool -K "$TB_KIF" tx-udp-segmentation on \
		tx-tcp6-segmentation on >/dev/null 2>&1
	for ((i = 0; i < 30; i++)); do
		[ "$(feat "$TB_KIF" tx-udp-segmentation)" = off ] &&
			[ "$(feat "$TB_KIF" tx-tcp6-segmentation)" = off ] && break
		sleep 0.1
	done
	[ "$(feat "$TB_KIF" tx-udp-segmentation)" = off ] ||
		fail "ethtool -K tx-udp-segmentation on was not undone"
	[ "$(feat "$TB_KIF" tx-tcp6-segmentation)" = off ] ||
		fail "ethtool -K tx-tcp6-segmentation on was not undone"
	udp_run uso4b "$TB_NS_DP" "$TB_NS_SRV" "$TB_ADDR4_SRV" 1000 110
	no_bad_offload
	echo "ok: ethtool -K uso/tso6 on undone, traffic intact"
	l2fk_stop
	echo "PASS"
	exit 0
fi

l2fk_start rtappkt
expect_tel nic_tso 1
expect_tel nic_uso 1
expect_tel kernel_tso6 1
v=$(l2fk_tel /l2fk/pairs,0 nic_tx_offloads)
[[ ",$v," == *",UDP_TSO,"* ]] || fail "NIC Tx offloads '$v' lack UDP_TSO"
[ "$(feat "$TB_KIF" tx-udp-segmentation)" = on ] ||
	fail "TAP does not offer tx-udp-segmentation with a USO NIC"
[ "$(feat "$TB_KIF" tx-tcp6-segmentation)" = on ] ||
	fail "TAP does not offer tx-tcp6-segmentation with a TSO NIC"
echo "ok: TAP features: uso on, tso6 on"

read -r b0 p0 < <(up_counters)
udp_run uso4 "$TB_NS_DP" "$TB_NS_SRV" "$TB_ADDR4_SRV" 1400 440
udp_run uso6 "$TB_NS_DP" "$TB_NS_SRV" "$TB_ADDR6_SRV" 1200 440
avg_check "UDP_SEGMENT" "$b0" "$p0" gt3000
read -r b0 p0 < <(up_counters)
tcp6_run tcp6
avg_check "TCP/IPv6" "$b0" "$p0" gt3000
# Wire side sends with UDP_SEGMENT: the NIC port hands it over as one
# "LRO" frame, the TAP takes it as a USO skb, the socket gets datagrams.
udp_run uso4down "$TB_NS_SRV" "$TB_NS_DP" "$TB_ADDR4_DP" 1400 440
udp_run uso6down "$TB_NS_SRV" "$TB_NS_DP" "$TB_ADDR6_DP" 1200 440
no_bad_offload
l2fk_stop
echo "PASS"
