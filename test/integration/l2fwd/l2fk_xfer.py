#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Move a file over one TCP connection (no framing, EOF ends it).

    l2fk_xfer.py serve-recv|serve-send ADDR PORT FILE   (listens, one conn)
    l2fk_xfer.py send|recv ADDR PORT FILE               (connects)

Used by test_l2fwd_transfer.sh to push a random file through l2fwd-kernel
and compare SHA-256 on both ends.
"""
import socket
import sys
import time


def pump_send(sock, path):
    with open(path, "rb") as f:
        sock.sendfile(f)
    sock.shutdown(socket.SHUT_WR)
    sock.recv(1)  # wait for the peer to close: all bytes consumed


def pump_recv(sock, path):
    with open(path, "wb") as f:
        while True:
            b = sock.recv(1 << 16)
            if not b:
                break
            f.write(b)


def main():
    mode, addr, port, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    if mode.startswith("serve-"):
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(1)
        ls.settimeout(40)
        s, _ = ls.accept()
        ls.close()
    else:
        s = None
        for _ in range(50):  # the server may still be starting
            try:
                s = socket.create_connection((addr, port), timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        if s is None:
            print(f"cannot connect to {addr}:{port}", file=sys.stderr)
            return 1
    s.settimeout(40)
    if mode.endswith("send"):
        pump_send(s, path)
    else:
        pump_recv(s, path)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
