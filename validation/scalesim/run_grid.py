"""Run SCALE-Sim 3.0.0 over a grid and compare edgesim's `--compat scalesim` layer by layer.

Grid: topologies (ResNet-8, MobileNet-V1 0.25 96x96 layers incl. a DP split layer and a
stride that does not divide, GEMMs) x arrays (8x8, 16x16, 32x32) x dataflows (ws, is, os) x
SRAM sizes (64 KiB each, which holds every operand, and 2/2/1 KiB, which holds none) x
interface bandwidth (CALC, and USER at 10 words/cycle; see `in_grid` for USER's smaller grid).

    bash validation/scalesim/setup.sh                 # once: SCALE-Sim in its own venv
    .venv/bin/python validation/scalesim/run_grid.py  # runs what is missing, then compares
    .venv/bin/python validation/scalesim/run_grid.py --golden tests/golden/scalesim

Writes validation/scalesim/report.md and report.csv (one row per case x layer x metric).
SCALE-Sim outputs are cached in validation/scalesim/_work/; `--golden DIR` copies the inputs and
reports of the golden subset there for the unit tests.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from sim.api import simulate  # noqa: E402

logging.getLogger("sim").setLevel(logging.ERROR)  # the cfg loader announces its 1 GHz default per case

WORK = HERE / "_work"
SCALESIM_PY = HERE / ".venv" / "bin" / "python"

TOPOLOGIES = {
    # MLPerf Tiny ResNet-8 (32x32x3): SAME padding folded into the IFMAP sizes; the 1x1 stride-2
    # shortcuts are listed on the unpadded 32x32 / 16x16 maps, so SCALE-Sim's ceiling adds a row.
    "resnet8": ("conv", """Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
conv1, 34, 34, 3, 3, 3, 16, 1,
b1_conv1, 34, 34, 3, 3, 16, 16, 1,
b1_conv2, 34, 34, 3, 3, 16, 16, 1,
b2_conv1, 33, 33, 3, 3, 16, 32, 2,
b2_conv2, 18, 18, 3, 3, 32, 32, 1,
b2_short, 32, 32, 1, 1, 16, 32, 2,
b3_conv1, 17, 17, 3, 3, 32, 64, 2,
b3_conv2, 10, 10, 3, 3, 64, 64, 1,
b3_short, 16, 16, 1, 1, 32, 64, 2,
fc, 1, 1, 1, 1, 64, 10, 1,
"""),
    # MobileNet-V1 0.25 on 96x96 (MLPerf Tiny VWW), first layers; depthwise rows as SCALE-Sim's
    # own MobileNet topologies write them (dense), one DP row (split per channel), a stride-2
    # row whose stride does not divide (windows past the edge), and a 1x1 stride-3 row whose last
    # window starts past the edge.
    "mobilenet": ("conv", """Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
Conv1, 97, 97, 3, 3, 3, 8, 2,
Conv_dw1, 50, 50, 3, 3, 8, 8, 1,
Conv_pw1, 48, 48, 1, 1, 8, 16, 1,
Conv_dw2, 49, 49, 3, 3, 16, 16, 2,
Conv_pw2, 24, 24, 1, 1, 16, 32, 1,
DP_dw3, 14, 14, 3, 3, 3, 32, 1,
Conv_odd, 20, 20, 3, 3, 8, 8, 2,
Conv_s3, 11, 11, 1, 1, 4, 8, 3,
"""),
    "gemm": ("gemm", """Layer, M, N, K,
