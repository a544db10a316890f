"""LayerCost lists -> tidy DataFrames. Summaries are group-bys of the per-layer frame."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from sim import __version__
from sim.cost.layer import LayerCost
from sim.cost.vector import load_profiles, power_validation_of, validation_of
from sim.graph.ir import Graph
from sim.mapping.placement import fit_columns
from sim.report.columns import LAYER_COLUMNS, STACK_COLUMNS, SUMMARY_COLUMNS, TRAFFIC_COLUMNS, Column
from sim.spec.model import Hardware
from sim.units import cycles_to_ms, cycles_to_us


def _frame(data: dict[str, list[Any]], columns: tuple[Column, ...]) -> pd.DataFrame:
    """Columns in their documented order (model-specific ones may be absent, extras follow),
    categoricals where documented. Built column-wise: a sweep builds thousands of these."""
    known = [c.name for c in columns if c.name in data]
    order = known + [k for k in data if k not in known]
    kinds = {c.name: c.dtype for c in columns}
    return pd.DataFrame({k: _column(data[k], kinds.get(k, "")) for k in order}, copy=False)


def _column(values: list[Any], kind: str) -> Any:
    """Typed arrays for documented int/float/bool columns (pandas' per-column inference is
    the slow part of a small frame); None in an int column keeps pandas' own inference."""
    if kind == "category":
        return _categorical(values)
    if kind in _NUMPY_KINDS and None not in values:
        return np.asarray(values, dtype=_NUMPY_KINDS[kind])
    return values


_NUMPY_KINDS = {"int": np.int64, "float": np.float64, "bool": np.bool_}


def _categorical(values: list[Any]) -> pd.Categorical:
    """Categorical from codes: pandas' own inference costs more than the rest of a small frame."""
    index: dict[Any, int] = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(index), dtype=object))


def layers_frame(costs: Sequence[LayerCost], graph: Graph, hw: Hardware) -> pd.DataFrame:
    off = hw.offchip
    sram = hw.scratchpad
    mem_names = {m.name for m in hw.memories}
    rows: list[dict[str, Any]] = []
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
    names = list(dict.fromkeys(k for r in rows for k in r)) or [col.name for col in LAYER_COLUMNS]
    return _frame({k: [r.get(k) for r in rows] for k in names}, LAYER_COLUMNS)


def traffic_frame(costs: Sequence[LayerCost]) -> pd.DataFrame:
    data: dict[str, list[Any]] = {col.name: [] for col in TRAFFIC_COLUMNS}
    for c in costs:
        for t in c.traffic:
            data["layer"].append(c.layer)
            data["index"].append(c.index)
            data["memory"].append(t.memory)
            data["operand"].append(t.operand)
            data["read_bytes"].append(t.read_bytes)
            data["write_bytes"].append(t.write_bytes)
    return _frame(data, TRAFFIC_COLUMNS)


def summary_frame(layers: pd.DataFrame, graph: Graph, hw: Hardware, *, dataflow: str,
                  arena_bytes: int, extra: dict[str, Any] | None = None) -> pd.DataFrame:
    total = {k: layers[k].to_numpy().sum() for k in (
        "macs", "compute_cycles", "stall_cycles", "latency_cycles", "dram_read_bytes", "dram_write_bytes",
        "sram_read_bytes", "sram_write_bytes", "energy_pj", "weight_bytes")}
    cycles = int(total["latency_cycles"])
    mpc = float(total["macs"]) / cycles if cycles else 0.0
    models = set(map(str, layers["cost_model"].to_numpy()))
    val = validation_of(models, getattr(hw.compute, "core", ""))
    power = power_validation_of(hw)
    extra = extra or {}
    if "weight_storage_bytes" not in extra:  # a transform (sparse) sizes the stored weights itself
        stored = encoded_weight_bytes(layers)
        if stored is not None:
            extra = {**extra, "weight_storage_bytes": stored}
    row = {
        "model": graph.name, "hardware": hw.name, "dataflow": dataflow,
        "cost_model": "+".join(sorted(models)),
        "layers": len(layers), "macs": int(total["macs"]),
        "compute_cycles": int(total["compute_cycles"]), "stall_cycles": int(total["stall_cycles"]),
        "latency_cycles": cycles, "latency_ms": cycles_to_ms(cycles, hw.clock_hz), "clock_hz": hw.clock_hz,
        "macs_per_cycle": mpc, "utilization": mpc / hw.compute.peak_macs_per_cycle,
        "peak_working_set_bytes": int(layers["working_set_bytes"].to_numpy().max()) if len(layers) else 0,
        "arena_bytes": arena_bytes, "weight_bytes": int(total["weight_bytes"]),
        "dram_read_bytes": int(total["dram_read_bytes"]), "dram_write_bytes": int(total["dram_write_bytes"]),
        "sram_read_bytes": int(total["sram_read_bytes"]), "sram_write_bytes": int(total["sram_write_bytes"]),
        "energy_uj": float(total["energy_pj"]) * 1e-6,
        "transforms": "+".join(getattr(graph, "transforms", [])),
        "validated_median_error_pct": val.median_abs_pct_error if val else np.nan,
        "validated_p90_error_pct": val.p90_abs_pct_error if val else np.nan,
        "validated_power_median_error_pct": power.median_abs_pct_error if power else np.nan,
        "validated_power_p90_error_pct": power.p90_abs_pct_error if power else np.nan,
        **fit_columns(hw, arena_bytes=arena_bytes, persistent_bytes=int(extra.get("persistent_bytes", 0)),
                      weight_bytes=int(extra.get("weight_storage_bytes", total["weight_bytes"]))),
        **extra,
    }
    return _frame({k: [v] for k, v in row.items()}, SUMMARY_COLUMNS)


def encoded_weight_bytes(layers: pd.DataFrame) -> int | None:
    """The bytes the weights take in flash on an NPU that streams them encoded (Ethos-U
    weight encoding, bias and scales included, as Vela stores them): encoded NPU layers at
    their stream size, the rest as the graph holds them. None when no layer is encoded."""
    if "weight_stream_bytes" not in layers.columns:
        return None
    stream = layers["weight_stream_bytes"].to_numpy(dtype=float)
    encoded = np.nan_to_num(stream) > 0
    return int(np.where(encoded, stream, layers["weight_bytes"].to_numpy(dtype=float)).sum())


def stamp(df: pd.DataFrame, **attrs: Any) -> pd.DataFrame:
    df.attrs["edgesim_version"] = __version__
    df.attrs.update(attrs.items())
    return df


def stacks_frame(core: str | None = None) -> pd.DataFrame:
    """One row per software-stack profile with its measured latency error, so a user picks a
    stack knowing how far its numbers were checked; with `core` (a spec's core, "" for a part
    without an MCU core), whether they cover that core."""
    data: dict[str, list[Any]] = {c.name: [] for c in STACK_COLUMNS if core is not None or c.name != "validated_on_core"}
    for name, p in load_profiles().items():
        v = p.validation
        row: dict[str, Any] = {
            "kernels": name, "family": p.family, "code": p.code, "calibrated": p.calibrated,
            "median_error_pct": v.median_abs_pct_error if v else float("nan"),
            "p90_error_pct": v.p90_abs_pct_error if v else float("nan"),
            "runs": v.runs if v else 0, "boards": v.boards if v else 0,
            "cores": v.cores if v else "", "releases": v.releases if v else "", "data": v.data if v else "",
            "validated_on_core": bool(v and v.cores and core and v.covers(core))}
        for k in data:
            data[k].append(row[k])
    return _frame(data, STACK_COLUMNS)
