"""One layer's parameter block, data and weights as memory blobs, and the output it must give.

Every emulated run (run_iss.py on Unicorn, ../tflm_reference_iss, ../helium_iss on QEMU) draws a
layer's data here, so they compute the same layers on the same numbers: int8 input in
[-128, 127], int8 weights in [-127, 127], int32 bias in [-4096, 4095], per-channel multipliers in
[2^30, 2^31) and shifts in [-9, -5]; input zero point -128, output zero point -128 with ReLU
clamping for RELU layers, else small and random; TFLM's int8 add and softmax scalings. The
parameter block's layout is read from the #defines of the harness source (harness/harness.c).
`check` compares an output with reference.py's NumPy model of the same integer arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import reference as ref

HARNESS_C = Path(__file__).resolve().parent / "harness" / "harness.c"
OPS = {"CONV_2D": "OP_CONV", "DEPTHWISE_CONV_2D": "OP_DWCONV", "FULLY_CONNECTED": "OP_FC",
       "ADD": "OP_ADD", "AVERAGE_POOL_2D": "OP_AVGPOOL", "SOFTMAX": "OP_SOFTMAX", "MAX_POOL_2D": "OP_MAXPOOL",
       "MUL": "OP_MUL"}


@dataclass
class LayerData:
    """The arrays the reference check needs and the (address, bytes) blobs QEMU loads."""

    dims: tuple[int, int, int, int, int, int, int]     # n, ih, iw, ic, oh, ow, oc
    x1: np.ndarray
    x2: np.ndarray
    w: np.ndarray
    bias: np.ndarray
    mult: np.ndarray
    shift: np.ndarray
    params: dict[str, int]
    out_addr: int
    out_bytes: int
    blobs: list[tuple[int, bytes]] = field(default_factory=list)


def harness_defines(source: Path = HARNESS_C) -> dict[str, int]:
    text = source.read_text()
    return {m[1]: int(m[2]) for m in re.finditer(r"^#define ((?:P|OP)_[A-Z0-9_]+) (\d+)$", text, re.M)}


def hash_name(name: str) -> int:
    return int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "little")


def softmax_params(input_scale: float = 1 / 16, beta: float = 1.0) -> tuple[int, int, int]:
    """TFLM's PreprocessSoftmaxScaling and CalculateInputRadius for int8 (kScaledDiffIntegerBits = 5)."""
    real = min(beta * input_scale * (1 << (31 - 5)), (1 << 31) - 1.0)
    frac, exp = np.frexp(real)
    mult = int(round(frac * (1 << 31)))
    if mult == 1 << 31:
        mult //= 2
        exp += 1
    radius = int(np.floor(((1 << 5) - 1) * (1 << (31 - 5)) / (1 << int(exp))))
    return mult, int(exp), -radius


def _align(x: int, a: int = 16) -> int:
    return (x + a - 1) // a * a


