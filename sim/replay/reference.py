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
