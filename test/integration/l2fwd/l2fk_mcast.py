#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPv4 multicast over UDP, one group.

    l2fk_mcast.py join GROUP IFADDR PORT COUNT READYFILE GOFILE
        join GROUP on the interface with IFADDR (IP_ADD_MEMBERSHIP), write
        READYFILE, wait for GOFILE, then expect COUNT datagrams; prints
        "ok N" when all arrived with the right payload, exit 1 otherwise.
        Leaves the group on exit.
    l2fk_mcast.py send GROUP IFADDR PORT COUNT
        send COUNT datagrams to GROUP out of the interface with IFADDR.
"""
import os
import socket
import struct
import sys
import time


def payload(i):
    return b"l2fk-mcast %04d " % i + bytes(range(256)) * 4


def join(group, ifaddr, port, count, ready, go):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    mreq = socket.inet_aton(group) + socket.inet_aton(ifaddr)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    with open(ready, "w") as f:
        f.write("joined\n")
    for _ in range(300):
        if os.path.exists(go):
            break
        time.sleep(0.1)
    s.settimeout(5)
    got = set()
    while len(got) < count:
        try:
            d = s.recv(4096)
        except socket.timeout:
            print(f"timeout: {len(got)}/{count} datagrams", file=sys.stderr)
            return 1
        i = int(d[11:15])
        if i >= count or d != payload(i):
            print(f"bad datagram ({len(d)} bytes)", file=sys.stderr)
            return 1
        got.add(i)
    print(f"ok {count}")
    return 0


def send(group, ifaddr, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(ifaddr))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL,
                 struct.pack("b", 1))
    for i in range(count):
        s.sendto(payload(i), (group, port))
        time.sleep(0.01)
    return 0


def main():
    a = sys.argv
    if a[1] == "join":
        return join(a[2], a[3], int(a[4]), int(a[5]), a[6], a[7])
    if a[1] == "send":
        return send(a[2], a[3], int(a[4]), int(a[5]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
