"""Measure the sweep speed target: a 10,000-point grid over the four MLPerf Tiny models.

    python scripts/bench_sweep.py [--hw systolic-32x32] [--workers N] [--out DIR] [--keep]

Grid: compute.rows x compute.cols x memories.sram.size_bytes x clock_hz, 10 values each
(10,000 points) on a systolic spec, times 4 models = 40,000 simulations. Timed end to end
through `sim.api.sweep`: Dask cluster start, pricing, chunk files, results.csv, pareto.csv
and the plot. The target is under 60 s on a 2-core machine; the script prints whether it
was met. A fresh output directory is used unless --out names one (then it resumes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

from sim.api import sweep

MODELS = ("mlperf-ic", "mlperf-vww", "mlperf-kws", "mlperf-ad")
GRID = {
    "compute.rows": (4, 8, 12, 16, 24, 32, 48, 64, 96, 128),
    "compute.cols": (4, 8, 12, 16, 24, 32, 48, 64, 96, 128),
    "memories.sram.size_bytes": tuple(2 ** k * 1024 for k in range(4, 14)),  # 16 KiB .. 8 MiB
    "clock_hz": (100e6, 200e6, 300e6, 400e6, 500e6, 600e6, 700e6, 800e6, 900e6, 1e9),
}
TARGET_S = 60.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hw", default="systolic-32x32")
    ap.add_argument("--workers", type=int, default=None, help="local Dask workers (default: all cores)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the output directory")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="edgesim-bench-sweep-")
    points = 1
    for values in GRID.values():
        points *= len(values)
    start = time.perf_counter()
    try:
        df = sweep(args.hw, GRID, MODELS, out, workers=args.workers, progress=True)
    except KeyboardInterrupt:
        if args.out is None and not args.keep:
            shutil.rmtree(out, ignore_errors=True)
        raise SystemExit("interrupted")
    took = time.perf_counter() - start
    assert len(df) == points * len(MODELS), len(df)
    print(f"grid: {' x '.join(f'{k} ({len(v)})' for k, v in GRID.items())} = {points:,} points")
    print(f"models: {', '.join(MODELS)}; cores: {os.cpu_count()}; workers: {args.workers or os.cpu_count()}")
    print(f"cost models: {', '.join(sorted(set(df['cost_model'].astype(str))))}")
    print(f"{len(df):,} rows in {took:.1f} s end to end ({len(df) / took:,.0f} simulations/s)")
    print(f"target < {TARGET_S:.0f} s: {'met' if took < TARGET_S else 'NOT met'}")
    if args.out is None and not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    else:
        print(f"results in {out}")


if __name__ == "__main__":
    main()
