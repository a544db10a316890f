"""The MLPerf Tiny layers as CMSIS-NN calls, with edgesim's instruction counts for each.

Writes one JSON record per operator of the four MLPerf Tiny models: the shapes, strides and
padding a CMSIS-NN call needs (TFLite SAME padding resolved to pad_h / pad_w as TFLM's
`ComputePaddingHeightWidth` does), the routine edgesim's Cortex-M4 model chose, and the
counts it charges (`sim.cost.vector_kernels` classes) with their Cortex-M4 cycles. An
instruction-level run of the same calls (`run_iss.py`) is compared against these counts.

    python validation/cmsis_nn_iss/layers.py [--out layers.json]
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.api import load_graph, load_hardware
from sim.cost import vector_kernels as vk
from sim.cost.vector import CORE_CPI, Profile, op_work, profile_of
from sim.graph.ir import VIEW_OPS, Graph, Op
from sim.graph.loops import leading_padding, loops_of
from sim.spec.model import Hardware

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("EDGESIM_SHARED", HERE.parents[2] / "shared"))
MODELS = {"ad": "ad_fc_autoencoder_int8.tflite", "ic": "ic_resnet8_int8.tflite",
          "kws": "kws_dscnn_int8.tflite", "vww": "vww_mobilenetv1_025_int8.tflite"}
CLASSES = ("mac", "ld_act", "ld_w", "alu", "st", "loop", "req")
CPI_M4 = np.array(CORE_CPI["cortex-m4"])


def record(g: Graph, op: Op, hw: Hardware, prof: Profile, model: str, index: int) -> dict[str, object]:
    """One operator as a CMSIS-NN call record, with the routine and counts edgesim charges for it."""
    work = op_work(g, op, hw, prof)
    lp = loops_of(g, op)
    ifm, ofm = g.ifm(op), g.ofm(op)
    rec: dict[str, object] = {
        "model": model, "index": index, "op_type": op.op_type, "routine": work.routine,
        "input_nhwc": [int(d) for d in ifm.shape], "output_nhwc": [int(d) for d in ofm.shape],
        "inputs": len(g.activations_in(op)),
        "K": lp.K, "C": lp.C, "KH": lp.KH, "KW": lp.KW,
        "stride": [lp.stride_h, lp.stride_w], "dilation": [lp.dilation_h, lp.dilation_w],
        "pad": list(leading_padding(op, lp)),
        "depth_multiplier": int(op.attrs.get("depth_multiplier", 1)),
        "fused_activation": str(op.attrs.get("fused_activation", "NONE")),
        "macs": lp.macs,
        "scratch_bytes": work.scratch_bytes,
        "edgesim_cycles_m4": float(work.counts[:7] @ CPI_M4),
    }
    rec.update({f"edgesim_{name}": int(work.counts[i]) for i, name in enumerate(CLASSES)})
    rec["edgesim_w_bytes"] = int(work.counts[vk.W_BYTES])
    return rec


def target(spec: str = "stm32l4r5", profile: str = "cmsis-nn") -> tuple[Hardware, Profile]:
    """The part and the kernel profile the records are priced for (by default the Cortex-M4
    with CMSIS-NN)."""
    hw = load_hardware(spec)
    return hw, profile_of(hw, profile)


def records(spec: str = "stm32l4r5", profile: str = "cmsis-nn") -> list[dict[str, object]]:
    """One record per operator of the four MLPerf Tiny models (views left out)."""
    hw, prof = target(spec, profile)
    out: list[dict[str, object]] = []
    for bench, file in MODELS.items():
        g = load_graph(str(SHARED / "models" / "mlperf_tiny" / file))
        out.extend(record(g, op, hw, prof, bench, op.index) for op in g.ops if op.op_type not in VIEW_OPS)
    return out


def write_records(doc: str, default_out: Path, make: Callable[[], list[dict[str, object]]]) -> None:
    """The record scripts' command line: `--out FILE` (default `default_out`), JSON, one line said."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", type=Path, default=default_out)
    args = ap.parse_args()
    recs = make()
    args.out.write_text(json.dumps(recs, indent=1) + "\n")
    print(f"{len(recs)} layers -> {args.out}")


if __name__ == "__main__":
    write_records(__doc__, HERE / "layers.json", records)
