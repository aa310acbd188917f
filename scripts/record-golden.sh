#!/usr/bin/env bash
# Records Linux's iproute2 output for the golden cases (never edit the .out by hand).
#
#   scripts/record-golden.sh [CASE...]     CASE = path relative to testdata/golden/cases,
#                                          without .sh (e.g. link-dummy, tunnel/ipip);
#                                          default: every case
#
# Needs root and the kernel-peer harness (../shared/kernel-peer, or $KP_HARNESS).
# Boots its own guest (netns kvmgolden, IPv6 enabled), runs every case in the guest,
# each in a FRESH network namespace, writes testdata/golden/linux/<case>.out and
# testdata/golden/VERSION, and stops the guest. See testdata/golden/README.md.
#
# Per case:  ip netns add g  ->  every command run by bash inside g  ->  ip netns del g
# Cases under cases/ run with net.core.fb_tunnels_only_for_init_net=1, so the fresh
# namespace holds only lo (DOWN), as softnet's does. Cases under cases/tunnel/ run
# with the kernel default (0), so the tunl0/ip_vti0 fallback devices exist from
# the start (ipip and ip_vti are loaded), as on a stock Linux host.
#
# Output format, for each command line of the case:
#   $ <command>
#   <combined stdout+stderr, verbatim>
#   [noeol]          only if the output did not end with a newline (one is added)
#   [exit N]         only if the exit status N is non-zero
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
G=$ROOT/testdata/golden
KP=${KP_HARNESS:-$ROOT/../shared/kernel-peer}
[ -d "$KP" ] || KP=/work/shared/kernel-peer
export KP_NAME=${KP_NAME:-kvmgolden}
export KP_APPEND="${KP_APPEND:-} ipv6.disable_ipv6=0"   # later value wins over boot.sh's =1
. "$KP/common.sh"

cases=()
if [ $# -gt 0 ]; then
  for c in "$@"; do cases+=("${c%.sh}"); done
else
  while IFS= read -r f; do cases+=("${f%.sh}"); done < <(cd "$G/cases" && find . -name '*.sh' | sed 's|^\./||' | sort)
fi
[ ${#cases[@]} -gt 0 ] || { echo "no cases" >&2; exit 1; }

"$KP/build.sh" >/dev/null
# Always a freshly booted guest of our own: modules loaded on demand by an earlier
# run (ip_gre, say) would add fallback devices (gre0...) to every new namespace.
"$KP/stop.sh" >/dev/null 2>&1 || true
"$KP/boot.sh"
cleanup() { "$KP/stop.sh" >/dev/null 2>&1 || true; }
trap cleanup EXIT

W=$KP_SHARE/golden
rm -rf "$W"; mkdir -p "$W/cases" "$W/out"
cp -r "$G/cases/." "$W/cases/"
printf '%s\n' "${cases[@]}" > "$W/list"

# ---- guest side -------------------------------------------------------------
cat > "$W/run-case.sh" <<'GUEST'
# bash run-case.sh CASEFILE OUTFILE   (runs inside the fresh netns)
exec 3>"$2"
tmp=$(mktemp)
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%$'\r'}
  case "$line" in ''|'#'*) continue;; esac
  printf '$ %s\n' "$line" >&3
  rc=0
  bash -c "$line" >"$tmp" 2>&1 </dev/null || rc=$?
  cat "$tmp" >&3
  if [ -s "$tmp" ] && [ "$(tail -c1 "$tmp" | od -An -c | tr -d ' ')" != '\n' ]; then
    printf '\n[noeol]\n' >&3
  fi
  [ $rc = 0 ] || printf '[exit %d]\n' "$rc" >&3
done < "$1"
rm -f "$tmp"
GUEST

cat > "$W/run-all.sh" <<'GUEST'
cd /host/golden || exit 1
if [ "$(cat /proc/sys/net/ipv6/conf/default/disable_ipv6)" != 0 ]; then
  echo "IPv6 is disabled in the guest: boot it with KP_APPEND=ipv6.disable_ipv6=0" >&2; exit 1
fi
{ echo "kernel: $(uname -r) ($(uname -v))"; echo "iproute2: $(ip -V)"; echo "tc: $(tc -V)"; } > out/VERSION
while IFS= read -r c; do
  case "$c" in tunnel/*) fb=0;; *) fb=1;; esac
  sysctl -qw net.core.fb_tunnels_only_for_init_net=$fb
  ip netns del g 2>/dev/null
  ip netns add g || { echo "cannot create netns for $c"; exit 1; }
  links=$(ip -n g -o link show | awk -F': ' '{printf "%s ", $2}')
  case "$c" in
    tunnel/*) want="lo tunl0@NONE ip_vti0@NONE ";;
    *) want="lo ";;
  esac
  [ "$links" = "$want" ] || { echo "netns for $c starts with [$links], want [$want]"; exit 1; }
  mkdir -p "out/$(dirname "$c")"
  ip netns exec g bash /host/golden/run-case.sh "cases/$c.sh" "out/$c.out"
  ip netns del g
  echo "recorded $c"
done < list
sysctl -qw net.core.fb_tunnels_only_for_init_net=0
GUEST

t0=$(date +%s)
"$KP/gexec.sh" -t 900 'bash /host/golden/run-all.sh'
for c in "${cases[@]}"; do
  mkdir -p "$(dirname "$G/linux/$c.out")"
  cp "$W/out/$c.out" "$G/linux/$c.out"
done
cp "$W/out/VERSION" "$G/VERSION"
echo "recorded ${#cases[@]} cases in $(( $(date +%s) - t0 ))s -> $G/linux/"
