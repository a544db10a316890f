"""The `gcc` code model's TFLM reference rows: counted reference loops priced as GCC's code.

The table (sim/cost/gcc_tflm_reference.yaml) is fitted on random layer shapes run instruction by
instruction (validation/tflm_reference_iss); these tests hold it to the MLPerf Tiny layers of the
same run, which the fit never saw, and pin where it applies: TFLM's reference routines on the
DSP-extension cores under `code: gcc`, never on Helium cores or under `gcc-cmsis-nn` (microTVM's
non-CMSIS ops are not TFLM's code); the Cortex-M0+ takes its own Thumb-1 table.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cost.vector import (CORE_CPI, TFLM_CODE_MODEL_FILE, code_expansion, code_model_of, op_work,
                             profile_named)
from sim.graph.ir import Graph
from sim.spec.load import load_hardware
from tests.conftest import core_cycles, one_conv
from workloads.builder import GraphBuilder

ISS = Path(__file__).resolve().parents[2] / "validation" / "tflm_reference_iss"
CLASSES = ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req")
ROUTINES = {"reference conv", "reference depthwise conv", "reference fc", "reference add", "reference mul",
            "reference average pool", "reference max pool", "reference softmax"}


def _held_out() -> pd.DataFrame:
    ours = pd.DataFrame(json.loads((ISS / "layers.json").read_text()))
    ran = pd.read_csv(ISS / "iss_cycles.csv").drop(columns=["macs"])
    df = ours.merge(ran, on=["model", "index"], validate="one_to_one")
    table = code_expansion(TFLM_CODE_MODEL_FILE)
    m4 = np.array(CORE_CPI["cortex-m4"])
    counts = df[[f"edgesim_{c}" for c in CLASSES]].to_numpy(float)
    df["modelled"] = [float(c @ (m4 * table.get(r, table["default"]))) for c, r in zip(counts, df["routine"])]
    return df


def test_the_table_reproduces_the_instruction_level_run_of_the_mlperf_layers() -> None:
    df = _held_out()
    assert (df["routine"] == df["routine_ran"]).all() and (df["output_check"] == "match").all()
    assert len(df) == 67                      # every MLPerf Tiny operator, softmax included
    per_model = df.groupby("model")[["modelled", "cycles_m4", "edgesim_cycles_m4"]].sum()
    err = (per_model["modelled"] / per_model["cycles_m4"] - 1).abs()
    counted = (per_model["edgesim_cycles_m4"] / per_model["cycles_m4"] - 1).abs()
    assert set(per_model.index) == {"ad", "ic", "kws", "vww"}
    assert (err < 0.10).all(), err.to_dict()
    assert (err < counted / 2).all()          # at least halves the counted instructions' error
    assert (df["modelled"] / df["cycles_m4"] - 1).abs().median() < 0.15


def test_the_table_has_a_row_per_measured_routine_and_a_default() -> None:
    table = code_expansion(TFLM_CODE_MODEL_FILE)
    assert set(table) == ROUTINES | {"default"}
    assert all(v.shape == (7,) and (v >= 0).all() for v in table.values())


def _dilated_depthwise() -> Graph:
    b = GraphBuilder("dw", (1, 12, 12, 8))
    g = b.build(b.dwconv(b.input, 3))
    op = g.ops[0]
    return Graph(g.name, [dataclasses.replace(op, attrs={**op.attrs, "dilation_h": 2, "dilation_w": 2})], g.tensors)


@pytest.mark.parametrize("spec", ["stm32l4r5", "nrf5340", "stm32f746"])   # Cortex-M4, M33, M7
def test_gcc_prices_tflm_reference_kernels_on_dsp_cores(spec: str) -> None:
    g = one_conv()
    assert core_cycles(g, spec, "tflm-reference", "gcc") > 1.3 * core_cycles(g, spec, "tflm-reference", "counted")
    # gcc-cmsis-nn covers CMSIS-NN's routines only
    assert core_cycles(g, spec, "tflm-reference", "gcc-cmsis-nn") == core_cycles(g, spec, "tflm-reference", "counted")


@pytest.mark.parametrize("spec", ["ra8d1"])   # Cortex-M85 (Helium); the M0+ has its own table (test_tflm_code_model_m0plus)
def test_gcc_leaves_the_reference_loops_of_unmeasured_cores_at_their_counts(spec: str) -> None:
    g = one_conv()
    assert core_cycles(g, spec, "tflm-reference", "gcc") == core_cycles(g, spec, "tflm-reference", "counted")
    assert core_cycles(g, spec, "cmsis-nn", "gcc") == core_cycles(g, spec, "cmsis-nn", "counted")


def test_tflm_with_cmsis_nn_prices_its_reference_fallback_and_microtvm_does_not() -> None:
    g = _dilated_depthwise()   # TFLM runs dilated depthwise layers on its reference kernel
    m4 = load_hardware("stm32l4r5")
    cmsis = profile_named("cmsis-nn")
    assert cmsis is not None and cmsis.code == "gcc"
    assert op_work(g, g.ops[0], m4, cmsis).routine == "reference depthwise conv"
    assert core_cycles(g, "stm32l4r5", "cmsis-nn", "gcc") > 1.3 * core_cycles(g, "stm32l4r5", "cmsis-nn", "counted")
    microtvm = profile_named("microtvm")
    assert microtvm is not None and microtvm.code == "gcc-cmsis-nn"
    assert core_cycles(g, "stm32l4r5", "microtvm", "gcc-cmsis-nn") == core_cycles(g, "stm32l4r5", "microtvm", "counted")


def test_gcc_keeps_the_cmsis_nn_table_for_cmsis_nn_routines() -> None:
    g = one_conv()
    assert core_cycles(g, "stm32l4r5", "cmsis-nn", "gcc") == core_cycles(g, "stm32l4r5", "cmsis-nn", "gcc-cmsis-nn")


def test_copies_and_unknown_code_models_keep_their_counts() -> None:
    assert code_model_of("gcc", "cortex-m4", 0, "copy") is None
    assert code_model_of("counted", "cortex-m4", 0, "reference conv") is None
    row = code_model_of("gcc", "cortex-m4", 0, "reference elementwise")   # not measured: the default row
    assert row is not None and np.array_equal(row, code_expansion(TFLM_CODE_MODEL_FILE)["default"])


@pytest.mark.parametrize(("profile", "core", "measured"), [
    ("tflm-reference", "cortex-m4", True), ("tflm-reference", "cortex-m0", True),
    ("tflm-reference", "cortex-m85", False),   # TFLM's code on Helium cores was not run
    ("cmsis-nn", "cortex-m33", True), ("cmsis-nn", "cortex-m0", True),   # CMSIS-NN's scalar C table
    ("cmsis-nn", "cortex-m55", False),         # MVE code: instruction counts checked, no table
    ("microtvm", "cortex-m0", False),          # its code model covers CMSIS-NN's DSP C only
    ("x-cube-ai", "cortex-m4", False),         # a vendor's own kernels keep the counted loops
])
def test_code_measured_says_where_an_instruction_level_run_stands_behind_the_cycles(
        profile: str, core: str, measured: bool) -> None:
    from sim.cost.vector import code_measured

    prof = profile_named(profile)
    assert prof is not None
    assert code_measured(prof, core) is measured
