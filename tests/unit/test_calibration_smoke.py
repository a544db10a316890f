"""Smoke test of validation/mlperf_tiny/calibrate.py on a subset of the measured rows."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT, SHARED

CSV = SHARED / "validation" / "mlperf_tiny_calibration.csv"


def _calibrate():
    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "validation" / "mlperf_tiny" / "calibrate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_lobo_on_the_x_cube_ai_rows_predicts_every_held_out_board(monkeypatch) -> None:
    if not CSV.is_file():
        pytest.skip(f"{CSV} not present")
    cal = _calibrate()
    monkeypatch.setattr(cal, "MODELS", SHARED / "models" / "mlperf_tiny")
    used, skipped = cal.select_rows(pd.read_csv(CSV))
    assert set(used["profile"]) == {"cmsis-nn", "x-cube-ai", "plumerai", "microtvm"}
    assert (skipped["stack_class"] == "TFLM+vendor kernels").any()
    sub = used[(used["profile"] == "x-cube-ai") & (used["round"] == "v1.0")].reset_index(drop=True)
    res = cal.leave_one_board_out(cal.add_parts(sub))
    assert len(res) == len(sub) == 12
    assert np.isfinite(res["predicted_ms"]).all() and (res["predicted_ms"] > 0).all()
    table = cal.summary(res)
    assert "x-cube-ai / all cores" in set(table["stack / core"])
    assert table["median_abs_pct_error"].notna().all()


def test_release_supply_and_fold_rules_without_the_models() -> None:
    cal = _calibrate()
    assert cal.release_of("X-CUBE-AI 7.3.0", "x-cube-ai") == "7.3.0"
    assert cal.release_of("TFLM v2.3.1 + CMSIS-NN (reference)", "cmsis-nn") == "2.3.1"
    assert cal.release_of("microTVM (native TVM schedules)", "microtvm") == "native schedules"
    assert cal.release_of("Plumerai Inference Engine", "plumerai") == "unstated"
    assert cal.supply_of("Operating at 3.3V with SMPS") == 3.3 and np.isnan(cal.supply_of(float("nan")))
    rows = pd.DataFrame({"spec": ["a", "b", "b", "c"], "release": ["1", "1", "2", "2"],
                         "round": ["v0.7", "v0.7", "v1.0", "v1.0"]})
    assert list(cal.training_rows(rows, "c", "2").index) == [2]              # same release on another board
    assert list(cal.training_rows(rows, "a", "1")["spec"]) == ["b"]
    assert list(cal.training_rows(rows, "a", "9")["spec"]) == ["b", "b", "c"]  # none: every other board
    assert set(cal.reference_rows(rows)["release"]) == {"2"}                  # two boards each: the newer round
    assert list(cal.reference_rows(rows.iloc[[0, 3]])["release"]) == ["2"]    # one board each: the newer round
    # board current: rows whose measured power exceeds the model by exactly V x 5 mA give 5 mA
    e = pd.DataFrame({"model_power_mw": [20.0, 50.0], "latency_ms": [10.0, 2.0], "access_energy_uj": [1.0, 0.5],
                      "supply_v": [1.8, 3.0]})
    e["energy_uj_per_inf"] = (e["model_power_mw"] + e["supply_v"] * 5.0) * e["latency_ms"] + e["access_energy_uj"]
    assert np.isclose(cal.fit_board_current(e), 5.0)


def _what_if():
    path = ROOT / "validation" / "mlperf_tiny" / "what_if_2020_kernels.py"
    spec = importlib.util.spec_from_file_location("what_if_2020_kernels", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_what_if_kernel_selection_applies_inside_the_block_only() -> None:
    from sim.api import load_hardware
    from sim.cost.vector import op_work, profile_of
    from workloads import zoo

    wi = _what_if()
    graph, hw = zoo.build("mlperf-kws"), load_hardware("stm32l4r5")
    prof = profile_of(hw)
    dw = next(op for op in graph.ops if op.op_type == "DEPTHWISE_CONV_2D")
    conv = next(op for op in graph.ops if op.op_type == "CONV_2D")
    before = op_work(graph, dw, hw, prof)
    with wi.lowering(wi.HYPOTHESES["dw-opt"]):
        opt = op_work(graph, dw, hw, prof)
        assert op_work(graph, conv, hw, prof).routine == "arm_convolve_s8"
    with wi.lowering(wi.HYPOTHESES["scalar-conv"]):
        scalar = op_work(graph, conv, hw, prof)
    assert before.routine == "arm_depthwise_conv_3x3_s8" and opt.routine == "arm_depthwise_conv_s8_opt"
    # the stand-in keeps TFLM's reference routine, so the profile's code model prices it as measured
    assert scalar.routine == "reference conv" and scalar.core_cycles > op_work(graph, conv, hw, prof).core_cycles
    assert op_work(graph, dw, hw, prof).routine == before.routine    # restored after the block
