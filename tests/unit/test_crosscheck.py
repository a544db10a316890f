"""Alignment of measured nodes with simulated ops, error metrics, calibration, bundled specs."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.api import load_graph, load_hardware, simulate
from sim.cli import main
from sim.errors import SimError
from sim.profile.align import align, score, spearman
from sim.profile.benchmark_log import load_profile
from sim.profile.calibrate import fit_op_scale, resolve_profile, with_op_scale
from sim.profile.crosscheck import crosscheck
from tests.unit.test_benchmark_log import shared_log


def sim_frame(types: list[str], lat: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"index": range(len(types)), "op_type": types, "latency_us": lat})


def log_frame(rows: list[tuple[int, str, float, bool]], indexed: bool) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["node", "op_type", "avg_us", "delegate"])
    df.attrs["indexed"] = indexed
    return df


def test_align_by_index_one_to_one():
    sim = sim_frame(["CONV_2D", "DEPTHWISE_CONV_2D", "SOFTMAX"], [10, 20, 1])
    g, unmatched = align(sim, log_frame([(0, "CONV_2D", 11, False), (1, "DEPTHWISE_CONV_2D", 25, False),
                                         (2, "SOFTMAX", 2, False)], True))
    assert unmatched == [] and list(g["sim_ops"]) == ["0", "1", "2"]
    assert list(g["ape_pct"]) == pytest.approx([100 / 11, 20.0, 50.0])


def test_align_without_index_folds_fused_ops_into_the_previous_node():
    sim = sim_frame(["CONV_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"], [10, 0, 5, 1])
    g, unmatched = align(sim, log_frame([(0, "CONV_2D", 10, False), (1, "FULLY_CONNECTED", 5, False),
                                         (2, "SOFTMAX", 1, False)], False))
    assert unmatched == []
    assert list(g["sim_ops"]) == ["0-1", "2", "3"] and list(g["fused"]) == [True, False, False]
    assert g.iloc[0]["sim_op_types"] == "CONV_2D+RESHAPE"


def test_delegate_node_covers_the_ops_between_its_neighbours():
    sim = sim_frame(["QUANTIZE", "CONV_2D", "CONV_2D", "ADD", "SOFTMAX"], [1, 10, 10, 2, 1])
    # partition 1..3 went to a delegate; the delegate node is appended after the original ops (index 5)
    g, unmatched = align(sim, log_frame([(0, "QUANTIZE", 1, False), (5, "TfLiteXNNPackDelegate", 15, True),
                                         (4, "SOFTMAX", 1, False)], True))
    assert unmatched == []
    assert list(g["sim_ops"]) == ["0", "1-3", "4"] and list(g["n_sim_ops"]) == [1, 3, 1]
    assert g.iloc[1]["predicted_us"] == 22 and bool(g.iloc[1]["delegate"])


def test_unmatched_log_node_is_reported():
    sim = sim_frame(["CONV_2D"], [10])
    g, unmatched = align(sim, log_frame([(0, "CONV_2D", 10, False), (1, "LSTM", 3, False)], True))
    assert unmatched == [1] and len(g) == 1


def test_spearman():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    assert spearman(a, a ** 3) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 3, 3, 4]) == pytest.approx(1.0)  # ties share their mean rank
    assert spearman([1, 2, 3, 4], [2, 1, 4, 3]) == pytest.approx(0.6)  # 1 - 6*4/(4*15)
    assert math.isnan(spearman([1.0], [2.0]))


def test_score_total_and_mean():
    g = pd.DataFrame({"predicted_us": [10.0, 30.0], "measured_us": [20.0, 20.0], "ape_pct": [50.0, 50.0]})
    s = score(g)
    assert (s.mape_pct, s.total_ape_pct, s.total_predicted_us) == (50.0, 0.0, 40.0)


def test_zoo_mobilenet_v1_matches_the_imx_log_op_by_op():
    cc = crosscheck("mobilenet-v1", "imx8mp-a53", shared_log("imx8mp_cpu_mobilenet_v1_1.0_224_quant.log"))
    g = cc.groups
    assert len(g) == 31 and cc.scores.unmatched_log_nodes == 0 and cc.scores.unmatched_sim_ops == 0
    assert (g["op_type"] == g["sim_op_types"]).all()  # every node index has the same op type in the zoo graph
    assert list(g["sim_ops"]) == [str(i) for i in range(31)]
    assert g["measured_us"].sum() == pytest.approx(162908.0)
    # MobileNetV1 1.0-224 has 569M mult-adds (Howard et al. 2017, table 4); 1001 classes here
    assert 568_000_000 < int(cc.sim.layers["macs"].sum()) < 570_000_000


def test_npu_delegate_covers_the_whole_graph():
    cc = crosscheck("mobilenet-v1", "imx8mp-npu", shared_log("imx8mp_npu_mobilenet_v1_1.0_224_quant.log"))
    assert len(cc.groups) == 1 and cc.groups.iloc[0]["sim_ops"] == "0-30"
    assert cc.scores.unmatched_sim_ops == 0


def test_cli_crosscheck_writes_csv(tmp_path, capsys):
    log = shared_log("imx8mp_cpu_mobilenet_v1_1.0_224_quant.log")
    assert main(["crosscheck", "mobilenet-v1", "--hw", "imx8mp-a53", "--log", str(log), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Spearman rho" in out and "mean APE" in out
    df = pd.read_csv(tmp_path / "crosscheck.csv")
    assert len(df) == 31 and {"predicted_us", "measured_us", "ape_pct"} <= set(df.columns)
    summ = pd.read_csv(tmp_path / "crosscheck_summary.csv").iloc[0]
    assert summ["log_inference_avg_us"] == 162980


def test_cli_crosscheck_missing_log_exits_2(tmp_path, capsys):
    assert main(["crosscheck", "mobilenet-v1", "--hw", "imx8mp-a53", "--log", str(tmp_path / "no.log")]) == 2
    assert "no.log" in capsys.readouterr().err


def test_fit_op_scale_is_the_ratio_of_sums():
    groups = pd.DataFrame({"op_type": ["CONV_2D", "CONV_2D", "SOFTMAX", "RESHAPE", "ADD"],
                           "n_sim_ops": [1, 1, 1, 1, 1], "delegate": [False] * 5,
                           "predicted_us": [10.0, 30.0, 1.0, 0.0, 1.0], "measured_us": [20.0, 100.0, 3.0, 5.0, 1.5]})
    s = fit_op_scale([SimpleNamespace(groups=groups)])  # type: ignore[list-item]
    assert s["CONV_2D"] == pytest.approx(120.0 / 40.0)
    assert s["SOFTMAX"] == pytest.approx(3.0)
    assert set(s) == {"CONV_2D", "SOFTMAX"}  # RESHAPE predicted 0, ADD measured under 2 us: no information


def test_op_scale_multiplies_compute_cycles():
    hw = load_hardware("imx8mp-a53")
    base = simulate("mlperf-kws", hw).layers
    scaled = simulate("mlperf-kws", with_op_scale(hw, {"CONV_2D": 3.0})).layers
    conv = base["op_type"] == "CONV_2D"
    assert (scaled.loc[conv, "compute_cycles"].to_numpy() == 3 * base.loc[conv, "compute_cycles"].to_numpy()).all()
    assert (scaled.loc[~conv, "compute_cycles"].to_numpy() == base.loc[~conv, "compute_cycles"].to_numpy()).all()


def test_calibrated_spec_round_trips_through_the_loader(tmp_path):
    hw = with_op_scale(load_hardware("host"), {"CONV_2D": 4.5, "SOFTMAX": 2.0})
    from sim.spec.load import dump_yaml
    p = tmp_path / "h.yaml"
    p.write_text(dump_yaml(hw))
    assert load_hardware(p).compute.op_scale == {"CONV_2D": 4.5, "SOFTMAX": 2.0}


def test_op_scale_keys_must_be_op_types(tmp_path, capsys):
    assert main(["check", "host", "--set", "compute.op_scale.conv=2"]) == 2
    assert "expected a TFLite operator type" in capsys.readouterr().err
    assert main(["check", "host", "--set", "compute.op_scale.CONV_2D=-1"]) == 2


@pytest.mark.parametrize("name, kind", [("imx8mp-a53", "vector"), ("imx8mp-npu", "systolic"), ("host", "vector")])
def test_bundled_specs(name, kind):
    hw = load_hardware(name)
    assert hw.compute.type == kind
    if kind == "vector":
        assert hw.kernels == "tflite-cpu" and hw.compute.simd_width_bits in (128, 256)
    else:
        assert hw.compute.rows * hw.compute.cols * 2 * hw.clock_hz == pytest.approx(2.3e12, rel=0.01)


def test_resolve_profile_forms(tmp_path):
    log = shared_log("imx8mp_cpu_mobilenet_v1_1.0_224_quant.log")
    p = resolve_profile(f"mobilenet-v1={log}")
    assert p.model == "mobilenet-v1" and len(p.profile.ops) == 31
    with pytest.raises(SimError, match="expected MODEL=LOG"):
        resolve_profile(str(tmp_path))
    assert load_graph("mobilenet-v1").name == "mobilenet-v1"
    assert len(load_profile(log).ops) == 31


def test_profile_columns_are_described_once():
    from sim.profile.align import CROSSCHECK_COLUMNS as ALIGNED
    from sim.profile.benchmark_log import OPS_COLUMNS
    from sim.report.columns import CROSSCHECK_COLUMNS, PROFILE_COLUMNS
    assert [c.name for c in PROFILE_COLUMNS] == [*OPS_COLUMNS, "source"]
    assert [c.name for c in CROSSCHECK_COLUMNS] == list(ALIGNED)
