"""Lowering graphs to the systolic kernels, placement, residency, dispatch, sweeps."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.api import simulate
from sim.cost import systolic as S
from sim.errors import SimError
from sim.graph.ir import Graph, Op, Tensor
from sim.mapping import tiling as T
from sim.spec.load import load_hardware
from sim.spec.model import SystolicArray, VectorUnit
from workloads.builder import GraphBuilder
from tests.conftest import tiny_cnn, tiny_systolic


def test_lowering_places_every_op(cnn, systolic_hw) -> None:  # noqa: ANN001
    low = S.lower(cnn, systolic_hw)
    assert low.placement == ("mac", "mac", "mac", "postproc", "free", "mac", "postproc")
    dw = low.layers[1]
    assert dw[T.L_DW] == 1 and dw[T.L_C] == 1 and dw[T.L_K] == 8
    first = low.layers[0]
    assert (first[T.L_OH], first[T.L_SH], first[T.L_EH], first[T.L_IH]) == (8, 2, 3, 16)
    assert first[T.L_MACS] == 8 * 8 * 8 * 3 * 9
    # the reshape's output aliases its input: one tensor, one lifetime
    assert low.op_in[5, 0] == low.op_out[3]


def test_views_are_free_and_macs_are_counted(cnn, systolic_hw) -> None:  # noqa: ANN001
    res = simulate(cnn, systolic_hw)
    layers = res.layers.set_index("op_type")
    assert layers.loc["RESHAPE", "latency_cycles"] == 0 and layers.loc["RESHAPE", "dram_read_bytes"] == 0
    assert set(res.layers["cost_model"]) == {"systolic"}
    assert res.summary["macs"].iloc[0] == sum(int(x) for x in S.lower(cnn, systolic_hw).layers[:, T.L_MACS])


def test_depthwise_runs_per_channel_at_low_utilization(cnn) -> None:  # noqa: ANN001
    res = simulate(cnn, tiny_systolic(rows=8, cols=8, sram=1 << 20))
    util = res.layers.set_index("op_type")["array_utilization"]
    # one channel's 3x3 window per GEMM: no reuse across channels, so the array idles
    assert 0 < util["DEPTHWISE_CONV_2D"] < util["CONV_2D"].max() <= 1


def test_activations_stay_on_chip_only_when_they_fit(cnn) -> None:  # noqa: ANN001
    big = simulate(cnn, tiny_systolic(sram=1 << 20)).layers
    small = simulate(cnn, tiny_systolic(sram=512)).layers  # = the first ofm: no room left
    # with room, the intermediate activations never touch DRAM
    assert big["ifm_resident"].iloc[1:].sum() >= 3 and big["dram_write_bytes"].iloc[:-1].sum() == 0
    # a tiny scratchpad spills them: the first conv writes its ofm, the next layer reads it back
    assert small["dram_write_bytes"].iloc[0] > 0 and small["dram_read_bytes"].iloc[1] >= small["ofm_bytes"].iloc[0]


def test_dataflow_option(cnn, systolic_hw) -> None:  # noqa: ANN001
    res = simulate(cnn, systolic_hw, dataflow="os")
    macs = res.layers[res.layers["macs"] > 0]
    assert set(macs["dataflow"]) == {"os"}
    assert all(t.startswith("N") for t in macs["tiling"])
    best = simulate(cnn, systolic_hw, dataflow="best").summary["latency_cycles"].iloc[0]
    assert best <= min(simulate(cnn, systolic_hw, dataflow=d).summary["latency_cycles"].iloc[0]
                       for d in ("ws", "is", "os"))
    limited = dataclasses.replace(systolic_hw, compute=dataclasses.replace(systolic_hw.compute, dataflows=("ws",)))
    with pytest.raises(SimError, match="supports ws"):
        simulate(cnn, limited, dataflow="is")
    assert set(simulate(cnn, limited).layers.query("macs > 0")["dataflow"]) == {"ws"}


def _graph_with(op_type: str) -> Graph:
    t = {"x": Tensor(name="x", shape=(1, 4, 4, 8)), "y": Tensor(name="y", shape=(1, 4, 4, 8))}
    return Graph("g", [Op(name=f"0:{op_type}:y", index=0, op_type=op_type, inputs=("x",), outputs=("y",))], t,
                 inputs=["x"], outputs=["y"])


def test_ops_the_npu_cannot_run_go_to_the_host_cpu() -> None:
    graph = _graph_with("ARG_MAX")
    hw = dataclasses.replace(tiny_systolic(), cpu=VectorUnit(core="cortex-m55", macs_per_cycle={"int8": 8.0}))
    layer = simulate(graph, hw).layers.iloc[0]
    assert layer["unit"] == "cpu" and layer["cost_model"] == "cmsis-nn"  # a Cortex-M host: CMSIS-NN model
    a53 = dataclasses.replace(hw, cpu=VectorUnit(core="cortex-a53", simd_width_bits=128))
    assert simulate(graph, a53).layers.iloc[0]["cost_model"] == "roofline"
    no_cpu = simulate(graph, tiny_systolic()).costs[0]
    assert no_cpu.unit == "npu" and "no host cpu" in no_cpu.notes
    # supported_ops narrows what the NPU runs
    narrowed = dataclasses.replace(hw, compute=dataclasses.replace(hw.compute, supported_ops=("CONV_2D",)))
    assert S.placement_of(_graph_with("ADD").ops[0], narrowed) == "cpu"


def test_ethos_u55_spec_runs_vww() -> None:
    hw = load_hardware("ethos-u55-128")
    assert isinstance(hw.compute, SystolicArray)
    res = simulate("mlperf-vww", hw)
    s = res.summary.iloc[0]
    assert s["cost_model"] == "systolic" and s["macs"] == 7_489_664
    assert 0 < s["utilization"] <= 1
    assert s["dram_read_bytes"] >= s["weight_bytes"]


@pytest.mark.parametrize("model", ["mlperf-ic", "mlperf-kws"])
def test_evaluate_points_equals_simulate(model) -> None:  # noqa: ANN001
    hw = load_hardware("systolic-32x32")
    points = {"compute.rows": np.array([8, 16, 32, 8]), "compute.cols": np.array([4, 32, 16, 4]),
              "memories.sram.size_bytes": np.array([8192, 65536, 1 << 20, 8192]),
              "clock_hz": np.array([1e8, 5e8, 1e9, 2e8]),
              "memories.dram.bandwidth_bytes_per_cycle": np.array([1.0, 4.0, 16.0, 1.0])}
    df = S.evaluate_points(simulate(model, hw).graph, hw, points)
    for i in range(len(df)):
        over = {k: v[i].item() for k, v in points.items()}
        s = simulate(model, hw, overrides=over).summary.iloc[0]
        for col in ("latency_cycles", "latency_ms", "compute_cycles", "stall_cycles", "dram_read_bytes",
                    "dram_write_bytes", "sram_read_bytes", "sram_write_bytes", "energy_uj",
                    "peak_working_set_bytes", "macs"):
            assert df[col].iloc[i] == s[col], (i, col)


def test_evaluate_points_rejects_unknown_fields() -> None:
    hw = tiny_systolic()
    with pytest.raises(SimError, match="points"):
        S.evaluate_points(tiny_cnn(), hw, {"compute.depth": np.array([1])})
    with pytest.raises(SimError, match="one length"):
        S.evaluate_points(tiny_cnn(), hw, {"compute.rows": np.array([1, 2]), "compute.cols": np.array([1])})


def test_cli_run_reports_tiling_and_dataflow(tmp_path) -> None:  # noqa: ANN001
    import pandas as pd

    from sim.cli import main
    assert main(["run", "mlperf-kws", "--hw", "systolic-16x16", "--dataflow", "ws", "--out", str(tmp_path)]) == 0
    layers = pd.read_csv(tmp_path / "layers.csv")
    macs = layers[layers["macs"] > 0]
    assert set(macs["dataflow"]) == {"ws"} and macs["tiling"].str.match(r"N\d+ OH\d+ OW\d+ K\d+ C\d+").all()
    assert (macs["working_set_bytes"] <= 262144).all()
    traffic = pd.read_csv(tmp_path / "traffic.csv")
    assert set(traffic["memory"]) == {"dram", "sram"} and set(traffic["operand"]) == {"ifm", "weights", "ofm"}


def test_layers_that_cannot_fit_say_so() -> None:
    res = simulate(tiny_cnn(), tiny_systolic(sram=64))
    conv = res.costs[0]
    assert conv.working_set_bytes > 64 and "no tiling fits" in conv.notes


def _datapath(hw, **fields):  # noqa: ANN001, ANN003, ANN202
    return dataclasses.replace(hw, compute=dataclasses.replace(hw.compute, **fields))


def _layer(res, i):  # noqa: ANN001, ANN202
    return res.layers.iloc[i]


def test_ifm_block_reuse_reads_the_ifm_once_per_k_tile(systolic_hw) -> None:  # noqa: ANN001
    """A 3x3 conv re-reads its ifm from the scratchpad per tap (im2col) unless the ifm block is
    held in the array's buffer; then the scratchpad sees the ifm about once (halo only)."""
    b = GraphBuilder("c3", (1, 16, 16, 8))
    g = b.build(b.conv(b.input, 4, 3))
    ifm = 16 * 16 * 8
    per_tap = simulate(g, systolic_hw, dataflow="ws").traffic
    reuse = simulate(g, _datapath(systolic_hw, ifm_block_reuse=True), dataflow="ws").traffic
    sram_ifm = lambda t: int(t[(t.memory == "sram") & (t.operand == "ifm")].read_bytes.sum())  # noqa: E731
    assert sram_ifm(per_tap) >= 9 * 14 * 14 * 8
    assert ifm <= sram_ifm(reuse) <= 2 * ifm


