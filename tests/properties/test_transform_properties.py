"""Properties of the what-if transforms, over generated graphs and parts."""

from __future__ import annotations

import dataclasses

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


def conv_chain(shape: tuple[int, int, int, int], layers: list[tuple[int, int, str, list[str]]]) -> Graph:
    """SAME convs (K, kernel, accumulator dtype) each followed by separate epilogue operators
    (a bias ADD, an activation, a requantizing QUANTIZE), as fusion finds them."""
    tensors = {"x": Tensor(name="x", shape=shape)}
    ops: list[Op] = []
    x, c = "x", shape[3]
    for i, (k, kernel, acc_dtype, epilogues) in enumerate(layers):
        w, y = f"w{i}", f"acc{i}"
        tensors[w] = Tensor(name=w, shape=(k, kernel, kernel, c), is_const=True)
        tensors[y] = Tensor(name=y, shape=(*shape[:3], k), dtype=acc_dtype)
        ops.append(Op(name=f"conv{i}", index=len(ops), op_type="CONV_2D", inputs=(x, w), outputs=(y,),
                      attrs={"stride_h": 1, "stride_w": 1, "padding": "SAME", "fused_activation": "NONE"}))
        x = y
        for j, kind in enumerate(epilogues):
            out = f"e{i}_{j}"
            dtype = "int8" if kind == "QUANTIZE" else tensors[x].dtype
            tensors[out] = Tensor(name=out, shape=(*shape[:3], k), dtype=dtype)
            ins: tuple[str, ...] = (x,)
            if kind == "ADD":
                tensors[f"b{i}"] = Tensor(name=f"b{i}", shape=(k,), dtype="int32", is_const=True)
                ins = (x, f"b{i}")
            ops.append(Op(name=f"{kind.lower()}{i}_{j}", index=len(ops), op_type=kind, inputs=ins, outputs=(out,)))
            x = out
        c = k
    return Graph("chain", ops, tensors, ["x"], [x])


@st.composite
def unfused_chains(draw: st.DrawFn) -> Graph:
    side = draw(st.integers(4, 16))
    shape = (1, side, side, draw(st.integers(1, 16)))
    layers = [(draw(st.integers(1, 24)), draw(st.sampled_from((1, 3))), draw(st.sampled_from(("int32", "int8"))),
               draw(st.lists(st.sampled_from(EPILOGUES), max_size=3, unique=True)))
              for _ in range(draw(st.integers(1, 4)))]
    return conv_chain(shape, layers)


def _totals(graph: Graph, hw: Hardware, transforms: list[str], objective: str = "latency") -> dict[str, int]:
    s = simulate(graph, hw, transforms=transforms, objective=objective).summary.iloc[0]
    return {"dram": int(s["dram_read_bytes"] + s["dram_write_bytes"]), "latency": int(s["latency_cycles"]),
            "macs": int(s["macs"])}


def _fusion_never_worse(graph: Graph, hw: Hardware, objective: str = "latency",
                        metrics: tuple[str, ...] = ("dram", "latency")) -> None:
    before = _totals(graph, hw, [], objective)
    after = _totals(graph, hw, ["fuse"], objective)
    for metric in metrics:
        assert after[metric] <= before[metric], metric
    assert after["macs"] == before["macs"]


SRAMS = (512, 4096, 65536, 1 << 20)
METRIC = {"latency": "latency", "dram": "dram"}


@settings(max_examples=40, deadline=None)
@given(unfused_chains(), st.sampled_from(SRAMS))
def test_fusion_never_increases_dram_traffic_or_latency_on_an_mcu(graph: Graph, sram: int) -> None:
    _fusion_never_worse(graph, tiny_mcu(sram=sram))


# On a systolic array the scheduler picks each layer's tiling (and which activations stay on
# chip) to minimise one objective, so fusion, which only removes work, never raises that
# objective's total. The other quantity may rise: see the trade-off test below.
@settings(max_examples=40, deadline=None)
@given(unfused_chains(), st.sampled_from(SRAMS), st.sampled_from((4, 8, 16)), st.sampled_from(sorted(METRIC)))
def test_fusion_never_increases_what_the_systolic_scheduler_minimises(graph: Graph, sram: int, side: int,
                                                                       objective: str) -> None:
    _fusion_never_worse(graph, tiny_systolic(sram=sram, rows=side, cols=side), objective, (METRIC[objective],))


def fusion_counterexample() -> Graph:
    """9x9x1 input, 1x1 conv to 12 int32 channels, bias ADD, 3x3 conv to 3 channels (docs/whatif.md)."""
    return conv_chain((1, 9, 9, 1), [(12, 1, "int32", ["ADD"]), (3, 3, "int32", [])])


def test_a_kept_fused_output_does_not_squeeze_its_consumer() -> None:
    """Residency used to reserve each layer only its smallest tiling: kept after fusion, this
    conv's output left the 3x3 conv so little room that it re-fetched its weights per tile."""
    _fusion_never_worse(fusion_counterexample(), tiny_systolic(sram=4096))


def test_fusion_can_trade_dram_traffic_for_latency() -> None:
    """Fused, the last conv writes the graph output itself; the latency-optimal tiling for
    that re-fetches weights (more DRAM, fewer cycles), and the DRAM-optimal one does not."""
    graph = conv_chain((1, 5, 5, 1), [(5, 1, "int8", []), (4, 1, "int8", ["RELU", "ADD", "QUANTIZE"]),
                                      (15, 1, "int8", []), (3, 1, "int8", ["RELU", "ADD", "QUANTIZE"])])
    hw = tiny_systolic(sram=1 << 20, rows=4, cols=4)
    before, after = _totals(graph, hw, []), _totals(graph, hw, ["fuse"])
    assert after["latency"] < before["latency"] and after["dram"] > before["dram"]
    _fusion_never_worse(graph, hw, "dram", ("dram",))


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
