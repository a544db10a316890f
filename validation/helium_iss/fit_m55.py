"""Would a per-routine code model carry this run's Cortex-M55 cycles? Fitted on synthetic shapes,
scored on the MLPerf Tiny layers; reported, never written to sim/.

The two terms of cmsis_nn_iss/fit_code_model.py, on the Cortex-M55: per routine, a factor on
edgesim's counted loop-body cycles (MAC, loads, ALU, stores, loop at CORE_CPI['cortex-m55']) and
cycles per requantised output, non-negative, weighted by 1 / modelled cycles, fitted on the
synthetic layers (synthetic_m55.json, iss_mve_synthetic.csv; shapes whose routine is not the one
edgesim charges are left out) and applied to the 67 MLPerf Tiny layers (layers_m55.json,
iss_mve.csv), which the fit never saw. The target is `cycles_m55` (m55_timing), a model of 2021's
CMSIS-NN built by GCC 12, not a measured board (README.md says why sim/ keeps its counts).

    .venv/bin/python validation/helium_iss/fit_m55.py [--train iss_mve_synthetic_clang16.csv --test iss_mve_clang16.csv]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))

from fit_code_model import nnls  # noqa: E402

from sim.cost.vector import CORE_CPI  # noqa: E402

BODY = ("mac", "ld_act", "ld_w", "alu", "st", "loop")
CPI = dict(zip(("mac", "ld_act", "ld_w", "alu", "st", "loop", "req"), CORE_CPI["cortex-m55"]))


def load(layers: Path, iss: Path) -> pd.DataFrame:
    recs = pd.DataFrame(json.loads(layers.read_text()))
    run = pd.read_csv(iss)[["model", "index", "routine_ran", "cycles_m55"]]
    df = recs.merge(run, on=["model", "index"], validate="one_to_one")
    df["body"] = sum(df[f"edgesim_{c}"] * CPI[c] for c in BODY)
    df["counted"] = df["body"] + df["edgesim_req"] * CPI["req"]
    return df[df["routine"] == df["routine_ran"]]


def fit(train: pd.DataFrame) -> dict[str, tuple[float, float]]:
    rows = {}
    for routine, g in train.groupby("routine"):
        a = np.stack([g["body"], g["edgesim_req"]], axis=1) / g["cycles_m55"].to_numpy()[:, None]
        rows[str(routine)] = tuple(float(v) for v in nnls(a, np.ones(len(g))))
    return rows  # type: ignore[return-value]


def predict(df: pd.DataFrame, rows: dict[str, tuple[float, float]]) -> pd.Series:
    return df.apply(lambda r: rows[r["routine"]][0] * r["body"] + rows[r["routine"]][1] * r["edgesim_req"]
                    if r["routine"] in rows else np.nan, axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, default=HERE / "iss_mve_synthetic.csv", help="run of synthetic_m55.json")
    ap.add_argument("--test", type=Path, default=HERE / "iss_mve.csv", help="run of layers_m55.json")
    args = ap.parse_args()
    train = load(HERE / "synthetic_m55.json", args.train)
    test = load(HERE / "layers_m55.json", args.test)
    print(f"fitted on {args.train.name}, scored on {args.test.name}")
    rows = fit(train)
    train["fitted"] = predict(train, rows)
    test["fitted"] = predict(test, rows)
    print(f"{'routine':28} {'layers':>6} {'loop_body':>9} {'epilogue':>9} {'train median':>12} {'counted median':>14}")
    for routine, (body, epi) in sorted(rows.items()):
        g = train[train["routine"] == routine]
        err = (g["fitted"] / g["cycles_m55"] - 1).abs().median() * 100
        cnt = (g["counted"] / g["cycles_m55"] - 1).abs().median() * 100
        print(f"{routine:28} {len(g):6d} {body:9.4f} {epi:9.2f} {err:11.1f}% {cnt:13.1f}%")
    print("\nMLPerf Tiny layers (never fitted): whole-model cycles against the run")
    print(f"{'model':6} {'run':>12} {'fitted':>12} {'error':>8} {'counted':>12} {'error':>8}")
    for model, g in test.groupby("model"):
        run, fitted, counted = g["cycles_m55"].sum(), g["fitted"].sum(), g["counted"].sum()
        print(f"{model:6} {run:12,.0f} {fitted:12,.0f} {(fitted / run - 1) * 100:+7.1f}% {counted:12,.0f} "
              f"{(counted / run - 1) * 100:+7.1f}%")
    per_layer = (test["fitted"] / test["cycles_m55"] - 1).abs() * 100
    print(f"per layer: median {per_layer.median():.1f}%, max {per_layer.max():.1f}% ({len(test)} layers)")


if __name__ == "__main__":
    main()
