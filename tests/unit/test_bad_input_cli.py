"""Bad user input through the CLI and `sim.api`: one line naming the file, the field and what
was expected, exit code 2; never a traceback, a hang, or a NaN/inf/negative number printed as
if fine. Each case here failed one of those before it was fixed."""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.api import load_graph, memory_whatifs, simulate
from sim.cli import main
from sim.cli.import_log import positive_rate
from sim.errors import SimError, SpecError
from sim.profile.benchmark_log import parse_lines, read_ops_csv
from sim.profile.calibrate import resolve_profile
from sim.profile.crosscheck import crosscheck
from sim.profile.live import bench
from sim.profile.micro_log import parse_micro_lines
from sim.replay import load_scenario
from sim.spec.load import load_hardware
from sim.spec.model import SystolicArray, VectorUnit
from sim.sweep import SweepPlan, Vary, _client, check_plan, grid, grid_point, grid_size, run_sweep
from sim.transforms import apply_transforms, parse_transform, parse_transforms
from tests.conftest import real_model, tiny_cnn, tiny_systolic

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORSTONE_LOG = FIXTURES / "tflm_logs" / "tflm_benchmark_readme_corstone300.log"
OUT_OF_RANGE = "far outside any physical range"


def one_line(exc: BaseException) -> str:
    msg = str(exc)
    assert "\n" not in msg
    return msg


def cli_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI in-process; return its one stderr line after asserting exit code 2."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


# --- files that are not what they claim -----------------------------------------------------

def test_binary_yaml_spec_scenario_and_cfg_are_one_line(tmp_path: Path) -> None:
    blob = bytes(range(128, 256)) * 8
    for name in ("spec.yaml", "scenario.yaml"):
        (tmp_path / name).write_bytes(blob)
    (tmp_path / "arch.cfg").write_bytes(blob)
    with pytest.raises(SpecError) as info:
        load_hardware(tmp_path / "spec.yaml")
    assert "spec.yaml: byte 0: expected a UTF-8 text YAML file" in one_line(info.value)
    with pytest.raises(SpecError) as info:
        load_scenario(tmp_path / "scenario.yaml")
    assert "scenario.yaml: byte 0: expected a UTF-8 text YAML file" in one_line(info.value)
    with pytest.raises(SpecError) as info:
        load_hardware(tmp_path / "arch.cfg")
    assert "arch.cfg: byte 0: expected a text SCALE-Sim .cfg" in one_line(info.value)


