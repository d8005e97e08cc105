#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Standalone experiment: AF_PACKET Rx, recvmmsg vs TPACKET_V3 vs V2 (see
# redirect-tpv3.c), 64-byte frames from pktflood through a veth pair,
# interleaved, REPS rounds, median.  Hold the shared lock:
#
#   flock /run/rtap-measure.lock bench/tools/redirect-tpv3.sh [build]
#
# Env: SECS (default 5), REPS (default 3), RING (bytes: TPACKET_V3 ring
# and recvmmsg SO_RCVBUF, default 1 MB), SIZE (frame bytes, default 60).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}
SECS=${SECS:-5} REPS=${REPS:-3} RING=${RING:-1048576} SIZE=${SIZE:-60}
. "$SRC/devtools/testbed.sh"
die() { echo "redirect-tpv3: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
BIN=$BUILD/bench/redirect-tpv3
cc -O2 -Wall -Wextra -o "$BIN" "$SRC/bench/tools/redirect-tpv3.c" || die "build"
tb_init rp
tb_ns dp; DP=$TB_NS
tb_ns srv; SRV=$TB_NS
tb_veth "${TB}w0" "$DP" "${TB}w1" "$SRV" || die "veth"
declare -A R D
for r in $(seq "$REPS"); do
	for m in ${MODES:-recvmmsg tpv3 tpv2}; do
		ip netns exec "$SRV" "$BUILD/bench/pktflood" -i "${TB}w1" -s "$SIZE" \
			-t $((SECS + 2)) -b 64 >/tmp/redirect-tpv3.flood 2>&1 &
		f=$!; TB_PIDS+=("$f")
		sleep 0.5
		out=$(ip netns exec "$DP" "$BIN" -i "${TB}w0" -m "$m" -t "$SECS" -r "$RING")
		wait "$f"
		pps=$(echo "$out" | grep -o 'pps=[0-9]*' | cut -d= -f2)
		drops=$(echo "$out" | grep -o 'drops=[0-9]*' | cut -d= -f2)
		sent=$(grep -o 'pps=[0-9]*' /tmp/redirect-tpv3.flood | cut -d= -f2)
		echo "round $r $m rx_pps=$pps drops=$drops sender_pps=$sent" >&2
		R[$m]="${R[$m]:-} $pps"
		D[$m]="${D[$m]:-} $drops/$sent"
	done
done
for m in ${MODES:-recvmmsg tpv3 tpv2}; do
	printf '%-9s rx pps:%s  median %s  (drops/sender_pps:%s)\n' "$m" "${R[$m]}" \
		"$(echo "${R[$m]}" | tr ' ' '\n' | grep -v '^$' | sort -g |
		awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "${D[$m]}"
done
tb_cleanup
