"""YAML -> hardware spec objects: the one place hardware files are checked.

Every problem becomes a `SpecError` naming the file, the dotted field path and what was
expected, e.g. `hw_specs/u55.yaml: memories.sram.size_bytes: expected a positive integer,
got -4`. Unknown keys list the valid ones, as timeloopfe does. `--set PATH=VALUE`
overrides are applied to the raw mapping before validation, so they pass the same checks.
The field-by-field rules live in `fields.py` (replay scenarios share them); what is the
hardware's own is here: `compute:` chosen by its `type`, `memories:` keyed by name, and
defaults announced at INFO.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import logging
import os
import typing
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from sim.errors import SpecError
from sim.spec.fields import SpecBuilder, as_mapping, hints_of, join, key_expected, key_ok, number, strip_optional
from sim.spec.model import (CORE_BUS_BYTES, DEFAULT_BUS_BYTES, Hardware, Memory, SystolicArray, VectorUnit,
                            WaitStep, steps_ordered, wait_states_at)

log = logging.getLogger(__name__)

COMPUTE_TYPES: dict[str, type] = {"vector": VectorUnit, "systolic": SystolicArray}


def search_dirs(env_var: str, folder: str) -> list[Path]:
    """Where a bundled name is looked up: $ENV_VAR (path list), the repo's FOLDER/, ./FOLDER."""
    dirs = [Path(p) for p in os.environ.get(env_var, "").split(os.pathsep) if p]
    dirs.append(Path(__file__).resolve().parents[2] / folder)
    dirs.append(Path.cwd() / folder)
    return dirs


def names_in(dirs: list[Path]) -> list[str]:
    return sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.yaml")})


def resolve_named_file(name_or_path: str | os.PathLike[str], dirs: list[Path], *, flag: str, what: str,
                       suffixes: tuple[str, ...] = (".yaml", ".yml")) -> Path:
    """An existing path, or NAME found as NAME.yaml in `dirs`; else one line listing the names."""
    if not isinstance(name_or_path, (str, os.PathLike)):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise SpecError(flag, "", f"a {what.split()[-1]} name or path", type(name_or_path).__name__)
    if not str(name_or_path).strip():
        raise SpecError(flag, "", f"a {what.split()[-1]} file or one of: {', '.join(names_in(dirs))}", "")
    p = Path(name_or_path)
    if p.suffix in suffixes or os.sep in str(name_or_path) or p.exists():
        if not p.is_file():
            raise SpecError(str(p), "", f"an existing {what} file", "no such file")
        return p
    for d in dirs:
        cand = d / f"{name_or_path}.yaml"
        if cand.is_file():
            return cand
    raise SpecError(flag, "", f"a {what.split()[-1]} file or one of: {', '.join(names_in(dirs))}",
                    str(name_or_path))


def spec_dirs() -> list[Path]:
    """Where `--hw NAME` looks: $EDGESIM_HW_SPECS, the repo's hw_specs/, ./hw_specs."""
    return search_dirs("EDGESIM_HW_SPECS", "hw_specs")


def bundled_names() -> list[str]:
    return names_in(spec_dirs())


def resolve_spec_path(name_or_path: str | os.PathLike[str]) -> Path:
    """A path that exists (YAML, or a SCALE-Sim `.cfg`), or a bundled name such as `stm32h7a3`."""
    return resolve_named_file(name_or_path, spec_dirs(), flag="--hw", what="hardware spec",
                              suffixes=(".yaml", ".yml", ".cfg"))


