"""Hardware described as frozen dataclasses.

A part is a compute unit fed through a memory hierarchy listed outermost first (off-chip
DRAM or flash, then on-chip SRAM, then PE-local buffers), with a DMA engine between the
off-chip memory and the scratchpad, as Timeloop's architecture files list storage levels.
Bandwidths are bytes per cycle of `Hardware.clock_hz`; energies are picojoules per byte;
powers are milliwatts. Field metadata carries the checks `load.py` applies and the unit and
meaning that `edgesim check` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import typing
from typing import Any

POSITIVE = "positive"
NONNEG = "nonneg"
FRACTION = "fraction"

DATAFLOWS = ("ws", "is", "os")
MEMORY_KINDS = ("dram", "flash", "sram", "tcm", "buffer")
OFFCHIP_KINDS = ("dram", "flash")
VECTOR_KERNELS = ("cmsis-nn", "tflm-reference", "x-cube-ai", "plumerai", "microtvm", "hale", "tflite-cpu")
DTYPES = ("int8", "int16", "float16", "float32")
WEIGHT_ENCODINGS = ("none", "ethos-u")
VECTOR_CORES = ("cortex-m0", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55", "cortex-m85", "cortex-a53",
                "riscv", "x86-64")
# Bytes per cycle the core's data bus takes from a memory: a flash clocked with wait states can
# deliver no faster. Cortex-M0 TRM (DDI 0432) and Cortex-M4 TRM (DDI 0439): 32-bit AHB-Lite;
# Cortex-M33 TRM (100230): 32-bit AHB5 (C-AHB, S-AHB); Cortex-M7 TRM (DDI 0489): 64-bit AXIM;
# Cortex-M55 TRM (101051) and Cortex-M85 TRM (101924): 64-bit M-AXI. Other cores: DEFAULT_BUS_BYTES.
CORE_BUS_BYTES: dict[str, int] = {"cortex-m0": 4, "cortex-m4": 4, "cortex-m33": 4,
                                  "cortex-m7": 8, "cortex-m55": 8, "cortex-m85": 8}
DEFAULT_BUS_BYTES = 4


def spec_field(default: Any = None, *, check: str | None = None, choices: tuple[str, ...] = (),
               doc: str = "", required: bool = False, keys: str = "dtype") -> Any:
    """A dataclass field with the metadata the loader validates against. `keys` names what a
    mapping field is keyed by: "dtype" (DTYPES) or "op_type" (TFLite builtin names)."""
    meta = {"check": check, "choices": choices, "doc": doc, "required": required, "keys": keys}
    if required:
        return field(metadata=meta)
    if isinstance(default, (dict, list, tuple)):
        template = typing.cast("dict[Any, Any] | list[Any] | tuple[Any, ...]", default)
        return field(default_factory=lambda: type(template)(template), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitStep:
    """One row of a datasheet's flash wait-state table: `wait_states` at core clocks up to `up_to_mhz`."""

    up_to_mhz: float = spec_field(required=True, check=POSITIVE, doc="highest core clock of the row, MHz")
    wait_states: int = spec_field(required=True, check=NONNEG, doc="flash wait states up to that clock")


def steps_ordered(steps: tuple[WaitStep, ...]) -> bool:
    """Rows in strictly ascending clock with non-decreasing wait states, as datasheets list them."""
    mhz, ws = [s.up_to_mhz for s in steps], [s.wait_states for s in steps]
    return mhz == sorted(set(mhz)) and ws == sorted(ws)


