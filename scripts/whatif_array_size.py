"""Systolic array size (rows x cols) vs latency, utilization and energy, as a sweep.

    python scripts/whatif_array_size.py [--hw systolic-32x32] [--out results/array-size]

Runs `sim.api.sweep` (Dask, resumable) over rows x cols for the four MLPerf Tiny models,
then prints the best point per model and the Pareto front sizes.
"""

from __future__ import annotations

import argparse

from sim.api import sweep

MODELS = ("mlperf-ic", "mlperf-vww", "mlperf-kws", "mlperf-ad")
SIZES = (4, 8, 16, 32, 64, 128)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hw", default="systolic-32x32")
    ap.add_argument("--out", default="results/array-size")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    df = sweep(args.hw, {"compute.rows": SIZES, "compute.cols": SIZES}, MODELS, args.out,
               objectives=("latency_ms", "energy_uj"), workers=args.workers)
    print(f"{len(df)} rows; results in {args.out}/results.csv, Pareto fronts in pareto.csv and pareto.png")
    print(f"{'model':<12} {'rows x cols':>11} {'latency_ms':>11} {'energy_uj':>10} {'utilization':>11}   (fastest point)")
    for model, g in df.groupby("model", sort=False):
        best = g.sort_values(["latency_ms", "energy_uj"]).iloc[0]
        print(f"{model:<12} {best['compute.rows']:>5} x {best['compute.cols']:<5} {best['latency_ms']:>11.4f} "
              f"{best['energy_uj']:>10.2f} {best['utilization']:>11.2f}")
    print(f"\n{'model':<12} " + " ".join(f"{s:>8}" for s in SIZES) + "   latency_ms on square arrays")
    for model, g in df.groupby("model", sort=False):
        sq = g[g["compute.rows"] == g["compute.cols"]].set_index("compute.rows")["latency_ms"]
        print(f"{model:<12} " + " ".join(f"{sq.get(str(s), float('nan')):>8.4f}" for s in SIZES))


if __name__ == "__main__":
    main()
