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


@given(dim, dim, dim, small, small, st.sampled_from([vk.GENERIC, vk.FAST_1X1, vk.REFERENCE]), helium)
def test_conv_counts(p, k, ch, kh, kw, path, hel) -> None:
    np.testing.assert_array_equal(vk.conv_counts(p, k, ch, kh, kw, path, hel),
                                  ref.conv_counts(p, k, ch, kh, kw, path, hel))


@given(dim, dim, small, small, st.sampled_from([vk.GENERIC, vk.FAST_3X3, vk.OPT, vk.REFERENCE]), helium)
def test_depthwise_counts(p, k, kh, kw, path, hel) -> None:
    np.testing.assert_array_equal(vk.depthwise_counts(p, k, kh, kw, path, hel),
                                  ref.depthwise_counts(p, k, kh, kw, path, hel))


@given(small, dim, dim, st.sampled_from([vk.GENERIC, vk.REFERENCE]), helium)
def test_fc_counts(rows, k, ch, path, hel) -> None:
    np.testing.assert_array_equal(vk.fc_counts(rows, k, ch, path, hel), ref.fc_counts(rows, k, ch, path, hel))


@given(st.integers(1, 5000), st.integers(1, 2), st.sampled_from([vk.ADD, vk.MUL, vk.UNARY, vk.COPY]),
       st.sampled_from([vk.GENERIC, vk.REFERENCE]), helium)
def test_elementwise_counts(n, inputs, kind, path, hel) -> None:
    np.testing.assert_array_equal(vk.elementwise_counts(n, inputs, kind, path, hel),
                                  ref.elementwise_counts(n, inputs, kind, path, hel))


@given(dim, dim, small, small, st.integers(0, 1), st.sampled_from([vk.GENERIC, vk.REFERENCE]), helium)
def test_pool_counts(p, k, kh, kw, is_max, path, hel) -> None:
    np.testing.assert_array_equal(vk.pool_counts(p, k, kh, kw, is_max, path, hel),
                                  ref.pool_counts(p, k, kh, kw, is_max, path, hel))


@given(small, dim, st.sampled_from([vk.GENERIC, vk.REFERENCE]), helium)
def test_softmax_counts(rows, n, path, hel) -> None:
    np.testing.assert_array_equal(vk.softmax_counts(rows, n, path, hel), ref.softmax_counts(rows, n, path, hel))
