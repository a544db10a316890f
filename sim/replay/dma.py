"""The `dma_engine`: channels that program descriptors, then stream bytes over the bus.

A channel spends `setup_cycles` programming each transfer (in the memory clock domain),
then moves it over the shared bus burst by burst. Transfers of one tile slot are spread
over the channels, which run in parallel and compete for the bus like any master.
"""

from __future__ import annotations

from typing import Generator

import simpy

from sim.replay.contention import Bus, Recorder


def channel(env: simpy.Environment, bus: Bus, index: int, works: list[float], priority: int, name: str,
            record: Recorder) -> Generator[simpy.Event, object, None]:
    for work in works:
        start = env.now
        yield from bus.transfer(work, priority, f"dma_engine[{index}]")
        if record is not None:
            record(f"dma_engine[{index}]", name, start, env.now)


def dma_engine(env: simpy.Environment, bus: Bus, channels: int, setup: float, works: list[float],
               priority: int, name: str, record: Recorder) -> Generator[simpy.Event, object, None]:
    """Program, then move `works` (bus cycles each) spread round-robin over `channels`."""
    if setup < 0:
        raise ValueError(f"Negative delay {setup}")
    if setup > 0:
        yield env.timeout(setup)
    per = [works[i::channels] for i in range(channels)]
    procs = [env.process(channel(env, bus, i, w, priority, name, record)) for i, w in enumerate(per) if w]
    if procs:
        yield env.all_of(procs)
