"""Plain-Python twins of `scalesim_kernels`, written the way SCALE-Sim 3.0.0 builds its traces.

Where the kernels walk index ranges, these build every fold's demand matrix as SCALE-Sim's
`systolic_compute_{ws,is,os}.py` do — slice the operand matrix, pad to the array with -1,
flip the stationary tile, add the prefix/suffix gaps, skew — and stream the rows through
a set-based read buffer and a line-based write buffer. Same signatures, same results.
"""

from __future__ import annotations

import numpy as np

OS, WS, IS = 0, 1, 2


def _geometry(df: int, npx: int, window: int, filters: int) -> tuple[int, int, int]:
    """SCALE-Sim's (Sr, Sc, T) of a dataflow."""
    if df == OS:
        return npx, filters, window
    if df == WS:
        return window, filters, npx
    return window, npx, filters


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def fold_geometry(df: int, rows: int, cols: int, npx: int, window: int, filters: int) -> np.ndarray:
    sr, sc, t = _geometry(df, npx, window, filters)
    rf, cf = _ceil(sr, rows), _ceil(sc, cols)
    per_fold = t + rows + cols - 2 if df == OS else 2 * rows + cols + t - 2
    ifmap = filt = ofmap = 0
    for fc in range(cf):
        for fr in range(rf):
            r_used = min(rows, sr - fr * rows)
            c_used = min(cols, sc - fc * cols)
            if df == OS:
                ifmap += t * r_used
                filt += t * c_used
                ofmap += r_used * c_used + rows + cols  # the R+C extra writes of every OS fold
            elif df == WS:
                ifmap += t * r_used
                filt += r_used * c_used
                ofmap += t * c_used
            else:
                ifmap += r_used * c_used
                filt += t * r_used
                ofmap += t * c_used
    return np.array([rf, cf, per_fold, ifmap, filt, ofmap], dtype=np.int64)


def ifmap_matrix(ih: int, iw: int, fh: int, fw: int, ch: int, sh: int, sw: int, oh: int, ow: int) -> np.ndarray:
    out = np.full((oh * ow, fh * fw * ch), -1, dtype=np.int64)
    for orow in range(oh):
        for ocol in range(ow):
            j = 0
            for fr in range(fh):
                for fc in range(fw):
                    for c in range(ch):
                        r, col = orow * sh + fr, ocol * sw + fc
                        if r < ih and col < iw:
                            out[orow * ow + ocol, j] = (r * iw + col) * ch + c
                        j += 1
    return out


def _pad(m: np.ndarray, rows: int, cols: int) -> np.ndarray:
    out = np.full((rows, cols), -1, dtype=np.int64)
    out[: m.shape[0], : m.shape[1]] = m
    return out


def _gap(n: int, cols: int) -> np.ndarray:
    return np.full((max(n, 0), cols), -1, dtype=np.int64)


def _skew(m: np.ndarray) -> np.ndarray:
    """Column c is delayed by c cycles (systolic pipeline fill)."""
    r, c = m.shape
    out = np.full((r + c - 1, c), -1, dtype=np.int64)
    for j in range(c):
        out[j:j + r, j] = m[:, j]
    return out


