from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.api import simulate
from sim.cli import main
from sim.cli.compare import compare


def test_compare_totals_and_differences_match_separate_runs() -> None:
    layers, summary = compare("mlperf-kws", ["ethos-u55-128", "stm32h7a3"], [], [])
    a = simulate("mlperf-kws", "ethos-u55-128").summary.iloc[0]
    b = simulate("mlperf-kws", "stm32h7a3").summary.iloc[0]
    lat = summary.set_index("metric").loc["latency_ms"]
    assert lat["ethos-u55-128"] == a["latency_ms"] and lat["stm32h7a3"] == b["latency_ms"]
    assert lat["stm32h7a3-ethos-u55-128"] == pytest.approx(b["latency_ms"] - a["latency_ms"])
    assert lat["stm32h7a3/ethos-u55-128"] == pytest.approx(b["latency_ms"] / a["latency_ms"])
    assert len(layers) == 13
    diff = layers["latency_cycles:stm32h7a3"] - layers["latency_cycles:ethos-u55-128"]
    assert (layers["latency_cycles:stm32h7a3-ethos-u55-128"] == diff).all()
    assert layers["latency_cycles:stm32h7a3"].sum() == b["latency_cycles"]


def test_compare_cli_writes_csvs_and_applies_transforms(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["compare", "mlperf-ic", "--hw", "ethos-u55-128", "--hw", "ethos-u55-128",
                 "--set", "memories.sram.size_bytes=32768", "--transform", "prune:0.5", "--layers",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "latency_ms" in out and "ethos-u55-128#2" in out
    summary = pd.read_csv(tmp_path / "compare_summary.csv").set_index("metric")
    assert summary.loc["latency_ms", "ethos-u55-128#2-ethos-u55-128"] == 0
    assert summary.loc["latency_ms", "ethos-u55-128"] < simulate("mlperf-ic", "ethos-u55-128", overrides=[
        "memories.sram.size_bytes=32768"]).latency_ms
    assert (tmp_path / "compare_layers.csv").exists()


def test_compare_needs_two_parts(capsys: pytest.CaptureFixture) -> None:
    assert main(["compare", "mlperf-kws", "--hw", "stm32h7a3"]) == 2
    err = capsys.readouterr().err.strip()
    assert "at least two specs" in err and "\n" not in err
