"""`edgesim compare MODEL --hw A --hw B`: the same model on several parts, side by side.

Per layer and in total; the difference columns are each part against the first: B - A per
layer and in total, and B / A in the totals. `--out` writes compare_layers.csv and
compare_summary.csv.
"""

from __future__ import annotations

import argparse

import pandas as pd

from sim.api import simulate
from sim.cli.common import Subparsers, out_dir, print_frame
from sim.errors import SimError
from sim.schedule import DATAFLOW_CHOICES

LAYER_METRICS = ("latency_cycles", "latency_us", "energy_pj", "dram_read_bytes", "working_set_bytes")
SUMMARY_METRICS = ("latency_ms", "energy_uj", "latency_cycles", "peak_working_set_bytes", "arena_bytes",
                   "dram_read_bytes", "dram_write_bytes", "utilization")


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("compare", help="compare a model on several parts", description=__doc__)
    p.add_argument("model", help=".tflite file, SCALE-Sim topology .csv, or zoo name")
    p.add_argument("--hw", action="append", required=True, metavar="SPEC", help="spec to compare (repeat, >= 2)")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="overrides",
                   help="override applied to every spec (repeatable)")
    p.add_argument("--transform", action="append", default=[], dest="transforms", metavar="NAME[:ARG][@LAYERS]",
                   help="what-if transform applied on every part (as in edgesim run)")
    p.add_argument("--dataflow", default="best", choices=DATAFLOW_CHOICES, help="as in edgesim run (default best)")
    p.add_argument("--layers", action="store_true", help="print the per-layer table too")
    p.add_argument("--out", default=None, help="directory for compare_layers.csv and compare_summary.csv")
    p.set_defaults(func=run)


def labels_for(specs: list[str]) -> list[str]:
    """Column prefixes: the spec names, numbered when one is given twice."""
    seen: dict[str, int] = {}
    out = []
    for s in specs:
        seen[s] = seen.get(s, 0) + 1
        out.append(s if seen[s] == 1 else f"{s}#{seen[s]}")
    return out


def compare(model: str, specs: list[str], overrides: list[str], transforms: list[str],
            dataflow: str = "best", unfit: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-layer frame, summary frame): one column per part and metric, plus differences.
    `unfit`, when given, collects label -> memory_use for the parts that cannot hold the model."""
    if len(specs) < 2:
        raise SimError(f"--hw: expected at least two specs to compare, got {len(specs)}")
    labels = labels_for(specs)
    results = [simulate(model, s, overrides=overrides, dataflow=dataflow, transforms=transforms or None)
               for s in specs]
    base = results[0].layers.set_index("layer")
    layers = pd.DataFrame({"layer": base.index, "op_type": base["op_type"].astype(str).to_numpy()})
    summary_rows = []
    for metric in SUMMARY_METRICS:
        row: dict[str, object] = {"metric": metric}
        ref = float(results[0].summary[metric].iloc[0])
        for label, res in zip(labels, results):
            v = float(res.summary[metric].iloc[0])
            row[label] = v
        for label, res in zip(labels[1:], results[1:]):
            v = float(res.summary[metric].iloc[0])
            row[f"{label}-{labels[0]}"] = v - ref
            row[f"{label}/{labels[0]}"] = v / ref if ref else float("nan")
        summary_rows.append(row)
    for metric in LAYER_METRICS:
        for label, res in zip(labels, results):
            frame = res.layers.set_index("layer")
            layers[f"{metric}:{label}"] = frame[metric].reindex(base.index).to_numpy()
        for label in labels[1:]:
            layers[f"{metric}:{label}-{labels[0]}"] = layers[f"{metric}:{label}"] - layers[f"{metric}:{labels[0]}"]
    for label, res in zip(labels, results):
        layers[f"unit:{label}"] = res.layers.set_index("layer")["unit"].astype(str).reindex(base.index).to_numpy()
    for label, res in zip(labels, results):
        if unfit is not None and not bool(res.summary["fits_memory"].iloc[0]):
            unfit[label] = str(res.summary["memory_use"].iloc[0])
    return layers, pd.DataFrame(summary_rows)


def summary_number(x: float) -> str:
    """Whole counts (cycles, bytes) in full with thousands separators, as `run` prints them;
    other figures to 4 significant digits. `{:.4g}` alone printed 82,270 cycles as 8.227e+04."""
    if x == x and abs(x) >= 1 and float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.4g}"


def run(args: argparse.Namespace) -> int:
    d = out_dir(args.out)  # checked before pricing every part
    layers, summary = compare(args.model, list(args.hw), list(args.overrides), list(args.transforms), args.dataflow,
                              unfit=(unfit := {}))
    pd.set_option("display.width", 200)
    if args.layers:
        cols = ["layer"] + [c for c in layers.columns if c.startswith("latency_us:")]
        print(layers[cols].to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
        print()
    print(summary.to_string(index=False, float_format=summary_number))
    for label, use in unfit.items():
        print(f"{label} cannot hold the model: {use}")
    if d is not None:
        layers.to_csv(d / "compare_layers.csv", index=False)
        summary.to_csv(d / "compare_summary.csv", index=False)
        print(f"wrote {d}/compare_layers.csv, compare_summary.csv")
    return 0


__all__ = ["compare", "print_frame"]
