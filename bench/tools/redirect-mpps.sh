#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Standalone experiment (not part of the bench matrix): 64-byte Mpps of
# the redirect backends against the DPDK anchors, interleaved in one run
# on one veth pair, REPS rounds, median per row.  One testpmd polling
# lcore (-l 0,1: lcore 1 forwards).  Hold the shared lock yourself:
#
#   flock /run/rtap-measure.lock bench/tools/redirect-mpps.sh [build] [pmd...]
#
# pmd: rtap-packet af_packet rtap-xdp af_xdp (default: all four), and
# rtap-packet-bypass (qdisc_bypass=1, DPDK net_af_packet's default),
# af_xdp-nobusy (busy_budget=0: no recvfrom() on an empty Rx ring);
# an rtap pmd written NAME:PLUGIN measures that librte_net_rtap.so (e.g.
# main's build as "before" in an A/B), labelled NAME:<its directory>.
# Env: SECS (per point after 2.5 s warm-up, default 5), REPS (default 3), MODES ("txonly
# rxonly"), PERF=1 records task-clock -g of the forwarding lcore into
# /tmp/redirect-perf-<pmd>-<mode>.data (first round only), PERF=all
# records the whole machine instead (perf -a: on veth the sender's
# softirq does the XDP redirect and the UMEM copy, outside the lcore),
# VDEV_EXTRA appended to the rtap vdev args, FLOOD_CPU=N pins the sender
# (pktflood) to CPU N (testpmd's polling lcore is on CPU 1).
# Every point also prints on stderr: txonly, the lcore's on-CPU ns per
# frame sent (schedstat); rxonly, the sender's rate over the window (the
# veth's tx_packets), testpmd's RX-missed and, with FLOOD_CPU, CPU N's
# busy ns per frame sent (/proc/stat): on veth the receive side (XDP,
# the copy into the socket) runs in the sender's softirq, so that is
# the kernel's per-frame cost the receiving PMD makes the sender pay.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}; shift || true
PMDS=${*:-rtap-packet af_packet rtap-xdp af_xdp}
TESTPMD=${TESTPMD:-/opt/rtap-deps/bin/dpdk-testpmd}
SECS=${SECS:-5} REPS=${REPS:-3} MODES=${MODES:-txonly rxonly}
FLOOD=$BUILD/bench/pktflood
. "$SRC/devtools/testbed.sh"
die() { echo "redirect-mpps: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"

# Busy ns of CPU FLOOD_CPU so far (/proc/stat user..softirq+steal), or
# nothing without FLOOD_CPU.
cpu_busy() {
	[ -n "${FLOOD_CPU:-}" ] || return 0
	awk -v c="cpu$FLOOD_CPU" -v hz="$(getconf CLK_TCK)" \
		'$1 == c {printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1e9 / hz}' /proc/stat
}

# Mpps of one point: netns $1, vdev $2, mode $3, tag $4 (perf file name),
# plugin $5, label $6.
# txonly: what the peer veth end counted (rx_packets; testpmd's own Tx
# counter can include frames a PMD queued but the kernel never sent);
# rxonly: what testpmd received (its stats loop, warm-up samples cut).
point() {
	local ns=$1 vdev=$2 mode=$3 tag=$4 plugin=$5 name=$6 log pid fpid="" tid c0 c1 t0 t1
	local x0 x1 u0 u1 k0 k1 pin=
	log=$(mktemp /tmp/rtap-rmpps.XXXXXX)
	[ -n "${FLOOD_CPU:-}" ] && pin="taskset -c $FLOOD_CPU"
	if [ "$mode" = rxonly ]; then
		tb_bg "$SRV" sh -c "exec $pin $FLOOD -i $W1 -s 60 -t $((SECS + 4)) -b 64 >$log.flood 2>&1"
		fpid=$TB_LAST_PID
	fi
	ip netns exec "$ns" stdbuf -oL "$TESTPMD" -l 0,1 --no-pci --no-huge -m 512 \
		--file-prefix "$TB$RANDOM" -d "$plugin" --vdev "$vdev" -- \
		--total-num-mbufs 16384 --no-mlockall --stats-period 1 --forward-mode="$mode" \
		--txpkts=64 --burst=32 >"$log" 2>&1 &
	pid=$!
	TB_PIDS+=("$pid")
	# Warm-up: 1.5 s after the first stats line (forwarding started).
	for _ in $(seq 200); do grep -q Rx-pps: "$log" && break; sleep 0.1; done
	sleep 1.5
	tid=$(ps -T -p "$pid" -o tid=,comm= | awk '$2 ~ /worker/ {print $1}' | head -1)
	u0=$(cut -d' ' -f1 "/proc/$pid/task/$tid/schedstat" 2>/dev/null)
	k0=$(cpu_busy)
	c0=$(ip netns exec "$SRV" cat "/sys/class/net/$W1/statistics/rx_packets")
	x0=$(ip netns exec "$SRV" cat "/sys/class/net/$W1/statistics/tx_packets")
	t0=$(date +%s.%N)
	if [ -n "${PERF:-}" ] && [ "$tag" != - ]; then
		[ -n "$tid" ] || { ps -T -p "$pid" -o tid=,comm= >&2; die "no lcore thread"; }
		local target=(-t "$tid")
		[ "$PERF" = all ] && target=(-a)
		perf record -q -e task-clock -g "${target[@]}" -o "/tmp/redirect-perf-$tag.data" \
			-- sleep "$SECS" >/dev/null 2>&1
	else
		sleep "$SECS"
	fi
	c1=$(ip netns exec "$SRV" cat "/sys/class/net/$W1/statistics/rx_packets")
	x1=$(ip netns exec "$SRV" cat "/sys/class/net/$W1/statistics/tx_packets")
	t1=$(date +%s.%N)
	k1=$(cpu_busy)
	u1=$(cut -d' ' -f1 "/proc/$pid/task/$tid/schedstat" 2>/dev/null)
	kill -INT "$pid"; wait "$pid" 2>/dev/null
	[ -n "$fpid" ] && wait "$fpid" 2>/dev/null
	if [ "$mode" = rxonly ]; then
		awk -v a="$x0" -v b="$x1" -v s="$t0" -v e="$t1" -v k0="$k0" -v k1="$k1" \
			-v m="$(grep -o 'RX-missed: *[0-9]*' "$log" | tail -1 | awk '{print $2}')" \
			-v name="$name" 'BEGIN {
			printf "  %s rxonly: sender %.3f Mpps, RX-missed %s", name, (b - a) / (e - s) / 1e6, m
			if (k1 != "" && b > a) printf ", sender CPU %.0f ns/frame", (k1 - k0) / (b - a)
			printf "\n" }' >&2
	else
		awk -v a="$c0" -v b="$c1" -v u0="${u0:-0}" -v u1="${u1:-0}" -v name="$name" \
			'BEGIN { if (b > a && u1 > u0) printf "  %s txonly: lcore CPU %.0f ns/frame\n", name, (u1 - u0) / (b - a) }' >&2
	fi
	if [ "$mode" = txonly ]; then
		awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" \
			'BEGIN {printf "%.3f\n", (b - a) / (e - s) / 1e6}'
	else
		awk '$1 == "Rx-pps:" {n++; if (n >= 3) {s += $2; c++}}
			END {if (c) printf "%.3f\n", s / c / 1e6; else print "n/a"}' "$log"
	fi
	[ -n "${KEEPLOG:-}" ] && cp "$log" "/tmp/redirect-log-$tag"
	[ -n "${KEEPLOG:-}" ] && [ -n "$fpid" ] && cp "$log.flood" "/tmp/redirect-log-$tag.flood"
	rm -f "$log" "$log.flood"
}

