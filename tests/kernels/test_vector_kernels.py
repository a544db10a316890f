"""Each CMSIS-NN / TFLM count kernel equals its plain-Python twin, exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.cost import vector_kernels as vk
from sim.cost import vector_reference as ref

dim = st.integers(1, 70)
small = st.integers(1, 7)
helium = st.integers(0, 1)


@st.composite
def window(draw: st.DrawFn) -> tuple[int, int, int, int]:
    """(output pixels, kh, kw, in-bounds taps) of a SAME- or VALID-padded layer, TFLite's shapes."""
    n = draw(st.integers(1, 3))
    counts, kernel, outs = [], [], []
    for _ in range(2):
        size, k, stride = draw(st.integers(1, 20)), draw(small), draw(st.integers(1, 3))
        if draw(st.booleans()) or k > size:          # SAME (VALID needs the window inside the input)
            out = -(-size // stride)
            pad = max(((out - 1) * stride + k - size) // 2, 0)
        else:
            out, pad = (size - k) // stride + 1, 0
        counts.append(ref.window_taps(size, out, k, stride, pad))
        kernel.append(k)
        outs.append(out)
    return n * outs[0] * outs[1], kernel[0], kernel[1], n * counts[0] * counts[1]


@given(st.integers(1, 40), st.integers(1, 40), small, st.integers(1, 4), st.integers(0, 8))
def test_window_taps(size, out, k, stride, pad) -> None:
    assert vk.window_taps(size, out, k, stride, pad) == ref.window_taps(size, out, k, stride, pad)


@given(window(), dim, dim, st.sampled_from([vk.GENERIC, vk.FAST_1X1, vk.REFERENCE]), helium)
def test_conv_counts(win, k, ch, path, hel) -> None:
    p, kh, kw, in_taps = win
    np.testing.assert_array_equal(vk.conv_counts(p, k, ch, kh, kw, in_taps, path, hel),
                                  ref.conv_counts(p, k, ch, kh, kw, in_taps, path, hel))


@given(window(), dim, st.sampled_from([vk.GENERIC, vk.FAST_3X3, vk.OPT, vk.REFERENCE]), helium)
def test_depthwise_counts(win, k, path, hel) -> None:
    p, kh, kw, in_taps = win
    np.testing.assert_array_equal(vk.depthwise_counts(p, k, kh, kw, in_taps, path, hel),
                                  ref.depthwise_counts(p, k, kh, kw, in_taps, path, hel))


@given(small, dim, dim, st.sampled_from([vk.GENERIC, vk.REFERENCE]), helium)
def test_fc_counts(rows, k, ch, path, hel) -> None:
    np.testing.assert_array_equal(vk.fc_counts(rows, k, ch, path, hel), ref.fc_counts(rows, k, ch, path, hel))


@given(st.integers(1, 5000), st.integers(1, 2), st.sampled_from([vk.ADD, vk.MUL, vk.UNARY, vk.COPY]),
       st.sampled_from([vk.GENERIC, vk.REFERENCE]), helium)
def test_elementwise_counts(n, inputs, kind, path, hel) -> None:
    np.testing.assert_array_equal(vk.elementwise_counts(n, inputs, kind, path, hel),
                                  ref.elementwise_counts(n, inputs, kind, path, hel))


@given(window(), dim, st.integers(0, 1), st.sampled_from([vk.GENERIC, vk.REFERENCE]), helium)
def test_pool_counts(win, k, is_max, path, hel) -> None:
    p, kh, kw, in_taps = win
    np.testing.assert_array_equal(vk.pool_counts(p, k, kh, kw, in_taps, is_max, path, hel),
                                  ref.pool_counts(p, k, kh, kw, in_taps, is_max, path, hel))


@given(small, dim, st.sampled_from([vk.GENERIC, vk.REFERENCE]), helium)
def test_softmax_counts(rows, n, path, hel) -> None:
    np.testing.assert_array_equal(vk.softmax_counts(rows, n, path, hel), ref.softmax_counts(rows, n, path, hel))
