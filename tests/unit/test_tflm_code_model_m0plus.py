"""The `gcc` code model's Thumb-1 table: TFLM's reference loops priced as GCC's code on ARMv6-M.

The table (sim/cost/gcc_tflm_reference_m0plus.yaml) is fitted on random layer shapes run on an
emulated Cortex-M0+ (validation/tflm_reference_iss, run_tflm.py --cpu cortex-m0plus); these tests
hold it to the MLPerf Tiny layers of the same run, which the fit never saw, and pin where it
applies: the reference routines on `cortex-m0` cores under `code: gcc` when they are TFLM's own
kernels (`tflm-reference`), not when they stand in for CMSIS-NN's scalar C (`cmsis-nn`, which
takes its own table: test_cmsis_nn_scalar_m0plus.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cost import vector_kernels as vk
from sim.cost.vector import (CORE_CPI, TFLM_CODE_MODEL_FILE, TFLM_M0PLUS_CODE_MODEL_FILE, code_expansion,
                             code_model_of)
from tests.conftest import core_cycles, one_conv

ISS = Path(__file__).resolve().parents[2] / "validation" / "tflm_reference_iss"
CLASSES = ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req")
ROUTINES = {"reference conv", "reference depthwise conv", "reference fc", "reference add", "reference mul",
            "reference average pool", "reference max pool", "reference softmax"}


def _held_out() -> pd.DataFrame:
    ours = pd.DataFrame(json.loads((ISS / "layers_m0plus.json").read_text()))
    ran = pd.read_csv(ISS / "iss_cycles_m0plus.csv").drop(columns=["macs"])
    df = ours.merge(ran, on=["model", "index"], validate="one_to_one")
    table = code_expansion(TFLM_M0PLUS_CODE_MODEL_FILE)
    m0 = np.array(CORE_CPI["cortex-m0"])
    counts = df[[f"edgesim_{c}" for c in CLASSES]].to_numpy(float)
    df["modelled"] = [float(c @ (m0 * table.get(r, table["default"]))) for c, r in zip(counts, df["routine"])]
    return df


def test_the_table_reproduces_the_cortex_m0plus_run_of_the_mlperf_layers() -> None:
    df = _held_out()
    assert (df["routine"] == df["routine_ran"]).all() and (df["output_check"] == "match").all()
    assert len(df) == 67
    per_model = df.groupby("model")[["modelled", "cycles_m0plus", "edgesim_cycles_m0plus"]].sum()
    err = (per_model["modelled"] / per_model["cycles_m0plus"] - 1).abs()
    counted = (per_model["edgesim_cycles_m0plus"] / per_model["cycles_m0plus"] - 1).abs()
    assert set(per_model.index) == {"ad", "ic", "kws", "vww"}
    assert (err < 0.10).all(), err.to_dict()
    assert (err < counted / 2).all(), (err.to_dict(), counted.to_dict())
    assert (df["modelled"] / df["cycles_m0plus"] - 1).abs().median() < 0.15


def test_the_table_is_in_cortex_m0_cycles_with_a_row_per_measured_routine() -> None:
    raw = yaml.safe_load(TFLM_M0PLUS_CODE_MODEL_FILE.read_text())
    assert raw["core"] == "cortex-m0"
    table = code_expansion(TFLM_M0PLUS_CODE_MODEL_FILE)
    assert set(table) == ROUTINES | {"default"}
    conv = raw["routines"]["reference conv"]
    # REQ's multiplier is over the cortex-m0 table's 30-cycle requantization, not the M4's 14
    assert table["reference conv"][vk.REQ] == pytest.approx(conv["epilogue_cycles"] / CORE_CPI["cortex-m0"][vk.REQ])
    assert all(v.shape == (7,) and (v >= 0).all() for v in table.values())


def test_code_model_of_picks_the_table_by_core() -> None:
    m0 = code_model_of("gcc", "cortex-m0", 0, "reference conv")
    m4 = code_model_of("gcc", "cortex-m4", 0, "reference conv")
    assert m0 is not None and np.array_equal(m0, code_expansion(TFLM_M0PLUS_CODE_MODEL_FILE)["reference conv"])
    assert m4 is not None and np.array_equal(m4, code_expansion(TFLM_CODE_MODEL_FILE)["reference conv"])
    assert code_model_of("counted", "cortex-m0", 0, "reference conv") is None
    assert code_model_of("gcc-cmsis-nn", "cortex-m0", 0, "reference conv") is None
    row = code_model_of("gcc", "cortex-m0", 0, "reference elementwise")
    assert row is not None and np.array_equal(row, code_expansion(TFLM_M0PLUS_CODE_MODEL_FILE)["default"])


def test_gcc_prices_tflm_reference_loops_on_the_cortex_m0plus() -> None:
    g = one_conv()
    gcc = core_cycles(g, "stm32g0b1", "tflm-reference", "gcc")
    counted = core_cycles(g, "stm32g0b1", "tflm-reference", "counted")
    assert gcc > 1.2 * counted


def test_cmsis_nn_on_the_cortex_m0plus_is_not_priced_as_tflms_code() -> None:
    # a cmsis-nn build runs CMSIS-NN's scalar C there, not TFLM's kernels: the Thumb-1 table of
    # TFLM's code would price it 1.8-3.2x too slow (STANDIN_m0plus.md); it takes CMSIS-NN's own
    # table (test_cmsis_nn_scalar_m0plus.py)
    g = one_conv()
    assert core_cycles(g, "stm32g0b1", "cmsis-nn", "gcc") < core_cycles(g, "stm32g0b1", "tflm-reference", "gcc")
