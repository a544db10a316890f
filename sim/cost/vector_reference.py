"""Plain-Python twins of `vector_kernels`, written for reading: same arguments, same counts.

Each function tallies named counts in a dict, block by block as the library loops run,
and returns them in the kernels' array order; `tests/kernels/test_vector_kernels.py`
asserts both agree exactly.
"""

from __future__ import annotations

import numpy as np

from sim.cost import vector_kernels as vk

NAMES = ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req", "w_bytes", "act_bytes", "out_bytes", "scratch")


class Tally(dict[str, int]):
    def add(self, times: int = 1, **counts: int) -> None:
        for name, n in counts.items():
            self[name] = self.get(name, 0) + times * n

    def array(self) -> np.ndarray:
        return np.array([self.get(n, 0) for n in NAMES], dtype=np.int64)


def _outputs(t: Tally, n: int, alu: int) -> None:
    # per output: multiplier and shift loads, requantize, offset and clamp, store
    t.add(n, ld_act=2, req=1, alu=alu, st=1, out_bytes=1)


def _im2col_q15(t: Tally, pixels: int, r: int) -> None:
    words, tail = divmod(r, 4)
    t.add(pixels, ld_act=words + tail, alu=4 * words + tail, st=2 * words + tail, loop=words + tail,
          act_bytes=r, scratch=2 * r)


def _matmul_q15(t: Tally, p: int, k: int, r: int) -> None:
    """arm_nn_mat_mult_kernel_s8_s16 on the q15 im2col columns, plus the odd pixel's column."""
    words, tail = divmod(r, 4)
    pixel_pairs, odd_pixel = divmod(p, 2)
    chan_pairs, odd_chan = divmod(k, 2)
    # 2 pixels x 2 channels: 4 q15 words and 2 weight words (SXTB16 pairs) per 8 SMLAD
    t.add(pixel_pairs * chan_pairs, mac=8 * words + 4 * tail, ld_act=4 * words + 2 * tail,
          ld_w=2 * words + 2 * tail + 2, alu=4 * words + 6, loop=words + tail)
    # 2 pixels x the odd channel
    t.add(pixel_pairs * odd_chan, mac=4 * words + 2 * tail, ld_act=4 * words + 2 * tail,
          ld_w=words + tail + 1, alu=2 * words + 6, loop=words + tail)
    # the odd pixel's column x every channel, weights through read_and_pad (with PKH)
    t.add(odd_pixel * k, mac=2 * words + tail, ld_act=2 * words + tail, ld_w=words + tail + 1,
          alu=4 * words + 6, loop=words + tail)
    t.add(w_bytes=(pixel_pairs + odd_pixel) * k * r)
    t.add(act_bytes=(2 * pixel_pairs * (chan_pairs + odd_chan) + odd_pixel * k) * r * 2)


def _matmul_nt_t(t: Tally, p: int, k: int, r: int) -> None:
    """arm_nn_mat_mult_nt_t_s8: channel pairs outside, pixel pairs inside, int8 operands."""
    words, tail = divmod(r, 4)
    pixel_pairs, odd_pixel = divmod(p, 2)
    chan_pairs, odd_chan = divmod(k, 2)
    loops = words // 4 + words % 4 + tail          # inner loop unrolled by 4 words
    # per channel pair: sum of its weights times the input offset, plus the bias
    t.add(chan_pairs, ld_w=2 * r, alu=2 * r + 4, loop=r, w_bytes=2 * r)
    t.add(pixel_pairs * chan_pairs, mac=8 * words + 4 * tail, ld_act=2 * words + 2 * tail,
          ld_w=2 * words + 2 * tail, alu=8 * words + 6, loop=loops, w_bytes=2 * r, act_bytes=2 * r)
    t.add(odd_pixel * chan_pairs, mac=4 * words + 2 * tail, ld_act=words + tail, ld_w=2 * words + 2 * tail,
          alu=6 * words + 6, loop=loops, w_bytes=2 * r, act_bytes=r)
    # the odd channel: a scalar loop with the offset added per element, for every pixel
    t.add(odd_chan * p * r, mac=1, ld_act=1, ld_w=1, alu=1, loop=1, w_bytes=1, act_bytes=1)
    t.add(odd_chan * p, alu=6)
    t.add(odd_chan, ld_w=1)


