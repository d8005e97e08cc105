#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Static analysis of our C code (drivers/net/rtap, lib/, app/): `make lint`.
#
#   devtools/lint.sh [builddir]      (default: build; it must be configured)
#
# cppcheck --enable=warning,performance,portability (our headers only; the
# macros it cannot see are shaped in devtools/lint/cppcheck.h) and
# clang-tidy with the checks in .clang-tidy (bugprone-*, clang-analyzer-*,
# minus the noisy ones listed there) over the build's compile_commands.json.
# Any finding fails.  Suppress a false positive on its line with
# "cppcheck-suppress <id>" or "NOLINT(<check>)" and a reason.
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$src/$build ;; esac
dirs=(drivers/net/rtap lib app)
jobs=$(nproc)

die() { echo "lint: $*" >&2; exit 1; }
for t in cppcheck clang-tidy python3; do
	command -v $t >/dev/null || die "$t not found (apt-get install cppcheck clang-tidy)"
done
[ -f "$build/compile_commands.json" ] ||
	die "$build/compile_commands.json missing: configure the build first (make build)"

out=$(mktemp -d /tmp/rtap-lint.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail=0

# ------------------------------------------------------------------ cppcheck
cd "$src"
incs=()
for d in drivers/net/rtap lib/* app/*; do
	[ -d "$d" ] && incs+=(-I "$d")
done
t0=$SECONDS
cppcheck --enable=warning,performance,portability --inline-suppr -q \
	--std=c11 --error-exitcode=1 --include=devtools/lint/cppcheck.h \
	-D__linux__ -D__x86_64__ -DRTAP_HAVE_XDP \
	--suppress=missingIncludeSystem -j "$jobs" \
	"${incs[@]}" "${dirs[@]}" > "$out/cppcheck.txt" 2>&1
rc=$?
n=$(grep -c ': \(error\|warning\|performance\|portability\|style\):' "$out/cppcheck.txt")
echo "lint: cppcheck: $n findings ($((SECONDS - t0)) s)"
if [ $rc -ne 0 ] || [ "$n" -ne 0 ]; then
	cat "$out/cppcheck.txt"
	fail=1
fi

# ---------------------------------------------------------------- clang-tidy
# One compile command per source file (the PMD's sources are compiled for
# the static library and for the plugin alike), only our directories.
mkdir -p "$out/db"
python3 - "$build/compile_commands.json" "$out/db/compile_commands.json" \
	"$out/files" "${dirs[@]}" <<'EOF' || die "cannot read compile_commands.json"
import json, os, sys
db, outdb, outfiles, dirs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
seen, keep = set(), []
for e in json.load(open(db)):
    f = os.path.normpath(os.path.join(e['directory'], e['file']))
    if f in seen or not any('/' + d + '/' in f for d in dirs):
        continue
    seen.add(f)
    e['file'] = f
    keep.append(e)
json.dump(keep, open(outdb, 'w'))
open(outfiles, 'w').write('\n'.join(sorted(seen)) + '\n')
EOF
t0=$SECONDS
# GCC-only warning flags of the build are unknown to clang: not findings.
xargs -a "$out/files" -P "$jobs" -n 1 clang-tidy -p "$out/db" --quiet \
	--extra-arg=-Wno-unknown-warning-option > "$out/tidy.txt" 2>&1
rc=$?
grep -E '(warning|error): ' "$out/tidy.txt" | sort -u > "$out/tidy-findings.txt"
n=$(wc -l < "$out/tidy-findings.txt")
echo "lint: clang-tidy: $n findings in $(wc -l < "$out/files") files ($((SECONDS - t0)) s)"
if [ $rc -ne 0 ] || [ "$n" -ne 0 ]; then
	grep -E -A3 '(warning|error): ' "$out/tidy.txt" | grep -v '^--$' | head -n 200
	fail=1
fi

if [ $fail -ne 0 ]; then
	echo "lint: FAILED"
	exit 1
fi
echo "lint: clean"
