#!/usr/bin/env bash
# Runs every fuzz target briefly and commits-ready copies the inputs the
# fuzzer found interesting into the package's testdata/fuzz/<Target>/, so
# that `go test` replays them as seed corpora. Usage:
#   scripts/fuzz-corpus.sh [SECONDS] [MAX_FILES_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
max=${2:-24}
cache=$(go env GOCACHE)/fuzz
mod=$(go list -m)
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  dir=$(dirname "$f")
  for t in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    pkg="$mod/${dir#./}"
    echo "== $pkg $t"
    go test -run '^$' -fuzz "^$t\$" -fuzztime "${secs}s" -fuzzminimizetime 50x "./${dir#./}" >/dev/null 2>&1 || echo "   (fuzzer stopped: see go test -fuzz $t ./${dir#./})"
    src="$cache/$pkg/$t"
    [ -d "$src" ] || continue
    dst="$dir/testdata/fuzz/$t"
    mkdir -p "$dst"
    ls -S "$src" | tail -n "$max" | while read -r c; do cp "$src/$c" "$dst/$c"; done
  done
done
