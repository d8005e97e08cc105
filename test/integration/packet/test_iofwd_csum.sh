#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# testpmd io-fwd between net_rtap tap and net_rtap backend=packet, with no
# Rx checksum offload enabled: the wire peer's CHECKSUM_PARTIAL frames must
# reach the kernel behind the TAP with finished checksums, so TCP works
# both ways (before the fix the download carried nothing: testpmd io-fwd
# forwards bytes and never asks for a Tx checksum).  Asserts a byte-exact
# TCP transfer each way and the rtap packet port's csum_partial xstat > 0.
#
# The peer keeps its offloads (checksum, TSO, GSO): the packet socket then
# hands the PMD the peer's 64 KB GSO frames, which a port without LRO
# must cut into MTU frames with finished checksums (rtap_seg.c).  Asserts
# rx_gso_split_frames > 0 and rx_bad_length_errors == 0 on that port.
set -uo pipefail
top=${RTAP_SOURCE_DIR:?} build=${RTAP_BUILD_DIR:?}
testpmd=${RTAP_DEPS_LIBDIR:?}/../bin/dpdk-testpmd
plugin=$build/drivers/net/rtap/librte_net_rtap.so
. "$top/devtools/testbed.sh"

fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (netns, veth, tap)"
[ -x "$testpmd" ] || fail "no testpmd at $testpmd (run devtools/deps.sh)"
[ -f "$plugin" ] || fail "no $plugin"
command -v socat >/dev/null || fail "socat missing (devtools/deps.sh installs it)"

tb_init iof
tb_wire || fail "testbed"
tb_safe_plugin "$plugin" || fail "cannot copy $plugin to a directory EAL accepts"
plugin=$TB_PLUGIN
ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tso on gso on tx on >/dev/null ||
	fail "ethtool -K on the wire peer"
tmp=$(mktemp -d)
TB_TMP=$tmp
trap 'tb_cleanup; rm -rf "$TB_TMP"' EXIT
fifo=$tmp/cmd
mkfifo "$fifo"
exec 3<>"$fifo"
ip netns exec "$TB_NS_DP" stdbuf -oL "$testpmd" -l 0,1 --no-pci --no-huge -m 512 \
	--file-prefix "$TB" --log-level=lib.eal:warning -d "$plugin" \
	--vdev "net_rtap0,iface=$TB_KIF" \
	--vdev "net_rtap1,backend=packet,iface=$TB_WDP" -- \
	-i --forward-mode=io --total-num-mbufs 16384 --no-mlockall \
	<&3 > "$tmp/testpmd.log" 2>&1 &
pmd=$!
TB_PIDS+=("$pmd")
echo "start" >&3
tb_kif_up "$TB_KIF" 20 || fail "net_rtap did not create $TB_KIF"
ip netns exec "$TB_NS_DP" ping -c 3 -i 0.2 -W 2 "$TB_ADDR4_SRV" >/dev/null ||
	fail "no ping through testpmd"

head -c 4000000 /dev/urandom > "$tmp/blob"
want=$(sha256sum < "$tmp/blob")
# Download: the srv side's TCP (CHECKSUM_PARTIAL on its veth) sends.
ip netns exec "$TB_NS_SRV" timeout 30 socat -u "FILE:$tmp/blob" \
	"TCP-LISTEN:5301,bind=$TB_ADDR4_SRV,reuseaddr" &
sleep 0.5
ip netns exec "$TB_NS_DP" timeout 20 socat -u \
	"TCP:$TB_ADDR4_SRV:5301,connect-timeout=5" "CREATE:$tmp/down" ||
	{ echo "show port xstats all" >&3; sleep 1; grep -vE ': 0$' "$tmp/testpmd.log" | tail -40; fail "download failed"; }
[ "$(sha256sum < "$tmp/down")" = "$want" ] || fail "download corrupted"
echo "ok: 4 MB download byte-exact"
# Upload.
ip netns exec "$TB_NS_SRV" timeout 30 socat -u \
	"TCP-LISTEN:5302,bind=$TB_ADDR4_SRV,reuseaddr" "CREATE:$tmp/up" &
srv=$!
sleep 0.5
ip netns exec "$TB_NS_DP" timeout 20 socat -u "FILE:$tmp/blob" \
	"TCP:$TB_ADDR4_SRV:5302,connect-timeout=5" || fail "upload failed"
wait "$srv"
[ "$(sha256sum < "$tmp/up")" = "$want" ] || fail "upload corrupted"
echo "ok: 4 MB upload byte-exact"

echo "show port xstats 1" >&3
sleep 1
partial=$(awk '/rx_l4_csum_partial_packets/ {v = $2} END {print v}' "$tmp/testpmd.log")
[ -n "$partial" ] || { tail -40 "$tmp/testpmd.log"; fail "no rx_l4_csum_partial_packets xstat"; }
[ "$partial" -gt 0 ] || fail "rx_l4_csum_partial_packets is $partial: the path did not exercise partial checksums"
echo "ok: $partial partial-checksum frames finished in software"
split=$(awk '/rx_gso_split_frames/ {v = $2} END {print v}' "$tmp/testpmd.log")
badlen=$(awk '/rx_bad_length_errors/ {v = $2} END {print v}' "$tmp/testpmd.log")
[ -n "$split" ] && [ -n "$badlen" ] || fail "no rx_gso_split_frames / rx_bad_length_errors xstat"
[ "$split" -gt 0 ] || fail "rx_gso_split_frames is 0: the peer's GSO frames were not exercised"
[ "$badlen" -eq 0 ] || fail "rx_bad_length_errors is $badlen: GSO frames dropped"
echo "ok: $split peer GSO frames cut into MTU frames, none dropped"
echo "quit" >&3
wait "$pmd" || fail "testpmd exit status $?"
echo PASS
