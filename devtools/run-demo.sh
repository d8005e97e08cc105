#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job (`make run`): bring up the netns testbed, forward real kernel
# traffic through DPDK, print live stats and a summary, tear everything down
# on exit or Ctrl-C.
#
#   devtools/run-demo.sh BUILD_DIR
#   RTAP_DEMO_SECS=10   iperf3 duration per direction
#   RTAP_DEMO_FWD=...   l2fwd-kernel (default when built) or testpmd
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
secs=${RTAP_DEMO_SECS:-10}
prefix=${RTAP_DEPS_PREFIX:-/opt/rtap-deps}
testpmd=$prefix/bin/dpdk-testpmd
l2fk=$build/app/l2fwd-kernel/dpdk-l2fwd-kernel

# shellcheck source=devtools/testbed.sh
. "$here/testbed.sh"

[ "$(id -u)" -eq 0 ] || { echo "make run needs root (netns, veth, tap)" >&2; exit 1; }
fwd=${RTAP_DEMO_FWD:-}
if [ -z "$fwd" ]; then
	if [ -x "$l2fk" ]; then fwd=l2fwd-kernel; else fwd=testpmd; fi
fi

tb_init demo
tb_wire || exit 1
echo "== rtap demo: testbed $TB"
echo "   netns $TB_NS_DP : kernel port $TB_KIF ($TB_ADDR4_DP) <-> DPDK ($fwd) <-> wire $TB_WDP"
echo "   netns $TB_NS_SRV: wire peer $TB_WSRV ($TB_ADDR4_SRV), iperf3 server"

eal=(-l 0,1 --no-pci --no-huge -m 512 --file-prefix "$TB" --log-level=lib.eal:warning)
case $fwd in
l2fwd-kernel)
	tb_bg "$TB_NS_DP" "$l2fk" "${eal[@]}" \
		--vdev "net_af_packet0,iface=$TB_WDP" -- --kernel-name "$TB_KIF" --stats 2
	;;
testpmd)
	tb_bg "$TB_NS_DP" "$testpmd" "${eal[@]}" \
		--vdev "net_tap0,iface=$TB_KIF" \
		--vdev "net_af_packet0,iface=$TB_WDP" -- \
		--forward-mode=io --total-num-mbufs 16384 --stats-period 2 --no-mlockall
	;;
*)
	echo "unknown RTAP_DEMO_FWD=$fwd" >&2; exit 1 ;;
esac
fwd_pid=$TB_LAST_PID
if [ "$fwd" = testpmd ]; then
	# net_af_packet reads raw frames: a veth peer's CHECKSUM_PARTIAL frames
	# would reach it with unfinished checksums, so make the peer finish them.
	ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
fi
tb_kif_up "$TB_KIF" 20 || { echo "forwarder did not create $TB_KIF" >&2; exit 1; }

tb_bg "$TB_NS_SRV" iperf3 -s -1 -B "$TB_ADDR4_SRV" --logfile /dev/null

fail=0
echo "== ping through DPDK"
if ! ip netns exec "$TB_NS_DP" ping -c 5 -i 0.2 -W 2 "$TB_ADDR4_SRV"; then
	echo "ping through the DPDK path failed" >&2
	fail=1
fi
if [ $fail -eq 0 ]; then
	echo "== iperf3 TCP kernel($TB_NS_DP) -> wire peer, ${secs}s"
	timeout $((secs + 20)) ip netns exec "$TB_NS_DP" iperf3 -c "$TB_ADDR4_SRV" -t "$secs" -i 2 -f g --connect-timeout 3000 || fail=1
	tb_bg "$TB_NS_SRV" iperf3 -s -1 -B "$TB_ADDR4_SRV" --logfile /dev/null
	sleep 0.3
	echo "== iperf3 TCP wire peer -> kernel($TB_NS_DP), ${secs}s (reverse)"
	timeout $((secs + 20)) ip netns exec "$TB_NS_DP" iperf3 -c "$TB_ADDR4_SRV" -t "$secs" -i 2 -f g -R --connect-timeout 3000 || fail=1
fi
kill -0 "$fwd_pid" 2>/dev/null || { echo "forwarder exited early" >&2; fail=1; }
echo "== stopping forwarder (final stats below)"
kill -INT "$fwd_pid" 2>/dev/null
wait "$fwd_pid" 2>/dev/null
tb_cleanup
if [ $fail -eq 0 ]; then echo "== demo OK"; else echo "== demo FAILED"; fi
exit $fail
