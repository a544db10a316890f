"""The README's output-column tables are the column registry (sim/report/columns.py), word for word."""

from __future__ import annotations

import re

import pytest

from sim.report.columns import LAYER_COLUMNS, STACK_COLUMNS, SUMMARY_COLUMNS, TRAFFIC_COLUMNS, markdown_table
from tests.conftest import ROOT

ROW_RE = re.compile(r"^\| `([a-z0-9_]+)` \| ([^|]*) \| (.*) \|$", re.M)


@pytest.mark.parametrize("columns", [LAYER_COLUMNS, TRAFFIC_COLUMNS, SUMMARY_COLUMNS],
                         ids=["layers", "traffic", "summary"])
def test_every_output_column_is_documented_in_the_readme_as_registered(columns) -> None:  # noqa: ANN001
    rows: dict[str, set[tuple[str, str]]] = {}
    for name, unit, meaning in ROW_RE.findall((ROOT / "README.md").read_text()):
        rows.setdefault(name, set()).add((unit.strip(), meaning.strip()))
    for c in columns:
        assert (c.unit or "-", c.meaning) in rows.get(c.name, set()), f"README row for {c.name}"


def test_the_kernels_listing_is_documented_in_the_mcu_guide_as_registered() -> None:
    assert markdown_table(STACK_COLUMNS) in (ROOT / "docs" / "mcu.md").read_text()
