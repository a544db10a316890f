"""Cortex-M55 cycles of executed blocks: MVE beats on four pipes, single-issue scalar core.

Source: the Cortex-M55 scheduling model Arm contributed to LLVM
(llvm/lib/Target/ARM/ARMScheduleM55.td, "CortexM55Model"), the only instruction-level timing of
the core found in public reference text (no Software Optimization Guide for the M55 was found):
  - the MVE/FP unit has four pipelines: load/store, integer, float/multiply, control;
  - every MVE instruction takes two beats (64 bits each) and holds its pipeline two cycles
    (ReleaseAtCycles=[2]); the first beat of the next instruction overlaps the second beat of
    the previous one when the two use different pipelines (VLDR;VADD;VMUL;VSTR in 5 cycles,
    VLDR;VLDRB;VADD;VSTR in 6);
  - VCTP, VPST, VPNOT: control pipeline, one cycle; VMSR/VMRS (P0 to/from a core register) and
    loads/stores of S/D registers (VLDR/VSTR/VPUSH/VPOP): one cycle on their pipeline;
  - scalar instructions: one ALU, one issue per cycle (the model's dual issue of some 16-bit
    pairs is not used here).
Pipeline assignment follows that file's InstRW lists: loads/stores on load/store; VADD/VSUB,
VAND/VORR/VEOR/VBIC/VMVN, VMAX/VMIN, VDUP, VMOVL/VMOVN, VQADD/VQSUB, VSHL/VRSHL/VQRSHL, VSHR/VRSHR,
VPSEL, VMOV q on integer; VMUL, VQ(R)DMULH, VMLA/VMLADAV/VMLAV/VMLALDAV, VADDV/VADDLV, VCMP/VPT,
VMOV to/from lanes on float/multiply.

What `block_cycles` leaves out (so it is a throughput estimate, not a cycle-exact one): data
dependencies (the model's latencies of 1-4 cycles; the MVE loops here interleave independent
accumulators), taken-branch refills (MispredictPenalty 3 in the model; the plugin does not see
which way a branch went), overlap across block boundaries (each block starts with idle pipes),
dual issue, and memory wait states (TCM, zero wait). `serial_cycles` is the same instructions with
no beat overlap at all (every MVE instruction two cycles): the two bracket the model's cycles.
"""

from __future__ import annotations

import re

LS, INT, FP, SYS, ALU = range(5)

_LS = re.compile(r"^v(ldr[bhwd]|str[bhwd]|ld[24]|st[24])")
_SYS = re.compile(r"^v(ctp|pst|pnot)")
_FP = re.compile(r"^v(mul|qdmul|qrdmul|rmulh|mla|mls|rmla|addv|addlv|cmp|pt|fma|fms|cmul|mov\.i)")
_INT = re.compile(r"^v(add|sub|and|orr|orn|eor|bic|mvn|max|min|dup|movl|movn|qmov|qadd|qsub|shl|rshl|qrshl|qshl|shr|rshr|psel|"
                  r"mov|neg|abs|qneg|qabs|hadd|hsub|rhadd|rev|cls|clz|sli|sri|adc|sbc|brsr|abd|abav|qrshr|qshr)")


def pipe_and_hold(mnemonic: str, operands: str) -> tuple[int, int]:
    """(pipeline, cycles it is held) for one instruction, after ARMScheduleM55.td."""
    m = mnemonic
    if not m.startswith("v"):
        return ALU, 1
    vector = re.search(r"\bq\d", operands) is not None or m.startswith(("vctp", "vpst", "vpnot", "vaddv", "vaddlv",
                                                                         "vmladav", "vmlav", "vmlaldav", "vpt"))
    if m.startswith(("vmsr", "vmrs")):
        return FP, 1
    if not vector:                      # VLDR/VSTR/VPUSH/VPOP of S/D registers and other FP moves
        return (LS, 1) if m.startswith(("vldr", "vstr", "vpush", "vpop", "vldm", "vstm")) else (FP, 1)
    if _SYS.match(m):
        return SYS, 1
    if _LS.match(m):
        return LS, 2
    text = f"{m} {operands}"
    if m.startswith("vmov") and re.match(r"^vmov(\.\d+)?\s+(r\d|q\d+\[)", text):
        return FP, 2                     # VMOV to/from a lane
    if _FP.match(text):
        return FP, 2
    if _INT.match(m):
        return INT, 2
    return FP, 2


def block_cycles(pipes: list[tuple[int, int]]) -> int:
    """Cycles of one pass through a block: in-order single issue, each instruction one cycle
    after the previous at the earliest and when its pipeline is free; the block ends when the
    last instruction has issued and every pipeline has drained."""
    free = [0, 0, 0, 0, 0]
    start = -1
    for pipe, hold in pipes:
        start = max(start + 1, free[pipe])
        free[pipe] = start + hold
    return max(start + 1, max(free)) if pipes else 0


def serial_cycles(pipes: list[tuple[int, int]]) -> int:
    """The same block with no overlap of beats: every instruction its full hold time."""
    return sum(hold for _pipe, hold in pipes)
