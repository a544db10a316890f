"""First estimate: a roofline per layer.

Time is the larger of the cycles for compute at the unit's peak MACs per cycle and the
cycles to move the layer's bytes over each memory level's bandwidth; the difference is
stall. No tiling, no reuse limits: every weight byte crosses from off-chip memory once,
and activations cross only when they cannot stay on chip. It is a lower bound the real
cost models refine, and it is labelled `roofline` wherever it is reported.
"""

from __future__ import annotations

from sim.cost.energy import access_energy, static_energy
from sim.cost.layer import LayerCost, TileStream, Traffic
from sim.graph.ir import VIEW_OPS, Graph, Op
from sim.graph.loops import CONV_OPS, elements_of, macs_of
from sim.spec.model import Hardware, SystolicArray, VectorUnit
from sim.units import ceil_div, mw_for_cycles_to_pj


def compute_cycles(graph: Graph, op: Op, hw: Hardware) -> int:
    """Cycles at peak throughput: MACs over peak MACs/cycle, or elements over the
    elementwise throughput (the NPU's post-processing unit, or the CPU's SIMD lanes)."""
    if op.op_type in VIEW_OPS:
        return 0
    if op.op_type in CONV_OPS:
        dtype = graph.ifm(op).dtype
        peak = hw.compute.peak_macs_per_cycle
        if isinstance(hw.compute, VectorUnit):
            key = "float32" if dtype.startswith("float") else "int16" if dtype == "int16" else "int8"
            peak = hw.compute.macs_per_cycle.get(key, peak)
        return ceil_div(macs_of(graph, op), max(int(peak), 1)) if peak >= 1 else int(macs_of(graph, op) / peak)
    if isinstance(hw.compute, SystolicArray):
        per_cycle = hw.compute.postproc_elements_per_cycle
    else:
        per_cycle = max(hw.compute.simd_width_bits // 8, 1)
    return int(-(-elements_of(graph, op) // per_cycle))


def roofline_cost(graph: Graph, op: Op, hw: Hardware, *, activations_onchip: bool) -> LayerCost:
    sram = hw.scratchpad
    off = hw.offchip
    ifm_b, w_b, ofm_b = graph.ifm_bytes(op), graph.weight_bytes(op), graph.ofm_bytes(op)
    view = op.op_type in VIEW_OPS
    traffic: list[Traffic] = []
    if not view:
        if off is not None:
            act_off = not activations_onchip
            traffic += [Traffic(off.name, "ifm", ifm_b if act_off else 0, 0),
                        Traffic(off.name, "weights", w_b, 0),
                        Traffic(off.name, "ofm", 0, ofm_b if act_off else 0)]
        staged = hw.is_systolic and off is not None
        traffic += [Traffic(sram.name, "ifm", ifm_b, ifm_b if (off is not None and not activations_onchip) else 0),
                    Traffic(sram.name, "weights", w_b if staged else 0, w_b if staged else 0),
                    Traffic(sram.name, "ofm", ofm_b if (off is not None and not activations_onchip) else 0, ofm_b)]
    compute = compute_cycles(graph, op, hw)
    if isinstance(hw.compute, VectorUnit) and op.op_type in hw.compute.op_scale:  # calibrated kernel efficiency
        compute = int(round(compute * hw.compute.op_scale[op.op_type]))
    mem_cycles = 0
    for m in hw.memories:
        moved = sum(t.read_bytes + t.write_bytes for t in traffic if t.memory == m.name)
        mem_cycles = max(mem_cycles, int(-(-moved // m.bandwidth_bytes_per_cycle)) if moved else 0)
    latency = max(compute, mem_cycles)
    energy = layer_energy(hw, macs_of(graph, op), traffic, compute, latency)
    return LayerCost(layer=op.name, index=op.index, op_type=op.op_type, macs=macs_of(graph, op),
                     dataflow="-", tiling="untiled", compute_cycles=compute, stall_cycles=latency - compute,
                     working_set_bytes=0 if view else ifm_b + w_b + ofm_b, traffic=tuple(traffic),
                     energy_pj=energy, unit="npu" if hw.is_systolic else "cpu", cost_model="roofline",
                     tiles=TileStream(1, ifm_b + w_b if off is not None else 0, ofm_b, compute))


def layer_energy(hw: Hardware, macs: int, traffic: list[Traffic] | tuple[Traffic, ...], compute_cycles: int,
                 latency_cycles: int) -> dict[str, float]:
    """Energy parts, pJ: MACs, each level's reads and writes, and static power x time.

    Cores without a per-MAC figure use `active_power_mw` over the compute cycles instead.
    """
    e: dict[str, float] = {}
    mac_pj = hw.compute.mac_energy_pj
    if mac_pj > 0:
        e["compute"] = macs * mac_pj
    else:
        e["compute"] = mw_for_cycles_to_pj(hw.active_power_mw, compute_cycles, hw.clock_hz)
    e.update(access_energy(hw, traffic))
    e["static"] = static_energy(hw, latency_cycles)
    return e
