"""Seeded random layers per CMSIS-NN routine, off the MLPerf Tiny shapes, as CMSIS-NN call records.

A training set for fitting edgesim's instruction classes to instruction-level Cortex-M4 cycles:
the MLPerf Tiny layers (layers.json) stay the test set, so no record here has the shape of one of
them. Each layer is a one-operator int8 graph built with workloads.builder.GraphBuilder
(per-channel convolution weights, as the real models have), turned into a record by layers.py's
`record`, so the routine and the counts are exactly those edgesim charges. The record format is
layers.json's; run_iss.py runs the file unchanged (`--layers synthetic_layers.json`).

Per routine, a fixed list of edge cases (smallest sizes, channel counts that are not multiples of
4, odd pixel counts, the largest sizes within the instruction budget) comes first, then seeded
random shapes fill it to `--per-routine`. A shape is kept only if the call CMSIS-NN's wrappers
make for it (`cmsis_routine`, which follows arm_convolve_wrapper_s8 V1.0.0 and
arm_depthwise_conv_wrapper_s8 V1.0.3) is the routine being filled, so edgesim's dispatch is
checked, not assumed, when run_iss.py reports the routine that ran. Shapes the wrapper sends to
the routine the harness only stubs (arm_convolve_1_x_n_s8) are left out and counted; shapes whose
CMSIS-NN call is not the routine edgesim charges (a dispatch mismatch) are never kept but listed,
and those CMSIS-NN itself runs go to --mismatches for run_iss.py. Each layer's edgesim
instruction count is capped (`--max-instructions`) so the whole set runs in a few minutes in the
emulator. The last four routines were added after the first seven; their families come after them
so the first 280 records (seeds and indices) stay as they were.

    python validation/cmsis_nn_iss/synthetic.py [--seed 0] [--out synthetic_layers.json]
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from layers import HERE, record, target
from sim.cost.vector import cmsis_function
from sim.graph.ir import Graph
from workloads.builder import GraphBuilder

Params = tuple[object, ...]
STUBBED = frozenset({"arm_convolve_1_x_n_s8"})
TFLM_DILATED = "reference depthwise conv (TFLM, dilation > 1)"
SHAPE_KEYS = ("op_type", "input_nhwc", "output_nhwc", "K", "C", "KH", "KW", "stride", "pad", "depth_multiplier")


def cmsis_routine(rec: dict[str, object]) -> str:
    """The routine CMSIS-NN's wrappers of 2021 call for a record (DSP build, no MVE)."""
    op = rec["op_type"]
    if op not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        return {"FULLY_CONNECTED": "arm_fully_connected_s8", "ADD": "arm_elementwise_add_s8",
                "AVERAGE_POOL_2D": "arm_avgpool_s8", "SOFTMAX": "arm_softmax_s8",
                "MAX_POOL_2D": "arm_max_pool_s8", "MUL": "arm_elementwise_mul_s8"}[str(op)]
    pad_h, pad_w = rec["pad"]
    stride = tuple(rec["stride"])
    n, ih = rec["input_nhwc"][0], rec["input_nhwc"][1]
    oh, ow = rec["output_nhwc"][1], rec["output_nhwc"][2]
    if op == "CONV_2D":
        if pad_h == 0 and pad_w == 0 and rec["C"] % 4 == 0 and stride == (1, 1) and rec["KH"] == 1 and \
                rec["KW"] == 1:
            return "arm_convolve_1x1_s8_fast"
        if oh == 1 and ih == 1 and rec["KH"] == 1 and ow % 4 == 0 and n == 1:
            return "arm_convolve_1_x_n_s8"
        return "arm_convolve_s8"
    if tuple(rec["dilation"]) != (1, 1):
        return TFLM_DILATED  # TFLM's cmsis_nn depthwise kernel: the optimised kernels ignore dilation
    if rec["depth_multiplier"] == 1 and n == 1:
        return "arm_depthwise_conv_3x3_s8" if (rec["KH"], rec["KW"]) == (3, 3) and pad_h <= 1 else \
            "arm_depthwise_conv_s8_opt"
    return "arm_depthwise_conv_s8"


def _in_size(out: int, kernel: int, stride: int, padding: str, rng: np.random.Generator) -> int:
    """An input size that TFLite's padding rule maps to `out` (any of the stride's candidates)."""
    lo = (out - 1) * stride + (1 if padding == "SAME" else kernel)
    return int(rng.integers(lo, lo + stride))


