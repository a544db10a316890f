"""Which operators edgesim can cost, and per-target constraints, each as (ok, reason)."""

from __future__ import annotations

from sim.graph.loops import CONV_OPS, DATA_MOVEMENT_OPS, ELEMENTWISE_OPS, POOL_OPS, REDUCTION_OPS

COSTED_OPS = frozenset(CONV_OPS | POOL_OPS | ELEMENTWISE_OPS | DATA_MOVEMENT_OPS | REDUCTION_OPS)


def is_costed(op_type: str) -> tuple[bool, str]:
    if op_type in COSTED_OPS:
        return True, ""
    return False, f"{op_type} has no cost model"
