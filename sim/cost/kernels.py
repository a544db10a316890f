"""Numba kernels of the native systolic-array model: fold cost, traffic, DMA time, search.

The model, as Vela's `npu_performance.py` states its own: a layer's time is the maximum of
its compute cycles and the cycles its transfers need at each memory's bandwidth, plus the
first tile's load and the last tile's store that no compute hides. Per tile:

* Compute: a tile is a GEMM folded onto the rows x cols array (ws: reduction on rows, K on
  columns, pixels streamed; is: reduction on rows, pixels on columns, K streamed; os: pixels
  on rows, K on columns, reduction streamed). A fold costs its stream plus a `rows`-cycle
  preload of the stationary operand and the `rows + cols - 2` fill/drain skew (SCALE-Sim).
  When the scratchpad is double-buffered the next fold's stationary operand loads behind
  the current stream (shadow registers), so a fold costs `max(stream, rows)` and the skew
  is paid once per layer. Depthwise layers are one GEMM per channel, packed
  block-diagonally (`min(rows // KH*KW, cols)` channels per fold), as NPUs map them.
  A part may consume the reduction in steps (taps x channels, `reduction_length`), and its
  output stage may drain fewer ofm elements per cycle than the array makes (`output_cycles`:
  compute is at least that), as Vela's Ethos-U model has it.
* Traffic: tiles are loaded in the dataflow's loop order (ws K C N OH OW; is N OH OW C K;
  os N OH OW K C, outer to inner). An operand's tile is reloaded when a loop it does not
  depend on iterates above its innermost iterating loop (Timeloop's and ZigZag's reuse
  rule), so an operand that fits whole is read once; weights under ws are always streamed
  once. With `L_IFM_REUSE` the array reads the ifm block (halo included) from the scratchpad
  once per K tile and walks the kernel window in its own buffer; else once per tap (im2col).
  Partial sums stay in the accumulators, or the scratchpad when they outgrow them,
  never in DRAM. Resident activations (kept on chip between layers) cost no DRAM traffic.
* DMA: each tile transfer pays `setup` (descriptor + first-beat latency) and moves whole
  bursts: a contiguous run shorter than a burst wastes the rest of it (Vela's
  `estimate_memory_transfer_efficiency`). Loads and stores overlap on two channels.

Entry kernels take arrays: `lay` (layer vector, layout in `sim.mapping.tiling`), `hwi`
(H_* ints), `hwf` (F_* floats), `ctx` (C_* per-layer context), `tile` (n oh ow k c), and
write R_* fields into an int64 `res`. Inner kernels take the same as tuples (passed by value;
an array argument costs a reference-count round trip per call, which dominated the search).
Every kernel has a plain-Python twin in `reference.py`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.mapping.tiling import (KIND_MAC, KIND_POSTPROC, L_C, L_DW, L_EH, L_ELEMENTS, L_PP_CYCLES, L_EW, L_IB,
                                L_IFM_BYTES, L_IFM_REUSE, L_IH, L_IW, L_K, L_KH, L_KIND, L_KW, L_N, L_OB,
                                L_OFM_BYTES, L_OH, L_OW, L_SH, L_SW, L_W_BYTES, L_WB, LayerTuple, TileTuple,
                                alignments, encoded_share, footprint, footprint_total, layer_tuple, output_cycles,
                                psum_bytes, reduction_length, tile_sizes, working_set_bytes)

# hwi: integer hardware figures
H_ROWS, H_COLS, H_SETUP_RD, H_SETUP_WR, H_BURST, H_DB, H_CHANNELS, H_ACC_BYTES = range(8)
HW_INTS = 8
# hwf: float hardware figures (bandwidths in B/cycle, energies in pJ, static in pJ/cycle)
F_DRAM_BW, F_SRAM_BW, F_PPC, F_E_DRAM_RD, F_E_DRAM_WR, F_E_SRAM_RD, F_E_SRAM_WR, F_E_STATIC = range(8)
HW_FLOATS = 8
# ctx: per-layer context decided across the graph
C_CAPACITY, C_IFM_RESIDENT, C_OFM_RESIDENT = range(3)
# res: results of one costed tiling
(R_COMPUTE, R_STALL, R_LATENCY, R_WORKING_SET, R_TILES, R_DRAM_IFM, R_DRAM_W, R_DRAM_OFM, R_SRAM_IFM_RD,
 R_SRAM_W_RD, R_SRAM_OFM_RD, R_SRAM_IFM_WR, R_SRAM_W_WR, R_SRAM_OFM_WR, R_DMA_IN, R_DMA_OUT) = range(16)
RESULTS = 16
# Per-dimension sums over the tiles of a tiling (tuples; see pixel_terms, k_terms, c_terms)
PT_TILES, PT_FOLD_R, PT_FOLD_C, PT_H, PT_IFM, PT_NCOMBO, PT_COMBO = range(7)  # PT_COMBO: 8 (count, pixels)
KT_TILES, KT_FOLD_C, KT_H, KT_DWF, KT_FULL, KT_SIZE, KT_LAST = range(7)
CT_TILES, CT_FOLD_R, CT_H = range(3)
PixelTerms = tuple[int, ...]
KTerms = tuple[int, int, int, int, int, int, int]
CTerms = tuple[int, int, int]
HwInts = tuple[int, ...]
HwFloats = tuple[float, ...]
CtxTuple = tuple[int, int, int]
Traffic = tuple[int, ...]
Result = tuple[int, ...]
OBJECTIVES = {"latency": 0, "energy": 1, "dram": 2}
# Columns of the per-layer output row of `price_network`.
O_TILE = 0                      # 5 tile sizes n oh ow k c
O_RES = 5                       # kernels.RESULTS fields
O_DF = O_RES + RESULTS        # chosen dataflow code (-1: not a MAC layer)
O_COSTED = O_DF + 1             # tilings costed
O_IFM_RES = O_COSTED + 1        # resident ifm bytes
O_OFM_RES = O_IFM_RES + 1       # 1 when the ofm stays on chip
OUT_FIELDS = O_OFM_RES + 1


@njit(cache=True)
def fold_cycles(groups: int, sr: int, sc: int, t: int, rows: int, cols: int, overlap: int) -> int:
    """Cycles of `groups` independent GEMMs, each `sr` x `sc` spatial and `t` temporal, on the
    array; small GEMMs pack block-diagonally. `overlap`: folds pipeline back to back."""
    if sr <= rows and sc <= cols:
        per = min(rows // sr, cols // sc)
        folds = (groups + per - 1) // per
    else:
        folds = groups * ((sr + rows - 1) // rows) * ((sc + cols - 1) // cols)
    if overlap:
        return folds * max(t, rows)
    return folds * (rows + t + rows + cols - 2)


@njit(cache=True)
def tile_fold_cycles(lay: LayerTuple, m: int, k: int, c: int, df: int, rows: int, cols: int, overlap: int) -> int:
    """Fold cycles of one tile of `m` pixels, `k` output channels, `c` input channels."""
    red = lay[L_KH] * lay[L_KW]
    groups, kout = (k, 1) if lay[L_DW] else (1, k)
    if not lay[L_DW]:
        red = reduction_length(lay, c)
    if df == 0:
        return fold_cycles(groups, red, kout, m, rows, cols, overlap)
    if df == 1:
        return fold_cycles(groups, red, m, kout, rows, cols, overlap)
    return fold_cycles(groups, m, kout, red, rows, cols, overlap)


@njit(cache=True)
def split(dim: int, tile: int) -> tuple[int, int, int]:
    """(tiles of full size, full size, size of the last tile or 0 when `tile` divides `dim`)."""
    count = (dim + tile - 1) // tile
    last = dim - (count - 1) * tile
    if last == tile:
        return count, tile, 0
    return count - 1, tile, last


@njit(cache=True)
def compute_cycles(lay: LayerTuple, tile: TileTuple, df: int, rows: int, cols: int, overlap: int) -> int:
    """Array cycles of the whole layer under a tiling, tile by tile: every distinct tile shape
    (at most two sizes per dimension) times how many tiles have it, plus the skew paid once
    when folds pipeline. The search uses the equal, faster `compute_from_terms`."""
    cn, sn, ln = split(lay[L_N], tile[0])
    ch, sh, lh = split(lay[L_OH], tile[1])
    cw, sw, lw = split(lay[L_OW], tile[2])
    ck, sk, lk = split(lay[L_K], tile[3])
    cc, sc, lc = split(lay[L_C], tile[4])
    total = 0
    for n_count, n_size in ((cn, sn), (1 if ln else 0, ln)):
        for h_count, h_size in ((ch, sh), (1 if lh else 0, lh)):
            for w_count, w_size in ((cw, sw), (1 if lw else 0, lw)):
                npix = n_count * h_count * w_count
                if npix == 0:
                    continue
                m = n_size * h_size * w_size
                for k_count, k_size in ((ck, sk), (1 if lk else 0, lk)):
                    for c_count, c_size in ((cc, sc), (1 if lc else 0, lc)):
                        if k_count * c_count:
                            total += npix * k_count * c_count * tile_fold_cycles(lay, m, k_size, c_size, df, rows,
                                                                                 cols, overlap)
    return total + (2 * rows + cols - 2 if overlap else 0)


@njit(cache=True)
def stream_cost(t: int, rows: int, cols: int, overlap: int) -> int:
    """Cycles per fold for a stream of `t`: hidden preload when pipelined, else preload + skew."""
    return max(t, rows) if overlap else t + 2 * rows + cols - 2


@njit(cache=True)
def pixel_terms(lay: LayerTuple, tile: TileTuple, rows: int, cols: int, overlap: int) -> PixelTerms:
    """Sums over the pixel tiles (N OH OW): tile count, folds along rows and columns, the ws
    stream cost, ifm rows x columns read, and each tile shape as (count, pixels) pairs."""
    cn, sn, ln = split(lay[L_N], tile[0])
    ch, sh, lh = split(lay[L_OH], tile[1])
    cw, sw, lw = split(lay[L_OW], tile[2])
    tiles, fold_r, fold_c, h = 0, 0, 0, 0
    pairs = [0] * 16
    j = 0
    for n_count, n_size in ((cn, sn), (1 if ln else 0, ln)):
        for h_count, h_size in ((ch, sh), (1 if lh else 0, lh)):
            for w_count, w_size in ((cw, sw), (1 if lw else 0, lw)):
                count = n_count * h_count * w_count
                if count:
                    m = n_size * h_size * w_size
                    tiles += count
                    fold_r += count * ((m + rows - 1) // rows)
                    fold_c += count * ((m + cols - 1) // cols)
                    h += count * stream_cost(m, rows, cols, overlap)
                    pairs[2 * j], pairs[2 * j + 1] = count, m
                    j += 1
    ifm = lay[L_N] * footprint_total(lay[L_OH], tile[1], lay[L_SH], lay[L_EH], lay[L_IH]) \
        * footprint_total(lay[L_OW], tile[2], lay[L_SW], lay[L_EW], lay[L_IW])
    return (tiles, fold_r, fold_c, h, ifm, j, pairs[0], pairs[1], pairs[2], pairs[3], pairs[4], pairs[5], pairs[6],
            pairs[7], pairs[8], pairs[9], pairs[10], pairs[11], pairs[12], pairs[13], pairs[14], pairs[15])


@njit(cache=True)
def k_terms(lay: LayerTuple, k: int, rows: int, cols: int, overlap: int) -> KTerms:
    """Sums over the K tiles: count, column folds, the is stream cost, depthwise channel folds,
    and the split (full tiles, size, last)."""
    full, size, last = split(lay[L_K], k)
    kk = lay[L_KH] * lay[L_KW]
    fold_c = full * ((size + cols - 1) // cols) + (last + cols - 1) // cols
    h = full * stream_cost(size, rows, cols, overlap) + (stream_cost(last, rows, cols, overlap) if last else 0)
    per = min(rows // kk, cols) if kk <= rows else 0
    dwf = full * ((size + per - 1) // per) + (last + per - 1) // per if per else lay[L_K] * ((kk + rows - 1) // rows)
    return (full + (1 if last else 0), fold_c, h, dwf, full, size, last)


@njit(cache=True)
def c_terms(lay: LayerTuple, c: int, rows: int, cols: int, overlap: int) -> CTerms:
    """Sums over the C tiles: count, row folds of the reduction (its passes), the os stream cost."""
    full, size, last = split(lay[L_C], c)
    red, red_last = reduction_length(lay, size), reduction_length(lay, last) if last else 0
    fold_r = full * ((red + rows - 1) // rows) + (red_last + rows - 1) // rows
    h = full * stream_cost(red, rows, cols, overlap)
    if last:
        h += stream_cost(red_last, rows, cols, overlap)
    return (full + (1 if last else 0), fold_r, h)


@njit(cache=True)
def compute_from_terms(lay: LayerTuple, pt: PixelTerms, kt: KTerms, ct: CTerms, df: int, rows: int, cols: int,
                       overlap: int) -> int:
    """`compute_cycles` from the per-dimension sums: a dense fold count is a product of one
    factor per dimension, so the sum over tiles is a product of sums; depthwise is and os
    pack channels by tile size, so they sum over (pixel, K) tile shapes."""
    if not lay[L_DW]:
        if df == 0:
            total = ct[CT_FOLD_R] * kt[KT_FOLD_C] * pt[PT_H]
        elif df == 1:
            total = ct[CT_FOLD_R] * pt[PT_FOLD_C] * kt[KT_H]
        else:
            total = pt[PT_FOLD_R] * kt[KT_FOLD_C] * ct[CT_H]
    elif df == 0:
        total = kt[KT_DWF] * pt[PT_H]
    else:
        total = 0
        for j in range(pt[PT_NCOMBO]):
            count, m = pt[PT_COMBO + 2 * j], pt[PT_COMBO + 2 * j + 1]
            total += count * kt[KT_FULL] * tile_fold_cycles(lay, m, kt[KT_SIZE], 1, df, rows, cols, overlap)
            if kt[KT_LAST]:
                total += count * tile_fold_cycles(lay, m, kt[KT_LAST], 1, df, rows, cols, overlap)
    return total + (2 * rows + cols - 2 if overlap else 0)


@njit(cache=True)
def burst_bytes(nbytes: int, run_bytes: int, burst: int) -> int:
    """Bytes the bus moves for `nbytes` sent in contiguous runs of `run_bytes`: whole bursts."""
    if nbytes <= 0:
        return 0
    run = max(1, min(run_bytes, nbytes))
    per_run = ((run + burst - 1) // burst) * burst
    return (nbytes * per_run + run - 1) // run


@njit(cache=True)
def dma_cycles(nbytes: int, run_bytes: int, transfers: int, bandwidth: float, setup: int, burst: int) -> int:
    """Cycles to move `nbytes` in `transfers` DMA transfers at `bandwidth` B/cycle."""
    if nbytes <= 0:
        return 0
    return transfers * setup + int(math.ceil(burst_bytes(nbytes, run_bytes, burst) / bandwidth))


@njit(cache=True)
def reload_factors(dw: int, pix: int, tk: int, tc: int, df: int) -> tuple[int, int]:
    """(ifm reloads, weight reloads) from the loop order: a loop an operand does not depend on
    re-fetches it when it iterates above the operand's innermost iterating loop."""
    if dw:
        tc = 1  # C = 1 per channel group
    if df == 0:  # K C | N OH OW
        return (1 if dw or tc * pix == 1 else tk), 1
    if df == 1:  # N OH OW C | K
        return 1, (pix if tk * tc > 1 else 1)
    return (1 if dw or tc == 1 else tk), (pix if tk * tc > 1 else 1)  # N OH OW K | C