def display_path(path: Path) -> str:
    """Relative to the working directory when below it, so messages stay short."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> Any:
    """The parsed file (a private copy: callers may edit it). Parses once per file version:
    DSE scripts load the same spec for every point, and parsing was most of their time."""
    try:
        stat = path.stat()
        parsed = _parse_yaml(str(path), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise SpecError(str(path), "", "a readable file", exc.strerror) from None
    return copy.deepcopy(parsed)


@functools.lru_cache(maxsize=256)
def _parse_yaml(path: str, mtime_ns: int, size: int) -> Any:  # noqa: ARG001 - the key of the cache
    try:
        text = Path(path).read_text()
    except UnicodeDecodeError as exc:
        raise SpecError(display_path(Path(path)), f"byte {exc.start}", "a UTF-8 text YAML file",
                        "binary data") from None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when built in
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "yaml"
        problem = getattr(exc, "problem", None) or "malformed"
        raise SpecError(display_path(Path(path)), where, "valid YAML", problem) from None


def load_hardware(spec: str | os.PathLike[str] | Hardware,
                  overrides: Iterable[str] | Mapping[str, Any] = ()) -> Hardware:
    """Load a hardware spec by bundled name or path and apply `--set` overrides."""
    if isinstance(spec, Hardware):
        if not overrides:
            return spec
        raw, file = to_dict(spec), f"<{spec.name}>"
    else:
        path = resolve_spec_path(spec)
        file = display_path(path)
        if path.suffix == ".cfg":
            from sim.spec.scalesim_cfg import read_scalesim_cfg
            raw = read_scalesim_cfg(path, file)
        else:
            raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise SpecError(file, "", "a mapping of hardware fields", type(raw).__name__)
    raw = typing.cast("dict[str, Any]", raw)
    original = raw
    raw = apply_overrides(raw, overrides, file)
    overridden = list(parse_overrides(overrides))
    raw = follow_clock(raw, overridden, file, original)
    try:
        return build(Hardware, raw, file, "")
    except SpecError as exc:
        if any(exc.field == p or exc.field.startswith(p + ".") or exc.field.startswith(p + "[")
               or (exc.field and p.startswith(exc.field + ".")) for p in overridden):
            raise SpecError(f"--set (over {file})", exc.field, exc.expected, exc.got) from None
        raise


def follow_clock(raw: dict[str, Any], overridden: list[str], file: str,
                 original: dict[str, Any] | None = None) -> dict[str, Any]:
    """Derive what the datasheet gives per clock: `run_current_ma` from `run_current_ua_per_mhz`,
    and each memory's `wait_states` from its `wait_state_steps` table, so a what-if at another
    clock pays that clock's current and wait states. An explicit `--set` of the derived field
    wins; a file whose own value disagrees with its rule at its own clock, or a clock above a
    table's last row, is an error.

    When a tabled memory's wait states move from the file's (`original`, the mapping before
    `--set`) to ws', by the table at another clock or by a `--set memories.NAME.wait_states`,
    its read latency and bandwidth move with them (see `rescale_for_wait_states`), because the
    file's figures were written for the file's own wait states."""
    memories, clock = raw.get("memories"), number(raw.get("clock_hz"))
    if clock is None:
        return raw
    per_mhz = number(raw.get("run_current_ua_per_mhz"))
    if per_mhz is not None and per_mhz > 0 and "run_current_ma" not in overridden:
        current_ma = per_mhz * clock / 1e9
        mine = number(raw.get("run_current_ma"))
        rescaled = "clock_hz" in overridden or "run_current_ua_per_mhz" in overridden
        if mine is not None and not rescaled and abs(mine - current_ma) > 0.01 * current_ma:
            raise SpecError(file, "run_current_ma", f"{current_ma:.4g} (run_current_ua_per_mhz x clock_hz) "
                            "or nothing", mine)
        raw["run_current_ma"] = current_ma
    memories = as_mapping(memories)
    if memories is None:
        return raw
    original = raw if original is None else original
    file_memories, file_clock = as_mapping(original.get("memories")), number(original.get("clock_hz"))
    bus_bytes = core_bus_bytes(raw)
    for name, value in memories.items():
        mem = as_mapping(value)
        if mem is None or not mem.get("wait_state_steps"):
            continue
        prefix = f"memories.{name}"
        if prefix in overridden:
            continue
        file_mem = file_memories.get(name) if file_memories is not None else None
        file_ws = file_wait_states(file_mem, file_clock, file, prefix)
        ws: Any
        if f"{prefix}.wait_states" in overridden:
            ws = mem["wait_states"]
        else:
            steps = wait_steps(mem, file, prefix)
            if steps is None:
                continue  # malformed or out of order: the full build reports it with its path
            ws = wait_states_at(steps, clock)
            where = "--set" if "clock_hz" in overridden else file
            if ws is None:
                raise SpecError(where, "clock_hz", f"at most {steps[-1].up_to_mhz * 1e6:g} (the last row of "
                                f"{prefix}.wait_state_steps)", clock)
            retabled = "clock_hz" in overridden or f"{prefix}.wait_state_steps" in overridden
            if "wait_states" in mem and not retabled and mem["wait_states"] != ws:
                raise SpecError(file, f"{prefix}.wait_states", f"{ws} (its wait_state_steps at clock_hz "
                                f"{clock / 1e6:g} MHz)", mem["wait_states"])
            mem["wait_states"] = ws
        if file_ws is not None and _count(ws) is not None:
            rescale_for_wait_states(mem, prefix, file_ws, ws, bus_bytes, overridden)
    return raw


def _count(value: Any) -> int | None:
    """A non-negative integer, else None (the full build reports it)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def wait_steps(mem: dict[str, Any], file: str, prefix: str) -> tuple[WaitStep, ...] | None:
    """The memory's `wait_state_steps` rows, or None when missing, malformed or out of order."""
    rows = mem.get("wait_state_steps")
    if not isinstance(rows, list) or not rows:
        return None
    try:
        steps = tuple(build(WaitStep, s, file, f"{prefix}.wait_state_steps") for s in typing.cast("list[Any]", rows))
    except (SpecError, TypeError):
        return None
    return steps if steps_ordered(steps) else None


