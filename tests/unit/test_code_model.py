"""The `gcc-cmsis-nn` code model: counted CMSIS-NN instructions priced as GCC's code for them.

The table (sim/cost/gcc_cmsis_nn.yaml) is fitted on random layer shapes run instruction by
instruction (validation/cmsis_nn_iss); these tests hold it to the MLPerf Tiny layers of the
same run, which the fit never saw, and pin where it applies.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cost.vector import (CODE_MODEL_FILE, CORE_CPI, code_expansion, load_profiles, op_work,
                             profile_named)
from sim.errors import SimError
from sim.graph.ir import Graph
from sim.spec.load import load_hardware
from workloads.builder import GraphBuilder

ISS = Path(__file__).resolve().parents[2] / "validation" / "cmsis_nn_iss"
CLASSES = ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req")


def _held_out() -> pd.DataFrame:
    ours = pd.DataFrame(json.loads((ISS / "layers.json").read_text()))
    ran = pd.read_csv(ISS / "iss_cycles.csv").drop(columns=["macs"])
    df = ours.merge(ran, on=["model", "index"], validate="one_to_one")
    table = code_expansion()
    m4 = np.array(CORE_CPI["cortex-m4"])
    counts = df[[f"edgesim_{c}" for c in CLASSES]].to_numpy(float)
    df["modelled"] = [float(c @ (m4 * table.get(r, table["default"]))) for c, r in zip(counts, df["routine"])]
    return df


def test_the_code_model_reproduces_the_instruction_level_run_of_the_mlperf_layers() -> None:
    df = _held_out()
    assert (df["routine"] == df["routine_ran"]).all()
    per_model = df.groupby("model")[["modelled", "cycles_m4", "edgesim_cycles_m4"]].sum()
    err = (per_model["modelled"] / per_model["cycles_m4"] - 1).abs()
    counted = (per_model["edgesim_cycles_m4"] / per_model["cycles_m4"] - 1).abs()
    assert (err < 0.10).all(), err.to_dict()
    assert (err < counted / 2).all()          # at least halves the counted instructions' error
    layer_err = (df["modelled"] / df["cycles_m4"] - 1).abs()
    assert layer_err.median() < 0.10


def test_the_table_covers_every_routine_of_the_mlperf_models_and_falls_back_to_its_default() -> None:
    table = code_expansion()
    assert set(_held_out()["routine"]) <= set(table) and "default" in table
    assert all(v.shape == (7,) and (v >= 0).all() for v in table.values())


def _conv_graph() -> Graph:
    b = GraphBuilder("one-conv", (1, 16, 16, 16))
    return b.build(b.conv(b.input, 32, 3))


def test_it_prices_the_dsp_code_of_cmsis_nn_profiles_and_leaves_helium_and_reference_paths() -> None:
    g = _conv_graph()
    op = g.ops[0]
    base = profile_named("cmsis-nn")
    assert base is not None
    gcc, counted = dataclasses.replace(base, code="gcc-cmsis-nn"), dataclasses.replace(base, code="counted")
    m4 = load_hardware("stm32l4r5")
    assert op_work(g, op, m4, gcc).core_cycles > 1.3 * op_work(g, op, m4, counted).core_cycles
    m55 = load_hardware("ra8d1")
    assert op_work(g, op, m55, gcc).core_cycles == op_work(g, op, m55, counted).core_cycles
    ref = dataclasses.replace(base, family="reference")
    assert op_work(g, op, m4, dataclasses.replace(ref, code="gcc-cmsis-nn")).core_cycles == \
        op_work(g, op, m4, dataclasses.replace(ref, code="counted")).core_cycles


def test_an_unknown_code_model_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "profiles.yaml"
    bad.write_text("profiles:\n  mine:\n    family: cmsis-nn\n    code: clang\n    mac_scale: 1\n"
                   "    aux_scale: 1\n    op_overhead_cycles: 0\n")
    with pytest.raises(SimError, match=r"profiles\.yaml: profiles\.mine\.code: expected one of counted, gcc-cmsis-nn, gcc, got 'clang'$"):
        load_profiles(bad)


def test_the_stacks_that_run_cmsis_nn_compiled_by_gcc_use_its_code_model() -> None:
    profiles = load_profiles()
    # microTVM's other ops are TVM's code, not TFLM's: the CMSIS-NN table only; TFLM builds both
    assert {n for n, p in profiles.items() if p.code == "gcc-cmsis-nn" and "@" not in n} == {"microtvm"}
    assert {n for n, p in profiles.items() if p.code == "gcc" and "@" not in n} == {"cmsis-nn", "tflm-reference"}
    assert CODE_MODEL_FILE.exists()


def _depthwise(batch: int = 1, dilation: int = 1, multiplier: int = 1) -> Graph:
    b = GraphBuilder("dw", (batch, 12, 12, 8))
    g = b.build(b.dwconv(b.input, 3, multiplier=multiplier))
    op = g.ops[0]
    dilated = dataclasses.replace(op, attrs={**op.attrs, "dilation_h": dilation, "dilation_w": dilation})
    return Graph(g.name, [dilated], g.tensors)


@pytest.mark.parametrize(("batch", "dilation", "multiplier", "routine"), [
    (1, 1, 1, "arm_depthwise_conv_3x3_s8"),
    (2, 1, 1, "arm_depthwise_conv_s8"),       # the wrapper takes its fast kernels at batch 1 only
    (1, 1, 2, "arm_depthwise_conv_s8"),
    (1, 1, 4, "arm_depthwise_conv_s8 (mult_4)"),   # its own path for multipliers of 4 at batch 1
    (2, 1, 4, "arm_depthwise_conv_s8"),
    (1, 2, 1, "reference depthwise conv"),    # TFLM runs dilated depthwise layers on its reference kernel
])
def test_depthwise_dispatch_follows_cmsis_nn_and_tflm(batch: int, dilation: int, multiplier: int,
                                                      routine: str) -> None:
    g = _depthwise(batch, dilation, multiplier)
    profile = profile_named("cmsis-nn")
    assert profile is not None
    assert op_work(g, g.ops[0], load_hardware("stm32l4r5"), profile).routine == routine


def test_the_code_model_leaves_routines_the_run_did_not_measure_at_their_counts() -> None:
    g = _depthwise(dilation=2)
    base = profile_named("cmsis-nn")
    assert base is not None
    m4 = load_hardware("stm32l4r5")
    gcc, counted = dataclasses.replace(base, code="gcc-cmsis-nn"), dataclasses.replace(base, code="counted")
    assert op_work(g, g.ops[0], m4, gcc).core_cycles == op_work(g, g.ops[0], m4, counted).core_cycles