def wait_states_at(steps: tuple[WaitStep, ...], clock_hz: float) -> int | None:
    """The wait states a table gives at `clock_hz`, or None above its last row."""
    mhz = clock_hz / 1e6
    return next((s.wait_states for s in steps if mhz <= s.up_to_mhz * (1 + 1e-9)), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Memory:
    """One level of the hierarchy. `name` is its key under `memories:`."""

    name: str = spec_field(required=True, doc="key under memories:")
    kind: str = spec_field(required=True, choices=MEMORY_KINDS, doc="technology of the level")
    size_bytes: int = spec_field(required=True, check=POSITIVE, doc="capacity, bytes")
    reserved_bytes: int = spec_field(0, check=NONNEG,
                                     doc="bytes the application keeps here (stack, heap, code, its own buffers); "
                                         "the fit check and the choice of TCM for an MCU arena count only the rest")
    bandwidth_bytes_per_cycle: float = spec_field(required=True, check=POSITIVE,
                                                  doc="sustained bytes per core clock cycle")
    read_latency_cycles: int = spec_field(0, check=NONNEG, doc="first-beat latency of a read, cycles")
    write_latency_cycles: int = spec_field(0, check=NONNEG, doc="latency of a write, cycles")
    burst_bytes: int = spec_field(4, check=POSITIVE, doc="bytes per burst/transaction")
    banks: int = spec_field(1, check=POSITIVE, doc="independent banks")
    ports: int = spec_field(1, check=POSITIVE, doc="read/write ports per bank")
    wait_states: int = spec_field(0, check=NONNEG, doc="flash wait states at clock_hz")
    wait_state_steps: tuple[WaitStep, ...] = spec_field(
        (), doc="the datasheet's wait states vs clock, ascending; when given, wait_states follows clock_hz "
                "(a --set clock_hz carries the right wait states) and read_latency_cycles and "
                "bandwidth_bytes_per_cycle follow the wait states")
    cached: bool = spec_field(False, doc="reads go through a cache or flash accelerator (ART)")
    cache_bytes: int = spec_field(0, check=NONNEG,
                                  doc="data capacity of that cache/flash accelerator, bytes (0 = unknown/none)")
    double_buffered: bool = spec_field(True, doc="tiles ping-pong so DMA overlaps compute")
    holds_graph_io: bool = spec_field(False, doc="the graph's input and output tensors live here (the tensor "
                                                 "arena, Vela's Shared_Sram memory mode), not off chip")
    bandwidth_limited: bool = spec_field(True, doc="false: transfers never stall and bandwidth_bytes_per_cycle "
                                                   "is nominal (SCALE-Sim's CALC bandwidth mode)")
    read_energy_pj_per_byte: float = spec_field(0.0, check=NONNEG, doc="pJ per byte read")
    write_energy_pj_per_byte: float = spec_field(0.0, check=NONNEG, doc="pJ per byte written")
    leakage_mw: float = spec_field(0.0, check=NONNEG, doc="static leakage of the level, mW")
    source: str = spec_field("", doc="where the figures come from")

    def __post_init__(self) -> None:
        if self.reserved_bytes > self.size_bytes:
            raise ValueError(f"reserved_bytes: expected at most size_bytes ({self.size_bytes}), got {self.reserved_bytes}")
        if self.size_bytes % self.banks:
            raise ValueError(f"banks: expected a divisor of size_bytes ({self.size_bytes}), got {self.banks}")
        if not steps_ordered(self.wait_state_steps):
            rows = [(s.up_to_mhz, s.wait_states) for s in self.wait_state_steps]
            raise ValueError("wait_state_steps: expected rows in ascending up_to_mhz with non-decreasing "
                             f"wait_states, got {rows}")

    @property
    def offchip(self) -> bool:
        return self.kind in OFFCHIP_KINDS


@dataclass(frozen=True, slots=True, kw_only=True)
class Dma:
    """The engine that moves tiles between off-chip memory and the scratchpad."""

    channels: int = spec_field(1, check=POSITIVE, doc="independent DMA channels")
    setup_cycles: int = spec_field(0, check=NONNEG, doc="cycles to program one transfer")
    max_outstanding: int = spec_field(1, check=POSITIVE, doc="bursts in flight per channel")


@dataclass(frozen=True, slots=True, kw_only=True)
class VectorUnit:
    """An MCU core with SIMD (CMSIS-NN style dual 16-bit MACs, or Helium beats)."""

    type: str = spec_field("vector", choices=("vector",), doc="compute kind")
    core: str = spec_field(required=True, choices=VECTOR_CORES, doc="CPU core")
    simd_width_bits: int = spec_field(32, check=POSITIVE, doc="SIMD register width")
    macs_per_cycle: dict[str, float] = spec_field({"int8": 2.0}, check=POSITIVE,
                                                  doc="peak MACs per cycle per data type")
    mac_energy_pj: float = spec_field(0.0, check=NONNEG, doc="dynamic energy per MAC, pJ")
    has_fpu: bool = spec_field(True, doc="single-precision FPU present")
    has_dcache: bool = spec_field(False, doc="data cache present (Cortex-M7/M55/M85)")
    dcache_bytes: int = spec_field(0, check=NONNEG, doc="L1 data cache size, bytes (0 = none)")
    cores: int = spec_field(1, check=POSITIVE, doc="cores used by the runtime")
    op_scale: dict[str, float] = spec_field({}, check=POSITIVE, keys="op_type",
                                            doc="per-op-type compute cycle multiplier, fitted by `edgesim calibrate`")

    @property
    def peak_macs_per_cycle(self) -> float:
        return self.macs_per_cycle.get("int8", max(self.macs_per_cycle.values()))


@dataclass(frozen=True, slots=True, kw_only=True)
class SystolicArray:
    """A rows x cols MAC array (Ethos-U style or SCALE-Sim style)."""

    type: str = spec_field("systolic", choices=("systolic",), doc="compute kind")
    rows: int = spec_field(required=True, check=POSITIVE, doc="PE rows")
    cols: int = spec_field(required=True, check=POSITIVE, doc="PE columns")
    dataflows: tuple[str, ...] = spec_field(DATAFLOWS, choices=DATAFLOWS, doc="supported dataflows")
    accumulator_bits: int = spec_field(32, check=POSITIVE, doc="accumulator width")
    accumulator_bytes: int = spec_field(0, check=NONNEG, doc="on-array accumulator storage, bytes")
    mac_energy_pj: float = spec_field(0.0, check=NONNEG, doc="dynamic energy per int8 MAC, pJ")
    postproc_elements_per_cycle: float = spec_field(8.0, check=POSITIVE,
                                                    doc="elementwise/pooling unit throughput")
    supported_ops: tuple[str, ...] = spec_field((), doc="ops the NPU runs; empty = all it can cost")
    ifm_block_depth: int = spec_field(1, check=POSITIVE, doc="input channels per reduction step; C rounds up "
                                                             "to it (1 = packs freely)")
    kernel_taps_per_step: int = spec_field(1, check=POSITIVE, doc="kernel taps per reduction step; KH x KW "
                                                                  "rounds up to it")
    ifm_block_max_depth: int = spec_field(0, check=NONNEG, doc="depth-first alternative: one tap over up to "
                                                               "this many channels, used when it pads less (0 = none)")
    ifm_block_reuse: bool = spec_field(False, doc="an internal buffer holds the ifm block and the kernel "
                                                  "window is walked there (false: re-read per tap, im2col)")
    ofm_cycles_per_element: float = spec_field(0.0, check=NONNEG, doc="output-stage cycles per ofm element of "
                                                                      "MAC and post-processing layers (0 = no limit)")
    elementwise_cycles_per_element: float = spec_field(0.0, check=NONNEG,
                                                       doc="output cycles per element of ADD/SUB on the "
                                                           "post-processing unit (0 = no limit)")
    pool_subkernel_size: int = spec_field(0, check=NONNEG,
                                          doc="pooling kernels are walked in sub-kernels of at most this many taps "
                                              "per side, each priced per OFM micro-block (0 = pooling at the "
                                              "post-processing rate)")
    pool_min_taps: int = spec_field(1, check=POSITIVE, doc="a pooling sub-kernel costs at least this many taps")
    pool_cycles_per_ifm_bit: float = spec_field(0.0, check=NONNEG,
                                                doc="pooling cycles per tap and OFM micro-block, per bit of the "
                                                    "ifm element")
    ofm_ublock_height: int = spec_field(1, check=POSITIVE, doc="OFM micro-block height, pixels")
    ofm_ublock_width: int = spec_field(1, check=POSITIVE, doc="OFM micro-block width, pixels")
    ofm_ublock_depth: int = spec_field(1, check=POSITIVE, doc="OFM micro-block depth, channels")
    ofm_block_max_height: int = spec_field(1, check=POSITIVE, doc="largest OFM block height the pooling model "
                                                                   "takes, pixels")
    ofm_block_max_width: int = spec_field(1, check=POSITIVE, doc="largest OFM block width, pixels")
    ofm_block_max_depth: int = spec_field(1, check=POSITIVE, doc="largest OFM block depth, channels")
    softmax_lowering: str = spec_field("none", choices=("none", "ethos-u"),
                                       doc="none (softmax is one pass at the post-processing rate) or ethos-u "
                                           "(Vela's lowering into max, exp LUT, sum and reciprocal passes)")
    elementwise32_cycles_per_element: float = spec_field(0.0, check=NONNEG,
                                                         doc="output cycles per element of a binary op on int32 "
                                                             "inputs (softmax_lowering ethos-u)")
    unary32_cycles_per_element: float = spec_field(0.0, check=NONNEG,
                                                   doc="output cycles per element of a unary op on int32 inputs "
                                                       "(softmax_lowering ethos-u)")
    weight_encoding: str = spec_field("none", choices=WEIGHT_ENCODINGS,
                                      doc="how weights are stored off chip and in the weight buffer: none (as in the "
                                          "model file) or ethos-u (Vela's lossless weight codec plus 10 B of "
                                          "bias/scale per output channel, sized from the weight values)")
    # SCALE-Sim splits its scratchpad into one double-buffered SRAM per operand (IfmapSramSzkB,
    # FilterSramSzkB, OfmapSramSzkB) and fills them over separate interfaces; 0 = one shared `sram`.
    ifmap_sram_bytes: int = spec_field(0, check=NONNEG, doc="ifm partition of the scratchpad, bytes; 0 = shared")
    filter_sram_bytes: int = spec_field(0, check=NONNEG, doc="weights partition of the scratchpad, bytes; 0 = shared")
    ofmap_sram_bytes: int = spec_field(0, check=NONNEG, doc="ofm partition of the scratchpad, bytes; 0 = shared")
    ifmap_fill_bytes_per_cycle: float = spec_field(0.0, check=NONNEG,
                                                   doc="off-chip -> ifm partition bandwidth; 0 = the off-chip memory's")
    filter_fill_bytes_per_cycle: float = spec_field(0.0, check=NONNEG,
                                                    doc="off-chip -> weights partition bandwidth; 0 = the off-chip memory's")
    sparse_weights: bool = spec_field(False, doc="skips zero weights: compressed weight traffic, MAC cycles "
                                                "scale with weight density")
    delegate_sync_cycles: int = spec_field(1000, check=NONNEG,
                                           doc="cycles to hand a partition to the NPU and get control back "
                                               "(driver call, cache maintenance, interrupt); assumed order of "
                                               "magnitude, set it from a measurement")

    @property
    def peak_macs_per_cycle(self) -> float:
        return float(self.rows * self.cols)


Compute = VectorUnit | SystolicArray


@dataclass(frozen=True, slots=True, kw_only=True)
class Hardware:
    """A whole part: clock, compute unit, memories outermost first, DMA, power."""

    name: str = spec_field(required=True, doc="part name")
    clock_hz: float = spec_field(required=True, check=POSITIVE, doc="core clock, Hz")
    compute: Compute = spec_field(required=True, doc="the unit that runs the graph")
    memories: tuple[Memory, ...] = spec_field(required=True, doc="outermost first")
    kernels: str = spec_field("", doc="software stack profile (MCU parts), optionally pinned to a measured "
                                      "release as STACK@RELEASE (e.g. x-cube-ai@10.2)")
    cpu: VectorUnit | None = spec_field(None, doc="host core for operators the NPU does not run")
    dma: Dma = spec_field(None, doc="DMA engine")
    supply_voltage_v: float = spec_field(0.0, check=NONNEG, doc="supply voltage, V")
    active_power_mw: float = spec_field(0.0, check=NONNEG, doc="dynamic power while computing, mW")
    run_current_ma: float = spec_field(0.0, check=NONNEG,
                                       doc="MCU run-mode current at clock_hz, mA; when set, active power is "
                                           "run_current_ma x supply_voltage_v")
    run_current_ua_per_mhz: float = spec_field(0.0, check=NONNEG,
                                               doc="the datasheet's run-mode current per MHz, uA/MHz; when set, "
                                                   "run_current_ma is this x clock_hz, so a --set clock_hz "
                                                   "scales it")
    static_power_mw: float = spec_field(0.0, check=NONNEG, doc="power drawn regardless of activity, mW")
    board_current_ma: float = spec_field(0.0, check=NONNEG,
                                         doc="current the board draws from the measured supply beyond the core's "
                                             "run current (regulators, enabled peripherals, memories), mA; "
                                             "a floor at supply_voltage_v while the model runs")
    description: str = spec_field("", doc="one line about the part")
    source: str = spec_field("", doc="where the figures come from")

    def __post_init__(self) -> None:
        if not self.memories:
            raise ValueError("memories: expected at least one memory level, got none")
        if all(m.offchip for m in self.memories):  # tiles and the arena are staged on chip
            raise ValueError(f"memories: expected an on-chip level (kind {', '.join(MEMORY_KINDS[2:])}), got only "
                             + ", ".join(f"{m.name} ({m.kind})" for m in self.memories))
        if self.dma is None:  # pyright: ignore[reportUnnecessaryComparison]  # spec_field's default
            object.__setattr__(self, "dma", Dma())
        stack = self.kernels.partition("@")[0]
        # the stack prices the vector unit, or the cpu: fallback of an accelerator (transforms.pricing)
        if self.kernels and stack not in VECTOR_KERNELS:
            raise ValueError(f"kernels: expected one of {', '.join(VECTOR_KERNELS)} (optionally @RELEASE), "
                             f"got {self.kernels!r}")

    @property
    def floor_power_mw(self) -> float:
        """Power drawn regardless of activity, mW: the static floor plus the board-level current
        at the supply voltage."""
        return self.static_power_mw + self.board_current_ma * self.supply_voltage_v

    def memory(self, name: str) -> Memory:
        for m in self.memories:
            if m.name == name:
                return m
        raise KeyError(name)

    @property
    def offchip(self) -> Memory | None:
        """The outermost off-chip level (DRAM or flash), where weights live."""
        return next((m for m in self.memories if m.offchip), None)

    @property
    def scratchpad(self) -> Memory:
        """The on-chip SRAM tiles are staged in: `sram` by name, else the largest on-chip level."""
        onchip = [m for m in self.memories if not m.offchip]
        if not onchip:
            raise KeyError("no on-chip memory")
        named = [m for m in onchip if m.name == "sram"]
        return named[0] if named else max(onchip, key=lambda m: m.size_bytes)

    @property
    def is_systolic(self) -> bool:
        return isinstance(self.compute, SystolicArray)
