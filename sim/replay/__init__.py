"""Event replay: latency distributions under contention, interrupts and throttling.

`replay(costs, hw, scenario, runs=..., seed=...) -> Timeline` plays a schedule's tile slots
many times; `load_scenario` reads the YAML that describes what else happens on the part.
"""

from sim.replay.run import Timeline, replay
from sim.replay.scenario import Scenario, load_scenario

__all__ = ["Timeline", "replay", "Scenario", "load_scenario"]