@njit(cache=True)
def psum_traffic(lay: LayerTuple, tile: TileTuple, df: int, passes: int, cols: int, acc_bytes: int) -> int:
    """Scratchpad bytes read (and as many written) for partial sums that outgrow the
    accumulators: every reduction pass after the first reads and rewrites 4 B per output."""
    if lay[L_DW]:
        return 0
    m = tile[0] * tile[1] * tile[2]
    if tile[4] < lay[L_C]:
        live = psum_bytes(lay, tile, df)
    elif df == 0:
        live = 4 * m * min(tile[3], cols)
    elif df == 1:
        live = 4 * min(m, cols) * tile[3]
    else:
        live = 0
    if passes <= 1 or live <= acc_bytes:
        return 0
    return (passes - 1) * lay[L_N] * lay[L_OH] * lay[L_OW] * lay[L_K] * 4


@njit(cache=True)
def run_lengths(lay: LayerTuple, tile: TileTuple) -> tuple[int, int, int]:
    """Contiguous bytes per run of the ifm, weight and ofm tiles (NHWC activations, OHWI
    weights): whole rows when the tile spans all channels, else one channel slice."""
    dw = lay[L_DW]
    cin, cin_t = (lay[L_K], tile[3]) if dw else (lay[L_C], tile[4])
    ifm_run = cin_t * lay[L_IB]
    if cin_t == cin:
        ifm_run = footprint(tile[2], lay[L_SW], lay[L_EW], lay[L_IW]) * cin * lay[L_IB]
        if tile[2] == lay[L_OW]:
            ifm_run *= footprint(tile[1], lay[L_SH], lay[L_EH], lay[L_IH])
    w_run = tile[3] * lay[L_KH] * lay[L_KW] * (1 if dw else lay[L_C]) * lay[L_WB]
    if not dw and tile[4] < lay[L_C]:
        w_run = tile[4] * lay[L_WB]
    w_run = encoded_share(lay, w_run)
    ofm_run = tile[3] * lay[L_OB]
    if tile[3] == lay[L_K]:
        ofm_run = tile[2] * lay[L_K] * lay[L_OB] * (tile[1] if tile[2] == lay[L_OW] else 1)
    return ifm_run, w_run, ofm_run


