"""Does the model fit the part: where the arena and the weights live, and what each level holds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.api import simulate
from sim.errors import SpecError
from sim.mapping.placement import placement
from sim.spec.load import load_hardware
from sim.sweep import SweepPlan, evaluate_chunk, run_sweep
from sim.units import bytes_text
from tests.conftest import real_model


def _summary(model: str, hw: str, *sets: str) -> pd.Series:
    return simulate(model, hw, overrides=list(sets)).summary.iloc[0]


def test_an_mcu_arena_with_its_tail_must_fit_sram_and_the_weights_flash() -> None:
    ok = _summary("mlperf-vww", "stm32l4r5")
    need = ok["arena_bytes"] + ok["persistent_bytes"]
    assert ok["fits_memory"] and f"sram {need / 1024:.1f} of 640.0 KiB (arena + tail)" in ok["memory_use"]
    short = _summary("mlperf-vww", "stm32l4r5", f"memories.sram.size_bytes={need - 16}")
    assert not short["fits_memory"] and "sram needs" in short["memory_use"]
    assert short["latency_cycles"] == ok["latency_cycles"]   # priced all the same: the verdict is apart
    small_flash = _summary("mlperf-ad", "stm32l4r5", f"memories.flash.size_bytes={131072}")
    assert not small_flash["fits_memory"] and "flash needs" in small_flash["memory_use"]


def test_the_arena_goes_to_tcm_only_when_tcm_holds_head_and_tail() -> None:
    kws = _summary("mlperf-kws", "stm32f746")
    need = int(kws["arena_bytes"] + kws["persistent_bytes"])
    assert "dtcm" in kws["memory_use"] and kws["fits_memory"]
    spilled = _summary("mlperf-kws", "stm32f746", f"memories.dtcm.size_bytes={need - 16}")
    assert "dtcm" not in spilled["memory_use"] and "sram" in spilled["memory_use"] and spilled["fits_memory"]


def test_what_the_application_reserves_is_not_the_models() -> None:
    """Stack, heap and code take a level's `reserved_bytes`: the arena must fit the rest, and a
    DTCM the application fills no longer takes the arena."""
    ok = _summary("mlperf-vww", "stm32l4r5")
    need = int(ok["arena_bytes"] + ok["persistent_bytes"])
    tight = _summary("mlperf-vww", "stm32l4r5", f"memories.sram.reserved_bytes={655360 - need}")
    assert tight["fits_memory"] and "KiB reserved" in tight["memory_use"]
    over = _summary("mlperf-vww", "stm32l4r5", f"memories.sram.reserved_bytes={655360 - need + 1}")
    assert not over["fits_memory"] and "sram needs" in over["memory_use"]
    kws = _summary("mlperf-kws", "stm32f746")
    full_dtcm = _summary("mlperf-kws", "stm32f746", "memories.dtcm.reserved_bytes=60000")
    assert "dtcm" in kws["memory_use"] and "dtcm" not in full_dtcm["memory_use"] and full_dtcm["fits_memory"]


def test_a_reservation_larger_than_the_level_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="reserved_bytes: expected at most size_bytes"):
        load_hardware("stm32l4r5", ["memories.sram.reserved_bytes=700000"])


def test_without_flash_the_weights_share_the_arena_level() -> None:
    hw = load_hardware("stm32l4r5")
    no_flash = load_hardware(hw, {"memories": {"sram": {"kind": "sram", "size_bytes": 655360,
                                                        "bandwidth_bytes_per_cycle": 4.0}}})
    (use,) = placement(no_flash, arena_bytes=1000, persistent_bytes=200, weight_bytes=5000)
    assert (use.memory, use.what, use.need_bytes) == ("sram", "arena + tail + weights", 6200)


def test_an_npu_counts_its_arena_where_the_spec_keeps_graph_io_and_no_tail() -> None:
    u55 = _summary("mlperf-vww", "ethos-u55-128")
    assert f"sram {u55['arena_bytes'] / 1024:.1f} KiB of" in u55["memory_use"] and "tail" not in u55["memory_use"]
    generic = _summary("mlperf-vww", "systolic-32x32")
    assert generic["memory_use"].startswith("dram ") and "(arena + weights)" in generic["memory_use"]


@settings(max_examples=25, deadline=None)
@given(arena=st.integers(0, 1 << 20), tail=st.integers(0, 1 << 16), weights=st.integers(0, 1 << 21),
       sram=st.integers(1 << 14, 1 << 21), grow=st.integers(0, 1 << 20))
def test_more_memory_never_turns_a_fit_into_a_misfit(arena: int, tail: int, weights: int, sram: int,
                                                      grow: int) -> None:
    hw = load_hardware("stm32f746")
    sizes = {m.name: m.size_bytes for m in hw.memories}
    before = placement(hw, arena_bytes=arena, persistent_bytes=tail, weight_bytes=weights,
                       sizes={**sizes, "sram": sram})
    after = placement(hw, arena_bytes=arena, persistent_bytes=tail, weight_bytes=weights,
                      sizes={**sizes, "sram": sram + grow})
    assert all(u.fits for u in after) or not all(u.fits for u in before)


def test_batch_sweep_rows_carry_each_points_own_fit(tmp_path: Path) -> None:
    """The Numba batch path prices the points; the fit verdict still follows each point's SRAM,
    equal to pricing the point alone, and the front leaves out the points that cannot hold it."""
    plan = SweepPlan(hw="ethos-u55-128", vary=[("memories.sram.size_bytes", ["32768", "131072"])],
                     models=["mlperf-vww"])
    rows = evaluate_chunk(plan, "mlperf-vww", [0, 1])
    for _, row in rows.iterrows():
        alone = _summary("mlperf-vww", "ethos-u55-128", f"memories.sram.size_bytes={row['memories.sram.size_bytes']}")
        assert (row["fits_memory"], row["memory_use"]) == (alone["fits_memory"], alone["memory_use"])
    assert list(rows["fits_memory"]) == [False, True]
    info = run_sweep(plan, tmp_path, ["latency_ms"], progress=False, workers=1)
    front = pd.read_csv(tmp_path / "pareto.csv")
    assert info["unfit"] == 1 and front["fits_memory"].all() and len(front) == 1


def test_an_npu_with_encoded_weights_needs_the_encoded_stream_in_flash(tmp_path: Path, caplog) -> None:
    """Vela stores the Ethos-U weight stream (encoded weights with their scales and biases) in
    flash, not the .tflite tensors: the fit counts what the traffic line streams."""
    model = real_model("vww")
    enc = _summary(str(model), "ethos-u55-128")
    raw = _summary(str(model), "ethos-u55-128", "compute.weight_encoding=none")
    stream = simulate(model, "ethos-u55-128").layers["weight_stream_bytes"].fillna(0).sum()
    assert enc["weight_storage_bytes"] == int(stream) < enc["weight_bytes"] == raw["weight_bytes"]
    assert f"flash {enc['weight_storage_bytes'] / 1024:.1f} KiB of" in enc["memory_use"]
    assert "weight_storage_bytes" not in raw.index and f"flash {raw['weight_bytes'] / 1024:.1f} KiB of" in raw["memory_use"]
    # a flash that holds the stream but not the tensors: fits as encoded, not as stored int8
    size = f"memories.flash.size_bytes={(enc['weight_storage_bytes'] + raw['weight_bytes']) // 2}"
    assert _summary(str(model), "ethos-u55-128", size)["fits_memory"]
    assert not _summary(str(model), "ethos-u55-128", size, "compute.weight_encoding=none")["fits_memory"]
    # the batch sweep takes the stored size from its first point and keeps the batch path
    plan = SweepPlan(hw="ethos-u55-128", vary=[("compute.rows", ["64", "128"])], models=[str(model)])
    with caplog.at_level("WARNING"):
        rows = evaluate_chunk(plan, str(model), [0, 1])
    assert "point by point" not in caplog.text
    assert (rows["weight_storage_bytes"] == enc["weight_storage_bytes"]).all()


def test_sizes_are_printed_in_the_unit_that_shows_them() -> None:
    """A 6 GiB DRAM in KiB (6291456.0) hides the figure; each size takes its own unit."""
    assert bytes_text(100.5 * 1024, 640 * 1024) == "100.5 of 640.0 KiB"
    assert bytes_text(213.9 * 1024, 2 * 1024**2) == "213.9 KiB of 2 MiB"
    assert bytes_text(1920 * 1024) == "1.88 MiB"
    assert bytes_text(6 * 1024**3) == "6 GiB"
    assert bytes_text(3 * 1024**4) == "3072 GiB"
    dram = _summary("mlperf-vww", "imx8mp-npu")["memory_use"]
    assert "KiB of 6 GiB (arena + weights)" in dram
