"""Design-space sweeps: a full grid of hardware points x models, on Dask, resumable.

A sweep varies spec fields (`--vary PATH=v1,v2,...`, the same PATHs `--set` takes) over
their Cartesian product and simulates every model at every point. Points are cut into
chunks of a fixed size recorded in the output directory's `sweep.json`; each chunk is one
Dask task, and the client writes each finished chunk to `chunks/` as it arrives (write to
a temporary name, then rename, so a chunk file is complete or absent). Rerunning with the
same `--out` skips chunks already on disk, so an interrupted sweep resumes without
recomputing or duplicating a point; a task lost with a dying worker is rerun by the Dask
scheduler, so no point is lost either.

A point is priced by `sim.api.simulate` with the point's values as `--set` overrides, so it
gives exactly what `edgesim run --set ...` gives. When a cost model offers a batch
function that prices many points of one spec at once (`evaluate_points(graph, base_hw,
points)` in `sim.cost.systolic`), whole chunks go through it instead, as ZigZag and
Timeloop sweeps amortise the workload analysis over hardware points.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import itertools
import json
import logging
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from sim.errors import SimError, SpecError
from sim.graph.ir import Graph
from sim.mapping.placement import fit_columns
from sim.spec.load import load_hardware, parse_overrides
from sim.spec.model import Hardware

log = logging.getLogger(__name__)

FAULT_ENV = "EDGESIM_SWEEP_FAULT"  # testing hook: directory; the first task to run kills its worker
MAX_CHUNK_POINTS = 256
# Largest grid: about three hours per model per core at the per-point path's ~1 ms a point,
# and the chunk index lists stay in the hundreds of MB.
MAX_GRID_POINTS = 10_000_000


@dataclass(frozen=True)
class Vary:
    """One `--vary PATH=v1,v2,...`: the spec path and its values as text (parsed like --set)."""

    path: str
    values: tuple[str, ...]


def parse_vary(text: str) -> Vary:
    path, eq, values = text.partition("=")
    items = tuple(v.strip() for v in values.split(",") if v.strip())
    if not eq or not path.strip() or not items:
        raise SimError(f"--vary {text!r}: expected PATH=v1,v2,... e.g. compute.rows=8,16,32")
    return Vary(path.strip(), items)


def grid(varies: Sequence[Vary]) -> list[tuple[str, ...]]:
    """Every combination, row-major over the --vary options in the order given."""
    return list(itertools.product(*(v.values for v in varies)))


def grid_size(varies: Sequence[Vary]) -> int:
    return math.prod(len(v.values) for v in varies)


def grid_point(varies: Sequence[Vary], index: int) -> tuple[str, ...]:
    """`grid(varies)[index]` without building the grid (each chunk needs only its own points)."""
    values: list[str] = []
    for v in reversed(varies):
        index, k = divmod(index, len(v.values))
        values.append(v.values[k])
    return tuple(reversed(values))


@dataclass
class SweepPlan:
    """What a sweep computes; stored as `sweep.json` so a rerun can check it resumes the same sweep."""

    hw: str
    vary: list[tuple[str, list[str]]]
    models: list[str]
    transforms: list[str] = field(default_factory=list)
    dataflow: str = "best"
    chunk_points: int = 0

    @property
    def varies(self) -> list[Vary]:
        return [Vary(p, tuple(v)) for p, v in self.vary]

    def key(self) -> str:
        d = asdict(self)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def chunk_points(points: int, workers_hint: int = 64) -> int:
    """Points per task: enough tasks to balance any cluster, few enough to keep overhead low.
    Depends on the grid only, so a rerun cuts the same chunks whatever the cluster."""
    return max(1, min(MAX_CHUNK_POINTS, math.ceil(points / workers_hint)))


# --- pricing one chunk (runs on the workers) ------------------------------------------------

@functools.lru_cache(maxsize=16)
def _graph(model: str) -> Graph:
    from sim.api import load_graph
    return load_graph(model)


@functools.lru_cache(maxsize=4)
def _base(hw: str) -> Hardware:
    return load_hardware(hw)


def batch_evaluator(hw: Hardware, transforms: Sequence[str]) -> Callable[..., Any] | None:
    """The cost model's vectorised many-points function, if it has one for this kind of spec.

    Transforms that adjust costs after scheduling (partition, sparse, cascade) need the
    per-point path; graph-only transforms are applied before the batch call."""
    if not hw.is_systolic or any(t.split(":")[0].strip() in ("partition", "sparse", "cascade") for t in transforms) \
            or os.environ.get("EDGESIM_SWEEP_BATCH", "1") == "0":
        return None
    try:
        mod = importlib.import_module("sim.cost.systolic")
    except ImportError:
        return None
    return getattr(mod, "evaluate_points", None)


def _summary_row(summary: pd.DataFrame) -> dict[str, Any]:
    row = {str(k): v for k, v in summary.iloc[0].to_dict().items()}  # to_dict: Python scalars
    row.pop("model", None)
    return row


def evaluate_chunk(plan: SweepPlan, model: str, indices: Sequence[int]) -> pd.DataFrame:
    """Rows for `model` at the grid points `indices` (one Dask task)."""
    _maybe_fault()
    varies = plan.varies
    graph = _graph(model)
    base = _base(plan.hw)
    points = [{v.path: value for v, value in zip(varies, grid_point(varies, i))} for i in indices]
    batch = batch_evaluator(base, plan.transforms)
    rows = _batch_rows(batch, graph, base, plan, points) if batch is not None else []
    if not rows:
        rows = [_simulate_point(graph, base, plan, point) for point in points]
    out = []
    for i, point, row in zip(indices, points, rows):
        clean = {k: v for k, v in row.items() if k not in point}
        out.append({**point, "model": model, "point": i, **clean})
    return pd.DataFrame(out)


def _simulate_point(graph: Graph, base: Hardware, plan: SweepPlan, point: dict[str, str]) -> dict[str, Any]:
    from sim.api import simulate
    overrides = parse_overrides([f"{k}={v}" for k, v in point.items()])
    try:
        res = simulate(graph, base, overrides=overrides, dataflow=plan.dataflow, transforms=plan.transforms or None)
    except SimError as exc:
        return {"error": str(exc)}
    return {**_summary_row(res.summary), "error": ""}


def _batch_rows(batch: Callable[..., Any], graph: Graph, base: Hardware, plan: SweepPlan,
                points: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Summary rows from the cost model's batch function, or [] to price point by point.

    The batch function returns the point-dependent totals; the columns that depend on the
    graph and spec only (hardware, cost_model, layers, arena_bytes, weight_bytes, ...) come
    from `simulate` at the chunk's first point, which also checks the batch agrees with
    `simulate` there: on any difference the chunk is priced point by point."""
    first = _first_row(graph, base, plan, points[0])
    if first is None:
        return []
    g = graph
    if plan.transforms:
        from sim.transforms import apply_transforms
        g = apply_transforms(graph, plan.transforms, base)
    parsed = [parse_overrides([f"{k}={v}" for k, v in p.items()]) for p in points]
    arrays = {k: np.asarray([p[k] for p in parsed], dtype=float) for k in parsed[0]}
    try:
        # an out-of-range point may overflow the batch's float arithmetic; its totals are then
        # not finite and the chunk is priced point by point below, where simulate() names it
        with np.errstate(over="ignore", invalid="ignore"):
            frame = batch(g, base, arrays, dataflow=plan.dataflow)
    except (SimError, TypeError, ValueError, NotImplementedError) as exc:
        log.info("batch pricing unavailable for this chunk (%s); pricing point by point", exc)
        return []
    frame = pd.DataFrame(frame).drop(columns=list(arrays), errors="ignore")
    derived = {"clock_hz", "macs_per_cycle", "utilization", "fits_memory", "memory_use"}
    unknown = set(first) - set(frame.columns) - POINT_INDEPENDENT - derived - set(points[0]) - {"_point"}
    if unknown:
        log.warning("batch pricing gives no %s; pricing point by point", ", ".join(sorted(unknown)))
        _CHECKED[_check_key(graph, plan)] = None
        return []
    totals = frame[[c for c in ("latency_cycles", "latency_ms", "energy_uj") if c in frame.columns]].to_numpy(float)
    if not (np.isfinite(totals) & (totals >= 0)).all():  # out-of-range figures: simulate() names the point
        return []
    rows = []
    for i, rec in enumerate(frame.to_dict("records")):
        row = dict(first)
        row.update(rec)
        hw_vals = {**{"clock_hz": base.clock_hz, "compute.rows": getattr(base.compute, "rows", 1),
                      "compute.cols": getattr(base.compute, "cols", 1)}, **{k: v[i] for k, v in arrays.items()}}
        cycles = int(row["latency_cycles"])
        mpc = float(row["macs"]) / cycles if cycles else 0.0
        row.update(clock_hz=float(hw_vals["clock_hz"]), macs_per_cycle=mpc,
                   utilization=mpc / float(hw_vals["compute.rows"] * hw_vals["compute.cols"]))
        sizes = {k.split(".")[1]: int(v[i]) for k, v in arrays.items()
                 if k.startswith("memories.") and k.endswith(".size_bytes")}
        row.update(fit_columns(base, arena_bytes=int(row["arena_bytes"]), persistent_bytes=int(row["persistent_bytes"]),
                               weight_bytes=int(row.get("weight_storage_bytes", row["weight_bytes"])), sizes=sizes))
        rows.append(row)
    if first.get("_point") == points[0]:
        bad = [k for k, v in first.items() if k != "_point" and _differs(rows[0].get(k), v)]
        if bad:
            log.warning("batch pricing differs from simulate() in %s; pricing point by point", ", ".join(bad))
            _CHECKED[_check_key(graph, plan)] = None
            return []
    for row in rows:
        row.pop("_point", None)
    return rows


