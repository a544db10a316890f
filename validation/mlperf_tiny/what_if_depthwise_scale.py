"""A fourth profile parameter, a scale of its own for the depthwise kernels, priced by LOBO.
A record of a hypothesis tested on the MLPerf Tiny rows, not part of the model.

The held-out rows (holdout.py) show 2023 releases of X-CUBE-AI and the Plumerai engine running
the depthwise-separable networks (vww, kws) up to 2x faster than the releases the profiles were
fitted on, with little change on ic and ad. A profile whose depthwise kernels have their own
scale could follow such a release. This script refits calibrate.py's protocol with the
depthwise cycles split out of `mac_scale` and prints the LOBO median per stack, on the shared
calibration file and on it pooled with the published v1.1-v1.3 rows. The profiles keep three
parameters: the split helps some stacks and hurts others (see the output), and choosing it per
stack after seeing these figures would fit the structure to the answer. The fits here have no
per-operator overhead term, so the first line can differ from calibrate.py's by a few tenths.

    EDGESIM_SHARED=/path/to/shared python validation/mlperf_tiny/what_if_depthwise_scale.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate as cal  # noqa: E402
import holdout as ho  # noqa: E402
from sim.cost.vector import _core, load_profiles, op_work, runtime_arena_bytes  # noqa: E402
from sim.spec.load import load_hardware  # noqa: E402
from workloads.tflite_import import load_tflite  # noqa: E402

SPLITS = {"three parameters (as fitted)": ("im2col", "mac"), "depthwise split out": ("im2col", "dw", "mac")}


def parts(rows: pd.DataFrame) -> pd.DataFrame:
    """calibrate.add_parts plus `dw_cycles`, the depthwise kernels' share of `mac_cycles`."""
    data = cal.add_parts(rows)
    graphs = {k: load_tflite(cal.MODELS / f) for k, f in cal.MODEL_FILES.items()}
    profiles = load_profiles()
    dw = []
    for _, r in data.iterrows():
        hw, g = load_hardware(r["spec"], cal.overrides(r)), graphs[r["benchmark"]]
        dw.append(sum(op_work(g, op, hw, profiles[r["profile"]], arena_bytes=runtime_arena_bytes(g, hw)).core_cycles
                      * _core(hw).op_scale.get(op.op_type, 1.0)
                      for op in g.ops if op.op_type == "DEPTHWISE_CONV_2D"))
    return data.assign(dw_cycles=dw)


def columns(rows: pd.DataFrame, split: tuple[str, ...]) -> np.ndarray:
    """The scaled columns: `mac` carries the non-MAC operators (aux_scale = mac_scale, as in
    calibrate.py) and the depthwise cycles when they are not split out."""
    mac = rows["mac_cycles"] + rows["aux_cycles"] - (rows["dw_cycles"] if "dw" in split else 0)
    named = {"im2col": rows["im2col_cycles"], "dw": rows["dw_cycles"], "mac": mac}
    return np.column_stack([named[c] for c in split]).astype(float)


def fit(rows: pd.DataFrame, split: tuple[str, ...]) -> np.ndarray:
    """calibrate.py's non-negative least squares on relative error (no overhead term)."""
    measured = rows["measured_cycles"].to_numpy(float)
    return cal.nnls_relative(columns(rows, split), measured - rows["stall_cycles"].to_numpy(float), measured)


def lobo(data: pd.DataFrame, split: tuple[str, ...]) -> pd.DataFrame:
    out = []
    for _, rows in data.groupby("profile"):
        for (board, release), test in rows.groupby(["spec", "release"]):
            x = fit(cal.training_rows(rows, str(board), str(release)), split)
            pred = columns(test, split) @ x + test["stall_cycles"].to_numpy(float)
            out.append(test.assign(abs_pct_error=(100 * (pred - test["measured_cycles"]).abs()
                                                  / test["measured_cycles"]).to_numpy()))
    return pd.concat(out)


def main() -> int:
    calib, _ = cal.select_rows(pd.read_csv(cal.CSV))
    held, _ = cal.select_rows(pd.read_csv(ho.HOLDOUT_CSV))
    pooled = pd.concat([calib, held[list(calib.columns)]], ignore_index=True)
    pooled["release"] = pooled["release"].map(ho.release_key)
    for name, rows in (("shared calibration file", calib), ("pooled with v1.1-v1.3", pooled)):
        data = parts(rows)
        for label, split in SPLITS.items():
            med = lobo(data, split).groupby("profile")["abs_pct_error"].median()
            print(f"{name}, {label}: LOBO median " + ", ".join(f"{s} {m:.1f}%" for s, m in med.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
