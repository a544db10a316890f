"""Plain-Python twins of the Numba kernels, written for clarity, not speed.

Each function has the signature of its kernel in `sim/cost/kernels.py`,
`sim/mapping/tiling.py` or `sim/cost/systolic.py`, and `tests/kernels` asserts they agree
exactly. Where the kernel uses a closed form, the twin counts the long way: it walks every
tile (compute cycles, per-dimension sums) or replays the tile loop nest and counts the
fetches (reload factors), so the test also checks the algebra.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from sim.cost import kernels as K
from sim.mapping import tiling as T
from sim.mapping.tiling import (L_BIAS, L_C, L_CBLK, L_CBLK_DEEP, L_DW, L_EH, L_ELEMENTS, L_EW, L_IB, L_IFM_BYTES,
                                L_IFM_REUSE, L_IH, L_IW, L_K, L_KH, L_KIND, L_KW, L_N, L_OB, L_OFM_BYTES, L_OH,
                                L_OUT_CPE, L_OW, L_SH, L_SW, L_TAP_STEP, L_W_BYTES, L_W_RAW, L_WB,
                                OUT_CPE_SCALE)

# --- geometry (sim/mapping/tiling.py) --------------------------------------------------------


def tile_sizes(dim: int, align: int) -> np.ndarray:
    sizes = set()
    for pieces in range(1, dim + 1):
        size = math.ceil(dim / pieces)
        sizes.add(min(dim, math.ceil(size / align) * align))
    return np.array(sorted(sizes), dtype=np.int64)


def reduction_length(lay, c: int) -> int:  # noqa: ANN001
    taps = lay[L_KH] * lay[L_KW]
    part_kernel = math.ceil(taps / lay[L_TAP_STEP]) * lay[L_TAP_STEP] * math.ceil(c / lay[L_CBLK]) * lay[L_CBLK]
    if not lay[L_CBLK_DEEP]:
        return part_kernel
    depth_first = taps * math.ceil(c / lay[L_CBLK_DEEP]) * lay[L_CBLK_DEEP]
    return min(part_kernel, depth_first)


def output_cycles(lay) -> int:  # noqa: ANN001
    ofm_elements = lay[L_OFM_BYTES] // max(1, lay[L_OB])
    return -(-(ofm_elements * lay[L_OUT_CPE]) // OUT_CPE_SCALE)


def footprint(out_size: int, stride: int, eff: int, in_size: int) -> int:
    windows_overlap = eff > stride
    rows = (out_size - 1) * stride + eff if windows_overlap else out_size * eff
    return min(rows, in_size)


def tiles_of(dim: int, tile: int) -> list[int]:
    """The size of every tile along one dimension, in order."""
    return [min(tile, dim - start) for start in range(0, dim, tile)]


def footprint_total(dim: int, tile: int, stride: int, eff: int, in_size: int) -> int:
    unbounded = 1 << 40
    whole = footprint(dim, stride, eff, unbounded)
    padding = max(0, whole - in_size)
    total = sum(footprint(t, stride, eff, unbounded) for t in tiles_of(dim, tile)) - padding
    return max(total, min(whole, in_size))


def psum_bytes(lay, tile, df: int) -> int:  # noqa: ANN001
    n, oh, ow, k, c = tile
    if lay[L_DW] or c >= lay[L_C]:
        return 0
    live_pixels = {0: lay[L_N] * lay[L_OH] * lay[L_OW], 1: n * oh * ow, 2: n * oh * ow}[df]
    live_channels = {0: k, 1: lay[L_K], 2: k}[df]
    return 4 * live_pixels * live_channels


def encoded_share(lay, raw_bytes: int) -> int:  # noqa: ANN001
    if not lay[L_W_RAW]:
        return raw_bytes
    return math.ceil(Fraction(raw_bytes * lay[L_W_BYTES], lay[L_W_RAW]))


def working_set_bytes(lay, tile, df: int, double_buffered: int, ifm_resident: int,  # noqa: ANN001
                      ofm_resident: int) -> int:
    n, oh, ow, k, c = tile
    copies = 2 if double_buffered else 1
    in_channels = k if lay[L_DW] else c
    ifm_tile = (n * footprint(oh, lay[L_SH], lay[L_EH], lay[L_IH]) * footprint(ow, lay[L_SW], lay[L_EW], lay[L_IW])
                * in_channels * lay[L_IB])
    weight_tile = encoded_share(lay, k * (1 if lay[L_DW] else c) * lay[L_KH] * lay[L_KW] * lay[L_WB] + k * lay[L_BIAS])
    ofm_tile = n * oh * ow * k * lay[L_OB]
    ifm = lay[L_IFM_BYTES] if ifm_resident else copies * ifm_tile
    ofm = lay[L_OFM_BYTES] if ofm_resident else copies * ofm_tile
    return ifm + copies * weight_tile + ofm + psum_bytes(lay, tile, df)


def alignments(df: int, rows: int, cols: int, kh: int, kw: int, depthwise: int) -> tuple[int, int]:
    k_on_columns = df in (0, 2) and not depthwise
    c_on_rows = df in (0, 1) and kh * kw == 1 and not depthwise
    return (cols if k_on_columns else 1), (rows if c_on_rows else 1)


def layer_tuple(lay):  # noqa: ANN001, ANN201
    return tuple(int(x) for x in lay)


# --- fold cost -----------------------------------------------------------------------------


def fold_cycles(groups: int, sr: int, sc: int, t: int, rows: int, cols: int, overlap: int) -> int:
    if sr <= rows and sc <= cols:
        groups_per_fold = min(rows // sr, cols // sc)
        folds = math.ceil(groups / groups_per_fold)
    else:
        folds = groups * math.ceil(sr / rows) * math.ceil(sc / cols)
    per_fold = max(t, rows) if overlap else rows + t + (rows + cols - 2)
    return folds * per_fold


def tile_fold_cycles(lay, m: int, k: int, c: int, df: int, rows: int, cols: int, overlap: int) -> int:  # noqa: ANN001
    if lay[L_DW]:
        groups, reduction, outputs = k, lay[L_KH] * lay[L_KW], 1
    else:
        groups, reduction, outputs = 1, reduction_length(lay, c), k
    spatial_rows, spatial_cols, temporal = {0: (reduction, outputs, m), 1: (reduction, m, outputs),
                                            2: (m, outputs, reduction)}[df]
    return fold_cycles(groups, spatial_rows, spatial_cols, temporal, rows, cols, overlap)


def split(dim: int, tile: int) -> tuple[int, int, int]:
    sizes = tiles_of(dim, tile)
    if sizes[-1] == tile:
        return len(sizes), tile, 0
    return len(sizes) - 1, tile, sizes[-1]


def compute_cycles(lay, tile, df: int, rows: int, cols: int, overlap: int) -> int:  # noqa: ANN001
    total = 0
    dims = (lay[L_N], lay[L_OH], lay[L_OW], lay[L_K], lay[L_C])
    for n, oh, ow, k, c in itertools.product(*(tiles_of(d, t) for d, t in zip(dims, tile))):
        total += tile_fold_cycles(lay, n * oh * ow, k, c, df, rows, cols, overlap)
    return total + (2 * rows + cols - 2 if overlap else 0)


def stream_cost(t: int, rows: int, cols: int, overlap: int) -> int:
    return max(t, rows) if overlap else t + 2 * rows + cols - 2


def pixel_terms(lay, tile, rows: int, cols: int, overlap: int):  # noqa: ANN001, ANN201
    pixel_tiles = [n * oh * ow for n, oh, ow in itertools.product(tiles_of(lay[L_N], tile[0]),
                                                                  tiles_of(lay[L_OH], tile[1]),
                                                                  tiles_of(lay[L_OW], tile[2]))]
    shapes: dict[int, int] = {}
    cn, sn, ln = split(lay[L_N], tile[0])
    ch, sh, lh = split(lay[L_OH], tile[1])
    cw, sw, lw = split(lay[L_OW], tile[2])
    pairs: list[int] = []
    for (a, x), (b, y), (c, z) in itertools.product(((cn, sn), (1 if ln else 0, ln)), ((ch, sh), (1 if lh else 0, lh)),
                                                    ((cw, sw), (1 if lw else 0, lw))):
        if a * b * c:
            pairs += [a * b * c, x * y * z]
            shapes[x * y * z] = shapes.get(x * y * z, 0) + a * b * c
    assert sum(shapes.values()) == len(pixel_tiles)
    ifm = (lay[L_N] * footprint_total(lay[L_OH], tile[1], lay[L_SH], lay[L_EH], lay[L_IH])
           * footprint_total(lay[L_OW], tile[2], lay[L_SW], lay[L_EW], lay[L_IW]))
    head = (len(pixel_tiles), sum(math.ceil(m / rows) for m in pixel_tiles),
            sum(math.ceil(m / cols) for m in pixel_tiles), sum(stream_cost(m, rows, cols, overlap) for m in pixel_tiles),
            ifm, len(pairs) // 2)
    return head + tuple(pairs + [0] * (16 - len(pairs)))


def k_terms(lay, k: int, rows: int, cols: int, overlap: int):  # noqa: ANN001, ANN201
    sizes = tiles_of(lay[L_K], k)
    kernel = lay[L_KH] * lay[L_KW]
    if kernel <= rows:
        per_fold = min(rows // kernel, cols)
        dw_folds = sum(math.ceil(s / per_fold) for s in sizes)
    else:
        dw_folds = lay[L_K] * math.ceil(kernel / rows)
    full, size, last = split(lay[L_K], k)
    return (len(sizes), sum(math.ceil(s / cols) for s in sizes), sum(stream_cost(s, rows, cols, overlap) for s in sizes),
            dw_folds, full, size, last)


def c_terms(lay, c: int, rows: int, cols: int, overlap: int):  # noqa: ANN001, ANN201
    reductions = [reduction_length(lay, s) for s in tiles_of(lay[L_C], c)]
    return (len(reductions), sum(math.ceil(r / rows) for r in reductions),
            sum(stream_cost(r, rows, cols, overlap) for r in reductions))


def compute_from_terms(lay, pt, kt, ct, df: int, rows: int, cols: int, overlap: int) -> int:  # noqa: ANN001
    """Dense layers: a fold count is (row folds) x (column folds) x (cycles per fold), each a
    function of one dimension's tile, so summing over all tiles multiplies the per-dimension
    sums. Depthwise is/os pack channels by pixel tile size: walk the (pixel, K) shapes."""
    if not lay[L_DW]:
        row_folds, col_folds, per_fold = {
            0: (ct[K.CT_FOLD_R], kt[K.KT_FOLD_C], pt[K.PT_H]),   # reduction rows, K columns, pixels stream
            1: (ct[K.CT_FOLD_R], pt[K.PT_FOLD_C], kt[K.KT_H]),   # reduction rows, pixel columns, K streams
            2: (pt[K.PT_FOLD_R], kt[K.KT_FOLD_C], ct[K.CT_H]),   # pixel rows, K columns, reduction streams
        }[df]
        total = row_folds * col_folds * per_fold
    elif df == 0:
        total = kt[K.KT_DWF] * pt[K.PT_H]
    else:
        pixel_shapes = [(pt[K.PT_COMBO + 2 * j], pt[K.PT_COMBO + 2 * j + 1]) for j in range(pt[K.PT_NCOMBO])]
        k_shapes = [(kt[K.KT_FULL], kt[K.KT_SIZE])] + ([(1, kt[K.KT_LAST])] if kt[K.KT_LAST] else [])
        total = sum(count_p * count_k * tile_fold_cycles(lay, m, k, 1, df, rows, cols, overlap)
                    for (count_p, m), (count_k, k) in itertools.product(pixel_shapes, k_shapes))
    return total + (2 * rows + cols - 2 if overlap else 0)


# --- traffic and transfers -------------------------------------------------------------------


def burst_bytes(nbytes: int, run_bytes: int, burst: int) -> int:
    if nbytes <= 0:
        return 0
    run = max(1, min(run_bytes, nbytes))
    bus_bytes_per_run = math.ceil(run / burst) * burst
    return -(-nbytes * bus_bytes_per_run // run)


def dma_cycles(nbytes: int, run_bytes: int, transfers: int, bandwidth: float, setup: int, burst: int) -> int:
    if nbytes <= 0:
        return 0
    return transfers * setup + int(math.ceil(burst_bytes(nbytes, run_bytes, burst) / bandwidth))


def reload_factors(dw: int, pix: int, tk: int, tc: int, df: int) -> tuple[int, int]:
    """Replay the tile loop nest in the dataflow's order and count fetches: an operand's tile
    is fetched whenever the tile it needs differs from the one it holds."""
    order = {0: ("k", "c", "p"), 1: ("p", "c", "k"), 2: ("p", "k", "c")}[df]
    trips = {"p": pix, "k": tk, "c": 1 if dw else tc}
    ifm_dims = ("p", "k") if dw else ("p", "c")
    weight_dims = ("k",) if dw else ("k", "c")
    fetches = {"ifm": 0, "weights": 0}
    held: dict[str, tuple[int, ...] | None] = {"ifm": None, "weights": None}
    for idx in itertools.product(*(range(trips[d]) for d in order)):
        at = dict(zip(order, idx))
        for operand, dims in (("ifm", ifm_dims), ("weights", weight_dims)):
            need = tuple(at[d] for d in dims)
            if held[operand] != need:
                fetches[operand] += 1
                held[operand] = need
    distinct_ifm = math.prod(trips[d] for d in ifm_dims)
    distinct_w = math.prod(trips[d] for d in weight_dims)
    return fetches["ifm"] // distinct_ifm, fetches["weights"] // distinct_w


def psum_traffic(lay, tile, df: int, passes: int, cols: int, acc_bytes: int) -> int:  # noqa: ANN001
    if lay[L_DW]:
        return 0
    n, oh, ow, k, c = tile
    pixels = n * oh * ow
    if c < lay[L_C]:
        live = psum_bytes(lay, tile, df)
    else:
        live = {0: 4 * pixels * min(k, cols), 1: 4 * min(pixels, cols) * k, 2: 0}[df]
    if passes <= 1 or live <= acc_bytes:
        return 0
    outputs = lay[L_N] * lay[L_OH] * lay[L_OW] * lay[L_K]
    return (passes - 1) * outputs * 4


def run_lengths(lay, tile) -> tuple[int, int, int]:  # noqa: ANN001
    n, oh, ow, k, c = tile
    channels, channels_in_tile = (lay[L_K], k) if lay[L_DW] else (lay[L_C], c)
    if channels_in_tile < channels:
        ifm_run = channels_in_tile * lay[L_IB]
    elif ow < lay[L_OW]:
        ifm_run = footprint(ow, lay[L_SW], lay[L_EW], lay[L_IW]) * channels * lay[L_IB]
    else:
        ifm_run = (footprint(ow, lay[L_SW], lay[L_EW], lay[L_IW]) * footprint(oh, lay[L_SH], lay[L_EH], lay[L_IH])
                   * channels * lay[L_IB])
    if not lay[L_DW] and c < lay[L_C]:
        weight_run = c * lay[L_WB]
    else:
        weight_run = k * lay[L_KH] * lay[L_KW] * (1 if lay[L_DW] else lay[L_C]) * lay[L_WB]
    weight_run = encoded_share(lay, weight_run)
    if k < lay[L_K]:
        ofm_run = k * lay[L_OB]
    elif ow < lay[L_OW]:
        ofm_run = ow * lay[L_K] * lay[L_OB]
    else:
        ofm_run = oh * ow * lay[L_K] * lay[L_OB]
    return ifm_run, weight_run, ofm_run


def tiling_traffic(lay, ctx, tile, df: int, pt, kt, ct, hwi):  # noqa: ANN001, ANN201
    dw = lay[L_DW]
    ifm_x, w_x = reload_factors(dw, pt[K.PT_TILES], kt[K.KT_TILES], ct[K.CT_TILES], df)
    channels = lay[L_K] if dw else lay[L_C]
    dram_ifm = 0 if ctx[K.C_IFM_RESIDENT] else pt[K.PT_IFM] * channels * lay[L_IB] * ifm_x
    dram_w = lay[L_W_BYTES] * w_x
    dram_ofm = 0 if ctx[K.C_OFM_RESIDENT] else lay[L_OFM_BYTES]
    # elements the array streams from the scratchpad: each MAC's input, shared along the array
    # side that does not index it (ws/os: K on columns; is: pixels on columns)
    macs_per_output_channel = lay[L_N] * lay[L_OH] * lay[L_OW] * lay[L_KH] * lay[L_KW] * (1 if dw else lay[L_C])
    if lay[L_IFM_REUSE]:
        # the ifm block, halo included, goes into the array's buffer once per K tile and the
        # kernel window is walked there: no re-read per tap
        ifm_reads = pt[K.PT_IFM] * (lay[L_K] if dw else lay[L_C] * kt[K.KT_TILES])
        weight_passes = pt[K.PT_TILES] if (dw or df == 0) else {1: pt[K.PT_FOLD_C], 2: pt[K.PT_FOLD_R]}[df]
    elif dw:
        ifm_reads, weight_passes = macs_per_output_channel * lay[L_K], pt[K.PT_TILES]
    else:
        ifm_passes = {0: kt[K.KT_FOLD_C], 1: kt[K.KT_TILES], 2: kt[K.KT_FOLD_C]}[df]
        weight_passes = {0: pt[K.PT_TILES], 1: pt[K.PT_FOLD_C], 2: pt[K.PT_FOLD_R]}[df]
        ifm_reads = macs_per_output_channel * ifm_passes
    passes = ct[K.CT_TILES] if df == 2 else ct[K.CT_FOLD_R]
    psum = psum_traffic(lay, tile, df, passes, hwi[K.H_COLS], hwi[K.H_ACC_BYTES])
    sram_ofm_rd = psum + (0 if ctx[K.C_OFM_RESIDENT] else lay[L_OFM_BYTES])
    return (dram_ifm, dram_w, dram_ofm, ifm_reads * lay[L_IB], lay[L_W_BYTES] * weight_passes, sram_ofm_rd,
            dram_ifm, dram_w, lay[L_OFM_BYTES] + psum)


def transfer_cycles(lay, tile, df: int, traffic, pt, kt, ct, hw):  # noqa: ANN001, ANN201
    hwi, hwf = hw
    pix, tk = pt[K.PT_TILES], kt[K.KT_TILES]
    tc = 1 if lay[L_DW] else ct[K.CT_TILES]
    ifm_x, w_x = reload_factors(lay[L_DW], pix, tk, ct[K.CT_TILES], df)
    ifm_run, w_run, ofm_run = run_lengths(lay, tile)
    ifm_loads = pix * (tk if lay[L_DW] else tc) * ifm_x
    weight_loads = tk * tc * w_x
    bw, burst = hwf[K.F_DRAM_BW], hwi[K.H_BURST]
    dma_in = (dma_cycles(traffic[0], ifm_run, ifm_loads, bw, hwi[K.H_SETUP_RD], burst)
              + dma_cycles(traffic[1], w_run, weight_loads, bw, hwi[K.H_SETUP_RD], burst))
    dma_out = dma_cycles(traffic[2], ofm_run, pix * tk, bw, hwi[K.H_SETUP_WR], burst)
    return dma_in, dma_out, pix * tk * tc


def layer_time(compute: int, dma_in: int, dma_out: int, sram_bytes: int, tiles: int, hwi, hwf) -> int:  # noqa: ANN001
    sram_cycles = int(math.ceil(sram_bytes / hwf[K.F_SRAM_BW]))
    if not hwi[K.H_DB]:
        return max(compute + dma_in + dma_out, sram_cycles)
    first_load = math.ceil(dma_in / tiles)
    last_store = math.ceil(dma_out / tiles)
    hidden_in, hidden_out = dma_in - first_load, dma_out - last_store
    hidden = max(hidden_in, hidden_out) if hwi[K.H_CHANNELS] >= 2 else hidden_in + hidden_out
    return first_load + max(compute, hidden, sram_cycles) + last_store


def combine(lay, hw, ctx, tile, df: int, pt, kt, ct):  # noqa: ANN001, ANN201
    hwi, hwf = hw
    rows, cols, db = hwi[K.H_ROWS], hwi[K.H_COLS], hwi[K.H_DB]
    traffic = tiling_traffic(lay, ctx, tile, df, pt, kt, ct, hwi)
    dma_in, dma_out, tiles = transfer_cycles(lay, tile, df, traffic, pt, kt, ct, hw)
    compute = max(compute_cycles(lay, tile, df, rows, cols, db), output_cycles(lay))
    latency = layer_time(compute, dma_in, dma_out, sum(traffic[3:9]), tiles, hwi, hwf)
    ws = working_set_bytes(lay, tile, df, db, ctx[K.C_IFM_RESIDENT], ctx[K.C_OFM_RESIDENT])
    return (compute, latency - compute, latency, ws, tiles) + tuple(traffic) + (dma_in, dma_out)


def hw_tuples(hwi, hwf):  # noqa: ANN001, ANN201
    return tuple(int(x) for x in hwi), tuple(float(x) for x in hwf)


def eval_tiling(lay, hwi, hwf, ctx, tile, df: int, res) -> None:  # noqa: ANN001
    lt, hw = layer_tuple(lay), hw_tuples(hwi, hwf)
    t = tuple(int(x) for x in tile)
    rows, cols, db = int(hwi[K.H_ROWS]), int(hwi[K.H_COLS]), int(hwi[K.H_DB])
    res[:] = combine(lt, hw, tuple(int(x) for x in ctx), t, df, pixel_terms(lt, t, rows, cols, db),
                     k_terms(lt, t[3], rows, cols, db), c_terms(lt, t[4], rows, cols, db))


def score(r, hwf, objective: int) -> tuple[float, float]:  # noqa: ANN001
    dram_rd = r[K.R_DRAM_IFM] + r[K.R_DRAM_W]
    dram = dram_rd + r[K.R_DRAM_OFM]
    if objective == 0:
        return float(r[K.R_LATENCY]), float(dram)
    if objective == 2:
        return float(dram), float(r[K.R_LATENCY])
    sram_rd = r[K.R_SRAM_IFM_RD] + r[K.R_SRAM_W_RD] + r[K.R_SRAM_OFM_RD]
    sram_wr = r[K.R_SRAM_IFM_WR] + r[K.R_SRAM_W_WR] + r[K.R_SRAM_OFM_WR]
    energy = dram_rd * hwf[K.F_E_DRAM_RD] + r[K.R_DRAM_OFM] * hwf[K.F_E_DRAM_WR] + sram_rd * hwf[K.F_E_SRAM_RD]
    energy += sram_wr * hwf[K.F_E_SRAM_WR] + r[K.R_LATENCY] * hwf[K.F_E_STATIC]
    return energy, float(r[K.R_LATENCY])


def search_tiling(lay, hwi, hwf, ctx, df: int, objective: int, best_tile, best) -> int:  # noqa: ANN001
    """Cost every legal tiling in full (no bound) and keep the best: lowest score, then fewer
    tiles, then the first in the kernel's order."""
    rows, cols = int(hwi[K.H_ROWS]), int(hwi[K.H_COLS])
    legal = list(T.enumerate_tilings(np.asarray(lay), df, rows, cols, int(ctx[K.C_CAPACITY]), bool(hwi[K.H_DB]),
                                     bool(ctx[K.C_IFM_RESIDENT]), bool(ctx[K.C_OFM_RESIDENT])))
    if not legal:
        k_al, c_al = alignments(df, rows, cols, lay[L_KH], lay[L_KW], lay[L_DW])
        best_tile[:] = (1, 1, 1, tile_sizes(lay[L_K], k_al)[0], tile_sizes(lay[L_C], c_al)[0])
        eval_tiling(lay, hwi, hwf, ctx, best_tile, df, best)
        return 0
    res = np.zeros(K.RESULTS, dtype=np.int64)
    best_key = None
    for tiling in legal:
        eval_tiling(lay, hwi, hwf, ctx, np.array(tiling.as_tuple()), df, res)
        key = score(res, hwf, objective) + (int(res[K.R_TILES]),)
        if best_key is None or key < best_key:
            best_key = key
            best_tile[:] = tiling.as_tuple()
            best[:] = res
    return len(legal)


