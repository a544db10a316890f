"""Predict MLPerf Tiny results the calibration never saw, with the bundled MCU profiles.

The stack profiles in sim/cost/vector_profiles.yaml are fitted on the shared calibration file
(MLPerf Tiny v0.5-v1.0) by calibrate.py. This script prices the later rounds' published
Cortex-M results (`published_v1x.csv` beside it: mlcommons/tiny_results_v1.1-v1.3, each row with
the repository, commit and paths it was read from) the way a user would: `sim.api.simulate` on
the board's bundled spec at the row's clock, stack and supply. Nothing is refitted, so the
error is out of sample.

Each row is labelled by what is new to the model relative to the calibration rows of its stack:

    rerun        same board and release as a calibration row (another submitter's or round's run)
    new release  a board the stack was calibrated on, a release it was not (X-CUBE-AI 8.0, 10.x)
    new board    a board (spec) the stack was never calibrated on

A second table repeats calibrate.py's leave-one-board-out protocol on both files pooled: more
boards per stack and release, so fewer folds extrapolate across releases. It is not the
calibration the bundled profiles come from.

Release profiles: every (stack, release) of this file measured on RELEASE_BOARDS boards or more
gets a profile `STACK@RELEASE` (`kernels: x-cube-ai@10.2`) fitted on all its rows here, with
its error measured by leave-one-board-out within the release. `--write-release-profiles`
stores them in sim/cost/vector_profiles.yaml beside the stack profiles, which stay fitted on
the shared file. A stack that only this file measured (Bosch HALE) is not priced in the held-out
tables, having no profile fitted elsewhere; its stack profile (`kernels: hale`) is its release
profile measured on most boards, written with the release profiles.

    EDGESIM_SHARED=/path/to/shared python validation/mlperf_tiny/holdout.py [--csv PATH]
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate as cal  # noqa: E402
from sim.api import simulate  # noqa: E402
from sim.cost.vector import PROFILE_FILE, load_profiles  # noqa: E402

HERE = Path(__file__).resolve().parent
HOLDOUT_CSV = HERE / "published_v1x.csv"
TARGET_PCT = 10.0
RELEASE_BOARDS = 3


def release_key(release: str) -> str:
    """Releases compared by major.minor: the rounds spell X-CUBE-AI 7.3 as `7.3.0` and `7.3`."""
    parts = str(release).split(".")
    return ".".join(parts[:2]) if parts[0].isdigit() else str(release)


def novelty(rows: pd.DataFrame, calib: pd.DataFrame) -> list[str]:
    """`rerun`, `new release` or `new board` for each held-out row (see the module docstring)."""
    seen_boards = {(p, s) for p, s in zip(calib["profile"], calib["spec"])}
    seen_runs = {(p, s, release_key(r)) for p, s, r in zip(calib["profile"], calib["spec"], calib["release"])}
    out = []
    for p, s, r in zip(rows["profile"], rows["spec"], rows["release"]):
        out.append("rerun" if (p, s, release_key(r)) in seen_runs
                   else "new release" if (p, s) in seen_boards else "new board")
    return out


def price(rows: pd.DataFrame) -> pd.DataFrame:
    """Latency and energy of every row from `simulate` with the bundled spec and profile,
    at the row's clock, stack and (when its notes state one) supply voltage."""
    rows = rows.copy()
    lat, energy = [], []
    for _, r in rows.iterrows():
        sets = [o for o in cal.overrides(r) if not o.startswith("board_current_ma")]
        res = simulate(cal.MODELS / cal.MODEL_FILES[r["benchmark"]], r["spec"], overrides=sets)
        lat.append(res.latency_ms)
        energy.append(res.energy_uj)
    rows["predicted_ms"] = lat
    rows["predicted_energy_uj"] = energy
    rows["abs_pct_error"] = 100 * (rows["predicted_ms"] - rows["latency_ms"]).abs() / rows["latency_ms"]
    rows["signed_pct_error"] = 100 * (rows["predicted_ms"] - rows["latency_ms"]) / rows["latency_ms"]
    rows["energy_abs_pct_error"] = (100 * (rows["predicted_energy_uj"] - rows["energy_uj_per_inf"]).abs()
                                    / rows["energy_uj_per_inf"])
    rows["core"] = rows["processor_core"].str.strip()
    return rows


