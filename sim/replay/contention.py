"""The shared bus: one off-chip port, several masters, an arbiter.

The replayed DMA, other masters (a camera, a display, a radio) and DRAM refresh all move
data over one port. Under `fixed_priority` the port is a SimPy `PreemptiveResource`: a
higher-ranked master takes it at once and the holder resumes its transfer afterwards
(AXI arbiters re-arbitrate between bursts, so this is exact to one burst). Under
`round_robin` every master holds it for one burst at a time and waits its turn in a FIFO
queue, which with one outstanding burst per master is a round robin.
"""

from __future__ import annotations

from typing import Callable, Generator

import simpy

from sim.replay.disturb import Stream

Recorder = Callable[[str, str, float, float], None] | None
EPS = 1e-9  # cycles; what remains of a transfer below this is rounding, not work


def hold(env: simpy.Environment, res: simpy.PreemptiveResource, work: float, priority: int, track: str,
         name: str, record: Recorder) -> Generator[simpy.Event, object, None]:
    """Hold `res` for `work` cycles in total, resuming after every preemption."""
    if work < 0:
        raise ValueError(f"Negative work {work}")
    while work > EPS:
        # simpy types PreemptiveResource.request() as Put[Unknown]
        with res.request(priority=priority, preempt=True) as req:  # pyright: ignore[reportUnknownVariableType]
            yield req
            start = env.now
            try:
                yield env.timeout(work)
                work = 0.0
            except simpy.Interrupt:
                work -= env.now - start
            if record is not None and env.now > start:
                record(track, name, start, env.now)


class Bus:
    """The arbitrated port. `burst_cycles` is one burst of the replayed DMA."""

    def __init__(self, env: simpy.Environment, arbitration: str, burst_cycles: float,
                 record: Recorder = None) -> None:
        self.env = env
        self.arbitration = arbitration
        self.burst_cycles = burst_cycles
        self.record = record
        self.port: simpy.Resource = (simpy.PreemptiveResource(env, capacity=1) if arbitration == "fixed_priority"
                                     else simpy.Resource(env, capacity=1))

    def transfer(self, work: float, priority: int, who: str,
                 burst_cycles: float | None = None) -> Generator[simpy.Event, object, None]:
        """Move `work` cycles of data for master `who` (bursts of `burst_cycles` under round robin)."""
        if isinstance(self.port, simpy.PreemptiveResource):  # arbitration == "fixed_priority"
            yield from hold(self.env, self.port, work, priority, "bus", who, self.record)
            return
        burst = burst_cycles or self.burst_cycles
        while work > EPS:
            chunk = min(burst, work)
            # simpy types Resource.request() as Put[Unknown]
            with self.port.request() as req:  # pyright: ignore[reportUnknownVariableType]
                yield req
                start = self.env.now
                yield self.env.timeout(chunk)
            if self.record is not None:
                self.record("bus", who, start, self.env.now)
            work -= chunk


def bus_master(env: simpy.Environment, bus: Bus, stream: Stream) -> Generator[simpy.Event, object, None]:
    """Another master: each burst arrives on its own schedule and waits for the bus."""
    for t, work in zip(stream.arrivals.tolist(), stream.works.tolist()):
        if t > env.now:
            yield env.timeout(t - env.now)
        yield from bus.transfer(work, stream.priority, stream.name, burst_cycles=work)