def postproc_cost(lay, hwi, hwf, ctx, res) -> None:  # noqa: ANN001
    res[:] = 0
    copies = 2 if hwi[K.H_DB] else 1
    dram_in = lay[L_IFM_BYTES] - ctx[K.C_IFM_RESIDENT]
    dram_out = 0 if ctx[K.C_OFM_RESIDENT] else lay[L_OFM_BYTES]
    resident = ctx[K.C_IFM_RESIDENT] + (lay[L_OFM_BYTES] if ctx[K.C_OFM_RESIDENT] else 0)
    streamed = copies * (dram_in + dram_out)
    room = max(1, ctx[K.C_CAPACITY] - resident)
    stripes = max(1, math.ceil(streamed / room))
    if lay[T.L_PP_CYCLES] > 0:
        res[K.R_COMPUTE] = lay[T.L_PP_CYCLES]
    else:
        res[K.R_COMPUTE] = max(int(math.ceil(lay[L_ELEMENTS] / hwf[K.F_PPC])), output_cycles(lay))
    res[K.R_TILES] = stripes
    res[K.R_WORKING_SET] = resident + math.ceil(streamed / stripes)
    res[K.R_DRAM_IFM], res[K.R_DRAM_OFM] = dram_in, dram_out
    res[K.R_DMA_IN] = dma_cycles(dram_in, dram_in, stripes, hwf[K.F_DRAM_BW], hwi[K.H_SETUP_RD], hwi[K.H_BURST])
    res[K.R_DMA_OUT] = dma_cycles(dram_out, dram_out, stripes, hwf[K.F_DRAM_BW], hwi[K.H_SETUP_WR], hwi[K.H_BURST])
    res[K.R_SRAM_IFM_RD], res[K.R_SRAM_OFM_RD] = lay[L_IFM_BYTES], dram_out
    res[K.R_SRAM_IFM_WR], res[K.R_SRAM_OFM_WR] = dram_in, lay[L_OFM_BYTES]
    sram = lay[L_IFM_BYTES] + dram_out + dram_in + lay[L_OFM_BYTES]
    res[K.R_LATENCY] = layer_time(int(res[K.R_COMPUTE]), int(res[K.R_DMA_IN]), int(res[K.R_DMA_OUT]), sram, stripes,
                                  hwi, hwf)
    res[K.R_STALL] = res[K.R_LATENCY] - res[K.R_COMPUTE]