def make_layer(rec: dict, seed: int, symbols: dict[str, int], defines: dict[str, int] | None = None) -> LayerData:
    """Draw the layer's data and lay out the parameter block, arena, weights and (where the image
    has `g_dump`) the output dump."""
    d = defines or harness_defines()
    rng = np.random.default_rng([seed, hash_name(rec["model"]), int(rec["index"])])
    p = np.zeros(d["P_COUNT"], dtype=np.int64)
    op = rec["op_type"]
    p[d["P_OP"]] = d[OPS[op]]
    inp, out = rec["input_nhwc"], rec["output_nhwc"]
    if len(inp) == 4:
        n, ih, iw, ic = inp
        _, oh, ow, oc = out
    else:  # [batch, features]
        n, ih, iw, ic = inp[0], 1, 1, int(np.prod(inp[1:]))
        oh, ow, oc = 1, 1, int(np.prod(out[1:]))
    for key, val in (("P_N", n), ("P_IH", ih), ("P_IW", iw), ("P_IC", ic), ("P_OH", oh), ("P_OW", ow),
                     ("P_OC", oc), ("P_KH", rec["KH"]), ("P_KW", rec["KW"]),
                     ("P_STRIDE_H", rec["stride"][0]), ("P_STRIDE_W", rec["stride"][1]),
                     ("P_PAD_H", rec["pad"][0]), ("P_PAD_W", rec["pad"][1]),
                     ("P_DIL_H", rec["dilation"][0]), ("P_DIL_W", rec["dilation"][1]),
                     ("P_CH_MULT", rec["depth_multiplier"])):
        p[d[key]] = val
    relu = rec["fused_activation"] in ("RELU", "RELU6")
    out_zp = -128 if relu else int(rng.integers(-10, 11))
    p[d["P_IN_OFFSET"]] = 128
    p[d["P_OUT_OFFSET"]] = out_zp
    p[d["P_ACT_MIN"]] = out_zp if relu else -128
    p[d["P_ACT_MAX"]] = 127

    arena = symbols["__arena_start"]
    n_in, n_out = n * ih * iw * ic, n * oh * ow * oc
    a_in = arena
    a_in2 = _align(a_in + n_in)
    a_out = _align(a_in2 + n_in)
    a_mult = _align(a_out + n_out)
    a_shift = _align(a_mult + 4 * oc)
    a_scratch = _align(a_shift + 4 * oc)
    scratch_size = symbols["__arena_end"] - a_scratch
    x1 = rng.integers(-128, 128, n_in, dtype=np.int8)
    x2 = rng.integers(-128, 128, n_in, dtype=np.int8)
    mult = rng.integers(1 << 30, (1 << 31) - 1, oc, dtype=np.int32)
    shift = rng.integers(-9, -4, oc, dtype=np.int32)
    w_bytes = {"CONV_2D": oc * rec["KH"] * rec["KW"] * ic, "DEPTHWISE_CONV_2D": rec["KH"] * rec["KW"] * oc,
               "FULLY_CONNECTED": oc * ic}.get(op, 0)
    a_w = symbols["__weights_start"]
    a_b = _align(a_w + w_bytes)
    w = rng.integers(-127, 128, w_bytes, dtype=np.int8)
    bias = rng.integers(-(1 << 12), 1 << 12, oc, dtype=np.int32)

    p[d["P_INPUT"]], p[d["P_INPUT2"]], p[d["P_OUTPUT"]] = a_in, a_in2, a_out
    p[d["P_FILTER"]], p[d["P_BIAS"]] = a_w, a_b
    p[d["P_MULT"]], p[d["P_SHIFT"]] = a_mult, a_shift
    p[d["P_SCRATCH"]], p[d["P_SCRATCH_SIZE"]] = a_scratch, scratch_size
    out_mult = int(rng.integers(1 << 30, (1 << 31) - 1))
    out_shift = -19 if op == "ADD" else int(rng.integers(-9, -4))
    p[d["P_OUT_MULT"]], p[d["P_OUT_SHIFT"]] = out_mult, out_shift
    p[d["P_IN1_OFFSET"]], p[d["P_IN2_OFFSET"]] = 128, 128
    in_mults = rng.integers(1 << 30, (1 << 31) - 1, 2)
    p[d["P_IN1_MULT"]], p[d["P_IN2_MULT"]] = in_mults
    p[d["P_IN1_SHIFT"]], p[d["P_IN2_SHIFT"]] = -1, -1
    p[d["P_LEFT_SHIFT"]] = 20
    sm_mult, sm_shift, sm_diff_min = softmax_params()
    p[d["P_SM_MULT"]], p[d["P_SM_SHIFT"]], p[d["P_SM_DIFF_MIN"]] = sm_mult, sm_shift, sm_diff_min
    p[d["P_SM_ROWS"]], p[d["P_SM_ROW_SIZE"]] = n * ih * iw, ic
    p[d["P_STATUS"]] = -999

    # arena blob: input, second input, zeroed output, multipliers, shifts (gaps zero-filled)
    arena_blob = bytearray(a_scratch - arena)
    arena_blob[0:n_in] = x1.tobytes()
    arena_blob[a_in2 - arena:a_in2 - arena + n_in] = x2.tobytes()
    arena_blob[a_mult - arena:a_mult - arena + 4 * oc] = mult.tobytes()
    arena_blob[a_shift - arena:a_shift - arena + 4 * oc] = shift.tobytes()
    blobs = [(symbols["g_params"], (p & 0xFFFFFFFF).astype(np.uint32).tobytes()), (arena, bytes(arena_blob))]
    if "g_dump" in symbols:
        blobs.append((symbols["g_dump"], np.array([a_out, n_out, 0xFFFFFFFF], np.uint32).tobytes()))
    if w_bytes:
        w_blob = bytearray(a_b + 4 * oc - a_w)
        w_blob[0:w_bytes] = w.tobytes()
        w_blob[a_b - a_w:] = bias.tobytes()
        blobs.append((a_w, bytes(w_blob)))
    params = {"out_zp": out_zp, "act_min": int(p[d["P_ACT_MIN"]]), "act_max": 127, "out_mult": out_mult,
              "out_shift": out_shift, "in1_mult": int(in_mults[0]), "in2_mult": int(in_mults[1]),
              "sm_mult": sm_mult, "sm_shift": sm_shift, "sm_diff_min": sm_diff_min}
    return LayerData((n, ih, iw, ic, oh, ow, oc), x1, x2, w, bias, mult, shift, params, a_out, n_out, blobs)


