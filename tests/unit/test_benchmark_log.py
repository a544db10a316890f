"""benchmark_model log parser: real i.MX 8M Plus logs, public excerpts, CSV mode, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.errors import SimError
from sim.profile.benchmark_log import load_profile, parse_benchmark_log, parse_lines
from tests.conftest import SHARED

LOGS = SHARED / "validation" / "tflite_logs"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tflite_logs"


def shared_log(name: str) -> Path:
    path = LOGS / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture
def cpu_log():
    return parse_benchmark_log(shared_log("imx8mp_cpu_mobilenet_v1_1.0_224_quant.log"))


def test_cpu_log_nodes_match_the_logs_own_summary(cpu_log):
    ops = cpu_log.ops
    assert len(ops) == 31 == cpu_log.summary["nodes_executed"]
    assert list(ops["node"]) == list(range(31))
    assert ops.attrs["indexed"]
    assert not ops["delegate"].any()
    # the initialization section (AllocateTensors) is not a node of the regular runs
    assert "AllocateTensors" not in set(ops["op_type"])
    counts = ops.groupby("op_type").size()
    by_type = cpu_log.by_type.set_index("op_type")
    assert counts.to_dict() == by_type["count"].to_dict() == {"CONV_2D": 15, "DEPTHWISE_CONV_2D": 13,
                                                              "AVERAGE_POOL_2D": 1, "SOFTMAX": 1, "RESHAPE": 1}
    # Summary by node type sums the per-node averages (truncated to whole microseconds per node)
    sums = ops.groupby("op_type")["avg_us"].sum()
    for t, row in by_type.iterrows():
        assert abs(sums[t] - row["avg_us"]) <= row["count"] + 1e-9, t
    # the per-node averages add up to the profiled run total ("Timings (microseconds): avg=162910")
    assert cpu_log.summary["profiled_avg_us"] == 162910
    assert abs(cpu_log.total_us - cpu_log.summary["profiled_avg_us"]) < 0.001 * cpu_log.summary["profiled_avg_us"]
    assert cpu_log.summary["inference_avg_us"] == 162980


def test_cpu_log_row_values(cpu_log):
    r = cpu_log.ops.iloc[2]
    assert (r["op_type"], r["name"]) == ("CONV_2D", "MobilenetV1/MobilenetV1/Conv2d_1_pointwise/Relu6")
    assert (r["avg_us"], r["first_us"], r["pct"], r["cdf_pct"], r["start_ms"]) == (12413.0, 12248.0, 7.62, 13.412,
                                                                                   9.45)
    assert cpu_log.ops["pct"].sum() == pytest.approx(100.0, abs=0.01)
    assert cpu_log.ops["cdf_pct"].iloc[-1] == 100.0


def test_npu_log_is_one_delegate_partition():
    log = parse_benchmark_log(shared_log("imx8mp_npu_mobilenet_v1_1.0_224_quant.log"))
    assert len(log.ops) == 1 == log.summary["nodes_executed"]
    r = log.ops.iloc[0]
    assert (r["op_type"], r["node"], bool(r["delegate"]), r["avg_us"]) == ("Vx Delegate", 31, True, 2504.0)
    assert log.by_type.iloc[0]["count"] == 1
    assert log.summary["profiled_runs"] == 379


def test_riscv_log_float_model():
    log = parse_benchmark_log(shared_log("qemu_riscv64_mobilenet_v1_1.0_224_float.log"))
    assert len(log.ops) == 31 == log.summary["nodes_executed"]
    assert log.ops.iloc[29]["op_type"] == "SQUEEZE"
    assert log.by_type["count"].sum() == 31
    assert abs(log.total_us - log.summary["profiled_avg_us"]) < 0.001 * log.summary["profiled_avg_us"]


def to_csv_mode(lines: list[str]) -> list[str]:
    """Re-render text tables in the layout `--op_profiling_output_mode=csv` prints (TensorFlow's
    stats_calculator.cc: ", "-separated, bare header names). No public CSV-mode log was found,
    so the CSV test feeds the real i.MX log's numbers through that layout."""
    out = []
    for line in lines:
        if line.startswith("\t") and "[node type]" in line:
            out.append("node type, start, first, avg_ms, %, cdf%, mem KB, times called, name")
        elif line.startswith("\t") and "[Node type]" in line:
            out.append("node type, count, avg_ms, avg %, cdf %, mem KB, times called")
        elif line.startswith("\t"):
            out.append(", ".join(f.strip() for f in line[1:].split("\t")))
        else:
            out.append(line)
    return out


