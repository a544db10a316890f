"""Measure a .tflite model on this machine's CPU with the LiteRT runtime (`ai-edge-litert`).

Whole-model latency: `runs` timed `invoke()` calls after `warmup` untimed ones, one
thread, TFLite's builtin CPU kernels (no XNNPACK, no delegate), the same kernels
`benchmark_model` runs with zero delegates.

Per-operator time: LiteRT's Python API exposes no per-op profiler (the C library's
`LiteRtGetProfilerEvents` needs runtime options the Python wrapper does not pass), so
each operator is cut into its own single-operator model (same tensors, weights and
options; its non-constant inputs become the model inputs) and timed alone. The cost of an
`invoke()` that runs nothing is measured on a model with no operators and subtracted.
Per-op `avg_us` is the median of the timed runs, not the mean: on a shared machine a few
preempted runs would otherwise dominate a microsecond-scale operator. Cut
operators lose cache warmth from their producer and run on random inputs; the sum of the
per-op times against the whole-model time says how much that matters (it is reported).

These are host CPU numbers: they say nothing about any embedded part until a spec is
calibrated against them.
"""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.profile.benchmark_log import OPS_COLUMNS, BenchmarkLog

log = logging.getLogger(__name__)

HOST_LABEL = "host CPU (LiteRT builtin kernels, 1 thread)"


def litert_available() -> bool:
    try:
        import ai_edge_litert.interpreter  # noqa: F401
    except ImportError:
        return False
    return True


def _litert() -> tuple[Any, Any]:
    try:
        from ai_edge_litert import interpreter, schema_py_generated
    except ImportError:
        raise SimError("LiteRT: expected the runtime installed (pip install 'edgesim[litert]'), "
                       "got no module ai_edge_litert") from None
    return interpreter, schema_py_generated


def host_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{HOST_LABEL}: {cpu}, {platform.machine()}"


def _interpreter(content: bytes) -> Any:
    interp, _ = _litert()
    it = interp.Interpreter(model_content=content, num_threads=1,
                            experimental_op_resolver_type=interp.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        dt = np.dtype(d["dtype"])
        shape = tuple(int(s) for s in d["shape"])
        if dt.kind in "iu":
            info = np.iinfo(dt)
            val = rng.integers(max(info.min, -128), min(info.max, 127), size=shape, endpoint=True).astype(dt)
        else:
            val = rng.standard_normal(shape).astype(dt)
        it.set_tensor(d["index"], val)
    return it


def _time_invokes(it: Any, runs: int, warmup: int) -> np.ndarray:
    """Wall time of each of `runs` invokes, microseconds (perf_counter_ns)."""
    for _ in range(warmup):
        it.invoke()
    out = np.empty(runs, dtype=np.float64)
    for k in range(runs):
        t0 = time.perf_counter_ns()
        it.invoke()
        out[k] = (time.perf_counter_ns() - t0) / 1e3
    return out


def _pack(model: Any) -> bytes:
    import flatbuffers
    b = flatbuffers.Builder(0)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def cut_models(data: bytes) -> list[tuple[int, str, str, bytes]]:
    """(index, op_type, output name, single-op model bytes) for each operator of subgraph 0."""
    _, schema = _litert()
    from tflite.utils import BUILTIN_OPCODE2NAME
    base = schema.ModelT.InitFromPackedBuf(data, 0)
    out = []
    for i in range(len(base.subgraphs[0].operators)):
        m = schema.ModelT.InitFromPackedBuf(data, 0)
        sg = m.subgraphs[0]
        op = sg.operators[i]
        code = m.operatorCodes[op.opcodeIndex]
        op_type = BUILTIN_OPCODE2NAME.get(max(code.builtinCode, code.deprecatedBuiltinCode), "CUSTOM")

        def const(t: int) -> bool:
            buf = m.buffers[sg.tensors[t].buffer]
            return (buf.data is not None and len(buf.data) > 0) or (getattr(buf, "offset", 0) or 0) > 1

        sg.operators = [op]
        sg.inputs = [int(t) for t in op.inputs if t >= 0 and not const(int(t))]
        sg.outputs = [int(t) for t in op.outputs]
        m.subgraphs = [sg]
        m.signatureDefs = None
        name = sg.tensors[sg.outputs[0]].name
        out.append((i, op_type, name.decode() if isinstance(name, bytes) else str(name), _pack(m)))
    return out


def empty_model(data: bytes) -> bytes:
    """The model with no operators: its input is its output, so invoke() does only bookkeeping."""
    _, schema = _litert()
    m = schema.ModelT.InitFromPackedBuf(data, 0)
    sg = m.subgraphs[0]
    sg.operators = []
    sg.outputs = [int(sg.inputs[0])]
    sg.inputs = [int(sg.inputs[0])]
    m.subgraphs = [sg]
    m.signatureDefs = None
    return _pack(m)


@dataclass
class Bench:
    ops: BenchmarkLog
    latency_us: np.ndarray
    overhead_us: float

    def latency_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"run": np.arange(len(self.latency_us)), "latency_us": self.latency_us})

    def summary_frame(self) -> pd.DataFrame:
        lat = self.latency_us
        return pd.DataFrame([{
            "model": self.ops.path, "device": self.ops.source, "runs": len(lat),
            "first_us": float(lat[0]), "min_us": float(lat.min()), "max_us": float(lat.max()),
            "avg_us": float(lat.mean()), "std_us": float(lat.std()), "p50_us": float(np.percentile(lat, 50)),
            "p90_us": float(np.percentile(lat, 90)), "p99_us": float(np.percentile(lat, 99)),
            "op_sum_us": self.ops.total_us, "invoke_overhead_us": self.overhead_us,
        }])


