#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run the meson test suites and print one closing line "N passed, N failed".
#
#   devtools/run-tests.sh BUILD_DIR            unit + integration, then the
#                                              ASan+UBSan pass (below)
#   devtools/run-tests.sh BUILD_DIR SUITE      one suite only (unit|integration)
#
# The ASan+UBSan pass builds the same tree in BUILD_DIR-asan with
# -Db_sanitize=address,undefined and runs the unit suite plus the PMD's
# datapath/control/robustness/multi-process tests, the AF_XDP Tx paths
# (xdp-tx, xdp-bad, xdp-jumbo) and the packet backend's Rx cases (mmsg and
# TPACKET_V3 ring) there (RTAP_NO_ASAN=1 leaves it out).
# A skipped test counts as failed: tests must fail loudly when they cannot
# run, never skip.
set -uo pipefail
build=${1:?usage: run-tests.sh BUILD_DIR [suite]}
suite=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
total_pass=0
total_fail=0

# Add the results of the last `meson test` in $1 to the totals.
count() {
	local out
	if [ ! -f "$1/meson-logs/testlog.json" ]; then
		total_fail=$((total_fail + 1))
		return
	fi
	out=$(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    else:
        failed += 1
print(passed, failed)
PY
)
	total_pass=$((total_pass + ${out% *}))
	total_fail=$((total_fail + ${out#* }))
}

run() {
	local dir=$1
	shift
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@"
	count "$dir"
}

if [ -z "$suite" ] || [ "$suite" = integration ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "rtap tests: the integration suite needs root (netns, veth, tap); run as root" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
fi

if [ -n "$suite" ]; then
	run "$build" --suite "$suite"
else
	run "$build"
	if [ "${RTAP_NO_ASAN:-0}" != 1 ]; then
		asan=$build-asan
		echo "== ASan+UBSan build of the suite ($asan)"
		if [ ! -f "$asan/build.ninja" ]; then
			meson setup "$asan" "$top" \
				-Dpkg_config_path="${RTAP_DEPS_PREFIX:-/opt/rtap-deps}/lib/pkgconfig" \
				-Db_sanitize=address,undefined -Db_lundef=false \
				-Dbuildtype=debug >/dev/null ||
				{ echo "rtap tests: meson setup of $asan failed" >&2; total_fail=$((total_fail + 1)); }
		fi
		if ninja -C "$asan" >/dev/null; then
			run "$asan" --suite unit
			run "$asan" test_pmd_rxtx test_pmd_gso test_pmd_ctrl test_pmd_robust test_pmd_mp vnet_kernel \
				xdp-tx xdp-bad xdp-jumbo
			# backend=packet parsing kernel-written memory: the
			# TPACKET_V3 ring (rxmode=ring) and the recvmmsg path.
			run "$asan" packet-rx packet-lro packet-bad packet-ring-rx packet-ring-lro packet-ring-jumbo packet-ring-bad packet-ring-yank
		else
			echo "rtap tests: the ASan+UBSan build failed" >&2
			total_fail=$((total_fail + 1))
		fi
	fi
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
