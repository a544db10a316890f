"""Read Arm Vela's performance estimate and line it up with edgesim's layers.

Vela (PyPI `ethos-u-vela`) compiles a TFLite model for an Ethos-U NPU and estimates, per
NPU operation, cycles and memory traffic: an op takes the maximum of its NPU cycles and the
access cycles of each memory it touches. It writes:

- `<model>_summary_<system config>.csv`, always: one row of totals (`cycles_total`,
  `inference_time`, bytes per memory and usage, `sram_memory_used` in KiB);
- `<model>_per-layer.csv`, with `--verbose-performance`: one row per Vela op (`Op Cycles`,
  `NPU`, access cycles per memory `SRAM AC` ... `OffFlash AC`, `MAC Count`, `Staging Usage`);
- `<model>_debug.xml`, with `--enable-debug-db`: CSV tables in CDATA blocks. `perf` has the
  per-layer rows with ids, `perf_debug` the bytes read and written per memory and usage
  (`SramFeatureMap_read`, `OffChipFlashWeights_read`, ...), `source` maps a source op id to
  the TFLite operator index (`ext_key`).

Vela lowers TFLite operators before it schedules them: an activation becomes a zero-cycle
row fused into the op before it, SOFTMAX becomes ~30 elementwise ops, RESHAPE vanishes (an
alias). Alignment is therefore by TFLite operator index: every Vela op is charged to the
source op it came from, and a TFLite op with no Vela row (RESHAPE) costs zero in Vela.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.profile.align import spearman
from sim.spec.model import Hardware

log = logging.getLogger(__name__)

# Ethos-U55 AXI master ports are 64 bits wide (Arm Ethos-U55 TRM 102420, "AXI interfaces"); Vela's
# `<mem>_clock_scale` multiplies that width, so bytes/cycle = 8 * clock_scale.
U55_AXI_BYTES_PER_CYCLE = 8.0
# Vela's name for each edgesim memory kind (vela.ini `axi0_port`/`axi1_port` values).
VELA_MEMORY = {"sram": "Sram", "flash": "OffChipFlash", "dram": "Dram"}
# Outstanding transactions: not in edgesim's spec; these are vela.ini's Ethos_U55_High_End_Embedded values.
MAX_READS = {"Sram": 4, "OffChipFlash": 2, "Dram": 4}
MAX_WRITES = {"Sram": 4, "OffChipFlash": 0, "Dram": 4}
USAGES = ("Lut", "FeatureMap", "Weights", "Scales")
# Vela operator names that are not CamelCase spellings of the TFLite builtin.
VELA_TO_TFLITE = {"AvgPool": "AVERAGE_POOL_2D", "MaxPool": "MAX_POOL_2D", "Conv2D": "CONV_2D",
                  "DepthwiseConv2D": "DEPTHWISE_CONV_2D", "DepthwiseConv2DBias": "DEPTHWISE_CONV_2D",
                  "Conv2DBias": "CONV_2D", "FullyConnected": "FULLY_CONNECTED"}
PER_LAYER_COLUMNS = {"Original Operator": "original_op", "NNG Operator": "op", "Target": "target",
                     "Staging Usage": "staging_bytes", "Op Cycles": "op_cycles", "NPU": "npu_cycles",
                     "SRAM AC": "sram_access_cycles", "DRAM AC": "dram_access_cycles",
                     "OnFlash AC": "onchip_flash_access_cycles", "OffFlash AC": "offchip_flash_access_cycles",
                     "MAC Count": "macs", "Name": "name"}
VELA_LAYER_COLUMNS = ("vela_id", "tflite_index", "tflite_op", "op", "name", "staging_bytes", "op_cycles",
                      "npu_cycles", "mac_cycles", "output_cycles", "cmd_cycles", "ofm_block",
                      "sram_access_cycles", "offchip_access_cycles", "macs", "sram_read_bytes",
                      "sram_write_bytes", "offchip_read_bytes", "offchip_write_bytes", "offchip_weight_read_bytes")
_TABLE_RE = re.compile(r'<table name="(\w+)">\s*<!\[CDATA\[(.*?)\]\]>', re.S)


def vela_op_to_tflite(op: str) -> str:
    """`DepthwiseConv2D` -> `DEPTHWISE_CONV_2D`; CamelCase -> UPPER_SNAKE otherwise."""
    return VELA_TO_TFLITE.get(op) or re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", op).upper()


def system_config_ini(hw: Hardware, name: str = "Ethos_U55_edgesim") -> str:
    """A vela.ini System_Config and Memory_Mode (both called `name`) mirroring `hw`.

    The name starts with `Ethos_U55`: Vela 5.2's C++ core gives a system config named
    otherwise about twice the memory bandwidth for the same clock scales (see docs/vela.md).
    """
    off, sram = hw.offchip, hw.scratchpad
    if off is None or off.kind not in VELA_MEMORY:
        raise SimError(f"{hw.name}: Vela needs an off-chip flash or dram memory, got "
                       f"{off.kind if off else 'none'}")
    ports = (("Sram", sram), (VELA_MEMORY[off.kind], off))
    lines = [f"; Generated from the edgesim spec '{hw.name}' (bytes/cycle = 8 x clock_scale on the 64-bit AXI)",
             f"[System_Config.{name}]", f"core_clock={hw.clock_hz:.0f}", "axi0_port=Sram",
             f"axi1_port={ports[1][0]}"]
    for vela_name, mem in ports:
        lines += [f"{vela_name}_clock_scale={mem.bandwidth_bytes_per_cycle / U55_AXI_BYTES_PER_CYCLE:g}",
                  f"{vela_name}_burst_length={mem.burst_bytes}",
                  f"{vela_name}_read_latency={mem.read_latency_cycles}",
                  f"{vela_name}_write_latency={mem.write_latency_cycles}",
                  f"{vela_name}_max_reads={MAX_READS[vela_name]}",
                  f"{vela_name}_max_writes={MAX_WRITES[vela_name]}"]
    lines += ["", "; weights and constants stay off chip, the tensor arena (and Vela's cache) is the SRAM",
              f"[Memory_Mode.{name}]", "const_mem_area=Axi1", "arena_mem_area=Axi0", "cache_mem_area=Axi0",
              f"arena_cache_size={sram.size_bytes}", ""]
    return "\n".join(lines)


def read_summary(path: Path) -> dict[str, Any]:
    """The one-row summary CSV as a dict; numbers as float."""
    df = pd.read_csv(path)
    if len(df) != 1 or "cycles_total" not in df.columns:
        raise SimError(f"{path}: expected Vela's one-row summary CSV with a cycles_total column")
    return {str(k): (float(v) if isinstance(v, (int, float, np.number)) else v) for k, v in df.iloc[0].items()}


def read_per_layer(path: Path) -> pd.DataFrame:
    """`<model>_per-layer.csv` with snake_case columns (see PER_LAYER_COLUMNS)."""
    df = pd.read_csv(path)
    missing = {"Op Cycles", "NPU", "MAC Count", "Name"} - set(df.columns)
    if missing:
        raise SimError(f"{path}: expected Vela's per-layer CSV, missing columns {sorted(missing)}")
    return df.rename(columns=PER_LAYER_COLUMNS)


def read_debug_db(path: Path) -> dict[str, pd.DataFrame]:
    """Every table of `<model>_debug.xml` (or `.xml.gz`) as a DataFrame, by table name."""
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    tables = {m.group(1): pd.read_csv(io.StringIO(m.group(2).strip())) for m in _TABLE_RE.finditer(text)}
    for need in ("perf", "perf_debug", "source"):
        if need not in tables:
            raise SimError(f"{path}: expected a Vela debug database with a '{need}' table")
    return tables


def _bytes(pdb: pd.DataFrame, memory: str, rw: str, usages: tuple[str, ...] = USAGES) -> pd.Series:
    cols = [f"{memory}{u}_{rw}" for u in usages if f"{memory}{u}_{rw}" in pdb.columns]
    if not cols:
        return pd.Series(0, index=pdb.index, dtype="int64")
    return pdb[cols].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1).astype("int64")


def vela_layers(tables: dict[str, pd.DataFrame], offchip: str = "OffChipFlash") -> pd.DataFrame:
    """One row per Vela op: cycles, bytes per memory, and the TFLite op it came from.

    offchip: Vela's name of the off-chip memory (`OffChipFlash` or `Dram`).
    """
    perf, pdb, src = tables["perf"], tables["perf_debug"], tables["source"]
    pdb = pdb.set_index("id").reindex(perf["id"])
    # NPU cycle parts (MAC, output/activation, command overhead) and the OFM block, where Vela gives them.
    main = tables.get("perf_debug_main", pd.DataFrame({"id": []})).set_index("id").reindex(perf["id"])
    part = lambda col: pd.to_numeric(main[col], errors="coerce").fillna(0).astype("int64").to_numpy() \
        if col in main.columns else np.zeros(len(perf), dtype=np.int64)  # noqa: E731
    block = main[[f"ofm_block_{d}" for d in "hwc"]].apply(
        lambda r: "x".join(str(int(x)) for x in r) if r.notna().all() else "", axis=1).to_numpy() \
        if all(f"ofm_block_{d}" in main.columns for d in "hwc") else np.array([""] * len(perf))
    source = src.set_index("id")
    num = lambda col: pd.to_numeric(perf[col], errors="coerce").fillna(0).astype("int64") \
        if col in perf.columns else pd.Series(0, index=perf.index, dtype="int64")  # noqa: E731
    ext = perf["source_id"].map(source["ext_key"])
    df = pd.DataFrame({
        "vela_id": perf["id"].astype("int64"),
        "tflite_index": pd.to_numeric(ext, errors="coerce").astype("Int64"),
        "tflite_op": perf["source_id"].map(source["operator"]).map(
            lambda o: vela_op_to_tflite(o) if isinstance(o, str) else ""),
        "op": perf["operator"].astype(str), "name": perf["name"].astype(str),
        "staging_bytes": num("staging_usage"), "op_cycles": num("op_cycles"), "npu_cycles": num("npu_cycles"),
        "mac_cycles": part("mac_cycles"), "output_cycles": part("ao_cycles"), "cmd_cycles": part("cmd_cycles"),
        "ofm_block": block,
        "sram_access_cycles": num("Sram_ac"), "offchip_access_cycles": num(f"{offchip}_ac"),
        "macs": num("mac_count"),
        "sram_read_bytes": _bytes(pdb, "Sram", "read").to_numpy(),
        "sram_write_bytes": _bytes(pdb, "Sram", "write").to_numpy(),
        "offchip_read_bytes": _bytes(pdb, offchip, "read").to_numpy(),
        "offchip_write_bytes": _bytes(pdb, offchip, "write").to_numpy(),
        "offchip_weight_read_bytes": _bytes(pdb, offchip, "read", ("Weights", "Scales")).to_numpy(),
    })
    return df[list(VELA_LAYER_COLUMNS)]


@dataclass
class VelaRun:
    """Vela's outputs for one model: summary totals, raw per-layer CSV, per-op frame."""

    model: str
    summary: dict[str, Any]
    per_layer: pd.DataFrame
    layers: pd.DataFrame
    source_ops: int

    def totals(self) -> dict[str, float]:
        """Whole-inference figures, named like edgesim's summary columns where they match."""
        s, off = self.summary, _offchip_prefix(self.summary)
        writes = s[f"{off}_feature_map_write_bytes"] + s[f"{off}_weight_write_bytes"]
        return {"latency_cycles": s["cycles_total"], "latency_ms": s["inference_time"] * 1e3,
                "npu_cycles": s["cycles_npu"],
                # The summary's weight_read excludes scales (bias/requant tables); its total has them.
                "offchip_read_bytes": s[f"{off}_total_bytes"] - writes,
                "offchip_write_bytes": writes,
                "offchip_total_bytes": s[f"{off}_total_bytes"],
                "sram_total_bytes": s["sram_total_bytes"], "sram_used_bytes": s["sram_memory_used"] * 1024.0,
                "macs": s["nn_macs"], "encoded_weight_bytes": s["total_npu_encoded_weights"]}


