#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Speed of the redirect backends on a veth pair (not a test: numbers for
# bench/ and doc/performance.md).  One testpmd polling lcore each run.
#
#   bench_redirect.sh mpps    64-byte txonly/rxonly: rtap packet vs
#                             net_af_packet, rtap xdp vs net_af_xdp
#   bench_redirect.sh tcp     iperf3 10 s each way: kernel -> net_rtap tap
#                             <-> testpmd csum fwd <-> net_rtap packet ->
#                             veth -> kernel, vs a direct veth, vs the
#                             net_tap <-> net_af_packet anchor
#   PKT_DEVARGS=sockbuf=1m ... tcp-rtap   extra devargs of the packet port
#   bench_redirect.sh mpps-rx 64-byte rxonly, REPS rounds (default 3)
#                             interleaved: rtap packet rxmode=mmsg, rtap
#                             packet rxmode=ring, net_af_packet; each point
#                             with the sender's (pktflood) rate and the
#                             receiving lcore's CPU; median per row
#
# The tcp modes also print the idle round-trip time of 200 pings through
# the forwarder (10 ms apart: a TPACKET_V3 block times out, it never fills).
set -u
SRC=${RTAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${RTAP_BUILD_DIR:-$SRC/build}
TESTPMD=${TESTPMD:-/opt/rtap-deps/bin/dpdk-testpmd}
PLUGIN=$BUILD/drivers/net/rtap/librte_net_rtap.so
FLOOD=$BUILD/bench/pktflood
SECS=${SECS:-10}
. "$SRC/devtools/testbed.sh"

die() { echo "bench_redirect: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
[ -f "$PLUGIN" ] || die "no $PLUGIN (build first)"

# testpmd in netns $1 with vdev args $2, forwarding mode $3, rest: extra.
# Prints the mean of the per-second pps samples 3..SECS-1 (warm-up cut).
pmd_pps() {
	local ns=$1 vdev=$2 mode=$3 key=$4 log pid
	log=$(mktemp /tmp/rtap-bench.XXXXXX)
	ip netns exec "$ns" "$TESTPMD" -l 0,1 --no-pci --no-huge -m 512 \
		--file-prefix "$TB$RANDOM" -d "$PLUGIN" --vdev "$vdev" -- \
		--total-num-mbufs 16384 --stats-period 1 --forward-mode="$mode" \
		--txpkts=64 --burst=32 >"$log" 2>&1 &
	pid=$!
	TB_PIDS+=("$pid")
	sleep "$SECS"
	kill -INT "$pid"; wait "$pid" 2>/dev/null
	awk -v k="$key" '$1 == k {n++; if (n >= 3) {s += $2; c++}}
		END {if (c) printf "%.3f\n", s / c / 1e6; else print "n/a"}' \
		"$log"
	rm -f "$log"
}

mpps() {
	local name vdev tx rx
	tb_init rb
	tb_ns dp; local DP=$TB_NS
	tb_ns srv; local SRV=$TB_NS
	tb_veth "${TB}w0" "$DP" "${TB}w1" "$SRV" || die "veth"
	local W0=${TB}w0 W1=${TB}w1
	for name in rtap-packet af_packet rtap-xdp af_xdp; do
		case $name in
		rtap-packet) vdev="net_rtap0,backend=packet,iface=$W0";;
		af_packet) vdev="net_af_packet0,iface=$W0";;
		rtap-xdp) vdev="net_rtap0,backend=xdp,iface=$W0";;
		af_xdp) vdev="net_af_xdp0,iface=$W0,start_queue=0,queue_count=1";;
		esac
		tx=$(pmd_pps "$DP" "$vdev" txonly Tx-pps:)
		tb_bg "$SRV" "$FLOOD" -i "$W1" -s 60 -t $((SECS + 2)) -b 64
		local fpid=$TB_LAST_PID
		rx=$(pmd_pps "$DP" "$vdev" rxonly Rx-pps:)
		wait "$fpid" 2>/dev/null
		printf '%-12s 64B txonly %s Mpps   rxonly %s Mpps\n' "$name" "$tx" "$rx"
	done
	tb_cleanup
}

