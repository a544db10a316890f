"""NumPy reference of the int8 kernels, to check that the emulated CMSIS-NN call computed the layer.

Same integer arithmetic as CMSIS-NN's arm_nn_requantize (doubling high multiply with rounding,
then a rounding right shift) so the emulated output must match bit for bit. Softmax is not
checked (its fixed-point exp is not reproduced here).
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


def conv(x, w, bias, mult, shift, stride, pad, in_off, out_off, act, out_hw, depthwise=False, ch_mult=1):
    """x: NHWC int8, w: OHWI (depthwise: 1HWC, output channel i * ch_mult + m reads input channel i) int8;
    returns NHWC int8."""
    if depthwise and ch_mult > 1:
        x = np.repeat(x, ch_mult, axis=-1)
    n, ih, iw, ic = x.shape
    oh, ow = out_hw
    kh, kw = w.shape[1], w.shape[2]
    xp = np.zeros((n, ih + 2 * pad[0] + kh, iw + 2 * pad[1] + kw, ic), np.int64)
    xp[:, pad[0]:pad[0] + ih, pad[1]:pad[1] + iw] = x.astype(np.int64) + in_off  # padding adds 0
    oc = w.shape[3] if depthwise else w.shape[0]
    acc = np.zeros((n, oh, ow, oc), np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i:i + oh * stride[0]:stride[0], j:j + ow * stride[1]:stride[1]]
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
