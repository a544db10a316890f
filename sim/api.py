"""The Python API: load a model and a part, simulate, get DataFrames.

`simulate` is what `edgesim run` calls; scripts and sweeps call it too, so a sweep point
and a `run` of the same spec give the same numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from sim.cost.layer import LayerCost
from sim.errors import SimError, SpecError
from sim.graph.ir import Graph
from sim.cost.vector import scratch_sizes
from sim.mapping.arena import persistent_bytes_estimate, plan_arena
from sim.report.frames import layers_frame, stamp, summary_frame, traffic_frame
from sim.schedule import schedule
from sim.spec.load import load_hardware as _load_hardware
from sim.spec.load import spec_hash
from sim.spec.model import Hardware

ModelLike = str | os.PathLike[str] | Graph
HardwareLike = str | os.PathLike[str] | Hardware


@dataclass
class SimResult:
    """Per-layer, per-traffic and summary frames, plus what produced them."""

    layers: pd.DataFrame
    traffic: pd.DataFrame
    summary: pd.DataFrame
    graph: Graph
    hardware: Hardware
    costs: list[LayerCost] = field(repr=False)

    @property
    def latency_ms(self) -> float:
        return float(self.summary["latency_ms"].iloc[0])

    @property
    def energy_uj(self) -> float:
        return float(self.summary["energy_uj"].iloc[0])


def load_hardware(hardware: HardwareLike, overrides: Iterable[str] | Mapping[str, Any] | None = None) -> Hardware:
    return _load_hardware(hardware, overrides or ())


def load_graph(model: ModelLike) -> Graph:
    """A `Graph`, a `.tflite` path, a SCALE-Sim topology `.csv`, or a zoo name."""
    if isinstance(model, Graph):
        return model
    if not isinstance(model, (str, os.PathLike)):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise SpecError("MODEL", "", "a Graph, a .tflite or SCALE-Sim .csv path, or a zoo name", type(model).__name__)
    text = str(model)
    if not text.strip():
        raise SpecError("MODEL", "", "a .tflite or SCALE-Sim .csv path, or a zoo name", "")
    path = Path(text)
    if path.suffix == ".tflite":
        from workloads.tflite_import import load_tflite
        return load_tflite(path)
    if path.suffix == ".csv":
        if not path.is_file():
            raise SpecError(text, "", "an existing SCALE-Sim topology file", "no such file")
        from workloads.scalesim_import import load_topology
        return load_topology(path)
    from workloads import zoo
    if text in zoo.ZOO:
        return zoo.build(text)
    if path.exists() or os.sep in text or path.suffix:
        raise SpecError(text, "", "a .tflite file or a SCALE-Sim topology .csv", "another kind of file"
                        if path.exists() else "no such file")
    return zoo.build(text)


def simulate(model: ModelLike, hardware: HardwareLike, *, dataflow: str = "best", compat: str | None = None,
             overrides: Iterable[str] | Mapping[str, Any] | None = None, objective: str = "latency",
             transforms: Sequence[str] | None = None) -> SimResult:
    """Simulate one inference of `model` on `hardware`.

    dataflow: ws, is, os or best (chosen per layer by `objective`); compat: None for
    edgesim's own models, or the name of a peer simulator to reproduce; transforms:
    what-if graph transforms applied first, e.g. ["fuse", "prune:0.3"] (see sim.transforms).
    """
    graph = load_graph(model)
    hw = load_hardware(hardware, overrides)
    if transforms:
        from sim.transforms import apply_transforms
        graph = apply_transforms(graph, transforms, hw)
    costs = schedule(graph, hw, dataflow=dataflow, compat=compat, objective=objective)
    scratch = scratch_sizes(graph, hw)
    arena = plan_arena(graph, scratch=scratch).arena_bytes
    extra: dict[str, Any] = {"persistent_bytes": persistent_bytes_estimate(graph)}
    if transforms:
        from sim.transforms.pricing import price_transforms
        costs, arena, more = price_transforms(graph, hw, costs, arena,
                                              lambda bufs: plan_arena(graph, bufs, scratch=scratch).arena_bytes,
                                              {"dataflow": dataflow, "compat": compat, "objective": objective})
        extra.update(more)
    where = hw.name if isinstance(hardware, Hardware) else str(hardware)
    check_cycles(costs, where)
    layers = layers_frame(costs, graph, hw)
    summary = summary_frame(layers, graph, hw, dataflow=dataflow, arena_bytes=arena, extra=extra)
    check_totals(summary, where)
    attrs = {"spec_hash": spec_hash(hw), "hardware": hw.name, "model": graph.name, "dataflow": dataflow,
             "compat": compat or ""}
    return SimResult(stamp(layers, **attrs), stamp(traffic_frame(costs), **attrs), stamp(summary, **attrs),
                     graph, hw, costs)


# int64 cycle counts wrap at 2**63; the sum over a graph needs headroom.
CYCLE_LIMIT = 2**62
_OUT_OF_RANGE = ("the spec has a figure far outside any physical range (clock_hz, a bandwidth, a latency, "
                 "setup_cycles or op_scale)")


def check_cycles(costs: Sequence[LayerCost], where: str) -> None:
    """Cycle counts of a physical part lie in [0, CYCLE_LIMIT). A spec figure such as a
    bandwidth of 1e-20 B/cycle or a latency of 1e15 cycles overflows the kernels' int64
    counts, which wrap silently (a negative latency, often chosen as the best tiling);
    say so instead of printing it."""
    total = 0
    for c in costs:
        for name in ("compute_cycles", "stall_cycles"):
            value = getattr(c, name)
            if not 0 <= value < CYCLE_LIMIT:
                raise SpecError(where, f"{c.layer}: {name}", f"a count in [0, 2**62); {_OUT_OF_RANGE}", value)
        total += c.latency_cycles
    if total >= CYCLE_LIMIT:
        raise SpecError(where, "latency_cycles", f"a total below 2**62; {_OUT_OF_RANGE}", total)


def check_totals(summary: pd.DataFrame, where: str) -> None:
    """Latency and energy are finite non-negative numbers; a clock of 1e-300 Hz makes them infinite."""
    for col in ("latency_ms", "energy_uj"):
        value = float(summary[col].iloc[0])
        if not 0 <= value < float("inf"):
            raise SpecError(where, col, f"a finite non-negative number; {_OUT_OF_RANGE}", value)


@dataclass
class JitterResult:
    """A replay's frames (`runs`, `summary`, `tail`, `energy`), its Timeline, and the analytic result."""

    runs: pd.DataFrame
    summary: pd.DataFrame
    tail: pd.DataFrame
    energy: pd.DataFrame
    timeline: Any = field(repr=False)
    analytic: SimResult = field(repr=False)