def grouped(res: pd.DataFrame, column: str = "abs_pct_error") -> pd.DataFrame:
    """Median and p90 per stack, per stack and novelty, per stack and core."""
    ok = res.dropna(subset=[column])
    groups = [("all", ok)] + [(f"{s} / all", g) for s, g in ok.groupby("profile")] \
        + [(f"{s} / {n}", g) for (s, n), g in ok.groupby(["profile", "novelty"])] \
        + [(f"{s} / {c}", g) for (s, c), g in ok.groupby(["profile", "core"])]
    return pd.DataFrame([{"group": name, **cal.error_stats(g, column),
                          "median_signed_pct_error": float(np.median(g["signed_pct_error"]))
                          if column == "abs_pct_error" else float("nan")}
                         for name, g in groups])


def by_benchmark(res: pd.DataFrame) -> pd.DataFrame:
    """Median signed error (%, + = predicted slower) per stack, novelty and benchmark: which
    networks a newer release sped up."""
    t = res.pivot_table(index=["profile", "novelty"], columns="benchmark", values="signed_pct_error",
                        aggfunc="median")
    return t.reset_index().rename_axis(columns=None)


def pooled_lobo(calib: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """calibrate.py's leave-one-board-out on the calibration and held-out rows together,
    releases compared by major.minor."""
    cols = list(calib.columns)
    rows = pd.concat([calib[cols], held[cols]], ignore_index=True)
    rows["release"] = rows["release"].map(release_key)
    return cal.leave_one_board_out(cal.add_parts(rows))


def release_groups(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """`STACK@RELEASE` -> its rows, for the releases measured on RELEASE_BOARDS boards or more."""
    keyed = rows.assign(release=rows["release"].map(release_key))
    return {f"{stack}@{rel}": g.reset_index(drop=True) for (stack, rel), g in keyed.groupby(["profile", "release"])
            if rel != "unstated" and g["spec"].nunique() >= RELEASE_BOARDS}


def release_profiles(rows: pd.DataFrame) -> tuple[dict[str, dict[str, float]], pd.DataFrame]:
    """Per release group: the parameters fitted on all its rows, and its leave-one-board-out
    predictions (each board from the release's other boards)."""
    fitted, folds = {}, []
    for name, group in release_groups(rows).items():
        data = cal.add_parts(group)
        fitted[name] = cal.fit(data)
        folds.append(cal.leave_one_board_out(data).assign(release_profile=name))
    return fitted, (pd.concat(folds, ignore_index=True) if folds else pd.DataFrame())


def release_summary(folds: pd.DataFrame, fitted: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"profile": name, "rows": len(g), "boards": ", ".join(sorted(g["spec"].unique())),
                          **{k: round(v, 4) for k, v in fitted[name].items()},
                          "lobo_median_abs_pct_error": float(np.median(g["abs_pct_error"])),
                          "lobo_p90_abs_pct_error": float(np.percentile(g["abs_pct_error"], 90))}
                         for name, g in folds.groupby("release_profile")])


def new_stack_profiles(folds: pd.DataFrame, calibrated: set[str]) -> dict[str, str]:
    """Stack -> the release profile that stands for it, for stacks no calibration row measured:
    the release measured on most boards, the newest round on ties (calibrate.py's rule)."""
    out = {}
    for name, g in folds.groupby("release_profile"):
        stack = str(name).partition("@")[0]
        if stack in calibrated:
            continue
        key = (g["spec"].nunique(), g["round"].max())
        if stack not in out or key > out[stack][1]:
            out[stack] = (str(name), key)
    return {stack: name for stack, (name, _) in out.items()}


