"""validation/helium_iss without QEMU: the Cortex-M55 timing model against the examples of its
source, the instruction kinds, and the committed run's invariants (outputs checked, dispatch,
kinds partitioning the instructions, edgesim's counts as layers_m55.py writes them)."""

from __future__ import annotations

import csv
import importlib
import json
import sys

import pytest

from tests.conftest import REAL_MODELS, ROOT, real_model

HERE = ROOT / "validation" / "helium_iss"
sys.path.insert(0, str(HERE))
m55_timing = importlib.import_module("m55_timing")
mve = importlib.import_module("mve")


def _pipes(*insns: tuple[str, str]) -> list[tuple[int, int]]:
    return [m55_timing.pipe_and_hold(m, ops) for m, ops in insns]


def test_beats_overlap_on_different_pipelines() -> None:
    # ARMScheduleM55.td: VLDR;VADD;VMUL;VSTR issue in 5 cycles, VLDR;VLDRB;VADD;VSTR in 6
    different = _pipes(("vldrw.u32", "q0, [r0]"), ("vadd.i32", "q1, q0, q0"), ("vmul.i32", "q2, q1, q1"),
                       ("vstrw.32", "q2, [r1]"))
    same = _pipes(("vldrw.u32", "q0, [r0]"), ("vldrb.s32", "q1, [r2]"), ("vadd.i32", "q1, q0, q1"),
                  ("vstrw.32", "q1, [r1]"))
    assert m55_timing.block_cycles(different) == 5
    assert m55_timing.block_cycles(same) == 6
    assert m55_timing.serial_cycles(different) == 8


def test_mac_loop_alternating_pipelines() -> None:
    # arm_nn_mat_mul_core_4x_s8's loop: loads and VMLADAVs alternate, VADDVA on the multiply pipe
    loop = _pipes(("vaddva.s8", "ip, q0"), ("vldrb.u8", "q1, [r7], #16"), ("vmlava.s8", "r0, q0, q1"),
                  ("vldrb.u8", "q2, [r5], #16"), ("vmlava.s8", "r8, q0, q2"), ("letp", "lr, 2c"))
    assert [p for p, _ in loop] == [m55_timing.FP, m55_timing.LS, m55_timing.FP, m55_timing.LS, m55_timing.FP,
                                    m55_timing.ALU]
    # one issue a cycle, each beat pair on a free pipeline; LETP issues under the last VMLADAV's second beat
    assert m55_timing.block_cycles(loop) == 6
    assert m55_timing.block_cycles([]) == 0


def test_control_and_scalar_take_one_cycle() -> None:
    assert m55_timing.pipe_and_hold("vpst", "") == (m55_timing.SYS, 1)
    assert m55_timing.pipe_and_hold("vctp.8", "r3") == (m55_timing.SYS, 1)
    assert m55_timing.pipe_and_hold("vmsr", "p0, r3") == (m55_timing.FP, 1)
    assert m55_timing.pipe_and_hold("vpush", "{d8-d9}") == (m55_timing.LS, 1)
    assert m55_timing.pipe_and_hold("ldr", "r3, [sp, #4]") == (m55_timing.ALU, 1)
    assert m55_timing.pipe_and_hold("vqrdmulh.s32", "q0, q0, r2") == (m55_timing.FP, 2)
    assert m55_timing.pipe_and_hold("vrshl.s32", "q0, q1") == (m55_timing.INT, 2)


