"""Smoke test of validation/mlperf_tiny/holdout.py: the published v1.1-v1.3 rows it predicts."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT, SHARED

HERE = ROOT / "validation" / "mlperf_tiny"
CALIBRATION = SHARED / "validation" / "mlperf_tiny_calibration.csv"


def _holdout():
    sys.path.insert(0, str(HERE))
    spec = importlib.util.spec_from_file_location("holdout", HERE / "holdout.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_published_rows_carry_their_source_and_a_consistent_latency() -> None:
    rows = pd.read_csv(HERE / "published_v1x.csv")
    assert set(rows["round"]) == {"v1.1", "v1.2", "v1.3"}
    assert rows["results_repo"].str.fullmatch(r"mlcommons/tiny_results_v1\.[123]").all()
    assert rows["results_commit"].str.fullmatch(r"[0-9a-f]{40}").all()
    assert rows["perf_path"].str.startswith("closed/").all()
    assert np.allclose(rows["latency_ms"], 1000 / rows["throughput_inf_s"], rtol=1e-4)


def test_novelty_labels_rows_against_the_calibration_rows() -> None:
    ho = _holdout()
    calib = pd.DataFrame({"profile": ["x-cube-ai", "x-cube-ai"], "spec": ["stm32l4r5", "stm32h7a3"],
                          "release": ["7.3.0", "7.3.0"]})
    rows = pd.DataFrame({"profile": ["x-cube-ai", "x-cube-ai", "x-cube-ai"],
                         "spec": ["stm32l4r5", "stm32l4r5", "stm32u385"], "release": ["7.3", "9.0", "10.2"]})
    assert ho.novelty(rows, calib) == ["rerun", "new release", "new board"]


def test_holdout_prices_the_published_rows_of_one_stack(monkeypatch) -> None:
    if not CALIBRATION.is_file():
        pytest.skip(f"{CALIBRATION} not present")
    ho = _holdout()
    monkeypatch.setattr(ho.cal, "MODELS", SHARED / "models" / "mlperf_tiny")
    calib, _ = ho.cal.select_rows(pd.read_csv(CALIBRATION))
    used, skipped = ho.cal.select_rows(pd.read_csv(HERE / "published_v1x.csv"))
    assert {"x-cube-ai", "plumerai", "microtvm", "cmsis-nn"} <= set(used["profile"])
    assert (skipped["reason"] == "the system lists an accelerator beside the core, not modelled").any()
    sub = used[used["submitter"] == "Krai"].reset_index(drop=True)
    sub["novelty"] = ho.novelty(sub, calib)
    res = ho.price(sub)
    assert (res["predicted_ms"] > 0).all() and np.isfinite(res["abs_pct_error"]).all()
    assert set(ho.grouped(res)["group"]) >= {"all", "x-cube-ai / rerun", "microtvm / rerun"}


def test_release_profiles_take_releases_measured_on_three_boards() -> None:
    ho = _holdout()
    rows = pd.DataFrame({"profile": ["x-cube-ai"] * 5 + ["plumerai"] * 3,
                         "spec": ["a", "b", "c", "a", "b", "a", "b", "c"],
                         "release": ["10.2.0", "10.2", "10.2", "9.0", "9.0", "unstated", "unstated", "unstated"]})
    groups = ho.release_groups(rows)
    assert list(groups) == ["x-cube-ai@10.2"] and len(groups["x-cube-ai@10.2"]) == 3


def test_hale_rows_are_selected_by_stack_name_in_their_default_build() -> None:
    ho = _holdout()
    used, skipped = ho.cal.select_rows(pd.read_csv(HERE / "published_v1x.csv"))
    hale = used[used["profile"] == "hale"]
    assert set(hale["spec"]) == {"psoc62", "stm32l4r5", "stm32u575", "stm32f746", "stm32h7a3"}
    assert not hale["system_dir"].str.endswith(ho.cal.BUILD_VARIANTS).any()
    assert {ho.release_key(r) for r in hale["release"]} == {"1.0"}
    variants = skipped[skipped["system_dir"].str.endswith(ho.cal.BUILD_VARIANTS)]
    assert len(variants) >= 5 and variants["reason"].str.startswith("a non-default build").all()
    # the Cortex-M0+ board is kept out of every fit and priced apart with the profile of the DSP boards
    g0 = skipped[skipped["board"] == "NUCLEO-G0B1RE"]
    assert len(g0) == 8 and g0["reason"].eq(ho.cal.NO_DSP_REASON).all() and set(g0["spec"]) == {"stm32g0b1"}


def test_armv6m_rows_are_priced_apart_with_their_stack_profile(monkeypatch) -> None:
    ho = _holdout()
    monkeypatch.setattr(ho.cal, "MODELS", SHARED / "models" / "mlperf_tiny")
    if not (SHARED / "models" / "mlperf_tiny").is_dir():
        pytest.skip("shared models not present")
    _, skipped = ho.cal.select_rows(pd.read_csv(HERE / "published_v1x.csv"))
    apart = ho.price_apart(skipped[skipped["reason"] == ho.cal.NO_DSP_REASON].reset_index(drop=True))
    assert len(apart) == 8 and (apart["predicted_ms"] > 0).all() and np.isfinite(apart["abs_pct_error"]).all()
    assert set(apart["profile"]) == {"hale"} and set(apart["release"]) == {"1.0", "1.0.175"}


def test_a_stack_no_calibration_row_measured_takes_its_widest_release_profile() -> None:
    ho = _holdout()
    folds = pd.DataFrame({"release_profile": ["hale@1.0"] * 3 + ["hale@2.0"] * 2 + ["x-cube-ai@10.2"] * 3,
                          "spec": ["a", "b", "c", "a", "b", "a", "b", "c"],
                          "round": ["v1.1"] * 3 + ["v1.3"] * 2 + ["v1.3"] * 3})
    assert ho.new_stack_profiles(folds, {"x-cube-ai"}) == {"hale": "hale@1.0"}
    tied = folds.assign(spec=["a", "b", "a", "a", "b", "a", "b", "c"])
    assert ho.new_stack_profiles(tied, {"x-cube-ai"}) == {"hale": "hale@2.0"}      # newest round on ties