def write_release_profiles(fitted: dict[str, dict[str, float]], summary: pd.DataFrame, folds: pd.DataFrame,
                           csv: Path, stacks: dict[str, str]) -> None:
    """Add or replace the `STACK@RELEASE` entries of the profile file, and the stack entries of
    `stacks` (stack -> its release profile); the calibrated stack entries stay."""
    raw = yaml.safe_load(PROFILE_FILE.read_text())

    def entry(name: str, source: str) -> dict[str, object]:
        base = raw["profiles"].get(name.partition("@")[0], {})   # a new stack: CMSIS-NN's loops, counted
        code = {"code": base["code"]} if base.get("code", "counted") != "counted" else {}
        return {"family": base.get("family", "cmsis-nn"), **code, **{k: round(v, 4) for k, v in fitted[name].items()},
                "calibrated": True,
                "source": source,
                "validation": cal.validation_entry(folds[folds["release_profile"] == name], "MLPerf Tiny v1.1-v1.3")}

    for stack, name in stacks.items():
        raw["profiles"][stack] = entry(name, f"the {name} release profile (the release measured on most boards; no "
                                             f"calibration row measured this stack): fitted on "
                                             f"validation/mlperf_tiny/{csv.name} by validation/mlperf_tiny/holdout.py "
                                             f"--write-release-profiles")
    for _, r in summary.iterrows():
        raw["profiles"][r["profile"]] = entry(
            r["profile"], f"fitted on {r['rows']} rows of validation/mlperf_tiny/{csv.name} (MLPerf Tiny v1.1-v1.3 "
                          f"closed; boards: {r['boards']}) by validation/mlperf_tiny/holdout.py "
                          f"--write-release-profiles; leave-one-board-out within the release: median "
                          f"{r['lobo_median_abs_pct_error']:.1f}%, p90 {r['lobo_p90_abs_pct_error']:.1f}%")
    PROFILE_FILE.write_text(cal.PROFILE_HEADER + yaml.safe_dump(raw, sort_keys=False))
    load_profiles.cache_clear()


