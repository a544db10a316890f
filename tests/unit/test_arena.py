from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.mapping.arena import ALIGNMENT, Buffer, inplace_aliases, lifetimes, peak_live_bytes, plan_arena
from workloads import zoo


def _no_overlap(plan) -> None:
    bufs = {b.tensor: b for b in plan.buffers}
    items = list(bufs.values())
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if a.last < b.first or b.last < a.first:
                continue
            oa, ob = plan.offsets[a.tensor], plan.offsets[b.tensor]
            assert oa + a.size <= ob or ob + b.size <= oa, (a, b)


def test_zoo_arenas_are_valid_and_at_least_peak_live() -> None:
    for name in zoo.ZOO:
        g = zoo.build(name)
        plan = plan_arena(g)
        _no_overlap(plan)
        assert plan.arena_bytes >= peak_live_bytes(g)


def test_resnet8_arena_is_two_activations_of_16kib_plus_one() -> None:
    g = zoo.build("mlperf-ic")
    # the residual block keeps the block input alive beside two 32x32x16 int8 tensors
    assert plan_arena(g).arena_bytes == 3 * 32 * 32 * 16


@given(st.lists(st.tuples(st.integers(1, 5000), st.integers(0, 20), st.integers(0, 6)), min_size=1, max_size=30))
def test_greedy_plan_never_overlaps_live_buffers(spec) -> None:
    bufs = [Buffer(f"b{i}", size, first, first + span) for i, (size, first, span) in enumerate(spec)]
    plan = plan_arena(None, bufs)  # type: ignore[arg-type]
    _no_overlap(plan)
    assert plan.arena_bytes >= max(b.size for b in bufs)
    assert all(off % ALIGNMENT == 0 for off in plan.offsets.values())


def test_reshape_has_its_own_buffer_as_in_tflm_but_aliases_in_the_inplace_whatif() -> None:
    g = zoo.build("mlperf-kws")
    reshape = next(op for op in g.ops if op.op_type == "RESHAPE")
    assert reshape.outputs[0] in {b.tensor for b in lifetimes(g)}
    alias = inplace_aliases(g)
    assert alias[reshape.outputs[0]] == reshape.inputs[0]
    assert reshape.outputs[0] not in {b.tensor for b in lifetimes(g, alias=alias)}


def test_plan_arena_without_graph_or_buffers_says_so() -> None:
    """Neither a graph nor buffers is a caller mistake, named as such (it used to surface as an
    AttributeError on None inside lifetimes)."""
    with pytest.raises(ValueError, match="expected a graph or a list of buffers"):
        plan_arena(None)
    assert plan_arena(None, [Buffer("t", 100, 0, 1)]).arena_bytes >= 100
