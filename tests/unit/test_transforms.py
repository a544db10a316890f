from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from sim.api import load_graph, simulate
from sim.cli import main
from sim.errors import SimError
from sim.graph.ir import Graph, Op, Tensor
from sim.graph.loops import macs_of
from sim.transforms import apply_transforms, parse_transform
from sim.transforms.fuse import cascade, cascade_rows, fuse_operators
from sim.transforms.partition import assign_units, partition, partition_count
from sim.transforms.prune import prune_channels, sparse_weight_bytes, sparsify
from sim.transforms.quant import quantize
from tests.conftest import tiny_mcu, tiny_systolic


def unfused_graph(extra_consumer: bool = False) -> Graph:
    """conv -> int32 accumulator -> ADD bias -> RELU -> QUANTIZE int8 -> conv, as an
    unfused lowering (ONNX QLinear style, or a compiler IR before fusion) emits it."""
    t = {
        "x": Tensor(name="x", shape=(1, 8, 8, 4)),
        "w0": Tensor(name="w0", shape=(8, 3, 3, 4), is_const=True),
        "acc": Tensor(name="acc", shape=(1, 8, 8, 8), dtype="int32"),
        "b0": Tensor(name="b0", shape=(8,), dtype="int32", is_const=True),
        "biased": Tensor(name="biased", shape=(1, 8, 8, 8), dtype="int32"),
        "relu": Tensor(name="relu", shape=(1, 8, 8, 8), dtype="int32"),
        "q": Tensor(name="q", shape=(1, 8, 8, 8)),
        "w1": Tensor(name="w1", shape=(4, 1, 1, 8), is_const=True),
        "b1": Tensor(name="b1", shape=(4,), dtype="int32", is_const=True),
        "y": Tensor(name="y", shape=(1, 8, 8, 4)),
    }
    conv = {"stride_h": 1, "stride_w": 1, "padding": "SAME", "fused_activation": "NONE"}
    ops = [Op(name="conv0", index=0, op_type="CONV_2D", inputs=("x", "w0"), outputs=("acc",), attrs=conv),
           Op(name="bias0", index=1, op_type="ADD", inputs=("acc", "b0"), outputs=("biased",)),
           Op(name="relu0", index=2, op_type="RELU", inputs=("biased",), outputs=("relu",)),
           Op(name="requant0", index=3, op_type="QUANTIZE", inputs=("relu",), outputs=("q",)),
           Op(name="conv1", index=4, op_type="CONV_2D", inputs=("q", "w1", "b1"), outputs=("y",), attrs=conv)]
    outputs = ["y"]
    if extra_consumer:
        t["side"] = Tensor(name="side", shape=(1, 8, 8, 8), dtype="int32")
        ops.append(Op(name="side", index=5, op_type="RELU", inputs=("biased",), outputs=("side",)))
        outputs.append("side")
    return Graph("unfused", ops, t, ["x"], outputs)


# --- operator fusion ---------------------------------------------------------------------

def test_fuse_folds_bias_activation_requant_into_the_conv() -> None:
    g = unfused_graph()
    f = fuse_operators(g)
    assert [op.op_type for op in f.ops] == ["CONV_2D", "CONV_2D"]
    conv = f.ops[0]
    assert conv.attrs["fused_epilogue"] == ("ADD", "RELU", "QUANTIZE")
    assert conv.attrs["fused_activation"] == "RELU"
    assert conv.outputs == ("q",) and conv.attrs["epilogue_const_bytes"] == 32
    assert not {"acc", "biased", "relu"} & set(f.tensors)
    assert [op.index for op in f.ops] == [0, 1]
    assert f.transforms == ["fuse(3)"] and g.transforms == [] and len(g.ops) == 5  # input untouched


def test_fuse_removes_the_intermediate_traffic_and_never_slows_down() -> None:
    hw = tiny_systolic(sram=1024)  # activations spill to DRAM, so the intermediate tensors cost traffic
    before = simulate(unfused_graph(), hw)
    after = simulate(unfused_graph(), hw, transforms=["fuse"])
    assert after.summary["dram_read_bytes"][0] + after.summary["dram_write_bytes"][0] < \
        before.summary["dram_read_bytes"][0] + before.summary["dram_write_bytes"][0]
    assert after.summary["latency_cycles"][0] < before.summary["latency_cycles"][0]
    assert after.summary["macs"][0] == before.summary["macs"][0]
    assert after.summary["transforms"][0] == "fuse(3)"