def jitter(model: ModelLike, hardware: HardwareLike, scenario: Any = "quiet", *, runs: int = 1000, seed: int = 0,
           engine: str = "auto", dataflow: str = "best",
           overrides: Iterable[str] | Mapping[str, Any] | None = None) -> JitterResult:
    """Replay `runs` inferences under `scenario` (bundled name, YAML path or `Scenario`).

    The schedule is `simulate`'s; the replay adds contention, interrupts and throttling.
    The same seed gives the same result.
    """
    from sim.replay import load_scenario, replay
    from sim.report.jitter import energy_frame, runs_frame, stamped, summary_frame, tail_frame
    sc = load_scenario(scenario)
    res = simulate(model, hardware, dataflow=dataflow, overrides=overrides)
    tl = replay(res.costs, res.hardware, sc, runs=runs, seed=seed, engine=engine)
    attrs = {"model": res.graph.name, "hardware": res.hardware.name}
    frame = stamped(runs_frame(tl), tl, **attrs)
    return JitterResult(frame, stamped(summary_frame(frame, tl, **attrs), tl, **attrs),
                        stamped(tail_frame(tl), tl, **attrs), stamped(energy_frame(tl), tl, **attrs), tl, res)


def memory_whatifs(model: ModelLike, hardware: HardwareLike | None = None, *, patches: int = 4,
                   patch_layers: int = 3) -> dict[str, int]:
    """Peak activation memory as planned, and under what-ifs that lower it, in bytes.

    `arena_bytes`: TFLM's greedy plan (with the hardware's kernel scratch when given);
    `peak_live_bytes`: the lower bound any planner reaches; `inplace_arena_bytes`: the plan
    when views and elementwise ops overwrite their last-use input; `patch_peak_bytes`: the
    live-bytes peak when the first `patch_layers` operators run on `patches` x `patches`
    spatial tiles (MCUNetV2 patch-based inference)."""
    from sim.mapping.arena import inplace_aliases, patch_peak_bytes, peak_live_bytes
    if patches < 1 or patch_layers < 0:
        raise SimError(f"patches, patch_layers: expected at least 1 and 0, got {patches} and {patch_layers}")
    graph = load_graph(model)
    scratch = scratch_sizes(graph, load_hardware(hardware)) if hardware is not None else {}
    alias = inplace_aliases(graph)
    return {"arena_bytes": plan_arena(graph, scratch=scratch).arena_bytes,
            "peak_live_bytes": peak_live_bytes(graph, scratch),
            "inplace_arena_bytes": plan_arena(graph, scratch=scratch, alias=alias).arena_bytes,
            "patch_peak_bytes": patch_peak_bytes(graph, patches, patch_layers, scratch)}


def sweep(hardware: str | os.PathLike[str], vary: Mapping[str, Iterable[Any]], models: Iterable[str], out: str | os.PathLike[str],
          *, objectives: Sequence[str] = ("latency_ms", "energy_uj"), transforms: Sequence[str] | None = None,
          dataflow: str = "best", scheduler: str | None = None, workers: int | None = None,
          progress: bool = True) -> pd.DataFrame:
    """`edgesim sweep` from Python: every combination of `vary` (spec path -> values) for
    every model, on Dask; writes results.csv, pareto.csv and pareto.png under `out` (rerun
    with the same `out` to resume) and returns the results frame."""
    from sim.sweep import SweepPlan, check_plan, objectives_of, run_sweep
    objectives = objectives_of(",".join(objectives))
    plan = SweepPlan(hw=str(hardware), vary=[(p, [str(v) for v in vals]) for p, vals in vary.items()],
                     models=[str(m) for m in models], transforms=list(transforms or []), dataflow=dataflow)
    check_plan(plan)
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    run_sweep(plan, directory, list(objectives), scheduler=scheduler, workers=workers, progress=progress)
    return pd.read_csv(directory / "results.csv", keep_default_na=False, na_values=[""],
                       dtype={p: str for p in vary})
