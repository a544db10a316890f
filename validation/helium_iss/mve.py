"""What a Cortex-M55 run executed, by instruction kind, from the plugin's counts and the ELF.

The QEMU plugin (plugin/insn_count.c) reports, per executed instruction address, its executions
and the data bytes it loaded from the weights window, loaded elsewhere and stored. This module
joins them with the image's disassembly (`arm-none-eabi-objdump -d -m armv8.1-m.main`, which
decodes MVE) and its function symbols, keeps the instructions of the functions that are not the
harness's, and sorts them into kinds, a partition of the executed instructions:

  vldr_w     MVE loads (VLDRB/H/W/D, gathers, VLD2/VLD4) whose bytes came from the weights window
  vldr_act   the other MVE loads (activations, im2col buffer, per-channel multipliers and shifts)
  vstr       MVE stores (VSTRB/H/W/D, scatters, VST2/VST4)
  vmac       MVE multiply-accumulates: VMLADAV(A)/VMLAV(A) (and X/long forms), VMLA/VMLAS, VRMLALDAVH
  vaddv      MVE across-vector adds VADDV(A)/VADDLV(A) (the weight sums for the input offset)
  vmul       MVE multiplies without accumulation (VMUL, VMULL, VMULH)
  vreq       MVE requantisation: VQRDMULH/VQDMULH, VRSHL/VRSHR, VQRSHL, VSHL by register
  vpred      MVE predication: VCTP, VPST, VPT, VPSEL, VMSR/VMRS of P0
  valu       other MVE data processing (VADD, VSUB, VAND, VMAX/VMIN, VDUP, VMOV(L/N), VCMP, VSHR ...)
  loop       low-overhead loops: WLS/WLSTP/DLS/DLSTP/LE/LETP/LCTP
  ld_w       scalar loads from the weights window (bias, weights in scalar tails)
  ld_sp      scalar loads addressed off SP (spills, reloads, POP)
  ld_act     the other scalar loads (incl. LDM, VLDR/VLDM of S/D registers)
  st         scalar stores (incl. STM/PUSH, VSTR/VSTM/VPUSH of S/D registers)
  mac        scalar multiply-accumulates (MLA, SMLAL ...)
  branch     B/BL/BLX/BX/CBZ/CBNZ/TBB/TBH
  alu        every other scalar instruction (data processing, MUL, SMULL, IT ...)
"""

from __future__ import annotations

import bisect
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import m55_timing

KINDS = ("vldr_w", "vldr_act", "vstr", "vmac", "vaddv", "vmul", "vreq", "vpred", "valu", "loop",
         "ld_w", "ld_act", "ld_sp", "st", "mac", "branch", "alu")
VECTOR_KINDS = frozenset({"vldr_w", "vldr_act", "vstr", "vmac", "vaddv", "vmul", "vreq", "vpred", "valu"})

_V_LOAD = re.compile(r"^(vldr[bhwd]|vld[24][0-3])")
_V_STORE = re.compile(r"^(vstr[bhwd]|vst[24][0-3])")
_V_MAC = re.compile(r"^(vmladav|vmlav|vmlaldav|vmlalv|vmlsdav|vmlsldav|vrmlaldavh|vrmlalvh|vmla\.|vmlas\.|vmla$|vmlas$)")
_V_ADDV = re.compile(r"^(vaddv|vaddlv)")
_V_MUL = re.compile(r"^(vmul|vmull|vmulh|vrmulh)")
_V_REQ = re.compile(r"^(vqrdmulh|vqdmulh|vrshl|vrshr|vqrshl|vqrshr|vshl\.[su]32\s|vshl\.[su]\d+\s+q\d+, q\d+, q)")
_V_PRED = re.compile(r"^(vctp|vpst|vpt|vpsel|vpnot)")
_LOOP = frozenset({"wls", "wlstp", "dls", "dlstp", "le", "letp", "lctp"})
_BRANCH = frozenset({"b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh"})
_MAC = frozenset({"mla", "mls", "smlal", "umlal", "smlad", "smladx", "smlald", "smlabb", "smlabt", "smlatb",
                  "smlatt", "smlawb", "smlawt", "smmla", "smmlar", "smlsd", "umaal"})
