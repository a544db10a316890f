"""Cross-check edgesim's Ethos-U55 predictions against Arm's Vela compiler.

For each MLPerf Tiny INT8 model: run Vela (installed by setup.sh in validation/vela/.venv)
for ethos-u55-128 with a system config generated from edgesim's hardware spec (vela.ini),
parse its summary, per-layer CSV and debug database, simulate the same model with
`sim.api.simulate`, align the two per TFLite operator and write:

  validation/vela/vela.ini          the System_Config/Memory_Mode mirroring the spec
  validation/vela/vela_layers.csv   one row per Vela op (all models)
  validation/vela/layers.csv        one row per TFLite op: Vela beside edgesim, errors
  validation/vela/totals.csv        one row per model: totals and error statistics
  validation/vela/REPORT.md

Usage (from the repo root):
  bash validation/vela/setup.sh
  .venv/bin/python validation/vela/run_vela.py [SHARED_DIR] [--golden]
SHARED_DIR defaults to $EDGESIM_SHARED, else ../shared beside the repo; --golden also refreshes tests/golden/vela/.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.api import load_hardware, simulate
from sim.profile.vela import compare_layers, compare_totals, load_run, read_summary, system_config_ini

ROOT = Path(__file__).resolve().parents[2]

HERE = Path(__file__).resolve().parent
MODELS = ("ic_resnet8_int8", "vww_mobilenetv1_025_int8", "kws_dscnn_int8", "ad_fc_autoencoder_int8")
CONFIG_NAME = "Ethos_U55_edgesim"
ACCELERATOR = "ethos-u55-128"
GOLDEN = ROOT / "tests" / "golden" / "vela"


def git(*args: str) -> str:
    out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def run_vela(vela: Path, model: Path, ini: Path, out: Path, legacy: bool = False) -> str:
    """Compile one model; returns Vela's stdout (the network summary).

    legacy: use Vela's deprecated Python core instead of its C++ one (regor), as a second
    opinion on the totals: how far apart two Vela estimators are is the floor for agreement.
    """
    out.mkdir(parents=True, exist_ok=True)
    cmd = [str(vela.resolve()), str(model.resolve()), "--accelerator-config", ACCELERATOR, "--config", str(ini),
           "--system-config", CONFIG_NAME, "--memory-mode", CONFIG_NAME, "--verbose-performance",
           "--enable-debug-db", "--output-dir", os.path.relpath(out, ROOT)] + \
        (["--debug-force-legacy-core"] if legacy else [])
    # Run from the repo root so the paths Vela writes into its outputs are repo-relative.
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"vela failed on {model.name} (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def refresh_golden(work: Path, vela_version: str) -> None:
    """Copy the summary and per-layer CSVs and the gzipped debug database of each model."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for old in GOLDEN.glob("*_*.csv"):
        old.unlink()
    for name in MODELS:
        for f in (work / name).glob(f"{name}_summary_*.csv"):
            shutil.copy(f, GOLDEN / f.name)
        shutil.copy(work / name / f"{name}_per-layer.csv", GOLDEN / f"{name}_per-layer.csv")
        raw = (work / name / f"{name}_debug.xml").read_bytes()
        (GOLDEN / f"{name}_debug.xml.gz").write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    shutil.copy(HERE / "vela.ini", GOLDEN / "vela.ini")
    (GOLDEN / "VERSIONS").write_text(f"ethos-u-vela {vela_version}\naccelerator {ACCELERATOR}\n"
                                     f"system_config {CONFIG_NAME} (vela.ini here)\n")


def fmt_pct(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:.1f}%"