def bench(model: str | Path, *, runs: int = 50, warmup: int = 5, op_runs: int | None = None) -> Bench:
    """Whole-model latency distribution and per-operator times of `model` on this CPU."""
    path = Path(model)
    if path.suffix != ".tflite" or not path.is_file():
        raise SimError(f"{model}: expected an existing .tflite file (LiteRT runs model files, not zoo names)")
    if runs < 1:
        raise SimError(f"--runs: expected a positive integer, got {runs}")
    if op_runs is not None and op_runs < 1:
        raise SimError(f"--op-runs: expected a positive integer, got {op_runs}")
    if warmup < 0:
        raise SimError(f"--warmup: expected a non-negative integer, got {warmup}")
    data = path.read_bytes()
    if data[4:8] != b"TFL3":  # LiteRT's own message for this is about model_path arguments
        raise SimError(f"{path}: file identifier: expected a TFLite flatbuffer ('TFL3' at byte 4), got "
                       + (repr(data[4:8].decode("latin-1")) if len(data) >= 8 else f"{len(data)} bytes"))
    try:
        lat = _time_invokes(_interpreter(data), runs, warmup)
        overhead = float(np.median(_time_invokes(_interpreter(empty_model(data)), max(runs, 50), warmup)))
        rows = []
        n = op_runs or runs
        for i, op_type, name, content in cut_models(data):
            t = _time_invokes(_interpreter(content), n, warmup)
            rows.append({"node": i, "op_type": op_type, "name": name,
                         "avg_us": max(float(np.median(t)) - overhead, 0.0),
                         "first_us": max(float(t[0]) - overhead, 0.0), "times_called": 1})
    except (RuntimeError, ValueError) as exc:
        raise SimError(f"{path}: expected a model LiteRT can run, got {str(exc).splitlines()[0][:120]}") from None
    df = pd.DataFrame(rows)
    total = float(df["avg_us"].sum()) or 1.0
    df["pct"] = df["avg_us"] / total * 100.0
    df["cdf_pct"] = df["pct"].cumsum()
    df["mem_kb"] = 0.0
    df["start_ms"] = float("nan")
    df["delegate"] = False
    df["subgraph"] = 0
    df = df[list(OPS_COLUMNS)]
    df.attrs["indexed"] = True
    df.attrs["log"] = str(path)
    summary = {"inference_avg_us": float(np.median(lat)), "nodes_executed": float(len(df))}
    prof = BenchmarkLog(path=str(path), ops=df, by_type=pd.DataFrame(), summary=summary,
                        source=host_description())
    log.info("%s: %d ops, whole model %.1f us, op sum %.1f us, invoke overhead %.2f us", path, len(df),
             lat.mean(), df["avg_us"].sum(), overhead)
    return Bench(prof, lat, overhead)
