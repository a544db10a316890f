"""Time the native `--dataflow best` tiling search over MobileNetV2-1.0-224 on systolic-32x32.

Times `price_network` (residency plus the per-layer, per-dataflow tiling search, all in
Numba) once warm, as the median of repeats, in wall-clock and in this thread's CPU time (the
two agree on an idle machine; CPU time is the figure to quote when others share the cores);
lowering the graph to arrays is done once and timed separately. Target: < 50 ms.

    .venv/bin/python scripts/bench_tiling.py [--model mobilenet-v2] [--hw systolic-32x32] [--repeats 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from sim.api import load_graph, load_hardware
from sim.cost import systolic


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mobilenet-v2")
    ap.add_argument("--hw", default="systolic-32x32")
    ap.add_argument("--dataflow", default="best")
    ap.add_argument("--objective", default="latency")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    graph, hw = load_graph(args.model), load_hardware(args.hw)
    t0 = time.perf_counter()
    low = systolic.lower(graph, hw)
    hwi, hwf = systolic.hardware_arrays(hw)
    choice = systolic.choice_array(hw, args.dataflow, args.objective)
    lower_ms = (time.perf_counter() - t0) * 1e3

    def search() -> object:
        return systolic.price_network(low.layers, low.op_in, low.op_out, low.tensors, hwi, hwf, choice,
                                      hw.scratchpad.size_bytes)

    out = search()  # warm (compile or load the cache)
    times, cpu = [], []
    for _ in range(args.repeats):
        t, c = time.perf_counter(), time.thread_time()
        search()
        times.append((time.perf_counter() - t) * 1e3)
        cpu.append((time.thread_time() - c) * 1e3)
    costed = int(out[:, systolic.O_COSTED].sum())
    print(f"{args.model} on {args.hw}, --dataflow {args.dataflow}: {len(graph.ops)} ops, {costed:,} tilings costed")
    print(f"tiling search (warm, median of {args.repeats}): {statistics.median(times):.1f} ms wall "
          f"(min {min(times):.1f} ms), {statistics.median(cpu):.1f} ms CPU; lowering the graph once: "
          f"{lower_ms:.1f} ms; target < 50 ms")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (wall time inflates under load)")


if __name__ == "__main__":
    main()
