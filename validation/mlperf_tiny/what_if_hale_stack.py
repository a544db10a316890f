"""A stack measured on five boards: Bosch HALE under calibrate.py's protocol.
A record of what the model structure does when a release was measured widely, not a profile.

The stacks of the shared calibration file were each measured on one to four boards, and a
release on at most three; their leave-one-board-out folds extrapolate across releases or from
one board. Bosch's HALE code generator (MLPerf Tiny v1.1 release 1.0 and v1.2 release 1.0.175,
`published_v1x.csv`, not used by calibrate.py) ran the four models on five of the bundled
Cortex-M parts: PSoC 62 (M4), L4R5 (M4), U575 (M33), F746 and H7A3 (M7). This script fits
calibrate.py's three parameters per fold on the other boards' rows of the same release and
prints the held-out error, as calibrate.py does for the other stacks.

Rows: the int8 reference model in the default build. Left out: Bosch's `max_performance`
variants (AD weights copied to RAM, which the flash model does not describe) and the `min_ram`
IC variant (a different schedule, about 2x the runtime); the NUCLEO-G0B1RE (Cortex-M0+, no
bundled spec).

Output on 2026-11-26: LOBO median 6.2%, p90 19.0% over 36 runs on 5 boards (per board 3.0% on
the F746 to 14.3% on the L4R5). The misses repeat what the calibration file shows for the other
stacks: AD (and on the L4R5, IC) predicted 12-23% slow on four boards, the PSoC 62 predicted fast.
A release measured on five boards comes out under the 10% median target with the same cost model
that misses it for the stacks measured on two to four: read that as the gap being mostly the data.

    EDGESIM_SHARED=/path/to/shared python validation/mlperf_tiny/what_if_hale_stack.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate as cal  # noqa: E402
import holdout as ho  # noqa: E402

STACK = "Bosch HALE"
VARIANTS = ("_max_performance", "_min_ram")   # system_dir suffixes of builds the flash model does not describe


def hale_rows() -> pd.DataFrame:
    df = pd.read_csv(ho.HOLDOUT_CSV)
    df.loc[df["stack"].astype(str).str.startswith(STACK), "stack_class"] = STACK
    cal.STACKS[STACK] = "x-cube-ai"    # a CMSIS-NN-family profile; its parameters are refit per fold
    used, _ = cal.select_rows(df)
    used = used[used["stack"].astype(str).str.startswith(STACK)]
    used = used[~used["system_dir"].astype(str).str.endswith(VARIANTS)].reset_index(drop=True)
    return used.assign(release=used["stack"].str.extract(r"HALE (\S+)")[0])


def main() -> int:
    res = cal.leave_one_board_out(cal.add_parts(hale_rows()))
    err = res["abs_pct_error"]
    print(f"Bosch HALE: LOBO median {np.median(err):.1f}%, p90 {np.percentile(err, 90):.1f}% over {len(res)} runs, "
          f"{res['spec'].nunique()} boards")
    print(res.groupby("spec")["abs_pct_error"].median().round(1).to_string())
    signed = res.assign(signed_pct=100 * (res["predicted_ms"] / res["latency_ms"] - 1))
    print(signed.pivot_table(index=["release", "spec"], columns="benchmark", values="signed_pct").round(1).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
