"""CMSIS-NN's scalar C on ARMv6-M: the reference loops priced by its measured Cortex-M0+ table.

The table (sim/cost/gcc_cmsis_nn_scalar_m0plus.yaml) is fitted on random layer shapes that
CMSIS-NN's non-DSP C ran on an emulated Cortex-M0+ (validation/tflm_reference_iss,
synthetic_cmsis_nn_m0plus.py); these tests hold it to the 67 MLPerf Tiny layers of CMSIS-NN's
run (iss_cmsis_nn_m0plus.csv), which the fit never saw, and pin where it applies: the reference
loops that stand in for CMSIS-NN (`cmsis-nn` family on `cortex-m0`) under `code: gcc` only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cost.vector import (CMSIS_NN_M0PLUS_CODE_MODEL_FILE, CORE_CPI, TFLM_M0PLUS_CODE_MODEL_FILE,
                             code_expansion, code_model_of, op_work, profile_named)
from sim.spec.load import load_hardware
from tests.conftest import core_cycles, one_conv

ISS = Path(__file__).resolve().parents[2] / "validation" / "tflm_reference_iss"
CLASSES = ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req")
ROUTINES = {"reference conv", "reference depthwise conv", "reference fc", "reference add", "reference mul",
            "reference average pool", "reference max pool", "reference softmax"}


def _held_out() -> pd.DataFrame:
    ours = pd.DataFrame(json.loads((ISS / "layers_m0plus.json").read_text()))
    ran = pd.read_csv(ISS / "iss_cmsis_nn_m0plus.csv").drop(columns=["macs", "op_type"])
    df = ours.merge(ran, on=["model", "index"], validate="one_to_one")
    table = code_expansion(CMSIS_NN_M0PLUS_CODE_MODEL_FILE)
    m0 = np.array(CORE_CPI["cortex-m0"])
    counts = df[[f"edgesim_{c}" for c in CLASSES]].to_numpy(float)
    df["modelled"] = [float(c @ (m0 * table.get(r, table["default"]))) for c, r in zip(counts, df["routine"])]
    return df


def test_the_table_reproduces_cmsis_nns_cortex_m0plus_run_of_the_mlperf_layers() -> None:
    df = _held_out()
    assert len(df) == 67 and (df["output_check"] == "match").all()
    assert df["routine"].str.startswith("reference ").all() and df["routine_ran"].str.startswith("arm_").all()
    per_model = df.groupby("model")[["modelled", "cycles_m0plus", "edgesim_cycles_m0plus"]].sum()
    assert set(per_model.index) == {"ad", "ic", "kws", "vww"}
    err = (per_model["modelled"] / per_model["cycles_m0plus"] - 1).abs()
    counted = (per_model["edgesim_cycles_m0plus"] / per_model["cycles_m0plus"] - 1).abs()
    # FIT_cmsis_nn_m0plus.md: 7.2, 6.3, 10.8, 12.7% against the counted stand-in's 26.7-30.3%
    assert (err < 0.15).all(), err.to_dict()
    assert (err < counted * 0.6).all(), (err.to_dict(), counted.to_dict())


def test_the_training_run_left_out_only_what_cmsis_nn_cannot_run() -> None:
    # synthetic_cmsis_nn_m0plus.py: a 1xN convolution on a 1-row input reaches the missing
    # arm_convolve_1_x_n_s8 (a trap stub), a dilated depthwise runs TFLM's reference kernel
    shapes = {int(r["index"]): r for r in json.loads((ISS / "synthetic_layers.json").read_text())}
    ran = pd.read_csv(ISS / "iss_synthetic_cmsis_nn_m0plus.csv")
    assert (ran["output_check"] == "match").all() and ran["routine_ran"].str.startswith("arm_").all()
    left = [shapes[i] for i in sorted(set(shapes) - set(ran["index"]))]
    assert len(left) == 3
    for r in left:
        one_by_n = r["op_type"] == "CONV_2D" and r["input_nhwc"][1] == 1 and r["KH"] == 1
        assert one_by_n or (r["op_type"] == "DEPTHWISE_CONV_2D" and tuple(r["dilation"]) != (1, 1)), r


def test_the_table_is_in_cortex_m0_cycles_with_a_row_per_measured_routine() -> None:
    raw = yaml.safe_load(CMSIS_NN_M0PLUS_CODE_MODEL_FILE.read_text())
    assert raw["core"] == "cortex-m0" and "CMSIS-NN" in raw["source"]
    table = code_expansion(CMSIS_NN_M0PLUS_CODE_MODEL_FILE)
    assert set(table) == ROUTINES | {"default"}
    assert all(v.shape == (7,) and (v >= 0).all() for v in table.values())


def test_code_model_of_gives_the_stand_in_cmsis_nns_table_under_gcc_on_armv6m_only() -> None:
    scalar = code_expansion(CMSIS_NN_M0PLUS_CODE_MODEL_FILE)
    row = code_model_of("gcc", "cortex-m0", 0, "reference conv", stand_in=True)
    assert row is not None and np.array_equal(row, scalar["reference conv"])
    other = code_model_of("gcc", "cortex-m0", 0, "reference elementwise", stand_in=True)
    assert other is not None and np.array_equal(other, scalar["default"])
    assert code_model_of("counted", "cortex-m0", 0, "reference conv", stand_in=True) is None
    assert code_model_of("gcc-cmsis-nn", "cortex-m0", 0, "reference conv", stand_in=True) is None
    assert code_model_of("gcc", "cortex-m0", 0, "copy", stand_in=True) is None
    tflm = code_model_of("gcc", "cortex-m0", 0, "reference conv")
    assert tflm is not None and np.array_equal(tflm, code_expansion(TFLM_M0PLUS_CODE_MODEL_FILE)["reference conv"])


def test_cmsis_nn_on_the_stm32g0b1_takes_the_table_and_counted_stays_counted() -> None:
    g = one_conv()
    hw = load_hardware("stm32g0b1")
    work = op_work(g, g.ops[0], hw, profile_named("cmsis-nn"))  # type: ignore[arg-type]
    assert work.routine == "reference conv"
    counted = core_cycles(g, "stm32g0b1", "cmsis-nn", "counted")
    gcc = core_cycles(g, "stm32g0b1", "cmsis-nn", "gcc")
    m0 = np.array(CORE_CPI["cortex-m0"])
    expect = float(work.counts[:7] @ (m0 * code_expansion(CMSIS_NN_M0PLUS_CODE_MODEL_FILE)["reference conv"]))
    # the G0B1's SRAM adds no wait states, so the core cycles are the counts at the table alone
    assert gcc == pytest.approx(expect, rel=1e-9)
    assert counted == pytest.approx(float(work.counts[:7] @ m0), rel=1e-9)
    assert gcc != pytest.approx(counted, rel=0.05)
