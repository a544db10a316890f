"""TFLite Micro MicroProfiler reader: public logs, the printed forms of micro_profiler.cc, the
tick-rate rules, invoke splitting, one-line errors, and a crosscheck round trip."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.api import simulate
from sim.cli import main
from sim.errors import SimError
from sim.profile.benchmark_log import load_profile
from sim.profile.crosscheck import crosscheck
from sim.profile.micro_log import invoke_length, parse_micro_lines, rate_interval
from tests.conftest import real_model

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tflm_logs"
KEYWORD = FIXTURES / "tf47199_keyword_xtensa.log"
CORSTONE = FIXTURES / "tflm_benchmark_readme_corstone300.log"
EDGETPU = FIXTURES / "tflm2120_edgetpu_zero_ticks.log"
CFU = FIXTURES / "cfu_playground_pdti8_logcsv.log"
# person_detect.tflite's operators as the benchmarking README's model analysis lists them (Op#0..Op#30)
PERSON_DETECT_OPS = (["DEPTHWISE_CONV_2D"] + ["DEPTHWISE_CONV_2D", "CONV_2D"] * 13
                     + ["AVERAGE_POOL_2D", "CONV_2D", "RESHAPE", "SOFTMAX"])


def test_keyword_xtensa_log_rate_from_all_events():
    log = load_profile(KEYWORD)
    assert "pull/47199" in log.source and "inferred from (ms)" in log.source
    ops = log.ops
    assert list(ops["op_type"]) == ["QUANTIZE", "SVDF", "FULLY_CONNECTED", "SVDF", "FULLY_CONNECTED", "SVDF",
                                    "FULLY_CONNECTED", "SVDF", "FULLY_CONNECTED", "SVDF", "SVDF", "SVDF",
                                    "FULLY_CONNECTED", "SOFTMAX", "QUANTIZE"]
    assert list(ops["node"]) == list(range(15)) and not ops.attrs["indexed"]
    s = log.summary
    assert (s["invokes"], s["non_op_events"]) == (1, 2)
    assert ops.attrs["non_op_tags"] == ["InitializeKeywordRunner", "KeywordRunNIerations(1)"]
    # the non-op InitializeKeywordRunner line (160568 ticks, 160 ms) gives both bounds: the same clock
    assert s["ticks_per_second_lo"] == pytest.approx(160568e3 / 161, rel=2e-6)
    assert s["ticks_per_second_hi"] == pytest.approx(160568e3 / 160, rel=2e-6)
    rate = s["ticks_per_second"]
    assert rate == pytest.approx((s["ticks_per_second_lo"] + s["ticks_per_second_hi"]) / 2)
    assert ops["avg_us"].iloc[0] == pytest.approx(800 / rate * 1e6)
    assert ops["first_us"].equals(ops["avg_us"]) and (ops["times_called"] == 1).all()
    # start_ms: cumulative within the invoke
    assert ops["start_ms"].iloc[2] == pytest.approx((ops["avg_us"].iloc[0] + ops["avg_us"].iloc[1]) / 1e3)
    assert ops["pct"].sum() == pytest.approx(100.0) and ops["mem_kb"].isna().all()


def test_corstone_readme_log_per_tag_totals_equal_the_event_sums():
    log = load_profile(CORSTONE)
    assert list(log.ops["op_type"]) == PERSON_DETECT_OPS
    s = log.summary
    assert s["non_op_events"] == 1 and s["invokes"] == 1
    # tightest bounds: DEPTHWISE_CONV_2D 224622 ticks (8 ms) from below, 175917 ticks (7 ms) from above
    assert s["ticks_per_second_lo"] == pytest.approx(224622e3 / 9, rel=2e-6)
    assert s["ticks_per_second_hi"] == pytest.approx(175917e3 / 7, rel=2e-6)
    assert (s["ticks_per_second_hi"] - s["ticks_per_second_lo"]) / s["ticks_per_second"] < 0.01
    lines = CORSTONE.read_text().splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith('"Unique Tag"'))
    per_tag = parse_micro_lines(lines[start:start + 7], "per-tag", ticks_per_second=s["ticks_per_second"])
    assert per_tag.ops.empty and per_tag.by_type["count"].isna().all()
    by_events = log.by_type.set_index("op_type")["avg_us"]
    by_table = per_tag.by_type.set_index("op_type")["avg_us"]
    assert list(by_table.index) == ["DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "SOFTMAX"]
    pd.testing.assert_series_equal(by_events.loc[by_table.index], by_table, check_exact=False, rtol=1e-12)
    assert log.by_type.set_index("op_type")["count"].to_dict() == {"DEPTHWISE_CONV_2D": 14, "CONV_2D": 14,
                                                                  "AVERAGE_POOL_2D": 1, "RESHAPE": 1, "SOFTMAX": 1}


def test_per_tag_only_log_imports_but_cannot_be_crosschecked(tmp_path, capsys):
    lines = CORSTONE.read_text().splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith('"Unique Tag"'))
    p = tmp_path / "tags.log"
    p.write_text("\n".join(lines[start:start + 7]) + "\n")
    assert main(["import-log", str(p)]) == 2  # LogTicksPerTagCsv has no (ms): the rate must be given
    assert "--ticks-per-second" in capsys.readouterr().err
    assert main(["import-log", str(p), "--ticks-per-second", "25e6"]) == 0
    out = capsys.readouterr().out
    assert "LogTicksPerTagCsv" in out and "DEPTHWISE_CONV_2D" in out
    assert main(["crosscheck", "mlperf-vww", "--hw", "stm32l4r5", "--log", str(p), "--ticks-per-second", "1e6"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "per-operator events" in err and str(p) in err


def test_zero_tick_log_cannot_give_a_rate():
    with pytest.raises(SimError, match="no event of 1 ms or more") as err:
        load_profile(EDGETPU)
    assert str(EDGETPU) in str(err.value)
    log = load_profile(EDGETPU, ticks_per_second=1e6)
    assert list(log.ops["op_type"]) == ["CUSTOM:edgetpu-custom-op", "DEQUANTIZE", "DEQUANTIZE"]  # as the importer
    assert (log.ops["avg_us"] == 0).all() and log.ops["pct"].isna().all()


def test_cfu_playground_logcsv_three_invokes_averaged():
    with pytest.raises(SimError, match="without \\(ms\\) annotations"):
        load_profile(CFU)
    log = load_profile(CFU, ticks_per_second=1e6)
    assert log.summary["invokes"] == 3 and list(log.ops["op_type"]) == PERSON_DETECT_OPS
    assert log.ops["first_us"].iloc[0] == 8701.0  # the first invoke, at 1 tick = 1 us here
    assert log.ops["avg_us"].iloc[0] == pytest.approx((8701 + 8687 + 8686) / 3)
    assert log.ops["avg_us"].iloc[29] == pytest.approx((1 + 2 + 2) / 3)  # RESHAPE


# --- forms printed by micro_profiler.cc and its predecessors, generated from their format strings
# (no public log in these forms was found)

def log_line(tag: str, ticks: int, ms: int) -> str:
    return f"{tag} took {ticks} ticks ({ms} ms)."  # MicroPrintf("%s took %" PRIu32 " ticks (%d ms).", ...)


def test_logcsv_with_ms_column_infers_the_rate():
    rate = 48e6
    ticks = [7_200_300, 4_850_000, 9_601_000]  # 150, 101, 200 ms: bounds under 1% wide
    lines = ['"Event","Tag","Ticks","ms"'] + [f"{i},{t},{k},{int(1000 * k / rate)}"  # "%d,%s,%d,%d"
                                              for i, (t, k) in enumerate(zip(["CONV_2D", "ADD", "CONV_2D"], ticks))]
    log = parse_micro_lines(lines, "csv4")
    lo, hi = rate_interval([(k, int(1000 * k / rate)) for k in ticks])
    assert log.summary["ticks_per_second"] == pytest.approx((lo + hi) / 2) and lo <= rate <= hi
    assert list(log.ops["op_type"]) == ["CONV_2D", "ADD", "CONV_2D"]


def test_old_per_tag_header_cycles_lines_and_us_lines():
    old = ['"Unique Ops in the Graph","Total Ticks (all instances of the Op)"', "CONV_2D,300", "SOFTMAX,20",
           "total,320"]  # "%s,%d" rows and "total,%d"
    log = parse_micro_lines(old, "old-tags", ticks_per_second=1e6)
    assert log.by_type["avg_us"].tolist() == [300.0, 20.0]
    cycles = parse_micro_lines(["CONV_2D took 5000 cycles", "SOFTMAX took 100 cycles"], "tf24",
                               ticks_per_second=100e6)  # TF 2.4: "%s took %d cycles\n"
    assert cycles.ops["avg_us"].tolist() == [50.0, 1.0]
    us = parse_micro_lines(["INFO: CONV_2D took 812 us", "INFO: SOFTMAX took 9.5 us"], "wrapper")
    assert us.ops["avg_us"].tolist() == [812.0, 9.5] and "us" in us.source


def test_invokes_split_where_the_sequence_repeats():
    one = [("CONV_2D", 90_000), ("DEPTHWISE_CONV_2D", 40_000), ("FULLY_CONNECTED", 3_000), ("SOFTMAX", 200)]
    jitter = [0, 37, -12]
    lines = [log_line(t, k + j, int(k / 1000)) for j in jitter for t, k in one]  # no separator between invokes
    log = parse_micro_lines(lines, "loop", ticks_per_second=1e6)
    assert log.summary["invokes"] == 3 and len(log.ops) == 4
    assert log.ops["avg_us"].iloc[0] == pytest.approx(90_000 + np.mean(jitter))
    assert log.ops["first_us"].iloc[0] == 90_000
    # an autoencoder's ten FULLY_CONNECTED layers differ in time: one invoke, not ten
    fc = [640 * 128, 128 * 128, 128 * 128, 128 * 128, 128 * 8, 8 * 128, 128 * 128, 128 * 128, 128 * 128, 128 * 640]
    assert invoke_length(["FULLY_CONNECTED"] * 10, [float(x) for x in fc]) == 10
    # a block with another op sequence (a truncated invoke) is left out and counted
    lines2 = lines + [""] + [log_line("CONV_2D", 90_000, 90)]
    log2 = parse_micro_lines(lines2, "trunc", ticks_per_second=1e6)
    assert (log2.summary["invokes"], log2.summary["dropped_blocks"]) == (3, 1)


def test_rate_interval_math():
    lo, hi = rate_interval([(249_560, 9), (20_053, 0)])
    assert lo == pytest.approx(249_560e3 / 10, rel=2e-6) and hi == pytest.approx(249_560e3 / 9, rel=2e-6)
    with pytest.raises(SimError, match=r"between .* ticks/s \(.*% wide, over 1%\)"):
        parse_micro_lines([log_line("CONV_2D", 249_560, 9)], "wide.log")
    with pytest.raises(SimError, match="none that fits them all"):
        parse_micro_lines([log_line("CONV_2D", 1000, 1), log_line("ADD", 1000, 5)], "bad.log")


# --- bad input: one line naming the file and line

@pytest.mark.parametrize("text, where, what", [
    ("CONV_2D took 12a ticks (0 ms).\n", "line 1", "whole number of ticks"),
    ("x\nCONV_2D took 12 ticks (zero ms).\n", "line 2", "whole milliseconds"),
    ('"Event","Tag","Ticks"\n0,CONV_2D,1234\n1,SOFTMAX,12x\n', "line 3", "whole number of ticks"),
    ('"Event","Tag","Ticks"\n0,CONV_2D\n', "line 2", "LogCsv row"),
    ('"Event","Tag","Ticks"\n0,CONV_2D,10\n\nCONV_2D took 10 ticks (0 ms).\n', "line 2", "one per-event form"),
    ("=== Run Order ===\n\t[node type]\t[avg ms]\t[Name]\nCONV_2D took 10 ticks (0 ms).\n", "line 3",
     "one profile format"),
    ("", "line 1", "benchmark_model op profile"),
    ("\nKeywordRunNIerations(1) took 34253 ticks (34 ms)\n", "line 2", "operator events"),
    ("hello\nworld\n", "line 1", "MicroProfiler output"),
])
def test_bad_logs_give_one_line_naming_file_and_line(tmp_path, capsys, text, where, what):
    p = tmp_path / "uart.log"
    p.write_text(text)
    with pytest.raises(SimError) as err:
        load_profile(p, ticks_per_second=1e6)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{p}: {where}: expected") and what in msg
    assert main(["import-log", str(p), "--ticks-per-second", "1e6"]) == 2
    out = capsys.readouterr().err.strip()
    assert "\n" not in out and str(p) in out


@pytest.mark.parametrize("argv", [["import-log", str(KEYWORD), "--ticks-per-second", "-5"],
                                  ["crosscheck", "mlperf-kws", "--hw", "stm32l4r5", "--log", str(KEYWORD),
                                   "--ticks-per-second", "fast"]])
def test_bad_ticks_per_second_option(capsys, argv):
    with pytest.raises(SystemExit) as exc:  # argparse's own exit, one line through sim.cli._Parser
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "expected a positive number of ticks per second" in err


# --- round trip through crosscheck

def ticks_to_ms(ticks: int, rate: float) -> int:
    """TicksToMs of micro_time.h: float32 1000 * ticks / rate, truncated."""
    return int(np.float32(1000.0) * np.float32(ticks) / np.float32(rate))


def test_round_trip_simulated_kws_log(tmp_path, capsys):
    """Proves the plumbing, not the model: a MicroProfiler Log() written from edgesim's own
    per-layer cycles (ticks = core cycles at the spec's 120 MHz) must align op for op with zero error."""
    model = real_model("kws")
    res = simulate(model, "stm32l4r5")
    rate = res.hardware.clock_hz
    assert rate == 120e6
    cycles = [int(c) for c in res.layers["latency_cycles"]]
    lines = ["InitializeBenchmarkRunner took 192 ticks (0 ms)."]
    lines += [log_line(str(t), c, ticks_to_ms(c, rate)) for t, c in zip(res.layers["op_type"], cycles)]
    p = tmp_path / "uart.log"
    p.write_text("\n".join(lines) + "\n")
    cc = crosscheck(model, "stm32l4r5", p, ticks_per_second="clock")
    g, s = cc.groups, cc.scores
    assert len(g) == len(res.layers) and s.unmatched_log_nodes == 0 and s.unmatched_sim_ops == 0
    assert list(g["sim_ops"]) == [str(i) for i in range(len(res.layers))]
    assert s.total_ape_pct == pytest.approx(0.0, abs=1e-9) and s.mape_pct == pytest.approx(0.0, abs=1e-9)
    assert "clock_hz" in cc.log.source and cc.log.summary["non_op_events"] == 1
    # without a rate: the (ms) annotations decide, computed here from the same pairs
    lo = max(1000 * c / (ticks_to_ms(c, rate) + 1) for c in cycles)
    hi = min(1000 * c / ticks_to_ms(c, rate) for c in cycles if ticks_to_ms(c, rate) >= 1)
    assert lo <= rate <= hi
    if (hi - lo) / ((hi + lo) / 2) > 0.01:
        with pytest.raises(SimError, match="--ticks-per-second"):
            crosscheck(model, "stm32l4r5", p)
    else:
        inferred = crosscheck(model, "stm32l4r5", p).log.summary["ticks_per_second"]
        assert abs(inferred - rate) / rate < 0.01
    assert main(["crosscheck", str(model), "--hw", "stm32l4r5", "--log", str(p), "--ticks-per-second", "clock",
                 "--out", str(tmp_path / "cc")]) == 0
    out = capsys.readouterr().out
    assert "error 0.0%" in out and "TFLM MicroProfiler" in out
    assert math.isclose(pd.read_csv(tmp_path / "cc" / "crosscheck_summary.csv")["total_ape_pct"].iloc[0], 0.0,
                        abs_tol=1e-9)


def test_calibrate_fits_from_a_micro_profiler_log(tmp_path, capsys):
    """calibrate takes MicroProfiler logs like any profile: a log whose CONV_2D events are twice
    the simulated cycles fits CONV_2D op_scale 2 (the fit is measured / predicted time per type)."""
    model = real_model("kws")
    res = simulate(model, "stm32l4r5")
    lines = [log_line(str(t), int(c) * (2 if t == "CONV_2D" else 1), 0)
             for t, c in zip(res.layers["op_type"], res.layers["latency_cycles"])]
    p = tmp_path / "uart.log"
    p.write_text("\n".join(lines) + "\n")
    assert main(["calibrate", "--hw", "stm32l4r5", "--fit", f"{model}={p}", "--ticks-per-second", "clock"]) == 0
    out = capsys.readouterr().out
    assert "CONV_2D 2.00" in out
