"""What a cost model says about one layer: `LayerCost`, and its traffic and energy parts.

Every cost model (the first roofline estimate, the systolic-array kernels, the CMSIS-NN
model, the SCALE-Sim reproduction) returns one `LayerCost` per operator, so the schedule,
the replay and the reports never need to know which model produced it.

Latency model: `latency_cycles = compute_cycles + stall_cycles`, where stalls are the
cycles a tile's transfers outlast its compute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPERANDS = ("ifm", "weights", "ofm")


@dataclass(frozen=True, slots=True)
class Traffic:
    """Bytes moved at one memory level for one operand of one layer."""

    memory: str
    operand: str
    read_bytes: int
    write_bytes: int


@dataclass(frozen=True, slots=True)
class TileStream:
    """The per-tile rhythm the replay needs: `count` uniform tiles, each loading `in_bytes`
    from off-chip memory, computing for `compute_cycles`, storing `out_bytes`."""

    count: int
    in_bytes: int
    out_bytes: int
    compute_cycles: int
    double_buffered: bool = True


@dataclass(frozen=True, slots=True)
class LayerCost:
    layer: str
    index: int
    op_type: str
    macs: int
    dataflow: str
    tiling: str
    compute_cycles: int
    stall_cycles: int
    working_set_bytes: int
    traffic: tuple[Traffic, ...]
    energy_pj: dict[str, float]
    unit: str = "npu"
    cost_model: str = "roofline"
    tiles: TileStream | None = None
    notes: str = ""
    extra: dict[str, float | str] = field(default_factory=dict[str, float | str])

    @property
    def latency_cycles(self) -> int:
        return self.compute_cycles + self.stall_cycles

    @property
    def energy_total_pj(self) -> float:
        return float(sum(self.energy_pj.values()))

    def bytes_at(self, memory: str, *, write: bool = False) -> int:
        return sum(t.write_bytes if write else t.read_bytes for t in self.traffic if t.memory == memory)
