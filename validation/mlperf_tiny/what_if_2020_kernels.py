"""Kernel-selection hypotheses for the TFLM v2.3.1 rows (MLPerf Tiny v0.5 reference, NUCLEO-L4R5ZI),
priced with the same LOBO protocol as calibrate.py. A record of what was tried, not part of the model.

The v0.5 L4R5 build runs the convolutional models at about 2x the cycles per modelled cycle of
the 2021 TFLM build on the RA6M4 and of microTVM with CMSIS-NN on the same L4R5, but the fully
connected AD model at about the same ratio. Each hypothesis below changes which routine the
2.3.1 rows' CONV_2D / DEPTHWISE_CONV_2D layers are counted with (the RA6M4 rows keep today's
selection) and reports the TFLM+CMSIS-NN LOBO error:

- `dw-opt`: depthwise layers through arm_depthwise_conv_s8_opt instead of the 3x3 fast path
  (LOBO median 45.8% -> 35.7%).
  A mid-2020 tensorflow/lite/micro/kernels/cmsis-nn/depthwise_conv.cc calls
  arm_depthwise_conv_s8_opt for depth_multiplier == 1 (no arm_depthwise_conv_3x3_s8 dispatch),
  but that file version could not be tied to the v2.3.1 tag, so the model does not adopt it.
- `scalar-conv`: CONV_2D and DEPTHWISE_CONV_2D through scalar C loops (TFLM's reference loops,
  priced with GCC's measured code for them, as a stand-in for CMSIS-NN's C fallback). CMSIS-NN V.1.0.0 (2019) guarded its
  DSP paths with `ARM_MATH_LOOPUNROLL && ARM_MATH_DSP` (arm_convolve_1x1_s8_fast,
  arm_depthwise_conv_s8_opt), a macro an mbed export does not set; but CMSIS_5 PR #836
  (2020-02) removed that guard and tensorflow PR #37155 moved TFLM to that CMSIS before the
  v2.3 branch, and it predicts the L4R5 convolutional models 3.0-3.8x too slow (LOBO median
  81.2%), so it is rejected on both counts. The instruction-level run of TFLM's reference
  kernels says the same directly: on a Cortex-M4 they take 2.5-3.6x the cycles the 2020 build
  measured (validation/tflm_reference_iss: AD 4.36 M, IC 216.7 M, KWS 75.6 M, VWW 182.9 M
  against 1.21 M, 84.5 M, 21.8 M, 72.1 M on the L4R5), so that build did not run them either.

    EDGESIM_SHARED=/path/to/shared python validation/mlperf_tiny/what_if_2020_kernels.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate as cal  # noqa: E402

import sim.cost.vector as vector  # noqa: E402
from sim.cost import vector_kernels as vk  # noqa: E402
from sim.graph.loops import loops_of  # noqa: E402

PART_COLUMNS = ("im2col_cycles", "mac_cycles", "aux_cycles", "stall_cycles", "ops")
RELEASE = "2.3.1"


def _dw_opt(lower: Callable, graph, op, family: str, helium: int):
    if family != "cmsis-nn" or op.op_type != "DEPTHWISE_CONV_2D":
        return lower(graph, op, family, helium)
    lp = loops_of(graph, op)
    window = lp.KH * lp.KW * lp.K
    counts = vk.depthwise_counts(lp.N * lp.OH * lp.OW, lp.K, lp.KH, lp.KW, lp.N * lp.OH * lp.OW * lp.KH * lp.KW,
                                  vk.OPT, helium)
    return counts, "arm_depthwise_conv_s8_opt", 2 * window, window


def _scalar_conv(lower: Callable, graph, op, family: str, helium: int):
    if family != "cmsis-nn" or op.op_type not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        return lower(graph, op, family, helium)
    # keeps the reference routine's name, so the profile's code model prices it with GCC's
    # measured code for TFLM's reference kernels (validation/tflm_reference_iss)
    return lower(graph, op, "reference", helium)


HYPOTHESES = {"dw-opt": _dw_opt, "scalar-conv": _scalar_conv}


@contextmanager
def lowering(rule: Callable) -> Iterator[None]:
    """Swap the kernel selection of sim.cost.vector for the duration of the block."""
    original = vector._lower
    vector._lower = lambda graph, op, family, helium: rule(original, graph, op, family, helium)
    try:
        yield
    finally:
        vector._lower = original


def main() -> int:
    used, _ = cal.select_rows(pd.read_csv(cal.CSV))
    used = used[used["profile"] == "cmsis-nn"].reset_index(drop=True)
    base = cal.add_parts(used)
    held = base["release"] == RELEASE
    rows = [("as modelled", base)]
    for name, rule in HYPOTHESES.items():
        with lowering(rule):
            alt = cal.add_parts(used)
        data = base.copy()
        for col in PART_COLUMNS:
            data.loc[held, col] = alt.loc[held, col]
        rows.append((name, data))
    for name, data in rows:
        res = cal.leave_one_board_out(data)
        err = res["abs_pct_error"]
        per_row = ", ".join(f"{s}/{b} {e:.1f}" for s, b, e in zip(res["spec"], res["benchmark"], err))
        print(f"{name:12s} TFLM+CMSIS-NN LOBO median {np.median(err):.1f}%, p90 {np.percentile(err, 90):.1f}% "
              f"({per_row})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
