#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of bench/lib/cgstats.py on hand-written callgrind dumps (the
format callgrind 3.19 writes with --compress-strings=no --compress-pos=no):
the empty polls of the loaded phase are taken out at the idle phase's cost
per call, the Tx calls count the non-empty calls, and the per-function
profile splits the same way.  Also: too few frames and a missing file are
FAIL lines with a reason, not a crash."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CG = os.path.join(HERE, "..", "lib", "cgstats.py")

# Idle: 1000 calls, 80 instructions each (self 30 + rx_a 25 + rx_b 25).
IDLE = """# callgrind format
version: 1
creator: callgrind-3.19.0
events: Ir
fn=start_pkt_forward_on_core
cfn=pkt_burst_io_forward
calls=1000 0
0 80000
fn=pkt_burst_io_forward
0 30000
cfn=rx_a
calls=500 0
0 25000
cfn=rx_b
calls=500 0
0 25000
fn=rx_a
0 25000
fn=rx_b
0 25000
totals: 80000
"""

# Loaded: 10000 calls, 400 of them went on to transmit (tx_a 200 via
# "pmd_tx_burst", tx_b 200 via "eth_af_packet_tx"), 12800 frames.
# Total 80*9600 empty + 1,280,000 work = 2,048,000.
LOAD = """# callgrind format
version: 1
creator: callgrind-3.19.0
events: Ir
fn=start_pkt_forward_on_core
cfn=pkt_burst_io_forward
calls=6000 0
0 1000000
cfn=pkt_burst_io_forward
calls=4000 0
0 1048000
fn=pkt_burst_io_forward
0 400000
cfn=rx_a
calls=5000 0
0 600000
cfn=rx_b
calls=5000 0
0 600000
cfn=pmd_tx_burst
calls=200 0
0 224000
cfn=eth_af_packet_tx
calls=200 0
0 224000
fn=rx_a
0 600000
fn=rx_b
0 600000
fn=pmd_tx_burst
0 224000
fn=eth_af_packet_tx
0 224000
totals: 2048000
"""


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


def run(*args):
    return subprocess.run([sys.executable, CG] + list(args), check=True,
                          capture_output=True, text=True).stdout.strip()


def main():
    with tempfile.TemporaryDirectory() as d:
        idle, load, prof = (os.path.join(d, n) for n in ("idle", "load", "prof"))
        open(idle, "w").write(IDLE)
        open(load, "w").write(LOAD)
        out = run(idle, load, "12800", prof)
        # empty = 10000 - 400 = 9600 at 80 -> 768000; work = 1280000;
        # per frame 100; raw 160; burst 12800 / 400 = 32.
        check(out == "PASS 100 instr/frame frames=12800 burst=32.0 raw=160 "
              "empty_calls=9600 empty_cost=80 method=callgrind", "result line: " + out)
        p = open(prof).read()
        # rx_a: self 600000 - 25000/1000*9600 = 360000 -> 28.1/frame.
        check("    28.1  (    46.9)  rx_a" in p, "rx_a profile line:\n" + p)
        check("    17.5  (    17.5)  pmd_tx_burst" in p, "tx profile line:\n" + p)
        # io_forward self: 400000 - 30*9600 = 112000 -> 8.8/frame.
        check("     8.8  (    31.2)  pkt_burst_io_forward" in p, "fwd profile line:\n" + p)
        out = run(idle, load, "999")
        check(out.startswith("FAIL - - why=too_few_frames_forwarded_under_callgrind(999)"), out)
        out = run(os.path.join(d, "missing"), load, "12800")
        check(out.startswith("FAIL - - why=unreadable_callgrind_output"), out)
    print("test_cgstats: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
