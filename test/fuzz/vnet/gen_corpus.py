#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_vnet: valid frames with typical headers.

Input layout (see fuzz_vnet.c): 10-byte virtio_net_hdr (little endian),
1 control byte (bit 7: Tx mode, bits 0-6: segment size), then the frame.
Usage: gen_corpus.py OUTDIR
"""
import os
import struct
import sys

TCP, UDP, ICMP = 6, 17, 1


def csum(data, init=0):
    if len(data) % 2:
        data += b"\0"
    s = init
    for i in range(0, len(data), 2):
        s += data[i] << 8 | data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def frame(ipv=4, proto=TCP, payload=64, vlan=False, ext=False, seed=True,
          tcp_flags=0x18):
    eth = bytes.fromhex("020000000002020000000001")
    if vlan:
        eth += struct.pack("!HH", 0x8100, 100)
    if proto == TCP:
        l4 = bytearray(struct.pack("!HHIIBBHHH", 40000, 5201, 1, 0, 5 << 4,
                                   tcp_flags, 65535, 0, 0))
        coff = 16
    elif proto == UDP:
        l4 = bytearray(struct.pack("!HHHH", 40000, 4789, 8 + payload, 0))
        coff = 6
    else:
        l4 = bytearray(struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1))
        coff = 2
    l4 += bytes((i * 7 + 3) & 0xFF for i in range(payload))
    if ipv == 4:
        src, dst = bytes([198, 18, 0, 1]), bytes([198, 19, 0, 2])
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4),
                                   0x1234, 0x4000, 64, proto, 0, src, dst))
        struct.pack_into("!H", ip, 10, ~csum(bytes(ip)) & 0xFFFF)
        eth += b"\x08\x00"
    else:
        src = bytes.fromhex("20010002000000000000000000000001")
        dst = bytes.fromhex("20010002000000000000000000000002")
        hbh = bytes([proto, 0, 1, 4, 0, 0, 0, 0]) if ext else b""
        ip = bytearray(struct.pack("!IHBB16s16s", 6 << 28,
                                   len(hbh) + len(l4),
                                   0 if ext else proto, 64, src, dst)) + hbh
        eth += b"\x86\xdd"
    if proto in (TCP, UDP):
        ph = csum(src + dst + struct.pack("!HH", proto, len(l4)))
        if seed:
            val = ph
        else:
            val = ~csum(bytes(l4), ph) & 0xFFFF
        struct.pack_into("!H", l4, coff, val)
    else:
        struct.pack_into("!H", l4, 2, ~csum(bytes(l4)) & 0xFFFF)
    return bytes(eth) + bytes(ip), bytes(l4), coff


def hdr(flags=0, gso=0, hdr_len=0, gso_size=0, start=0, off=0):
    return struct.pack("<BBHHHH", flags, gso, hdr_len, gso_size, start, off)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {}

    def rx(name, h, f, segs=(0, 7)):
        for s in segs:
            seeds["seed-rx-%s-seg%d" % (name, s)] = h + bytes([s]) + f

    l3, l4, coff = frame(4, TCP, 100)
    rx("v4tcp-partial", hdr(1, 0, 0, 0, len(l3), coff), l3 + l4)
    l3, l4, coff = frame(4, TCP, 3000)
    rx("v4tcp-gso", hdr(1, 1, len(l3) + 20, 1448, len(l3), coff), l3 + l4)
    l3, l4, coff = frame(6, UDP, 3000)
    rx("v6udp-uso", hdr(1, 5, 0, 1400, len(l3), coff), l3 + l4)
    l3, l4, coff = frame(6, TCP, 200, ext=True, seed=False)
    rx("v6ext-valid", hdr(2), l3 + l4)
    l3, l4, coff = frame(6, TCP, 2000, tcp_flags=0x90)
    rx("v6tcp-gso-ecn", hdr(1, 0x84, 0, 1000, len(l3), coff), l3 + l4)
    l3, l4, coff = frame(4, UDP, 30, vlan=True, seed=False)
    rx("vlan-v4udp-valid", hdr(2), l3 + l4)
    l3, l4, coff = frame(4, ICMP, 33)
    l4 = l4[:2] + b"\0\0" + l4[4:]
    rx("v4icmp-swcsum", hdr(1, 0, 0, 0, len(l3), 2), l3 + l4)
    arp = bytes.fromhex("ffffffffffff020000000001") + b"\x08\x06" + bytes(28)
    rx("arp", hdr(), arp, (0,))

    def tx(name, flags, l2, l3len, l4len, tso, peer, f, seg=0):
        hb = struct.pack("<BBBBHBBBB", flags, l2 | (l3len >> 8) << 7,
                         l3len & 0xFF, l4len, tso, peer, 0, 0, 0)
        seeds["seed-tx-%s" % name] = hb + bytes([0x80 | seg]) + f

    l3, l4, _ = frame(4, TCP, 500, seed=False)
    tx("v4tcp-csum", 0x01 | 0x04 | 0x08, 14, 20, 20, 0, 0x3F, l3 + l4)
    l3, l4, _ = frame(4, TCP, 5000, seed=False, tcp_flags=0x90)
    tx("v4tso-ecn", 0x01 | 0x04 | 0x08 | 0x20, 14, 20, 20, 1448, 0x3F,
       l3 + l4, 100)
    l3, l4, _ = frame(6, UDP, 4000, seed=False)
    tx("v6uso", 0x02 | 0x10 | 0x40, 14, 40, 8, 1200, 0x3F, l3 + l4)
    l3, l4, _ = frame(6, UDP, 100, ext=True, seed=False)
    tx("v6ext-udp-csum", 0x02 | 0x10, 14, 48, 8, 0, 0x01, l3 + l4)
    l3, l4, _ = frame(4, UDP, 10, seed=False)
    tx("v4-ipcsum", 0x04, 14, 20, 0, 0, 0, l3 + l4)

    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)
    print("%d seeds written to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
