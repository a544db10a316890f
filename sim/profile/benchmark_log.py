"""Read the per-operator profile that TFLite's `benchmark_model --enable_op_profiling=true` prints.

The tool prints one set of tables for the initialization (AllocateTensors,
ModifyGraphWithDelegate) and one for the regular benchmark runs, each set made of a "Run
Order" table (every node, in execution order), "Top by Computation Time" (the slowest ten),
optionally "Top by Memory Use", then "Number of nodes executed: N" and "Summary by node
type". Lines are laid out by `StatsCalculator` in TensorFlow's
`tensorflow/core/util/stats_calculator.cc`: tab-separated right-aligned fields, or, with
`--op_profiling_output_mode=csv`, `", "`-separated fields. Older releases align with spaces
and have no section headers; releases since ~2.4 append `:INDEX` (the node index) to the
name; some drop the `[start]` column; Android logcat and `INFO:` prefixes are stripped.

A delegated partition (`TfLiteXNNPackDelegate`, `Vx Delegate`, `TfLiteNnapiDelegate`,
`DELEGATE`) is one node of the regular runs; its internal per-op table ("Delegate
internal:") is kept apart in `delegate_ops`.

Anything inside a table that is not a row of that table is a format this reader does not
know: `SimError` naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import SimError

OPS_COLUMNS = ("node", "op_type", "name", "avg_us", "first_us", "pct", "cdf_pct", "mem_kb", "times_called",
               "start_ms", "delegate", "subgraph")

TABLES = ("Run Order", "Top by Computation Time", "Top by Memory Use", "Summary by node type")
_TABLE_RE = re.compile(r"^=+ (?P<title>[A-Za-z ]+?) =+$")
# Android logcat ("05-30 13:04:39.021 25935 25935 I tflite  : "), glog-style "INFO: ", quote marks.
_PREFIX_RE = re.compile(r"^(?:\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+ [VDIWEF] [^:]*:\s?|(?:INFO|I|W): |> ?)")
_NUM = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?%?|-?nan%?|-?inf%?"
_STAT_RE = re.compile(r"(\w+)=(-?[\d.e+-]+|nan)")
_INDEX_RE = re.compile(r"^(?P<name>.*?):(?P<index>\d+)$")
_DELEGATE_RE = re.compile(r"^(?!ModifyGraph).*delegate", re.IGNORECASE)

# Header tokens -> our column names (text headers are bracketed, CSV headers are bare).
_HEADER_KEYS = {
    "node type": "op_type", "start": "start_ms", "first": "first_ms", "avg ms": "avg_ms", "avg_ms": "avg_ms",
    "%": "pct", "cdf%": "cdf_pct", "mem kb": "mem_kb", "times called": "times_called", "name": "name",
    "count": "count", "avg %": "pct", "cdf %": "cdf_pct",
}


@dataclass
class BenchmarkLog:
    """One parsed log. `ops`: one row per node of the regular runs (primary graph first, then
    other subgraphs), in execution order. `summary`: the tool's own totals, microseconds."""

    path: str
    ops: pd.DataFrame
    by_type: pd.DataFrame
    summary: dict[str, float] = field(default_factory=dict)
    delegate_ops: pd.DataFrame | None = None
    source: str = ""
    complete: bool = True

    @property
    def total_us(self) -> float:
        """Sum of per-node averages: what the nodes account for, without the tool's overhead."""
        return float(self.ops["avg_us"].sum())


@dataclass
class _Table:
    title: str
    section: str
    subgraph: int
    columns: list[str]
    csv: bool
    regex: re.Pattern[str]
    rows: list[dict[str, object]] = field(default_factory=list)


def _header_columns(line: str) -> tuple[list[str], bool] | None:
    """Column keys of a table header line, and whether it is the CSV layout."""
    brackets = re.findall(r"\[([^\]]+)\]", line)
    if brackets:
        tokens, csv = brackets, False
    elif "," in line:
        tokens, csv = [t.strip() for t in line.split(",")], True
    else:
        return None
    cols = []
    for t in tokens:
        key = _HEADER_KEYS.get(t.strip().lower())
        if key is None:
            return None
        cols.append(key)
    if cols[0] != "op_type":
        return None
    return cols, csv


