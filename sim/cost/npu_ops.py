"""Cycles of NPU operators that the MAC array does not run as a GEMM, from the part's datapath.

Pooling and softmax on an Ethos-U55 follow Vela 5.2's performance model for them, from its C++
core (regor; the core `validation/vela/run_vela.py` compares against), re-expressed here:

Pooling is a MAC-engine operation (`architecture/ethosu55/ethos_u55_performance.cpp`,
`EstimateMacCyclesPerBlock`, `EstimateMacOpCycles`), priced per OFM block:

- MAC cycles per block: the kernel is cut into sub-kernels of at most `pool_subkernel_size`
  taps a side (`s_SubkernelLimits`, Pooling 8x8); each costs max(`pool_min_taps`, its taps)
  (`std::max(4, subKernelElements)`) times the block's OFM micro-blocks times `ifm_bits x
  pool_cycles_per_ifm_bit` (`ifmBits / 2` on the 64-256 MAC configurations), plus a delay of
  `MAC_DELAY_CYCLES` per sub-kernel when the block is a single micro-block;
- output cycles per block: `ofm_cycles_per_element` x block elements, rounded up;
- the command-issue limit: (MAC + output cycles + the IFM/OFM block transfer difference) / 4
  ("per DPU"); MAC and output cycles per block are each raised to it;
- the op: MAC cycles x blocks plus one block's output cycles (or the reverse when output
  bound), plus the first IFM block's read and the last OFM block's write (an operator that is
  scheduled alone is both first and last): memory latency + block bytes / bandwidth.

The OFM block is the OFM clipped to `ofm_block_max_*` (regor `_ofmBlockMax`, 32x64x128) and
rounded up to micro-blocks; Vela's block search may pick a smaller block to fit its buffer,
which edgesim does not model. The IFM block is the input that OFM block needs, with the kernel
clipped to the sub-kernel (`GetArchIFMBlockSize`), clipped to the IFM. Transfers are taken as
whole bursts. Nothing here is fitted.
"""

from __future__ import annotations

import math

from sim.graph.loops import Loops
from sim.spec.model import Memory, SystolicArray

CMD_ISSUE_DIVISOR = 4  # regor EstimateMacOpCycles: cmdIssueLimitCycles = (...) / 4, "Per DPU"
MAC_DELAY_CYCLES = 2  # regor EstimateMacCyclesPerBlock: delay 2 (3 only with 40-bit accumulators on <= 128 MACs)


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def block_cycles(latency_cycles: int, nbytes: int, mem: Memory) -> int:
    """A block's transfer: first-beat latency plus its bytes at the memory's bandwidth
    (regor MinimumIfmCycles / MinimumOfmCycles, whole bursts)."""
    return latency_cycles + int(nbytes / mem.bandwidth_bytes_per_cycle)


def mac_op_cycles(mac_per_block: float, out_per_block: float, blocks: float, ifm_block: int, ofm_block: int) -> int:
    """regor EstimateMacOpCycles for an operator scheduled alone (first and last)."""
    gap = abs(ofm_block - ifm_block) if blocks > 1 else 0
    cmd = (gap + mac_per_block + out_per_block) / CMD_ISSUE_DIVISOR
    mac, out = max(mac_per_block, cmd), max(out_per_block, cmd)
    total = int(mac * blocks) + out if mac > out else out * blocks + mac
    return int(int(total) + ofm_block + ifm_block)


