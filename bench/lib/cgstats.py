#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per forwarded frame from two callgrind dumps of testpmd io
forwarding collected only inside pkt_burst_io_forward (bench/lib/bench.sh
bn_callgrind): IDLE (forwarding, no traffic) and LOAD (the flood).

  cgstats.py IDLE_OUT LOAD_OUT FRAMES [PROFILE_TXT]

A busy-polling forwarder also spends instructions on empty polls, and how
many depends on how fast the sender keeps up (under valgrind net_tap only
reads after a signal, which valgrind delivers late).  So the per-frame
figure leaves them out: an empty call costs what an idle call costs
(IDLE: instructions / calls); a call with frames is one that went on to
transmit (pkt_burst_io_forward calls the Tx burst only when the Rx burst
returned frames), so the empty calls under LOAD = calls - Tx calls.

Prints "PASS <instr/frame> instr/frame frames=.. burst=.. raw=.. empty_calls=.. empty_cost=.. method=callgrind"
or "FAIL - - why=..".  PROFILE_TXT gets the same split per function: self
instructions per frame, empty polls taken out.
"""
import re
import sys

FN = "pkt_burst_io_forward"
# Tx burst functions of the PMDs the bench uses (net_tap pmd_tx_burst,
# net_af_packet eth_af_packet_tx, net_af_xdp af_xdp_tx_*, net_rtap
# rtap_*tx_burst): the name has "tx" as a word part.
TX = re.compile(r"(^|_)tx(_|$)")


def parse(path):
    """(total Ir, calls of FN, Tx calls from FN, {function: self Ir})"""
    total = 0
    calls = {}
    selfc = {}
    fn = cfn = None
    call_cost = False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("fn="):
                fn = line[3:].split(") ")[-1]
            elif line.startswith("cfn="):
                cfn = line[4:].split(") ")[-1]
            elif line.startswith("calls=") and cfn is not None:
                n = int(line[6:].split()[0])
                calls[(fn, cfn)] = calls.get((fn, cfn), 0) + n
                # The next cost line is the call's inclusive cost.
                call_cost = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                parts = line.split()
                if call_cost:
                    call_cost = False
                elif fn is not None and len(parts) >= 2:
                    selfc[fn] = selfc.get(fn, 0) + int(parts[1])
            elif line.startswith("totals:") or line.startswith("summary:"):
                total = max(total, int(line.split()[1]))
    fwd_calls = sum(n for (a, b), n in calls.items() if b == FN)
    tx_calls = sum(n for (a, b), n in calls.items() if a == FN and TX.search(b))
    return total, fwd_calls, tx_calls, selfc


def main():
    idle, load, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        i_ir, i_calls, i_tx, i_self = parse(idle)
        l_ir, l_calls, l_tx, l_self = parse(load)
    except (OSError, ValueError, IndexError) as e:
        print("FAIL - - why=unreadable_callgrind_output(%s)" % type(e).__name__)
        return
    if frames < 1000 or l_tx == 0:
        print("FAIL - - why=too_few_frames_forwarded_under_callgrind(%d)" % frames)
        return
    if i_calls == 0:
        print("FAIL - - why=no_idle_calls_recorded")
        return
    # Idle calls that still transmitted (a stray frame) cost more: take the
    # empty-call cost from the calls that did not.
    empty_cost = i_ir / i_calls
    empty = max(l_calls - l_tx, 0)
    work = l_ir - empty * empty_cost
    if work <= 0:
        print("FAIL - - why=empty_polls_exceed_total")
        return
    if len(sys.argv) > 4:
        rows = []
        for fn, c in l_self.items():
            w = c - i_self.get(fn, 0) / i_calls * empty
            rows.append((w / frames, c / frames, fn))
        rows.sort(reverse=True)
        with open(sys.argv[4], "w") as f:
            f.write("%d frames forwarded, %.0f instructions per frame in %s "
                    "(%.0f with the %d empty polls at %.0f each)\n" % (
                        frames, work / frames, FN, l_ir / frames, empty, empty_cost))
            f.write("self instructions per frame, empty polls taken out (raw):\n")
            for w, raw, fn in rows[:15]:
                f.write("%8.1f  (%8.1f)  %s\n" % (w, raw, fn))
    print("PASS %.0f instr/frame frames=%d burst=%.1f raw=%.0f empty_calls=%d "
          "empty_cost=%.0f method=callgrind" % (
              work / frames, frames, frames / l_tx, l_ir / frames, empty, empty_cost))


if __name__ == "__main__":
    main()
