"""Units used across edgesim. Counts are integers; time and energy are floats.

Aliases document intent in signatures: a `Cycles` is a count of the compute unit's clock.
"""

from __future__ import annotations

Bytes = int
Cycles = int
Hz = float
Picojoules = float
Milliwatts = float


def cycles_to_ms(cycles: float, clock_hz: float) -> float:
    return 1e3 * cycles / clock_hz


def cycles_to_us(cycles: float, clock_hz: float) -> float:
    return 1e6 * cycles / clock_hz


def pj_to_uj(pj: float) -> float:
    return pj * 1e-6


def mw_for_cycles_to_pj(power_mw: float, cycles: float, clock_hz: float) -> Picojoules:
    """Energy of `power_mw` held for `cycles` at `clock_hz`: mW * s = mJ = 1e9 pJ."""
    return power_mw * (cycles / clock_hz) * 1e9


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)
