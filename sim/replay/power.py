"""Power over time, and what a data-acquisition system sampling it would report.

The true trace is piecewise constant: each tile slot draws its dynamic energy evenly over
its duration on top of the static and leakage floor. A DAQ is modelled as an integrating
ADC (as power analysers such as the Joulescope decimate): sample k reports the mean power
over the 1/fs before its timestamp; `point` mode reports the instantaneous value instead.
Energy per inference is what one would compute from such a log with a GPIO marker: the
sum of samples whose timestamps fall inside the inference, times 1/fs. Slow sampling
averages short high-power slots away (peak error) and misplaces energy across inference
boundaries (per-inference error); the sampling phase is random because a DAQ runs on its
own clock.
"""

from __future__ import annotations

import numpy as np

from sim.errors import SimError
from sim.replay.run import Timeline

MODES = ("average", "point")
MAX_DAQ_SAMPLES = 2**25  # a handful of float64 arrays of this length stay near 1 GB


def cumulative_energy(edges_s: np.ndarray, power_mw: np.ndarray) -> np.ndarray:
    """E(t) at each edge, mJ (mW x s)."""
    return np.concatenate([[0.0], np.cumsum(power_mw * np.diff(edges_s))])


def daq_rows(tl: Timeline, rates_hz: list[float], rng: np.random.Generator) -> list[dict[str, float | str | int]]:
    """One row per (rate, mode): peak and per-inference energy against the true trace."""
    edges, power = tl.power_trace()
    edges_s = edges / tl.clock_hz
    cum = cumulative_energy(edges_s, power)
    traced = min(tl.runs, tl.segments.shape[0] // max(tl.plan.tiles, 1))
    start_s = tl.start_cycles[:traced] / tl.clock_hz
    end_s = tl.end_cycles[:traced] / tl.clock_hz
    true_e = np.interp(end_s, edges_s, cum) - np.interp(start_s, edges_s, cum)
    true_peak = float(power.max())
    if not true_peak > 0:
        raise SimError("--daq: expected a part whose spec gives energy or power figures, got one whose power trace is "
                       "0 mW throughout (no compute.mac_energy_pj, read/write_energy_pj_per_byte or power_mw)")
    rows: list[dict[str, float | str | int]] = []
    for fs in rates_hz:
        samples = (edges_s[-1] - edges_s[0]) * fs
        if samples > MAX_DAQ_SAMPLES:
            raise SimError(f"--daq {fs:g}: expected a rate giving at most {MAX_DAQ_SAMPLES:,} samples over the "
                           f"{edges_s[-1] - edges_s[0]:.3g} s traced, got {samples:.3g}")
        dt = 1.0 / fs
        phase = rng.uniform(0.0, dt)
        t = np.arange(edges_s[0] + phase + dt, edges_s[-1], dt)
        if t.size == 0:
            t = np.asarray([edges_s[-1]])
        for mode in MODES:
            if mode == "average":
                lo = np.maximum(t - dt, edges_s[0])
                p = (np.interp(t, edges_s, cum) - np.interp(lo, edges_s, cum)) / np.maximum(t - lo, 1e-30)
            else:
                # numpy's stubs give clip a partly Unknown overload set
                idx = np.searchsorted(edges_s, t, side="right") - 1
                p = power[np.clip(idx, 0, power.size - 1)]  # pyright: ignore[reportUnknownMemberType]
            first = np.searchsorted(t, start_s, side="left")
            last = np.searchsorted(t, end_s, side="left")
            csum = np.concatenate([[0.0], np.cumsum(p)])
            daq_e = (csum[last] - csum[first]) * dt
            err = (daq_e - true_e) / true_e
            rows.append({
                "rate_hz": fs, "mode": mode, "inferences": traced, "samples": int(t.size),
                "samples_per_inference": float(np.mean(last - first)),
                "true_peak_mw": true_peak, "daq_peak_mw": float(p.max()),
                "peak_error_pct": 100.0 * (float(p.max()) - true_peak) / true_peak,
                "true_energy_uj": float(true_e.mean()) * 1e3, "daq_energy_uj": float(daq_e.mean()) * 1e3,
                "energy_error_pct": 100.0 * float(daq_e.mean() - true_e.mean()) / float(true_e.mean()),
                "energy_rms_error_pct": 100.0 * float(np.sqrt(np.mean(err ** 2))),
                "energy_max_error_pct": 100.0 * float(np.max(np.abs(err))),
            })
    return rows
