#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# One-command comparison of rtap against the anchors (issue 6).
#
#   bench/run.sh --quick --build BUILD     `make bench`  (< 5 min)
#   bench/run.sh --full  --build BUILD     `make matrix` (< 45 min)
#
# Options:
#   --out DIR        results directory (default bench/results/<UTC stamp>)
#   --paths a,b,..   only these columns (veth,tap_afp,tap_afxdp,rtap_afp,
#                    rtap_pkt,rtap_xdp,l2fk); add "rates" for the 64-byte
#                    rates (run by default only without --paths)
#   --secs N         iperf3 duration (default 10 full, 5 quick)
#   --rate-secs N    64-byte rate measurement per point (default 10 full, 3 quick)
#   --rrul-secs N    flent rrul length (default 30 full, 10 quick)
#   --cg-secs N      flood length of the callgrind instruction count (default 3)
#   --publish        copy the rendered report, profiles and plots to
#                    bench/reports/latest (full) or bench/reports/quick (quick)
#                    and append the key numbers to bench/reports/history.jsonl
#   --no-profile     skip the perf record profiles (full mode takes them)
#
# Every path runs in its own netns testbed (devtools/testbed.sh) with a
# fresh per-path prefix; DPDK runs with one polling lcore (-l 0,1: lcore 0
# is testpmd's main lcore, which sleeps in the stats loop, lcore 1 polls).
# Quick mode covers every speed target of issues 7, 3 and 5 with shorter
# points (iperf3 5 s, 64-byte rates 3 s, rrul 10 s with 1 s lead-in/out);
# --full adds the v6/4-stream/UDP rows, all offload settings, the xdp
# columns, l2fwd-kernel --poll and the perf profiles.
# Results: one JSON object per measurement in results.jsonl, rendered into
# matrix.md / matrix.html / run.json by bench/render.py.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

mode=quick
build=$top/build
out=
only=
BN_SECS=
rate_secs=
rrul_secs=
BN_CG_SECS=3
publish=
profile=1
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mode=quick ;;
	--full) mode=full ;;
	--build) build=$2; shift ;;
	--out) out=$2; shift ;;
	--paths) only=$2; shift ;;
	--secs) BN_SECS=$2; shift ;;
	--rate-secs) rate_secs=$2; shift ;;
	--cg-secs) BN_CG_SECS=$2; shift ;;
	--rrul-secs) rrul_secs=$2; shift ;;
	--publish) publish=1 ;;
	--no-profile) profile= ;;
	-h | --help) sed -n '3,31p' "$0"; exit 0 ;;
	*) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: needs root (netns, veth, tap, XDP)" >&2; exit 1; }
[ -d "$build" ] || { echo "bench/run.sh: build directory $build not found (make build)" >&2; exit 1; }
build=$(cd "$build" && pwd)

prefix=${RTAP_DEPS_PREFIX:-/opt/rtap-deps}
BN_TESTPMD=$prefix/bin/dpdk-testpmd
BN_PLUGIN=$build/drivers/net/rtap/librte_net_rtap.so
BN_L2FK=$build/app/l2fwd-kernel/dpdk-l2fwd-kernel
BN_PKTFLOOD=$build/bench/pktflood
# flent and matplotlib come from Debian: use the system interpreter.
BN_PY=/usr/bin/python3
if [ "$mode" = full ]; then
	BN_SECS=${BN_SECS:-10}
	BN_RATE_SECS=${rate_secs:-10}
	BN_RATE_WARM=2
	rrul_secs=${rrul_secs:-30}
	BN_RRUL_DELAY=5
	export BN_PLOTS="all_scaled ping_cdf"
else
	BN_SECS=${BN_SECS:-5}
	BN_RATE_SECS=${rate_secs:-3}
	BN_RATE_WARM=1
	rrul_secs=${rrul_secs:-10}
	BN_RRUL_DELAY=1
	export BN_PLOTS="all_scaled"
fi
export BN_CG_SECS BN_RATE_WARM BN_RRUL_DELAY

