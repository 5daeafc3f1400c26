#!/usr/bin/env bash
# Speed of the engine against SimPy and the simcore crate on the same M/M/100
# queue (9,000 rps, 10 ms
# mean service, utilisation 0.9): builds and runs benches/queueing.rs with the
# optimised `native` profile, runs bench/simpy_mmc.py in a throw-away venv
# (bench/.venv, SimPy 4.1.2 from PyPI), prints a table and checks that both mean
# waits match Erlang C. Exits non-zero if a run fails or a model disagrees.
#   bench/run.sh                                   engine 3600 s, SimPy 300 s
#   RUST_SECONDS=600 SIMPY_SECONDS=60 bench/run.sh quicker
set -euo pipefail
cd "$(dirname "$0")/.."

RUST_SECONDS=${RUST_SECONDS:-3600}
SIMPY_SECONDS=${SIMPY_SECONDS:-300}   # a full hour takes SimPy minutes; rates are rates
TOLERANCE=0.10                        # largest relative gap from Erlang C accepted

if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
bench/.venv/bin/python -c 'import simpy, sys; sys.exit(simpy.__version__ != "4.1.2")' 2>/dev/null \
  || bench/.venv/bin/pip install --quiet simpy==4.1.2

echo "bench: resilience-lab, ${RUST_SECONDS} simulated s (cargo bench --profile native)" >&2
ours=$(cargo bench --quiet --profile native --bench queueing -- "$RUST_SECONDS")
echo "bench: simcore 0.1.0, ${RUST_SECONDS} simulated s (cargo bench --profile native)" >&2
simcore=$(cargo bench --quiet --profile native --bench queueing_simcore -- "$RUST_SECONDS")
echo "bench: SimPy 4.1.2, ${SIMPY_SECONDS} simulated s" >&2
theirs=$(bench/.venv/bin/python bench/simpy_mmc.py --seconds "$SIMPY_SECONDS")

bench/.venv/bin/python - "$ours" "$theirs" "$TOLERANCE" "$simcore" <<'EOF'
import json, sys
ours, theirs, tol = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
simcore = json.loads(sys.argv[4])
erlang = theirs["erlang_c_wait_ms"]
print(f"{'engine':<16}{'sim s':>7}{'requests':>12}{'wall s':>9}{'req/wall s':>13}{'events/wall s':>15}{'mean wait ms':>14}")
for r in (ours, simcore, theirs):
    print(f"{r['engine']:<16}{r['sim_s']:>7g}{r['requests']:>12}{r['wall_s']:>9.3f}"
          f"{r['requests_per_s']:>13}{r['events_per_s']:>15}{r['mean_wait_ms']:>14.4f}")
print(f"{'Erlang C':<16}{'':>70}{erlang:>14.4f}")
print(f"ours/SimPy, requests per wall second: {ours['requests_per_s'] / theirs['requests_per_s']:.1f}x")
print(f"ours/simcore, requests per wall second: {ours['requests_per_s'] / simcore['requests_per_s']:.2f}x")
print("(events are not comparable: the engine counts 2 per request, SimPy about 6)")
bad = [r["engine"] for r in (ours, simcore, theirs) if abs(r["mean_wait_ms"] / erlang - 1) > tol]
if bad:
    sys.exit(f"bench: mean wait of {', '.join(bad)} is more than {tol:.0%} from Erlang C")
EOF