def expected(rec: dict, data: LayerData) -> np.ndarray | None:
    """The layer's output by the NumPy model of the same integer arithmetic (None: no model)."""
    p, op = data.params, rec["op_type"]
    n, ih, iw, ic, oh, ow, oc = data.dims
    x = data.x1.reshape(n, ih, iw, ic)
    act = (p["act_min"], p["act_max"])
    stride, pad, dilation = tuple(rec["stride"]), tuple(rec["pad"]), tuple(rec["dilation"])
    kh, kw = rec["KH"], rec["KW"]
    if op == "CONV_2D":
        return ref.conv(x, data.w.reshape(oc, kh, kw, ic), data.bias, data.mult, data.shift, stride, pad, 128,
                        p["out_zp"], act, (oh, ow), dilation=dilation)
    if op == "DEPTHWISE_CONV_2D":
        return ref.conv(x, data.w.reshape(1, kh, kw, oc), data.bias, data.mult, data.shift, stride, pad, 128,
                        p["out_zp"], act, (oh, ow), depthwise=True, ch_mult=int(rec["depth_multiplier"]),
                        dilation=dilation)
    if op == "FULLY_CONNECTED":
        return ref.fully_connected(data.x1.reshape(n, ic), data.w.reshape(oc, ic), data.bias, p["out_mult"],
                                   p["out_shift"], 128, p["out_zp"], act)
    if op == "ADD":
        return ref.add(data.x1, data.x2, 128, p["in1_mult"], -1, 128, p["in2_mult"], -1, 20, p["out_zp"],
                       p["out_mult"], -19, act)
    if op == "AVERAGE_POOL_2D":
        return ref.avgpool(x, (kh, kw), stride, act, (oh, ow))
    if op == "MAX_POOL_2D":
        return ref.maxpool(x, (kh, kw), stride, pad, act, (oh, ow))
    if op == "MUL":
        return ref.mul(data.x1, data.x2, 128, 128, p["out_zp"], p["out_mult"], p["out_shift"], act)
    if op == "SOFTMAX":
        return ref.softmax(data.x1, ic, p["sm_mult"], p["sm_shift"], p["sm_diff_min"])
    return None


def check(rec: dict, data: LayerData, got: np.ndarray) -> str:
    """`match`, `MISMATCH bad/total`, or `not checked` (an op reference.py does not model)."""
    want = expected(rec, data)
    if want is None:
        return "not checked"
    bad = int(np.count_nonzero(want.reshape(-1) != got))
    return "match" if bad == 0 else f"MISMATCH {bad}/{got.size}"
