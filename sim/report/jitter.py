"""Timeline -> tidy DataFrames for `edgesim jitter`: runs, summary, tail, energy, DAQ.

The summary is computed from the runs frame (percentiles of its `latency_us` column),
never from a second pass over the replay.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.replay.run import Timeline
from sim.report.columns import (DAQ_COLUMNS, ENERGY_COLUMNS, JITTER_SUMMARY_COLUMNS, RUN_COLUMNS, TAIL_COLUMNS,
                                Column)
from sim.report.frames import stamp

PERCENTILES = {"p50_us": 50.0, "p90_us": 90.0, "p99_us": 99.0, "p999_us": 99.9}


def _ordered(df: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    known = [c.name for c in columns if c.name in df.columns]
    df = df[known + [c for c in df.columns if c not in known]]
    for c in columns:
        if c.dtype == "category" and c.name in df.columns:
            df[c.name] = df[c.name].astype("category")
    return df


def runs_frame(tl: Timeline) -> pd.DataFrame:
    df = pd.DataFrame({
        "run": np.arange(tl.runs), "start_us": tl.start_cycles * 1e6 / tl.clock_hz,
        "latency_cycles": tl.latency_cycles, "latency_us": tl.latency_us, "energy_uj": tl.energy_total_pj * 1e-6,
        # no thermal model: no temperature (NaN, written empty), not 0 C
        "temperature_c": tl.temperature_c if tl.scenario.thermal is not None else np.full(tl.runs, np.nan),
        "clock_scale": tl.clock_scale,
        **{f"energy_{k}_uj": v * 1e-6 for k, v in tl.energy_pj.items()},
    })
    return _ordered(df, RUN_COLUMNS)


def summary_frame(runs: pd.DataFrame, tl: Timeline, **attrs: Any) -> pd.DataFrame:
    lat = runs["latency_us"].to_numpy()
    analytic = tl.plan.analytic_cycles * 1e6 / tl.clock_hz
    mean = float(lat.mean())
    row = {
        **attrs, "scenario": tl.scenario.name, "engine": tl.engine, "seed": tl.seed, "runs": tl.runs,
        "analytic_us": analytic, "mean_us": mean,
        **{k: float(np.percentile(lat, q)) for k, q in PERCENTILES.items()},
        "max_us": float(lat.max()), "min_us": float(lat.min()),
        "spread_pct": 100.0 * float(lat.max() - lat.min()) / mean,
        "vs_analytic_pct": 100.0 * (mean - analytic) / analytic if analytic else 0.0,
        "mean_energy_uj": float(runs["energy_uj"].mean()),
        "max_temperature_c": float(runs["temperature_c"].max()),
        "min_clock_scale": float(runs["clock_scale"].min()),
    }
    return _ordered(pd.DataFrame([row]), JITTER_SUMMARY_COLUMNS)


def tail_frame(tl: Timeline) -> pd.DataFrame:
    """Per layer: its duration in the slowest 1% of runs against its mean, i.e. which
    layers make the tail."""
    lat = tl.latency_cycles
    tail = lat >= np.percentile(lat, 99.0)
    to_us = 1e6 / tl.clock_hz
    mean = tl.layer_cycles.mean(axis=0) * to_us
    tail_mean = tl.layer_cycles[tail].mean(axis=0) * to_us
    excess = tail_mean - mean
    total = excess[excess > 0].sum()
    p = tl.plan
    df = pd.DataFrame({
        "layer": p.layers, "index": np.arange(len(p.layers)), "op_type": p.op_types, "unit": p.units,
        "analytic_us": p.layer_quiet * to_us, "mean_us": mean,
        "p99_us": np.percentile(tl.layer_cycles, 99.0, axis=0) * to_us,
        "tail_mean_us": tail_mean, "tail_excess_us": excess,
        "tail_share_pct": 100.0 * np.where(excess > 0, excess, 0.0) / total if total > 0 else 0.0,
    })
    return _ordered(df, TAIL_COLUMNS)


def energy_frame(tl: Timeline) -> pd.DataFrame:
    total = float(tl.energy_total_pj.mean())
    rows = [{"component": k, "mean_uj": float(v.mean()) * 1e-6, "p99_uj": float(np.percentile(v, 99.0)) * 1e-6,
             "share_pct": 100.0 * float(v.mean()) / total if total else 0.0} for k, v in tl.energy_pj.items()]
    return _ordered(pd.DataFrame(rows), ENERGY_COLUMNS)


def daq_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return _ordered(pd.DataFrame(rows, columns=[c.name for c in DAQ_COLUMNS]), DAQ_COLUMNS)


def stamped(df: pd.DataFrame, tl: Timeline, **attrs: Any) -> pd.DataFrame:
    return stamp(df, seed=tl.seed, scenario=tl.scenario.name, engine=tl.engine, **attrs)
