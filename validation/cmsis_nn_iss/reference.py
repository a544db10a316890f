"""NumPy reference of the int8 kernels, to check that the emulated CMSIS-NN call computed the layer.

Same integer arithmetic as CMSIS-NN's arm_nn_requantize (doubling high multiply with rounding,
then a rounding right shift) so the emulated output must match bit for bit. Softmax follows
arm_softmax_s8's fixed-point exp and reciprocal (the gemmlowp polynomials TFLM uses) in plain
Python integers, one row at a time: softmax rows are short.
"""

from __future__ import annotations

import numpy as np


def _i32(x: np.ndarray) -> np.ndarray:
    return ((x + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int64)


def _high_mult_no_sat(x: np.ndarray, mult: np.ndarray) -> np.ndarray:
    return _i32((x * mult + (1 << 30)) >> 31)


def _div_pow2(x: np.ndarray, exp: np.ndarray) -> np.ndarray:
    mask = (np.int64(1) << exp) - 1
    rem = x & mask
    q = x >> exp
    thresh = (mask >> 1) + (q < 0)
    return q + (rem > thresh)


def requantize(acc: np.ndarray, mult: np.ndarray, shift: np.ndarray) -> np.ndarray:
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    return _div_pow2(_high_mult_no_sat(_i32(acc * (np.int64(1) << left)), mult), right)


def conv(x, w, bias, mult, shift, stride, pad, in_off, out_off, act, out_hw, depthwise=False, ch_mult=1,
         dilation=(1, 1)):
    """x: NHWC int8, w: OHWI (depthwise: 1HWC, output channel i * ch_mult + m reads input channel i) int8;
    tap (i, j) reads input row out_y * stride + i * dilation - pad (TFLM's reference kernels); returns
    NHWC int8."""
    if depthwise and ch_mult > 1:
        x = np.repeat(x, ch_mult, axis=-1)
    n, ih, iw, ic = x.shape
    oh, ow = out_hw
    kh, kw = w.shape[1], w.shape[2]
    dh, dw = dilation
    xp = np.zeros((n, ih + 2 * pad[0] + kh * dh, iw + 2 * pad[1] + kw * dw, ic), np.int64)
    xp[:, pad[0]:pad[0] + ih, pad[1]:pad[1] + iw] = x.astype(np.int64) + in_off  # padding adds 0
    oc = w.shape[3] if depthwise else w.shape[0]
    acc = np.zeros((n, oh, ow, oc), np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i * dh:i * dh + oh * stride[0]:stride[0], j * dw:j * dw + ow * stride[1]:stride[1]]
            if depthwise:
                acc += patch * w[0, i, j].astype(np.int64)
            else:
                acc += np.einsum("nhwc,oc->nhwo", patch, w[:, i, j].astype(np.int64))
    acc += bias
    out = requantize(acc, mult.astype(np.int64), shift.astype(np.int64)) + out_off
    return np.clip(out, act[0], act[1]).astype(np.int8)


def fully_connected(x, w, bias, mult, shift, in_off, out_off, act):
    acc = (x.astype(np.int64) + in_off) @ w.astype(np.int64).T + bias
    out = requantize(acc, np.int64(mult), np.int64(shift)) + out_off
    return np.clip(out, act[0], act[1]).astype(np.int8)


def add(x1, x2, off1, mult1, shift1, off2, mult2, shift2, left_shift, out_off, out_mult, out_shift, act):
    a = _div_pow2(_high_mult_no_sat((x1.astype(np.int64) + off1) << left_shift, np.int64(mult1)), -shift1)
    b = _div_pow2(_high_mult_no_sat((x2.astype(np.int64) + off2) << left_shift, np.int64(mult2)), -shift2)
    s = _div_pow2(_high_mult_no_sat(a + b, np.int64(out_mult)), -out_shift) + out_off
    return np.clip(s, act[0], act[1]).astype(np.int8)


def avgpool(x, k, stride, act, out_hw):
    n, ih, iw, c = x.shape
    oh, ow = out_hw
    out = np.zeros((n, oh, ow, c), np.int64)
    for i in range(oh):
        for j in range(ow):
            win = x[:, i * stride[0]:i * stride[0] + k[0], j * stride[1]:j * stride[1] + k[1]].astype(np.int64)
            s = win.sum(axis=(1, 2))
            cnt = win.shape[1] * win.shape[2]
            half = cnt // 2
            num = np.where(s > 0, s + half, s - half)
            out[:, i, j] = np.trunc(num / cnt).astype(np.int64)
    return np.clip(out, act[0], act[1]).astype(np.int8)


def mul(x1, x2, off1, off2, out_off, out_mult, out_shift, act):
    """TFLM's int8 Mul: (x1 + off1) * (x2 + off2), requantized once."""
    prod = (x1.astype(np.int64) + off1) * (x2.astype(np.int64) + off2)
    out = requantize(prod, np.int64(out_mult), np.int64(out_shift)) + out_off
    return np.clip(out, act[0], act[1]).astype(np.int8)


def maxpool(x, k, stride, pad, act, out_hw):
    """Max over the window's in-bounds elements (padding never wins), then the activation clamp."""
    n, ih, iw, c = x.shape
    oh, ow = out_hw
    low = np.iinfo(np.int64).min
    xp = np.full((n, ih + 2 * pad[0] + k[0], iw + 2 * pad[1] + k[1], c), low, np.int64)
    xp[:, pad[0]:pad[0] + ih, pad[1]:pad[1] + iw] = x
    out = np.full((n, oh, ow, c), low, np.int64)
    for i in range(k[0]):
        for j in range(k[1]):
            out = np.maximum(out, xp[:, i:i + oh * stride[0]:stride[0], j:j + ow * stride[1]:stride[1]])
    return np.clip(out, act[0], act[1]).astype(np.int8)


# --- softmax: scalar int32 arithmetic as arm_nnsupportfunctions.h writes it -------------------------
_Q31_MAX, _Q31_MIN = (1 << 31) - 1, -(1 << 31)


def _w32(v: int) -> int:
    """Two's-complement int32 wrap-around (what GCC's code does on overflow)."""
    return (v + (1 << 31)) % (1 << 32) - (1 << 31)


def _mul_sat(a: int, b: int) -> int:
    """arm_nn_doubling_high_mult: rounding doubling high multiply, saturating only MIN*MIN."""
    if a == b == _Q31_MIN:
        return _Q31_MAX
    rounding = 1 - (1 << 30) if (a < 0) != (b < 0) else 1 << 30
    prod = a * b + rounding
    q = abs(prod) >> 31           # C's 64-bit division truncates toward zero
    return _w32(q if prod >= 0 else -q)


def _div_pow2_scalar(x: int, exp: int) -> int:
    return int(_div_pow2(np.int64(x), np.int64(exp)))


def _mul_pow2(x: int, exp: int) -> int:
    thresh = (1 << (31 - exp)) - 1
    if x > thresh:
        return _Q31_MAX
    if x < -thresh:
        return _Q31_MIN
    return _w32(x << exp)


def _exp_on_negative_values(val: int) -> int:
    shift = 24
    mod_minus_quarter = (val & ((1 << shift) - 1)) - (1 << shift)
    remainder = mod_minus_quarter - val
    x = _w32((mod_minus_quarter << 5) + (1 << 28))
    x2 = _mul_sat(x, x)
    inner = _w32(_div_pow2_scalar(_mul_sat(x2, x2), 2) + _mul_sat(x2, x))
    inner = _w32(_div_pow2_scalar(_w32(_mul_sat(inner, 715827883) + x2), 1) + x)
    result = _w32(1895147668 + _mul_sat(1895147668, inner))
    for factor in (1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242):
        if remainder & (1 << shift):
            result = _mul_sat(result, factor)
        shift += 1
    return _Q31_MAX if val == 0 else result


def _one_over_one_plus_x(val: int) -> int:
    total = val + _Q31_MAX
    half = total + (1 if total >= 0 else -1)
    half_denominator = abs(half) // 2 * (1 if half >= 0 else -1)
    x = _w32(1515870810 + _mul_sat(half_denominator, -1010580540))
    for _ in range(3):
        x = _w32(x + _mul_pow2(_mul_sat(x, _w32((1 << 29) - _mul_sat(half_denominator, x))), 2))
    return _mul_pow2(x, 1)


def softmax(x: np.ndarray, row_size: int, mult: int, shift: int, diff_min: int) -> np.ndarray:
    """arm_softmax_s8 over rows of `row_size` int8 values (output zero point -128, scale 1/256)."""
    accum_bits = 12
    out = np.empty(x.size, np.int8)
    flat = x.reshape(-1).astype(np.int64)
    for start in range(0, flat.size, row_size):
        row = [int(v) for v in flat[start:start + row_size]]
        top = max(row)
        exps = [_exp_on_negative_values(_mul_sat((v - top) * (1 << shift), mult)) if v - top >= diff_min else None
                for v in row]
        total = sum(_div_pow2_scalar(e, accum_bits) for e in exps if e is not None)
        headroom = 32 - total.bit_length() if total > 0 else 32
        bits_over_unit = accum_bits - headroom + 23
        scale = _one_over_one_plus_x(_w32(_w32(total << headroom if total > 0 else 0) + (1 << 31)))
        for i, e in enumerate(exps):
            res = -128 if e is None else _div_pow2_scalar(_mul_sat(scale, e), bits_over_unit) - 128
            out[start + i] = min(max(res, -128), 127)
    return out
