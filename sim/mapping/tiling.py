"""Tilings of a layer's loop nest for the scratchpad: geometry only, no cost.

A tiling cuts the loop nest N OH OW K C KH KW into tiles the DMA stages in the scratchpad;
the array then folds each tile onto its rows x cols. Tile sizes per dimension are the
ceil-splits of the dimension, `ceil(D / m)` for every m (Timeloop's imperfect
factorisation): the sizes that give m tiles, the last one smaller. A dimension the
dataflow maps onto array rows or columns takes the ceil-splits rounded up to that array
dimension (Vela rounds OFM block depths to the micro-block the same way), since a tile
that is not a multiple of the array side leaves a fold part-empty and saves nothing.
KH and KW are never cut (the kernel window is a single sub-kernel per tile).

An input tile carries a halo: a strided, dilated window of `eff = (KH - 1) * dilation + 1`
rows needs `(oh - 1) * stride + eff` input rows for `oh` output rows (or `oh * eff` when the
stride skips rows, `eff < stride`), at most the input height. When the scratchpad is
double-buffered, every streamed tile is held twice (one filling while the other computes),
which halves the usable scratchpad for tiles.

The helpers are Numba kernels so the tiling search (`sim/cost/kernels.py`) uses exactly
the same candidate sizes and footprints as `enumerate_tilings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterator

import numpy as np
from numba import njit

from sim.graph.loops import Loops


# Layer vector layout shared by tiling.py and the cost kernels (int64 array).
(L_KIND, L_N, L_OH, L_OW, L_K, L_C, L_KH, L_KW, L_SH, L_SW, L_EH, L_EW, L_IH, L_IW, L_DW, L_IB, L_WB, L_OB,
 L_BIAS, L_IFM_BYTES, L_W_BYTES, L_OFM_BYTES, L_ELEMENTS, L_MACS, L_CBLK, L_OUT_CPE, L_IFM_REUSE, L_TAP_STEP,
 L_CBLK_DEEP, L_W_RAW, L_PP_CYCLES) = range(31)
LAYER_FIELDS = 31
# Five fields lower the part's datapath onto the layer (constant across a sweep's points):
# L_CBLK      input channels per reduction step (C rounds up to it; 1 = packs freely)
# L_TAP_STEP  kernel taps per reduction step (taps round up to it; 1 = one tap at a time)
# L_CBLK_DEEP depth-first alternative: one tap over up to this many channels (0 = none); the
#             array takes whichever of the two wastes fewer MACs (Vela's part-kernel vs depth-first)
# L_OUT_CPE   output-stage cycles per ofm element, in 1/OUT_CPE_SCALE cycles (0 = no limit)
# L_IFM_REUSE 1 when an internal buffer holds the ifm block and the kernel window is walked there
# L_W_RAW     0, or the layer's raw weight bytes (K x C x KH x KW x itemsize + K x bias) when
#             L_W_BYTES holds their encoded size (Ethos-U weight encoding): a weight tile then
#             takes its share of the encoded stream, `encoded_share`
# L_PP_CYCLES 0, or the cycles of a post-processing layer that the part prices by its own
#             datapath model (Ethos-U pooling: `sim/cost/npu_ops.py`) instead of its element rate
OUT_CPE_SCALE = 4096  # Vela's output_cycles_per_elem tables are multiples of 1/16 cycle: exact here
KIND_MAC, KIND_POSTPROC, KIND_FREE, KIND_CPU = 0, 1, 2, 3
# Kernels take the layer and the tile as tuples: Numba passes tuples by value, while every
# array argument costs a reference-count round trip per call (10-15 ns), which dominated the
# search's inner loop (performance trick).
LayerTuple = tuple[int, ...]
TileTuple = tuple[int, int, int, int, int]


@njit(cache=True)
def layer_tuple(lay: np.ndarray) -> LayerTuple:
    """The layer vector as a 31-tuple (see LayerTuple)."""
    return (lay[0], lay[1], lay[2], lay[3], lay[4], lay[5], lay[6], lay[7], lay[8], lay[9], lay[10], lay[11],
            lay[12], lay[13], lay[14], lay[15], lay[16], lay[17], lay[18], lay[19], lay[20], lay[21], lay[22],
            lay[23], lay[24], lay[25], lay[26], lay[27], lay[28], lay[29], lay[30])



class Dataflow(str, Enum):
    """Which operand stays in the PEs while the others stream (SCALE-Sim's ws/is/os)."""

    WEIGHT_STATIONARY = "ws"
    INPUT_STATIONARY = "is"
    OUTPUT_STATIONARY = "os"

    @property
    def code(self) -> int:
        """Integer the kernels take: 0 ws, 1 is, 2 os."""
        return ("ws", "is", "os").index(self.value)


DATAFLOW_CODES = {"ws": 0, "is": 1, "os": 2}


@dataclass(frozen=True, slots=True)
class Tiling:
    """Tile sizes over N OH OW K C KH KW (output-space sizes; input tiles follow with halos)."""

    n: int
    oh: int
    ow: int
    k: int
    c: int
    kh: int
    kw: int

    def __str__(self) -> str:
        return f"N{self.n} OH{self.oh} OW{self.ow} K{self.k} C{self.c} KH{self.kh} KW{self.kw}"

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        """(n, oh, ow, k, c): the tile the kernels take (KH and KW are never cut)."""
        return (self.n, self.oh, self.ow, self.k, self.c)


@njit(cache=True)
def tile_sizes(dim: int, align: int) -> np.ndarray:
    """Distinct ceil-split sizes of `dim`, each rounded up to a multiple of `align` and capped
    at `dim`, ascending."""
    out = np.empty(dim, dtype=np.int64)
    n = 0
    prev = -1
    for m in range(dim, 0, -1):
        t = (dim + m - 1) // m
        t = min(dim, ((t + align - 1) // align) * align)
        if t != prev:
            out[n] = t
            n += 1
            prev = t
    return out[:n]


@njit(cache=True)
def round_up(x: int, block: int) -> int:
    """`x` rounded up to a multiple of `block`."""
    return ((x + block - 1) // block) * block


@njit(cache=True)
def reduction_length(lay: LayerTuple, c: int) -> int:
    """Reduction elements a dense layer's `c` input channels and KH x KW taps occupy on the
    array. A part that consumes the reduction in steps of `L_TAP_STEP` taps x `L_CBLK`
    channels pads both (Ethos-U55 part-kernel mode: 4 taps x 8 channels); with a depth-first
    alternative (one tap x up to `L_CBLK_DEEP` channels) it takes the one that pads less."""
    taps = lay[L_KH] * lay[L_KW]
    red = round_up(taps, lay[L_TAP_STEP]) * round_up(c, lay[L_CBLK])
    if lay[L_CBLK_DEEP]:
        red = min(red, taps * round_up(c, lay[L_CBLK_DEEP]))
    return red


@njit(cache=True)
def output_cycles(lay: LayerTuple) -> int:
    """Cycles the output stage needs for the layer's ofm elements (0 when the part sets no
    rate): a layer takes at least this long whatever its tiling (Vela's output cycles)."""
    elements = lay[L_OFM_BYTES] // max(1, lay[L_OB])
    return (elements * lay[L_OUT_CPE] + OUT_CPE_SCALE - 1) // OUT_CPE_SCALE


@njit(cache=True)
def encoded_share(lay: LayerTuple, raw_bytes: int) -> int:
    """Bytes that `raw_bytes` of the layer's weights take as streamed: unchanged, or with the
    Ethos-U weight encoding their proportional share of the encoded stream (rounded up)."""
    if lay[L_W_RAW] <= 0:
        return raw_bytes
    return (raw_bytes * lay[L_W_BYTES] + lay[L_W_RAW] - 1) // lay[L_W_RAW]


@njit(cache=True)
def footprint(out_size: int, stride: int, eff: int, in_size: int) -> int:
    """Input rows (or columns) a tile of `out_size` outputs reads, halo included."""
    if eff > stride:
        rows = (out_size - 1) * stride + eff
    else:
        rows = out_size * eff
    return min(rows, in_size)


@njit(cache=True)
def footprint_total(dim: int, tile: int, stride: int, eff: int, in_size: int) -> int:
    """Input rows read once over all tiles of one dimension: halos re-read where tiles meet,
    padding rows (outside the input) not read."""
    count = (dim + tile - 1) // tile
    last = dim - (count - 1) * tile
    whole = footprint(dim, stride, eff, 1 << 40)
    pad = max(0, whole - in_size)
    total = (count - 1) * footprint(tile, stride, eff, 1 << 40) + footprint(last, stride, eff, 1 << 40) - pad
    return max(total, min(whole, in_size))


@njit(cache=True)
def working_set_bytes(lay: LayerTuple, tile: TileTuple, df: int, double_buffered: int,
                      ifm_resident: int, ofm_resident: int) -> int:
    """Scratchpad bytes a tiling needs: streamed tiles (twice when double-buffered), whole
    resident tensors once, and partial sums that must outlive a tile (4 B each)."""
    n, oh, ow, k, c = tile[0], tile[1], tile[2], tile[3], tile[4]
    dw = lay[L_DW]
    cin = k if dw else c
    mult = 2 if double_buffered else 1
    ifm_tile = n * footprint(oh, lay[L_SH], lay[L_EH], lay[L_IH]) * footprint(ow, lay[L_SW], lay[L_EW], lay[L_IW])
    ifm_tile *= cin * lay[L_IB]
    w_tile = encoded_share(lay, k * (1 if dw else c) * lay[L_KH] * lay[L_KW] * lay[L_WB] + k * lay[L_BIAS])
    ofm_tile = n * oh * ow * k * lay[L_OB]
    ifm = lay[L_IFM_BYTES] if ifm_resident else mult * ifm_tile
    ofm = lay[L_OFM_BYTES] if ofm_resident else mult * ofm_tile
    return ifm + mult * w_tile + ofm + psum_bytes(lay, tile, df)


@njit(cache=True)
def psum_bytes(lay: LayerTuple, tile: TileTuple, df: int) -> int:
    """Partial sums (4 B) held in the scratchpad across C tiles; none when C is not cut.

    Loop orders (outer to inner): ws K C N OH OW, is N OH OW C K, os N OH OW K C. With C
    outside the pixel loops (ws) every pixel of the K tile is live; outside K (is) every
    channel of the pixel tile; innermost (os) only the tile itself."""
    if lay[L_DW] or tile[4] >= lay[L_C]:
        return 0
    pixels = tile[0] * tile[1] * tile[2]
    if df == 0:
        return 4 * lay[L_N] * lay[L_OH] * lay[L_OW] * tile[3]
    if df == 1:
        return 4 * pixels * lay[L_K]
    return 4 * pixels * tile[3]


@njit(cache=True)
def alignments(df: int, rows: int, cols: int, kh: int, kw: int, depthwise: int) -> tuple[int, int]:
    """(K align, C align): K on columns under ws/os; C x KH x KW on rows under ws/is (1x1 only)."""
    k_align = cols if (df in (0, 2) and not depthwise) else 1
    c_align = rows if (df in (0, 1) and kh * kw == 1 and not depthwise) else 1
    return k_align, c_align


def layer_vector(loops: Loops, *, ifm_itemsize: int, weight_itemsize: int, ofm_itemsize: int,
                 bias_bytes_per_k: int, ifm_bytes: int, weight_bytes: int, ofm_bytes: int,
                 elements: int = 0, kind: int = KIND_MAC, ifm_block_depth: int = 1, out_cpe_q: int = 0,
                 ifm_reuse: int = 0, taps_per_step: int = 1, ifm_block_max_depth: int = 0,
                 weight_raw_bytes: int = 0, postproc_cycles: int = 0) -> np.ndarray:
    """The int64 vector the kernels take for one layer (five fields of the part's datapath;
    `weight_raw_bytes` > 0 when `weight_bytes` is the encoded size of that many raw bytes)."""
    v = np.zeros(LAYER_FIELDS, dtype=np.int64)
    lp = loops
    v[L_KIND] = kind
    v[L_N], v[L_OH], v[L_OW], v[L_K], v[L_C], v[L_KH], v[L_KW] = lp.N, lp.OH, lp.OW, lp.K, lp.C, lp.KH, lp.KW
    v[L_SH], v[L_SW] = lp.stride_h, lp.stride_w
    v[L_EH], v[L_EW] = (lp.KH - 1) * lp.dilation_h + 1, (lp.KW - 1) * lp.dilation_w + 1
    v[L_IH], v[L_IW] = max(lp.IH, 1), max(lp.IW, 1)
    v[L_DW] = int(lp.depthwise)
    v[L_IB], v[L_WB], v[L_OB], v[L_BIAS] = ifm_itemsize, weight_itemsize, ofm_itemsize, bias_bytes_per_k
    v[L_IFM_BYTES], v[L_W_BYTES], v[L_OFM_BYTES] = ifm_bytes, weight_bytes, ofm_bytes
    v[L_ELEMENTS] = elements
    v[L_MACS] = lp.macs
    v[L_CBLK], v[L_OUT_CPE], v[L_IFM_REUSE] = max(1, ifm_block_depth), out_cpe_q, ifm_reuse
    v[L_TAP_STEP], v[L_CBLK_DEEP] = max(1, taps_per_step), ifm_block_max_depth
    v[L_W_RAW] = weight_raw_bytes
    v[L_PP_CYCLES] = postproc_cycles
    return v


def enumerate_tilings(lay: np.ndarray, df: int, rows: int, cols: int, capacity_bytes: int,
                      double_buffered: bool, ifm_resident: bool = False,
                      ofm_resident: bool = False) -> Iterator[Tiling]:
    """Every legal tiling of one layer under one dataflow: each combination of candidate sizes
    whose working set fits `capacity_bytes`, in the search kernel's order."""
    k_align, c_align = alignments(df, rows, cols, int(lay[L_KH]), int(lay[L_KW]), int(lay[L_DW]))
    lt = layer_tuple(lay)
    for n in tile_sizes(int(lay[L_N]), 1)[::-1]:
        for oh in tile_sizes(int(lay[L_OH]), 1)[::-1]:
            for ow in tile_sizes(int(lay[L_OW]), 1)[::-1]:
                for k in tile_sizes(int(lay[L_K]), k_align)[::-1]:
                    for c in tile_sizes(int(lay[L_C]), c_align)[::-1]:
                        tile = (int(n), int(oh), int(ow), int(k), int(c))
                        if working_set_bytes(lt, tile, df, int(double_buffered), int(ifm_resident),
                                             int(ofm_resident)) <= capacity_bytes:
                            yield Tiling(*tile, int(lay[L_KH]), int(lay[L_KW]))
