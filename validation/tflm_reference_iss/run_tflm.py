"""Run TFLM's int8 reference kernels on an emulated Cortex-M4 and count what executes, per layer.

Builds harness/harness.cc with the TFLM reference kernel headers under --tflm (a tflite-micro
checkout, or the reconstruction README.md describes) for Cortex-M4 with arm-none-eabi-g++, then
for each record of a layers file (tflm_layers.py, tflm_synthetic.py) writes the layer into the
image and runs it with cmsis_nn_iss's LayerRunner: the same parameter block, seeded data and
NumPy check (cmsis_nn_iss/reference.py; TFLM's reference int8 arithmetic is CMSIS-NN's), and the
same instruction classes and Cortex-M4 timing (cmsis_nn_iss/iss.py). A layer whose output does
not match the NumPy reference stops the run: it is an error, not a row.

    validation/cmsis_nn_iss/.venv/bin/python validation/tflm_reference_iss/run_tflm.py \
        --tflm DIR [--layers layers.json] [--out iss_cycles.csv] [--opt -O2]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))

from iss import CLASSES, CPUS, Result  # noqa: E402
from run_iss import COLUMNS, CPU_FLAGS, LayerRunner, summary  # noqa: E402

HARNESS = HERE / "harness"
# TFLM's Makefile: kernels at -O2 (KERNEL_OPTIMIZATION_LEVEL), C++ without exceptions or RTTI, and
# BUILD_TYPE=release_with_logs's -DNDEBUG (DCHECKs compiled out, as in a benchmarked build)
CXX_FLAGS = ["-std=c++17", "-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics", "-fno-unwind-tables",
             "-ffunction-sections", "-fdata-sections", "-fmessage-length=0", "-DTF_LITE_STATIC_MEMORY"]
SOURCES = ["tensorflow/lite/kernels/internal/common.cc"]
HEADERS = [*(f"tensorflow/lite/kernels/internal/reference/integer_ops/{h}.h"
             for h in ("conv", "depthwise_conv", "fully_connected", "add", "mul", "pooling")),
           "tensorflow/lite/kernels/internal/reference/softmax.h"]
INCLUDES = [".", "third_party/gemmlowp", "third_party/ruy"]
# harness wrapper (each holds one inlined reference kernel) -> the routine edgesim charges
ROUTINES = {
    "tflm_conv": "reference conv", "tflm_depthwise_conv": "reference depthwise conv",
    "tflm_fully_connected": "reference fc", "tflm_add": "reference add", "tflm_mul": "reference mul",
    "tflm_average_pool": "reference average pool", "tflm_max_pool": "reference max pool",
    "tflm_softmax": "reference softmax",
}
NOT_BUILT: frozenset[str] = frozenset()   # op types whose reference kernel is not in the harness
# --cpu -> GCC's target flags; the Cortex-M0+ (ARMv6-M, Thumb-1, no FPU) links libgcc's v6-m
# multilib, whose __aeabi_idiv/__aeabi_lmul the kernels call for division and 64-bit multiplies
TARGET_FLAGS = {"cortex-m4": CPU_FLAGS, "cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"]}


def compiler_version() -> str:
    out = subprocess.run(["arm-none-eabi-g++", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def build(tflm: Path, opt: str, ndebug: bool, work: Path, cpu: str = "cortex-m4") -> Path:
    """Compile the harness and TFLM's common.cc for `cpu` (Cortex-M4 or M0+); return the ELF."""
    cpu_flags = TARGET_FLAGS[cpu]
    missing = [s for s in [*SOURCES, *HEADERS] if not (tflm / s).is_file()]
    if missing:
        sys.exit(f"{tflm}: missing TFLM sources: {', '.join(missing)}")
    work.mkdir(parents=True, exist_ok=True)
    flags = [*cpu_flags, *opt.split(), *CXX_FLAGS, *(["-DNDEBUG"] if ndebug else []),
             *[a for inc in INCLUDES for a in ("-I", str(tflm / inc))]]
    objs = []
    for src in [*(tflm / s for s in SOURCES), HARNESS / "harness.cc"]:
        obj = work / (src.stem + ".o")
        subprocess.run(["arm-none-eabi-g++", *flags, "-c", str(src), "-o", str(obj)], check=True)
        objs.append(obj)
    elf = work / "tflm.elf"
    # newlib's nosys stubs: without NDEBUG gemmlowp's assert() links abort(), whose syscalls they
    # satisfy; a failed assert in the run would stop at its trap, never reach the sentinel
    subprocess.run(["arm-none-eabi-g++", *cpu_flags, "-nostartfiles", "--specs=nosys.specs",
                    "-T", str(HARNESS / "link.ld"),
                    "-Wl,--gc-sections", f"-Wl,-Map={work / 'tflm.map'}", "-o", str(elf),
                    *map(str, objs), "-lc", "-lgcc"], check=True)
    return elf


