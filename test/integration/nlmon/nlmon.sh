#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# lib/nlmon integration test: a veth pair in a fresh netns (plus a second
# netns whose changes must stay invisible), test_nlmon runs inside it.
# Usage: nlmon.sh <path/to/test_nlmon> [wrapper...]   (e.g. valgrind)
set -u
bin=$1
shift
src=${RTAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
# shellcheck source=../../../devtools/testbed.sh
. "$src/devtools/testbed.sh"

die() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (netns, veth)"
for t in ip ethtool jq; do
	command -v $t >/dev/null || die "$t not installed"
done

tb_init nlm
tb_ns mon || die "cannot create netns"
ns=$TB_NS
tb_ns other || die "cannot create netns"
other=$TB_NS
# No IPv6 DAD: its completion (an RTM_NEWADDR ~1 s after link up) would
# interleave with the events under test.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 || die "sysctl"
a=${TB}a b=${TB}b c=${TB}c d=${TB}d
tb_veth "$a" "$ns" "$b" "$ns" || die "veth $a/$b"
tb_veth "$c" "$other" "$d" "$other" || die "veth $c/$d"
ip -n "$ns" link show "$a" >/dev/null || die "veth missing"
# IPv6 off on the pair until test_addr turns it on for $a: admin down/up
# would otherwise also remove/re-add the link-local address and leave/join
# ff02::1 (RTM_DELADDR/RTM_*MULTICAST next to the link event under test).
for i in "$a" "$b"; do
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1" || die "sysctl"
done

ip netns exec "$ns" "$@" "$bin" "$a" "$b" "$other" "$c"
rc=$?
[ $rc = 0 ] || echo "FAIL: test_nlmon exited $rc" >&2
exit $rc
