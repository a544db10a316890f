"""Quantization modes: which data types activations, weights and biases have.

- `int8`: full integer (TFLite int8 scheme: int8 activations and weights, int32 biases).
- `int16`: 16x8 mode (TFLite's int16 activations with int8 weights and int64 biases).
- `float32`: everything float; QUANTIZE/DEQUANTIZE steps disappear.
- `weights-only`: int8 weights stored and streamed as int8, float32 activations and float
  compute. The model keeps its integer interface, so a DEQUANTIZE follows each input and a
  QUANTIZE precedes each output; and, as TFLite Micro runs it (no persistent cache for
  dequantized constants), each weighted layer's weights are dequantized by a DEQUANTIZE
  operator on every inference into a float32 scratch tensor the layer then reads. This is
  the mixed-precision bottleneck: 4-byte activations, float MAC throughput and conversion
  passes, with only the weight storage kept small.

Compute throughput follows the data type of each layer's input activation
(`compute.macs_per_cycle[dtype]` on vector units), so the cost models need no mode flag.
"""

from __future__ import annotations

import dataclasses

from sim.errors import SimError
from sim.graph.ir import WEIGHTED_OPS, Graph, Op, Tensor
from sim.transforms.rewrite import rebuild, with_attrs

MODES = ("int8", "int16", "float32", "weights-only")
CONVERSIONS = frozenset({"QUANTIZE", "DEQUANTIZE"})
INTEGER = frozenset({"int8", "uint8", "int16"})


def _retype(t: Tensor, dtype: str) -> Tensor:
    return t if t.dtype == dtype else dataclasses.replace(t, dtype=dtype)


def _roles(graph: Graph) -> tuple[set[str], set[str]]:
    """Names of weight tensors and bias tensors of weighted layers."""
    weights: set[str] = set()
    biases: set[str] = set()
    for op in graph.ops:
        w, b = graph.weights(op), graph.bias(op)
        if w is not None:
            weights.add(w.name)
        if b is not None:
            biases.add(b.name)
    return weights, biases


def _drop_conversions(graph: Graph) -> tuple[list[Op], dict[str, str]]:
    """Remove QUANTIZE/DEQUANTIZE ops (identities once every tensor has one type)."""
    alias: dict[str, str] = {}
    ops: list[Op] = []
    for op in graph.ops:
        if op.op_type in CONVERSIONS and len(op.inputs) == 1:
            src = op.inputs[0]
            alias[op.outputs[0]] = alias.get(src, src)
            continue
        ops.append(dataclasses.replace(op, inputs=tuple(alias.get(t, t) for t in op.inputs)))
    return ops, alias


def quantize(graph: Graph, mode: str) -> Graph:
    if mode not in MODES:
        raise SimError(f"--transform quant: expected one of {', '.join(MODES)}, got {mode!r}")
    weights, biases = _roles(graph)
    ops, alias = _drop_conversions(graph)
    inputs = [alias.get(t, t) for t in graph.inputs]
    outputs = [alias.get(t, t) for t in graph.outputs]
    act = {"int8": "int8", "int16": "int16", "float32": "float32", "weights-only": "float32"}[mode]
    wdt = "float32" if mode == "float32" else "int8"
    bdt = {"int8": "int32", "int16": "int64", "float32": "float32", "weights-only": "float32"}[mode]
    tensors: dict[str, Tensor] = {}
    for name, t in graph.tensors.items():
        if name in weights:
            tensors[name] = _retype(t, wdt)
        elif name in biases:
            tensors[name] = _retype(t, bdt)
        elif t.is_const:
            tensors[name] = t if t.dtype in ("int32", "int64", "bool") else _retype(t, act)
        else:
            tensors[name] = _retype(t, act)
    if mode != "weights-only":
        return rebuild(graph, ops, tensors, f"quant:{mode}", inputs, outputs)
    return _weights_only(graph, ops, tensors, inputs, outputs)


def _weights_only(graph: Graph, ops: list[Op], tensors: dict[str, Tensor], inputs: list[str],
                  outputs: list[str]) -> Graph:
    interface = graph.tensors[graph.inputs[0]].dtype if graph.inputs else "int8"
    interface = interface if interface in INTEGER else "int8"
    new_ops: list[Op] = []
    rename: dict[str, str] = {}
    for t in inputs:  # integer model input -> float
        f = f"{t}/float"
        tensors[t] = _retype(tensors[t], interface)
        tensors[f] = _retype(tensors[t], "float32")
        new_ops.append(Op(name=f"dequantize:{t}", index=0, op_type="DEQUANTIZE", inputs=(t,), outputs=(f,)))
        rename[t] = f
    for op in ops:
        op = dataclasses.replace(op, inputs=tuple(rename.get(t, t) for t in op.inputs))
        w = next((tensors[t] for t in op.inputs if t and tensors[t].is_const), None) \
            if op.op_type in WEIGHTED_OPS else None
        if w is not None:
            wf = f"{w.name}/float"
            tensors[wf] = Tensor(name=wf, shape=w.shape, dtype="float32")
            new_ops.append(Op(name=f"dequantize:{w.name}", index=0, op_type="DEQUANTIZE", inputs=(w.name,),
                              outputs=(wf,)))
            acts = [t for t in op.inputs if t and not tensors[t].is_const]
            consts = [t for t in op.inputs if t and tensors[t].is_const]
            op = with_attrs(dataclasses.replace(op, inputs=(*acts, wf, *consts)), weights_dequantized=True)
        new_ops.append(op)
    final_outputs: list[str] = []
    for t in outputs:  # float -> integer model output
        q = f"{t}/quantized"
        tensors[q] = _retype(tensors[t], interface)
        new_ops.append(Op(name=f"quantize:{t}", index=0, op_type="QUANTIZE", inputs=(t,), outputs=(q,)))
        final_outputs.append(q)
    return rebuild(graph, new_ops, tensors, "quant:weights-only", inputs, final_outputs)
