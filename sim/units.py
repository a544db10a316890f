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


def _binary(n_bytes: float) -> tuple[str, str]:
    """KiB to one decimal (arenas and weights are read to the tenth); MiB and GiB, which
    are capacities, to three significant digits."""
    n = n_bytes / 1024
    if n < 1024:
        return f"{n:.1f}", "KiB"
    n /= 1024
    if n < 1024:
        return f"{n:.3g}", "MiB"
    n /= 1024
    return (f"{n:.3g}" if n < 1000 else f"{n:.0f}"), "GiB"


def bytes_text(n_bytes: float, of_bytes: float | None = None) -> str:
    """A size for people, `213.9 KiB`; with `of_bytes`, `213.9 of 640.0 KiB`, or
    `213.9 KiB of 32 MiB` when the two need different units (a 2 GiB DRAM in KiB
    hides the figure in its digits)."""
    n, unit = _binary(n_bytes)
    if of_bytes is None:
        return f"{n} {unit}"
    m, of_unit = _binary(of_bytes)
    return f"{n} of {m} {unit}" if unit == of_unit else f"{n} {unit} of {m} {of_unit}"
