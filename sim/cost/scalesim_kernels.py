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
- `user_mode_layer`: USER bandwidth mode, where every demand row also passes the ifmap and
  filter read buffers (`read_buffer.py`): the operand's prefetch stream is cut into sets of
  ceil(size/100) words, a window of sets (half the buffer) is resident, and each miss moves it
  on by the other half, costing DRAM words and cycles at the fill bandwidth.

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
    # dims holds int64 sizes (bare annotations: no bytecode, numba compiles the same function)
    rows: int
    cols: int
    npx: int
    window: int
    filters: int
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
    p: int = cursor[0]
    while p < n_part and part_idx[p] < line:
        p += 1
    cursor[0] = p
    return part_val[p] if p < n_part and part_idx[p] == line else drain_bw


@njit(cache=True)
def _ofmap_fold(df: int, fc: int, fr: int, rows: int, cols: int, npx: int, filters: int,
                window: int) -> tuple[int, int, int]:
    """Output columns of fold (fr, fc), the cycle its first ofmap row leaves the array, and
    how many rows it emits: the write-side geometry both ofmap-buffer kernels walk."""
    if df == OS:
        used = min(rows, npx - fr * rows)
        return min(cols, filters - fc * cols), window - 1 + rows - used, used
    if df == WS:
        return min(cols, filters - fc * cols), 2 * rows - 1, npx
    return min(cols, npx - fc * cols), 2 * rows - 1, filters


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
            ncols, lo, length = _ofmap_fold(df, fc, fr, rows, cols, npx, filters, window)
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


# --- USER bandwidth mode ----------------------------------------------------------------------

