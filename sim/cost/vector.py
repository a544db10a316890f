"""MCU cost model: CMSIS-NN (or TFLM reference) int8 kernels on a Cortex-M core.

Model: a layer's cycles are the instructions its library routine issues (counted per
class by `vector_kernels`: MAC, loads, ALU, stores, loop overhead, requantizations) times
the core's cycles per class, plus the interpreter's fixed cost per operator, plus the
stalls of weight loads that miss the flash cache/accelerator and wait `wait_states`
cycles per flash line. A software stack (`kernels`) is a profile: which kernel family it
runs (CMSIS-NN loops, or the scalar TFLM reference loops) and a few calibrated
parameters (`vector_profiles.yaml`): a multiplier on the MAC kernels' cycles, one on the
other operators' cycles, and the per-operator overhead. Vendor stacks (X-CUBE-AI,
Plumerai, microTVM) are calibrated efficiency profiles over the CMSIS-NN structure: their
own kernels are not public, so their parameters are fitted, not derived.

Code model (`Profile.code`): the counts are the loops' own instructions. Stacks that run
CMSIS-NN's C compiled by GCC (`gcc-cmsis-nn`) price each routine's counted loop body times
GCC's expansion of it and its requantizations at the measured epilogue (`gcc_cmsis_nn.yaml`,
fitted on an instruction-level run of the compiled routines: validation/cmsis_nn_iss), so
their fitted scales only carry what the board adds to zero-wait-state execution. TFLM, which
also runs its own C++ reference kernels (every op of `tflm-reference`, the ops CMSIS-NN does
not cover under `cmsis-nn`), takes `gcc`: the CMSIS-NN table and, on the DSP-extension cores
whose Thumb-2 code the run measured, the TFLM reference table (`gcc_tflm_reference.yaml`,
validation/tflm_reference_iss); on ARMv6-M cores the table of GCC's Thumb-1 code for the same
kernels, measured on a Cortex-M0+ (`gcc_tflm_reference_m0plus.yaml`). There a `cmsis-nn` build
runs CMSIS-NN's own non-DSP C, which edgesim counts as the reference loops and prices with the
table of that C's measured Cortex-M0+ cycles per counted loop cycle (`gcc_cmsis_nn_scalar_m0plus.yaml`).

Memory effects: weights stay in flash (`hw.offchip` of kind flash) and are read through
the cache / ART accelerator when the re-read slice fits it; activations live in the
tensor arena, in TCM when the part has a `tcm` level large enough, else in `sram`.
Energy is the part's active power over the layer's time plus per-byte access energy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from sim.cost import vector_kernels as vk
from sim.cost.energy import access_energy, static_energy
from sim.cost.layer import LayerCost, TileStream, Traffic
from sim.errors import SimError
from sim.graph.ir import VIEW_OPS, Graph, Op
from sim.graph.loops import DATA_MOVEMENT_OPS, ELEMENTWISE_OPS, Loops, leading_padding, loops_of, macs_of
from sim.mapping.arena import persistent_bytes_estimate, plan_arena
from sim.mapping.placement import arena_memory, is_mcu, weight_memory
from sim.spec.model import Hardware, VectorUnit
from sim.units import mw_for_cycles_to_pj

log = logging.getLogger(__name__)

PROFILE_FILE = Path(__file__).with_name("vector_profiles.yaml")
CODE_MODEL_FILE = Path(__file__).with_name("gcc_cmsis_nn.yaml")
TFLM_CODE_MODEL_FILE = Path(__file__).with_name("gcc_tflm_reference.yaml")
TFLM_M0PLUS_CODE_MODEL_FILE = Path(__file__).with_name("gcc_tflm_reference_m0plus.yaml")
# CMSIS-NN's non-DSP C measured on a Cortex-M0+, priced over the reference loops it stands behind
CMSIS_NN_M0PLUS_CODE_MODEL_FILE = Path(__file__).with_name("gcc_cmsis_nn_scalar_m0plus.yaml")
# counted: the loops' own instructions; gcc-cmsis-nn: GCC's code for CMSIS-NN's C routines (the
# other ops are not TFLM's code, e.g. microTVM's); gcc: GCC's code for CMSIS-NN's C and for
# TFLM's C++ reference kernels, the two libraries a TFLM build compiles
CODE_MODELS = ("counted", "gcc-cmsis-nn", "gcc")

# Cycles per counted instruction, per class: MAC, LD_ACT, LD_W, ALU, ST, LOOP, REQ.
# Cortex-M4 TRM (DDI 0439) 3.3: SMLAD/MLA 1 cycle, LDR 2 (1 when pipelined behind
# another load), taken branch 1 + pipeline refill (2-4); requantization
# (arm_nn_requantize: SMULL doubling-high multiply, rounding divide by a power of two)
# about 14 instructions.
# Cortex-M33 (same DSP instructions): the M4 table scaled by the ratio of Arm's published
# CoreMark/MHz (M4 3.42, M33 4.02), 0.85: its shorter pipeline makes loads and branches
# cheaper. Cortex-M7 TRM (DDI 0489) 1.2: dual-issue superscalar with branch prediction,
# so ALU and MAC classes pair (~0.6 cycle each) and loop branches are predicted.
# Cortex-M55/M85 TRM: Helium is dual-beat: a 128-bit VMLADAVA (16 int8 MACs) or VLDRB
# takes 2 cycles; scalar instructions issue as on the M33 (M55) or dual-issue (M85).
CORE_CPI: dict[str, tuple[float, ...]] = {
    "cortex-m0": (1.0, 2.0, 2.0, 1.0, 2.0, 3.0, 30.0),
    "cortex-m4": (1.0, 1.5, 1.5, 1.0, 1.0, 3.0, 14.0),
    "cortex-m33": tuple(round(c * 3.42 / 4.02, 4) for c in (1.0, 1.5, 1.5, 1.0, 1.0, 3.0, 14.0)),
    "cortex-m7": (0.6, 1.0, 1.0, 0.6, 0.6, 1.0, 9.0),
    "cortex-m55": (2.0, 2.0, 2.0, 1.0, 2.0, 0.5, 2.0),
    "cortex-m85": (2.0, 2.0, 2.0, 0.6, 2.0, 0.5, 1.5),
}
DEFAULT_CPI = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 6.0)   # application cores and others: 1 IPC
HELIUM_CORES = frozenset({"cortex-m55", "cortex-m85"})
NO_DSP_CORES = frozenset({"cortex-m0"})             # ARMv6-M: no SMLAD, CMSIS-NN runs scalar C
# cores whose GCC code for TFLM's reference kernels the Cortex-M4 run stands for: Armv7E-M and
# Armv8-M Mainline with the DSP extension (Thumb-1 M0+ and Helium cores were not measured)
TFLM_GCC_CORES = frozenset({"cortex-m4", "cortex-m33", "cortex-m7"})
# ARMv6-M cores: GCC's Thumb-1 code for the same kernels, measured on a Cortex-M0+
# (validation/tflm_reference_iss, run_tflm.py --cpu cortex-m0plus)
TFLM_GCC_THUMB1_CORES = frozenset({"cortex-m0"})
REFERENCE_PREFIX = "reference "   # routine names of TFLM's reference loops

PATH_NAMES = {
    ("CONV_2D", vk.GENERIC): "arm_convolve_s8", ("CONV_2D", vk.FAST_1X1): "arm_convolve_1x1_s8_fast",
    ("DEPTHWISE_CONV_2D", vk.FAST_3X3): "arm_depthwise_conv_3x3_s8",
    ("DEPTHWISE_CONV_2D", vk.OPT): "arm_depthwise_conv_s8_opt",
    ("DEPTHWISE_CONV_2D", vk.GENERIC): "arm_depthwise_conv_s8",
    ("FULLY_CONNECTED", vk.GENERIC): "arm_fully_connected_s8",
}
IM2COL_ROUTINE = "arm_convolve_s8"
MULT_4 = " (mult_4)"   # arm_depthwise_conv_s8's depthwise_conv_s8_mult_4 path (multiplier % 4 == 0, batch 1)
MAC_OPS = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"})


@dataclass(frozen=True, slots=True)
class Validation:
    """How far a profile's latency predictions fell from measurements on boards its fit did
    not see, so a user can tell a 5% stack from a 40% one before trusting a number."""

    protocol: str               # e.g. leave-one-board-out
    data: str                   # the measurements it was scored on
    runs: int                   # measured (board, model) runs scored
    boards: int
    median_abs_pct_error: float
    p90_abs_pct_error: float
    releases: str = ""          # the stack releases those runs measured (others may differ)
    cores: str = ""             # the cores those runs measured, comma-separated spec core names
    quantity: str = "latency"   # what was scored: latency, or power (energy at the measured latency)
    parts: str = ""             # the bundled specs whose runs were scored, comma-separated

    def covers(self, core: str) -> bool:
        """The figures say nothing about a core none of the runs measured (a Helium M85 under
        a profile fitted on M4/M33/M7 DSP code)."""
        return not self.cores or core in {c.strip() for c in self.cores.split(",")}

    def text(self) -> str:
        word = "releases" if "," in self.releases else "release"
        releases = f"; stack {word} {self.releases.replace('unstated', 'not stated')}" if self.releases else ""
        return (f"{self.quantity} error median {self.median_abs_pct_error:.1f}%, p90 {self.p90_abs_pct_error:.1f}% "
                f"({self.protocol} on {self.runs} {self.data} runs, {self.boards} boards{releases})")

    def measured(self, part: str) -> bool:
        return part in {p.strip() for p in self.parts.split(",")}


@dataclass(frozen=True, slots=True)
class Profile:
    """A software stack: its kernel family and calibrated parameters."""

    name: str
    family: str                 # "cmsis-nn" or "reference"
    mac_scale: float            # multiplier on the counted cycles of 1x1 CONV, DEPTHWISE and FC
    aux_scale: float            # multiplier on the counted cycles of every other operator
    op_overhead_cycles: float   # interpreter / dispatch cost per operator
    im2col_scale: float = 1.0   # multiplier on the im2col convolutions (arm_convolve_s8)
    code: str = "counted"       # CODE_MODELS: the counted loop instructions, or GCC's code for the C routines
    calibrated: bool = False
    source: str = ""
    validation: Validation | None = None


@lru_cache(maxsize=4)
def load_profiles(path: Path = PROFILE_FILE) -> dict[str, Profile]:
    raw = yaml.safe_load(path.read_text())
    out: dict[str, Profile] = {}
    for name, p in raw["profiles"].items():
        out[name] = Profile(name=name, family=str(p["family"]), mac_scale=float(p["mac_scale"]),
                            aux_scale=float(p["aux_scale"]), op_overhead_cycles=float(p["op_overhead_cycles"]),
                            im2col_scale=float(p.get("im2col_scale", p["mac_scale"])),
                            code=_code_model(path, name, p.get("code", "counted")),
                            calibrated=bool(p.get("calibrated", False)), source=str(p.get("source", "")),
                            validation=Validation(**p["validation"]) if p.get("validation") else None)
    return out


def _code_model(path: Path, profile: str, code: object) -> str:
    if code not in CODE_MODELS:
        raise SimError(f"{path}: profiles.{profile}.code: expected one of {', '.join(CODE_MODELS)}, got {code!r}")
    return str(code)


@lru_cache(maxsize=4)
def code_expansion(path: Path = CODE_MODEL_FILE) -> dict[str, np.ndarray]:
    """Per routine of a code-model table (CMSIS-NN's, or TFLM's reference kernels with
    `TFLM_CODE_MODEL_FILE`), a multiplier per count class: GCC's instructions per counted
    loop instruction on the loop classes, and the measured epilogue over the counted table's
    requantization on REQ, so other cores price them with their own cycles per class.
    `default` (routines the instruction-level run did not cover) is the measured total over
    the counted total. A table's `core` (default cortex-m4) is the core whose cycles its
    epilogues are in, so REQ's multiplier is over that core's counted requantization."""
    raw = yaml.safe_load(path.read_text())
    req = CORE_CPI[str(raw.get("core", "cortex-m4"))][vk.REQ]
    return {name: np.array([float(t["loop_body"])] * vk.REQ + [float(t["epilogue_cycles"]) / req])
            for name, t in raw["routines"].items()}


@lru_cache(maxsize=4)
def power_validation(path: Path = PROFILE_FILE) -> Validation | None:
    """How far the MCU power model (run current, board current, static power and access
    energy, at the measured latency) fell from the EnergyRunner's measurements on boards its
    board current was not fitted on; one figure for every stack, since power does not depend
    on the kernels' speed. Energy adds the profile's latency error to it."""
    raw = yaml.safe_load(path.read_text()).get("power_validation")
    return Validation(**raw) if raw else None


def power_validation_of(hw: Hardware) -> Validation | None:
    """The power validation that applies to `hw`: every MCU part's energy uses the one power
    model; None for other parts."""
    return power_validation() if is_mcu(hw) else None


def profile_named(name: str) -> Profile | None:
    """The profile `name` names: exact, or a STACK@RELEASE whose major.minor release has one.
    The results spell one release several ways (X-CUBE-AI 10.2 and 10.2.0, HALE 1.0 and its
    build 1.0.175) and the release profiles are keyed by major.minor."""
    profiles = load_profiles()
    if name in profiles:
        return profiles[name]
    stack, at, release = name.partition("@")
    return profiles.get(f"{stack}@{'.'.join(release.split('.')[:2])}") if at else None


def profile_of(hw: Hardware, kernels: str | None = None) -> Profile:
    name = kernels or hw.kernels or "cmsis-nn"
    profile = profile_named(name)
    if profile is None:
        raise SimError(f"{hw.name}: kernels: expected one of {', '.join(load_profiles())}, got {name!r}")
    return profile


def validation_of(cost_models: set[str], core: str) -> Validation | None:
    """The validation of the one MCU profile that priced a whole graph, if its runs measured
    this core; None for NPU parts, mixed graphs (an NPU with CPU fallback), profiles never
    scored on measurements and cores they were not scored on."""
    if len(cost_models) != 1:
        return None
    profile = load_profiles().get(next(iter(cost_models)))
    val = profile.validation if profile is not None else None
    return val if val is not None and val.covers(core) else None


@dataclass(frozen=True, slots=True)
class OpWork:
    """What one operator costs before the profile's parameters are applied."""

    counts: np.ndarray          # vector_kernels count classes
    core_cycles: float          # counts x cycles per class
    stall_cycles: float         # flash wait states of weight lines that miss
    is_mac_op: bool
    routine: str
    scratch_bytes: int


