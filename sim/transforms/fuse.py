"""Operator fusion and layer fusion (cascading).

Operator fusion folds the epilogue of a convolution, depthwise convolution or fully
connected layer (bias add, activation, requantization) into the layer itself, as TFLite's
converter and Vela's graph optimiser do: the intermediate tensor is never written and read
back, and the layer is priced as one operator whose output is the epilogue's output. The
fused steps are listed in `op.attrs["fused_epilogue"]` so cost models can price the
epilogue (Ethos-U runs it in the output unit at no extra cycle). The epilogue's constants
(bias, scale) stay out of the layer's inputs, so they are counted as they were before
fusion (cost models price elementwise constants as parameters, not streamed weights);
their size is kept in `op.attrs["epilogue_const_bytes"]`.

Layer fusion cascades a chain of spatial layers through the scratchpad in row stripes:
each stripe of the chain's last output is produced from only the input rows it needs,
as in Vela's cascading and MCUNetV2's patch-based inference (Lin et al., NeurIPS 2021).
Intermediate tensors then only ever hold one stripe, which cuts the peak working set.
Like MCUNetV2 (and unlike Vela's rolling buffers) stripes are computed independently, so
the halo rows two stripes share are recomputed; `cascade_rows` gives, per layer, the rows
each stripe computes, from which the cost adjustment derives the recompute factor.
"""

from __future__ import annotations

import dataclasses

from sim.graph.ir import VIEW_OPS, WEIGHTED_OPS, Graph, Op, Tensor
from sim.graph.loops import POOL_OPS, leading_padding, loops_of
from sim.transforms.rewrite import rebuild, with_attrs

ACTIVATION_OPS = frozenset({"RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1", "LEAKY_RELU", "LOGISTIC", "TANH",
                            "HARD_SWISH", "PRELU"})
BIAS_OPS = frozenset({"ADD", "SUB", "MUL"})
CASCADE_OPS = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D"}) | POOL_OPS - {"MEAN"} | ACTIVATION_OPS


def _single_consumer(graph: Graph, tensor: str) -> Op | None:
    users = graph.consumers(tensor)
    if len(users) != 1 or tensor in graph.outputs:
        return None
    return users[0]


def _is_epilogue(graph: Graph, op: Op, tensor: str) -> bool:
    """An elementwise step on `tensor` alone (plus constants) that keeps its element count and
    does not widen it, so fusing it can only remove bytes."""
    acts = [t for t in op.inputs if t and not graph.tensors[t].is_const]
    if acts != [tensor] or len(op.outputs) != 1:
        return False
    src, out = graph.tensors[tensor], graph.tensors[op.outputs[0]]
    if out.size != src.size or out.itemsize > src.itemsize:
        return False
    if op.op_type in BIAS_OPS:
        return len(op.inputs) == 2
    return op.op_type in ACTIVATION_OPS or op.op_type == "QUANTIZE"


def fuse_operators(graph: Graph) -> Graph:
    """Fold bias/activation/requantize steps into the weighted layer that produces their input."""
    removed: set[str] = set()
    replaced: dict[str, Op] = {}
    for op in graph.ops:
        if op.op_type not in WEIGHTED_OPS or op.name in removed:
            continue
        out = op.outputs[0]
        epilogue: list[str] = list(op.attrs.get("fused_epilogue", ()))
        consts: list[str] = []
        act = op.attrs.get("fused_activation", "NONE")
        while (nxt := _single_consumer(graph, out)) is not None and _is_epilogue(graph, nxt, out):
            removed.add(nxt.name)
            epilogue.append(nxt.op_type)
            consts += [t for t in nxt.inputs if t and graph.tensors[t].is_const]
            if nxt.op_type in ACTIVATION_OPS and act in ("NONE", None):
                act = nxt.op_type
            out = nxt.outputs[0]
        if out != op.outputs[0]:
            replaced[op.name] = dataclasses.replace(
                op, outputs=(out,),
                attrs={**op.attrs, "fused_epilogue": tuple(epilogue), "fused_activation": act,
                       "epilogue_const_bytes": sum(graph.tensors[t].nbytes for t in consts)})
    ops = [replaced.get(op.name, op) for op in graph.ops if op.name not in removed]
    return rebuild(graph, ops, graph.tensors, f"fuse({len(removed)})")


# --- layer fusion -------------------------------------------------------------------------