def test_csv_mode_gives_the_same_frame(cpu_log):
    lines = shared_log("imx8mp_cpu_mobilenet_v1_1.0_224_quant.log").read_text().splitlines()
    csv = parse_lines(to_csv_mode(lines), "csv-mode")
    pd.testing.assert_frame_equal(csv.ops, cpu_log.ops, check_like=False)
    pd.testing.assert_frame_equal(csv.by_type, cpu_log.by_type)
    assert csv.summary["nodes_executed"] == 31


def test_fixture_tab_separated_without_index():
    log = parse_benchmark_log(FIXTURES / "tf27948_tabs_no_index.log")
    assert "issues/27948" in log.source
    assert not log.ops.attrs["indexed"]
    assert list(log.ops["node"]) == list(range(6))  # run order position stands in for the index
    assert list(log.ops["op_type"]) == ["DEPTHWISE_CONV_2D"] + ["CONV_2D"] * 5
    assert log.ops.iloc[0]["avg_us"] == 536830.0 and log.ops.iloc[0]["name"] == "srnetwork/Conv/Relu"
    assert log.summary["runs_avg"] == 947350


def test_fixture_space_aligned():
    log = parse_benchmark_log(FIXTURES / "tf25021_spaces.log")
    assert list(log.ops["op_type"]) == ["DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]
    assert list(log.ops["avg_us"]) == [719.0, 849.0]
    assert list(log.ops["name"]) == ["Relu6", "BiasAdd_1"]


def test_fixture_delegate_row_and_multi_output_name():
    log = parse_benchmark_log(FIXTURES / "deepspeech2270_delegate.log")
    assert list(log.ops["delegate"]) == [True, False, False]
    split = log.ops.iloc[1]
    assert split["op_type"] == "SPLIT" and split["name"].count(", ") == 3 and split["name"].endswith("split:3")
    assert log.summary["inference_avg_us"] == 23313.5


def test_fixture_summary_by_type_only():
    log = parse_benchmark_log(FIXTURES / "tf61950_summary_by_type.log")
    assert log.ops.empty
    assert log.by_type[["op_type", "count"]].values.tolist() == [["CONV_2D", 15], ["DEPTHWISE_CONV_2D", 13],
                                                                  ["AVERAGE_POOL_2D", 1]]
    assert log.by_type["avg_us"].tolist() == [38265.0, 27230.0, 7.0]


def test_fixture_logcat_prefix_without_start_column():
    lines = (FIXTURES / "tf56301_logcat_no_start.log").read_text().splitlines()
    with pytest.raises(SimError, match="line 1: expected a benchmark_model op profile"):
        parse_lines(lines, "init-only")  # only the initialization section: not a profile of the runs
    log = parse_lines([x for x in lines if "Initialization" not in x], "as-regular")
    assert list(log.ops["op_type"]) == ["ModifyGraphWithDelegate", "AllocateTensors"]
    assert log.ops["start_ms"].isna().all()
    assert list(log.ops["first_us"]) == [54571.0, 2833.0]
    assert list(log.ops["mem_kb"]) == [1132.0, 0.0] and list(log.ops["times_called"]) == [1, 2]
    assert not log.ops["delegate"].any()


@pytest.mark.parametrize("lines, where", [
    (["=== Run Order ===", "\t[node type]\t[avg ms]\t[Name]", "\tCONV_2D\tfast\t[x]:0"], "line 3"),
    (["=== Run Order ===", "\t[node type]\t[velocity]\t[Name]"], "line 2"),
    (["=== Top by Energy ===", "x"], "line 1"),
    (["STARTING!", "count=1 curr=5"], "line 1"),
    (["=== Run Order ==="], "line 1"),
])
def test_unknown_format_is_one_line_error_naming_the_line(lines, where):
    with pytest.raises(SimError) as err:
        parse_lines(lines, "bad.log")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"bad.log: {where}: expected")


def test_cli_import_log_writes_ops_csv(tmp_path, capsys):
    log = shared_log("imx8mp_cpu_mobilenet_v1_1.0_224_quant.log")
    assert main(["import-log", str(log), "--out", str(tmp_path)]) == 0
    df = pd.read_csv(tmp_path / "ops.csv")
    assert len(df) == 31 and list(df.columns[:4]) == ["node", "op_type", "name", "avg_us"]
    assert "31 executed" in capsys.readouterr().out
    back = load_profile(tmp_path / "ops.csv")  # ops.csv reads back as a profile
    assert back.ops["avg_us"].sum() == pytest.approx(162908.0)


def test_cli_bad_log_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.log"
    bad.write_text("hello\n=== Run Order ===\n\t[node type]\t[avg ms]\t[Name]\n\tCONV_2D\t??\t[x]\n")
    assert main(["import-log", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "line 4" in err and str(bad) in err
    assert main(["import-log", str(tmp_path / "missing.log")]) == 2