@njit(cache=True)
def tiling_traffic(lay: LayerTuple, ctx: CtxTuple, tile: TileTuple, df: int, pt: PixelTerms, kt: KTerms,
                   ct: CTerms, hwi: HwInts) -> Traffic:
    """Bytes per operand of one tiling: (DRAM ifm, weights reads, ofm writes; SRAM ifm,
    weights, ofm reads; SRAM ifm, weights, ofm writes)."""
    dw = lay[L_DW]
    ifm_x, w_x = reload_factors(dw, pt[PT_TILES], kt[KT_TILES], ct[CT_TILES], df)
    d_ifm = 0 if ctx[C_IFM_RESIDENT] else pt[PT_IFM] * (lay[L_K] if dw else lay[L_C]) * lay[L_IB] * ifm_x
    d_w = lay[L_W_BYTES] * w_x
    d_ofm = 0 if ctx[C_OFM_RESIDENT] else lay[L_OFM_BYTES]
    streamed = lay[L_N] * lay[L_OH] * lay[L_OW] * lay[L_KH] * lay[L_KW] * (1 if dw else lay[L_C])
    if lay[L_IFM_REUSE]:  # the ifm block (halo included) is read once per K tile; taps walk it in the buffer
        ifm_arr = pt[PT_IFM] * (lay[L_K] if dw else lay[L_C] * kt[KT_TILES])
        w_arr = pt[PT_TILES] if (dw or df == 0) else (pt[PT_FOLD_C] if df == 1 else pt[PT_FOLD_R])
    elif dw:
        ifm_arr, w_arr = streamed * lay[L_K], pt[PT_TILES]
    elif df == 0:
        ifm_arr, w_arr = streamed * kt[KT_FOLD_C], pt[PT_TILES]
    elif df == 1:
        ifm_arr, w_arr = streamed * kt[KT_TILES], pt[PT_FOLD_C]
    else:
        ifm_arr, w_arr = streamed * kt[KT_FOLD_C], pt[PT_FOLD_R]
    passes = ct[CT_TILES] if df == 2 else ct[CT_FOLD_R]
    psum = psum_traffic(lay, tile, df, passes, hwi[H_COLS], hwi[H_ACC_BYTES])
    s_ofm_rd = psum + (0 if ctx[C_OFM_RESIDENT] else lay[L_OFM_BYTES])
    return (d_ifm, d_w, d_ofm, ifm_arr * lay[L_IB], lay[L_W_BYTES] * w_arr, s_ofm_rd, d_ifm, d_w,
            lay[L_OFM_BYTES] + psum)


