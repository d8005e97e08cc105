#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The kernel's ceiling for 64-byte AF_PACKET Tx on a veth (no DPDK), the
# two ways afp-txceil sends, alternated: what the peer counted per second.
#
#   bench/tools/afp-txceil.sh BUILD_DIR [SECS=4] [REPS=3]   (as root)
#
# The sender is pinned to CPU 1, where bench/'s testpmd polls.
set -u
build=${1:?usage: afp-txceil.sh BUILD_DIR}
tool=$build/bench/afp-txceil
secs=${SECS:-4}
. "$(cd "$(dirname "$0")/../.." && pwd)/devtools/testbed.sh"
[ -x "$tool" ] || { echo "no $tool (build first)" >&2; exit 1; }
tb_init tx
trap tb_cleanup EXIT
tb_ns a; A=$TB_NS
tb_ns b; B=$TB_NS
tb_veth "${TB}a" "$A" "${TB}b" "$B" || exit 1
for r in $(seq "${REPS:-3}"); do
	for m in mmsg ring; do
		c0=$(ip netns exec "$B" cat "/sys/class/net/${TB}b/statistics/rx_packets")
		ip netns exec "$A" taskset -c 1 "$tool" "${TB}a" "$m" "$secs" >/dev/null ||
			exit 1
		c1=$(ip netns exec "$B" cat "/sys/class/net/${TB}b/statistics/rx_packets")
		awk -v r="$r" -v m="$m" -v d=$((c1 - c0)) -v s="$secs" \
			'BEGIN {printf "round %s %-4s peer received %.3f Mpps\n", r, m, d / s / 1e6}'
	done
done
