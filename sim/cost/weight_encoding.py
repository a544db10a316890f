"""Size of a layer's weights in the Ethos-U lossless weight encoding (size only, no bytes emitted).

An Ethos-U NPU does not read int8 weights as the TFLite file stores them: the compiler
(Arm's Vela) reorders each layer's weights into the order the MAC array consumes them and
compresses that stream with a lossless codec that the NPU's weight decoder expands on the
fly, so the bytes streamed from flash into the SRAM weight buffer, and held there, are the
encoded ones. This module counts those bytes from the weight values; the model follows the
format as Vela 5.2's `ethosu/mlw_codec` and `weight_compressor.py` produce it:

- The stream (`brick_stream`): weights minus their zero point (9-bit signed), OHWI, cut
  into OFM blocks of `ofm_block_depth` channels, each padded to the 8-channel OFM
  micro-block; within a block, kernels larger than 8x8 split into 8x8 sub-kernels, and the
  traversal is depth-first (IFM channels padded to blocks of 32), part-kernel-first (IFM
  blocks of 16 channels padded to the 8-channel micro-block, kernel taps padded to 4) or
  depthwise (taps padded to 4). Vela picks part-kernel when its MAC utilisation is no
  worse or the IFM has at most 8 channels; fully connected layers go depth-first.
- Sections (`palette_restarts`): the stream is cut where a new palette (up to 32 most
  frequent values) would save bits. Each section decides whether zeros are coded as
  run lengths (zero is over 4x as frequent as the next value), picks its palette (used
  when it covers more than half of the coded weights) and maps every weight to an index:
  a palette position, or past the palette the sign-folded magnitude `2|w| + (w < 0)`.
- Slices (`grc_search`): a Viterbi search picks a Golomb-Rice parameter (divisor 0-5,
  truncated or not, or plain binary) per run of weight indices and a divisor 0-3 per run
  of zero-run lengths, charging 40 bits per parameter change; each change starts a slice
  (at most 32,767 weights) with a 23-bit header, plus the palette on a section's first.
- Bits (`slice_bits`): indices and runs are written in interleaved chunks of 12 (or 8)
  unary bits followed by the remainders, so the count follows the chunking exactly.
- The stream ends with a 3-bit end marker and is padded to 16 bytes.

On the flash side each OFM depth range of a layer also carries 10 bytes per output channel
(40-bit bias, 32-bit scale, 6-bit shift; Vela `encode_bias`), padded to 16 bytes, ahead of
its weights (`scale_bytes`). edgesim encodes one depth range per layer (Vela may cut a
layer into several when it double-buffers weights, adding a header and padding per range)
and `OFM_BLOCK_DEPTH` channels per OFM block (Vela picks a block per layer; the order
changes only how values group into sections and slices).
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
from numba import njit

from sim.graph.ir import Graph, Op
from sim.graph.loops import loops_of

# Vela architecture_features.accelerator_configs: ofm_ublock and ifm_ublock depth 8 on the
# Ethos-U55-64/128/256 and U65 (4 on the U55-32, not bundled).
UBLOCK_DEPTH = 8
# Vela architecture_features.SubKernelMax = Block(8, 8, 65536): kernels split into 8x8 sub-kernels.
SUBKERNEL_MAX = 8
# Vela ArchitectureFeatures.OFMSplitDepth = 16; Vela's own per-layer OFM block depth is a
# block-config choice edgesim does not model (see the module docstring).
OFM_BLOCK_DEPTH = 16
# Vela weight_compressor.encode_bias: 80-bit bias/scale/shift record per output channel.
SCALE_RECORD_BYTES = 10
STREAM_ALIGN_BYTES = 16
MAX_SLICE = 32767          # mlw_codec: 15-bit slice length field
SLICE_HEADER_BITS = 23     # ZDIV 3, SLICELEN 15, WDIV 3, WTRUNC 1, NEWPAL 1
PALETTE_HEADER_BITS = 13   # DIROFS 5, PALSIZE 5, PALBITS 3
CHANGE_COST_BITS = 40      # mlw_codec's cost of a Golomb-Rice parameter change in its search
EOS_BITS = 3
ZERO_RUN_RATIO = 4         # zeros coded as runs when over 4x as frequent as the next value
# Golomb-Rice configurations for weight indices: divisor 0-5 plain, 0-5 truncated, then plain binary.
W_DIV = np.array([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0], dtype=np.int64)
W_MODE = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2], dtype=np.int64)  # 0 plain, 1 truncated, 2 binary
Z_CONFIGS = 4              # zero-run divisors 0-3


def round_up(x: int, step: int) -> int:
    return -(-x // step) * step


def fold_sign(w: npt.ArrayLike) -> np.ndarray:
    """Sign-folded magnitude 2|w| + (w < 0): the codec's value order (0, 1, -1, 2, -2, ...)."""
    w = np.asarray(w, dtype=np.int64)
    return 2 * np.abs(w) + (w < 0)


