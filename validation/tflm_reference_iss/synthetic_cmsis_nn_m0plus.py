"""Run the random reference-loop shapes through CMSIS-NN's non-DSP C on the emulated Cortex-M0+.

../cmsis_nn_iss/run_iss.py --cpu cortex-m0plus stops at the first layer that traps; this runs the
same image over synthetic_layers.json (the shapes fit_m0plus.py trains on, with edgesim's
reference-loop counts, which a `cortex-m0` spec charges every profile) and leaves out, by name,
the layers CMSIS-NN cannot run there: a 1xN convolution dispatches to arm_convolve_1_x_n_s8,
which the reconstruction lacks (a BKPT stub), and a dilated depthwise convolution is run by TFLM's
own reference kernel in a CMSIS-NN build (CMSIS-NN of 2021 ignores dilation; ../cmsis_nn_iss/README.md).
Every other layer must match NumPy.

    validation/cmsis_nn_iss/.venv/bin/python validation/tflm_reference_iss/synthetic_cmsis_nn_m0plus.py \
        --cmsis-nn DIR_NODSP [--out iss_synthetic_cmsis_nn_m0plus.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))

from iss import CPUS  # noqa: E402
from run_iss import COLUMNS, LayerRunner, build, compiler_version, row  # noqa: E402
from unicorn import UcError  # noqa: E402

CPU = "cortex-m0plus"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cmsis-nn", type=Path, required=True, help="the reconstruction with the no-DSP branches")
    ap.add_argument("--layers", type=Path, default=HERE / "synthetic_layers.json")
    ap.add_argument("--out", type=Path, default=HERE / "iss_synthetic_cmsis_nn_m0plus.csv")
    ap.add_argument("--opt", default="-O2")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    work = HERE.parent / "cmsis_nn_iss" / "_work" / (args.opt.replace(" ", "").lstrip("-") + f"_{CPU}")
    elf, stubs = build(args.cmsis_nn.resolve(), args.opt, work, CPU)
    compiler = compiler_version()
    print(f"built {elf} ({compiler}, {args.opt}, {CPU}); trap stubs: {', '.join(stubs) or 'none'}")
    runner = LayerRunner(elf, CPUS[CPU][1], cpu=CPU)
    rows, left_out = [], []
    for rec in json.loads(args.layers.read_text()):
        if tuple(rec["dilation"]) != (1, 1):
            left_out.append(rec)
            print(f"{rec['model']} {rec['index']:3} {rec['op_type']:18} left out: dilation {rec['dilation']}, "
                  "TFLM's reference kernel runs it")
            continue
        try:
            res, check = runner.run(rec, args.seed)
        except (UcError, RuntimeError) as exc:  # a stub's BKPT, or CMSIS-NN refusing the shape
            left_out.append(rec)
            print(f"{rec['model']} {rec['index']:3} {rec['op_type']:18} left out: {exc} (KH={rec['KH']} KW={rec['KW']} "
                  f"in={rec['input_nhwc']} out={rec['output_nhwc']})")
            continue
        if res.unsupported:
            sys.exit(f"{rec['model']}:{rec['index']}: instructions without a timing rule ran: {res.unsupported}")
        if check != "match":
            sys.exit(f"{rec['model']}:{rec['index']}: output {check}")
        rows.append(row(rec, res, check, args.opt, compiler, "cycles_m0plus"))
        print(f"{rec['model']} {rec['index']:3} {rec['op_type']:18} {rows[-1]['routine_ran']:26} "
              f"cycles {res.cycles:>10,}  output {check}")
    with open(args.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["cycles_m0plus" if c == "cycles_m4" else c for c in COLUMNS])
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} layers -> {args.out}, {len(left_out)} left out "
          f"({', '.join(str(r['index']) for r in left_out) or 'none'}) in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
