#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of bench/render.py: from a hand-made results.jsonl, the matrix
shows each cell's status, value and % of the veth column, and every target
ratio is computed, compared and reported exactly (PASS, FAIL, n/a)."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RENDER = os.path.join(HERE, "..", "render.py")

RESULTS = [
    ("tcp4_up_1", "veth", "-", "PASS", 10.0, "Gbit/s", {}),
    ("tcp4_down_1", "veth", "-", "PASS", 8.0, "Gbit/s", {}),
    ("tcp4_up_1", "tap_afp", "off", "PASS", 0.8, "Gbit/s", {"retrans": 3.0}),
    ("tcp4_down_1", "tap_afp", "off", "PASS", 1.0, "Gbit/s", {}),
    # rtap_pkt: "best" offload is tso for up (7.5 -> 0.75 of veth, PASS),
    # down only 4.0 (0.5 of veth: FAIL; 4x anchor: FAIL vs 8x).
    ("tcp4_up_1", "rtap_pkt", "off", "PASS", 2.0, "Gbit/s", {}),
    ("tcp4_up_1", "rtap_pkt", "tso", "PASS", 7.5, "Gbit/s", {}),
    ("tcp4_down_1", "rtap_pkt", "tso", "PASS", 4.0, "Gbit/s", {}),
    ("tcp4_up_1", "rtap_xdp", "off", "NA", None, "-", {"why": "n/a (not built)"}),
    ("tcp4_down_1", "rtap_afp", "tso", "FAIL", None, "-", {"why": "path_did_not_come_up"}),
    ("rrul", "tap_afp", "off", "PASS", 800.0, "Mbit/s",
     {"icmp_p50": 9.0, "icmp_p99": 30.0}),
    ("rrul", "l2fk", "auto", "PASS", 4400.0, "Mbit/s",
     {"icmp_p50": 1.0, "icmp_p99": 4.5, "icmp_lost_pct": 17.5}),
    ("tx64_kernel", "pmd:kernel", "-", "PASS", 2.0, "Mpps", {}),
    ("tx64_kif", "pmd:net_tap", "-", "PASS", 0.5, "Mpps", {}),
    ("tx64_kif", "pmd:rtap_tap", "-", "PASS", 2.5, "Mpps", {"lcore_ns_per_frame": 412.0}),
    ("rx64_kif", "pmd:net_tap", "-", "PASS", 0.07, "Mpps", {}),
    ("rx64_kif", "pmd:rtap_tap", "-", "FAIL", 0.0, "Mpps", {"why": "no_packets_counted"}),
    # callgrind instructions per frame: rtap_pkt costs 2x the anchor.
    ("cpu_instr", "tap_afp", "off", "PASS", 400.0, "instr/frame",
     {"frames": 40000.0, "burst": 31.6, "method": "callgrind"}),
    ("cpu_instr", "rtap_pkt", "off", "PASS", 800.0, "instr/frame",
     {"frames": 80000.0, "burst": 10.2, "method": "callgrind"}),
    ("cpu_instr", "rtap_xdp", "off", "FAIL", None, "-",
     {"why": "too_few_frames_forwarded_under_callgrind(12)"}),
    ("cpu_tcp4_up", "tap_afp", "off", "PASS", 14000.0, "ns CPU/frame",
     {"cpus": 0.91, "ns_per_byte": 9.5, "bytes_per_frame": 1474.0}),
    ("cpu_tcp4_up", "rtap_pkt", "tso", "PASS", 40000.0, "ns CPU/frame",
     {"cpus": 0.7, "ns_per_byte": 1.9, "bytes_per_frame": 21000.0}),
    # An offload setting the path does not have: n/a, not FAIL.
    ("tcp4_up_1", "rtap_afp", "tso", "NA", None, "-",
     {"why": "n/a (path lacks TSO: net_af_packet cannot send GSO frames)"}),
    ("tx64_wire", "pmd:net_af_packet", "-", "PASS", 0.8, "Mpps", {}),
    # rxonly at the sender's rate: flagged, the ratio is the sender's.
    ("rx64_wire", "pmd:net_af_packet", "-", "PASS", 0.60, "Mpps", {"sender_mpps": 0.62}),
    ("rx64_wire", "pmd:rtap_packet", "-", "PASS", 0.55, "Mpps", {"sender_mpps": 0.90}),
    ("tx64_wire", "pmd:rtap_packet", "-", "PASS", 1.0, "Mpps", {}),
]


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


