from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import SimError
from sim.sweep import SweepPlan, grid, parse_vary, pareto_mask, run_sweep

ROOT = Path(__file__).resolve().parents[2]


def _run_summary(tmp: Path, model: str, hw: str, sets: list[str], transforms: list[str] = ()) -> pd.Series:
    out = tmp / ("run-" + "-".join(s.replace("=", "_").replace(".", "_") for s in sets))
    argv = ["run", model, "--hw", hw, "--out", str(out), "--format", "csv"]
    for s in sets:
        argv += ["--set", s]
    for t in transforms:
        argv += ["--transform", t]
    assert main(argv) == 0
    return pd.read_csv(out / "summary.csv", keep_default_na=False).iloc[0]


def _same_as_run(row: pd.Series, run: pd.Series, skip: set[str]) -> None:
    for col in run.index:
        if col in skip or col == "model":
            continue
        assert str(row[col]) == str(run[col]), col


def test_parse_vary_and_grid_order() -> None:
    a, b = parse_vary("compute.rows=8,16"), parse_vary("clock_hz = 1e8, 2e8")
    assert a.path == "compute.rows" and a.values == ("8", "16") and b.path == "clock_hz"
    assert grid([a, b]) == [("8", "1e8"), ("8", "2e8"), ("16", "1e8"), ("16", "2e8")]
    for bad in ("compute.rows", "=1,2", "compute.rows="):
        with pytest.raises(SimError, match="PATH=v1,v2"):
            parse_vary(bad)


@pytest.mark.parametrize("argv, fragment", [
    (["--vary", "compute.rows"], "--vary 'compute.rows': expected PATH=v1,v2"),
    (["--vary", "compute.rowz=1,2"], "compute.rowz"),
    (["--vary", "compute.rows=8,-1"], "positive integer"),
    (["--vary", "compute.rows=8", "--transform", "prune:2"], "--transform"),
    (["--vary", "compute.rows=8", "--objective", "latency_ms,speed"], "--objective 'latency_ms,speed'"),
])
def test_sweep_user_errors_one_line(argv: list[str], fragment: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture) -> None:
    assert main(["sweep", "--hw", "systolic-32x32", "--model", "mlperf-kws", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "\n" not in err


def test_sweep_point_equals_run_and_pareto_is_non_dominated(tmp_path: Path) -> None:
    plan = SweepPlan(hw="systolic-32x32", vary=[("compute.rows", ["8", "32"]), ("clock_hz", ["2e8", "1e9"])],
                     models=["mlperf-kws", "mlperf-ad"], transforms=["prune:0.25"])
    info = run_sweep(plan, tmp_path, ["latency_ms", "energy_uj"], progress=False, inline=True)
    assert info["rows"] == 8 and info["errors"] == 0
    res = pd.read_csv(tmp_path / "results.csv", keep_default_na=False, dtype={"compute.rows": str, "clock_hz": str})
    assert list(res.columns[:4]) == ["compute.rows", "clock_hz", "model", "point"]
    for _, row in res.iterrows():
        run = _run_summary(tmp_path, row["model"], "systolic-32x32",
                           [f"compute.rows={row['compute.rows']}", f"clock_hz={row['clock_hz']}"], ["prune:0.25"])
        _same_as_run(row, run, skip={"clock_hz"})
    front = pd.read_csv(tmp_path / "pareto.csv")
    for model, g in res.groupby("model"):
        f = front[front["model"] == model]
        assert len(f) >= 1
        for _, p in f.iterrows():  # nothing in the model's results dominates a front point
            le = (g["latency_ms"] <= p["latency_ms"]) & (g["energy_uj"] <= p["energy_uj"])
            lt = (g["latency_ms"] < p["latency_ms"]) | (g["energy_uj"] < p["energy_uj"])
            assert not (le & lt).any()
    assert (tmp_path / "pareto.png").stat().st_size > 1000


def test_mcu_sweep_point_equals_run(tmp_path: Path) -> None:
    plan = SweepPlan(hw="stm32h7a3", vary=[("clock_hz", ["80e6", "280e6"]), ("memories.sram.size_bytes", ["262144"])],
                     models=["mlperf-kws"], transforms=["cascade:4"])
    run_sweep(plan, tmp_path, ["latency_ms", "arena_bytes"], progress=False, inline=True)
    res = pd.read_csv(tmp_path / "results.csv", keep_default_na=False, dtype={"clock_hz": str})
    for _, row in res.iterrows():
        run = _run_summary(tmp_path, "mlperf-kws", "stm32h7a3",
                           [f"clock_hz={row['clock_hz']}", "memories.sram.size_bytes=262144"], ["cascade:4"])
        _same_as_run(row, run, skip={"clock_hz", "memories.sram.size_bytes"})
    assert res["latency_ms"][0] > res["latency_ms"][1]


def test_rerun_with_a_different_grid_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = ["sweep", "--hw", "systolic-32x32", "--model", "mlperf-ad", "--out", str(tmp_path), "--no-progress"]
    (tmp_path / "sweep.json").write_text(json.dumps({"hw": "systolic-32x32", "vary": [["compute.rows", ["4"]]],
                                                     "models": ["mlperf-ad"], "transforms": [], "dataflow": "best",
                                                     "chunk_points": 1}))
    assert main([*base, "--vary", "compute.rows=8"]) == 2
    assert "holds a different sweep" in capsys.readouterr().err


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=40))
def test_pareto_mask_matches_brute_force(points: list[tuple[int, int, int]]) -> None:
    v = np.array(points, dtype=float)
    mask = pareto_mask(v)
    for i, p in enumerate(v):
        dominated = any((q <= p).all() and (q < p).any() for q in v)
        assert mask[i] == (not dominated)