def file_wait_states(mem: Any, clock_hz: float | None, file: str, prefix: str) -> int | None:
    """The wait states the file's own figures were written for: its `wait_states`, else its table
    at its own clock; None when neither is usable."""
    if not isinstance(mem, dict):
        return None
    if "wait_states" in mem:
        return _count(mem["wait_states"])
    steps = wait_steps(typing.cast("dict[str, Any]", mem), file, prefix)
    return wait_states_at(steps, clock_hz) if steps is not None and clock_hz is not None else None


def core_bus_bytes(raw: dict[str, Any]) -> int:
    """Data-bus width, bytes per cycle, of the core that reads the memories: `compute.core` when
    compute is a vector unit, else `cpu.core`, else DEFAULT_BUS_BYTES (`CORE_BUS_BYTES`)."""
    compute, cpu = as_mapping(raw.get("compute")), as_mapping(raw.get("cpu"))
    unit = compute if compute is not None and compute.get("type", "vector") == "vector" else cpu
    core = unit.get("core") if unit is not None else None
    return CORE_BUS_BYTES.get(core, DEFAULT_BUS_BYTES) if isinstance(core, str) else DEFAULT_BUS_BYTES


def rescale_for_wait_states(mem: dict[str, Any], prefix: str, file_ws: int, ws: int, bus_bytes: int,
                            overridden: list[str]) -> None:
    """Carry the file's read latency and bandwidth, written for `file_ws` wait states, to `ws`.

    A read pays one cycle per wait state, so latency moves by ws - file_ws (never below 0). The
    array delivers one `burst_bytes` word per (w + 1) cycles and the core's bus takes at most
    `bus_bytes` per cycle, so the rate is r(w) = min(burst_bytes / (w + 1), bus_bytes) and the
    bandwidth scales by r(ws) / r(file_ws): the file's own value stays exact at its own wait
    states, whether it was array-limited (L4R5: 8 B per 6 cycles) or below both limits (H7A3:
    4.0 < 32/7). An explicit `--set` of either field wins."""
    if ws == file_ws:
        return
    latency = _count(mem.get("read_latency_cycles", 0))
    if latency is not None and f"{prefix}.read_latency_cycles" not in overridden:
        mem["read_latency_cycles"] = max(latency + ws - file_ws, 0)
    bandwidth, burst = number(mem.get("bandwidth_bytes_per_cycle")), _count(mem.get("burst_bytes", 4))
    if bandwidth is not None and bandwidth > 0 and burst and f"{prefix}.bandwidth_bytes_per_cycle" not in overridden:
        def rate(w: int) -> float:
            return min(burst / (w + 1), bus_bytes)
        mem["bandwidth_bytes_per_cycle"] = bandwidth * rate(ws) / rate(file_ws)


# --- overrides -----------------------------------------------------------------------------