fc_out, 1, 10, 64,
gemm_a, 64, 32, 100,
gemm_b, 100, 48, 300,
gemm_c, 17, 130, 33,
"""),
}
ARRAYS = ((8, 8), (16, 16), (32, 32))
DATAFLOWS = ("ws", "is", "os")
SRAMS = {"fit": (64, 64, 64), "small": (2, 2, 1)}
MODES = {"calc": "CALC", "user": "USER"}
USER_BANDWIDTH = 10

METRICS = {  # edgesim (memory, operand, column) -> SCALE-Sim report column
    "total_cycles": "Total Cycles",
    "stall_cycles": "Stall Cycles",
    "sram_ifmap_reads": "SRAM IFMAP Reads",
    "sram_filter_reads": "SRAM Filter Reads",
    "sram_ofmap_writes": "SRAM OFMAP Writes",
    "dram_ifmap_reads": "DRAM IFMAP Reads",
    "dram_filter_reads": "DRAM Filter Reads",
    "dram_ofmap_writes": "DRAM OFMAP Writes",
}
TRAFFIC = {"sram_ifmap_reads": ("sram", "ifm", "read_bytes"), "sram_filter_reads": ("sram", "weights", "read_bytes"),
           "sram_ofmap_writes": ("sram", "ofm", "write_bytes"), "dram_ifmap_reads": ("dram", "ifm", "read_bytes"),
           "dram_filter_reads": ("dram", "weights", "read_bytes"),
           "dram_ofmap_writes": ("dram", "ofm", "write_bytes")}
# The golden subset the unit tests replay (every topology, array, dataflow and SRAM size in CALC
# mode at least once, and USER cases for the error bound).
GOLDEN = [f"{t}-{r}x{r}-{df}-{s}-calc" for t in TOPOLOGIES for (r, df) in ((8, "ws"), (16, "is"), (32, "os"))
          for s in SRAMS] + [f"resnet8-32x32-{df}-{s}-calc" for df in ("ws", "is") for s in SRAMS] + \
         [f"gemm-8x8-{df}-small-user" for df in DATAFLOWS] + [f"resnet8-32x32-{df}-fit-user" for df in DATAFLOWS]


def cfg_text(name: str, rows: int, cols: int, df: str, srams: tuple[int, int, int], mode: str) -> str:
    i, f, o = srams
    return f"""[general]
run_name = {name}

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: {i}
FilterSramSzkB: {f}
OfmapSramSzkB: {o}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth: {USER_BANDWIDTH}
Dataflow: {df}
MemoryBanks: 1
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false
SparseRep: ellpack_block
OptimizedMapping: false
BlockSize: 8
RandomNumberGeneratorSeed: 40

