"""Scenarios: what else happens on the part while the model runs.

A scenario is the environment of a replay, kept apart from the hardware spec as ZigZag
keeps workload and hardware apart: the same part can run `quiet` on a bench or `busy-bus`
in a camera. It lists other bus masters (camera or display DMA, a radio) with their
arrival process and burst-size distribution, the bus arbitration policy, interrupts that
preempt the CPU, DRAM refresh, a thermal RC model with DVFS steps, and how inferences are
released (back to back, or one per period).

Files are YAML checked by the builder that checks hardware (`sim/spec/fields.py`): unknown
keys list the valid ones and every problem is one line, `FILE: FIELD: expected ..., got ...`.
Times are microseconds (`_us`), rates hertz (`_hz`), sizes bytes (`_bytes`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import SpecError
from sim.spec.fields import SpecBuilder
from sim.spec.load import display_path, names_in, read_yaml, resolve_named_file, search_dirs
from sim.spec.model import FRACTION, NONNEG, POSITIVE, spec_field

DISTRIBUTIONS = ("fixed", "uniform", "exponential", "choice")
ARRIVALS = ("periodic", "poisson")
ARBITRATIONS = ("fixed_priority", "round_robin")


@dataclass(frozen=True, slots=True, kw_only=True)
class Dist:
    """A non-negative random quantity: `fixed` value, `uniform` [low, high], `exponential`
    with `mean`, or `choice` among `values` with optional `weights`. A bare number in a
    file means `fixed`."""

    dist: str = spec_field("fixed", choices=DISTRIBUTIONS, doc="distribution kind")
    value: float = spec_field(0.0, check=NONNEG, doc="fixed: the value")
    low: float = spec_field(0.0, check=NONNEG, doc="uniform: lower bound")
    high: float = spec_field(0.0, check=NONNEG, doc="uniform: upper bound")
    mean: float = spec_field(0.0, check=NONNEG, doc="exponential: mean")
    values: tuple[float, ...] = spec_field((), check=NONNEG, doc="choice: the values")
    weights: tuple[float, ...] = spec_field((), check=NONNEG, doc="choice: relative weights (default equal)")

    def __post_init__(self) -> None:
        if self.dist == "uniform" and self.high < self.low:
            raise ValueError(f"high: expected a number >= low ({self.low}), got {self.high}")
        if self.dist == "exponential" and self.mean <= 0:
            raise ValueError(f"mean: expected a positive number, got {self.mean}")
        if self.dist == "choice" and not self.values:
            raise ValueError("values: expected a non-empty list, got nothing")
        if self.dist == "choice" and self.weights and (len(self.weights) != len(self.values)
                                                        or sum(self.weights) <= 0):
            raise ValueError(f"weights: expected {len(self.values)} weights with a positive sum, "
                             f"got {list(self.weights)}")

    @property
    def expected(self) -> float:
        if self.dist == "fixed":
            return self.value
        if self.dist == "uniform":
            return 0.5 * (self.low + self.high)
        if self.dist == "exponential":
            return self.mean
        w = self.weights or (1.0,) * len(self.values)
        return sum(v * x for v, x in zip(self.values, w)) / sum(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class Frames:
    """Gates a master to the active part of each frame (a camera is silent in blanking)."""

    rate_hz: float = spec_field(required=True, check=POSITIVE, doc="frames per second")
    active_fraction: float = spec_field(1.0, check=FRACTION, doc="share of each frame period with traffic")


@dataclass(frozen=True, slots=True, kw_only=True)
class BusMaster:
    """Another master on the shared bus: bursts arrive `periodic`ally (optionally jittered)
    or as a Poisson process at `rate_hz`, each moving `burst_bytes`."""

    name: str = spec_field(required=True, doc="key under bus.masters:")
    priority: int = spec_field(1, check=NONNEG, doc="fixed-priority rank, lower is served first")
    arrival: str = spec_field("poisson", choices=ARRIVALS, doc="arrival process of bursts")
    rate_hz: float = spec_field(required=True, check=POSITIVE, doc="bursts per second")
    jitter_us: float = spec_field(0.0, check=NONNEG, doc="periodic: uniform jitter of each arrival, +- us")
    burst_bytes: Dist = spec_field(required=True, doc="bytes per burst")
    frames: Frames | None = spec_field(None, doc="only send during the active part of each frame")


@dataclass(frozen=True, slots=True, kw_only=True)
class Bus:
    """The shared off-chip port the replayed DMA uses, and who else wants it."""

    arbitration: str = spec_field("fixed_priority", choices=ARBITRATIONS, doc="arbitration between masters")
    dma_priority: int = spec_field(9, check=NONNEG, doc="fixed-priority rank of the replayed DMA")
    masters: dict[str, BusMaster] = spec_field({}, doc="other bus masters by name")


@dataclass(frozen=True, slots=True, kw_only=True)
class InterruptSource:
    """Interrupts that preempt the CPU: `periodic` (a SysTick) or `poisson` (I/O)."""

    name: str = spec_field(required=True, doc="key under interrupts:")
    arrival: str = spec_field("periodic", choices=ARRIVALS, doc="arrival process")
    rate_hz: float = spec_field(required=True, check=POSITIVE, doc="interrupts per second")
    duration_us: Dist = spec_field(required=True, doc="handler time, us")


@dataclass(frozen=True, slots=True, kw_only=True)
class DramRefresh:
    """All-bank refresh: every `interval_us` the DRAM is unavailable for `duration_ns`."""

    interval_us: float = spec_field(7.8, check=POSITIVE, doc="tREFI, us (JEDEC DDR3/DDR4: 7.8 us)")
    duration_ns: float = spec_field(350.0, check=POSITIVE, doc="tRFC, ns (JEDEC DDR4 8 Gb: 350 ns)")


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottleStep:
    """Above `above_c` the governor runs the clock at `clock_scale` (and the supply at
    `voltage_scale`, which scales dynamic energy by its square)."""

    above_c: float = spec_field(required=True, doc="junction temperature threshold, C")
    clock_scale: float = spec_field(required=True, check=FRACTION, doc="clock as a fraction of clock_hz")
    voltage_scale: float = spec_field(1.0, check=FRACTION, doc="supply as a fraction of nominal")

    def __post_init__(self) -> None:
        if self.clock_scale <= 0:
            raise ValueError(f"clock_scale: expected a fraction in (0, 1], got {self.clock_scale}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Thermal:
    """First-order RC model from power to junction temperature: C dT/dt = P - (T - T_amb)/R."""

    ambient_c: float = spec_field(25.0, doc="ambient (enclosure) temperature, C")
    initial_c: float | None = spec_field(None, doc="junction temperature at t=0, C (default: ambient)")
    r_th_c_per_w: float = spec_field(required=True, check=POSITIVE, doc="junction-to-ambient resistance, C/W")
    c_th_j_per_c: float = spec_field(required=True, check=POSITIVE, doc="thermal capacitance, J/C")
    hysteresis_c: float = spec_field(2.0, check=NONNEG, doc="cool this far below a threshold to step back up")
    steps: tuple[ThrottleStep, ...] = spec_field((), doc="DVFS steps, by rising threshold")

    def __post_init__(self) -> None:
        for a, b in zip(self.steps, self.steps[1:]):
            if b.above_c <= a.above_c:
                raise ValueError(f"steps: expected rising above_c thresholds, got {a.above_c} then {b.above_c}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    """When inferences start: back to back after `gap_us`, or one per `period_us`."""

    period_us: float = spec_field(0.0, check=NONNEG, doc="start one inference per period (0: back to back)")
    gap_us: float = spec_field(0.0, check=NONNEG, doc="idle time between back-to-back inferences, us")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    name: str = spec_field(required=True, doc="scenario name")
    description: str = spec_field("", doc="one line about the situation")
    inference: Release = spec_field(None, doc="how inferences are released")
    bus: Bus = spec_field(None, doc="the shared bus")
    interrupts: dict[str, InterruptSource] = spec_field({}, doc="interrupt sources by name")
    dram_refresh: DramRefresh | None = spec_field(None, doc="refresh of an off-chip DRAM")
    thermal: Thermal | None = spec_field(None, doc="RC thermal model and DVFS steps")

    def __post_init__(self) -> None:
        if self.inference is None:  # pyright: ignore[reportUnnecessaryComparison]  # spec_field's default
            object.__setattr__(self, "inference", Release())
        if self.bus is None:  # pyright: ignore[reportUnnecessaryComparison]  # spec_field's default
            object.__setattr__(self, "bus", Bus())

    @property
    def quiet(self) -> bool:
        """Nothing disturbs the replay: it must reproduce the analytic latency."""
        return not (self.bus.masters or self.interrupts or self.dram_refresh or self.thermal)


# --- loading --------------------------------------------------------------------------------

NAMED = frozenset({BusMaster, InterruptSource})  # named by their key

# A bare number stands for a fixed distribution; a null list or mapping is an empty one.
SCENARIO_FIELDS = SpecBuilder(keyed=NAMED, bare={Dist: lambda value: {"dist": "fixed", "value": value}},
                              null_is_empty=True)


def scenario_dirs() -> list[Path]:
    """Where `--scenario NAME` looks: $EDGESIM_SCENARIOS, the repo's scenarios/, ./scenarios."""
    return search_dirs("EDGESIM_SCENARIOS", "scenarios")


def bundled_scenarios() -> list[str]:
    return names_in(scenario_dirs())


def resolve_scenario_path(name_or_path: str | os.PathLike[str]) -> Path:
    return resolve_named_file(name_or_path, scenario_dirs(), flag="--scenario", what="scenario")


def load_scenario(spec: str | os.PathLike[str] | Scenario) -> Scenario:
    """A scenario by bundled name (`quiet`, `busy-bus`, `hot`) or YAML path."""
    if isinstance(spec, Scenario):
        return spec
    path = resolve_scenario_path(spec)
    raw, file = read_yaml(path), display_path(path)
    if not isinstance(raw, dict):
        raise SpecError(file, "", "a mapping of scenario fields", type(raw).__name__)
    scenario: Scenario = build(Scenario, raw, file, "")
    return scenario


def build(cls: type, raw: Any, file: str, prefix: str, name: str | None = None) -> Any:
    """Construct scenario dataclass `cls` from mapping `raw`, checking every field."""
    return SCENARIO_FIELDS.build(cls, raw, file, prefix, name)
