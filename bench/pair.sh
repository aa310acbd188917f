#!/bin/bash
# bench/pair.sh: the goal's comparison made robust against a shared
# machine's drift — softnet's ESP tunnel and wireguard-go take turns,
# BENCH_PAIRS times (default 5), one BENCH_T-second run each, in the same
# mode (default tcp1), each after waiting for a quiet machine; it prints
# each pair and the medians. run.sh measures the anchors one after the
# other; here each softnet run has a wireguard-go run right beside it.
#   sudo bench/pair.sh [SOFTNET-BIN] [WIREGUARD-GO-BIN]
set -eu
cd "$(dirname "$0")"
source ./lib.sh
BIN="${BENCH_BIN:-/tmp/softnet-bench/bin}"
SN="${1:-$BIN/softnet}"
WG="${2:-$BIN/wireguard}"
PAIRS="${BENCH_PAIRS:-5}"
export BENCH_REPS=1 BENCH_MODES="${BENCH_MODES:-tcp1}"
mode="${BENCH_MODES%% *}"
root="$BENCH_RES/pairs"
rm -rf "$root"
for i in $(seq 1 "$PAIRS"); do
  BENCH_RES="$root/$i" ./softnet-vti.sh "$SN" softnet >/dev/null 2>&1 || log "softnet run $i failed"
  BENCH_RES="$root/$i" ./wireguard-go.sh "$WG" wireguard-go >/dev/null 2>&1 || log "wireguard-go run $i failed"
done
python3 - "$root" "$PAIRS" "$mode" <<'PY'
import json, statistics, sys
root, pairs, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def gbps(anchor, i):
    try:
        with open(f"{root}/{i}/{anchor}/{mode}-1.json") as f:
            t = f.read()
        return json.loads(t[t.index("{"):])["end"]["sum_received"]["bits_per_second"] / 1e9
    except (OSError, ValueError, KeyError):
        return None
rows = [(i, gbps("softnet", i), gbps("wireguard-go", i)) for i in range(1, pairs + 1)]
print(f"| pair | softnet vti+ESP (ESP-in-UDP) Gbit/s | wireguard-go Gbit/s | ratio |")
print("|---|---|---|---|")
for i, s, w in rows:
    r = f"{s / w:.2f}" if s and w else ""
    print(f"| {i} | {s or 0:.2f} | {w or 0:.2f} | {r} |")
ok = [(s, w) for _, s, w in rows if s and w]
if ok:
    ms, mw = statistics.median(s for s, _ in ok), statistics.median(w for _, w in ok)
    wins = sum(1 for s, w in ok if s >= w)
    print(f"| median | {ms:.2f} | {mw:.2f} | {ms / mw:.2f} |")
    print(f"\nsoftnet at least as fast in {wins} of {len(ok)} pairs ({mode}).")
PY
