"""Time SCALE-Sim 3.0.0 and edgesim `--compat scalesim` on ResNet-8 on a 32x32 array, per dataflow.

    bash validation/scalesim/setup.sh            # once
    .venv/bin/python scripts/bench_scalesim.py [--reps 200]

SCALE-Sim runs as a subprocess of validation/scalesim/.venv (its simulation time is measured
inside the process, interpreter start-up excluded, traces off). edgesim is timed warm (after the
Numba JIT) over many repetitions of the compat cost model for the whole model
(`sim.schedule.schedule`), and of a full `sim.api.simulate` (graph and DataFrames included).
Both runs use the same topology and config, and the totals are checked to agree.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "validation" / "scalesim"))

from run_grid import SCALESIM_PY, TOPOLOGIES, cfg_text, read_reports  # noqa: E402

from sim.api import load_graph, load_hardware, simulate  # noqa: E402
from sim.schedule import schedule  # noqa: E402

logging.getLogger("sim").setLevel(logging.ERROR)


def best_of(fn, reps: int) -> float:  # noqa: ANN001
    """Median seconds per call over `reps` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200, help="edgesim repetitions per dataflow")
    args = ap.parse_args()
    if not SCALESIM_PY.is_file():
        print("SCALE-Sim is not installed: run bash validation/scalesim/setup.sh", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench_scalesim_"))
    topo = work / "resnet8.csv"
    topo.write_text(TOPOLOGIES["resnet8"][1])
    print("ResNet-8 (10 conv/FC layers), 32x32 array, 64 KiB ifmap/filter/ofmap SRAMs, CALC bandwidth")
    print(f"{'dataflow':>8} {'scalesim_s':>11} {'edgesim_cost_ms':>16} {'ratio':>8} {'edgesim_simulate_ms':>20} "
          f"{'ratio':>8}  cycles")
    ratios = []
    for df in ("ws", "is", "os"):
        cfg = work / f"{df}.cfg"
        cfg.write_text(cfg_text(df, 32, 32, df, (64, 64, 64), "CALC"))
        out = subprocess.run([str(SCALESIM_PY), str(ROOT / "validation" / "scalesim" / "run_one.py"), str(cfg),
                              str(topo), str(work)], check=True, capture_output=True, text=True).stdout
        scalesim_s = float(out.split()[-1])
        ref_cycles = int(read_reports(work / df)["Total Cycles"].sum())
        graph, hw = load_graph(topo), load_hardware(cfg)
        cost_s = best_of(lambda: schedule(graph, hw, dataflow=df, compat="scalesim"), args.reps)
        sim_s = best_of(lambda: simulate(topo, cfg, dataflow=df, compat="scalesim"), max(args.reps // 10, 5))
        cycles = sum(c.latency_cycles for c in schedule(graph, hw, dataflow=df, compat="scalesim"))
        status = "equal" if cycles == ref_cycles else f"DIFFER (scalesim {ref_cycles})"
        ratios.append(scalesim_s / cost_s)
        print(f"{df:>8} {scalesim_s:>11.3f} {cost_s * 1e3:>16.3f} {scalesim_s / cost_s:>7.0f}x "
              f"{sim_s * 1e3:>20.3f} {scalesim_s / sim_s:>7.0f}x  {cycles} {status}")
    print(f"speed ratio (SCALE-Sim / edgesim cost model), worst dataflow: {min(ratios):.0f}x (target >= 1000x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
