# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# bench-only helpers on top of devtools/testbed.sh (sourced first).
#
#   bn_rec TEST PATH OFFLOAD STATUS VALUE UNIT [k=v ...]   append a result
#   bn_path_up PATH OFFLOAD     testbed + forwarder for a column, ping-checked
#   bn_path_down                stop the forwarder, delete the testbed
#   bn_iperf NAME ARGS...       one iperf3 run through the current path
#   bn_rrul NAME SECS           flent rrul through the current path
#   bn_pmd_rate DIR PMD         64-byte txonly/rxonly of one PMD
#
# Variables used: BN_OUT (results dir), BN_BUILD, BN_TESTPMD, BN_PLUGIN,
# BN_L2FK, BN_PKTFLOOD, BN_SECS, BN_PY.

BN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Kernel ends of the testbed get fixed, locally administered MACs so
# testpmd's csum engine (which rewrites addresses) can be told its peers.
BN_MAC_KIF=02:00:c6:12:00:01
BN_MAC_WSRV=02:00:c6:12:00:02

bn_log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Progress line: [n/total] what
bn_step() {
	BN_STEP=$((BN_STEP + 1))
	printf '[bench %s] (%d/%d) %s\n' "$(date -u +%H:%M:%S)" "$BN_STEP" "$BN_TOTAL" "$*" >&2
}

# One JSON object per line in $BN_OUT/results.jsonl.
bn_rec() {
	if [ $# -lt 6 ]; then
		set -- "$1" "$2" "$3" FAIL - - "why=no_result"
	fi
	"$BN_PY" - "$BN_OUT/results.jsonl" "$@" <<'EOF'
import json, sys
out, test, path, offload, status, value, unit = sys.argv[1:8]
r = {"test": test, "path": path, "offload": offload, "status": status,
     "unit": unit}
try:
    r["value"] = float(value)
except ValueError:
    r["value"] = None
for kv in sys.argv[8:]:
    k, _, v = kv.partition("=")
    try:
        r[k] = float(v) if v.strip() not in ("", "nan") else v
    except ValueError:
        r[k] = v
with open(out, "a") as f:
    f.write(json.dumps(r) + "\n")
EOF
	local shown="$5 $6"
	[ "$5" = "-" ] && shown=""
	bn_log "  -> $1 @ $2 [$3]: $4 $shown ${7:-}"
}

# ---------------------------------------------------------------- PMDs --
# A PMD spec is a short name; bn_vdev prints the testpmd arguments for it
# on the kernel-facing ("kif") or wire ("wire") side of the testbed.
bn_pmd_available() {
	case $1 in
	net_tap | net_af_packet | net_af_xdp) return 0 ;;
	rtap_tap | rtap_packet | rtap_xdp) [ -n "$BN_RTAP_OK" ] ;;
	*) return 1 ;;
	esac
}

bn_vdev() {
	local pmd=$1
	case $pmd in
	net_tap) echo "--vdev net_tap0,iface=$TB_KIF" ;;
	rtap_tap) echo "-d $BN_PLUGIN --vdev net_rtap0,iface=$TB_KIF" ;;
	net_af_packet) echo "--vdev net_af_packet1,iface=$TB_WDP,qpairs=1" ;;
	net_af_xdp) echo "--vdev net_af_xdp1,iface=$TB_WDP,start_queue=0,queue_count=1" ;;
	rtap_packet) echo "-d $BN_PLUGIN --vdev net_rtap1,backend=packet,iface=$TB_WDP" ;;
	rtap_xdp) echo "-d $BN_PLUGIN --vdev net_rtap1,backend=xdp,iface=$TB_WDP" ;;
	esac
}

# Which side of the testbed a PMD sits on.
bn_pmd_side() {
	case $1 in
	net_tap | rtap_tap) echo kif ;;
	*) echo wire ;;
	esac
}

# Raw-frame wire PMDs see a veth peer's CHECKSUM_PARTIAL frames with
# unfinished checksums: make the peer finish them (DESIGN.md pitfalls).
bn_pmd_raw() {
	case $1 in
	net_af_packet | net_af_xdp | rtap_xdp) return 0 ;;
	*) return 1 ;;
	esac
}