# scalar (and S/D register) loads and stores by base mnemonic
_LOADS = ("ldr", "ldm", "pop", "vldr", "vldm", "vpop", "ldrex", "lda")
_STORES = ("str", "stm", "push", "vstr", "vstm", "vpush", "strex", "stl")


@dataclass(frozen=True)
class Insn:
    mnemonic: str       # as objdump prints it, e.g. "vldrb.u8"
    operands: str
    function: str


def _base(mnemonic: str) -> str:
    """Mnemonic without data type, condition-width suffix or IT condition (ldr.w -> ldr, vldrb.u8 -> vldrb)."""
    return mnemonic.split(".")[0]


def _strip_cond(base: str) -> str:
    for c in ("eq", "ne", "cs", "cc", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"):
        if base.endswith(c) and len(base) > len(c) and base[: -len(c)] in _BRANCH | _MAC:
            return base[: -len(c)]
    return base


def kind_of(insn: Insn, window_bytes: int, load_bytes: int) -> str:
    """The kind (module docstring) of one instruction; loads split by where their bytes came from."""
    m, ops = insn.mnemonic, insn.operands
    text = f"{m} {ops}"
    base = _strip_cond(_base(m))
    if base in _LOOP:
        return "loop"
    if base in ("vmsr", "vmrs") and "p0" in ops:
        return "vpred"       # the predicate register P0 to / from a core register
    is_q = "q" in re.sub(r"\[.*?\]", "", ops) and re.search(r"\bq\d", ops) is not None
    if m.startswith("v") and (is_q or _V_PRED.match(m) or _V_ADDV.match(m) or _V_MAC.match(m)):
        if _V_LOAD.match(m):
            return "vldr_w" if window_bytes > load_bytes else "vldr_act"
        if _V_STORE.match(m):
            return "vstr"
        if _V_MAC.match(m):
            return "vmac"
        if _V_ADDV.match(m):
            return "vaddv"
        if _V_MUL.match(m):
            return "vmul"
        if _V_REQ.match(text):
            return "vreq"
        if _V_PRED.match(m):
            return "vpred"
        return "valu"
    if base.startswith(_LOADS):
        if window_bytes > load_bytes:
            return "ld_w"
        return "ld_sp" if re.search(r"\[sp\b", ops) or base in ("pop", "vpop") else "ld_act"
    if base.startswith(_STORES):
        return "st"
    if base in _BRANCH:
        return "branch"
    if base in _MAC:
        return "mac"
    return "alu"


@dataclass
class Image:
    """An ELF's symbols, function ranges and disassembly by address."""

    elf: Path
    symbols: dict[str, int]
    functions: list[tuple[int, int, str]]            # (start, end, name), sorted
    insns: dict[int, Insn] = field(default_factory=dict)

    @classmethod
    def load(cls, elf: Path) -> Image:
        nm = subprocess.run(["arm-none-eabi-nm", "-S", "--defined-only", str(elf)], capture_output=True,
                            text=True, check=True).stdout
        symbols: dict[str, int] = {}
        functions = []
        for line in nm.splitlines():
            parts = line.split()
            if len(parts) == 4:
                addr, size, typ, name = int(parts[0], 16), int(parts[1], 16), parts[2], parts[3]
                if typ in "tT":
                    functions.append((addr & ~1, (addr & ~1) + size, name))
            elif len(parts) == 3:
                addr, typ, name = int(parts[0], 16), parts[1], parts[2]
            else:
                continue
            symbols[name] = addr
        img = cls(elf, symbols, sorted(functions))
        img._disassemble()
        return img

    def function_at(self, addr: int) -> str:
        starts = [f[0] for f in self.functions]
        i = bisect.bisect_right(starts, addr) - 1
        if i >= 0 and addr < self.functions[i][1]:
            return self.functions[i][2]
        return "?"

    def _disassemble(self) -> None:
        text = subprocess.run(["arm-none-eabi-objdump", "-d", "-m", "armv8.1-m.main", str(self.elf)],
                              capture_output=True, text=True, check=True).stdout
        func = "?"
        for line in text.splitlines():
            head = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
            if head:
                func = head[1]
                continue
            m = re.match(r"^\s*([0-9a-f]+):\s+(?:[0-9a-f]{4}\s?){1,2}\s*\t(\S+)\s*(.*)$", line)
            if m:
                ops = m[3].split(";")[0].split("@")[0].strip()
                self.insns[int(m[1], 16)] = Insn(m[2], ops, func)


@dataclass
class LayerCounts:
    instructions: int = 0
    vector: int = 0
    scalar: int = 0
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    vldr_w_bytes: int = 0
    vldr_act_bytes: int = 0
    vstr_bytes: int = 0
    functions: dict[str, int] = field(default_factory=dict)
    function_kinds: dict[str, dict[str, int]] = field(default_factory=dict)   # function -> kind -> executions
    function_cycles: dict[str, int] = field(default_factory=dict)             # function -> block_cycles
    mnemonics: dict[str, int] = field(default_factory=dict)
    routine: str = "?"
    trapped: str = ""
    cycles_m55: int = 0           # m55_timing.block_cycles: beats overlap across pipelines
    cycles_m55_serial: int = 0    # m55_timing.serial_cycles: no overlap


# the CMSIS-NN entry points, in the order a layer's routine is named by (the first that ran)
ROUTINES = ("arm_convolve_1x1_s8_fast", "arm_convolve_1_x_n_s8", "arm_convolve_s8", "arm_depthwise_conv_3x3_s8",
            "arm_depthwise_conv_s8_opt", "arm_depthwise_conv_s8", "arm_fully_connected_s8",
            "arm_elementwise_add_s8", "arm_avgpool_s8", "arm_softmax_s8", "arm_max_pool_s8",
            "arm_elementwise_mul_s8")


def count_layer(img: Image, counts_file: Path, skip_functions: frozenset[str]) -> LayerCounts:
    """Sum the plugin's per-address counts into kinds, for the functions outside `skip_functions`."""
    per_addr: dict[int, list[int]] = {}
    blocks: dict[tuple[int, ...], int] = {}       # instruction addresses of a block -> executions
    current: list[int] = []
    executions = 0
    for line in counts_file.read_text().splitlines():
        if line.startswith("B "):
            if current:
                blocks[tuple(current)] = blocks.get(tuple(current), 0) + executions
            executions, current = int(line.split()[1]), []
            continue
        a, _size, n, wb, ob, sb = line.split()
        current.append(int(a, 16))
        rec = per_addr.setdefault(int(a, 16), [0, 0, 0, 0])
        rec[0] += int(n)
        rec[1] += int(wb)
        rec[2] += int(ob)
        rec[3] += int(sb)
    res = LayerCounts()
    for addr, (n, wb, ob, sb) in per_addr.items():
        insn = img.insns.get(addr)
        if insn is None:
            raise RuntimeError(f"{img.elf}: executed address {addr:#x} is not in the disassembly")
        if insn.function in skip_functions or n == 0:
            continue
        if insn.mnemonic.startswith("bkpt"):
            res.trapped = insn.function
        kind = kind_of(insn, wb, ob)
        res.kinds[kind] += n
        res.instructions += n
        if kind in VECTOR_KINDS:
            res.vector += n
        else:
            res.scalar += n
        if kind == "vldr_w":
            res.vldr_w_bytes += wb + ob
        elif kind == "vldr_act":
            res.vldr_act_bytes += wb + ob
        elif kind == "vstr":
            res.vstr_bytes += sb
        res.functions[insn.function] = res.functions.get(insn.function, 0) + n
        fk = res.function_kinds.setdefault(insn.function, dict.fromkeys(KINDS, 0))
        fk[kind] += n
        key = f"{kind}:{insn.mnemonic}"
        res.mnemonics[key] = res.mnemonics.get(key, 0) + n
    if current:
        blocks[tuple(current)] = blocks.get(tuple(current), 0) + executions
    for addrs, n in blocks.items():
        kept = [a for a in addrs if img.insns[a].function not in skip_functions]
        pipes = [m55_timing.pipe_and_hold(img.insns[a].mnemonic, img.insns[a].operands) for a in kept]
        cycles = n * m55_timing.block_cycles(pipes)
        res.cycles_m55 += cycles
        if kept:    # a block lies in one function (calls and returns end QEMU's blocks)
            func = img.insns[kept[0]].function
            res.function_cycles[func] = res.function_cycles.get(func, 0) + cycles
        res.cycles_m55_serial += n * m55_timing.serial_cycles(pipes)
    ran = [r for r in ROUTINES if r in res.functions]
    res.routine = ran[0] if ran else "?"
    return res
