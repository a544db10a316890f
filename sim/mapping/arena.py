"""Tensor arena planning, as TFLite Micro's GreedyMemoryPlanner does it.

Each non-constant tensor is a buffer alive from the operator that writes it to the last
operator that reads it (graph inputs from the start, outputs to the end). Buffers are
placed largest first, each at the lowest offset where it overlaps no buffer alive at the
same time; the arena is the highest end. Reshape-like ops alias their input.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.graph.ir import VIEW_OPS, Graph

ALIGNMENT = 16  # TFLM MicroArenaBufferAlignment()


@dataclass(frozen=True, slots=True)
class Buffer:
    tensor: str
    size: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class ArenaPlan:
    arena_bytes: int
    offsets: dict[str, int]
    buffers: tuple[Buffer, ...]


def _align(n: int) -> int:
    return -(-n // ALIGNMENT) * ALIGNMENT


def lifetimes(graph: Graph) -> list[Buffer]:
    alias: dict[str, str] = {}
    for op in graph.ops:
        if op.op_type in VIEW_OPS and op.inputs:
            src = op.inputs[0]
            alias[op.outputs[0]] = alias.get(src, src)
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    end = len(graph.ops)
    for t in graph.inputs:
        first[alias.get(t, t)] = 0
    for op in graph.ops:
        for t in op.inputs:
            if t in graph.tensors and not graph.tensors[t].is_const:
                r = alias.get(t, t)
                first.setdefault(r, op.index)
                last[r] = max(last.get(r, op.index), op.index)
        for t in op.outputs:
            r = alias.get(t, t)
            first.setdefault(r, op.index)
            last[r] = max(last.get(r, op.index), op.index)
    for t in graph.outputs:
        last[alias.get(t, t)] = end
    return [Buffer(t, graph.tensors[t].nbytes, first[t], last.get(t, first[t])) for t in first]


def plan_arena(graph: Graph, buffers: list[Buffer] | None = None) -> ArenaPlan:
    bufs = sorted(buffers if buffers is not None else lifetimes(graph), key=lambda b: (-b.size, b.first))
    placed: list[tuple[int, int, Buffer]] = []
    offsets: dict[str, int] = {}
    for b in bufs:
        live = sorted((off, off + _align(p.size)) for off, _, p in placed
                      if not (p.last < b.first or b.last < p.first))
        offset = 0
        for lo, hi in live:
            if offset + b.size <= lo:
                break
            offset = max(offset, hi)
        placed.append((offset, b.size, b))
        offsets[b.tensor] = offset
    top = max((off + size for off, size, _ in placed), default=0)
    return ArenaPlan(top, offsets, tuple(bufs))


def peak_live_bytes(graph: Graph) -> int:
    """The lower bound any planner can reach: the largest sum of buffers alive at once."""
    bufs = lifetimes(graph)
    return max((sum(b.size for b in bufs if b.first <= i <= b.last) for i in range(len(graph.ops) + 1)),
               default=0)