def demand_matrices(df: int, operand: int, mat: np.ndarray, rows: int, cols: int, npx: int, window: int,
                    filters: int) -> list[np.ndarray]:
    """Every fold's demand matrix of one operand (0 ifmap, 1 filter, 2 ofmap), fold order fc, fr."""
    sr, sc, t = _geometry(df, npx, window, filters)
    rf, cf = _ceil(sr, rows), _ceil(sc, cols)
    folds = []
    for fc in range(cf):
        for fr in range(rf):
            r0, r1 = fr * rows, min(fr * rows + rows, sr)
            c0, c1 = fc * cols, min(fc * cols + cols, sc)
            if df == WS:
                if operand == 0:
                    m = np.vstack([_gap(rows, rows), _pad(mat[:, r0:r1], t, rows), _gap(cols - 1, rows)])
                    m = _skew(m)
                elif operand == 1:
                    m = np.vstack([_pad(mat[r0:r1, c0:c1], rows, cols)[::-1], _gap(rows + cols + t - 2, cols)])
                else:
                    m = _skew(np.vstack([_gap(2 * rows - 1, cols), _pad(mat[:, c0:c1], t, cols)]))
            elif df == OS:
                if operand == 0:
                    m = _skew(np.vstack([_pad(mat.T[:, r0:r1], t, rows), _gap(cols - 1, rows)]))
                elif operand == 1:
                    m = _skew(np.vstack([_pad(mat[:, c0:c1], t, cols), _gap(rows - 1, cols)]))
                else:
                    m = _skew(np.vstack([_gap(t - 1, cols), _pad(mat[r0:r1, c0:c1], rows, cols)[::-1]]))
            else:
                if operand == 0:
                    m = np.vstack([_pad(mat.T[r0:r1, c0:c1], rows, cols)[::-1], _gap(rows + cols + t - 2, cols)])
                elif operand == 1:
                    m = np.vstack([_gap(rows, rows), _pad(mat[r0:r1, :].T, t, rows), _gap(cols - 1, rows)])
                    m = _skew(m)
                else:
                    m = _skew(np.vstack([_gap(2 * rows - 1, cols), _pad(mat[c0:c1, :].T, t, cols)]))
            folds.append(m)
    return folds


def demand_dram_reads(df: int, operand: int, mat: np.ndarray, dims: np.ndarray, n_addr: int,
                      window_words: int) -> int:
    """CALC-mode read buffer: a set of the words fetched since the window last emptied."""
    rows, cols, npx, window, filters = (int(x) for x in dims)
    held: set[int] = set()
    inserted = reads = 0
    for fold in demand_matrices(df, operand, mat, rows, cols, npx, window, filters):
        for line in fold:
            for addr in line:
                if addr == -1 or int(addr) in held:
                    continue
                held.add(int(addr))
                reads += 1
                inserted += 1
                if inserted == window_words:  # 50 sets filled: the active half is replaced
                    held, inserted = set(), 0
    return reads


def write_buffer_drain(df: int, rows: int, cols: int, npx: int, window: int, filters: int,
                       size_words: int, drain_bw: int) -> np.ndarray:
    """The ofmap write buffer over the layer's demand rows: [dram writes, stall cycles, last cycle]."""
    ofmap = np.arange(npx * filters, dtype=np.int64).reshape(npx, filters)
    folds = demand_matrices(df, 2, ofmap, rows, cols, npx, window, filters)
    active = -(-size_words // 2)
    drain_lines = max(_ceil(size_words - active, drain_bw), 1)  # SCALE-Sim never ends with 0
    lines: list[int] = []          # words held by each line handed to the drain side
    line = 0                       # words in the line being filled
    drained = 0                    # lines already written to DRAM
    free, drain_end, writes, stalls = size_words, 0, 0, 0

    def drain(start_cycle: int) -> int:
        nonlocal drained, writes, free
        end = min(drained + drain_lines, len(lines))
        words = (end - drained) * drain_bw - (drain_bw - lines[end - 1])  # -1 padding of the last line
        writes += words
        free += words
        n = end - drained
        drained = end
        return start_cycle + n - 1

    row_id = 0
    for fold in folds:
        for demand in fold:
            cycle = row_id + stalls
            cur = cycle
            for addr in demand:
                if addr == -1:
                    continue
                line += 1
                free -= 1
                if line == drain_bw:
                    lines.append(line)
                    line = 0
                if cur < drain_end:
                    if free <= 0:
                        cur = drain_end
                elif free < active:
                    if line:
                        lines.append(line)
                        line = 0
                    drain_end = drain(cur)
            stalls += cur - cycle
            row_id += 1
    if line:
        lines.append(line)
    while drained < len(lines):
        drain(0)
    return np.array([writes, stalls, row_id - 1 + stalls], dtype=np.int64)