missing=
for t in "$BN_TESTPMD" "$BN_PKTFLOOD" "$BN_PY"; do
	[ -x "$t" ] || missing+=" $t"
done
for t in iperf3 flent netperf netserver ethtool ping ss valgrind callgrind_annotate; do
	command -v "$t" >/dev/null || missing+=" $t"
done
"$BN_PY" -c 'import matplotlib' 2>/dev/null || missing+=" python3-matplotlib"
if [ -n "$missing" ]; then
	echo "bench/run.sh: missing:$missing (make deps; ninja -C $build)" >&2
	exit 1
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
BN_OUT=${out:-$here/results/$stamp}
mkdir -p "$BN_OUT/logs" "$BN_OUT/plots"
BN_OUT=$(cd "$BN_OUT" && pwd)
: >"$BN_OUT/results.jsonl"

# shellcheck source=devtools/testbed.sh
. "$top/devtools/testbed.sh"
# shellcheck source=bench/lib/bench.sh
. "$here/lib/bench.sh"
# EAL refuses -d plugins below a world-writable directory (a build in /tmp):
# use a copy in /run/rtap-plugins/bench-<pid>, removed at the end.
if [ -f "$BN_PLUGIN" ]; then
	tb_safe_plugin "$BN_PLUGIN" "bench-$$" && BN_PLUGIN=$TB_PLUGIN
fi

t_start=$(date +%s)
{
	echo "{"
	echo "  \"stamp\": \"$stamp\","
	echo "  \"mode\": \"$mode\","
	echo "  \"git\": \"$(git -C "$top" rev-parse --short HEAD 2>/dev/null)$(git -C "$top" diff --quiet HEAD -- drivers app lib 2>/dev/null || echo -dirty)\","
	echo "  \"kernel\": \"$(uname -r)\","
	echo "  \"cpus\": $(nproc),"
	echo "  \"loadavg_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
	echo "  \"iperf_secs\": $BN_SECS,"
	echo "  \"rrul_secs\": $rrul_secs,"
	echo "  \"rate_secs\": $BN_RATE_SECS,"
	echo "  \"cg_secs\": $BN_CG_SECS,"
	echo "  \"eal\": \"-l 0,1 --no-pci --no-huge -m 512 (1 polling lcore)\""
	echo "}"
} >"$BN_OUT/meta.json"

bn_log "rtap bench ($mode) -> $BN_OUT"
bn_log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared: numbers are noisy when others build)"
bn_probe_rtap
if [ -n "$BN_RTAP_OK" ]; then
	bn_log "net_rtap: available ($BN_PLUGIN)"
else
	bn_log "net_rtap: $BN_RTAP_WHY -> its columns are n/a (not built)"
fi
[ -x "$BN_L2FK" ] || bn_log "l2fwd-kernel: $BN_L2FK not built -> column n/a"

# ---------------------------------------------------------------- plan --
all_paths="veth tap_afp tap_afxdp rtap_afp rtap_pkt rtap_xdp l2fk"
rate_pmds="net_tap rtap_tap net_af_packet rtap_packet net_af_xdp rtap_xdp"
if [ "$mode" = quick ]; then
	# l2fwd-kernel: rrul only (issue 5).
	paths="veth tap_afp rtap_afp rtap_pkt l2fk"
	# Every 64-byte rate of the issue-7 and issue-3 targets; the kernel
	# reference (pktflood into a bare veth) is one measurement in quick
	# mode, recorded for both directions.
	rate_kernel="tx"
	# Instructions per frame: the anchor and the all-rtap path.
	cg_paths="tap_afp rtap_pkt"
else
	paths=$all_paths
	rate_kernel="tx rx"
	cg_paths="tap_afp tap_afxdp rtap_afp rtap_pkt rtap_xdp"