def main():
    with tempfile.TemporaryDirectory() as d:
        run = os.path.join(d, "results", "20990101T000000Z")
        os.makedirs(run)
        json.dump({"stamp": "20990101T000000Z", "mode": "quick", "git": "t",
                   "kernel": "k", "cpus": 2, "loadavg_start": "0 0 0",
                   "iperf_secs": 10, "rrul_secs": 10, "rate_secs": 5,
                   "eal": "-l 0,1"}, open(os.path.join(run, "meta.json"), "w"))
        with open(os.path.join(run, "results.jsonl"), "w") as f:
            for t, p, o, s, v, u, x in RESULTS:
                r = {"test": t, "path": p, "offload": o, "status": s,
                     "value": v, "unit": u}
                r.update(x)
                f.write(json.dumps(r) + "\n")
        open(os.path.join(run, "profile-cg-rtap_pkt.txt"), "w").write("  161.0 rtap_vnet_rx_parse\n")
        open(os.path.join(run, "profile-tap_afp.txt"), "w").write("  52.99% pvm_irq_enable\n")
        subprocess.run([sys.executable, RENDER, run], check=True,
                       stdout=subprocess.DEVNULL)
        head = subprocess.run([sys.executable, RENDER, run, "--headline", "make bench"],
                              check=True, capture_output=True, text=True).stdout
        doc = os.path.join(d, "perf.md")
        open(doc, "w").write("# x\nkeep above\n<!-- headline:begin (gen) -->\nold\n"
                             "<!-- headline:end -->\nkeep below\n")
        subprocess.run([sys.executable, RENDER, run, "--headline", "make bench", "--doc", doc],
                       check=True)
        doc = open(doc).read()
        md = open(os.path.join(run, "matrix.md")).read()
        html = open(os.path.join(run, "matrix.html")).read()
        out = json.load(open(os.path.join(run, "run.json")))

    tg = {t["what"]: t for t in out["targets"]}

    def target(what, status, ratio=None):
        t = tg[what]
        check(t["status"] == status, "%s: status %s, want %s" % (what, t["status"], status))
        if ratio is not None:
            check(abs(t["ratio"] - ratio) < 1e-9, "%s: ratio %r, want %r" % (what, t["ratio"], ratio))

    target("net_rtap tap / net_tap, 64 B DPDK->kernel (txonly)", "PASS", 5.0)
    target("net_rtap tap / net_tap, 64 B kernel->DPDK (rxonly)", "n/a")
    target("rtap tap<->packet / veth, TCP v4 up 1 stream", "PASS", 0.75)
    target("rtap tap<->packet / veth, TCP v4 down 1 stream", "FAIL", 0.5)
    target("rtap tap<->packet / net_tap<->af_packet anchor, TCP v4 up", "PASS", 7.5 / 0.8)
    target("rtap tap<->packet / net_tap<->af_packet anchor, TCP v4 down", "FAIL", 4.0)
    target("l2fwd-kernel / anchor, rrul TCP totals", "PASS", 5.5)
    target("l2fwd-kernel rrul ICMP p99 (ms)", "PASS", 4.5)
    target("rtap xdp / net_af_xdp, 64 B txonly", "n/a")
    check("best offload: csum+TSO/LRO" in tg["rtap tap<->packet / veth, TCP v4 up 1 stream"]["note"],
          "best offload note")
    check("no_packets_counted" in tg["net_rtap tap / net_tap, 64 B kernel->DPDK (rxonly)"]["note"],
          "n/a target names the failing cell")

    # Matrix cells: value, % of veth, failure reasons, rrul latency.
    check("PASS 0.800 Gbit/s (8%) rtx 3" in md, "anchor cell with % of veth")
    check("PASS 7.50 Gbit/s (75%)" in md, "rtap tso cell")
    check("FAIL path_did_not_come_up" in md, "failed cell keeps its reason")
    check("n/a (not built)" in md, "n/a cell")
    check("ICMP p50/p99 9.00/30.0 ms" in md, "rrul latency in cell")
    check("ICMP p50/p99 9.00/30.0 ms |" in md or "ICMP p50/p99 9.00/30.0 ms<" in md
          or ("ICMP p50/p99 9.00/30.0 ms," not in md), "no loss text without the field")
    check("ICMP p50/p99 1.00/4.50 ms, 17.5% lost" in md, "ping loss in the rrul cell")
    check("17.5% of the pings lost" in md, "ping loss in the p99 target's note")
    check("PASS 2.50 Mpps (125%) [rtap_tap], lcore 412 ns/frame |" in md,
          "64 B cell vs pktflood reference, with the lcore's CPU per frame")
    check("PASS 0.500 Mpps (25%) [net_tap] |" in md, "no lcore figure when not measured")
    check("| 7 | net_rtap tap / net_tap, 64 B DPDK->kernel (txonly) | 2.50 / 0.500 | 5.00 | >= 4.00 | PASS |"
          in md, "target table row")
    check("<td>5.00</td><td>&gt;= 4.00</td><td class='pass'>PASS</td>" in html,
          "target row (html)")
    target("rtap packet / net_af_packet, 64 B txonly", "FAIL", 1.25)
    t = tg["rtap packet / net_af_packet, 64 B rxonly"]
    check("sender-bound (pktflood 0.620 Mpps)" in t["note"], "sender-bound target note: " + t["note"])
    check("PASS 0.600 Mpps [net_af_packet] sender-bound" in md, "sender-bound cell")
    check("PASS 0.550 Mpps [rtap_packet] |" in md, "cell below the sender rate is not flagged")
    check("every target is measured in quick mode" in md, "quick-mode coverage note")
    # Instructions per frame: value, ratio to the anchor, burst; failures
    # keep their reason; the ns/frame row stays.
    row = [l for l in md.splitlines() if l.startswith("| CPU: instructions per forwarded frame")]
    check(len(row) == 1, "one instructions row")
    check("PASS 400 instr/frame burst 32" in row[0], "anchor instr cell: " + row[0])
    check("PASS 800 instr/frame (2.00x anchor) burst 10" in row[0], "rtap instr cell: " + row[0])
    check("FAIL too_few_frames_forwarded_under_callgrind(12)" in row[0], "failed instr cell")
    check(any(l.startswith("| CPU: ns per forwarded frame") and "PASS 14000 ns CPU/frame (0.91 CPUs), 9.50 ns/byte at 1474 B/frame" in l
              for l in md.splitlines()), "ns/frame row kept")
    tso = [l for l in md.splitlines() if l.startswith("| TCP v4 up, 1 stream [csum+TSO/LRO]")]
    check(len(tso) == 1 and "n/a (path lacks TSO: net_af_packet cannot send GSO frames)" in tso[0]
          and "FAIL" not in tso[0], "impossible offload cell is n/a")
    # Trend: new key columns, this run's values.
    trend = md.split("## Trend")[1]
    check("anchor instr/frame | rtap pkt instr/frame |" in trend, "trend has the instr columns")
    check(out["keys"]["rtap pkt instr/frame"] == 800.0, "trend key value")
    check("<td class='fail'>" in html and "<td class='pass'>" in html, "html cell classes")
    check("20990101T000000Z" in md.split("## Trend")[1], "trend lists this run")
    # The doc's headline block: command, the same target table, CPU lines.
    check("\n    make bench\n" in head, "headline names the command")
    check("| 7 | net_rtap tap / net_tap, 64 B DPDK->kernel (txonly) | 2.50 / 0.500 | 5.00 |" in head,
          "headline target table")
    check("net_tap<->net_af_packet 400, net_rtap tap<->net_rtap packet 800 (2.00x;" in head,
          "headline instructions line: " + head)
    check(doc == "# x\nkeep above\n<!-- headline:begin (gen) -->\n" + head +
          "<!-- headline:end -->\nkeep below\n", "--doc replaces exactly the marked block")
    check("per frame anchor 14000 ns, net_rtap tap<->net_rtap packet 40000 ns" in head
          and "per byte 9.50 vs 1.90 ns (0.20x)" in head, "headline CPU line: " + head)
    cgp = md.split("## Instructions per frame by function (callgrind")
    check(len(cgp) == 2 and "rtap_pkt:" in cgp[1].split("## Forwarder profiles")[0]
          and "161.0 rtap_vnet_rx_parse" in cgp[1], "callgrind profile section")
    check("tap_afp:\n\n```\n  52.99% pvm_irq_enable" in md.split("## Forwarder profiles (perf record")[1],
          "perf profile section")
    print("test_render: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
