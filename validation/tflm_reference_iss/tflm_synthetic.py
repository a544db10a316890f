"""Seeded random layers per TFLM reference kernel, off the MLPerf Tiny shapes, as call records.

The training set for the `gcc` code model's TFLM rows: the MLPerf Tiny layers (layers.json) stay
the test set, so no record here has the shape of one of them. The shapes come from
cmsis_nn_iss/synthetic.py's generators (its fixed edge cases first, then its seeded random
draws), each a one-operator int8 graph made with workloads.builder.GraphBuilder and priced by
cmsis_nn_iss/layers.py's `record` for the `tflm-reference` kernels, so the routine and counts
are exactly those edgesim charges. One TFLM routine takes several of those generators (every
convolution, 1x1 included, runs ConvPerChannel; every depthwise convolution, any multiplier,
batch or dilation, runs DepthwiseConvPerChannel), drawn in turn. Each layer's edgesim
instruction count is capped (`--max-instructions`) so the whole set runs in minutes in the
emulator; records are in layers.json's format, for run_tflm.py (`--layers synthetic_layers.json`).

    python validation/tflm_reference_iss/tflm_synthetic.py [--seed 0] [--out synthetic_layers.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cmsis_nn_iss"))

import synthetic as cs  # noqa: E402
from layers import record, target  # noqa: E402
from tflm_layers import PROFILE  # noqa: E402

# TFLM routine -> the cmsis_nn_iss generator families whose operators it runs
SOURCES: dict[str, tuple[str, ...]] = {
    "reference conv": ("arm_convolve_s8", "arm_convolve_1x1_s8_fast"),
    "reference depthwise conv": ("arm_depthwise_conv_3x3_s8", "arm_depthwise_conv_s8_opt", "arm_depthwise_conv_s8"),
    "reference fc": ("arm_fully_connected_s8",),
    "reference add": ("arm_elementwise_add_s8",),
    "reference average pool": ("arm_avgpool_s8",),
    "reference max pool": ("arm_max_pool_s8",),
    "reference mul": ("arm_elementwise_mul_s8",),
    "reference softmax": ("arm_softmax_s8",),   # appended: the records before it keep their seeds
}


def synthesize(seed: int, per_routine: int, max_instructions: int, test_set: set[str]
               ) -> tuple[list[dict[str, object]], Counter[str]]:
    """Records per TFLM routine and the shapes left out (by reason) while filling them."""
    hw, prof = target(profile=PROFILE)
    out: list[dict[str, object]] = []
    dropped: Counter[str] = Counter()
    seen = set(test_set)
    for f, (routine, families) in enumerate(SOURCES.items()):
        rng = np.random.default_rng([seed, 100 + f])
        gens = [cs.FAMILIES[name] for name in families]

        def candidates() -> Iterator[tuple[bool, object, int]]:
            for i, (edges, _, _) in enumerate(gens):  # noqa: B023
                yield from ((True, p, i) for p in edges)
            for n in range(20000):
                i = n % len(gens)  # noqa: B023
                yield False, gens[i][1](rng), i  # noqa: B023

        kept = 0
        for edge, p, i in candidates():
            g = gens[i][2](p, rng)
            rec = record(g, g.ops[0], hw, prof, "synthetic", len(out))
            key = cs.shape_key(rec)
            if rec["routine"] != routine or key in seen:
                if edge:
                    why = "an MLPerf Tiny shape" if key in test_set else "a duplicate" if key in seen else rec["routine"]
                    dropped[f"{routine}: edge case {p} is {why}"] += 1
                continue
            if cs.edgesim_instructions(rec) > max_instructions:
                dropped[f"{routine}: over the instruction budget"] += 1
                continue
            seen.add(key)
            out.append(rec)
            kept += 1
            if kept == per_routine:
                break
    return out, dropped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "synthetic_layers.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-routine", type=int, default=40)
    ap.add_argument("--max-instructions", type=int, default=3_000_000,
                    help="cap on edgesim's instruction count of one layer (keeps the emulator run short)")
    args = ap.parse_args()
    test_set = {cs.shape_key(r) for r in json.loads((HERE / "layers.json").read_text())}
    recs, dropped = synthesize(args.seed, args.per_routine, args.max_instructions, test_set)
    args.out.write_text(json.dumps(recs, indent=1) + "\n")
    for routine in SOURCES:
        n = [r for r in recs if r["routine"] == routine]
        print(f"{routine:26} {len(n):3d} layers, {sum(cs.edgesim_instructions(r) for r in n):>12,} edgesim instructions")
    for reason, k in sorted(dropped.items()):
        print(f"left out {k:5d}: {reason}")
    print(f"{len(recs)} layers -> {args.out}")


if __name__ == "__main__":
    main()
