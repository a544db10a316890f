"""Mappings -> frozen spec dataclasses, checked field by field against `spec_field` metadata.

Hardware files (`load.py`) and replay scenarios (`sim/replay/scenario.py`) are both built
here, so one set of rules gives one error format, `FILE: FIELD: expected ..., got ...`:
unknown keys list the valid ones, required fields must be there, numbers obey `check`,
strings obey `choices`, mapping keys obey `keys`, and a `ValueError` from `__post_init__`
(`"FIELD: expected ..., got ..."`) is pinned to the field it names. A loader states only what
is its own, as the parameters of a `SpecBuilder`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import re
import types
import typing
from typing import Any, Callable, Mapping

from sim.errors import SpecError
from sim.spec.model import DTYPES, FRACTION, NONNEG, POSITIVE

# Largest magnitude of a spec number: 2**53, the last integer a float holds exactly. No physical
# figure comes near it, and anything beyond overflows the int64 cycle and byte counts once scaled.
MAX_MAGNITUDE = float(2**53)

# Prose and identity fields: their defaults are not worth announcing.
UNANNOUNCED = ("source", "description", "name")

Hook = Callable[["SpecBuilder", Any, str, str], Any]
"""Converts one field by hand: (builder, raw value, file, dotted path) -> field value."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SpecBuilder:
    """The rules of one file kind.

    `keyed`: classes whose `name` is their key in the enclosing mapping (not a field in it).
    `bare`: classes a non-mapping value may stand for, with how it becomes their mapping
    (a bare number is a fixed distribution). `hooks`: fields, by dotted path, converted by
    hand. `announce`: the logger that announces each default at INFO, as Vela says "No
    system configuration specified. Using a default of ...", or None to stay quiet.
    `null_is_empty`: a null list or mapping means an empty one rather than a mistake.
    """

    keyed: frozenset[type] = frozenset()
    bare: Mapping[type, Callable[[Any], dict[str, Any]]] = dataclasses.field(
        default_factory=dict[type, Callable[[Any], dict[str, Any]]])
    hooks: Mapping[str, Hook] = dataclasses.field(default_factory=dict[str, Hook])
    announce: logging.Logger | None = None
    null_is_empty: bool = False

    def build(self, cls: type, raw: Any, file: str, prefix: str, name: str | None = None) -> Any:
        """Construct dataclass `cls` from mapping `raw` at dotted path `prefix`, checking every
        field; `name` is the key a `keyed` class was found under."""
        if cls in self.bare and not isinstance(raw, dict):
            raw = self.bare[cls](raw)
        if not isinstance(raw, dict):
            raise SpecError(file, prefix or "(top)", "a mapping", type(raw).__name__)
        raw = typing.cast("dict[Any, Any]", raw)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        allowed = [n for n in fields if not (cls in self.keyed and n == "name")]
        for key in raw:
            if key not in allowed:
                raise SpecError(file, join(prefix, str(key)), f"one of the fields {', '.join(allowed)}",
                                "an unknown key")
        hints = hints_of(cls)
        values: dict[str, Any] = {} if name is None else {"name": name}
        for fname, f in fields.items():
            path = join(prefix, fname)
            if fname not in raw:
                if f.metadata.get("required") and fname not in values:
                    raise SpecError(file, path, f"a value ({f.metadata.get('doc', '')})", "nothing")
                if self.announce is not None and f.metadata.get("doc") and fname not in UNANNOUNCED:
                    self.announce.info("%s: no %s specified; using a default of %r", file, path, default_of(f))
                continue
            values[fname] = self.convert(hints[fname], raw[fname], f.metadata, file, path)
        try:
            return cls(**values)
        except ValueError as exc:
            field_name, _, rest = str(exc).partition(": ")
            raise SpecError(file, join(prefix, field_name), rest.removeprefix("expected ")) from None

    def convert(self, hint: Any, value: Any, meta: Mapping[str, Any], file: str, path: str) -> Any:
        """One field's raw value -> the value of type `hint`."""
        optional = strip_optional(hint)
        if optional is not hint:
            if value is None:
                return None
            hint = optional
        if path in self.hooks:
            return self.hooks[path](self, value, file, path)
        if dataclasses.is_dataclass(hint):
            return self.build(typing.cast(type, hint), value if value is not None else {}, file, path)
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if value is None and self.null_is_empty and origin in (tuple, dict):
            return {} if origin is dict else ()
        if origin is tuple:
            return self._items(args[0], value, meta, file, path)
        if origin is dict:
            return self._mapping(args[1], value, meta, file, path)
        return scalar(hint, value, meta, file, path)

    def _items(self, item: Any, value: Any, meta: Mapping[str, Any], file: str, path: str) -> tuple[Any, ...]:
        """A list; a bare string stands for a one-item list of strings."""
        seq = [value] if isinstance(value, str) and item is str else value
        if not isinstance(seq, (list, tuple)):
            raise SpecError(file, path, "a list", value)
        seq = typing.cast("list[Any] | tuple[Any, ...]", seq)
        if dataclasses.is_dataclass(item):
            return tuple(self.build(typing.cast(type, item), v, file, f"{path}[{i}]") for i, v in enumerate(seq))
        return tuple(scalar(item, v, meta, file, f"{path}[{i}]") for i, v in enumerate(seq))

    def _mapping(self, item: Any, value: Any, meta: Mapping[str, Any], file: str, path: str) -> dict[str, Any]:
        """Records by name (`masters: {camera: {...}}`), or numbers keyed as `meta["keys"]` says."""
        if dataclasses.is_dataclass(item):
            if not isinstance(value, dict):
                raise SpecError(file, path, "a mapping of name -> fields", type(value).__name__)
            records = typing.cast("dict[Any, Any]", value)
            return {str(k): self.build(typing.cast(type, item), v, file, join(path, str(k)), name=str(k))
                    for k, v in records.items()}
        keys = meta.get("keys", "dtype")
        numbers = as_mapping(value)
        if numbers is None or (not numbers and keys == "dtype"):
            raise SpecError(file, path, f"a mapping of {'/'.join(DTYPES)} -> number"
                            if keys == "dtype" else "a mapping of operator type -> number", value)
        out: dict[str, Any] = {}
        for k, v in numbers.items():
            if not key_ok(keys, k):
                raise SpecError(file, join(path, str(k)), key_expected(keys), k)
            out[k] = scalar(item, v, meta, file, join(path, str(k)))
        return out


