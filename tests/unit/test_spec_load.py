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


def _rate(burst_bytes: int, wait_states: int, bus_bytes: int) -> float:
    """Bytes per cycle of an array giving one burst per (ws + 1) cycles behind a bus_bytes bus."""
    return min(burst_bytes / (wait_states + 1), bus_bytes)


def test_flash_latency_and_bandwidth_follow_the_clock() -> None:
    """L4R5 flash (file: 5 WS, latency 6, 1.33 B/cycle, 8-byte words, Cortex-M4 32-bit AHB):
    at 48 MHz the table gives 2 WS, so latency 3 and the bandwidth of a word per 3 cycles."""
    own = load_hardware("stm32l4r5").offchip
    at48 = load_hardware("stm32l4r5", ["clock_hz=48e6"]).offchip
    assert (at48.wait_states, at48.read_latency_cycles) == (2, 3)
    assert at48.bandwidth_bytes_per_cycle == pytest.approx(own.bandwidth_bytes_per_cycle
                                                           * _rate(8, 2, 4) / _rate(8, 5, 4))
    assert at48.bandwidth_bytes_per_cycle == pytest.approx(1.33 * 2)
    at16 = load_hardware("stm32l4r5", ["clock_hz=16e6"]).offchip
    assert (at16.wait_states, at16.read_latency_cycles) == (0, 1)
    assert at16.bandwidth_bytes_per_cycle == pytest.approx(1.33 * 4 / (8 / 6))  # bus-capped at 0 WS


def test_bus_capped_flash_scales_in_proportion() -> None:
    """H7A3 flash (file: 6 WS, 4.0 B/cycle, below 32 B / 7 cycles; Cortex-M7 64-bit AXI): at
    100 MHz (2 WS) the array could give 32/3 B/cycle, the bus takes 8, and the file's value
    scales by 8 / (32/7)."""
    at100 = load_hardware("stm32h7a3", ["clock_hz=100e6"]).offchip
    assert (at100.wait_states, at100.read_latency_cycles) == (2, 3)
    assert at100.bandwidth_bytes_per_cycle == pytest.approx(4.0 * 8 / (32 / 7))
    at200 = load_hardware("stm32h7a3", ["clock_hz=200e6"]).offchip
    assert at200.wait_states == 4
    assert at200.bandwidth_bytes_per_cycle == pytest.approx(4.0 * (32 / 5) / (32 / 7))


def test_explicit_latency_and_bandwidth_win_over_the_clock() -> None:
    hw = load_hardware("stm32l4r5", ["clock_hz=48e6", "memories.flash.read_latency_cycles=9",
                                     "memories.flash.bandwidth_bytes_per_cycle=1.5"])
    assert (hw.offchip.wait_states, hw.offchip.read_latency_cycles, hw.offchip.bandwidth_bytes_per_cycle) == (2, 9, 1.5)
    only_latency = load_hardware("stm32l4r5", ["clock_hz=48e6", "memories.flash.read_latency_cycles=9"]).offchip
    assert only_latency.read_latency_cycles == 9
    assert only_latency.bandwidth_bytes_per_cycle == pytest.approx(1.33 * 2)


def test_set_wait_states_carries_latency_and_bandwidth() -> None:
    """`--set memories.flash.wait_states=N` says "N wait states": latency and bandwidth follow N
    from the file's 5, at any clock, unless set too."""
    hw = load_hardware("stm32l4r5", ["memories.flash.wait_states=2"]).offchip
    assert (hw.wait_states, hw.read_latency_cycles) == (2, 3)
    assert hw.bandwidth_bytes_per_cycle == pytest.approx(1.33 * 2)
    same = load_hardware("stm32l4r5", ["clock_hz=70e6", "memories.flash.wait_states=5"]).offchip
    assert (same.read_latency_cycles, same.bandwidth_bytes_per_cycle) == (6, 1.33)
    kept = load_hardware("stm32l4r5", ["memories.flash.wait_states=2", "memories.flash.read_latency_cycles=6"])
    assert kept.offchip.read_latency_cycles == 6


@pytest.mark.parametrize("name", ["stm32l4r5", "stm32h7a3", "stm32u575", "stm32f746"])
def test_the_files_own_clock_changes_nothing(name: str) -> None:
    own = load_hardware(name)
    assert load_hardware(name, [f"clock_hz={own.clock_hz}"]) == own
    assert load_hardware(name, [f"memories.flash.wait_states={own.offchip.wait_states}"]) == own


def test_a_clock_round_trip_through_a_loaded_part_restores_it() -> None:
    """Loading the 48 MHz part back at 120 MHz undoes the rescale (ratios of r compose)."""
    own = load_hardware("stm32l4r5")
    back = load_hardware(load_hardware("stm32l4r5", ["clock_hz=48e6"]), ["clock_hz=120e6"])
    assert back.offchip.read_latency_cycles == own.offchip.read_latency_cycles
    assert back.offchip.bandwidth_bytes_per_cycle == pytest.approx(own.offchip.bandwidth_bytes_per_cycle)


def test_bus_width_comes_from_the_core_reading_the_memory(tmp_path: Path) -> None:
    """A systolic part's flash is read at its host cpu's bus; with no cpu, at 4 bytes. 16-byte
    words at 3 WS give 4 B/cycle; at 0 WS 16, which a 64-bit bus takes as 8 and a 32-bit one as 4."""
    flash = ("  flash: {kind: flash, size_bytes: 1048576, bandwidth_bytes_per_cycle: 2.0, read_latency_cycles: 4,\n"
             "          burst_bytes: 16, wait_states: 3,\n"
             "          wait_state_steps: [{up_to_mhz: 50, wait_states: 0}, {up_to_mhz: 200, wait_states: 3}]}\n"
             "  sram: {kind: sram, size_bytes: 65536, bandwidth_bytes_per_cycle: 4.0}\n")
    head = "name: x\nclock_hz: 200e6\ncompute: {type: systolic, rows: 8, cols: 8}\n"
    with_m7 = tmp_path / "m7.yaml"
    with_m7.write_text(head + "cpu: {core: cortex-m7}\nmemories:\n" + flash)
    bare = tmp_path / "bare.yaml"
    bare.write_text(head + "memories:\n" + flash)
    assert load_hardware(with_m7, ["clock_hz=40e6"]).offchip.bandwidth_bytes_per_cycle == pytest.approx(2.0 * 8 / 4)
    assert load_hardware(bare, ["clock_hz=40e6"]).offchip.bandwidth_bytes_per_cycle == pytest.approx(2.0 * 4 / 4)
    assert load_hardware(bare, ["clock_hz=40e6"]).offchip.read_latency_cycles == 1
