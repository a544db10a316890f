"""The MLPerf Tiny layers as TFLM reference-kernel calls, with edgesim's counts for each.

One JSON record per operator of the four MLPerf Tiny models, in cmsis_nn_iss/layers.json's
format (cmsis_nn_iss/layers.py's `record`), priced for a Cortex-M4 part with the
`tflm-reference` kernels: `routine` is the TFLM reference loop edgesim charges ("reference
conv", ...) and `edgesim_*` are its counts of `sim.cost.vector_kernels` classes with their
Cortex-M4 cycles. run_tflm.py runs the same calls instruction by instruction.

    python validation/tflm_reference_iss/tflm_layers.py [--out layers.json]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))

import layers  # noqa: E402

PROFILE = "tflm-reference"


def records(spec: str = "stm32l4r5") -> list[dict[str, object]]:
    """cmsis_nn_iss/layers.py's records, priced with the TFLM reference kernels."""
    return layers.records(spec, PROFILE)


if __name__ == "__main__":
    layers.write_records(__doc__, HERE / "layers.json", records)
