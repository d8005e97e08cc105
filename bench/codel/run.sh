#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# CoDel / FQ-CoDel micro-benchmark: ns per packet (enqueue + dequeue,
# standing backlog of 1024, bursts of 32, no drops) at 1, 16 and 1024
# flows, plus instructions per packet from callgrind on a bounded run.
#
# Usage: bench/codel/run.sh [build-dir]   (default: $RTAP_BUILD_DIR or build)
# Env:   ITERS (timed run, default 200000 bursts), CG_ITERS (callgrind run,
#        default 2000 bursts), REPEAT (timed runs per row, best is kept;
#        default 3).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-${RTAP_BUILD_DIR:-$src/build}}
bin=$build/test/unit/codel/bench_codel
ITERS=${ITERS:-200000}
CG_ITERS=${CG_ITERS:-2000}
REPEAT=${REPEAT:-3}

if [ ! -x "$bin" ]; then
	echo "bench_codel not built: $bin (ninja -C $build)" >&2
	exit 1
fi
if ! command -v valgrind >/dev/null; then
	echo "valgrind (callgrind) is required: apt-get install valgrind" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/rtap-bench-codel.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ns per packet: best of REPEAT runs (other engineers share the 2 cores).
ns_per_pkt() {
	local best="" out ns
	for _ in $(seq "$REPEAT"); do
		out=$("$bin" "$@" --iters "$ITERS" 2>"$tmp/err") || {
			cat "$tmp/err" >&2; echo "bench_codel $* failed" >&2
			exit 1; }
		ns=$(sed -n 's/.*ns_per_pkt=\([0-9.]*\).*/\1/p' <<<"$out")
		if [ -z "$best" ] || awk "BEGIN{exit !($ns < $best)}"; then
			best=$ns
		fi
	done
	echo "$best"
}

# Instructions per packet: callgrind counts only inside run_loop()
# (enqueue + dequeue of the measured bursts, warm-up included, so the
# count is divided by all packets moved in run_loop).
ir_per_pkt() {
	local out ir pkts
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
		--collect-atstart=no --toggle-collect=run_loop \
		"$bin" "$@" --iters "$CG_ITERS" >"$tmp/cg.stdout" 2>"$tmp/cg.err" || {
		tail -5 "$tmp/cg.err" >&2; echo "callgrind $* failed" >&2
		exit 1; }
	ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
	pkts=$(sed -n 's/.*pkts=\([0-9]*\).*/\1/p' "$tmp/cg.stdout")
	burst=$(sed -n 's/.*burst=\([0-9]*\).*/\1/p' "$tmp/cg.stdout")
	# run_loop ran twice: warm-up (CG_ITERS/10+1 bursts) + timed.
	pkts=$((pkts + (CG_ITERS / 10 + 1) * burst))
	awk -v ir="$ir" -v p="$pkts" 'BEGIN{printf "%.1f", ir / p}'
}

hz=$("$bin" --algo codel --iters 10 2>/dev/null |
	sed -n 's/.*tsc_hz=\([0-9]*\).*/\1/p')
echo "# rtap CoDel/FQ-CoDel micro-benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "# enqueue+dequeue per packet, burst 32, standing backlog 1024 x 64 B,"
echo "# no drops; TSC $hz Hz; timed: $ITERS bursts best of $REPEAT;"
echo "# callgrind: $CG_ITERS bursts"
printf "%-9s %-5s %6s %10s %12s\n" algo hash flows ns/pkt instr/pkt
for algo in codel fq_codel; do
	hashes="rss"
	[ "$algo" = fq_codel ] && hashes="rss sw"
	for hash in $hashes; do
		for flows in 1 16 1024; do
			args=(--algo "$algo" --flows "$flows" --hash "$hash")
			printf "%-9s %-5s %6s %10s %12s\n" "$algo" "$hash" \
				"$flows" "$(ns_per_pkt "${args[@]}")" \
				"$(ir_per_pkt "${args[@]}")"
		done
	done
done
