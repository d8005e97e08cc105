#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End to end: TCP transfers through l2fwd-kernel in both directions (IPv4
# upload and download, IPv6 upload), 24 MiB of random data each, SHA-256
# compared on both ends; then the app's counters must account for at
# least the payload bytes in each direction with no offload-translation
# drop, and SIGINT must leave no interface behind.
# NIC: net_af_packet (the one every DPDK build has).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/integration/l2fwd/l2fk_common.sh
. "$here/l2fk_common.sh"
L2FK_TAG=l2t l2fk_setup sha256sum
xfer=$here/l2fk_xfer.py
size_mb=24

l2fk_start afpacket
head -c $((size_mb << 20)) /dev/urandom >"$L2FK_TMP/src"
want=$(sha256sum <"$L2FK_TMP/src" | cut -d' ' -f1)

# $1: label, $2: server mode, $3: client mode, $4: server addr
run_xfer() {
	local label=$1 smode=$2 cmode=$3 addr=$4 port=$((5000 + RANDOM % 1000))
	local sfile cfile got
	if [ "$smode" = serve-recv ]; then
		sfile=$L2FK_TMP/$label.out; cfile=$L2FK_TMP/src
	else
		sfile=$L2FK_TMP/src; cfile=$L2FK_TMP/$label.out
	fi
	ip netns exec "$TB_NS_SRV" timeout 45 "$L2FK_PY" "$xfer" "$smode" "$addr" \
		"$port" "$sfile" &
	local spid=$!
	l2fk_fg timeout 45 ip netns exec "$TB_NS_DP" "$L2FK_PY" "$xfer" "$cmode" "$addr" \
		"$port" "$cfile" || fail "$label: client failed"
	wait "$spid" || fail "$label: server failed"
	got=$(sha256sum <"$L2FK_TMP/$label.out" | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "$label: sha256 $got != $want ($(stat -c %s "$L2FK_TMP/$label.out") bytes)"
	echo "ok: $label $size_mb MiB sha256 $got ($SECONDS s)"
}

run_xfer up4 serve-recv send "$TB_ADDR4_SRV"
run_xfer down4 serve-send recv "$TB_ADDR4_SRV"
run_xfer up6 serve-recv send "$TB_ADDR6_SRV"

bytes=$((size_mb << 20))
up=$(l2fk_tel /l2fk/stats,0 kernel_to_nic.tx_bytes) || fail "telemetry"
down=$(l2fk_tel /l2fk/stats,0 nic_to_kernel.tx_bytes) || fail "telemetry"
[ "$up" -ge $((2 * bytes)) ] || fail "kernel->NIC tx_bytes $up < 2 x $bytes"
[ "$down" -ge "$bytes" ] || fail "NIC->kernel tx_bytes $down < $bytes"
for d in kernel_to_nic nic_to_kernel; do
	v=$(l2fk_tel /l2fk/stats,0 "$d.bad_offload")
	[ "$v" = 0 ] || fail "$d.bad_offload = $v"
done
echo "ok: counters kernel->NIC $up B, NIC->kernel $down B, no bad offload ($SECONDS s)"
# The TAP's tun ring is sized by the application from the drain rate of
# the last second (txqlen.c): idle for more than a second it sits at the
# floor, 64 with this NIC (the kernel segments TCP/IPv6 and UDP GSO before
# the TAP, trains of up to 64 frames), and telemetry reports what the kernel has.  The window is
# one second of 100 ms ticks of the control thread; on a loaded machine
# the last ticks may come late, so allow up to 4 s.
for ((i = 0; i < 40; i++)); do
	qlen=$(ip -n "$TB_NS_DP" -j link show "$TB_KIF" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["txqlen"])') ||
		fail "ip link show $TB_KIF"
	tq=$(l2fk_tel /l2fk/stats,0 tap_txqlen) || fail "telemetry"
	# Both at the floor: a read between the last transfer's late tick
	# and the next one can see the kernel at 64 just before the app
	# sizes it once more from the window's tail.
	[ "$qlen" = 64 ] && [ "$tq" = 64 ] && break
	sleep 0.1
done
[ "$qlen" = 64 ] || fail "TAP txqueuelen $qlen after the transfer, want 64 (sized when idle)"
[ "$tq" = "$qlen" ] || fail "telemetry tap_txqlen $tq != kernel's $qlen"
sets=$(l2fk_tel /l2fk/stats,0 tap_txqlen_sets) || fail "telemetry"
[ "$sets" -ge 1 ] || fail "tap_txqlen_sets $sets: TAP txqueuelen never set"
echo "ok: TAP txqueuelen $qlen, $sets change(s)"
l2fk_stop
echo "ok: stopped ($SECONDS s)"
grep -q "== l2fwd-kernel summary" "$L2FK_LOG" || fail "no exit summary"
echo "PASS"