def _row_regex(columns: list[str], csv: bool) -> re.Pattern[str]:
    sep = r"\s*,\s*" if csv else r"\s+"
    nums = [c for c in columns[1:] if c != "name"]
    pattern = r"^\s*(?P<op_type>\S.*?)" + "".join(f"{sep}(?P<{c}>{_NUM})" for c in nums)
    if "name" in columns:
        pattern += (r"\s*,\s?" if csv else r"\s+") + r"(?P<name>.*?)\s*$"
    else:
        pattern += r"\s*,?\s*$"
    return re.compile(pattern, re.IGNORECASE)


def _num(text: str) -> float:
    return float(text.rstrip("%"))


def _stats(text: str) -> dict[str, float]:
    return {k: float(v) for k, v in _STAT_RE.findall(text)}


def _split_name(raw: str) -> tuple[str, int | None]:
    """`[out_tensor]:12` -> ("out_tensor", 12); names without an index -> (name, None)."""
    m = _INDEX_RE.match(raw)
    name, index = (m.group("name"), int(m.group("index"))) if m else (raw, None)
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name, index


def read_log_text(path: str | Path) -> tuple[str, list[str]]:
    p = Path(path)
    try:
        text = p.read_text(errors="replace")
    except OSError as exc:
        raise SimError(f"{p}: expected a readable benchmark_model log, got {exc.strerror}") from None
    return str(p), text.splitlines()


def parse_benchmark_log(path: str | Path) -> BenchmarkLog:
    """Parse a `benchmark_model` output file (text or CSV op-profiling mode)."""
    name, lines = read_log_text(path)
    return parse_lines(lines, name)


def parse_lines(lines: list[str], path: str = "<log>") -> BenchmarkLog:
    source = ""
    section = "regular"  # logs older than the init/regular headers only have the regular tables
    seen_sections = False
    subgraph = 0
    tables: list[_Table] = []
    summary: dict[str, float] = {}
    current: _Table | None = None
    pending: tuple[str, int] | None = None  # a table title waiting for its header line
    for lineno, raw in enumerate(lines, start=1):
        line = _PREFIX_RE.sub("", raw.rstrip("\r\n"), count=1)
        if lineno == 1 and raw.startswith("# source:"):
            source = raw[len("# source:"):].strip()
            continue
        text = line.strip()
        m = _TABLE_RE.match(text)
        if pending is not None:
            hdr = _header_columns(text)
            if hdr is None:
                raise SimError(f"{path}: line {lineno}: expected the column header of the '{pending[0]}' table, "
                               f"got {text[:80]!r}")
            cols, csv = hdr
            current = _Table(pending[0], section, subgraph, cols, csv, _row_regex(cols, csv))
            tables.append(current)
            pending = None
            continue
        if m and m.group("title") in TABLES:
            pending = (m.group("title"), lineno)
            current = None
            continue
        if m:
            raise SimError(f"{path}: line {lineno}: expected one of the tables {', '.join(TABLES)}, "
                           f"got {m.group('title')!r}")
        if current is not None:
            if not text:
                current = None
                continue
            row = current.regex.match(line)
            if row is None:
                if text.startswith("Number of nodes executed") or text.startswith("Timings ("):
                    current = None  # CSV summary tables are not followed by a blank line
                else:
                    raise SimError(f"{path}: line {lineno}: expected a row of the '{current.title}' table "
                                   f"({', '.join(current.columns)}), got {text[:80]!r}")
            else:
                current.rows.append({"lineno": lineno, **row.groupdict()})
                continue
        # section markers and summary lines
        if text.startswith("Profiling Info for Benchmark Initialization"):
            section, seen_sections, subgraph = "init", True, 0
        elif text.startswith("Operator-wise Profiling Info for Regular Benchmark Runs"):
            section, seen_sections, subgraph = "regular", True, 0
        elif text.startswith("Delegate internal"):
            section = "delegate" if section != "init" else "init"
        elif text.startswith("Primary graph"):
            subgraph = 0
        elif (sg := re.match(r"Subgraph \(index: (\d+)\)", text)) and not text.endswith("observed"):
            subgraph = int(sg.group(1))
        elif text.startswith("Number of nodes executed:") and section == "regular" and subgraph == 0:
            summary["nodes_executed"] = float(text.split(":")[1])
        elif text.startswith("Timings (microseconds):") and section == "regular" and subgraph == 0:
            st = _stats(text)
            summary.update({f"profiled_{k}_us" if k != "count" else "profiled_runs": v for k, v in st.items()})
        elif text.startswith("Inference timings in us:"):
            for key, val in re.findall(r"([A-Za-z ()]+):\s*(-?[\d.e+]+)", text.split(":", 1)[1]):
                k: str = key.strip().lower().replace(" ", "_").replace("(", "").replace(")", "")
                summary[{"init": "init_us", "first_inference": "first_inference_us",
                         "warmup_avg": "warmup_avg_us", "inference_avg": "inference_avg_us"}.get(k, k)] = float(val)
        elif text.startswith("Average inference timings in us:"):  # releases before 1.14
            for key, val in re.findall(r"([A-Za-z ]+):\s*(-?[\d.e+]+)", text.split(":", 1)[1]):
                if key.strip() == "no stats":
                    summary["inference_avg_us"] = float(val)
        elif text.startswith("count=") and "first=" in text:
            summary.update({f"runs_{k}": v for k, v in _stats(text).items()})
    if pending is not None:
        raise SimError(f"{path}: line {pending[1]}: expected a column header after the '{pending[0]}' title, "
                       "got the end of the file")
    regular = [t for t in tables if t.section == "regular"]
    if not regular:
        raise SimError(f"{path}: line 1: expected a benchmark_model op profile (a '==== Run Order ====' table "
                       "of the regular benchmark runs), got none")
    del seen_sections
    ops, complete = _ops_frame(regular, path)
    by_type = _by_type_frame([t for t in regular if t.title == "Summary by node type" and t.subgraph == 0])
    delegate = [t for t in tables if t.section == "delegate" and t.title == "Run Order"]
    delegate_ops = _ops_frame(delegate, path)[0] if delegate else None
    return BenchmarkLog(path=path, ops=ops, by_type=by_type, summary=summary, delegate_ops=delegate_ops,
                        source=source, complete=complete)