def price_apart(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows on a core no profile was fitted on (ARMv6-M), priced with their stack profile as a
    user would get it: out of sample for the core, whatever file the profile came from."""
    return price(rows) if len(rows) else rows


def report(res: pd.DataFrame, pooled: pd.DataFrame, releases: pd.DataFrame, skipped: pd.DataFrame,
           csv: Path, new_stacks: dict[str, str], armv6: pd.DataFrame) -> str:
    lat = grouped(res)
    e = res.dropna(subset=["energy_abs_pct_error"])
    table = res[["round", "submitter", "board", "core", "profile", "release", "novelty", "clock_mhz", "benchmark",
                 "latency_ms", "predicted_ms", "signed_pct_error", "energy_uj_per_inf", "predicted_energy_uj",
                 "energy_abs_pct_error"]].sort_values(["profile", "novelty", "board", "round", "benchmark"])
    stacks = lat[lat["group"].str.endswith(" / all")]
    verdict = "; ".join(f"{g.split(' /')[0]}: {m:.1f}% ({'below' if m < TARGET_PCT else 'above'} {TARGET_PCT:g}%)"
                        for g, m in zip(stacks["group"], stacks["median_abs_pct_error"]))
    parts = [
        "# Held-out check of the MCU profiles on MLPerf Tiny v1.1-v1.3",
        "",
        f"Generated by `python validation/mlperf_tiny/holdout.py` on {datetime.now(timezone.utc):%Y-%m-%d} "
        f"from `{csv.name}` ({len(res)} rows modelled).",
        "",
        "The stack profiles were fitted on the shared calibration file (MLPerf Tiny v0.5-v1.0) only; these",
        "rows were published later and were not used to build the model or fit those profiles (only the",
        "release profiles at the end are fitted on them). Each row is priced with `sim.api.simulate` on the",
        "board's bundled spec at the row's clock, stack and supply, exactly as a user would run it. `novelty`: `rerun` = board and release already in the calibration",
        "rows of that stack (another submitter's or round's run); `new release` = a calibrated board, an",
        "uncalibrated release; `new board` = a spec the stack was never calibrated on.",
        "",
        "## Latency error",
        "",
        cal.fmt(lat),
        "",
        f"Median absolute error per stack: {verdict}.",
        "",
        "Median signed error (%, positive = edgesim predicts slower than measured) per benchmark:",
        "",
        cal.fmt(by_benchmark(res)),
        "",
        "Reading. `rerun` rows test the model on new measurements of what it was calibrated on; `new",
        "release` and `new board` rows test what a user gets when the software or the part is not one",
        "the profile was fitted on. A profile fitted on a stack's 2021-2022 releases describes those",
        "releases: where a later release is faster, the error is the release's speed-up, and it is",
        "largest on the depthwise-separable networks (vww, kws) when a release sped up its depthwise",
        "kernels. The `cmsis-nn` profile is fitted on a Cortex-M33 and prices its DSP-extension code with",
        "GCC's code for CMSIS-NN (the `gcc-cmsis-nn` code model, measured instruction by instruction on a",
        "Cortex-M4); the Cortex-M85 runs CMSIS-NN's Helium code, which that run did not cover, so there the",
        "profile's fitted scale lands on the counted Helium instructions.",
        "",
        "## Energy error (rows that report energy; bundled board current, predicted latency)",
        "",
        cal.fmt(grouped(e, "energy_abs_pct_error").drop(columns=["median_signed_pct_error"]))
        if len(e) else "no rows with energy",
        "",
        "## Leave-one-board-out on both files pooled",
        "",
        "calibrate.py's protocol (per stack, each board predicted from the other boards' rows of its",
        "release when another board measured it) on the calibration rows and these together. Not what",
        "the bundled profiles were fitted on; it shows what more boards per release do to the folds.",
        "",
        cal.fmt(cal.summary(pooled)),
        "",
        "## Release profiles (`kernels: STACK@RELEASE`)",
        "",
        f"Every release of this file measured on {RELEASE_BOARDS} or more boards, fitted on all its rows here",
        "(calibrate.py's three parameters), and its error by leave-one-board-out within the release:",
        "each board predicted from the release's other boards.",
        "",
        cal.fmt(releases, "{:.4g}") if len(releases) else "no release measured on enough boards",
        "",
        *(["Stacks no calibration row measured, not priced in the tables above: "
           + ", ".join(f"`{s}` (its stack profile is `{n}`)" for s, n in sorted(new_stacks.items())) + ".", ""]
          if new_stacks else []),
        "## Per row",
        "",
        cal.fmt(table.reset_index(drop=True), "{:.2f}"),
        "",
        "## ARMv6-M rows (Cortex-M0+), priced apart",
        "",
        "No profile is fitted on a core without the DSP extension: there the cost model counts TFLM's",
        "scalar reference loops for every profile (profiles with `code: gcc` price them as GCC's Thumb-1",
        "code, measured on an emulated Cortex-M0+), and a stack's own code may differ. These rows are",
        "priced with their stack profile (fitted on DSP cores) as a user would get them; `edgesim run`",
        "says the profile is not validated on the core.",
        "",
        (f"Median absolute error {np.median(armv6['abs_pct_error']):.1f}% over {len(armv6)} rows.\n\n"
         + cal.fmt(armv6[["round", "board", "stack", "profile", "clock_mhz", "benchmark", "latency_ms",
                          "predicted_ms", "signed_pct_error"]].reset_index(drop=True), "{:.2f}"))
        if len(armv6) else "none",
        "",
        "## Cortex-M rows not modelled",
        "",
        cal.fmt(skipped[["round", "submitter", "board", "stack", "benchmark", "latency_ms", "reason"]]
                .reset_index(drop=True), "{:.2f}") if len(skipped) else "none",
        "",
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=HOLDOUT_CSV)
    ap.add_argument("--calibration-csv", type=Path, default=cal.CSV)
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--write-release-profiles", action="store_true",
                    help="store the STACK@RELEASE profiles in sim/cost/vector_profiles.yaml")
    args = ap.parse_args(argv)
    calib, _ = cal.select_rows(pd.read_csv(args.calibration_csv))
    used, skipped = cal.select_rows(pd.read_csv(args.csv))
    fitted, folds = release_profiles(used)
    releases = release_summary(folds, fitted) if len(folds) else pd.DataFrame()
    stacks = new_stack_profiles(folds, set(calib["profile"])) if len(folds) else {}
    if args.write_release_profiles and len(releases):
        write_release_profiles(fitted, releases, folds, args.csv, stacks)
    priced = used[used["profile"].isin(set(calib["profile"]))].reset_index(drop=True)
    priced["novelty"] = novelty(priced, calib)
    res = price(priced)
    armv6 = price_apart(skipped[skipped["reason"] == cal.NO_DSP_REASON].reset_index(drop=True))
    pooled = pooled_lobo(calib, used)
    args.out.mkdir(parents=True, exist_ok=True)
    res.to_csv(args.out / "holdout_predictions.csv", index=False)
    (args.out / "HOLDOUT.md").write_text(report(res, pooled, releases, skipped, args.csv, stacks, armv6))
    print(grouped(res).to_string(index=False))
    print("leave-one-board-out on both files pooled:")
    print(cal.summary(pooled).to_string(index=False))
    if len(releases):
        print("release profiles (leave-one-board-out within the release):")
        print(releases.to_string(index=False))
    if len(armv6):
        print(f"ARMv6-M rows priced apart: {len(armv6)}, median {np.median(armv6['abs_pct_error']):.1f}%")
    e = res.dropna(subset=["energy_abs_pct_error"])
    if len(e):
        print(f"energy: {len(e)} rows, median {np.median(e['energy_abs_pct_error']):.1f}%, "
              f"p90 {np.percentile(e['energy_abs_pct_error'], 90):.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
