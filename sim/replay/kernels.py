"""Numba kernels of the replay's fast path: ints, floats and arrays in and out.

The fast path holds when nothing the replay plays changes what disturbs it: other bus
masters outrank the replayed DMA (fixed priority) and interrupts preempt the CPU, so the
intervals in which the bus and the CPU are taken can be computed once, before the replay
(`busy_periods`), and each transfer or computation simply waits out those intervals
(`serve_in_gaps`). Every kernel has a plain-Python twin in `reference.py`; the whole fast
replay (`replay_runs`) has its twin in the SimPy replay, and tests assert they agree.
Times are float64 cycles of the nominal clock.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Columns of the slot matrix handed to `replay_runs`.
QUIET, COMPUTE, BUS_IN, BUS_OUT, SETUP_IN, SETUP_OUT, DOUBLE, CPU, ENERGY = range(9)
# Entries of the parameter vector.
(P_RUNS, P_LAYERS, P_PERIOD, P_GAP, P_THERMAL, P_AMBIENT, P_INITIAL, P_R, P_C, P_HYST, P_IDLE_MW, P_CLOCK,
 P_SEG_RUNS) = range(13)


@njit(cache=True)
def busy_periods(arrivals: np.ndarray, works: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge work arriving at a single work-conserving server into busy intervals.

    arrivals: sorted float64 times; works: float64 service times. Returns the starts and
    ends of the maximal intervals in which the server is busy (Lindley's recursion on the
    unfinished work), which do not depend on the order the queued work is served in.
    """
    n = arrivals.size
    starts = np.empty(n)
    ends = np.empty(n)
    m = 0
    for i in range(n):
        if m > 0 and arrivals[i] <= ends[m - 1]:
            ends[m - 1] += works[i]
        else:
            starts[m] = arrivals[i]
            ends[m] = arrivals[i] + works[i]
            m += 1
    # numpy's stubs type ndarray.copy() as returning Unknown
    return starts[:m].copy(), ends[:m].copy()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


@njit(cache=True)
def serve_in_gaps(t: float, work: float, starts: np.ndarray, ends: np.ndarray, k: int) -> tuple[float, int]:
    """When `work` cycles of lowest-priority, preempt-resume service requested at `t` finish.

    The server is taken during [starts[i], ends[i]); `k` is a cursor (requests arrive in
    time order, so the search resumes where the previous one stopped). Returns the finish
    time and the new cursor.
    """
    n = starts.size
    while k < n and ends[k] <= t:
        k += 1
    while True:
        if k < n and starts[k] <= t:
            t = ends[k]
            k += 1
            continue
        nxt = starts[k] if k < n else math.inf
        if t + work <= nxt:
            return t + work, k
        work -= nxt - t
        t = ends[k]
        k += 1


@njit(cache=True)
def heat(temp_c: float, power_mw: float, dt_s: float, ambient_c: float, r_c_per_w: float,
         c_j_per_c: float) -> float:
    """Junction temperature after `dt_s` at constant power: exact solution of the RC model."""
    t_inf = ambient_c + power_mw * 1e-3 * r_c_per_w
    return t_inf + (temp_c - t_inf) * math.exp(-dt_s / (r_c_per_w * c_j_per_c))


@njit(cache=True)
def throttle_level(temp_c: float, level: int, thresholds: np.ndarray, hysteresis_c: float) -> int:
    """DVFS step for `temp_c`: 0 is nominal, i runs step i-1. Steps up as soon as a
    threshold is reached, back down only `hysteresis_c` below it."""
    while level < thresholds.size and temp_c >= thresholds[level]:
        level += 1
    while level > 0 and temp_c < thresholds[level - 1] - hysteresis_c:
        level -= 1
    return level