@pytest.mark.parametrize(("mnemonic", "operands", "window", "other", "kind"), [
    ("vldrb.u8", "q1, [r7], #16", 16, 0, "vldr_w"),
    ("vldrb.u8", "q1, [r7], #16", 0, 16, "vldr_act"),
    ("vldrbt.u8", "q7, [r4, #0]", 0, 16, "vldr_act"),
    ("vstrb.32", "q0, [r1]", 0, 0, "vstr"),
    ("vmlavat.s8", "r4, q7, q3", 0, 0, "vmac"),
    ("vmladava.s16", "r4, q7, q3", 0, 0, "vmac"),
    ("vaddva.s8", "ip, q0", 0, 0, "vaddv"),
    ("vmul.i32", "q0, q1, q2", 0, 0, "vmul"),
    ("vqrdmulh.s32", "q0, q0, r2", 0, 0, "vreq"),
    ("vrshl.s32", "q0, q1", 0, 0, "vreq"),
    ("vpst", "", 0, 0, "vpred"),
    ("vmsr", "p0, r3", 0, 0, "vpred"),
    ("vmax.s32", "q0, q0, q1", 0, 0, "valu"),
    ("letp", "lr, 2c", 0, 0, "loop"),
    ("wlstp.8", "lr, sl, 58", 0, 0, "loop"),
    ("ldr", "r5, [sp, #12]", 0, 4, "ld_sp"),
    ("ldr", "r5, [r2, #12]", 0, 4, "ld_act"),
    ("ldr", "r5, [r2], #4", 4, 0, "ld_w"),
    ("pop", "{r4, pc}", 0, 8, "ld_sp"),
    ("strd", "r0, r8, [sp]", 0, 0, "st"),
    ("vpush", "{d8-d9}", 0, 0, "st"),
    ("mla", "r0, r1, r2, r0", 0, 0, "mac"),
    ("bne.n", "1000", 0, 0, "branch"),
    ("smull", "r0, r1, r2, r3", 0, 0, "alu"),
])
def test_kinds(mnemonic: str, operands: str, window: int, other: int, kind: str) -> None:
    assert mve.kind_of(mve.Insn(mnemonic, operands, "f"), window, other) == kind


def _rows(name: str) -> list[dict[str, str]]:
    with open(HERE / name, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("run", ["iss_mve.csv", "iss_mve_Ofast.csv", "iss_mve_Os.csv", "iss_mve_clang16.csv"])
def test_committed_run_is_checked_and_partitioned(run: str) -> None:
    rows = _rows(run)
    recs = {(r["model"], r["index"]): r for r in json.loads((HERE / "layers_m55.json").read_text())}
    assert len(rows) == len(recs) == 67
    for r in rows:
        assert r["output_check"] == "match"
        assert r["routine_ran"] == r["routine_edgesim"] == recs[(r["model"], int(r["index"]))]["routine"]
        kinds = sum(int(r[k]) for k in mve.KINDS)
        assert kinds == int(r["instructions"]) == int(r["vector"]) + int(r["scalar"])
        assert int(r["cycles_m55"]) <= int(r["cycles_m55_serial"])
    per_layer: dict[tuple[str, str], int] = {}
    for f in _rows(run.replace(".csv", "_functions.csv")):
        key = (f["model"], f["index"])
        per_layer[key] = per_layer.get(key, 0) + int(f["instructions"])
    assert per_layer == {(r["model"], r["index"]): int(r["instructions"]) for r in rows}


@pytest.mark.parametrize("run", ["iss_mve_synthetic.csv", "iss_mve_synthetic_clang16.csv"])
def test_committed_synthetic_run(run: str) -> None:
    rows = _rows(run)
    recs = {r["index"]: r for r in json.loads((HERE / "synthetic_m55.json").read_text())}
    assert len(rows) == 320 and len(recs) == 440
    for r in rows:
        assert r["output_check"] == "match"
        assert sum(int(r[k]) for k in mve.KINDS) == int(r["instructions"])
    ran = {(r["routine_edgesim"], r["routine_ran"]) for r in rows if r["routine_edgesim"] != r["routine_ran"]}
    assert ran == {("arm_convolve_1x1_s8_fast", "arm_convolve_s8")}     # C not a multiple of 4 (README)
    for r in rows:
        if r["routine_ran"] != r["routine_edgesim"]:
            assert recs[int(r["index"])]["C"] % 4 != 0


def test_layer_records_are_edgesims_helium_counts() -> None:
    """layers_m55.json holds what sim.cost.vector charges a Helium core today (regenerate with
    layers_m55.py when the MCU model changes)."""
    for key in REAL_MODELS:
        real_model(key)                  # skips when the shared models are absent
    sys.path.insert(0, str(ROOT / "validation" / "cmsis_nn_iss"))
    layers_m55 = importlib.import_module("layers_m55")
    fresh = layers_m55.records()
    assert fresh == json.loads((HERE / "layers_m55.json").read_text())
