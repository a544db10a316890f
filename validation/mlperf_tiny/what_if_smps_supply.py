"""Run current through a switching regulator, priced by LOBO on the energy rows.
A record of a hypothesis tested on the MLPerf Tiny rows, not part of the model.

The energy model takes each part's datasheet run current (uA/MHz x clock) as independent of
the supply voltage, which is right behind a linear regulator (LDO: the core draws the same
current whatever VDD is) but not behind a switching one (SMPS: the input power, not the
current, is roughly constant, so at a lower VDD the part draws more). Three of the bundled
parts with energy rows run their SMPS at a VDD other than the datasheet's: the U575 and U385
rows at 1.8 V, some H7A3 rows at 3.0 V. This script converts their run current to the row's
supply, I x V_datasheet / V_row (constant efficiency), refits the board current per fold as
calibrate.py does, and prints the error both ways: LOBO on the shared calibration file's 40
energy rows (power alone, at the measured latency), and the v1.3 U385 rows of the held-out
file (the one new board with energy), priced with the board current fitted on all 40 rows.

The conversion is not adopted (its output on 2026-11-26): LOBO power error median 14.3% ->
26.2%, the U575 13.1% -> 40.7% (its measured 14.5 mA is matched by 5 mA of run current plus the
fitted board current, not by 9 mA plus it). It does bring the U385's run current to 2.8 mA at
1.8 V against 2.9 mA measured in all, but the board current fitted as one constant (7.7 mA)
still leaves the U385 about 3x high (334% -> 306%). The rows say the board current differs
between boards by more than the regulator correction: about 0.1 mA (U385) to 11 mA (L4R5).

    EDGESIM_SHARED=/path/to/shared python validation/mlperf_tiny/what_if_smps_supply.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate as cal  # noqa: E402
import holdout as ho  # noqa: E402
from sim.cost.vector import load_profiles  # noqa: E402
from sim.spec.load import load_hardware  # noqa: E402

# VDD of each SMPS part's datasheet run-current figure (the spec files cite the figures): the
# U3 datasheets state 3.3 V; for the U575 and H7A3 tables 3.3 V is assumed, as the parts'
# nominal supply. Parts not listed are taken to draw the same current at any VDD (LDO).
SMPS_DATASHEET_V = {"stm32u575": 3.3, "stm32h7a3": 3.3, "stm32u385": 3.3, "stm32u3c5": 3.3}


def run_current_ma(rows: pd.DataFrame) -> np.ndarray:
    return np.array([load_hardware(r["spec"], cal.overrides(r)).run_current_ma for _, r in rows.iterrows()])


def converted(rows: pd.DataFrame, smps: bool) -> pd.DataFrame:
    """Rows with `model_power_mw` re-priced: the run current times V_datasheet / V_row for SMPS parts."""
    if not smps:
        return rows
    v = rows["supply_v"].to_numpy(float)
    ratio = rows["spec"].map(SMPS_DATASHEET_V).fillna(rows["supply_v"]).to_numpy(float) / v
    return rows.assign(model_power_mw=rows["model_power_mw"] + run_current_ma(rows) * v * (ratio - 1))


def lobo_power_error(rows: pd.DataFrame) -> pd.Series:
    """calibrate.add_energy's protocol at the measured latency: each board's current from the others."""
    out = pd.Series(np.nan, index=rows.index)
    for board in rows["spec"].unique():
        held = rows["spec"] == board
        amps = cal.fit_board_current(rows[~held])
        test = rows[held]
        energy = (test["model_power_mw"] + amps * test["supply_v"]) * test["latency_ms"] + test["access_energy_uj"]
        out[held] = 100 * (energy - test["energy_uj_per_inf"]).abs() / test["energy_uj_per_inf"]
    return out


def at_measured_latency(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows priced at their measured latency with the bundled profile's parameters: the model
    power does not depend on the latency prediction, only the energy total would."""
    prof = load_profiles()
    params = {k: [getattr(prof[p], k) for p in rows["profile"]] for k in cal.PARAMS}
    return rows.assign(**params, predicted_cycles=rows["measured_cycles"], predicted_ms=rows["latency_ms"])


def main() -> int:
    calib, _ = cal.select_rows(pd.read_csv(cal.CSV))
    lobo = cal.add_energy(cal.leave_one_board_out(cal.add_parts(calib)))
    rows = lobo.dropna(subset=["model_power_mw"])
    held, _ = cal.select_rows(pd.read_csv(ho.HOLDOUT_CSV))
    u385 = held[(held["spec"] == "stm32u385") & held["energy_uj_per_inf"].notna()]
    if not u385.empty:
        u385 = cal.add_energy(at_measured_latency(cal.add_parts(u385.reset_index(drop=True))))
    for name, smps in (("current independent of VDD (as modelled)", False), ("SMPS current x V_ds / V", True)):
        r = converted(rows, smps)
        err = lobo_power_error(r)
        per_board = ", ".join(f"{b} {e:.1f}" for b, e in err.groupby(r["spec"]).median().items())
        line = f"{name}: LOBO power error median {err.median():.1f}%, p90 {np.percentile(err, 90):.1f}% ({per_board})"
        if not u385.empty:
            amps = cal.fit_board_current(r)
            u = converted(u385.dropna(subset=["model_power_mw"]), smps)
            e = (u["model_power_mw"] + amps * u["supply_v"]) * u["latency_ms"] + u["access_energy_uj"]
            line += (f"; U385 (held out) at board current {amps:.1f} mA: median "
                     f"{np.median(100 * (e - u['energy_uj_per_inf']).abs() / u['energy_uj_per_inf']):.0f}%")
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