_CHECKED: dict[tuple[str, str], dict[str, Any] | None] = {}


def _check_key(graph: Graph, plan: SweepPlan) -> tuple[str, str]:
    return graph.name + "|" + graph.source, plan.key()


def _first_row(graph: Graph, base: Hardware, plan: SweepPlan, point: dict[str, str]) -> dict[str, Any] | None:
    """simulate() at the first point this process prices for a (model, sweep) through the
    batch path: it supplies the point-independent columns and checks the batch agrees with
    simulate(); None if the check failed before (then every chunk goes point by point)."""
    key = _check_key(graph, plan)
    if key not in _CHECKED:
        row = _simulate_point(graph, base, plan, point)
        _CHECKED[key] = None if row.get("error") else {**row, "_point": point}
        return _CHECKED[key]
    cached = _CHECKED[key]
    return None if cached is None else {k: v for k, v in cached.items() if k in POINT_INDEPENDENT}


# Summary columns that depend on the graph and the spec's fixed parts only, not on a point.
POINT_INDEPENDENT = frozenset({"hardware", "dataflow", "cost_model", "layers", "arena_bytes", "weight_bytes",
                               "weight_storage_bytes", "persistent_bytes", "transforms", "error", "validated_median_error_pct",
                               "validated_p90_error_pct", "validated_power_median_error_pct",
                               "validated_power_p90_error_pct"})


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float, np.integer, np.floating)) and isinstance(b, (int, float, np.integer, np.floating)):
        return not (a == b or (math.isnan(float(a)) and math.isnan(float(b))))
    return a != b