fi
if [ -n "$only" ]; then
	sel=
	want_rates=
	for p in ${only//,/ }; do
		[ "$p" = rates ] && want_rates=1 && continue
		case " $all_paths " in *" $p "*) sel+=" $p" ;;
		*) echo "bench/run.sh: unknown path $p ($all_paths)" >&2; exit 2 ;; esac
	done
	paths=$sel
	sel=
	for p in $cg_paths; do
		case " $paths " in *" $p "*) sel+=" $p" ;; esac
	done
	cg_paths=$sel
	if [ -z "$want_rates" ]; then
		rate_kernel=
		rate_pmds=
	fi
fi

# Offload settings per column.  veth: the kernel's defaults (all on);
# l2fwd-kernel: whatever it detects ("auto", it has no knobs).  Quick mode
# runs each testpmd column with the best setting it really has: TSO/LRO
# only where both ends can carry 64 KB frames (net_rtap tap <-> net_rtap
# packet); net_rtap tap <-> net_af_packet gets checksum offload (DPDK's
# af_packet and any AF_XDP socket cannot send the kernel's GSO frames).
path_offloads() {
	case $1 in
	veth) echo "-" ;;
	l2fk) if [ "$mode" = quick ]; then echo "auto"; else echo "auto poll"; fi ;;
	*)
		if [ "$mode" = quick ]; then
			case $1 in rtap_pkt) echo "tso" ;; rtap_*) echo "csum" ;; *) echo "off" ;; esac
		else
			echo "off csum tso"
		fi
		;;
	esac
}

# Why an offload setting is impossible on a column ("" when it is not).
# "tso" there means: LRO on net_rtap's kernel-facing port (the kernel
# hands it 64 KB GSO frames) and TSO on the wire port.  A wire PMD without
# TSO cannot send those frames (testpmd's software GSO leaves the TCP
# checksums of the segments wrong when the port has no checksum offload).
offload_na() {
	case $1:$2 in
	rtap_afp:tso) echo "n/a (path lacks TSO: net_af_packet cannot send GSO frames)" ;;
	rtap_xdp:tso) echo "n/a (path lacks TSO: AF_XDP cannot send GSO frames)" ;;
	esac
}

# Rows per (column, offload).  The first offload of a column gets the
# whole list; extra offload settings get the TCP v4 1-stream rows only
# (keeps --full under 45 minutes on 2 cores).
rows_for() {
	local p=$1 off=$2 first=$3
	if [ "$mode" = quick ]; then
		# rrul (issue 5 targets) on the anchor, net_rtap tap <->
		# net_rtap packet and l2fwd-kernel, while their path is up.
		case $p in
		tap_afp | rtap_pkt | l2fk) echo "tcp4_up_1 tcp4_down_1 rrul" ;;
		*) echo "tcp4_up_1 tcp4_down_1" ;;
		esac
	elif [ "$p" = l2fk ] && [ "$off" = poll ]; then
		echo "tcp4_up_1 tcp4_down_1 rrul"
	elif [ "$first" = 1 ]; then
		echo "tcp4_up_1 tcp4_down_1 tcp4_up_4 tcp4_down_4 tcp6_up_1 tcp6_down_1 tcp6_up_4 tcp6_down_4 udp64_up udp64_down udpmtu_up udpmtu_down rrul"
	else
		echo "tcp4_up_1 tcp4_down_1"
	fi
}

BN_STEP=0
BN_TOTAL=0
for p in $paths; do
	first=1
	for off in $(path_offloads "$p"); do
		for r in $(rows_for "$p" "$off" "$first"); do BN_TOTAL=$((BN_TOTAL + 1)); done
		first=0
	done
done
for _ in $rate_kernel $rate_pmds $cg_paths; do BN_TOTAL=$((BN_TOTAL + 1)); done
[ "$mode" = full ] && [ -n "$profile" ] && BN_TOTAL=$((BN_TOTAL + 2))

