"""The MLPerf Tiny layers as TFLM reference-kernel calls, with edgesim's counts for each.

One JSON record per operator of the four MLPerf Tiny models, in cmsis_nn_iss/layers.json's
format (cmsis_nn_iss/layers.py's `record`), priced for a Cortex-M4 part with the
`tflm-reference` kernels: `routine` is the TFLM reference loop edgesim charges ("reference
conv", ...) and `edgesim_*` are its counts of `sim.cost.vector_kernels` classes with their
Cortex-M4 cycles. run_tflm.py runs the same calls instruction by instruction.

    python validation/tflm_reference_iss/tflm_layers.py [--out layers.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))

from layers import MODELS, SHARED, record  # noqa: E402

from sim.api import load_graph, load_hardware  # noqa: E402
from sim.cost.vector import Profile, profile_of  # noqa: E402
from sim.graph.ir import VIEW_OPS  # noqa: E402
from sim.spec.model import Hardware  # noqa: E402

PROFILE = "tflm-reference"


def target(spec: str = "stm32l4r5") -> tuple[Hardware, Profile]:
    """The Cortex-M4 part and the TFLM reference kernel profile the records are priced for."""
    hw = load_hardware(spec)
    return hw, profile_of(hw, PROFILE)


def records(spec: str = "stm32l4r5") -> list[dict[str, object]]:
    hw, prof = target(spec)
    out: list[dict[str, object]] = []
    for bench, file in MODELS.items():
        g = load_graph(str(SHARED / "models" / "mlperf_tiny" / file))
        out.extend(record(g, op, hw, prof, bench, op.index) for op in g.ops if op.op_type not in VIEW_OPS)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "layers.json")
    args = ap.parse_args()
    recs = records()
    args.out.write_text(json.dumps(recs, indent=1) + "\n")
    print(f"{len(recs)} layers -> {args.out}")


if __name__ == "__main__":
    main()
