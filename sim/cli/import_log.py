"""`edgesim import-log LOG`: read a TFLite benchmark_model op profile, print it, write ops.csv."""

from __future__ import annotations

import argparse

from sim.cli.common import out_dir, print_frame
from sim.profile.benchmark_log import ops_csv_frame, parse_benchmark_log


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import-log", help="parse a benchmark_model --enable_op_profiling log",
                       description=__doc__)
    p.add_argument("log", help="benchmark_model output (text or --op_profiling_output_mode=csv)")
    p.add_argument("--out", default=None, help="directory for ops.csv")
    p.add_argument("--format", default="table", choices=("table", "csv", "json"), help="stdout format")
    p.set_defaults(func=run)


def summary_lines(log) -> list[str]:  # noqa: ANN001 - BenchmarkLog
    s = log.summary
    lines = [f"log        {log.path}" + ("" if log.complete else "  (no Run Order table: top nodes only)"),
             f"nodes      {len(log.ops)} executed in the regular runs"
             + (f" (log says {int(s['nodes_executed'])})" if "nodes_executed" in s else "")
             + f", {int(log.ops['delegate'].sum())} delegate partition(s)",
             f"node sum   {log.total_us / 1e3:.3f} ms per inference"]
    if "inference_avg_us" in s:
        lines.append(f"inference  {s['inference_avg_us'] / 1e3:.3f} ms average (benchmark_model's own timing)")
    if log.source:
        lines.append(f"source     {log.source[:150]}")
    return lines


def run(args: argparse.Namespace) -> int:
    log = parse_benchmark_log(args.log)
    df = ops_csv_frame(log)
    if args.format == "table":
        print("\n".join(summary_lines(log)))
        print(df.drop(columns=["source"]).to_string(index=False, max_colwidth=48))
    else:
        print_frame(df, args.format)
    d = out_dir(args.out)
    if d is not None:
        df.to_csv(d / "ops.csv", index=False)
        if args.format == "table":
            print(f"wrote {d}/ops.csv")
    return 0
