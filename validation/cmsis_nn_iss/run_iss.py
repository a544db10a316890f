"""Run every MLPerf Tiny layer's CMSIS-NN call in a Cortex-M4 emulator and count what executes.

Builds harness/harness.c with the CMSIS-NN sources under --cmsis-nn (a CMSIS_5 checkout, or the
reconstruction described in README.md) for Cortex-M4, then for each record of layers.json writes
the layer's shapes and quantisation into the image's parameter block, seeded pseudo-random int8
input and weights (weights and bias in the flash window, activations in SRAM), runs run_layer()
in Unicorn and writes one row of instruction classes and Cortex-M4 cycles (iss.py) per layer.

    validation/cmsis_nn_iss/.venv/bin/python validation/cmsis_nn_iss/run_iss.py \
        --cmsis-nn DIR --layers validation/cmsis_nn_iss/layers.json [--opt -O2] [--out iss_cycles.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from iss import CLASSES, CPUS, Machine, Result, Timing
from layer_data import check, harness_defines, make_layer

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "harness"
CPU_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
# --cpu -> GCC's target flags; on the Cortex-M0+ (no __ARM_FEATURE_DSP) CMSIS-NN compiles its
# no-DSP C branches, which the reconstruction must then hold (README.md, M0+ section)
TARGET_FLAGS = {"cortex-m4": CPU_FLAGS, "cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"]}

# CMSIS-NN sources the image needs (paths under the CMSIS_5 root).
SOURCES = [
    "CMSIS/NN/Source/ConvolutionFunctions/arm_convolve_wrapper_s8.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_convolve_s8.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_convolve_1x1_s8_fast.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_nn_mat_mult_kernel_s8_s16.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_depthwise_conv_wrapper_s8.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_depthwise_conv_3x3_s8.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_depthwise_conv_s8_opt.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_depthwise_conv_s8.c",
    "CMSIS/NN/Source/NNSupportFunctions/arm_q7_to_q15_with_offset.c",
    "CMSIS/NN/Source/NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c",
    "CMSIS/NN/Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c",
    "CMSIS/NN/Source/FullyConnectedFunctions/arm_fully_connected_s8.c",
    "CMSIS/NN/Source/BasicMathFunctions/arm_elementwise_add_s8.c",
    "CMSIS/NN/Source/BasicMathFunctions/arm_elementwise_mul_s8.c",
    "CMSIS/NN/Source/PoolingFunctions/arm_avgpool_s8.c",
    "CMSIS/NN/Source/PoolingFunctions/arm_max_pool_s8.c",
    "CMSIS/NN/Source/SoftmaxFunctions/arm_softmax_s8.c",
]
# Referenced by the wrappers but never dispatched to for these layers: compiled when present,
# otherwise replaced by a BKPT trap (harness/stubs.c), which fails the run if it is ever reached.
OPTIONAL = {
    "arm_convolve_1_x_n_s8": "CMSIS/NN/Source/ConvolutionFunctions/arm_convolve_1_x_n_s8.c",
}
INCLUDES = ["CMSIS/NN/Include", "CMSIS/Core/Include", "CMSIS/DSP/Include"]
KERNELS = ("arm_convolve_1x1_s8_fast", "arm_convolve_1_x_n_s8", "arm_convolve_s8", "arm_depthwise_conv_3x3_s8",
           "arm_depthwise_conv_s8_opt", "arm_depthwise_conv_s8", "arm_fully_connected_s8",
           "arm_elementwise_add_s8", "arm_avgpool_s8", "arm_softmax_s8", "arm_max_pool_s8",
           "arm_elementwise_mul_s8")

FLASH = (0x08000000, 0x00400000)
SRAM = (0x20000000, 0x00400000)
SENTINEL = 0x083FFF00  # return address: flash, past the image, never executed

COLUMNS = ["model", "index", "op_type", "routine_edgesim", "routine_ran", "macs", "instructions",
           *[c for c in CLASSES if c != "branch"], "ld_act_sp", "alu_mul", "branches_taken", "branches_not_taken",
           "cycles_m4", "flash_read_bytes", "flash_const_read_bytes", "output_check", "opt", "compiler", "functions"]


def compiler_version() -> str:
    out = subprocess.run(["arm-none-eabi-gcc", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def build(cmsis: Path, opt: str, work: Path, cpu: str = "cortex-m4") -> tuple[Path, list[str]]:
    """Compile the harness and CMSIS-NN for `cpu`; return the ELF and the stubbed routines."""
    cpu_flags = TARGET_FLAGS[cpu]
    missing = [s for s in SOURCES if not (cmsis / s).is_file()]
    if missing:
        sys.exit(f"{cmsis}: missing CMSIS-NN sources: {', '.join(missing)}")
    stubs = [name for name, path in OPTIONAL.items() if not (cmsis / path).is_file()]
    sources = [cmsis / s for s in SOURCES] + [cmsis / p for n, p in OPTIONAL.items() if n not in stubs]
    work.mkdir(parents=True, exist_ok=True)
    # the arm_math.h shim comes last, so a full CMSIS_5 tree's own CMSIS-DSP arm_math.h wins
    cflags = [*cpu_flags, *opt.split(), "-ffunction-sections", "-fdata-sections",
              *[a for inc in INCLUDES for a in ("-I", str(cmsis / inc))], "-I", str(HARNESS / "shim")]
    objs = []
    for src in [*sources, HARNESS / "harness.c"]:
        obj = work / (src.stem + ".o")
        subprocess.run(["arm-none-eabi-gcc", *cflags, "-c", str(src), "-o", str(obj)], check=True)
        objs.append(obj)
    if stubs:
        obj = work / "stubs.o"
        subprocess.run(["arm-none-eabi-gcc", *cflags, *[f"-DSTUB_{s}" for s in stubs], "-c",
                        str(HARNESS / "stubs.c"), "-o", str(obj)], check=True)
        objs.append(obj)
    elf = work / "iss.elf"
    subprocess.run(["arm-none-eabi-gcc", *cpu_flags, "-nostartfiles", "-T", str(HARNESS / "link.ld"),
                    "-Wl,--gc-sections", f"-Wl,-Map={work / 'iss.map'}", "-o", str(elf),
                    *map(str, objs), "-lc", "-lgcc"], check=True)
    return elf, stubs


class LayerRunner:
    """Writes one layer into the image and emulates its CMSIS-NN call."""

    def __init__(self, elf: Path, timing: Timing, harness: Path = HARNESS / "harness.c",
                 cpu: str = "cortex-m4") -> None:
        self.elf = elf
        probe = Machine(FLASH, SRAM, (0, 0), timing, cpu)
        syms = probe.load_elf(elf)
        self.syms = syms
        self.machine = Machine(FLASH, SRAM, (syms["__weights_start"], syms["__weights_end"]), timing, cpu)
        self.machine.load_elf(elf)
        start = syms["run_layer"]
        end = next(e for s, e, n in self.machine.funcs if n == "run_layer")
        self.machine.skip = (start, end)
        self.d = harness_defines(harness)

    def run(self, rec: dict, seed: int) -> tuple[Result, str]:
        m, syms = self.machine, self.syms
        m.load_elf(self.elf)  # fresh .data
        data = make_layer(rec, seed, syms, self.d)
        for addr, blob in data.blobs:
            m.uc.mem_write(addr, blob)
        res = m.call(syms["run_layer"], syms["__stack_top"], SENTINEL)
        status = int(np.frombuffer(bytes(m.uc.mem_read(syms["g_params"] + 4 * self.d["P_STATUS"], 4)), np.int32)[0])
        if status != 0:
            raise RuntimeError(f"{rec['model']}:{rec['index']}: CMSIS-NN returned {status}")
        got = np.frombuffer(bytes(m.uc.mem_read(data.out_addr, data.out_bytes)), np.int8)
        return res, check(rec, data, got)


def row(rec: dict, res: Result, check: str, opt: str, compiler: str,
        cycles_column: str = "cycles_m4") -> dict[str, object]:
    ran = [k for k in KERNELS if k in res.functions]
    out: dict[str, object] = {
        "model": rec["model"], "index": rec["index"], "op_type": rec["op_type"],
        "routine_edgesim": rec["routine"], "routine_ran": ran[0] if ran else "?", "macs": rec["macs"],
        "instructions": res.instructions,
    }
    out.update({c: res.counts[c] for c in CLASSES if c != "branch"})
    out.update({"ld_act_sp": res.sp_loads, "alu_mul": res.mul, "branches_taken": res.branches_taken,
                "branches_not_taken": res.branches_not_taken, cycles_column: res.cycles,
                "flash_read_bytes": res.flash_w_read_bytes, "flash_const_read_bytes": res.flash_const_read_bytes,
                "output_check": check, "opt": opt, "compiler": compiler,
                "functions": ";".join(f"{k}={v}" for k, v in sorted(res.functions.items(), key=lambda kv: -kv[1]))})
    return out


def summary(rows: list[dict[str, object]]) -> list[str]:
    """Per model and routine: instructions and cycles per MAC over the whole model."""
    acc: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        a = acc.setdefault((str(r["model"]), str(r["routine_ran"])), [0, 0, 0, 0])
        a[0] += 1
        a[1] += int(r["macs"])  # type: ignore[arg-type]
        a[2] += int(r["instructions"])  # type: ignore[arg-type]
        a[3] += int(r["cycles_m4"])  # type: ignore[arg-type]
    lines = [f"{'model':5} {'routine':28} {'layers':>6} {'MACs':>11} {'instr':>11} {'cycles':>11} "
             f"{'instr/MAC':>9} {'cyc/MAC':>8}"]
    for (model, routine), (k, macs, ins, cyc) in sorted(acc.items()):
        per = f"{ins / macs:9.3f} {cyc / macs:8.3f}" if macs else f"{'-':>9} {'-':>8}"
        lines.append(f"{model:5} {routine:28} {k:6d} {macs:11,d} {ins:11,d} {cyc:11,d} {per}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cmsis-nn", type=Path, required=True, help="CMSIS_5 root (has CMSIS/NN, CMSIS/Core)")
    ap.add_argument("--layers", type=Path, default=HERE / "layers.json")
    ap.add_argument("--out", type=Path, default=HERE / "iss_cycles.csv")
    ap.add_argument("--opt", default="-O2", help="optimisation flags, space-separated (TFLM's Makefile: -O2; CMSIS-NN suggests -Ofast)")
    ap.add_argument("--only", default="", help="MODEL or MODEL:INDEX to run a subset")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--refill-cycles", type=int, default=Timing.refill_cycles, help="P, taken-branch refill")
    ap.add_argument("--div-cycles", type=int, default=Timing.div_cycles)
    ap.add_argument("--cpu", choices=sorted(TARGET_FLAGS), default="cortex-m4",
                    help="target core: GCC's -mcpu, Unicorn's CPU model and iss.py's timing table "
                         "(cortex-m0plus ignores --refill-cycles/--div-cycles)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    work = HERE / "_work" / (args.opt.replace(" ", "").lstrip("-") + ("" if args.cpu == "cortex-m4" else f"_{args.cpu}"))
    elf, stubs = build(args.cmsis_nn.resolve(), args.opt, work, args.cpu)
    compiler = compiler_version()
    print(f"built {elf.relative_to(HERE)} ({compiler}, {args.opt}, {args.cpu}); trap stubs: {', '.join(stubs) or 'none'}")
    timing = (Timing(refill_cycles=args.refill_cycles, div_cycles=args.div_cycles) if args.cpu == "cortex-m4"
              else CPUS[args.cpu][1])
    runner = LayerRunner(elf, timing, cpu=args.cpu)
    cycles_column = "cycles_m4" if args.cpu == "cortex-m4" else "cycles_m0plus"
    recs = json.loads(args.layers.read_text())
    if args.only:
        model, _, index = args.only.partition(":")
        recs = [r for r in recs if r["model"] == model and (not index or str(r["index"]) == index)]
    rows = []
    for rec in recs:
        t = time.perf_counter()
        res, check = runner.run(rec, args.seed)
        if res.unsupported:
            sys.exit(f"{rec['model']}:{rec['index']}: instructions without a timing rule ran: {res.unsupported}")
        rows.append(row(rec, res, check, args.opt, compiler, cycles_column))
        r = rows[-1]
        print(f"{rec['model']:4} {rec['index']:3} {rec['op_type']:18} {r['routine_ran']:26} "
              f"instr {res.instructions:>10,} cycles {res.cycles:>10,}  output {check}  ({time.perf_counter() - t:.1f} s)")
    with open(args.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[cycles_column if c == "cycles_m4" else c for c in COLUMNS])
        w.writeheader()
        w.writerows(rows)
    print("\n".join(summary([{**r, "cycles_m4": r[cycles_column]} for r in rows])))
    print(f"{len(rows)} layers -> {args.out} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
