#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job (`make run`): bring up the netns testbed, forward real kernel
# traffic through DPDK, print live stats and a summary, tear everything down
# on exit or Ctrl-C.
#
#   devtools/run-demo.sh BUILD_DIR
#   RTAP_DEMO_SECS=10      iperf3 duration per direction
#   RTAP_DEMO_FWD=...      l2fwd-kernel (default when built) or testpmd
#   RTAP_DEMO_NIC=...      NIC port for l2fwd-kernel: rtap (net_rtap
#                          backend=packet on the wire veth, TSO; default) or
#                          afpacket (DPDK's net_af_packet, no offloads)
#   RTAP_DEMO_LCORES=0     EAL lcore list for l2fwd-kernel (one forwarding
#                          lcore leaves the other core to the kernel stack)
#   RTAP_DEMO_FLENT=auto   short flent rrul (needs flent + netperf): auto|0|1
#   RTAP_DEMO_RRUL_SECS=10 flent rrul length (the doc's latency runs: 30)
#   RTAP_DEMO_L2FK_ARGS=   extra l2fwd-kernel options (A/B runs, e.g.
#                          --sched=default)
#   RTAP_DEMO_NIC_ARGS=    extra devargs of the net_rtap NIC port (A/B
#                          runs, e.g. sockbuf=1m)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
secs=${RTAP_DEMO_SECS:-10}
rrul_secs=${RTAP_DEMO_RRUL_SECS:-10}
prefix=${RTAP_DEPS_PREFIX:-/opt/rtap-deps}
testpmd=$prefix/bin/dpdk-testpmd
l2fk=$build/app/l2fwd-kernel/dpdk-l2fwd-kernel
tel=$top/test/integration/l2fwd/l2fk_tel.py
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

# shellcheck source=devtools/testbed.sh
. "$here/testbed.sh"

[ "$(id -u)" -eq 0 ] || { echo "make run needs root (netns, veth, tap)" >&2; exit 1; }
fwd=${RTAP_DEMO_FWD:-}
if [ -z "$fwd" ]; then
	if [ -x "$l2fk" ]; then fwd=l2fwd-kernel; else fwd=testpmd; fi
fi
nic=${RTAP_DEMO_NIC:-rtap}

tb_init demo
tmp=$(mktemp -d /tmp/rtap-demo.XXXXXX)
demo_cleanup() {
	tb_cleanup	# also clears the traps
	rm -rf "/var/run/dpdk/$TB" "$tmp"
}
trap demo_cleanup EXIT
tb_wire || exit 1
# The wire end belongs to DPDK: keep the dp kernel's own IP stack off it
# (it shares the TAP's MAC; the weak host model would answer twice).
ip netns exec "$TB_NS_DP" sysctl -qw "net.ipv4.conf.$TB_WDP.rp_filter=1" \
	"net.ipv6.conf.$TB_WDP.disable_ipv6=1"

eal=(--no-pci --no-huge -m 512 --file-prefix "$TB" --log-level=lib.eal:warning)

# Start the forwarder; returns 1 if it does not create the kernel port.
start_fwd() {
	case $fwd in
	l2fwd-kernel)
		local vdev
		if [ "$nic" = rtap ]; then
			vdev="net_rtap0,iface=$TB_WDP,backend=packet${RTAP_DEMO_NIC_ARGS:+,$RTAP_DEMO_NIC_ARGS}"
		else
			vdev="net_af_packet0,iface=$TB_WDP"
			# net_af_packet reads raw frames: the peer must finish
			# its checksums (a real wire carries full checksums).
			ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
		fi
		tb_bg "$TB_NS_DP" "$l2fk" -l "${RTAP_DEMO_LCORES:-0}" "${eal[@]}" \
			--vdev "$vdev" -- --kernel-name "$TB_KIF" --stats 2 \
			${RTAP_DEMO_L2FK_ARGS:-}
		;;
	testpmd)
		ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
		tb_bg "$TB_NS_DP" "$testpmd" -l 0,1 "${eal[@]}" \
			--vdev "net_tap0,iface=$TB_KIF" \
			--vdev "net_af_packet0,iface=$TB_WDP" -- \
			--forward-mode=io --total-num-mbufs 16384 --stats-period 2 --no-mlockall
		;;
	*)
		echo "unknown RTAP_DEMO_FWD=$fwd" >&2; exit 1 ;;
	esac
	fwd_pid=$TB_LAST_PID
	tb_kif_up "$TB_KIF" 20
}