def _core(hw: Hardware) -> VectorUnit:
    unit = hw.compute if isinstance(hw.compute, VectorUnit) else hw.cpu
    if unit is None:
        raise SimError(f"{hw.name}: compute: expected a vector unit (MCU core) for the MCU cost model, got none")
    return unit


def code_model_of(code: str, core: str, helium: int, routine: str, stand_in: bool = False) -> np.ndarray | None:
    """The code-model multipliers per count class for one routine, or None where the routine
    keeps its counted instructions: Helium code, copies, routines of a library the profile's
    code model does not cover, TFLM's reference loops on cores the runs did not stand for
    (Helium cores), and reference loops that stand in for CMSIS-NN's scalar C (`stand_in`)
    under any code model but `gcc`. ARMv6-M cores take the Thumb-1 tables: TFLM's code for its
    own reference kernels, CMSIS-NN's non-DSP C for the loops that stand in for it."""
    if stand_in:
        if code != "gcc" or core not in TFLM_GCC_THUMB1_CORES or not routine.startswith(REFERENCE_PREFIX):
            return None
        table = code_expansion(CMSIS_NN_M0PLUS_CODE_MODEL_FILE)
    elif code in ("gcc-cmsis-nn", "gcc") and not helium and routine.startswith("arm_"):
        table = code_expansion()
    elif code == "gcc" and core in TFLM_GCC_CORES and routine.startswith(REFERENCE_PREFIX):
        table = code_expansion(TFLM_CODE_MODEL_FILE)
    elif code == "gcc" and core in TFLM_GCC_THUMB1_CORES and routine.startswith(REFERENCE_PREFIX):
        table = code_expansion(TFLM_M0PLUS_CODE_MODEL_FILE)
    else:
        return None
    return table.get(routine, table["default"])