[run_presets]
InterfaceBandwidth: {mode}
UseRamulatorTrace: False
"""


def in_grid(topo: str, rows: int, sram: str, mode: str) -> bool:
    """USER mode replays SCALE-Sim's whole prefetch trace in Python (minutes per ResNet-8 case on
    8x8), so its grid is the GEMMs everywhere plus the conv nets on 32x32 with the SRAMs that fit."""
    return mode == "calc" or topo == "gemm" or (rows == 32 and sram == "fit")


def cases() -> list[str]:
    return [f"{t}-{r}x{c}-{df}-{s}-{m}" for t, (r, c), df, s, m in
            itertools.product(TOPOLOGIES, ARRAYS, DATAFLOWS, SRAMS, MODES) if in_grid(t, r, s, m)]


def prepare(case: str, where: Path) -> Path:
    topo, arr, df, sram, mode = case.split("-")
    rows, cols = (int(x) for x in arr.split("x"))
    d = where / case
    d.mkdir(parents=True, exist_ok=True)
    (d / "topology.csv").write_text(TOPOLOGIES[topo][1])
    (d / "scale.cfg").write_text(cfg_text("run", rows, cols, df, SRAMS[sram], MODES[mode]))
    return d


def run_scalesim(case: str) -> float:
    d = prepare(case, WORK)
    if (d / "run" / "DETAILED_ACCESS_REPORT.csv").is_file():
        return float("nan")
    gemm = TOPOLOGIES[case.split("-")[0]][0] == "gemm"
    cmd = [str(SCALESIM_PY), str(HERE / "run_one.py"), str(d / "scale.cfg"), str(d / "topology.csv"), str(d)]
    out = subprocess.run(cmd + (["gemm"] if gemm else []), check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def read_reports(d: Path) -> pd.DataFrame:
    comp = pd.read_csv(d / "COMPUTE_REPORT.csv", skipinitialspace=True)
    det = pd.read_csv(d / "DETAILED_ACCESS_REPORT.csv", skipinitialspace=True)
    df = comp.merge(det, on="LayerID")
    return df[[c for c in df.columns if not c.startswith("Unnamed")]]


def edgesim_metrics(case_dir: Path) -> pd.DataFrame:
    res = simulate(case_dir / "topology.csv", case_dir / "scale.cfg", compat="scalesim")
    lay, tr = res.layers, res.traffic
    out = pd.DataFrame({"total_cycles": lay["latency_cycles"].to_numpy(), "stall_cycles": lay["stall_cycles"].to_numpy()})
    for metric, (mem, operand, col) in TRAFFIC.items():
        sel = tr[(tr["memory"] == mem) & (tr["operand"] == operand)].set_index("index")[col]
        out[metric] = sel.reindex(lay["index"]).to_numpy()
    return out


def compare(case: str, case_dir: Path, report_dir: Path) -> pd.DataFrame:
    ref = read_reports(report_dir)
    ours = edgesim_metrics(case_dir)
    topo, arr, df, sram, mode = case.split("-")
    rows = []
    for metric, col in METRICS.items():
        for layer in range(len(ref)):
            s, e = int(ref[col].iloc[layer]), int(ours[metric].iloc[layer])
            rows.append({"case": case, "topology": topo, "array": arr, "dataflow": df, "sram": sram, "mode": mode,
                         "layer": layer, "metric": metric, "scalesim": s, "edgesim": e, "match": s == e,
                         "rel_error": (e - s) / s if s else float(e != 0)})
    return pd.DataFrame(rows)


def summarize(df: pd.DataFrame) -> str:
    lines = ["# edgesim `--compat scalesim` vs SCALE-Sim 3.0.0", "",
             f"{df['case'].nunique()} cases ({', '.join(TOPOLOGIES)}; arrays {', '.join(f'{r}x{c}' for r, c in ARRAYS)};"
             f" {', '.join(DATAFLOWS)}; SRAM {', '.join(f'{k} {v} KiB' for k, v in SRAMS.items())}; CALC and USER "
             f"at {USER_BANDWIDTH} words/cycle), {len(df[df['metric'] == 'total_cycles'])} layer runs.", "",
             "Generated by `validation/scalesim/run_grid.py`. Exact match = identical integer per layer.", ""]
    for mode in MODES:
        sub = df[df["mode"] == mode]
        if sub.empty:
            continue
        lines += [f"## {MODES[mode]} bandwidth mode", "", "| metric | exact matches | rate | mean abs rel. error | max abs rel. error |",
                  "|---|---|---|---|---|"]
        for metric in METRICS:
            m = sub[sub["metric"] == metric]
            err = m["rel_error"].abs()
            lines.append(f"| {metric} | {int(m['match'].sum())}/{len(m)} | {m['match'].mean():.1%} | "
                         f"{err.mean():.2%} | {err.max():.2%} |")
        lines.append("")
        if mode == "user":
            tot = sub[sub["metric"] == "total_cycles"].groupby("case")[["scalesim", "edgesim"]].sum()
            rel = ((tot["edgesim"] - tot["scalesim"]) / tot["scalesim"]).abs()
            lines += [f"Per-case total cycles (sum over layers): mean abs rel. error {rel.mean():.2%}, "
                      f"max {rel.max():.2%}.", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="SCALE-Sim runs in parallel")
    ap.add_argument("--only", default="", help="substring filter on case names")
    ap.add_argument("--golden", default="", help="copy the golden subset's inputs and reports to this directory")
    args = ap.parse_args()
    if not SCALESIM_PY.is_file():
        print("SCALE-Sim is not installed: run bash validation/scalesim/setup.sh", file=sys.stderr)
        return 2
    todo = [c for c in cases() if args.only in c]
    with ThreadPoolExecutor(args.jobs) as pool:
        for case, secs in zip(todo, pool.map(run_scalesim, todo)):
            if secs == secs:
                print(f"scalesim {case}: {secs:.2f} s", flush=True)
    frames = [compare(c, WORK / c, WORK / c / "run") for c in todo]
    df = pd.concat(frames, ignore_index=True)
    df.to_csv(HERE / "report.csv", index=False)
    text = summarize(df)
    (HERE / "report.md").write_text(text + "\n")
    print(text)
    if args.golden:
        gold = Path(args.golden)
        for case in GOLDEN:
            if case not in todo:
                continue
            dst = gold / case
            dst.mkdir(parents=True, exist_ok=True)
            for name in ("topology.csv", "scale.cfg"):
                shutil.copy(WORK / case / name, dst / name)
            for name in ("COMPUTE_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"):
                shutil.copy(WORK / case / "run" / name, dst / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
