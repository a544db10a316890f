"""Time `sim.cost.systolic.evaluate_points` on 10,000 hardware points x the 4 MLPerf Tiny models.

The points are a full grid (no two alike) over the five swept fields of systolic-32x32:
rows x cols x scratchpad bytes x DRAM bandwidth x clock = 8 x 8 x 8 x 5 x 4 = 10,240, cut to
the first 10,000. Target (the sweep's need): < 60 s for all four models on 2 cores.

    .venv/bin/python scripts/bench_evaluate_points.py [--points 10000]
"""

from __future__ import annotations

import argparse
import itertools
import os
import time

import numpy as np

from sim.api import load_graph, load_hardware
from sim.cost.systolic import evaluate_points

MODELS = ("mlperf-ic", "mlperf-vww", "mlperf-kws", "mlperf-ad")


def grid(count: int) -> dict[str, np.ndarray]:
    axes = ([4, 6, 8, 12, 16, 24, 32, 64], [4, 6, 8, 12, 16, 24, 32, 64],
            [8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576], [1.0, 2.0, 4.0, 8.0, 16.0],
            [1e8, 2.5e8, 5e8, 1e9])
    rows = np.array(list(itertools.islice(itertools.product(*axes), count)))
    names = ("compute.rows", "compute.cols", "memories.sram.size_bytes", "memories.dram.bandwidth_bytes_per_cycle",
             "clock_hz")
    return {n: rows[:, i].astype(np.int64 if i < 3 else np.float64) for i, n in enumerate(names)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--hw", default="systolic-32x32")
    args = ap.parse_args()
    hw, points = load_hardware(args.hw), grid(args.points)
    total = 0.0
    for name in MODELS:
        graph = load_graph(name)
        evaluate_points(graph, hw, {k: v[:2] for k, v in points.items()})  # warm (compile or load the cache)
        t = time.perf_counter()
        df = evaluate_points(graph, hw, points)
        took = time.perf_counter() - t
        total += took
        print(f"{name:11s} {len(df):,} points in {took:6.2f} s  (latency {df['latency_ms'].min():.3f}"
              f"-{df['latency_ms'].max():.3f} ms)")
    print(f"total {total:.1f} s for {len(MODELS)} models x {args.points:,} points; target < 60 s; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
