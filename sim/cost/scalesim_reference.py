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
    folds: list[np.ndarray] = []
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
                    m = _skew(np.vstack([_pad(np.transpose(mat)[:, r0:r1], t, rows), _gap(cols - 1, rows)]))
                elif operand == 1:
                    m = _skew(np.vstack([_pad(mat[:, c0:c1], t, cols), _gap(rows - 1, cols)]))
                else:
                    m = _skew(np.vstack([_gap(t - 1, cols), _pad(mat[r0:r1, c0:c1], rows, cols)[::-1]]))
            else:
                if operand == 0:
                    m = np.vstack([_pad(np.transpose(mat)[r0:r1, c0:c1], rows, cols)[::-1],
                                   _gap(rows + cols + t - 2, cols)])
                elif operand == 1:
                    m = np.vstack([_gap(rows, rows), _pad(np.transpose(mat[r0:r1, :]), t, rows), _gap(cols - 1, rows)])
                    m = _skew(m)
                else:
                    m = _skew(np.vstack([_gap(2 * rows - 1, cols), _pad(np.transpose(mat[c0:c1, :]), t, cols)]))
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
                    held = set()
                    inserted = 0
    return reads


class _WriteBuffer:
    """write_buffer.py: fill lines of `drain_bw` words; past half full, flush and drain half."""

    def __init__(self, size_words: int, drain_bw: int) -> None:
        self.bw = drain_bw
        self.active = -(-size_words // 2)
        self.drain_lines = max(_ceil(size_words - self.active, drain_bw), 1)  # SCALE-Sim never ends with 0
        self.lines: list[int] = []      # words held by each line handed to the drain side
        self.line = 0                   # words in the line being filled
        self.drained = 0                # lines already written to DRAM
        self.free, self.drain_end, self.writes = size_words, 0, 0

    def _drain(self, start_cycle: int) -> int:
        end = min(self.drained + self.drain_lines, len(self.lines))
        words = (end - self.drained) * self.bw - (self.bw - self.lines[end - 1])  # -1 padding of the last line
        self.writes += words
        self.free += words
        n = end - self.drained
        self.drained = end
        return start_cycle + n - 1

    def service(self, demand: np.ndarray, cycle: int) -> int:
        """Store one demand row arriving at `cycle`; returns the cycle it completes."""
        cur = cycle
        for addr in demand:
            if addr == -1:
                continue
            self.line += 1
            self.free -= 1
            if self.line == self.bw:
                self.lines.append(self.line)
                self.line = 0
            if cur < self.drain_end:
                if self.free <= 0:
                    cur = self.drain_end
            elif self.free < self.active:
                if self.line:
                    self.lines.append(self.line)
                    self.line = 0
                self.drain_end = self._drain(cur)
        return cur

    def finish(self) -> None:
        if self.line:
            self.lines.append(self.line)
            self.line = 0
        while self.drained < len(self.lines):
            self._drain(0)


def write_buffer_drain(df: int, rows: int, cols: int, npx: int, window: int, filters: int,
                       size_words: int, drain_bw: int) -> np.ndarray:
    """The ofmap write buffer over the layer's demand rows: [dram writes, stall cycles, last cycle]."""
    ofmap = np.reshape(np.arange(npx * filters, dtype=np.int64), (npx, filters))
    wb = _WriteBuffer(size_words, drain_bw)
    stalls = row_id = 0
    for fold in demand_matrices(df, 2, ofmap, rows, cols, npx, window, filters):
        for demand in fold:
            cycle = row_id + stalls
            stalls += wb.service(demand, cycle) - cycle
            row_id += 1
    wb.finish()
    return np.array([wb.writes, stalls, row_id - 1 + stalls], dtype=np.int64)


def _diagonals(m: np.ndarray) -> np.ndarray:
    """The prefetch order of skewed operands: anti-diagonals, bottom row first within each."""
    rows, cols = m.shape
    out: list[int] = []
    for d in range(rows + cols):
        for r in range(min(d, rows - 1), max(0, d - cols + 1) - 1, -1):
            out.append(m[r, d - r])
    return np.array(out, dtype=np.int64)


def prefetch_stream(df: int, operand: int, mat: np.ndarray, rows: int, cols: int, npx: int, window: int,
                    filters: int) -> np.ndarray:
    """The operand's prefetch matrix (systolic_compute_*.create_*_prefetch_mat), flattened."""
    sr, sc, t = _geometry(df, npx, window, filters)
    rf, cf = _ceil(sr, rows), _ceil(sc, cols)
    if df == WS and operand == 0:
        blocks = [_pad(mat[:, fr * rows:(fr + 1) * rows], t, rows) for fr in range(rf)]
        return _diagonals(np.vstack(blocks))
    if df in (WS, OS) and operand == 1:
        blocks = np.vstack([_pad(mat[:, fc * cols:(fc + 1) * cols], window, cols) for fc in range(cf)])
        return np.reshape(blocks, -1) if df == WS else _diagonals(blocks)
    if df == OS:
        return _diagonals(np.vstack([_pad(np.transpose(mat)[:, fr * rows:(fr + 1) * rows], t, rows)
                                     for fr in range(rf)]))
    if operand == 0:
        return np.reshape(np.vstack([_pad(np.transpose(mat)[:, fc * cols:(fc + 1) * cols], sr, cols)
                                     for fc in range(cf)]), -1)
    return _diagonals(np.vstack([_pad(np.transpose(mat[fr * rows:(fr + 1) * rows, :]), t, rows) for fr in range(rf)]))


class _ReadBuffer:
    """read_buffer.py in USER mode: the prefetch stream cut into sets of ceil(size/100) words;
    a window of sets (half the buffer) is resident and moves on by the other half on a miss."""

    def __init__(self, stream: np.ndarray, size_words: int, bw: int) -> None:
        per_set = -(-size_words // 100)
        self.sets: list[set[int]] = []
        current: set[int] = set()
        count = 0
        for addr in stream:
            if addr != -1:
                current.add(int(addr))
                count += 1
            if count >= per_set:
                self.sets.append(current)
                current = set()
                count = 0
        self.sets.append(current)
        n = len(self.sets)
        active = -(-size_words // 2)
        prefetch = size_words - active
        self.n_active = min(n, -(-active // per_set))
        self.n_prefetch = min(n - self.n_active, -(-prefetch // per_set))
        self.start = 0
        self.bw = bw
        self.prefetch_lines = -(-prefetch // bw)
        self.accesses = min(-(-active // bw), -(-len(stream) // bw)) * bw   # the first, active-buffer fill
        self.last_prefetch = -1                                             # it completes the cycle before 0

    def resident(self, addr: int) -> bool:
        n = len(self.sets)
        return any(addr in self.sets[(self.start + i) % n] for i in range(self.n_active))

    def service(self, demand: np.ndarray, cycle: int) -> int:
        offset = 1                                  # hit latency
        for addr in demand:
            if addr == -1:
                continue
            while not self.resident(int(addr)):
                if self.n_prefetch == 0:            # nothing left to fetch (SCALE-Sim would spin)
                    break
                self.start = (self.start + self.n_prefetch) % len(self.sets)
                self.accesses += self.prefetch_lines * self.bw
                self.last_prefetch += self.prefetch_lines + 1
                stall = self.last_prefetch - (cycle + offset)
                offset += stall                     # SCALE-Sim adds it once, whatever its sign,
                if stall > 0:
                    offset += stall                 # and a positive one a second time
        return cycle + offset


def user_mode_layer(df: int, ifmap: np.ndarray, filt: np.ndarray, dims: np.ndarray, words: np.ndarray,
                    bws: np.ndarray) -> np.ndarray:
    """USER bandwidth mode (double_buffered_scratchpad.service_memory_requests): every demand row
    goes through the ifmap and filter read buffers and the ofmap write buffer; the array waits
    for the slowest. Returns [total cycles, stall cycles, DRAM ifmap, filter, ofmap words]."""
    rows, cols, npx, window, filters = (int(x) for x in dims)
    geo = (rows, cols, npx, window, filters)
    ofmap = np.reshape(np.arange(npx * filters, dtype=np.int64), (npx, filters))
    rb_i = _ReadBuffer(prefetch_stream(df, 0, ifmap, *geo), int(words[0]), int(bws[0]))
    rb_f = _ReadBuffer(prefetch_stream(df, 1, filt, *geo), int(words[1]), int(bws[1]))
    wb = _WriteBuffer(int(words[2]), int(bws[2]))
    demands = [np.vstack(demand_matrices(df, op, m, *geo)) for op, m in ((0, ifmap), (1, filt), (2, ofmap))]
    stalls = last = 0
    for i in range(demands[0].shape[0]):
        cycle = i + stalls
        out_i = rb_i.service(demands[0][i], cycle)
        out_f = rb_f.service(demands[1][i], cycle)
        last = wb.service(demands[2][i], cycle)
        stalls += max(out_i - cycle - 1, out_f - cycle - 1, last - cycle)
    wb.finish()
    return np.array([last, stalls, rb_i.accesses, rb_f.accesses, wb.writes], dtype=np.int64)