def fewest_cycles_working_set(lay, hwi, choice) -> int:  # noqa: ANN001
    """Every tiling of every allowed dataflow enumerated with no capacity limit: the smallest
    working set among those with the fewest compute cycles."""
    lt = layer_tuple(lay)
    rows, cols, db = int(hwi[K.H_ROWS]), int(hwi[K.H_COLS]), int(hwi[K.H_DB])
    keys = [(compute_cycles(lt, t.as_tuple(), df, rows, cols, db), working_set_bytes(lt, t.as_tuple(), df, db, 0, 0))
            for df in range(3) if choice[df]
            for t in T.enumerate_tilings(np.asarray(lay), df, rows, cols, 1 << 62, bool(db), False, False)]
    return min(keys)[1]


def residency_needs(layers, hwi, choice, sram_bytes: int):  # noqa: ANN001, ANN201
    need = np.zeros(len(layers), dtype=np.int64)
    for i, lay in enumerate(layers):
        if lay[L_KIND] == T.KIND_MAC:
            need[i] = min(sram_bytes, fewest_cycles_working_set(lay, hwi, choice))
        elif lay[L_KIND] == T.KIND_POSTPROC:
            one_row = math.ceil((lay[L_IFM_BYTES] + lay[L_OFM_BYTES]) / max(1, lay[L_N] * lay[L_OH]))
            need[i] = (2 if hwi[K.H_DB] else 1) * one_row
    return need


