"""Fit edgesim's `gcc-cmsis-nn` code model: Cortex-M4 cycles per counted event, per routine.

edgesim counts the instructions of CMSIS-NN's inner loops per class (MAC, activation and
weight loads, ALU, stores, loop iterations, requantizations: `sim.cost.vector_kernels`).
GCC's code for those loops issues more: register spills and reloads off the stack, address
arithmetic, the requantization epilogue's shifts and clamps. The instruction-level run of
the compiled routines (`run_iss.py`) measures what executes; this script fits, per routine,
non-negative Cortex-M4 cycles per counted event of each class so that counts x cycles
reproduce the measured cycles, on random layer shapes (`synthetic_layers.json`,
`iss_synthetic.csv`), and reports the fit on the MLPerf Tiny layers, which it never saw
(`layers.json`, `iss_cycles.csv`). Rows are weighted by 1 / measured cycles, so the fit
minimises relative error and small layers count as much as large ones.

    python validation/cmsis_nn_iss/fit_code_model.py [--write]

With --write the coefficients go to sim/cost/gcc_cmsis_nn.yaml, which profiles with
`code: gcc-cmsis-nn` use.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from compare import markdown
from sim.cost.vector import CORE_CPI, cmsis_function

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLASSES = ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req")
TABLE = ROOT / "sim" / "cost" / "gcc_cmsis_nn.yaml"
DEFAULT = "default"
# routines whose counts do not follow what they execute, so no two terms fit them; they take
# `default` until the counts do
NOT_WRITTEN: dict[str, str] = {}
M4_CPI = CORE_CPI["cortex-m4"]   # the counted classes' Cortex-M4 cycles, as edgesim prices them


def nnls(a: np.ndarray, b: np.ndarray, iters: int = 500) -> np.ndarray:
    """Lawson-Hanson non-negative least squares: min |Ax - b| subject to x >= 0."""
    n = a.shape[1]
    x, passive = np.zeros(n), np.zeros(n, bool)
    for _ in range(iters):
        w = a.T @ (b - a @ x)
        if passive.all() or w[~passive].max(initial=-np.inf) <= 1e-10 * max(np.abs(w).max(), 1.0):
            break
        passive[np.argmax(np.where(passive, -np.inf, w))] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if (z[passive] > 0).all():
                x = z
                break
            neg = passive & (z <= 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg]))
            x = x + alpha * (z - x)
            passive &= x > 1e-12
    return x


def load(layers: Path, iss: Path) -> pd.DataFrame:
    ours = pd.DataFrame(json.loads(layers.read_text()))
    theirs = pd.read_csv(iss).drop(columns=["macs"], errors="ignore")
    df = ours.merge(theirs, on=["model", "index"], validate="one_to_one")
    bad = df[df["routine"].map(cmsis_function) != df["routine_ran"]]
    if len(bad):
        raise SystemExit(f"{iss}: {len(bad)} layers ran another routine than edgesim charged")
    return df


def fit(train: pd.DataFrame, skip: dict[str, str] = NOT_WRITTEN,
        cpi: tuple[float, ...] = M4_CPI) -> dict[str, dict[str, float]]:
    """Per routine, `loop_body` (GCC's instructions per counted loop-body instruction) and
    `epilogue_cycles` (cycles per requantized output, where the counted table `cpi` has its
    REQ entry: 14 on the Cortex-M4); routines in `skip` get no row. `cycles_m4` is the run's
    cycles on whichever core `cpi` prices."""
    out: dict[str, dict[str, float]] = {}
    m4 = np.array(cpi)
    for routine, g in train.groupby("routine"):
        counted = g[[f"edgesim_{c}" for c in CLASSES]].to_numpy(float) * m4
        a = np.column_stack([counted[:, :6].sum(axis=1), g["edgesim_req"].to_numpy(float)])
        b = g["cycles_m4"].to_numpy(float)
        w = 1.0 / b
        body, epilogue = nnls(a * w[:, None], b * w)
        if routine not in skip:
            out[str(routine)] = {"loop_body": round(float(body), 4), "epilogue_cycles": round(float(epilogue), 4)}
    # routines the run did not cover: the measured total over the counted total, on every class
    ratio = float(train["cycles_m4"].sum() / train["edgesim_cycles_m4"].sum())
    out[DEFAULT] = {"loop_body": round(ratio, 4), "epilogue_cycles": round(float(ratio * cpi[-1]), 4)}
    return out


def predict(df: pd.DataFrame, table: dict[str, dict[str, float]],
            cpi: tuple[float, ...] = M4_CPI) -> pd.Series:
    counts = df[[f"edgesim_{c}" for c in CLASSES]].to_numpy(float)
    out = []
    for c, r in zip(counts, df["routine"]):
        t = table.get(r, table[DEFAULT])
        out.append(t["loop_body"] * float(c[:6] @ np.array(cpi[:6])) + t["epilogue_cycles"] * c[6])
    return pd.Series(out, index=df.index)


def errors(df: pd.DataFrame, by: str) -> pd.DataFrame:
    e = (df["predicted"] / df["cycles_m4"] - 1) * 100
    c = (df["edgesim_cycles_m4"] / df["cycles_m4"] - 1) * 100
    t = pd.DataFrame({by: df[by], "err": e.abs(), "counted": c.abs(), "cycles": df["cycles_m4"],
                      "predicted": df["predicted"], "counted_cycles": df["edgesim_cycles_m4"]})
    g = t.groupby(by)
    return pd.DataFrame({
        "layers": g.size(),
        "median_abs_pct_error": g["err"].median().round(1), "max_abs_pct_error": g["err"].max().round(1),
        "total_pct_error": ((g["predicted"].sum() / g["cycles"].sum() - 1) * 100).round(1),
        "counted_total_pct_error": ((g["counted_cycles"].sum() / g["cycles"].sum() - 1) * 100).round(1),
    }).reset_index()


def error_sections(train: pd.DataFrame, test: pd.DataFrame,
                   groups: tuple[tuple[str, str], ...] = (("routine", "routine"),)) -> list[str]:
    """The FIT reports' error tables: the training shapes and the held-out MLPerf Tiny layers per
    each (column, label) of `groups`, then the held-out layers per model."""
    out: list[str] = []
    for name, df in (("Training shapes", train), ("MLPerf Tiny layers (held out)", test)):
        for col, label in groups:
            out += [f"{name}, per {label}:", "", markdown(errors(df, col)), ""]
    return out + ["MLPerf Tiny layers (held out), per model:", "", markdown(errors(test, "model")), ""]


def write_table(path: Path, header: str, body: dict[str, object]) -> None:
    """A code-model table as sim/cost reads it: the comment header, then the YAML body."""
    path.write_text(header + yaml.safe_dump(body, sort_keys=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-layers", type=Path, default=HERE / "synthetic_layers.json")
    ap.add_argument("--train-iss", type=Path, default=HERE / "iss_synthetic.csv")
    ap.add_argument("--test-layers", type=Path, default=HERE / "layers.json")
    ap.add_argument("--test-iss", type=Path, default=HERE / "iss_cycles.csv")
    ap.add_argument("--out", type=Path, default=HERE / "FIT.md")
    ap.add_argument("--write", action="store_true", help=f"store the coefficients in {TABLE.relative_to(ROOT)}")
    args = ap.parse_args()
    train, test = load(args.train_layers, args.train_iss), load(args.test_layers, args.test_iss)
    table = fit(train)
    train["predicted"], test["predicted"] = predict(train, table), predict(test, table)
    compiler = str(train["compiler"].iloc[0]) if "compiler" in train else "unknown"
    opt = str(train["opt"].iloc[0]) if "opt" in train else "unknown"
    coef = pd.DataFrame([{"routine": r, **v} for r, v in table.items()])
    lines = [
        "# The `gcc-cmsis-nn` code model: fit and check",
        "",
        f"Generated by `python validation/cmsis_nn_iss/fit_code_model.py` on {date.today().isoformat()}.",
        f"Fitted on {len(train)} random layer shapes (`{args.train_iss.name}`), checked on the "
        f"{len(test)} MLPerf Tiny layers (`{args.test_iss.name}`), which the fit never saw. ",
        f"Compiler {compiler}, {opt}; Cortex-M4 cycles from the instruction-level run, zero-wait memory.",
        "",
        "Per routine (`sim/cost/gcc_cmsis_nn.yaml`): `loop_body`, GCC's cycles per counted cycle of the loops",
        "(MAC, loads, ALU, stores, loop iterations at the Cortex-M4 table), and `epilogue_cycles`, Cortex-M4",
        "cycles per requantized output (the counted table has 14):",
        "",
        markdown(coef),
        "",
        *(["Not in the table (they take `default`): "
           + "; ".join(f"`{r}`: {why}" for r, why in NOT_WRITTEN.items()) + ".", ""] if NOT_WRITTEN else []),
        "Error against the measured cycles, per layer (`median`, `max`) and over the whole routine or model",
        "(`total`), for the fitted model and for the counted instructions at the Cortex-M4 table alone",
        "(`counted_total`, what edgesim charged before the profile's scale):",
        "",
        *error_sections(train, test),
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    if args.write:
        header = ("# GCC's code for each CMSIS-NN routine, for profiles with `code: gcc-cmsis-nn`\n"
                  "# (sim/cost/vector.py): loop_body = executed cycles per counted loop cycle, epilogue_cycles =\n"
                  "# Cortex-M4 cycles per requantized output. Regenerated by\n"
                  "# validation/cmsis_nn_iss/fit_code_model.py --write; see validation/cmsis_nn_iss/FIT.md.\n")
        body = {"source": (f"non-negative fit to an instruction-level Cortex-M4 run of CMSIS-NN (CMSIS_5 CMSIS/NN, "
                           f"2021; validation/cmsis_nn_iss/MANIFEST.tsv) compiled by {compiler} {opt}, "
                           f"on {len(train)} random layer shapes"),
                "routines": table}
        write_table(TABLE, header, body)
        print(f"wrote {TABLE}")


if __name__ == "__main__":
    main()
