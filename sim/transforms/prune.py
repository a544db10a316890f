"""Structured pruning (whole output channels) and unstructured sparsity (single weights).

Structured pruning removes a fraction of a layer's output channels. Channels are tied
together wherever operators pass them through unchanged (activations, pooling, depthwise
convolutions, residual ADDs), so channels are pruned per *channel group*: the set of
tensors that must keep one channel count. A group is pruned when one of its producing
layers is selected; every producer in it loses the same channels (so both inputs of a
residual ADD stay equal), and every consumer that reduces over channels (convolution,
fully connected) loses the matching input channels. Groups touching the model's inputs or
outputs, or passing through a reshape that folds channels, are left alone: the model's
interface does not change.

Unstructured sparsity zeroes a fraction of single weights. Shapes stay, so nothing is
removed from the graph: the weighted operators carry `weight_density` and the cost
adjustment shrinks storage (bitmask index overhead) and, only on a spec declaring
`compute.sparse_weights`, weight traffic and MAC cycles.
"""

from __future__ import annotations

from typing import Iterable

from sim.errors import SimError
from sim.graph.ir import VIEW_OPS, WEIGHTED_OPS, Graph, Tensor
from sim.graph.loops import ELEMENTWISE_OPS, POOL_OPS
from sim.transforms.rewrite import rebuild, reshape_tensor, with_attrs

PRODUCERS = frozenset({"CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"})
PASS_THROUGH = (ELEMENTWISE_OPS | POOL_OPS | {"DEPTHWISE_CONV_2D", "PAD", "RELU_N1_TO_1"}) - {"MEAN"}


def _select(graph: Graph, layers: Iterable[str], kinds: frozenset[str]) -> set[str]:
    """Op names selected by index, op name or output tensor name; all of `kinds` if none given."""
    wanted = [w for w in layers if w]
    if not wanted:
        return {op.name for op in graph.ops if op.op_type in kinds}
    picked: set[str] = set()
    for w in wanted:
        hits = [op for op in graph.ops if w in (str(op.index), op.name, *op.outputs)]
        if not hits:
            raise SimError(f"--transform: layer {w!r} not found; expected an op index, op name or output tensor")
        if not any(op.op_type in kinds for op in hits):
            raise SimError(f"--transform: layer {w!r} is a {hits[0].op_type}; expected one of {', '.join(sorted(kinds))}")
        picked.update(op.name for op in hits if op.op_type in kinds)
    return picked


class _Groups:
    """Union-find over activation tensors that must keep one channel count."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, t: str) -> str:
        self.parent.setdefault(t, t)
        while self.parent[t] != t:
            self.parent[t] = self.parent[self.parent[t]]
            t = self.parent[t]
        return t

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def channel_groups(graph: Graph) -> tuple[dict[str, str], set[str]]:
    """Tensor -> group root, and the roots that may not be pruned."""
    g = _Groups()
    frozen: list[str] = [*graph.inputs, *graph.outputs]
    for op in graph.ops:
        acts = [t for t in op.inputs if t and not graph.tensors[t].is_const]
        for t in (*acts, *op.outputs):
            g.find(t)
        out = graph.tensors[op.outputs[0]]
        if op.op_type in PRODUCERS:
            continue
        keeps = all(graph.tensors[t].shape[-1:] == out.shape[-1:] for t in acts)
        if (op.op_type in PASS_THROUGH or op.op_type in VIEW_OPS) and keeps and len(op.outputs) == 1:
            for t in acts:
                g.union(t, op.outputs[0])
        else:  # concatenation, softmax, flattening reshapes...: leave channels alone
            frozen += [*acts, *op.outputs]
    groups = {t: g.find(t) for t in g.parent}
    return groups, {groups[t] for t in frozen if t in groups}


def prune_channels(graph: Graph, fraction: float, layers: Iterable[str] = ()) -> Graph:
    """Remove round(fraction x K) output channels of the selected layers (all CONV_2D, FC and
    TRANSPOSE_CONV by default), propagating the new channel count through each channel group."""
    if not 0 <= fraction < 1:
        raise SimError(f"--transform prune: expected a fraction in [0, 1), got {fraction}")
    chosen = _select(graph, layers, PRODUCERS)
    groups, frozen = channel_groups(graph)
    prune_roots: dict[str, int] = {}
    for op in graph.ops:
        root = groups[op.outputs[0]]          # channel_groups files every op output
        if op.name in chosen and root not in frozen:
            k = graph.tensors[op.outputs[0]].shape[-1]
            prune_roots[root] = max(1, k - int(round(fraction * k)))
    tensors = dict(graph.tensors)

    def shrink(name: str, axis: int, k: int) -> None:
        t = tensors[name]
        shape = list(t.shape)
        shape[axis] = k
        tensors[name] = reshape_tensor(t, tuple(shape))

    for t, root in groups.items():
        if root in prune_roots:
            shrink(t, -1, prune_roots[root])
    for op in graph.ops:
        out_root = groups.get(op.outputs[0])
        in_acts = [t for t in op.inputs if t and not graph.tensors[t].is_const]
        in_root = groups.get(in_acts[0]) if in_acts else None
        w, b = graph.weights(op), graph.bias(op)
        if op.op_type in PRODUCERS and out_root in prune_roots:
            if w is not None:
                shrink(w.name, 0, prune_roots[out_root])
            if b is not None:
                shrink(b.name, -1, prune_roots[out_root])
        if op.op_type in PRODUCERS and in_root in prune_roots and w is not None:
            shrink(w.name, -1, prune_roots[in_root])
        if op.op_type not in PRODUCERS and out_root in prune_roots:
            for c in graph.constants_in(op):
                if c.shape and c.shape[-1] == graph.tensors[op.outputs[0]].shape[-1] and c.size > 1:
                    shrink(c.name, -1, prune_roots[out_root])
    label = f"prune:{fraction:g}" + (f"@{','.join(layers)}" if list(layers) else "")
    return rebuild(graph, graph.ops, tensors, f"{label}({len(prune_roots)} groups)")


def sparsify(graph: Graph, fraction: float, layers: Iterable[str] = ()) -> Graph:
    """Zero `fraction` of the weights of the selected weighted layers (all by default)."""
    if not 0 <= fraction < 1:
        raise SimError(f"--transform sparse: expected a fraction in [0, 1), got {fraction}")
    chosen = _select(graph, layers, WEIGHTED_OPS)
    ops = [with_attrs(op, weight_density=1.0 - fraction) if op.name in chosen else op for op in graph.ops]
    label = f"sparse:{fraction:g}" + (f"@{','.join(layers)}" if list(layers) else "")
    return rebuild(graph, ops, graph.tensors, label)


def sparse_weight_bytes(w: Tensor, density: float) -> int:
    """Stored bytes of a weight tensor with `density` non-zeros: the non-zero values plus a
    1-bit-per-weight bitmask, the bitmask format of Sparseloop's format taxonomy (Wu et al.,
    MICRO 2022), the simplest index a decompressor can stream."""
    nonzero = int(round(density * w.size))
    return nonzero * w.itemsize + -(-w.size // 8)


__all__ = ["prune_channels", "sparsify", "channel_groups", "sparse_weight_bytes"]
