#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# pktflood against a real veth pair in its own netns: bad arguments are
# refused with exit 2; a 1 s flood arrives at the peer (rx_packets within
# 10 % of what pktflood says it sent, sent > 10000); a captured frame is
# 60 bytes, broadcast, IPv4/UDP 198.18.0.1 -> 198.18.0.2 port 9 with valid
# IPv4 header and UDP checksums (RFC 1071 / RFC 768).
set -uo pipefail
flood=${1:?usage: test_pktflood.sh PKTFLOOD}
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (netns, AF_PACKET)"; exit 1; }
# shellcheck source=devtools/testbed.sh
. "$top/devtools/testbed.sh"
fail() { echo "FAIL: $*"; exit 1; }

for bad in "-t 0 -i lo" "-s 20 -i lo" "-b 0 -i lo" "-t 5" "-i lo extra"; do
	# shellcheck disable=SC2086
	"$flood" $bad >/dev/null 2>&1
	[ $? -eq 2 ] || fail "pktflood $bad: want exit 2"
done
"$flood" -i nosuchif0 -t 1 >/dev/null 2>&1 && fail "missing interface accepted"

tb_init pft
tb_ns a || fail "netns"
nsa=$TB_NS
tb_ns b || fail "netns"
nsb=$TB_NS
tb_veth "${TB}a" "$nsa" "${TB}b" "$nsb" || fail "veth"

# Capture one frame on the peer while flooding.
cap=$(mktemp)
ip netns exec "$nsb" /usr/bin/python3 - "${TB}b" >"$cap" 2>&1 <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
s.settimeout(5)
f = s.recv(2048)
def csum(b, init=0):
    if len(b) % 2:
        b += b"\0"
    t = init + sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return t
ip = f[14:34]
udp = f[34:]
pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
print(len(f), f[:6].hex(), socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]),
      ip[9], struct.unpack("!H", udp[2:4])[0], hex(csum(ip)), hex(csum(pseudo + udp)))
PY
cap_pid=$!
sleep 0.5
out=$(ip netns exec "$nsa" "$flood" -i "${TB}a" -t 1) || fail "pktflood run: $out"
wait "$cap_pid"
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
got=$(ip netns exec "$nsb" cat "/sys/class/net/${TB}b/statistics/rx_packets")
[ -n "$sent" ] && [ "$sent" -gt 10000 ] || fail "sent only '${sent}' frames in 1 s"
[ "$got" -ge $((sent * 9 / 10)) ] || fail "peer received $got of $sent"
read -r len dst src dstip proto dport ipsum udpsum <"$cap" || fail "no frame captured: $(cat "$cap")"
rm -f "$cap"
[ "$len" = 60 ] || fail "frame length $len, want 60"
[ "$dst" = ffffffffffff ] || fail "dst mac $dst"
[ "$src $dstip $proto $dport" = "198.18.0.1 198.18.0.2 17 9" ] || fail "headers: $src $dstip $proto $dport"
[ "$ipsum" = 0xffff ] || fail "IPv4 header checksum does not verify ($ipsum)"
[ "$udpsum" = 0xffff ] || fail "UDP checksum does not verify ($udpsum)"
echo "pktflood: $out; peer rx $got"
echo "1 passed, 0 failed"