def _maybe_fault() -> None:
    """Kill this worker process once if $EDGESIM_SWEEP_FAULT names a directory (tests use it to
    check that a dying worker loses no point)."""
    where = os.environ.get(FAULT_ENV)
    if not where:
        return
    marker = Path(where) / "killed"
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os._exit(70)


# --- the client: plan, resume, submit, collect ----------------------------------------------

def _chunk_file(out: Path, model_index: int, chunk: int) -> Path:
    return out / "chunks" / f"m{model_index:02d}-c{chunk:06d}.csv"


def prepare(out: Path, plan: SweepPlan) -> SweepPlan:
    """Write `sweep.json`, or check the one there describes the same sweep (then resume)."""
    manifest = out / "sweep.json"
    (out / "chunks").mkdir(parents=True, exist_ok=True)
    if manifest.exists():
        try:
            old = SweepPlan(**json.loads(manifest.read_text()))
        except (TypeError, ValueError):
            raise SpecError(str(manifest), "", "a sweep manifest written by edgesim sweep", "something else") from None
        plan.chunk_points = old.chunk_points
        if old.key() != plan.key():
            raise SimError(f"--out {out}: holds a different sweep (see {manifest}); expected the same --hw, --vary, "
                           f"--model, --transform and --dataflow to resume, or another --out")
        return old
    tmp = manifest.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(plan), indent=2))
    os.replace(tmp, manifest)
    return plan


def pending_chunks(out: Path, plan: SweepPlan) -> tuple[list[tuple[int, int, list[int]]], int]:
    """(model index, chunk index, point indices) of chunks not yet on disk, and points done."""
    total = grid_size(plan.varies)
    size = plan.chunk_points
    todo, done = [], 0
    for m in range(len(plan.models)):
        for c, start in enumerate(range(0, total, size)):
            idx = list(range(start, min(start + size, total)))
            if _chunk_file(out, m, c).exists():
                done += len(idx)
            else:
                todo.append((m, c, idx))
    return todo, done


