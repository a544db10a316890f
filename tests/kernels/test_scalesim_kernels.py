"""SCALE-Sim compat kernels == their plain-Python twins (which build SCALE-Sim's demand matrices)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.cost import scalesim_kernels as k
from sim.cost import scalesim_reference as ref
from sim.cost.scalesim import TopologyRow, filter_matrix, touched_rows


@st.composite
def layers(draw: st.DrawFn) -> tuple[TopologyRow, int, int, int]:
    fh, fw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ih, iw = draw(st.integers(fh, fh + 5)), draw(st.integers(fw, fw + 5))
    stride = draw(st.integers(1, 3))
    row = TopologyRow(ih, iw, fh, fw, draw(st.integers(1, 3)), draw(st.integers(1, 7)), stride, stride)
    return row, draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(0, 2))


@given(layers())
def test_fold_geometry_and_ifmap_matrix(case: tuple[TopologyRow, int, int, int]) -> None:
    row, rows, cols, df = case
    args = (df, rows, cols, row.npx, row.window, row.filters)
    assert np.array_equal(k.fold_geometry(*args), ref.fold_geometry(*args))
    m = (row.ih, row.iw, row.fh, row.fw, row.channels, row.stride_h, row.stride_w, row.oh, row.ow)
    assert np.array_equal(k.ifmap_matrix(*m), ref.ifmap_matrix(*m))


def test_touched_rows_when_the_last_window_starts_past_the_edge() -> None:
    # iw=2, fw=1, stride 3: SCALE-Sim's ceiling gives 2 output columns; the second reads nothing
    assert touched_rows(2, 1, 3, 2) == 1 and touched_rows(32, 1, 2, 17) == 16 and touched_rows(34, 3, 1, 32) == 34


@given(layers(), st.integers(0, 1), st.integers(0, 40))
def test_demand_dram_reads(case: tuple[TopologyRow, int, int, int], operand: int, window_words: int) -> None:
    row, rows, cols, df = case
    if operand == 0:
        mat = k.ifmap_matrix(row.ih, row.iw, row.fh, row.fw, row.channels, row.stride_h, row.stride_w, row.oh, row.ow)
        n_addr = row.ih * row.iw * row.channels
    else:
        mat = filter_matrix(row.window, row.filters)
        n_addr = row.window * row.filters
    dims = np.array([rows, cols, row.npx, row.window, row.filters], dtype=np.int64)
    got = k.demand_dram_reads(df, operand, mat, dims, n_addr, window_words)
    assert got == ref.demand_dram_reads(df, operand, mat, dims, n_addr, window_words)
    unique = int(np.unique(mat[mat >= 0]).size)
    assert got >= unique
    if window_words == 0 or unique < window_words:  # the shortcut layer_counts takes
        assert got == unique
    if operand == 0:
        assert unique == touched_rows(row.ih, row.fh, row.stride_h, row.oh) * \
            touched_rows(row.iw, row.fw, row.stride_w, row.ow) * row.channels


@given(layers(), st.integers(1, 60), st.integers(1, 9))
def test_write_buffer_drain(case: tuple[TopologyRow, int, int, int], size_words: int, drain_bw: int) -> None:
    row, rows, cols, df = case
    args = (df, rows, cols, row.npx, row.window, row.filters, size_words, drain_bw)
    got = k.write_buffer_drain(*args)
    assert np.array_equal(got, ref.write_buffer_drain(*args))
    # every ofmap word reaches DRAM at least once; padding only ever adds
    assert got[0] >= row.npx * row.filters * (1 if df == k.OS else k.fold_geometry(*args[:6])[0])


@given(layers(), st.integers(2, 300), st.integers(2, 300), st.integers(2, 120), st.integers(1, 12),
       st.integers(1, 12), st.integers(1, 12))
def test_user_mode_layer(case: tuple[TopologyRow, int, int, int], size_i: int, size_f: int, size_o: int,
                         bw_i: int, bw_f: int, bw_o: int) -> None:
    row, rows, cols, df = case
    mat = k.ifmap_matrix(row.ih, row.iw, row.fh, row.fw, row.channels, row.stride_h, row.stride_w, row.oh, row.ow)
    dims = np.array([rows, cols, row.npx, row.window, row.filters], dtype=np.int64)
    words, bws = np.array([size_i, size_f, size_o]), np.array([bw_i, bw_f, bw_o])
    filt = filter_matrix(row.window, row.filters)
    got = k.user_mode_layer(df, mat, filt, dims, words, bws)
    assert np.array_equal(got, ref.user_mode_layer(df, mat, filt, dims, words, bws))
    g = k.fold_geometry(df, rows, cols, row.npx, row.window, row.filters)
    demand_rows = g[0] * g[1] * g[2]
    assert demand_rows - 1 <= got[0] <= demand_rows - 1 + got[1]   # the last row's read stalls are not in the total
    for operand, m in ((0, mat), (1, filt)):
        s = k.prefetch_stream(df, operand, m, dims)
        assert np.array_equal(s, ref.prefetch_stream(df, operand, m, rows, cols, row.npx, row.window, row.filters))
