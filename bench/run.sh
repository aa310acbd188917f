#!/bin/bash
# bench/run.sh: install what the bench needs (Debian packages, wireguard-go
# from the Go module proxy), build softnet, and measure the three anchors
# side by side: plain veth (ceiling), softnet vti+ESP AES-128-GCM, and
# wireguard-go. Needs root (network namespaces, TUN). Prints the
# min/median/max table (also written to $BENCH_RES/summary.md).
#   BENCH_T=10 BENCH_REPS=3 BENCH_MODES="tcp1 tcp4 udp" bench/run.sh
# BENCH_UNDERLAYS="udp ip" picks softnet's ESP underlays (softnet-vti.sh).
# Not part of CI: a full run takes ~6 minutes.
set -eu
cd "$(dirname "$0")"
source ./lib.sh
if ! command -v iperf3 >/dev/null || ! command -v wg >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    iperf3 wireguard-tools iputils-ping iproute2 python3 procps
fi
BIN="${BENCH_BIN:-/tmp/softnet-bench/bin}"
mkdir -p "$BIN"
[ -x "$BIN/wireguard" ] || GOBIN="$BIN" go install golang.zx2c4.com/wireguard@latest
(cd .. && go build -o "$BIN/softnet" ./cmd/softnet)
set +e
./veth.sh
for u in ${BENCH_UNDERLAYS:-udp ip}; do
  BENCH_UNDERLAY="$u" ./softnet-vti.sh "$BIN/softnet"
done
./wireguard-go.sh "$BIN/wireguard" wireguard-go-latest
python3 ./summarize.py "$BENCH_RES" | tee "$BENCH_RES/summary.md"