@njit(cache=True)
def transfer_cycles(lay: LayerTuple, tile: TileTuple, df: int, traffic: Traffic, pt: PixelTerms, kt: KTerms,
                    ct: CTerms, hw: tuple[HwInts, HwFloats]) -> tuple[int, int, int]:
    """(DMA load cycles, DMA store cycles, tiles) for the DRAM traffic of a tiling: one
    transfer per tile loaded, each paying setup and whole bursts."""
    hwi, hwf = hw
    tk, pix = kt[KT_TILES], pt[PT_TILES]
    tc = 1 if lay[L_DW] else ct[CT_TILES]
    ifm_x, w_x = reload_factors(lay[L_DW], pix, tk, ct[CT_TILES], df)
    ifm_run, w_run, ofm_run = run_lengths(lay, tile)
    bw, burst, setup_rd = hwf[F_DRAM_BW], hwi[H_BURST], hwi[H_SETUP_RD]
    ifm_loads = pix * (tk if lay[L_DW] else tc) * ifm_x
    dma_in = dma_cycles(traffic[0], ifm_run, ifm_loads, bw, setup_rd, burst)
    dma_in += dma_cycles(traffic[1], w_run, tk * tc * w_x, bw, setup_rd, burst)
    dma_out = dma_cycles(traffic[2], ofm_run, pix * tk, bw, hwi[H_SETUP_WR], burst)
    return dma_in, dma_out, pix * tk * tc


@njit(cache=True)
def layer_time(compute: int, dma_in: int, dma_out: int, sram_bytes: int, tiles: int, hwi: HwInts,
               hwf: HwFloats) -> int:
    """Latency cycles: double-buffered, the first load and last store stand alone and the rest
    of the transfers hide under compute (time = max of compute and transfer cycles);
    otherwise transfers and compute take turns. The scratchpad's own bandwidth bounds both."""
    sram = int(math.ceil(sram_bytes / hwf[F_SRAM_BW]))
    if not hwi[H_DB]:
        return max(compute + dma_in + dma_out, sram)
    first = (dma_in + tiles - 1) // tiles
    last = (dma_out + tiles - 1) // tiles
    rest_in, rest_out = dma_in - first, dma_out - last
    rest = max(rest_in, rest_out) if hwi[H_CHANNELS] >= 2 else rest_in + rest_out
    return first + max(compute, rest, sram) + last


@njit(cache=True)
def combine(lay: LayerTuple, hw: tuple[HwInts, HwFloats], ctx: CtxTuple, tile: TileTuple, df: int,
            pt: PixelTerms, kt: KTerms, ct: CTerms) -> Result:
    """Cost one tiling from its per-dimension terms: the search's inner step. Returns the
    R_* fields as a tuple."""
    hwi, hwf = hw
    rows, cols, db = hwi[H_ROWS], hwi[H_COLS], hwi[H_DB]
    tr = tiling_traffic(lay, ctx, tile, df, pt, kt, ct, hwi)
    dma_in, dma_out, tiles = transfer_cycles(lay, tile, df, tr, pt, kt, ct, hw)
    compute = max(compute_from_terms(lay, pt, kt, ct, df, rows, cols, db), output_cycles(lay))
    sram = tr[3] + tr[4] + tr[5] + tr[6] + tr[7] + tr[8]
    latency = layer_time(compute, dma_in, dma_out, sram, tiles, hwi, hwf)
    ws = working_set_bytes(lay, tile, df, db, ctx[C_IFM_RESIDENT], ctx[C_OFM_RESIDENT])
    return (compute, latency - compute, latency, ws, tiles, tr[0], tr[1], tr[2], tr[3], tr[4], tr[5], tr[6], tr[7],
            tr[8], dma_in, dma_out)


@njit(cache=True)
def hw_tuples(hwi: np.ndarray, hwf: np.ndarray) -> tuple[HwInts, HwFloats]:
    """The hardware arrays as tuples (passed by value in the inner loop)."""
    return ((hwi[0], hwi[1], hwi[2], hwi[3], hwi[4], hwi[5], hwi[6], hwi[7]),
            (hwf[0], hwf[1], hwf[2], hwf[3], hwf[4], hwf[5], hwf[6], hwf[7]))


@njit(cache=True)
def eval_tiling(lay: np.ndarray, hwi: np.ndarray, hwf: np.ndarray, ctx: np.ndarray, tile: np.ndarray, df: int,
                res: np.ndarray) -> None:
    """Cost one tiling (n oh ow k c) of one MAC layer under one dataflow into `res`."""
    lt, hw = layer_tuple(lay), hw_tuples(hwi, hwf)
    t = (tile[0], tile[1], tile[2], tile[3], tile[4])
    rows, cols, db = hwi[H_ROWS], hwi[H_COLS], hwi[H_DB]
    r = combine(lt, hw, (ctx[0], ctx[1], ctx[2]), t, df, pixel_terms(lt, t, rows, cols, db),
                k_terms(lt, t[3], rows, cols, db), c_terms(lt, t[4], rows, cols, db))
    for i in range(RESULTS):
        res[i] = r[i]


