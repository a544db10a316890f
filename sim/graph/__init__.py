"""Graph IR: `Tensor`, `Op`, `Graph` (networkx DAG) and loop nests."""

from sim.graph.ir import Graph, Op, Tensor
from sim.graph.loops import Loops, loops_of, macs_of

__all__ = ["Graph", "Op", "Tensor", "Loops", "loops_of", "macs_of"]
