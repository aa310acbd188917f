#!/bin/bash
# softnet anchor: one softnet daemon per host namespace; the host routes
# the inner traffic into a softnet host-tun device, softnet forwards it
# into a vti with ESP AES-128-GCM (rfc4106, 128-bit ICV) and sends the ESP
# packets from the host's own underlay address. The peer does the reverse.
#
#   snb-a host: sntun 198.51.100.1/24 (MTU 1400)            snb-b host: sntun 198.51.100.2/24
#     softnet A: tun0 (host-tun sntun) -> vti0 key 10 -> ESP -> und0 == veth ==> softnet B ...
#
# BENCH_UNDERLAY picks how ESP meets the host:
#   udp (default): ESP-in-UDP (encap espinudp 4500 4500, RFC 3948) on a
#                  host-udp device — UDP_SEGMENT trains out, UDP_GRO in,
#                  as wireguard-go uses its UDP socket;
#   ip:            plain ESP (protocol 50) on a host-ip device (raw IP
#                  sockets: one sendmsg per packet).
# BENCH_VNET_HDR (default on): TUN offloads (TSO reads, GRO-coalesced writes).
#
# Usage: softnet-vti.sh SOFTNET-BINARY [ANCHOR-NAME]
source "$(dirname "$0")/lib.sh"
SN="${1:?usage: softnet-vti.sh SOFTNET-BINARY [ANCHOR]}"
UNDERLAY="${BENCH_UNDERLAY:-udp}"
ANCHOR="${2:-softnet-vti-esp-aes128gcm-$UNDERLAY}"
W="$BENCH_STATE/softnet"
trap topo_down EXIT
topo_up
rm -rf "$W"; mkdir -p "$W"

KEY_AB=0x0102030405060708090a0b0c0d0e0f1011121314
KEY_BA=0x1112131415161718191a1b1c1d1e1f2021222324
SN_PIDS=()
for side in a b; do
  ns=snb-$side
  ip netns exec "$ns" env GOMAXPROCS="${BENCH_GOMAXPROCS:-}" "$SN" daemon --state "" --socket "$W/$side.sock" \
    --log-level warn ${BENCH_PROFILE:+--cpuprofile "$BENCH_RES/$ANCHOR.$side.pprof"} > "$W/$side.log" 2>&1 &
  track_pid $! "softnet-$ns"
  SN_PIDS+=($!)
  for _ in $(seq 1 50); do [ -S "$W/$side.sock" ] && break; sleep 0.1; done
done

# snip SIDE LOCAL REMOTE OUT-SPI IN-SPI OUT-KEY IN-KEY PEER-INNER SELF-INNER
configure() {
  local side=$1 local=$2 remote=$3 ospi=$4 ispi=$5 okey=$6 ikey=$7 peer=$8 self=$9
  local sn="env SOFTNET_SOCKET=$W/$side.sock $SN"
  $sn sysctl -w net.ipv4.ip_forward=1 >/dev/null
  local encap=()
  $sn ip link add tun0 type host-tun host-name sntun vnet_hdr "${BENCH_VNET_HDR:-on}"
  $sn ip link set tun0 up
  case "$UNDERLAY" in
    udp) $sn ip link add und0 type host-udp local "$local" port 4500
         encap=(encap espinudp 4500 4500 0.0.0.0) ;;
    ip)  $sn ip link add und0 type host-ip protocols 50 ;;
    *)   log "BENCH_UNDERLAY must be udp or ip"; exit 1 ;;
  esac
  $sn ip link set und0 up
  $sn ip addr add "$local/32" dev und0
  $sn ip route add "$remote/32" dev und0
  $sn ip link add vti0 type vti local "$local" remote "$remote" key 10
  $sn ip link set vti0 up
  $sn ip xfrm state add src "$local" dst "$remote" proto esp spi "$ospi" mode tunnel aead 'rfc4106(gcm(aes))' "$okey" 128 "${encap[@]}"
  $sn ip xfrm state add src "$remote" dst "$local" proto esp spi "$ispi" mode tunnel aead 'rfc4106(gcm(aes))' "$ikey" 128 "${encap[@]}"
  $sn ip xfrm policy add dir out mark 10 tmpl src "$local" dst "$remote" proto esp mode tunnel
  $sn ip xfrm policy add dir in mark 10 tmpl src "$remote" dst "$local" proto esp mode tunnel
  $sn ip route add "$peer/32" dev vti0
  $sn ip route add "$self/32" dev tun0
  ip -n "snb-$side" addr add "$self/24" dev sntun
  ip -n "snb-$side" link set sntun mtu 1400 up
}
configure a 192.0.2.1 192.0.2.2 0x1000 0x2000 $KEY_AB $KEY_BA 198.51.100.2 198.51.100.1
configure b 192.0.2.2 192.0.2.1 0x2000 0x1000 $KEY_BA $KEY_AB 198.51.100.1 198.51.100.2

ip netns exec snb-a ping -c2 -W2 198.51.100.2 >/dev/null \
  || { log "ping through softnet failed"; cat "$W"/*.log
       for side in a b; do
         echo "== softnet $side"; env SOFTNET_SOCKET="$W/$side.sock" "$SN" ip -s -d link show
         env SOFTNET_SOCKET="$W/$side.sock" "$SN" ip route show table all
         env SOFTNET_SOCKET="$W/$side.sock" "$SN" ip -s xfrm state | sed 's/0x[0-9a-f]\{40\}/(key)/'
         echo "== host $side"; ip -n "snb-$side" -s link show
       done >&2; exit 1; }
if [ -n "${BENCH_SETUP_ONLY:-}" ]; then trap - EXIT; log "left running: topo_down (source lib.sh) cleans up"; exit 0; fi
mkdir -p "$BENCH_RES/$ANCHOR"
iperf_server 198.51.100.2
run_modes "$ANCHOR" 198.51.100.2 198.51.100.1 "${SN_PIDS[@]}"
{ for side in a b; do
    echo "== softnet $side"; env SOFTNET_SOCKET="$W/$side.sock" "$SN" ip -s link show
    env SOFTNET_SOCKET="$W/$side.sock" "$SN" ip -s xfrm state | sed 's/0x[0-9a-f]\{40\}/(key)/'
  done; } > "$W/after.txt" 2>&1
cp "$W/after.txt" "$BENCH_RES/$ANCHOR/counters-after.txt"
if [ -n "${BENCH_PROFILE:-}" ]; then
  # stop the daemons cleanly so their profiles are written
  for p in "${SN_PIDS[@]}"; do kill -INT "$p"; done
  for p in "${SN_PIDS[@]}"; do for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
  log "profiles: $BENCH_RES/$ANCHOR.{a,b}.pprof (go tool pprof -top BINARY FILE)"
fi
