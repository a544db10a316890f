"""Delegate partitioning: which operators run on the accelerator, which fall back to the CPU.

As Vela does for Ethos-U (and TFLite delegates in general), consecutive operators the
accelerator supports are grouped into one partition, run by the NPU; every other operator
runs on the host CPU (`hw.cpu`). An operator is supported when its type is in the
accelerator's declared `compute.supported_ops` (empty: every type edgesim can cost) and
its activations are integer (the NPU has no float datapath). Reshape-like views move no
data, so they join their producer's partition instead of splitting one.

Each op gets `attrs["delegate"]` ("npu" or "cpu") and `attrs["partition"]` (0, 1, ... in
execution order). Boundaries, where a tensor crosses between units, are priced by the
cost adjustment: one synchronisation (`compute.delegate_sync_cycles`) plus a copy of the
crossing tensors through the scratchpad.
"""

from __future__ import annotations

from typing import Iterable

from sim.graph.ir import VIEW_OPS, Graph, Op
from sim.graph.support import COSTED_OPS
from sim.transforms.rewrite import rebuild, with_attrs

NPU_DTYPES = frozenset({"int8", "uint8", "int16"})


def supported_on_npu(graph: Graph, op: Op, supported_ops: frozenset[str]) -> bool:
    if not op.supported or op.op_type not in supported_ops:
        return False
    acts = [*graph.activations_in(op), *(graph.tensors[t] for t in op.outputs)]
    return all(t.dtype in NPU_DTYPES for t in acts)


def assign_units(graph: Graph, supported_ops: Iterable[str] | None = None) -> list[str]:
    """'npu' or 'cpu' per op in execution order."""
    ops = frozenset(supported_ops) if supported_ops else COSTED_OPS
    units: list[str] = []
    by_tensor: dict[str, str] = {}
    for op in graph.ops:
        if op.op_type in VIEW_OPS:
            src = next((t for t in op.inputs if t in by_tensor), None)
            unit = by_tensor[src] if src else units[-1] if units else "npu"
        else:
            unit = "npu" if supported_on_npu(graph, op, ops) else "cpu"
        units.append(unit)
        for t in op.outputs:
            by_tensor[t] = unit
    return units


def partition_count(units: list[str]) -> int:
    """Maximal runs of one unit in execution order."""
    return sum(1 for i, u in enumerate(units) if i == 0 or u != units[i - 1])


def partition(graph: Graph, supported_ops: Iterable[str] | None = None) -> Graph:
    units = assign_units(graph, supported_ops)
    ops: list[Op] = []
    part = -1
    for i, (op, unit) in enumerate(zip(graph.ops, units)):
        if i == 0 or unit != units[i - 1]:
            part += 1
        ops.append(with_attrs(op, delegate=unit, partition=part))
    cpu = sum(1 for op, u in zip(graph.ops, units) if u == "cpu" and op.op_type not in VIEW_OPS)
    return rebuild(graph, ops, graph.tensors, f"partition({part + 1} parts, {cpu} cpu ops)")
