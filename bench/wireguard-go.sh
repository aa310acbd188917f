#!/bin/bash
# wireguard-go anchor on the same topology: one wireguard-go per host
# namespace (TUN wga/wgb, MTU 1420, its TUN offloads on), configured with
# wg. Usage: wireguard-go.sh WIREGUARD-GO-BINARY [ANCHOR-NAME]
# inner: snb-a wga 198.51.100.1/24 <==WireGuard/UDP 51820==> snb-b wgb 198.51.100.2/24
source "$(dirname "$0")/lib.sh"
WGBIN="${1:?usage: wireguard-go.sh WIREGUARD-GO-BINARY [ANCHOR]}"
ANCHOR="${2:-wireguard-go}"
W="$BENCH_STATE/wg"
trap topo_down EXIT
topo_up
rm -rf "$W"; mkdir -p "$W"
umask 077
wg genkey > "$W/a.key"; wg pubkey < "$W/a.key" > "$W/a.pub"
wg genkey > "$W/b.key"; wg pubkey < "$W/b.key" > "$W/b.pub"
WG_PIDS=()
for side in a b; do
  rm -f "/var/run/wireguard/wg$side.sock"
  ip netns exec "snb-$side" env LOG_LEVEL=error "$WGBIN" -f "wg$side" > "$W/wg$side.log" 2>&1 &
  track_pid $! "wireguard-go-$side"
  WG_PIDS+=($!)
done
for ifn in wga wgb; do
  for _ in $(seq 1 50); do [ -S "/var/run/wireguard/$ifn.sock" ] && break; sleep 0.2; done
done
ip netns exec snb-a wg set wga private-key "$W/a.key" listen-port 51820 \
  peer "$(cat "$W/b.pub")" endpoint 192.0.2.2:51820 allowed-ips 198.51.100.2/32
ip netns exec snb-b wg set wgb private-key "$W/b.key" listen-port 51820 \
  peer "$(cat "$W/a.pub")" endpoint 192.0.2.1:51820 allowed-ips 198.51.100.1/32
ip -n snb-a addr add 198.51.100.1/24 dev wga; ip -n snb-a link set wga mtu 1420 up
ip -n snb-b addr add 198.51.100.2/24 dev wgb; ip -n snb-b link set wgb mtu 1420 up
ip netns exec snb-a ping -c2 -W2 198.51.100.2 >/dev/null \
  || { log "ping through wireguard-go failed"; cat "$W"/*.log; exit 1; }
mkdir -p "$BENCH_RES/$ANCHOR"
{ go version -m "$WGBIN" 2>/dev/null | head -4; ip -n snb-a -d link show wga; } > "$BENCH_RES/$ANCHOR/setup.txt" 2>&1
iperf_server 198.51.100.2
run_modes "$ANCHOR" 198.51.100.2 198.51.100.1 "${WG_PIDS[@]}"