@functools.lru_cache(maxsize=None)  # performance: resolving hints re-parses annotations; sweeps build specs per point
def hints_of(cls: type) -> dict[str, Any]:
    """Field types of `cls`, resolved in its own module."""
    return typing.get_type_hints(cls)


def strip_optional(hint: Any) -> Any:
    """`X | None` -> X (a union of the rest when several); any other hint unchanged."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # type: ignore[return-value]
    return hint


def default_of(f: dataclasses.Field[Any]) -> Any:
    """The value a field takes when its key is missing (its factory called)."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is dataclasses.MISSING:
        raise TypeError(f"field {f.name} has no default")
    return f.default_factory()


def as_mapping(value: object) -> dict[Any, Any] | None:
    """`value` if it is a mapping (as YAML gives it, keys unchecked), else None."""
    return typing.cast("dict[Any, Any]", value) if isinstance(value, dict) else None


def join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def key_ok(keys: str, key: Any) -> bool:
    """Whether `key` is a valid key of a mapping field keyed by "op_type" or "dtype"."""
    if keys == "op_type":
        return isinstance(key, str) and re.fullmatch(r"[A-Z][A-Z0-9_]*", key) is not None
    return key in DTYPES


def key_expected(keys: str) -> str:
    if keys == "op_type":
        return "a TFLite operator type such as CONV_2D"
    return f"a key among {', '.join(DTYPES)}"


def scalar(kind: Any, value: Any, meta: Mapping[str, Any], file: str, path: str) -> Any:
    """A bool, a string (within `choices`) or a number (obeying `check`) of type `kind`."""
    check, choices = meta.get("check"), meta.get("choices") or ()
    if kind is bool:
        if not isinstance(value, bool):
            raise SpecError(file, path, "true or false", value)
        return value
    if kind is str:
        if not isinstance(value, str):
            raise SpecError(file, path, "a string" if not choices else f"one of {', '.join(choices)}", value)
        if choices and value not in choices:
            raise SpecError(file, path, f"one of {', '.join(choices)}", value)
        return value
    x = number(value)
    noun = "integer" if kind is int else "number"
    adjective: dict[str | None, str] = {POSITIVE: "a positive ", NONNEG: "a non-negative ",
                                        FRACTION: "a fraction in [0, 1] as a "}
    expected = adjective.get(check, "a ") + noun
    if x is None or (kind is int and not float(x).is_integer()):
        raise SpecError(file, path, expected, value)
    if (check == POSITIVE and x <= 0) or (check == NONNEG and x < 0) or \
            (check == FRACTION and not 0 <= x <= 1):
        raise SpecError(file, path, expected, value)
    if abs(x) > MAX_MAGNITUDE:
        raise SpecError(file, path, f"{expected} of at most {MAX_MAGNITUDE:.4g}", value)
    return int(x) if kind is int else float(x)


def number(value: Any) -> float | None:
    """Numbers, and numeric strings such as '80e6' that YAML 1.1 leaves as text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            x = float(value.replace("_", ""))
        except ValueError:
            return None
        return x if math.isfinite(x) else None
    return None
