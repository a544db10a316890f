"""`edgesim calibrate --hw SPEC --fit P... [--test P...]`: fit per-op-type cycle multipliers.

Each P is MODEL=LOG (a benchmark_model log, MicroProfiler output or ops.csv) or a directory written by
`edgesim bench --out`. Fits `compute.op_scale` on the --fit profiles only, prints the error
before and after on both sets, and writes the calibrated spec.
"""

from __future__ import annotations

import argparse

import yaml

from sim.api import load_hardware
from sim.cli.common import Subparsers, add_hw_options, out_dir
from sim.cli.crosscheck import rate_or_clock
from sim.profile.crosscheck import tick_rate
from sim.profile.calibrate import calibrate, resolve_profile
from sim.spec.load import dump_yaml


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("calibrate", help="fit per-op-type cycle multipliers of a vector spec to profiles",
                       description=__doc__)
    add_hw_options(p)
    p.add_argument("--fit", nargs="+", required=True, metavar="P", help="MODEL=LOG or bench output dir")
    p.add_argument("--test", nargs="*", default=[], metavar="P", help="held-out MODEL=LOG or bench dirs")
    p.add_argument("--out", default=None, help="directory for the calibrated spec and calibration.csv")
    p.add_argument("--ticks-per-second", type=rate_or_clock, default=None, metavar="RATE|clock",
                   help="tick rate of MicroProfiler logs; 'clock': ticks are core cycles at the spec's clock_hz")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    d = out_dir(args.out)  # checked before the fits, which simulate every profile twice
    rate, origin = tick_rate(args.ticks_per_second, load_hardware(args.hw, args.overrides))
    fit = [resolve_profile(x, rate, origin) for x in args.fit]
    cal = calibrate(args.hw, fit, [resolve_profile(x, rate, origin) for x in args.test], overrides=args.overrides)
    print("op_scale   " + ", ".join(f"{k} {v:.2f}" for k, v in cal.op_scale.items()))
    cols = ["stage", "split", "model", "mape_pct", "median_ape_pct", "total_ape_pct", "spearman_rho"]
    print(cal.errors[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if d is not None:
        name = f"{cal.hardware.name}-calibrated"
        text = dump_yaml(cal.hardware)
        data = yaml.safe_load(text)
        data["name"] = name
        (d / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        cal.errors.to_csv(d / "calibration.csv", index=False)
        print(f"wrote {d}/{name}.yaml, calibration.csv")
    return 0
