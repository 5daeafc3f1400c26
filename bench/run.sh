#!/usr/bin/env bash
# Speed of the engine on an M/M/100 queue (9,000 rps, 10 ms mean service,
# utilisation 0.9) against the same model in the simcore crate, in SimPy, and
# as a bare loop (the ceiling: benches/queueing_bare.rs). Builds the Rust
# benches with the optimised `native` profile, runs them interleaved for
# ROUNDS rounds and keeps each one's median, runs bench/simpy_mmc.py in a
# throw-away venv (bench/.venv, SimPy 4.1.2 from PyPI), prints a table with
# every ratio from this one run (absolute rates move with the machine's load;
# ratios taken from one run much less), and checks every mean wait against
# Erlang C. Exits non-zero if a run fails or a model disagrees.
#   bench/run.sh                                   engine 3600 s, SimPy 300 s
#   RUST_SECONDS=600 SIMPY_SECONDS=60 bench/run.sh quicker
#   ROUNDS=5 bench/run.sh                          steadier on a busy machine
set -euo pipefail
cd "$(dirname "$0")/.."

RUST_SECONDS=${RUST_SECONDS:-3600}
SIMPY_SECONDS=${SIMPY_SECONDS:-300}   # a full hour takes SimPy minutes; rates are rates
ROUNDS=${ROUNDS:-3}
TOLERANCE=0.10                        # largest relative gap from Erlang C accepted

if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
bench/.venv/bin/python -c 'import simpy, sys; sys.exit(simpy.__version__ != "4.1.2")' 2>/dev/null \
  || bench/.venv/bin/pip install --quiet simpy==4.1.2

benches=(queueing queueing_simcore queueing_bare)
echo "bench: building ${benches[*]} (cargo bench --profile native)" >&2
cargo bench --quiet --profile native "${benches[@]/#/--bench=}" --no-run 2>/dev/null \
  || cargo bench --profile native "${benches[@]/#/--bench=}" --no-run

runs=()
for round in $(seq 1 "$ROUNDS"); do
  for b in "${benches[@]}"; do
    echo "bench: round $round/$ROUNDS, $b, ${RUST_SECONDS} simulated s" >&2
    runs+=("$(cargo bench --quiet --profile native --bench "$b" -- "$RUST_SECONDS")")
  done
done
echo "bench: SimPy 4.1.2, ${SIMPY_SECONDS} simulated s" >&2
simpy=$(bench/.venv/bin/python bench/simpy_mmc.py --seconds "$SIMPY_SECONDS")

bench/.venv/bin/python - "$TOLERANCE" "$simpy" "${runs[@]}" <<'PY'
import json, statistics, sys
tol, simpy = float(sys.argv[1]), json.loads(sys.argv[2])
runs = [json.loads(a) for a in sys.argv[3:]]
erlang = simpy["erlang_c_wait_ms"]

def median_run(engine):
    """The run with the median rate of one engine (its own figures, not a blend)."""
    rs = sorted((r for r in runs if r["engine"] == engine), key=lambda r: r["requests_per_s"])
    return rs[len(rs) // 2], [r["requests_per_s"] for r in rs]

ours, ours_all = median_run("resilience-lab")
simcore, simcore_all = median_run("simcore")
bare, bare_all = median_run("bare loop")
rounds = len(ours_all)
print(f"{'engine':<16}{'sim s':>7}{'requests':>12}{'wall s':>9}{'req/wall s':>13}{'events/wall s':>15}{'mean wait ms':>14}")
for r in (ours, simcore, bare, simpy):
    print(f"{r['engine']:<16}{r['sim_s']:>7g}{r['requests']:>12}{r['wall_s']:>9.3f}"
          f"{r['requests_per_s']:>13.0f}{r['events_per_s']:>15.0f}{r['mean_wait_ms']:>14.4f}")
print(f"{'Erlang C':<16}{'':>56}{erlang:>14.4f}")
print(f"(Rust rows: the median of {rounds} interleaved rounds; req/wall s per round:"
      f" engine {', '.join(f'{x:.0f}' for x in ours_all)};"
      f" simcore {', '.join(f'{x:.0f}' for x in simcore_all)};"
      f" bare {', '.join(f'{x:.0f}' for x in bare_all)})")
rate = ours["requests_per_s"]
print(f"engine/simcore, requests per wall second: {rate / simcore['requests_per_s']:.2f}x")
print(f"engine/SimPy,   requests per wall second: {rate / simpy['requests_per_s']:.1f}x")
print(f"engine/bare loop (the ceiling):           {rate / bare['requests_per_s']:.0%}")
print("(events are not comparable: the engine and the bare loop count 2 per request, SimPy about 6)")
bad = [r["engine"] for r in (ours, simcore, bare, simpy) if abs(r["mean_wait_ms"] / erlang - 1) > tol]
if bad:
    sys.exit(f"bench: mean wait of {', '.join(bad)} is more than {tol:.0%} from Erlang C")
PY