def markdown(df: pd.DataFrame) -> str:
    """A plain GitHub table (no tabulate dependency)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            cells.append((f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}") if isinstance(v, float) and not pd.isna(v) else
                         f"{v:,}" if isinstance(v, int) else "" if pd.isna(v) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def by_op_type(layers: pd.DataFrame) -> pd.DataFrame:
    """Summed cycles per TFLite op type over all models: where edgesim's time goes wrong."""
    g = layers[layers["n_vela_ops"] > 0].groupby("op_type", observed=True)
    out = pd.DataFrame({"layers": g.size(), "vela_cycles": g["vela_cycles"].sum(),
                        "sim_cycles": g["sim_cycles"].sum(),
                        "vela_npu_cycles": g["vela_npu_cycles"].sum(),
                        "sim_compute_cycles": g["sim_compute_cycles"].sum(),
                        "sim_stall_cycles": g["sim_stall_cycles"].sum(),
                        "vela_offchip_read_bytes": g["vela_offchip_read_bytes"].sum(),
                        "sim_offchip_read_bytes": g["sim_offchip_read_bytes"].sum()})
    out["sim_over_vela_cycles"] = out["sim_cycles"] / out["vela_cycles"]
    out["sim_compute_over_vela_npu"] = out["sim_compute_cycles"] / out["vela_npu_cycles"]
    out["sim_over_vela_offchip"] = out["sim_offchip_read_bytes"] / out["vela_offchip_read_bytes"].where(
        out["vela_offchip_read_bytes"] > 0)
    return out.sort_values("vela_cycles", ascending=False).reset_index()


