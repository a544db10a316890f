"""Scratchpad size vs latency and energy for the four MLPerf Tiny models on an NPU spec.

    python scripts/whatif_scratchpad.py [--hw ethos-u55-128] [--out results/scratchpad.png]

Uses the Python API only: `simulate` with a `memories.sram.size_bytes` override per size.
"""

from __future__ import annotations

import argparse

from sim.api import load_hardware, simulate

MODELS = ("mlperf-ic", "mlperf-vww", "mlperf-kws", "mlperf-ad")
SIZES_KIB = (16, 32, 64, 128, 256, 512, 1024, 2048)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hw", default="ethos-u55-128")
    ap.add_argument("--out", default=None, help="PNG of latency and energy vs scratchpad size")
    args = ap.parse_args()
    hw = load_hardware(args.hw)
    sram = hw.scratchpad.name
    table: dict[str, list[tuple[int, float, float, int]]] = {}
    print(f"{args.hw}: scratchpad '{sram}' size vs latency and energy per inference")
    print(f"{'model':<12} {'KiB':>6} {'latency_ms':>11} {'energy_uj':>10} {'dram_read_KiB':>14} {'cost_model':>12}")
    for model in MODELS:
        for kib in SIZES_KIB:
            s = simulate(model, hw, overrides={f"memories.{sram}.size_bytes": kib * 1024}).summary.iloc[0]
            table.setdefault(model, []).append((kib, s["latency_ms"], s["energy_uj"], int(s["dram_read_bytes"])))
            print(f"{model:<12} {kib:>6} {s['latency_ms']:>11.4f} {s['energy_uj']:>10.2f} "
                  f"{s['dram_read_bytes'] / 1024:>14.1f} {s['cost_model']:>12}")
    if args.out:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        for model, rows in table.items():
            a.plot([r[0] for r in rows], [r[1] for r in rows], "o-", label=model)
            b.plot([r[0] for r in rows], [r[2] for r in rows], "o-", label=model)
        for ax, label in ((a, "latency_ms"), (b, "energy_uj")):
            ax.set_xscale("log", base=2)
            ax.set_xlabel("scratchpad KiB")
            ax.set_ylabel(label)
            ax.set_yscale("log")
        a.legend()
        fig.suptitle(f"{args.hw}: scratchpad size sweep")
        fig.tight_layout()
        fig.savefig(args.out, dpi=120)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