def _offchip_prefix(summary: dict[str, Any]) -> str:
    """`off_chip_flash` or `dram`: where Vela put the weights (`weights_storage_area`)."""
    area = str(summary.get("weights_storage_area", "Off-chip Flash"))
    return {"Off-chip Flash": "off_chip_flash", "DRAM": "dram", "On-chip Flash": "on_chip_flash",
            "SRAM": "sram"}.get(area, "off_chip_flash")


def load_run(directory: Path, model: str) -> VelaRun:
    """Read `<model>_summary_*.csv`, `<model>_per-layer.csv`, `<model>_debug.xml[.gz]` from `directory`."""
    directory = Path(directory)
    summaries = sorted(directory.glob(f"{model}_summary_*.csv"))
    debug = [p for p in (directory / f"{model}_debug.xml", directory / f"{model}_debug.xml.gz") if p.is_file()]
    per_layer = directory / f"{model}_per-layer.csv"
    if not summaries or not debug or not per_layer.is_file():
        raise SimError(f"{directory}: expected {model}_summary_*.csv, {model}_per-layer.csv and "
                       f"{model}_debug.xml from vela --verbose-performance --enable-debug-db")
    summary = read_summary(summaries[0])
    tables = read_debug_db(debug[0])
    offchip = {"off_chip_flash": "OffChipFlash", "dram": "Dram"}.get(_offchip_prefix(summary), "OffChipFlash")
    return VelaRun(model, summary, read_per_layer(per_layer), vela_layers(tables, offchip), len(tables["source"]))