def test_binary_spec_through_the_console_script(tmp_path: Path) -> None:
    """The CLI wiring itself: exit code 2, one stderr line, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xdd\xff\x00\x10" * 64)
    proc = subprocess.run([sys.executable, "-m", "sim", "check", str(bad)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "bad.yaml: byte 0: expected a UTF-8 text YAML file" in proc.stderr


# --- specs whose figures leave any physical range ---------------------------------------------

def test_no_on_chip_memory_via_set_names_the_override(capsys: pytest.CaptureFixture[str]) -> None:
    err = cli_error(["run", "mlperf-ad", "--hw", "systolic-8x8", "--set", "memories.sram.kind=dram"], capsys)
    assert "--set (over" in err and "memories: expected an on-chip level" in err


@pytest.mark.parametrize("override, field", [
    ("memories.dram.read_latency_cycles=1e15", "_cycles: expected a count in [0, 2**62)"),
    ("memories.dram.bandwidth_bytes_per_cycle=1e-15", "_cycles: expected a count in [0, 2**62)"),
    ("clock_hz=1e-300", "_uj: expected a finite non-negative number"),
])
def test_int64_overflow_and_infinite_totals_are_errors_not_numbers(override: str, field: str) -> None:
    """These printed negative cycles (the tiling search picked the wrapped count) or inf ms."""
    with pytest.raises(SpecError) as info:
        simulate("mlperf-ad", "systolic-8x8", overrides=[override])
    msg = one_line(info.value)
    assert msg.startswith("systolic-8x8: ") and field in msg and OUT_OF_RANGE in msg


def test_mcu_op_scale_beyond_int64_is_an_error() -> None:
    """A Python-int cycle count beyond int64 was an OverflowError in the frames."""
    with pytest.raises(SpecError) as info:
        simulate("mlperf-ad", "stm32h7a3", overrides=["compute.op_scale.FULLY_CONNECTED=1e15"])
    assert "compute_cycles: expected a count in [0, 2**62)" in one_line(info.value)


def test_spec_numbers_beyond_2_53_name_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    err = cli_error(["run", "mlperf-ad", "--hw", "stm32h7a3", "--set", "compute.op_scale.CONV_2D=1e300"], capsys)
    assert "compute.op_scale.CONV_2D: expected a positive number of at most 9.007e+15" in err


def test_topology_layer_beyond_int64_is_an_error_not_an_overflow(tmp_path: Path) -> None:
    """An OverflowError traceback from the int64 layer table."""
    p = tmp_path / "gemm.csv"
    p.write_text("Layer, M, N, K,\ng1, 100000000, 100000000, 100000000,\n")
    with pytest.raises(SpecError) as info:
        load_graph(p)
    assert "gemm.csv: row 2: expected a layer of at most 9.007e+15 MACs, got '1e+24'" in one_line(info.value)


# --- --out ------------------------------------------------------------------------------------

def test_out_that_is_a_file_or_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert "expected a directory, got an existing file" in cli_error(
        ["run", "mlperf-ad", "--hw", "stm32h7a3", "--out", str(f)], capsys)
    assert "--out: expected a directory path, got ''" in cli_error(
        ["run", "mlperf-ad", "--hw", "stm32h7a3", "--out", ""], capsys)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("command", [["run", "mlperf-ad", "--hw", "stm32h7a3"],
                                     ["import-log", str(CORSTONE_LOG)],
                                     ["jitter", "mlperf-ad", "--hw", "stm32h7a3", "--runs", "5"]])
def test_out_directory_that_takes_no_files(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """/proc/self exists and is a directory, but no file can be created in it (even as root):
    this was a PermissionError traceback at the first CSV."""
    err = cli_error([*command, "--out", "/proc/self"], capsys)
    assert "--out /proc/self: expected a writable directory" in err


# --- sweep ------------------------------------------------------------------------------------

def test_sweep_rejects_a_path_varied_twice() -> None:
    """The later --vary overwrote the earlier at every point: both columns said 16."""
    plan = SweepPlan(hw="systolic-8x8", vary=[("compute.rows", ["4", "8"]), ("compute.rows", ["16"])],
                     models=["mlperf-ad"])
    with pytest.raises(SimError) as info:
        check_plan(plan)
    assert "--vary compute.rows: expected each path once" in one_line(info.value)


def test_sweep_grid_too_large_fails_at_once_and_chunks_never_build_the_grid() -> None:
    """A 1e8-point grid was materialised by every chunk (O(points^2) overall): hours before any output."""
    many = [str(v) for v in range(1, 101)]
    plan = SweepPlan(hw="systolic-8x8", vary=[("compute.rows", many), ("compute.cols", many),
                                              ("clock_hz", many), ("dma.setup_cycles", many)], models=["mlperf-ad"])
    with pytest.raises(SimError) as info:
        check_plan(plan)
    assert "--vary: expected a grid of at most 10,000,000 points, got 100,000,000 (100 x 100 x 100 x 100)" \
        in one_line(info.value)
    small = [Vary("a", ("1", "2", "3")), Vary("b", ("x",)), Vary("c", ("p", "q"))]
    assert [grid_point(small, i) for i in range(grid_size(small))] == grid(small)


def test_sweep_workers_below_one_fails_before_any_cluster(tmp_path: Path) -> None:
    """--workers -1 started a cluster with no workers and waited forever."""
    plan = SweepPlan(hw="systolic-8x8", vary=[("compute.rows", ["4"])], models=["mlperf-ad"])
    with pytest.raises(SimError) as info:
        run_sweep(plan, tmp_path, ["latency_ms"], workers=-1)
    assert "--workers: expected a positive integer, got -1" in one_line(info.value)
    assert not any(tmp_path.iterdir())


def test_sweep_scheduler_address_that_is_not_one() -> None:
    with pytest.raises(SimError) as info:
        _client("nonsense", None)
    assert "--scheduler nonsense: expected a reachable Dask scheduler address" in one_line(info.value)


def test_sweep_point_out_of_range_gets_an_error_not_a_number(tmp_path: Path) -> None:
    """The batch path priced clock_hz=1e-300 as 3.9e307 ms and inf uJ; now the point is priced
    by simulate, whose error lands in the error column."""
    plan = SweepPlan(hw="systolic-8x8", vary=[("clock_hz", ["1e8", "1e-300"])], models=["mlperf-ad"])
    run_sweep(plan, tmp_path, ["latency_ms", "energy_uj"], inline=True, progress=False)
    df = pd.read_csv(tmp_path / "results.csv", keep_default_na=False, na_values=[""], dtype={"clock_hz": str})
    row = df.set_index("clock_hz")
    assert row.loc["1e8", "error"] != row.loc["1e8", "error"] or row.loc["1e8", "error"] == ""  # NaN or empty
    assert OUT_OF_RANGE in str(row.loc["1e-300", "error"])
    assert pd.isna(row.loc["1e-300", "latency_ms"])


# --- transforms -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, fragment", [
    ("prune:0.3@", "expected layers after @"),
    ("sparse:0.3@,,", "expected layers after @"),
    ("fuse@", "expected no @LAYER list for fuse"),
    ("partition:conv_2d", "got 'conv_2d'"),
    ("partition:CONV_2D,NOPE", "got 'NOPE'"),
])
def test_transform_text_that_would_have_been_silently_read_otherwise(text: str, fragment: str) -> None:
    with pytest.raises(SimError) as info:
        parse_transform(text)
    assert fragment in one_line(info.value)


def test_spec_supported_ops_of_unknown_types_are_an_error_for_partition() -> None:
    """Lower-case or unknown names sent every operator to the CPU."""
    base = tiny_systolic()
    hw = dataclasses.replace(base, compute=dataclasses.replace(base.compute, supported_ops=("conv_2d",)),
                             cpu=VectorUnit(core="cortex-m4"))
    with pytest.raises(SimError) as info:
        apply_transforms(tiny_cnn(), ["partition"], hw)
    assert "compute.supported_ops: expected operator types edgesim costs" in one_line(info.value)


# --- jitter -----------------------------------------------------------------------------------

@pytest.mark.parametrize("extra, fragment", [
    (["--seed", "-1"], "--seed: expected a non-negative integer, got -1"),
    (["--runs", "100000000000"], "--runs: expected at most 10,000,000 inferences"),
    (["--daq", "1e12"], "--daq 1e+12: expected a rate giving at most 33,554,432 samples"),
])
def test_jitter_values_that_crashed(extra: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["jitter", "mlperf-ad", "--hw", "stm32h7a3", "--runs", "10", *extra]
    assert fragment in cli_error(argv, capsys)


BUSY_BUS = Path(__file__).resolve().parents[2] / "scenarios" / "busy-bus.yaml"


@pytest.mark.parametrize("old, new, fragment", [
    ("rate_hz: 1000 ", "rate_hz: 100000 ", "interrupt handlers take"),     # 100 kHz x 1-4 us > the core
    ("burst_bytes: 1280", "burst_bytes: 1e15", "other bus masters"),          # one line holds the bus for days
    ("rate_hz: 15750", "rate_hz: 1e12", "bus.masters.camera.rate_hz: expected a rate giving at most"),
])
def test_saturating_scenarios_end_with_an_error_not_a_hang(old: str, new: str, fragment: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Each of these replayed forever (the draw horizon doubled without end) or ran out of memory."""
    text = BUSY_BUS.read_text()
    assert old in text
    path = tmp_path / "saturated.yaml"
    path.write_text(text.replace(old, new, 1).replace("{dist: uniform, low: 1.0, high: 4.0}", "20.0"))
    err = cli_error(["jitter", "mlperf-ad", "--hw", "stm32h7a3", "--runs", "20", "--scenario", str(path)], capsys)
    assert err.startswith("edgesim jitter: scenario busy-bus: ") and fragment in err


