"""Simulate a model and compare it, operator by operator, with a measured profile.

The measured side is a `benchmark_model` log, TFLite Micro MicroProfiler output, or an
`ops.csv` (from `edgesim import-log` or `edgesim bench`); the simulated side is
`sim.api.simulate`'s per-layer latency. Only the primary subgraph of the log is compared:
that is the graph `load_graph` imports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from sim.api import HardwareLike, ModelLike, SimResult, load_hardware, simulate
from sim.errors import SimError
from sim.profile.align import Scores, align, score
from sim.profile.benchmark_log import BenchmarkLog, load_profile
from sim.spec.model import Hardware


@dataclass
class CrossCheck:
    groups: pd.DataFrame
    scores: Scores
    log: BenchmarkLog
    sim: SimResult

    def summary_frame(self) -> pd.DataFrame:
        row: dict[str, Any] = {"model": self.sim.graph.name, "hardware": self.sim.hardware.name,
                               "log": self.log.path, **self.scores.as_dict()}
        whole = self.log.summary.get("inference_avg_us")
        if whole:
            row["log_inference_avg_us"] = whole
            row["whole_model_ape_pct"] = abs(self.scores.total_predicted_us - whole) / whole * 100.0
        return pd.DataFrame([row])


def tick_rate(ticks_per_second: float | str | None, hw: Hardware) -> tuple[float | None, str]:
    """(rate, where it came from) for MicroProfiler ticks: "clock" means core cycles at the
    spec's clock_hz; a number is the user's; None leaves it to the log's (ms) annotations."""
    if ticks_per_second == "clock":
        return hw.clock_hz, f"= {hw.name} clock_hz (ticks are core cycles)"
    return (None if ticks_per_second is None else float(ticks_per_second)), "from --ticks-per-second"


def _other_model(path: str, res: SimResult, ops: pd.DataFrame) -> None:
    """No log node matches a simulated operator, so every error and score would be NaN."""
    kinds = ", ".join(dict.fromkeys(ops["op_type"].astype(str)))
    raise SimError(f"{path}: expected a profile of {res.graph.name} (its operators: "
                   f"{', '.join(dict.fromkeys(res.layers['op_type'].astype(str)))}), got {len(ops)} node(s) "
                   f"of which none matches ({kinds[:120]})")


def crosscheck(model: ModelLike, hardware: HardwareLike, log: str | os.PathLike[str] | BenchmarkLog, *,
               overrides: Iterable[str] | Mapping[str, Any] | None = None,
               ticks_per_second: float | str | None = None) -> CrossCheck:
    """`ticks_per_second`: the tick rate of a MicroProfiler log (a number, or "clock": ticks are
    core cycles at the spec's clock_hz); None infers it from the log's (ms) annotations."""
    hw = load_hardware(hardware, overrides)
    if isinstance(log, BenchmarkLog):
        prof = log
    else:
        rate, origin = tick_rate(ticks_per_second, hw)
        prof = load_profile(Path(log), ticks_per_second=rate, rate_origin=origin)
    if prof.ops.empty:
        raise SimError(f"{prof.path}: expected per-operator events to cross-check (a Run Order table, or "
                       "MicroProfiler Log()/LogCsv() lines), got only per-type totals")
    res = simulate(model, hw)
    ops = prof.ops[prof.ops["subgraph"] == 0].reset_index(drop=True)
    ops.attrs.update(prof.ops.attrs)
    shared = set(ops["op_type"].astype(str)) & set(res.layers["op_type"].astype(str))
    if not shared and not ops["delegate"].astype(bool).any():
        _other_model(prof.path, res, ops)
    groups, unmatched = align(res.layers[["index", "op_type", "latency_us"]], ops)
    if groups.empty:
        _other_model(prof.path, res, ops)
    unmatched_sim = len(res.layers) - int(groups["n_sim_ops"].sum())
    return CrossCheck(groups, score(groups, len(unmatched), unmatched_sim), prof, res)