iperf_args() {
	case $1 in
	tcp4_up_1) echo "" ;;
	tcp4_down_1) echo "-R" ;;
	tcp4_up_4) echo "-P 4" ;;
	tcp4_down_4) echo "-P 4 -R" ;;
	tcp6_up_1) echo "-6" ;;
	tcp6_down_1) echo "-6 -R" ;;
	tcp6_up_4) echo "-6 -P 4" ;;
	tcp6_down_4) echo "-6 -P 4 -R" ;;
	# 18-byte payload: 14 + 20 + 8 + 18 = 60 bytes, 64 on the wire.
	udp64_up) echo "-u -b 0 -l 18" ;;
	udp64_down) echo "-u -b 0 -l 18 -R" ;;
	udpmtu_up) echo "-u -b 0 -l 1472" ;;
	udpmtu_down) echo "-u -b 0 -l 1472 -R" ;;
	esac
}

# Forwarded frames so far: what the kernel received from the DPDK side on
# both ends (wire peer rx + kernel-facing port rx).
fwd_frames() {
	echo $(($(bn_ifstat "$TB_NS_SRV" "$TB_WSRV" rx_packets) + $(bn_ifstat "$TB_NS_DP" "$TB_KIF" rx_packets)))
}

# Bytes of those frames: frames differ ~40x in size between paths with and
# without GSO, so the cost per byte is the comparable figure.
fwd_bytes() {
	echo $(($(bn_ifstat "$TB_NS_SRV" "$TB_WSRV" rx_bytes) + $(bn_ifstat "$TB_NS_DP" "$TB_KIF" rx_bytes)))
}

# CPU cost of the forwarder during one iperf3 run: perf stat task-clock on
# its PID (the VM has no PMU, so "instructions" is not supported here; see
# doc/performance.md) divided by the frames it forwarded, and by their bytes.
cpu_sample() {
	local f=$1 secs=$2 a b
	sleep 1.5
	a=$(fwd_frames)
	ab=$(fwd_bytes)
	perf stat -e task-clock -x, -p "$BN_FWD_PID" -o "$f" -- sleep "$secs" >/dev/null 2>&1
	b=$(fwd_frames)
	bb=$(fwd_bytes)
	echo "$a $b $secs $ab $bb" >"$f.frames"
}

record_cpu() {
	local p=$1 off=$2 f=$3 ms a b secs ab bb
	ms=$(grep task-clock "$f" 2>/dev/null | cut -d, -f1)
	read -r a b secs ab bb <"$f.frames" 2>/dev/null
	# Fewer than 1000 frames/s means the path carried no traffic (e.g. the
	# iperf3 run failed): a per-frame cost would be meaningless.
	if [ -z "$ms" ] || [ -z "$b" ] || [ $((b - a)) -lt $((1000 * secs)) ]; then
		bn_rec cpu_tcp4_up "$p" "$off" FAIL - "ns/frame" why=no_perf_sample
		return
	fi
	local v
	v=$("$BN_PY" -c "import sys; ms,a,b,s,ab,bb=map(float,sys.argv[1:]); print('%.0f %.2f %.0f %.2f %.0f' % (ms*1e6/(b-a), ms/1e3/s, (b-a)/s, ms*1e6/(bb-ab) if bb>ab else 0, (bb-ab)/(b-a)))" "$ms" "$a" "$b" "$secs" "${ab:-0}" "${bb:-0}")
	# shellcheck disable=SC2086
	set -- $v
	bn_rec cpu_tcp4_up "$p" "$off" PASS "$1" "ns CPU/frame" "cpus=$2" "frames_per_s=$3" \
		"ns_per_byte=$4" "bytes_per_frame=$5"
}

