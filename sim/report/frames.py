"""LayerCost lists -> tidy DataFrames. Summaries are group-bys of the per-layer frame."""

from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from sim import __version__
from sim.cost.layer import LayerCost
from sim.graph.ir import Graph
from sim.report.columns import LAYER_COLUMNS, SUMMARY_COLUMNS, TRAFFIC_COLUMNS, Column
from sim.spec.model import Hardware
from sim.units import cycles_to_ms, cycles_to_us


def _typed(df: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    known = [c.name for c in columns if c.name in df.columns]  # model-specific columns may be absent
    df = df[known + [c for c in df.columns if c not in known]]
    for c in columns:
        if c.dtype == "category":
            df[c.name] = df[c.name].astype("category")
    return df


def layers_frame(costs: Sequence[LayerCost], graph: Graph, hw: Hardware) -> pd.DataFrame:
    off = hw.offchip
    sram = hw.scratchpad
    mem_names = {m.name for m in hw.memories}
    rows = []
    for c in costs:
        op = graph.ops[c.index]
        e = c.energy_pj
        rows.append({
            "layer": c.layer, "index": c.index, "op_type": c.op_type, "unit": c.unit,
            "cost_model": c.cost_model, "macs": c.macs, "dataflow": c.dataflow, "tiling": c.tiling,
            "compute_cycles": c.compute_cycles, "stall_cycles": c.stall_cycles,
            "latency_cycles": c.latency_cycles, "latency_us": cycles_to_us(c.latency_cycles, hw.clock_hz),
            "working_set_bytes": c.working_set_bytes,
            "fits_scratchpad": c.working_set_bytes <= sram.size_bytes,
            "ifm_bytes": graph.ifm_bytes(op), "weight_bytes": graph.weight_bytes(op),
            "ofm_bytes": graph.ofm_bytes(op),
            "dram_read_bytes": c.bytes_at(off.name) if off else 0,
            "dram_write_bytes": c.bytes_at(off.name, write=True) if off else 0,
            "sram_read_bytes": c.bytes_at(sram.name), "sram_write_bytes": c.bytes_at(sram.name, write=True),
            "energy_pj": c.energy_total_pj,
            "energy_compute_pj": e.get("compute", 0.0),
            "energy_memory_pj": sum(v for k, v in e.items() if k.rsplit("_", 1)[0] in mem_names),
            "energy_static_pj": e.get("static", 0.0),
            **c.extra,
        })
    df = pd.DataFrame(rows, columns=None if rows else [col.name for col in LAYER_COLUMNS])
    return _typed(df, LAYER_COLUMNS)


def traffic_frame(costs: Sequence[LayerCost]) -> pd.DataFrame:
    rows = [{"layer": c.layer, "index": c.index, "memory": t.memory, "operand": t.operand,
             "read_bytes": t.read_bytes, "write_bytes": t.write_bytes} for c in costs for t in c.traffic]
    df = pd.DataFrame(rows, columns=[col.name for col in TRAFFIC_COLUMNS])
    return _typed(df, TRAFFIC_COLUMNS)


def summary_frame(layers: pd.DataFrame, graph: Graph, hw: Hardware, *, dataflow: str,
                  arena_bytes: int, extra: dict[str, Any] | None = None) -> pd.DataFrame:
    total = layers[["macs", "compute_cycles", "stall_cycles", "latency_cycles", "dram_read_bytes",
                    "dram_write_bytes", "sram_read_bytes", "sram_write_bytes", "energy_pj",
                    "weight_bytes"]].sum()
    cycles = int(total["latency_cycles"])
    mpc = float(total["macs"]) / cycles if cycles else 0.0
    row = {
        "model": graph.name, "hardware": hw.name, "dataflow": dataflow,
        "cost_model": "+".join(sorted(set(map(str, layers["cost_model"])))) if len(layers) else "",
        "layers": len(layers), "macs": int(total["macs"]),
        "compute_cycles": int(total["compute_cycles"]), "stall_cycles": int(total["stall_cycles"]),
        "latency_cycles": cycles, "latency_ms": cycles_to_ms(cycles, hw.clock_hz), "clock_hz": hw.clock_hz,
        "macs_per_cycle": mpc, "utilization": mpc / hw.compute.peak_macs_per_cycle,
        "peak_working_set_bytes": int(layers["working_set_bytes"].max()) if len(layers) else 0,
        "arena_bytes": arena_bytes, "weight_bytes": int(total["weight_bytes"]),
        "dram_read_bytes": int(total["dram_read_bytes"]), "dram_write_bytes": int(total["dram_write_bytes"]),
        "sram_read_bytes": int(total["sram_read_bytes"]), "sram_write_bytes": int(total["sram_write_bytes"]),
        "energy_uj": float(total["energy_pj"]) * 1e-6,
        **(extra or {}),
    }
    return _typed(pd.DataFrame([row]), SUMMARY_COLUMNS)


def stamp(df: pd.DataFrame, **attrs: Any) -> pd.DataFrame:
    df.attrs.update({"edgesim_version": __version__, **attrs})
    return df
