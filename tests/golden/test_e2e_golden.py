"""End-to-end results pinned in e2e.json (regenerate with scripts/update_golden.py and review the diff)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.api import simulate

GOLDEN = json.loads((Path(__file__).parent / "e2e.json").read_text())


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: f"{c['model']}@{c['hardware']}/{c['dataflow']}")
def test_end_to_end_result_is_unchanged(case: dict) -> None:
    s = simulate(case["model"], case["hardware"], dataflow=case["dataflow"], compat=case["compat"]).summary.iloc[0]
    for col, want in case.items():
        if col in ("model", "hardware", "dataflow", "compat"):
            continue
        if isinstance(want, float):
            assert float(s[col]) == pytest.approx(want, rel=1e-9), col
        else:
            assert int(s[col]) == want, col
