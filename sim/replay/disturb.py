"""Disturbances drawn in advance: when other masters want the bus, when interrupts fire.

Nothing the replay does changes when a camera line or a SysTick arrives, so every source
draws its arrivals and sizes up front from its own child of the one seeded generator
(`numpy.random.Generator.spawn`, in scenario order). Draws come in fixed-size blocks, so
a longer horizon extends the same sequence rather than changing it: the first N runs of a
replay are the same whatever N is. Both replay paths consume these same arrays.
Times and works are float64 cycles of the nominal clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from sim.errors import SpecError
from sim.replay import reference
from sim.replay.kernels import busy_periods
from sim.replay.scenario import BusMaster, Dist, InterruptSource, Scenario

log = logging.getLogger(__name__)

BLOCK = 4096
COMPILED_ABOVE = 1_000_000  # arrivals from which the compiled merge beats compiling it
MAX_ARRIVALS = 2**27  # arrivals of one source held at once: two float64 arrays near 2 GB
REFRESH_PRIORITY = -1  # refresh outranks every master: the controller cannot defer it past tREFI x 8


@dataclass(frozen=True)
class Stream:
    """One source's arrivals (sorted) and works, with its arbitration rank."""

    name: str
    priority: int
    arrivals: np.ndarray
    works: np.ndarray


@dataclass(frozen=True)
class Disturbances:
    bus: tuple[Stream, ...]      # other bus masters and refresh
    irq: tuple[Stream, ...]      # interrupt sources
    horizon: float               # cycles covered by the draws

    def bus_busy(self, below_priority: int) -> np.ndarray:
        """(2, m) busy intervals of the bus left by every master ranked above `below_priority`."""
        return _merged([s for s in self.bus if s.priority < below_priority])

    def irq_busy(self) -> np.ndarray:
        return _merged(list(self.irq))


def _merged(streams: list[Stream]) -> np.ndarray:
    if not streams:
        return np.empty((2, 0))
    arrivals = np.concatenate([s.arrivals for s in streams])
    works = np.concatenate([s.works for s in streams])
    order = np.argsort(arrivals, kind="stable")
    if arrivals.size >= COMPILED_ABOVE:
        starts, ends = busy_periods(arrivals[order], works[order])
        return np.stack([starts, ends])
    # Performance: small merges finish in the plain loop before numba would compile.
    s, e = reference.busy_periods(arrivals[order].tolist(), works[order].tolist())
    return np.reshape(np.asarray([s, e], dtype=np.float64), (2, -1))