# Can testpmd bring up the net_rtap vdev at all?  Probed once per run in a
# throwaway netns, so a half-written PMD shows as "n/a (not built)".
bn_probe_rtap() {
	BN_RTAP_OK=
	BN_RTAP_WHY="plugin $BN_PLUGIN not built"
	[ -f "$BN_PLUGIN" ] || return 0
	tb_init bnp
	tb_wire || return 0
	local log=$BN_OUT/logs/probe-rtap.log
	timeout 20 ip netns exec "$TB_NS_DP" stdbuf -oL "$BN_TESTPMD" -l 0,1 --no-pci --no-huge -m 512 \
		--file-prefix "$TB" --log-level=lib.eal:warning \
		-d "$BN_PLUGIN" --vdev "net_rtap0,iface=$TB_KIF" -- \
		--total-num-mbufs 8192 --no-mlockall --forward-mode=rxonly \
		--stats-period 1 >"$log" 2>&1 &
	local pid=$! i
	TB_PIDS+=("$pid")
	for ((i = 0; i < 150; i++)); do
		grep -q "start packet forwarding" "$log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q "start packet forwarding" "$log" &&
		ip -n "$TB_NS_DP" link show "$TB_KIF" >/dev/null 2>&1; then
		BN_RTAP_OK=1
		BN_RTAP_WHY=
	else
		BN_RTAP_WHY="testpmd did not bring up net_rtap (see logs/probe-rtap.log)"
	fi
	tb_cleanup
}

# ------------------------------------------------------------- testpmd --
# bn_testpmd LOG MODE PMD... [-- extra testpmd app args]
# Starts testpmd in the dp netns with one forwarding lcore; waits until it
# forwards.  PID in BN_FWD_PID.
bn_testpmd() {
	local log=$1 mode=$2 pmd i
	shift 2
	local eal=(-l 0,1 --no-pci --no-huge -m 512 --file-prefix "$TB"
		--log-level=lib.eal:warning)
	local vd=() extra=() plugin_added=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		pmd=$1
		shift
		# shellcheck disable=SC2207
		local a=($(bn_vdev "$pmd"))
		if [ "${a[0]}" = "-d" ]; then
			[ -z "$plugin_added" ] && vd+=(-d "${a[1]}")
			plugin_added=1
			a=("${a[@]:2}")
		fi
		vd+=("${a[@]}")
	done
	[ "${1:-}" = "--" ] && shift && extra=("$@")
	local topo=()
	[ "${#vd[@]}" -le 3 ] && topo=(--port-topology=loop)
	echo "# testpmd ${eal[*]} ${vd[*]} -- --forward-mode=$mode ${topo[*]} ${extra[*]}" >"$log"
	tb_bg "$TB_NS_DP" stdbuf -oL "$BN_TESTPMD" "${eal[@]}" "${vd[@]}" -- \
		--forward-mode="$mode" "${topo[@]}" --total-num-mbufs 32768 \
		--no-mlockall --stats-period 1 "${extra[@]}" >>"$log" 2>&1
	BN_FWD_PID=$TB_LAST_PID
	for ((i = 0; i < 200; i++)); do
		grep -q "start packet forwarding" "$log" && return 0
		kill -0 "$BN_FWD_PID" 2>/dev/null || break
		sleep 0.1
	done
	bn_log "testpmd did not start forwarding (log: $log)"
	return 1
}

# Median of the "Rx-pps"/"Tx-pps" samples printed for PORT after line
# START of LOG.
bn_testpmd_pps() {
	local log=$1 port=$2 start=$3 which=$4
	local vals
	# Drop the first sample (partial interval), take the median.
	vals=$(tail -n +"$start" "$log" | awk -v port="$port" -v which="$which" '
		/NIC statistics for port/ { cur = $(NF - 1) + 0; next }
		$1 == which ":" && cur == port { print $2 }' | tail -n +2 | sort -n)
	if [ -z "$vals" ]; then
		echo nan
		return
	fi
	echo "$vals" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Read a kernel interface counter in a netns.
bn_ifstat() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null || echo 0
}

# ---------------------------------------------------------------- paths --
# Columns: id -> (kernel-facing PMD, wire PMD), or the kernel veth, or
# l2fwd-kernel.
bn_path_pmds() {
	case $1 in
	tap_afp) echo "net_tap net_af_packet" ;;
	tap_afxdp) echo "net_tap net_af_xdp" ;;
	rtap_afp) echo "rtap_tap net_af_packet" ;;
	rtap_pkt) echo "rtap_tap rtap_packet" ;;
	rtap_xdp) echo "rtap_tap rtap_xdp" ;;
	l2fk) echo "rtap_tap net_af_packet" ;;
	esac
}

