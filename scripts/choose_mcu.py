"""Which microcontroller and software stack for a model: every bundled Cortex-M part x stack.

    python scripts/choose_mcu.py MODEL [--stacks cmsis-nn,microtvm,...] [--budget-ms 50] [--out table.csv]

Prices MODEL (a .tflite file or a zoo name) with `simulate` on each bundled Cortex-M spec under
each stack profile that can run there (X-CUBE-AI on STM32 parts only), and prints one row per
(part, stack): latency with the band its profile's measured error gives (latency x (1 +/- p90
error), the range 90% of the profile's held-out MLPerf Tiny runs fell in), energy, and whether
the arena and weights fit the part. Parts that cannot hold the model are listed last; rows
over --budget-ms (at the band's low end) are dropped. Uses the Python API only.
"""

from __future__ import annotations

import argparse
import math

import pandas as pd

from sim.api import load_hardware, simulate
from sim.mapping.placement import is_mcu
from sim.spec.load import bundled_names

# Newest measured release of each stack (sim/cost/vector_profiles.yaml).
STACKS = ("cmsis-nn", "microtvm", "plumerai@2023.05", "x-cube-ai@10.2", "hale@1.0")
ST_ONLY = ("x-cube-ai",)          # ST's tool generates code for STM32 parts only


def mcu_parts() -> list[str]:
    return [name for name in bundled_names() if is_mcu(load_hardware(name))]


def runs_on(stack: str, part: str) -> bool:
    return not stack.startswith(ST_ONLY) or part.startswith("stm32")


def table(model: str, stacks: list[str]) -> pd.DataFrame:
    rows = []
    for part in mcu_parts():
        for stack in stacks:
            if not runs_on(stack, part):
                continue
            res = simulate(model, part, overrides={"kernels": stack})
            s = res.summary.iloc[0]
            p90 = float(s["validated_p90_error_pct"])
            band = p90 / 100 if not math.isnan(p90) else math.nan
            rows.append({"part": part, "core": res.hardware.compute.core, "clock_mhz": res.hardware.clock_hz / 1e6,
                         "kernels": stack, "latency_ms": s["latency_ms"],
                         "latency_low_ms": s["latency_ms"] * (1 - band), "latency_high_ms": s["latency_ms"] * (1 + band),
                         "validated_p90_error_pct": p90, "energy_uj": s["energy_uj"],
                         "fits_memory": bool(s["fits_memory"]), "memory_use": s["memory_use"]})
    df = pd.DataFrame(rows)
    return df.sort_values(["fits_memory", "latency_ms"], ascending=[False, True]).reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help=".tflite file or zoo name, e.g. mlperf-kws")
    ap.add_argument("--stacks", default=",".join(STACKS), help="kernels profiles to price (comma-separated)")
    ap.add_argument("--budget-ms", type=float, default=None, help="drop rows slower than this at the band's low end")
    ap.add_argument("--out", default=None, help="write the table as CSV")
    args = ap.parse_args()
    df = table(args.model, [s.strip() for s in args.stacks.split(",") if s.strip()])
    if args.budget_ms is not None:
        df = df[df["latency_low_ms"].fillna(df["latency_ms"]) <= args.budget_ms]
    shown = df.drop(columns=["memory_use"]).assign(fits_memory=df["fits_memory"].map({True: "yes", False: "NO"}))
    print(shown.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    for _, r in df[~df["fits_memory"]].drop_duplicates("part").iterrows():
        print(f"{r['part']} cannot hold the model: {r['memory_use']}")
    if args.out:
        df.to_csv(args.out, index=False)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