def sample(dist: Dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` draws of `dist` (always consumes the generator the same way for a given n)."""
    if dist.dist == "fixed":
        return np.full(n, dist.value)
    if dist.dist == "uniform":
        return rng.uniform(dist.low, dist.high, n)
    if dist.dist == "exponential":
        return rng.exponential(dist.mean, n)
    w = np.asarray(dist.weights or (1.0,) * len(dist.values), dtype=float)
    return np.asarray(dist.values, dtype=float)[rng.choice(len(dist.values), size=n, p=w / w.sum())]


def arrivals(kind: str, rate_hz: float, jitter_s: float, clock_hz: float, rng: np.random.Generator,
             horizon: float, sizes: Dist, size_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times (cycles, sorted) up to `horizon` and their works (size x size_scale)."""
    period = clock_hz / rate_hz
    phase = rng.uniform(0.0, period) if kind == "periodic" else 0.0
    times: list[np.ndarray] = []
    works: list[np.ndarray] = []
    last, k = 0.0, 0
    while last <= horizon:
        if kind == "periodic":
            base = phase + period * np.arange(k, k + BLOCK)
            t = base + rng.uniform(-1.0, 1.0, BLOCK) * jitter_s * clock_hz if jitter_s > 0 else base
            last = float(base[-1])
        else:
            t = last + np.cumsum(rng.exponential(period, BLOCK))
            last = float(t[-1])
        times.append(t)
        works.append(sample(sizes, rng, BLOCK) * size_scale)
        k += BLOCK
    t_all, w_all = np.concatenate(times), np.concatenate(works)
    order = np.argsort(t_all, kind="stable")
    t_all, w_all = t_all[order], w_all[order]
    keep = (t_all >= 0.0) & (t_all <= horizon)
    return t_all[keep], w_all[keep]


def _master(m: BusMaster, rng: np.random.Generator, clock_hz: float, bus_bytes_per_cycle: float,
            horizon: float) -> Stream:
    frame_phase = rng.uniform(0.0, clock_hz / m.frames.rate_hz) if m.frames else 0.0
    t, w = arrivals(m.arrival, m.rate_hz, m.jitter_us * 1e-6, clock_hz, rng, horizon, m.burst_bytes,
                    1.0 / bus_bytes_per_cycle)
    if m.frames is not None:
        frame = clock_hz / m.frames.rate_hz
        active = ((t - frame_phase) % frame) < m.frames.active_fraction * frame
        t, w = t[active], w[active]
    return Stream(m.name, m.priority, t, w)


def _interrupt(s: InterruptSource, rng: np.random.Generator, clock_hz: float, horizon: float) -> Stream:
    t, w = arrivals(s.arrival, s.rate_hz, 0.0, clock_hz, rng, horizon, s.duration_us, 1e-6 * clock_hz)
    return Stream(s.name, -1, t, w)


def loads(scenario: Scenario, clock_hz: float, bus_bytes_per_cycle: float) -> tuple[float, float]:
    """Long-run shares of the core taken by interrupt handlers and of the bus taken by the
    other masters (each source's rate x its mean work), for messages about saturation."""
    irq = sum(s.rate_hz * s.duration_us.expected * 1e-6 for s in scenario.interrupts.values())
    bus = sum(m.rate_hz * (m.frames.active_fraction if m.frames else 1.0) * m.burst_bytes.expected
              for m in scenario.bus.masters.values()) / (bus_bytes_per_cycle * clock_hz)
    return irq, bus


def analysis_generator(scenario: Scenario, seed: int) -> np.random.Generator:
    """The child of the seeded generator after every source's: for sampling done after the replay."""
    n = len(scenario.bus.masters) + 1 + len(scenario.interrupts)
    return np.random.default_rng(seed).spawn(n + 1)[n]


def draw(scenario: Scenario, seed: int, horizon: float, *, clock_hz: float, bus_bytes_per_cycle: float,
         offchip_kind: str) -> Disturbances:
    """Every source of `scenario` drawn over [0, horizon] cycles from `seed`."""
    rates = [(f"bus.masters.{n}.rate_hz", m.rate_hz) for n, m in scenario.bus.masters.items()]
    rates += [(f"interrupts.{n}.rate_hz", s.rate_hz) for n, s in scenario.interrupts.items()]
    if scenario.dram_refresh is not None and offchip_kind == "dram":
        rates.append(("dram_refresh.interval_us", 1e6 / scenario.dram_refresh.interval_us))
    for where, rate_hz in rates:
        if rate_hz * horizon / clock_hz > MAX_ARRIVALS:  # would exhaust memory before the replay starts
            raise SpecError(f"scenario {scenario.name}", where, f"a rate giving at most {MAX_ARRIVALS:,} arrivals "
                            f"over the {horizon / clock_hz:.3g} s drawn", rate_hz)
    rng = np.random.default_rng(seed)
    masters = list(scenario.bus.masters.values())
    irqs = list(scenario.interrupts.values())
    children = rng.spawn(len(masters) + 1 + len(irqs))
    bus = [_master(m, children[i], clock_hz, bus_bytes_per_cycle, horizon) for i, m in enumerate(masters)]
    ref = scenario.dram_refresh
    if ref is not None:
        if offchip_kind == "dram":
            period = ref.interval_us * 1e-6 * clock_hz
            phase = children[len(masters)].uniform(0.0, period)
            t = phase + period * np.arange(int(max(horizon - phase, 0.0) // period) + 1)
            bus.append(Stream("dram_refresh", REFRESH_PRIORITY, t, np.full(t.size, ref.duration_ns * 1e-9 * clock_hz)))
        else:
            log.info("dram_refresh ignored: the off-chip memory is %s, not DRAM", offchip_kind or "absent")
    irq = [_interrupt(s, children[len(masters) + 1 + i], clock_hz, horizon) for i, s in enumerate(irqs)]
    return Disturbances(tuple(bus), tuple(irq), horizon)