def _write_chunk(out: Path, m: int, c: int, frame: pd.DataFrame) -> None:
    path = _chunk_file(out, m, c)
    tmp = path.with_suffix(".part")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)


def collect(out: Path, plan: SweepPlan) -> pd.DataFrame:
    """All chunk files, one row per (model, point), in grid order."""
    files = sorted((out / "chunks").glob("m*-c*.csv"))
    frames = [pd.read_csv(f, keep_default_na=False, na_values=[""], dtype={v.path: str for v in plan.varies})
              for f in files]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if df.empty:
        return df
    order = {m: i for i, m in enumerate(plan.models)}
    df = df.drop_duplicates(subset=["model", "point"], keep="first")
    df = df.sort_values(by=["model", "point"], key=lambda s: s.map(order) if s.name == "model" else s)
    first = [v.path for v in plan.varies] + ["model", "point"]
    return df[first + [c for c in df.columns if c not in first]].reset_index(drop=True)


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """True for rows no other row dominates (<= in every column, < in one); NaN rows excluded.

    Rows are visited in lexicographic order, so a row can only be dominated by a row visited
    before it, and only non-dominated rows need to be compared against: O(n x front)."""
    n = len(values)
    keep = np.zeros(n, dtype=bool)
    ok = ~np.isnan(values).any(axis=1) if n else keep
    idx = np.flatnonzero(ok)
    if not len(idx):
        return keep
    v = values[idx]
    order = np.lexsort(v.T[::-1])
    front = np.empty((0, values.shape[1]))
    for i in order:
        p = v[i]
        if len(front) and ((front <= p).all(axis=1) & (front < p).any(axis=1)).any():
            continue
        keep[idx[i]] = True
        front = np.vstack([front, p])
    return keep


def pareto(df: pd.DataFrame, objectives: Sequence[str]) -> pd.DataFrame:
    parts = []
    for _, g in df.groupby("model", sort=False):
        mask = pareto_mask(g[list(objectives)].to_numpy(dtype=float))
        parts.append(g[mask].sort_values(list(objectives)))
    return pd.concat(parts, ignore_index=True) if parts else df.iloc[0:0]


