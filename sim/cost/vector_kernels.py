"""Instruction counts of the CMSIS-NN and TFLM reference int8 kernels, per layer.

Each kernel walks the loop structure of one library routine and counts what its loops
issue: MAC instructions (SMLAD on the DSP extension, VMLADAVA on Helium, MLA in scalar
C), activation and weight loads, other ALU work (sign extension, offsets, clamping),
stores, loop overhead, requantizations, and the bytes the loads touch. Cycles come later
(`sim.cost.vector` multiplies counts by a per-core cost per class), so counts stay exact
integers and each kernel has a plain-Python twin in `vector_reference.py`.

Loop structures follow CMSIS-NN (github.com/ARM-software/CMSIS-NN, Source/):
arm_convolve_s8 with arm_nn_mat_mult_kernel_s8_s16 (im2col to q15, 2 output channels x
2 columns per pass, 4 inputs per SMLAD pair), arm_convolve_1x1_s8_fast with
arm_nn_mat_mult_nt_t_s8 (no im2col), arm_depthwise_conv_3x3_s8, arm_depthwise_conv_s8_opt,
arm_depthwise_conv_s8, arm_nn_vec_mat_mult_t_s8 (fully connected), arm_elementwise_add_s8
and _mul_s8, arm_avgpool_s8 / arm_max_pool_s8, arm_softmax_s8; the MVE (Helium) versions
process 16 int8 lanes per vector instruction with tail predication. TFLM reference kernels
(tensorflow/lite/kernels/internal/reference/integer_ops) are scalar loops with per-tap
bounds checks and an `Offset()` index computation per load; convolution, depthwise convolution
and pooling skip (pooling: clamp away) the taps that fall in the padding, so their MACs and loads
are counted over the in-bounds taps only (`window_taps`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# count classes (indices into the returned int64 array)
MAC = 0          # MAC instructions (SMLAD: 2 MACs, VMLADAVA: 16, MLA: 1)
LD_ACT = 1       # loads of activations / scratch
LD_W = 2         # loads of weights (from flash when weights live there)
ALU = 3          # other data-processing instructions
ST = 4           # stores
LOOP = 5         # loop iterations (counter update + branch)
REQ = 6          # requantizations (fixed-point multiply, rounding shift, offset)
W_BYTES = 7      # weight bytes the loads touch (with re-reads)
ACT_BYTES = 8    # activation/scratch bytes the loads touch
OUT_BYTES = 9    # output bytes stored
SCRATCH = 10     # bytes written to the im2col scratch buffer
N_COUNTS = 11

# conv / depthwise / fc paths
GENERIC = 0      # arm_convolve_s8 (im2col) / arm_depthwise_conv_s8 / arm_fully_connected_s8
FAST_1X1 = 1     # arm_convolve_1x1_s8_fast
FAST_3X3 = 2     # arm_depthwise_conv_3x3_s8
OPT = 3          # arm_depthwise_conv_s8_opt (channel multiplier 1, any kernel size)
REFERENCE = 4    # TFLM reference C kernels

# elementwise kinds
ADD = 0
MUL = 1
UNARY = 2
COPY = 3


@njit(cache=True)
def _im2col_q15(c: np.ndarray, pixels: int, r: int) -> None:
    """arm_q7_to_q15_with_offset: 4 int8 per word load, 2 SXTAB16 + 2 PKH, 2 word stores."""
    q, rem = r // 4, r % 4
    c[LD_ACT] += pixels * (q + rem)
    c[ALU] += pixels * (4 * q + rem)
    c[ST] += pixels * (2 * q + rem)
    c[LOOP] += pixels * (q + rem)
    c[ACT_BYTES] += pixels * r
    c[SCRATCH] += pixels * r * 2


@njit(cache=True)
def _matmul_q15(c: np.ndarray, p: int, k: int, r: int) -> None:
    """arm_nn_mat_mult_kernel_s8_s16 over pixel pairs of the q15 im2col buffer, then the
    odd pixel's leftover column: 2 channels x 2 pixels per pass, 8 SMLAD per 4 inputs, the
    weights widened by read_and_pad_reordered (SXTB16 pair), bias loaded per pass."""
    q, rem = r // 4, r % 4
    pp, po, kp, ko = p // 2, p % 2, k // 2, k % 2
    blocks = pp * kp
    c[MAC] += blocks * (8 * q + 4 * rem)
    c[LD_ACT] += blocks * (4 * q + 2 * rem)
    c[LD_W] += blocks * (2 * q + 2 * rem + 2)
    c[ALU] += blocks * (4 * q + 6)
    c[LOOP] += blocks * (q + rem)
    c[MAC] += pp * ko * (4 * q + 2 * rem)
    c[LD_ACT] += pp * ko * (4 * q + 2 * rem)
    c[LD_W] += pp * ko * (q + rem + 1)
    c[ALU] += pp * ko * (2 * q + 6)
    c[LOOP] += pp * ko * (q + rem)
    c[MAC] += po * k * (2 * q + rem)               # leftover column: read_and_pad with PKH
    c[LD_ACT] += po * k * (2 * q + rem)
    c[LD_W] += po * k * (q + rem + 1)
    c[ALU] += po * k * (4 * q + 6)
    c[LOOP] += po * k * (q + rem)
    c[W_BYTES] += (pp + po) * k * r
    c[ACT_BYTES] += (2 * pp * (kp + ko) + po * k) * r * 2


@njit(cache=True)
def _matmul_nt_t(c: np.ndarray, p: int, k: int, r: int) -> None:
    """arm_nn_mat_mult_nt_t_s8 (1x1 fast path): per channel pair, the input-offset
    contribution loop over its weights, then 2 pixels x 2 channels per pass with 4 words
    widened by SXTB16 pairs per 8 SMLAD, unrolled by 4; an odd pixel takes 3 words per
    4 SMLAD; an odd channel runs a scalar loop over every pixel."""
    q, rem = r // 4, r % 4
    pp, po, kp, ko = p // 2, p % 2, k // 2, k % 2
    unrolled = q // 4 + q % 4
    c[LD_W] += kp * 2 * r
    c[ALU] += kp * (2 * r + 4)
    c[LOOP] += kp * r
    blocks = pp * kp
    c[MAC] += blocks * (8 * q + 4 * rem)
    c[LD_ACT] += blocks * (2 * q + 2 * rem)
    c[LD_W] += blocks * (2 * q + 2 * rem)
    c[ALU] += blocks * (8 * q + 6)
    c[LOOP] += blocks * (unrolled + rem)
    c[MAC] += po * kp * (4 * q + 2 * rem)
    c[LD_ACT] += po * kp * (q + rem)
    c[LD_W] += po * kp * (2 * q + 2 * rem)
    c[ALU] += po * kp * (6 * q + 6)
    c[LOOP] += po * kp * (unrolled + rem)
    c[MAC] += ko * p * r
    c[LD_ACT] += ko * p * r
    c[LD_W] += ko * (p * r + 1)
    c[ALU] += ko * p * (r + 6)
    c[LOOP] += ko * p * r
    c[W_BYTES] += (pp + po) * kp * 2 * r + kp * 2 * r + ko * p * r
    c[ACT_BYTES] += (2 * pp + po) * kp * r + ko * p * r


@njit(cache=True)
def _outputs(c: np.ndarray, n: int, alu_per_output: int, stores_per_output: int) -> None:
    """Load the per-channel multiplier and shift, requantize, add the output offset, clamp, store."""
    c[REQ] += n
    c[LD_ACT] += 2 * n
    c[ALU] += n * alu_per_output
    c[ST] += n * stores_per_output
    c[OUT_BYTES] += n


@njit(cache=True)
def window_taps(in_size: int, out_size: int, kernel: int, stride: int, pad: int) -> int:
    """In-bounds kernel positions summed over the outputs of one axis: CMSIS-NN's pools and
    arm_depthwise_conv_s8 clamp each window to the input (ker_y_start = MAX(0, -base_idx_y),
    ker_y_end = MIN(kernel_y, input_y - base_idx_y)), so taps in the padding issue nothing.
    The in-bounds (output pixel, tap) pairs of a layer are batch x this for rows x for cols."""
    total = 0
    for o in range(out_size):
        base = o * stride - pad
        total += max(min(kernel, in_size - base) - max(0, -base), 0)
    return total


@njit(cache=True)
def conv_counts(p: int, k: int, ch: int, kh: int, kw: int, in_taps: int, path: int, helium: int) -> np.ndarray:
    """CONV_2D over p output pixels, k output channels, ch input channels, kh x kw taps, of which
    in_taps (output pixel, tap) pairs fall inside the input: TFLM's reference ConvPerChannel tests
    every tap's bounds and runs its channel loop for the in-bounds ones only (CMSIS-NN's im2col
    and 1x1 paths compute every tap)."""
    c = np.zeros(N_COUNTS, np.int64)
    r = kh * kw * ch
    if path == REFERENCE:
        # per tap of every output channel: bounds checks; per in-bounds tap: the two Offset()
        # index computations (3 multiply-adds and an add each) and the channel loop's entry;
        # per MAC: two byte loads, the input offset, MLA (the channel loop steps both pointers)
        macs = k * in_taps * ch
        taps = p * k * kh * kw
        c[MAC] += macs
        c[LD_ACT] += macs
        c[LD_W] += macs
        c[ALU] += macs + 8 * k * in_taps + 4 * taps
        c[LOOP] += macs + k * in_taps + taps
        c[W_BYTES] += macs
        c[ACT_BYTES] += macs
        _outputs(c, p * k, 3, 1)
        return c
    if helium:
        vec = (r + 15) // 16
        if path != FAST_1X1:
            c[LD_ACT] += p * vec
            c[ST] += p * vec
            c[LOOP] += p * vec
            c[ACT_BYTES] += p * r
            c[SCRATCH] += p * r
        passes = ((p + 3) // 4) * k
        c[MAC] += passes * vec * 4
        c[LD_ACT] += passes * vec * 4
        c[LD_W] += passes * vec
        c[LOOP] += passes * vec
        c[ALU] += passes * 4
        c[W_BYTES] += ((p + 3) // 4) * k * r
        c[ACT_BYTES] += passes * 4 * r
        _outputs(c, p * k, 1, 1)
        return c
    if path == FAST_1X1:
        _matmul_nt_t(c, p, k, r)
    else:
        _im2col_q15(c, p, r)
        _matmul_q15(c, p, k, r)
    _outputs(c, p * k, 3, 1)
    return c


@njit(cache=True)
def depthwise_counts(p: int, k: int, kh: int, kw: int, in_taps: int, path: int, helium: int) -> np.ndarray:
    """DEPTHWISE_CONV_2D over p output pixels and k output channels with kh x kw taps, of which
    in_taps (output pixel, tap) pairs fall inside the input (`window_taps`): arm_depthwise_conv_s8
    (GENERIC, DSP) visits only those, TFLM's reference DepthwiseConvPerChannel tests every tap's
    bounds and multiplies the in-bounds ones; the other paths compute every tap of the window."""
    c = np.zeros(N_COUNTS, np.int64)
    taps = kh * kw
    macs = k * in_taps if (path == GENERIC and not helium) or path == REFERENCE else p * k * taps
    c[W_BYTES] += macs
    c[ACT_BYTES] += macs
    if path == REFERENCE:
        c[MAC] += macs
        c[LD_ACT] += macs
        c[LD_W] += macs
        c[ALU] += 7 * macs + 4 * p * k * taps
        c[LOOP] += p * k * taps
        _outputs(c, p * k, 3, 1)
        return c
    if helium:
        blocks = p * ((k + 3) // 4)
        if path != FAST_3X3:
            vec = (taps * k + 15) // 16
            c[LD_ACT] += p * vec
            c[ST] += p * vec
            c[LOOP] += p * vec
            c[SCRATCH] += p * taps * k
        c[MAC] += blocks * taps
        c[LD_ACT] += blocks * taps
        c[LD_W] += blocks * taps
        c[LOOP] += blocks
        _outputs(c, p * k, 1, 1)
        return c
    k4, kr = k // 4, k % 4
    if path == FAST_3X3:
        c[MAC] += p * (k4 * 4 + kr) * taps
        c[LD_ACT] += p * (k4 + kr) * taps
        c[LD_W] += p * (k4 + kr) * taps
        c[ALU] += p * (4 * k4 + kr) * taps + p * 4 * (k4 + kr)   # per channel group: pointers
        c[LD_W] += p * 4 * k4 + p * kr                           # bias loads
        c[LOOP] += p * (k4 + kr) * (1 + kh)                      # channel groups, kernel rows
    elif path == OPT:
        _im2col_q15(c, p, taps * k)
        c[MAC] += p * (k4 * 4 + kr) * taps
        c[LD_ACT] += p * (2 * k4 + kr) * taps
        c[LD_W] += p * (k4 + kr) * taps
        c[ALU] += p * (2 * k4) * taps
        c[LOOP] += p * (k4 + kr) * taps
    else:
        c[MAC] += macs
        c[LD_ACT] += macs
        c[LD_W] += macs
        c[ALU] += 4 * macs
        c[LOOP] += macs
    _outputs(c, p * k, 3, 1)
    return c


@njit(cache=True)
def fc_counts(rows: int, k: int, ch: int, path: int, helium: int) -> np.ndarray:
    """FULLY_CONNECTED: rows input vectors of ch values times a k x ch weight matrix."""
    c = np.zeros(N_COUNTS, np.int64)
    macs = rows * k * ch
    c[W_BYTES] += macs
    if path == REFERENCE:
        c[MAC] += macs
        c[LD_ACT] += macs
        c[LD_W] += macs
        c[ALU] += 3 * macs
        c[LOOP] += macs
        c[ACT_BYTES] += macs
        _outputs(c, rows * k, 3, 1)
        return c
    if helium:
        vec = (ch + 15) // 16
        groups = rows * ((k + 3) // 4)
        c[MAC] += groups * vec * 4
        c[LD_ACT] += groups * vec
        c[LD_W] += groups * vec * 4
        c[LOOP] += groups * vec
        c[ALU] += groups * 4
        c[ACT_BYTES] += groups * ch
        _outputs(c, rows * k, 1, 1)
        return c
    q, rem = ch // 4, ch % 4
    kp, ko = k // 2, k % 2
    c[MAC] += rows * (kp * (4 * q + 2 * rem) + ko * (2 * q + rem))
    c[LD_ACT] += rows * (kp + ko) * (q + rem)
    c[LD_W] += rows * (kp * (2 * q + 2 * rem) + ko * (q + rem))
    c[ALU] += rows * (kp * 6 * q + ko * 4 * q)
    c[LOOP] += rows * (kp + ko) * (q + rem)
    c[ACT_BYTES] += rows * (kp + ko) * ch
    _outputs(c, rows * k, 3, 1)
    return c


@njit(cache=True)
def elementwise_counts(n: int, inputs: int, kind: int, path: int, helium: int) -> np.ndarray:
    """ADD / MUL with requantization, unary ops, and copies over n output elements."""
    c = np.zeros(N_COUNTS, np.int64)
    c[ACT_BYTES] += n * inputs
    c[OUT_BYTES] += n
    if kind == COPY:
        words = (n + 3) // 4
        c[LD_ACT] += words
        c[ST] += words
        c[LOOP] += words
        return c
    if kind == UNARY or path == REFERENCE:
        req = 3 if kind == ADD else 1
        alu = 8 if kind == ADD else 6 if kind == MUL else 3
        c[LD_ACT] += n * inputs
        c[ALU] += n * alu
        c[REQ] += n * req
        c[ST] += n
        c[LOOP] += n
        return c
    req = 3 if kind == ADD else 1
    if helium:
        vec = (n + 3) // 4
        c[LD_ACT] += vec * inputs
        c[ALU] += vec * 10
        c[ST] += vec
        c[LOOP] += vec
        c[REQ] += vec * req
        return c
    q, rem = n // 4, n % 4
    c[LD_ACT] += q * inputs + rem * inputs
    c[ALU] += q * 8 + rem * 2 + n * (3 if kind == ADD else 4)
    c[ST] += q + rem
    c[LOOP] += q + rem
    c[REQ] += n * req
    return c


@njit(cache=True)
def pool_counts(p: int, k: int, kh: int, kw: int, in_taps: int, is_max: int, path: int,
                helium: int) -> np.ndarray:
    """AVERAGE_POOL_2D / MAX_POOL_2D over p output pixels of k channels, kh x kw windows, of
    which in_taps (output pixel, tap) pairs fall inside the input (`window_taps`): arm_avgpool_s8,
    arm_max_pool_s8 (DSP and MVE) and TFLM's reference AveragePool / MaxPool (whose loops run
    from the clamped filter_x_start to filter_x_end) visit only those."""
    c = np.zeros(N_COUNTS, np.int64)
    c[OUT_BYTES] += p * k
    if path == REFERENCE:
        c[ACT_BYTES] += k * in_taps
        c[LD_ACT] += k * in_taps
        c[ALU] += k * in_taps * 5 + p * k * 8
        c[LOOP] += k * in_taps
        c[ST] += p * k
        return c
    c[ACT_BYTES] += k * in_taps
    lanes = 16 if helium else 4
    groups = (k + lanes - 1) // lanes
    blocks = p * groups
    visits = groups * in_taps          # (lane block, in-bounds tap) pairs
    if helium:
        c[LD_ACT] += visits
        c[ALU] += visits + blocks * 4
        c[LOOP] += visits
        c[ST] += blocks
        return c
    if is_max:
        c[LD_ACT] += visits * 2
        c[ALU] += visits * 2
        c[ST] += visits
    else:
        c[LD_ACT] += visits * 3
        c[ALU] += visits * 4 + p * k * 6
        c[ST] += visits * 2 + p * k
    c[LOOP] += visits
    return c


@njit(cache=True)
def softmax_counts(rows: int, n: int, path: int, helium: int) -> np.ndarray:
    """SOFTMAX: a max pass, a fixed-point exp-and-sum pass, a normalise pass per row."""
    c = np.zeros(N_COUNTS, np.int64)
    per_element = 70 if path == REFERENCE else 20 if helium else 46
    c[LD_ACT] += rows * n * 2
    c[ALU] += rows * (n * per_element + 60)
    c[ST] += rows * n
    c[LOOP] += rows * n * 3
    c[ACT_BYTES] += rows * n * 2
    c[OUT_BYTES] += rows * n
    return c