@dataclass(frozen=True, slots=True)
class KernelChoice:
    """Which loops a profile runs on a core: the family lowered (`reference` on cores without
    the DSP extension, whatever the profile), the Helium variants, and whether the reference
    loops only stand in for CMSIS-NN's own scalar C (a cmsis-nn build on ARMv6-M)."""

    family: str
    helium: int
    stand_in: bool


def kernel_choice(profile: Profile, core: str) -> KernelChoice:
    no_dsp = core in NO_DSP_CORES
    return KernelChoice(family="reference" if no_dsp else profile.family,
                        helium=int(core in HELIUM_CORES and profile.family != "reference"),
                        stand_in=no_dsp and profile.family != "reference")


def code_measured(profile: Profile, core: str) -> bool:
    """Whether an instruction-level run measured the code this profile's main kernels compile to
    on this core (its convolution routine has a code-model table), so its cycle counts follow
    executed code even where no board measurement scores the profile."""
    k = kernel_choice(profile, core)
    routine = REFERENCE_PREFIX + "conv" if k.family == "reference" else IM2COL_ROUTINE
    return code_model_of(profile.code, core, k.helium, routine, k.stand_in) is not None


def cmsis_function(routine: str) -> str:
    """The CMSIS-NN function a routine name calls (`arm_depthwise_conv_s8 (mult_4)` is a path
    of arm_depthwise_conv_s8)."""
    return routine.removesuffix(MULT_4)


