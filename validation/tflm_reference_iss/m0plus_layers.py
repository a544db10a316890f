"""The MLPerf Tiny layers as TFLM reference-kernel calls priced for the Cortex-M0+ (stm32g0b1).

tflm_layers.py's records for the STM32G0B1 spec with the `tflm-reference` kernels (on a
`cortex-m0` core every profile runs the reference loops): the routine and counts edgesim charges
there, plus `edgesim_cycles_m0plus`, the counts at the `cortex-m0` cycle table. run_tflm.py
--cpu cortex-m0plus runs the same calls instruction by instruction (iss_cycles_m0plus.csv).

    python validation/tflm_reference_iss/m0plus_layers.py [--out layers_m0plus.json]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tflm_layers  # noqa: E402  (puts cmsis_nn_iss on sys.path)

import layers  # noqa: E402

from sim.cost.vector import CORE_CPI  # noqa: E402

HERE = Path(__file__).resolve().parent
SPEC = "stm32g0b1"
CORE = "cortex-m0"
COUNT_CLASSES = ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req")


def counted_cycles(rec: dict[str, object]) -> float:
    """A record's counts at the Cortex-M0 table edgesim prices the G0B1 with."""
    counts = np.array([float(rec[f"edgesim_{c}"]) for c in COUNT_CLASSES])  # type: ignore[arg-type]
    return float(counts @ np.array(CORE_CPI[CORE]))


def records() -> list[dict[str, object]]:
    """tflm_layers.py's records for the G0B1, with their counts at the Cortex-M0 table."""
    recs = tflm_layers.records(SPEC)
    for r in recs:
        r["edgesim_cycles_m0plus"] = counted_cycles(r)
    return recs


if __name__ == "__main__":
    layers.write_records(__doc__, HERE / "layers_m0plus.json", records)
