"""The SimPy replay: every tile slot as events on processes named for the hardware.

One `runtime` process releases inferences and plays their layers slot by slot: the
`dma_engine` moves the slot's bytes over the shared `bus` while the `mac_array` (or the
`cpu`) computes; with double buffering the slot ends when both are done, without it they
follow each other. Other bus masters, DRAM refresh and interrupt handlers are processes
of their own, fed from the pre-drawn `Disturbances`. This path handles any arbitration
(round robin, a DMA outranking other masters); the fast path in `kernels.replay_runs`
handles the cases where nothing the replay does feeds back on its disturbances, and the
two agree there (tests/unit/test_replay.py).
"""

from __future__ import annotations

from typing import Generator

import numpy as np
import simpy

from sim.replay import kernels as K
from sim.replay.compute import cpu, interrupt_source, mac_array
from sim.replay.contention import Bus, Recorder, bus_master
from sim.replay.disturb import Disturbances
from sim.replay.dma import dma_engine
from sim.replay.plan import Plan
from sim.replay.scenario import Scenario


def replay_events(plan: Plan, scenario: Scenario, dist: Disturbances, runs: int, channels: int,
                  record: Recorder = None, seg_runs: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Same outputs as `kernels.replay_runs`, produced by a SimPy simulation."""
    env = simpy.Environment()
    bus = Bus(env, scenario.bus.arbitration, plan.burst_bytes / plan.bus_bytes_per_cycle, record)
    core = simpy.PreemptiveResource(env, capacity=1)
    for stream in dist.bus:
        env.process(bus_master(env, bus, stream))
    for stream in dist.irq:
        env.process(interrupt_source(env, core, stream, record))
    slots, params, steps = slot_matrix(plan), run_params(plan, scenario, runs, seg_runs), step_matrix(scenario)
    n_layers = len(plan.layers)
    out = (np.zeros((runs, n_layers)), np.ones((runs, n_layers)), np.empty((int(params[K.P_SEG_RUNS]) * plan.tiles, 3)),
           np.empty((runs, 4)))
    proc = env.process(runtime(env, bus, core, plan, slots, params, steps, scenario.bus.dma_priority,
                               channels, out, record))
    env.run(until=proc)
    return out


def runtime(env: simpy.Environment, bus: Bus, core: simpy.PreemptiveResource, plan: Plan, slots: np.ndarray,
            params: np.ndarray, steps: np.ndarray, priority: int, channels: int,
            out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
            record: Recorder) -> Generator[simpy.Event, object, None]:
    """Release inferences and play them; the thermal governor acts between layers."""
    layer_cycles, vsq, segs, per_run = out
    runs, n = int(params[K.P_RUNS]), plan.tiles
    to_s = 1.0 / params[K.P_CLOCK]
    thermal = params[K.P_THERMAL] > 0.5
    temp, level, t = params[K.P_INITIAL], 0, 0.0
    for r in range(runs):
        start = t if r == 0 else t + params[K.P_GAP]
        if params[K.P_PERIOD] > 0.0:
            start = max(r * params[K.P_PERIOD], t)
        if start > env.now:
            yield env.timeout(start - env.now)
        if thermal and start > t:
            temp = K.heat(temp, params[K.P_IDLE_MW], (start - t) * to_s, params[K.P_AMBIENT], params[K.P_R],
                          params[K.P_C])
        t, low = start, 1.0
        for layer in range(len(plan.layers)):
            scale, v = 1.0, 1.0
            if thermal:
                level = K.throttle_level(temp, level, steps[:, 0], params[K.P_HYST])
                if level > 0:
                    scale, v = steps[level - 1, 1], steps[level - 1, 2]
            low = min(low, scale)
            t0, energy = t, 0.0
            for i in np.flatnonzero(plan.layer_of == layer).tolist():
                yield from play_slot(env, bus, core, slots[i], scale, priority, channels, plan.layers[layer],
                                     record)
                end = env.now
                e = slots[i, K.ENERGY] * v * v
                if r < params[K.P_SEG_RUNS]:
                    segs[r * n + i] = (t, end, e * params[K.P_CLOCK] * 1e-9 / (end - t) if end > t else 0.0)
                energy += e
                t = end
            layer_cycles[r, layer] = t - t0
            vsq[r, layer] = v * v
            if record is not None and t > t0:
                record("layers", plan.layers[layer], t0, t)
            if thermal and t > t0:
                power = energy * params[K.P_CLOCK] * 1e-9 / (t - t0) + params[K.P_IDLE_MW]
                temp = K.heat(temp, power, (t - t0) * to_s, params[K.P_AMBIENT], params[K.P_R], params[K.P_C])
        per_run[r] = (start, t, temp, low)
        if record is not None:
            record("inference", f"run {r}", start, t)


def play_slot(env: simpy.Environment, bus: Bus, core: simpy.PreemptiveResource, slot: np.ndarray, scale: float,
              priority: int, channels: int, name: str, record: Recorder) -> Generator[simpy.Event, object, None]:
    """One tile slot, as `kernels.play_slot` times it, played as processes."""
    on_cpu = slot[K.CPU] > 0.5
    works = [w for w in (float(slot[K.BUS_IN]), float(slot[K.BUS_OUT])) if w > 0.0]

    def compute(work: float) -> Generator[simpy.Event, object, None]:
        if on_cpu:
            yield from cpu(env, core, work, name, record)
        else:
            yield from mac_array(env, work, name, record)

    if slot[K.DOUBLE] > 0.5:
        core_work = max(slot[K.COMPUTE] / scale, slot[K.QUIET])
        unit = env.process(compute(core_work))
        dma = env.process(_dma(env, bus, channels, float(slot[K.SETUP_IN]), works, priority, name, record))
        yield unit & dma
        return
    moved = slot[K.SETUP_IN] + slot[K.BUS_IN] + slot[K.SETUP_OUT] + slot[K.BUS_OUT]
    core_work = max(slot[K.COMPUTE] / scale, slot[K.QUIET] - moved)
    if slot[K.SETUP_IN] > 0 or slot[K.BUS_IN] > 0:
        yield from _dma(env, bus, 1, float(slot[K.SETUP_IN]), [float(slot[K.BUS_IN])], priority, name, record)
    yield from compute(core_work)
    if slot[K.SETUP_OUT] > 0 or slot[K.BUS_OUT] > 0:
        yield from _dma(env, bus, 1, float(slot[K.SETUP_OUT]), [float(slot[K.BUS_OUT])], priority, name, record)


def _dma(env: simpy.Environment, bus: Bus, channels: int, setup: float, works: list[float], priority: int,
         name: str, record: Recorder) -> Generator[simpy.Event, object, None]:
    yield from dma_engine(env, bus, channels, setup, [w for w in works if w > 0.0], priority, name, record)


# --- the arrays both paths read -------------------------------------------------------------

def slot_matrix(plan: Plan) -> np.ndarray:
    cols = [plan.quiet, plan.compute, plan.bus_in, plan.bus_out, plan.setup_in, plan.setup_out,
            plan.double_buffered.astype(float), plan.on_cpu.astype(float), plan.dyn_energy_pj]
    return np.ascontiguousarray(np.stack(cols, axis=1), dtype=np.float64)


def run_params(plan: Plan, scenario: Scenario, runs: int, seg_runs: int | None = None) -> np.ndarray:
    th = scenario.thermal
    rel = scenario.inference
    p = np.zeros(13)
    p[K.P_RUNS], p[K.P_LAYERS] = runs, len(plan.layers)
    p[K.P_SEG_RUNS] = runs if seg_runs is None else min(seg_runs, runs)
    p[K.P_PERIOD] = rel.period_us * 1e-6 * plan.clock_hz
    p[K.P_GAP] = rel.gap_us * 1e-6 * plan.clock_hz
    p[K.P_IDLE_MW] = plan.static_mw + plan.leakage_mw
    p[K.P_CLOCK] = plan.clock_hz
    if th is not None:
        p[K.P_THERMAL], p[K.P_AMBIENT] = 1.0, th.ambient_c
        p[K.P_INITIAL] = th.ambient_c if th.initial_c is None else th.initial_c
        p[K.P_R], p[K.P_C], p[K.P_HYST] = th.r_th_c_per_w, th.c_th_j_per_c, th.hysteresis_c
    return p


def step_matrix(scenario: Scenario) -> np.ndarray:
    steps = scenario.thermal.steps if scenario.thermal is not None else ()
    rows = [[s.above_c, s.clock_scale, s.voltage_scale] for s in steps]
    return np.reshape(np.asarray(rows, dtype=np.float64), (-1, 3))
