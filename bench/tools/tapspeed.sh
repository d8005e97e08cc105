#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tapspeed: the 64-byte rows of issue 7 only, repeated, with the anchors
# measured in the same round (same method as bench/run.sh --quick: it
# calls bench/lib's bn_pmd_rate).
#
#   bench/tools/tapspeed.sh [--build DIR] [--rounds N] [--secs S]
#                           [--dirs tx,rx] [--out DIR]
#                           [--variant NAME[:VAR=val,...]]...
#
# Each round measures, per direction, net_tap then net_rtap (and for rx
# net_af_packet on the veth) under the shared measurement lock, and prints
# the ratios of that round (Mpps, and the lcore's CPU ns per frame, see
# tap_rate); the last lines are the medians over the rounds.
# --variant (repeatable) measures net_rtap once per variant in every round,
# with those environment variables set for testpmd (A/B of a change in one
# run); the pseudo variable plugin=FILE measures another build's
# librte_net_rtap.so (e.g. main's, as "before").  Without --variant, one
# variant "rtap".  Plugins are copied first, so a rebuild during the run
# does not change what is measured.  Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/.." && pwd)
build=$top/build
rounds=3
dirs="tx rx"
out=
variants=()
lock=/run/rtap-measure.lock
BN_RATE_SECS=4
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--secs) BN_RATE_SECS=$2; shift ;;
	--dirs) dirs=${2//,/ }; shift ;;
	--out) out=$2; shift ;;
	--variant) variants+=("$2"); shift ;;
	--no-lock) lock=/dev/null ;;	# functional check only, not for numbers
	-h | --help) sed -n '3,19p' "$0"; exit 0 ;;
	*) echo "tapspeed.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "tapspeed.sh: needs root" >&2; exit 1; }
build=$(cd "$build" && pwd) || exit 1
prefix=${RTAP_DEPS_PREFIX:-/opt/rtap-deps}
BN_TESTPMD=$prefix/bin/dpdk-testpmd
BN_PLUGIN=$build/drivers/net/rtap/librte_net_rtap.so
BN_PKTFLOOD=$build/bench/pktflood
BN_PY=/usr/bin/python3
BN_OUT=${out:-$(mktemp -d /tmp/tapspeed.XXXXXX)}
mkdir -p "$BN_OUT/logs"
: >"$BN_OUT/results.txt"
for t in "$BN_TESTPMD" "$BN_PKTFLOOD" "$BN_PLUGIN"; do
	[ -e "$t" ] || { echo "tapspeed.sh: missing $t" >&2; exit 1; }
done

