"""Replay a schedule many times under a scenario: `replay(...) -> Timeline`.

Mean latency hides what breaks real-time systems. The replay plays every inference tile
slot by tile slot while other bus masters, DRAM refresh, interrupts and the thermal
governor act, and keeps every run's latency, per-layer durations, energy by component and
power over time. Two paths play the same model: the fast path (`kernels.replay_runs`,
compiled) when the disturbances do not depend on the replay, the SimPy path
(`events.replay_events`) otherwise; `engine="auto"` picks. All randomness comes from
one `numpy.random.Generator` seeded with `seed`: the same seed gives the same Timeline.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sim.cost.layer import LayerCost
from sim.errors import SimError
from sim.replay import kernels as K
from sim.replay import reference
from sim.replay.disturb import Disturbances, draw, loads
from sim.replay.events import replay_events, run_params, slot_matrix, step_matrix
from sim.replay.plan import Plan, plan_replay
from sim.replay.scenario import Scenario, load_scenario
from sim.spec.model import Hardware

log = logging.getLogger(__name__)

ENGINES = ("auto", "fast", "simpy")
SEGMENT_RUNS = 2000  # runs whose power trace is kept (the DAQ study needs 100+)
MAX_HORIZON_GROWTH = 256  # a replay slowed past this is saturated, not slow: stop doubling the draws
MAX_RUNS = 10_000_000  # about 4 GB of per-run arrays and frames (measured: mlperf-ad, 10M runs, 3.9 GB peak RSS)
COMPILED_ABOVE = 3_000_000  # slot plays from which the compiled kernel beats compiling it (~1 us each in Python)
PJ_PER_MW_S = 1e9


@dataclass
class Timeline:
    """What a replay saw. Times are cycles of the nominal clock from the first release."""

    plan: Plan
    scenario: Scenario
    seed: int
    engine: str
    start_cycles: np.ndarray            # (runs,)
    end_cycles: np.ndarray              # (runs,)
    layer_cycles: np.ndarray            # (runs, layers)
    energy_pj: dict[str, np.ndarray]    # component -> (runs,): dynamic parts, static, leakage
    temperature_c: np.ndarray           # (runs,) junction temperature at the end of each run
    clock_scale: np.ndarray             # (runs,) lowest DVFS clock scale during the run
    segments: np.ndarray = field(repr=False)  # (slots of traced runs, 3): start, end, dynamic mW
    events: list[tuple[str, str, float, float]] | None = field(default=None, repr=False)

    @property
    def runs(self) -> int:
        return int(self.start_cycles.size)

    @property
    def clock_hz(self) -> float:
        return self.plan.clock_hz

    @property
    def latency_cycles(self) -> np.ndarray:
        return np.asarray(self.end_cycles - self.start_cycles, dtype=np.float64)

    @property
    def latency_us(self) -> np.ndarray:
        return self.latency_cycles * 1e6 / self.clock_hz

    @property
    def energy_total_pj(self) -> np.ndarray:
        return np.asarray(np.sum(np.stack(list(self.energy_pj.values())), axis=0), dtype=np.float64)

    @property
    def idle_mw(self) -> float:
        return self.plan.static_mw + self.plan.leakage_mw

    def power_trace(self) -> tuple[np.ndarray, np.ndarray]:
        """Piecewise-constant power of the traced runs: `edges` (cycles, n+1) and mW (n),
        idle gaps between runs at the static + leakage floor."""
        seg = self.segments
        seg = seg[seg[:, 1] > seg[:, 0]]
        if seg.size == 0:
            return np.zeros(2), np.full(1, self.idle_mw)
        starts, ends, dyn = seg[:, 0], seg[:, 1], seg[:, 2]
        gap = starts[1:] > ends[:-1]
        edges = np.concatenate([starts, ends[-1:]])
        power = dyn + self.idle_mw
        if gap.any():
            idx = np.flatnonzero(gap) + 1
            edges = np.insert(edges, idx, ends[idx - 1])
            power = np.insert(power, idx, np.full(idx.size, self.idle_mw))
        return edges, power


def fast_path_holds(scenario: Scenario) -> bool:
    """Nothing the replayed DMA does changes when others get the bus: fixed priority with
    every other master ranked above it (interrupts always outrank the layer)."""
    bus = scenario.bus
    return bus.arbitration == "fixed_priority" and all(m.priority < bus.dma_priority for m in bus.masters.values())


def _is_int(value: object) -> bool:
    """An int (numpy's too) and not a bool: API callers pass anything."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def replay(costs: list[LayerCost], hw: Hardware, scenario: Scenario | str | os.PathLike[str], *, runs: int,
           seed: int = 0, engine: str = "auto", record: bool = False, segment_runs: int = SEGMENT_RUNS) -> Timeline:
    """Play `runs` inferences of the schedule `costs` on `hw` under `scenario` (a Scenario, or a
    bundled name or YAML path as `sim.api.jitter` takes).

    engine: `auto` (fast when `fast_path_holds`, else SimPy), `fast` or `simpy`;
    record: keep every event (SimPy only) for a Perfetto trace.
    """
    scenario = load_scenario(scenario)
    if not _is_int(runs) or runs < 1:
        raise SimError(f"--runs: expected a positive integer, got {runs!r}")
    if runs > MAX_RUNS:
        raise SimError(f"--runs: expected at most {MAX_RUNS:,} inferences (every run is kept in memory, "
                       f"about 0.4 kB each), got {runs:,}")
    if not _is_int(seed) or seed < 0:
        raise SimError(f"--seed: expected a non-negative integer, got {seed!r}")
    if engine not in ENGINES:
        raise SimError(f"--engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    fast_ok = fast_path_holds(scenario)
    if engine == "fast" and not fast_ok:
        raise SimError(f"--engine fast: expected a scenario where every bus master outranks the DMA under "
                       f"fixed_priority, got {scenario.name} ({scenario.bus.arbitration})")
    use_fast = (engine == "fast" or (engine == "auto" and fast_ok)) and not record
    plan = plan_replay(costs, hw)
    horizon = _first_horizon(plan, scenario, runs)
    first = horizon
    while True:
        dist = draw(scenario, seed, horizon, clock_hz=plan.clock_hz, bus_bytes_per_cycle=plan.bus_bytes_per_cycle,
                    offchip_kind=plan.offchip_kind)
        events: list[tuple[str, str, float, float]] | None = [] if record else None
        if use_fast:
            out = _fast(plan, scenario, dist, runs, segment_runs)
        else:
            recorder: Callable[[str, str, float, float], None] | None = (
                _recorder(events) if events is not None else None)
            out = replay_events(plan, scenario, dist, runs, max(hw.dma.channels, 1), recorder, segment_runs)
        if out[3][-1, 1] <= 0.95 * horizon or not (scenario.bus.masters or scenario.interrupts
                                                   or scenario.dram_refresh):
            break
        if horizon >= MAX_HORIZON_GROWTH * first:  # the disturbances never leave the model time to finish
            irq, bus = loads(scenario, plan.clock_hz, plan.bus_bytes_per_cycle)
            raise SimError(f"scenario {scenario.name}: expected disturbances that leave the model time to run, "
                           f"got {runs} run(s) outlasting {MAX_HORIZON_GROWTH}x their undisturbed time (interrupt "
                           f"handlers take {irq * 100:.3g}% of the core, other bus masters {bus * 100:.3g}% of the bus)")
        log.info("replay outran the drawn disturbances (%.3g cycles); drawing to %.3g", horizon, 2 * horizon)
        horizon *= 2
    layer_cycles, vsq, segs, per_run = out
    return Timeline(plan=plan, scenario=scenario, seed=seed, engine="fast" if use_fast else "simpy",
                    start_cycles=np.copy(per_run[:, 0]), end_cycles=np.copy(per_run[:, 1]), layer_cycles=layer_cycles,
                    energy_pj=_energy(plan, per_run[:, 1] - per_run[:, 0], vsq), temperature_c=np.copy(per_run[:, 2]),
                    clock_scale=np.copy(per_run[:, 3]), segments=segs, events=events)


def _fast(plan: Plan, scenario: Scenario, dist: Disturbances, runs: int,
          segment_runs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    bus = np.ascontiguousarray(dist.bus_busy(scenario.bus.dma_priority))
    irq = np.ascontiguousarray(dist.irq_busy())
    slots, params, steps = slot_matrix(plan), run_params(plan, scenario, runs, segment_runs), step_matrix(scenario)
    if runs * plan.tiles >= COMPILED_ABOVE:
        return K.replay_runs(slots, plan.layer_of, params, bus, irq, steps)
    # Performance: below COMPILED_ABOVE the plain loop finishes before numba would have
    # compiled the kernel on a cold cache (about 5 s); both do the same float operations.
    lc, vsq, segs, per_run = reference.replay_runs(slots.tolist(), plan.layer_of.tolist(), params.tolist(),
                                                   (bus[0].tolist(), bus[1].tolist()),
                                                   (irq[0].tolist(), irq[1].tolist()), steps.tolist())
    return (np.reshape(np.asarray(lc, dtype=np.float64), (runs, len(plan.layers))),
            np.reshape(np.asarray(vsq, dtype=np.float64), (runs, len(plan.layers))),
            np.reshape(np.asarray(segs, dtype=np.float64), (-1, 3)),
            np.reshape(np.asarray(per_run, dtype=np.float64), (runs, 4)))


def _recorder(events: list[tuple[str, str, float, float]]) -> Callable[[str, str, float, float], None]:
    def record(track: str, name: str, start: float, end: float) -> None:
        events.append((track, name, start, end))
    return record


def _first_horizon(plan: Plan, scenario: Scenario, runs: int) -> float:
    """Cycles the disturbances are drawn over: a generous guess, doubled if outrun."""
    rel = scenario.inference
    slowest = min([1.0] + [s.clock_scale for s in (scenario.thermal.steps if scenario.thermal else ())])
    per_run = max(plan.analytic_cycles / slowest + rel.gap_us * 1e-6 * plan.clock_hz,
                  rel.period_us * 1e-6 * plan.clock_hz)
    return 1.5 * runs * per_run + 1e6


def _energy(plan: Plan, latency: np.ndarray, vsq: np.ndarray) -> dict[str, np.ndarray]:
    """Energy per run by component: dynamic parts at each layer's supply, static and leakage
    power over the run's latency."""
    dyn = vsq @ plan.layer_energy_pj  # (runs, components)
    out = {name: dyn[:, j] for j, name in enumerate(plan.components)}
    seconds = latency / plan.clock_hz
    out["static"] = plan.static_mw * seconds * PJ_PER_MW_S
    out["leakage"] = plan.leakage_mw * seconds * PJ_PER_MW_S
    return out
