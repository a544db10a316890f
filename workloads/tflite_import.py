"""Import a `.tflite` flatbuffer into `sim.graph.Graph`.

Reads subgraph 0 with the `tflite` package's generated bindings. Every operator becomes an
`Op` in the file's execution order; operators no cost model prices are kept as
`supported=False` nodes with a warning naming them, never dropped. A file that is not a
TFLite flatbuffer, or is cut short, raises a one-line `SpecError`.
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path
from typing import Any

import numpy as np
import tflite
from tflite.utils import BUILTIN_OPCODE2NAME

from sim.errors import SpecError
from sim.graph.ir import Graph, Op, Tensor
from sim.graph.loops import CONV_OPS, loops_of
from sim.graph.support import COSTED_OPS

log = logging.getLogger(__name__)

TENSOR_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 6: "bool", 7: "int16",
                9: "int8", 10: "float64"}
PADDING = {0: "SAME", 1: "VALID"}
# Constants whose values the graph keeps (the Ethos-U weight encoding reads int8/uint8 weights).
VALUE_DTYPES = {"int8": np.int8, "uint8": np.uint8}
ACTIVATION = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}

_OPTIONS = {
    "CONV_2D": tflite.Conv2DOptions,
    "DEPTHWISE_CONV_2D": tflite.DepthwiseConv2DOptions,
    "AVERAGE_POOL_2D": tflite.Pool2DOptions,
    "MAX_POOL_2D": tflite.Pool2DOptions,
    "FULLY_CONNECTED": tflite.FullyConnectedOptions,
    "ADD": tflite.AddOptions,
    "MUL": tflite.MulOptions,
    "SUB": tflite.SubOptions,
    "SOFTMAX": tflite.SoftmaxOptions,
    "CONCATENATION": tflite.ConcatenationOptions,
}


def load_tflite(path: str | Path) -> Graph:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(str(path), "", "a readable .tflite file", exc.strerror) from None
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise SpecError(str(path), "file identifier", "a TFLite flatbuffer ('TFL3' at byte 4)",
                        data[4:8].decode("latin-1") if len(data) >= 8 else f"{len(data)} bytes")
    try:
        return _parse(data, path)
    except (IndexError, struct.error, ValueError, TypeError, AttributeError) as exc:
        raise SpecError(str(path), "flatbuffer", "a complete .tflite file",
                        f"a truncated or corrupt file of {len(data)} bytes ({type(exc).__name__})") from None


def _parse(data: bytes, path: Path) -> Graph:
    model = tflite.Model.GetRootAsModel(data, 0)
    if model.SubgraphsLength() < 1:
        raise SpecError(str(path), "subgraphs", "at least one subgraph", 0)
    sub = model.Subgraphs(0)
    buffers_with_data = set()
    for b in range(model.BuffersLength()):
        buf = model.Buffers(b)
        if buf.DataLength() > 0 or buf.Offset() > 1:
            buffers_with_data.add(b)
    tensors: dict[str, Tensor] = {}
    names: list[str] = []
    for i in range(sub.TensorsLength()):
        t = sub.Tensors(i)
        name = (t.Name() or b"").decode() or f"tensor_{i}"
        if name in tensors:
            name = f"{name}#{i}"
        names.append(name)
        q = t.Quantization()
        scale: tuple[float, ...] = ()
        zp: tuple[int, ...] = ()
        axis = None
        if q is not None and q.ScaleLength() > 0:
            scale = tuple(float(s) for s in q.ScaleAsNumpy())
            zp = tuple(int(z) for z in q.ZeroPointAsNumpy()) if q.ZeroPointLength() else (0,) * len(scale)
            axis = int(q.QuantizedDimension()) if len(scale) > 1 else None
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        dtype = TENSOR_TYPES.get(t.Type(), f"type{t.Type()}")
        is_const = t.Buffer() in buffers_with_data
        tensors[name] = Tensor(name=name, shape=shape, dtype=dtype, is_const=is_const, scale=scale, zero_point=zp,
                               quant_axis=axis,
                               values=_values(model, data, t.Buffer(), shape, dtype) if is_const else None)
    ops: list[Op] = []
    unsupported: list[str] = []
    for i in range(sub.OperatorsLength()):
        o = sub.Operators(i)
        code = model.OperatorCodes(o.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        op_type = BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}")
        if op_type == "CUSTOM":
            op_type = f"CUSTOM:{(code.CustomCode() or b'').decode()}"
        ins = tuple(names[j] if j >= 0 else "" for j in o.InputsAsNumpy()) if o.InputsLength() else ()
        outs = tuple(names[j] for j in o.OutputsAsNumpy()) if o.OutputsLength() else ()
        attrs = _options(o, op_type)
        supported = op_type in COSTED_OPS
        if not supported:
            unsupported.append(op_type)
        out_name = outs[0] if outs else f"op{i}"
        ops.append(Op(name=f"{i}:{op_type}:{out_name}", index=i, op_type=op_type,
                      inputs=tuple(x for x in ins if x), outputs=outs, attrs=attrs, supported=supported))
    for op_type in sorted(set(unsupported)):
        log.warning("%s: operator %s has no cost model; imported as an unsupported node", path, op_type)
    g_in = [names[j] for j in sub.InputsAsNumpy()] if sub.InputsLength() else []
    g_out = [names[j] for j in sub.OutputsAsNumpy()] if sub.OutputsLength() else []
    graph = Graph(path.stem, ops, tensors, g_in, g_out, source=str(path))
    for op in ops:
        _check_shapes(graph, op, path)
    return graph


def _check_shapes(graph: Graph, op: Op, path: Path) -> None:
    """What the cost models take for granted of an operator, checked once here so that a
    corrupt or hand-edited file gets a one-line error instead of a failure deep in a model."""
    where = f"operators[{op.index}] ({op.op_type})"
    for name in (*op.inputs, *op.outputs):
        if any(d < 0 for d in graph.tensors[name].shape):
            raise SpecError(str(path), f"{where}: {name}", "non-negative dimensions", graph.tensors[name].shape)
    if not op.supported:
        return
    if not op.outputs:
        raise SpecError(str(path), where, "an output tensor", "none")
    if op.op_type in CONV_OPS and op.op_type != "FULLY_CONNECTED":
        w = graph.weights(op)
        if w is not None and len(w.shape) != 4:
            raise SpecError(str(path), f"{where}: weights", "a 4-D tensor", w.shape)
    for key in ("stride_h", "stride_w", "dilation_h", "dilation_w"):
        if int(op.attrs.get(key, 1)) < 1:
            raise SpecError(str(path), f"{where}: {key}", "a positive integer", op.attrs[key])
    try:
        loops_of(graph, op)
    except (IndexError, KeyError, ValueError, ZeroDivisionError) as exc:
        raise SpecError(str(path), where, "tensor shapes this operator takes",
                        f"{type(exc).__name__} on {[graph.tensors[t].shape for t in op.inputs]}") from None


def _values(model: Any, data: bytes, buffer: int, shape: tuple[int, ...], dtype: str) -> np.ndarray | None:
    """The stored values of an 8-bit constant (weights), read-only; None for other types or a
    buffer whose size does not match the shape."""
    if dtype not in VALUE_DTYPES:
        return None
    buf = model.Buffers(buffer)
    if buf.Offset() > 1:  # large models keep buffers after the flatbuffer
        raw = np.frombuffer(data, dtype=np.uint8, count=int(buf.Size()), offset=int(buf.Offset()))
    else:
        raw = buf.DataAsNumpy()
    size = int(np.prod(shape)) if shape else 1
    if not isinstance(raw, np.ndarray) or raw.size != size:
        return None
    values = raw.view(VALUE_DTYPES[dtype]).reshape(shape)
    values.setflags(write=False)
    return values


def _options(o: Any, op_type: str) -> dict[str, Any]:
    cls = _OPTIONS.get(op_type)
    table = o.BuiltinOptions()
    if cls is None or table is None:
        return {}
    opt = cls()
    opt.Init(table.Bytes, table.Pos)
    a: dict[str, Any] = {}
    for attr, key in (("StrideH", "stride_h"), ("StrideW", "stride_w"),
                      ("DilationHFactor", "dilation_h"), ("DilationWFactor", "dilation_w"),
                      ("DepthMultiplier", "depth_multiplier"), ("FilterHeight", "filter_h"),
                      ("FilterWidth", "filter_w"), ("Beta", "beta"), ("Axis", "axis")):
        if hasattr(opt, attr):
            a[key] = getattr(opt, attr)()
    if hasattr(opt, "Padding"):
        a["padding"] = PADDING.get(opt.Padding(), str(opt.Padding()))
    if hasattr(opt, "FusedActivationFunction"):
        a["fused_activation"] = ACTIVATION.get(opt.FusedActivationFunction(), "OTHER")
    return a
