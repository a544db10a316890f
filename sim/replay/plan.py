"""Lower a schedule (`LayerCost` per layer) to the per-tile rhythm the replay plays.

The replay does not re-derive a layer's latency: the cost model's `latency_cycles` is the
quiet duration, split evenly over the layer's tiles, so a replay with nothing else
happening reproduces the analytic latency whichever cost model priced the layer. What the
replay adds is *what a disturbance can stretch*: per tile, `compute_cycles` of the unit
(which interrupts preempt when the unit is the CPU) and the bytes the DMA moves over the
shared off-chip port (which other masters and refresh delay).

A tile slot is the steady state of the tile pipeline: with double buffering the DMA moves
one tile in and one out while the unit computes one, so the slot lasts the longer of the
two; without it, transfer in, compute and transfer out follow each other.

Off-chip bytes come from the layer's `traffic` at the off-chip level (reads are DMA in,
writes DMA out), the same bytes its energy was charged for; `tiles` gives the tile count,
compute per tile and double buffering. Layers with thousands of uniform tiles are played as
at most `MAX_SLOTS` slots of several tiles each, which keeps the event count per tile
bounded (a coarser slot hides a little less contention than real tiles would).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.cost.layer import LayerCost
from sim.spec.model import Hardware
from sim.units import ceil_div

MAX_SLOTS = 64
TIME_BASED_ENERGY = ("static", "leakage")


@dataclass(frozen=True)
class Plan:
    """Per-tile arrays (one entry per slot, in execution order) and per-layer metadata.

    Cycle counts are at the nominal `clock_hz`; bus cycles are bytes over the off-chip
    port's bandwidth.
    """

    layer_of: np.ndarray        # int64, layer position of each slot
    quiet: np.ndarray           # float64, the cost model's cycles for the slot
    compute: np.ndarray         # float64, compute cycles of the slot
    bus_in: np.ndarray          # float64, bus cycles of the DMA in
    bus_out: np.ndarray         # float64, bus cycles of the DMA out
    setup_in: np.ndarray        # float64, DMA programming before the bus is used (double
                                # buffered: all of the slot's descriptors, channels in parallel)
    setup_out: np.ndarray       # float64, programming of the DMA out (not double buffered)
    double_buffered: np.ndarray # bool
    on_cpu: np.ndarray          # bool: the unit interrupts preempt
    dyn_energy_pj: np.ndarray   # float64, event energy of the slot at nominal voltage
    layers: tuple[str, ...]
    op_types: tuple[str, ...]
    units: tuple[str, ...]
    layer_quiet: np.ndarray     # float64 cycles per layer (the analytic latency)
    components: tuple[str, ...] # dynamic energy parts, e.g. compute, flash_read, sram_write
    layer_energy_pj: np.ndarray # (layers, components) dynamic energy at nominal voltage
    static_mw: float            # hw.floor_power_mw (static floor + board current)
    leakage_mw: float           # sum of memory leakage
    clock_hz: float
    bus_bytes_per_cycle: float
    burst_bytes: int
    offchip_kind: str

    @property
    def analytic_cycles(self) -> float:
        return float(self.layer_quiet.sum())

    @property
    def tiles(self) -> int:
        return int(self.layer_of.size)


def plan_replay(costs: list[LayerCost], hw: Hardware) -> Plan:
    off = hw.offchip
    bw = off.bandwidth_bytes_per_cycle if off is not None else hw.scratchpad.bandwidth_bytes_per_cycle
    channels = max(hw.dma.channels, 1)
    components = sorted({k for c in costs for k in c.energy_pj if k not in TIME_BASED_ENERGY})
    cols: dict[str, list[float]] = {k: [] for k in ("quiet", "compute", "bus_in", "bus_out", "setup_in",
                                                   "setup_out", "energy")}
    layer_of: list[int] = []
    db: list[bool] = []
    cpu: list[bool] = []
    energy = np.zeros((len(costs), len(components)))
    for pos, c in enumerate(costs):
        for j, k in enumerate(components):
            energy[pos, j] = c.energy_pj.get(k, 0.0)
        tiles = c.tiles
        count = max(tiles.count if tiles else 1, 1)
        slots = min(count, MAX_SLOTS)
        rd = c.bytes_at(off.name) if off is not None else 0
        wr = c.bytes_at(off.name, write=True) if off is not None else 0
        compute = tiles.compute_cycles * count if tiles else c.compute_cycles
        compute = min(compute, c.latency_cycles)
        double = tiles.double_buffered if tiles else True
        transfers = int(rd > 0) + int(wr > 0)
        # Tiles per slot: the first `count % slots` slots carry one extra tile.
        per = np.full(slots, count // slots, dtype=np.int64)
        per[: count % slots] += 1
        share = per / count
        for s in range(slots):
            n_tiles = int(per[s])
            layer_of.append(pos)
            cols["quiet"].append(c.latency_cycles * share[s])
            cols["compute"].append(compute * share[s])
            cols["bus_in"].append(rd * share[s] / bw)
            cols["bus_out"].append(wr * share[s] / bw)
            # Each tile programs its descriptors; channels program in parallel.
            setup = n_tiles * hw.dma.setup_cycles
            if double:
                cols["setup_in"].append(float(setup * ceil_div(transfers, channels)))
                cols["setup_out"].append(0.0)
            else:
                cols["setup_in"].append(float(setup * (rd > 0)))
                cols["setup_out"].append(float(setup * (wr > 0)))
            cols["energy"].append(float(energy[pos].sum()) * share[s])
            db.append(double)
            cpu.append(c.unit == "cpu")
    return Plan(
        layer_of=np.asarray(layer_of, dtype=np.int64), quiet=np.asarray(cols["quiet"]),
        compute=np.asarray(cols["compute"]), bus_in=np.asarray(cols["bus_in"]),
        bus_out=np.asarray(cols["bus_out"]), setup_in=np.asarray(cols["setup_in"]),
        setup_out=np.asarray(cols["setup_out"]),
        double_buffered=np.asarray(db, dtype=bool), on_cpu=np.asarray(cpu, dtype=bool),
        dyn_energy_pj=np.asarray(cols["energy"]),
        layers=tuple(c.layer for c in costs), op_types=tuple(c.op_type for c in costs),
        units=tuple(c.unit for c in costs),
        layer_quiet=np.asarray([float(c.latency_cycles) for c in costs]),
        components=tuple(components), layer_energy_pj=energy,
        static_mw=hw.floor_power_mw, leakage_mw=sum(m.leakage_mw for m in hw.memories),
        clock_hz=hw.clock_hz, bus_bytes_per_cycle=bw,
        burst_bytes=off.burst_bytes if off is not None else hw.scratchpad.burst_bytes,
        offchip_kind=off.kind if off is not None else "",
    )
