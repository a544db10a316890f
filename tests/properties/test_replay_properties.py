from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.api import simulate
from sim.replay import load_scenario, replay
from tests.conftest import tiny_cnn, tiny_systolic

BUSY = load_scenario("busy-bus")
GRAPH = tiny_cnn()


def _batch_end(dram_bw: float, seed: int) -> float:
    res = simulate(GRAPH, tiny_systolic(dram_bw=dram_bw))
    return float(replay(res.costs, res.hardware, BUSY, runs=30, seed=seed).end_cycles[-1])


@settings(max_examples=15, deadline=None)
@given(st.floats(0.25, 8.0), st.floats(1.0, 4.0), st.integers(0, 2**16))
def test_more_bandwidth_never_raises_latency(bw: float, factor: float, seed: int) -> None:
    """Same seed, same arrivals; more bandwidth shortens every transfer and burst, so the
    back-to-back batch never finishes later (sample-path monotone for a lowest-priority,
    preempt-resume server)."""
    assert _batch_end(bw * factor, seed) <= _batch_end(bw, seed) * (1 + 1e-12)
