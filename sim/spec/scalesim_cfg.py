"""SCALE-Sim `.cfg` files as hardware: an INI file -> the raw mapping `load.py` validates.

SCALE-Sim 3.0.0 (`scalesim/scale_config.py`) describes a rows x cols array fed by three
double-buffered SRAMs, one per operand, sized in KiB of 1-byte words, and an interface to DRAM
whose bandwidth is either computed from demand (`InterfaceBandwidth: CALC`) or given
(`USER`, words per cycle). This module maps those keys onto the edgesim schema:

- `ArrayHeight`/`ArrayWidth` -> `compute.rows`/`compute.cols`; `Dataflow` is listed first in
  `compute.dataflows` (the array can run all three; `--dataflow best` in compat mode runs it);
- the three SRAMs -> `compute.{ifmap,filter,ofmap}_sram_bytes`, and one `sram` memory of their
  total size, so traffic rows use memories `sram` and `dram` as every other cost model does;
- `Bandwidth` -> `memories.dram.bandwidth_bytes_per_cycle` (SCALE-Sim drains ofmaps at it in
  USER mode); in USER mode SCALE-Sim fills the ifmap and filter SRAMs at the `[layout]`
  section's `IfmapSRAMBankBandwidth`/`FilterSRAMBankBandwidth` (default 10), which become
  `compute.ifmap_fill_bytes_per_cycle`/`filter_fill_bytes_per_cycle`;
- `CALC` -> `memories.dram.bandwidth_limited: false`;
- `MemoryBanks` -> `memories.sram.banks`; `ReadRequestBuffer` -> `dma.max_outstanding`.

A SCALE-Sim config has no clock; 1 GHz is assumed and announced (override with `--set`).
Offsets, the write request buffer and Ramulator options do not change any count SCALE-Sim
reports without Ramulator traces, so they are accepted and ignored.
"""

from __future__ import annotations

import configparser
import logging
from pathlib import Path
from typing import Any, Callable

from sim.errors import SpecError

log = logging.getLogger(__name__)

DEFAULT_CLOCK_HZ = 1.0e9
DRAM_SIZE_BYTES = 1 << 32
# scale_config.py defaults for the [layout] section (used as fill bandwidths in USER mode).
DEFAULT_BANK_BANDWIDTH = 10
# single_layer_sim.py: in CALC mode the read buffers start prefetching at 10 words/cycle.
CALC_NOMINAL_BANDWIDTH = 10.0
DATAFLOWS = ("ws", "is", "os")


def _int(file: str, where: str, value: str, positive: bool = True) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = None
    if number is None or number < (1 if positive else 0):
        raise SpecError(file, where, "a positive integer" if positive else "a non-negative integer", value.strip())
    return number


def _bool(file: str, where: str, value: str) -> bool:
    text = value.strip().lower()
    if text not in ("true", "false"):
        raise SpecError(file, where, "True or False", value.strip())
    return text == "true"


def _text(_file: str, _where: str, value: str) -> str:
    return value.strip().strip('"')


def _choice(choices: tuple[str, ...]) -> Callable[[str, str, str], str]:
    def parse(file: str, where: str, value: str) -> str:
        text = value.strip()
        if text not in choices:
            raise SpecError(file, where, f"one of {', '.join(choices)}", text)
        return text
    return parse


def _bandwidths(file: str, where: str, value: str) -> list[int]:
    return [_int(file, where, v) for v in value.split(",") if v.strip()] or [_int(file, where, value)]


# section -> {key as SCALE-Sim spells it: parser}; configparser compares keys case-insensitively.
SCHEMA: dict[str, dict[str, Callable[[str, str, str], Any]]] = {
    "general": {"run_name": _text},
    "architecture_presets": {
        "ArrayHeight": _int, "ArrayWidth": _int, "IfmapSramSzkB": _int, "FilterSramSzkB": _int,
        "OfmapSramSzkB": _int, "IfmapOffset": lambda f, w, v: _int(f, w, v, False),
        "FilterOffset": lambda f, w, v: _int(f, w, v, False), "OfmapOffset": lambda f, w, v: _int(f, w, v, False),
        "Bandwidth": _bandwidths, "Dataflow": _choice(DATAFLOWS), "MemoryBanks": _int,
        "ReadRequestBuffer": _int, "WriteRequestBuffer": _int, "TopologyCsvLoc": _text,
    },
    "run_presets": {"InterfaceBandwidth": _choice(("CALC", "USER")), "UseRamulatorTrace": _bool},
    "layout": {
        "IfmapCustomLayout": _bool, "IfmapSRAMBankBandwidth": _int, "IfmapSRAMBankNum": _int,
        "IfmapSRAMBankPort": _int, "FilterCustomLayout": _bool, "FilterSRAMBankBandwidth": _int,
        "FilterSRAMBankNum": _int, "FilterSRAMBankPort": _int,
    },
    "sparsity": {"SparsitySupport": _bool, "SparseRep": _text, "OptimizedMapping": _bool, "BlockSize": _int,
                 "RandomNumberGeneratorSeed": _int, "NonZeroElems": _int},
    "network_presets": {"TopologyCsvLoc": _text, "LayoutCsvLoc": _text},
}
REQUIRED = {"architecture_presets": ("ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB",
                                     "OfmapSramSzkB", "Dataflow"),
            "run_presets": ("InterfaceBandwidth",)}


