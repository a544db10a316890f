"""`--compat scalesim` reproduces stored SCALE-Sim 3.0.0 reports layer by layer, exactly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.api import simulate
from sim.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "scalesim"
CALC = sorted(d for d in GOLDEN.iterdir() if d.is_dir() and d.name.endswith("-calc"))
USER = sorted(d for d in GOLDEN.iterdir() if d.is_dir() and d.name.endswith("-user"))
TRAFFIC = {"SRAM IFMAP Reads": ("sram", "ifm", "read_bytes"), "SRAM Filter Reads": ("sram", "weights", "read_bytes"),
           "SRAM OFMAP Writes": ("sram", "ofm", "write_bytes"), "DRAM IFMAP Reads": ("dram", "ifm", "read_bytes"),
           "DRAM Filter Reads": ("dram", "weights", "read_bytes"),
           "DRAM OFMAP Writes": ("dram", "ofm", "write_bytes")}


def scalesim_report(case: Path) -> pd.DataFrame:
    comp = pd.read_csv(case / "COMPUTE_REPORT.csv", skipinitialspace=True)
    det = pd.read_csv(case / "DETAILED_ACCESS_REPORT.csv", skipinitialspace=True)
    return comp.merge(det, on="LayerID")


def edgesim_report(case: Path) -> pd.DataFrame:
    res = simulate(case / "topology.csv", case / "scale.cfg", compat="scalesim")
    out = pd.DataFrame({"Total Cycles": res.layers["latency_cycles"], "Stall Cycles": res.layers["stall_cycles"]})
    tr = res.traffic
    for col, (mem, operand, field) in TRAFFIC.items():
        sel = tr[(tr["memory"] == mem) & (tr["operand"] == operand)].set_index("index")[field]
        out[col] = sel.reindex(res.layers["index"]).to_numpy()
    return out


def test_golden_set_is_present() -> None:
    assert len(CALC) >= 20 and {d.name.split("-")[2] for d in CALC} == {"ws", "is", "os"}


@pytest.mark.parametrize("case", CALC, ids=lambda d: d.name)
def test_calc_mode_matches_exactly(case: Path) -> None:
    ref, ours = scalesim_report(case), edgesim_report(case)
    assert len(ours) == len(ref)
    for col in ("Total Cycles", "Stall Cycles", *TRAFFIC):
        assert ours[col].tolist() == ref[col].astype(int).tolist(), col


@pytest.mark.parametrize("case", USER, ids=lambda d: d.name)
def test_user_mode_matches_exactly(case: Path) -> None:
    """USER bandwidth mode: read-buffer prefetch stalls and the ofmap drain at the given bandwidth."""
    ref, ours = scalesim_report(case), edgesim_report(case)
    assert len(ours) == len(ref)
    for col in ("Total Cycles", "Stall Cycles", *TRAFFIC):
        assert ours[col].tolist() == ref[col].astype(int).tolist(), col


def test_cli_run_writes_scalesim_counts(tmp_path: Path) -> None:
    case = GOLDEN / "resnet8-32x32-ws-fit-calc"
    assert main(["run", str(case / "topology.csv"), "--hw", str(case / "scale.cfg"), "--compat", "scalesim",
                 "--out", str(tmp_path)]) == 0
    layers = pd.read_csv(tmp_path / "layers.csv")
    ref = scalesim_report(case)
    assert layers["latency_cycles"].tolist() == ref["Total Cycles"].tolist()
    assert set(layers["cost_model"]) == {"scalesim"}
    traffic = pd.read_csv(tmp_path / "traffic.csv")
    dram_ofm = traffic[(traffic["memory"] == "dram") & (traffic["operand"] == "ofm")]["write_bytes"]
    assert dram_ofm.tolist() == ref["DRAM OFMAP Writes"].tolist()


def test_dataflow_option_overrides_the_cfg() -> None:
    """`--dataflow os` on a ws config runs os, as editing the cfg's Dataflow would."""
    ws, os_ = GOLDEN / "resnet8-32x32-ws-fit-calc", GOLDEN / "resnet8-32x32-os-fit-calc"
    res = simulate(ws / "topology.csv", ws / "scale.cfg", compat="scalesim", dataflow="os")
    assert res.layers["latency_cycles"].tolist() == scalesim_report(os_)["Total Cycles"].tolist()
    assert set(res.layers["dataflow"]) == {"os"}


def test_graphs_from_other_sources_lower_to_topology_rows() -> None:
    """A SAME-padded conv built in Python costs what SCALE-Sim reports for its padded topology row
    (ResNet-8's first layer: 34x34x3 IFMAP, 3x3x16); FC layers use the GEMM form; ops SCALE-Sim
    cannot run cost nothing and say so."""
    from workloads.builder import GraphBuilder
    case = GOLDEN / "resnet8-32x32-ws-fit-calc"
    b = GraphBuilder("first", (1, 32, 32, 3))
    x = b.conv(b.input, 16, 3, stride=1, padding="SAME")
    x = b.dwconv(x, 3)
    graph = b.build(b.softmax(b.reshape(b.avgpool(x), (1, 16))))
    res = simulate(graph, case / "scale.cfg", compat="scalesim")
    ref = scalesim_report(case).iloc[0]
    first = res.layers.iloc[0]
    assert first["latency_cycles"] == ref["Total Cycles"]
    assert first["dram_read_bytes"] == ref["DRAM IFMAP Reads"] + ref["DRAM Filter Reads"]
    assert first["dram_write_bytes"] == ref["DRAM OFMAP Writes"]
    dw = res.layers.iloc[1]
    assert dw["op_type"] == "DEPTHWISE_CONV_2D" and dw["scalesim_macs"] == 32 * 32 * 9 * 16 * 16  # dense
    assert (res.layers.iloc[2:]["latency_cycles"] == 0).all()
    assert res.costs[2].notes == "SCALE-Sim runs only conv and GEMM layers"


def test_compat_needs_a_systolic_spec() -> None:
    from sim.errors import SimError
    with pytest.raises(SimError, match="expected a systolic-array spec"):
        simulate("mlperf-ad", "stm32h7a3", compat="scalesim")
