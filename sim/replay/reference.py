"""Plain-Python twins of `kernels.py`, written for clarity; tests assert they agree exactly."""

from __future__ import annotations

import math


def busy_periods(arrivals: list[float], works: list[float]) -> tuple[list[float], list[float]]:
    """Unfinished work by Lindley's recursion; a busy interval ends when it reaches zero."""
    starts: list[float] = []
    ends: list[float] = []
    for a, w in zip(arrivals, works):
        if ends and a <= ends[-1]:
            ends[-1] += w
        else:
            starts.append(a)
            ends.append(a + w)
    return starts, ends


def serve_in_gaps(t: float, work: float, starts: list[float], ends: list[float]) -> float:
    """Walk the free gaps between busy intervals until `work` cycles of them are used."""
    for s, e in zip(starts, ends):
        if e <= t:
            continue
        if s > t:
            if t + work <= s:
                return t + work
            work -= s - t
        t = e
    return t + work


def heat(temp_c: float, power_mw: float, dt_s: float, ambient_c: float, r_c_per_w: float,
         c_j_per_c: float) -> float:
    t_inf = ambient_c + power_mw * 1e-3 * r_c_per_w
    return t_inf + (temp_c - t_inf) * math.exp(-dt_s / (r_c_per_w * c_j_per_c))


def throttle_level(temp_c: float, level: int, thresholds: list[float], hysteresis_c: float) -> int:
    while level < len(thresholds) and temp_c >= thresholds[level]:
        level += 1
    while level > 0 and temp_c < thresholds[level - 1] - hysteresis_c:
        level -= 1
    return level


def play_slot(t: float, slot: list[float], scale: float, bus: tuple[list[float], list[float]], kb: int,
              irq: tuple[list[float], list[float]], ki: int) -> tuple[float, int, int]:
    """`kernels.play_slot` on lists, with cursors into the busy intervals."""
    quiet, compute, bus_in, bus_out, setup_in, setup_out, double, cpu, _ = slot
    if double > 0.5:
        core = max(compute / scale, quiet)
        if cpu > 0.5:
            core_end, ki = _serve(t, core, irq, ki)
        else:
            core_end = t + core
        work = bus_in + bus_out
        bus_end = t + setup_in
        if work > 0.0:
            bus_end, kb = _serve(bus_end, work, bus, kb)
        return max(core_end, bus_end), kb, ki
    moved = setup_in + bus_in + setup_out + bus_out
    core = max(compute / scale, quiet - moved)
    end = t + setup_in
    if bus_in > 0.0:
        end, kb = _serve(end, bus_in, bus, kb)
    if cpu > 0.5:
        end, ki = _serve(end, core, irq, ki)
    else:
        end += core
    end += setup_out
    if bus_out > 0.0:
        end, kb = _serve(end, bus_out, bus, kb)
    return end, kb, ki


def _serve(t: float, work: float, busy: tuple[list[float], list[float]], k: int) -> tuple[float, int]:
    """`kernels.serve_in_gaps` with a cursor."""
    starts, ends = busy
    n = len(starts)
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


def replay_runs(slots: list[list[float]], layer_of: list[int], params: list[float],
                bus: tuple[list[float], list[float]], irq: tuple[list[float], list[float]],
                steps: list[list[float]]) -> tuple[list[list[float]], list[list[float]], list[list[float]],
                                                   list[list[float]]]:
    """`kernels.replay_runs` on lists, the same operations in the same order.

    Performance: for small jobs this loop (about 1 us per tile slot) beats paying numba's
    first compilation, so `run.py` uses it below `COMPILED_ABOVE` slot plays.
    """
    runs, n_layers = int(params[0]), int(params[1])
    period, gap, thermal, ambient, initial, r_th, c_th, hyst, idle_mw, clock, seg_runs = params[2:13]
    thermal_on, seg_runs = thermal > 0.5, int(seg_runs)
    to_s = 1.0 / clock
    thresholds = [s[0] for s in steps]
    layer_cycles = [[0.0] * n_layers for _ in range(runs)]
    vsq = [[1.0] * n_layers for _ in range(runs)]
    segs: list[list[float]] = []
    per_run: list[list[float]] = []
    bounds = [0] * (n_layers + 1)
    for i, layer in enumerate(layer_of):
        bounds[layer + 1] = i + 1
    for layer in range(n_layers):
        bounds[layer + 1] = max(bounds[layer + 1], bounds[layer])
    t, temp, level, kb, ki = 0.0, initial, 0, 0, 0
    for r in range(runs):
        start = t if r == 0 else t + gap
        if period > 0.0:
            start = max(r * period, t)
        if thermal_on and start > t:
            temp = heat(temp, idle_mw, (start - t) * to_s, ambient, r_th, c_th)
        t, low = start, 1.0
        row, vrow = layer_cycles[r], vsq[r]
        for layer in range(n_layers):
            scale, v = 1.0, 1.0
            if thermal_on:
                level = throttle_level(temp, level, thresholds, hyst)
                if level > 0:
                    scale, v = steps[level - 1][1], steps[level - 1][2]
            low = min(low, scale)
            t0, energy = t, 0.0
            for i in range(bounds[layer], bounds[layer + 1]):
                end, kb, ki = play_slot(t, slots[i], scale, bus, kb, irq, ki)
                e = slots[i][8] * v * v
                if r < seg_runs:
                    segs.append([t, end, e * clock * 1e-9 / (end - t) if end > t else 0.0])
                energy += e
                t = end
            row[layer] = t - t0
            vrow[layer] = v * v
            if thermal_on and t > t0:
                power = energy * clock * 1e-9 / (t - t0) + idle_mw
                temp = heat(temp, power, (t - t0) * to_s, ambient, r_th, c_th)
        per_run.append([start, t, temp, low])
    return layer_cycles, vsq, segs, per_run
