from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.api import simulate
from sim.cost.layer import LayerCost, TileStream, Traffic
from sim.errors import SimError, SpecError
from sim.replay import load_scenario, replay
from sim.replay.run import fast_path_holds
from sim.replay.scenario import bundled_scenarios
from sim.spec.model import Dma
from tests.conftest import tiny_cnn, tiny_mcu, tiny_systolic

BAD = Path(__file__).resolve().parents[1] / "specs" / "bad_scenarios"

EVERYTHING = """
name: everything
bus:
  arbitration: fixed_priority
  dma_priority: 5
  masters:
    camera: {priority: 1, arrival: periodic, rate_hz: 20000, jitter_us: 3, burst_bytes: 512,
             frames: {rate_hz: 60, active_fraction: 0.8}}
    radio: {priority: 2, arrival: poisson, rate_hz: 8000,
            burst_bytes: {dist: choice, values: [64, 256, 1500], weights: [5, 3, 1]}}
    display: {priority: 3, arrival: poisson, rate_hz: 4000, burst_bytes: {dist: exponential, mean: 300}}
interrupts:
  tick: {arrival: periodic, rate_hz: 5000, duration_us: {dist: uniform, low: 1, high: 6}}
  gpio: {arrival: poisson, rate_hz: 3000, duration_us: 4}
dram_refresh: {interval_us: 7.8, duration_ns: 350}
thermal:
  ambient_c: 30
  r_th_c_per_w: 400
  c_th_j_per_c: 0.00002
  hysteresis_c: 0.1
  steps:
    - {above_c: 30.2, clock_scale: 0.6, voltage_scale: 0.9}
    - {above_c: 30.5, clock_scale: 0.3, voltage_scale: 0.8}
"""


def _scenario(tmp_path: Path, text: str, name: str = "s.yaml"):  # noqa: ANN202
    path = tmp_path / name
    path.write_text(text)
    return load_scenario(path)


@pytest.fixture(scope="module")
def vww():  # noqa: ANN201
    return simulate("mlperf-vww", "ethos-u55-128")