# One rxonly point: netns $1, vdev $2, sender netns $3 and iface $4.
# Prints "<rx Mpps> <sender Mpps> <RX-missed>" (testpmd's Rx-pps samples
# 3.. once forwarding started; pktflood's own count over its whole run;
# testpmd's final RX-missed).
rx_point() {
	local ns=$1 vdev=$2 sns=$3 sif=$4 log pid fpid
	log=$(mktemp /tmp/rtap-bench.XXXXXX)
	tb_bg "$sns" sh -c "exec $FLOOD -i $sif -s 60 -t $((SECS + 6)) -b 64 >$log.flood 2>&1"
	fpid=$TB_LAST_PID
	ip netns exec "$ns" stdbuf -oL "$TESTPMD" -l 0,1 --no-pci --no-huge -m 512 \
		--file-prefix "$TB$RANDOM" -d "$PLUGIN" --vdev "$vdev" -- \
		--total-num-mbufs 16384 --stats-period 1 --forward-mode=rxonly \
		--burst=32 >"$log" 2>&1 &
	pid=$!
	TB_PIDS+=("$pid")
	# Samples 3.. of the stats loop, once forwarding started.
	for _ in $(seq 100); do grep -q Rx-pps: "$log" && break; sleep 0.2; done
	sleep $((SECS + 2))
	kill -INT "$pid"; wait "$pid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	awk '$1 == "Rx-pps:" {n++; if (n >= 3) {s += $2; c++}}
		END {if (c) printf "%.3f", s / c / 1e6; else printf "n/a"}' "$log"
	grep -o 'pps=[0-9]*' "$log.flood" | cut -d= -f2 |
		awk '{printf " %.3f", $1 / 1e6} END {if (!NR) printf " n/a"}'
	# Frames the kernel dropped for the port (socket/ring full).
	grep -o 'RX-missed: *[0-9]*' "$log" | tail -1 | awk '{print " " $2 + 0} END {if (!NR) print " n/a"}'
	[ -n "${KEEPLOG:-}" ] && cp "$log" "/tmp/rtap-bench-rx-${vdev%%,*}.log"
	rm -f "$log" "$log.flood"
}

med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

mpps_rx() {
	local name vdev r rx sent missed
	declare -A RX SENT
	tb_init rb
	tb_ns dp; local DP=$TB_NS
	tb_ns srv; local SRV=$TB_NS
	tb_veth "${TB}w0" "$DP" "${TB}w1" "$SRV" || die "veth"
	local W0=${TB}w0 W1=${TB}w1
	for r in $(seq "${REPS:-3}"); do
		for name in mmsg ring af_packet; do
			case $name in
			mmsg) vdev="net_rtap0,backend=packet,iface=$W0,rxmode=mmsg";;
			ring) vdev="net_rtap0,backend=packet,iface=$W0,rxmode=ring";;
			af_packet) vdev="net_af_packet0,iface=$W0";;
			esac
			read -r rx sent missed < <(rx_point "$DP" "$vdev" "$SRV" "$W1")
			RX[$name]="${RX[$name]:-} $rx"
			SENT[$name]="${SENT[$name]:-} $sent"
			echo "round $r $name rxonly $rx Mpps (sender $sent Mpps, RX-missed $missed)" >&2
		done
	done
	for name in mmsg ring af_packet; do
		printf '%-10s 64B rxonly runs%s  median %s Mpps   sender runs%s  median %s Mpps\n' \
			"$name" "${RX[$name]}" "$(echo "${RX[$name]}" | med)" \
			"${SENT[$name]}" "$(echo "${SENT[$name]}" | med)"
	done
	tb_cleanup
}

