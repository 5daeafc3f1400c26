#!/usr/bin/env bash
# Peak memory of every scenario's defaults over one simulated hour and one
# simulated day: the figures that show nothing a run can fill grows without
# bound (the stores themselves are checked by tests/catalogue.rs).
#   bench/memory.sh            every scenario
#   bench/memory.sh ID...      only these
# Prints a Markdown table: scenario, peak RSS at 1 h and 24 h, wall seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
[ -x /usr/bin/time ] || { echo "bench/memory.sh needs /usr/bin/time (GNU time)"; exit 1; }
cargo build --quiet --profile native --bin lab
lab=target/native/lab
ids=("$@")
[ ${#ids[@]} -gt 0 ] || mapfile -t ids < <("$lab" list | cut -f1)

# Peak resident set (MB) and wall seconds of one run.
measure() {
  local out
  out=$({ /usr/bin/time -f 'rss_kb=%M wall_s=%e' "$lab" run "$1" --duration "$2" >/dev/null; } 2>&1 | tail -1)
  local kb=${out#rss_kb=}; kb=${kb%% *}
  printf '%d MB (%s s)' $(((kb + 512) / 1024)) "${out##*wall_s=}"
}

echo "| scenario | peak RSS, 1 h | peak RSS, 24 h |"
echo "|---|---|---|"
for id in "${ids[@]}"; do
  echo "| $id | $(measure "$id" 3600) | $(measure "$id" 86400) |"
done