@njit(cache=True)
def score(r: Result | np.ndarray, hwf: HwFloats | np.ndarray, objective: int) -> tuple[float, float]:
    """(primary, tie-break) to minimise: latency then DRAM bytes; energy (pJ, MACs excluded as
    they do not depend on the tiling) then latency; DRAM bytes then latency."""
    dram_rd = r[R_DRAM_IFM] + r[R_DRAM_W]
    dram = dram_rd + r[R_DRAM_OFM]
    if objective == 0:
        return float(r[R_LATENCY]), float(dram)
    if objective == 2:
        return float(dram), float(r[R_LATENCY])
    sram_rd = r[R_SRAM_IFM_RD] + r[R_SRAM_W_RD] + r[R_SRAM_OFM_RD]
    sram_wr = r[R_SRAM_IFM_WR] + r[R_SRAM_W_WR] + r[R_SRAM_OFM_WR]
    e = dram_rd * hwf[F_E_DRAM_RD] + r[R_DRAM_OFM] * hwf[F_E_DRAM_WR] + sram_rd * hwf[F_E_SRAM_RD]
    e += sram_wr * hwf[F_E_SRAM_WR] + r[R_LATENCY] * hwf[F_E_STATIC]
    return e, float(r[R_LATENCY])


@njit(cache=True)
def pixel_floor(lay: LayerTuple, pt: PixelTerms, floors: tuple[int, int, int, int, int], df: int, rows: int,
                cols: int, overlap: int) -> int:
    """A lower bound on `compute_from_terms` over every K and C tile with these pixel terms:
    each factor at its smallest over the K (fold_c, h, dwf) and C (fold_r, h) tile sizes."""
    k_fold_c, k_h, k_dwf, c_fold_r, c_h = floors
    total = 0
    if not lay[L_DW]:
        if df == 0:
            total = c_fold_r * k_fold_c * pt[PT_H]
        elif df == 1:
            total = c_fold_r * pt[PT_FOLD_C] * k_h
        else:
            total = pt[PT_FOLD_R] * k_fold_c * c_h
    elif df == 0:
        total = k_dwf * pt[PT_H]
    return total + (2 * rows + cols - 2 if overlap else 0)


@njit(cache=True)
def count_legal(lay: LayerTuple, n: int, oh: int, ow: int, ks: np.ndarray, cs: np.ndarray, df: int, db: int,
                cx: CtxTuple) -> int:
    """How many (K, C) tiles with these pixel tiles fit `cx`'s capacity. A working set grows
    with K (every term is proportional to it or constant), so with `ks` descending the ones
    that fit are a suffix, found by bisection."""
    count = 0
    for c in cs:
        lo: int = 0
        hi: int = ks.shape[0]
        while lo < hi:
            mid = (lo + hi) // 2
            if working_set_bytes(lay, (n, oh, ow, ks[mid], c), df, db, cx[1], cx[2]) <= cx[0]:
                hi = mid
            else:
                lo = mid + 1
        count += ks.shape[0] - lo
    return count


@njit(cache=True)
def term_tables(lt: LayerTuple, ks: np.ndarray, cs: np.ndarray, rows: int, cols: int,
                db: int) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int, int]]:
    """K- and C-tile terms once per size (performance trick), and their smallest factors
    (`pixel_floor`)."""
    cts = np.empty((cs.shape[0], 3), dtype=np.int64)
    for j in range(cs.shape[0]):
        cts[j, 0], cts[j, 1], cts[j, 2] = c_terms(lt, cs[j], rows, cols, db)
    kts = np.empty((ks.shape[0], 7), dtype=np.int64)
    for j in range(ks.shape[0]):
        kts[j, 0], kts[j, 1], kts[j, 2], kts[j, 3], kts[j, 4], kts[j, 5], kts[j, 6] = k_terms(lt, ks[j], rows, cols, db)
    floors = (kts[:, KT_FOLD_C].min(), kts[:, KT_H].min(), kts[:, KT_DWF].min(), cts[:, CT_FOLD_R].min(),
              cts[:, CT_H].min())
    return kts, cts, floors


@njit(cache=True)
def fewest_cycles_tiling(lay: np.ndarray, hwi: np.ndarray, choice: np.ndarray, best: np.ndarray) -> int:
    """The smallest working set (nothing kept) of the tilings that reach the layer's fewest
    compute cycles over the allowed dataflows, with no capacity limit; `best` gets its
    (dataflow, n, oh, ow, k, c). It depends on the array alone, not on the bandwidth or the
    scratchpad size, so residency built on it stays put when those vary."""
    lt = layer_tuple(lay)
    rows, cols, db = hwi[H_ROWS], hwi[H_COLS], hwi[H_DB]
    b_cycles, b_ws = 1 << 62, 1 << 62
    for df in range(3):
        if not choice[df]:
            continue
        k_al, c_al = alignments(df, rows, cols, lay[L_KH], lay[L_KW], lay[L_DW])
        ks, cs = tile_sizes(lay[L_K], k_al)[::-1], tile_sizes(lay[L_C], c_al)[::-1]
        kts, cts, floors = term_tables(lt, ks, cs, rows, cols, db)
        for n in tile_sizes(lay[L_N], 1)[::-1]:
            for oh in tile_sizes(lay[L_OH], 1)[::-1]:
                for ow in tile_sizes(lay[L_OW], 1)[::-1]:
                    pt = pixel_terms(lt, (n, oh, ow, 1, 1), rows, cols, db)
                    if pixel_floor(lt, pt, floors, df, rows, cols, db) > b_cycles:
                        continue
                    for i in range(ks.shape[0]):
                        kt = (kts[i, 0], kts[i, 1], kts[i, 2], kts[i, 3], kts[i, 4], kts[i, 5], kts[i, 6])
                        for j in range(cs.shape[0]):
                            cycles = compute_from_terms(lt, pt, kt, (cts[j, 0], cts[j, 1], cts[j, 2]), df, rows,
                                                        cols, db)
                            if cycles > b_cycles:
                                continue
                            ws = working_set_bytes(lt, (n, oh, ow, ks[i], cs[j]), df, db, 0, 0)
                            if cycles < b_cycles or ws < b_ws:
                                b_cycles, b_ws = cycles, ws
                                best[0], best[1], best[2], best[3], best[4], best[5] = df, n, oh, ow, ks[i], cs[j]
    return b_ws


