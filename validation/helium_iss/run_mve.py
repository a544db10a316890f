"""Run the MLPerf Tiny layers' CMSIS-NN calls on an emulated Cortex-M55 (Helium) and count what executes.

Builds the cmsis_nn_iss harness (the call TFLM's CMSIS-NN kernels make, `run_layer()`) with the
CMSIS-NN sources under --cmsis-nn for Cortex-M55 (MVE), then for each record of layers_m55.json writes
the layer's parameter block, seeded pseudo-random data (the same generator and seeds as
cmsis_nn_iss/run_iss.py) and weights into QEMU's mps3-an547 through `-device loader`, runs it with
the instruction-count plugin, reads the output back (semihosting), checks it bit for bit against
cmsis_nn_iss/reference.py and writes one row of executed instructions by kind per layer (mve.py), and
one row per layer and function to <out>_functions.csv.

    validation/helium_iss/.venv/bin/python validation/helium_iss/run_mve.py \
        --cmsis-nn DIR [--layers validation/helium_iss/layers_m55.json] [--out iss_mve.csv] [--only MODEL[:INDEX]]
        [--cc clang-16] [--opt -O2]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ISS = HERE.parent / "cmsis_nn_iss"
sys.path.insert(0, str(ISS))
sys.path.insert(0, str(HERE))

from layer_data import LayerData, check, make_layer  # noqa: E402
from mve import KINDS, Image, count_layer  # noqa: E402

HARNESS = HERE / "harness"
CPU_FLAGS = ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"]
GCC = "arm-none-eabi-gcc"
NEWLIB_INCLUDE = "/usr/lib/arm-none-eabi/include"   # Debian's libnewlib-arm-none-eabi, for clang builds
QEMU = "qemu-system-arm"
MACHINE = "mps3-an547"

# CMSIS-NN sources with an MVE path the image needs (paths under the CMSIS_5 root)
SOURCES = [
    "CMSIS/NN/Source/ConvolutionFunctions/arm_convolve_wrapper_s8.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_convolve_s8.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_convolve_1x1_s8_fast.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_nn_mat_mult_s8.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_depthwise_conv_wrapper_s8.c",
    "CMSIS/NN/Source/ConvolutionFunctions/arm_depthwise_conv_s8_opt.c",
    "CMSIS/NN/Source/NNSupportFunctions/arm_nn_mat_mul_core_4x_s8.c",
    "CMSIS/NN/Source/NNSupportFunctions/arm_nn_mat_mul_core_1x_s8.c",
    "CMSIS/NN/Source/NNSupportFunctions/arm_nn_depthwise_conv_nt_t_s8.c",
    "CMSIS/NN/Source/NNSupportFunctions/arm_nn_depthwise_conv_nt_t_padded_s8.c",
    "CMSIS/NN/Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c",
    "CMSIS/NN/Source/FullyConnectedFunctions/arm_fully_connected_s8.c",
    "CMSIS/NN/Source/BasicMathFunctions/arm_elementwise_add_s8.c",
    "CMSIS/NN/Source/PoolingFunctions/arm_avgpool_s8.c",
    "CMSIS/NN/Source/SoftmaxFunctions/arm_softmax_s8.c",
]
# GCC 12.2.1 stops with an internal compiler error (combine pass, trunc_int_for_mode) on
# arm_softmax_s8.c's MVE exp at every -O level; this pass is left out for that file only.
FILE_FLAGS = {"arm_softmax_s8.c": ["-fdisable-rtl-combine"]}
# Referenced by the harness or the wrappers; compiled when the source builds for MVE, otherwise
# replaced by a BKPT trap (harness/stubs.c) that fails any layer reaching it.
OPTIONAL = {
    "arm_convolve_1_x_n_s8": "CMSIS/NN/Source/ConvolutionFunctions/arm_convolve_1_x_n_s8.c",
    "arm_depthwise_conv_s8": "CMSIS/NN/Source/ConvolutionFunctions/arm_depthwise_conv_s8.c",
    "arm_max_pool_s8": "CMSIS/NN/Source/PoolingFunctions/arm_max_pool_s8.c",
    "arm_elementwise_mul_s8": "CMSIS/NN/Source/BasicMathFunctions/arm_elementwise_mul_s8.c",
}
INCLUDES = ["CMSIS/NN/Include", "CMSIS/Core/Include", "CMSIS/DSP/Include"]
# the harness's own functions: building argument structs, start-up, semihosting (not counted)
HARNESS_FUNCTIONS = frozenset({"run_layer", "reset_handler", "semihost", "fault_handler"})

COLUMNS = ["model", "index", "op_type", "routine_edgesim", "routine_ran", "macs", "instructions", "vector",
           "scalar", *KINDS, "cycles_m55", "cycles_m55_serial", "vldr_w_bytes", "vldr_act_bytes", "vstr_bytes", "output_check", "opt", "compiler",
           "functions"]


def compiler_version(cc: str) -> str:
    out = subprocess.run([cc, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def build(cmsis: Path, opt: str, work: Path, cc: str = GCC) -> tuple[Path, list[str]]:
    """Compile the harness and CMSIS-NN for Cortex-M55 with MVE (with GCC, or with a clang given as
    `cc`, linked by GCC against newlib); return the ELF and the stubbed routines."""
    missing = [s for s in SOURCES if not (cmsis / s).is_file()]
    if missing:
        sys.exit(f"{cmsis}: missing CMSIS-NN sources: {', '.join(missing)}")
    work.mkdir(parents=True, exist_ok=True)
    gcc = cc == GCC
    target = [] if gcc else ["--target=arm-none-eabi", "-isystem", NEWLIB_INCLUDE]
    cflags = [*target, *CPU_FLAGS, *opt.split(), "-ffunction-sections", "-fdata-sections",
              *[a for inc in INCLUDES for a in ("-I", str(cmsis / inc))], "-I", str(ISS / "harness" / "shim")]

    def compile_one(src: Path, extra: list[str] | None = None, check: bool = True) -> Path | None:
        obj = work / (src.stem + ".o")
        cmd = [cc, *cflags, *(FILE_FLAGS.get(src.name, []) if gcc else []), *(extra or []), "-c", str(src),
               "-o", str(obj)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            if check:
                sys.exit(f"{src}: does not compile for Cortex-M55:\n{done.stderr}")
            return None
        return obj

    objs = [compile_one(cmsis / s) for s in SOURCES]
    stubs = []
    for name, path in OPTIONAL.items():
        obj = compile_one(cmsis / path, check=False) if (cmsis / path).is_file() else None
        if obj is None:
            stubs.append(name)
        else:
            objs.append(obj)
    objs.append(compile_one(ISS / "harness" / "harness.c"))
    objs.append(compile_one(HARNESS / "startup.c"))
    if stubs:
        objs.append(compile_one(HARNESS / "stubs.c", [f"-DSTUB_{s}" for s in stubs]))
    elf = work / "mve.elf"
    subprocess.run([GCC, *CPU_FLAGS, "-nostartfiles", "-T", str(HARNESS / "link.ld"),
                    "-Wl,--gc-sections", f"-Wl,-Map={work / 'mve.map'}", "-o", str(elf),
                    *map(str, objs), "-lc", "-lgcc"], check=True)
    # QEMU's ELF loader would reserve the NOLOAD sections too (overlapping the layer blobs), so the
    # image goes in as the raw ITCM contents (vector table first; the core resets from it)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", "-j", ".ARM.exidx", "-j", ".data",
                    str(elf), str(elf.with_suffix(".bin"))], check=True)
    return elf, stubs


def build_plugin(work: Path) -> Path:
    lib = work / "libinsn_count.so"
    src = HERE / "plugin" / "insn_count.c"
    if not lib.is_file() or lib.stat().st_mtime < src.stat().st_mtime:
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-Wall", "-o", str(lib), str(src)], check=True)
    return lib


def run_qemu(img: Image, lib: Path, data: LayerData, workdir: Path, timeout_s: float) -> tuple[Path, bytes]:
    """Load the image and the layer's blobs, run to the semihosting exit; return the counts file and out.bin."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    loaders = []
    for i, (addr, blob) in enumerate(data.blobs):
        f = workdir / f"blob{i}.bin"
        f.write_bytes(blob)
        loaders += ["-device", f"loader,file={f},addr={addr:#x},force-raw=on"]
    counts = workdir / "counts.txt"
    w0, w1 = img.symbols["__weights_start"], img.symbols["__weights_end"]
    cmd = [QEMU, "-M", MACHINE, "-nographic", "-monitor", "none", "-serial", "none",
           "-semihosting-config", "enable=on,target=native",
           "-device", f"loader,file={img.elf.with_suffix('.bin')},addr={img.symbols['g_vectors']:#x},force-raw=on",
           *loaders,
           "-plugin", f"{lib},out={counts},window={w0:x}:{w1:x}"]
    done = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout_s)
    out = workdir / "out.bin"
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"qemu exited {done.returncode} without an output file: {done.stderr.strip()[:400]}")
    return counts, out.read_bytes()


