#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run the meson test suites and print one closing line "N passed, N failed".
#   devtools/run-tests.sh BUILD_DIR [unit|integration|...]
set -uo pipefail
build=${1:?usage: run-tests.sh BUILD_DIR [suite]}
suite=${2:-}
args=(-C "$build" --print-errorlogs --num-processes 2)
[ -n "$suite" ] && args+=(--suite "$suite")
if [ -z "$suite" ] || [ "$suite" = integration ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "rtap tests: the integration suite needs root (netns, veth, tap); run as root" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
fi
meson test "${args[@]}"
rc=$?
log=$build/meson-logs/testlog.json
if [ -f "$log" ]; then
	python3 - "$log" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
# A skip is a failure here: tests must fail loudly when they cannot run.
print(f"{passed} passed, {failed + skipped} failed")
sys.exit(1 if failed + skipped else 0)
PY
	prc=$?
	[ $rc -eq 0 ] && rc=$prc
else
	echo "0 passed, 1 failed"
	rc=1
fi
exit $rc
