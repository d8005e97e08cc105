#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Render one bench run (results.jsonl + meta.json) into run.json, matrix.md
and matrix.html: rows = test cases, columns = paths, each cell PASS/FAIL with
its number and its share of the kernel-limit (veth) column; then one ratio
line per speed target of issues 7, 3 and 5, and a trend table over the kept
runs (bench/results/*/run.json plus bench/reports/history.jsonl).

  render.py RUN_DIR [--elapsed SECS] [--history FILE] [--headline CMD]

--history appends this run's key numbers to FILE (the committed trend).
--headline prints the headline block of doc/performance.md for this
(already rendered) run: CMD is the command line that produced it; with
--doc FILE it replaces the block between FILE's headline markers instead.
"""
import argparse
import glob
import html
import json
import math
import os
import sys

PATHS = [
    ("veth", "kernel veth", "two netns joined by a veth: the kernel limit"),
    ("tap_afp", "net_tap &harr; net_af_packet", "testpmd io-fwd, the anchor"),
    ("tap_afxdp", "net_tap &harr; net_af_xdp", "testpmd, af_xdp on the wire veth"),
    ("rtap_afp", "net_rtap tap &harr; net_af_packet", "testpmd"),
    ("rtap_pkt", "net_rtap tap &harr; net_rtap packet", "testpmd, vnet header both sides"),
    ("rtap_xdp", "net_rtap tap &harr; net_rtap xdp", "testpmd"),
    ("l2fk", "l2fwd-kernel", "the app, NIC port net_rtap packet on the wire veth, -l 0 (as make run)"),
]
PATH_IDS = [p[0] for p in PATHS]
PLAIN = {p[0]: html.unescape(p[1]) for p in PATHS}

TESTS = [
    ("tcp4_up_1", "TCP v4 up, 1 stream"),
    ("tcp4_down_1", "TCP v4 down, 1 stream"),
    ("tcp4_up_4", "TCP v4 up, 4 streams"),
    ("tcp4_down_4", "TCP v4 down, 4 streams"),
    ("tcp6_up_1", "TCP v6 up, 1 stream"),
    ("tcp6_down_1", "TCP v6 down, 1 stream"),
    ("tcp6_up_4", "TCP v6 up, 4 streams"),
    ("tcp6_down_4", "TCP v6 down, 4 streams"),
    ("udp64_up", "UDP 64 B up (iperf3)"),
    ("udp64_down", "UDP 64 B down (iperf3)"),
    ("udpmtu_up", "UDP 1500 B up (iperf3)"),
    ("udpmtu_down", "UDP 1500 B down (iperf3)"),
    ("rrul", "flent rrul: TCP totals, ICMP p50/p99"),
    ("cpu_tcp4_up", "CPU: ns per forwarded frame (perf task-clock), TCP v4 up"),
    ("cpu_instr", "CPU: instructions per forwarded frame (callgrind, user space; "
     "testpmd io-fwd, 64 B both ways)"),
]
# Rows whose cells compare with the anchor column instead of veth.
CPU_TESTS = ("cpu_tcp4_up", "cpu_instr")
OFFLOADS = [("off", "off"), ("csum", "csum"), ("tso", "csum+TSO/LRO"),
            ("poll", "l2fwd-kernel --poll")]
OFF_LABEL = dict(OFFLOADS)

# 64-byte rows: which PMD fills which column.
RATE_ROWS = [
    ("tx64_kif", "64 B txonly DPDK&rarr;kernel, kernel-facing PMD",
     {"tap_afp": "net_tap", "tap_afxdp": "net_tap", "rtap_afp": "rtap_tap",
      "rtap_pkt": "rtap_tap", "rtap_xdp": "rtap_tap"}, "tx64_kernel"),
    ("rx64_kif", "64 B rxonly kernel&rarr;DPDK, kernel-facing PMD",
     {"tap_afp": "net_tap", "tap_afxdp": "net_tap", "rtap_afp": "rtap_tap",
      "rtap_pkt": "rtap_tap", "rtap_xdp": "rtap_tap"}, "rx64_kernel"),
    ("tx64_wire", "64 B txonly DPDK&rarr;veth, wire PMD",
     {"tap_afp": "net_af_packet", "tap_afxdp": "net_af_xdp",
      "rtap_afp": "net_af_packet", "rtap_pkt": "rtap_packet",
      "rtap_xdp": "rtap_xdp"}, "tx64_kernel"),
    ("rx64_wire", "64 B rxonly veth&rarr;DPDK, wire PMD",
     {"tap_afp": "net_af_packet", "tap_afxdp": "net_af_xdp",
      "rtap_afp": "net_af_packet", "rtap_pkt": "rtap_packet",
      "rtap_xdp": "rtap_xdp"}, "rx64_kernel"),
]

# Speed targets of the issues, read off this run.  Each side is
# (test, path, offload) where offload "best" takes the best setting run;
# a number as denominator is an absolute bound.
TARGETS = [
    ("7", "net_rtap tap / net_tap, 64 B DPDK->kernel (txonly)",
     ("tx64_kif", "pmd:rtap_tap", "-"), ("tx64_kif", "pmd:net_tap", "-"), ">=", 4.0),
    ("7", "net_rtap tap / net_tap, 64 B kernel->DPDK (rxonly)",
     ("rx64_kif", "pmd:rtap_tap", "-"), ("rx64_kif", "pmd:net_tap", "-"), ">=", 10.0),
    ("7", "net_rtap tap rxonly / net_af_packet rxonly, 64 B",
     ("rx64_kif", "pmd:rtap_tap", "-"), ("rx64_wire", "pmd:net_af_packet", "-"), ">=", 1.0),
    ("3", "rtap packet / net_af_packet, 64 B txonly",
     ("tx64_wire", "pmd:rtap_packet", "-"), ("tx64_wire", "pmd:net_af_packet", "-"), ">=", 1.5),
    ("3", "rtap packet / net_af_packet, 64 B rxonly",
     ("rx64_wire", "pmd:rtap_packet", "-"), ("rx64_wire", "pmd:net_af_packet", "-"), ">=", 1.5),
    ("3", "rtap xdp / net_af_xdp, 64 B txonly",
     ("tx64_wire", "pmd:rtap_xdp", "-"), ("tx64_wire", "pmd:net_af_xdp", "-"), ">=", 1.5),
    ("3", "rtap xdp / net_af_xdp, 64 B rxonly",
     ("rx64_wire", "pmd:rtap_xdp", "-"), ("rx64_wire", "pmd:net_af_xdp", "-"), ">=", 1.5),
    ("3", "rtap tap<->packet / veth, TCP v4 up 1 stream",
     ("tcp4_up_1", "rtap_pkt", "best"), ("tcp4_up_1", "veth", "-"), ">=", 0.70),
    ("3", "rtap tap<->packet / veth, TCP v4 down 1 stream",
     ("tcp4_down_1", "rtap_pkt", "best"), ("tcp4_down_1", "veth", "-"), ">=", 0.70),
    ("3", "rtap tap<->packet / net_tap<->af_packet anchor, TCP v4 up",
     ("tcp4_up_1", "rtap_pkt", "best"), ("tcp4_up_1", "tap_afp", "off"), ">=", 8.0),
    ("3", "rtap tap<->packet / net_tap<->af_packet anchor, TCP v4 down",
     ("tcp4_down_1", "rtap_pkt", "best"), ("tcp4_down_1", "tap_afp", "off"), ">=", 8.0),
    # The same two PMDs under the project's forwarder (its NIC port is
    # net_rtap packet, one lcore that sleeps when idle, as the issue's
    # poll() loop reference does), next to testpmd's spinning lcore above.
    ("3", "l2fwd-kernel (rtap tap<->packet) / veth, TCP v4 up 1 stream",
     ("tcp4_up_1", "l2fk", "best"), ("tcp4_up_1", "veth", "-"), ">=", 0.70),
    ("3", "l2fwd-kernel (rtap tap<->packet) / veth, TCP v4 down 1 stream",
     ("tcp4_down_1", "l2fk", "best"), ("tcp4_down_1", "veth", "-"), ">=", 0.70),
    ("3", "l2fwd-kernel (rtap tap<->packet) / anchor, TCP v4 up",
     ("tcp4_up_1", "l2fk", "best"), ("tcp4_up_1", "tap_afp", "off"), ">=", 8.0),
    ("3", "l2fwd-kernel (rtap tap<->packet) / anchor, TCP v4 down",
     ("tcp4_down_1", "l2fk", "best"), ("tcp4_down_1", "tap_afp", "off"), ">=", 8.0),
    ("5", "l2fwd-kernel / anchor, rrul TCP totals",
     ("rrul", "l2fk", "best"), ("rrul", "tap_afp", "off"), ">=", 5.0),
    ("5", "l2fwd-kernel rrul ICMP p99 (ms)",
     ("rrul:icmp_p99", "l2fk", "best"), None, "<=", 5.0),
]

# Figures measured when the issues were filed (DESIGN.md), for a sanity
# line: does this run reproduce the anchors roughly?
ANCHORS = [
    ("veth TCP v4 up (Gbit/s)", ("tcp4_up_1", "veth", "-"), 13.1),
    ("net_tap<->af_packet TCP v4 up (Gbit/s)", ("tcp4_up_1", "tap_afp", "off"), 0.78),
    ("net_tap<->af_packet TCP v4 down (Gbit/s)", ("tcp4_down_1", "tap_afp", "off"), 1.25),
    ("net_tap txonly 64 B (Mpps)", ("tx64_kif", "pmd:net_tap", "-"), 0.56),
    ("net_tap rxonly 64 B (Mpps)", ("rx64_kif", "pmd:net_tap", "-"), 0.072),
    ("net_af_packet txonly 64 B (Mpps)", ("tx64_wire", "pmd:net_af_packet", "-"), 1.62),
    ("net_af_packet rxonly 64 B (Mpps)", ("rx64_wire", "pmd:net_af_packet", "-"), 1.0),
    ("anchor rrul TCP totals (Mbit/s)", ("rrul", "tap_afp", "off"), 866),
    ("anchor rrul ICMP p99 (ms)", ("rrul:icmp_p99", "tap_afp", "off"), 29.6),
]

# Key numbers for the trend table.
TREND = [
    ("veth up", ("tcp4_up_1", "veth", "-")),
    ("anchor up", ("tcp4_up_1", "tap_afp", "off")),
    ("anchor down", ("tcp4_down_1", "tap_afp", "off")),
    ("rtap pkt up", ("tcp4_up_1", "rtap_pkt", "best")),
    ("rtap pkt down", ("tcp4_down_1", "rtap_pkt", "best")),
    ("net_tap tx Mpps", ("tx64_kif", "pmd:net_tap", "-")),
    ("rtap tx Mpps", ("tx64_kif", "pmd:rtap_tap", "-")),
    ("net_tap rx Mpps", ("rx64_kif", "pmd:net_tap", "-")),
    ("rtap rx Mpps", ("rx64_kif", "pmd:rtap_tap", "-")),
    ("af_packet rx Mpps", ("rx64_wire", "pmd:net_af_packet", "-")),
    ("anchor rrul Mbit/s", ("rrul", "tap_afp", "off")),
    ("anchor rrul p99 ms", ("rrul:icmp_p99", "tap_afp", "off")),
    ("rtap pkt tx Mpps", ("tx64_wire", "pmd:rtap_packet", "-")),
    ("rtap pkt rx Mpps", ("rx64_wire", "pmd:rtap_packet", "-")),
    ("l2fk rrul Mbit/s", ("rrul", "l2fk", "best")),
    ("l2fk rrul p99 ms", ("rrul:icmp_p99", "l2fk", "best")),
    ("anchor instr/frame", ("cpu_instr", "tap_afp", "off")),
    ("rtap pkt instr/frame", ("cpu_instr", "rtap_pkt", "off")),
]


def load(run_dir):
    meta = json.load(open(os.path.join(run_dir, "meta.json")))
    res = []
    with open(os.path.join(run_dir, "results.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line:
                res.append(json.loads(line))
    return meta, res


def fmt(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


class Run:
    def __init__(self, meta, res):
        self.meta = meta
        self.res = res
        self.idx = {}
        for r in res:
            self.idx[(r["test"], r["path"], r["offload"])] = r

    def get(self, test, path, offload):
        """Value of a selector; 'rrul:field' reads an extra field."""
        field = None
        if ":" in test:
            test, field = test.split(":", 1)
        cands = []
        if offload == "best":
            for (t, p, o), r in self.idx.items():
                if t == test and p == path:
                    cands.append(r)
        else:
            r = self.idx.get((test, path, offload))
            if r:
                cands.append(r)
        cands = [r for r in cands if r["status"] == "PASS"]
        if not cands:
            return None, None
        if field:
            vals = [(r.get(field), r) for r in cands if isinstance(r.get(field), float)]
            if not vals:
                return None, None
            # best latency = lowest
            v, r = min(vals, key=lambda x: x[0])
            return v, r
        r = max(cands, key=lambda r: r["value"] or 0)
        return r["value"], r

    def why(self, test, path):
        for (t, p, o), r in self.idx.items():
            if t == test.split(":")[0] and p == path and r["status"] != "PASS":
                return r.get("why", r["status"])
        return "not run"


def kernel_ref(run, test):
    if test in CPU_TESTS:
        return None
    v, _ = run.get(test, "veth", "-")
    return v


def cell(run, test, path, offload):
    """(status, text) of a matrix cell."""
    r = run.idx.get((test, path, offload))
    if r is None and path == "veth":
        r = run.idx.get((test, path, "-"))
    if r is None and path == "l2fk" and offload == "off":
        # The app has no offload knobs: its default run sits in the "off" rows.
        r = run.idx.get((test, path, "auto"))
    if r is None:
        return "none", ""
    if r["status"] == "NA":
        return "na", str(r.get("why", "n/a"))
    if r["status"] != "PASS":
        return "fail", "FAIL " + str(r.get("why", ""))
    txt = "PASS %s %s" % (fmt(r["value"]), r["unit"])
    ref = kernel_ref(run, test)
    if ref and path != "veth" and r["value"] is not None:
        txt += " (%.0f%%)" % (100.0 * r["value"] / ref)
    if test == "rrul":
        txt += "; ICMP p50/p99 %s/%s ms" % (fmt(r.get("icmp_p50")), fmt(r.get("icmp_p99")))
        if isinstance(r.get("icmp_lost_pct"), (int, float)):
            txt += ", %s%% lost" % fmt(r["icmp_lost_pct"])
    if test == "cpu_tcp4_up" and isinstance(r.get("cpus"), float):
        txt += " (%.2f CPUs)" % r["cpus"]
    if test == "cpu_tcp4_up" and isinstance(r.get("ns_per_byte"), float) and r["ns_per_byte"] > 0:
        txt += ", %s ns/byte at %s B/frame" % (fmt(r["ns_per_byte"]), fmt(r.get("bytes_per_frame")))
    if test == "cpu_instr":
        a = run.idx.get((test, "tap_afp", offload))
        if path != "tap_afp" and a and a["status"] == "PASS" and a["value"]:
            txt += " (%.2fx anchor)" % (r["value"] / a["value"])
        if isinstance(r.get("burst"), float):
            txt += " burst %.0f" % r["burst"]
    if test.startswith("tcp") and isinstance(r.get("retrans"), float) and r["retrans"] > 0:
        txt += " rtx %d" % r["retrans"]
    return "pass", txt


def sender_bound(r):
    """An rxonly rate within 10 % of what pktflood managed to send: the
    sender (sharing the 2 cores), not the PMD, set it."""
    s = r.get("sender_mpps") if r else None
    return (isinstance(s, float) and s > 0 and r.get("value") is not None
            and r["value"] >= 0.9 * s)


def rate_cell(run, test, path, pmd_map, kernel_test):
    if path == "veth":
        r = run.idx.get((kernel_test, "pmd:kernel", "-"))
    elif path in pmd_map:
        r = run.idx.get((test, "pmd:" + pmd_map[path], "-"))
    else:
        return "none", ""
    if r is None:
        return "none", ""
    if r["status"] == "NA":
        return "na", str(r.get("why", "n/a"))
    if r["status"] != "PASS":
        return "fail", "FAIL " + str(r.get("why", ""))
    txt = "PASS %s Mpps" % fmt(r["value"])
    if path == "veth":
        txt = "PASS %s Mpps (pktflood)" % fmt(r["value"])
    else:
        k = run.idx.get((kernel_test, "pmd:kernel", "-"))
        if k and k["status"] == "PASS" and k["value"]:
            txt += " (%.0f%%)" % (100.0 * r["value"] / k["value"])
        txt += " [%s]" % pmd_map[path]
        if sender_bound(r):
            txt += " sender-bound"
        nsf = r.get("lcore_ns_per_frame")
        if isinstance(nsf, float) and nsf > 0:
            txt += ", lcore %s ns/frame" % fmt(nsf)
    return "pass", txt


def matrix_rows(run):
    """[(label, [(status, text) per path])]"""
    rows = []
    present = set((r["test"], r["offload"]) for r in run.res)
    for test, label in TESTS:
        offs = [o for o, _ in OFFLOADS if (test, o) in present]
        if not offs and any(t == test for t, _ in present):
            offs = ["off"]
        for o in offs:
            rows.append(("%s [%s]" % (label, OFF_LABEL[o]),
                         [cell(run, test, p, o) for p in PATH_IDS]))
    for test, label, pmd_map, ktest in RATE_ROWS:
        if not any(r["test"] in (test, ktest) for r in run.res):
            continue
        rows.append((html.unescape(label),
                     [rate_cell(run, test, p, pmd_map, ktest) for p in PATH_IDS]))
    return rows


def targets(run):
    out = []
    for issue, desc, num, den, op, bound in TARGETS:
        nv, nr = run.get(*num)
        dr = None
        if den is None:
            dv, ratio = 1.0, nv
        else:
            dv, dr = run.get(*den)
            ratio = nv / dv if (nv is not None and dv) else None
        if ratio is None:
            missing = num if nv is None else den
            status = "n/a"
            note = "%s: %s" % (missing[1], run.why(missing[0], missing[1]))
        else:
            ok = ratio >= bound if op == ">=" else ratio <= bound
            status = "PASS" if ok else "FAIL"
            note = ""
            if nr is not None and num[2] == "best":
                note = "best offload: %s" % OFF_LABEL.get(nr["offload"], nr["offload"])
            if nr is not None and num[0] == "rrul:icmp_p99" and \
                    isinstance(nr.get("icmp_lost_pct"), (int, float)):
                # Percentiles cover only the replies that came back.
                note += "; %s%% of the pings lost" % fmt(nr["icmp_lost_pct"])
            bound_by = [r for r in (nr, dr) if sender_bound(r)]
            if bound_by:
                note = ("sender-bound (pktflood %s Mpps): the ratio shows the "
                        "sender, not the PMD" % "/".join(
                            fmt(r["sender_mpps"]) for r in bound_by))
        out.append({"issue": issue, "what": desc, "ratio": ratio, "op": op,
                    "bound": bound, "status": status, "note": note,
                    "num": nv, "den": None if den is None else dv,
                    "ratio_of": den is not None})
    return out


def anchors(run):
    out = []
    for desc, sel, then in ANCHORS:
        v, _ = run.get(*sel)
        out.append({"what": desc, "now": v, "filed": then})
    return out


def key_numbers(run):
    return {name: run.get(*sel)[0] for name, sel in TREND}


def trend_rows(run_dir, this_stamp, this_keys, history):
    runs = {}
    if history and os.path.exists(history):
        for line in open(history):
            line = line.strip()
            if line:
                h = json.loads(line)
                runs[h["stamp"]] = h
    parent = os.path.dirname(os.path.abspath(run_dir))
    for f in glob.glob(os.path.join(parent, "*", "run.json")):
        try:
            d = json.load(open(f))
            runs[d["meta"]["stamp"]] = {"stamp": d["meta"]["stamp"],
                                       "mode": d["meta"]["mode"],
                                       "git": d["meta"].get("git", ""),
                                       "keys": d["keys"]}
        except (OSError, ValueError, KeyError):
            continue
    runs[this_stamp] = {"stamp": this_stamp, "mode": "", "git": "", "keys": this_keys}
    return [runs[k] for k in sorted(runs)][-20:]


def measured(t):
    """'num / den' of a target, or the absolute value."""
    if t["num"] is None and not t.get("ratio_of"):
        return "-"
    if not t.get("ratio_of"):
        return fmt(t["num"])
    return "%s / %s" % (fmt(t["num"]), fmt(t["den"]))


def render_md(run, rows, tg, an, trend, elapsed):
    m = run.meta
    L = []
    L.append("# rtap bench matrix — %s (%s)" % (m["stamp"], m["mode"]))
    L.append("")
    L.append("git %s, kernel %s, %s CPUs, load at start %s, %s; iperf3 %s s, "
             "rrul %s s, 64 B rates %s s%s." % (
                 m.get("git"), m.get("kernel"), m.get("cpus"), m.get("loadavg_start"),
                 m.get("eal"), m.get("iperf_secs"), m.get("rrul_secs"),
                 m.get("rate_secs"), ", took %d s" % elapsed if elapsed else ""))
    L.append("Cells: status, value, and (in brackets) % of the kernel-limit "
             "(veth) column in the same run.")
    L.append("")
    L.append("## Targets (ratios measured in this run)")
    L.append("")
    L += targets_md(tg)
    L.append("")
    L.append("Targets marked n/a name the missing cell; %s." % (
        "every target is measured in quick mode (`make bench`); "
        "`make matrix` adds the IPv6, 4-stream, UDP, offload-setting and xdp "
        "columns, l2fwd-kernel --poll and 30 s rrul" if m.get("mode") == "quick"
        else "this is the full matrix (`make matrix`)"))
    L.append("")
    L.append("## Matrix")
    L.append("")
    L.append("| test | " + " | ".join(PLAIN[p] for p in PATH_IDS) + " |")
    L.append("|---|" + "---|" * len(PATH_IDS))
    for label, cells in rows:
        L.append("| %s | %s |" % (label, " | ".join(
            (t if s != "none" else "") for s, t in cells)))
    L.append("")
    L.append("64 B rows: one PMD per cell, testpmd on one lcore; txonly counted "
             "by the receiving kernel interface, rxonly by testpmd with pktflood "
             "sending; the veth column is pktflood into a bare veth; \"lcore N "
             "ns/frame\" is the polling lcore's on-CPU time (schedstat) per "
             "counted frame over the same window, independent of how much of a "
             "core the lcore got.")
    L.append("")
    L.append("## Anchors (figures from DESIGN.md vs this run)")
    L.append("")
    L.append("| anchor | at filing | this run |")
    L.append("|---|---|---|")
    for a in an:
        L.append("| %s | %s | %s |" % (a["what"], fmt(a["filed"]), fmt(a["now"])))
    L.append("")
    L.append("## Trend (kept runs)")
    L.append("")
    names = [n for n, _ in TREND]
    L.append("| run | " + " | ".join(names) + " |")
    L.append("|---|" + "---|" * len(names))
    for t in trend:
        L.append("| %s %s | %s |" % (t["stamp"], t.get("mode", ""), " | ".join(
            fmt(t["keys"].get(n)) for n in names)))
    L.append("")
    return "\n".join(L)


CSS = """
body { font-family: monospace; font-size: 13px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: 2px 6px; vertical-align: top; }
th { background: #ddd; }
td.pass { background: #9f9; }
td.fail { background: #f99; }
td.na { background: #ddd; color: #555; }
td.none { background: #fff; }
td.test { text-align: left; white-space: nowrap; }
"""


def render_html(run, rows, tg, an, trend, plots):
    m = run.meta
    H = []
    e = html.escape
    H.append("<!DOCTYPE html><html><head><meta charset='utf-8'>")
    H.append("<title>rtap bench %s</title><style>%s</style></head><body>" % (e(m["stamp"]), CSS))
    H.append("<h1>rtap bench matrix &mdash; %s (%s)</h1>" % (e(m["stamp"]), e(m["mode"])))
    H.append("<p>git %s, kernel %s, %s CPUs, load at start %s, %s</p>" % (
        e(str(m.get("git"))), e(str(m.get("kernel"))), m.get("cpus"),
        e(str(m.get("loadavg_start"))), e(str(m.get("eal")))))
    H.append("<h2>Targets</h2><table><tr><th>issue</th><th>target</th><th>measured</th>"
             "<th>ratio</th><th>bound</th><th>status</th><th>note</th></tr>")
    for t in tg:
        cls = {"PASS": "pass", "FAIL": "fail"}.get(t["status"], "na")
        H.append("<tr><td>%s</td><td class='test'>%s</td><td>%s</td><td>%s</td>"
                 "<td>%s %s</td><td class='%s'>%s</td><td>%s</td></tr>" % (
                     e(t["issue"]), e(t["what"]), e(measured(t)),
                     "-" if t["ratio"] is None else "%.2f" % t["ratio"],
                     e(t["op"]), fmt(t["bound"]), cls, e(t["status"]), e(t["note"])))
    H.append("</table><h2>Matrix</h2><table><tr><th>test</th>")
    for pid, lab, note in PATHS:
        H.append("<th title='%s'>%s</th>" % (e(note), lab))
    H.append("</tr>")
    for label, cells in rows:
        H.append("<tr><td class='test'>%s</td>" % e(label))
        for s, t in cells:
            H.append("<td class='%s'>%s</td>" % (s, e(t)))
        H.append("</tr>")
    H.append("</table>")
    H.append("<h2>Anchors</h2><table><tr><th>anchor</th><th>at filing</th><th>this run</th></tr>")
    for a in an:
        H.append("<tr><td class='test'>%s</td><td>%s</td><td>%s</td></tr>" % (
            e(a["what"]), fmt(a["filed"]), fmt(a["now"])))
    H.append("</table><h2>Trend</h2><table><tr><th>run</th>")
    names = [n for n, _ in TREND]
    for n in names:
        H.append("<th>%s</th>" % e(n))
    H.append("</tr>")
    for t in trend:
        H.append("<tr><td class='test'>%s %s</td>%s</tr>" % (
            e(t["stamp"]), e(t.get("mode", "")),
            "".join("<td>%s</td>" % fmt(t["keys"].get(n)) for n in names)))
    H.append("</table>")
    if plots:
        H.append("<h2>flent rrul plots</h2>")
        for p in plots:
            H.append("<p>%s<br><img src='plots/%s' width='800'></p>" % (e(p), e(p)))
    H.append("</body></html>")
    return "\n".join(H)


def targets_md(tg):
    L = ["| issue | target | measured | ratio | bound | status | note |",
         "|---|---|---|---|---|---|---|"]
    for t in tg:
        L.append("| %s | %s | %s | %s | %s %s | %s | %s |" % (
            t["issue"], t["what"], measured(t),
            "-" if t["ratio"] is None else "%.2f" % t["ratio"],
            t["op"], fmt(t["bound"]), t["status"], t["note"]))
    return L


def headline(run, tg, cmd):
    m = run.meta
    st = m["stamp"]
    date = "%s-%s-%s %s:%s UTC" % (st[0:4], st[4:6], st[6:8], st[9:11], st[11:13])
    L = ["Run `%s` (%s mode), %s, git `%s`, kernel %s, %s CPUs, load average "
         "at start %s, %s s of measurements:" % (
             st, m["mode"], date, m.get("git"), m.get("kernel"), m.get("cpus"),
             m.get("loadavg_start"), m.get("elapsed_s", "?")),
         "", "    " + cmd, ""]
    L += targets_md(tg)
    L.append("")

    def val(sel):
        v, _ = run.get(*sel)
        return v

    a_i = val(("cpu_instr", "tap_afp", "off"))
    r_i = val(("cpu_instr", "rtap_pkt", "off"))
    if a_i and r_i:
        L.append("CPU, same run: user-space instructions per forwarded frame "
                 "(callgrind, testpmd io-fwd, 64 B both ways, empty polls taken "
                 "out): net_tap<->net_af_packet %s, net_rtap tap<->net_rtap packet "
                 "%s (%.2fx; the kernel work behind net_tap's readv/writev per "
                 "frame is not counted)." % (fmt(a_i), fmt(r_i), r_i / a_i))
    a_n = val(("cpu_tcp4_up", "tap_afp", "best"))
    r_n = val(("cpu_tcp4_up", "rtap_pkt", "best"))
    if a_n and r_n:
        _, a_r = run.get("cpu_tcp4_up", "tap_afp", "best")
        _, r_r = run.get("cpu_tcp4_up", "rtap_pkt", "best")
        per_byte = ""
        if isinstance(a_r.get("ns_per_byte"), float) and isinstance(r_r.get("ns_per_byte"), float) \
                and a_r["ns_per_byte"] > 0 and r_r["ns_per_byte"] > 0:
            per_byte = "; per byte %s vs %s ns (%.2fx)" % (
                fmt(a_r["ns_per_byte"]), fmt(r_r["ns_per_byte"]),
                r_r["ns_per_byte"] / a_r["ns_per_byte"])
        L.append("CPU time of the forwarder in the TCP v4 upload (perf "
                 "task-clock, kernel time in its system calls included): per "
                 "frame anchor %s ns, net_rtap tap<->net_rtap packet %s ns (its "
                 "frames are up to 64 KB GSO frames)%s." % (fmt(a_n), fmt(r_n), per_byte))
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--history")
    ap.add_argument("--headline")
    ap.add_argument("--doc")
    a = ap.parse_args()
    meta, res = load(a.run_dir)
    if a.elapsed:
        meta["elapsed_s"] = a.elapsed
    run = Run(meta, res)
    rows = matrix_rows(run)
    tg = targets(run)
    an = anchors(run)
    keys = key_numbers(run)
    if a.headline:
        if "elapsed_s" not in meta and os.path.exists(os.path.join(a.run_dir, "run.json")):
            meta["elapsed_s"] = json.load(open(os.path.join(a.run_dir, "run.json")))[
                "meta"].get("elapsed_s", "?")
        block = headline(run, tg, a.headline)
        if not a.doc:
            sys.stdout.write(block)
            return 0
        text = open(a.doc).read()
        b = text.find("<!-- headline:begin")
        e = text.find("<!-- headline:end -->")
        if b < 0 or e < b:
            print("render.py: %s has no headline markers" % a.doc, file=sys.stderr)
            return 1
        b = text.index("\n", b) + 1
        open(a.doc, "w").write(text[:b] + block + text[e:])
        return 0
    if a.history:
        with open(a.history, "a") as f:
            f.write(json.dumps({"stamp": meta["stamp"], "mode": meta["mode"],
                                "git": meta.get("git", ""), "keys": keys}) + "\n")
        return 0
    trend = trend_rows(a.run_dir, meta["stamp"],
                       keys, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "reports", "history.jsonl"))
    for t in trend:
        if t["stamp"] == meta["stamp"]:
            t["mode"] = meta["mode"]
    plots = sorted(os.path.basename(p) for p in
                   glob.glob(os.path.join(a.run_dir, "plots", "*.png")))
    json.dump({"meta": meta, "results": res, "targets": tg, "anchors": an,
               "keys": keys}, open(os.path.join(a.run_dir, "run.json"), "w"), indent=1)
    md = render_md(run, rows, tg, an, trend, meta.get("elapsed_s", 0))
    profs = sorted(glob.glob(os.path.join(a.run_dir, "profile-*.txt")))
    cg = [p for p in profs if os.path.basename(p).startswith("profile-cg-")]
    perf = [p for p in profs if p not in cg]
    for title, files, skip in (
            ("Instructions per frame by function (callgrind, user space, "
             "empty polls taken out)", cg, len("profile-cg-")),
            ("Forwarder profiles (perf record -e cpu-clock, top symbols)",
             perf, len("profile-"))):
        if files:
            md += "\n## %s\n" % title
            for pf in files:
                md += "\n%s:\n\n```\n%s```\n" % (os.path.basename(pf)[skip:-4],
                                                  open(pf).read())
    open(os.path.join(a.run_dir, "matrix.md"), "w").write(md)
    open(os.path.join(a.run_dir, "matrix.html"), "w").write(
        render_html(run, rows, tg, an, trend, plots))
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
