"""Fit a vector unit's per-operator-type cycle multipliers (`compute.op_scale`) to profiles.

Model: a kernel of type T runs `s_T` times slower than the spec's peak MACs (or SIMD
elements) per cycle, for every layer of that type. `s_T` is fitted on the fit profiles
alone as the ratio of summed measured to summed predicted time over the single-operator
groups of type T, so large layers weigh more than small ones. Types the fit set never saw
keep a multiplier of 1. Left out: groups covering several operators (delegates, fusions),
operators predicted at zero time (views), and operators measured under MIN_MEASURED_US,
whose time at host timer resolution is mostly invoke jitter (about a microsecond).

Evaluation re-simulates with the fitted spec, so memory-bound layers stay memory-bound,
and is reported separately for the fit set (in-sample) and the test set (hold-out).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api import load_hardware
from sim.errors import SimError
from sim.profile.benchmark_log import BenchmarkLog, load_profile
from sim.profile.crosscheck import CrossCheck, crosscheck
from sim.spec.model import Hardware, VectorUnit


@dataclass(frozen=True)
class ProfiledModel:
    """A model and a measured profile of it."""

    model: str
    profile: BenchmarkLog


def resolve_profile(item: str, ticks_per_second: float | None = None,
                    rate_origin: str = "from --ticks-per-second") -> ProfiledModel:
    """`MODEL=LOG` (any model `load_graph` takes, any profile `load_profile` reads) or a
    directory written by `edgesim bench --out DIR` (its bench_summary.csv names the model).
    `ticks_per_second`: the tick rate of MicroProfiler logs (None: from their (ms) annotations)."""
    if "=" in item:
        model, _, prof = item.partition("=")
        if not model.strip() or not prof.strip():
            raise SimError(f"{item}: expected MODEL=LOG with both a model and a profile, got "
                           f"{'no model' if not model.strip() else 'no profile'}")
        return ProfiledModel(model, load_profile(prof, ticks_per_second=ticks_per_second, rate_origin=rate_origin))
    d = Path(item)
    summary = d / "bench_summary.csv"
    if d.is_dir() and summary.is_file() and (d / "ops.csv").is_file():
        try:
            models = pd.read_csv(summary)["model"].dropna()
        except (ValueError, KeyError, UnicodeDecodeError):  # pandas' parser and empty-file errors are ValueErrors
            models = pd.Series(dtype=object)
        if models.empty:
            raise SimError(f"{summary}: expected a bench_summary.csv naming its model (edgesim bench --out), "
                           "got no model column or row")
        return ProfiledModel(str(models.iloc[0]), load_profile(d / "ops.csv"))
    raise SimError(f"{item}: expected MODEL=LOG or a directory written by `edgesim bench --out`")


MIN_MEASURED_US = 2.0


def fit_op_scale(checks: list[CrossCheck], min_measured_us: float = MIN_MEASURED_US) -> dict[str, float]:
    """Per-type ratio of summed measured to summed predicted time."""
    frames = [c.groups[(c.groups["n_sim_ops"] == 1) & ~c.groups["delegate"].astype(bool)
                       & (c.groups["predicted_us"] > 0) & (c.groups["measured_us"] >= min_measured_us)]
              for c in checks]
    g = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if g.empty:
        raise SimError("--fit: expected profiles with single-operator groups to fit, got none")
    sums = g.groupby("op_type")[["measured_us", "predicted_us"]].sum()
    return {str(t): float(r["measured_us"] / r["predicted_us"]) for t, r in sums.sort_index().iterrows()}


def with_op_scale(hw: Hardware, scale: dict[str, float], base_scale: dict[str, float] | None = None) -> Hardware:
    """The spec with its compute unit's `op_scale` multiplied by the fitted factors."""
    if not isinstance(hw.compute, VectorUnit):
        raise SimError(f"--hw {hw.name}: expected a spec with a vector compute unit, got a {hw.compute.type} array")
    base = dict(base_scale if base_scale is not None else hw.compute.op_scale)
    merged = {**base, **{k: base.get(k, 1.0) * v for k, v in scale.items()}}
    return dataclasses.replace(hw, compute=dataclasses.replace(hw.compute, op_scale=merged))


def evaluate(pairs: list[ProfiledModel], hw: Hardware, split: str) -> tuple[list[CrossCheck], pd.DataFrame]:
    checks = [crosscheck(p.model, hw, p.profile) for p in pairs]
    rows: list[dict[str, Any]] = [{"split": split, "model": c.sim.graph.name, "hardware": hw.name,
                                   **c.scores.as_dict()} for c in checks]
    return checks, pd.DataFrame(rows)


@dataclass
class Calibration:
    hardware: Hardware
    op_scale: dict[str, float]
    errors: pd.DataFrame  # one row per (stage, split, model): before/after, fit/test


def calibrate(spec: str | Hardware, fit: list[ProfiledModel], test: list[ProfiledModel],
              overrides: Any = None) -> Calibration:
    base = spec if isinstance(spec, Hardware) else load_hardware(spec, overrides)
    if not isinstance(base.compute, VectorUnit):
        raise SimError(f"--hw {base.name}: expected a spec with a vector compute unit, got a {base.compute.type} array")
    fit_checks, before_fit = evaluate(fit, base, "fit")
    scale = fit_op_scale(fit_checks)
    tuned = with_op_scale(base, scale)
    frames = [before_fit.assign(stage="spec"), evaluate(fit, tuned, "fit")[1].assign(stage="calibrated")]
    if test:
        frames += [evaluate(test, base, "test")[1].assign(stage="spec"),
                   evaluate(test, tuned, "test")[1].assign(stage="calibrated")]
    errors = pd.concat(frames, ignore_index=True)
    errors = errors[["stage", "split", *[c for c in errors.columns if c not in ("stage", "split")]]]
    return Calibration(tuned, scale, errors)