@njit(cache=True)
def _prefetch_shape(df: int, operand: int, dims: np.ndarray) -> tuple[int, int, bool]:
    """(rows, cols, diagonal order) of an operand's prefetch matrix (create_*_prefetch_mat)."""
    rows, cols, npx, window, filters = dims[0], dims[1], dims[2], dims[3], dims[4]
    if df == WS:
        if operand == 0:
            return ((window + rows - 1) // rows) * npx, rows, True
        return ((filters + cols - 1) // cols) * window, cols, False
    if df == OS:
        if operand == 0:
            return ((npx + rows - 1) // rows) * window, rows, True
        return ((filters + cols - 1) // cols) * window, cols, True
    if operand == 0:
        return ((npx + cols - 1) // cols) * window, cols, False
    return ((window + rows - 1) // rows) * filters, rows, True


@njit(cache=True)
def _prefetch_elem(df: int, operand: int, mat: np.ndarray, dims: np.ndarray, r: int, c: int) -> int:
    """Entry (r, c) of the prefetch matrix: operand blocks per fold stacked vertically, -1 padded."""
    # dims holds int64 sizes (bare annotations: no bytecode, numba compiles the same function)
    rows: int
    cols: int
    npx: int
    window: int
    filters: int
    rows, cols, npx, window, filters = dims[0], dims[1], dims[2], dims[3], dims[4]
    if operand == 1 and df != IS:               # filter column folds: window x cols blocks
        f = (r // window) * cols + c
        return mat[r % window, f] if f < filters else -1
    if df == WS:                                # ifmap row folds: npx x rows blocks
        j = (r // npx) * rows + c
        return mat[r % npx, j] if j < window else -1
    if df == OS:                                # ifmap^T row folds: window x rows blocks
        p = (r // window) * rows + c
        return mat[p, r % window] if p < npx else -1
    if operand == 0:                            # IS ifmap^T column folds: window x cols blocks
        p = (r // window) * cols + c
        return mat[p, r % window] if p < npx else -1
    j = (r // filters) * rows + c               # IS filter^T row folds: filters x rows blocks
    return mat[j, r % filters] if j < window else -1


@njit(cache=True)
def prefetch_stream(df: int, operand: int, mat: np.ndarray, dims: np.ndarray) -> np.ndarray:
    """The flattened prefetch matrix; skewed operands are read along anti-diagonals, bottom first."""
    m, n, diagonal = _prefetch_shape(df, operand, dims)
    out = np.empty(m * n, dtype=np.int64)
    i = 0
    if not diagonal:
        for r in range(m):
            for c in range(n):
                out[i] = _prefetch_elem(df, operand, mat, dims, r, c)
                i += 1
        return out
    for d in range(m + n):
        for r in range(min(d, m - 1), max(0, d - n + 1) - 1, -1):
            out[i] = _prefetch_elem(df, operand, mat, dims, r, d - r)
            i += 1
    return out


@njit(cache=True)
def _sets_of(stream: np.ndarray, n_addr: int, per_set: int) -> tuple[np.ndarray, np.ndarray]:
    """read_buffer.prepare_hashed_buffer as CSR: set s holds addrs[ptr[s]:ptr[s+1]] (unique)."""
    seen = np.full(n_addr, -1, dtype=np.int64)
    addrs = np.empty(stream.shape[0], dtype=np.int64)
    ptr = np.zeros(stream.shape[0] // per_set + 2, dtype=np.int64)
    n_sets, n, count = 0, 0, 0
    for a in stream:
        if a >= 0:
            if seen[a] != n_sets:
                seen[a] = n_sets
                addrs[n] = a
                n += 1
            count += 1
            if count >= per_set:
                n_sets += 1
                ptr[n_sets] = n
                count = 0
    n_sets += 1                                 # the last (possibly empty) set
    ptr[n_sets] = n
    return ptr[: n_sets + 1], addrs[:n]


@njit(cache=True)
def _add_set(ptr: np.ndarray, addrs: np.ndarray, held: np.ndarray, s: int, step: int) -> None:
    for i in range(ptr[s], ptr[s + 1]):
        held[addrs[i]] += step


@njit(cache=True)
def _read_buffer(stream: np.ndarray, n_addr: int, size_words: int, bw: int):  # noqa: ANN202
    """State of a USER-mode read buffer after its active half is filled:
    (ptr, addrs, held count per address, st = [start, n_active, n_prefetch, n_sets,
    last_prefetch_cycle, dram_words, lines_per_prefetch, bw])."""
    per_set = (size_words + 99) // 100
    ptr, addrs = _sets_of(stream, n_addr, per_set)
    n_sets = ptr.shape[0] - 1
    active = (size_words + 1) // 2
    prefetch = size_words - active
    n_active = min(n_sets, (active + per_set - 1) // per_set)
    n_prefetch = min(n_sets - n_active, (prefetch + per_set - 1) // per_set)
    held = np.zeros(n_addr, dtype=np.int64)
    for s in range(n_active):
        _add_set(ptr, addrs, held, s, 1)
    st = np.zeros(8, dtype=np.int64)
    first_lines = min((active + bw - 1) // bw, (stream.shape[0] + bw - 1) // bw)
    st[0], st[1], st[2], st[3] = 0, n_active, n_prefetch, n_sets
    st[4], st[5], st[6], st[7] = -1, first_lines * bw, (prefetch + bw - 1) // bw, bw
    return ptr, addrs, held, st


@njit(cache=True)
def _read_row(row: np.ndarray, n: int, cycle: int, ptr: np.ndarray, addrs: np.ndarray, held: np.ndarray,
              st: np.ndarray) -> int:
    """read_buffer.service_reads for one demand row; returns the cycle it completes."""
    offset = 1                                  # hit latency
    for i in range(n):
        a = row[i]
        while held[a] == 0 and st[2] > 0:       # miss: move the window on by the prefetch half
            old, n_act, n_sets = st[0], st[1], st[3]
            new = (old + st[2]) % n_sets
            for j in range(n_act):
                s = (old + j) % n_sets
                if (s - new) % n_sets >= n_act:
                    _add_set(ptr, addrs, held, s, -1)
            for j in range(n_act):
                s = (new + j) % n_sets
                if (s - old) % n_sets >= n_act:
                    _add_set(ptr, addrs, held, s, 1)
            st[0] = new
            st[5] += st[6] * st[7]
            st[4] += st[6] + 1
            stall = st[4] - (cycle + offset)
            offset += stall                     # added once whatever its sign,
            if stall > 0:
                offset += stall                 # and a positive stall a second time
    return cycle + offset


@njit(cache=True)
def _demand_row(df: int, operand: int, mat: np.ndarray, dims: np.ndarray, fc: int, fr: int, t: int,
                out: np.ndarray) -> int:
    """Valid addresses of demand row t of fold (fc, fr), in column order; returns their count."""
    rows, cols, npx, window, filters = dims[0], dims[1], dims[2], dims[3], dims[4]
    r0, c0 = fr * rows, fc * cols
    n = 0
    if operand == 0 and df == WS:
        for c in range(max(0, t - rows - npx + 1), min(min(rows, window - r0) - 1, t - rows) + 1):
            out[n] = mat[t - c - rows, r0 + c]
            n += 1
    elif operand == 0 and df == OS:
        for c in range(max(0, t - window + 1), min(min(rows, npx - r0) - 1, t) + 1):
            out[n] = mat[r0 + c, t - c]
            n += 1
    elif operand == 0:
        if rows - min(rows, window - r0) <= t < rows:
            for c in range(min(cols, npx - c0)):
                out[n] = mat[c0 + c, r0 + rows - 1 - t]
                n += 1
    elif df == WS:
        if rows - min(rows, window - r0) <= t < rows:
            for c in range(min(cols, filters - c0)):
                out[n] = mat[r0 + rows - 1 - t, c0 + c]
                n += 1
    elif df == OS:
        for c in range(max(0, t - window + 1), min(min(cols, filters - c0) - 1, t) + 1):
            out[n] = mat[t - c, c0 + c]
            n += 1
    else:
        for c in range(max(0, t - rows - filters + 1), min(min(rows, window - r0) - 1, t - rows) + 1):
            out[n] = mat[r0 + c, t - c - rows]
            n += 1
    k = 0
    for i in range(n):                          # -1: windows past the edge of the ifmap
        if out[i] >= 0:
            out[k] = out[i]
            k += 1
    return k


@njit(cache=True)
def user_mode_layer(df: int, ifmap: np.ndarray, filt: np.ndarray, dims: np.ndarray, words: np.ndarray,
                    bws: np.ndarray) -> np.ndarray:
    """USER bandwidth mode: each demand row passes the ifmap and filter read buffers and the
    ofmap write buffer; the array waits for the slowest (service_memory_requests).
    Returns [total cycles, stall cycles, DRAM ifmap words, DRAM filter words, DRAM ofmap words]."""
    rows, cols, npx, window, filters = dims[0], dims[1], dims[2], dims[3], dims[4]
    n_i = int(ifmap.max()) + 1 if ifmap.size else 1
    ptr_i, a_i, held_i, st_i = _read_buffer(prefetch_stream(df, 0, ifmap, dims), max(n_i, 1), words[0], bws[0])
    ptr_f, a_f, held_f, st_f = _read_buffer(prefetch_stream(df, 1, filt, dims), window * filters, words[1], bws[1])
    g = fold_geometry(df, rows, cols, npx, window, filters)
    rf, cf, per_fold = g[0], g[1], g[2]
    size_o, bw_o = words[2], bws[2]
    active = (size_o + 1) // 2
    lines_per_drain = max((size_o - active + bw_o - 1) // bw_o, 1)
    cap = g[5] // max(size_o - active, 1) + 8
    part_idx = np.empty(cap, dtype=np.int64)
    part_val = np.empty(cap, dtype=np.int64)
    cursor = np.zeros(1, dtype=np.int64)
    buf = np.empty(max(rows, cols) + 1, dtype=np.int64)
    n_part, n_lines, drained, line_fill = 0, 0, 0, 0
    free, drain_end, writes, stalls, row_id, last = size_o, 0, 0, 0, 0, 0
    for fc in range(cf):
        for fr in range(rf):
            ncols, lo, length = _ofmap_fold(df, fc, fr, rows, cols, npx, filters, window)
            for t in range(per_fold):
                cycle = row_id + stalls
                n = _demand_row(df, 0, ifmap, dims, fc, fr, t, buf)
                out_i = _read_row(buf, n, cycle, ptr_i, a_i, held_i, st_i)
                n = _demand_row(df, 1, filt, dims, fc, fr, t, buf)
                out_f = _read_row(buf, n, cycle, ptr_f, a_f, held_f, st_f)
                left = min(ncols - 1, t - lo) - max(0, t - lo - length + 1) + 1
                cur = cycle
                while left > 0:                 # the ofmap write buffer, as write_buffer_drain
                    if cur < drain_end:
                        take = min(left, max(free, 1))
                    else:
                        take = min(left, max(free - active + 1, 1))
                    left -= take
                    free -= take
                    line_fill += take
                    n_lines += line_fill // bw_o
                    line_fill %= bw_o
                    if cur < drain_end:
                        if free <= 0:
                            cur = drain_end
                    elif free < active:
                        if line_fill:
                            if n_part == part_idx.shape[0]:
                                part_idx = np.concatenate((part_idx, np.empty(n_part, dtype=np.int64)))
                                part_val = np.concatenate((part_val, np.empty(n_part, dtype=np.int64)))
                            part_idx[n_part] = n_lines
                            part_val[n_part] = line_fill
                            n_part += 1
                            n_lines += 1
                            line_fill = 0
                        end = min(drained + lines_per_drain, n_lines)
                        words_out = (end - drained) * bw_o - (bw_o - _line_words(end - 1, part_idx, part_val,
                                                                                     n_part, cursor, bw_o))
                        writes += words_out
                        free += words_out
                        drain_end = cur + end - drained - 1
                        drained = end
                last = cur
                stalls += max(out_i - cycle - 1, max(out_f - cycle - 1, cur - cycle))
                row_id += 1
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
        writes += (end - drained) * bw_o - (bw_o - _line_words(end - 1, part_idx, part_val, n_part, cursor, bw_o))
        drained = end
    out = np.zeros(5, dtype=np.int64)
    out[0], out[1], out[2], out[3], out[4] = last, stalls, st_i[5], st_f[5], writes
    return out
