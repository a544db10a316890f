"""`edgesim crosscheck MODEL --hw SPEC --log LOG`: predicted vs measured time per operator."""

from __future__ import annotations

import argparse

from sim.cli.common import Subparsers, add_hw_options, out_dir, print_frame
from sim.cli.import_log import positive_rate
from sim.profile.crosscheck import crosscheck


def rate_or_clock(text: str) -> float | str:
    return "clock" if text == "clock" else positive_rate(text)


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("crosscheck", help="compare simulated per-op latency with a measured profile",
                       description=__doc__)
    p.add_argument("model", help=".tflite file or zoo name (e.g. mobilenet-v1)")
    add_hw_options(p)
    p.add_argument("--log", required=True, help="benchmark_model log, TFLite Micro MicroProfiler output, "
                                                "or ops.csv from import-log/bench")
    p.add_argument("--ticks-per-second", type=rate_or_clock, default=None, metavar="RATE|clock",
                   help="MicroProfiler tick rate; 'clock': ticks are core cycles at the spec's clock_hz "
                        "(default: inferred from the log's '(N ms)' annotations)")
    p.add_argument("--out", default=None, help="directory for crosscheck.csv and crosscheck_summary.csv")
    p.add_argument("--format", default="table", choices=("table", "csv", "json"), help="stdout format")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cc = crosscheck(args.model, args.hw, args.log, overrides=args.overrides, ticks_per_second=args.ticks_per_second)
    s = cc.scores
    if args.format == "table":
        cols = ["log_node", "op_type", "sim_ops", "predicted_us", "measured_us", "ape_pct"]
        table = cc.groups[cols].copy()
        table["note"] = ["delegate" if d else "fused" if f else "" for d, f in zip(cc.groups["delegate"],
                                                                                    cc.groups["fused"])]
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
        print(f"\nmodel      {cc.sim.graph.name} on {cc.sim.hardware.name}  vs  {cc.log.path}")
        if "ops_per_invoke" in cc.log.summary:
            print(f"measured   {cc.log.ops.attrs.get('profile_note', cc.log.source)}")
        print(f"total      predicted {s.total_predicted_us / 1e3:.3f} ms, measured {s.total_measured_us / 1e3:.3f} ms "
              f"(sum of nodes), error {s.total_ape_pct:.1f}%")
        print(f"per op     mean APE {s.mape_pct:.1f}%, median APE {s.median_ape_pct:.1f}% over {s.groups} group(s); "
              f"Spearman rho {s.spearman_rho:.3f}")
        if s.unmatched_log_nodes or s.unmatched_sim_ops:
            print(f"unmatched  {s.unmatched_log_nodes} log node(s), {s.unmatched_sim_ops} simulated op(s)")
    else:
        print_frame(cc.groups, args.format)
    d = out_dir(args.out)
    if d is not None:
        cc.groups.to_csv(d / "crosscheck.csv", index=False)
        cc.summary_frame().to_csv(d / "crosscheck_summary.csv", index=False)
        if args.format == "table":
            print(f"wrote {d}/crosscheck.csv, crosscheck_summary.csv")
    return 0