def _ops_frame(tables: list[_Table], path: str) -> tuple[pd.DataFrame, bool]:
    """One row per node, from the Run Order table of each subgraph (else Top by time, partial)."""
    rows: list[dict[str, object]] = []
    complete = True
    for sg in sorted({t.subgraph for t in tables}):
        mine = [t for t in tables if t.subgraph == sg]
        order = [t for t in mine if t.title == "Run Order"]
        table = order[0] if order else next((t for t in mine if t.title.startswith("Top by")), None)
        if table is None:
            continue
        if not order:
            complete = False
        for pos, r in enumerate(table.rows):
            name, index = _split_name(str(r.get("name", "")))
            op_type = str(r["op_type"]).strip()
            avg_ms = _num(str(r["avg_ms"]))
            if not 0 <= avg_ms < float("inf"):  # nan/inf/negative pass the row pattern (other columns print them)
                raise SimError(f"{path}: line {r['lineno']}: avg ms: expected a finite non-negative time, "
                               f"got {r['avg_ms']!r}")
            rows.append({
                "node": index if index is not None else pos,
                "op_type": op_type,
                "name": name,
                "avg_us": avg_ms * 1e3,
                "first_us": _num(str(r["first_ms"])) * 1e3 if r.get("first_ms") is not None else float("nan"),
                "pct": _num(str(r["pct"])) if r.get("pct") is not None else float("nan"),
                "cdf_pct": _num(str(r["cdf_pct"])) if r.get("cdf_pct") is not None else float("nan"),
                "mem_kb": _num(str(r["mem_kb"])) if r.get("mem_kb") is not None else float("nan"),
                "times_called": int(_num(str(r["times_called"]))) if r.get("times_called") is not None else 1,
                "start_ms": _num(str(r["start_ms"])) if r.get("start_ms") is not None else float("nan"),
                "delegate": bool(_DELEGATE_RE.search(op_type)),
                "subgraph": sg,
                "_indexed": index is not None,
            })
    df = pd.DataFrame(rows, columns=[*OPS_COLUMNS, "_indexed"])
    if len(df) and not complete:
        df = df.sort_values(["subgraph", "start_ms"] if df["start_ms"].notna().all() else ["subgraph"],
                            kind="stable")
    indexed = bool(df["_indexed"].all()) if len(df) else False
    df = df.drop(columns="_indexed").reset_index(drop=True)
    df.attrs["indexed"] = indexed
    df.attrs["log"] = path
    return df, complete