def _ape(pred: pd.Series, ref: pd.Series) -> pd.Series:
    ref = ref.astype(float)
    return ((pred.astype(float) - ref).abs() / ref * 100.0).where(ref > 0)


def _bound(row: pd.Series) -> str:
    """Which term sets Vela's op cycles: compute (npu), sram or offchip access."""
    parts = {"compute": row["vela_npu_cycles"], "sram": row["vela_sram_access_cycles"],
             "offchip": row["vela_offchip_access_cycles"]}
    return max(parts, key=lambda k: parts[k]) if row["vela_cycles"] > 0 else ""


def compare_layers(run: VelaRun, sim_layers: pd.DataFrame) -> pd.DataFrame:
    """One row per TFLite operator: Vela's ops charged to it beside edgesim's layer.

    sim_layers: `SimResult.layers` (columns index, op_type, latency_cycles, dram_read_bytes,
    working_set_bytes, macs, ...).
    """
    v = run.layers
    unattributed = v["tflite_index"].isna()
    if unattributed.any():
        log.warning("%s: %d Vela op(s) name no TFLite source op; left out of the per-layer table",
                    run.model, int(unattributed.sum()))
    g = v[~unattributed].groupby("tflite_index", sort=True)
    vela = pd.DataFrame({
        "vela_type": g["tflite_op"].first(),
        "vela_ops": g["op"].agg(lambda s: "+".join(dict.fromkeys(s))),
        "n_vela_ops": g.size(),
        "vela_cycles": g["op_cycles"].sum(), "vela_npu_cycles": g["npu_cycles"].sum(),
        "vela_mac_cycles": g["mac_cycles"].sum(),
        "vela_sram_access_cycles": g["sram_access_cycles"].sum(),
        "vela_offchip_access_cycles": g["offchip_access_cycles"].sum(),
        "vela_offchip_read_bytes": g["offchip_read_bytes"].sum(),
        "vela_sram_bytes": g["sram_read_bytes"].sum() + g["sram_write_bytes"].sum(),
        "vela_staging_bytes": g["staging_bytes"].max(), "vela_macs": g["macs"].sum(),
    })
    vela.index = vela.index.astype("int64")
    s = sim_layers.set_index("index")
    sim = pd.DataFrame({
        "op_type": s["op_type"].astype(str), "layer": s["layer"].astype(str),
        "sim_cost_model": s["cost_model"].astype(str) if "cost_model" in s else "",
        "sim_cycles": s["latency_cycles"].astype("int64"), "sim_compute_cycles": s["compute_cycles"].astype("int64"),
        "sim_stall_cycles": s["stall_cycles"].astype("int64"),
        "sim_offchip_read_bytes": s["dram_read_bytes"].astype("int64"),
        "sim_sram_bytes": (s["sram_read_bytes"] + s["sram_write_bytes"]).astype("int64"),
        "sim_working_set_bytes": s["working_set_bytes"].astype("int64"), "sim_macs": s["macs"].astype("int64"),
    })
    df = sim.join(vela, how="outer")
    df.index.name = "index"
    df = df.reset_index()
    for col in [c for c in df.columns if c.startswith(("vela_", "n_vela", "sim_")) and c not in
                ("vela_type", "vela_ops", "sim_cost_model")]:
        df[col] = df[col].fillna(0).astype("int64")
    df["vela_ops"] = df["vela_ops"].fillna("")
    df["vela_type"] = df["vela_type"].fillna("")
    df["fused"] = df["n_vela_ops"] == 0
    df["type_match"] = (df["vela_type"] == df["op_type"]) | df["fused"]
    if not df["type_match"].all():
        bad = df[~df["type_match"]]
        log.warning("%s: TFLite op types differ at index %s", run.model,
                    ", ".join(f"{i} ({a} vs {b})" for i, a, b in zip(bad["index"], bad["op_type"], bad["vela_type"])))
    df["vela_bound"] = df.apply(_bound, axis=1)
    df["cycles_ratio"] = (df["sim_cycles"] / df["vela_cycles"].where(df["vela_cycles"] > 0)).astype(float)
    df["compute_ratio"] = (df["sim_compute_cycles"] / df["vela_npu_cycles"].where(df["vela_npu_cycles"] > 0)).astype(float)
    df["cycles_ape_pct"] = _ape(df["sim_cycles"], df["vela_cycles"])
    df["offchip_read_ape_pct"] = _ape(df["sim_offchip_read_bytes"], df["vela_offchip_read_bytes"])
    df["working_set_ape_pct"] = _ape(df["sim_working_set_bytes"], df["vela_staging_bytes"])
    df.insert(0, "model", run.model)
    return df


