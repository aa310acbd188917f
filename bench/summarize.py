#!/usr/bin/env python3
"""Summarize the iperf3 JSON files bench/lib.sh writes.

  summarize.py --one RESULTS/<anchor>/<mode>-<rep>.json   one line for one run
  summarize.py RESULTS                                    min/median/max table (Markdown)

Per run: Gbit/s received (iperf3 sum_received); UDP: received packets/s
and loss %; machine CPU busy % of all cores (from /proc/stat, steal
excluded); tunnel-daemon CPU as % of one core (sum over its processes,
from /proc/PID/stat).
"""
import json, os, statistics, sys


def load(path):
    with open(path) as f:
        txt = f.read()
    d = json.loads(txt[txt.index("{"):])
    if "error" in d:
        raise RuntimeError(d["error"])
    e = d["end"]
    r = e["sum_received"]
    out = {"gbps": r["bits_per_second"] / 1e9}
    if "packets" in r:
        out["kpps"] = (r["packets"] - r["lost_packets"]) / r["seconds"] / 1e3
        out["loss"] = r["lost_percent"]
    else:
        # TCP: segments of the 1400-byte-MTU path, for a packets/s figure
        out["kpps"] = r["bits_per_second"] / 8 / 1348 / 1e3
    try:
        c0 = [float(x) for x in open(path + ".cpu0").read().split()]
        c1 = [float(x) for x in open(path + ".cpu1").read().split()]
        hz, ncpu = (float(x) for x in open(path + ".clk").read().split())
        dl = [b - a for a, b in zip(c0, c1)]
        tot, idle, sirq, steal = dl[:4]
        wall = tot / hz / ncpu
        out["sys"] = 100.0 * (tot - idle - steal) / tot
        out["sirq"] = 100.0 * sirq / tot
        out["dmn"] = 100.0 * sum(dl[4:]) / hz / wall if len(dl) > 4 else None
    except (OSError, ValueError, ZeroDivisionError):
        pass
    return out


def one(path):
    m = load(path)
    s = f"{os.path.basename(os.path.dirname(path))} {os.path.basename(path)}: {m['gbps']:.2f} Gbit/s"
    if "loss" in m:
        s += f", {m['kpps']:.0f} kpps rx, loss {m['loss']:.1f}%"
    if "sys" in m:
        s += f", machine {m['sys']:.0f}%"
    if m.get("dmn") is not None:
        s += f", daemons {m['dmn']:.0f}% of a core"
    print(s)


def mmm(vals, fmt):
    vals = [v for v in vals if v is not None]
    if not vals:
        return ""
    return "/".join(fmt.format(x) for x in (min(vals), statistics.median(vals), max(vals)))


def table(root):
    print("| anchor | mode | runs | Gbit/s min/med/max | kpps min/med/max | UDP loss % min/med/max | machine CPU % of 2 cores (med) | softirq % (med) | tunnel daemons % of 1 core (med) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for anchor in sorted(os.listdir(root)):
        d = os.path.join(root, anchor)
        if not os.path.isdir(d):
            continue
        modes = {}
        for f in sorted(os.listdir(d)):
            if f.endswith(".json"):
                try:
                    modes.setdefault(f.rsplit("-", 1)[0], []).append(load(os.path.join(d, f)))
                except (RuntimeError, ValueError, KeyError):
                    pass
        for mode, runs in sorted(modes.items()):
            med = lambda k: (f"{statistics.median([r[k] for r in runs if r.get(k) is not None]):.0f}"
                             if any(r.get(k) is not None for r in runs) else "")
            print(f"| {anchor} | {mode} | {len(runs)} | {mmm([r['gbps'] for r in runs], '{:.2f}')} | "
                  f"{mmm([r['kpps'] for r in runs], '{:.0f}')} | {mmm([r.get('loss') for r in runs], '{:.0f}')} | "
                  f"{med('sys')} | {med('sirq')} | {med('dmn')} |")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        one(sys.argv[2])
    else:
        table(sys.argv[1] if len(sys.argv) > 1 else "/tmp/softnet-bench/results")