# Why a column cannot run here ("" when it can).
bn_path_na() {
	local p=$1 pmd
	case $p in
	veth) return 0 ;;
	l2fk)
		[ -x "$BN_L2FK" ] || { echo "n/a (not built)"; return 0; }
		return 0
		;;
	esac
	for pmd in $(bn_path_pmds "$p"); do
		bn_pmd_available "$pmd" || { echo "n/a (not built)"; return 0; }
	done
}

# testpmd options for an offload setting.  "off": io forwarding, frames
# pass untouched.  "csum": csum engine with IP/TCP/UDP checksum offload
# requested on both ports.  "tso": csum + TSO (segment size for a
# 1500-byte MTU) + LRO on ports that have it.  testpmd prints (and we keep
# in the log) which port lacked which offload; the engine falls back to
# software checksums there.
bn_offload_args() {
	local off=$1 cmd=$2
	local pmds=("$3" "$4")
	case $off in
	off) echo "--forward-mode=io" ;;
	csum | tso)
		{
			local p
			for p in 0 1; do
				echo "csum set ip hw $p"
				echo "csum set tcp hw $p"
				echo "csum set udp hw $p"
				[ "$off" = tso ] || continue
				echo "tso set 1448 $p"
				# testpmd does not check LRO against the port's
				# capabilities (configure then fails): DPDK's tap,
				# af_packet and af_xdp have no LRO; net_rtap's ports
				# must (kernel GSO frames in, issue 7).
				case ${pmds[$p]} in
				rtap_*) echo "port config $p rx_offload tcp_lro on" ;;
				esac
			done
			echo "port start all"
		} >"$cmd"
		# Ports start only after the offloads are set: net_af_xdp
		# cannot be stopped and started again in 22.11.  The csum
		# engine rewrites Ethernet addresses like macswap does, so give
		# it the kernel ends' (pinned) MACs as peers.
		echo "--forward-mode=csum --disable-device-start --cmdline-file=$cmd" \
			"--eth-peer=0,$BN_MAC_KIF --eth-peer=1,$BN_MAC_WSRV"
		;;
	esac
}