tb_init rm
tb_safe_plugin "$BUILD/drivers/net/rtap/librte_net_rtap.so" || die "plugin"
PLUGIN=$TB_PLUGIN
tb_ns dp; DP=$TB_NS
tb_ns srv; SRV=$TB_NS
tb_veth "${TB}w0" "$DP" "${TB}w1" "$SRV" || die "veth"
W0=${TB}w0 W1=${TB}w1
declare -A R PLUG
# NAME:PLUGIN variants: their plugin copied like the build's (into a
# subdirectory of the testbed's, removed by tb_cleanup), labelled
# NAME:K (K = position on the command line).
names='' k=0
for spec in $PMDS; do
	k=$((k + 1))
	name=$spec
	PLUG[$name]=$PLUGIN
	if [ "${spec#*:}" != "$spec" ]; then
		name=${spec%%:*}:$k
		tb_safe_plugin "${spec#*:}" "$TB/v$k" || die "plugin ${spec#*:}"
		PLUG[$name]=$TB_PLUGIN
		echo "$name = ${spec#*:}" >&2
	fi
	names+=" $name"
done
PMDS=$names
for r in $(seq "$REPS"); do
	for name in $PMDS; do
		case ${name%%:*} in
		rtap-packet) vdev="net_rtap0,backend=packet,iface=$W0${VDEV_EXTRA:-}";;
		rtap-packet-bypass) vdev="net_rtap0,backend=packet,iface=$W0,qdisc_bypass=1";;
		af_packet) vdev="net_af_packet0,iface=$W0";;
		rtap-xdp) vdev="net_rtap0,backend=xdp,iface=$W0${VDEV_EXTRA:-}";;
		af_xdp) vdev="net_af_xdp0,iface=$W0,start_queue=0,queue_count=1";;
		af_xdp-nobusy) vdev="net_af_xdp0,iface=$W0,start_queue=0,queue_count=1,busy_budget=0";;
		*) die "unknown pmd $name";;
		esac
		for mode in $MODES; do
			tag=-; [ "$r" = 1 ] && tag=$name-$mode
			v=$(point "$DP" "$vdev" "$mode" "$tag" "${PLUG[$name]}" "$name")
			R[$name-$mode]="${R[$name-$mode]:-} $v"
			echo "round $r $name $mode $v Mpps" >&2
		done
	done
done
for name in $PMDS; do
	for mode in $MODES; do
		printf '%-12s %-7s runs%s  median %s Mpps\n' "$name" "$mode" \
			"${R[$name-$mode]}" "$(echo "${R[$name-$mode]}" | tr ' ' '\n' |
			grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
	done
done
tb_cleanup