def test_jitter_api_checks_runs_and_seed_types() -> None:
    from sim.api import jitter
    for kwargs, fragment in ((dict(runs=1.5), "--runs"), (dict(runs=5, seed="a"), "--seed")):
        with pytest.raises(SimError) as info:
            jitter("mlperf-ad", "stm32h7a3", **kwargs)
        assert fragment in one_line(info.value)


# --- profiles ---------------------------------------------------------------------------------

RUN_ORDER = ["==== Run Order ====",
             "\t[node type]\t[start]\t[first]\t[avg ms]\t[%]\t[cdf%]\t[mem KB]\t[times called]\t[Name]",
             "\tCONV_2D\t0.010\t7.628\t{avg}\t4.689%\t4.689%\t0.000\t1\t[conv]:0", ""]


@pytest.mark.parametrize("avg", ["nan", "-7.640", "inf"])
def test_benchmark_log_times_that_are_not_times(avg: str) -> None:
    with pytest.raises(SimError) as info:
        parse_lines([line.format(avg=avg) for line in RUN_ORDER], "x.log")
    assert f"x.log: line 3: avg ms: expected a finite non-negative time, got '{avg}'" in one_line(info.value)


@pytest.mark.parametrize("body, fragment", [
    ("0,CONV_2D,abc\n", "row 1: avg_us: expected a finite non-negative time, got 'abc'"),
    ("0,CONV_2D,-5\n", "row 1: avg_us: expected a finite non-negative time, got '-5'"),
    ("0,CONV_2D,nan\n", "row 1: avg_us: expected a finite non-negative time"),
    ("x,CONV_2D,5\n", "row 1: node: expected a non-negative integer, got 'x'"),
    ("", "expected one row per operator after the header, got none"),
])
def test_ops_csv_rows_are_checked(body: str, fragment: str, tmp_path: Path) -> None:
    p = tmp_path / "ops.csv"
    p.write_text("node,op_type,avg_us\n" + body)
    with pytest.raises(SimError) as info:
        read_ops_csv(p)
    assert fragment in one_line(info.value)