def test_fuse_stops_at_a_tensor_with_two_consumers() -> None:
    f = fuse_operators(unfused_graph(extra_consumer=True))
    assert f.ops[0].attrs["fused_epilogue"] == ("ADD",) and f.ops[0].outputs == ("biased",)
    assert [op.op_type for op in f.ops] == ["CONV_2D", "RELU", "QUANTIZE", "CONV_2D", "RELU"]


def test_fuse_is_a_no_op_on_converter_fused_tflite_graphs() -> None:
    g = load_graph("mlperf-kws")
    assert len(fuse_operators(g).ops) == len(g.ops)


# --- cascading -----------------------------------------------------------------------------

def test_cascade_rows_include_the_halo_each_stripe_recomputes() -> None:
    g = unfused_graph()
    f = fuse_operators(g)
    rows = cascade_rows(f, f.ops, 2)
    # conv1 is 1x1: no halo; conv0 is 3x3 stride 1: stripes need rows [0, 4) and [4, 8) of
    # conv1's input, i.e. conv0 computes its rows [0, 4) and [4, 8): no overlap at the producer
    assert rows == [[(0, 4), (0, 4)], [(4, 8), (4, 8)]]
    kws = load_graph("mlperf-kws")  # conv 10x4 s2 -> dw 3x3 -> pw ... 25 rows
    c = cascade(kws, 4)
    marked = [op for op in c.ops if "cascade" in op.attrs]
    assert len(marked) >= 3
    dw = next(op for op in marked if op.op_type == "DEPTHWISE_CONV_2D")
    first = marked[0]
    assert first.attrs["recompute"] > 1.0  # the 3x3 depthwise halos make the producer recompute rows
    assert dw.attrs["cascade_pos"] in ("middle", "last")


def test_cascade_cuts_arena_and_not_dram_traffic_but_costs_recompute() -> None:
    hw = tiny_mcu()
    base = simulate("mlperf-kws", hw)
    cas = simulate("mlperf-kws", hw, transforms=["cascade:4"])
    assert cas.summary["arena_bytes"][0] < base.summary["arena_bytes"][0]
    assert cas.summary["peak_working_set_bytes"][0] <= base.summary["peak_working_set_bytes"][0]
    assert cas.summary["dram_read_bytes"][0] <= base.summary["dram_read_bytes"][0]
    assert cas.summary["recompute_macs"][0] > 0
    assert cas.summary["compute_cycles"][0] > base.summary["compute_cycles"][0]


# --- pruning and sparsity -----------------------------------------------------------------

def _check_shapes(g: Graph) -> None:
    for op in g.ops:
        w = g.weights(op)
        if op.op_type == "CONV_2D" and w is not None:
            assert w.shape[0] == g.ofm(op).shape[-1] and w.shape[-1] == g.ifm(op).shape[-1]
        if op.op_type == "FULLY_CONNECTED" and w is not None:
            assert w.shape[-1] == g.ifm(op).shape[-1] and w.shape[0] == g.ofm(op).shape[-1]
        if op.op_type == "ADD":
            a, b = g.activations_in(op)
            assert a.shape == b.shape == g.ofm(op).shape


def test_prune_keeps_residual_adds_and_interface_consistent() -> None:
    g = load_graph("mlperf-ic")
    p = prune_channels(g, 0.5)
    _check_shapes(p)
    assert p.tensors[p.outputs[0]].shape == g.tensors[g.outputs[0]].shape
    assert p.tensors[p.inputs[0]].shape == g.tensors[g.inputs[0]].shape
    before = sum(macs_of(g, op) for op in g.ops)
    after = sum(macs_of(p, op) for op in p.ops)
    assert 0.2 * before < after < 0.35 * before  # both K and C halve in most convs: about a quarter left