def _sweep_cmd(out: Path, rows: int) -> list[str]:
    return [sys.executable, "-m", "sim", "sweep", "--hw", "systolic-32x32",
            "--vary", "compute.rows=" + ",".join(str(r) for r in range(1, rows + 1)),
            "--vary", "memories.sram.size_bytes=65536,1048576",
            "--model", "mlperf-kws", "--out", str(out), "--workers", "2", "--no-progress"]


@pytest.mark.slow
def test_interrupted_sweep_resumes_without_recomputing_or_duplicating(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    rows = 150  # 300 points in 60 chunks; a few seconds of work on 2 workers
    proc = subprocess.Popen(_sweep_cmd(out, rows), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    chunks = out / "chunks"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(chunks.glob("*.csv")) if chunks.exists() else []) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, stdout
    first = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in chunks.glob("*.csv")}
    total_chunks = len(json.loads((out / "sweep.json").read_text())["vary"][0][1]) * 2
    assert 3 <= len(first) and not (out / "results.csv").exists()
    done = subprocess.run(_sweep_cmd(out, rows), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "resumed" in done.stdout
    for name, stamp in first.items():  # finished chunks were not recomputed
        p = chunks / name
        assert (p.stat().st_ino, p.stat().st_mtime_ns) == stamp
    res = pd.read_csv(out / "results.csv")
    assert len(res) == total_chunks and not res.duplicated(["model", "point"]).any()
    assert sorted(res["point"]) == list(range(total_chunks))


@pytest.mark.slow
def test_a_dying_worker_loses_no_point(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    fault = tmp_path / "fault"
    fault.mkdir()
    env = {**os.environ, "EDGESIM_SWEEP_FAULT": str(fault)}
    done = subprocess.run(_sweep_cmd(out, 20), cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert (fault / "killed").exists()  # a worker really died mid-task
    res = pd.read_csv(out / "results.csv", keep_default_na=False,
                      dtype={"compute.rows": str, "memories.sram.size_bytes": str})
    assert len(res) == 40 and sorted(res["point"]) == list(range(40))
    row = res.iloc[7]
    run = _run_summary(tmp_path, "mlperf-kws", "systolic-32x32",
                       [f"compute.rows={row['compute.rows']}", f"memories.sram.size_bytes={row['memories.sram.size_bytes']}"])
    _same_as_run(row, run, skip=set())


def _fake_batch(wrong: bool = False):
    """A stand-in for a cost model's evaluate_points: simulate per point, documented columns only."""
    from sim.api import simulate

    def evaluate_points(graph, base_hw, points, *, dataflow="best"):  # noqa: ANN001
        n = len(next(iter(points.values())))
        rows = []
        for i in range(n):
            s = simulate(graph, base_hw, overrides={k: v[i].item() for k, v in points.items()}, dataflow=dataflow)
            rows.append({**{k: v[i] for k, v in points.items()},
                         **{c: s.summary[c].iloc[0] for c in ("latency_cycles", "latency_ms", "compute_cycles",
                                                              "stall_cycles", "dram_read_bytes", "dram_write_bytes",
                                                              "sram_read_bytes", "sram_write_bytes", "energy_uj",
                                                              "peak_working_set_bytes", "macs")}})
            if wrong:
                rows[-1]["latency_cycles"] += 1
        return pd.DataFrame(rows)
    return evaluate_points


@pytest.mark.parametrize("wrong", [False, True])
def test_batch_path_rows_equal_per_point_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wrong: bool) -> None:
    import sim.sweep as sweep_mod
    plan = SweepPlan(hw="systolic-32x32", vary=[("compute.rows", ["8", "16"]), ("clock_hz", ["2e8", "1e9"])],
                     models=["mlperf-kws"], chunk_points=4)
    reference = sweep_mod.evaluate_chunk(plan, "mlperf-kws", [0, 1, 2, 3])
    calls = []
    fake = _fake_batch(wrong)
    monkeypatch.setattr(sweep_mod, "batch_evaluator", lambda hw, t: lambda *a, **k: calls.append(1) or fake(*a, **k))
    monkeypatch.setattr(sweep_mod, "_CHECKED", {})
    batched = sweep_mod.evaluate_chunk(plan, "mlperf-kws", [0, 1, 2, 3])
    assert calls == [1]
    pd.testing.assert_frame_equal(batched[reference.columns].astype(str), reference.astype(str))
    later = sweep_mod.evaluate_chunk(plan, "mlperf-kws", [2, 3])  # checked once per process and sweep
    assert calls == [1] * (1 if wrong else 2)
    pd.testing.assert_frame_equal(later[reference.columns].astype(str), reference.iloc[2:].reset_index(drop=True)
                                  .astype(str))


def test_sweep_on_an_existing_scheduler(tmp_path: Path) -> None:
    from dask.distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        plan = SweepPlan(hw="systolic-32x32", vary=[("compute.rows", ["8", "16", "32"])], models=["mlperf-ad"])
        info = run_sweep(plan, tmp_path, ["latency_ms"], scheduler=cluster.scheduler_address, progress=False)
    assert info["rows"] == 3 and info["errors"] == 0
    res = pd.read_csv(tmp_path / "results.csv")
    assert sorted(res["point"]) == [0, 1, 2] and (res["model"] == "mlperf-ad").all()