run_row() {
	local p=$1 off=$2 r=$3 first=${4:-1} res
	if ! bn_fwd_alive; then
		bn_rec "$r" "$p" "$off" FAIL - - why=forwarder_died
		return
	fi
	if [ "$r" = rrul ]; then
		bn_step "$p [$off]: flent rrul ${rrul_secs}s"
		res=$(bn_rrul "$rrul_secs" "$off")
	else
		bn_step "$p [$off]: $r (iperf3 $(iperf_args "$r") ${BN_SECS}s)"
		local cpu_f='' cpu_pid=''
		if [ "$r" = tcp4_up_1 ] && [ -n "$BN_FWD_PID" ] && [ "$first" = 1 ] && [ "$BN_SECS" -ge 5 ]; then
			cpu_f=$BN_OUT/logs/$p-$off-cpu.perf
			# From 1.5 s in (slow start over) to ~1 s before the end.
			cpu_sample "$cpu_f" $((BN_SECS - 3)) &
			cpu_pid=$!
		fi
		# shellcheck disable=SC2046
		res=$(bn_iperf "$r-$off" "$off" $(iperf_args "$r"))
		if [ -n "$cpu_pid" ]; then
			wait "$cpu_pid"
			record_cpu "$p" "$off" "$cpu_f"
		fi
	fi
	bn_fwd_alive || res="FAIL - - why=forwarder_died_during_test"
	# shellcheck disable=SC2086
	bn_rec "$r" "$p" "$off" $res
}

# Mark every row of a column that cannot run.
skip_path() {
	local p=$1 why=$2 off r first=1
	for off in $(path_offloads "$p"); do
		for r in $(rows_for "$p" "$off" "$first"); do
			BN_STEP=$((BN_STEP + 1))
			bn_rec "$r" "$p" "$off" NA - - "why=$why"
		done
		first=0
	done
}

# ------------------------------------------------------------- columns --
for p in $paths; do
	na=$(bn_path_na "$p")
	if [ -n "$na" ]; then
		bn_log "== $p: $na"
		skip_path "$p" "$na"
		continue
	fi
	first=1
	for off in $(path_offloads "$p"); do
		na=$(offload_na "$p" "$off")
		if [ -n "$na" ]; then
			bn_log "== $p [offload $off]: $na"
			for r in $(rows_for "$p" "$off" "$first"); do
				BN_STEP=$((BN_STEP + 1))
				bn_rec "$r" "$p" "$off" NA - - "why=$na"
			done
			first=0
			continue
		fi
		bn_log "== $p [offload $off]: bringing up testbed"
		if ! bn_path_up "$p" "$off"; then
			bn_log "$p [$off]: path did not come up (logs in $BN_OUT/logs)"
			for r in $(rows_for "$p" "$off" "$first"); do
				BN_STEP=$((BN_STEP + 1))
				bn_rec "$r" "$p" "$off" FAIL - - why=path_did_not_come_up
			done
			bn_path_down
			first=0
			continue
		fi
		for r in $(rows_for "$p" "$off" "$first"); do
			run_row "$p" "$off" "$r" "$first"
		done
		bn_path_down
		first=0
	done
done

# --------------------------------------------------------- 64-byte rates --
# The kernel reference first, then each PMD's txonly and rxonly rates from
# one testpmd instance (bn_pmd_rates).
for dir in $rate_kernel; do
	bn_step "64-byte $dir: pktflood over a bare veth (kernel limit) (${BN_RATE_SECS}s)"
	res=$(bn_pmd_rate "$dir" kernel)
	# shellcheck disable=SC2086
	bn_rec "${dir}64_kernel" pmd:kernel - $res
	if [ "$rate_kernel" = tx ]; then
		# Quick mode: one measurement stands for both directions.
		# shellcheck disable=SC2086
		bn_rec rx64_kernel pmd:kernel - $res
	fi
done
for pmd in $rate_pmds; do
	bn_step "64-byte tx+rx: testpmd txonly, then rxonly with pktflood, $pmd (${BN_RATE_SECS}s each)"
	side=$(bn_pmd_side "$pmd")
	if ! bn_pmd_available "$pmd"; then
		for dir in tx rx; do
			bn_rec "${dir}64_$side" "pmd:$pmd" - NA - - "why=n/a (not built)"
		done
		continue
	fi
	while read -r dir res; do
		[ -n "$dir" ] || continue
		# shellcheck disable=SC2086
		bn_rec "${dir}64_$side" "pmd:$pmd" - $res
	done < <(bn_pmd_rates "tx rx" "$pmd")
