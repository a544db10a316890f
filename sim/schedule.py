"""Pick a cost (and so a tiling and dataflow) for every layer: the only search in edgesim.

`schedule` dispatches on the hardware: each compute kind has a cost model under
`sim/cost/`; until a kind has a detailed model, the roofline estimate prices it and says so
in the `cost_model` column.
"""

from __future__ import annotations

import logging

from sim.cost.layer import LayerCost
from sim.cost.roofline import roofline_cost
from sim.cost.vector import runtime_arena_bytes, vector_cost
from sim.errors import SimError
from sim.graph.ir import Graph
from sim.mapping.arena import plan_arena
from sim.mapping.placement import is_mcu
from sim.spec.model import Hardware

log = logging.getLogger(__name__)

DATAFLOW_CHOICES = ("ws", "is", "os", "best")
COMPAT_CHOICES: tuple[str, ...] = ("scalesim",)
OBJECTIVES = ("latency", "energy", "dram")


def check_options(hw: Hardware, dataflow: str, compat: str | None, objective: str) -> None:
    if dataflow not in DATAFLOW_CHOICES:
        raise SimError(f"--dataflow: expected one of {', '.join(DATAFLOW_CHOICES)}, got {dataflow!r}")
    if compat is not None and compat not in COMPAT_CHOICES:
        raise SimError(f"--compat: expected one of {', '.join(COMPAT_CHOICES) or '(none)'}, got {compat!r}")
    if objective not in OBJECTIVES:
        raise SimError(f"--objective: expected one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if dataflow != "best" and not hw.is_systolic:
        raise SimError(f"--dataflow: {hw.name} has a {hw.compute.type} unit, which has no dataflows; expected best "
                       f"(the default), got {dataflow!r}")


def schedule(graph: Graph, hw: Hardware, *, dataflow: str = "best", compat: str | None = None,
             objective: str = "latency") -> list[LayerCost]:
    check_options(hw, dataflow, compat, objective)
    if compat == "scalesim":
        if not hw.is_systolic:
            raise SimError(f"--compat scalesim: expected a systolic-array spec, got {hw.name} ({hw.compute.type})")
        from sim.cost.scalesim import scalesim_cost
        return [scalesim_cost(graph, op, hw, dataflow) for op in graph.ops]
    if compat is None and hw.is_systolic:  # NPU: native systolic-array model
        from sim.cost.systolic import systolic_costs
        return systolic_costs(graph, hw, dataflow=dataflow, objective=objective)
    if is_mcu(hw):  # MCU: CMSIS-NN model
        arena = runtime_arena_bytes(graph, hw)
        return [vector_cost(graph, op, hw, arena_bytes=arena) for op in graph.ops]
    onchip = plan_arena(graph).arena_bytes <= hw.scratchpad.size_bytes
    return [roofline_cost(graph, op, hw, activations_onchip=onchip) for op in graph.ops]
