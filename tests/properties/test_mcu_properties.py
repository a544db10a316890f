"""Properties of the MCU model across clocks (hypothesis): a part's datasheet wait-state table
and run current per MHz make cycles, core current, and each tabled memory's latency and
bandwidth follow the clock monotonically."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.api import simulate
from sim.spec.load import bundled_names, load_hardware

TABLED = tuple(n for n in bundled_names() if any(m.wait_state_steps for m in load_hardware(n).memories))


@st.composite
def two_clocks(draw: st.DrawFn) -> tuple[str, float, float]:
    """A tabled part and two clocks within its table, slower first."""
    part = draw(st.sampled_from(TABLED))
    top_mhz = min(m.wait_state_steps[-1].up_to_mhz for m in load_hardware(part).memories if m.wait_state_steps)
    a, b = sorted(draw(st.lists(st.floats(4.0, top_mhz), min_size=2, max_size=2)))
    return part, a * 1e6, b * 1e6


@settings(max_examples=12)
@given(two_clocks(), st.sampled_from(["mlperf-kws", "mlperf-ad"]))
def test_a_slower_clock_never_needs_more_cycles(clocks: tuple[str, float, float], model: str) -> None:
    """Fewer or equal flash wait states at the lower clock: cycles per inference never rise,
    and the core's run current scales with the clock."""
    part, slow, fast = clocks
    lo = simulate(model, part, overrides=[f"clock_hz={slow}"])
    hi = simulate(model, part, overrides=[f"clock_hz={fast}"])
    assert lo.summary["latency_cycles"].iloc[0] <= hi.summary["latency_cycles"].iloc[0]
    assert lo.hardware.offchip.wait_states <= hi.hardware.offchip.wait_states
    assert lo.hardware.run_current_ma * fast == pytest.approx(hi.hardware.run_current_ma * slow)


def test_every_bundled_flash_with_a_table_is_drawn() -> None:
    assert {"stm32l4r5", "stm32h7a3", "stm32u575", "stm32f746"} <= set(TABLED)


@settings(max_examples=40)
@given(two_clocks())
def test_a_slower_clock_never_slows_a_tabled_memory(clocks: tuple[str, float, float]) -> None:
    """At the lower clock every tabled memory has no more wait states, so its read latency
    never rises and its bandwidth per cycle never falls."""
    part, slow, fast = clocks
    lo = load_hardware(part, [f"clock_hz={slow}"])
    hi = load_hardware(part, [f"clock_hz={fast}"])
    for a, b in zip(lo.memories, hi.memories):
        if not a.wait_state_steps:
            assert a == b
            continue
        assert a.wait_states <= b.wait_states
        assert a.read_latency_cycles <= b.read_latency_cycles
        assert a.bandwidth_bytes_per_cycle >= b.bandwidth_bytes_per_cycle