# --- scenarios ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_scenario_gives_one_line_naming_file_and_field(path: Path) -> None:
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(SpecError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg and path.name in msg and expected in msg


def test_bundled_scenarios_load() -> None:
    assert {"quiet", "busy-bus", "hot"} <= set(bundled_scenarios())
    assert load_scenario("quiet").quiet
    busy = load_scenario("busy-bus")
    assert busy.bus.masters["camera"].burst_bytes.expected == 1280 and busy.interrupts["systick"].rate_hz == 1000
    assert load_scenario("hot").thermal.steps[0].clock_scale == 0.75
    with pytest.raises(SpecError, match="--scenario: expected a scenario file or one of: busy-bus, hot, quiet"):
        load_scenario("nope")


# --- consistency with the analytic model ------------------------------------------------------

@pytest.mark.parametrize("model, hw", [("mlperf-vww", "ethos-u55-128"), ("mlperf-kws", "stm32h7a3"),
                                       ("mlperf-ic", "systolic-32x32")])
def test_quiet_replay_equals_analytic_latency_within_1pct(model: str, hw: str) -> None:
    res = simulate(model, hw)
    tl = replay(res.costs, res.hardware, load_scenario("quiet"), runs=50, seed=3)
    lat = tl.latency_cycles
    analytic = float(res.summary["latency_cycles"].iloc[0])
    assert abs(lat.mean() - analytic) / analytic < 0.01
    assert (lat.max() - lat.min()) / lat.mean() < 0.01
    energy = tl.energy_total_pj.mean() * 1e-6
    assert abs(energy - res.energy_uj) / res.energy_uj < 0.01


def test_busy_bus_has_a_tail(vww) -> None:  # noqa: ANN001
    tl = replay(vww.costs, vww.hardware, load_scenario("busy-bus"), runs=500, seed=7)
    p50, p99 = np.percentile(tl.latency_cycles, [50, 99])
    assert p99 > p50 > float(vww.summary["latency_cycles"].iloc[0])


def test_hot_throttles_and_slows_back_to_back_runs(tmp_path: Path) -> None:
    res = simulate(tiny_cnn(), tiny_mcu())
    tl = replay(res.costs, res.hardware, _scenario(tmp_path, EVERYTHING), runs=200, seed=1)
    assert tl.clock_scale.min() < 1.0 and tl.temperature_c.max() > 30.2
    assert tl.latency_cycles[-50:].mean() > tl.latency_cycles[:3].mean()


# --- queueing theory ----------------------------------------------------------------------------

def test_bus_shared_with_poisson_traffic_matches_md1(tmp_path: Path) -> None:
    """A transfer of T0 cycles at the lowest priority, started at a time independent of
    Poisson bursts of D cycles (load rho), completes after the delay busy period started by
    T0 plus the unfinished work V found: E[C] = (E[V] + T0) / (1 - rho), with E[V] the M/D/1
    mean wait rho D / (2 (1 - rho)) (Pollaczek-Khinchine; PASTA)."""
    hw = dataclasses.replace(tiny_systolic(dram_bw=1.0), dma=Dma(channels=1, setup_cycles=0))
    t0, d, rho = 1000, 100, 0.3
    probe = LayerCost(layer="probe", index=0, op_type="CONV_2D", macs=0, dataflow="-", tiling="untiled",
                      compute_cycles=10, stall_cycles=t0 - 10, working_set_bytes=0,
                      traffic=(Traffic("dram", "weights", t0, 0),), energy_pj={"compute": 0.0},
                      tiles=TileStream(1, t0, 0, 10))
    rate_hz = rho / d * hw.clock_hz
    sc = _scenario(tmp_path, f"""
name: md1
inference: {{period_us: 200}}
bus:
  masters:
    poisson: {{arrival: poisson, rate_hz: {rate_hz}, burst_bytes: {d}}}
""")
    tl = replay([probe], hw, sc, runs=4000, seed=11)
    c = tl.latency_cycles[1:]  # run 0 starts on an empty bus, not in steady state
    expected = (rho * d / (2 * (1 - rho)) + t0) / (1 - rho)
    # Runs are 20000 cycles apart, far beyond a busy period (~150 cycles), so they are
    # independent: the mean is within 4 standard errors of its expectation.
    sem = c.std(ddof=1) / np.sqrt(c.size)
    assert abs(c.mean() - expected) < 4 * sem
    assert sem / expected < 0.01  # the sample is large enough for the check to bite


# --- the two paths ------------------------------------------------------------------------------

@pytest.mark.parametrize("hw_builder", [tiny_systolic, tiny_mcu], ids=["npu+dram", "mcu+flash"])
@pytest.mark.parametrize("double", [True, False], ids=["double-buffered", "serial"])
def test_fast_and_simpy_paths_agree(tmp_path: Path, hw_builder, double: bool) -> None:  # noqa: ANN001
    res = simulate(tiny_cnn(), hw_builder())
    costs = [dataclasses.replace(c, tiles=dataclasses.replace(c.tiles, count=3, compute_cycles=c.compute_cycles // 3,
                                                              double_buffered=double)) for c in res.costs]
    sc = _scenario(tmp_path, EVERYTHING)
    assert fast_path_holds(sc)
    fast = replay(costs, res.hardware, sc, runs=40, seed=5, engine="fast")
    slow = replay(costs, res.hardware, sc, runs=40, seed=5, engine="simpy")
    assert (fast.engine, slow.engine) == ("fast", "simpy")
    assert fast.latency_cycles.std() > 0  # the disturbances did something
    np.testing.assert_allclose(fast.end_cycles, slow.end_cycles, rtol=1e-9)
    np.testing.assert_allclose(fast.layer_cycles, slow.layer_cycles, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(fast.temperature_c, slow.temperature_c, rtol=1e-9)
    np.testing.assert_allclose(fast.segments, slow.segments, rtol=1e-9, atol=1e-6)


def test_paths_agree_on_busy_bus_for_vww(vww) -> None:  # noqa: ANN001
    sc = load_scenario("busy-bus")
    fast = replay(vww.costs, vww.hardware, sc, runs=30, seed=2, engine="fast")
    slow = replay(vww.costs, vww.hardware, sc, runs=30, seed=2, engine="simpy")
    np.testing.assert_allclose(fast.latency_cycles, slow.latency_cycles, rtol=1e-9)


def test_round_robin_runs_on_simpy_and_is_refused_by_the_fast_path(vww, tmp_path: Path) -> None:  # noqa: ANN001
    text = Path(load_scenario.__code__.co_filename).parents[2].joinpath("scenarios", "busy-bus.yaml").read_text()
    sc = _scenario(tmp_path, text.replace("fixed_priority", "round_robin"))
    assert not fast_path_holds(sc)
    with pytest.raises(SimError, match="--engine fast"):
        replay(vww.costs, vww.hardware, sc, runs=2, engine="fast")
    rr = replay(vww.costs, vww.hardware, sc, runs=20, seed=2)
    fp = replay(vww.costs, vww.hardware, load_scenario("busy-bus"), runs=20, seed=2)
    assert rr.engine == "simpy"
    quiet = float(vww.summary["latency_cycles"].iloc[0])
    # The camera is delayed by at most one DMA burst per line under round robin, so the
    # DMA's own latency stays within a few bursts of the fixed-priority replay.
    assert rr.latency_cycles.mean() > quiet
    assert abs(rr.latency_cycles.mean() - fp.latency_cycles.mean()) < 0.01 * quiet


# --- determinism --------------------------------------------------------------------------------

def test_same_seed_same_result_and_prefix_stable(vww) -> None:  # noqa: ANN001
    sc = load_scenario("busy-bus")
    a = replay(vww.costs, vww.hardware, sc, runs=300, seed=9)
    b = replay(vww.costs, vww.hardware, sc, runs=300, seed=9)
    c = replay(vww.costs, vww.hardware, sc, runs=300, seed=10)
    short = replay(vww.costs, vww.hardware, sc, runs=50, seed=9)
    assert np.array_equal(a.end_cycles, b.end_cycles) and np.array_equal(a.layer_cycles, b.layer_cycles)
    assert not np.array_equal(a.latency_cycles, c.latency_cycles)
    assert np.array_equal(a.end_cycles[:50], short.end_cycles)


def test_trace_records_every_engine(vww) -> None:  # noqa: ANN001
    from sim.report.trace import trace_events
    tl = replay(vww.costs, vww.hardware, load_scenario("busy-bus"), runs=2, seed=1, record=True)
    events = trace_events(tl)
    names = {e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    assert {"mac_array", "dma_engine[0]", "bus", "layers", "inference"} <= names
    spans = [e for e in events if e["ph"] == "X"]
    assert all(e["dur"] >= 0 for e in spans)
    camera = [e for e in spans if e["name"] == "camera"]
    assert camera and {e["cat"] for e in camera} == {"bus"}
    to_us = 1e6 / tl.clock_hz
    runs = [e for e in spans if e["cat"] == "inference"]
    assert [round(e["dur"], 6) for e in runs] == [round(x * to_us, 6) for x in tl.latency_cycles.tolist()]


# --- plan and DAQ -------------------------------------------------------------------------------

def test_plan_keeps_latency_bytes_and_energy_when_tiles_are_coalesced() -> None:
    res = simulate(tiny_cnn(), tiny_systolic())
    costs = [dataclasses.replace(c, tiles=dataclasses.replace(c.tiles, count=1000 + c.index, compute_cycles=1))
             for c in res.costs]
    from sim.replay.plan import MAX_SLOTS, plan_replay
    plan = plan_replay(costs, res.hardware)
    hw = res.hardware
    for pos, c in enumerate(costs):
        mine = plan.layer_of == pos
        assert mine.sum() == MAX_SLOTS
        assert plan.quiet[mine].sum() == pytest.approx(c.latency_cycles)
        assert plan.bus_in[mine].sum() * hw.offchip.bandwidth_bytes_per_cycle == pytest.approx(c.bytes_at("dram"))
        transfers = int(c.bytes_at("dram") > 0) + int(c.bytes_at("dram", write=True) > 0)
        assert plan.setup_in[mine].sum() == c.tiles.count * hw.dma.setup_cycles * transfers  # one channel
        dyn = sum(v for k, v in c.energy_pj.items() if k != "static")
        assert plan.dyn_energy_pj[mine].sum() == pytest.approx(dyn)
    assert plan.analytic_cycles == pytest.approx(float(res.summary["latency_cycles"].iloc[0]))


def test_daq_average_mode_never_reads_above_the_true_peak_and_converges(vww) -> None:  # noqa: ANN001
    from sim.replay.power import daq_rows
    tl = replay(vww.costs, vww.hardware, load_scenario("busy-bus"), runs=150, seed=4)
    rows = {(r["rate_hz"], r["mode"]): r for r in daq_rows(tl, [1e3, 1e4, 1e5, 1e7], np.random.default_rng(0))}
    true_peak = rows[(1e3, "average")]["true_peak_mw"]
    for (rate, mode), r in rows.items():
        assert r["daq_peak_mw"] <= true_peak * (1 + 1e-9)  # cumulative-energy differences round
        # energy is conserved on average at every rate: the mean error is within sampling noise,
        # four standard errors of the per-inference error (below one sample per inference it is large)
        bound = max(2.0, 4.0 * r["energy_rms_error_pct"] / np.sqrt(r["inferences"]))
        assert abs(r["energy_error_pct"]) < bound
    errs = [rows[(f, "average")]["energy_rms_error_pct"] for f in (1e3, 1e4, 1e5, 1e7)]
    assert errs == sorted(errs, reverse=True) and errs[-1] < 0.1
    assert rows[(1e7, "average")]["peak_error_pct"] > -1.0 > rows[(1e3, "average")]["peak_error_pct"]
    assert rows[(1e3, "average")]["true_energy_uj"] == pytest.approx(tl.energy_total_pj[:150].mean() * 1e-6)
