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