def pool_cycles(lp: Loops, ifm_bits: int, ofm_bits: int, arr: SystolicArray, mem: Memory) -> int:
    """Cycles of a pooling layer on a part with `pool_subkernel_size` set (see the module)."""
    side = arr.pool_subkernel_size
    ub = (arr.ofm_ublock_height, arr.ofm_ublock_width, arr.ofm_ublock_depth)
    ofm = (lp.N * lp.OH, lp.OW, lp.K)
    cap = (arr.ofm_block_max_height, arr.ofm_block_max_width, arr.ofm_block_max_depth)
    block = tuple(_ceil(min(o, c), u) * u for o, c, u in zip(ofm, cap, ub))  # the configured OFM block
    used = tuple(min(b, o) for b, o in zip(block, ofm))  # clipped to the OFM
    ublocks = math.prod(_ceil(u, s) for u, s in zip(used, ub))
    blocks = math.prod(_ceil(o, s) for o, s in zip(ofm, ub)) / ublocks
    subs = [min(lp.KH - y, side) * min(lp.KW - x, side) for x in range(0, lp.KW, side) for y in range(0, lp.KH, side)]
    mac = sum(max(arr.pool_min_taps, e) for e in subs) * ublocks * ifm_bits * arr.pool_cycles_per_ifm_bit
    if ublocks == 1:
        mac += MAC_DELAY_CYCLES * len(subs)
    out = math.ceil(arr.ofm_cycles_per_element * math.prod(used))
    ifm_h = min((block[0] - 1) * lp.stride_h + min(lp.KH, side), lp.N * lp.IH)
    ifm_w = min((block[1] - 1) * lp.stride_w + min(lp.KW, side), lp.IW)
    ifm_block = block_cycles(mem.read_latency_cycles, ifm_h * ifm_w * used[2] * ifm_bits // 8, mem)
    ofm_block = block_cycles(mem.write_latency_cycles, math.prod(used) * ofm_bits // 8, mem)
    return mac_op_cycles(mac, out, blocks, ifm_block, ofm_block)


# --- softmax ------------------------------------------------------------------------------
# Vela 5.2 regor lowers an int8 SOFTMAX into NPU passes (compiler/softmax.cpp, GetGraph8Bit):
# a max over each row (a pooling), a subtract with the exp LUT fused, a shift, a sum over each
# row (a 1x1 reduction), then per-row reciprocal arithmetic (CLZ, two SUBs, SHL, MUL, ADD,
# three Newton-Raphson rounds of MUL, SUB, MUL, MUL, ADD) and a final MUL and shift over the
# row. Elementwise passes are priced as regor's EstimateElementwiseCycles prices them: output
# cycles per element over the OFM elements (depth rounded up to the 16-deep NHCWB16 brick; the
# graph output is not rounded) at the rate of its output table (outputCycles[5] advanced
# add/sub for the int8 SUB, [1] int32 binary, [0] int32 unary). The two reductions are MAC ops
# (`mac_op_cycles`); the per-row int32 passes also meet regor's command-issue limit, which binds
# where a constant operand sits in slow off-chip memory (`row_pass_cycles`). Not modelled: the
# flash read that bounds the exponentials' shift, and the broadcast ADD Vela adds.
# the 20 int32 binary passes on one element per row: half take a constant scalar operand (SUB from
# headroom_offset, SUB one, MUL by -32/17, ADD 48/17, and per round SUB from F2_one, MUL by four),
# which Vela places with the other constants (the off-chip memory here); the rest read the scratchpad
ROW_PASSES_WITH_CONSTANT = 2 + 2 + 3 * 2
ROW_PASSES_WITHOUT_CONSTANT = 1 + 3 * 3  # SHL, and per round MUL, MUL, ADD
INT32_BYTES = 4
NHCWB16_DEPTH = 16  # regor EstimateElementwiseCycles: Shape::RoundAway(ofm, (1, 1, 1, 16)) for NHCWB16
REDUCE_STEP_CYCLES = 4  # regor EstimateMacCyclesPerBlock ReduceSum: max(cyclesWb, 4 x micro-blocks WH), cyclesWb = 4 x ublock depth


def row_pass_cycles(rows: int, rate: float, arr: SystolicArray, mem: Memory, operand: Memory) -> int:
    """An int32 elementwise pass over one element per row (regor EstimateElementwiseCycles):
    the larger of its output cycles and its command-issue limit, (the slower of the operand
    block's read and the OFM block's write / OFM block elements + rate) / 4 per element. A
    scalar int32 operand is read in whole bursts of the off-chip memory, out of a run of
    `ofm_ublock_depth` int32 values (regor EstimateMemoryTransfer, NHWC read)."""
    elements = rows * NHCWB16_DEPTH
    block = arr.ofm_ublock_height * arr.ofm_ublock_width * arr.ofm_ublock_depth * _ceil(
        min(rows, arr.ofm_block_max_width), arr.ofm_ublock_width)
    burst = max(operand.burst_bytes, 1)
    read = INT32_BYTES * burst // min(burst, INT32_BYTES * arr.ofm_ublock_depth)
    blk = max(block_cycles(operand.read_latency_cycles, read, operand),
              block_cycles(mem.write_latency_cycles, INT32_BYTES, mem))
    cmd = math.ceil((blk / block + rate) / CMD_ISSUE_DIVISOR * elements)
    return max(math.ceil(rate * elements), cmd)


def softmax_cycles(rows: int, depth: int, arr: SystolicArray, mem: Memory, constants: Memory) -> int:
    """Cycles of an int8 softmax over `rows` rows of `depth` logits on a part with
    `softmax_lowering: ethos-u` (the passes above); `constants` is the memory holding
    constant tensors."""
    brick = _ceil(depth, NHCWB16_DEPTH) * NHCWB16_DEPTH
    per_row = rows * NHCWB16_DEPTH  # a one-element row fills one brick
    # pass 0: the row max, a pooling of a 1 x depth kernel over int8 into one element per row
    row_max = Loops(N=1, OH=rows, OW=1, K=1, C=1, KH=1, KW=depth, stride_h=1, stride_w=1, depthwise=True,
                    IH=rows, IW=depth)
    cycles = pool_cycles(row_max, 8, 8, arr, mem)
    cycles += math.ceil(arr.elementwise_cycles_per_element * rows * brick)  # SUB (int8) with the exp LUT
    cycles += math.ceil(arr.elementwise32_cycles_per_element * rows * brick)  # ASR of the exponentials
    # the row sum of int32 exponentials: one 1x1 step per micro-block, over ceil(depth / ifm block) blocks
    ublocks_wh = _ceil(rows, arr.ofm_ublock_width)
    mac = REDUCE_STEP_CYCLES * max(arr.ofm_ublock_depth, ublocks_wh) * _ceil(depth, max(arr.ifm_block_max_depth, 1))
    if ublocks_wh == 1:
        mac += MAC_DELAY_CYCLES
    out = math.ceil(arr.ofm_cycles_per_element * rows)
    cycles += mac_op_cycles(mac, out, 1, block_cycles(mem.read_latency_cycles, rows * depth * 4, mem),
                            block_cycles(mem.write_latency_cycles, rows * 4, mem))
    cycles += math.ceil(arr.unary32_cycles_per_element * per_row)  # CLZ
    rate = arr.elementwise32_cycles_per_element
    cycles += ROW_PASSES_WITH_CONSTANT * row_pass_cycles(rows, rate, arr, mem, constants)
    cycles += ROW_PASSES_WITHOUT_CONSTANT * row_pass_cycles(rows, rate, arr, mem, mem)
    cycles += math.ceil(arr.elementwise32_cycles_per_element * rows * brick)  # MUL of the row by 1 / sum
    cycles += math.ceil(arr.elementwise32_cycles_per_element * rows * depth)  # ASR into the int8 output
    return int(cycles)
