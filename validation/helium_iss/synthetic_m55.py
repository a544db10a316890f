"""cmsis_nn_iss's synthetic layers with what edgesim counts for them on a Helium core.

cmsis_nn_iss/synthetic.py drew 440 one-operator layers (40 per routine, none an MLPerf Tiny
shape) for the Cortex-M4 run. This script redraws the same candidates with the same seeds, keeps
the graphs whose Cortex-M4 record is in synthetic_layers.json (same shapes, same index, so the
same data in the emulator) and records them for the RA8D1 spec instead (cmsis_nn_iss/layers.py's
`record()`): edgesim's routine and counts for CMSIS-NN's MVE paths.

    EDGESIM_SHARED=... .venv/bin/python validation/helium_iss/synthetic_m55.py [--out synthetic_m55.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ISS = HERE.parent / "cmsis_nn_iss"
sys.path.insert(0, str(ISS))

from layers import record, target, write_records  # noqa: E402
from synthetic import FAMILIES, shape_key  # noqa: E402

from layers_m55 import SPEC  # noqa: E402
from sim.cost.vector import CORE_CPI, op_work  # noqa: E402


def records(draws: int = 20000) -> list[dict[str, object]]:
    m4 = json.loads((ISS / "synthetic_layers.json").read_text())
    wanted = {shape_key(r): int(r["index"]) for r in m4}
    hw4, prof4 = target()
    hw, prof = target(SPEC)
    out: dict[int, dict[str, object]] = {}
    for f, (_routine, (edges, draw, graph)) in enumerate(FAMILIES.items()):
        rng = np.random.default_rng([0, f])     # synthetic.py's seed 0, family f
        cands = [*edges]
        found = 0
        for i in range(len(edges) + draws):
            p = cands[i] if i < len(edges) else draw(rng)
            g = graph(p, rng)
            key = shape_key(record(g, g.ops[0], hw4, prof4, "synthetic", 0))
            if key in wanted and wanted[key] not in out:
                rec = record(g, g.ops[0], hw, prof, "synthetic", wanted[key])
                rec.pop("edgesim_cycles_m4")
                counts = op_work(g, g.ops[0], hw, prof).counts[:7].astype(float)
                rec["edgesim_cycles_m55"] = float(counts @ np.array(CORE_CPI["cortex-m55"]))
                out[wanted[key]] = rec
                found += 1
                if found == 40:
                    break
    missing = sorted(set(wanted.values()) - set(out))
    if missing:
        raise SystemExit(f"{len(missing)} synthetic layers not redrawn, e.g. index {missing[:5]}")
    return [out[i] for i in sorted(out)]


if __name__ == "__main__":
    write_records(__doc__, HERE / "synthetic_m55.json", records)
