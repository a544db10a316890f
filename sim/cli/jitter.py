"""`edgesim jitter MODEL --hw SPEC --scenario NAME|FILE`: replay many inferences under
contention, interrupts and throttling; print the latency distribution and the energy."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from sim.api import jitter
from sim.cli.common import Subparsers, add_hw_options, out_dir, write_frames
from sim.errors import SimError
from sim.replay import load_scenario, replay
from sim.replay.disturb import analysis_generator
from sim.replay.power import daq_rows
from sim.replay.run import ENGINES
from sim.report.jitter import daq_frame, stamped
from sim.schedule import DATAFLOW_CHOICES

log = logging.getLogger(__name__)
TRACE_RUNS = 3


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("jitter", help="latency distribution under contention and throttling",
                       description=__doc__)
    p.add_argument("model", help=".tflite file, SCALE-Sim topology .csv, or zoo name (e.g. mlperf-vww)")
    add_hw_options(p)
    p.add_argument("--scenario", default="quiet",
                   help="bundled scenario (quiet, busy-bus, hot) or a YAML path (default quiet)")
    p.add_argument("--runs", type=int, default=1000, help="inferences to replay (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the one random generator (default 0)")
    p.add_argument("--engine", default="auto", choices=ENGINES, help="replay path (default: fast when it holds)")
    p.add_argument("--dataflow", default="best", choices=DATAFLOW_CHOICES, help="systolic dataflow (default best)")
    p.add_argument("--out", default=None, help="directory for runs.csv, summary.csv, tail.csv, energy.csv, ...")
    p.add_argument("--trace", action="store_true",
                   help=f"write trace.json (Perfetto) of the first {TRACE_RUNS} inferences; needs --out")
    p.add_argument("--daq", default=None, metavar="RATES",
                   help="DAQ sampling rates in Hz, comma separated (e.g. 1e3,1e4,1e5)")
    p.set_defaults(func=run)


def parse_rates(text: str) -> list[float]:
    try:
        rates = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SimError(f"--daq: expected comma-separated rates in Hz such as 1e3,1e4,1e5, got {text!r}") from None
    if not rates or any(not np.isfinite(r) or r <= 0 for r in rates):
        raise SimError(f"--daq: expected positive rates in Hz, got {text!r}")
    return rates


def run(args: argparse.Namespace) -> int:
    if args.runs < 1:
        raise SimError(f"--runs: expected a positive integer, got {args.runs}")
    if args.trace and args.out is None:
        raise SimError("--trace: expected --out DIR to write trace.json into, got no --out")
    rates = parse_rates(args.daq) if args.daq else []
    d = out_dir(args.out)  # checked before the replay, which can take minutes
    scenario = load_scenario(args.scenario)
    result = jitter(args.model, args.hw, scenario, runs=args.runs, seed=args.seed, engine=args.engine,
                    dataflow=args.dataflow, overrides=args.overrides)
    res, tl = result.analytic, result.timeline
    attrs = {"model": res.graph.name, "hardware": res.hardware.name}
    runs, summary, energy = result.runs, result.summary, result.energy
    print(summary_text(summary, energy))
    daq = None
    if rates:
        if tl.runs < 100:
            log.warning("the DAQ study samples %d inferences; use --runs 100 or more for stable errors", tl.runs)
        daq = stamped(daq_frame(daq_rows(tl, rates, analysis_generator(scenario, args.seed))), tl, **attrs)
        print(daq_text(daq))
    if d is None:
        return 0
    frames = {"runs": runs, "summary": summary, "tail": result.tail, "energy": energy}
    if daq is not None:
        frames["daq"] = daq
    write_frames(d, frames)
    written = [f"{name}.csv" for name in frames]
    if write_histogram(runs, summary, d / "latency_hist.png"):
        written.append("latency_hist.png")
    if args.trace:
        from sim.report.trace import write_trace
        traced = replay(res.costs, res.hardware, scenario, runs=min(args.runs, TRACE_RUNS), seed=args.seed,
                        engine="simpy", record=True)
        if not np.allclose(traced.latency_cycles, tl.latency_cycles[:traced.runs], rtol=1e-9):
            log.warning("the traced replay differs from the %s replay of the same runs", tl.engine)
        write_trace(traced, d / "trace.json")
        written.append("trace.json")
    print(f"wrote {d}/" + ", ".join(written))
    return 0


def summary_text(summary: pd.DataFrame, energy: pd.DataFrame) -> str:
    s = summary.iloc[0]
    parts = ", ".join(f"{r.component} {r.mean_uj:.3f}" for r in energy.itertuples())
    return "\n".join([
        f"model      {s['model']} on {s['hardware']}   scenario {s['scenario']}   "
        f"{s['runs']} runs, seed {s['seed']}, {s['engine']} replay",
        f"analytic   {s['analytic_us']:.2f} us   replay mean {s['mean_us']:.2f} us "
        f"({round(s['vs_analytic_pct'], 2) + 0.0:+.2f}%), spread {s['spread_pct']:.2f}%",  # + 0.0: no -0.00
        f"latency    p50 {s['p50_us']:.2f}  p90 {s['p90_us']:.2f}  p99 {s['p99_us']:.2f}  "
        f"p99.9 {s['p999_us']:.2f}  max {s['max_us']:.2f} us",
        f"energy     {s['mean_energy_uj']:.3f} uJ per inference  ({parts} uJ)" if s["mean_energy_uj"] > 0
        else "energy     not modelled: the spec gives no energy or power figure",
        f"thermal    max junction {s['max_temperature_c']:.2f} C, lowest clock scale {s['min_clock_scale']:.2f}"
        if pd.notna(s["max_temperature_c"]) else "thermal    not modelled",
    ])


def daq_text(daq: pd.DataFrame) -> str:
    lines = [f"DAQ over {int(daq['inferences'].iloc[0])} inferences (true peak {daq['true_peak_mw'].iloc[0]:.2f} mW, "
             f"true energy {daq['true_energy_uj'].iloc[0]:.3f} uJ per inference)",
             f"{'rate_hz':>10} {'mode':>8} {'samples/inf':>11} {'peak_err%':>10} {'energy_err%':>11} "
             f"{'rms_err%':>9} {'max_err%':>9}"]
    for r in daq.itertuples():
        lines.append(f"{r.rate_hz:>10.0f} {r.mode:>8} {r.samples_per_inference:>11.2f} {r.peak_error_pct:>10.2f} "
                     f"{r.energy_error_pct:>11.2f} {r.energy_rms_error_pct:>9.2f} {r.energy_max_error_pct:>9.2f}")
    return "\n".join(lines)


def write_histogram(runs: pd.DataFrame, summary: pd.DataFrame, path: Path) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("matplotlib is not installed (pip install 'edgesim[plot]'): no latency_hist.png")
        return False
    s = summary.iloc[0]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(runs["latency_us"], bins=min(100, max(10, len(runs) // 20)), color="#4477aa")
    for key, label, style in (("analytic_us", "analytic", ":"), ("p50_us", "p50", "--"), ("p99_us", "p99", "-")):
        ax.axvline(s[key], color="k", linestyle=style, linewidth=1, label=f"{label} {s[key]:.1f} us")
    ax.set_xlabel("latency (us)")
    ax.set_ylabel("inferences")
    ax.set_title(f"{s['model']} on {s['hardware']}, {s['scenario']}, {s['runs']} runs")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
