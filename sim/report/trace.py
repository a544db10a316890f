"""Timeline events -> Chrome/Perfetto trace JSON (the Trace Event Format's object form).

One process for the part, one thread (track) per engine: `dma_engine[i]`, `mac_array` or
`cpu`, `bus` (who holds the port), `interrupts`, and `layers`/`inference` spans; power is
a counter track. Timestamps are microseconds, as the format requires; the file opens in
ui.perfetto.dev and chrome://tracing.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.replay.run import Timeline

TRACK_ORDER = ("inference", "layers", "mac_array", "cpu", "dma_engine[0]", "dma_engine[1]", "dma_engine[2]",
               "dma_engine[3]", "bus", "interrupts")
PID = 1


def trace_events(tl: Timeline) -> list[dict[str, object]]:
    if tl.events is None:
        raise ValueError("Timeline has no events: replay with record=True")
    to_us = 1e6 / tl.clock_hz
    tracks = sorted({e[0] for e in tl.events},
                    key=lambda n: (TRACK_ORDER.index(n) if n in TRACK_ORDER else len(TRACK_ORDER), n))
    tid = {name: i + 1 for i, name in enumerate(tracks)}
    out: list[dict[str, object]] = [{"ph": "M", "pid": PID, "name": "process_name",
                                     "args": {"name": f"edgesim replay ({tl.scenario.name})"}}]
    for name, i in tid.items():
        out.append({"ph": "M", "pid": PID, "tid": i, "name": "thread_name", "args": {"name": name}})
        out.append({"ph": "M", "pid": PID, "tid": i, "name": "thread_sort_index", "args": {"sort_index": i}})
    for track, name, start, end in tl.events:
        out.append({"ph": "X", "pid": PID, "tid": tid[track], "name": name, "cat": track,
                    "ts": start * to_us, "dur": (end - start) * to_us})
    edges, power = tl.power_trace()
    for t, p in zip(edges[:-1].tolist(), power.tolist()):
        out.append({"ph": "C", "pid": PID, "name": "power_mw", "ts": t * to_us, "args": {"mW": p}})
    return out


def write_trace(tl: Timeline, path: Path) -> None:
    path.write_text(json.dumps({"traceEvents": trace_events(tl), "displayTimeUnit": "ns",
                                "otherData": {"scenario": tl.scenario.name, "seed": tl.seed}}))