def _log_int(rng: np.random.Generator, lo: int, hi: int) -> int:
    """Log-uniform integer in [lo, hi]: small and large sizes equally likely per octave."""
    return int(min(max(round(math.exp(rng.uniform(math.log(lo), math.log(hi + 1)))), lo), hi))


def _size(rng: np.random.Generator, hi: int) -> tuple[int, int]:
    """Output height and width: square 2 times in 3, else independent."""
    h = _log_int(rng, 1, hi)
    return (h, h) if rng.random() < 2 / 3 else (h, _log_int(rng, 1, hi))


# --- conv (generic im2col): (kh, kw, stride, padding, C, K, oh, ow) --------------------------------
CONV_KERNELS = ((3, 3), (1, 1), (5, 5), (10, 4), (1, 3), (3, 1))
CONV_C = (1, 2, 3, 4, 5, 8, 16, 17, 32, 64)
CONV_K = (1, 2, 3, 8, 15, 16, 32, 64)
CONV_EDGES: list[Params] = [
    (3, 3, 1, "SAME", 1, 1, 1, 1), (3, 3, 1, "SAME", 3, 8, 32, 32), (3, 3, 2, "SAME", 3, 8, 16, 16),
    (3, 3, 1, "VALID", 17, 15, 5, 7), (3, 3, 2, "VALID", 64, 64, 3, 3), (3, 3, 1, "SAME", 32, 32, 1, 1),
    (3, 3, 2, "SAME", 64, 2, 2, 2), (1, 1, 2, "VALID", 16, 32, 8, 8), (1, 1, 2, "SAME", 32, 64, 4, 4),
    (1, 1, 1, "VALID", 3, 16, 16, 16), (1, 1, 1, "SAME", 17, 8, 9, 9), (1, 1, 2, "VALID", 5, 1, 1, 1),
    (5, 5, 1, "SAME", 2, 8, 16, 16), (5, 5, 2, "VALID", 5, 3, 7, 5), (10, 4, 2, "SAME", 1, 32, 25, 5),
    (10, 4, 1, "VALID", 1, 8, 12, 3), (1, 3, 1, "SAME", 8, 16, 7, 9), (3, 1, 1, "SAME", 16, 16, 9, 7),
    (1, 3, 1, "VALID", 4, 8, 1, 7), (3, 1, 2, "VALID", 2, 3, 1, 1),
    (1, 3, 1, "SAME", 4, 8, 1, 8),  # CMSIS-NN's 1xN path (one input row, OW % 4 == 0): left out, stubbed
]


def conv_draw(rng: np.random.Generator) -> Params:
    kh, kw = CONV_KERNELS[int(rng.integers(len(CONV_KERNELS)))]
    stride = 2 if (kh, kw) == (1, 1) and rng.random() < 0.7 else int(rng.integers(1, 3))
    oh, ow = _size(rng, 32)
    return (kh, kw, stride, str(rng.choice(["SAME", "VALID"])), int(rng.choice(CONV_C)), int(rng.choice(CONV_K)),
            oh, ow)


def conv_graph(p: Params, rng: np.random.Generator) -> Graph:
    kh, kw, stride, padding, c, k, oh, ow = p
    ih, iw = _in_size(oh, kh, stride, padding, rng), _in_size(ow, kw, stride, padding, rng)
    b = GraphBuilder("synthetic", (1, ih, iw, c))
    return b.build(b.conv(b.input, k, (kh, kw), stride, padding))


# --- conv 1x1 fast: (C, K, oh, ow) ------------------------------------------------------------------
FAST_C = (4, 8, 12, 16, 20, 24, 32, 36, 48, 64, 96, 128, 132, 192, 256)
FAST_EDGES: list[Params] = [
    (4, 1, 1, 1), (256, 256, 1, 1), (4, 3, 48, 48), (4, 5, 47, 47), (256, 1, 3, 3), (4, 256, 1, 1),
    (12, 7, 1, 3), (64, 64, 10, 10), (8, 2, 48, 47), (132, 33, 5, 5), (20, 255, 2, 3),
]


def fast_draw(rng: np.random.Generator) -> Params:
    return (int(rng.choice(FAST_C)), _log_int(rng, 1, 256), *_size(rng, 48))


def fast_graph(p: Params, rng: np.random.Generator) -> Graph:
    c, k, oh, ow = p
    b = GraphBuilder("synthetic", (1, oh, ow, c))
    return b.build(b.conv(b.input, k, 1, 1, str(rng.choice(["SAME", "VALID"]))))