@njit(cache=True)
def search_tiling(lay: np.ndarray, hwi: np.ndarray, hwf: np.ndarray, ctx: np.ndarray, df: int, objective: int,
                  best_tile: np.ndarray, best: np.ndarray, bound: float = np.inf) -> int:
    """Cost every legal tiling (largest sizes first, so good tilings come early for the bound)
    and keep the best by `objective`, ties going to fewer tiles, then to the first found. Under the
    latency objective a tiling whose compute cycles alone exceed the best latency is skipped
    (latency >= compute), which never changes the choice. Returns how many legal tilings there
    were; when none fits, the smallest tiling is costed and its working set reports the overflow.
    `bound`, a latency some legal tiling is known to reach, prunes from the start; when it
    prunes every tiling, `best_tile` comes back all zero (this dataflow cannot beat it)."""
    lt, hw = layer_tuple(lay), hw_tuples(hwi, hwf)
    cx = (ctx[0], ctx[1], ctx[2])
    rows, cols, db = hwi[H_ROWS], hwi[H_COLS], hwi[H_DB]
    k_al, c_al = alignments(df, rows, cols, lay[L_KH], lay[L_KW], lay[L_DW])
    ks, cs, ows = tile_sizes(lay[L_K], k_al)[::-1], tile_sizes(lay[L_C], c_al)[::-1], tile_sizes(lay[L_OW], 1)[::-1]
    n_costed, b1, b2, b_tiles = 0, np.inf, np.inf, 0
    kts, cts, floors = term_tables(lt, ks, cs, rows, cols, db)
    for n in tile_sizes(lay[L_N], 1)[::-1]:
        for oh in tile_sizes(lay[L_OH], 1)[::-1]:
            for ow in ows:
                pt = pixel_terms(lt, (n, oh, ow, 1, 1), rows, cols, db)
                if objective == 0 and pixel_floor(lt, pt, floors, df, rows, cols, db) > min(b1, bound):
                    n_costed += count_legal(lt, n, oh, ow, ks, cs, df, db, cx)
                    continue  # branch and bound for every (K, C) tile of these pixel tiles at once
                for i in range(ks.shape[0]):
                    k = ks[i]
                    kt = (kts[i, 0], kts[i, 1], kts[i, 2], kts[i, 3], kts[i, 4], kts[i, 5], kts[i, 6])
                    for j in range(cs.shape[0]):
                        c = cs[j]
                        tile = (n, oh, ow, k, c)
                        if working_set_bytes(lt, tile, df, db, cx[1], cx[2]) > cx[0]:
                            continue
                        ct = (cts[j, 0], cts[j, 1], cts[j, 2])
                        n_costed += 1
                        if objective == 0 and compute_from_terms(lt, pt, kt, ct, df, rows, cols, db) > min(b1, bound):
                            continue  # branch and bound: latency >= compute cycles, already worse
                        r = combine(lt, hw, cx, tile, df, pt, kt, ct)
                        s1, s2 = score(r, hw[1], objective)
                        if s1 < b1 or (s1 == b1 and (s2 < b2 or (s2 == b2 and r[R_TILES] < b_tiles))):
                            b1, b2, b_tiles = s1, s2, r[R_TILES]
                            for i in range(5):
                                best_tile[i] = tile[i]
                            for i in range(RESULTS):
                                best[i] = r[i]
    if n_costed == 0:
        best_tile[0], best_tile[1], best_tile[2], best_tile[3], best_tile[4] = 1, 1, 1, ks[-1], cs[-1]
        eval_tiling(lay, hwi, hwf, ctx, best_tile, df, best)
    elif b_tiles == 0:
        best_tile[:] = 0
    return n_costed


