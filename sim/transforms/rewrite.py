"""Helpers every transform shares: rebuild a `Graph` from edited ops and tensors.

Transforms never mutate their input: they collect new `Op`/`Tensor` objects and call
`rebuild`, which renumbers operators so `op.index` is again the execution position (cost
models and reports index `graph.ops` by it) and appends the transform's label to
`graph.transforms`, so every output says what was done to the model.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping

from sim.graph.ir import Graph, Op, Tensor


def rebuild(graph: Graph, ops: Iterable[Op], tensors: Mapping[str, Tensor], label: str,
            inputs: Iterable[str] | None = None, outputs: Iterable[str] | None = None) -> Graph:
    """A new graph with `ops` renumbered in order and only the tensors they still use."""
    ops = [dataclasses.replace(op, index=i) for i, op in enumerate(ops)]
    ins = list(graph.inputs if inputs is None else inputs)
    outs = list(graph.outputs if outputs is None else outputs)
    used = {t for op in ops for t in (*op.inputs, *op.outputs) if t} | set(ins) | set(outs)
    kept = {name: t for name, t in tensors.items() if name in used}
    new = Graph(graph.name, ops, kept, ins, outs, source=graph.source)
    new.transforms = [*graph.transforms, label]
    return new


def with_attrs(op: Op, **attrs: object) -> Op:
    return dataclasses.replace(op, attrs={**op.attrs, **attrs})


def reshape_tensor(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    """`t` with a new shape; per-channel quantization parameters follow the channel count."""
    scale, zp = t.scale, t.zero_point
    if t.per_channel and t.quant_axis is not None and t.quant_axis < len(shape):
        n = shape[t.quant_axis]
        scale, zp = scale[:n], zp[:n]
    return dataclasses.replace(t, shape=tuple(int(d) for d in shape), scale=scale, zero_point=zp)


def rename_input(op: Op, old: str, new: str) -> Op:
    return dataclasses.replace(op, inputs=tuple(new if t == old else t for t in op.inputs))