def summary(rows: list[dict[str, object]]) -> list[str]:
    """Per model and routine: instructions (vector / scalar) per MAC over the whole model."""
    acc: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        a = acc.setdefault((str(r["model"]), str(r["routine_ran"])), [0, 0, 0, 0, 0])
        a[0] += 1
        a[1] += int(r["macs"])  # type: ignore[arg-type]
        a[2] += int(r["instructions"])  # type: ignore[arg-type]
        a[3] += int(r["vector"])  # type: ignore[arg-type]
        a[4] += int(r["scalar"])  # type: ignore[arg-type]
    lines = [f"{'model':5} {'routine':28} {'layers':>6} {'MACs':>11} {'instr':>11} {'vector':>10} {'scalar':>10} "
             f"{'instr/MAC':>9}"]
    for (model, routine), (k, macs, ins, vec, sca) in sorted(acc.items()):
        per = f"{ins / macs:9.3f}" if macs else f"{'-':>9}"
        lines.append(f"{model:5} {routine:28} {k:6d} {macs:11,d} {ins:11,d} {vec:10,d} {sca:10,d} {per}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cmsis-nn", type=Path, required=True, help="CMSIS_5 root with the MVE sources")
    ap.add_argument("--layers", type=Path, default=HERE / "layers_m55.json")
    ap.add_argument("--out", type=Path, default=HERE / "iss_mve.csv")
    ap.add_argument("--opt", default="-O2", help="optimisation flags, space-separated (TFLM's Makefile: -O2)")
    ap.add_argument("--cc", default=GCC, help="compiler: arm-none-eabi-gcc, or a clang (e.g. clang-16)")
    ap.add_argument("--only", default="", help="MODEL or MODEL:INDEX to run a subset")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per layer")
    args = ap.parse_args()

    t0 = time.perf_counter()
    work = HERE / "_work" / ("" if args.cc == GCC else args.cc) / args.opt.replace(" ", "").lstrip("-")
    elf, stubs = build(args.cmsis_nn.resolve(), args.opt, work, args.cc)
    lib = build_plugin(HERE / "_work")
    compiler = compiler_version(args.cc)
    print(f"built {elf} ({compiler}, {args.opt}); trap stubs: {', '.join(stubs) or 'none'}")
    img = Image.load(elf)
    recs = json.loads(args.layers.read_text())
    if args.only:
        model, _, index = args.only.partition(":")
        recs = [r for r in recs if r["model"] == model and (not index or str(r["index"]) == index)]
    rows, func_rows = [], []
    skipped = 0
    for rec in recs:
        t = time.perf_counter()
        if str(rec["routine"]).split(" (")[0] in stubs:
            # edgesim charges a routine whose MVE code the build lacks; CMSIS-NN would trap there
            print(f"{rec['model']:4} {rec['index']:3} {rec['op_type']:18} {rec['routine']:26} skipped (trap stub)")
            skipped += 1
            continue
        data = make_layer(rec, args.seed, img.symbols)
        counts_file, out = run_qemu(img, lib, data, work / "layers" / f"{rec['model']}_{rec['index']}", args.timeout)
        status = int(np.frombuffer(out[:4], np.int32)[0])
        if status != 0:
            sys.exit(f"{rec['model']}:{rec['index']}: CMSIS-NN returned {status}")
        got = np.frombuffer(out[4:], np.int8)
        verdict = check(rec, data, got)
        if verdict != "match":
            sys.exit(f"{rec['model']}:{rec['index']}: output {verdict}")
        res = count_layer(img, counts_file, HARNESS_FUNCTIONS)
        if res.trapped:
            sys.exit(f"{rec['model']}:{rec['index']}: a trap stub ran: {res.trapped}")
        row: dict[str, object] = {
            "model": rec["model"], "index": rec["index"], "op_type": rec["op_type"],
            "routine_edgesim": rec["routine"], "routine_ran": res.routine,
            "macs": rec["macs"], "instructions": res.instructions, "vector": res.vector, "scalar": res.scalar,
            **res.kinds, "cycles_m55": res.cycles_m55, "cycles_m55_serial": res.cycles_m55_serial,
            "vldr_w_bytes": res.vldr_w_bytes, "vldr_act_bytes": res.vldr_act_bytes,
            "vstr_bytes": res.vstr_bytes, "output_check": verdict, "opt": args.opt, "compiler": compiler,
            "functions": ";".join(f"{k}={v}" for k, v in sorted(res.functions.items(), key=lambda kv: -kv[1])),
        }
        rows.append(row)
        for func, kinds in sorted(res.function_kinds.items()):
            func_rows.append({"model": rec["model"], "index": rec["index"], "routine_ran": res.routine,
                              "function": func, "instructions": sum(kinds.values()),
                              "cycles_m55": res.function_cycles.get(func, 0), **kinds})
        print(f"{rec['model']:4} {rec['index']:3} {rec['op_type']:18} {res.routine:26} instr {res.instructions:>10,} "
              f"vector {res.vector:>9,} cycles {res.cycles_m55:>10,}  output {check}  ({time.perf_counter() - t:.1f} s)", flush=True)
    with open(args.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    func_out = args.out.with_name(args.out.stem + "_functions.csv")
    with open(func_out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["model", "index", "routine_ran", "function", "instructions", "cycles_m55",
                                           *KINDS])
        w.writeheader()
        w.writerows(func_rows)
    print("\n".join(summary(rows)))
    print(f"{len(rows)} layers -> {args.out} in {time.perf_counter() - t0:.0f} s; {skipped} skipped (trap stubs)")


if __name__ == "__main__":
    main()