def compare_totals(run: VelaRun, layers: pd.DataFrame, sim_summary: pd.DataFrame) -> dict[str, Any]:
    """Whole-model figures and per-layer error statistics for one model."""
    t = run.totals()
    s = sim_summary.iloc[0]
    timed = layers[layers["vela_cycles"] > 0]
    read = layers[layers["vela_offchip_read_bytes"] > 0]
    pct = lambda a, b: abs(float(a) - float(b)) / float(b) * 100.0 if float(b) > 0 else float("nan")  # noqa: E731
    return {
        "model": run.model, "sim_cost_model": str(s.get("cost_model", "")),
        "vela_ops": len(run.layers), "tflite_ops": run.source_ops,
        "vela_cycles": int(t["latency_cycles"]), "sim_cycles": int(s["latency_cycles"]),
        "cycles_ape_pct": pct(s["latency_cycles"], t["latency_cycles"]),
        "vela_ms": t["latency_ms"], "sim_ms": float(s["latency_ms"]),
        "vela_npu_cycles": int(t["npu_cycles"]),
        "vela_offchip_read_bytes": int(t["offchip_read_bytes"]), "sim_offchip_read_bytes": int(s["dram_read_bytes"]),
        "offchip_read_ape_pct": pct(s["dram_read_bytes"], t["offchip_read_bytes"]),
        "vela_sram_used_bytes": int(t["sram_used_bytes"]), "sim_arena_bytes": int(s["arena_bytes"]),
        "sim_peak_working_set_bytes": int(s["peak_working_set_bytes"]),
        "sram_used_ape_pct": pct(s["arena_bytes"], t["sram_used_bytes"]),
        "vela_sram_bytes": int(t["sram_total_bytes"]),
        "sim_sram_bytes": int(s["sram_read_bytes"]) + int(s["sram_write_bytes"]),
        "layers_timed": len(timed),
        "layer_cycles_mape_pct": float(timed["cycles_ape_pct"].mean()) if len(timed) else float("nan"),
        "layer_cycles_median_ape_pct": float(timed["cycles_ape_pct"].median()) if len(timed) else float("nan"),
        "layer_cycles_spearman": spearman(timed["sim_cycles"], timed["vela_cycles"]),
        "layer_offchip_read_mape_pct": float(read["offchip_read_ape_pct"].mean()) if len(read) else float("nan"),
        "layer_offchip_read_spearman": spearman(read["sim_offchip_read_bytes"], read["vela_offchip_read_bytes"]),
        "layer_working_set_median_ape_pct": float(timed["working_set_ape_pct"].median()) if len(timed) else float("nan"),
        "layer_working_set_spearman": spearman(timed["sim_working_set_bytes"], timed["vela_staging_bytes"]),
    }
