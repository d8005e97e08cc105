#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The bench's instructions-per-frame measurement (bn_callgrind) on a real
# testbed: testpmd io-fwd net_tap <-> net_af_packet under callgrind while
# pktflood floods both kernel ends for 2 s.  Asserts a PASS line with more
# than 1000 frames forwarded (testpmd's TX-packets), an instruction count
# per frame in a sane range for two DPDK PMDs (50..20000 user-space
# instructions, empty polls taken out), a burst size between 1 and 64, a
# per-function profile naming both PMDs' burst functions, and nothing left
# behind (netns, valgrind/testpmd).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: test_callgrind.sh BUILD_DIR}
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (netns, TAP, AF_PACKET)"
BN_TESTPMD=${RTAP_DEPS_PREFIX:-/opt/rtap-deps}/bin/dpdk-testpmd
BN_PKTFLOOD=$build/bench/pktflood
BN_PY=/usr/bin/python3
for t in "$BN_TESTPMD" "$BN_PKTFLOOD"; do [ -x "$t" ] || fail "missing $t"; done
for t in valgrind callgrind_annotate; do command -v "$t" >/dev/null || fail "missing $t (apt-get install valgrind)"; done
BN_OUT=$(mktemp -d)
mkdir -p "$BN_OUT/logs"
BN_RTAP_OK=
BN_CG_SECS=2
# shellcheck source=devtools/testbed.sh
. "$top/devtools/testbed.sh"
# shellcheck source=bench/lib/bench.sh
. "$top/bench/lib/bench.sh"

res=$(bn_callgrind tap_afp)
echo "bn_callgrind tap_afp: $res"
# shellcheck disable=SC2086
set -- $res
[ "${1:-}" = PASS ] || fail "status ${1:-none}: $res (logs in $BN_OUT/logs)"
[ "$3" = instr/frame ] || fail "unit '$3'"
v=${2%.*}
[ "$v" -ge 50 ] && [ "$v" -le 20000 ] || fail "$2 instructions per frame out of range"
frames=$(grep -o 'frames=[0-9]*' <<<"$res" | cut -d= -f2)
[ "${frames:-0}" -gt 1000 ] || fail "only ${frames:-0} frames forwarded"
burst=$(grep -o 'burst=[0-9.]*' <<<"$res" | cut -d= -f2)
awk -v b="$burst" 'BEGIN { exit !(b >= 1 && b <= 64) }' || fail "burst $burst"
grep -q 'method=callgrind' <<<"$res" || fail "method not named"
prof=$BN_OUT/profile-cg-tap_afp.txt
grep -q 'pmd_rx_burst\|pmd_tx_burst' "$prof" || fail "net_tap burst functions missing from $prof"
grep -q 'eth_af_packet_rx\|eth_af_packet_tx' "$prof" || fail "af_packet burst functions missing from $prof"
# bn_callgrind ran in a subshell with its own testbed prefix (testpmd's
# --file-prefix in the log's command line).
pfx=$(grep -o -- '--file-prefix [a-z0-9]*' "$BN_OUT/logs/cg-tap_afp.log" | head -1 | cut -d' ' -f2)
[ -n "$pfx" ] || fail "no testbed prefix in the log"
ip netns list | grep -q "^$pfx-" && fail "netns $pfx-* left behind"
pgrep -f "valgrind.*$BN_OUT" >/dev/null && fail "valgrind still running"
rm -rf "$BN_OUT"
echo "1 passed, 0 failed"