def _cascadable(graph: Graph, op: Op) -> bool:
    if op.op_type not in CASCADE_OPS or len(op.outputs) != 1:
        return False
    acts = graph.activations_in(op)
    return len(acts) == 1 and len(graph.ofm(op).shape) == 4 and len(acts[0].shape) == 4 \
        and graph.ofm(op).shape[1] > 1


def cascade_chains(graph: Graph, min_rows: int = 2, min_len: int = 2) -> list[list[Op]]:
    """Maximal chains of cascadable layers where each output feeds only the next layer and
    has at least `min_rows` rows. As in MCUNetV2, only the high-resolution front of a network
    is worth striping: once feature maps are small, halos would make every stripe recompute
    most of the chain."""
    chains: list[list[Op]] = []
    current: list[Op] = []
    for op in graph.ops:
        if op.op_type in VIEW_OPS:
            continue
        ok = _cascadable(graph, op) and graph.ofm(op).shape[1] >= min_rows
        linked = bool(current) and ok and _single_consumer(graph, current[-1].outputs[0]) is op
        if linked:
            current.append(op)
            continue
        if len(current) >= min_len:
            chains.append(current)
        current = [op] if ok else []
    if len(current) >= min_len:
        chains.append(current)
    return chains


def _input_rows(graph: Graph, op: Op, lo: int, hi: int) -> tuple[int, int]:
    """Input rows [lo', hi') that output rows [lo, hi) of `op` read (SAME/VALID padding)."""
    lp = loops_of(graph, op)
    if op.op_type in CASCADE_OPS - {"CONV_2D", "DEPTHWISE_CONV_2D"} - POOL_OPS:
        return lo, hi
    eff = (lp.KH - 1) * lp.dilation_h + 1
    pad = leading_padding(op, lp)[0]
    first = lo * lp.stride_h - pad
    last = (hi - 1) * lp.stride_h - pad + eff
    return max(first, 0), min(last, lp.IH)


def cascade_rows(graph: Graph, chain: list[Op], stripes: int) -> list[list[tuple[int, int]]]:
    """Per stripe, the row range each layer of `chain` computes (last layer split evenly)."""
    oh = graph.ofm(chain[-1]).shape[1]
    n = max(1, min(stripes, oh))
    bounds = [(oh * j // n, oh * (j + 1) // n) for j in range(n)]
    out: list[list[tuple[int, int]]] = []
    for lo, hi in bounds:
        rows = [(lo, hi)]
        for op in reversed(chain[1:]):
            lo, hi = _input_rows(graph, op, lo, hi)
            rows.append((lo, hi))
        out.append(rows[::-1])
    return out


def cascade(graph: Graph, stripes: int = 4) -> Graph:
    """Mark cascaded chains: `cascade` (chain id), `cascade_pos` (first/middle/last),
    `recompute` (rows computed over rows in the output, >= 1), `stripe_rows` (largest output
    stripe) and `stripe_in_rows` (largest input stripe, from the producer; 0 for the first)."""
    marked: dict[str, Op] = {}
    for cid, chain in enumerate(cascade_chains(graph, min_rows=2 * stripes)):
        rows = cascade_rows(graph, chain, stripes)
        for i, op in enumerate(chain):
            oh = graph.ofm(op).shape[1]
            computed = sum(r[i][1] - r[i][0] for r in rows)
            pos = "first" if i == 0 else "last" if i == len(chain) - 1 else "middle"
            marked[op.name] = with_attrs(op, cascade=cid, cascade_pos=pos, cascade_stripes=len(rows),
                                         recompute=computed / oh,
                                         stripe_rows=max(r[i][1] - r[i][0] for r in rows),
                                         stripe_in_rows=max(r[i - 1][1] - r[i - 1][0] for r in rows) if i else 0)
    ops = [marked.get(op.name, op) for op in graph.ops]
    chains = len({op.attrs["cascade"] for op in marked.values()})
    return rebuild(graph, ops, graph.tensors, f"cascade:{stripes}({chains})")


def stripe_bytes(t: Tensor, rows: int) -> int:
    """Bytes of `rows` rows of an NHWC tensor."""
    n, h = (t.shape[0], t.shape[1]) if len(t.shape) == 4 else (1, 1)
    return t.nbytes // max(n * h, 1) * n * min(rows, h)


__all__ = ["fuse_operators", "cascade", "cascade_chains", "cascade_rows", "stripe_bytes"]