done

# ------------------------------------------- instructions per frame --
# callgrind on a bounded testpmd io-fwd run per column (bn_callgrind):
# the VM has no PMU for perf stat -e instructions.
for p in $cg_paths; do
	bn_step "$p: instructions per forwarded frame (callgrind, testpmd io-fwd, 64 B both ways, ${BN_CG_SECS}s flood)"
	na=$(bn_path_na "$p")
	if [ -n "$na" ]; then
		bn_rec cpu_instr "$p" off NA - - "why=$na"
		continue
	fi
	res=$(bn_callgrind "$p")
	# shellcheck disable=SC2086
	bn_rec cpu_instr "$p" off $res
done

# The rtap column (and its offload setting) with the best TCP v4 1-stream
# sum so far, "" when none passed.
best_rtap() {
	"$BN_PY" - "$BN_OUT/results.jsonl" <<'EOF'
import json, sys
sums = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"].startswith("rtap_") and r["status"] == "PASS" and r["test"] in ("tcp4_up_1", "tcp4_down_1"):
        k = (r["path"], r["offload"])
        sums[k] = sums.get(k, 0) + r["value"]
if sums:
    (p, o), _ = max(sums.items(), key=lambda kv: kv[1])
    print(p, o)
EOF
}

# ------------------------------------------------------------ profiles --
# What limits the anchor vs net_rtap: perf record (cpu-clock: no PMU in
# this VM) of the forwarder during a TCP upload; top symbols kept.
if [ "$mode" = full ] && [ -n "$profile" ]; then
	best=$(best_rtap)
	for po in "tap_afp off" "${best:-none none}"; do
		# shellcheck disable=SC2086
		set -- $po
		bn_step "profile $1 [$2]: perf record -g during iperf3 up"
		if [ "$1" = none ]; then
			echo "no net_rtap path passed in this run" >"$BN_OUT/profile-rtap.txt"
			continue
		fi
		if bn_path_up "$1" "$2"; then
			tb_bg "$TB_NS_SRV" iperf3 -s -1 >/dev/null 2>&1
			sleep 0.3
			ip netns exec "$TB_NS_DP" iperf3 -c "$TB_ADDR4_SRV" -t 8 >/dev/null 2>&1 &
			ipf=$!
			sleep 1
			perf record -e cpu-clock -g -p "$BN_FWD_PID" -o "$BN_OUT/logs/perf-$1.data" -- sleep 5 >/dev/null 2>&1
			wait "$ipf"
			perf report -i "$BN_OUT/logs/perf-$1.data" --no-children --percent-limit 1.5 \
				--stdio -g none --sort dso,symbol 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -25 >"$BN_OUT/profile-$1.txt"
		else
			echo "path did not come up" >"$BN_OUT/profile-$1.txt"
		fi
		bn_path_down
	done
fi

t_end=$(date +%s)
bn_log "measurements done in $((t_end - t_start)) s; drawing the flent plots, rendering"
bn_plots
"$BN_PY" "$here/render.py" "$BN_OUT" --elapsed $((t_end - t_start)) || exit 1
if [ -n "$publish" ]; then
	rep=$here/reports/latest
	[ "$mode" = quick ] && rep=$here/reports/quick
	rm -rf "$rep"
	mkdir -p "$rep/plots"
	cp "$BN_OUT"/matrix.md "$BN_OUT"/matrix.html "$BN_OUT"/run.json "$rep/"
	cp "$BN_OUT"/profile-*.txt "$rep/" 2>/dev/null
	cp "$BN_OUT"/plots/*.png "$rep/plots/" 2>/dev/null
	"$BN_PY" "$here/render.py" "$BN_OUT" --history "$here/reports/history.jsonl"
	bn_log "published to $rep"
fi
bn_log "report: $BN_OUT/matrix.md and matrix.html"
rm -rf "/run/rtap-plugins/bench-$$"
rmdir /run/rtap-plugins 2>/dev/null
exit 0
