# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Testbed library shared by `make run`, test/integration and bench/.
# Source it, then:
#
#   tb_init [tag]          unique prefix TB (e.g. "rt3f2a"), cleanup trap
#   tb_ns NAME             create netns "$TB-NAME" (name left in TB_NS;
#                          do not call it in $(...): the record would be lost)
#   tb_veth A NSA B NSB    veth pair A (in NSA) <-> B (in NSB), both up
#   tb_bg NS CMD...        run CMD in netns NS in the background, record PID
#   tb_wait_link NS IF [S] wait until IF exists in NS (default 10 s)
#   tb_wire                the standard testbed (below)
#   tb_safe_plugin SO TAG  set TB_PLUGIN to a path EAL accepts for -d SO
#   tb_cleanup             (trap) kill our PIDs, delete our netns and links
#
# Standard testbed (DESIGN.md): netns $TB-dp holds the DPDK process, its
# kernel-facing port ($TB_KIF, made by the PMD) and the wire end $TB_WDP the
# DPDK side takes; netns $TB-srv holds the wire peer $TB_WSRV.  Addresses are
# from the benchmarking ranges (RFC 2544 198.18.0.0/15, RFC 5180 2001:2::/48).
#
# Every name starts with the per-run prefix; only PIDs we started are killed.

TB_ADDR4_DP=198.18.0.1
TB_ADDR4_SRV=198.18.0.2
TB_ADDR6_DP=2001:2::1
TB_ADDR6_SRV=2001:2::2

tb_log() { echo "[testbed $TB] $*" >&2; }

tb_init() {
	local tag=${1:-rt}
	# 15-char interface names: keep the prefix short and unique per run.
	TB=$(printf '%s%04x' "${tag:0:3}" $(( ($$ ^ RANDOM) & 0xffff )))
	TB_NETNS=()
	TB_PIDS=()
	TB_LINKS=()
	trap tb_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

tb_ns() {
	local ns="$TB-$1"
	ip netns add "$ns" || return 1
	TB_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	TB_NS=$ns
}

tb_veth() {
	local a=$1 nsa=$2 b=$3 nsb=$4
	ip link add "$a" type veth peer name "$b" || return 1
	TB_LINKS+=("$a")
	ip link set "$a" netns "$nsa" && ip link set "$b" netns "$nsb" || return 1
	ip -n "$nsa" link set "$a" up && ip -n "$nsb" link set "$b" up
}

tb_bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	TB_PIDS+=($!)
	TB_LAST_PID=$!
}

tb_wait_link() {
	local ns=$1 ifn=$2 secs=${3:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		ip -n "$ns" link show "$ifn" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	tb_log "interface $ifn did not appear in $ns within ${secs}s"
	return 1
}

# Disable checksum offload on veth so frames leave with full checksums
# where a test wants raw frames; not called by default.
tb_veth_raw() { ip netns exec "$1" ethtool -K "$2" tx off rx off >/dev/null; }

tb_wire() {
	tb_ns dp || return 1
	TB_NS_DP=$TB_NS
	tb_ns srv || return 1
	TB_NS_SRV=$TB_NS
	TB_WDP="${TB}w0"
	TB_WSRV="${TB}w1"
	TB_KIF="${TB}k0"
	tb_veth "$TB_WDP" "$TB_NS_DP" "$TB_WSRV" "$TB_NS_SRV" || return 1
	# The wire end belongs to DPDK: the dp kernel must not answer on it
	# (no IPv6 link-local, strict reverse-path filter), or replies that
	# also reach it through the kernel-facing port show up twice.
	ip netns exec "$TB_NS_DP" sysctl -qw "net.ipv6.conf.$TB_WDP.disable_ipv6=1" \
		"net.ipv4.conf.$TB_WDP.rp_filter=1" >/dev/null
	ip -n "$TB_NS_SRV" addr add "$TB_ADDR4_SRV/24" dev "$TB_WSRV"
	ip -n "$TB_NS_SRV" addr add "$TB_ADDR6_SRV/64" dev "$TB_WSRV" nodad
}

# Give the kernel-facing port its addresses once the PMD created it.
tb_kif_up() {
	local ifn=${1:-$TB_KIF}
	tb_wait_link "$TB_NS_DP" "$ifn" "${2:-15}" || return 1
	ip -n "$TB_NS_DP" addr add "$TB_ADDR4_DP/24" dev "$ifn"
	ip -n "$TB_NS_DP" addr add "$TB_ADDR6_DP/64" dev "$ifn" nodad
	ip -n "$TB_NS_DP" link set "$ifn" up
}

# EAL refuses a -d plugin that sits below a world-writable directory (a
# clone under /tmp, say).  TB_PLUGIN is SO itself when its directories are
# safe, else a copy in /run/rtap-plugins/TAG (root-owned parents), which
# tb_cleanup removes when TAG is $TB.
tb_safe_plugin() {
	local src=$1 tag=${2:-$TB} d
	d=$(dirname "$(readlink -f "$src")")
	TB_PLUGIN=$src
	while [ "$d" != / ]; do
		if [ -n "$(find "$d" -maxdepth 0 -perm -0002)" ]; then
			d=/run/rtap-plugins/$tag
			mkdir -p -m 0755 /run/rtap-plugins "$d" &&
				cp "$src" "$d/" || return 1
			TB_PLUGIN=$d/$(basename "$src")
			return 0
		fi
		d=$(dirname "$d")
	done
}

tb_cleanup() {
	local pid ns l i
	# Ignore further signals until everything is gone: a second Ctrl-C
	# must not leave half a testbed behind.
	trap '' INT TERM
	trap - EXIT
	for pid in "${TB_PIDS[@]}"; do
		kill -INT "$pid" 2>/dev/null
	done
	for pid in "${TB_PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${TB_NETNS[@]}"; do
		# Processes we did not start by PID but that live only in our
		# namespace (iperf3 -s -D, netserver) die with it.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for l in "${TB_LINKS[@]}"; do
		ip link del "$l" 2>/dev/null
	done
	# EAL's runtime directories of our DPDK processes (file prefix $TB,
	# or $TB plus a suffix): EAL leaves them behind, 6.5 MB each.
	[ -n "${TB:-}" ] && rm -rf "/run/rtap-plugins/$TB" "/var/run/dpdk/$TB" \
		/var/run/dpdk/"$TB"[0-9]*
	rmdir /run/rtap-plugins 2>/dev/null
	TB_PIDS=()
	TB_NETNS=()
	TB_LINKS=()
	trap - INT TERM
}
