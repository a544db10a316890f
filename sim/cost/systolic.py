"""Native systolic-array cost model: lowers a graph and a part to the kernels, returns LayerCosts.

Time per layer is the maximum of compute cycles and transfer cycles (the model of Vela's
`npu_performance.py`), refined per tile by `sim/cost/kernels.py`: folds on the rows x cols
array, tiles sized per layer and dataflow to fit the scratchpad, weights streamed once when
they fit, partial sums kept on chip, DMA bursts with a setup cost, stalls where a tile's
transfers outlast its compute.

Decided across the graph (the one place that looks beyond a layer): an activation stays in
the scratchpad from its producer to its last consumer when, at every layer in between, the
activations already kept, itself and that layer's smallest working set fit (Vela's
cascading keeps stripes on chip for the same reason). A kept ifm is not read from DRAM and a
kept ofm is not written there. Graph inputs arrive in DRAM and graph outputs leave there,
unless the scratchpad holds the tensor arena (`holds_graph_io`: Vela's Shared_Sram mode).

Operator placement: MAC layers on the array; pooling, elementwise, activation, softmax,
concatenation and padding on the post-processing unit (`postproc_elements_per_cycle`);
view ops (RESHAPE, SQUEEZE, EXPAND_DIMS) are free; anything else runs on the host `cpu`
(see `cpu_cost`, the single call site) or, with no `cpu` in the spec, on the post-processing
unit with a note.

`evaluate_points` prices many hardware points of one graph in one Numba pass for sweeps.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.cost import kernels as K
from sim.cost.kernels import O_COSTED, O_DF, O_IFM_RES, O_OFM_RES, O_RES, O_TILE, OUT_FIELDS, price_network
from sim.cost.layer import LayerCost, TileStream, Traffic
from sim.cost.npu_ops import pool_cycles, softmax_cycles
from sim.cost.roofline import layer_energy, roofline_cost
from sim.errors import SimError
from sim.graph.ir import VIEW_OPS, Graph, Op
from sim.graph.loops import CONV_OPS, ELEMENTWISE_OPS, POOL_OPS, elements_of, loops_of
from sim.cost.weight_encoding import layer_weight_bytes
from sim.mapping.tiling import (KIND_CPU, KIND_FREE, KIND_MAC, KIND_POSTPROC, L_BIAS, L_C, L_DW, L_K, L_KH, L_KIND,
                                L_KW, L_MACS, L_PP_CYCLES, L_W_BYTES, L_W_RAW, L_WB, LAYER_FIELDS, OUT_CPE_SCALE, Tiling,
                                layer_vector)
from sim.spec.model import Hardware, Memory, SystolicArray
from sim.units import cycles_to_ms, mw_for_cycles_to_pj

log = logging.getLogger(__name__)

COST_MODEL = "systolic"
POSTPROC_OPS = frozenset(POOL_OPS | ELEMENTWISE_OPS | {"SOFTMAX", "LOG_SOFTMAX", "CONCATENATION", "PAD",
                                                       "REDUCE_MAX", "SUM"})
DATAFLOW_NAMES = ("ws", "is", "os")
MAX_INPUTS = 4
__all__ = ["OUT_FIELDS", "O_COSTED", "O_DF", "O_IFM_RES", "O_OFM_RES", "O_RES", "O_TILE", "price_network"]


@dataclass(frozen=True)
class Lowered:
    """A graph as the arrays `price_network` takes (independent of the hardware point)."""

    layers: np.ndarray      # int64 [L, LAYER_FIELDS]
    op_in: np.ndarray       # int64 [L, MAX_INPUTS] activation input tensor ids, -1 padded
    op_out: np.ndarray      # int64 [L]
    tensors: np.ndarray     # int64 [T, 4]: size, first, last, eligible to stay on chip
    placement: tuple[str, ...]


def placement_of(op: Op, hw: Hardware) -> str:
    """mac, postproc, free or cpu (the NPU cannot run it, or the spec's supported_ops omit it)."""
    assert isinstance(hw.compute, SystolicArray)
    if op.op_type in VIEW_OPS:
        return "free"
    listed = hw.compute.supported_ops
    if listed and op.op_type not in listed:
        return "cpu"
    if op.op_type in CONV_OPS:
        return "mac"
    if op.op_type in POSTPROC_OPS:
        return "postproc"
    return "cpu"


def lower(graph: Graph, hw: Hardware) -> Lowered:
    """Layer vectors, activation tensors and their lifetimes (views alias their source)."""
    arr = hw.compute
    if not isinstance(arr, SystolicArray):
        raise TypeError(f"lower: {hw.name} has a {type(arr).__name__}; the systolic model needs a SystolicArray")
    alias: dict[str, str] = {}
    for op in graph.ops:
        if op.op_type in VIEW_OPS and op.inputs:
            alias[op.outputs[0]] = alias.get(op.inputs[0], op.inputs[0])

    def root(t: str) -> str:
        return alias.get(t, t)

    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for op in graph.ops:
        for t in op.outputs:
            first.setdefault(root(t), op.index)
        for t in graph.activations_in(op):
            first.setdefault(root(t.name), 0)
            last[root(t.name)] = max(last.get(root(t.name), 0), op.index)
    # graph inputs and outputs stay off chip unless the scratchpad holds the tensor arena
    ends = set() if hw.scratchpad.holds_graph_io else {root(t) for t in graph.inputs + graph.outputs}
    names = list(first)
    ids = {t: i for i, t in enumerate(names)}
    n = len(graph.ops)
    # size, first layer live, last layer live, may stay on chip (not a graph input or output)
    tensors = np.array([[graph.tensors[t].nbytes, first[t], max(last.get(t, first[t]), first[t]),
                         int(t not in ends)] for t in names], dtype=np.int64).reshape(-1, 4)
    layers = np.zeros((n, LAYER_FIELDS), dtype=np.int64)
    op_in = np.full((n, MAX_INPUTS), -1, dtype=np.int64)
    op_out = np.full(n, -1, dtype=np.int64)
    places = []
    for op in graph.ops:
        place = placement_of(op, hw)
        places.append(place)
        layers[op.index] = _layer_vector(graph, op, "postproc" if (place == "cpu" and hw.cpu is None) else place,
                                         arr, hw.scratchpad, hw.offchip)
        acts = [root(t.name) for t in graph.activations_in(op)][:MAX_INPUTS]
        for j, name in enumerate(dict.fromkeys(acts)):
            op_in[op.index, j] = ids.get(name, -1)
        op_out[op.index] = ids.get(root(op.outputs[0]), -1)
    return Lowered(layers, op_in, op_out, tensors, tuple(places))


def _layer_vector(graph: Graph, op: Op, place: str, arr: SystolicArray, mem: Memory,
                  constants: Memory | None) -> np.ndarray:
    kind = {"mac": KIND_MAC, "postproc": KIND_POSTPROC, "free": KIND_FREE, "cpu": KIND_CPU}[place]
    rate = arr.elementwise_cycles_per_element if op.op_type in ("ADD", "SUB") else arr.ofm_cycles_per_element
    ifm, ofm = graph.ifm(op), graph.ofm(op)
    w, b = graph.weights(op), graph.bias(op)
    lp = loops_of(graph, op)
    bias_per_k = (b.nbytes // max(lp.K, 1)) if (b is not None and kind == KIND_MAC) else 0
    v = layer_vector(lp, ifm_itemsize=ifm.itemsize, weight_itemsize=w.itemsize if w is not None else 1,
                     ofm_itemsize=ofm.itemsize, bias_bytes_per_k=bias_per_k, ifm_bytes=graph.ifm_bytes(op),
                     weight_bytes=graph.weight_bytes(op), ofm_bytes=graph.ofm_bytes(op),
                     elements=elements_of(graph, op), kind=kind,
                     ifm_block_depth=arr.ifm_block_depth, taps_per_step=arr.kernel_taps_per_step,
                     ifm_block_max_depth=arr.ifm_block_max_depth,
                     out_cpe_q=round(rate * OUT_CPE_SCALE) if kind in (KIND_MAC, KIND_POSTPROC) else 0,
                     ifm_reuse=int(arr.ifm_block_reuse))
    if kind != KIND_MAC:
        v[L_MACS] = 0
    if kind == KIND_POSTPROC and op.op_type in POOL_OPS and arr.pool_subkernel_size > 0:
        v[L_PP_CYCLES] = pool_cycles(lp, 8 * ifm.itemsize, 8 * ofm.itemsize, arr, mem)
    if kind == KIND_POSTPROC and op.op_type == "SOFTMAX" and arr.softmax_lowering == "ethos-u" and ifm.itemsize == 1:
        depth = ifm.shape[-1] if ifm.shape else 1
        v[L_PP_CYCLES] = softmax_cycles(max(1, ifm.size // max(depth, 1)), depth, arr, mem, constants or mem)
    if arr.weight_encoding == "ethos-u" and kind == KIND_MAC:
        encoded = layer_weight_bytes(graph, op)
        if encoded is not None:  # streamed and buffered encoded; a tile takes its share (encoded_share)
            v[L_W_RAW] = v[L_K] * (1 if v[L_DW] else v[L_C]) * v[L_KH] * v[L_KW] * v[L_WB] + v[L_K] * v[L_BIAS]
            v[L_W_BYTES] = encoded
    return v


def hardware_arrays(hw: Hardware) -> tuple[np.ndarray, np.ndarray]:
    """(hwi, hwf) the kernels take, from the spec."""
    arr = hw.compute
    assert isinstance(arr, SystolicArray)
    off, sram = hw.offchip, hw.scratchpad
    hwi = np.zeros(K.HW_INTS, dtype=np.int64)
    hwf = np.zeros(K.HW_FLOATS, dtype=np.float64)
    hwi[K.H_ROWS], hwi[K.H_COLS] = arr.rows, arr.cols
    hwi[K.H_SETUP_RD] = hw.dma.setup_cycles + (off.read_latency_cycles if off else 0)
    hwi[K.H_SETUP_WR] = hw.dma.setup_cycles + (off.write_latency_cycles if off else 0)
    hwi[K.H_BURST] = off.burst_bytes if off else 1
    hwi[K.H_DB] = int(sram.double_buffered)
    hwi[K.H_CHANNELS] = hw.dma.channels
    hwi[K.H_ACC_BYTES] = arr.accumulator_bytes
    hwf[K.F_DRAM_BW] = off.bandwidth_bytes_per_cycle if off else math.inf
    hwf[K.F_SRAM_BW] = sram.bandwidth_bytes_per_cycle
    hwf[K.F_PPC] = arr.postproc_elements_per_cycle
    hwf[K.F_E_DRAM_RD] = off.read_energy_pj_per_byte if off else 0.0
    hwf[K.F_E_DRAM_WR] = off.write_energy_pj_per_byte if off else 0.0
    hwf[K.F_E_SRAM_RD], hwf[K.F_E_SRAM_WR] = sram.read_energy_pj_per_byte, sram.write_energy_pj_per_byte
    hwf[K.F_E_STATIC] = mw_for_cycles_to_pj(static_mw(hw), 1, hw.clock_hz)
    return hwi, hwf


def static_mw(hw: Hardware) -> float:
    return hw.static_power_mw + sum(m.leakage_mw for m in hw.memories)


def choice_array(hw: Hardware, dataflow: str, objective: str) -> np.ndarray:
    """[allow ws, allow is, allow os, objective code]: `best` allows the spec's dataflows."""
    assert isinstance(hw.compute, SystolicArray)
    allowed = hw.compute.dataflows if dataflow == "best" else (dataflow,)
    if dataflow != "best" and dataflow not in hw.compute.dataflows:
        raise SimError(f"--dataflow: {hw.name} supports {', '.join(hw.compute.dataflows)}, got {dataflow!r}")
    return np.array([int(d in allowed) for d in DATAFLOW_NAMES] + [K.OBJECTIVES[objective]], dtype=np.int64)


def _run(graph: Graph, hw: Hardware, dataflow: str, objective: str) -> tuple[Lowered, np.ndarray]:
    low = lower(graph, hw)
    hwi, hwf = hardware_arrays(hw)
    out = price_network(low.layers, low.op_in, low.op_out, low.tensors, hwi, hwf,
                        choice_array(hw, dataflow, objective), hw.scratchpad.size_bytes)
    return low, out


_WARNED_UNENCODED: set[tuple[str, str]] = set()  # (graph, part) pairs already warned about unencodable weights


def systolic_costs(graph: Graph, hw: Hardware, *, dataflow: str = "best", objective: str = "latency") -> list[LayerCost]:
    """LayerCost per operator on a systolic-array part (native mode)."""
    low, out = _run(graph, hw, dataflow, objective)
    costs = [_layer_cost(graph, op, hw, low, out[op.index]) for op in graph.ops]
    assert isinstance(hw.compute, SystolicArray)
    if hw.compute.weight_encoding != "none":
        encoded = low.layers[:, L_W_RAW] > 0
        if not encoded.any():
            if (graph.name, hw.name) not in _WARNED_UNENCODED:  # once per process, not once per sweep point
                _WARNED_UNENCODED.add((graph.name, hw.name))
                log.warning("%s has no weight values (a zoo or builder graph): its weights are priced as stored int8, "
                            "not %s-encoded as %s streams them; a .tflite file has them", graph.name,
                            hw.compute.weight_encoding, hw.name)
        else:
            costs = [_with_weight_stream(c, low) for c in costs]
    return costs


def _with_weight_stream(cost: LayerCost, low: Lowered) -> LayerCost:
    """The weight bytes one pass of an NPU layer streams (encoded where the graph has the
    values) as the `weight_stream_bytes` column."""
    if cost.unit != "npu":
        return cost
    streamed = float(low.layers[cost.index, L_W_BYTES]) if low.placement[cost.index] == "mac" else 0.0
    return dataclasses.replace(cost, extra={**cost.extra, "weight_stream_bytes": streamed})


def cpu_cost(graph: Graph, op: Op, hw: Hardware, *, activations_onchip: bool) -> LayerCost:
    """An operator the NPU cannot run, on the host core. The one call site for host fallback:
    a Cortex-M host is priced by the CMSIS-NN model (sim/cost/vector.py) with its arena in
    the scratchpad; other hosts by the roofline on the `cpu` unit."""
    assert hw.cpu is not None
    if hw.cpu.core.startswith("cortex-m"):
        from sim.cost.vector import vector_cost
        cost = vector_cost(graph, op, hw)
        return dataclasses.replace(cost, notes="NPU cannot run it: host CMSIS-NN model")
    host = dataclasses.replace(hw, compute=hw.cpu)
    cost = roofline_cost(graph, op, host, activations_onchip=activations_onchip)
    return dataclasses.replace(cost, unit="cpu", notes="NPU cannot run it: host roofline")


def _traffic(hw: Hardware, res: np.ndarray) -> tuple[Traffic, ...]:
    off, sram = hw.offchip, hw.scratchpad
    r = lambda f: int(res[f])  # noqa: E731
    t = []
    if off is not None:
        t += [Traffic(off.name, "ifm", r(K.R_DRAM_IFM), 0), Traffic(off.name, "weights", r(K.R_DRAM_W), 0),
              Traffic(off.name, "ofm", 0, r(K.R_DRAM_OFM))]
    t += [Traffic(sram.name, "ifm", r(K.R_SRAM_IFM_RD), r(K.R_SRAM_IFM_WR)),
          Traffic(sram.name, "weights", r(K.R_SRAM_W_RD), r(K.R_SRAM_W_WR)),
          Traffic(sram.name, "ofm", r(K.R_SRAM_OFM_RD), r(K.R_SRAM_OFM_WR))]
    return tuple(t)


def _layer_cost(graph: Graph, op: Op, hw: Hardware, low: Lowered, row: np.ndarray) -> LayerCost:
    place = low.placement[op.index]
    ifm_res, ofm_res = int(row[O_IFM_RES]), bool(row[O_OFM_RES])
    if place == "cpu" and hw.cpu is not None:
        return cpu_cost(graph, op, hw, activations_onchip=bool(ifm_res) and ofm_res)
    res = row[O_RES:O_RES + K.RESULTS]
    macs = int(low.layers[op.index, L_MACS])
    traffic = () if place == "free" else _traffic(hw, res)
    compute, latency = int(res[K.R_COMPUTE]), int(res[K.R_LATENCY])
    tiles = max(int(res[K.R_TILES]), 1)
    dram_rd = int(res[K.R_DRAM_IFM] + res[K.R_DRAM_W])
    stream = TileStream(tiles, -(-dram_rd // tiles), -(-int(res[K.R_DRAM_OFM]) // tiles), -(-compute // tiles),
                        bool(hw.scratchpad.double_buffered))
    df = int(row[O_DF])
    arr = hw.compute
    assert isinstance(arr, SystolicArray)
    if place == "mac":
        t = row[O_TILE:O_TILE + 5]
        lay = low.layers[op.index]
        tiling = str(Tiling(int(t[0]), int(t[1]), int(t[2]), int(t[3]), int(t[4]), int(lay[6]), int(lay[7])))
    else:
        tiling = f"stripes={tiles}" if place != "free" else "-"
    notes = {"free": "view: no data moved", "cpu": "no host cpu in spec: priced on the post-processing unit",
             "mac": "no tiling fits the scratchpad: smallest tiling priced" if row[O_COSTED] == 0 else ""}
    extra: dict[str, float | str] = {
        "tiles": float(tiles), "tilings_costed": float(row[O_COSTED]),
        "ifm_resident": float(ifm_res > 0), "ofm_resident": float(ofm_res),
        "dma_cycles": float(res[K.R_DMA_IN]) + float(res[K.R_DMA_OUT]),  # no int64 wrap warning
        "array_utilization": macs / (compute * arr.rows * arr.cols) if (macs and compute) else 0.0}
    return LayerCost(layer=op.name, index=op.index, op_type=op.op_type, macs=macs,
                     dataflow=DATAFLOW_NAMES[df] if df >= 0 else "-", tiling=tiling, compute_cycles=compute,
                     stall_cycles=latency - compute, working_set_bytes=int(res[K.R_WORKING_SET]), traffic=traffic,
                     energy_pj=layer_energy(hw, macs, traffic, compute, latency), unit="npu", cost_model=COST_MODEL,
                     tiles=stream, notes=notes.get(place, ""), extra=extra)


# --- design-space sweeps --------------------------------------------------------------------

SWEEP_FIELDS = ("compute.rows", "compute.cols", "memories.sram.size_bytes", "clock_hz",
                "memories.dram.bandwidth_bytes_per_cycle")


def evaluate_points(graph: Graph, base_hw: Hardware, points: dict[str, np.ndarray], *, dataflow: str = "best",
                    objective: str = "latency") -> pd.DataFrame:
    """Price many hardware points of one graph in one Numba pass; one summary row per point.

    `points` maps spec paths to equal-length arrays; the paths that vary are `compute.rows`,
    `compute.cols`, `memories.<scratchpad>.size_bytes`, `clock_hz` and
    `memories.<offchip>.bandwidth_bytes_per_cycle` (the memory names of `base_hw`; `sram`
    and `dram` in the bundled systolic specs); others keep `base_hw`'s value. Each row equals
    the summary of `simulate(graph, base_hw with that point's --set overrides, dataflow=...,
    objective=...)`: the same kernels make the same choices; energies are summed in the same
    order. Columns: the point's values, then latency_cycles, latency_ms, compute_cycles,
    stall_cycles, dram_read_bytes, dram_write_bytes, sram_read_bytes, sram_write_bytes,
    energy_uj, peak_working_set_bytes, macs.
    """
    off, sram = base_hw.offchip, base_hw.scratchpad
    names = {"compute.rows", "compute.cols", f"memories.{sram.name}.size_bytes", "clock_hz"}
    if off is not None:
        names.add(f"memories.{off.name}.bandwidth_bytes_per_cycle")
    unknown = set(points) - names
    if unknown:
        raise SimError(f"points: expected keys among {', '.join(sorted(names))}, got {', '.join(sorted(unknown))}")
    lengths = {len(np.asarray(v)) for v in points.values()}
    if len(lengths) > 1:
        raise SimError(f"points: expected arrays of one length, got lengths {sorted(lengths)}")
    count = lengths.pop() if lengths else 1
    assert isinstance(base_hw.compute, SystolicArray)

    def col(key: str, default: float, dtype: type) -> np.ndarray:
        return np.asarray(points.get(key, np.full(count, default)), dtype=dtype)

    rows = col("compute.rows", base_hw.compute.rows, np.int64)
    cols = col("compute.cols", base_hw.compute.cols, np.int64)
    sram_b = col(f"memories.{sram.name}.size_bytes", sram.size_bytes, np.int64)
    clock = col("clock_hz", base_hw.clock_hz, np.float64)
    bw = col(f"memories.{off.name}.bandwidth_bytes_per_cycle" if off else "-",
             off.bandwidth_bytes_per_cycle if off else math.inf, np.float64)
    if (rows <= 0).any() or (cols <= 0).any() or (sram_b <= 0).any() or (clock <= 0).any() or (bw <= 0).any():
        raise SimError("points: expected positive values for every swept field")
    low = lower(graph, base_hw)
    hwi0, hwf0 = hardware_arrays(base_hw)
    hwi = np.tile(hwi0, (count, 1))
    hwf = np.tile(hwf0, (count, 1))
    hwi[:, K.H_ROWS], hwi[:, K.H_COLS], hwf[:, K.F_DRAM_BW] = rows, cols, bw
    hwf[:, K.F_E_STATIC] = static_mw(base_hw) * (1 / clock) * 1e9
    choice, clk = choice_array(base_hw, dataflow, objective), clock if objective == "energy" else None
    if off is not None and base_hw.compute.softmax_lowering != "none" and len(np.unique(bw)) > 1:
        # the lowered softmax reads constants from the off-chip memory: its cycles follow that
        # memory's bandwidth, so each bandwidth is lowered on its own (points grouped by it)
        out = np.zeros((count, len(graph.ops), OUT_FIELDS), dtype=np.int64)
        key = f"memories.{off.name}.bandwidth_bytes_per_cycle"
        for b in np.unique(bw):
            at = np.flatnonzero(bw == b)
            low_b = lower(graph, load_hardware_with(base_hw, {key: float(b)}))
            out[at] = _price_points_memo(low_b, hwi[at], hwf[at], sram_b[at], choice,
                                         clk[at] if clk is not None else None)
    else:
        out = _price_points_memo(low, hwi, hwf, sram_b, choice, clk)
    return _summaries(graph, base_hw, low, out, points, clock, rows, cols, sram_b, bw)


def load_hardware_with(hw: Hardware, overrides: dict[str, float]) -> Hardware:
    """`hw` with `--set` style overrides (the spec loader checks them)."""
    from sim.spec.load import load_hardware
    return load_hardware(hw, overrides)


def _price_points_memo(low: Lowered, hwi: np.ndarray, hwf: np.ndarray, sram: np.ndarray, choice: np.ndarray,
                       clock: np.ndarray | None) -> np.ndarray:
    """`price_points`, with every distinct per-layer search run once (performance trick):
    residency per point, then each MAC layer's search shared by the points with its key."""
    p, n = hwi.shape[0], low.layers.shape[0]
    shapes, shape_of = np.unique(hwi, axis=0, return_inverse=True)
    need = K.needs_points(low.layers, shapes, shape_of.ravel(), choice, sram)
    ctxs = K.contexts_points(low.layers, low.op_in, low.op_out, low.tensors, hwi, need, sram)
    out = np.zeros((p, n, OUT_FIELDS), dtype=np.int64)
    out[:, :, O_DF] = -1
    out[:, :, O_IFM_RES], out[:, :, O_OFM_RES] = ctxs[:, :, 1], ctxs[:, :, 2]
    K.postproc_points(low.layers, ctxs, hwi, hwf, out)
    _search_memo(low, hwi, hwf, ctxs, choice, clock, out)
    return out


def _search_memo(low: Lowered, hwi: np.ndarray, hwf: np.ndarray, ctxs: np.ndarray, choice: np.ndarray,
                 clock: np.ndarray | None, out: np.ndarray) -> None:
    """The best tiling of every MAC layer at every point, into `out`.

    A MAC layer's search depends on the array shape, the DRAM bandwidth, what is kept on chip
    around it and its capacity, and on nothing else that a sweep varies (the clock only under
    the energy objective); a capacity past `max_working_set` fits every tiling, so it is
    clamped there (`ctxs[..., 3]`). Points sharing that key share the search result exactly."""
    extra = [clock.view(np.int64)] if clock is not None else []
    job_layer, job_point, job_ctx, scatter = [], [], [], []
    for i in np.flatnonzero(low.layers[:, L_KIND] == KIND_MAC):
        c = ctxs[:, i]
        key = np.column_stack([hwi[:, K.H_ROWS], hwi[:, K.H_COLS], c[:, 3], (c[:, 1] > 0).astype(np.int64), c[:, 2],
                               hwf[:, K.F_DRAM_BW].view(np.int64)] + extra)
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        scatter.append((i, len(job_layer), inverse.reshape(-1)))
        job_layer += [i] * len(first)
        job_point.append(first)
        job_ctx.append(np.column_stack([c[first, 3], (c[first, 1] > 0).astype(np.int64), c[first, 2]]))
    if not job_layer:
        return
    at = np.concatenate(job_point)
    rows = K.search_jobs(low.layers, np.array(job_layer, dtype=np.int64), hwi[at], hwf[at],
                         np.ascontiguousarray(np.concatenate(job_ctx)), choice)
    for i, start, inverse in scatter:
        out[:, i, O_TILE:O_DF + 2] = rows[start + inverse, O_TILE:O_DF + 2]


def _summaries(graph: Graph, hw: Hardware, low: Lowered, out: np.ndarray, points: dict[str, np.ndarray],
               clock: np.ndarray, rows: np.ndarray, cols: np.ndarray, sram_b: np.ndarray,
               bw: np.ndarray) -> pd.DataFrame:
    """Per-point totals from the per-layer rows, computed as simulate's frames compute them."""
    res = out[:, :, O_RES:O_RES + K.RESULTS]
    cpu = [i for i, p in enumerate(low.placement) if p == "cpu" and hw.cpu is not None]
    compute, latency = res[:, :, K.R_COMPUTE].copy(), res[:, :, K.R_LATENCY].copy()
    dram_rd = res[:, :, K.R_DRAM_IFM] + res[:, :, K.R_DRAM_W]
    dram_wr = res[:, :, K.R_DRAM_OFM].copy()
    sram_rd = res[:, :, K.R_SRAM_IFM_RD] + res[:, :, K.R_SRAM_W_RD] + res[:, :, K.R_SRAM_OFM_RD]
    sram_wr = res[:, :, K.R_SRAM_IFM_WR] + res[:, :, K.R_SRAM_W_WR] + res[:, :, K.R_SRAM_OFM_WR]
    ws = res[:, :, K.R_WORKING_SET].copy()
    macs = low.layers[:, L_MACS]
    off, sram = hw.offchip, hw.scratchpad
    energy = np.zeros(res.shape[:2])
    for p in range(out.shape[0]):
        # layer_energy's parts in its order, added as sum() adds them (zero parts change nothing)
        if hw.compute.mac_energy_pj > 0:
            e = 0 + macs * hw.compute.mac_energy_pj
        else:
            e = 0 + hw.active_power_mw * (compute[p] / clock[p]) * 1e9
        for m in hw.memories:
            is_off = off is not None and m.name == off.name
            rd = dram_rd[p] if is_off else sram_rd[p] if m.name == sram.name else 0 * macs
            wr = dram_wr[p] if is_off else sram_wr[p] if m.name == sram.name else 0 * macs
            e = e + rd * m.read_energy_pj_per_byte
            e = e + wr * m.write_energy_pj_per_byte
        energy[p] = e + static_mw(hw) * (latency[p] / clock[p]) * 1e9
    if cpu:
        _fill_cpu(graph, hw, low, out, cpu, points, compute, latency, dram_rd, dram_wr, sram_rd, sram_wr, ws, energy)
    lat = latency.sum(axis=1)
    df = pd.DataFrame({k: np.asarray(v) for k, v in points.items()})
    df["latency_cycles"] = lat
    df["latency_ms"] = [cycles_to_ms(int(c), float(h)) for c, h in zip(lat, clock)]
    df["compute_cycles"] = compute.sum(axis=1)
    df["stall_cycles"] = lat - compute.sum(axis=1)
    df["dram_read_bytes"], df["dram_write_bytes"] = dram_rd.sum(axis=1), dram_wr.sum(axis=1)
    df["sram_read_bytes"], df["sram_write_bytes"] = sram_rd.sum(axis=1), sram_wr.sum(axis=1)
    df["energy_uj"] = [float(pd.Series(energy[p]).sum()) * 1e-6 for p in range(out.shape[0])]
    df["peak_working_set_bytes"] = ws.max(axis=1)
    df["macs"] = int(macs.sum())
    return df


def _fill_cpu(graph: Graph, hw: Hardware, low: Lowered, out: np.ndarray, cpu: list[int],  # noqa: PLR0913
              points: dict[str, np.ndarray], compute: np.ndarray, latency: np.ndarray, dram_rd: np.ndarray,
              dram_wr: np.ndarray, sram_rd: np.ndarray, sram_wr: np.ndarray, ws: np.ndarray,
              energy: np.ndarray) -> None:
    """Host-fallback layers priced in Python per point (slow path; MLPerf Tiny has none)."""
    from sim.spec.load import load_hardware
    for p in range(out.shape[0]):
        hw_p = load_hardware(hw, {k: np.asarray(v)[p].item() for k, v in points.items()})
        for i in cpu:
            row = out[p, i]
            c = cpu_cost(graph, graph.ops[i], hw_p, activations_onchip=bool(row[O_IFM_RES]) and bool(row[O_OFM_RES]))
            off = hw_p.offchip
            compute[p, i], latency[p, i] = c.compute_cycles, c.latency_cycles
            dram_rd[p, i] = c.bytes_at(off.name) if off else 0
            dram_wr[p, i] = c.bytes_at(off.name, write=True) if off else 0
            sram_rd[p, i] = c.bytes_at(hw_p.scratchpad.name)
            sram_wr[p, i] = c.bytes_at(hw_p.scratchpad.name, write=True)
            ws[p, i] = c.working_set_bytes
            energy[p, i] = c.energy_total_pj
