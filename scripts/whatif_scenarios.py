"""The four scenarios of the classic edge-AI decision matrix, as runnable what-ifs.

    python scripts/whatif_scenarios.py [--scenario 1|2|3|4] [--models mlperf-kws,...]

1. Cortex-M4/M7 under 256 KB SRAM: structured pruning + full INT8 + CMSIS-NN kernels.
2. NPU with a systolic array: operator fusion + layer fusion (cascading) + weight-stationary.
3. Battery-powered sensor: full INT8, input-stationary tiling, energy per inference and
   battery life at a duty cycle.
4. Real-time control loop under 5 ms: p99 latency from the event replay (`sim.api.jitter`)
   when the replay is available, else the analytic latency, said so.

Uses the Python API only (`sim.api`). Every number printed comes from `simulate`.
"""

from __future__ import annotations

import argparse

import sim.api as api
from sim.errors import SimError

MODELS = ("mlperf-ic", "mlperf-vww", "mlperf-kws", "mlperf-ad")
SRAM_LIMIT = 256 * 1024
# CR2032 coin cell: 225 mAh nominal at 3.0 V (Energizer CR2032 datasheet) = 2430 J.
BATTERY_MAH, BATTERY_V = 225.0, 3.0
DEADLINE_MS = 5.0


def _spec(*names: str) -> str:
    """The first bundled spec that exists (MCU specs arrive with the CMSIS-NN model)."""
    for n in names:
        try:
            api.load_hardware(n)
            return n
        except SimError:
            continue
    raise SystemExit(f"none of the specs {', '.join(names)} is available")


def _row(label: str, s) -> str:  # noqa: ANN001 - summary row
    return (f"  {label:<34} {s['latency_ms']:>9.3f} ms {s['energy_uj']:>9.2f} uJ  arena {s['arena_bytes'] / 1024:>7.1f} KiB"
            f"  weights {s['weight_bytes'] / 1024:>7.1f} KiB  MACs {s['macs'] / 1e6:>6.2f} M  [{s['cost_model']}]")


def mcu_under_256k(models: list[str]) -> None:
    print("1. Cortex-M4/M7 under 256 KB SRAM: prune 30% of channels + full INT8 + CMSIS-NN")
    shown: set[str] = set()
    for core, spec in (("Cortex-M4", _spec("stm32l4r5", "psoc62", "stm32h7a3")),
                       ("Cortex-M7", _spec("stm32f746", "stm32h7a3"))):
        hw = api.load_hardware(spec, {"memories.sram.size_bytes": SRAM_LIMIT, "kernels": "cmsis-nn"})
        if hw.compute.core != core.lower() or spec in shown:
            print(f" {core}: no {core} spec is bundled on this branch")
            continue
        shown.add(spec)
        print(f" {core}: {spec} ({hw.compute.core}, {hw.clock_hz / 1e6:g} MHz), SRAM limited to 256 KiB, "
              f"kernels {hw.kernels}")
        for model in models:
            base = api.simulate(model, hw, transforms=["quant:int8"]).summary.iloc[0]
            pruned = api.simulate(model, hw, transforms=["prune:0.3", "quant:int8"]).summary.iloc[0]
            for label, s in ((f"{model} int8", base), (f"{model} prune:0.3 + int8", pruned)):
                fits = "fits" if s["arena_bytes"] <= SRAM_LIMIT else "DOES NOT FIT"
                print(_row(label, s) + f"  {fits}")


def npu_fused(models: list[str]) -> None:
    spec = _spec("ethos-u55-128", "systolic-32x32")
    print(f"2. NPU ({spec}): operator fusion + cascading in 4 stripes, weight-stationary dataflow")
    for model in models:
        base = api.simulate(model, spec, dataflow="ws").summary.iloc[0]
        fused = api.simulate(model, spec, dataflow="ws", transforms=["fuse", "cascade:4"]).summary.iloc[0]
        print(_row(f"{model} ws", base))
        print(_row(f"{model} ws + fuse + cascade:4", fused) + f"  ({fused['transforms']}; recompute "
              f"{fused.get('recompute_macs', 0) / 1e6:.2f} M MACs)")


def battery_sensor(models: list[str], rate_hz: float) -> None:
    spec = _spec("ethos-u55-128", "systolic-32x32")
    hw = api.load_hardware(spec)
    sleep_mw = hw.static_power_mw
    joules = BATTERY_MAH * 3.6 * BATTERY_V
    print(f"3. Battery sensor ({spec}): full INT8, input-stationary; {rate_hz:g} inference/s on a CR2032 "
          f"({BATTERY_MAH:g} mAh at {BATTERY_V:g} V = {joules:.0f} J), idle at the spec's static {sleep_mw:g} mW")
    for model in models:
        s = api.simulate(model, spec, dataflow="is", transforms=["quant:int8"]).summary.iloc[0]
        duty = min(1.0, s["latency_ms"] * 1e-3 * rate_hz)
        avg_mw = s["energy_uj"] * 1e-3 * rate_hz + sleep_mw * (1 - duty)
        days = joules / (avg_mw * 1e-3) / 86400
        bound = joules / (s["energy_uj"] * 1e-6 * rate_hz) / 86400
        print(_row(f"{model} int8 is", s) + f"  duty {100 * duty:.3f}%  avg {avg_mw:.3f} mW  battery {days:,.1f} days"
              f" ({bound:,.0f} days if idle drew nothing)")


def control_loop(models: list[str]) -> None:
    spec = _spec("stm32f746", "stm32h7a3")
    print(f"4. Real-time control loop ({spec}): p99 latency under {DEADLINE_MS:g} ms?")
    jitter = getattr(api, "jitter", None)
    if jitter is None:
        print("  sim.replay has not landed on main: no p99 from the event replay; "
              "showing the analytic (contention-free) latency instead")
    for model in models:
        if jitter is not None:
            scenario = "busy-bus" if "busy-bus" in _scenarios() else "quiet"
            r = jitter(model, spec, scenario, runs=500, seed=0)
            s = r.summary.iloc[0]
            p99 = float(s["p99_us"]) / 1e3 if "p99_us" in s else float(s["p99_ms"])
            label = f"p99 ({scenario})"
        else:
            p99 = float(api.simulate(model, spec).summary["latency_ms"].iloc[0])
            label = "analytic"
        verdict = "meets" if p99 < DEADLINE_MS else "MISSES"
        print(f"  {model:<12} {label:<13} {p99:>9.3f} ms  {verdict} the {DEADLINE_MS:g} ms deadline")


def _scenarios() -> list[str]:
    try:
        from sim.replay.scenario import bundled_scenarios  # type: ignore[import-not-found]
        return list(bundled_scenarios())
    except ImportError:
        return []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", type=int, choices=(1, 2, 3, 4), default=None, help="one scenario (default all)")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--rate-hz", type=float, default=1.0, help="scenario 3: inferences per second")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    runs = {1: lambda: mcu_under_256k(models), 2: lambda: npu_fused(models),
            3: lambda: battery_sensor(models, args.rate_hz), 4: lambda: control_loop(models)}
    for key in ([args.scenario] if args.scenario else sorted(runs)):
        runs[key]()
        print()


if __name__ == "__main__":
    main()