def test_prune_named_layer_propagates_through_depthwise_to_the_next_conv() -> None:
    g = load_graph("mlperf-kws")
    target = g.ops[2]  # pointwise conv, 64 channels, feeding a depthwise conv and the next pointwise conv
    p = prune_channels(g, 0.25, [str(target.index)])
    _check_shapes(p)
    assert p.ofm(p.ops[2]).shape[-1] == 48
    assert p.ofm(p.ops[3]).shape[-1] == 48 and p.weights(p.ops[3]).shape[-1] == 48
    assert p.weights(p.ops[4]).shape[-1] == 48 and p.ofm(p.ops[4]).shape[-1] == 64
    assert macs_of(p, p.ops[2]) == pytest.approx(0.75 * macs_of(g, target))
    assert p.transforms[-1].startswith("prune:0.25@2")


def test_prune_rejects_unknown_layers() -> None:
    with pytest.raises(SimError, match="not found"):
        prune_channels(load_graph("mlperf-kws"), 0.3, ["nope"])


def test_sparsity_shrinks_storage_but_not_dense_latency() -> None:
    hw = tiny_systolic()
    base = simulate("mlperf-kws", hw)
    sp = simulate("mlperf-kws", hw, transforms=["sparse:0.75"])
    assert sp.summary["latency_cycles"][0] == base.summary["latency_cycles"][0]
    assert sp.summary["dram_read_bytes"][0] == base.summary["dram_read_bytes"][0]
    assert sp.summary["weight_storage_bytes"][0] < 0.5 * base.summary["weight_bytes"][0]
    w = Tensor(name="w", shape=(64, 3, 3, 64), is_const=True)
    assert sparse_weight_bytes(w, 0.25) == 9216 + 4608


def test_sparsity_speeds_up_only_hardware_that_declares_it() -> None:
    hw = tiny_systolic()
    sparse_hw = dataclasses.replace(hw, compute=dataclasses.replace(hw.compute, sparse_weights=True))
    dense = simulate("mlperf-kws", sparse_hw)
    sp = simulate("mlperf-kws", sparse_hw, transforms=["sparse:0.5"])
    assert sp.summary["compute_cycles"][0] < dense.summary["compute_cycles"][0]
    assert sp.summary["dram_read_bytes"][0] < dense.summary["dram_read_bytes"][0]
    assert sp.summary["latency_cycles"][0] <= dense.summary["latency_cycles"][0]
    g = sparsify(load_graph("mlperf-kws"), 0.5, ["0"])
    assert [op.index for op in g.ops if "weight_density" in op.attrs] == [0]


# --- quantization ---------------------------------------------------------------------------

def test_quant_modes_set_types() -> None:
    g = load_graph("mlperf-kws")
    f = quantize(g, "float32")
    assert {t.dtype for t in f.tensors.values()} <= {"float32", "int32"}
    i16 = quantize(g, "int16")
    conv = i16.ops[0]
    assert i16.ifm(conv).dtype == "int16" and i16.weights(conv).dtype == "int8" and i16.bias(conv).dtype == "int64"


def test_weights_only_adds_conversions_and_float_compute() -> None:
    g = load_graph("mlperf-kws")
    w = quantize(g, "weights-only")
    weighted = [op for op in g.ops if g.weights(op) is not None]
    types = [op.op_type for op in w.ops]
    assert types.count("DEQUANTIZE") == len(weighted) + len(g.inputs)
    assert types.count("QUANTIZE") == len(g.outputs)
    assert w.tensors[w.inputs[0]].dtype == "int8" and w.tensors[w.outputs[0]].dtype == "int8"
    conv = next(op for op in w.ops if op.op_type == "CONV_2D")
    assert w.ifm(conv).dtype == "float32" and w.weights(conv).dtype == "int8"
    assert sum(macs_of(w, op) for op in w.ops) == sum(macs_of(g, op) for op in g.ops)
    hw = tiny_mcu()
    hw = dataclasses.replace(hw, compute=dataclasses.replace(hw.compute,
                                                             macs_per_cycle={"int8": 2.0, "float32": 1.0}))
    int8 = simulate(g, hw)
    wo = simulate(g, hw, transforms=["quant:weights-only"])
    assert wo.summary["latency_cycles"][0] > int8.summary["latency_cycles"][0]
    assert wo.summary["arena_bytes"][0] > 3 * int8.summary["arena_bytes"][0]
    assert wo.summary["weight_bytes"][0] == int8.summary["weight_bytes"][0]


