"""The units that compute: the NPU's `mac_array`, and the `cpu` that interrupts preempt.

An interrupt handler outranks the running layer on the CPU: the layer's work stops while
the handler runs and resumes where it stopped (a SimPy `PreemptiveResource`). The MAC
array runs its command stream without the CPU, so interrupts do not touch it.
"""

from __future__ import annotations

from typing import Generator

import simpy

from sim.replay.contention import Recorder, hold
from sim.replay.disturb import Stream

ISR_PRIORITY = -1
LAYER_PRIORITY = 0


def mac_array(env: simpy.Environment, work: float, name: str,
              record: Recorder) -> Generator[simpy.Event, object, None]:
    if work < 0:
        raise ValueError(f"Negative delay {work}")
    start = env.now
    yield env.timeout(work)
    if record is not None and work > 0:
        record("mac_array", name, start, env.now)


def cpu(env: simpy.Environment, core: simpy.PreemptiveResource, work: float, name: str,
        record: Recorder) -> Generator[simpy.Event, object, None]:
    yield from hold(env, core, work, LAYER_PRIORITY, "cpu", name, record)


def interrupt_source(env: simpy.Environment, core: simpy.PreemptiveResource, stream: Stream,
                     record: Recorder) -> Generator[simpy.Event, object, None]:
    """Handlers queue behind each other and preempt the layer running on the CPU."""
    for t, work in zip(stream.arrivals.tolist(), stream.works.tolist()):
        if t > env.now:
            yield env.timeout(t - env.now)
        yield from hold(env, core, work, ISR_PRIORITY, "interrupts", stream.name, record)
