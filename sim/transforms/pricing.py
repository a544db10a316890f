"""Cost adjustments for transforms whose effect is not a change of shapes or types.

Fusion, pruning and quantization change the graph itself, so every cost model prices
them with no help. Three effects need a word after scheduling, applied here to the
`LayerCost` list whichever cost model produced it:

- partition: CPU-assigned ops are priced by scheduling the graph on the CPU unit
  (`hw.cpu`); each op receiving a tensor from the other unit pays one synchronisation
  (`compute.delegate_sync_cycles`) plus a copy of the crossing bytes through the scratchpad
  (read and write at its bandwidth).
- sparse: weight storage shrinks to non-zeros plus a bitmask. On dense hardware that is
  all: weights are expanded before use, so traffic and cycles are unchanged. With
  `compute.sparse_weights` the compressed weights are streamed and zero MACs skipped:
  weight traffic scales by stored/dense bytes and compute cycles by the density.
- cascade: intermediate tensors of a chain live on chip one stripe at a time, so their
  off-chip traffic disappears and the working set is stripe-sized; compute (and the
  scratchpad traffic of the recomputed rows) grows by the halo recompute factor.

Removing off-chip bytes removes the stall they could cause (at most bytes / bandwidth
cycles); energy parts change by the traffic deltas at each level's per-byte energy, the
compute part with the MAC cycles and static energy with latency.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Mapping

from sim.cost.layer import LayerCost, Traffic
from sim.errors import SimError
from sim.graph.ir import VIEW_OPS, Graph
from sim.mapping.arena import Buffer, lifetimes
from sim.schedule import schedule
from sim.spec.model import Hardware, SystolicArray
from sim.transforms.fuse import stripe_bytes
from sim.transforms.prune import sparse_weight_bytes
from sim.units import mw_for_cycles_to_pj


def _retime(cost: LayerCost, hw: Hardware, *, compute_cycles: int, traffic: list[Traffic], extra_stall: int = 0,
            extra: Mapping[str, float | str] | None = None, working_set: int | None = None) -> LayerCost:
    """`cost` with new compute cycles and traffic; stall and energy follow the deltas."""
    off = hw.offchip
    energy = dict(cost.energy_pj)
    removed_off = 0
    for m in hw.memories:
        old_r = sum(t.read_bytes for t in cost.traffic if t.memory == m.name)
        old_w = sum(t.write_bytes for t in cost.traffic if t.memory == m.name)
        new_r = sum(t.read_bytes for t in traffic if t.memory == m.name)
        new_w = sum(t.write_bytes for t in traffic if t.memory == m.name)
        if (new_r, new_w) != (old_r, old_w):
            energy[f"{m.name}_read"] = energy.get(f"{m.name}_read", 0.0) + (new_r - old_r) * m.read_energy_pj_per_byte
            energy[f"{m.name}_write"] = energy.get(f"{m.name}_write", 0.0) + \
                (new_w - old_w) * m.write_energy_pj_per_byte
        if off is not None and m.name == off.name:
            removed_off = max(0, old_r + old_w - new_r - new_w)
    relief = math.ceil(removed_off / off.bandwidth_bytes_per_cycle) if off is not None and removed_off else 0
    stall = max(0, cost.stall_cycles - relief) + extra_stall
    if cost.compute_cycles and "compute" in energy:
        energy["compute"] *= compute_cycles / cost.compute_cycles
    old_latency, new_latency = cost.latency_cycles, compute_cycles + stall
    if "static" in energy:
        energy["static"] = energy["static"] * new_latency / old_latency if old_latency else \
            mw_for_cycles_to_pj(hw.static_power_mw, new_latency, hw.clock_hz)
    return dataclasses.replace(cost, compute_cycles=compute_cycles, stall_cycles=stall, traffic=tuple(traffic),
                               energy_pj=energy, extra={**cost.extra, **(extra or {})},
                               working_set_bytes=cost.working_set_bytes if working_set is None else working_set)


def cpu_view(hw: Hardware) -> Hardware:
    """The same part with its host CPU as the compute unit (for fallback operators)."""
    if hw.cpu is None:
        raise SimError(f"--transform partition: expected a cpu: unit in {hw.name} to fall back on, got none")
    return dataclasses.replace(hw, compute=hw.cpu, cpu=None, kernels=hw.kernels or "cmsis-nn")


def _partition(graph: Graph, hw: Hardware, costs: list[LayerCost], options: dict[str, Any]) -> list[LayerCost]:
    """CPU-assigned ops re-priced on the CPU; boundaries charged where the final units differ
    (a cost model may itself have sent an op the NPU cannot run to the CPU)."""
    cpu_hw = cpu_view(hw)
    cpu_costs = schedule(graph, cpu_hw, **options) if any(op.attrs.get("delegate") == "cpu" for op in graph.ops) \
        else []
    priced = [dataclasses.replace(cpu_costs[op.index], unit="cpu") if op.attrs.get("delegate") == "cpu" else c
              for op, c in zip(graph.ops, costs)]
    units = final_units(graph, priced)
    sync = hw.compute.delegate_sync_cycles if isinstance(hw.compute, SystolicArray) else 0
    sram = hw.scratchpad
    unit_of = {t: u for op, u in zip(graph.ops, units) for t in op.outputs}
    out: list[LayerCost] = []
    part = -1
    for i, (op, cost, unit) in enumerate(zip(graph.ops, priced, units)):
        part += int(i == 0 or unit != units[i - 1])
        crossing = sum(graph.tensors[t].nbytes for t in op.inputs
                       if t in unit_of and unit_of[t] != unit and not graph.tensors[t].is_const)
        extra = {"delegate": unit, "partition": part, "boundary_cycles": 0, "boundary_bytes": crossing}
        if crossing and op.op_type not in VIEW_OPS:
            copy = math.ceil(2 * crossing / sram.bandwidth_bytes_per_cycle)
            traffic = [*cost.traffic, Traffic(sram.name, "ifm", crossing, crossing)]
            extra["boundary_cycles"] = sync + copy
            cost = _retime(cost, hw, compute_cycles=cost.compute_cycles, traffic=traffic,
                           extra_stall=sync + copy, extra=extra)
        else:
            cost = dataclasses.replace(cost, extra={**cost.extra, **extra})
        out.append(cost)
    return out


def final_units(graph: Graph, costs: list[LayerCost]) -> list[str]:
    """The unit each op runs on; views follow the op that produced their input."""
    units: list[str] = []
    by_tensor: dict[str, str] = {}
    for op, c in zip(graph.ops, costs):
        unit = c.unit if c.unit in ("npu", "cpu") else "npu"
        if op.op_type in VIEW_OPS:
            src = next((t for t in op.inputs if t in by_tensor), None)
            unit = by_tensor[src] if src else units[-1] if units else unit
        units.append(unit)
        by_tensor.update({t: unit for t in op.outputs})
    return units


def _sparse(graph: Graph, hw: Hardware, costs: list[LayerCost]) -> list[LayerCost]:
    skip = isinstance(hw.compute, SystolicArray) and hw.compute.sparse_weights
    out: list[LayerCost] = []
    for op, cost in zip(graph.ops, costs):
        w = graph.weights(op)
        density = op.attrs.get("weight_density")
        if density is None or w is None:
            out.append(cost)
            continue
        bias = graph.weight_bytes(op) - w.nbytes
        stored = sparse_weight_bytes(w, density)
        extra = {"weight_storage_bytes": stored + bias}
        if not skip or cost.unit == "cpu":
            out.append(dataclasses.replace(cost, extra={**cost.extra, **extra}))
            continue
        ratio = (stored + bias) / max(w.nbytes + bias, 1)
        traffic = [dataclasses.replace(t, read_bytes=int(round(t.read_bytes * ratio)),
                                       write_bytes=int(round(t.write_bytes * ratio)))
                   if t.operand == "weights" else t for t in cost.traffic]
        out.append(_retime(cost, hw, compute_cycles=math.ceil(cost.compute_cycles * density), traffic=traffic,
                           extra=extra))
    return out


def _cascade(graph: Graph, hw: Hardware, costs: list[LayerCost]) -> list[LayerCost]:
    off = hw.offchip
    sram = hw.scratchpad
    out: list[LayerCost] = []
    for op, cost in zip(graph.ops, costs):
        pos = op.attrs.get("cascade_pos")
        if pos is None:
            out.append(cost)
            continue
        r = float(op.attrs["recompute"])
        traffic: list[Traffic] = []
        for t in cost.traffic:
            inner = (t.operand == "ifm" and pos != "first") or (t.operand == "ofm" and pos != "last")
            if off is not None and t.memory == off.name and inner:
                t = dataclasses.replace(t, read_bytes=0, write_bytes=0)
            elif t.memory == sram.name and t.operand in ("ifm", "ofm"):
                t = dataclasses.replace(t, read_bytes=int(round(t.read_bytes * r)),
                                        write_bytes=int(round(t.write_bytes * r)))
            traffic.append(t)
        ifm, ofm = graph.ifm(op), graph.ofm(op)
        in_rows = int(op.attrs.get("stripe_in_rows", 0))
        resident_in = ifm.nbytes if pos == "first" or not in_rows else stripe_bytes(ifm, in_rows)
        resident_out = ofm.nbytes if pos == "last" else stripe_bytes(ofm, int(op.attrs["stripe_rows"]))
        ws = resident_in + graph.weight_bytes(op) + resident_out
        extra = {"recompute": r, "recompute_macs": int(round(cost.macs * (r - 1)))}
        out.append(_retime(cost, hw, compute_cycles=math.ceil(cost.compute_cycles * r), traffic=traffic,
                           extra=extra, working_set=min(ws, cost.working_set_bytes) if cost.working_set_bytes
                           else ws))
    return out


def adjust_costs(graph: Graph, hw: Hardware, costs: list[LayerCost], options: dict[str, Any]) -> list[LayerCost]:
    """Apply the partition, sparsity and cascade effects recorded in `graph` to `costs`."""
    attrs = [op.attrs for op in graph.ops]
    if any("delegate" in a for a in attrs):
        costs = _partition(graph, hw, costs, options)
    if any("weight_density" in a for a in attrs):
        costs = _sparse(graph, hw, costs)
    if any("cascade_pos" in a for a in attrs):
        costs = _cascade(graph, hw, costs)
    return costs


def arena_bytes(graph: Graph, arena: int, plan: Callable[[list[Buffer]], int]) -> int:
    """The arena with cascaded intermediate tensors held one stripe at a time: `plan` places
    edited buffers the way `simulate` plans its arena; `arena` is returned when nothing is cascaded."""
    stripes = {op.outputs[0]: int(op.attrs["stripe_rows"]) for op in graph.ops
               if op.attrs.get("cascade_pos") in ("first", "middle")}
    if not stripes:
        return arena
    bufs = [dataclasses.replace(b, size=stripe_bytes(graph.tensors[b.tensor], stripes[b.tensor]))
            if b.tensor in stripes else b for b in lifetimes(graph)]
    return plan(bufs)


def price_transforms(graph: Graph, hw: Hardware, costs: list[LayerCost], arena: int,
                     plan: Callable[[list[Buffer]], int],
                     options: dict[str, Any]) -> tuple[list[LayerCost], int, dict[str, Any]]:
    """Costs, arena bytes and extra summary columns of a transformed graph."""
    costs = adjust_costs(graph, hw, costs, options)
    return costs, arena_bytes(graph, arena, plan), summary_extra(graph, costs)


def summary_extra(graph: Graph, costs: list[LayerCost]) -> dict[str, Any]:
    """Summary columns the applied transforms add (see report.columns.TRANSFORM_SUMMARY_COLUMNS)."""
    extra: dict[str, Any] = {}
    if any("delegate" in op.attrs for op in graph.ops):
        real = [(op, c) for op, c in zip(graph.ops, costs) if op.op_type not in VIEW_OPS]
        parts = len({c.extra.get("partition") for c in costs})
        total = sum(c.latency_cycles for c in costs)
        cpu = sum(c.latency_cycles for _, c in real if c.extra.get("delegate") == "cpu")
        boundary = sum(int(c.extra.get("boundary_cycles", 0)) for c in costs)
        cpu_boundary = sum(int(c.extra.get("boundary_cycles", 0)) for _, c in real
                           if c.extra.get("delegate") == "cpu")
        extra.update(partitions=parts, cpu_ops=sum(1 for _, c in real if c.extra.get("delegate") == "cpu"),
                     cpu_latency_share=(cpu + boundary - cpu_boundary) / total if total else 0.0,
                     boundary_cycles=boundary,
                     fragmentation=(parts - 1) / (len(real) - 1) if len(real) > 1 else 0.0)
    if any("weight_density" in op.attrs for op in graph.ops):
        extra["weight_storage_bytes"] = int(sum(_number(c, "weight_storage_bytes", graph.weight_bytes(op))
                                                for op, c in zip(graph.ops, costs)))
    if any("cascade_pos" in op.attrs for op in graph.ops):
        extra["recompute_macs"] = int(sum(_number(c, "recompute_macs", 0) for c in costs))
    return extra


def _number(cost: LayerCost, key: str, default: float) -> float:
    """A numeric extra column of `cost` (extra also carries labels such as `delegate`)."""
    value = cost.extra.get(key, default)
    if isinstance(value, str):
        raise TypeError(f"{cost.layer}: extra[{key!r}] is {value!r}; expected a number")
    return value