bn_path_up() {
	local p=$1 off=$2
	BN_FWD_PID=
	BN_PATH=$p
	tb_init bn
	if [ "$p" = veth ]; then
		tb_ns dp || return 1
		TB_NS_DP=$TB_NS
		tb_ns srv || return 1
		TB_NS_SRV=$TB_NS
		TB_KIF="${TB}k0"
		TB_WSRV="${TB}w1"
		TB_WDP=
		tb_veth "$TB_KIF" "$TB_NS_DP" "$TB_WSRV" "$TB_NS_SRV" || return 1
		ip -n "$TB_NS_SRV" addr add "$TB_ADDR4_SRV/24" dev "$TB_WSRV"
		ip -n "$TB_NS_SRV" addr add "$TB_ADDR6_SRV/64" dev "$TB_WSRV" nodad
		ip -n "$TB_NS_DP" addr add "$TB_ADDR4_DP/24" dev "$TB_KIF"
		ip -n "$TB_NS_DP" addr add "$TB_ADDR6_DP/64" dev "$TB_KIF" nodad
	else
		tb_wire || return 1
		ip -n "$TB_NS_SRV" link set "$TB_WSRV" address "$BN_MAC_WSRV"
		local log=$BN_OUT/logs/$p-$off-fwd.log
		BN_FWD_LOG=$log
		if [ "$p" = l2fk ]; then
			# The NIC port as in `make run` (devtools/run-demo.sh): net_rtap
			# backend=packet on the wire veth (TSO, vnet header; the peer
			# keeps its checksum offload), one lcore for everything so
			# the other core stays with the kernel.  BN_L2FK_NIC=afpacket
			# uses DPDK's net_af_packet instead (raw: the peer finishes
			# its checksums).  Offload setting "auto" = the app's
			# defaults (sleeps when idle), "poll" = --poll.
			local nic="net_rtap1,iface=$TB_WDP,backend=packet" mode_args=()
			if [ "${BN_L2FK_NIC:-rtap}" = afpacket ]; then
				nic="net_af_packet1,iface=$TB_WDP,qpairs=1"
				ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
			fi
			[ "$off" = poll ] && mode_args=(--poll)
			echo "# l2fwd-kernel -l 0 --vdev $nic -- --kernel-name $TB_KIF ${mode_args[*]}" >"$log"
			tb_bg "$TB_NS_DP" stdbuf -oL "$BN_L2FK" -l 0 --no-pci --no-huge -m 512 \
				--file-prefix "$TB" --log-level=lib.eal:warning \
				--vdev "$nic" -- --kernel-name "$TB_KIF" --stats 1 \
				"${mode_args[@]}" >>"$log" 2>&1
			BN_FWD_PID=$TB_LAST_PID
		else
			local pmds wire
			# shellcheck disable=SC2207
			pmds=($(bn_path_pmds "$p"))
			wire=${pmds[1]}
			# shellcheck disable=SC2207
			local oa=($(bn_offload_args "$off" "$BN_OUT/logs/$p-$off.cmds" "${pmds[@]}"))
			local mode=${oa[0]#--forward-mode=}
			bn_testpmd "$log" "$mode" "${pmds[@]}" -- "${oa[@]:1}" || return 1
			bn_pmd_raw "$wire" &&
				ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
		fi
		tb_kif_up "$TB_KIF" 20 || return 1
		ip -n "$TB_NS_DP" link set "$TB_KIF" address "$BN_MAC_KIF"
	fi
	# Connectivity through the path, v4 and v6, before any measurement.
	local i
	for ((i = 0; i < 20; i++)); do
		ip netns exec "$TB_NS_DP" ping -c 1 -W 1 "$TB_ADDR4_SRV" >/dev/null 2>&1 && break
	done
	[ $i -lt 20 ] || { bn_log "no IPv4 ping through $p"; return 1; }
	for ((i = 0; i < 20; i++)); do
		ip netns exec "$TB_NS_DP" ping -6 -c 1 -W 1 "$TB_ADDR6_SRV" >/dev/null 2>&1 && break
	done
	[ $i -lt 20 ] || { bn_log "no IPv6 ping through $p"; return 1; }
	return 0
}

bn_fwd_alive() {
	[ -z "$BN_FWD_PID" ] || kill -0 "$BN_FWD_PID" 2>/dev/null
}

bn_path_down() {
	if [ -n "$BN_FWD_PID" ]; then
		kill -INT "$BN_FWD_PID" 2>/dev/null
		local i
		for ((i = 0; i < 50; i++)); do
			kill -0 "$BN_FWD_PID" 2>/dev/null || break
			sleep 0.1
		done
	fi
	BN_FWD_PID=
	tb_cleanup
}

# ---------------------------------------------------------------- iperf --
# bn_iperf TEST OFFLOAD [iperf3 client args]: prints "value unit extra..."
bn_iperf() {
	local test=$1 off=$2
	shift 2
	local json=$BN_OUT/logs/$BN_PATH-$off-$test.json
	local dst=$TB_ADDR4_SRV
	case " $* " in *" -6 "*) dst=$TB_ADDR6_SRV ;; esac
	tb_bg "$TB_NS_SRV" iperf3 -s -1 >/dev/null 2>&1
	local srv=$TB_LAST_PID i
	for ((i = 0; i < 30; i++)); do
		ip netns exec "$TB_NS_SRV" ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.1
	done
	timeout $((BN_SECS + 20)) ip netns exec "$TB_NS_DP" iperf3 -c "$dst" \
		-t "$BN_SECS" -J --connect-timeout 3000 "$@" >"$json" 2>"$json.err"
	local rc=$?
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	"$BN_PY" - "$json" "$rc" "$*" <<'EOF'
import json, sys
path, rc, args = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
try:
    d = json.load(open(path))
except Exception as e:
    print("FAIL - - why=unparsable_iperf3_output")
    sys.exit(0)
if "error" in d or rc != 0:
    why = d.get("error", "rc=%d" % rc).replace(" ", "_")
    print("FAIL - - why=%s" % why)
    sys.exit(0)
e = d["end"]
if "-u" in args:
    r = e["sum_received"]
    l = int(args[args.index("-l") + 1])
    pps = r["bytes"] / l / r["seconds"] if r["seconds"] else 0
    lost = e.get("sum", {}).get("lost_percent", 0)
    # A run that carried (almost) nothing is a failed path, not a number.
    st = "PASS" if pps >= 100 else "FAIL"
    print("%s %.4f Mpps lost_pct=%.2f%s" % (st, pps / 1e6, lost,
          "" if st == "PASS" else " why=no_datagrams_received"))
else:
    r = e["sum_received"]
    s = e["sum_sent"]
    gbps = r["bits_per_second"] / 1e9
    # Under 10 Mbit/s the path carried nothing useful (a stalled
    # connection still reports a few retransmitted bytes).
    st = "PASS" if gbps >= 0.01 else "FAIL"
    print("%s %.3f Gbit/s retrans=%d%s" % (st, gbps, s.get("retransmits", 0),
          "" if st == "PASS" else " why=no_throughput"))
EOF
}