def row(rec: dict, res: Result, check: str, opt: str, compiler: str,
        cycles_column: str = "cycles_m4") -> dict[str, object]:
    ran = [ROUTINES[f] for f in ROUTINES if f in res.functions]
    out: dict[str, object] = {
        "model": rec["model"], "index": rec["index"], "op_type": rec["op_type"],
        "routine_edgesim": rec["routine"], "routine_ran": ran[0] if len(ran) == 1 else "?", "macs": rec["macs"],
        "instructions": res.instructions,
    }
    out.update({c: res.counts[c] for c in CLASSES if c != "branch"})
    out.update({"ld_act_sp": res.sp_loads, "alu_mul": res.mul, "branches_taken": res.branches_taken,
                "branches_not_taken": res.branches_not_taken, cycles_column: res.cycles,
                "flash_read_bytes": res.flash_w_read_bytes, "flash_const_read_bytes": res.flash_const_read_bytes,
                "output_check": check, "opt": opt, "compiler": compiler,
                "functions": ";".join(f"{k}={v}" for k, v in sorted(res.functions.items(), key=lambda kv: -kv[1]))})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tflm", type=Path, required=True, help="tflite-micro root (has tensorflow/lite/kernels)")
    ap.add_argument("--layers", type=Path, default=HERE / "layers.json")
    ap.add_argument("--out", type=Path, default=HERE / "iss_cycles.csv")
    ap.add_argument("--opt", default="-O2", help="optimisation flags, space-separated (TFLM's kernels: -O2)")
    ap.add_argument("--debug-checks", action="store_true",
                    help="TFLM's default build: DCHECKs compiled in (no -DNDEBUG)")
    ap.add_argument("--only", default="", help="MODEL or MODEL:INDEX to run a subset")
    ap.add_argument("--cpu", choices=sorted(TARGET_FLAGS), default="cortex-m4",
                    help="target core: GCC's -mcpu, Unicorn's CPU model and iss.py's timing table")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    opt = args.opt + ("" if args.debug_checks else " -DNDEBUG")
    work = HERE / "_work" / (args.opt.replace(" ", "").lstrip("-") + ("_dcheck" if args.debug_checks else "")
                             + ("" if args.cpu == "cortex-m4" else f"_{args.cpu}"))
    elf = build(args.tflm.resolve(), args.opt, not args.debug_checks, work, args.cpu)
    compiler = compiler_version()
    print(f"built {elf.relative_to(HERE)} ({compiler}, {opt}, {args.cpu})")
    runner = LayerRunner(elf, CPUS[args.cpu][1], HARNESS / "harness.cc", args.cpu)
    cycles_column = "cycles_m4" if args.cpu == "cortex-m4" else "cycles_m0plus"
    columns = [cycles_column if c == "cycles_m4" else c for c in COLUMNS]
    recs = json.loads(args.layers.read_text())
    if args.only:
        model, _, index = args.only.partition(":")
        recs = [r for r in recs if r["model"] == model and (not index or str(r["index"]) == index)]
    skipped = [r for r in recs if r["op_type"] in NOT_BUILT]
    rows = []
    for rec in recs:
        if rec["op_type"] in NOT_BUILT:
            continue
        t = time.perf_counter()
        res, check = runner.run(rec, args.seed)
        if res.unsupported:
            sys.exit(f"{rec['model']}:{rec['index']}: instructions without a timing rule ran: {res.unsupported}")
        if check != "match":
            sys.exit(f"{rec['model']}:{rec['index']} {rec['op_type']}: output {check} against the NumPy reference")
        r = row(rec, res, check, opt, compiler, cycles_column)
        if r["routine_ran"] != rec["routine"]:
            sys.exit(f"{rec['model']}:{rec['index']}: ran {r['routine_ran']}, edgesim charges {rec['routine']}")
        rows.append(r)
        print(f"{rec['model']:9} {rec['index']:3} {rec['op_type']:18} {r['routine_ran']:24} "
              f"instr {res.instructions:>11,} cycles {res.cycles:>11,}  output {check}  ({time.perf_counter() - t:.1f} s)")
    with open(args.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    print("\n".join(summary([{**r, "cycles_m4": r[cycles_column]} for r in rows])))
    if skipped:
        print(f"not run (no reference kernel in the harness): {len(skipped)} layers: "
              + ", ".join(f"{r['model']}:{r['index']} {r['op_type']}" for r in skipped))
    print(f"{len(rows)} layers -> {args.out} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
