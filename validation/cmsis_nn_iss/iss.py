"""Instruction-level Cortex-M4 run of a bare-metal ELF: what executed, by class, and its cycles.

Unicorn (QEMU) executes the code; its M-class mode always instantiates QEMU's Cortex-M33, which
executes the Cortex-M4's Thumb-2 and DSP instructions alike (the timing below is the M4's). Counting is per translated
basic block, not per instruction: a UC_HOOK_BLOCK callback counts how often each block runs;
each distinct block is decoded once with Capstone and its per-class counts and static cycles
are cached, so the Python cost is one dictionary update per block execution.

Classes (a partition of the executed instructions):
  mac       multiply-accumulate: SMLAD/SMLADX/SMLALD, SMLAxy/SMLAWx, SMLAL*/UMLAL, MLA/MLS, SMMLA, SMLSD
  ld_w      loads whose data came from the weights window in flash (weights and bias)
  ld_const  loads from the rest of flash (literal pools, constant tables)
  ld_act    loads from SRAM (activations, im2col buffer, per-channel multipliers, stack);
            `sp_loads` is its subset addressed off SP (spills, POP)
  st        stores
  branch    B/BL/BLX/BX/CBZ/CBNZ/TBB/TBH, split into taken and not taken
  alu       everything else (data processing, MUL/SMULL/SMUAD, IT, NOP); `mul` is its multiply subset
Load sources are observed, not guessed: a ranged UC_HOOK_MEM_READ on flash records the bytes each
load instruction (by PC) read there; dividing by the bytes that instruction reads per execution
gives how many of its executions were flash loads. An instruction fetch is not a data read.

Timing (Cortex-M4 Technical Reference Manual, Arm DDI 0439, Table 3-1 "Cortex-M4 instruction set
summary" and 3.3.2 "Load/store timings"), zero-wait-state memory:
  data processing, MUL, MLA/MLS, SMULL/UMULL/SMLAL/UMLAL, SMLAD and the other DSP multiplies: 1
  SDIV/UDIV: 2 to 12, data dependent; charged `div_cycles` (default 7, the midpoint)
  single LDR*/STR*: 2; N neighbouring single loads/stores pipeline to N + 1 (each one after the
    first costs 1); a load with base writeback ("LDR Rx!" incl. post-index) is not pipelined;
    after a store nothing is pipelined (3.3.2)
  LDM/STM/PUSH/POP: 1 + N; LDRD/STRD: as a two-register LDM/STM, 1 + 2
  branch: 1 if not taken, 1 + P if taken, P = pipeline refill (default 2, TRM: "1-3 cycles");
    BL/BLX/BX and loads into PC (POP {pc}, LDR pc) always refill: + P
  TBB/TBH: 2 + P
  IT: 1 (the TRM allows it to fold into the previous instruction; not modelled)
Flash wait states are not modelled here: flash_read_bytes reports the data read from flash so that
edgesim can price them with the part's wait states.

Cortex-M0+ (`M0PLUS_TIMING`, Machine(cpu="cortex-m0plus"): Unicorn's ARMv6-M Cortex-M0 model, which
faults on any Thumb-2 instruction): Cortex-M0+ Technical Reference Manual, Arm DDI 0484C, Table 3-1
"Cortex-M0+ instruction set summary", zero-wait-state memory:
  data processing 1; MULS 1 with the fast single-cycle multiplier (the iterative option takes 32),
    taken for the STM32G0 ("Multiply in 1-cycle" in ST's Cortex-M0+ core overview, read in its
    STM32U0 edition; the G0's own figure was not looked up); `mul_cycles`
  LDR*/STR* 2, no pipelining of neighbouring loads (a 2-stage pipeline: pipelined_cycles = 2)
  LDM/STM/PUSH/POP 1 + N; POP {..., pc} 3 + N (1 + N + 1 loads + P)
  branch: not taken 1, taken 2 (P = 1); BX/BLX 2 (1 + P); BL 3 (1 + P + `bl_extra_cycles`)
ARMv6-M has no divide, IT, CBZ or table branch: GCC calls libgcc's __aeabi_idiv and friends, and
64-bit multiplies call __aeabi_lmul; their instructions are counted under their own function name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import capstone
from capstone import arm as cs_arm
from unicorn import UC_ARCH_ARM, UC_HOOK_BLOCK, UC_HOOK_MEM_READ, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
from unicorn import arm_const as uc_arm

CLASSES = ("mac", "ld_act", "ld_w", "ld_const", "st", "branch", "alu")

MAC = frozenset({
    "smlad", "smladx", "smlald", "smlaldx", "smlabb", "smlabt", "smlatb", "smlatt", "smlawb",
    "smlawt", "smlal", "smlalbb", "smlalbt", "smlaltb", "smlaltt", "umlal", "umaal", "mla", "mls",
    "smmla", "smmlar", "smmls", "smmlsr", "smlsd", "smlsdx", "smlsld", "smlsldx",
})
MUL = frozenset({
    "mul", "smull", "umull", "smulbb", "smulbt", "smultb", "smultt", "smulwb", "smulwt", "smmul",
    "smmulr", "smuad", "smuadx", "smusd", "smusdx",
})
DIV = frozenset({"sdiv", "udiv"})
LOAD1 = frozenset({"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrt", "ldrbt", "ldrht", "ldrsbt",
                   "ldrsht", "ldrex", "ldrexb", "ldrexh"})
LOAD1_BYTES = {"ldrb": 1, "ldrsb": 1, "ldrbt": 1, "ldrsbt": 1, "ldrexb": 1,
               "ldrh": 2, "ldrsh": 2, "ldrht": 2, "ldrsht": 2, "ldrexh": 2}
STORE1 = frozenset({"str", "strb", "strh", "strt", "strbt", "strht", "strex", "strexb", "strexh"})
LOADM = frozenset({"ldm", "ldmdb", "pop"})
STOREM = frozenset({"stm", "stmdb", "push"})
BRANCH = frozenset({"b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh"})
ALWAYS_REFILL = frozenset({"bl", "blx", "bx"})


@dataclass(frozen=True)
class Timing:
    """Cortex-M4 cycle parameters (see the module docstring for the TRM table they come from)."""

    refill_cycles: int = 2        # P: pipeline refill after a taken branch (TRM: 1-3)
    div_cycles: int = 7           # SDIV/UDIV: 2-12, midpoint
    load_cycles: int = 2          # single LDR/STR not pipelined
    pipelined_cycles: int = 1     # each further single load/store in a pipelined run
    it_cycles: int = 1            # IT (folding not modelled)
    pipeline_after_store: bool = False  # TRM 3.3.2: nothing is pipelined after a store
    mul_cycles: int = 1           # MUL, SMULL and the other multiplies without accumulate
    bl_extra_cycles: int = 0      # BL beyond 1 + P (Cortex-M0+: 3 = 1 + 1 + 1)


# Cortex-M0+ TRM (DDI 0484C) Table 3-1, fast multiplier; see the module docstring
M0PLUS_TIMING = Timing(refill_cycles=1, div_cycles=0, load_cycles=2, pipelined_cycles=2, it_cycles=0,
                       mul_cycles=1, bl_extra_cycles=1)
# spec core name -> (Unicorn CPU model, default timing)
CPUS = {"cortex-m4": (uc_arm.UC_CPU_ARM_CORTEX_M4, Timing()),
        "cortex-m0plus": (uc_arm.UC_CPU_ARM_CORTEX_M0, M0PLUS_TIMING)}


@dataclass(frozen=True)
class Block:
    """Static summary of one translated block: per-class counts and cycles without branch penalty."""

    n: int
    counts: tuple[int, ...]       # per CLASSES
    mul: int
    sp_loads: int                 # loads addressed off SP (stack; a subset of the SRAM loads)
    cycles: int                   # static cycles (branch taken penalty excluded)
    loads: tuple[tuple[int, int], ...]  # (pc, data bytes read per execution) for every load
    ends_branch: bool             # last instruction is a branch-class instruction
    head_pipelines: bool          # first instruction would pipeline after a load (a single LDR/STR)
    tail_open: bool               # last instruction leaves the load/store pipeline open
    refill_if_taken: int          # penalty when control leaves to a non-fall-through address
    fallthrough: int
    func: str
    unsupported: tuple[str, ...]  # mnemonics we cannot time (floating point, coprocessor)


def _regs(insn: capstone.CsInsn) -> list[int]:
    return [op.reg for op in insn.operands if op.type == cs_arm.ARM_OP_REG]


def _sp_based(insn: capstone.CsInsn) -> int:
    return int(any(op.type == cs_arm.ARM_OP_MEM and op.mem.base == cs_arm.ARM_REG_SP for op in insn.operands))


def decode_block(md: capstone.Cs, code: bytes, addr: int, func: str, timing: Timing) -> Block:
    """Classify and time the instructions of one block (see module docstring for the rules)."""
    counts = dict.fromkeys(CLASSES, 0)
    mul = 0
    sp_loads = 0
    cycles = 0
    loads: list[tuple[int, int]] = []
    unsupported: list[str] = []
    prev_pipelinable = False  # previous instruction was a single load/store that a next one can follow
    head_pipelines = False
    n = 0
    last_name = ""
    last_writes_pc = False
    end = addr
    for insn in md.disasm(code, addr):
        n += 1
        end = insn.address + insn.size
        name = insn.insn_name()
        last_name = name
        regs = _regs(insn)
        writes_pc = False
        pipelinable_next = False
        if name in LOAD1 or name in STORE1:
            is_load = name in LOAD1
            wb = bool(insn.writeback)
            if n == 1:
                head_pipelines = not (is_load and wb)
            if is_load and wb:
                c = timing.load_cycles
            elif prev_pipelinable:
                c = timing.pipelined_cycles
            else:
                c = timing.load_cycles
            if is_load:
                counts["ld_act"] += 1
                sp_loads += _sp_based(insn)
                loads.append((insn.address, LOAD1_BYTES.get(name, 4)))
                if regs and regs[0] == cs_arm.ARM_REG_PC:
                    writes_pc = True
                pipelinable_next = not wb and not writes_pc
            else:
                counts["st"] += 1
                pipelinable_next = timing.pipeline_after_store
            cycles += c
        elif name in ("ldrd", "strd"):
            cycles += 3
            if name == "ldrd":
                counts["ld_act"] += 1
                sp_loads += _sp_based(insn)
                loads.append((insn.address, 8))
            else:
                counts["st"] += 1
        elif name in LOADM or name in STOREM:
            lst = regs if name in ("pop", "push") else regs[1:]
            cycles += 1 + len(lst)
            if name in LOADM:
                counts["ld_act"] += 1
                sp_loads += name == "pop" or regs[0] == cs_arm.ARM_REG_SP
                loads.append((insn.address, 4 * len(lst)))
                writes_pc = cs_arm.ARM_REG_PC in lst
            else:
                counts["st"] += 1
        elif name in BRANCH:
            counts["branch"] += 1
            cycles += 2 if name in ("tbb", "tbh") else 1
            if name == "bl":
                cycles += timing.bl_extra_cycles
            writes_pc = True
        else:
            if name in MAC:
                counts["mac"] += 1
            else:
                counts["alu"] += 1
                if name in MUL:
                    mul += 1
            if name in DIV:
                cycles += timing.div_cycles
            elif name in MUL:
                cycles += timing.mul_cycles
            elif name == "it":
                cycles += timing.it_cycles
            else:
                cycles += 1
            if name.startswith("v") or name in ("mrc", "mcr", "cdp", "ldc", "stc"):
                unsupported.append(name)
            if regs and regs[0] == cs_arm.ARM_REG_PC and name in ("mov", "add"):
                writes_pc = True
        prev_pipelinable = pipelinable_next
        last_writes_pc = writes_pc
    if n == 0:
        raise RuntimeError(f"capstone could not decode the block at {addr:#x}")
    if end != addr + len(code):
        raise RuntimeError(f"capstone stopped at {end:#x} in the block {addr:#x}+{len(code)}")
    return Block(
        n=n, counts=tuple(counts[c] for c in CLASSES), mul=mul, sp_loads=sp_loads, cycles=cycles,
        loads=tuple(loads),
        ends_branch=last_name in BRANCH, head_pipelines=head_pipelines, tail_open=prev_pipelinable,
        refill_if_taken=timing.refill_cycles if last_writes_pc else 0,
        fallthrough=end, func=func, unsupported=tuple(unsupported),
    )


@dataclass
class Result:
    """What one emulated call executed (counted blocks only)."""

    instructions: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    mul: int = 0
    sp_loads: int = 0
    branches_taken: int = 0
    branches_not_taken: int = 0
    cycles: int = 0
    flash_w_read_bytes: int = 0
    flash_const_read_bytes: int = 0
    functions: dict[str, int] = field(default_factory=dict)  # instructions per function
    unsupported: dict[str, int] = field(default_factory=dict)


class Machine:
    """A Cortex-M4 (or Cortex-M0+, `cpu`) in Unicorn with a flash window for weights and SRAM,
    running one ELF; `timing` defaults to the CPU's table."""

    def __init__(self, flash: tuple[int, int], sram: tuple[int, int], weights: tuple[int, int],
                 timing: Timing | None = None, cpu: str = "cortex-m4") -> None:
        model, default = CPUS[cpu]
        self.cpu = cpu
        self.timing = timing or default
        self.flash, self.sram, self.weights = flash, sram, weights
        # Unicorn's cpu_arm_init replaces any model with its Cortex-M33 when UC_MODE_MCLASS is set;
        # the M0+ is asked for without it (QEMU's cortex-m0 is M-profile by itself, ARMv6-M: a
        # Thumb-2 instruction is UC_ERR_INSN_INVALID). The Cortex-M4 setting keeps the mode, so that
        # runs on the M33 model, which executes the same Thumb-2 and DSP instructions
        self.uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | (0 if cpu == "cortex-m0plus" else UC_MODE_MCLASS))
        self.uc.ctl_set_cpu_model(model)
        self.uc.mem_map(flash[0], flash[1])
        self.uc.mem_map(sram[0], sram[1])
        self.md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        self.md.detail = True
        self.funcs: list[tuple[int, int, str]] = []  # (start, end, name), sorted
        self.skip: tuple[int, int] = (0, 0)          # address range whose blocks are not counted
        self._blocks: dict[tuple[int, int], Block] = {}
        self.uc.hook_add(UC_HOOK_BLOCK, self._on_block)
        self.uc.hook_add(UC_HOOK_MEM_READ, self._on_flash_read, begin=flash[0], end=flash[0] + flash[1] - 1)
        self._reset_counters()

    # -- loading --------------------------------------------------------------------------------
    def load_elf(self, path: Path) -> dict[str, int]:
        """Write the ELF's loadable segments; return its symbols (functions with the Thumb bit cleared)."""
        from elftools.elf.elffile import ELFFile

        symbols: dict[str, int] = {}
        with open(path, "rb") as fh:
            elf = ELFFile(fh)
            for seg in elf.iter_segments():
                if seg["p_type"] == "PT_LOAD" and seg["p_filesz"] > 0:
                    self.uc.mem_write(seg["p_paddr"], seg.data())
            symtab = elf.get_section_by_name(".symtab")
            funcs = []
            for sym in symtab.iter_symbols():  # type: ignore[union-attr]
                value = int(sym["st_value"])
                if sym["st_info"]["type"] == "STT_FUNC":
                    start = value & ~1
                    funcs.append((start, start + int(sym["st_size"]), sym.name))
                    symbols[sym.name] = start
                elif sym.name:
                    symbols.setdefault(sym.name, value)
        self.funcs = sorted(funcs)
        return symbols

    def func_of(self, addr: int) -> str:
        for start, end, name in self.funcs:
            if start <= addr < end:
                return name
        return "?"

    # -- hooks ----------------------------------------------------------------------------------
    def _reset_counters(self) -> None:
        self._exec: dict[tuple[int, int], int] = defaultdict(int)
        self._taken: dict[tuple[int, int], int] = defaultdict(int)
        self._prev: tuple[int, int] | None = None
        self._pipelined_heads: dict[tuple[int, int], int] = defaultdict(int)
        self._flash_bytes: dict[int, int] = defaultdict(int)
        self._weight_bytes: dict[int, int] = defaultdict(int)

    def _on_block(self, uc: Uc, addr: int, size: int, _user: object) -> None:
        prev = self._prev
        key = (addr, size)
        block = self._blocks.get(key)
        if block is None:
            block = self._blocks[key] = decode_block(self.md, bytes(uc.mem_read(addr, size)), addr,
                                                     self.func_of(addr), self.timing)
        if prev is not None:
            pb = self._blocks[prev]
            if addr != pb.fallthrough:
                self._taken[prev] += 1
            elif pb.tail_open and block.head_pipelines:
                # QEMU split a straight run of code (e.g. at a page boundary): the pipelining
                # the block decode could not see across the split is credited here
                self._pipelined_heads[key] += 1
        if self.skip[0] <= addr < self.skip[1]:
            self._prev = None
            return
        self._exec[key] += 1
        self._prev = key

    def _on_flash_read(self, uc: Uc, _access: int, addr: int, size: int, _value: int, _user: object) -> None:
        pc = uc.reg_read(uc_arm.UC_ARM_REG_PC)
        if self.weights[0] <= addr < self.weights[1]:
            self._weight_bytes[pc] += size
        else:
            self._flash_bytes[pc] += size

    # -- running --------------------------------------------------------------------------------
    def call(self, entry: int, sp: int, sentinel: int, max_instructions: int = 0) -> Result:
        """Run entry() with LR = sentinel until it returns; return the counts of the counted blocks."""
        self._reset_counters()
        uc = self.uc
        uc.reg_write(uc_arm.UC_ARM_REG_SP, sp)
        uc.reg_write(uc_arm.UC_ARM_REG_LR, sentinel | 1)
        uc.emu_start(entry | 1, sentinel, count=max_instructions)
        pc = uc.reg_read(uc_arm.UC_ARM_REG_PC)
        if pc != sentinel:
            raise RuntimeError(f"emulation stopped at {pc:#x} ({self.func_of(pc)}), not at the return")
        prev = self._prev
        if prev is not None and sentinel != self._blocks[prev].fallthrough:
            self._taken[prev] += 1
        return self._tally()

    def _tally(self) -> Result:
        res = Result()
        load_bytes: dict[int, int] = {}
        for key, times in self._exec.items():
            b = self._blocks[key]
            taken = self._taken.get(key, 0)
            res.instructions += b.n * times
            for i, c in enumerate(CLASSES):
                res.counts[c] += b.counts[i] * times
            res.mul += b.mul * times
            res.sp_loads += b.sp_loads * times
            res.cycles += b.cycles * times + b.refill_if_taken * taken
            saved = self.timing.load_cycles - self.timing.pipelined_cycles
            res.cycles -= saved * self._pipelined_heads.get(key, 0)
            if b.ends_branch:
                res.branches_taken += taken
                res.branches_not_taken += times - taken
            res.functions[b.func] = res.functions.get(b.func, 0) + b.n * times
            for name in b.unsupported:
                res.unsupported[name] = res.unsupported.get(name, 0) + times
            for pc, nbytes in b.loads:
                load_bytes[pc] = nbytes
        for source, cls in ((self._weight_bytes, "ld_w"), (self._flash_bytes, "ld_const")):
            for pc, nbytes in source.items():
                if pc not in load_bytes:
                    if self.skip[0] <= pc < self.skip[1]:
                        continue
                    raise RuntimeError(f"flash read by {pc:#x}, which is not a decoded load")
                executions, rest = divmod(nbytes, load_bytes[pc])
                if rest:
                    raise RuntimeError(f"load at {pc:#x} read {nbytes} flash bytes, not a multiple of "
                                       f"{load_bytes[pc]}")
                res.counts[cls] += executions
                res.counts["ld_act"] -= executions
                if cls == "ld_w":
                    res.flash_w_read_bytes += nbytes
                else:
                    res.flash_const_read_bytes += nbytes
        res.counts["branch"] = res.branches_taken + res.branches_not_taken
        return res
