"""Energy parts shared by every cost model, in pJ.

A layer's energy is its compute part (per-MAC energy, or active power over its cycles: each
model says which) plus, here, each memory level's accesses at its per-byte read and write
energy, and the static floor (static power, board current, memory leakage) over its latency.
"""

from __future__ import annotations

from typing import Iterable

from sim.cost.layer import Traffic
from sim.spec.model import Hardware
from sim.units import mw_for_cycles_to_pj


def access_energy(hw: Hardware, traffic: Iterable[Traffic]) -> dict[str, float]:
    """`<memory>_read` and `<memory>_write` parts for every level the layer touches."""
    traffic = tuple(traffic)
    e: dict[str, float] = {}
    for m in hw.memories:
        rd = sum(t.read_bytes for t in traffic if t.memory == m.name)
        wr = sum(t.write_bytes for t in traffic if t.memory == m.name)
        if rd or wr:
            e[f"{m.name}_read"] = rd * m.read_energy_pj_per_byte
            e[f"{m.name}_write"] = wr * m.write_energy_pj_per_byte
    return e


def static_energy(hw: Hardware, latency_cycles: int) -> float:
    """The floor that burns whatever the layer does: static power, board current, leakage."""
    leak = hw.floor_power_mw + sum(m.leakage_mw for m in hw.memories)
    return mw_for_cycles_to_pj(leak, latency_cycles, hw.clock_hz)
