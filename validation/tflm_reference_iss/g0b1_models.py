"""What the Thumb-1 code models move on the STM32G0B1: the MLPerf Tiny models' predicted latency.

For `tflm-reference` and `cmsis-nn` (both are priced over TFLM's reference loops on a core without
the DSP extension, both `code: gcc`), each model's latency on the bundled stm32g0b1 spec (64 MHz,
two flash wait states) as edgesim predicts it now and with the profile's code model set to
`counted` (the loops' own instructions at the `cortex-m0` table). Now: `tflm-reference`'s loops
priced as GCC's Thumb-1 code for TFLM's kernels (sim/cost/gcc_tflm_reference_m0plus.yaml),
`cmsis-nn`'s, which stand in for CMSIS-NN's scalar C, at that C's measured Cortex-M0+ table
(sim/cost/gcc_cmsis_nn_scalar_m0plus.yaml). The profiles' calibrated scales and overheads apply
to both.

    EDGESIM_SHARED=/path/to/shared python validation/tflm_reference_iss/g0b1_models.py
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))

from layers import MODELS, SHARED  # noqa: E402

from sim.api import load_graph, load_hardware  # noqa: E402
from sim.cost.vector import profile_of, vector_cost  # noqa: E402
from sim.schedule import runtime_arena_bytes  # noqa: E402

SPEC = "stm32g0b1"


def latency_ms(model: str, kernels: str, code: str | None) -> float:
    g = load_graph(str(SHARED / "models" / "mlperf_tiny" / MODELS[model]))
    hw = load_hardware(SPEC, {"kernels": kernels})
    prof = profile_of(hw)
    prof = dataclasses.replace(prof, code=code) if code else prof
    arena = runtime_arena_bytes(g, hw)
    cycles = sum(vector_cost(g, op, hw, arena_bytes=arena, profile=prof).latency_cycles for op in g.ops)
    return 1e3 * cycles / hw.clock_hz


def main() -> None:
    print(f"{'kernels':15} {'model':5} {'counted_ms':>11} {'gcc_ms':>9} {'gcc/counted':>11}")
    for kernels in ("tflm-reference", "cmsis-nn"):
        for model in MODELS:
            before, after = latency_ms(model, kernels, "counted"), latency_ms(model, kernels, None)
            print(f"{kernels:15} {model:5} {before:11.2f} {after:9.2f} {after / before:11.2f}")


if __name__ == "__main__":
    main()
