"""Regenerate tests/golden/e2e.json: small end-to-end results that pin the cost models.

    .venv/bin/python scripts/update_golden.py

Run it when a model change is intended, then review `git diff tests/golden/e2e.json`: every
number that moved is a behaviour change someone must be able to explain.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numba  # noqa: E402
import numpy  # noqa: E402
import pandas  # noqa: E402

from sim import __version__  # noqa: E402
from sim.api import simulate  # noqa: E402

CASES = [  # (model, hardware, dataflow, compat)
    ("mlperf-ic", "stm32h7a3", "best", None),
    ("mlperf-kws", "stm32l4r5", "best", None),
    ("mlperf-vww", "ethos-u55-128", "best", None),
    ("mlperf-ad", "systolic-8x8", "ws", None),
    ("mlperf-kws", "systolic-16x16", "os", None),
    ("mobilenet-v2", "systolic-32x32", "best", None),
    ("mlperf-ic", "systolic-32x32", "is", "scalesim"),
]
COLUMNS = ["latency_cycles", "compute_cycles", "stall_cycles", "peak_working_set_bytes", "arena_bytes",
           "dram_read_bytes", "dram_write_bytes", "sram_read_bytes", "sram_write_bytes", "energy_uj"]


def results() -> list[dict[str, object]]:
    out = []
    for model, hw, dataflow, compat in CASES:
        s = simulate(model, hw, dataflow=dataflow, compat=compat).summary.iloc[0]
        row: dict[str, object] = {"model": model, "hardware": hw, "dataflow": dataflow, "compat": compat}
        row.update({c: (float(s[c]) if c == "energy_uj" else int(s[c])) for c in COLUMNS})
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    doc = {"generated": dt.date.today().isoformat(), "commit": commit, "edgesim": __version__,
           "python": platform.python_version(), "numpy": numpy.__version__, "pandas": pandas.__version__,
           "numba": numba.__version__, "cases": results()}
    path = ROOT / "tests" / "golden" / "e2e.json"
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)} ({len(doc['cases'])} cases)")


if __name__ == "__main__":
    main()
