"""Tensor arena planning, exactly as TFLite Micro's GreedyMemoryPlanner does it.

TFLM (tensorflow/lite/micro/micro_allocation_info.cc, memory_planner/greedy_memory_planner.cc)
gives every non-constant tensor a lifetime in "allocation scopes": graph inputs and outputs
are created at scope 0, operator i creates its outputs and last uses its inputs at scope
i + 1, and graph outputs live to the last scope. A kernel's scratch buffer (CMSIS-NN's
im2col buffer) lives for its operator's scope only. Sizes are rounded up to 16 bytes
(MicroArenaBufferAlignment). Buffers are added in tensor order, then scratch buffers;
the planner fills its sort array from the tail and bubble-sorts it by size, so equal sizes
are placed in reverse insertion order. Each buffer goes at the lowest offset where it
overlaps in space no already-placed buffer that is alive at the same time. The arena is
the highest end: this is the head (non-persistent) section of the TFLM arena; persistent
allocations (eval tensors, node structs, kernel OpData) are estimated apart.

What-ifs that lower the peak: in-place operators (an elementwise or view output reuses
its input's buffer) and patch-based execution of the first layers (MCUNetV2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from sim.graph.ir import VIEW_OPS, Graph, Op

ALIGNMENT = 16  # TFLM MicroArenaBufferAlignment()
INPLACE_OPS = frozenset(VIEW_OPS | {"ADD", "SUB", "MUL", "RELU", "RELU6", "LOGISTIC", "TANH", "QUANTIZE",
                                    "DEQUANTIZE", "LEAKY_RELU", "HARD_SWISH"})


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


def lifetimes(graph: Graph, *, alias: Mapping[str, str] | None = None) -> list[Buffer]:
    """Non-constant tensors in tensor order with TFLM allocation-scope lifetimes.

    `alias` maps a tensor to the tensor whose buffer it reuses (in-place what-if)."""
    alias = dict(alias or {})

    def root(t: str) -> str:
        while t in alias:
            t = alias[t]
        return t

    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for t in list(graph.inputs) + list(graph.outputs):
        first[root(t)] = 0
        last[root(t)] = 0
    for i, op in enumerate(graph.ops):
        scope = i + 1
        for t in op.outputs:
            r = root(t)
            if r == t:
                first[r] = scope if r not in first or r in graph.outputs else first[r]
            last[r] = max(last.get(r, scope), scope)
        for t in op.inputs:
            r = root(t)
            if t in graph.tensors and not graph.tensors[t].is_const and r in first:
                last[r] = max(last[r], scope)
    for t in graph.outputs:
        last[root(t)] = len(graph.ops)
    return [Buffer(t, graph.tensors[t].nbytes, first[t], last[t]) for t in graph.tensors if t in first]


def scratch_buffers(scratch: Mapping[int, int]) -> list[Buffer]:
    """One buffer per operator index with scratch bytes, alive for that operator's scope."""
    return [Buffer(f"scratch:{i}", size, i + 1, i + 1) for i, size in sorted(scratch.items()) if size > 0]


def plan_arena(graph: Graph | None, buffers: list[Buffer] | None = None, *,
               scratch: Mapping[int, int] | None = None, alias: Mapping[str, str] | None = None) -> ArenaPlan:
    """Place buffers with TFLM's greedy first-fit; `scratch` maps op index -> bytes."""
    if buffers is not None:
        bufs = list(buffers)
    elif graph is not None:
        bufs = lifetimes(graph, alias=alias)
    else:
        raise ValueError("plan_arena: expected a graph or a list of buffers, got neither")
    bufs += scratch_buffers(scratch or {})
    order = sorted(range(len(bufs)), key=lambda i: (-_align(bufs[i].size), -i))
    placed: list[tuple[int, int, Buffer]] = []
    offsets: dict[str, int] = {}
    for i in order:
        b = bufs[i]
        size = _align(b.size)
        live = sorted((off, off + sz) for off, sz, p in placed if not (p.first > b.last or b.first > p.last))
        offset = 0
        for lo, hi in live:
            if lo - offset >= size:
                break
            offset = max(offset, hi)
        placed.append((offset, size, b))
        offsets[b.tensor] = offset
    top = max((off + size for off, size, _ in placed), default=0)
    return ArenaPlan(top, offsets, tuple(bufs))


def peak_live_bytes(graph: Graph, scratch: Mapping[int, int] | None = None,
                    alias: Mapping[str, str] | None = None) -> int:
    """The lower bound any planner can reach: the largest sum of buffers alive at once."""
    bufs = lifetimes(graph, alias=alias) + scratch_buffers(scratch or {})
    return max((sum(_align(b.size) for b in bufs if b.first <= s <= b.last) for s in range(len(graph.ops) + 2)),
               default=0)


