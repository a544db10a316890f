"""Read the per-operator timing TensorFlow Lite Micro's MicroProfiler prints on a board's console.

An MCU has no `benchmark_model`: what an engineer gets from a board over UART is the
MicroProfiler of tflite-micro (`tensorflow/lite/micro/micro_profiler.cc`). The interpreter
opens one event per operator of each Invoke, tagged with the operator's name
(`OpNameFromRegistration`: the builtin name such as CONV_2D, or a custom op's registered
name), and the application prints the events in one of three forms:

- `Log()`: `CONV_2D took 249560 ticks (9 ms).` per event. Older releases drop the final
  period; TF 2.4-era builds print `CONV_2D took 249560 cycles`; some wrappers print
  `took N us`. Benchmarks and applications add their own events to the same profiler
  (`InitializeKeywordRunner`, `KeywordRunNIerations(1)`, `TfliteGetModel`): a tag that is
  not an operator name is skipped and counted.
- `LogCsv()`: `"Event","Tag","Ticks"` then `0,CONV_2D,249560` (older: a fourth "ms" column).
- `LogTicksPerTagCsv()`: `"Unique Tag","Total ticks across all events with that tag."`
  (older: `"Unique Ops in the Graph","Total Ticks (all instances of the Op)"`), rows
  `CONV_2D, 1808919`, closed by `"total number of ticks", N` (older: `total,N`). Totals
  per type only, no order: kept as the by-type table.

Invokes: the operator events of a log are cut into runs at every line that is not an
operator event (a blank line, a non-op event, any other text). A run that is k >= 2 copies
of a shorter sequence (same operator types, each time within a factor of 2 of its copy's or
under 1% of the copy's total) is k invokes, as an application looping Invoke and Log()
prints them. The invokes with the most common operator sequence are kept; per position
`avg_us` is their mean and `first_us` the first one's.

Ticks are platform-defined (`ticks_per_second()`: the core clock through DWT CYCCNT on
many Cortex-M ports, 1 MHz or 1 kHz timers on others). `(N ms)` is `TicksToMs`: float
1000 * ticks / rate, truncated (`micro_time.h`), so an event of N ms bounds the rate to
(1000 ticks / (N + 1), 1000 ticks / N]. Without an explicit rate the bounds of every
event (operators and non-op events alike, they share the clock) are intersected; the
midpoint is used when the intersection is under RATE_WIDTH of it, otherwise the reader
asks for --ticks-per-second.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.profile.benchmark_log import _PREFIX_RE, OPS_COLUMNS, BenchmarkLog

log = logging.getLogger(__name__)

# `TAG took N ticks (M ms).`; the tag is the last word before "took" (console prefixes vary).
EVENT_RE = re.compile(r"(?:^|[\s:\]>|])(?P<tag>[^\s:\]>|]+) took (?P<value>\S+) (?P<unit>ticks|cycles|us)\b"
                      r"(?:\s*\((?P<ms>[^)]*?)\s*ms\))?\.?\s*$")
EVENT_CSV_HEADER = '"Event","Tag"'
TAG_CSV_HEADERS = ('"Unique Tag"', '"Unique Ops in the Graph"')
TAG_TOTALS = ("total number of ticks", "total")
# Custom operators TFLM registers under these names (kernels/ethos_u, detection_postprocess)
# and the Coral Edge TPU's delegate op; other non-builtin tags are application events.
CUSTOM_OPS = frozenset({"ethos-u", "TFLite_Detection_PostProcess", "edgetpu-custom-op"})
# Float32 rounding in TicksToMs moves a bound by at most a few ulps (~1e-7 relative).
ROUNDING_SLACK = 1e-6
RATE_WIDTH = 0.01  # widest inferred rate interval accepted, relative to its midpoint


@lru_cache(maxsize=1)
def builtin_ops() -> frozenset[str]:
    """TFLite builtin operator names, as the schema (and TFLM's EnumNameBuiltinOperator) spells them."""
    from tflite.utils import BUILTIN_OPCODE2NAME
    return frozenset(BUILTIN_OPCODE2NAME.values())


def op_type_of(tag: str) -> str | None:
    """The graph's op type for an operator tag (custom ops as `CUSTOM:name`, as the importer
    names them), or None for an application event."""
    if tag in builtin_ops():
        return tag
    if tag in CUSTOM_OPS or re.search(r"custom", tag, re.IGNORECASE):
        return f"CUSTOM:{tag}"
    return None


@dataclass(frozen=True)
class Event:
    lineno: int
    tag: str
    value: float  # ticks, or microseconds when unit == "us"
    unit: str  # "ticks" or "us" (cycles are ticks)
    ms: int | None
    form: str  # "log" or "csv"


@dataclass
class _Parsed:
    items: list[Event | None]  # None: a line that ends a run
    per_tag: list[dict[str, int]]
    header: str


def is_micro_line(text: str) -> bool:
    """A line only MicroProfiler output has (used to tell the log formats apart)."""
    t = _PREFIX_RE.sub("", text, count=1).strip()
    return bool(EVENT_RE.search(t)) or t.startswith(EVENT_CSV_HEADER) or t.startswith(TAG_CSV_HEADERS)


def _int(text: str, path: str, lineno: int, what: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise SimError(f"{path}: line {lineno}: expected {what}, got {text.strip()[:40]!r}")
    return int(text)


def _scan(lines: list[str], path: str) -> _Parsed:
    items: list[Event | None] = []
    per_tag: list[dict[str, int]] = []
    header = ""
    table: list[str] | None = None  # columns of an open LogCsv table
    tags_open = False
    for lineno, raw in enumerate(lines, start=1):
        if lineno == 1 and raw.startswith("# source:"):
            header = raw[len("# source:"):].strip()
            continue
        text = _PREFIX_RE.sub("", raw.rstrip("\r\n"), count=1).strip()
        if table is not None:
            if re.match(r"^\d+\s*,", text):
                fields = [f.strip() for f in text.split(",")]
                if len(fields) != len(table):
                    raise SimError(f"{path}: line {lineno}: expected a LogCsv row ({', '.join(table)}), "
                                   f"got {text[:80]!r}")
                row = dict(zip(table, fields))
                ms = _int(row["ms"], path, lineno, "whole milliseconds") if "ms" in row else None
                items.append(Event(lineno, row["tag"], _int(row["ticks"], path, lineno, "a whole number of ticks"),
                                   "ticks", ms, "csv"))
                continue
            table = None
        if tags_open:
            if not text:
                tags_open = False
                items.append(None)
                continue
            m = re.match(r'^"?(?P<tag>[^",]+?)"?\s*,\s*(?P<ticks>.*)$', text)
            if m is None:
                raise SimError(f"{path}: line {lineno}: expected a LogTicksPerTagCsv row (tag, ticks), "
                               f"got {text[:80]!r}")
            ticks = _int(m.group("ticks"), path, lineno, "a whole number of ticks")
            if m.group("tag").strip().lower() in TAG_TOTALS:
                tags_open = False
            else:
                per_tag[-1][m.group("tag").strip()] = per_tag[-1].get(m.group("tag").strip(), 0) + ticks
            continue
        if text.startswith(EVENT_CSV_HEADER):
            cols = [c.strip().strip('"').lower() for c in text.split(",")]
            if cols[:3] != ["event", "tag", "ticks"] or cols[3:] not in ([], ["ms"]):
                raise SimError(f"{path}: line {lineno}: expected the LogCsv header "
                               f"\"Event\",\"Tag\",\"Ticks\"[,\"ms\"], got {text[:80]!r}")
            table = cols
            items.append(None)
            continue
        if text.startswith(TAG_CSV_HEADERS):
            tags_open = True
            per_tag.append({})
            items.append(None)
            continue
        m = EVENT_RE.search(text)
        if m is None:
            items.append(None)
            continue
        unit = "us" if m.group("unit") == "us" else "ticks"
        if unit == "us":
            try:
                value = float(m.group("value"))
            except ValueError:
                value = -1.0
            if not value >= 0:
                raise SimError(f"{path}: line {lineno}: expected a time in microseconds in 'TAG took N us', "
                               f"got {m.group('value')[:40]!r}")
        else:
            value = _int(m.group("value"), path, lineno, "a whole number of ticks in 'TAG took N ticks (M ms).'")
        ms = _int(m.group("ms"), path, lineno, "whole milliseconds in '(M ms)'") if m.group("ms") is not None else None
        items.append(Event(lineno, m.group("tag"), value, unit, ms, "log"))
    return _Parsed(items, per_tag, header)


def fmt_rate(rate: float) -> str:
    """Ticks per second as a user writes them: 120e6, 25.0445e6."""
    return f"{rate / 1e6:.6g}e6"


def rate_interval(samples: list[tuple[float, int]]) -> tuple[float, float]:
    """Ticks per second consistent with every (ticks, ms) pair, ms = floor(1000 ticks / rate)."""
    lo, hi = 0.0, math.inf
    for ticks, ms in samples:
        lo = max(lo, 1000.0 * ticks / (ms + 1) * (1 - ROUNDING_SLACK))
        if ms >= 1:
            hi = min(hi, 1000.0 * ticks / ms * (1 + ROUNDING_SLACK))
    return lo, hi


def infer_rate(samples: list[tuple[float, int]], path: str) -> tuple[float, float, float]:
    """(rate, lo, hi) from the (ms) annotations; SimError when they do not pin it to RATE_WIDTH."""
    lo, hi = rate_interval(samples)
    if not samples or math.isinf(hi):
        raise SimError(f"{path}: expected --ticks-per-second: no event of 1 ms or more, so the (ms) annotations "
                       "do not fix the tick rate")
    if lo > hi:
        raise SimError(f"{path}: expected (ms) annotations of one tick rate, got none that fits them all "
                       f"(bounds {fmt_rate(lo)} > {fmt_rate(hi)} ticks/s); pass --ticks-per-second")
    mid = (lo + hi) / 2
    if (hi - lo) / mid > RATE_WIDTH:
        raise SimError(f"{path}: expected --ticks-per-second: the (ms) annotations put the tick rate between "
                       f"{fmt_rate(lo)} and {fmt_rate(hi)} ticks/s ({(hi - lo) / mid * 100:.1f}% wide, over "
                       f"{RATE_WIDTH * 100:.0f}%)")
    return mid, lo, hi


def _close(a: float, b: float, period_total: float) -> bool:
    return abs(a - b) <= 0.5 * max(a, b) or abs(a - b) <= 0.01 * period_total


def invoke_length(tags: list[str], times: list[float]) -> int:
    """Length of one invoke in a run: the shortest period the run repeats at least twice."""
    n = len(tags)
    for period in range(1, n // 2 + 1):
        if n % period:
            continue
        total = sum(times[:period])
        if all(tags[i] == tags[i % period] and _close(times[i], times[i % period], total) for i in range(period, n)):
            return period
    return n


def _runs(items: list[Event | None]) -> tuple[list[list[Event]], list[Event]]:
    """Operator events cut at every other line; and the non-op events."""
    runs: list[list[Event]] = [[]]
    skipped: list[Event] = []
    for it in items:
        if it is None or op_type_of(it.tag) is None:
            if it is not None:
                skipped.append(it)
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(it)
    return [r for r in runs if r], skipped


def parse_micro_lines(lines: list[str], path: str = "<log>", ticks_per_second: float | None = None,
                      rate_origin: str = "from --ticks-per-second") -> BenchmarkLog:
    """Parse MicroProfiler output; `ticks_per_second` overrides the rate inferred from (ms)."""
    parsed = _scan(lines, path)
    events = [e for e in parsed.items if e is not None]
    forms = {e.form: e for e in events if op_type_of(e.tag) is not None}
    if len(forms) > 1:
        raise SimError(f"{path}: line {forms['csv'].lineno}: expected one per-event form (Log() lines or a LogCsv() "
                       f"table), got both (Log() line at {forms['log'].lineno})")
    if not events and not parsed.per_tag:
        raise SimError(f"{path}: line 1: expected TFLite Micro MicroProfiler output ('TAG took N ticks (M ms).'), "
                       "got none")
    runs, skipped = _runs(parsed.items)
    if not runs and not parsed.per_tag:
        tags = ", ".join(dict.fromkeys(e.tag for e in skipped[:3]))
        raise SimError(f"{path}: line {skipped[0].lineno}: expected operator events (TFLite builtin names such as "
                       f"CONV_2D), got only application events ({tags})")
    units = {e.unit for r in runs for e in r}
    if len(units) > 1:
        first_us = next(e for r in runs for e in r if e.unit == "us")
        raise SimError(f"{path}: line {first_us.lineno}: expected one time unit for all operator events, "
                       "got both ticks and us")
    unit = units.pop() if units else "ticks"
    # rate
    samples = [(e.value, e.ms) for e in events if e.unit == "ticks" and e.ms is not None]
    rate = math.nan
    lo, hi = rate_interval(samples) if samples else (math.nan, math.nan)
    needs_rate = unit == "ticks" and (runs or parsed.per_tag)
    origin = ""
    if ticks_per_second is not None:
        if not 1 <= ticks_per_second < math.inf:  # slower turns tick counts into infinite microseconds
            raise SimError(f"{path}: expected --ticks-per-second of at least 1 tick per second, got "
                           f"{ticks_per_second:g} ({rate_origin})")
        rate, origin = float(ticks_per_second), rate_origin
        if samples and not (lo <= rate <= hi):
            log.warning("%s: --ticks-per-second %s lies outside the rate the (ms) annotations allow (%s-%s)",
                        path, fmt_rate(rate), fmt_rate(lo), fmt_rate(hi))
    elif needs_rate:
        if not samples:
            raise SimError(f"{path}: expected --ticks-per-second: the log gives ticks without (ms) annotations")
        rate, lo, hi = infer_rate(samples, path)
        origin = "inferred from (ms) annotations"

    def to_us(value: float) -> float:
        return value if unit == "us" else value / rate * 1e6

    # invokes
    invokes: list[list[Event]] = []
    for r in runs:
        n = invoke_length([e.tag for e in r], [e.value for e in r])
        invokes += [r[i:i + n] for i in range(0, len(r), n)]
    ops = pd.DataFrame(columns=list(OPS_COLUMNS))
    dropped = n_invokes = 0
    if invokes:
        counts = Counter(tuple(e.tag for e in inv) for inv in invokes)
        ref = counts.most_common(1)[0][0]
        kept = [inv for inv in invokes if tuple(e.tag for e in inv) == ref]
        dropped, n_invokes = len(invokes) - len(kept), len(kept)
        if dropped:
            log.warning("%s: %d block(s) of operator events differ from the most common sequence (%d ops) and "
                        "are left out", path, dropped, len(ref))
        us = np.array([[to_us(e.value) for e in inv] for inv in kept], dtype=float)
        avg = us.mean(axis=0)
        total = float(avg.sum())
        ops = pd.DataFrame({
            "node": range(len(ref)), "op_type": [op_type_of(t) for t in ref], "name": "",
            "avg_us": avg, "first_us": us[0],
            "pct": avg / total * 100.0 if total > 0 else np.nan,
            "cdf_pct": np.cumsum(avg) / total * 100.0 if total > 0 else np.nan,
            "mem_kb": np.nan, "times_called": 1, "start_ms": (np.cumsum(avg) - avg) / 1e3,
            "delegate": False, "subgraph": 0,
        }, columns=list(OPS_COLUMNS))
    ops.attrs["indexed"] = False
    ops.attrs["log"] = path
    ops.attrs["non_op_tags"] = list(dict.fromkeys(e.tag for e in skipped))
    by_type = _by_type(ops, parsed.per_tag, to_us)
    summary: dict[str, float] = {
        "invokes": float(n_invokes), "ops_per_invoke": float(len(ops)),
        "non_op_events": float(len(skipped)), "dropped_blocks": float(dropped),
        "ticks_per_second": rate, "ticks_per_second_lo": lo, "ticks_per_second_hi": hi,
    }
    what = f"TFLM MicroProfiler, {int(summary['invokes'])} invoke(s)"
    if unit == "us" and runs:
        what += ", times printed in us"
    elif not math.isnan(rate):
        what += f"; ticks/s {fmt_rate(rate)} {origin}"
    source = f"{parsed.header}; {what}" if parsed.header else what
    ops.attrs["profile_note"] = what
    return BenchmarkLog(path=path, ops=ops, by_type=by_type, summary=summary, source=source, complete=not ops.empty)


def _by_type(ops: pd.DataFrame, per_tag: list[dict[str, int]], to_us: Callable[[float], float]) -> pd.DataFrame:
    """Per operator type: from the events when there are any, else the LogTicksPerTagCsv totals
    (averaged over the tables; their `count` is unknown, NaN)."""
    cols = ["op_type", "count", "avg_us", "pct", "cdf_pct", "times_called"]
    if not ops.empty:
        g = ops.groupby("op_type", sort=False)["avg_us"].agg(["count", "sum"]).reset_index()
        g = g.rename(columns={"sum": "avg_us"})
        g["times_called"] = g["count"]
    elif per_tag:
        tags = list(dict.fromkeys(t for table in per_tag for t in table if op_type_of(t) is not None))
        g = pd.DataFrame({"op_type": [op_type_of(t) for t in tags], "count": np.nan,
                          "avg_us": [float(np.mean([to_us(tb.get(t, 0)) for tb in per_tag])) for t in tags],
                          "times_called": np.nan})
    else:
        return pd.DataFrame(columns=cols)
    total = float(g["avg_us"].sum())
    g["pct"] = g["avg_us"] / total * 100.0 if total > 0 else np.nan
    g["cdf_pct"] = g["pct"].cumsum()
    return g[cols].reset_index(drop=True)
