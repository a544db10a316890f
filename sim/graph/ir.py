"""The graph IR: tensors, operators and the networkx DAG that joins them.

A `Graph` keeps operators in execution order (TFLite's order for imported models) and a
`networkx.DiGraph` whose nodes are operator names and whose edges carry the tensor that
flows from producer to consumer. Tensors know their shape, dtype and quantization, so
byte counts come from one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import networkx as nx
import numpy as np

ITEMSIZE = {"int8": 1, "uint8": 1, "int16": 2, "float16": 2, "int32": 4, "float32": 4, "int64": 8,
            "bool": 1}

# Operators that move no data (TFLM aliases their output onto their input).
VIEW_OPS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: str = "int8"
    is_const: bool = False
    scale: tuple[float, ...] = ()
    zero_point: tuple[int, ...] = ()
    quant_axis: int | None = None
    # The stored values of a constant (imported int8/uint8 weights only; None elsewhere), for
    # cost models that depend on them (the Ethos-U weight encoding). Not part of equality.
    values: np.ndarray | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= max(int(d), 1)
        return n

    @property
    def itemsize(self) -> int:
        return ITEMSIZE.get(self.dtype, 1)

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Op:
    """One operator. `inputs` lists activation(s) first, then weights and bias when present."""

    name: str
    index: int
    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: Mapping[str, Any] = field(default_factory=dict[str, Any])
    supported: bool = True


class Graph:
    """Operators in execution order plus the tensors they read and write."""

    def __init__(self, name: str, ops: Iterable[Op], tensors: Mapping[str, Tensor],
                 inputs: Iterable[str] = (), outputs: Iterable[str] = (), source: str = "") -> None:
        self.name = name
        self.ops: list[Op] = list(ops)
        self.tensors: dict[str, Tensor] = dict(tensors)
        self.inputs: list[str] = list(inputs)
        self.outputs: list[str] = list(outputs)
        self.source = source
        self.transforms: list[str] = []
        self.dag = self._build_dag()

    def _build_dag(self) -> nx.DiGraph[str]:
        dag: nx.DiGraph[str] = nx.DiGraph(name=self.name)
        producer: dict[str, str] = {}
        for op in self.ops:
            dag.add_node(op.name, op=op)
            for t in op.outputs:
                producer[t] = op.name
        for op in self.ops:
            for t in op.inputs:
                if t in producer:
                    dag.add_edge(producer[t], op.name, tensor=t)
        return dag

    def __repr__(self) -> str:
        return f"Graph({self.name!r}, {len(self.ops)} ops)"

    # tensor roles ---------------------------------------------------------------------------
    def tensor(self, name: str) -> Tensor:
        return self.tensors[name]

    def activations_in(self, op: Op) -> list[Tensor]:
        return [self.tensors[t] for t in op.inputs if t and not self.tensors[t].is_const]

    def constants_in(self, op: Op) -> list[Tensor]:
        return [self.tensors[t] for t in op.inputs if t and self.tensors[t].is_const]

    def ifm(self, op: Op) -> Tensor:
        acts = self.activations_in(op)
        return acts[0] if acts else self.tensors[op.inputs[0]]

    def ofm(self, op: Op) -> Tensor:
        return self.tensors[op.outputs[0]]

    def weights(self, op: Op) -> Tensor | None:
        consts = self._weight_and_bias(op)
        return consts[0] if consts else None

    def bias(self, op: Op) -> Tensor | None:
        consts = self._weight_and_bias(op)
        return consts[1] if len(consts) > 1 else None

    def _weight_and_bias(self, op: Op) -> list[Tensor]:
        """A weighted op's constants, weights first; TFLite's TRANSPOSE_CONV takes its output
        shape (a 1-D constant) before them."""
        if op.op_type not in WEIGHTED_OPS:
            return []
        consts = self.constants_in(op)
        if op.op_type == "TRANSPOSE_CONV" and consts and len(consts[0].shape) == 1:
            consts = consts[1:]
        return consts

    def ifm_bytes(self, op: Op) -> int:
        return sum(t.nbytes for t in self.activations_in(op))

    def weight_bytes(self, op: Op) -> int:
        """Weights plus bias: every constant the kernel streams in."""
        if op.op_type not in WEIGHTED_OPS:
            return 0
        return sum(t.nbytes for t in self.constants_in(op))

    def ofm_bytes(self, op: Op) -> int:
        return sum(self.tensors[t].nbytes for t in op.outputs)

    def consumers(self, tensor: str) -> list[Op]:
        return [op for op in self.ops if tensor in op.inputs]

    def producer(self, tensor: str) -> Op | None:
        return next((op for op in self.ops if tensor in op.outputs), None)

    @property
    def const_bytes(self) -> int:
        return sum(t.nbytes for t in self.tensors.values() if t.is_const)


WEIGHTED_OPS = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"})
