"""What a new user meets when following README.md and docs/: each test pins a defect found by
running the documented commands as written (and fails without its fix)."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_every_script_answers_help_without_doing_its_work(script: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`scripts/update_golden.py --help` used to ignore the flag and rewrite tests/golden/e2e.json."""
    golden = ROOT / "tests" / "golden" / "e2e.json"
    before = golden.read_bytes()
    monkeypatch.setattr(sys, "argv", [str(script), "--help"])
    try:
        with pytest.raises(SystemExit) as exc:
            runpy.run_path(str(script), run_name="__main__")
        after = golden.read_bytes()
    finally:
        golden.write_bytes(before)  # a regression must not leave the golden file rewritten
    assert exc.value.code == 0
    assert "usage:" in capsys.readouterr().out
    assert after == before


def test_run_says_energy_is_not_modelled_when_the_spec_has_no_energy_figure(capsys: pytest.CaptureFixture[str]) -> None:
    """imx8mp-npu, host and SCALE-Sim .cfg specs give no energy figure: run printed `0.00 uJ`."""
    assert main(["run", "mlperf-ad", "--hw", "imx8mp-npu"]) == 0
    out = capsys.readouterr().out
    assert "energy     not modelled: the spec gives no energy or power figure" in out
    assert "0.00 uJ" not in out
    assert main(["run", "mlperf-ad", "--hw", "systolic-8x8"]) == 0
    assert re.search(r"^energy     \d+\.\d\d uJ per inference$", capsys.readouterr().out, re.M)


def test_run_names_the_level_its_traffic_line_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """An MCU's flash is on the die: the line said `off-chip read` for it."""
    assert main(["run", "mlperf-ad", "--hw", "stm32l4r5"]) == 0
    assert "traffic    flash read " in capsys.readouterr().out
    assert main(["run", "mlperf-ad", "--hw", "systolic-8x8"]) == 0
    assert "traffic    dram read " in capsys.readouterr().out


def test_jitter_daq_on_a_part_without_power_figures_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """It was a ZeroDivisionError traceback (peak error over a 0 mW true peak)."""
    assert main(["jitter", "mlperf-ad", "--hw", "imx8mp-npu", "--scenario", "quiet", "--runs", "5",
                 "--daq", "1e5"]) == 2
    out, err = capsys.readouterr()
    assert "energy     not modelled" in out and "0.000 uJ" not in out
    assert err.count("\n") == 1 and err.startswith("edgesim jitter: --daq: expected a part whose spec gives energy")


def test_jitter_without_a_thermal_model_writes_no_temperature(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """runs.csv and summary.csv said 0.0 C when the scenario had no thermal model."""
    assert main(["jitter", "mlperf-ad", "--hw", "systolic-8x8", "--scenario", "quiet", "--runs", "5",
                 "--out", str(tmp_path / "quiet")]) == 0
    out = capsys.readouterr().out
    assert "thermal    not modelled" in out and "(+0.00%)" in out   # the quiet replay printed -0.00%
    runs = pd.read_csv(tmp_path / "quiet" / "runs.csv")
    summary = pd.read_csv(tmp_path / "quiet" / "summary.csv")
    assert runs["temperature_c"].isna().all() and summary["max_temperature_c"].isna().all()
    assert main(["jitter", "mlperf-ad", "--hw", "systolic-8x8", "--scenario", "hot", "--runs", "5",
                 "--out", str(tmp_path / "hot")]) == 0
    assert "thermal    max junction" in capsys.readouterr().out
    hot = pd.read_csv(tmp_path / "hot" / "runs.csv")
    assert (hot["temperature_c"] > 80).all()   # scenarios/hot.yaml: 85 C ambient


def test_the_unencoded_weights_warning_is_said_once_per_model_and_part(monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """scripts/whatif_scratchpad.py printed it between the rows of its table, 8 times per model."""
    from sim.api import simulate
    from sim.cost import systolic
    monkeypatch.setattr(systolic, "_WARNED_UNENCODED", set())
    with caplog.at_level("WARNING", logger="sim.cost.systolic"):
        for size in (65536, 131072):
            simulate("mlperf-ad", "ethos-u55-128", overrides={"memories.sram.size_bytes": size})
        simulate("mlperf-kws", "ethos-u55-128")
    said = [r.getMessage().split(" ")[0] for r in caplog.records if "has no weight values" in r.getMessage()]
    assert said == ["mlperf-ad", "mlperf-kws"]


def test_compare_prints_whole_counts_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    """The totals table printed 82,266 cycles as 8.227e+04 and 24,704 bytes as 2.47e+04."""
    from sim.api import simulate
    assert main(["compare", "mlperf-kws", "--hw", "systolic-8x8", "--hw", "systolic-16x16"]) == 0
    out = capsys.readouterr().out
    assert "e+" not in out
    for hw in ("systolic-8x8", "systolic-16x16"):
        s = simulate("mlperf-kws", hw).summary.iloc[0]
        row = next(line for line in out.splitlines() if line.split()[:1] == ["latency_cycles"])
        assert f"{int(s['latency_cycles']):,}" in row.split()


def test_run_vela_reuse_without_stored_outputs_says_what_to_do(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/vela.md's `run_vela.py SHARED --reuse` in a fresh clone (no _work/) was a SimError traceback."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("run_vela", ROOT / "validation" / "vela" / "run_vela.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "HERE", tmp_path)
    with pytest.raises(SystemExit) as exc:
        mod.main([str(tmp_path), "--reuse"])
    assert "no stored Vela outputs to --reuse" in str(exc.value.code)
    assert not (tmp_path / "vela.ini").exists()   # nothing written before the check


def test_replay_takes_a_scenario_name_as_jitter_does() -> None:
    """docs/replay.md gives `sim.replay.replay(costs, hw, scenario, ...)` beside `sim.api.jitter`,
    which takes a name; replay raised AttributeError on one."""
    import numpy as np

    from sim.api import simulate
    from sim.replay import replay
    from sim.replay.scenario import load_scenario
    res = simulate("mlperf-ad", "systolic-8x8")
    by_name = replay(res.costs, res.hardware, "busy-bus", runs=20, seed=3)
    by_object = replay(res.costs, res.hardware, load_scenario("busy-bus"), runs=20, seed=3)
    np.testing.assert_array_equal(by_name.latency_cycles, by_object.latency_cycles)
    assert by_name.latency_cycles.max() > by_name.latency_cycles.min()   # the bus did disturb it
