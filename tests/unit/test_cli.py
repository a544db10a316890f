from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.cost.vector import load_profiles
from tests.conftest import real_model

BAD = Path(__file__).resolve().parents[1] / "specs" / "bad"


def test_run_writes_the_three_files_with_contract_columns(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "mlperf-ic", "--hw", "stm32h7a3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "latency" in out and " ms" in out and "uJ" in out
    assert "accuracy   cmsis-nn profile not validated on cortex-m7" in out   # TFLM + CMSIS-NN runs: M4, M33
    layers = pd.read_csv(tmp_path / "layers.csv")
    traffic = pd.read_csv(tmp_path / "traffic.csv")
    summary = pd.read_csv(tmp_path / "summary.csv")
    for col in ("layer", "op_type", "macs", "dataflow", "compute_cycles", "stall_cycles", "latency_cycles",
                "working_set_bytes", "dram_read_bytes", "dram_write_bytes", "energy_pj"):
        assert col in layers.columns
    assert list(traffic.columns[:6]) == ["layer", "index", "memory", "operand", "read_bytes", "write_bytes"]
    for col in ("model", "hardware", "latency_cycles", "latency_ms", "peak_working_set_bytes", "arena_bytes",
                "dram_read_bytes", "dram_write_bytes", "energy_uj"):
        assert col in summary.columns
    assert len(layers) == 16 and layers["macs"].sum() == 12_501_632
    assert summary["latency_cycles"][0] == layers["latency_cycles"].sum()
    assert set(traffic["operand"]) <= {"ifm", "weights", "ofm"}


def test_run_prints_the_profiles_measured_error(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "mlperf-ad", "--hw", "stm32u575", "--set", "kernels=x-cube-ai"]) == 0
    v = load_profiles()["x-cube-ai"].validation
    assert (f"accuracy   x-cube-ai profile: latency error median {v.median_abs_pct_error:.1f}%, "
            f"p90 {v.p90_abs_pct_error:.1f}% (leave-one-board-out on {v.runs} ") in capsys.readouterr().out


def test_run_says_when_the_profile_was_never_measured_on_the_parts_core(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "mlperf-ad", "--hw", "ra8d1"]) == 0
    assert "accuracy   cmsis-nn profile not validated on cortex-m85 (its measured runs: cortex-m33, cortex-m4)" \
        in capsys.readouterr().out


