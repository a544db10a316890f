from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.replay import kernels, reference

times = st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=0, max_size=40)
work = st.floats(0.0, 500.0, allow_nan=False)


@st.composite
def arrivals(draw):  # noqa: ANN001, ANN201
    t = sorted(draw(times))
    w = draw(st.lists(work, min_size=len(t), max_size=len(t)))
    return t, w


@given(arrivals())
def test_busy_periods_matches_reference(aw: tuple[list[float], list[float]]) -> None:
    t, w = aw
    starts, ends = kernels.busy_periods(np.asarray(t, dtype=float), np.asarray(w, dtype=float))
    ref_s, ref_e = reference.busy_periods(t, w)
    assert starts.tolist() == ref_s and ends.tolist() == ref_e
    assert np.all(starts[1:] > ends[:-1])  # disjoint and sorted
    assert np.isclose(float(np.sum(ends - starts)), float(np.sum(w)))  # work is conserved


@given(arrivals(), st.floats(0.0, 2e4, allow_nan=False), work)
def test_serve_in_gaps_matches_reference(aw: tuple[list[float], list[float]], t0: float, need: float) -> None:
    s, e = reference.busy_periods(*aw)
    end, _ = kernels.serve_in_gaps(t0, need, np.asarray(s, dtype=float), np.asarray(e, dtype=float), 0)
    assert end == reference.serve_in_gaps(t0, need, s, e)
    busy = sum(max(0.0, min(b, end) - max(a, t0)) for a, b in zip(s, e))
    assert np.isclose(end - t0 - busy, need, atol=1e-6)  # exactly `need` free cycles were used


@given(st.floats(0, 150), st.floats(0, 500), st.floats(0, 2), st.floats(-20, 60), st.floats(1, 100),
       st.floats(1e-4, 1.0))
def test_heat_matches_reference(temp: float, power: float, dt: float, amb: float, r: float, c: float) -> None:
    assert kernels.heat(temp, power, dt, amb, r, c) == reference.heat(temp, power, dt, amb, r, c)


@given(st.floats(0, 120), st.integers(0, 3), st.lists(st.floats(40, 110), min_size=0, max_size=3),
       st.floats(0, 5))
def test_throttle_level_matches_reference(temp: float, level: int, th: list[float], hyst: float) -> None:
    th = sorted(th)
    level = min(level, len(th))
    got = kernels.throttle_level(temp, level, np.asarray(th, dtype=float), hyst)
    assert got == reference.throttle_level(temp, level, th, hyst)
    assert all(temp >= x - hyst for x in th[:got])


@pytest.mark.parametrize("double", [True, False])
def test_replay_runs_matches_reference(tmp_path, double: bool) -> None:  # noqa: ANN001
    """The compiled loop and its plain twin do the same float operations: equal to the bit."""
    import dataclasses

    from sim.api import simulate
    from sim.replay.disturb import draw
    from sim.replay.events import run_params, slot_matrix, step_matrix
    from sim.replay.plan import plan_replay
    from tests.conftest import tiny_cnn, tiny_mcu
    from tests.unit.test_replay import EVERYTHING, _scenario

    res = simulate(tiny_cnn(), tiny_mcu())
    costs = [dataclasses.replace(c, tiles=dataclasses.replace(c.tiles, count=2, double_buffered=double))
             for c in res.costs]
    sc = _scenario(tmp_path, EVERYTHING)
    plan = plan_replay(costs, res.hardware)
    runs = 60
    dist = draw(sc, 3, 1e9, clock_hz=plan.clock_hz, bus_bytes_per_cycle=plan.bus_bytes_per_cycle,
                offchip_kind=plan.offchip_kind)
    bus, irq = dist.bus_busy(sc.bus.dma_priority), dist.irq_busy()
    slots, params, steps = slot_matrix(plan), run_params(plan, sc, runs, 10), step_matrix(sc)
    got = kernels.replay_runs(slots, plan.layer_of, params, bus, irq, steps)
    ref = reference.replay_runs(slots.tolist(), plan.layer_of.tolist(), params.tolist(),
                                (bus[0].tolist(), bus[1].tolist()), (irq[0].tolist(), irq[1].tolist()), steps.tolist())
    for a, b in zip(got, ref):
        assert a.reshape(-1).tolist() == np.asarray(b, dtype=float).reshape(-1).tolist()
    assert got[3][:, 3].min() < 1.0 and np.ptp(got[3][:, 1] - got[3][:, 0]) > 0  # throttled, and jittered