def persistent_bytes_estimate(graph: Graph) -> int:
    """TFLM's tail (persistent) section: eval tensors, node structs, kernel OpData.

    Sizes from TFLM's RecordingMicroAllocator on x86_64: TfLiteEvalTensor 24 B per tensor,
    NodeAndRegistration 64 B per operator, 2 persistent TfLiteTensors of 64 B plus 64 B of
    quantization data for the interpreter's input and output, and per weighted operator an
    OpData (~70 B) with per-channel int32 multipliers and shifts (8 B per output channel),
    plus 880 B of interpreter objects the recording allocator does not itemise (the tail
    of ResNet-8 minus its itemised allocations). An estimate: the golden test bounds it."""
    total = 24 * len(graph.tensors) + 64 * len(graph.ops) + 128 + 64 + 880
    for op in graph.ops:
        if op.op_type in VIEW_OPS:
            continue
        total += 70
        weights = graph.weights(op)
        if weights is not None and weights.per_channel:
            total += _align(8 * len(weights.scale))
    return total


def inplace_aliases(graph: Graph) -> dict[str, str]:
    """Outputs that may overwrite their first input: views, and elementwise ops whose first
    input has no later reader and the same byte size (TFLM does not do this by default)."""
    alias: dict[str, str] = {}
    for op in graph.ops:
        if op.op_type not in INPLACE_OPS or not op.inputs or not op.outputs:
            continue
        src = op.inputs[0]
        t_in, t_out = graph.tensors.get(src), graph.tensors.get(op.outputs[0])
        if t_in is None or t_out is None or t_in.is_const or t_in.nbytes != t_out.nbytes:
            continue
        if src in graph.inputs or any(src in later.inputs for later in graph.ops[op.index + 1:]):
            continue
        alias[op.outputs[0]] = src
    return alias


def patch_peak_bytes(graph: Graph, patches: int, layers: int, scratch: Mapping[int, int] | None = None) -> int:
    """MCUNetV2 patch-based inference: the first `layers` operators run on `patches` x
    `patches` spatial tiles of their output, one tile at a time, so the activations inside
    that stage shrink to one tile plus the halo its receptive field needs; the graph input
    and every tensor read after the stage stay whole. Returns the new peak of live bytes (the planner's
    lower bound). The halo is propagated backwards: a tile of h rows out of a kh-tall,
    stride-s operator needs (h - 1) * s + kh input rows."""
    if patches <= 1 or layers <= 0:
        return peak_live_bytes(graph, scratch)
    stage = graph.ops[:layers]
    tile: dict[str, tuple[int, int]] = {}
    out = graph.tensors[stage[-1].outputs[0]]
    if len(out.shape) != 4:
        return peak_live_bytes(graph, scratch)
    tile[stage[-1].outputs[0]] = (-(-out.shape[1] // patches), -(-out.shape[2] // patches))
    for op in reversed(stage):
        th, tw = tile.get(op.outputs[0], (0, 0))
        if not th:
            continue
        kh = int(op.attrs.get("filter_h", 0)) or _kernel_h(graph, op)
        kw = int(op.attrs.get("filter_w", 0)) or kh
        sh, sw = int(op.attrs.get("stride_h", 1)), int(op.attrs.get("stride_w", 1))
        for t in op.inputs:
            ten = graph.tensors[t]
            if ten.is_const or len(ten.shape) != 4:
                continue
            need = (min((th - 1) * sh + kh, ten.shape[1]), min((tw - 1) * sw + kw, ten.shape[2]))
            old = tile.get(t, (0, 0))
            tile[t] = (max(old[0], need[0]), max(old[1], need[1]))
    # tensors read after the stage (its output, a residual branch) must be whole
    keep = set(graph.inputs) | set(stage[-1].outputs) | {t for op in graph.ops[layers:] for t in op.inputs}
    shrunk = {t: replace(graph.tensors[t], shape=(graph.tensors[t].shape[0], h, w, graph.tensors[t].shape[3]))
              for t, (h, w) in tile.items() if t not in keep}
    patched = Graph(graph.name, graph.ops, {**graph.tensors, **shrunk}, graph.inputs, graph.outputs)
    return peak_live_bytes(patched, scratch)


def _kernel_h(graph: Graph, op: Op) -> int:
    consts = graph.constants_in(op)
    w = consts[0] if consts else None
    return int(w.shape[1]) if w is not None and len(w.shape) == 4 else 1
