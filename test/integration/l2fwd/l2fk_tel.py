#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Query one DPDK telemetry command of a running process.

    l2fk_tel.py FILE_PREFIX /l2fk/stats,0 [key.path]

Prints the JSON reply, or with a key path (dot separated, e.g.
kernel_to_nic.codel_drops) just that value.  Exits 1 with a message if the
socket or key is missing.
"""
import json
import os
import socket
import sys


def query(prefix, cmd):
    base = os.environ.get("RUNTIME_DIR", "/var/run/dpdk")
    path = os.path.join(base, prefix, "dpdk_telemetry.v2")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    info = json.loads(s.recv(1 << 16).decode())
    s.send(cmd.encode())
    reply = json.loads(s.recv(info.get("max_output_len", 16384)).decode())
    s.close()
    return reply[cmd.split(",")[0]]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 1
    try:
        v = query(sys.argv[1], sys.argv[2])
    except (OSError, ValueError, KeyError) as e:
        print(f"telemetry {sys.argv[2]}: {e}", file=sys.stderr)
        return 1
    if len(sys.argv) > 3:
        for k in sys.argv[3].split("."):
            if not isinstance(v, dict) or k not in v:
                print(f"telemetry {sys.argv[2]}: no key {sys.argv[3]}",
                      file=sys.stderr)
                return 1
            v = v[k]
    print(json.dumps(v) if isinstance(v, (dict, list)) else v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
