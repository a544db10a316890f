"""The Ethos-U weight-encoding kernels equal their plain-Python twins exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cost import reference as R
from sim.cost import weight_encoding as E


@st.composite
def weight_streams(draw, max_len: int = 1500):  # noqa: ANN001, ANN201
    """Streams with few or many distinct values and any share of zeros (palette and zero-run cases)."""
    n = draw(st.integers(1, max_len))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    alphabet = rng.integers(-255, 256, draw(st.sampled_from([1, 3, 20, 40, 200])))
    zero_share = draw(st.sampled_from([0.0, 0.5, 0.9, 1.0]))
    return np.where(rng.random(n) < zero_share, 0, rng.choice(alphabet, n)).astype(np.int64)


@settings(max_examples=60, deadline=None)
@given(weight_streams(max_len=3000))
def test_palette_restarts(stream) -> None:  # noqa: ANN001
    assert list(E.palette_restarts(stream)) == R.palette_restarts(stream)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 600), min_size=1, max_size=300), st.integers(0, 1), st.integers(0, 12),
       st.lists(st.integers(1, 300), max_size=6))
def test_grc_search(values, zrun, raw_bits, free) -> None:  # noqa: ANN001
    v = np.array(values, dtype=np.int64)
    free_at = np.array(sorted(set(free)), dtype=np.int64)
    cfgs, ends = E.grc_search(v, zrun, raw_bits, free_at)
    assert (list(cfgs), list(ends)) == R.grc_search(v, zrun, raw_bits, free_at)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 400), max_size=60), st.lists(st.integers(0, 300), max_size=61), st.integers(0, 1),
       st.integers(0, 2), st.integers(0, 9), st.integers(0, 3))
def test_slice_bits(w, z, zero_runs, w_mode, w_div, z_div) -> None:  # noqa: ANN001
    if w_mode < 2:
        w_div = min(w_div, 5)
        cap = (3 if w_mode == 1 else 32) << w_div   # values the configuration can code
        w = [x % cap for x in w]
    else:
        w = [x % (1 << w_div) if w_div else 0 for x in w]
    wa, za = np.array(w, dtype=np.int64), np.array(z, dtype=np.int64)
    assert E.slice_bits(wa, za, zero_runs, w_div, w_mode, z_div) == R.slice_bits(wa, za, zero_runs, w_div, w_mode,
                                                                                 z_div)
