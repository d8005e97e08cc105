#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""UDP GSO (UDP_SEGMENT) sender and checking receiver.

    l2fk_udpgso.py recv ADDR PORT COUNT GSO_SIZE READYFILE (checks, exits)
    l2fk_udpgso.py send ADDR PORT COUNT GSO_SIZE    (UDP_SEGMENT sender)

The sender writes COUNT datagrams as sends of up to 11 datagrams each, one
send() per batch with UDP_SEGMENT = GSO_SIZE: ten full segments and a short
tail (GSO_SIZE / 3 bytes), so the kernel builds a USO frame per send.
Every datagram starts with its sequence number and length; the rest is a
pattern derived from both.  The receiver checks each datagram's size and
content, and prints "ok N datagrams, B bytes" when all COUNT arrived
intact; exit 1 on a bad, short, duplicate or missing datagram.
"""
import os
import socket
import struct
import sys
import time

UDP_SEGMENT = 103
SO_RCVBUFFORCE = 33
BATCH = 11


def pattern(seq, size):
    head = struct.pack("!II", seq, size)
    body = bytes(((seq * 7 + i * 13) & 0xFF) for i in range(size - len(head)))
    return head + body


def sizes(count, gso):
    """Datagram sizes in send order: 10 full segments then a short tail."""
    out = []
    for seq in range(count):
        out.append(gso if seq % BATCH != BATCH - 1 else gso // 3)
    return out


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def send(addr, port, count, gso):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, gso)
    sz = sizes(count, gso)
    seq = 0
    while seq < count:
        n = min(BATCH, count - seq)
        buf = b"".join(pattern(seq + i, sz[seq + i]) for i in range(n))
        s.sendto(buf, (addr, port))
        seq += n
        time.sleep(0.005)  # paced: this tests content, not capacity
    return 0


def recv(addr, port, count, gso, ready):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    # Room for every datagram even if this process is descheduled for a
    # while on a loaded machine (root: past net.core.rmem_max).
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((addr, port))
    s.settimeout(4)
    with open(ready, "w") as f:
        f.write("ready\n")
    want = sizes(count, gso)
    seen = set()
    total = 0
    while len(seen) < count:
        try:
            d = s.recv(1 << 16)
        except socket.timeout:
            missing = sorted(set(range(count)) - seen)
            print(f"lost {len(missing)}: {len(seen)}/{count} datagrams "
                  f"intact, missing {missing[:10]}...")
            return 3
        if len(d) < 8:
            print(f"runt datagram of {len(d)} bytes", file=sys.stderr)
            return 1
        seq, size = struct.unpack("!II", d[:8])
        if seq >= count or size != len(d) or size != want[seq] or \
                d != pattern(seq, size):
            print(f"bad datagram: seq {seq} size field {size} len {len(d)}",
                  file=sys.stderr)
            return 1
        if seq in seen:
            print(f"duplicate datagram {seq}", file=sys.stderr)
            return 1
        seen.add(seq)
        total += len(d)
    print(f"ok {count} datagrams, {total} bytes")
    return 0


def main():
    mode, addr, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    if mode == "send":
        return send(addr, port, count, int(sys.argv[5]))
    if mode == "recv":
        return recv(addr, port, count, int(sys.argv[5]), sys.argv[6])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
