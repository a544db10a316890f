"""`--compat scalesim`: reproduce SCALE-Sim 3.0.0's per-layer report, quirks included.

Model (SCALE-Sim's, not edgesim's): each layer is lowered to SCALE-Sim's topology row
(IFMAP HxW, filter HxW, channels, filters, stride), cut into folds of the array, and every
fold takes a fixed number of cycles (`scalesim_kernels.fold_geometry`); nothing overlaps across
folds. The reported total is the number of demand rows minus one (SCALE-Sim reports the cycle
of the last row, counted from 0) plus the cycles the ofmap write buffer stalls the array.
SRAM counts are the compute modules' request counts (OS adds R+C ofmap writes per fold);
DRAM counts come from its memory models: in CALC bandwidth mode the ifmap/filter read buffers
keep a window of unique addresses emptied every half-buffer of new words, and the ofmap
write buffer drains half its size at a time at `cols` words per cycle.

How a graph operator becomes a topology row: convolutions keep their geometry, with SAME
padding folded into the IFMAP size as SCALE-Sim users write it; depthwise convolutions run
as dense convolutions (channels x filters), as SCALE-Sim's own MobileNet topologies do; fully
connected layers use SCALE-Sim's GEMM form (an M x K image, a 1 x K filter, N filters).
Other operators are not run by SCALE-Sim and cost nothing here (noted per row).

USER bandwidth mode: each demand row also passes the ifmap and filter read buffers, which
hold a window of sets of SCALE-Sim's prefetch stream and move it on by half a buffer (at the
fill bandwidth) on every miss; the array waits for the slowest of the three
(`scalesim_kernels.user_mode_layer`). Its stall arithmetic is reproduced as written: a miss's
stall counts twice when positive and is subtracted when negative.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from sim.cost import scalesim_kernels as k
from sim.cost.layer import LayerCost, TileStream, Traffic
from sim.cost.roofline import layer_energy
from sim.graph.ir import Graph, Op
from sim.graph.loops import macs_of
from sim.spec.model import Hardware, SystolicArray

log = logging.getLogger(__name__)

# read_buffer_estimate_bw.py: 100 sets per buffer, the active half is 50 of them.
SETS_PER_BUFFER = k.SETS_PER_BUFFER
SETS_PER_WINDOW = k.SETS_PER_WINDOW
SCALESIM_OPS = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"})


@dataclass(frozen=True, slots=True)
class TopologyRow:
    """One layer as SCALE-Sim's conv topology row sees it (1-byte words)."""

    ih: int
    iw: int
    fh: int
    fw: int
    channels: int
    filters: int
    stride_h: int
    stride_w: int

    @property
    def oh(self) -> int:
        return -(-(self.ih - self.fh + self.stride_h) // self.stride_h)

    @property
    def ow(self) -> int:
        return -(-(self.iw - self.fw + self.stride_w) // self.stride_w)

    @property
    def npx(self) -> int:
        return self.oh * self.ow

    @property
    def window(self) -> int:
        return self.fh * self.fw * self.channels


@dataclass(frozen=True, slots=True)
class ScaleSimArray:
    """What SCALE-Sim's config says about the array and its three SRAMs (words = bytes)."""

    rows: int
    cols: int
    dataflow: str
    ifmap_words: int
    filter_words: int
    ofmap_words: int
    calc: bool
    ofmap_drain_bw: int
    ifmap_fill_bw: int
    filter_fill_bw: int


@dataclass(frozen=True, slots=True)
class ScaleSimCounts:
    """SCALE-Sim's COMPUTE_REPORT and DETAILED_ACCESS_REPORT numbers for one layer."""

    total_cycles: int
    stall_cycles: int
    sram_ifmap_reads: int
    sram_filter_reads: int
    sram_ofmap_writes: int
    dram_ifmap_reads: int
    dram_filter_reads: int
    dram_ofmap_writes: int
    row_folds: int
    col_folds: int
    rows_per_fold: int


def topology_row(graph: Graph, op: Op) -> TopologyRow | None:
    """The SCALE-Sim topology row of a conv/depthwise/FC operator; None for other operators."""
    if op.op_type not in SCALESIM_OPS:
        return None
    w = graph.weights(op)
    ifm, ofm = graph.ifm(op), graph.ofm(op)
    if op.op_type == "FULLY_CONNECTED":  # topology_utils.load_arrays_gemm: [M, K, 1, K, 1, N, 1, 1]
        cin = int(w.shape[-1]) if w is not None else int(ifm.shape[-1])
        n = int(ofm.shape[-1])
        m = max(ofm.size // max(n, 1), 1)
        return TopologyRow(m, cin, 1, cin, 1, n, 1, 1)
    shape = tuple(int(d) for d in ifm.shape)
    ih, iw, ch = shape[-3], shape[-2], shape[-1]
    oh, ow, oc = (int(d) for d in ofm.shape[-3:])
    fh, fw = (int(w.shape[1]), int(w.shape[2])) if w is not None else (1, 1)
    a = op.attrs
    sh, sw = int(a.get("stride_h", 1)), int(a.get("stride_w", 1))
    dh, dw = int(a.get("dilation_h", 1)), int(a.get("dilation_w", 1))
    fh, fw = (fh - 1) * dh + 1, (fw - 1) * dw + 1
    if a.get("padding") == "SAME":  # the padded IFMAP a SCALE-Sim topology would list
        ih, iw = (oh - 1) * sh + fh, (ow - 1) * sw + fw
    return TopologyRow(ih, iw, fh, fw, ch, oc, sh, sw)


def scalesim_array(hw: Hardware, dataflow: str) -> ScaleSimArray:
    """SCALE-Sim's view of a systolic spec: `best` runs the spec's first (the cfg's) dataflow.
    Without per-operand partitions the scratchpad is split in three equal SRAMs."""
    c = hw.compute
    assert isinstance(c, SystolicArray)
    df = dataflow if dataflow in k.DATAFLOW_CODES else (c.dataflows[0] if c.dataflows else "ws")
    third = hw.scratchpad.size_bytes // 3
    off = hw.offchip
    calc = off is None or not off.bandwidth_limited
    off_bw = max(int(off.bandwidth_bytes_per_cycle), 1) if off is not None else c.cols
    drain = c.cols if calc else off_bw   # single_layer_sim.py: CALC drains at ArrayWidth words/cycle
    fill_i = max(int(c.ifmap_fill_bytes_per_cycle), 1) if c.ifmap_fill_bytes_per_cycle else off_bw
    fill_f = max(int(c.filter_fill_bytes_per_cycle), 1) if c.filter_fill_bytes_per_cycle else off_bw
    return ScaleSimArray(c.rows, c.cols, df, c.ifmap_sram_bytes or third, c.filter_sram_bytes or third,
                         c.ofmap_sram_bytes or third, calc, drain, fill_i, fill_f)


def touched_rows(size: int, filt: int, stride: int, outs: int) -> int:
    """Input rows (or columns) some window reads: the union of [o*stride, o*stride+filt) clipped
    to [0, size). With SCALE-Sim's ceiling only the last window can run past the edge, and
    with a stride above the filter size it can start past it."""
    if outs <= 0:
        return 0
    if stride <= filt:                      # windows overlap or touch: one contiguous span
        return min(size, (outs - 1) * stride + filt)
    return (outs - 1) * filt + max(0, min(filt, size - (outs - 1) * stride))


def _window_words(buffer_words: int) -> int:
    """Unique words CALC mode's read buffer holds before it empties its window; 0 = never."""
    return SETS_PER_WINDOW * (buffer_words // SETS_PER_BUFFER)


def filter_matrix(window: int, filters: int) -> np.ndarray:
    """operand_matrix.calc_filter_elem_addr without the offset: filter f, position j -> f*window + j."""
    return (np.arange(filters, dtype=np.int64)[None, :] * window + np.arange(window, dtype=np.int64)[:, None])


def layer_counts(row: TopologyRow, arr: ScaleSimArray) -> ScaleSimCounts:
    """SCALE-Sim's counts for one topology row on one array."""
    df = k.DATAFLOW_CODES.index(arr.dataflow)
    g = k.fold_geometry(df, arr.rows, arr.cols, row.npx, row.window, row.filters)
    dims = np.array([arr.rows, arr.cols, row.npx, row.window, row.filters], dtype=np.int64)
    if not arr.calc:
        mat = k.ifmap_matrix(row.ih, row.iw, row.fh, row.fw, row.channels, row.stride_h, row.stride_w,
                             row.oh, row.ow)
        u = k.user_mode_layer(df, mat, filter_matrix(row.window, row.filters), dims,
                              np.array([arr.ifmap_words, arr.filter_words, arr.ofmap_words], dtype=np.int64),
                              np.array([arr.ifmap_fill_bw, arr.filter_fill_bw, arr.ofmap_drain_bw], dtype=np.int64))
        return ScaleSimCounts(total_cycles=int(u[0]), stall_cycles=int(u[1]), sram_ifmap_reads=int(g[3]),
                              sram_filter_reads=int(g[4]), sram_ofmap_writes=int(g[5]), dram_ifmap_reads=int(u[2]),
                              dram_filter_reads=int(u[3]), dram_ofmap_writes=int(u[4]), row_folds=int(g[0]),
                              col_folds=int(g[1]), rows_per_fold=int(g[2]))
    unique_ifmap = (touched_rows(row.ih, row.fh, row.stride_h, row.oh)
                    * touched_rows(row.iw, row.fw, row.stride_w, row.ow) * row.channels)
    win = _window_words(arr.ifmap_words)
    if win == 0 or unique_ifmap < win:  # the window never empties: every word is read once
        dram_ifmap = unique_ifmap
    else:
        mat = k.ifmap_matrix(row.ih, row.iw, row.fh, row.fw, row.channels, row.stride_h, row.stride_w,
                             row.oh, row.ow)
        dram_ifmap = k.demand_dram_reads(df, 0, mat, dims, row.ih * row.iw * row.channels, win)
    unique_filter = row.window * row.filters
    win = _window_words(arr.filter_words)
    if win == 0 or unique_filter < win:
        dram_filter = unique_filter
    else:
        dram_filter = k.demand_dram_reads(df, 1, filter_matrix(row.window, row.filters), dims, unique_filter, win)
    wb = k.write_buffer_drain(df, arr.rows, arr.cols, row.npx, row.window, row.filters, arr.ofmap_words,
                              arr.ofmap_drain_bw)
    return ScaleSimCounts(total_cycles=int(wb[2]), stall_cycles=int(wb[1]), sram_ifmap_reads=int(g[3]),
                          sram_filter_reads=int(g[4]), sram_ofmap_writes=int(g[5]), dram_ifmap_reads=int(dram_ifmap),
                          dram_filter_reads=int(dram_filter), dram_ofmap_writes=int(wb[0]), row_folds=int(g[0]),
                          col_folds=int(g[1]), rows_per_fold=int(g[2]))


def scalesim_cost(graph: Graph, op: Op, hw: Hardware, dataflow: str) -> LayerCost:
    """The LayerCost of `op` as SCALE-Sim reports it; operators SCALE-Sim cannot run cost 0."""
    arr = scalesim_array(hw, dataflow)
    row = topology_row(graph, op)
    macs = macs_of(graph, op)
    off, sram = hw.offchip, hw.scratchpad
    if row is None:
        return LayerCost(layer=op.name, index=op.index, op_type=op.op_type, macs=macs, dataflow="-",
                         tiling="not run", compute_cycles=0, stall_cycles=0, working_set_bytes=0, traffic=(),
                         energy_pj={}, cost_model="scalesim", notes="SCALE-Sim runs only conv and GEMM layers")
    c = layer_counts(row, arr)
    traffic = [Traffic(sram.name, "ifm", c.sram_ifmap_reads, 0), Traffic(sram.name, "weights", c.sram_filter_reads, 0),
               Traffic(sram.name, "ofm", 0, c.sram_ofmap_writes)]
    if off is not None:
        traffic += [Traffic(off.name, "ifm", c.dram_ifmap_reads, 0),
                    Traffic(off.name, "weights", c.dram_filter_reads, 0),
                    Traffic(off.name, "ofm", 0, c.dram_ofmap_writes)]
    compute = c.total_cycles - c.stall_cycles
    working = (min(c.dram_ifmap_reads, arr.ifmap_words) + min(row.window * row.filters, arr.filter_words)
               + min(row.npx * row.filters, arr.ofmap_words))
    folds = c.row_folds * c.col_folds
    notes = "depthwise run as a dense conv" if op.op_type == "DEPTHWISE_CONV_2D" else ""
    return LayerCost(
        layer=op.name, index=op.index, op_type=op.op_type, macs=macs, dataflow=arr.dataflow,
        tiling=f"{c.row_folds}x{c.col_folds} folds of {c.rows_per_fold} rows",
        compute_cycles=compute, stall_cycles=c.stall_cycles, working_set_bytes=working, traffic=tuple(traffic),
        energy_pj=layer_energy(hw, macs, traffic, compute, c.total_cycles), cost_model="scalesim",
        tiles=TileStream(folds, (c.dram_ifmap_reads + c.dram_filter_reads) // max(folds, 1),
                         c.dram_ofmap_writes // max(folds, 1), c.rows_per_fold, double_buffered=True),
        notes=notes,
        extra={"scalesim_row_folds": float(c.row_folds), "scalesim_col_folds": float(c.col_folds),
               "scalesim_macs": float(row.npx * row.window * row.filters)})