def parse_cfg(path: Path, file: str) -> dict[str, dict[str, Any]]:
    """Sections -> {canonical key: parsed value}, checking every key against `SCHEMA`."""
    parser = configparser.ConfigParser(delimiters=(":", "="), strict=False)
    try:
        parser.read_string(path.read_text())
    except OSError as exc:
        raise SpecError(file, "", "a readable file", exc.strerror) from None
    except UnicodeDecodeError as exc:
        raise SpecError(file, f"byte {exc.start}", "a text SCALE-Sim .cfg", "binary data") from None
    except configparser.Error as exc:
        raise SpecError(file, "", "a SCALE-Sim .cfg (INI sections with key: value lines)",
                        str(exc).splitlines()[0]) from None
    out: dict[str, dict[str, Any]] = {}
    for section in parser.sections():
        if section not in SCHEMA:
            raise SpecError(file, f"[{section}]", f"one of the sections {', '.join(SCHEMA)}", "an unknown section")
        canon = {k.lower(): k for k in SCHEMA[section]}
        values: dict[str, Any] = {}
        for key, raw in parser.items(section):
            if key not in canon:
                raise SpecError(file, f"{section}.{key}", f"one of the keys {', '.join(SCHEMA[section])}",
                                "an unknown key")
            name = canon[key]
            values[name] = SCHEMA[section][name](file, f"{section}.{name}", raw)
        out[section] = values
    for section, keys in REQUIRED.items():
        for key in keys:
            if key not in out.get(section, {}):
                raise SpecError(file, f"{section}.{key}", "a value", "nothing")
    return out


def read_scalesim_cfg(path: Path, file: str) -> dict[str, Any]:
    """The raw hardware mapping (YAML layout) that a SCALE-Sim config describes."""
    cfg = parse_cfg(path, file)
    arch, run, layout = cfg["architecture_presets"], cfg["run_presets"], cfg.get("layout", {})
    if cfg.get("sparsity", {}).get("SparsitySupport"):
        raise SpecError(file, "sparsity.SparsitySupport", "False (sparse runs are not reproduced)", "True")
    user = run["InterfaceBandwidth"] == "USER"
    if user and "Bandwidth" not in arch:
        raise SpecError(file, "architecture_presets.Bandwidth", "a value in USER bandwidth mode", "nothing")
    rows, cols = arch["ArrayHeight"], arch["ArrayWidth"]
    kib = 1024
    ifmap, filt, ofmap = arch["IfmapSramSzkB"] * kib, arch["FilterSramSzkB"] * kib, arch["OfmapSramSzkB"] * kib
    df = arch["Dataflow"]
    bandwidth = float(arch["Bandwidth"][0]) if "Bandwidth" in arch else CALC_NOMINAL_BANDWIDTH
    name = cfg.get("general", {}).get("run_name") or path.stem
    log.warning("%s: SCALE-Sim configs have no clock; using clock_hz=%g (override with --set clock_hz=...)",
                file, DEFAULT_CLOCK_HZ)
    compute = {
        "type": "systolic", "rows": rows, "cols": cols,
        "dataflows": [df] + [d for d in DATAFLOWS if d != df],
        "ifmap_sram_bytes": ifmap, "filter_sram_bytes": filt, "ofmap_sram_bytes": ofmap,
        "ifmap_fill_bytes_per_cycle": float(layout.get("IfmapSRAMBankBandwidth", DEFAULT_BANK_BANDWIDTH)),
        "filter_fill_bytes_per_cycle": float(layout.get("FilterSRAMBankBandwidth", DEFAULT_BANK_BANDWIDTH)),
    }
    memories = {
        "dram": {"kind": "dram", "size_bytes": DRAM_SIZE_BYTES, "bandwidth_bytes_per_cycle": bandwidth,
                 "bandwidth_limited": user},
        # One word per edge PE per cycle: rows ifmap words in, cols filter words in, cols ofmap words out.
        "sram": {"kind": "sram", "size_bytes": ifmap + filt + ofmap,
                 "bandwidth_bytes_per_cycle": float(rows + 2 * cols), "banks": arch.get("MemoryBanks", 1)},
    }
    return {
        "name": name, "description": f"SCALE-Sim config {path.name} ({rows}x{cols} {df}, "
                                     f"{run['InterfaceBandwidth']} bandwidth)",
        "clock_hz": DEFAULT_CLOCK_HZ, "compute": compute, "memories": memories,
        "dma": {"max_outstanding": arch.get("ReadRequestBuffer", 1)},
        "source": f"SCALE-Sim 3.0.0 config {path.name}",
    }
