#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# net_rtap multi-process (test_pmd_mp.c): a primary and real secondary
# processes share the port.  DPDK 22.11 secondaries cannot attach to a
# --no-huge primary (its memory is not shared), so this reserves 2 MB
# hugepages, mounts a private hugetlbfs and restores nr_hugepages and the
# mount on any exit.  Fails loudly when hugepages cannot be reserved.
#   $1: tap | tap-lro | packet | xdp | ring (default: all five; tap-lro
#       is the TAP with LRO queues, i.e. the readv Rx mode; ring is
#       backend=packet,rxmode=ring)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=${RTAP_SOURCE_DIR:-$(cd "$here/../../.." && pwd)}
build=${RTAP_BUILD_DIR:-$top/build}
bin=$build/test/integration/pmd/test_pmd_mp
pages=${RTAP_MP_HUGEPAGES:-160}		# 320 MB: primary -m 128 + slack

fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (hugepages, netns, TAP)"
[ -x "$bin" ] || fail "not built: $bin"
nr=/proc/sys/vm/nr_hugepages
[ -w "$nr" ] || fail "$nr not writable: cannot reserve hugepages"
grep -q hugetlbfs /proc/filesystems || fail "kernel has no hugetlbfs"

saved=$(cat "$nr")
dir=$(mktemp -d /run/rtap-mp-huge.XXXXXX) || fail "mktemp"
mounted=
pgid=
cleanup() {
	# A failed primary can leave its secondaries behind (one may be
	# SIGSTOPped by the test): end that process group, ours only.
	[ -n "$pgid" ] && kill -KILL -- "-$pgid" 2>/dev/null && sleep 0.2
	[ -n "$mounted" ] && umount "$dir" 2>/dev/null
	rmdir "$dir" 2>/dev/null
	rm -f "$dir.lsan"
	# Concurrent runs (other worktrees) raise it too: give back ours.
	if [ -n "$raised" ]; then
		local now
		now=$(cat "$nr")
		[ "$now" -ge "$pages" ] && echo $((now - pages)) >"$nr"
	fi
	# Only our own EAL runtime directories.
	rm -rf "/var/run/dpdk/$prefix"-* 2>/dev/null
}
want=$((saved + pages))
prefix=rtapmp$$
raised=
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "$want" >"$nr"
raised=1
got=$(cat "$nr")
[ "$got" -ge "$want" ] ||
	fail "asked for $want hugepages (2 MB), kernel gave $got (memory fragmented?)"
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
[ "$free" -ge "$pages" ] || fail "only $free free hugepages, need $pages"
mount -t hugetlbfs -o pagesize=2M,size=$((pages * 2))M nodev "$dir" ||
	fail "cannot mount hugetlbfs on $dir"
mounted=1
echo "hugepages: $saved -> $got (2 MB), hugetlbfs on $dir (${pages} pages)"

# ASan builds: DPDK 22.11's vdev bus leaks the devargs of every device a
# secondary learns from the primary (insert_vdev(..., init=false) is never
# freed by vdev_cleanup); not ours, suppressed by name only.
supp=$dir.lsan
echo "leak:insert_vdev" >"$supp"
export LSAN_OPTIONS="suppressions=$supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

rc=0
for be in ${1:-tap tap-lro packet xdp ring}; do
	echo "=== backend=$be"
	# Own process group (setsid): primary and the secondaries it spawns.
	setsid timeout 120 "$bin" primary "$be" "$dir" "$prefix-$be" &
	pgid=$!
	wait "$pgid" || { echo "FAIL: backend=$be"; rc=1; }
	kill -KILL -- "-$pgid" 2>/dev/null
	pgid=
	# EAL leaves its hugepage files (a secondary maps them by name):
	# free the pages for the next run.
	rm -f "$dir"/*
done
exit $rc