def plot_pareto(df: pd.DataFrame, front: pd.DataFrame, objectives: Sequence[str], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x, y = (objectives[0], objectives[1]) if len(objectives) > 1 else ("point", objectives[0])
    fig, ax = plt.subplots(figsize=(7, 5))
    for i, (model, g) in enumerate(df.groupby("model", sort=False)):
        color = f"C{i % 10}"
        ax.scatter(g[x], g[y], s=6, alpha=0.25, color=color)
        f = front[front["model"] == model].sort_values(x)
        ax.plot(f[x], f[y], "o-", color=color, ms=4, label=f"{model} ({len(f)} on front)")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if len(df) and (df[x] > 0).all() and df[x].max() / max(df[x].min(), 1e-30) > 100:
        ax.set_xscale("log")
    if len(df) and (df[y] > 0).all() and df[y].max() / max(df[y].min(), 1e-30) > 100:
        ax.set_yscale("log")
    ax.set_title("Pareto front per model (lower is better)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _client(scheduler: str | None, workers: int | None) -> Any:
    from dask.distributed import Client, LocalCluster
    if scheduler:
        try:
            return Client(scheduler), None
        except (OSError, ValueError, TypeError) as exc:
            raise SimError(f"--scheduler {scheduler}: expected a reachable Dask scheduler address such as "
                           f"tcp://10.0.0.5:8786, got {(str(exc).splitlines() or [type(exc).__name__])[0]}") from None
    if not log.isEnabledFor(logging.INFO):  # Dask's own INFO chatter only with -v
        logging.getLogger("distributed").setLevel(logging.WARNING)
    n = workers or os.cpu_count() or 1
    # one single-threaded process per core: parallel Numba kernels inside would oversubscribe the cores.
    # Worker logs stay quiet: a task's error reaches us through its future, and at shutdown a
    # worker's last heartbeat can race the closing scheduler and log a CommClosedError traceback
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.CRITICAL, env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    return Client(cluster), cluster


def run_sweep(plan: SweepPlan, out: Path, objectives: Sequence[str], *, scheduler: str | None = None,
              workers: int | None = None, progress: bool = True, inline: bool = False) -> dict[str, Any]:
    """Compute every pending chunk, then write results.csv, pareto.csv and pareto.png.

    inline: run chunks in this process without Dask (debugging; still resumable)."""
    if workers is not None and workers < 1:  # a cluster of no workers never runs a task
        raise SimError(f"--workers: expected a positive integer, got {workers}")
    points = grid_size(plan.varies)
    if not plan.chunk_points:
        plan.chunk_points = chunk_points(points)
    plan = prepare(out, plan)
    todo, done = pending_chunks(out, plan)
    total = points * len(plan.models)
    from tqdm import tqdm
    bar = tqdm(total=total, initial=done, unit="row", desc="sweep", disable=not progress, smoothing=0.1)
    if done:
        log.warning("resuming %s: %d of %d rows (point x model) already done", out, done, total)
    if todo and inline:
        for m, c, idx in todo:
            _write_chunk(out, m, c, evaluate_chunk(plan, plan.models[m], idx))
            bar.update(len(idx))
    elif todo:
        from dask.distributed import as_completed
        client, cluster = _client(scheduler, workers)
        try:
            futures = {}
            for m, c, idx in todo:
                fut = client.submit(evaluate_chunk, plan, plan.models[m], idx, pure=False, retries=2,
                                    key=f"edgesim-sweep-{plan.key()}-m{m}-c{c}")
                futures[fut] = (m, c, len(idx))
            for fut in as_completed(futures):
                m, c, n = futures[fut]
                _write_chunk(out, m, c, fut.result())
                bar.update(n)
        finally:
            bar.close()
            client.close()
            if cluster is not None:
                cluster.close()
    bar.close()
    df = collect(out, plan)
    missing = set(objectives) - set(df.columns)
    if missing:
        raise SimError(f"--objective: expected columns of results.csv, got {', '.join(sorted(missing))}")
    df.to_csv(out / "results.csv", index=False)
    errors = df["error"].map(_text) if "error" in df.columns else pd.Series("", index=df.index)
    unfit = ~df["fits_memory"].map(_fits) if "fits_memory" in df.columns else pd.Series(False, index=df.index)
    good = df[(errors == "") & ~unfit]     # a point that cannot hold the model is no design
    front = pareto(good, objectives)
    front.to_csv(out / "pareto.csv", index=False)
    plot_pareto(good, front, objectives, out / "pareto.png")
    return {"points": points, "models": len(plan.models), "rows": len(df), "pareto_rows": len(front),
            "errors": int((errors != "").sum()), "unfit": int((unfit & (errors == "")).sum()), "resumed_points": done}


def _fits(value: Any) -> bool:
    """A fits_memory cell (bool, or text from a resumed chunk file); rows from before the
    column existed count as fitting."""
    return _text(value).lower() not in ("false", "0")


def _text(value: Any) -> str:
    """A CSV cell as text; empty cells read back as NaN."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def check_plan(plan: SweepPlan) -> None:
    """Fail fast, with one line, on a bad model, spec, path or value before any work starts."""
    from sim.api import load_graph
    from sim.transforms import parse_transforms
    parse_transforms(plan.transforms)
    paths = [v.path for v in plan.varies]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:  # the later --vary would overwrite the earlier at every point
        raise SimError(f"--vary {twice[0]}: expected each path once (list all its values in one --vary), "
                       f"got it {paths.count(twice[0])} times")
    points = grid_size(plan.varies)
    if points > MAX_GRID_POINTS:
        raise SimError(f"--vary: expected a grid of at most {MAX_GRID_POINTS:,} points, got {points:,} ("
                       + " x ".join(str(len(v.values)) for v in plan.varies) + ")")
    base = load_hardware(plan.hw)
    for m in plan.models:
        load_graph(m)
    for v in plan.varies:
        for value in v.values:
            try:
                load_hardware(base, parse_overrides([f"{v.path}={value}"]))
            except SpecError as exc:
                raise SpecError(f"--vary {v.path}", exc.field, exc.expected, exc.got) from None


def objectives_of(text: str) -> list[str]:
    """Pareto objectives: numeric summary columns (minimised)."""
    from sim.report.columns import SUMMARY_COLUMNS, TRANSFORM_SUMMARY_COLUMNS
    numeric = [c.name for c in (*SUMMARY_COLUMNS, *TRANSFORM_SUMMARY_COLUMNS) if c.dtype in ("int", "float")]
    names = [o.strip() for o in text.split(",") if o.strip()]
    bad = [n for n in names if n not in numeric]
    if not names or bad:
        raise SimError(f"--objective {text!r}: expected numeric results.csv columns such as latency_ms,energy_uj "
                       f"(one of {', '.join(dict.fromkeys(numeric))})")
    return names


def as_list(items: Iterable[str] | None) -> list[str]:
    return list(items or [])