# TCP through testpmd: $1 = "rtap" or "anchor".
tcp_fwd() {
	local kind=$1 log pid fifo up down kif
	tb_init rt
	tb_wire || die "testbed"
	kif=$TB_KIF
	fifo=$(mktemp -u /tmp/rtap-bench-fifo.XXXXXX); mkfifo "$fifo"
	log=$(mktemp /tmp/rtap-bench.XXXXXX)
	local A B
	if [ "$kind" = rtap ]; then
		A="net_rtap0,iface=$kif"
		B="net_rtap1,backend=packet,iface=$TB_WDP${PKT_DEVARGS:+,$PKT_DEVARGS}"
	else
		A="net_tap0,iface=$kif"
		B="net_af_packet0,iface=$TB_WDP"
	fi
	# csum fwd: GSO/partial frames in, TSO/checksum offload out.
	(
		# csum fwd rewrites MACs: make it a transparent bridge.
		for _ in $(seq 100); do
			ip -n "$TB_NS_DP" link show "$kif" >/dev/null 2>&1 && break
			sleep 0.1
		done
		sleep 1
		echo "set eth-peer 0 $(ip -n "$TB_NS_DP" -br link show "$kif" | awk '{print $3}')"
		echo "set eth-peer 1 $(ip -n "$TB_NS_SRV" -br link show "$TB_WSRV" | awk '{print $3}')"
		if [ "$kind" = rtap ]; then
			echo "csum set ip hw 0"; echo "csum set ip hw 1"
			echo "csum set tcp hw 0"; echo "csum set tcp hw 1"
			echo "csum set udp hw 0"; echo "csum set udp hw 1"
			echo "tso set 1448 0"; echo "tso set 1448 1"
		fi
		echo "port start all"
		# The anchor has no vnet header: plain io fwd, and the peer
		# must finish its checksums (DESIGN.md pitfall).
		if [ "$kind" = rtap ]; then echo "set fwd csum"; else echo "set fwd io"; fi
		echo "start"
		# Counters of both ports once the transfers are done.
		while [ ! -e "$fifo.done" ]; do sleep 0.2; done
		echo "show port stats all"
		echo "show port xstats all"
		sleep 1000
	) >"$fifo" &
	TB_PIDS+=($!)
	ip netns exec "$TB_NS_DP" "$TESTPMD" -l 0,1 --no-pci --no-huge -m 1024 \
		--file-prefix "$TB" -d "$PLUGIN" --vdev "$A" --vdev "$B" -- -i \
		--total-num-mbufs 32768 --disable-device-start \
		$([ "$kind" = rtap ] && echo --mbuf-size 16384 --enable-scatter \
			--enable-rx-cksum --enable-lro --max-lro-pkt-size=65535) \
		<"$fifo" >"$log" 2>&1 &
	pid=$!
	TB_PIDS+=("$pid")
	tb_kif_up "$kif" 20 || { tail -20 "$log"; die "no $kif"; }
	[ "$kind" = rtap ] || ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
	sleep 3
	# Idle RTT through the forwarder: "min/avg/max/mdev" in ms.
	local rtt
	rtt=$(ip netns exec "$TB_NS_DP" ping -q -c 200 -i 0.01 "$TB_ADDR4_SRV" |
		awk -F' = ' '/^rtt/ {split($2, a, " "); print a[1]}')
	ip netns exec "$TB_NS_SRV" iperf3 -s -D -1 >/dev/null
	sleep 0.5
	# Gbit/s received and the sender's TCP retransmissions.
	local J='import json,sys; e=json.load(sys.stdin)["end"]; print("%.2f rtx=%d" % (e["sum_received"]["bits_per_second"]/1e9, e["sum_sent"].get("retransmits", -1)))'
	up=$(ip netns exec "$TB_NS_DP" iperf3 -c "$TB_ADDR4_SRV" -t "$SECS" -J | python3 -c "$J")
	ip netns exec "$TB_NS_SRV" iperf3 -s -D -1 >/dev/null
	sleep 0.5
	down=$(ip netns exec "$TB_NS_DP" iperf3 -c "$TB_ADDR4_SRV" -t "$SECS" -R -J | python3 -c "$J")
	touch "$fifo.done"
	sleep 1.5
	# Frames the packet socket dropped (imissed, port 1) and the TAP
	# port's Tx refusals, from testpmd's counters after the runs.
	printf '%-22s up %s Gbit/s  down %s Gbit/s  idle ping min/avg/max/mdev %s ms  wire-port imissed %s  tap-port tx_ring_full %s\n' \
		"$([ "$kind" = rtap ] && echo "rtap tap<->packet${PKT_DEVARGS:+ ($PKT_DEVARGS)}" || echo "net_tap<->af_packet")" "$up" "$down" "${rtt:-n/a}" \
		"$(awk '/NIC statistics for port 1/ {p=1} p && /RX-missed/ {print $4; exit}' "$log")" \
		"$(awk '/NIC extended statistics for port 0/ {p=1} /NIC extended statistics for port 1/ {p=0} p && /^tx_ring_full/ {print $2}' "$log")"
	kill -INT "$pid"; wait "$pid" 2>/dev/null
	[ -n "${KEEPLOG:-}" ] && cp "$log" /tmp/rtap-bench-$kind.log
	rm -f "$log" "$fifo" "$fifo.done"
	tb_cleanup
}

veth_direct() {
	local up down
	tb_init rv
	tb_ns a; local A=$TB_NS
	tb_ns b; local B=$TB_NS
	tb_veth "${TB}a" "$A" "${TB}b" "$B"
	ip -n "$A" addr add 198.18.0.1/24 dev "${TB}a"
	ip -n "$B" addr add 198.18.0.2/24 dev "${TB}b"
	ip netns exec "$B" iperf3 -s -D -1 >/dev/null; sleep 0.5
	up=$(ip netns exec "$A" iperf3 -c 198.18.0.2 -t "$SECS" -J |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))')
	ip netns exec "$B" iperf3 -s -D -1 >/dev/null; sleep 0.5
	down=$(ip netns exec "$A" iperf3 -c 198.18.0.2 -t "$SECS" -R -J |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))')
	printf '%-22s up %s Gbit/s  down %s Gbit/s\n' "veth direct" "$up" "$down"
	tb_cleanup
}

case ${1:-} in
mpps) mpps;;
mpps-rx) mpps_rx;;
tcp) veth_direct; tcp_fwd rtap; tcp_fwd anchor;;
tcp-rtap) tcp_fwd rtap;;
tcp-anchor) tcp_fwd anchor;;
*) die "usage: $0 mpps|mpps-rx|tcp|tcp-rtap|tcp-anchor";;
esac
