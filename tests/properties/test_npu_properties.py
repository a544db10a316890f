"""Properties of the native systolic model (hypothesis): conservation, compulsory traffic,
monotonicity in scratchpad size and DRAM bandwidth, determinism."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim.api import simulate
from sim.cost import kernels as K
from sim.cost import systolic as S
from sim.mapping import tiling as T
from tests.conftest import tiny_cnn, tiny_systolic
from tests.npu_strategies import hardware, layers, tilings


def ctx(capacity: int) -> np.ndarray:
    return np.array([capacity, 0, 0], dtype=np.int64)


def compulsory_reads(lay: np.ndarray) -> int:
    """Every weight byte once and every input byte the layer's windows touch once."""
    lt = T.layer_tuple(lay)
    whole = (int(lay[T.L_N]), int(lay[T.L_OH]), int(lay[T.L_OW]), int(lay[T.L_K]), int(lay[T.L_C]))
    pt = K.pixel_terms(lt, whole, 1, 1, 0)
    channels = lay[T.L_K] if lay[T.L_DW] else lay[T.L_C]
    return int(lay[T.L_W_BYTES] + pt[K.PT_IFM] * channels * lay[T.L_IB])


@given(st.data(), layers(), hardware())
def test_macs_fit_the_array_under_every_dataflow_and_tiling(data, lay, hw) -> None:  # noqa: ANN001
    """Folds never do more than rows x cols MACs a cycle, whatever the tiling and dataflow."""
    hwi, hwf = hw
    tile = data.draw(tilings(lay))
    res = np.zeros(K.RESULTS, dtype=np.int64)
    for df in range(3):
        K.eval_tiling(lay, hwi, hwf, ctx(1 << 40), np.array(tile), df, res)
        assert res[K.R_COMPUTE] * hwi[K.H_ROWS] * hwi[K.H_COLS] >= lay[T.L_MACS]


@settings(max_examples=10)
@given(st.sampled_from(["ws", "is", "os", "best"]), st.integers(2, 8), st.integers(2, 8))
def test_macs_are_the_same_under_every_dataflow(dataflow, rows, cols) -> None:  # noqa: ANN001
    base = simulate(tiny_cnn(), tiny_systolic(rows=rows, cols=cols), dataflow="ws").layers["macs"].tolist()
    assert simulate(tiny_cnn(), tiny_systolic(rows=rows, cols=cols), dataflow=dataflow).layers["macs"].tolist() == base


@given(st.data(), layers(), hardware(), st.integers(0, 2))
def test_dram_reads_at_least_compulsory(data, lay, hw, df) -> None:  # noqa: ANN001
    hwi, hwf = hw
    tile = data.draw(tilings(lay))
    res = np.zeros(K.RESULTS, dtype=np.int64)
    K.eval_tiling(lay, hwi, hwf, ctx(1 << 40), np.array(tile), df, res)
    assert res[K.R_DRAM_IFM] + res[K.R_DRAM_W] >= compulsory_reads(lay)


@given(layers(max_dim=8, max_ch=24), hardware(), st.integers(0, 2))
def test_dram_reads_equal_compulsory_when_everything_fits(lay, hw, df) -> None:  # noqa: ANN001
    hwi, hwf = hw
    tile, res = np.zeros(5, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
    K.search_tiling(lay, hwi, hwf, ctx(1 << 40), df, K.OBJECTIVES["dram"], tile, res)
    assert res[K.R_DRAM_IFM] + res[K.R_DRAM_W] == compulsory_reads(lay)


def test_graph_dram_traffic_is_compulsory_when_the_scratchpad_holds_everything() -> None:
    graph = tiny_cnn()
    res = simulate(graph, tiny_systolic(sram=1 << 24), objective="dram")
    s = res.summary.iloc[0]
    weights = sum(graph.weight_bytes(op) for op in graph.ops)
    assert s["dram_read_bytes"] == weights + graph.tensors[graph.inputs[0]].nbytes
    assert s["dram_write_bytes"] == graph.tensors[graph.outputs[0]].nbytes


@given(layers(max_dim=8, max_ch=24), hardware(), st.integers(0, 2), st.integers(64, 4000), st.integers(0, 4000))
def test_more_scratchpad_never_raises_dram_traffic(lay, hw, df, small, extra) -> None:  # noqa: ANN001
    hwi, hwf = hw
    traffic = []
    for capacity in (small, small + extra):
        tile, res = np.zeros(5, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
        if K.search_tiling(lay, hwi, hwf, ctx(capacity), df, K.OBJECTIVES["dram"], tile, res) == 0:
            return  # nothing fits the smaller scratchpad: no chosen tiling to compare
        traffic.append(res[K.R_DRAM_IFM] + res[K.R_DRAM_W] + res[K.R_DRAM_OFM])
    assert traffic[1] <= traffic[0]


@given(layers(max_dim=8, max_ch=24), hardware(), st.integers(0, 2), st.sampled_from([0.25, 1.0, 3.0]),
       st.sampled_from([1.0, 2.0, 8.0]), st.integers(200, 1 << 16))
def test_more_bandwidth_never_raises_layer_latency(lay, hw, df, bw, factor, capacity) -> None:  # noqa: ANN001
    hwi, hwf = hw
    latency = []
    for b in (bw, bw * factor):
        hwf = hwf.copy()
        hwf[K.F_DRAM_BW] = b
        tile, res = np.zeros(5, dtype=np.int64), np.zeros(K.RESULTS, dtype=np.int64)
        K.search_tiling(lay, hwi, hwf, ctx(capacity), df, K.OBJECTIVES["latency"], tile, res)
        latency.append(res[K.R_LATENCY])
    assert latency[1] <= latency[0]


@settings(max_examples=25)
@given(st.sampled_from([0.5, 1.0, 2.0, 4.0]), st.sampled_from([1.0, 1.5, 4.0]), st.integers(1024, 1 << 16),
       st.sampled_from(["ws", "best"]))
@example(0.5, 4.0, 4832, "ws")  # residency reserved bandwidth-dependent tilings once: 5,094 -> 5,364 cycles
def test_more_bandwidth_never_raises_model_latency(bw, factor, sram, dataflow) -> None:  # noqa: ANN001
    graph = tiny_cnn()
    slow = simulate(graph, tiny_systolic(sram=sram, dram_bw=bw), dataflow=dataflow)
    fast = simulate(graph, tiny_systolic(sram=sram, dram_bw=bw * factor), dataflow=dataflow)
    assert fast.summary["latency_cycles"].iloc[0] <= slow.summary["latency_cycles"].iloc[0]


@settings(max_examples=5)
@given(st.integers(512, 1 << 16), st.sampled_from(["latency", "energy", "dram"]))
def test_deterministic(sram, objective) -> None:  # noqa: ANN001
    hw = tiny_systolic(sram=sram)
    a = simulate(tiny_cnn(), hw, objective=objective)
    b = simulate(tiny_cnn(), hw, objective=objective)
    assert a.layers.equals(b.layers) and a.traffic.equals(b.traffic) and a.summary.equals(b.summary)
    low = S.lower(tiny_cnn(), hw)
    hwi, hwf = S.hardware_arrays(hw)
    choice = S.choice_array(hw, "best", objective)
    first = K.price_network(low.layers, low.op_in, low.op_out, low.tensors, hwi, hwf, choice, sram)
    assert (first == K.price_network(low.layers, low.op_in, low.op_out, low.tensors, hwi, hwf, choice, sram)).all()