echo "== rtap demo: testbed $TB"
if ! start_fwd; then
	if [ "$fwd" = l2fwd-kernel ] && [ "$nic" = rtap ]; then
		echo "== net_rtap backend=packet did not come up; retrying with net_af_packet" >&2
		kill -INT "$fwd_pid" 2>/dev/null
		wait "$fwd_pid" 2>/dev/null
		rm -rf "/var/run/dpdk/$TB"
		nic=afpacket
		start_fwd || { echo "forwarder did not create $TB_KIF" >&2; exit 1; }
	else
		echo "forwarder did not create $TB_KIF" >&2
		exit 1
	fi
fi
# l2fwd-kernel mirrors the wire's carrier onto the TAP: wait for it, or
# the first ARP goes out while the link is still coming up.
for ((i = 0; i < 50; i++)); do
	ip -n "$TB_NS_DP" link show "$TB_KIF" | grep -q LOWER_UP && break
	sleep 0.1
done
label=$fwd
[ "$fwd" = l2fwd-kernel ] && label="$fwd, NIC $nic"
echo "== netns $TB_NS_DP : kernel port $TB_KIF ($TB_ADDR4_DP) <-> DPDK ($label) <-> wire $TB_WDP"
echo "   netns $TB_NS_SRV: wire peer $TB_WSRV ($TB_ADDR4_SRV), iperf3 server"

fail=0
res_up=- res_down=- res_ping=- res_load=- res_rrul=-
iperf_run() {	# label, extra iperf3 args...
	local label=$1 out=$tmp/iperf-$1.txt
	shift
	tb_bg "$TB_NS_SRV" iperf3 -s -1 -B "$TB_ADDR4_SRV" --logfile /dev/null
	sleep 0.3
	timeout $((secs + 20)) ip netns exec "$TB_NS_DP" iperf3 -c "$TB_ADDR4_SRV" \
		-t "$secs" -i 2 -f g --connect-timeout 3000 "$@" | tee "$out" || return 1
	sed -n 's/.* \([0-9.]* Gbits\/sec\).*receiver/\1/p' "$out" | tail -1
}

echo "== ping through DPDK"
if ip netns exec "$TB_NS_DP" ping -c 5 -i 0.2 -W 2 "$TB_ADDR4_SRV" | tee "$tmp/ping.txt"; then
	res_ping=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1 ms avg|p' "$tmp/ping.txt")
else
	echo "ping through the DPDK path failed" >&2
	fail=1
fi
if [ $fail -eq 0 ]; then
	echo "== iperf3 TCP kernel($TB_NS_DP) -> wire peer, ${secs}s, with ping under load"
	ip netns exec "$TB_NS_DP" ping -i 0.2 -c $((secs * 5 - 5)) -W 2 "$TB_ADDR4_SRV" \
		>"$tmp/ping-load.txt" 2>&1 &
	ppid=$!
	iperf_run up >/dev/null || fail=1
	cat "$tmp/iperf-up.txt"
	wait "$ppid"
	res_up=$(sed -n 's/.* \([0-9.]* Gbits\/sec\).*receiver/\1/p' "$tmp/iperf-up.txt" | tail -1)
	res_load=$(sed -n 's|.*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|\2 ms avg, \3 ms max|p' "$tmp/ping-load.txt")
	echo "== iperf3 TCP wire peer -> kernel($TB_NS_DP), ${secs}s (reverse)"
	iperf_run down -R >/dev/null || fail=1
	cat "$tmp/iperf-down.txt"
	res_down=$(sed -n 's/.* \([0-9.]* Gbits\/sec\).*receiver/\1/p' "$tmp/iperf-down.txt" | tail -1)
