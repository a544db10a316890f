"""The MLPerf Tiny layers with what edgesim counts for them on a Helium core.

Writes one record per operator of the four MLPerf Tiny models (cmsis_nn_iss/layers.py's
`record()`, so shapes, padding and quantised activation are the same as in layers.json), priced
for the RA8D1 spec (Cortex-M85, `kernels: cmsis-nn`): edgesim's instruction counts are those of
CMSIS-NN's MVE paths (`helium=1` in sim/cost/vector_kernels.py), identical for the Cortex-M55
and the M85, and the routine it charges. Adds the counted cycles with CORE_CPI's Cortex-M55 and
Cortex-M85 rows.

    .venv/bin/python validation/helium_iss/layers_m55.py [--out validation/helium_iss/layers_m55.json]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))

from layers import MODELS, SHARED, record, target, write_records  # noqa: E402

from sim.api import load_graph  # noqa: E402
from sim.cost.vector import CORE_CPI, HELIUM_CORES, op_work  # noqa: E402
from sim.graph.ir import VIEW_OPS  # noqa: E402

SPEC = "ra8d1"


def records(spec: str = SPEC) -> list[dict[str, object]]:
    hw, prof = target(spec)
    core = hw.compute.core  # type: ignore[union-attr]
    if core not in HELIUM_CORES:
        raise SystemExit(f"{spec}: core {core} has no Helium; pick a Cortex-M55/M85 spec")
    out: list[dict[str, object]] = []
    for bench, file in MODELS.items():
        g = load_graph(str(SHARED / "models" / "mlperf_tiny" / file))
        for op in g.ops:
            if op.op_type in VIEW_OPS:
                continue
            rec = record(g, op, hw, prof, bench, op.index)
            rec.pop("edgesim_cycles_m4")
            counts = op_work(g, op, hw, prof).counts[:7].astype(float)
            for name in ("cortex-m55", "cortex-m85"):
                rec[f"edgesim_cycles_{name[-3:]}"] = float(counts @ np.array(CORE_CPI[name]))
            out.append(rec)
    return out


if __name__ == "__main__":
    write_records(__doc__, HERE / "layers_m55.json", records)