@njit(cache=True)
def play_slot(t: float, slot: np.ndarray, scale: float, bus: np.ndarray, kb: int, irq: np.ndarray,
              ki: int) -> tuple[float, int, int]:
    """End of one tile slot started at `t` with the compute clock at `scale`.

    Compute stretches by 1/scale; the memory-bound part of the cost model's cycles, the
    DMA setup and the bus stay in the memory clock domain. The CPU is preempted by
    interrupts for the whole slot (it runs the layer's loads too); the bus waits for
    every higher-priority master.
    """
    core = max(slot[COMPUTE] / scale, slot[QUIET])
    if slot[DOUBLE] > 0.5:
        if slot[CPU] > 0.5:
            core_end, ki = serve_in_gaps(t, core, irq[0], irq[1], ki)
        else:
            core_end = t + core
        work = slot[BUS_IN] + slot[BUS_OUT]
        bus_end = t + slot[SETUP_IN]
        if work > 0.0:
            bus_end, kb = serve_in_gaps(bus_end, work, bus[0], bus[1], kb)
        return max(core_end, bus_end), kb, ki
    moved = slot[SETUP_IN] + slot[BUS_IN] + slot[SETUP_OUT] + slot[BUS_OUT]
    core = max(slot[COMPUTE] / scale, slot[QUIET] - moved)
    end = t + slot[SETUP_IN]
    if slot[BUS_IN] > 0.0:
        end, kb = serve_in_gaps(end, slot[BUS_IN], bus[0], bus[1], kb)
    if slot[CPU] > 0.5:
        end, ki = serve_in_gaps(end, core, irq[0], irq[1], ki)
    else:
        end += core
    end += slot[SETUP_OUT]
    if slot[BUS_OUT] > 0.0:
        end, kb = serve_in_gaps(end, slot[BUS_OUT], bus[0], bus[1], kb)
    return end, kb, ki


@njit(cache=True)
def replay_runs(slots: np.ndarray, layer_of: np.ndarray, params: np.ndarray, bus: np.ndarray,
                irq: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Play `runs` inferences back to back (or one per period) through the tile slots.

    Returns per-layer durations (runs x layers), per-layer dynamic-energy factors
    (voltage scale squared), power segments (start, end, dynamic mW) per slot of the first
    `P_SEG_RUNS` runs,
    and per run (start, end, junction temperature at the end, lowest clock scale).
    """
    runs, n_layers, n = int(params[P_RUNS]), int(params[P_LAYERS]), slots.shape[0]
    to_s = 1.0 / params[P_CLOCK]
    layer_cycles = np.zeros((runs, n_layers))
    vsq = np.ones((runs, n_layers))
    seg_runs = int(params[P_SEG_RUNS])
    segs = np.empty((seg_runs * n, 3))
    per_run = np.empty((runs, 4))
    t, temp, level, kb, ki = 0.0, params[P_INITIAL], 0, 0, 0
    thresholds = np.ascontiguousarray(steps[:, 0])
    for r in range(runs):
        start = t if r == 0 else t + params[P_GAP]
        if params[P_PERIOD] > 0.0:
            start = max(r * params[P_PERIOD], t)
        if params[P_THERMAL] > 0.5 and start > t:
            temp = heat(temp, params[P_IDLE_MW], (start - t) * to_s, params[P_AMBIENT], params[P_R], params[P_C])
        t, low, i = start, 1.0, 0
        for layer in range(n_layers):
            scale, v = 1.0, 1.0
            if params[P_THERMAL] > 0.5:
                level = throttle_level(temp, level, thresholds, params[P_HYST])
                if level > 0:
                    scale, v = steps[level - 1, 1], steps[level - 1, 2]
            low = min(low, scale)
            t0, energy = t, 0.0
            while i < n and layer_of[i] == layer:
                end, kb, ki = play_slot(t, slots[i], scale, bus, kb, irq, ki)
                e = slots[i, ENERGY] * v * v
                if r < seg_runs:
                    segs[r * n + i, 0], segs[r * n + i, 1] = t, end
                    segs[r * n + i, 2] = e * params[P_CLOCK] * 1e-9 / (end - t) if end > t else 0.0
                energy += e
                t = end
                i += 1
            layer_cycles[r, layer] = t - t0
            vsq[r, layer] = v * v
            if params[P_THERMAL] > 0.5 and t > t0:
                power = energy * params[P_CLOCK] * 1e-9 / (t - t0) + params[P_IDLE_MW]
                temp = heat(temp, power, (t - t0) * to_s, params[P_AMBIENT], params[P_R], params[P_C])
        per_run[r, 0], per_run[r, 1], per_run[r, 2], per_run[r, 3] = start, t, temp, low
    return layer_cycles, vsq, segs, per_run