def test_ifm_block_depth_idles_macs_on_few_input_channels(systolic_hw) -> None:  # noqa: ANN001
    """C = 1 packs 9 taps into one fold of 16 rows; with 8-channel blocks each tap takes 8 rows."""
    hw = dataclasses.replace(systolic_hw, compute=dataclasses.replace(systolic_hw.compute, rows=16, cols=4))
    b = GraphBuilder("c1", (1, 16, 16, 1))
    g = b.build(b.conv(b.input, 4, 3))
    free = int(simulate(g, hw, dataflow="ws").layers.compute_cycles.iloc[0])
    blocked = int(simulate(g, _datapath(hw, ifm_block_depth=8), dataflow="ws").layers.compute_cycles.iloc[0])
    assert blocked > 4 * free
    b8 = GraphBuilder("c8", (1, 16, 16, 8))
    g8 = b8.build(b8.conv(b8.input, 4, 1))
    assert int(simulate(g8, hw, dataflow="ws").layers.compute_cycles.iloc[0]) == \
        int(simulate(g8, _datapath(hw, ifm_block_depth=8), dataflow="ws").layers.compute_cycles.iloc[0])


def test_output_and_elementwise_rates_bound_compute(systolic_hw) -> None:  # noqa: ANN001
    b = GraphBuilder("add", (1, 8, 8, 16))
    x = b.conv(b.input, 16, 1)
    g = b.build(b.add(x, b.input))
    hw = _datapath(systolic_hw, ofm_cycles_per_element=2.0, elementwise_cycles_per_element=1.5)
    layers = simulate(g, hw).layers
    assert int(layers.compute_cycles.iloc[0]) >= 2 * 8 * 8 * 16
    assert int(layers.compute_cycles.iloc[1]) == math.ceil(1.5 * 8 * 8 * 16)