# --- depthwise 3x3: (C, stride, padding, oh, ow) -----------------------------------------------------
DW_C = (1, 2, 3, 4, 5, 6, 7, 8, 12, 15, 16, 17, 24, 31, 32, 33, 48, 64, 96, 127, 128, 255, 256)
DW_EDGES: list[Params] = [
    (1, 1, "SAME", 1, 1), (256, 1, "SAME", 1, 1), (3, 2, "SAME", 48, 48), (2, 1, "VALID", 48, 47),
    (256, 2, "VALID", 3, 3), (17, 1, "VALID", 10, 10), (5, 2, "SAME", 4, 4), (5, 2, "SAME", 5, 5),
    (64, 1, "SAME", 11, 13), (255, 1, "SAME", 2, 3), (7, 2, "VALID", 1, 1), (128, 2, "SAME", 4, 4),
]


def dw_draw(rng: np.random.Generator) -> Params:
    return (int(rng.choice(DW_C)), int(rng.integers(1, 3)), str(rng.choice(["SAME", "VALID"])), *_size(rng, 48))


def dw_graph(p: Params, rng: np.random.Generator) -> Graph:
    c, stride, padding, oh, ow = p
    ih, iw = _in_size(oh, 3, stride, padding, rng), _in_size(ow, 3, stride, padding, rng)
    b = GraphBuilder("synthetic", (1, ih, iw, c))
    return b.build(b.dwconv(b.input, 3, stride, padding))


# --- fully connected: (C, K) -------------------------------------------------------------------------
FC_EDGES: list[Params] = [
    (1, 1), (1024, 1), (1, 640), (1023, 3), (640, 10), (5, 7), (1024, 640), (3, 639), (17, 64), (256, 255),
]


def fc_draw(rng: np.random.Generator) -> Params:
    return (_log_int(rng, 1, 1024), _log_int(rng, 1, 640))


def fc_graph(p: Params, rng: np.random.Generator) -> Graph:
    c, k = p
    b = GraphBuilder("synthetic", (1, c))
    return b.build(b.fc(b.input, k, str(rng.choice(["NONE", "RELU"]))))


# --- element-wise add: (n,) ----------------------------------------------------------------------------
ADD_EDGES: list[Params] = [(n,) for n in (1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 1023, 1024, 4097, 16383, 16384)]


def add_draw(rng: np.random.Generator) -> Params:
    return (_log_int(rng, 1, 16384),)


def add_graph(p: Params, rng: np.random.Generator) -> Graph:
    b = GraphBuilder("synthetic", (1, 1, 1, p[0]))
    return b.build(b.add(b.input, b.input, str(rng.choice(["NONE", "RELU"]))))


# --- average pool, VALID: (kh, kw, stride or 0 for the window, C, oh, ow) --------------------------------
POOL_WINDOWS = ((2, 2), (3, 3), (4, 4), (5, 5), (7, 7), (8, 8), (2, 3), (3, 5), (6, 4), (10, 4), (25, 5))
POOL_C = (1, 2, 3, 4, 5, 8, 16, 17, 32, 48, 64, 100, 128, 255, 256)
POOL_EDGES: list[Params] = [
    (2, 2, 0, 1, 1, 1), (25, 5, 0, 32, 1, 1), (8, 8, 0, 1, 1, 1), (2, 2, 2, 256, 4, 4), (3, 3, 1, 3, 10, 10),
    (5, 5, 0, 256, 1, 1), (7, 7, 0, 17, 1, 1), (3, 3, 2, 64, 7, 7), (2, 3, 1, 5, 9, 6), (25, 5, 0, 255, 1, 1),
]


def pool_draw(rng: np.random.Generator) -> Params:
    kh, kw = POOL_WINDOWS[int(rng.integers(len(POOL_WINDOWS)))]
    c = int(rng.choice(POOL_C))
    if rng.random() < 0.4:
        return (kh, kw, 0, c, 1, 1)
    return (kh, kw, int(rng.integers(1, min(kh, kw) + 1)), c, *_size(rng, 16))


def pool_graph(p: Params, rng: np.random.Generator) -> Graph:
    kh, kw, stride, c, oh, ow = p
    sh, sw = (kh, kw) if stride == 0 else (stride, stride)
    ih, iw = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    b = GraphBuilder("synthetic", (1, ih, iw, c))
    return b.build(b.avgpool(b.input, (kh, kw), stride or None))


