"""Every Numba kernel of the native systolic model equals its plain-Python twin exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cost import kernels as K
from sim.cost import reference as R
from sim.cost import systolic as S
from sim.mapping import tiling as T
from tests.conftest import tiny_systolic
from tests.npu_strategies import hardware, layers, tilings
from workloads.builder import GraphBuilder


def ctx_of(draw_cap: int, ifm_res: int, ofm_res: int) -> np.ndarray:
    return np.array([draw_cap, ifm_res, ofm_res], dtype=np.int64)


@given(st.integers(1, 300), st.integers(1, 40))
def test_tile_sizes(dim: int, align: int) -> None:
    assert list(T.tile_sizes(dim, align)) == list(R.tile_sizes(dim, align))


@given(st.integers(1, 60), st.integers(1, 60), st.integers(1, 3), st.integers(1, 7), st.integers(1, 200))
def test_footprints(dim: int, tile: int, stride: int, eff: int, in_size: int) -> None:
    tile = min(tile, dim)
    assert T.footprint(tile, stride, eff, in_size) == R.footprint(tile, stride, eff, in_size)
    assert T.footprint_total(dim, tile, stride, eff, in_size) == R.footprint_total(dim, tile, stride, eff, in_size)


@given(st.data(), layers(), st.integers(0, 2), st.integers(0, 1), st.integers(0, 1), st.integers(0, 1))
def test_working_set_and_psums(data, lay, df, db, ifm_res, ofm_res) -> None:  # noqa: ANN001
    tile = data.draw(tilings(lay))
    lt = R.layer_tuple(lay)
    assert T.layer_tuple(lay) == lt
    assert T.psum_bytes(lt, tile, df) == R.psum_bytes(lt, tile, df)
    assert T.reduction_length(lt, tile[4]) == R.reduction_length(lt, tile[4])
    assert T.output_cycles(lt) == R.output_cycles(lt)
    assert T.working_set_bytes(lt, tile, df, db, ifm_res, ofm_res) == R.working_set_bytes(lt, tile, df, db, ifm_res,
                                                                                          ofm_res)
    assert T.alignments(df, 8, 4, int(lay[T.L_KH]), int(lay[T.L_KW]), int(lay[T.L_DW])) == \
        R.alignments(df, 8, 4, int(lay[T.L_KH]), int(lay[T.L_KW]), int(lay[T.L_DW]))


@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 40), st.integers(1, 200), st.integers(1, 16),
       st.integers(1, 16), st.integers(0, 1))
def test_fold_cycles(groups, sr, sc, t, rows, cols, overlap) -> None:  # noqa: ANN001
    assert K.fold_cycles(groups, sr, sc, t, rows, cols, overlap) == R.fold_cycles(groups, sr, sc, t, rows, cols,
                                                                                  overlap)
    assert K.stream_cost(t, rows, cols, overlap) == R.stream_cost(t, rows, cols, overlap)
    assert K.split(sr + t, min(sr, sr + t)) == R.split(sr + t, min(sr, sr + t))


@given(st.data(), layers(), hardware(), st.integers(0, 2))
def test_compute_cycles_and_terms(data, lay, hw, df) -> None:  # noqa: ANN001
    hwi, _ = hw
    tile = data.draw(tilings(lay))
    lt = R.layer_tuple(lay)
    rows, cols, db = int(hwi[0]), int(hwi[1]), int(hwi[K.H_DB])
    walked = R.compute_cycles(lt, tile, df, rows, cols, db)
    assert K.compute_cycles(lt, tile, df, rows, cols, db) == walked
    assert K.tile_fold_cycles(lt, 7, tile[3], tile[4], df, rows, cols, db) == \
        R.tile_fold_cycles(lt, 7, tile[3], tile[4], df, rows, cols, db)
    pt, kt, ct = (K.pixel_terms(lt, tile, rows, cols, db), K.k_terms(lt, tile[3], rows, cols, db),
                  K.c_terms(lt, tile[4], rows, cols, db))
    assert pt == R.pixel_terms(lt, tile, rows, cols, db)
    assert kt == R.k_terms(lt, tile[3], rows, cols, db)
    assert ct == R.c_terms(lt, tile[4], rows, cols, db)
    # the closed form the search uses equals walking every tile
    assert K.compute_from_terms(lt, pt, kt, ct, df, rows, cols, db) == walked
    assert R.compute_from_terms(lt, pt, kt, ct, df, rows, cols, db) == walked


@given(st.integers(0, 1), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2))
def test_reload_factors_replay_the_loop_nest(dw, pix, tk, tc, df) -> None:  # noqa: ANN001
    assert K.reload_factors(dw, pix, tk, tc, df) == R.reload_factors(dw, pix, tk, tc, df)


@given(st.integers(0, 10_000), st.integers(1, 5000), st.integers(1, 200), st.sampled_from([1, 4, 32, 128]),
       st.sampled_from([0.25, 1.0, 3.0, 16.0]), st.integers(0, 100))
def test_dma(nbytes, run, transfers, burst, bw, setup) -> None:  # noqa: ANN001
    assert K.burst_bytes(nbytes, run, burst) == R.burst_bytes(nbytes, run, burst)
    assert K.dma_cycles(nbytes, run, transfers, bw, setup, burst) == R.dma_cycles(nbytes, run, transfers, bw, setup,
                                                                                 burst)


@given(hardware(), st.integers(0, 10**6), st.integers(0, 10**5), st.integers(0, 10**5), st.integers(0, 10**6),
       st.integers(1, 500))
def test_layer_time(hw, compute, dma_in, dma_out, sram, tiles) -> None:  # noqa: ANN001
    hwi, hwf = K.hw_tuples(*hw)
    assert (hwi, hwf) == R.hw_tuples(*hw)
    assert K.layer_time(compute, dma_in, dma_out, sram, tiles, hwi, hwf) == \
        R.layer_time(compute, dma_in, dma_out, sram, tiles, hwi, hwf)


@given(st.data(), layers(), hardware(), st.integers(0, 2), st.integers(0, 1), st.integers(0, 1))
def test_traffic_transfer_combine_eval(data, lay, hw, df, ifm_res, ofm_res) -> None:  # noqa: ANN001
    hwi, hwf = hw
    tile = data.draw(tilings(lay))
    lt, hwt = R.layer_tuple(lay), R.hw_tuples(hwi, hwf)
    rows, cols, db = hwt[0][0], hwt[0][1], hwt[0][K.H_DB]
    ctx = (1 << 30, ifm_res, ofm_res)
    pt, kt, ct = (K.pixel_terms(lt, tile, rows, cols, db), K.k_terms(lt, tile[3], rows, cols, db),
                  K.c_terms(lt, tile[4], rows, cols, db))
    tr = K.tiling_traffic(lt, ctx, tile, df, pt, kt, ct, hwt[0])
    assert tr == R.tiling_traffic(lt, ctx, tile, df, pt, kt, ct, hwt[0])
    assert K.run_lengths(lt, tile) == R.run_lengths(lt, tile)
    passes = ct[K.CT_TILES] if df == 2 else ct[K.CT_FOLD_R]
    assert K.psum_traffic(lt, tile, df, passes, cols, hwt[0][K.H_ACC_BYTES]) == \
        R.psum_traffic(lt, tile, df, passes, cols, hwt[0][K.H_ACC_BYTES])
    assert K.transfer_cycles(lt, tile, df, tr, pt, kt, ct, hwt) == R.transfer_cycles(lt, tile, df, tr, pt, kt, ct, hwt)
    r = K.combine(lt, hwt, ctx, tile, df, pt, kt, ct)
    assert r == R.combine(lt, hwt, ctx, tile, df, pt, kt, ct)
    a, b = np.zeros(K.RESULTS, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
    K.eval_tiling(lay, hwi, hwf, np.array(ctx), np.array(tile), df, a)
    R.eval_tiling(lay, hwi, hwf, np.array(ctx), np.array(tile), df, b)
    assert list(a) == list(b) == list(r)
    for objective in range(3):
        assert K.score(r, hwt[1], objective) == R.score(r, hwt[1], objective)


@given(layers(max_dim=6, max_ch=20), hardware(), st.integers(0, 2), st.integers(0, 2), st.integers(0, 1),
       st.integers(0, 1), st.integers(1, 5000))
def test_search_tiling(lay, hw, df, objective, ifm_res, ofm_res, capacity) -> None:  # noqa: ANN001
    hwi, hwf = hw
    ctx = np.array([capacity + (lay[T.L_IFM_BYTES] if ifm_res else 0) + (lay[T.L_OFM_BYTES] if ofm_res else 0),
                    ifm_res, ofm_res], dtype=np.int64)
    kt, kr = np.zeros(5, dtype=np.int64), np.zeros(5, dtype=np.int64)
    kb, rb = np.zeros(K.RESULTS, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
    nk = K.search_tiling(lay, hwi, hwf, ctx, df, objective, kt, kb)
    nr = R.search_tiling(lay, hwi, hwf, ctx, df, objective, kr, rb)
    assert nk == nr
    assert list(kt) == list(kr)
    assert list(kb) == list(rb)
    if objective == 0 and nk:
        # a bound the best reaches changes nothing; none can be reached below it (the count of
        # legal tilings stays); below every compute count, every tiling is pruned
        bt, bb = np.zeros(5, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
        assert K.search_tiling(lay, hwi, hwf, ctx, df, objective, bt, bb, float(rb[K.R_LATENCY])) == nr
        assert list(bt) == list(kr) and list(bb) == list(rb)
        assert K.search_tiling(lay, hwi, hwf, ctx, df, objective, bt, bb, float(rb[K.R_LATENCY]) - 0.5) == nr
        assert list(bt) == [0] * 5 or bb[K.R_LATENCY] > rb[K.R_LATENCY] or list(bt) == list(kr)
        assert K.search_tiling(lay, hwi, hwf, ctx, df, objective, bt, bb, 0.0) == nr
        assert list(bt) == [0] * 5


@given(layers(max_dim=6, max_ch=20), hardware(), st.lists(st.integers(0, 1), min_size=3, max_size=3))
def test_fewest_cycles_tiling(lay, hw, allowed) -> None:  # noqa: ANN001
    hwi, _ = hw
    choice = np.array(allowed + [0], dtype=np.int64)
    if not any(allowed):
        return
    best = np.zeros(6, dtype=np.int64)
    assert K.fewest_cycles_tiling(lay, hwi, choice, best) == R.fewest_cycles_working_set(lay, hwi, choice)
    lt, tile = T.layer_tuple(lay), tuple(int(x) for x in best[1:])
    assert K.working_set_bytes(lt, tile, int(best[0]), int(hwi[K.H_DB]), 0, 0) == R.fewest_cycles_working_set(lay, hwi,
                                                                                                             choice)


@given(layers(), hardware(), st.integers(0, 64), st.integers(0, 1), st.integers(1, 5000))
def test_postproc_cost(lay, hw, ifm_kept, ofm_res, capacity) -> None:  # noqa: ANN001
    hwi, hwf = hw
    ctx = np.array([capacity, min(ifm_kept, int(lay[T.L_IFM_BYTES])), ofm_res], dtype=np.int64)
    a, b = np.zeros(K.RESULTS, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
    K.postproc_cost(lay, hwi, hwf, ctx, a)
    R.postproc_cost(lay, hwi, hwf, ctx, b)
    assert list(a) == list(b)


@given(layers(), hardware(), st.integers(1, 10**6), st.integers(0, 1), st.integers(1, 5000))
def test_postproc_cost_with_datapath_cycles(lay, hw, cycles, ofm_res, capacity) -> None:  # noqa: ANN001
    hwi, hwf = hw
    lay = lay.copy()
    lay[T.L_PP_CYCLES] = cycles
    ctx = np.array([capacity, 0, ofm_res], dtype=np.int64)
    a, b = np.zeros(K.RESULTS, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
    K.postproc_cost(lay, hwi, hwf, ctx, a)
    R.postproc_cost(lay, hwi, hwf, ctx, b)
    assert list(a) == list(b) and a[K.R_COMPUTE] == cycles


@given(st.lists(st.tuples(st.integers(1, 100), st.integers(0, 9), st.integers(0, 4), st.integers(0, 1)),
                min_size=1, max_size=8), st.lists(st.integers(0, 50), min_size=10, max_size=10), st.integers(1, 400))
def test_plan_residency(tensors, need, sram) -> None:  # noqa: ANN001
    size = np.array([t[0] for t in tensors], dtype=np.int64)
    first = np.array([t[1] for t in tensors], dtype=np.int64)
    last = np.minimum(first + np.array([t[2] for t in tensors]), 9).astype(np.int64)
    eligible = np.array([t[3] for t in tensors], dtype=np.int64)
    need_a = np.array(need, dtype=np.int64)
    occ_k, occ_r = np.zeros(10, dtype=np.int64), np.zeros(10, dtype=np.int64)
    res_k = K.plan_residency(size, first, last, eligible, need_a, sram, occ_k)
    res_r = R.plan_residency(size, first, last, eligible, need_a, sram, occ_r)
    assert list(res_k) == list(res_r)
    assert list(occ_k) == list(occ_r)


def small_net():  # noqa: ANN201
    """conv, depthwise, pointwise, add, pool, reshape, fc: every placement, on a 6x6 input."""
    b = GraphBuilder("small-net", (1, 6, 6, 3))
    x = b.conv(b.input, 4, 3, stride=2)
    y = b.dwconv(x, 3)
    y = b.conv(y, 4, 1)
    x = b.add(x, y)
    x = b.avgpool(x)
    x = b.reshape(x, (1, 4))
    return b.build(b.fc(x, 3))


@pytest.mark.parametrize("dataflow", ["ws", "best"])
@settings(max_examples=6)
@given(sram=st.integers(64, 2048), rows=st.integers(1, 8), cols=st.integers(1, 8),
       objective=st.sampled_from(["latency", "energy", "dram"]))
def test_price_network(dataflow, sram, rows, cols, objective) -> None:  # noqa: ANN001
    graph, hw = small_net(), tiny_systolic(rows=rows, cols=cols, sram=sram)
    low = S.lower(graph, hw)
    hwi, hwf = S.hardware_arrays(hw)
    choice = S.choice_array(hw, dataflow, objective)
    a = S.price_network(low.layers, low.op_in, low.op_out, low.tensors, hwi, hwf, choice, sram)
    b = R.price_network(low.layers, low.op_in, low.op_out, low.tensors, hwi, hwf, choice, sram)
    assert a.tolist() == b.tolist()


@settings(max_examples=8)
@given(st.lists(st.integers(64, 4096), min_size=2, max_size=3), st.integers(1, 8), st.integers(1, 8),
       st.sampled_from([0.5, 4.0]), st.sampled_from(["latency", "energy"]))
def test_batch_kernels(srams, rows, cols, bw, objective) -> None:  # noqa: ANN001
    graph = small_net()
    hw = tiny_systolic(rows=rows, cols=cols, dram_bw=bw)
    low = S.lower(graph, hw)
    hwi0, hwf0 = S.hardware_arrays(hw)
    p = len(srams)
    hwi, hwf, sram = np.tile(hwi0, (p, 1)), np.tile(hwf0, (p, 1)), np.array(srams, dtype=np.int64)
    choice = S.choice_array(hw, "best", objective)
    args = (low.layers, low.op_in, low.op_out, low.tensors)
    shapes, shape_of = np.unique(hwi, axis=0, return_inverse=True)
    need = K.needs_points(low.layers, shapes, shape_of.ravel(), choice, sram)
    assert need.tolist() == R.needs_points(low.layers, hwi, np.arange(p), choice, sram).tolist()
    assert K.layer_contexts(*args, need[0], srams[0]).tolist() == R.layer_contexts(*args, need[0], srams[0]).tolist()
    ctxs = K.contexts_points(*args, hwi, need, sram)
    assert ctxs.tolist() == R.contexts_points(*args, hwi, need, sram).tolist()
    assert K.price_points(*args, hwi, hwf, choice, sram).tolist() == R.price_points(*args, hwi, hwf, choice,
                                                                                    sram).tolist()
    jobs = np.array([i for i in range(len(low.layers)) if low.layers[i, T.L_KIND] == T.KIND_MAC], dtype=np.int64)
    jctx = np.ascontiguousarray(ctxs[0, jobs][:, [3, 1, 2]])
    jctx[:, 1] = (jctx[:, 1] > 0).astype(np.int64)
    jh, jf = np.tile(hwi0, (len(jobs), 1)), np.tile(hwf0, (len(jobs), 1))
    assert K.search_jobs(low.layers, jobs, jh, jf, jctx, choice).tolist() == \
        R.search_jobs(low.layers, jobs, jh, jf, jctx, choice).tolist()
    a, b = np.zeros((p, len(low.layers), K.OUT_FIELDS), dtype=np.int64), np.zeros((p, len(low.layers), K.OUT_FIELDS),
                                                                                  dtype=np.int64)
    K.postproc_points(low.layers, ctxs, hwi, hwf, a)
    R.postproc_points(low.layers, ctxs, hwi, hwf, b)
    assert a.tolist() == b.tolist()
    row_k, row_r = np.zeros(K.OUT_FIELDS, dtype=np.int64), np.zeros(K.OUT_FIELDS, dtype=np.int64)
    K.price_layer(low.layers[0], ctxs[0, 0, :3].copy(), hwi0, hwf0, choice, row_k)
    R.price_layer(low.layers[0], ctxs[0, 0, :3].copy(), hwi0, hwf0, choice, row_r)
    assert row_k.tolist() == row_r.tolist()


@given(layers(max_dim=6, max_ch=20), hardware(), st.integers(0, 1), st.integers(0, 1))
def test_max_working_set_bounds_every_tiling(lay, hw, ifm_res, ofm_res) -> None:  # noqa: ANN001
    hwi, _ = hw
    assert K.max_working_set(lay, hwi, ifm_res, ofm_res) == R.max_working_set(lay, hwi, ifm_res, ofm_res)


def npu_datapath(hw):  # noqa: ANN001, ANN201
    """tiny_systolic with the Ethos-U style datapath fields set and the graph I/O in the scratchpad."""
    import dataclasses
    arr = dataclasses.replace(hw.compute, ifm_block_depth=8, kernel_taps_per_step=4, ifm_block_max_depth=32,
                              ifm_block_reuse=True, ofm_cycles_per_element=0.5, elementwise_cycles_per_element=1.5,
                              pool_subkernel_size=8, pool_min_taps=4, pool_cycles_per_ifm_bit=0.5,
                              ofm_ublock_width=2, ofm_ublock_depth=8)
    mems = tuple(dataclasses.replace(m, holds_graph_io=True) if m.name == "sram" else m for m in hw.memories)
    return dataclasses.replace(hw, compute=arr, memories=mems)


@settings(max_examples=6)
@given(sram=st.integers(64, 4096), rows=st.integers(1, 16), cols=st.integers(1, 8),
       objective=st.sampled_from(["latency", "energy", "dram"]))
def test_price_network_npu_datapath(sram, rows, cols, objective) -> None:  # noqa: ANN001
    graph, hw = small_net(), npu_datapath(tiny_systolic(rows=rows, cols=cols, sram=sram))
    low = S.lower(graph, hw)
    assert low.layers[0, T.L_CBLK] == 8 and low.layers[0, T.L_IFM_REUSE] == 1
    assert low.layers[4, T.L_PP_CYCLES] > 0  # the average pool, priced by the part's pooling model
    hwi, hwf = S.hardware_arrays(hw)
    choice = S.choice_array(hw, "best", objective)
    a = S.price_network(low.layers, low.op_in, low.op_out, low.tensors, hwi, hwf, choice, sram)
    b = R.price_network(low.layers, low.op_in, low.op_out, low.tensors, hwi, hwf, choice, sram)
    assert a.tolist() == b.tolist()
