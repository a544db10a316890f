"""Cycles of NPU operators that the MAC array does not run as a GEMM, from the part's datapath.

Pooling on an Ethos-U55 does not stream elements through the post-processing unit at a fixed
rate: the MAC engine walks the kernel window per OFM micro-block. Vela 5.2's performance model
for it (its C++ core, regor: `architecture/ethosu55/ethos_u55_performance.cpp`,
`EstimateMacCyclesPerBlock` and `EstimateMacOpCycles` for the Pooling NPU op) prices

- MAC cycles: the kernel is cut into sub-kernels of at most `pool_subkernel_size` taps a side
  (`s_SubkernelLimits`, Pooling 8x8); each costs max(`pool_min_taps`, its taps) (`std::max(4,
  subKernelElements)`) times the OFM micro-blocks it covers times `ifm_bits x
  pool_cycles_per_ifm_bit` (`ifmBits / 2` on the 64-256 MAC configurations);
- output cycles: the output stage's cycles per OFM element (`ofm_cycles_per_element`,
  `outputCycles[7]`), rounded up (`aoComputeCyclesPerBlock`);
- the command-issue limit: a quarter of MAC plus output cycles (`cmdIssueLimitCycles`, "per
  DPU"); the last block's output cycles, or that limit when larger, follow the MAC cycles.

edgesim has no OFM block search, so the OFM is one block here: Vela's per-block sums of MAC
cycles equal the whole-OFM sum (they are linear in micro-blocks), while the drain term and
Vela's first-IFM-block read and last-OFM-block write (`MinimumIfmCycles`, `MinimumOfmCycles`,
added for an operator scheduled alone) are not modelled. Nothing here is fitted.
"""

from __future__ import annotations

import math

from sim.graph.loops import Loops
from sim.spec.model import SystolicArray

CMD_ISSUE_DIVISOR = 4  # Vela regor EstimateMacOpCycles: cmdIssueLimitCycles = (...) / 4, "Per DPU"


def pool_cycles(lp: Loops, ifm_bits: int, arr: SystolicArray) -> int:
    """Cycles of a pooling layer on a part with `pool_subkernel_size` set (see the module)."""
    side = arr.pool_subkernel_size
    taps = sum(max(arr.pool_min_taps, min(lp.KH - y, side) * min(lp.KW - x, side))
               for x in range(0, lp.KW, side) for y in range(0, lp.KH, side))
    ublocks = (lp.N * -(-lp.OH // arr.ofm_ublock_height) * -(-lp.OW // arr.ofm_ublock_width)
               * -(-lp.K // arr.ofm_ublock_depth))
    mac = taps * ublocks * ifm_bits * arr.pool_cycles_per_ifm_bit
    out = math.ceil(arr.ofm_cycles_per_element * lp.N * lp.OH * lp.OW * lp.K)
    drain = max(out, (mac + out) / CMD_ISSUE_DIVISOR)
    return int(mac + drain)