# --- softmax: (rows, row length) ----------------------------------------------------------------------
SOFTMAX_EDGES: list[Params] = [(1, 2), (4, 1000), (1, 1000), (3, 7), (2, 11), (1, 3), (4, 2), (2, 999)]


def softmax_draw(rng: np.random.Generator) -> Params:
    return (int(rng.integers(1, 5)), _log_int(rng, 2, 1000))


def softmax_graph(p: Params, rng: np.random.Generator) -> Graph:
    b = GraphBuilder("synthetic", p)
    return b.build(b.softmax(b.input))


# --- depthwise, channel multiplier 1, not the 3x3 kernel: (kh, kw, stride, padding, C, oh, ow, batch, dilation)
DWO_KERNELS = ((5, 5), (3, 1), (1, 3), (7, 7), (1, 1), (2, 2), (4, 4), (3, 5), (5, 3), (1, 5), (5, 1))
DWO_EDGES: list[Params] = [
    (5, 5, 1, "SAME", 1, 1, 1, 1, 1), (5, 5, 1, "SAME", 256, 1, 1, 1, 1), (5, 5, 2, "SAME", 32, 16, 16, 1, 1),
    (5, 5, 1, "VALID", 3, 12, 12, 1, 1), (3, 1, 1, "SAME", 8, 10, 10, 1, 1), (1, 3, 2, "VALID", 17, 7, 5, 1, 1),
    (7, 7, 1, "SAME", 16, 7, 7, 1, 1), (1, 1, 1, "VALID", 64, 8, 8, 1, 1), (2, 2, 2, "VALID", 5, 9, 9, 1, 1),
    (4, 4, 1, "SAME", 4, 6, 6, 1, 1), (3, 5, 1, "SAME", 33, 4, 4, 1, 1), (5, 3, 2, "SAME", 127, 3, 3, 1, 1),
    (5, 5, 1, "SAME", 2, 32, 32, 1, 1), (1, 1, 2, "SAME", 255, 2, 3, 1, 1),
    # dispatch probes (never kept): a batch of 2 sends CMSIS-NN's wrapper to arm_depthwise_conv_s8; TFLM runs
    # its reference kernel for a dilated depthwise convolution
    (5, 5, 1, "SAME", 8, 4, 4, 2, 1), (3, 3, 1, "SAME", 8, 4, 4, 2, 1), (3, 3, 1, "SAME", 8, 6, 6, 1, 2),
    (5, 5, 1, "SAME", 16, 5, 5, 1, 2),
]


def dwo_draw(rng: np.random.Generator) -> Params:
    kh, kw = DWO_KERNELS[int(rng.integers(len(DWO_KERNELS)))]
    return (kh, kw, int(rng.integers(1, 3)), str(rng.choice(["SAME", "VALID"])), int(rng.choice(DW_C)),
            *_size(rng, 32), 1, 1)


def dwo_graph(p: Params, rng: np.random.Generator) -> Graph:
    kh, kw, stride, padding, c, oh, ow, batch, dilation = p
    ih, iw = _in_size(oh, kh, stride, padding, rng), _in_size(ow, kw, stride, padding, rng)
    b = GraphBuilder("synthetic", (batch, ih, iw, c))
    out = b.dwconv(b.input, (kh, kw), stride, padding)
    if dilation != 1:  # SAME only: the output size does not depend on the dilation
        b.ops[-1].attrs.update(dilation_h=dilation, dilation_w=dilation)  # type: ignore[attr-defined]
    return b.build(out)


# --- depthwise, channel multiplier > 1: (kh, kw, stride, padding, C, multiplier, oh, ow) -----------------------
DWM_KERNELS = ((3, 3), (5, 5), (1, 1), (3, 1), (1, 3), (7, 7))
DWM_C = (1, 2, 3, 4, 5, 8, 16, 17, 32)
DWM_MULT = (2, 3, 4, 5, 8, 16)
DWM_EDGES: list[Params] = [
    (3, 3, 1, "SAME", 1, 2, 8, 8), (3, 3, 1, "SAME", 1, 8, 16, 16), (3, 3, 2, "SAME", 3, 4, 8, 8),
    (5, 5, 1, "VALID", 2, 3, 5, 5), (1, 1, 1, "VALID", 16, 2, 4, 4), (3, 3, 1, "SAME", 8, 2, 1, 1),
    (3, 3, 1, "SAME", 1, 32, 4, 4), (7, 7, 2, "SAME", 3, 4, 7, 7), (3, 1, 1, "SAME", 5, 3, 6, 6),
    (3, 3, 1, "VALID", 17, 5, 3, 3), (3, 3, 2, "SAME", 32, 2, 12, 12), (1, 3, 1, "SAME", 4, 16, 9, 9),
]


