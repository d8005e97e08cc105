#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Summarise a flent rrul data file the way flent's own summary does (mean,
median and 99th percentile over the series' non-empty samples) and print
one line that bench/ records:

  PASS <tcp_totals Mbit/s> Mbit/s icmp_avg=.. icmp_p50=.. icmp_p99=.. udp_avg=.. ...

The ICMP percentiles cover the replies that came back; icmp_lost_pct says
how many did not (from the ping runner's raw sequence numbers), so a path
that drops pings instead of queueing them cannot look fast.
"""
import gzip
import json
import sys


def pct(vals, q):
    """Linear-interpolated percentile (numpy's default method)."""
    s = sorted(vals)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def series(res, name):
    return [v for v in res.get(name, []) if v is not None]


def icmp_lost_pct(d):
    """Percent of echo requests without a reply, from the raw sequence
    numbers (first to last sent); None if the file has no raw values."""
    raw = (d.get("raw_values") or {}).get("Ping (ms) ICMP") or []
    seqs = {int(r["seq"]) for r in raw
            if isinstance(r, dict) and r.get("seq") is not None
            and r.get("val") is not None}
    if not seqs:
        return None
    sent = max(seqs) - min(seqs) + 1
    return 100.0 * (sent - len(seqs)) / sent


def main():
    with gzip.open(sys.argv[1]) as f:
        d = json.load(f)
    res = d["results"]
    tcp = series(res, "TCP totals")
    up = series(res, "TCP upload sum")
    down = series(res, "TCP download sum")
    icmp = series(res, "Ping (ms) ICMP")
    udp = []
    for k in ("Ping (ms) UDP BE", "Ping (ms) UDP BK", "Ping (ms) UDP EF"):
        udp += series(res, k)
    if not tcp or not icmp:
        print("FAIL - - why=rrul_series_empty failed_runners=%d"
              % len(d["metadata"].get("FAILED_RUNNERS") or []))
        return
    mean = lambda v: sum(v) / len(v) if v else float("nan")
    lost = icmp_lost_pct(d)
    print("PASS %.1f Mbit/s tcp_up=%.1f tcp_down=%.1f icmp_avg=%.2f icmp_p50=%.2f "
          "icmp_p99=%.2f udp_avg=%.2f udp_p50=%.2f udp_p99=%.2f samples=%d%s"
          % (mean(tcp), mean(up), mean(down), mean(icmp), pct(icmp, 50),
             pct(icmp, 99), mean(udp), pct(udp, 50), pct(udp, 99), len(icmp),
             "" if lost is None else " icmp_lost_pct=%.1f" % lost))


if __name__ == "__main__":
    main()
