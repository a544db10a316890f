"""Ethos-U pooling and softmax cycles (sim/cost/npu_ops.py), worked by hand from Vela 5.2's
regor formulas, and generic parts left at the post-processing rate."""

from __future__ import annotations

import dataclasses

from sim.api import load_hardware
from sim.cost import systolic as S
from sim.cost.npu_ops import pool_cycles, softmax_cycles
from sim.graph.loops import Loops
from sim.mapping import tiling as T
from tests.conftest import tiny_systolic
from workloads.builder import GraphBuilder


def u55():
    arr = load_hardware("ethos-u55-128").compute
    return arr


def pool_loops(oh: int, ow: int, k: int, kh: int, kw: int) -> Loops:
    return Loops(N=1, OH=oh, OW=ow, K=k, C=k, KH=kh, KW=kw, stride_h=kh, stride_w=kw, depthwise=True,
                 IH=oh * kh, IW=ow * kw)


def test_pool_cycles_ds_cnn_global_pool() -> None:
    # 25x5 kernel over 64 channels into 1x1x64: sub-kernels 8x5, 8x5, 8x5, 1x5 -> 40+40+40+5 = 125 taps;
    # micro-blocks ceil(1/1) x ceil(1/2) x ceil(64/8) = 8; 125 x 8 x (8 bits / 2) = 4000 MAC cycles;
    # output 0.5 x 64 = 32; command-issue limit (4000 + 32) / 4 = 1008 > 32 -> 5008
    assert pool_cycles(pool_loops(1, 1, 64, 25, 5), 8, u55()) == 5008


def test_pool_cycles_small_kernel_pays_minimum_taps() -> None:
    # 1x2 kernel: 2 taps, but a sub-kernel costs at least 4; 4x4x8 output -> 4 x 2 x 1 = 8 micro-blocks
    # 4 x 8 x 4 = 128; output ceil(0.5 x 128) = 64; drain max(64, 192 / 4 = 48) = 64 -> 192
    assert pool_cycles(pool_loops(4, 4, 8, 1, 2), 8, u55()) == 192


def test_softmax_cycles_by_pass() -> None:
    arr = u55()
    # 1 row of 12: max 8 + 4 taps x 4 = 48, drain max(1, 49 / 4) = 12.25; SUB 1.5 x 16 = 24; ASR 1.25 x 16 = 20;
    # sum 4 x max(8, 1) x 1 = 32, drain max(1, 33 / 4) = 8.25; CLZ 0.75 x 16 = 12; 20 int32 passes x 20;
    # MUL 1.25 x 16 = 20; ASR to the output 1.25 x 12 = 15
    assert softmax_cycles(1, 12, arr) == int(48 + 12.25 + 24 + 20 + 32 + 8.25 + 12 + 400 + 20 + 15)


def graph_with_pool():
    b = GraphBuilder("pool", (1, 8, 8, 16))
    return b.build(b.avgpool(b.input))


def test_generic_part_keeps_the_post_processing_rate() -> None:
    hw = tiny_systolic(rows=8, cols=8, sram=1 << 16)
    low = S.lower(graph_with_pool(), hw)
    assert (low.layers[:, T.L_PP_CYCLES] == 0).all()


def test_pooling_model_replaces_the_rate() -> None:
    hw = tiny_systolic(rows=8, cols=8, sram=1 << 16)
    arr = dataclasses.replace(hw.compute, pool_subkernel_size=8, pool_min_taps=4, pool_cycles_per_ifm_bit=0.5,
                              ofm_ublock_width=2, ofm_ublock_depth=8, ofm_cycles_per_element=0.5)
    hw = dataclasses.replace(hw, compute=arr)
    graph = graph_with_pool()
    costs = S.systolic_costs(graph, hw)
    low = S.lower(graph, hw)
    assert costs[0].compute_cycles == low.layers[0, T.L_PP_CYCLES] > 0