def test_run_real_tflite_json(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(real_model("kws")), "--hw", "systolic-32x32", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 13


def test_check_prints_defaults(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "stm32h7a3", "--set", "clock_hz=80e6"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "clock_hz: 80000000.0" in out and "double_buffered" in out


@pytest.mark.parametrize("argv, fragment", [
    (["run", "nope", "--hw", "stm32h7a3"], "MODEL: expected a .tflite file"),
    (["run", "mlperf-ic", "--hw", "nope"], "--hw: expected a spec file or one of"),
    (["run", "missing.tflite", "--hw", "stm32h7a3"], "missing.tflite: expected a readable .tflite file"),
    (["run", "mlperf-ic", "--hw", "stm32h7a3", "--set", "memories.sram.size=1"], "memories.sram.size"),
    (["run", "mlperf-ic", "--hw", "stm32h7a3", "--set", "memories.sram.size_bytes=-1"], "positive integer"),
    (["check", str(BAD / "negative_size.yaml")], "negative_size.yaml: memories.sram.size_bytes"),
    (["run", "mlperf-ad", "--hw", "stm32h7a3", "--dataflow", "ws"], "--dataflow: stm32h7a3 has a vector unit"),
])
def test_user_errors_exit_2_with_one_line(argv: list[str], fragment: str, capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "\n" not in err and "Traceback" not in err


def test_console_script_exit_code() -> None:
    proc = subprocess.run([sys.executable, "-m", "sim", "run", "mlperf-ad", "--hw", "bogus"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_jitter_writes_runs_summary_tail_energy_daq_trace(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["jitter", "mlperf-vww", "--hw", "ethos-u55-128", "--scenario", "busy-bus", "--runs", "120",
            "--seed", "4", "--out", str(tmp_path), "--trace", "--daq", "1e3,1e4,1e5"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "p50" in out and "p99.9" in out and "uJ per inference" in out and "DAQ over 120" in out
    runs = pd.read_csv(tmp_path / "runs.csv")
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(runs.columns[:4]) == ["run", "start_us", "latency_cycles", "latency_us"] and len(runs) == 120
    assert {"energy_uj", "energy_compute_uj", "energy_flash_read_uj", "energy_static_uj"} <= set(runs.columns)
    for col in ("p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_energy_uj"):
        assert col in summary.columns
    assert summary["p99_us"][0] >= summary["p50_us"][0]
    assert summary["p50_us"][0] == pytest.approx(runs["latency_us"].median())
    tail = pd.read_csv(tmp_path / "tail.csv")
    assert len(tail) == 31 and tail["tail_share_pct"].sum() == pytest.approx(100.0)
    daq = pd.read_csv(tmp_path / "daq.csv")
    assert sorted(set(daq["rate_hz"])) == [1e3, 1e4, 1e5] and set(daq["mode"]) == {"average", "point"}
    avg = daq[daq["mode"] == "average"].set_index("rate_hz")
    assert avg.loc[1e3, "daq_peak_mw"] < avg.loc[1e5, "daq_peak_mw"] <= avg.loc[1e5, "true_peak_mw"] * (1 + 1e-9)
    trace = json.loads((tmp_path / "trace.json").read_text())
    assert any(e.get("name") == "thread_name" and e["args"]["name"] == "mac_array" for e in trace["traceEvents"])
    assert (tmp_path / "latency_hist.png").stat().st_size > 1000


@pytest.mark.parametrize("argv, fragment", [
    (["jitter", "mlperf-kws", "--hw", "stm32h7a3", "--scenario", "nope"], "--scenario: expected a scenario file"),
    (["jitter", "mlperf-kws", "--hw", "stm32h7a3", "--scenario",
      str(Path(__file__).resolve().parents[1] / "specs" / "bad_scenarios" / "negative_rate.yaml")],
     "negative_rate.yaml: bus.masters.camera.rate_hz: expected a positive number, got -5"),
    (["jitter", "mlperf-kws", "--hw", "stm32h7a3", "--runs", "0"], "--runs: expected a positive integer"),
    (["jitter", "mlperf-kws", "--hw", "stm32h7a3", "--daq", "fast"], "--daq: expected comma-separated rates"),
    (["jitter", "mlperf-kws", "--hw", "stm32h7a3", "--trace"], "--trace: expected --out DIR"),
])
def test_jitter_user_errors_exit_2_with_one_line(argv: list[str], fragment: str,
                                                 capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "\n" not in err and "Traceback" not in err


def test_check_kernels_lists_every_profile_with_its_measured_error(capsys) -> None:
    assert main(["check", "--kernels", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    profiles = load_profiles()
    assert list(table["kernels"]) == list(profiles)
    assert "validated_on_core" not in table.columns
    for _, row in table.iterrows():
        v = profiles[row["kernels"]].validation
        if v is None:
            assert pd.isna(row["median_error_pct"]) and row["runs"] == 0
        else:
            assert (row["median_error_pct"], row["p90_error_pct"], row["runs"]) == \
                (v.median_abs_pct_error, v.p90_abs_pct_error, v.runs)


def test_check_kernels_with_a_spec_says_which_profiles_were_measured_on_its_core(capsys) -> None:
    assert main(["check", "stm32l4r5", "--kernels", "--format", "json"]) == 0
    m4 = {r["kernels"]: r["validated_on_core"] for r in json.loads(capsys.readouterr().out)}
    assert m4["x-cube-ai"] and m4["hale"] and not m4["tflm-reference"]
    assert main(["check", "ra8d1", "--kernels", "--format", "json"]) == 0       # Cortex-M85: none measured there
    assert not any(r["validated_on_core"] for r in json.loads(capsys.readouterr().out))


def test_check_without_a_spec_or_kernels_is_a_one_line_error(capsys) -> None:
    assert main(["check"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "expected a spec" in err