def test_tick_rates_below_one_per_second() -> None:
    """1e-300 ticks/s turned every tick count into infinite microseconds."""
    with pytest.raises(argparse.ArgumentTypeError, match="at least 1 tick per second"):
        positive_rate("1e-300")
    with pytest.raises(SimError) as info:
        parse_micro_lines(["CONV_2D took 100 ticks (1 ms)."], "m.log", 1e-300, "= part clock_hz")
    assert "m.log: expected --ticks-per-second of at least 1 tick per second" in one_line(info.value)


def test_crosscheck_against_a_profile_of_another_model() -> None:
    """No node matched: every error and score was printed as nan% with exit code 0."""
    with pytest.raises(SimError) as info:
        crosscheck("mlperf-ad", "stm32h7a3", CORSTONE_LOG)
    assert "expected a profile of mlperf-ad" in one_line(info.value)


def test_calibrate_items_with_a_missing_side_or_a_bench_dir_without_a_model(tmp_path: Path) -> None:
    for item, fragment in (("=x.log", "got no model"), ("mlperf-ad=", "got no profile")):
        with pytest.raises(SimError) as info:
            resolve_profile(item)
        assert fragment in one_line(info.value)
    (tmp_path / "bench_summary.csv").write_text("")
    (tmp_path / "ops.csv").write_text("node,op_type,avg_us\n0,CONV_2D,5\n")
    with pytest.raises(SimError) as info:
        resolve_profile(str(tmp_path))
    assert "bench_summary.csv: expected a bench_summary.csv naming its model" in one_line(info.value)