def _by_type_frame(tables: list[_Table]) -> pd.DataFrame:
    rows = [{"op_type": str(r["op_type"]).strip(), "count": int(_num(str(r["count"]))),
             "avg_us": _num(str(r["avg_ms"])) * 1e3, "pct": _num(str(r["pct"])),
             "cdf_pct": _num(str(r["cdf_pct"])),
             "times_called": int(_num(str(r["times_called"]))) if r.get("times_called") is not None else 0}
            for t in tables for r in t.rows]
    return pd.DataFrame(rows, columns=["op_type", "count", "avg_us", "pct", "cdf_pct", "times_called"])


def read_ops_csv(path: str | Path) -> BenchmarkLog:
    """An `ops.csv` written by `edgesim import-log` or `edgesim bench`, read back."""
    p = Path(path)
    try:
        df = pd.read_csv(p)
    except (OSError, ValueError) as exc:
        raise SimError(f"{p}: expected an ops.csv file, got {type(exc).__name__}") from None
    missing = [c for c in ("node", "op_type", "avg_us") if c not in df.columns]
    if missing:
        raise SimError(f"{p}: line 1: expected columns node, op_type, avg_us, got {', '.join(map(str, df.columns))}")
    if df.empty:
        raise SimError(f"{p}: expected one row per operator after the header, got none")
    node = pd.to_numeric(df["node"], errors="coerce")
    avg = pd.to_numeric(df["avg_us"], errors="coerce")
    for col, ok in (("node", node.notna() & (node >= 0) & (node % 1 == 0)),
                    ("avg_us", avg.notna() & (avg >= 0) & (avg < float("inf")))):
        if not ok.all():
            row = int((~ok).to_numpy().argmax())
            raise SimError(f"{p}: row {row + 1}: {col}: expected a "
                           + ("non-negative integer" if col == "node" else "finite non-negative time")
                           + f", got {df[col].astype(str).iloc[row]!r}")
    df["node"], df["avg_us"] = node.astype(int), avg.astype(float)
    for c in OPS_COLUMNS:
        if c not in df.columns:
            df[c] = False if c == "delegate" else 0 if c == "subgraph" else float("nan")
    df["name"] = df["name"].fillna("").astype(str)
    df.attrs["indexed"] = True
    df.attrs["log"] = str(p)
    return BenchmarkLog(path=str(p), ops=df, by_type=pd.DataFrame(), summary={}, source=str(p))


def load_profile(path: str | Path, *, ticks_per_second: float | None = None,
                 rate_origin: str = "from --ticks-per-second") -> BenchmarkLog:
    """A benchmark_model log, TFLite Micro MicroProfiler output (told apart by content), or an
    ops.csv from `import-log`/`bench`. `ticks_per_second` only concerns MicroProfiler ticks."""
    from sim.profile.micro_log import is_micro_line, parse_micro_lines  # micro_log builds on this module

    p = Path(path)
    if p.suffix == ".csv":
        try:
            first = p.read_text(errors="replace").split("\n", 1)[0]
        except OSError as exc:
            raise SimError(f"{p}: expected a readable profile, got {exc.strerror}") from None
        if first.startswith("node,"):
            return read_ops_csv(p)
    name, lines = read_log_text(p)
    table = next((n for n, raw in enumerate(lines, start=1) if _is_benchmark_line(raw)), None)
    micro = next((n for n, raw in enumerate(lines, start=1) if is_micro_line(raw)), None)
    if table is not None and micro is not None:
        raise SimError(f"{name}: line {micro}: expected one profile format, got MicroProfiler output in a "
                       f"benchmark_model log (its tables start at line {table})")
    if micro is not None:
        return parse_micro_lines(lines, name, ticks_per_second, rate_origin)
    if table is None:
        raise SimError(f"{name}: line 1: expected a benchmark_model op profile (a '==== Run Order ====' table) or "
                       "TFLite Micro MicroProfiler output ('TAG took N ticks (M ms).'), got neither")
    return parse_lines(lines, name)


def _is_benchmark_line(raw: str) -> bool:
    text = _PREFIX_RE.sub("", raw.rstrip("\r\n"), count=1).strip()
    m = _TABLE_RE.match(text)
    return bool(m and m.group("title") in TABLES) or text.startswith(
        ("Operator-wise Profiling Info", "Profiling Info for Benchmark"))


def ops_csv_frame(log: BenchmarkLog) -> pd.DataFrame:
    """The `ops.csv` layout: the columns in OPS_COLUMNS order, plus where the numbers come from."""
    df = log.ops[list(OPS_COLUMNS)].copy()
    df["source"] = log.source or log.path
    return df
