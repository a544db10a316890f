"""Build quantized graphs in Python, with TFLite's shape rules (SAME/VALID padding).

Weights are per-channel int8 for convolutions and per-tensor for fully connected layers,
biases int32, as the TFLite converter emits them. Scales are placeholders (1/128): the
simulator prices bytes and MACs, not values.
"""

from __future__ import annotations

from typing import Any

from sim.graph.ir import Graph, Op, Tensor
from sim.units import ceil_div

_SCALE = 1.0 / 128


def out_size(size: int, kernel: int, stride: int, padding: str, dilation: int = 1) -> int:
    if padding == "SAME":
        return ceil_div(size, stride)
    eff = (kernel - 1) * dilation + 1
    return (size - eff) // stride + 1


class GraphBuilder:
    def __init__(self, name: str, input_shape: tuple[int, ...], dtype: str = "int8") -> None:
        self.name = name
        self.dtype = dtype
        self.ops: list[Op] = []
        self.tensors: dict[str, Tensor] = {}
        self.input = self._tensor("input", input_shape)

    # --- helpers ------------------------------------------------------------------------------
    def _tensor(self, name: str, shape: tuple[int, ...], *, const: bool = False, dtype: str | None = None,
                channels: int = 1) -> str:
        dt = dtype or self.dtype
        scale = (_SCALE,) * channels
        self.tensors[name] = Tensor(name=name, shape=tuple(shape), dtype=dt, is_const=const,
                                    scale=scale, zero_point=(0,) * channels,
                                    quant_axis=0 if channels > 1 else None)
        return name

    def _op(self, op_type: str, inputs: list[str], out_shape: tuple[int, ...], **attrs: Any) -> str:
        i = len(self.ops)
        out = self._tensor(f"t{i}_{op_type.lower()}", out_shape)
        self.ops.append(Op(name=f"{i}:{op_type}:{out}", index=i, op_type=op_type, inputs=tuple(inputs),
                           outputs=(out,), attrs=attrs))
        return out

    def shape(self, t: str) -> tuple[int, ...]:
        return self.tensors[t].shape

    def _wdtype(self) -> tuple[str, str]:
        return ("int8", "int32") if self.dtype in ("int8", "uint8", "int16") else (self.dtype, self.dtype)

    # --- layers -------------------------------------------------------------------------------
    def conv(self, x: str, k: int, kernel: int | tuple[int, int] = 3, stride: int = 1, padding: str = "SAME",
             act: str = "RELU") -> str:
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        n, h, w, c = self.shape(x)
        oh, ow = out_size(h, kh, stride, padding), out_size(w, kw, stride, padding)
        i = len(self.ops)
        wd, bd = self._wdtype()
        wt = self._tensor(f"t{i}_weights", (k, kh, kw, c), const=True, dtype=wd, channels=k)
        bt = self._tensor(f"t{i}_bias", (k,), const=True, dtype=bd, channels=k)
        return self._op("CONV_2D", [x, wt, bt], (n, oh, ow, k), stride_h=stride, stride_w=stride,
                        dilation_h=1, dilation_w=1, padding=padding, fused_activation=act)

    def dwconv(self, x: str, kernel: int | tuple[int, int] = 3, stride: int = 1, padding: str = "SAME",
               act: str = "RELU", multiplier: int = 1) -> str:
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        n, h, w, c = self.shape(x)
        oh, ow = out_size(h, kh, stride, padding), out_size(w, kw, stride, padding)
        k = c * multiplier
        i = len(self.ops)
        wd, bd = self._wdtype()
        wt = self._tensor(f"t{i}_weights", (1, kh, kw, k), const=True, dtype=wd, channels=k)
        bt = self._tensor(f"t{i}_bias", (k,), const=True, dtype=bd, channels=k)
        return self._op("DEPTHWISE_CONV_2D", [x, wt, bt], (n, oh, ow, k), stride_h=stride, stride_w=stride,
                        dilation_h=1, dilation_w=1, depth_multiplier=multiplier, padding=padding,
                        fused_activation=act)

    def fc(self, x: str, units: int, act: str = "NONE") -> str:
        shape = self.shape(x)
        rows, cin = (shape[0], shape[-1]) if len(shape) >= 2 else (1, shape[0])
        i = len(self.ops)
        wd, bd = self._wdtype()
        wt = self._tensor(f"t{i}_weights", (units, cin), const=True, dtype=wd)
        bt = self._tensor(f"t{i}_bias", (units,), const=True, dtype=bd)
        return self._op("FULLY_CONNECTED", [x, wt, bt], (rows, units), fused_activation=act)

    def add(self, a: str, b: str, act: str = "NONE") -> str:
        return self._op("ADD", [a, b], self.shape(a), fused_activation=act)

    def avgpool(self, x: str, kernel: int | tuple[int, int] | None = None, stride: int | None = None,
                padding: str = "VALID") -> str:
        n, h, w, c = self.shape(x)
        kh, kw = (h, w) if kernel is None else (kernel, kernel) if isinstance(kernel, int) else kernel
        sh = stride or kh
        sw = stride or kw
        oh, ow = out_size(h, kh, sh, padding), out_size(w, kw, sw, padding)
        return self._op("AVERAGE_POOL_2D", [x], (n, oh, ow, c), filter_h=kh, filter_w=kw, stride_h=sh,
                        stride_w=sw, padding=padding, fused_activation="NONE")

    def maxpool(self, x: str, kernel: int = 2, stride: int = 2, padding: str = "VALID") -> str:
        n, h, w, c = self.shape(x)
        oh, ow = out_size(h, kernel, stride, padding), out_size(w, kernel, stride, padding)
        return self._op("MAX_POOL_2D", [x], (n, oh, ow, c), filter_h=kernel, filter_w=kernel,
                        stride_h=stride, stride_w=stride, padding=padding, fused_activation="NONE")

    def reshape(self, x: str, shape: tuple[int, ...]) -> str:
        i = len(self.ops)
        st = self._tensor(f"t{i}_shape", (len(shape),), const=True, dtype="int32")
        return self._op("RESHAPE", [x, st], shape)

    def softmax(self, x: str) -> str:
        return self._op("SOFTMAX", [x], self.shape(x), beta=1.0)

    def build(self, output: str) -> Graph:
        return Graph(self.name, self.ops, self.tensors, [self.input], [output], source=f"zoo:{self.name}")
