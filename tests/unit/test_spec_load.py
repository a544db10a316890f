from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import SpecError
from sim.spec.load import bundled_names, dump_yaml, load_hardware
from sim.spec.model import SystolicArray, VectorUnit

BAD = Path(__file__).resolve().parents[1] / "specs" / "bad"


def _expected(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: ")
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_spec_gives_one_line_naming_file_and_field(path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_hardware(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert path.name in msg
    assert _expected(path) in msg


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_spec_loads_and_round_trips(name: str, tmp_path: Path) -> None:
    hw = load_hardware(name)
    assert isinstance(hw.compute, (VectorUnit, SystolicArray))
    assert hw.memories and hw.scratchpad.size_bytes > 0
    again = tmp_path / "again.yaml"
    again.write_text(dump_yaml(hw))
    assert load_hardware(again) == hw


def test_set_overrides_are_validated_and_applied() -> None:
    hw = load_hardware("systolic-32x32", ["clock_hz=80e6", "memories.sram.size_bytes=262144", "compute.rows=8"])
    assert hw.clock_hz == 80e6
    assert hw.memory("sram").size_bytes == 262144
    assert hw.compute.rows == 8


@pytest.mark.parametrize("item, fragment", [
    ("memories.sram.size_byte=1", "--set: memories.sram.size_byte: expected a field among"),
    ("memories.l2.size_bytes=1", "expected a memory named one of: dram, sram"),
    ("clock_hz=-5", "clock_hz: expected a positive number, got -5"),
    ("compute.rows=0", "compute.rows: expected a positive integer, got 0"),
    ("clock_hz", "expected PATH=VALUE"),
])
def test_bad_override_is_one_line(item: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        load_hardware("systolic-32x32", [item])
    assert fragment in str(info.value)


def test_unknown_bundled_name_lists_the_bundled_ones() -> None:
    with pytest.raises(SpecError) as info:
        load_hardware("no-such-part")
    assert "stm32h7a3" in str(info.value) and "no-such-part" in str(info.value)


def test_missing_file() -> None:
    with pytest.raises(SpecError, match="no such file"):
        load_hardware("does/not/exist.yaml")


def test_override_through_a_value_that_is_not_a_mapping_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "listed.yaml"
    spec.write_text("name: x\nclock_hz: 1e8\ncompute: [1]\nmemories: {sram: {kind: sram, size_bytes: 1024}}\n")
    with pytest.raises(SpecError, match="listed.yaml: compute: expected a mapping to set compute.macs_per_cycle.int8"):
        load_hardware(str(spec), ["compute.macs_per_cycle.int8=4"])


def test_wait_states_follow_a_clock_override() -> None:
    """The L4R5's table (one more wait state every 20 MHz) is read at the overridden clock."""
    assert load_hardware("stm32l4r5").offchip.wait_states == 5
    assert [load_hardware("stm32l4r5", [f"clock_hz={mhz}e6"]).offchip.wait_states
            for mhz in (20, 21, 60, 70, 120)] == [0, 1, 2, 3, 5]


def test_explicit_wait_states_win_over_the_table() -> None:
    hw = load_hardware("stm32l4r5", ["clock_hz=70e6", "memories.flash.wait_states=5"])
    assert hw.offchip.wait_states == 5


def test_overclocking_past_the_table_is_one_line() -> None:
    with pytest.raises(SpecError, match=r"^--set: clock_hz: expected at most 1\.2e\+08"):
        load_hardware("stm32l4r5", ["clock_hz=200e6"])


def test_run_current_follows_a_clock_override() -> None:
    assert load_hardware("stm32u575").run_current_ma == pytest.approx(31.0 * 160 / 1000)
    assert load_hardware("stm32u575", ["clock_hz=60e6"]).run_current_ma == pytest.approx(31.0 * 60 / 1000)
    assert load_hardware("stm32u575", ["clock_hz=60e6", "run_current_ma=9"]).run_current_ma == 9


def test_a_slower_clock_needs_fewer_cycles() -> None:
    """The H7A3 at 40 MHz has no flash wait states (6 at 280 MHz), so it stalls less."""
    from sim.api import simulate
    fast = simulate("mlperf-kws", "stm32h7a3").summary.iloc[0]
    slow = simulate("mlperf-kws", "stm32h7a3", overrides=["clock_hz=40e6"]).summary.iloc[0]
    assert slow["latency_cycles"] < fast["latency_cycles"]
    assert slow["stall_cycles"] < fast["stall_cycles"]