def window_taps(in_size: int, out_size: int, kernel: int, stride: int, pad: int) -> int:
    """Count, output by output, the kernel positions that land inside [0, in_size)."""
    return sum(1 for o in range(out_size) for j in range(kernel) if 0 <= o * stride - pad + j < in_size)


def conv_counts(p: int, k: int, ch: int, kh: int, kw: int, in_taps: int, path: int, helium: int) -> np.ndarray:
    t = Tally()
    r = kh * kw * ch
    if path == vk.REFERENCE:
        # per MAC of an in-bounds tap: two byte loads, the input offset, MLA; per in-bounds tap: two
        # Offset() computations and the channel loop's entry; per tap: bounds checks
        t.add(k * in_taps * ch, mac=1, ld_act=1, ld_w=1, alu=1, loop=1, w_bytes=1, act_bytes=1)
        t.add(k * in_taps, alu=8, loop=1)
        t.add(p * k * kh * kw, alu=4, loop=1)
        _outputs(t, p * k, 3)
        return t.array()
    if helium:
        vectors = -(-r // 16)
        if path != vk.FAST_1X1:
            t.add(p * vectors, ld_act=1, st=1, loop=1)
            t.add(p, act_bytes=r, scratch=r)
        groups = -(-p // 4)              # 4 pixels share each weight vector load
        t.add(groups * k * vectors, mac=4, ld_act=4, ld_w=1, loop=1)
        t.add(groups * k, alu=4, act_bytes=4 * r, w_bytes=r)
        _outputs(t, p * k, 1)
        return t.array()
    if path == vk.FAST_1X1:
        _matmul_nt_t(t, p, k, r)
    else:
        _im2col_q15(t, p, r)
        _matmul_q15(t, p, k, r)
    _outputs(t, p * k, 3)
    return t.array()


def depthwise_counts(p: int, k: int, kh: int, kw: int, in_taps: int, path: int, helium: int) -> np.ndarray:
    t = Tally()
    taps = kh * kw
    if path == vk.GENERIC and not helium:
        # arm_depthwise_conv_s8: per output channel, only the window's in-bounds taps
        t.add(k * in_taps, mac=1, ld_act=1, ld_w=1, alu=4, loop=1, w_bytes=1, act_bytes=1)
        _outputs(t, p * k, 3)
        return t.array()
    if path == vk.REFERENCE:
        # TFLM: every tap's bounds check and loop step; MACs of the in-bounds taps only
        t.add(k * in_taps, mac=1, ld_act=1, ld_w=1, alu=7, w_bytes=1, act_bytes=1)
        t.add(p * k * taps, alu=4, loop=1)
        _outputs(t, p * k, 3)
        return t.array()
    t.add(p * k * taps, w_bytes=1, act_bytes=1)
    if helium:
        if path != vk.FAST_3X3:
            t.add(p * -(-(taps * k) // 16), ld_act=1, st=1, loop=1)
            t.add(p, scratch=taps * k)
        blocks = p * -(-k // 4)
        t.add(blocks * taps, mac=1, ld_act=1, ld_w=1)
        t.add(blocks, loop=1)
        _outputs(t, p * k, 1)
        return t.array()
    quads, rest = divmod(k, 4)
    if path == vk.FAST_3X3:
        t.add(p * taps * quads, mac=4, ld_act=1, ld_w=1, alu=4)
        t.add(p * taps * rest, mac=1, ld_act=1, ld_w=1, alu=1)
        t.add(p, loop=(quads + rest) * (1 + kh), alu=4 * (quads + rest), ld_w=4 * quads + rest)
    else:
        _im2col_q15(t, p, taps * k)
        t.add(p * taps * quads, mac=4, ld_act=2, ld_w=1, alu=2, loop=1)
        t.add(p * taps * rest, mac=1, ld_act=1, ld_w=1, loop=1)
    _outputs(t, p * k, 3)
    return t.array()


def fc_counts(rows: int, k: int, ch: int, path: int, helium: int) -> np.ndarray:
    t = Tally()
    t.add(rows * k * ch, w_bytes=1)
    if path == vk.REFERENCE:
        t.add(rows * k * ch, mac=1, ld_act=1, ld_w=1, alu=3, loop=1, act_bytes=1)
        _outputs(t, rows * k, 3)
        return t.array()
    if helium:
        vectors = -(-ch // 16)
        groups = rows * -(-k // 4)       # 4 weight rows per input vector load
        t.add(groups * vectors, mac=4, ld_act=1, ld_w=4, loop=1)
        t.add(groups, alu=4, act_bytes=ch)
        _outputs(t, rows * k, 1)
        return t.array()
    words, tail = divmod(ch, 4)
    pairs, odd = divmod(k, 2)
    t.add(rows * pairs, mac=4 * words + 2 * tail, ld_act=words + tail, ld_w=2 * words + 2 * tail,
          alu=6 * words, loop=words + tail, act_bytes=ch)
    t.add(rows * odd, mac=2 * words + tail, ld_act=words + tail, ld_w=words + tail, alu=4 * words,
          loop=words + tail, act_bytes=ch)
    _outputs(t, rows * k, 3)
    return t.array()


def elementwise_counts(n: int, inputs: int, kind: int, path: int, helium: int) -> np.ndarray:
    t = Tally(act_bytes=n * inputs, out_bytes=n)
    if kind == vk.COPY:
        t.add(-(-n // 4), ld_act=1, st=1, loop=1)
        return t.array()
    requants = 3 if kind == vk.ADD else 1          # ADD rescales both inputs and the sum
    if kind == vk.UNARY or path == vk.REFERENCE:
        alu = {vk.ADD: 8, vk.MUL: 6}.get(kind, 3)
        t.add(n, ld_act=inputs, alu=alu, req=requants, st=1, loop=1)
        return t.array()
    if helium:
        t.add(-(-n // 4), ld_act=inputs, alu=10, st=1, loop=1, req=requants)
        return t.array()
    quads, rest = divmod(n, 4)
    t.add(quads, ld_act=inputs, alu=8, st=1, loop=1)
    t.add(rest, ld_act=inputs, alu=2, st=1, loop=1)
    t.add(n, alu=3 if kind == vk.ADD else 4, req=requants)
    return t.array()


def pool_counts(p: int, k: int, kh: int, kw: int, in_taps: int, is_max: int, path: int,
                helium: int) -> np.ndarray:
    t = Tally(out_bytes=p * k)
    if path == vk.REFERENCE:
        # TFLM's AveragePool / MaxPool clamp the window (filter_x_start .. filter_x_end)
        t.add(k * in_taps, ld_act=1, alu=5, loop=1, act_bytes=1)
        t.add(p * k, alu=8, st=1)
        return t.array()
    # CMSIS-NN clamps each window to the input: only in-bounds taps are visited
    t.add(k * in_taps, act_bytes=1)
    lanes = 16 if helium else 4
    groups = -(-k // lanes)
    if helium:
        t.add(groups * in_taps, ld_act=1, alu=1, loop=1)
        t.add(p * groups, alu=4, st=1)
        return t.array()
    if is_max:
        t.add(groups * in_taps, ld_act=2, alu=2, st=1, loop=1)
    else:
        t.add(groups * in_taps, ld_act=3, alu=4, st=2, loop=1)
        t.add(p * k, alu=6, st=1)
    return t.array()


def softmax_counts(rows: int, n: int, path: int, helium: int) -> np.ndarray:
    t = Tally()
    per_element = 70 if path == vk.REFERENCE else 20 if helium else 46
    t.add(rows * n, ld_act=2, alu=per_element, st=1, loop=3, act_bytes=2, out_bytes=1)
    t.add(rows, alu=60)
    return t.array()
