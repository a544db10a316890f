"""Numba kernels that reproduce SCALE-Sim 3.0.0's counts for one layer without building its traces.

SCALE-Sim lowers a layer to three operand matrices — ifmap (ofmap pixels x window), filter
(window x filters), ofmap (pixels x filters) — cuts them into folds of the array, pads and
skews every fold into "demand" rows (one row per cycle), and streams the rows through its
memory models. These kernels walk the same demand order arithmetically:

- `fold_geometry`: folds and demand rows per fold for each dataflow, and the SRAM counts the
  compute modules add up (`systolic_compute_{ws,is,os}.py`), OS's R+C extra ofmap writes per
  fold included;
- `ifmap_matrix`: the ifmap operand matrix (`operand_matrix.calc_ifmap_elem_addr`), -1 where a
  window of the ceiling-rounded output runs past the input edge;
- `demand_dram_reads`: DRAM reads of CALC mode's read buffer (`read_buffer_estimate_bw.py`), a
  set of unique addresses that is emptied each time 50 sets of floor(size/100) words filled;
- `write_buffer_drain`: the ofmap write buffer (`write_buffer.py`) draining half its size at a
  time, with the padding quirk: a partially filled line flushed before a drain is counted in
  full unless it ends its drain chunk; returns DRAM writes and stall cycles.

Dataflow codes: 0 = os, 1 = ws, 2 = is (the order of `DATAFLOW_CODES`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

DATAFLOW_CODES = ("os", "ws", "is")
OS, WS, IS = 0, 1, 2
# read_buffer_estimate_bw.py: active_buf_frac 0.5 -> 50 of the 100 sets form the active window.
SETS_PER_WINDOW = 50
SETS_PER_BUFFER = 100


@njit(cache=True)
def fold_geometry(df: int, rows: int, cols: int, npx: int, window: int, filters: int) -> np.ndarray:
    """[row_folds, col_folds, rows_per_fold, sram_ifmap_reads, sram_filter_reads, sram_ofmap_writes]."""
    if df == OS:
        sr, sc, t = npx, filters, window
        per_fold = t + rows + cols - 2
    elif df == WS:
        sr, sc, t = window, filters, npx
        per_fold = 2 * rows + cols + t - 2
    else:
        sr, sc, t = window, npx, filters
        per_fold = 2 * rows + cols + t - 2
    rf = (sr + rows - 1) // rows
    cf = (sc + cols - 1) // cols
    out = np.zeros(6, dtype=np.int64)
    out[0], out[1], out[2] = rf, cf, per_fold
    if df == OS:
        out[3] = cf * t * sr
        out[4] = rf * t * sc
        out[5] = sr * sc + rf * cf * (rows + cols)
    elif df == WS:
        out[3] = cf * t * sr
        out[4] = sr * sc
        out[5] = rf * t * sc
    else:
        out[3] = sr * sc
        out[4] = cf * t * sr
        out[5] = rf * t * sc
    return out


@njit(cache=True)
def ifmap_matrix(ih: int, iw: int, fh: int, fw: int, ch: int, sh: int, sw: int, oh: int, ow: int) -> np.ndarray:
    """Address of the ifmap word each (ofmap pixel, window position) reads; -1 past the edge."""
    window = fh * fw * ch
    out = np.empty((oh * ow, window), dtype=np.int64)
    for p in range(oh * ow):
        r0 = (p // ow) * sh
        c0 = (p % ow) * sw
        for j in range(window):
            fr = j // (fw * ch)
            fc = (j // ch) % fw
            r, c = r0 + fr, c0 + fc
            out[p, j] = (r * iw + c) * ch + j % ch if (r < ih and c < iw) else -1
    return out


@njit(cache=True)
def _visit(addr: int, stamp: np.ndarray, st: np.ndarray, window_words: int) -> None:
    """One demanded address through CALC mode's read buffer; st = [insertions, window id, reads]."""
    if addr < 0 or stamp[addr] == st[1]:
        return
    stamp[addr] = st[1]
    st[2] += 1
    st[0] += 1
    if st[0] == window_words:
        st[0] = 0
        st[1] += 1


@njit(cache=True)
def demand_dram_reads(df: int, operand: int, mat: np.ndarray, dims: np.ndarray, n_addr: int,
                      window_words: int) -> int:
    """DRAM reads of the ifmap (operand 0, `mat` = ifmap matrix) or filter (operand 1, `mat` =
    window x filters address matrix) buffer in CALC mode, walking SCALE-Sim's demand rows in
    order. dims = [rows, cols, npx, window, filters]."""
    rows, cols, npx, window, filters = dims[0], dims[1], dims[2], dims[3], dims[4]
    stamp = np.full(n_addr, -1, dtype=np.int64)
    st = np.zeros(3, dtype=np.int64)
    g = fold_geometry(df, rows, cols, npx, window, filters)
    rf, cf, per_fold = g[0], g[1], g[2]
    for fc in range(cf):
        for fr in range(rf):
            r0 = fr * rows
            c0 = fc * cols
            if operand == 0 and df == WS:      # skewed window columns; pixels stream down
                used = min(rows, window - r0)
                for t in range(per_fold):
                    for c in range(max(0, t - rows - npx + 1), min(used - 1, t - rows) + 1):
                        _visit(mat[t - c - rows, r0 + c], stamp, st, window_words)
            elif operand == 0 and df == OS:    # skewed pixels; the window streams down
                used = min(rows, npx - r0)
                for t in range(per_fold):
                    for c in range(max(0, t - window + 1), min(used - 1, t) + 1):
                        _visit(mat[r0 + c, t - c], stamp, st, window_words)
            elif operand == 0:                 # IS: the ifmap tile is loaded bottom row first
                rused = min(rows, window - r0)
                cused = min(cols, npx - c0)
                for t in range(rows - rused, rows):
                    for c in range(cused):
                        _visit(mat[c0 + c, r0 + rows - 1 - t], stamp, st, window_words)
            elif df == WS:                     # WS filters: loaded bottom row first
                rused = min(rows, window - r0)
                cused = min(cols, filters - c0)
                for t in range(rows - rused, rows):
                    for c in range(cused):
                        _visit(mat[r0 + rows - 1 - t, c0 + c], stamp, st, window_words)
            elif df == OS:                     # OS filters: skewed filters; the window streams down
                cused = min(cols, filters - c0)
                for t in range(per_fold):
                    for c in range(max(0, t - window + 1), min(cused - 1, t) + 1):
                        _visit(mat[t - c, c0 + c], stamp, st, window_words)
            else:                              # IS filters: skewed window rows; filters stream
                used = min(rows, window - r0)
                for t in range(per_fold):
                    for c in range(max(0, t - rows - filters + 1), min(used - 1, t - rows) + 1):
                        _visit(mat[r0 + c, t - c - rows], stamp, st, window_words)
    return int(st[2])


