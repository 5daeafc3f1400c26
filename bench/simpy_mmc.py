"""Speed benchmark: the M/M/100 queue of benches/queueing.rs, in SimPy 4.

Poisson arrivals at 9,000 requests/s, 100 identical servers, exponential
service with mean 10 ms (utilisation 0.9), one FIFO unbounded queue. Times the
run by the wall clock and prints one line of JSON in the shape the Rust bench
prints, plus the Erlang C mean wait the two models should both approach.

    python bench/simpy_mmc.py [--seconds 3600] [--seed 1]
    python bench/simpy_mmc.py --erlang-c     # only the analytic mean wait, in ms

A full simulated hour takes minutes in SimPy; requests per wall second is a
rate, so bench/run.sh uses a shorter horizon (the JSON says which, in sim_s).
"""

import argparse
import json
import random
import time

import simpy

ARRIVAL_RPS = 9_000.0
SERVERS = 100
SERVICE_MEAN_S = 0.010


def erlang_c_wait_s(lam, mu, c):
    """Mean wait in queue of M/M/c (Erlang C), via the stable Erlang B recursion."""
    a = lam / mu  # offered load, in servers
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    p_wait = b / (1.0 - rho * (1.0 - b))
    return p_wait / (c * mu - lam)


def run(seconds, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    stats = {"started": 0, "wait_sum": 0.0, "completed": 0}

    def customer():
        arrived = env.now
        with servers.request() as req:
            yield req
            stats["started"] += 1
            stats["wait_sum"] += env.now - arrived
            yield env.timeout(rng.expovariate(1.0 / SERVICE_MEAN_S))
        stats["completed"] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(ARRIVAL_RPS))
            env.process(customer())

    env.process(arrivals())
    env.run(until=seconds)
    # Events processed = events ever scheduled - events still pending (SimPy 4.1 internals).
    events = next(env._eid) - len(env._queue)
    return stats, events


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3600.0, help="simulated seconds (default 3600)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--erlang-c", action="store_true", help="print the Erlang C mean wait in ms and exit")
    args = ap.parse_args()

    erlang_ms = erlang_c_wait_s(ARRIVAL_RPS, 1.0 / SERVICE_MEAN_S, SERVERS) * 1e3
    if args.erlang_c:
        print(f"{erlang_ms:.4f}")
        return

    t0 = time.perf_counter()
    stats, events = run(args.seconds, args.seed)
    wall = time.perf_counter() - t0
    print(json.dumps({
        "engine": "simpy",
        "sim_s": args.seconds,
        "requests": stats["completed"],
        "events": events,
        "wall_s": round(wall, 3),
        "requests_per_s": round(stats["completed"] / wall),
        "events_per_s": round(events / wall),
        "mean_wait_ms": round(stats["wait_sum"] / stats["started"] * 1e3, 4),
        "erlang_c_wait_ms": round(erlang_ms, 4),
    }))


if __name__ == "__main__":
    main()