@njit(cache=True)
def postproc_cost(lay: np.ndarray, hwi: np.ndarray, hwf: np.ndarray, ctx: np.ndarray, res: np.ndarray) -> None:
    """Pooling/elementwise/activation on the post-processing unit: elements at its rate,
    inputs and outputs streamed in stripes that fit the scratchpad (ctx ifm = resident bytes)."""
    res[:] = 0
    if lay[L_PP_CYCLES] > 0:  # priced by the part's own datapath model (npu_ops.py)
        res[R_COMPUTE] = lay[L_PP_CYCLES]
    else:
        res[R_COMPUTE] = max(int(math.ceil(lay[L_ELEMENTS] / hwf[F_PPC])), output_cycles(layer_tuple(lay)))
    res[R_DRAM_IFM] = lay[L_IFM_BYTES] - ctx[C_IFM_RESIDENT]
    res[R_DRAM_OFM] = 0 if ctx[C_OFM_RESIDENT] else lay[L_OFM_BYTES]
    mult = 2 if hwi[H_DB] else 1
    streamed = mult * (res[R_DRAM_IFM] + res[R_DRAM_OFM])
    resident = ctx[C_IFM_RESIDENT] + (lay[L_OFM_BYTES] if ctx[C_OFM_RESIDENT] else 0)
    room = max(1, ctx[C_CAPACITY] - resident)
    tiles = max(1, (streamed + room - 1) // room)
    res[R_TILES] = tiles
    res[R_WORKING_SET] = resident + (streamed + tiles - 1) // tiles
    bw, burst = hwf[F_DRAM_BW], hwi[H_BURST]
    res[R_DMA_IN] = dma_cycles(res[R_DRAM_IFM], res[R_DRAM_IFM], tiles, bw, hwi[H_SETUP_RD], burst)
    res[R_DMA_OUT] = dma_cycles(res[R_DRAM_OFM], res[R_DRAM_OFM], tiles, bw, hwi[H_SETUP_WR], burst)
    res[R_SRAM_IFM_RD] = lay[L_IFM_BYTES]
    res[R_SRAM_OFM_RD] = res[R_DRAM_OFM]
    res[R_SRAM_IFM_WR] = res[R_DRAM_IFM]
    res[R_SRAM_OFM_WR] = lay[L_OFM_BYTES]
    sram = lay[L_IFM_BYTES] + res[R_DRAM_OFM] + res[R_DRAM_IFM] + lay[L_OFM_BYTES]
    hw = hw_tuples(hwi, hwf)
    res[R_LATENCY] = layer_time(res[R_COMPUTE], res[R_DMA_IN], res[R_DMA_OUT], sram, tiles, hw[0], hw[1])
    res[R_STALL] = res[R_LATENCY] - res[R_COMPUTE]


@njit(cache=True)
def residency_needs(layers: np.ndarray, hwi: np.ndarray, choice: np.ndarray, sram_bytes: int,
                    fewest: np.ndarray) -> np.ndarray:
    """The room residency must leave each layer (`plan_residency`): a MAC layer the working set
    of its fewest-cycles tiling (`fewest_cycles_tiling`, into `fewest` [L, 6]), so a kept
    tensor never costs it compute cycles; a post-processing layer one output row's stripe of
    its inputs and output. Neither depends on the bandwidth, and the room left (scratchpad
    minus need) never shrinks as the scratchpad grows."""
    need = np.zeros(layers.shape[0], dtype=np.int64)
    for i in range(layers.shape[0]):
        lay = layers[i]
        if lay[L_KIND] == KIND_MAC:
            need[i] = fewest_cycles_tiling(lay, hwi, choice, fewest[i])
        elif lay[L_KIND] == KIND_POSTPROC:
            rows = max(1, lay[L_N] * lay[L_OH])
            need[i] = (2 if hwi[H_DB] else 1) * ((lay[L_IFM_BYTES] + lay[L_OFM_BYTES] + rows - 1) // rows)
    return capped_needs(layers, need, sram_bytes)


@njit(cache=True)
def capped_needs(layers: np.ndarray, need: np.ndarray, sram_bytes: int) -> np.ndarray:
    """`need` with every MAC layer's capped at the scratchpad (no tiling can ask for more)."""
    out = need.copy()
    for i in range(layers.shape[0]):
        if layers[i, L_KIND] == KIND_MAC:
            out[i] = min(sram_bytes, need[i])
    return out


@njit(cache=True)
def plan_residency(size: np.ndarray, first: np.ndarray, last: np.ndarray, eligible: np.ndarray,
                   need: np.ndarray, sram_bytes: int, occupied: np.ndarray) -> np.ndarray:
    """Which activations stay in the scratchpad from producer to last consumer, greedily in
    production order: one stays when, at every layer it is live, the tensors already kept,
    itself and the room that layer needs (`residency_needs`) fit. `occupied` gets kept bytes
    per layer."""
    resident = np.zeros(size.shape[0], dtype=np.int64)
    occupied[:] = 0
    for t in np.argsort(first, kind="mergesort"):
        if not eligible[t]:
            continue
        fits = True
        for i in range(first[t], last[t] + 1):
            if occupied[i] + size[t] + need[i] > sram_bytes:
                fits = False
                break
        if fits:
            resident[t] = 1
            occupied[first[t]:last[t] + 1] += size[t]
    return resident


@njit(cache=True)
def layer_contexts(layers: np.ndarray, op_in: np.ndarray, op_out: np.ndarray, tensors: np.ndarray,
                   need: np.ndarray, sram_bytes: int) -> np.ndarray:
    """Residency across the graph, as each layer sees it: int64 [L, 3] of (capacity = free
    scratchpad plus the layer's own kept tensors, kept ifm bytes, 1 if the ofm is kept).
    `tensors` rows: size, first, last, eligible; `need` from `residency_needs`."""
    n = layers.shape[0]
    occupied = np.zeros(n, dtype=np.int64)
    resident = plan_residency(tensors[:, 0], tensors[:, 1], tensors[:, 2], tensors[:, 3], need, sram_bytes,
                              occupied)
    kept = resident * tensors[:, 0]
    ctx = np.zeros((n, 3), dtype=np.int64)
    for i in range(n):
        for j in range(op_in.shape[1]):
            if op_in[i, j] >= 0:
                ctx[i, 1] += kept[op_in[i, j]]
        ofm_kept = kept[op_out[i]] if op_out[i] >= 0 else 0
        ctx[i, 2] = 1 if ofm_kept > 0 else 0
        ctx[i, 0] = sram_bytes - occupied[i] + ctx[i, 1] + ofm_kept
    return ctx


@njit(cache=True)
def price_network(layers: np.ndarray, op_in: np.ndarray, op_out: np.ndarray, tensors: np.ndarray,
                  hwi: np.ndarray, hwf: np.ndarray, choice: np.ndarray, sram_bytes: int) -> np.ndarray:
    """Residency across the graph, then the best tiling (and dataflow) of every layer in its
    context, for one hardware point. `choice`: allow ws, is, os, objective. Returns int64
    [L, OUT_FIELDS]."""
    fewest = np.zeros((layers.shape[0], 6), dtype=np.int64)
    need = residency_needs(layers, hwi, choice, sram_bytes, fewest)
    ctx = layer_contexts(layers, op_in, op_out, tensors, need, sram_bytes)
    out = np.zeros((layers.shape[0], OUT_FIELDS), dtype=np.int64)
    for i in range(layers.shape[0]):
        bound = tiling_bound(layers[i], hwi, hwf, ctx[i], choice, fewest[i])
        price_layer(layers[i], ctx[i], hwi, hwf, choice, out[i], bound)
    return out


@njit(cache=True)
def tiling_bound(lay: np.ndarray, hwi: np.ndarray, hwf: np.ndarray, ctx: np.ndarray, choice: np.ndarray,
                 fewest: np.ndarray) -> float:
    """The latency of a MAC layer's fewest-cycles tiling in its context, when it fits there: a
    bound the search starts from (performance trick; the result is the same). Infinite when
    it does not apply."""
    if lay[L_KIND] != KIND_MAC or choice[3] != 0 or fewest[1] == 0:
        return np.inf
    flags = np.array([ctx[0], 1 if ctx[1] > 0 else 0, ctx[2]], dtype=np.int64)
    df, tile = fewest[0], fewest[1:6].copy()
    if working_set_bytes(layer_tuple(lay), (tile[0], tile[1], tile[2], tile[3], tile[4]), df, hwi[H_DB], flags[1],
                         flags[2]) > ctx[0]:
        return np.inf
    res = np.zeros(RESULTS, dtype=np.int64)
    eval_tiling(lay, hwi, hwf, flags, tile, df, res)
    return float(res[R_LATENCY])


@njit(cache=True)
def price_layer(lay: np.ndarray, ctx: np.ndarray, hwi: np.ndarray, hwf: np.ndarray, choice: np.ndarray,
                row: np.ndarray, bound: float = np.inf) -> None:
    """One layer's row of `price_network` given its `layer_contexts` row (`bound`: see
    `search_tiling`)."""
    row[O_DF], row[O_IFM_RES], row[O_OFM_RES] = -1, ctx[1], ctx[2]
    if lay[L_KIND] == KIND_POSTPROC:
        postproc_cost(lay, hwi, hwf, ctx, row[O_RES:O_RES + RESULTS])
    if lay[L_KIND] == KIND_MAC:
        best_dataflow(lay, hwi, hwf, np.array([ctx[0], 1 if ctx[1] > 0 else 0, ctx[2]]), choice, row, bound)


@njit(cache=True)
def best_dataflow(lay: np.ndarray, hwi: np.ndarray, hwf: np.ndarray, ctx: np.ndarray, choice: np.ndarray,
                  row: np.ndarray, bound: float = np.inf) -> None:
    """Search every allowed dataflow; keep the best by the objective (first on ties). `bound`:
    see `search_tiling`; a dataflow it prunes entirely cannot have won."""
    tile = np.zeros(5, dtype=np.int64)
    res = np.zeros(RESULTS, dtype=np.int64)
    b1, b2 = np.inf, np.inf
    for df in range(3):
        if choice[df]:
            row[O_COSTED] += search_tiling(lay, hwi, hwf, ctx, df, choice[3], tile, res, bound)
            if tile[0] == 0:
                continue
            s1, s2 = score(res, hwf, choice[3])
            if s1 < b1 or (s1 == b1 and s2 < b2):
                b1, b2 = s1, s2
                row[O_TILE:O_TILE + 5] = tile
                row[O_RES:O_RES + RESULTS] = res
                row[O_DF] = df


@njit(cache=True)
def max_working_set(lay: np.ndarray, hwi: np.ndarray, ifm_resident: int, ofm_resident: int) -> int:
    """The largest working set of any candidate tiling under any dataflow: the whole layer, or
    the whole layer but for the largest C tile short of C (partial sums then count). A
    scratchpad at least this big fits every tiling, so the search no longer depends on it."""
    lt = layer_tuple(lay)
    whole = (lay[L_N], lay[L_OH], lay[L_OW], lay[L_K], lay[L_C])
    best = 0
    for df in range(3):
        best = max(best, working_set_bytes(lt, whole, df, hwi[H_DB], ifm_resident, ofm_resident))
        k_al, c_al = alignments(df, hwi[H_ROWS], hwi[H_COLS], lay[L_KH], lay[L_KW], lay[L_DW])
        cs = tile_sizes(lay[L_C], c_al)
        n_cs: int = cs.shape[0]
        if n_cs > 1:
            cut = (lay[L_N], lay[L_OH], lay[L_OW], lay[L_K], cs[n_cs - 2])
            best = max(best, working_set_bytes(lt, cut, df, hwi[H_DB], ifm_resident, ofm_resident))
    return best


@njit(cache=True, parallel=True)
def price_points(layers: np.ndarray, op_in: np.ndarray, op_out: np.ndarray, tensors: np.ndarray, hwi: np.ndarray,
                 hwf: np.ndarray, choice: np.ndarray, sram: np.ndarray) -> np.ndarray:
    """price_network for every point (rows of hwi/hwf/sram), in parallel over points."""
    p = hwi.shape[0]
    out = np.zeros((p, layers.shape[0], OUT_FIELDS), dtype=np.int64)
    for i in prange(p):
        out[i] = price_network(layers, op_in, op_out, tensors, hwi[i], hwf[i], choice, sram[i])
    return out


@njit(cache=True, parallel=True)
def contexts_points(layers: np.ndarray, op_in: np.ndarray, op_out: np.ndarray, tensors: np.ndarray,
                    hwi: np.ndarray, need: np.ndarray, sram: np.ndarray) -> np.ndarray:
    """layer_contexts for every point (`need` [P, L] from `needs_points`), plus a 4th column:
    the capacity the MAC search sees, clamped to `max_working_set` (equal searches share one
    job in `evaluate_points`)."""
    p, n = hwi.shape[0], layers.shape[0]
    out = np.zeros((p, n, 4), dtype=np.int64)
    for i in prange(p):
        out[i, :, :3] = layer_contexts(layers, op_in, op_out, tensors, need[i], sram[i])
        for j in range(n):
            out[i, j, 3] = out[i, j, 0]
            if layers[j, L_KIND] == KIND_MAC:
                top = max_working_set(layers[j], hwi[i], 1 if out[i, j, 1] > 0 else 0, out[i, j, 2])
                out[i, j, 3] = min(out[i, j, 0], top)
    return out


@njit(cache=True, parallel=True)
def needs_points(layers: np.ndarray, shapes: np.ndarray, shape_of: np.ndarray, choice: np.ndarray,
                 sram: np.ndarray) -> np.ndarray:
    """`residency_needs` for every point, [P, L]: searched once per distinct array (`shapes`,
    rows of hwi; point i has `shapes[shape_of[i]]`), since only the cap depends on the point."""
    per_shape = np.zeros((shapes.shape[0], layers.shape[0]), dtype=np.int64)
    for s in prange(shapes.shape[0]):
        fewest = np.zeros((layers.shape[0], 6), dtype=np.int64)
        per_shape[s] = residency_needs(layers, shapes[s], choice, 1 << 62, fewest)
    out = np.zeros((shape_of.shape[0], layers.shape[0]), dtype=np.int64)
    for i in prange(shape_of.shape[0]):
        out[i] = capped_needs(layers, per_shape[shape_of[i]], sram[i])
    return out


@njit(cache=True, parallel=True)
def search_jobs(layers: np.ndarray, job_layer: np.ndarray, job_hwi: np.ndarray, job_hwf: np.ndarray,
                job_ctx: np.ndarray, choice: np.ndarray) -> np.ndarray:
    """best_dataflow for every (layer, hardware, context) job, in parallel over jobs."""
    out = np.zeros((job_layer.shape[0], OUT_FIELDS), dtype=np.int64)
    for j in prange(job_layer.shape[0]):
        best_dataflow(layers[job_layer[j]], job_hwi[j], job_hwf[j], job_ctx[j], choice, out[j])
    return out


@njit(cache=True, parallel=True)
def postproc_points(layers: np.ndarray, ctxs: np.ndarray, hwi: np.ndarray, hwf: np.ndarray, out: np.ndarray) -> None:
    """postproc_cost of every post-processing layer at every point, into `out` [P, L, OUT_FIELDS]."""
    for p in prange(out.shape[0]):
        for i in range(layers.shape[0]):
            if layers[i, L_KIND] == KIND_POSTPROC:
                postproc_cost(layers[i], hwi[p], hwf[p], ctxs[p, i, :3], out[p, i, O_RES:O_RES + RESULTS])