def test_graph_io_in_the_scratchpad_costs_no_offchip_traffic(systolic_hw) -> None:  # noqa: ANN001
    b = GraphBuilder("io", (1, 8, 8, 4))
    g = b.build(b.conv(b.input, 4, 1))
    mems = tuple(dataclasses.replace(m, holds_graph_io=True) if m.name == "sram" else m
                 for m in systolic_hw.memories)
    t = simulate(g, dataclasses.replace(systolic_hw, memories=mems)).traffic
    dram = t[t.memory == "dram"]
    assert int(dram[dram.operand == "ifm"].read_bytes.sum()) == 0
    assert int(dram[dram.operand == "ofm"].write_bytes.sum()) == 0
    assert int(dram[dram.operand == "weights"].read_bytes.sum()) > 0


def test_evaluate_points_equals_simulate_on_the_ethos_u55() -> None:
    """The datapath fields and graph I/O in SRAM flow through the batch path unchanged."""
    hw = load_hardware("ethos-u55-128")
    points = {"compute.rows": np.array([16, 8]), "compute.cols": np.array([8, 8]),
              "memories.sram.size_bytes": np.array([2097152, 16384]), "clock_hz": np.array([5e8, 4e8]),
              "memories.flash.bandwidth_bytes_per_cycle": np.array([1.0, 0.5])}
    df = S.evaluate_points(simulate("mlperf-kws", hw).graph, hw, points)
    for i in range(len(df)):
        s = simulate("mlperf-kws", hw, overrides={k: v[i].item() for k, v in points.items()}).summary.iloc[0]
        for col in ("latency_cycles", "compute_cycles", "dram_read_bytes", "dram_write_bytes", "sram_read_bytes",
                    "sram_write_bytes", "energy_uj", "peak_working_set_bytes"):
            assert df[col].iloc[i] == s[col], (i, col)


def test_lower_refuses_a_vector_unit(cnn, mcu_hw):
    """lower() builds systolic layer vectors; handed a vector-unit part it says which part,
    rather than failing inside the layer encoding."""
    with pytest.raises(TypeError, match=f"{mcu_hw.name} has a VectorUnit"):
        S.lower(cnn, mcu_hw)
    assert S.lower(cnn, tiny_systolic()).layers.shape[0] == len(cnn.ops)