def plan_residency(size, first, last, eligible, need, sram_bytes: int, occupied):  # noqa: ANN001, ANN201
    resident = np.zeros(len(size), dtype=np.int64)
    occupied[:] = 0
    for t in sorted(range(len(size)), key=lambda t: (first[t], t)):
        if not eligible[t]:
            continue
        span = range(first[t], last[t] + 1)
        if all(occupied[i] + size[t] + need[i] <= sram_bytes for i in span):
            resident[t] = 1
            for i in span:
                occupied[i] += size[t]
    return resident


# --- graph driver -------------------------------------------------------


def price_network(layers, op_in, op_out, tensors, hwi, hwf, choice, sram_bytes: int):  # noqa: ANN001, ANN201
    ctx = layer_contexts(layers, op_in, op_out, tensors, residency_needs(layers, hwi, choice, sram_bytes), sram_bytes)
    out = np.zeros((len(layers), K.OUT_FIELDS), dtype=np.int64)
    for i in range(len(layers)):
        price_layer(layers[i], ctx[i], hwi, hwf, choice, out[i])
    return out


def layer_contexts(layers, op_in, op_out, tensors, need, sram_bytes: int):  # noqa: ANN001, ANN201
    n = len(layers)
    occupied = np.zeros(n, dtype=np.int64)
    resident = plan_residency(tensors[:, 0], tensors[:, 1], tensors[:, 2], tensors[:, 3], need, sram_bytes, occupied)
    ctx = np.zeros((n, 3), dtype=np.int64)
    for i in range(n):
        ifm_kept = sum(int(tensors[t, 0]) for t in op_in[i] if t >= 0 and resident[t])
        ofm_kept = int(tensors[op_out[i], 0]) if op_out[i] >= 0 and resident[op_out[i]] else 0
        ctx[i] = (sram_bytes - occupied[i] + ifm_kept + ofm_kept, ifm_kept, int(ofm_kept > 0))
    return ctx