def _in_bounds_taps(op: Op, lp: Loops) -> int:
    """(output pixel, tap) pairs of the layer whose tap falls inside the input (dilation 1)."""
    pad_top, pad_left = leading_padding(op, lp)
    return lp.N * vk.window_taps(lp.IH, lp.OH, lp.KH, lp.stride_h, pad_top) * \
        vk.window_taps(lp.IW, lp.OW, lp.KW, lp.stride_w, pad_left)


def _lower(graph: Graph, op: Op, family: str, helium: int) -> tuple[np.ndarray, str, int, int]:
    """(counts, routine name, scratch bytes, weight bytes re-read per pass) for one operator."""
    ref = family == "reference"
    t = op.op_type
    if t in VIEW_OPS:
        return np.zeros(vk.N_COUNTS, np.int64), "view (free)", 0, 0
    lp = loops_of(graph, op)
    pixels = lp.N * lp.OH * lp.OW
    unit_dilation = lp.dilation_h == 1 and lp.dilation_w == 1
    if t in ("CONV_2D", "TRANSPOSE_CONV"):
        r = lp.KH * lp.KW * lp.C
        if ref:
            path = vk.REFERENCE
        elif lp.KH == 1 and lp.KW == 1 and lp.stride_h == 1 and lp.stride_w == 1 and unit_dilation and \
                (helium or lp.C % 4 == 0):
            path = vk.FAST_1X1
        else:
            path = vk.GENERIC
        # arm_convolve_s8_get_buffer_size: two q15 columns (DSP) or four int8 columns (MVE)
        scratch = 0 if path in (vk.FAST_1X1, vk.REFERENCE) else 4 * r
        # weights re-read per pass: arm_convolve_s8 sweeps all K rows per column pair;
        # arm_nn_mat_mult_nt_t_s8 keeps one (MVE) or two (DSP) rows while it sweeps the pixels
        reread = (r if helium else 2 * r) if path == vk.FAST_1X1 else lp.K * r
        # TFLM's reference loop skips the taps in the padding (a dilated or transposed
        # convolution's taps are all charged)
        in_taps = _in_bounds_taps(op, lp) if path == vk.REFERENCE and unit_dilation and t == "CONV_2D" \
            else pixels * lp.KH * lp.KW
        return (vk.conv_counts(pixels, lp.K, lp.C, lp.KH, lp.KW, in_taps, path, helium),
                PATH_NAMES.get(("CONV_2D", path), "reference conv"), scratch, reread)
    if t == "DEPTHWISE_CONV_2D":
        cin = graph.ifm(op).shape[-1] if graph.ifm(op).shape else lp.K
        mult = max(lp.K // max(int(cin), 1), 1)
        # TFLM's cmsis-nn depthwise_conv.cc runs dilated layers on its reference kernel;
        # arm_depthwise_conv_wrapper_s8 takes the 3x3 (DSP only, padding <= 1) and _opt
        # kernels for multiplier 1 at batch 1 only, everything else on arm_depthwise_conv_s8
        if ref or not unit_dilation:
            path = vk.REFERENCE
        elif not helium and mult == 1 and lp.N == 1 and lp.KH == 3 and lp.KW == 3:
            path = vk.FAST_3X3
        elif mult == 1 and lp.N == 1:
            path = vk.OPT
        else:
            path = vk.GENERIC
        # arm_depthwise_conv_s8_opt_get_buffer_size: one q15 window (DSP), 4 int8 windows (MVE)
        window = lp.KH * lp.KW * lp.K
        scratch = 0 if path in (vk.FAST_3X3, vk.REFERENCE, vk.GENERIC) else (4 if helium else 2) * window
        # arm_depthwise_conv_s8 and TFLM's reference loop (dilation 1; a dilated layer's taps
        # are all charged) visit the in-bounds taps only; the other paths take every tap
        in_taps = _in_bounds_taps(op, lp) if path == vk.GENERIC or (path == vk.REFERENCE and unit_dilation) \
            else pixels * lp.KH * lp.KW
        name = PATH_NAMES.get((t, path), "reference depthwise conv")
        if path == vk.GENERIC and not helium and mult % 4 == 0 and lp.N == 1:
            name += MULT_4    # the routine's own path for multipliers of 4, four output channels a pass
        return vk.depthwise_counts(pixels, lp.K, lp.KH, lp.KW, in_taps, path, helium), name, scratch, window
    if t == "FULLY_CONNECTED":
        path = vk.REFERENCE if ref else vk.GENERIC
        return (vk.fc_counts(lp.N, lp.K, lp.C, path, helium), PATH_NAMES.get((t, path), "reference fc"), 0,
                lp.K * lp.C)
    path = vk.REFERENCE if ref else vk.GENERIC
    if t in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN"):
        is_max = int(t == "MAX_POOL_2D")
        # arm_avgpool_s8_get_buffer_size: one int32 accumulator per channel (DSP/MVE)
        scratch = 0 if ref or is_max else 4 * lp.K
        name = ("reference max pool" if is_max else "reference average pool") if ref else \
            ("arm_max_pool_s8" if is_max else "arm_avgpool_s8")
        # arm_avgpool_s8 / arm_max_pool_s8 clamp the window to the input; MEAN has no window
        in_taps = pixels * lp.KH * lp.KW if t == "MEAN" else _in_bounds_taps(op, lp)
        return vk.pool_counts(pixels, lp.K, lp.KH, lp.KW, in_taps, is_max, path, helium), name, scratch, 0
    if t in ("SOFTMAX", "LOG_SOFTMAX"):
        ofm = graph.ofm(op)
        n = int(ofm.shape[-1]) if ofm.shape else 1
        name = "reference softmax" if ref else "arm_softmax_s8"
        return vk.softmax_counts(max(ofm.size // max(n, 1), 1), n, path, helium), name, 0, 0
    n = graph.ofm(op).size
    if t in ("ADD", "SUB"):
        return vk.elementwise_counts(n, 2, vk.ADD, path, helium), "reference add" if ref else \
            "arm_elementwise_add_s8", 0, 0
    if t in ("MUL", "SQUARED_DIFFERENCE"):
        return vk.elementwise_counts(n, 2, vk.MUL, path, helium), "reference mul" if ref else \
            "arm_elementwise_mul_s8", 0, 0
    if t in DATA_MOVEMENT_OPS:
        return vk.elementwise_counts(graph.ofm(op).nbytes, 1, vk.COPY, path, helium), "copy", 0, 0
    if t not in ELEMENTWISE_OPS:
        log.warning("%s: no CMSIS-NN model for %s; priced as a unary elementwise pass", graph.name, t)
    inputs = max(len(graph.activations_in(op)), 1)
    return vk.elementwise_counts(n, inputs, vk.UNARY, path, helium), "reference elementwise", 0, 0


def op_work(graph: Graph, op: Op, hw: Hardware, profile: Profile, *, arena_bytes: int = 0) -> OpWork:
    """Core cycles and flash stalls of one operator, before profile scaling."""
    core = _core(hw)
    k = kernel_choice(profile, core.core)
    helium = k.helium
    counts, routine, scratch, slice_bytes = _lower(graph, op, k.family, helium)
    cpi = np.array(CORE_CPI.get(core.core, DEFAULT_CPI))
    # the ISS measured GCC's code for CMSIS-NN's DSP-extension routines and for TFLM's reference
    # kernels; SRAM wait states below stay per counted activation load
    # on ARMv6-M a cmsis-nn build runs CMSIS-NN's own scalar C: the reference loops stand in for
    # it, priced by its measured Cortex-M0+ table under `gcc` (TFLM's compiled reference kernels
    # take 1.8-3.2x its cycles: validation/tflm_reference_iss/STANDIN_m0plus.md)
    expansion = code_model_of(profile.code, core.core, helium, routine, k.stand_in)
    if expansion is not None:
        cpi = cpi * expansion
    act_mem = arena_memory(hw, arena_bytes)
    cpi_act = cpi[vk.LD_ACT]
    if act_mem.kind != "tcm" and core.dcache_bytes == 0:
        cpi_act += max(act_mem.read_latency_cycles - 1, 0)
    cycles = float(counts[:7] @ cpi) + float(counts[vk.LD_ACT]) * (cpi_act - cpi[vk.LD_ACT])
    return OpWork(counts, cycles, flash_stalls(hw, core, graph.weight_bytes(op), int(counts[vk.W_BYTES]),
                                               slice_bytes),
                  op.op_type in MAC_OPS, routine, scratch)


def flash_stalls(hw: Hardware, core: VectorUnit, unique_bytes: int, touched_bytes: int, slice_bytes: int) -> float:
    """Wait-state cycles of weight reads: one stall of `wait_states` per flash line that misses.

    A line misses once if the slice of weights re-read per pass fits the D-cache or the
    flash accelerator's cache; otherwise every re-read misses again.
    """
    mem = weight_memory(hw)
    if mem.kind != "flash" or mem.wait_states == 0 or touched_bytes == 0:
        return 0.0
    line = max(mem.burst_bytes, 4)
    cache = max(core.dcache_bytes, mem.cache_bytes if mem.cached else 0)
    fetched = unique_bytes if 0 < slice_bytes <= cache else max(touched_bytes, unique_bytes)
    return float(-(-fetched // line) * mem.wait_states)


def vector_cost(graph: Graph, op: Op, hw: Hardware, *, arena_bytes: int = 0,
                profile: Profile | None = None) -> LayerCost:
    """Price one operator on the MCU core with the hardware's `kernels` profile."""
    prof = profile or profile_of(hw)
    core = _core(hw)
    w = op_work(graph, op, hw, prof, arena_bytes=arena_bytes)
    view = op.op_type in VIEW_OPS
    scale = prof.im2col_scale if w.routine == IM2COL_ROUTINE else prof.mac_scale if w.is_mac_op else prof.aux_scale
    op_scale = core.op_scale.get(op.op_type, 1.0)
    compute = 0 if view else int(round((prof.op_overhead_cycles + scale * w.core_cycles) * op_scale))
    stall = int(round(w.stall_cycles))
    latency = compute + stall
    c = w.counts
    wmem, amem = weight_memory(hw), arena_memory(hw, arena_bytes)
    scratch_rw = int(c[vk.SCRATCH])
    traffic = () if view else (
        Traffic(wmem.name, "weights", int(c[vk.W_BYTES]), 0),
        Traffic(amem.name, "ifm", int(c[vk.ACT_BYTES]), scratch_rw),
        Traffic(amem.name, "ofm", 0, int(c[vk.OUT_BYTES])),
    )
    energy = vector_energy(hw, traffic, latency)
    ifm_b, ofm_b = graph.ifm_bytes(op), graph.ofm_bytes(op)
    resident_w = graph.weight_bytes(op) if wmem.kind != "flash" else 0
    return LayerCost(
        layer=op.name, index=op.index, op_type=op.op_type, macs=macs_of(graph, op), dataflow="-",
        tiling=w.routine, compute_cycles=compute, stall_cycles=stall,
        working_set_bytes=0 if view else ifm_b + ofm_b + w.scratch_bytes + resident_w,
        traffic=traffic, energy_pj=energy, unit="cpu", cost_model=prof.name,
        # the core interleaves its flash loads with compute: overlapped, one tile per layer
        tiles=TileStream(1, int(c[vk.W_BYTES]) if wmem.offchip else 0, ofm_b, compute, double_buffered=True),
        notes="" if prof.calibrated or prof.family == "reference" else "uncalibrated profile",
        extra={"scratch_bytes": float(w.scratch_bytes), "mac_instructions": float(c[vk.MAC]),
               "flash_stall_cycles": float(stall)},
    )


def vector_energy(hw: Hardware, traffic: tuple[Traffic, ...], latency_cycles: int) -> dict[str, float]:
    """Energy parts, pJ: active power (run current x supply) over the layer's time, each
    level's per-byte access energy, and the static floor: `static_power_mw`, memory leakage and
    the board-level current (`board_current_ma` x supply) that a whole-supply measurement
    such as MLPerf Tiny's EnergyRunner sees on top of the datasheet run current."""
    active_mw = hw.run_current_ma * hw.supply_voltage_v if hw.run_current_ma > 0 else hw.active_power_mw
    e = {"compute": mw_for_cycles_to_pj(active_mw, latency_cycles, hw.clock_hz)}
    e.update(access_energy(hw, traffic))
    e["static"] = static_energy(hw, latency_cycles)
    return e


def model_parts(graph: Graph, hw: Hardware, profile: Profile, *, arena_bytes: int = 0) -> dict[str, float]:
    """Whole-graph sums the calibration fits against: core cycles of the im2col convolutions,
    of the other MAC operators, of everything else, the number of costed operators, and the
    flash stalls (each already multiplied by the spec's `op_scale`)."""
    mac = aux = im2col = stall = 0.0
    ops = 0
    for op in graph.ops:
        if op.op_type in VIEW_OPS:
            continue
        w = op_work(graph, op, hw, profile, arena_bytes=arena_bytes)
        scale = _core(hw).op_scale.get(op.op_type, 1.0)
        if w.routine == IM2COL_ROUTINE:
            im2col += w.core_cycles * scale
        elif w.is_mac_op:
            mac += w.core_cycles * scale
        else:
            aux += w.core_cycles * scale
        stall += w.stall_cycles
        ops += 1
    return {"mac_cycles": mac, "im2col_cycles": im2col, "aux_cycles": aux, "ops": float(ops),
            "stall_cycles": stall}


def runtime_arena_bytes(graph: Graph, hw: Hardware) -> int:
    """The whole TFLM arena the part must place in one RAM level: the planned head (with
    this stack's kernel scratch) plus the persistent tail; it decides TCM or SRAM."""
    return plan_arena(graph, scratch=scratch_sizes(graph, hw)).arena_bytes + persistent_bytes_estimate(graph)


def scratch_sizes(graph: Graph, hw: Hardware) -> dict[int, int]:
    """Per-operator kernel scratch (CMSIS-NN im2col / window / accumulator buffers) the
    interpreter requests in the arena; none for the TFLM reference kernels or non-MCU parts."""
    if not is_mcu(hw):
        return {}
    prof = profile_of(hw)
    k = kernel_choice(prof, _core(hw).core)
    out: dict[int, int] = {}
    for op in graph.ops:
        size = _lower(graph, op, k.family, k.helium)[2]
        if size:
            out[op.index] = size
    return out