@njit(cache=True)
def _line_words(line: int, part_idx: np.ndarray, part_val: np.ndarray, n_part: int, cursor: np.ndarray,
                drain_bw: int) -> int:
    """Words held by trace line `line`: a flushed partial line's fill, else a full line.
    Lines are queried in increasing order, so `cursor[0]` only moves forward."""
    p = cursor[0]
    while p < n_part and part_idx[p] < line:
        p += 1
    cursor[0] = p
    return part_val[p] if p < n_part and part_idx[p] == line else drain_bw


@njit(cache=True)
def write_buffer_drain(df: int, rows: int, cols: int, npx: int, window: int, filters: int,
                       size_words: int, drain_bw: int) -> np.ndarray:
    """[dram_ofmap_writes, stall_cycles, last_cycle] of the ofmap write buffer over the layer.

    Performance: words between events (a drain starts, the buffer fills up) are stored in bulk;
    only partially filled lines are remembered (full lines hold `drain_bw` words)."""
    g = fold_geometry(df, rows, cols, npx, window, filters)
    rf, cf, per_fold = g[0], g[1], g[2]
    active = (size_words + 1) // 2              # ceil(size * 0.5)
    # A 1-word buffer drains nothing (SCALE-Sim loops forever there); drain a line at a time.
    lines_per_drain = max((size_words - active + drain_bw - 1) // drain_bw, 1)
    cap = g[5] // max(size_words - active, 1) + 8
    part_idx = np.empty(cap, dtype=np.int64)
    part_val = np.empty(cap, dtype=np.int64)
    cursor = np.zeros(1, dtype=np.int64)
    n_part, n_lines, drained, line_fill = 0, 0, 0, 0
    free, drain_end, writes, stalls, cycle = size_words, 0, 0, 0, 0
    for fc in range(cf):
        for fr in range(rf):
            if df == OS:
                ncols = min(cols, filters - fc * cols)
                used = min(rows, npx - fr * rows)
                lo, length = window - 1 + rows - used, used
            elif df == WS:
                ncols, lo, length = min(cols, filters - fc * cols), 2 * rows - 1, npx
            else:
                ncols, lo, length = min(cols, npx - fc * cols), 2 * rows - 1, filters
            for t in range(per_fold):
                left = min(ncols - 1, t - lo) - max(0, t - lo - length + 1) + 1
                cur = cycle + stalls
                start = cur
                while left > 0:
                    if cur < drain_end:          # draining: store until the buffer is full
                        take = min(left, max(free, 1))
                    else:                        # store until occupancy passes half the buffer
                        take = min(left, max(free - active + 1, 1))
                    left -= take
                    free -= take
                    line_fill += take
                    n_lines += line_fill // drain_bw
                    line_fill %= drain_bw
                    if cur < drain_end:
                        if free <= 0:
                            cur = drain_end
                    elif free < active:
                        if line_fill:            # flush the partial line, padded with -1
                            if n_part == part_idx.shape[0]:
                                part_idx = np.concatenate((part_idx, np.empty(n_part, dtype=np.int64)))
                                part_val = np.concatenate((part_val, np.empty(n_part, dtype=np.int64)))
                            part_idx[n_part] = n_lines
                            part_val[n_part] = line_fill
                            n_part += 1
                            n_lines += 1
                            line_fill = 0
                        end = min(drained + lines_per_drain, n_lines)
                        last = _line_words(end - 1, part_idx, part_val, n_part, cursor, drain_bw)
                        words = (end - drained) * drain_bw - (drain_bw - last)
                        writes += words
                        free += words
                        drain_end = cur + end - drained - 1
                        drained = end
                stalls += cur - start
                cycle += 1
    if line_fill:
        if n_part == part_idx.shape[0]:
            part_idx = np.concatenate((part_idx, np.empty(n_part + 1, dtype=np.int64)))
            part_val = np.concatenate((part_val, np.empty(n_part + 1, dtype=np.int64)))
        part_idx[n_part] = n_lines
        part_val[n_part] = line_fill
        n_part += 1
        n_lines += 1
    while drained < n_lines:
        end = min(drained + lines_per_drain, n_lines)
        last = _line_words(end - 1, part_idx, part_val, n_part, cursor, drain_bw)
        writes += (end - drained) * drain_bw - (drain_bw - last)
        drained = end
    out = np.zeros(3, dtype=np.int64)
    out[0], out[1], out[2] = writes, stalls, cycle - 1 + stalls
    return out
