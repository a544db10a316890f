"""The TFLM harness end to end on a few small layers, and the NumPy model's dilation.

Run in the tool's own venv (not part of the main suite, whose testpaths is tests/), with a TFLM
tree in TFLM_SRC:
    TFLM_SRC=DIR validation/cmsis_nn_iss/.venv/bin/python -m pytest validation/tflm_reference_iss/test_tflm.py
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("unicorn")
pytest.importorskip("capstone")
pytest.importorskip("elftools")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))
sys.path.insert(0, str(HERE))

import reference as ref  # noqa: E402
import run_tflm  # noqa: E402
from iss import Timing  # noqa: E402
from run_iss import LayerRunner  # noqa: E402

TFLM = Path(os.environ.get("TFLM_SRC", "/work/tmp/tflm_src"))
needs_build = pytest.mark.skipif(shutil.which("arm-none-eabi-g++") is None or not TFLM.is_dir(),
                                 reason="arm-none-eabi-g++ or the TFLM sources (TFLM_SRC) missing")


def test_dilated_convolution_reads_every_dilation_th_input() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(-10, 11, (1, 5, 5, 1), dtype=np.int8)   # sums stay inside int8
    w = np.ones((1, 3, 3, 1), np.int8)
    # VALID 3x3 with dilation 2 over a 5x5 map: one output, the sum of the 9 inputs at even rows and columns
    got = ref.conv(x, w, np.zeros(1, np.int64), np.array([1 << 30]), np.array([1]), (1, 1), (0, 0), 0, 0,
                   (-128, 127), (1, 1), dilation=(2, 2))
    want = int(x[0, ::2, ::2, 0].astype(np.int64).sum())
    assert int(got.reshape(-1)[0]) == want != int(x[0, :3, :3, 0].astype(np.int64).sum())


@needs_build
def test_every_kernel_runs_checks_and_names_its_routine(tmp_path: Path) -> None:
    recs = json.loads((HERE / "synthetic_layers.json").read_text())
    first = {}
    for r in recs:   # the first random layer of each routine (the smallest edge cases)
        first.setdefault(r["routine"], r)
    assert set(first) == set(run_tflm.ROUTINES.values())
    elf = run_tflm.build(TFLM, "-O2", True, tmp_path)
    runner = LayerRunner(elf, Timing(), run_tflm.HARNESS / "harness.cc")
    for routine, rec in first.items():
        res, check = runner.run(rec, 0)
        assert check == "match", routine
        row = run_tflm.row(rec, res, check, "-O2", "")
        assert row["routine_ran"] == routine and res.cycles > 0 and not res.unsupported


@needs_build
def test_every_kernel_runs_on_the_cortex_m0plus_model(tmp_path: Path) -> None:
    """The Thumb-1 build on Unicorn's ARMv6-M model (a Thumb-2 instruction would fault), timed with
    the Cortex-M0+ table: every routine's first random layer matches NumPy and runs longer than
    on the Cortex-M4 (no load pipelining, no MLA, 64-bit multiplies in libgcc)."""
    from iss import CPUS

    recs = json.loads((HERE / "synthetic_layers.json").read_text())
    first = {}
    for r in recs:
        first.setdefault(r["routine"], r)
    m0 = LayerRunner(run_tflm.build(TFLM, "-O2", True, tmp_path / "m0", "cortex-m0plus"), CPUS["cortex-m0plus"][1],
                     run_tflm.HARNESS / "harness.cc", "cortex-m0plus")
    m4 = LayerRunner(run_tflm.build(TFLM, "-O2", True, tmp_path / "m4"), Timing(), run_tflm.HARNESS / "harness.cc")
    for routine, rec in first.items():
        res, check = m0.run(rec, 0)
        assert check == "match", routine
        assert run_tflm.row(rec, res, check, "-O2", "", "cycles_m0plus")["routine_ran"] == routine
        assert res.counts["mac"] == 0 and res.cycles > m4.run(rec, 0)[0].cycles, routine