# --- the weight stream ----------------------------------------------------------------------

def traversal(kind: str, ifm_depth: int, taps: int, ifm_bits: int = 8) -> str:
    """`depthwise`, `part_kernel` or `depth_first` as Vela chooses for a layer (its
    weight_compressor: part-kernel when its utilisation is no worse, or the IFM is at most 8 deep)."""
    if kind == "depthwise":
        return "depthwise"
    if kind == "fc":
        return "depth_first"
    depth_util = ifm_depth / round_up(ifm_depth, 32 if ifm_bits == 8 else 16)
    part_util = ifm_depth / round_up(ifm_depth, 8) * taps / round_up(taps, 4 if ifm_bits == 8 else 2)
    return "part_kernel" if (part_util >= depth_util or ifm_depth <= 8) else "depth_first"


def brick_stream(w_ohwi: np.ndarray, order: str, *, ofm_block_depth: int = OFM_BLOCK_DEPTH,
                 ifm_bits: int = 8, dilation: tuple[int, int] = (1, 1)) -> np.ndarray:
    """The weights (zero point removed, OHWI; depthwise as K x KH x KW x 1) in the order the
    NPU consumes them, zero padding included, as int64."""
    w = np.asarray(w_ohwi, dtype=np.int64)
    k_all, kh, kw, c_all = w.shape
    u = UBLOCK_DEPTH
    sub_h, sub_w = SUBKERNEL_MAX // dilation[0], SUBKERNEL_MAX // dilation[1]
    ifm_block = 16 if (order == "part_kernel" or ifm_bits == 16) else 32
    tap_pad = 4 if ifm_bits == 8 else 2
    out: list[np.ndarray] = []
    for o0 in range(0, k_all, ofm_block_depth):
        k = min(ofm_block_depth, k_all - o0)
        kp = round_up(k, u)
        for i0 in (range(1) if order == "depthwise" else range(0, c_all, ifm_block)):
            if order == "depthwise":
                ci = 1
            elif order == "part_kernel":
                ci = round_up(min(ifm_block, c_all - i0), u)
            else:
                ci = ifm_block
            for y0 in range(0, kh, sub_h):
                sh = min(kh - y0, sub_h)
                for x0 in range(0, kw, sub_w):
                    sw = min(kw - x0, sub_w)
                    taps = sh * sw
                    if order in ("part_kernel", "depthwise"):
                        taps = round_up(taps, tap_pad if order == "part_kernel" else 4)
                    # cube[o, tap, i]: this sub-kernel's weights, zero where padded
                    cube = np.zeros((kp, taps, ci), dtype=np.int64)
                    real = np.reshape(w[o0:o0 + k, y0:y0 + sh, x0:x0 + sw, i0:i0 + ci], (k, sh * sw, -1))
                    cube[:k, :sh * sw, :real.shape[2]] = real
                    blocks = np.reshape(cube, (kp // u, u, taps, -1))    # [ofm ublock, ofm lane, tap, i]
                    if order == "depthwise":
                        out.append(np.reshape(np.transpose(blocks[..., 0], (0, 2, 1)), -1))
                        continue
                    lanes = np.reshape(blocks, (kp // u, u, taps, ci // u, u))  # [.., ifm ublock, ifm lane]
                    axes = (3, 0, 2, 1, 4) if order == "part_kernel" else (0, 2, 3, 1, 4)
                    out.append(np.reshape(np.transpose(lanes, axes), -1))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


# --- the codec (bit counts) -----------------------------------------------------------------

@njit(cache=True)
def _index_bits(n: int) -> int:
    """Bits of a palette index for a palette of `n` entries (0 for n <= 1)."""
    for b in range(7, -1, -1):
        if n > (1 << b):
            return b + 1
    return 0


@njit(cache=True)
def palette_restarts(buf: np.ndarray) -> np.ndarray:
    """Section starts: where the codec's greedy look-back decides a fresh palette pays off
    (every N-th non-zero, N = 32..512, or doubled once a palette is open), or where the open
    palette would need one more index bit after more than 512 non-zeros or 32 entries."""
    n = buf.shape[0]
    last_seen = np.full(512, -1, dtype=np.int64)
    starts = np.zeros(n + 1, dtype=np.int64)
    count, start, open_pal, pal_size, zeros = 1, 0, False, 0, 0
    for i in range(n):
        v = buf[i] + 256
        skip_zero = 1 if zeros > (i - start) // 4 else 0
        if open_pal and last_seen[v] < start:
            pal_size += 1
            grown = pal_size - 1 - skip_zero
            if (grown & (grown - 1)) == 0 and ((i - start - zeros) > 512 or pal_size - skip_zero > 32):
                starts[count] = i
                count += 1
                start, open_pal, zeros = i, False, 0
        last_seen[v] = i
        if buf[i] == 0:
            zeros += 1
        for wexp in range(5):
            step = (32 << wexp) * (2 if open_pal else 1)
            nonzeros = i - start - zeros
            if nonzeros <= 0 or nonzeros % step != 0:
                continue
            found, j = 0, i
            while j > start:
                if buf[j] != 0:
                    if found == step + 1:
                        break
                    found += 1
                j -= 1
            size = 0
            for t in range(512):
                if last_seen[t] >= j:
                    size += 1
            if open_pal:
                gain = step * (_index_bits(pal_size - skip_zero) * 15 - _index_bits(size - skip_zero) * 15) // 16
                better = gain - size * 8 - 20 > 0
            else:
                better = size - skip_zero <= 32 and \
                    step * (90 - _index_bits(size - skip_zero) * 15) // 16 - size * 8 - 20 > 0
            if better:
                pal_size, open_pal, start = size, True, j
                if starts[count - 1] != start:
                    starts[count] = start
                    count += 1
                zeros = 0
                for t in range(start, i + 1):
                    if buf[t] == 0:
                        zeros += 1
    return starts[:count]


@njit(cache=True)
def grc_search(values: np.ndarray, zrun: int, raw_bits: int, free_at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(configuration, end position) of each run of a Golomb-Rice parameter over `values`
    (weight indices, or zero-run lengths when `zrun`): the codec's Viterbi search, a change
    costing 40 bits except at the positions in `free_at`."""
    n = values.shape[0]
    ncfg = Z_CONFIGS if zrun else W_DIV.shape[0]
    cost = np.zeros(ncfg, dtype=np.int64)
    nxt = np.zeros(ncfg, dtype=np.int64)
    prev = np.empty((n + 1, ncfg), dtype=np.int64)
    for j in range(ncfg):
        prev[0, j] = j
    f = 0
    for i in range(n):
        best, best_j = cost[0], 0
        for j in range(1, ncfg):
            if cost[j] < best:
                best, best_j = cost[j], j
        change = CHANGE_COST_BITS
        if f < free_at.shape[0] and free_at[f] == i + 1:
            change = 0
            f += 1
        for j in range(ncfg):
            div = j if zrun else W_DIV[j]
            mode = 0 if zrun else W_MODE[j]
            q = values[i] >> div
            bits = (min(q + 1, 2) + div) if mode == 1 else (q + 1 + div)
            if not zrun and ((mode == 1 and q > 2) or q > 31):
                bits = 10000
            if mode == 2:
                bits = raw_bits
            if best + change < cost[j]:
                prev[i + 1, j] = best_j
                nxt[j] = best + change + bits
            else:
                prev[i + 1, j] = j
                nxt[j] = cost[j] + bits
        cost[:] = nxt
    cfg = 0
    for j in range(1, ncfg):
        if cost[j] < cost[cfg]:
            cfg = j
    cfgs = np.empty(n + 1, dtype=np.int64)
    ends = np.empty(n + 1, dtype=np.int64)
    m, end = 0, n
    for i in range(n, -1, -1):
        if prev[i, cfg] != cfg or i == 0:
            cfgs[m], ends[m] = cfg, end
            m += 1
            cfg = prev[i, cfg]
            end = i - 1
    # numpy's stubs type ndarray.copy() as returning Unknown
    return (cfgs[:m][::-1].copy(),  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            ends[:m][::-1].copy())  # pyright: ignore[reportUnknownMemberType]


@njit(cache=True)
def slice_bits(w: np.ndarray, z: np.ndarray, zero_runs: int, w_div: int, w_mode: int, z_div: int) -> int:
    """Bits of one slice's body: weight indices `w` and (when `zero_runs`) zero-run lengths
    `z`, written as the codec interleaves them: a chunk of 12 unary bits of weights
    (8 symbols when plain binary wider than 5 bits), then 12 (divisor < 3) or 8 unary bits
    of runs, the second unary bits of the weights, then the previous chunk's remainders."""
    nw, nz = w.shape[0], z.shape[0]
    binary = w_mode == 2
    step = 3 if w_mode == 1 else 2
    w_cap = 8 if (binary and w_div > 5) else 12
    z_cap = 12 if z_div < 3 else 8
    bits = 0
    wp = zp = 0
    wq = zq = -1
    wr = zr = 0
    w_prev = z_prev = False
    w_prev_n = z_prev_n = 0
    while True:
        balance = wp - zp if zero_runs else 0
        w_on = balance < 8 and wp < nw
        z_on = balance >= 0 and zero_runs != 0 and zp < nz
        w_n = z_n = 0
        unary1 = 0
        if w_on:
            j = 0
            while j < w_cap:
                if wq < 0:
                    if wp < nw:
                        wq, wr = w[wp] >> w_div, 0
                    else:
                        wq, wr = 0, -1
                while wq >= 0 and j < w_cap:
                    if wq > 0:
                        unary1 += 1
                    j += 1
                    wq -= step
                if wq < 0 and wr >= 0:
                    w_n += 1
                    wp += 1
        if z_on:
            j = 0
            while j < z_cap:
                if zq < 0:
                    if zp < nz:
                        zq, zr = z[zp] >> z_div, 0
                    else:
                        zq, zr = 0, -1
                while zq >= 0 and j < z_cap:
                    j += 1
                    zq -= 1
                if zq < 0 and zr >= 0:
                    z_n += 1
                    zp += 1
        if w_on and not binary:
            bits += 12 + unary1
        if z_on:
            bits += z_cap
        if w_prev:
            bits += w_prev_n * w_div
        if z_prev:
            bits += z_prev_n * z_div
        w_prev, w_prev_n, z_prev, z_prev_n = w_on, w_n, z_on, z_n
        if not (w_prev or z_prev):
            return bits


def _palette(section: np.ndarray) -> tuple[bool, np.ndarray, int, int, bool]:
    """(zero runs, palette of folded values, palette entry bits, direct offset, only palette)."""
    values, counts = np.unique(section, return_counts=True)
    freq = np.zeros(512, dtype=np.int64)
    freq[values + 256] = counts
    order = np.argsort(-freq, kind="stable")           # ties: the lower value first
    top = order[:2]
    zero_runs = bool(order[0] == 256 and freq[256] > ZERO_RUN_RATIO * freq[top[1]])
    folded = np.zeros(512, dtype=np.int64)             # count per folded value 2|w| + (w < 0)
    for v, c in zip(values, counts):
        if v == 0 and zero_runs:
            continue
        folded[fold_sign(v)] += c
    coded = int(folded.sum())
    used = np.flatnonzero(folded)
    max_folded = int(used.max()) if used.size else 0
    direct_offset = next((i for i in range(31) if folded[i]), 31)
    ranked = sorted(((int(folded[f]), int(f)) for f in used), reverse=True)
    only_palette = 0 < len(ranked) <= 32
    if not ranked:
        direct_offset = 0
    cap = 32 if only_palette else min(32, 511 - max_folded)
    cap = 0 if cap == 1 else cap
    chosen = [f for _, f in ranked[:cap]]
    covered = sum(c for c, _ in ranked[:cap])
    if len(chosen) == 1:
        chosen.append(0)                               # a palette of one entry is not allowed
    if covered > coded // 2:
        palette = np.array(chosen, dtype=np.int64)
        widest = max(chosen)
    else:
        palette = np.zeros(0, dtype=np.int64)
        widest = max_folded
    entry_bits = 2
    while (1 << entry_bits) <= widest:
        entry_bits += 1
    return zero_runs, palette, entry_bits, direct_offset, only_palette


def _section_bits(section: np.ndarray) -> int:
    """Bits of one palette section: its slices' headers, palette and bodies."""
    zero_runs, palette, entry_bits, direct_offset, only_palette = _palette(section)
    only_zeros = zero_runs and not np.any(section)
    n_pal = palette.shape[0]
    # weight value -> index: palette position, else the folded value past the palette
    folded = fold_sign(np.arange(-256, 256))
    folded[256] = 1                                    # the codec's table maps 0 like -0
    index = folded + n_pal - direct_offset
    for pos, f in enumerate(palette):
        index[(f >> 1) * (-1 if f & 1 else 1) + 256] = pos
    if only_palette:
        raw_bits = 0
        while (1 << raw_bits) < n_pal:
            raw_bits += 1
    elif n_pal == 0:
        raw_bits = entry_bits
    else:
        raw_bits = 100                                 # plain binary not usable
    if zero_runs:
        nz = np.flatnonzero(section != 0)
        if only_zeros:
            nz = np.array([0], dtype=np.int64)       # one zero coded as a weight keeps the slice non-empty
        coded = section[nz]
        bounds = np.concatenate(([-1], nz, [section.shape[0]]))
        runs = np.diff(bounds) - 1
    else:
        coded = section
        runs = np.zeros(section.shape[0] + 1, dtype=np.int64)
    w_idx = index[coded + 256].astype(np.int64)
    n = w_idx.shape[0]
    w_cfg, w_end = grc_search(w_idx, 0, raw_bits, np.zeros(0, dtype=np.int64))
    if zero_runs:
        z_cfg, z_end = grc_search(runs.astype(np.int64), 1, 0, w_end)
    else:
        z_cfg, z_end = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bits, pos, iw, iz, first = 0, 0, 0, 0, True
    while pos < n or first:
        end = min(pos + MAX_SLICE, n)
        if iw < len(w_end) and w_end[iw] < end:
            end = int(w_end[iw])
        if iz < len(z_end) and z_end[iz] < end:
            end = int(z_end[iz])
        wc, zc = int(w_cfg[iw]), int(z_cfg[iz])
        w_mode = int(W_MODE[wc])
        w_div = raw_bits if w_mode == 2 else int(W_DIV[wc])
        z_run = runs[pos + (0 if first else 1): end + 1] if zero_runs else runs[:0]
        bits += SLICE_HEADER_BITS + (PALETTE_HEADER_BITS + n_pal * entry_bits if first else 0)
        bits += slice_bits(w_idx[pos:end], z_run.astype(np.int64), int(zero_runs), w_div, w_mode, zc)
        first = False
        if iw < len(w_end) and w_end[iw] == end:
            iw += 1
        if iz < len(z_end) and z_end[iz] == end:
            iz += 1
        pos = end
    return bits


def encoded_stream_bytes(stream: np.ndarray) -> int:
    """Bytes of `stream` (9-bit signed weights in NPU order) once encoded, padded to 16 bytes;
    0 for an empty stream."""
    s = np.asarray(stream, dtype=np.int64)
    if s.size == 0:
        return 0
    if s.min() < -255 or s.max() > 255:
        raise ValueError(f"weights outside -255..255: {int(s.min())}..{int(s.max())}")
    starts = palette_restarts(s)
    ends = np.append(starts[1:], s.size)
    bits = sum(_section_bits(s[a:b]) for a, b in zip(starts, ends))
    return round_up(bits + EOS_BITS, 8 * STREAM_ALIGN_BYTES) // 8


def scale_bytes(ofm_depth: int) -> int:
    """Bias/scale records of one OFM depth range, padded to 16 bytes."""
    return round_up(SCALE_RECORD_BYTES * ofm_depth, STREAM_ALIGN_BYTES)


# --- layers of a graph ----------------------------------------------------------------------

ENCODED_OPS = {"CONV_2D": "conv", "DEPTHWISE_CONV_2D": "depthwise", "FULLY_CONNECTED": "fc"}
_cache: dict[tuple[object, ...], int] = {}


def weights_ohwi(graph: Graph, op: Op) -> np.ndarray | None:
    """The op's weights minus their zero point as OHWI int64 (depthwise K x KH x KW x 1),
    or None when the graph holds no values for them or the op is not encoded."""
    w = graph.weights(op)
    if op.op_type not in ENCODED_OPS or w is None or w.values is None:
        return None
    v = np.asarray(w.values, dtype=np.int64)
    if op.op_type == "DEPTHWISE_CONV_2D":
        v = np.transpose(np.reshape(v, (v.shape[-3], v.shape[-2], v.shape[-1])), (2, 0, 1))[..., None]
    elif op.op_type == "FULLY_CONNECTED":
        v = np.reshape(v, (v.shape[0], 1, 1, -1))
    elif v.ndim != 4:
        return None
    zp = np.asarray(w.zero_point or (0,), dtype=np.int64)
    return v - (np.reshape(zp, (-1, 1, 1, 1)) if zp.size == v.shape[0] else np.reshape(zp, -1)[0])


def layer_weight_bytes(graph: Graph, op: Op, ofm_block_depth: int = OFM_BLOCK_DEPTH) -> int | None:
    """Bytes of the op's weights as an Ethos-U streams them (bias/scale records plus the
    encoded weight stream, one OFM depth range), or None when they cannot be sized (no
    values in the graph, or an op type the encoding does not cover)."""
    w = weights_ohwi(graph, op)
    if w is None:
        return None
    lp = loops_of(graph, op)
    ifm_bits = 8 * graph.ifm(op).itemsize
    order = traversal(ENCODED_OPS[op.op_type], w.shape[3], w.shape[1] * w.shape[2], ifm_bits)
    dilation = (lp.dilation_h, lp.dilation_w)
    key = (hashlib.blake2b(w.tobytes(), digest_size=16).digest(), w.shape, order, ofm_block_depth, ifm_bits, dilation)
    if key not in _cache:
        stream = brick_stream(w, order, ofm_block_depth=ofm_block_depth, ifm_bits=ifm_bits, dilation=dilation)
        _cache[key] = encoded_stream_bytes(stream)
    return scale_bytes(w.shape[0]) + _cache[key]
