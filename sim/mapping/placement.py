"""Where the runtime keeps a model's tensor arena and its weights, and whether they fit.

A microcontroller runtime (TFLM) keeps the arena (activations, kernel scratch and the
persistent tail) in on-chip RAM, in TCM when a TCM level holds it, else in `sram`, and
the weights where the linker put them: flash, else SRAM beside the arena. An NPU system in
Vela's Shared_Sram mode (`holds_graph_io`) keeps its arena in SRAM too; other parts
(application cores, NPUs with DRAM) keep it off chip. A part whose memories cannot hold
what is placed in them cannot run the model as configured, whatever its latency would be.
Stack, heap, code and application data count only as a level's `reserved_bytes` (default
0), so with no reservation `fits` is necessary, not sufficient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from sim.spec.model import Hardware, Memory, VectorUnit
from sim.units import bytes_text


@dataclass(frozen=True, slots=True)
class Use:
    """What one memory level must hold."""

    memory: str
    what: str               # "arena" (+ " + tail" on an MCU), "weights", or both
    need_bytes: int
    size_bytes: int         # free for the model: capacity less `reserved_bytes`
    reserved_bytes: int = 0

    @property
    def fits(self) -> bool:
        return self.need_bytes <= self.size_bytes

    def text(self) -> str:
        free = f" free after {bytes_text(self.reserved_bytes)} reserved" if self.reserved_bytes else ""
        if self.fits:
            return f"{self.memory} {bytes_text(self.need_bytes, self.size_bytes)}{free} ({self.what})"
        return (f"{self.memory} needs {bytes_text(self.need_bytes)} ({self.what}) "
                f"but has {bytes_text(self.size_bytes)}{free}")


def is_mcu(hw: Hardware) -> bool:
    """A Cortex-M part: TFLM interprets the graph op by op, with CMSIS-NN style kernels."""
    return isinstance(hw.compute, VectorUnit) and hw.compute.core.startswith("cortex-m")


def weight_memory(hw: Hardware) -> Memory:
    """Weights stay where the linker put them: flash (or DRAM) when the part has it, else SRAM."""
    off = hw.offchip
    return off if off is not None else hw.scratchpad


def free_bytes(m: Memory, sizes: Mapping[str, int] | None = None) -> int:
    """What a level offers the model: its capacity (`sizes` overrides it, as a sweep point
    does) less what the application reserves there."""
    return max((sizes or {}).get(m.name, m.size_bytes) - m.reserved_bytes, 0)


def arena_memory(hw: Hardware, arena_bytes: int, sizes: Mapping[str, int] | None = None) -> Memory:
    """The level holding the tensor arena (see the module docstring)."""
    if is_mcu(hw):
        tcm = [m for m in hw.memories if m.kind == "tcm" and free_bytes(m, sizes) >= arena_bytes]
        return tcm[0] if tcm else hw.scratchpad
    if hw.scratchpad.holds_graph_io or hw.offchip is None:
        return hw.scratchpad
    return hw.offchip


def placement(hw: Hardware, *, arena_bytes: int, persistent_bytes: int, weight_bytes: int,
              sizes: Mapping[str, int] | None = None) -> list[Use]:
    """One `Use` per level that holds the arena or the weights, outermost first. The
    persistent tail is TFLM's per-operator bookkeeping on an MCU; an NPU runs the compiled
    graph as one operator, so there only the arena counts."""
    tail = persistent_bytes if is_mcu(hw) else 0
    label = "arena + tail" if tail else "arena"
    arena = arena_memory(hw, arena_bytes + tail, sizes)
    weights = weight_memory(hw)
    need: dict[str, tuple[str, int]] = {arena.name: (label, arena_bytes + tail)}
    if weights.name in need:
        need[weights.name] = (f"{label} + weights", need[weights.name][1] + weight_bytes)
    else:
        need[weights.name] = ("weights", weight_bytes)
    return [Use(m.name, need[m.name][0], int(need[m.name][1]), free_bytes(m, sizes), m.reserved_bytes)
            for m in hw.memories if m.name in need]


def fits(uses: list[Use]) -> bool:
    return all(u.fits for u in uses)


def describe(uses: list[Use]) -> str:
    return ", ".join(u.text() for u in uses)


def fit_columns(hw: Hardware, *, arena_bytes: int, persistent_bytes: int, weight_bytes: int,
                sizes: Mapping[str, int] | None = None) -> dict[str, object]:
    """summary.csv's `fits_memory` and `memory_use`."""
    uses = placement(hw, arena_bytes=arena_bytes, persistent_bytes=persistent_bytes, weight_bytes=weight_bytes,
                     sizes=sizes)
    return {"fits_memory": fits(uses), "memory_use": describe(uses)}
