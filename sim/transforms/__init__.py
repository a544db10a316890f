"""What-if graph transforms: pure functions Graph -> Graph, composable, each reported.

A transform is named on the command line as `NAME[:ARG][@LAYER,LAYER]`:

    fuse                  operator fusion (bias + activation + requantize into the layer)
    cascade[:STRIPES]     layer fusion: chains of spatial layers in STRIPES row stripes (4)
    prune:FRACTION        remove FRACTION of output channels (all layers, or @named ones)
    sparse:FRACTION       zero FRACTION of single weights (unstructured; @named layers)
    quant:MODE            int8 | int16 | float32 | weights-only
    partition[:OP,OP]     split between the accelerator and hw.cpu (spec's supported_ops,
                          or the listed op types)

`apply_transforms` runs them left to right; each appends its label to `graph.transforms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from sim.errors import SimError
from sim.graph.ir import Graph
from sim.graph.support import COSTED_OPS
from sim.spec.model import Hardware, SystolicArray
from sim.transforms.fuse import cascade, fuse_operators
from sim.transforms.partition import partition
from sim.transforms.prune import prune_channels, sparsify
from sim.transforms.quant import MODES, quantize

NAMES = ("fuse", "cascade", "prune", "sparse", "quant", "partition")


@dataclass(frozen=True, slots=True)
class TransformSpec:
    """One parsed `--transform` value."""

    name: str
    arg: str = ""
    layers: tuple[str, ...] = ()
    text: str = ""


def _bad(text: str, expected: str) -> SimError:
    return SimError(f"--transform {text!r}: expected {expected}")


def _fraction(spec: TransformSpec) -> float:
    try:
        value = float(spec.arg)
    except ValueError:
        raise _bad(spec.text, f"{spec.name}:FRACTION with FRACTION in [0, 1), e.g. {spec.name}:0.3") from None
    if not 0 <= value < 1:
        raise _bad(spec.text, f"a fraction in [0, 1) after {spec.name}:")
    return value


def parse_transform(text: str) -> TransformSpec:
    """`prune:0.3@3,conv1` -> TransformSpec('prune', '0.3', ('3', 'conv1'))."""
    if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise SimError(f"--transform: expected NAME[:ARG][@LAYER,...] text, got {type(text).__name__}")
    body, at, layers = text.strip().partition("@")
    name, _, arg = body.partition(":")
    spec = TransformSpec(name.strip().lower(), arg.strip(),
                         tuple(x.strip() for x in layers.split(",") if x.strip()), text)
    if spec.name not in NAMES:
        raise _bad(text, f"one of {', '.join(NAMES)} (NAME[:ARG][@LAYER,...])")
    if spec.name in ("prune", "sparse"):
        _fraction(spec)
        if at and not spec.layers:  # an empty list would silently mean every layer
            raise _bad(text, "layers after @ (an op index, op name or output tensor), or no @ for every layer")
    elif at:
        raise _bad(text, f"no @LAYER list for {spec.name}")
    if spec.name == "fuse" and spec.arg:
        raise _bad(text, "plain 'fuse' (no argument)")
    if spec.name == "quant" and spec.arg not in MODES:
        raise _bad(text, f"quant:MODE with MODE one of {', '.join(MODES)}")
    if spec.name == "cascade" and spec.arg and not (spec.arg.isdigit() and int(spec.arg) >= 1):
        raise _bad(text, "cascade:STRIPES with STRIPES a positive integer")
    unknown = [o for o in spec.arg.split(",") if o.strip() and o.strip() not in COSTED_OPS]
    if spec.name == "partition" and unknown:  # an unknown type would silently send every op to the CPU
        raise _bad(text, f"partition:OP,OP with operator types edgesim costs ({', '.join(sorted(COSTED_OPS))}), "
                         f"got {unknown[0].strip()!r}")
    return spec


def parse_transforms(items: Iterable[str | TransformSpec] | None) -> list[TransformSpec]:
    if isinstance(items, str):  # one transform, not its characters
        items = [items]
    if items is not None and not hasattr(items, "__iter__"):
        raise SimError(f"--transform: expected a list of NAME[:ARG][@LAYER,...], got {type(items).__name__}")
    return [t if isinstance(t, TransformSpec) else parse_transform(t) for t in (items or ())]


def _partition(graph: Graph, spec: TransformSpec, hw: Hardware) -> Graph:
    if not isinstance(hw.compute, SystolicArray) or hw.cpu is None:
        raise SimError(f"--transform partition: expected a spec with an accelerator (compute.type: systolic) "
                       f"and a cpu: unit to fall back on, got {hw.name}")
    ops = [o.strip() for o in spec.arg.split(",") if o.strip()] or list(hw.compute.supported_ops)
    unknown = [o for o in hw.compute.supported_ops if o not in COSTED_OPS]
    if not spec.arg.strip(",").strip() and unknown:
        raise SimError(f"{hw.name}: compute.supported_ops: expected operator types edgesim costs "
                       f"such as CONV_2D, got {unknown[0]!r}")
    return partition(graph, ops or None)


APPLY: dict[str, Callable[[Graph, TransformSpec, Hardware], Graph]] = {
    "fuse": lambda g, s, hw: fuse_operators(g),
    "cascade": lambda g, s, hw: cascade(g, int(s.arg or 4)),
    "prune": lambda g, s, hw: prune_channels(g, _fraction(s), s.layers),
    "sparse": lambda g, s, hw: sparsify(g, _fraction(s), s.layers),
    "quant": lambda g, s, hw: quantize(g, s.arg),
    "partition": _partition,
}


def apply_transforms(graph: Graph, transforms: Sequence[str | TransformSpec] | None, hw: Hardware) -> Graph:
    """Apply `transforms` left to right; `graph` itself is never changed."""
    for spec in parse_transforms(transforms):
        graph = APPLY[spec.name](graph, spec, hw)
    return graph


__all__ = ["TransformSpec", "parse_transform", "parse_transforms", "apply_transforms", "NAMES"]
