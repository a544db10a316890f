"""Properties of the what-if transforms, over generated graphs and parts."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.api import load_graph, simulate
from sim.graph.ir import Graph, Op, Tensor
from sim.spec.model import Hardware
from sim.graph.loops import macs_of
from sim.transforms.partition import assign_units, partition_count
from sim.transforms.prune import PRODUCERS, channel_groups, prune_channels
from tests.conftest import tiny_mcu, tiny_systolic

EPILOGUES = ("ADD", "RELU", "RELU6", "QUANTIZE")


@st.composite
def unfused_chains(draw: st.DrawFn) -> Graph:
    """conv layers whose bias, activation and requantization are separate operators."""
    hw_ = draw(st.integers(4, 16))
    c = draw(st.integers(1, 16))
    tensors = {"x": Tensor(name="x", shape=(1, hw_, hw_, c))}
    ops: list[Op] = []
    x = "x"
    for i in range(draw(st.integers(1, 4))):
        k = draw(st.integers(1, 24))
        kernel = draw(st.sampled_from((1, 3)))
        acc_dtype = draw(st.sampled_from(("int32", "int8")))
        w = f"w{i}"
        tensors[w] = Tensor(name=w, shape=(k, kernel, kernel, c), is_const=True)
        y = f"acc{i}"
        tensors[y] = Tensor(name=y, shape=(1, hw_, hw_, k), dtype=acc_dtype)
        ops.append(Op(name=f"conv{i}", index=len(ops), op_type="CONV_2D", inputs=(x, w), outputs=(y,),
                      attrs={"stride_h": 1, "stride_w": 1, "padding": "SAME", "fused_activation": "NONE"}))
        x = y
        for j, kind in enumerate(draw(st.lists(st.sampled_from(EPILOGUES), max_size=3, unique=True))):
            out = f"e{i}_{j}"
            dtype = "int8" if kind == "QUANTIZE" else tensors[x].dtype
            tensors[out] = Tensor(name=out, shape=(1, hw_, hw_, k), dtype=dtype)
            ins: tuple[str, ...] = (x,)
            if kind == "ADD":
                tensors[f"b{i}"] = Tensor(name=f"b{i}", shape=(k,), dtype="int32", is_const=True)
                ins = (x, f"b{i}")
            ops.append(Op(name=f"{kind.lower()}{i}_{j}", index=len(ops), op_type=kind, inputs=ins, outputs=(out,)))
            x = out
        c = k
    return Graph("chain", ops, tensors, ["x"], [x])


def _fusion_never_worse(graph: Graph, hw: Hardware) -> None:
    before = simulate(graph, hw).summary.iloc[0]
    after = simulate(graph, hw, transforms=["fuse"]).summary.iloc[0]
    assert after["dram_read_bytes"] + after["dram_write_bytes"] <= before["dram_read_bytes"] + before["dram_write_bytes"]
    assert after["latency_cycles"] <= before["latency_cycles"]
    assert after["macs"] == before["macs"]


SRAMS = (512, 4096, 65536, 1 << 20)


@settings(max_examples=40, deadline=None)
@given(unfused_chains(), st.sampled_from(SRAMS))
def test_fusion_never_increases_dram_traffic_or_latency_on_an_mcu(graph: Graph, sram: int) -> None:
    _fusion_never_worse(graph, tiny_mcu(sram=sram))


def fusion_counterexample() -> Graph:
    """9x9x1 input, 1x1 conv to 12 int32 channels, bias ADD, 3x3 conv to 3 channels (docs/whatif.md)."""
    t = {"x": Tensor(name="x", shape=(1, 9, 9, 1)),
         "w0": Tensor(name="w0", shape=(12, 1, 1, 1), is_const=True),
         "acc0": Tensor(name="acc0", shape=(1, 9, 9, 12), dtype="int32"),
         "b0": Tensor(name="b0", shape=(12,), dtype="int32", is_const=True),
         "e0": Tensor(name="e0", shape=(1, 9, 9, 12), dtype="int32"),
         "w1": Tensor(name="w1", shape=(3, 3, 3, 12), is_const=True),
         "acc1": Tensor(name="acc1", shape=(1, 9, 9, 3), dtype="int32")}
    conv = {"stride_h": 1, "stride_w": 1, "padding": "SAME", "fused_activation": "NONE"}
    ops = [Op(name="conv0", index=0, op_type="CONV_2D", inputs=("x", "w0"), outputs=("acc0",), attrs=conv),
           Op(name="add0", index=1, op_type="ADD", inputs=("acc0", "b0"), outputs=("e0",)),
           Op(name="conv1", index=2, op_type="CONV_2D", inputs=("e0", "w1"), outputs=("acc1",), attrs=conv)]
    return Graph("fusion-counterexample", ops, t, ["x"], ["acc1"])


# Known defect of the native systolic model (issue open): it decides graph-wide, greedily in
# production order, which activations stay resident in the scratchpad, reserving for each
# layer only its smallest tiling's working set. After fusion a conv's output can be kept
# resident and leave its consumer so little room that it re-fetches its weights per tile, so
# fusion can raise latency (and, on other graphs, DRAM traffic). This pins the documented
# counterexample; strict, so the test fails once the residency planner is fixed and the
# property below should then be extended to systolic parts.
@pytest.mark.xfail(strict=True, reason="greedy scratchpad residency in the systolic cost model")
def test_fusion_counterexample_on_a_systolic_array() -> None:
    _fusion_never_worse(fusion_counterexample(), tiny_systolic(sram=4096))


def _prunable(graph: Graph) -> list[Op]:
    groups, frozen = channel_groups(graph)
    return [op for op in graph.ops if op.op_type in PRODUCERS and groups[op.outputs[0]] not in frozen]


MODELS = {name: load_graph(name) for name in ("mlperf-ic", "mlperf-vww", "mlperf-kws", "mlperf-ad")}


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.data(), st.floats(0.05, 0.9))
def test_pruning_k_percent_of_a_layers_channels_removes_about_k_percent_of_its_macs(model: str, data: st.DataObject,
                                                                                   k: float) -> None:
    g = MODELS[model]
    op = data.draw(st.sampled_from(_prunable(g)))
    p = prune_channels(g, k, [str(op.index)])
    channels = g.ofm(op).shape[-1]
    kept = macs_of(p, p.ops[op.index]) / macs_of(g, op)
    assert abs(kept - (1 - k)) <= 0.5 / channels + 1e-9  # whole channels: off by at most half a channel


OP_TYPES = ("CONV_2D", "DEPTHWISE_CONV_2D", "RELU", "MAX_POOL_2D", "TANH", "LOGISTIC")


def _chain(types: list[str]) -> Graph:
    tensors = {"t0": Tensor(name="t0", shape=(1, 4, 4, 4))}
    ops = []
    for i, kind in enumerate(types):
        ins: tuple[str, ...] = (f"t{i}",)
        attrs: dict[str, object] = {}
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            tensors[f"w{i}"] = Tensor(name=f"w{i}", shape=(4, 1, 1, 4) if kind == "CONV_2D" else (1, 1, 1, 4),
                                      is_const=True)
            ins = (f"t{i}", f"w{i}")
        if kind == "MAX_POOL_2D":
            attrs = {"filter_h": 1, "filter_w": 1, "stride_h": 1, "stride_w": 1}
        tensors[f"t{i + 1}"] = Tensor(name=f"t{i + 1}", shape=(1, 4, 4, 4))
        ops.append(Op(name=f"op{i}", index=i, op_type=kind, inputs=ins, outputs=(f"t{i + 1}",), attrs=attrs))
    return Graph("chain", ops, tensors, ["t0"], [f"t{len(types)}"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(OP_TYPES), min_size=1, max_size=12),
       st.sets(st.sampled_from(OP_TYPES), min_size=1), st.data())
def test_more_unsupported_operators_never_reduce_the_partition_count(types: list[str], supported: set[str],
                                                                     data: st.DataObject) -> None:
    unsupported = sorted(set(OP_TYPES) - supported) or ["SQUARED_DIFFERENCE"]
    more = list(types)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(more)))
        more.insert(at, data.draw(st.sampled_from(unsupported)))
    before = partition_count(assign_units(_chain(types), supported))
    after = partition_count(assign_units(_chain(more), supported))
    assert after >= before


def test_declaring_more_op_types_unsupported_can_merge_partitions() -> None:
    """Why the property above inserts operators: taking support away from a type can join
    two CPU partitions into one (npu-cpu-npu-cpu becomes one CPU run)."""
    g = _chain(["TANH", "RELU", "TANH"])
    assert partition_count(assign_units(g, {"RELU"})) == 3
    assert partition_count(assign_units(g, {"CONV_2D"})) == 1


def test_partition_property_holds_on_priced_graphs() -> None:
    hw = dataclasses.replace(tiny_systolic(), cpu=tiny_mcu().compute)
    few = simulate(_chain(["CONV_2D", "RELU", "CONV_2D"]), hw, transforms=["partition:CONV_2D,RELU"])
    more = simulate(_chain(["CONV_2D", "RELU", "TANH", "CONV_2D"]), hw, transforms=["partition:CONV_2D,RELU"])
    assert more.summary["partitions"][0] > few.summary["partitions"][0]
    assert more.summary["boundary_cycles"][0] > few.summary["boundary_cycles"][0]
