# bench/lib.sh: helpers shared by the bench scripts (sourced).
# Topology: two host network namespaces joined by one veth pair (the
# underlay); each anchor puts a tunnel on top of it:
#   snb-a: snb-a0 192.0.2.1/24  <--veth-->  snb-b: snb-b0 192.0.2.2/24
# iperf3's client runs in snb-a, its server in snb-b, both bound to the
# tunnel's inner addresses. Everything started is recorded with its PID
# and killed by PID only; the namespaces are deleted on exit.
# The method (CPU accounting, quiet-machine wait, min/median/max of
# repetitions) follows ../shared/perf-anchors so the figures compare.
set -u
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_RES="${BENCH_RES:-/tmp/softnet-bench/results}"
BENCH_STATE="${BENCH_STATE:-/tmp/softnet-bench/state}"
BENCH_T="${BENCH_T:-10}"              # seconds per iperf3 run
BENCH_REPS="${BENCH_REPS:-3}"         # repetitions per measurement
BENCH_UDP_LEN="${BENCH_UDP_LEN:-1372}" # UDP payload: 1400-byte inner IPv4 packets
BENCH_MODES="${BENCH_MODES:-tcp1 tcp4 udp}"
mkdir -p "$BENCH_RES" "$BENCH_STATE"
touch "$BENCH_STATE/pids"

log() { echo "[$(date +%T)] $*" >&2; }

track_pid() { echo "$1 $2" >> "$BENCH_STATE/pids"; }

kill_tracked() {
  local pid name
  while read -r pid name; do
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
  done < "$BENCH_STATE/pids"
  : > "$BENCH_STATE/pids"
}

topo_up() {
  topo_down
  ip netns add snb-a
  ip netns add snb-b
  ip -n snb-a link set lo up
  ip -n snb-b link set lo up
  ip link add snb-a0 netns snb-a type veth peer name snb-b0 netns snb-b
  ip -n snb-a addr add 192.0.2.1/24 dev snb-a0
  ip -n snb-b addr add 192.0.2.2/24 dev snb-b0
  ip -n snb-a link set snb-a0 up
  ip -n snb-b link set snb-b0 up
  ip netns exec snb-a ping -c1 -W2 192.0.2.2 >/dev/null || { log "veth ping failed"; return 1; }
}

topo_down() {
  kill_tracked
  local ns
  for ns in snb-a snb-b; do
    ip netns list | grep -qw "$ns" && ip netns del "$ns"
  done
  return 0
}

iperf_server() {
  ip netns exec snb-b iperf3 -s -B "$1" -p 5201 >/dev/null 2>&1 &
  track_pid $! iperf3-server
  sleep 0.5
}

# cpu_snap PIDS...: "<all jiffies> <idle+iowait> <softirq> <steal> <pid ticks...>"
cpu_snap() {
  local out p t
  out=$(awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t, $5+$6, $8, $9}' /proc/stat)
  for p in "$@"; do
    t=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null); out="$out ${t:-0}"
  done
  echo "$out"
}

# wait (up to ~20 s) for the machine to be mostly idle before a run
wait_quiet() {
  local i a b busy=0
  for i in $(seq 1 10); do
    a=($(awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t, $5+$6}' /proc/stat))
    sleep 1
    b=($(awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t, $5+$6}' /proc/stat))
    busy=$(( 100 * ( (b[0]-a[0]) - (b[1]-a[1]) ) / (b[0]-a[0]) ))
    [ "$busy" -le 15 ] && break
    sleep 1
  done
  echo "$busy"
}

# run_modes ANCHOR SERVER CLIENT-BIND [TUNNEL-PIDS...]
run_modes() {
  local anchor="$1" srv="$2" bind="$3"; shift 3
  local mode rep args out
  rm -rf "${BENCH_RES:?}/$anchor"; mkdir -p "$BENCH_RES/$anchor"
  for mode in $BENCH_MODES; do
    case "$mode" in
      tcp1) args=(-t "$BENCH_T") ;;
      tcp4) args=(-t "$BENCH_T" -P 4) ;;
      udp)  args=(-t "$BENCH_T" -u -b 0 -l "$BENCH_UDP_LEN") ;;
      udp-r*) args=(-t "$BENCH_T" -u -l "$BENCH_UDP_LEN" -b "$(( ${mode#udp-r} * 1000 * BENCH_UDP_LEN * 8 ))") ;;
    esac
    for rep in $(seq 1 "$BENCH_REPS"); do
      out="$BENCH_RES/$anchor/$mode-$rep.json"
      wait_quiet > "$out.prebusy"
      cpu_snap "$@" > "$out.cpu0"
      ip netns exec snb-a iperf3 -c "$srv" -B "$bind" -p 5201 -J "${args[@]}" > "$out" 2> "$out.stderr"
      cpu_snap "$@" > "$out.cpu1"
      echo "$(getconf CLK_TCK) $(nproc)" > "$out.clk"
      python3 "$BENCH_DIR/summarize.py" --one "$out" >&2 || true
      sleep 1
    done
  done
}
