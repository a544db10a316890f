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


# --- softmax ------------------------------------------------------------------------------
# Vela 5.2 regor lowers an int8 SOFTMAX into NPU passes (compiler/softmax.cpp, GetGraph8Bit):
# a max over each row, a subtract with the exp LUT fused, a shift, a sum over each row, then
# per-row reciprocal arithmetic (CLZ, two SUBs, SHL, MUL, ADD, three Newton-Raphson rounds of
# MUL, SUB, MUL, MUL, ADD) and a final MUL and shift over the row. Each elementwise pass is
# priced as regor's EstimateElementwiseCycles prices it, output cycles per element over the
# OFM elements (depth rounded up to 16, the NHCWB16 brick; the graph output is not rounded),
# with the rate its AO table gives (outputCycles[5] advanced add/sub for the int8 SUB,
# outputCycles[1] int32 binary, outputCycles[0] int32 unary); the two reductions as MAC ops.
INT32_ROW_BINARY_PASSES = 2 + 1 + 1 + 1 + 3 * 5  # SUB, SUB, SHL, MUL, ADD, 3 x (MUL, SUB, MUL, MUL, ADD)
NHCWB16_DEPTH = 16  # regor EstimateElementwiseCycles: Shape::RoundAway(ofm, (1, 1, 1, 16)) for NHCWB16
REDUCE_STEP_CYCLES = 4  # regor EstimateMacCyclesPerBlock ReduceSum: max(cyclesWb, 4 * micro-blocks WH); cyclesWb = 4 x ublock depth


def _drain(mac: float, out: int) -> float:
    return max(out, (mac + out) / CMD_ISSUE_DIVISOR)


def softmax_cycles(rows: int, depth: int, arr: SystolicArray) -> int:
    """Cycles of an int8 softmax over `rows` rows of `depth` logits on a part with
    `softmax_lowering: ethos-u` (the passes above)."""
    brick = -(-depth // NHCWB16_DEPTH) * NHCWB16_DEPTH
    per_row = rows * NHCWB16_DEPTH  # a one-element row fills one brick
    one_out = math.ceil(arr.ofm_cycles_per_element * rows)
    # pass 0: max over the row, a pooling of a 1 x depth kernel
    taps = sum(max(arr.pool_min_taps, min(depth - x, arr.pool_subkernel_size))
               for x in range(0, depth, max(1, arr.pool_subkernel_size)))
    mac = taps * rows * 8 * arr.pool_cycles_per_ifm_bit
    cycles = mac + _drain(mac, one_out)
    cycles += math.ceil(arr.elementwise_cycles_per_element * rows * brick)  # SUB (int8) with the exp LUT
    cycles += math.ceil(arr.elementwise32_cycles_per_element * rows * brick)  # ASR of the exponentials
    # the row sum: one 1x1 reduction step per micro-block over ceil(depth / ifm block) blocks
    mac = (REDUCE_STEP_CYCLES * max(arr.ofm_ublock_depth, -(-rows // arr.ofm_ublock_width))
           * -(-depth // max(1, arr.ifm_block_max_depth, arr.ifm_block_depth)))
    cycles += mac + _drain(mac, one_out)
    cycles += math.ceil(arr.unary32_cycles_per_element * per_row)  # CLZ
    cycles += INT32_ROW_BINARY_PASSES * math.ceil(arr.elementwise32_cycles_per_element * per_row)
    cycles += math.ceil(arr.elementwise32_cycles_per_element * rows * brick)  # MUL of the row by 1 / sum
    cycles += math.ceil(arr.elementwise32_cycles_per_element * rows * depth)  # ASR into the int8 output
    return int(cycles)