def write_report(totals: pd.DataFrame, layers: pd.DataFrame, command: str, vela_version: str) -> str:
    hw = load_hardware("ethos-u55-128")
    t = totals
    sum_v, sum_s = t["vela_cycles"].sum(), t["sim_cycles"].sum()
    head = t[["model", "sim_cost_model", "vela_cycles", "sim_cycles", "cycles_ape_pct", "vela_offchip_read_bytes",
              "sim_offchip_read_bytes", "offchip_read_ape_pct", "vela_sram_used_bytes", "sim_arena_bytes",
              "sim_peak_working_set_bytes", "sram_used_ape_pct"]]
    stats = t[["model", "layers_timed", "layer_cycles_mape_pct", "layer_cycles_median_ape_pct",
               "layer_cycles_spearman", "layer_offchip_read_mape_pct", "layer_offchip_read_spearman",
               "layer_working_set_median_ape_pct", "layer_working_set_spearman", "vela_sram_bytes", "sim_sram_bytes"]]
    worst = layers[layers["vela_cycles"] > 0].assign(abs_err=lambda d: (d["sim_cycles"] - d["vela_cycles"]).abs())
    worst = worst.sort_values("abs_err", ascending=False).head(12)[
        ["model", "index", "op_type", "vela_ops", "vela_bound", "vela_cycles", "vela_npu_cycles", "sim_cycles",
         "sim_compute_cycles", "sim_stall_cycles", "cycles_ratio", "vela_offchip_read_bytes", "sim_offchip_read_bytes",
         "vela_sram_bytes", "sim_sram_bytes"]]
    parts = [
        "# edgesim vs Arm Vela on Ethos-U55-128 (MLPerf Tiny INT8)", "",
        f"Generated by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, edgesim {__version__} "
        f"at commit `{git('rev-parse', '--short', 'HEAD')}`, ethos-u-vela {vela_version}.", "",
        f"Hardware: `hw_specs/ethos-u55-128.yaml` ({hw.clock_hz / 1e6:.0f} MHz, SRAM "
        f"{hw.scratchpad.bandwidth_bytes_per_cycle:g} B/cycle, flash "
        f"{hw.offchip.bandwidth_bytes_per_cycle if hw.offchip else 0:g} B/cycle). Vela runs with "
        f"`--accelerator-config {ACCELERATOR} --system-config {CONFIG_NAME} --memory-mode {CONFIG_NAME}` "
        "from `validation/vela/vela.ini`, generated from that spec: weights in flash, tensor arena in SRAM.", "",
        "Vela is itself an estimate (its performance model, not silicon), so this measures agreement "
        "between two models. Errors are |edgesim - Vela| / Vela.", "",
        "## Totals per model", "", markdown(head), "",
        f"All four models: Vela {sum_v:,} cycles, edgesim {sum_s:,} cycles "
        f"({fmt_pct(abs(sum_s - sum_v) / sum_v * 100)} apart).", "",
        *(["Vela's own spread: its deprecated Python core (`--debug-force-legacy-core`) on the same "
           "config gives " + ", ".join(f"{r.model} {r.vela_legacy_cycles:,.0f} cycles "
                                       f"({r.vela_cores_apart_pct:.1f}% from the C++ core)"
                                       for r in t.itertuples()) + ".", ""]
          if "vela_legacy_cycles" in t.columns else []),
        "`vela_sram_used_bytes` is Vela's `sram_memory_used` (its tensor arena incl. weight buffers); "
        "`sim_arena_bytes` is edgesim's TFLM-style arena, `sim_peak_working_set_bytes` its largest "
        "per-layer working set.", "",
        "## Per-layer agreement", "",
        "Each TFLite operator collects the Vela ops lowered from it (fused activations, the ~30 "
        "elementwise ops of SOFTMAX); RESHAPE has no Vela op and is left out. Spearman's rho is over "
        "the operators Vela times.", "", markdown(stats), "",
        "`layer_working_set_*` compare edgesim's per-layer working set with Vela's staging usage "
        "(the SRAM live while the op runs). "
        "`vela_sram_bytes`/`sim_sram_bytes`: total SRAM read+write traffic. Vela counts every re-read of "
        "an IFM or weight block through its internal buffer, so expect it higher.", "",
        "## Where the off-chip traffic and the stalls come from", "",
        "Vela streams its own compressed encoding of the weights from flash "
        "(`vela_encoded_weight_bytes`, original int8 size in `vela_original_weight_bytes`); edgesim "
        "streams the same encoding where the spec sets `compute.weight_encoding: ethos-u`, sized from the "
        "weight values (`sim_offchip_weight_read_bytes`, bias/scale records included; the size check per "
        "layer is `WEIGHTS.md`, from `validation/vela/weight_encoding.py`). Vela keeps "
        "the network input in the SRAM arena (`vela_offchip_fm_read_bytes` is only lookup tables). "
        "`sim_offchip_*` split edgesim's flash reads by operand. `vela_compute_bound_share`: share of "
        "Vela's cycles in ops where NPU cycles exceed every memory's access cycles; `sim_stall_share`: "
        "share of edgesim's cycles that are stalls.", "",
        markdown(t[["model", "vela_original_weight_bytes", "vela_encoded_weight_bytes", "sim_weight_bytes",
                    "sim_offchip_weight_read_bytes", "sim_offchip_ifm_read_bytes", "vela_offchip_fm_read_bytes",
                    "vela_compute_bound_share", "sim_stall_share"]].round(3)), "",
        "## Cycles by operator type (all models)", "",
        "`sim_compute_over_vela_npu` compares edgesim's compute cycles with Vela's NPU cycles (both "
        "without memory time): below 1 means edgesim maps the op onto the MAC array more efficiently "
        "than Vela says the Ethos-U55 does.", "", markdown(by_op_type(layers)), "",
        "## Largest per-layer cycle differences", "",
        "`vela_bound` says which term sets Vela's op cycles (compute = NPU cycles, or the access "
        "cycles of sram/offchip).", "", markdown(worst), "",
        "Per-layer rows of every model: `layers.csv`; every Vela op: `vela_layers.csv`.", "",
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", default=os.environ.get("EDGESIM_SHARED", str(ROOT.parent / "shared")),
                    help="the shared/ directory (default: $EDGESIM_SHARED, else ../shared beside the repo)")
    ap.add_argument("--vela", default=str(HERE / ".venv" / "bin" / "vela"), help="the vela executable")
    ap.add_argument("--hw", default="ethos-u55-128", help="edgesim hardware spec to mirror")
    ap.add_argument("--golden", action="store_true", help="also refresh tests/golden/vela/")
    ap.add_argument("--reuse", action="store_true", help="parse the outputs in _work/ without rerunning Vela")
    ap.add_argument("--no-legacy", action="store_true", help="skip the second run with Vela's legacy Python core")
    args = ap.parse_args(argv)

    models_dir = Path(args.shared) / "models" / "mlperf_tiny"
    vela = Path(args.vela)
    if not args.reuse and not vela.is_file():
        sys.exit(f"{vela}: not found; run `bash validation/vela/setup.sh` first")
    work = HERE / "_work"
    if args.reuse and not all((work / name).is_dir() for name in MODELS):
        sys.exit(f"{work}: no stored Vela outputs to --reuse (_work/ is not in git); run without --reuse first, "
                 "after `bash validation/vela/setup.sh`")
    hw = load_hardware(args.hw)
    ini = HERE / "vela.ini"
    ini.write_text(system_config_ini(hw, CONFIG_NAME))
    version = (subprocess.run([str(vela), "--version"], capture_output=True, text=True, check=False).stdout.strip()
               if vela.is_file() else "unknown")

    all_layers, all_vela, rows = [], [], []
    for name in MODELS:
        model = models_dir / f"{name}.tflite"
        if not model.is_file():
            sys.exit(f"{model}: not found (pass the shared/ directory as the first argument)")
        if not args.reuse:
            run_vela(vela, model, ini, work / name)
            if not args.no_legacy:
                run_vela(vela, model, ini, work / name / "legacy", legacy=True)
        run = load_run(work / name, name)
        sim = simulate(model, hw)
        layers = compare_layers(run, sim.layers)
        row = compare_totals(run, layers, sim.summary)
        off = sim.traffic[sim.traffic["memory"] == (hw.offchip.name if hw.offchip else "")]
        by_operand = off.groupby("operand", observed=True)["read_bytes"].sum()
        s = run.summary
        row.update({
            "vela_original_weight_bytes": int(s["total_original_weights"]),
            "vela_encoded_weight_bytes": int(s["total_npu_encoded_weights"]),
            "sim_weight_bytes": int(sim.summary["weight_bytes"].iloc[0]),
            "sim_offchip_weight_read_bytes": int(by_operand.get("weights", 0)),
            "sim_offchip_ifm_read_bytes": int(by_operand.get("ifm", 0)),
            "vela_offchip_fm_read_bytes": int(s["off_chip_flash_feature_map_read_bytes"]),
            "vela_compute_bound_share": float(layers.loc[layers["vela_bound"] == "compute", "vela_cycles"].sum()
                                              / max(1, layers["vela_cycles"].sum())),
            "sim_stall_share": float(layers["sim_stall_cycles"].sum() / max(1, layers["sim_cycles"].sum())),
        })
        legacy = sorted((work / name / "legacy").glob(f"{name}_summary_*.csv"))
        if legacy and not args.no_legacy:
            lc = read_summary(legacy[0])["cycles_total"]
            row["vela_legacy_cycles"] = lc
            row["vela_cores_apart_pct"] = abs(lc - row["vela_cycles"]) / row["vela_cycles"] * 100.0
        rows.append(row)
        all_layers.append(layers)
        all_vela.append(run.layers.assign(model=name))
        r = rows[-1]
        print(f"{name:28s} cycles vela {r['vela_cycles']:>8,} edgesim {r['sim_cycles']:>8,} "
              f"({r['cycles_ape_pct']:5.1f}%)  flash read vela {r['vela_offchip_read_bytes']:>8,} "
              f"edgesim {r['sim_offchip_read_bytes']:>8,} ({r['offchip_read_ape_pct']:5.1f}%)  "
              f"sram vela {r['vela_sram_used_bytes']:>7,} edgesim arena {r['sim_arena_bytes']:>7,}  "
              f"layer rho {r['layer_cycles_spearman']:.2f}")

    totals = pd.DataFrame(rows)
    layers = pd.concat(all_layers, ignore_index=True)
    vela_layers = pd.concat(all_vela, ignore_index=True)
    vela_layers = vela_layers[["model"] + [c for c in vela_layers.columns if c != "model"]]
    totals.to_csv(HERE / "totals.csv", index=False, float_format="%.4f")
    layers.drop(columns=["layer"]).to_csv(HERE / "layers.csv", index=False, float_format="%.4f")
    vela_layers.to_csv(HERE / "vela_layers.csv", index=False)
    command = " ".join(["python validation/vela/run_vela.py", *(argv if argv is not None else sys.argv[1:])])
    (HERE / "REPORT.md").write_text(write_report(totals, layers, command, version))
    if args.golden:
        refresh_golden(work, version)
    print(f"wrote {HERE / 'REPORT.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