# --- partitioning -----------------------------------------------------------------------------

def _npu_with_cpu():
    hw = tiny_systolic()
    return dataclasses.replace(hw, cpu=tiny_mcu().compute)


def test_partition_splits_on_unsupported_ops_and_prices_boundaries() -> None:
    hw = _npu_with_cpu()
    g = load_graph("mlperf-kws")
    res = simulate(g, hw, transforms=["partition:CONV_2D,DEPTHWISE_CONV_2D,FULLY_CONNECTED,RESHAPE"])
    s = res.summary.iloc[0]
    # conv/dw x9 on the NPU, avgpool on the CPU, reshape joins it, FC on the NPU, softmax on the CPU
    assert s["partitions"] == 4 and s["cpu_ops"] == 2
    assert 0 < s["cpu_latency_share"] < 1 and s["boundary_cycles"] >= 3 * hw.compute.delegate_sync_cycles
    layers = res.layers
    assert set(layers.loc[layers["delegate"] == "cpu", "op_type"].astype(str)) == {"AVERAGE_POOL_2D", "RESHAPE", "SOFTMAX"}
    assert (layers.loc[layers["delegate"] == "cpu", "unit"].astype(str) == "cpu").all()
    all_npu = simulate(g, hw, transforms=["partition"])
    assert all_npu.summary["partitions"][0] == 1 and all_npu.summary["boundary_cycles"][0] == 0
    assert all_npu.summary["latency_cycles"][0] == simulate(g, hw).summary["latency_cycles"][0]


def test_partition_sends_float_ops_to_the_cpu_and_needs_a_cpu() -> None:
    g = quantize(load_graph("mlperf-ad"), "weights-only")
    units = assign_units(g)
    assert set(units) == {"cpu"} and partition_count(units) == 1
    with pytest.raises(SimError, match="cpu"):
        simulate("mlperf-ad", tiny_systolic(), transforms=["partition"])
    assert partition(load_graph("mlperf-ad")).ops[0].attrs["delegate"] == "npu"


# --- syntax -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("fuse", ("fuse", "", ())), ("prune:0.3", ("prune", "0.3", ())), ("prune:0.3@2,conv", ("prune", "0.3", ("2", "conv"))),
    ("quant:weights-only", ("quant", "weights-only", ())), ("partition", ("partition", "", ())),
    ("cascade:8", ("cascade", "8", ())), ("sparse:0.9@0", ("sparse", "0.9", ("0",))),
])
def test_parse_transform(text: str, expected: tuple) -> None:
    t = parse_transform(text)
    assert (t.name, t.arg, t.layers) == expected


@pytest.mark.parametrize("bad", ["prune", "prune:1.5", "prune:x", "quant:int4", "quant", "frobnicate", "cascade:x",
                                 "fuse:3", "fuse@1", "sparse:-0.1"])
def test_bad_transform_is_one_line_exit_2(bad: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "mlperf-kws", "--hw", "stm32h7a3", "--transform", bad]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("edgesim run: --transform") and "\n" not in err and "Traceback" not in err


def test_run_cli_applies_transforms_in_order(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "mlperf-ic", "--hw", "stm32h7a3", "--transform", "prune:0.3", "--transform", "quant:int16",
                 "--out", str(tmp_path)]) == 0
    assert "transforms prune:0.3" in capsys.readouterr().out
    s = pd.read_csv(tmp_path / "summary.csv")
    assert s["transforms"][0] == "prune:0.3(6 groups)+quant:int16"
    assert s["macs"][0] < 12_501_632


def test_apply_transforms_composes_left_to_right() -> None:
    g = apply_transforms(load_graph("mlperf-kws"), ["prune:0.5", "quant:float32"], tiny_mcu())
    assert [t.split("(")[0] for t in g.transforms] == ["prune:0.5", "quant:float32"]
