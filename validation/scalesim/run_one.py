"""Run SCALE-Sim 3.0.0 once (under validation/scalesim/.venv) and print its wall time.

Usage: .venv/bin/python run_one.py CFG TOPOLOGY OUTDIR [gemm]
Writes OUTDIR/<run_name>/COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv, DETAILED_ACCESS_REPORT.csv
(no traces). Prints `seconds <t>` for the simulation itself, interpreter start-up excluded.
"""

import contextlib
import io
import os
import sys
import tempfile
import time

from scalesim.scale_sim import scalesim


def main() -> None:
    cfg, topo, out = sys.argv[1], sys.argv[2], sys.argv[3]
    gemm = len(sys.argv) > 4 and sys.argv[4] == "gemm"
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as layout:
        layout.write("Layer name,\n")  # SCALE-Sim opens a layout file even without custom layouts
    try:
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            sim = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=layout.name,
                           input_type_gemm=gemm)
            sim.run_scale(top_path=out)
        elapsed = time.perf_counter() - start
    finally:
        os.unlink(layout.name)
    print(f"seconds {elapsed:.6f}")


if __name__ == "__main__":
    main()
