"""`edgesim bench MODEL.tflite`: measure latency and per-op times on this machine's CPU (LiteRT).

Writes ops.csv (the import-log format, labelled as host CPU numbers), latency.csv (every
timed run) and bench_summary.csv. Needs the optional runtime: pip install 'edgesim[litert]'.
"""

from __future__ import annotations

import argparse

from sim.cli.common import Subparsers, out_dir
from sim.profile.benchmark_log import ops_csv_frame
from sim.profile.live import bench


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("bench", help="measure a .tflite model on this CPU with LiteRT", description=__doc__)
    p.add_argument("model", help=".tflite file")
    p.add_argument("--runs", type=int, default=50, help="timed whole-model runs (default 50)")
    p.add_argument("--op-runs", type=int, default=None, help="timed runs per cut-out operator (default --runs)")
    p.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    p.add_argument("--out", default=None, help="directory for ops.csv, latency.csv, bench_summary.csv")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    d = out_dir(args.out)  # checked before the timed runs
    b = bench(args.model, runs=args.runs, warmup=args.warmup, op_runs=args.op_runs)
    s = b.summary_frame().iloc[0]
    ops = ops_csv_frame(b.ops)
    print(ops[["node", "op_type", "name", "avg_us", "pct"]].to_string(index=False, max_colwidth=40,
                                                                    float_format=lambda v: f"{v:,.2f}"))
    print(f"\ndevice     {s['device']}")
    print(f"latency    avg {s['avg_us']:,.1f} us, p50 {s['p50_us']:,.1f}, p90 {s['p90_us']:,.1f}, "
          f"min {s['min_us']:,.1f}, max {s['max_us']:,.1f}, std {s['std_us']:,.1f} over {int(s['runs'])} runs")
    print(f"per op     sum {s['op_sum_us']:,.1f} us over {len(ops)} ops (each cut out and timed alone; "
          f"{s['invoke_overhead_us']:.2f} us invoke overhead subtracted)")
    if d is not None:
        ops.to_csv(d / "ops.csv", index=False)
        b.latency_frame().to_csv(d / "latency.csv", index=False)
        b.summary_frame().to_csv(d / "bench_summary.csv", index=False)
        print(f"wrote {d}/ops.csv, latency.csv, bench_summary.csv")
    return 0