def dwm_draw(rng: np.random.Generator) -> Params:
    kh, kw = DWM_KERNELS[int(rng.integers(len(DWM_KERNELS)))]
    return (kh, kw, int(rng.integers(1, 3)), str(rng.choice(["SAME", "VALID"])), int(rng.choice(DWM_C)),
            int(rng.choice(DWM_MULT)), *_size(rng, 24))


def dwm_graph(p: Params, rng: np.random.Generator) -> Graph:
    kh, kw, stride, padding, c, mult, oh, ow = p
    ih, iw = _in_size(oh, kh, stride, padding, rng), _in_size(ow, kw, stride, padding, rng)
    b = GraphBuilder("synthetic", (1, ih, iw, c))
    return b.build(b.dwconv(b.input, (kh, kw), stride, padding, multiplier=mult))


# --- max pool: (window, stride, padding, C, oh, ow) -------------------------------------------------------------
MAXPOOL_EDGES: list[Params] = [
    (2, 2, "VALID", 1, 1, 1), (2, 2, "VALID", 256, 4, 4), (3, 2, "SAME", 16, 8, 8), (3, 1, "SAME", 3, 10, 10),
    (2, 2, "VALID", 64, 16, 16), (5, 5, "VALID", 17, 1, 1), (3, 2, "VALID", 32, 7, 7), (2, 1, "VALID", 5, 9, 9),
    (7, 7, "VALID", 255, 1, 1), (4, 3, "SAME", 8, 5, 5), (2, 2, "SAME", 7, 24, 24), (3, 3, "SAME", 128, 3, 2),
]


def maxpool_draw(rng: np.random.Generator) -> Params:
    k = int(rng.choice([2, 3, 4, 5, 7]))
    return (k, int(rng.integers(1, k + 1)), str(rng.choice(["SAME", "VALID"])), int(rng.choice(POOL_C)),
            *_size(rng, 24))


def maxpool_graph(p: Params, rng: np.random.Generator) -> Graph:
    k, stride, padding, c, oh, ow = p
    ih, iw = _in_size(oh, k, stride, padding, rng), _in_size(ow, k, stride, padding, rng)
    b = GraphBuilder("synthetic", (1, ih, iw, c))
    return b.build(b.maxpool(b.input, k, stride, padding))


# --- element-wise mul, no broadcast: (n,) ------------------------------------------------------------------------
def mul_graph(p: Params, rng: np.random.Generator) -> Graph:
    """GraphBuilder has no mul: the op is made as GraphBuilder.add makes ADD."""
    b = GraphBuilder("synthetic", (1, 1, 1, p[0]))
    out = b._op("MUL", [b.input, b.input], b.shape(b.input),  # noqa: SLF001
                fused_activation=str(rng.choice(["NONE", "RELU"])))
    return b.build(out)


Family = tuple[list[Params], Callable[[np.random.Generator], Params], Callable[[Params, np.random.Generator], Graph]]
FAMILIES: dict[str, Family] = {
    "arm_convolve_s8": (CONV_EDGES, conv_draw, conv_graph),
    "arm_convolve_1x1_s8_fast": (FAST_EDGES, fast_draw, fast_graph),
    "arm_depthwise_conv_3x3_s8": (DW_EDGES, dw_draw, dw_graph),
    "arm_fully_connected_s8": (FC_EDGES, fc_draw, fc_graph),
    "arm_elementwise_add_s8": (ADD_EDGES, add_draw, add_graph),
    "arm_avgpool_s8": (POOL_EDGES, pool_draw, pool_graph),
    "arm_softmax_s8": (SOFTMAX_EDGES, softmax_draw, softmax_graph),
    # appended after the first seven so their seeds, records and indices stay as they were
    "arm_depthwise_conv_s8_opt": (DWO_EDGES, dwo_draw, dwo_graph),
    "arm_depthwise_conv_s8": (DWM_EDGES, dwm_draw, dwm_graph),
    "arm_max_pool_s8": (MAXPOOL_EDGES, maxpool_draw, maxpool_graph),
    "arm_elementwise_mul_s8": (list(ADD_EDGES), add_draw, mul_graph),
}


def shape_key(rec: dict[str, object]) -> str:
    return json.dumps([rec[k] for k in SHAPE_KEYS])