def parse_overrides(items: Iterable[str] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(items, Mapping):
        return dict(typing.cast("Mapping[str, Any]", items))
    if isinstance(items, str):  # one PATH=VALUE, not its characters
        items = [items]
    if not hasattr(items, "__iter__"):
        raise SpecError("--set", "", "PATH=VALUE strings or a mapping of PATH -> value", type(items).__name__)
    out: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise SpecError("--set", "", "PATH=VALUE strings", item)
        if "=" not in item:
            raise SpecError("--set", item, "PATH=VALUE", item)
        key, _, value = item.partition("=")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            out[key.strip()] = value
    return out


def apply_overrides(raw: dict[str, Any], overrides: Iterable[str] | Mapping[str, Any], file: str) -> dict[str, Any]:
    """Set each dotted PATH in a deep copy of `raw`, refusing paths the schema does not have."""
    items = parse_overrides(overrides)
    if not items:
        return raw
    raw = json.loads(json.dumps(raw, default=list))
    for path, value in items.items():
        parts = path.split(".")
        _check_override_path(raw, parts, path)
        node: dict[str, Any] = raw
        for i, part in enumerate(parts[:-1]):
            child = as_mapping(node.setdefault(part, {}))
            if child is None:
                raise SpecError(file, ".".join(parts[: i + 1]), f"a mapping to set {path} in",
                                type(node[part]).__name__)
            node = child
        node[parts[-1]] = value
    return raw


def _check_override_path(raw: dict[str, Any], parts: list[str], path: str) -> None:
    cls: Any = Hardware
    node: Any = raw
    dict_keys = "dtype"
    for i, part in enumerate(parts):
        _hint_owner = cls
        where = ".".join(parts[: i + 1])
        if cls == "memories":
            mems = as_mapping(node)
            if mems is None or part not in mems:
                names = ", ".join(mems) if mems is not None else ""
                raise SpecError("--set", path, f"a memory named one of: {names}", part)
            cls, node = Memory, mems[part]
            continue
        if cls == "dict":
            if not key_ok(dict_keys, part):
                raise SpecError("--set", path, key_expected(dict_keys), part)
            return
        if not dataclasses.is_dataclass(cls):
            raise SpecError("--set", path, f"no sub-field under {'.'.join(parts[:i])}", part)
        names = [f.name for f in dataclasses.fields(cls) if f.name not in ("name",)]
        if part not in names:
            raise SpecError("--set", where, f"a field among {', '.join(names)}", part)
        hint = hints_of(cls)[part]
        parent = as_mapping(node)
        sub: Any = parent.get(part) if parent is not None else None
        if part == "memories":
            cls, node = "memories", sub
        elif part in ("compute", "cpu"):
            unit = as_mapping(sub)
            ctype = unit.get("type", "vector") if unit is not None else "vector"
            cls, node = COMPUTE_TYPES.get(ctype if isinstance(ctype, str) else "", VectorUnit), sub or {}
        elif typing.get_origin(hint) is dict:
            cls, node = "dict", sub
            dict_keys = {f.name: f for f in dataclasses.fields(_hint_owner)}[part].metadata.get("keys", "dtype")
        elif dataclasses.is_dataclass(strip_optional(hint)):
            cls, node = strip_optional(hint), sub or {}
        else:
            cls, node = None, None


# --- building -------------------------------------------------------------------------------

def _compute(fields: SpecBuilder, value: Any, file: str, path: str) -> Any:
    """`compute:` and `cpu:` are a vector or systolic unit, chosen by their `type`."""
    unit = as_mapping(value)
    if unit is None:
        raise SpecError(file, path, "a mapping with a type of vector or systolic", type(value).__name__)
    ctype = unit.get("type", "vector")
    if not isinstance(ctype, str) or ctype not in COMPUTE_TYPES:
        raise SpecError(file, join(path, "type"), "one of vector, systolic", ctype)
    return fields.build(COMPUTE_TYPES[ctype], unit, file, path)


def _memories(fields: SpecBuilder, value: Any, file: str, path: str) -> tuple[Memory, ...]:
    """`memories:` maps each level's name to its fields, outermost first."""
    levels = as_mapping(value)
    if not levels:
        raise SpecError(file, path, "a mapping of memory name -> fields, outermost first",
                        type(value).__name__)
    # The name is the text after the key's last dot; the bundled keys have no dots.
    return tuple(fields.build(Memory, v, file, join(path, str(k)), name=str(k).rsplit(".", 1)[-1])
                 for k, v in levels.items())


HARDWARE_FIELDS = SpecBuilder(keyed=frozenset({Memory}), announce=log,
                              hooks={"compute": _compute, "cpu": _compute, "memories": _memories})


def build(cls: type, raw: Any, file: str, prefix: str) -> Any:
    """Construct hardware dataclass `cls` from mapping `raw`, checking every field."""
    return HARDWARE_FIELDS.build(cls, raw, file, prefix)


# --- dumping --------------------------------------------------------------------------------

def to_dict(obj: Any) -> Any:
    """Spec object -> plain mapping in the file layout (memories keyed by name)."""
    if isinstance(obj, Hardware):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if f.name == "memories":
                out["memories"] = {m.name: {k: w for k, w in to_dict(m).items() if k != "name"} for m in v}
            else:
                out[f.name] = to_dict(v)
        return out
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [to_dict(v) for v in typing.cast("tuple[Any, ...]", obj)]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in typing.cast("dict[Any, Any]", obj).items()}
    return obj


def dump_yaml(hw: Hardware) -> str:
    return yaml.safe_dump(to_dict(hw), sort_keys=False)


def spec_hash(hw: Hardware) -> str:
    return hashlib.sha256(json.dumps(to_dict(hw), sort_keys=True).encode()).hexdigest()[:12]
