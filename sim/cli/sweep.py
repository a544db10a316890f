"""`edgesim sweep --hw BASE --vary PATH=v1,v2 --model M --out DIR`: grid sweep on Dask.

Writes results.csv (one row per design point and model), pareto.csv (non-dominated points
per model over --objective) and pareto.png. Rerun with the same --out to resume.
"""

from __future__ import annotations

import argparse
import time

from sim.cli.common import Subparsers, out_dir
from sim.schedule import DATAFLOW_CHOICES
from sim.sweep import SweepPlan, check_plan, objectives_of, parse_vary, run_sweep


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("sweep", help="sweep spec fields over a grid, with Pareto fronts", description=__doc__)
    p.add_argument("--hw", required=True, metavar="BASE", help="bundled spec name or YAML path to vary")
    p.add_argument("--vary", action="append", required=True, metavar="PATH=v1,v2,...",
                   help="spec field and its values (repeatable; the grid is their product)")
    p.add_argument("--model", action="append", required=True, help="model (repeatable)")
    p.add_argument("--objective", default="latency_ms,energy_uj",
                   help="results.csv columns to minimise for the Pareto front (default latency_ms,energy_uj)")
    p.add_argument("--transform", action="append", default=[], dest="transforms", metavar="NAME[:ARG][@LAYERS]",
                   help="what-if transform applied at every point (as in edgesim run)")
    p.add_argument("--dataflow", default="best", choices=DATAFLOW_CHOICES, help="as in edgesim run")
    p.add_argument("--out", required=True, help="output directory (rerun with the same one to resume)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    p.add_argument("--workers", type=int, default=None, help="local cluster workers (default: all cores)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    plan = SweepPlan(hw=args.hw, vary=[(v.path, list(v.values)) for v in map(parse_vary, args.vary)],
                     models=list(args.model), transforms=list(args.transforms), dataflow=args.dataflow)
    objectives = objectives_of(args.objective)
    check_plan(plan)
    out = out_dir(args.out)
    assert out is not None
    start = time.perf_counter()
    try:
        info = run_sweep(plan, out, objectives, scheduler=args.scheduler, workers=args.workers,
                         progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"edgesim sweep: interrupted; finished chunks are in {out}/chunks; rerun the same command to resume")
        return 130
    took = time.perf_counter() - start
    print(f"{info['points']} points x {info['models']} models = {info['rows']} rows in {took:.1f} s"
          + (f" ({info['resumed_points']} resumed)" if info["resumed_points"] else "")
          + (f"; {info['errors']} points failed (see the error column)" if info["errors"] else "")
          + (f"; {info['unfit']} points cannot hold the model (fits_memory false; left out of the front)"
             if info.get("unfit") else ""))
    print(f"wrote {out}/results.csv, pareto.csv ({info['pareto_rows']} rows), pareto.png")
    return 0