def edgesim_instructions(rec: dict[str, object]) -> int:
    return sum(int(rec[f"edgesim_{c}"]) for c in ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req"))


def synthesize(seed: int, per_routine: int, max_instructions: int, test_set: set[str]
               ) -> tuple[list[dict[str, object]], Counter[str], list[dict[str, object]]]:
    """Records per routine, the shapes left out (by reason) while filling them, and the shapes whose
    CMSIS-NN call is not the routine edgesim charges (never kept; `cmsis_routine` added to each)."""
    hw, prof = target()
    out: list[dict[str, object]] = []
    dropped: Counter[str] = Counter()
    mismatched: list[dict[str, object]] = []
    seen = set(test_set)
    for f, (routine, (edges, draw, graph)) in enumerate(FAMILIES.items()):
        rng = np.random.default_rng([seed, f])

        def candidates() -> Iterator[tuple[bool, Params]]:
            yield from ((True, p) for p in edges)
            for _ in range(20000):
                yield False, draw(rng)  # noqa: B023 (consumed inside this iteration)

        kept = 0
        for edge, p in candidates():
            g = graph(p, rng)
            rec = record(g, g.ops[0], hw, prof, "synthetic", len(out))
            called = cmsis_routine(rec)
            key = shape_key(rec)
            if called in STUBBED:
                dropped[f"{routine}: CMSIS-NN calls {called} (stubbed), edgesim charges {rec['routine']}"] += 1
            elif called != cmsis_function(str(rec["routine"])):
                dropped[f"{routine}: CMSIS-NN calls {called}, edgesim charges {rec['routine']}"] += 1
                mismatched.append({**rec, "model": "dispatch", "index": len(mismatched), "cmsis_routine": called})
            elif called != routine or key in seen:
                if edge:
                    why = "an MLPerf Tiny shape" if key in test_set else "a duplicate" if key in seen else called
                    dropped[f"{routine}: edge case {p} is {why}"] += 1
                continue
            elif edgesim_instructions(rec) > max_instructions:
                dropped[f"{routine}: over the instruction budget"] += 1
            else:
                seen.add(key)
                out.append(rec)
                kept += 1
                if kept == per_routine:
                    break
    return out, dropped, mismatched


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "synthetic_layers.json")
    ap.add_argument("--mismatches", type=Path, default=HERE / "dispatch_mismatch_layers.json",
                    help="shapes whose CMSIS-NN call differs from edgesim's routine (for run_iss.py)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-routine", type=int, default=40)
    ap.add_argument("--max-instructions", type=int, default=10_000_000,
                    help="cap on edgesim's instruction count of one layer (keeps the emulator run short)")
    args = ap.parse_args()
    test_set = {shape_key(r) for r in json.loads((HERE / "layers.json").read_text())}
    recs, dropped, mismatched = synthesize(args.seed, args.per_routine, args.max_instructions, test_set)
    args.out.write_text(json.dumps(recs, indent=1) + "\n")
    # the mismatched shapes CMSIS-NN itself runs, for run_iss.py (a dilated one runs TFLM's reference kernel)
    runnable = [r for r in mismatched if str(r["cmsis_routine"]).startswith("arm_") and
                r["cmsis_routine"] not in STUBBED]
    args.mismatches.write_text(json.dumps(runnable, indent=1) + "\n")
    per = Counter(cmsis_routine(r) for r in recs)
    for routine in FAMILIES:
        n = [r for r in recs if cmsis_routine(r) == routine]
        print(f"{routine:28} {per[routine]:3d} layers, {sum(edgesim_instructions(r) for r in n):>12,} edgesim instructions")
    for reason, n in sorted(dropped.items()):
        print(f"left out {n:5d}: {reason}")
    for r in recs:
        if cmsis_function(str(r["routine"])) != cmsis_routine(r):
            print(f"dispatch: synthetic {r['index']}: edgesim charges {r['routine']}, CMSIS-NN calls {cmsis_routine(r)}")
    for r in mismatched:
        print(f"dispatch mismatch {r['index']}: {r['op_type']} in {r['input_nhwc']} out {r['output_nhwc']} "
              f"kernel {r['KH']}x{r['KW']} stride {r['stride']} pad {r['pad']} dilation {r['dilation']} "
              f"multiplier {r['depth_multiplier']}: edgesim charges {r['routine']}, CMSIS-NN calls {r['cmsis_routine']}")
    print(f"{len(recs)} layers -> {args.out}; {len(runnable)} mismatched shapes CMSIS-NN runs -> {args.mismatches}")


if __name__ == "__main__":
    main()