# ----------------------------------------------------------------- rrul --
# bn_rrul SECS: flent rrul from the dp kernel to the srv peer; prints the
# summary fields and writes the data file and PNG plots under plots/.
bn_rrul() {
	local secs=$1 off=$2
	local dir=$BN_OUT/flent/$BN_PATH-$off
	mkdir -p "$dir" "$BN_OUT/plots"
	tb_bg "$TB_NS_SRV" netserver -D >/dev/null 2>&1
	local ns_pid=$TB_LAST_PID
	sleep 0.3
	# --delay: lead-in/out with idle pings before/after the load (flent's
	# default 5 s; quick mode 2 s).
	timeout $((secs + 40)) ip netns exec "$TB_NS_DP" flent rrul -l "$secs" \
		--delay "${BN_RRUL_DELAY:-5}" \
		-H "$TB_ADDR4_SRV" -D "$dir" -t "$BN_PATH-$off" \
		>"$BN_OUT/logs/$BN_PATH-$off-rrul.log" 2>&1
	kill "$ns_pid" 2>/dev/null
	local f
	f=$(ls "$dir"/*.flent.gz 2>/dev/null | head -1)
	if [ -z "$f" ]; then
		echo "FAIL - - why=flent_wrote_no_data"
		return
	fi
	# Plots are drawn after all measurements (bn_plots): matplotlib takes
	# seconds of CPU that would disturb the next point.
	local plot
	for plot in ${BN_PLOTS:-all_scaled}; do
		echo "$f $plot $BN_OUT/plots/rrul-$BN_PATH-$off-$plot.png" >>"$BN_OUT/plots.todo"
	done
	"$BN_PY" "$BN_ROOT/lib/flentstats.py" "$f"
}

# ------------------------------------------------------- 64-byte rates --
# bn_pmd_rate DIR PMD: DIR "tx" (testpmd txonly, DPDK -> kernel; counted
# by the receiving kernel interface) or "rx" (pktflood on the kernel side,
# testpmd rxonly counts).  PMD "kernel" = pktflood through a bare veth.
# Prints "STATUS value Mpps extra...".
bn_pmd_rate() {
	local dir=$1 pmd=$2 log warm=${BN_RATE_WARM:-2}
	if [ "$pmd" != kernel ]; then
		bn_pmd_rates "$dir" "$pmd" | sed 's/^[a-z]* //'
		return
	fi
	tb_init bn
	tb_wire || { echo "FAIL - - why=testbed"; tb_cleanup; return; }
	log=$BN_OUT/logs/pmd-$pmd-$dir.log
	if [ "$pmd" = kernel ]; then
		ip -n "$TB_NS_SRV" link set "$TB_WSRV" up
		ip netns exec "$TB_NS_DP" "$BN_PKTFLOOD" -i "$TB_WDP" -t $((BN_RATE_SECS + warm)) \
			>"$log" 2>&1
		local tx
		tx=$(grep -o 'pps=[0-9]*' "$log" | cut -d= -f2)
		local got
		got=$(bn_ifstat "$TB_NS_SRV" "$TB_WSRV" rx_packets)
		local sent
		sent=$(grep -o 'sent=[0-9]*' "$log" | cut -d= -f2)
		tb_cleanup
		[ -n "$tx" ] || { echo "FAIL - - why=pktflood"; return; }
		# Rate at which the peer received: received/sent * send rate.
		"$BN_PY" -c "import sys; s,g,r=map(float,sys.argv[1:]); print('PASS %.4f Mpps sender_mpps=%.4f' % (r*min(g,s)/s/1e6, r/1e6))" \
			"$sent" "$got" "$tx"
		return
	fi
}

# bn_pmd_rates "tx rx" PMD: both 64-byte rates of one PMD from one testpmd
# (txonly, then rxonly with pktflood sending), one testbed: prints one
# "DIR STATUS value Mpps extra..." line per direction.  Extra
# lcore_ns_per_frame: the polling lcore's on-CPU time over the same window
# (/proc/<pid>/task/<tid>/schedstat) per counted frame.  It does not depend
# on how much of a core the scheduler gave the lcore on a shared machine,
# so it is the figure to compare when the load moves between two points.
# txonly work (io_uring submit or sendto, the kernel's Tx path) all runs on
# the lcore; rxonly's includes its empty polls, and on veth the receive
# work (XDP, copies into the socket) runs on the sender's core instead.
bn_pmd_rates() {
	local dirs=$1 pmd=$2 log warm=${BN_RATE_WARM:-2} dir
	tb_init bn
	if ! tb_wire; then
		for dir in $dirs; do echo "$dir FAIL - - why=testbed"; done
		tb_cleanup
		return
	fi
	log=$BN_OUT/logs/pmd-$pmd-${dirs// /-}.log
	local ns ifn side first=${dirs%% *}
	side=$(bn_pmd_side "$pmd")
	if [ "$side" = kif ]; then ns=$TB_NS_DP ifn=$TB_KIF; else ns=$TB_NS_SRV ifn=$TB_WSRV; fi
	local mode=txonly
	[ "$first" = rx ] && mode=rxonly
	if ! bn_testpmd_i "$log" "$pmd" -- --forward-mode="$mode" --port-topology=loop --txpkts=64; then
		bn_tpcmd quit
		tb_cleanup
		for dir in $dirs; do echo "$dir FAIL - - why=testpmd_start"; done
		return
	fi
	if [ "$side" = kif ]; then
		tb_wait_link "$ns" "$ifn" 10 >/dev/null 2>&1
		ip -n "$ns" link set "$ifn" up
	fi
	local res=()
	for dir in $dirs; do
		[ "$dir" = "$first" ] || bn_tpcmd "set fwd $([ "$dir" = tx ] && echo txonly || echo rxonly)"
		local fl=
		if [ "$dir" = rx ]; then
			ip netns exec "$ns" "$BN_PKTFLOOD" -i "$ifn" -t $((BN_RATE_SECS + warm + 2)) \
				>"$log.flood" 2>&1 &
			fl=$!
			TB_PIDS+=("$fl")
		fi
		bn_tpcmd start
		sleep "$warm"
		local c0 c1 t0 t1 s0 s1 u0 u1 tid
		tid=$(bn_lcore_tid "$BN_FWD_PID")
		u0=$(bn_task_ns "$BN_FWD_PID" "$tid")
		c0=$(bn_ifstat "$ns" "$ifn" rx_packets)
		s0=$(bn_tpstat "$log" "$dir")
		t0=$(date +%s.%N)
		sleep "$BN_RATE_SECS"
		c1=$(bn_ifstat "$ns" "$ifn" rx_packets)
		s1=$(bn_tpstat "$log" "$dir")
		t1=$(date +%s.%N)
		u1=$(bn_task_ns "$BN_FWD_PID" "$tid")
		bn_tpcmd stop
		# The flood ran long enough (it has 2 s of margin for a slow
		# start): stop it now, it prints its rate on SIGINT.
		[ -n "$fl" ] && kill -INT "$fl" 2>/dev/null && wait "$fl"
		sleep 0.2
		if ! bn_fwd_alive; then
			res+=("$dir FAIL - - why=testpmd_died")
			continue
		fi
		local tx=0
		[ -n "$fl" ] && tx=$(grep -o 'pps=[0-9]*' "$log.flood" | cut -d= -f2)
		# txonly: what the receiving kernel interface counted (the PMD's
		# own Tx counter kept as dpdk_mpps); rxonly: what testpmd received.
		res+=("$dir $("$BN_PY" - "$dir" "$c0" "$c1" "$s0" "$s1" "$t0" "$t1" "${tx:-0}" "$u0" "$u1" <<'EOF2'
import sys
d = sys.argv[1]
c0, c1, s0, s1, t0, t1, tx, u0, u1 = map(lambda x: float(x) if x not in ("", "nan") else float("nan"), sys.argv[2:])
dt = t1 - t0
dpdk = (s1 - s0) / dt / 1e6
kern = (c1 - c0) / dt / 1e6
if d == "tx":
    v, extra = kern, "dpdk_mpps=%.4f" % dpdk
else:
    v, extra = dpdk, "sender_mpps=%.4f" % (tx / 1e6)
n = v * dt * 1e6
if n > 0 and u1 >= u0:
    extra += " lcore_ns_per_frame=%.0f" % ((u1 - u0) / n)
ok = v == v and v > 0
print("%s %.4f Mpps %s" % ("PASS" if ok else "FAIL", v if v == v else 0, extra)
      + ("" if ok else " why=no_packets_counted"))
EOF2
)")
	done
	bn_tpcmd quit
	tb_cleanup
	printf '%s\n' "${res[@]}"
}

# Thread id of testpmd's polling lcore (EAL names it rte-worker-1 with
# -l 0,1), empty if not found.
bn_lcore_tid() {
	ps -T -p "$1" -o spid=,comm= 2>/dev/null | awk '$2 == "rte-worker-1" { print $1; exit }'
}

# On-CPU ns of task $2 of process $1 (schedstat field 1), "nan" if unknown.
bn_task_ns() {
	local v=
	[ -n "$2" ] && v=$(cut -d' ' -f1 "/proc/$1/task/$2/schedstat" 2>/dev/null)
	echo "${v:-nan}"
}

BN_TP_WRAP=()

# Interactive testpmd fed through a FIFO: exact counters at known times
# ("show port stats"), independent of the stats loop (which a signal storm,
# e.g. net_tap's per-packet SIGIO, can starve).  Writer kept on fd 9.
bn_testpmd_i() {
	local log=$1 pmd i
	shift
	local fifo=$log.fifo
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	local eal=(-l 0,1 --no-pci --no-huge -m 512 --file-prefix "$TB"
		--log-level=lib.eal:warning)
	local vd=() extra=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		pmd=$1
		shift
		# shellcheck disable=SC2207
		vd+=($(bn_vdev "$pmd"))
	done
	[ "${1:-}" = "--" ] && shift && extra=("$@")
	# BN_TP_WRAP (array, e.g. valgrind ...) runs testpmd under a tool;
	# BN_TP_MBUFS shrinks the pool for it.
	echo "# ${BN_TP_WRAP[*]} testpmd ${eal[*]} ${vd[*]} -- -i ${extra[*]}" >"$log"
	# Open read-write first: opening a FIFO that way never blocks, and the
	# reader's open below then finds a writer.
	exec 9<>"$fifo"
	# Not tb_bg: a background job's stdin is /dev/null unless the command
	# itself redirects it.
	ip netns exec "$TB_NS_DP" stdbuf -oL "${BN_TP_WRAP[@]}" "$BN_TESTPMD" "${eal[@]}" "${vd[@]}" -- -i \
		--total-num-mbufs "${BN_TP_MBUFS:-32768}" --no-mlockall "${extra[@]}" <"$fifo" >>"$log" 2>&1 &
	BN_FWD_PID=$!
	TB_PIDS+=("$BN_FWD_PID")
	for ((i = 0; i < ${BN_TP_WAIT:-200}; i++)); do
		grep -q "testpmd> " "$log" && return 0
		kill -0 "$BN_FWD_PID" 2>/dev/null || break
		sleep 0.1
	done
	bn_log "testpmd did not reach its prompt (log: $log)"
	return 1
}

bn_tpcmd() { echo "$*" >&9 2>/dev/null; }

# Ask for port 0's stats and print its RX (dir rx) or TX (dir tx) packets.
bn_tpstat() {
	local log=$1 dir=$2 n i key=RX-packets
	[ "$dir" = tx ] && key=TX-packets
	n=$(grep -c "NIC statistics for port" "$log")
	bn_tpcmd "show port stats 0"
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -c "NIC statistics for port" "$log")" -gt "$n" ] &&
			grep -q "Throughput (since last show)" <(tail -n 12 "$log") && break
		sleep 0.02
	done
	grep -o "$key: *[0-9]*" "$log" | grep -v '^$' | tail -1 | grep -o '[0-9]*$' || echo nan
}

# --------------------------------------------- instructions per frame --
# The VM has no PMU (perf stat -e instructions: <not supported>), so the
# instruction count comes from callgrind on a bounded run: testpmd io-fwd
# through PATH's two PMDs under valgrind --tool=callgrind, collecting only
# inside pkt_burst_io_forward (the forwarding lcore's per-stream work: Rx
# burst, Tx burst, freeing what Tx refused), while pktflood pushes 64-byte
# frames into both kernel ends for BN_CG_SECS.  Valgrind makes testpmd
# ~50x slower, so its Rx queues stay full (bursts near 32): the count is
# the cost per frame at saturation, empty polls hardly weigh in.  Frames =
# testpmd's accumulated TX-packets.  User-space instructions only: the
# kernel work behind a syscall or io_uring_enter is not counted (that is
# in the ns/frame row).  Prints "STATUS value unit extra..." and writes
# the instructions per frame of each function to
# $BN_OUT/profile-cg-PATH.txt.
bn_callgrind() {
	local p=$1 secs=${BN_CG_SECS:-3}
	local log=$BN_OUT/logs/cg-$p.log out=$BN_OUT/logs/cg-$p.out
	local pmds
	# shellcheck disable=SC2207
	pmds=($(bn_path_pmds "$p"))
	tb_init bn
	tb_wire || { echo "FAIL - - why=testbed"; tb_cleanup; return; }
	rm -f "$out"
	BN_TP_WRAP=(valgrind --tool=callgrind "--callgrind-out-file=$out"
		--collect-atstart=no --toggle-collect=pkt_burst_io_forward
		--compress-strings=no --compress-pos=no)
	if ! BN_TP_MBUFS=4096 BN_TP_WAIT=900 bn_testpmd_i "$log" "${pmds[@]}" -- \
		--forward-mode=io --port-topology=paired; then
		BN_TP_WRAP=()
		bn_tpcmd quit
		tb_cleanup
		echo "FAIL - - why=testpmd_under_valgrind_did_not_start"
		return
	fi
	BN_TP_WRAP=()
	if ! tb_kif_up "$TB_KIF" 20; then
		bn_tpcmd quit
		tb_cleanup
		echo "FAIL - - why=kernel_port_missing"
		return
	fi
	bn_pmd_raw "${pmds[1]}" &&
		ip netns exec "$TB_NS_SRV" ethtool -K "$TB_WSRV" tx off >/dev/null
	# Under valgrind a command takes a while: flood only once "start"
	# has returned (its next prompt), or the frames queue up and drop
	# before anyone polls.
	local n i f1 f2
	n=$(grep -c 'testpmd> ' "$log")
	bn_tpcmd start
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -c 'testpmd> ' "$log")" -gt "$n" ] && break
		sleep 0.1
	done
	# Idle phase: what an empty poll costs (bench/lib/cgstats.py takes
	# the empty polls of the loaded phase out with it).  The dump goes to
	# $out.1; the final dump at exit holds the loaded phase.
	sleep 1
	callgrind_control -d "$BN_FWD_PID" >"$log.ctl" 2>&1
	ip netns exec "$TB_NS_DP" "$BN_PKTFLOOD" -i "$TB_KIF" -t "$secs" >"$log.flood-kif" 2>&1 &
	f1=$!
	ip netns exec "$TB_NS_SRV" "$BN_PKTFLOOD" -i "$TB_WSRV" -t "$secs" >"$log.flood-wire" 2>&1 &
	f2=$!
	TB_PIDS+=("$f1" "$f2")
	wait "$f1" "$f2"
	# Under valgrind "stop" and "quit" (port close: the xdp port
	# detaches its program) can take tens of seconds; the final dump is
	# written only by an orderly exit, so wait for it (90 s) before the
	# cleanup kills what is left.
	bn_tpcmd stop
	sleep 0.5
	bn_tpcmd quit
	for ((i = 0; i < 900; i++)); do
		kill -0 "$BN_FWD_PID" 2>/dev/null || break
		sleep 0.1
	done
	tb_cleanup
	local fwd
	# The "stop" summary: last TX-packets of the accumulated block.
	fwd=$(sed -n '/Accumulated forward statistics/,/+++++$/p' "$log" |
		grep -o 'TX-packets: *[0-9]*' | tail -1 | grep -o '[0-9]*$')
	if [ ! -s "$out.1" ] || [ ! -s "$out" ]; then
		echo "FAIL - - why=no_callgrind_dumps(see_logs/cg-$p.log.ctl)"
		return
	fi
	echo "callgrind, testpmd io-fwd ${pmds[*]}, 64 B both ways, ${secs} s flood:" \
		>"$BN_OUT/profile-cg-$p.txt"
	"$BN_PY" "$BN_ROOT/lib/cgstats.py" "$out.1" "$out" "${fwd:-0}" "$BN_OUT/profile-cg-$p.txt.tmp"
	cat "$BN_OUT/profile-cg-$p.txt.tmp" >>"$BN_OUT/profile-cg-$p.txt" 2>/dev/null
	rm -f "$BN_OUT/profile-cg-$p.txt.tmp"
}

# Draw the flent plots queued by bn_rrul, two at a time.
bn_plots() {
	local f plot png n=0
	[ -f "$BN_OUT/plots.todo" ] || return 0
	while read -r f plot png; do
		timeout 90 flent -i "$f" -p "$plot" -o "$png" >/dev/null 2>&1 &
		n=$((n + 1))
		[ $((n % 2)) -eq 0 ] && wait
	done <"$BN_OUT/plots.todo"
	wait
	rm -f "$BN_OUT/plots.todo"
}