def best_dataflow(lay, hwi, hwf, ctx, choice, row) -> None:  # noqa: ANN001
    best_key = None
    for df in range(3):
        if not choice[df]:
            continue
        tile, res = np.zeros(5, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
        row[K.O_COSTED] += search_tiling(lay, hwi, hwf, ctx, df, int(choice[3]), tile, res)
        key = score(res, hwf, int(choice[3]))
        if best_key is None or key < best_key:
            best_key = key
            row[K.O_TILE:K.O_TILE + 5], row[K.O_RES:K.O_RES + K.RESULTS], row[K.O_DF] = tile, res, df


def price_layer(lay, ctx, hwi, hwf, choice, row) -> None:  # noqa: ANN001
    row[K.O_DF], row[K.O_IFM_RES], row[K.O_OFM_RES] = -1, ctx[1], ctx[2]
    if lay[L_KIND] == T.KIND_POSTPROC:
        postproc_cost(lay, hwi, hwf, ctx, row[K.O_RES:K.O_RES + K.RESULTS])
    if lay[L_KIND] == T.KIND_MAC:
        best_dataflow(lay, hwi, hwf, np.array([ctx[0], int(ctx[1] > 0), ctx[2]]), choice, row)


def max_working_set(lay, hwi, ifm_resident: int, ofm_resident: int) -> int:  # noqa: ANN001
    """The largest working set over every candidate tiling of every dataflow, enumerated."""
    lt = layer_tuple(lay)
    return max(working_set_bytes(lt, t.as_tuple(), df, hwi[K.H_DB], ifm_resident, ofm_resident)
               for df in range(3)
               for t in T.enumerate_tilings(np.asarray(lay), df, int(hwi[K.H_ROWS]), int(hwi[K.H_COLS]), 1 << 62,
                                            bool(hwi[K.H_DB]), bool(ifm_resident), bool(ofm_resident)))


def price_points(layers, op_in, op_out, tensors, hwi, hwf, choice, sram):  # noqa: ANN001, ANN201
    return np.array([price_network(layers, op_in, op_out, tensors, hwi[p], hwf[p], choice, sram[p])
                     for p in range(len(hwi))])


def contexts_points(layers, op_in, op_out, tensors, hwi, need, sram):  # noqa: ANN001, ANN201
    out = np.zeros((len(hwi), len(layers), 4), dtype=np.int64)
    for p in range(len(hwi)):
        out[p, :, :3] = layer_contexts(layers, op_in, op_out, tensors, need[p], sram[p])
        for i in range(len(layers)):
            capacity = out[p, i, 0]
            if layers[i][L_KIND] == T.KIND_MAC:
                capacity = min(capacity, max_working_set(layers[i], hwi[p], int(out[p, i, 1] > 0), out[p, i, 2]))
            out[p, i, 3] = capacity
    return out


def needs_points(layers, shapes, shape_of, choice, sram):  # noqa: ANN001, ANN201
    return np.array([residency_needs(layers, shapes[shape_of[p]], choice, sram[p]) for p in range(len(shape_of))],
                    dtype=np.int64)


def search_jobs(layers, job_layer, job_hwi, job_hwf, job_ctx, choice):  # noqa: ANN001, ANN201
    out = np.zeros((len(job_layer), K.OUT_FIELDS), dtype=np.int64)
    for j in range(len(job_layer)):
        best_dataflow(layers[job_layer[j]], job_hwi[j], job_hwf[j], job_ctx[j], choice, out[j])
    return out


def postproc_points(layers, ctxs, hwi, hwf, out) -> None:  # noqa: ANN001
    for p in range(len(out)):
        for i in range(len(layers)):
            if layers[i][L_KIND] == T.KIND_POSTPROC:
                postproc_cost(layers[i], hwi[p], hwf[p], ctxs[p, i, :3], out[p, i, K.O_RES:K.O_RES + K.RESULTS])


# --- Ethos-U weight encoding (sim/cost/weight_encoding.py) ------------------------------------

def _index_bits(n: int) -> int:
    """Index bits of an n-entry palette, at most 8 (the codec's loop starts at 2^7)."""
    return min(8, (n - 1).bit_length()) if n > 1 else 0


def palette_restarts(buf) -> list[int]:  # noqa: ANN001
    """Section starts, restating the codec's greedy palette look-back."""
    buf = [int(x) for x in buf]
    starts = [0]
    start, palette_open, pal_size, zeros = 0, False, 0, 0
    last_seen: dict[int, int] = {}
    for i, value in enumerate(buf):
        skip_zero = int(zeros > (i - start) // 4)
        if palette_open and last_seen.get(value, -1) < start:
            pal_size += 1
            grown = pal_size - 1 - skip_zero
            power_of_two = grown & (grown - 1) == 0
            if power_of_two and (i - start - zeros > 512 or pal_size - skip_zero > 32):
                starts.append(i)
                start, palette_open, zeros = i, False, 0
        last_seen[value] = i
        zeros += value == 0
        for window in (32, 64, 128, 256, 512):
            step = window * (2 if palette_open else 1)
            nonzeros = i - start - zeros
            if nonzeros <= 0 or nonzeros % step:
                continue
            # walk back to just before the (step + 1)-th most recent non-zero after `start`
            back, seen = i, 0
            while back > start and not (buf[back] != 0 and seen == step + 1):
                seen += buf[back] != 0
                back -= 1
            size = sum(1 for pos in last_seen.values() if pos >= back)
            if palette_open:
                saving = step * (_index_bits(pal_size - skip_zero) - _index_bits(size - skip_zero)) * 15 // 16
                take = saving - 8 * size - 20 > 0
            else:
                saving = step * (90 - 15 * _index_bits(size - skip_zero)) // 16
                take = size - skip_zero <= 32 and saving - 8 * size - 20 > 0
            if take:
                pal_size, palette_open, start = size, True, back
                if starts[-1] != start:
                    starts.append(start)
                zeros = sum(1 for v in buf[start:i + 1] if v == 0)
    return starts


def grc_search(values, zrun: int, raw_bits: int, free_at) -> tuple[list[int], list[int]]:  # noqa: ANN001
    """(configuration, end) per run: a shortest path over (position, configuration)."""
    from sim.cost.weight_encoding import CHANGE_COST_BITS, W_DIV, W_MODE, Z_CONFIGS
    configs = [(d, 0) for d in range(Z_CONFIGS)] if zrun else list(zip(W_DIV.tolist(), W_MODE.tolist()))

    def bits(value: int, div: int, mode: int) -> int:
        if mode == 2:
            return raw_bits
        q = value >> div
        if not zrun and (q > 31 or (mode == 1 and q > 2)):
            return 10000
        return (min(q + 1, 2) if mode == 1 else q + 1) + div

    cost = [0] * len(configs)
    came_from: list[list[int]] = [list(range(len(configs)))]
    free = set(int(f) for f in free_at)
    for i, value in enumerate(int(v) for v in values):
        best = min(range(len(configs)), key=lambda j: (cost[j], j))
        change = 0 if (i + 1) in free else CHANGE_COST_BITS
        step_from, new_cost = [], []
        for j, (div, mode) in enumerate(configs):
            switch = cost[best] + change < cost[j]
            step_from.append(best if switch else j)
            new_cost.append((cost[best] + change if switch else cost[j]) + bits(value, div, mode))
        came_from.append(step_from)
        cost = new_cost
    cfg = min(range(len(configs)), key=lambda j: (cost[j], j))
    runs: list[tuple[int, int]] = []
    end = len(came_from) - 1
    for i in range(len(came_from) - 1, -1, -1):
        if came_from[i][cfg] != cfg or i == 0:
            runs.append((cfg, end))
            cfg, end = came_from[i][cfg], i - 1
    runs.reverse()
    return [c for c, _ in runs], [e for _, e in runs]


def slice_bits(w, z, zero_runs: int, w_div: int, w_mode: int, z_div: int) -> int:  # noqa: ANN001
    """Bits of a slice body, from each value's unary slot count laid into fixed-size chunks."""
    step = 3 if w_mode == 1 else 2
    binary = w_mode == 2
    w_cap = 8 if binary and w_div > 5 else 12
    z_cap = 12 if z_div < 3 else 8
    w_q = [int(v) >> w_div for v in w]
    z_slots = [(int(v) >> z_div) + 1 for v in z]
    w_slots = [q // step + 1 for q in w_q]

    def chunk(slots: list[int], pos: int, used: int, cap: int, q: list[int] | None) -> tuple[int, int, int, int]:
        """Lay `cap` unary slots: (next value, slots of it already laid, values completed, second-unary bits)."""
        j = done = ones = 0
        while j < cap:
            if pos >= len(slots):
                j += 1              # padding slot once the values run out
                continue
            take = min(slots[pos] - used, cap - j)
            if q is not None:
                ones += sum(1 for t in range(used, used + take) if q[pos] - t * step > 0)
            j += take
            used += take
            if used == slots[pos]:
                pos, used, done = pos + 1, 0, done + 1
        return pos, used, done, ones

    bits = 0
    wp = w_used = zp = z_used = 0
    pending_w = pending_z = None        # remainders of the previous chunk, written after this chunk's unary bits
    while True:
        balance = wp - zp if zero_runs else 0
        w_on = balance < 8 and wp < len(w_slots)
        z_on = bool(zero_runs) and balance >= 0 and zp < len(z_slots)
        w_done: int | None = None
        z_done: int | None = None
        if w_on:
            wp, w_used, w_done, ones = chunk(w_slots, wp, w_used, w_cap, w_q)
            bits += 0 if binary else 12 + ones
        if z_on:
            zp, z_used, z_done, _ = chunk(z_slots, zp, z_used, z_cap, None)
            bits += z_cap
        bits += (pending_w or 0) * w_div + (pending_z or 0) * z_div
        pending_w, pending_z = w_done, z_done
        if pending_w is None and pending_z is None:
            return bits
