"""Tiling geometry: candidate sizes, halos, double buffering, enumeration."""

from __future__ import annotations

import numpy as np

from sim.graph.loops import Loops
from sim.mapping import tiling as T
from sim.mapping.tiling import Dataflow, Tiling


def conv(oh: int = 8, ow: int = 8, k: int = 16, c: int = 8, kh: int = 3, stride: int = 1, dilation: int = 1,
         depthwise: bool = False) -> np.ndarray:
    eff = (kh - 1) * dilation + 1
    ih, iw = (oh - 1) * stride + eff, (ow - 1) * stride + eff
    cin = k if depthwise else c
    lp = Loops(1, oh, ow, k, 1 if depthwise else c, kh, kh, stride, stride, dilation, dilation, depthwise, ih, iw)
    return T.layer_vector(lp, ifm_itemsize=1, weight_itemsize=1, ofm_itemsize=1, bias_bytes_per_k=4,
                          ifm_bytes=ih * iw * cin, weight_bytes=k * (1 if depthwise else c) * kh * kh + 4 * k,
                          ofm_bytes=oh * ow * k)


def test_dataflow_codes() -> None:
    assert [d.value for d in Dataflow] == ["ws", "is", "os"]
    assert Dataflow.INPUT_STATIONARY.code == 1
    assert str(Tiling(1, 4, 8, 16, 8, 3, 3)) == "N1 OH4 OW8 K16 C8 KH3 KW3"


def test_tile_sizes_are_every_ceil_split() -> None:
    assert list(T.tile_sizes(10, 1)) == [1, 2, 3, 4, 5, 10]
    assert list(T.tile_sizes(112, 1))[-4:] == [28, 38, 56, 112]
    assert len(T.tile_sizes(112, 1)) == 21
    # aligned to an array side of 32: multiples of 32 and the whole dimension
    assert list(T.tile_sizes(100, 32)) == [32, 64, 100]


def test_footprint_halos_for_strided_and_dilated_windows() -> None:
    assert T.footprint(4, 1, 3, 100) == 6            # 3x3, stride 1: 2-row halo
    assert T.footprint(4, 2, 3, 100) == 9            # stride 2: (4-1)*2 + 3
    assert T.footprint(4, 1, 5, 100) == 8            # 3x3 dilated by 2 spans 5 rows
    assert T.footprint(4, 2, 1, 100) == 4            # 1x1 stride 2 reads every other row only
    assert T.footprint(4, 1, 3, 5) == 5              # never more than the input
    # over all tiles: halos where tiles meet are read again, padding rows are not read
    assert T.footprint_total(8, 4, 1, 3, 8) == 6 + 6 - 2
    assert T.footprint_total(8, 8, 1, 3, 8) == 8


def test_double_buffering_halves_the_usable_scratchpad() -> None:
    lay = conv()
    tile = (1, 8, 8, 16, 8)
    single = T.working_set_bytes(T.layer_tuple(lay), tile, 0, 0, 0, 0)
    double = T.working_set_bytes(T.layer_tuple(lay), tile, 0, 1, 0, 0)
    assert double == 2 * single                     # C not cut: no partial sums
    legal_single = list(T.enumerate_tilings(lay, 0, 4, 4, single, double_buffered=False))
    legal_double = list(T.enumerate_tilings(lay, 0, 4, 4, single, double_buffered=True))
    assert Tiling(*tile, 3, 3) in legal_single and Tiling(*tile, 3, 3) not in legal_double


def test_enumeration_is_the_whole_space_when_everything_fits() -> None:
    lay = conv(oh=6, ow=5, k=12, c=10)
    legal = list(T.enumerate_tilings(lay, 2, 4, 4, 1 << 30, double_buffered=True))
    k_al, c_al = T.alignments(2, 4, 4, 3, 3, 0)
    expected = len(T.tile_sizes(6, 1)) * len(T.tile_sizes(5, 1)) * len(T.tile_sizes(12, k_al)) * len(
        T.tile_sizes(10, c_al))
    assert len(legal) == expected == len(set(legal))
    assert Tiling(1, 6, 5, 12, 10, 3, 3) in legal


def test_enumeration_keeps_only_tilings_that_fit() -> None:
    lay = conv(oh=16, ow=16, k=32, c=16)
    capacity = 4096
    legal = list(T.enumerate_tilings(lay, 0, 8, 8, capacity, double_buffered=True))
    assert legal
    lt = T.layer_tuple(lay)
    assert all(T.working_set_bytes(lt, t.as_tuple(), 0, 1, 0, 0) <= capacity for t in legal)
    assert Tiling(1, 16, 16, 32, 16, 3, 3) not in legal


def test_partial_sums_count_when_channels_are_cut() -> None:
    lay = conv(oh=4, ow=4, k=8, c=16, kh=1)
    lt = T.layer_tuple(lay)
    assert T.psum_bytes(lt, (1, 4, 4, 8, 16), 0) == 0
    assert T.psum_bytes(lt, (1, 2, 2, 8, 8), 0) == 4 * 16 * 8   # ws: every pixel of the K tile
    assert T.psum_bytes(lt, (1, 2, 2, 4, 8), 1) == 4 * 4 * 8    # is: every channel of the pixel tile
    assert T.psum_bytes(lt, (1, 2, 2, 4, 8), 2) == 4 * 4 * 4    # os: the tile only
    assert T.psum_bytes(T.layer_tuple(conv(depthwise=True)), (1, 2, 2, 4, 1), 0) == 0