def test_bench_checks_its_counts_and_the_file_before_the_runtime(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tflite"
    empty.write_bytes(b"")
    with pytest.raises(SimError, match="file identifier: expected a TFLite flatbuffer"):
        bench(empty, runs=2)
    with pytest.raises(SimError, match="--op-runs: expected a positive integer, got -1"):
        bench(empty, runs=2, op_runs=-1)
    with pytest.raises(SimError, match="--warmup: expected a non-negative integer, got -1"):
        bench(empty, runs=2, warmup=-1)


def test_bench_without_litert_says_so_once(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    model = real_model("ad")
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)
    err = cli_error(["bench", str(model), "--runs", "2"], capsys)
    assert err.count("edgesim bench") == 1 and "pip install 'edgesim[litert]'" in err


# --- sim.api ----------------------------------------------------------------------------------

@pytest.mark.parametrize("model, hardware, kwargs, fragment", [
    ("mlperf-ad", 5, {}, "--hw: expected a spec name or path, got 'int'"),
    ("mlperf-ad", None, {}, "got 'NoneType'"),
    (5, "stm32h7a3", {}, "MODEL: expected a Graph, a .tflite or SCALE-Sim .csv path, or a zoo name, got 'int'"),
    ("", "stm32h7a3", {}, "MODEL: expected a .tflite or SCALE-Sim .csv path, or a zoo name, got ''"),
    ("mlperf-ad", "stm32h7a3", {"overrides": 5}, "--set: expected PATH=VALUE strings or a mapping"),
    ("mlperf-ad", "stm32h7a3", {"overrides": [5]}, "--set: expected PATH=VALUE strings, got 5"),
    ("mlperf-ad", "stm32h7a3", {"transforms": 5}, "--transform: expected a list of NAME[:ARG]"),
    ("mlperf-ad", "stm32h7a3", {"transforms": [5]}, "--transform: expected NAME[:ARG][@LAYER,...] text, got int"),
])
def test_simulate_wrong_types_raise_sim_errors(model: object, hardware: object, kwargs: dict[str, object],
                                               fragment: str) -> None:
    with pytest.raises(SimError) as info:
        simulate(model, hardware, **kwargs)  # type: ignore[arg-type]
    assert fragment in one_line(info.value)


def test_a_single_override_or_transform_string_is_one_item() -> None:
    """A bare string was read character by character ("--set: c: expected PATH=VALUE")."""
    assert load_hardware("systolic-8x8", "clock_hz=1e8").clock_hz == 1e8
    assert [t.name for t in parse_transforms("prune:0.3")] == ["prune"]


def test_memory_whatifs_patch_counts() -> None:
    with pytest.raises(SimError, match="patches, patch_layers"):
        memory_whatifs("mlperf-ad", patches=0)
    with pytest.raises(SpecError):
        load_graph("   ")


def test_systolic_part_still_loads_with_its_own_kernels_field_empty() -> None:
    """The kernels check now covers every part; the bundled accelerators leave it empty."""
    for name in ("systolic-8x8", "ethos-u55-128", "imx8mp-npu"):
        assert isinstance(load_hardware(name).compute, SystolicArray)


def test_check_rejects_a_stack_release_that_run_would_reject(capsys: pytest.CaptureFixture[str]) -> None:
    """The loader knows the stacks, the cost model the measured releases: `check` asks both."""
    assert main(["check", "stm32l4r5", "--set", "kernels=x-cube-ai@99"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "kernels: expected one of" in err and "x-cube-ai@10.2" in err and "'x-cube-ai@99'" in err
    assert main(["check", "stm32l4r5", "--set", "kernels=x-cube-ai@10.2"]) == 0
    assert main(["check", "stm32l4r5", "--set", "kernels=hale@1.0.175"]) == 0   # as run: the 1.0 profile


def test_a_reader_that_leaves_early_ends_the_command_quietly() -> None:
    """`edgesim check SPEC | head -1`: no BrokenPipeError traceback, exit 141 as a shell's SIGPIPE.
    The child writes into a pipe whose reader is already closed, so its first line fails."""
    code = ("import os, sys; r, w = os.pipe(); os.close(r); sys.stdout = open(w, 'w', buffering=1); "
            "from sim.cli import main; rc = main(['check', 'stm32l4r5']); sys.stderr.write('rc=%d' % rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert b"Traceback" not in proc.stderr and proc.stderr.endswith(b"rc=141"), proc.stderr[-500:]