fi

flent_on=${RTAP_DEMO_FLENT:-auto}
if [ "$flent_on" = auto ]; then
	if command -v flent >/dev/null && command -v netperf >/dev/null &&
	   command -v netserver >/dev/null; then flent_on=1; else flent_on=0; fi
fi
if [ $fail -eq 0 ] && [ "$flent_on" = 1 ]; then
	echo "== flent rrul, $rrul_secs s (4 TCP up + 4 down + ping)"
	tb_bg "$TB_NS_SRV" netserver -D -L "$TB_ADDR4_SRV" -4
	sleep 0.5
	if timeout $((rrul_secs + 50)) ip netns exec "$TB_NS_DP" flent rrul \
		-l "$rrul_secs" -s 0.2 -H "$TB_ADDR4_SRV" \
		-D "$tmp" -f summary >"$tmp/flent.txt" 2>&1; then
		grep -E "avg|Ping|TCP (download|upload) sum|TCP totals" "$tmp/flent.txt"
		res_rrul=$(awk -F: '/Ping \(ms\) ICMP/ {split($2, a, " "); p = a[1]}
			/TCP totals/ {split($2, a, " "); t = a[1]}
			/Ping \(ms\) ICMP/ {split($2, a, " "); p99 = a[3]}
			END { if (t != "") printf "%s Mbit/s TCP totals, ICMP %s ms avg, %s ms p99", t, p, p99 }' "$tmp/flent.txt")
		# The percentiles cover only the echo replies that came back.
		lost=$(ls "$tmp"/*.flent.gz 2>/dev/null | head -1)
		[ -n "$lost" ] && lost=$("$py" "$top/bench/lib/flentstats.py" "$lost" |
			sed -n 's/.*icmp_lost_pct=\([0-9.]*\).*/\1/p')
		[ -n "$lost" ] && res_rrul="$res_rrul, $lost% of pings lost"
	else
		echo "flent rrul failed (not counted as a demo failure):" >&2
		tail -5 "$tmp/flent.txt" >&2
	fi
fi

if [ "$fwd" = l2fwd-kernel ] && kill -0 "$fwd_pid" 2>/dev/null; then
	q=$("$py" "$tel" "$TB" /l2fk/stats,0 2>/dev/null | "$py" -c '
import json, sys
d = json.load(sys.stdin)
u, k = d["kernel_to_nic"], d["nic_to_kernel"]
print("kernel->NIC: CoDel drops %d, ECN marks %d, sojourn p99 <%d us, BQL limit %d B" % (
    u["codel_drops"], u["ecn_marks"], u["sojourn_p99_us"], u["bql_limit"]))
print("NIC->kernel: CoDel drops %d, ECN marks %d, sojourn p99 <%d us" % (
    k["codel_drops"], k["ecn_marks"], k["sojourn_p99_us"]))
print("TAP txqueuelen (learned): %d, %d changes" % (
    d.get("tap_txqlen", 0), d.get("tap_txqlen_sets", 0)))' 2>/dev/null)
fi
kill -0 "$fwd_pid" 2>/dev/null || { echo "forwarder exited early" >&2; fail=1; }
echo "== stopping forwarder (its final stats below)"
kill -INT "$fwd_pid" 2>/dev/null
wait "$fwd_pid" 2>/dev/null
echo "== summary ($label)"
echo "   ping idle:            $res_ping"
echo "   TCP kernel -> wire:   $res_up"
echo "   TCP wire -> kernel:   $res_down"
echo "   ping during upload:   $res_load"
[ "$flent_on" = 1 ] && echo "   flent rrul $rrul_secs s:      $res_rrul"
[ -n "${q:-}" ] && echo "$q" | sed 's/^/   /'
demo_cleanup
if [ $fail -eq 0 ]; then echo "== demo OK"; else echo "== demo FAILED"; fi
exit $fail
