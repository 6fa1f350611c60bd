#!/usr/bin/env bash
# Startup cost of the CLI: `npx hardhat qf:stats --network localhost` against a running node, N runs,
# alternating between this checkout and another one (e.g. the Hardhat 2 tree) so both see the same load.
#   scripts/measure-startup.sh /path/to/other/checkout [runs]
set -euo pipefail
other="${1:?usage: scripts/measure-startup.sh OTHER_CHECKOUT [RUNS]}"
runs="${2:-7}"
here="$(cd "$(dirname "$0")/.." && pwd)"
time_one() { # prints wall seconds of one run in $1
  local start end
  start=$(date +%s.%N)
  (cd "$1" && npx hardhat qf:stats --network localhost > /dev/null)
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
a=(); b=()
for ((i = 0; i < runs; i++)); do
  a+=("$(time_one "$here")")
  b+=("$(time_one "$other")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "this checkout:  median $(median "${a[@]}") s  (${a[*]})"
echo "other checkout: median $(median "${b[@]}") s  (${b[*]})"
