"""Ethos-U pooling and softmax cycles (sim/cost/npu_ops.py), worked by hand from Vela 5.2's
regor formulas, and generic parts left at the post-processing rate."""

from __future__ import annotations

import dataclasses

from sim.api import load_hardware
from sim.cost import systolic as S
from sim.cost.npu_ops import pool_cycles, row_pass_cycles, softmax_cycles
from sim.graph.loops import Loops
from sim.mapping import tiling as T
from tests.conftest import tiny_systolic
from workloads.builder import GraphBuilder


def u55():
    arr = load_hardware("ethos-u55-128").compute
    return arr


def pool_loops(oh: int, ow: int, k: int, kh: int, kw: int) -> Loops:
    """A non-overlapping pool: stride = kernel."""
    return Loops(N=1, OH=oh, OW=ow, K=k, C=k, KH=kh, KW=kw, stride_h=kh, stride_w=kw, depthwise=True,
                 IH=oh * kh, IW=ow * kw)


def sram():
    return load_hardware("ethos-u55-128").scratchpad  # latency 32/32 cycles, 8 B/cycle


def test_pool_cycles_ds_cnn_global_pool() -> None:
    # 25x5 kernel over 64 channels into 1x1x64. OFM block 1x2x64 (micro-block 1x2x8), clipped to 1x1x64:
    # 8 micro-blocks, one block. Sub-kernels 8x5, 8x5, 8x5, 1x5 -> 125 taps; 125 x 8 x (8 bits / 2) = 4000;
    # output 0.5 x 64 = 32; command-issue limit (4000 + 32) / 4 = 1008; IFM block 8 x 5 x 64 = 2560 B ->
    # 32 + 320; OFM block 64 B -> 32 + 8: 4000 + 1008 + 40 + 352 = 5400
    assert pool_cycles(pool_loops(1, 1, 64, 25, 5), 8, 8, u55(), sram()) == 5400


def test_pool_cycles_two_blocks() -> None:
    # 3x3 over 256 channels into 1x1x256: blocks of 1x1x128 (depth capped at 128), 16 micro-blocks each,
    # 2 blocks; 9 x 16 x 4 = 576 per block; output 64; IFM block 3x3x128 -> 32 + 144 = 176; OFM 128 B
    # -> 32 + 16 = 48; limit (|48 - 176| + 576 + 64) / 4 = 192: 576 x 2 + 192 + 48 + 176 = 1568
    assert pool_cycles(pool_loops(1, 1, 256, 3, 3), 8, 8, u55(), sram()) == 1568


def test_pool_cycles_small_kernel_pays_minimum_taps() -> None:
    # 1x2 kernel, stride 1x2, 4x4x8 output: 2 taps but at least 4; 4 x 2 x 1 = 8 micro-blocks; 4 x 8 x 4 = 128;
    # output 64; IFM block 4 x 8 x 8 = 256 B -> 64; OFM 128 B -> 48; limit 192 / 4 = 48: 128 + 64 + 48 + 64
    assert pool_cycles(pool_loops(4, 4, 8, 1, 2), 8, 8, u55(), sram()) == 304


def test_softmax_cycles_by_pass() -> None:
    # 1 row of 12 logits. Row max: taps 8 + 4 -> 48, plus a delay of 2 per sub-kernel (one micro-block) = 52;
    # limit 53 / 4 = 13.25; IFM 9 B -> 33, OFM -> 32: 65 + 65 = 130. SUB 1.5 x 16 = 24; ASR 1.25 x 16 = 20.
    # Row sum: 4 x 8 + 2 = 34, limit 8.75, IFM 48 B -> 38, OFM -> 32: 42 + 70 = 112. CLZ 0.75 x 16 = 12;
    # 20 int32 passes at 1.25 x 16 = 20, of which the 10 with a constant in flash meet the command-issue limit:
    # flash read 64 + (4 B in 128 B bursts out of a 32 B run: 16 B) / 1 B/cycle = 80; (80 / 16 + 1.25) / 4 x 16
    # = 25 (from SRAM: (32 / 16 + 1.25) / 4 x 16 = 13 < 20); MUL 20; ASR to the int8 output 1.25 x 12 = 15
    flash = load_hardware("ethos-u55-128").offchip
    assert softmax_cycles(1, 12, u55(), sram(), flash) == 130 + 24 + 20 + 112 + 12 + 10 * 25 + 10 * 20 + 20 + 15


def test_row_pass_cycles_from_sram_are_output_bound() -> None:
    assert row_pass_cycles(1, 1.25, u55(), sram(), sram()) == 20


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
                              ofm_ublock_width=2, ofm_ublock_depth=8, ofm_cycles_per_element=0.5,
                              ofm_block_max_height=32, ofm_block_max_width=64, ofm_block_max_depth=128)
    hw = dataclasses.replace(hw, compute=arr)
    graph = graph_with_pool()
    costs = S.systolic_costs(graph, hw)
    low = S.lower(graph, hw)
    assert costs[0].compute_cycles == low.layers[0, T.L_PP_CYCLES] > 0
