"""Plumerai on the PSoC 62 at the clock of mbed-os's board support instead of the declared one.
A record of a hypothesis tested on the MLPerf Tiny rows, not part of the model.

Plumerai's v0.7/v1.0 PSoC 62 rows (CY8CPROTO-062-4343W) declare a 150 MHz Cortex-M4 and
"mbed-os bare metal" (mlcommons/tiny_results_v0.7 closed/plumerai/systems/cy8cproto_062_4343w.json).
The mbed-os board support for that kit (targets/TARGET_Cypress/TARGET_PSOC6/TARGET_CY8CPROTO_062_4343W/
COMPONENT_BSP_DESIGN_MODUS/GeneratedSource/cycfg_system.c) configures CLK_HF0 = 100 MHz from the
FLL with CLK_FAST undivided, i.e. a 100 MHz CM4. This script prices the PSoC 62 rows at 100 MHz
(flash 3 wait states and no SRAM wait state, the PDL's settings at 100 MHz in LP mode, from the
sources hw_specs/psoc62.yaml cites) and reports the Plumerai LOBO error both ways. The submission's own
build points the same way: closed/plumerai/code/README.md (v0.7 and v1.0) builds with a plain
`mbed compile -m cy8cproto_062_4343w`, and its mbed_app.json sets only the stack size and printf options,
no clock; every stored revision of the board's design.modus has the FLL at 100 MHz feeding CLK_HF0 with
CLK_FAST divided by 1. What the proprietary engine library does at start-up is not visible, so the declared
clock is kept in the model; at 100 MHz Plumerai's LOBO median would still be above 10% (see the output).

    EDGESIM_SHARED=/path/to/shared python validation/mlperf_tiny/what_if_psoc62_clock.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate as cal  # noqa: E402

BSP_CLOCK_MHZ = 100.0
# PDL cy_device.c (LP mode): flash MAIN_WS 3 for 87-120 MHz; cy_syslib.c: no SRAM wait state up to 120 MHz
BSP_SETTINGS = ("memories.flash.wait_states=3", "memories.sram.read_latency_cycles=1")
DECLARED = cal.overrides


def bsp_overrides(r: pd.Series) -> list[str]:
    """calibrate.overrides, with the PSoC 62 at the mbed BSP clock and its wait states."""
    out = DECLARED(r)
    if r["spec"] != "psoc62":
        return out
    return [o for o in out if not o.startswith("clock_hz=")] + [f"clock_hz={BSP_CLOCK_MHZ * 1e6}", *BSP_SETTINGS]


def main() -> int:
    used, _ = cal.select_rows(pd.read_csv(cal.CSV))
    used = used[used["profile"] == "plumerai"].reset_index(drop=True)
    for name, rule in (("declared 150 MHz", DECLARED), ("mbed BSP 100 MHz", bsp_overrides)):
        cal.overrides = rule
        data = cal.add_parts(used)
        if rule is bsp_overrides:
            psoc = data["spec"] == "psoc62"
            data.loc[psoc, "clock_mhz"] = BSP_CLOCK_MHZ
            data.loc[psoc, "measured_cycles"] = data.loc[psoc, "latency_ms"] * 1e3 * BSP_CLOCK_MHZ
        res = cal.leave_one_board_out(data)
        err = res["abs_pct_error"]
        boards = ", ".join(f"{b} {e:.1f}" for b, e in res.groupby("spec")["abs_pct_error"].median().items())
        print(f"{name}: Plumerai LOBO median {np.median(err):.1f}%, p90 {np.percentile(err, 90):.1f}% "
              f"(median per board: {boards})")
    cal.overrides = DECLARED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
