"""`edgesim import-log LOG`: read a TFLite benchmark_model op profile or TFLite Micro MicroProfiler
output (told apart by content), print it, write ops.csv."""

from __future__ import annotations

import argparse

from sim.cli.common import Subparsers, out_dir, print_frame
import math

from sim.profile.benchmark_log import ops_csv_frame, load_profile


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("import-log", help="parse a benchmark_model --enable_op_profiling log or MicroProfiler output",
                       description=__doc__)
    p.add_argument("log", help="benchmark_model output (text or --op_profiling_output_mode=csv), or TFLite Micro "
                               "MicroProfiler Log()/LogCsv()/LogTicksPerTagCsv() output")
    p.add_argument("--ticks-per-second", type=positive_rate, default=None, metavar="RATE",
                   help="MicroProfiler tick rate (default: inferred from the log's '(N ms)' annotations)")
    p.add_argument("--out", default=None, help="directory for ops.csv")
    p.add_argument("--format", default="table", choices=("table", "csv", "json"), help="stdout format")
    p.set_defaults(func=run)


def positive_rate(text: str) -> float:
    """argparse type of --ticks-per-second: a positive number (1e6, 120e6)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"expected a positive number of ticks per second, got {text!r}")
    if value < 1:  # below, tick counts turn into infinite microseconds; no timer ticks that slowly
        raise argparse.ArgumentTypeError(f"expected at least 1 tick per second, got {text!r}")
    return value


def micro_summary_lines(log) -> list[str]:  # noqa: ANN001 - BenchmarkLog
    s = log.summary
    lines = [f"log        {log.path}  (TFLite Micro MicroProfiler)"]
    if log.ops.empty:
        lines.append(f"per type   {len(log.by_type)} operator type(s) from LogTicksPerTagCsv (no per-event lines)")
    else:
        lines.append(f"invokes    {int(s['invokes'])} of {int(s['ops_per_invoke'])} operators averaged"
                     + (f" ({int(s['dropped_blocks'])} differing block(s) left out)" if s["dropped_blocks"] else ""))
        lines.append(f"node sum   {log.total_us / 1e3:.3f} ms per inference")
    tags = log.ops.attrs.get("non_op_tags", [])
    if s["non_op_events"]:
        lines.append(f"skipped    {int(s['non_op_events'])} non-op event(s): {', '.join(tags[:4])}"
                     + (", ..." if len(tags) > 4 else ""))
    lines.append(f"timing     {log.ops.attrs.get('profile_note', '')}")
    lines.append(f"source     {log.source[:150]}")
    return lines


def summary_lines(log) -> list[str]:  # noqa: ANN001 - BenchmarkLog
    if "ops_per_invoke" in log.summary:
        return micro_summary_lines(log)
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
    log = load_profile(args.log, ticks_per_second=args.ticks_per_second)
    df = ops_csv_frame(log)
    if args.format == "table":
        print("\n".join(summary_lines(log)))
        if df.empty and not log.by_type.empty:
            print(log.by_type.to_string(index=False))
        else:
            print(df.drop(columns=["source"]).to_string(index=False, max_colwidth=48))
    else:
        print_frame(df, args.format)
    d = out_dir(args.out)
    if d is not None:
        df.to_csv(d / "ops.csv", index=False)
        if args.format == "table":
            print(f"wrote {d}/ops.csv")
    return 0