# shellcheck source=devtools/testbed.sh
. "$top/devtools/testbed.sh"
# shellcheck source=bench/lib/bench.sh
. "$here/lib/bench.sh"
[ ${#variants[@]} -gt 0 ] || variants=(rtap)
snap=/run/rtap-plugins/tapspeed-$$
mkdir -p /run/rtap-plugins "$snap" && chmod 0755 /run/rtap-plugins "$snap" && cp "$BN_PLUGIN" "$snap/" || exit 1
BN_PLUGIN=$snap/$(basename "$BN_PLUGIN")
# Other builds named by plugin=FILE: copied as $snap/<n>/, the variant's
# value rewritten to that relative path.
for ((i = 0; i < ${#variants[@]}; i++)); do
	v=${variants[$i]}
	case $v in *plugin=*) ;; *) continue ;; esac
	f=${v#*plugin=}
	f=${f%%,*}
	mkdir -p "$snap/$i" && cp "$f" "$snap/$i/" || exit 1
	variants[i]=${v/plugin=$f/plugin=$i/$(basename "$f")}
done
export BN_RTAP_OK=1

# One 64-byte point: bench/lib's bn_pmd_rate (txonly: frames the TAP's
# kernel side counted; rxonly: testpmd's Rx counter, with pktflood
# sending) and its lcore_ns_per_frame, the polling lcore's on-CPU time per
# frame over the same window.  Prints "Mpps/ns_per_frame".
tap_rate() {
	local res nsf
	res=$(bn_pmd_rate "$1" "$2")
	# shellcheck disable=SC2086
	set -- $res
	if [ "${1:-}" != PASS ]; then
		echo "nan/nan"
		return
	fi
	nsf=$(grep -o 'lcore_ns_per_frame=[0-9.]*' <<<"$res" | cut -d= -f2)
	echo "$2/${nsf:-nan}"
}

# tap_rate DIR PMD in a subshell with the variant's environment.
measure() {
	local dir=$1 pmd=$2 envs=$3 res
	# shellcheck disable=SC2086,SC2163
	res=$(for kv in ${envs//,/ }; do
			case $kv in
			plugin=*) BN_PLUGIN=$snap/${kv#plugin=} ;;
			*) export "$kv" ;;
			esac
		done
		tap_rate "$dir" "$pmd" 2>>"$BN_OUT/logs/err.log")
	echo "$res"
}

echo "# tapspeed $(date -u +%FT%TZ) git $(git -C "$top" rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg) secs=$BN_RATE_SECS" |
	tee -a "$BN_OUT/results.txt"
for ((r = 1; r <= rounds; r++)); do
	# One round (every PMD, both directions) under the shared
	# measurement lock (fd 7: bench/lib uses 9): the anchors and the
	# variants see the same machine.
	exec 7>"$lock"
	flock 7
	for dir in $dirs; do
		line="round $r $dir net_tap=$(measure "$dir" net_tap "")"
		for v in "${variants[@]}"; do
			envs=
			[ "${v#*:}" != "$v" ] && envs=${v#*:}
			line+=" ${v%%:*}=$(measure "$dir" rtap_tap "$envs")"
		done
		[ "$dir" = rx ] && line+=" net_af_packet=$(measure "$dir" net_af_packet "")"
		echo "$line load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$BN_OUT/results.txt"
	done
	flock -u 7
	exec 7>&-
done
"$BN_PY" - "$BN_OUT/results.txt" <<'EOF'
import sys, statistics
rows = {}
def num(x):
    try:
        return float(x)
    except ValueError:
        return float("nan")
for l in open(sys.argv[1]):
    if not l.startswith("round"):
        continue
    f = l.split()
    d = f[2]
    v = {}
    for x in f[3:]:
        k, _, val = x.partition("=")
        if k == "load":
            continue
        mpps, _, nsf = val.partition("/")
        v[k] = (num(mpps), num(nsf))
    tap, afp = v.pop("net_tap", (0, 0)), v.pop("net_af_packet", (0, 0))
    for k, (x, c) in v.items():
        r = x / tap[0] if tap[0] else float("nan")
        rc = tap[1] / c if c else float("nan")
        a = x / afp[0] if afp[0] else float("nan")
        rows.setdefault((d, k), []).append((x, tap[0], r, a, c, tap[1], rc))
        print("%s %s %s: %.3f Mpps (%.0f ns/frame), %.2fx net_tap (%.2fx by CPU/frame), %.2fx af_packet" % (
            f[0], f[1], d + " " + k, x, c, r, rc, a))
for (d, k), rs in rows.items():
    med = lambda i: statistics.median(x[i] for x in rs)
    print("median %s %s (%d rounds): %.3f Mpps vs net_tap %.3f = %.2fx (min %.2fx, max %.2fx); CPU/frame %.0f vs %.0f ns = %.2fx; vs af_packet %.2fx" % (
        d, k, len(rs), med(0), med(1), med(2), min(x[2] for x in rs), max(x[2] for x in rs),
        med(4), med(5), med(6), med(3)))
EOF
echo "results: $BN_OUT/results.txt"
rm -rf "$snap"
rmdir /run/rtap-plugins 2>/dev/null
exit 0
