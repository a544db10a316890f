"""Loop dimensions of an operator: N OH OW K C KH KW, the vocabulary every cost model uses.

A convolution is the 7-deep loop nest over (N, OH, OW, K, C, KH, KW); a depthwise
convolution has C = 1 per group and K groups; a fully connected layer is a 1x1
convolution over a 1x1 image. MACs follow from the nest, so they are the same under every
dataflow and tiling.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.graph.ir import Graph, Op

CONV_OPS = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"})
POOL_OPS = frozenset({"AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN"})
ELEMENTWISE_OPS = frozenset({"ADD", "SUB", "MUL", "RELU", "RELU6", "LOGISTIC", "TANH", "HARD_SWISH",
                             "QUANTIZE", "DEQUANTIZE", "LEAKY_RELU", "PRELU", "MAXIMUM", "MINIMUM",
                             "SQUARED_DIFFERENCE", "RSQRT", "ABS"})
DATA_MOVEMENT_OPS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS", "CONCATENATION", "PAD", "TRANSPOSE",
                               "STRIDED_SLICE", "SLICE", "SPLIT", "SPLIT_V", "PACK", "UNPACK",
                               "GATHER", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"})
REDUCTION_OPS = frozenset({"SOFTMAX", "LOG_SOFTMAX", "ARG_MAX", "ARG_MIN", "REDUCE_MAX", "SUM"})


@dataclass(frozen=True, slots=True)
class Loops:
    """The loop nest of a layer, plus the geometry that maps it onto the input."""

    N: int
    OH: int
    OW: int
    K: int
    C: int
    KH: int
    KW: int
    stride_h: int = 1
    stride_w: int = 1
    dilation_h: int = 1
    dilation_w: int = 1
    depthwise: bool = False
    IH: int = 1
    IW: int = 1

    @property
    def macs(self) -> int:
        return self.N * self.OH * self.OW * self.K * self.C * self.KH * self.KW

    @property
    def channels_in(self) -> int:
        """Input channels of the tensor (for depthwise, the K groups)."""
        return self.K if self.depthwise else self.C


def _nhwc(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    s = [int(d) for d in shape]
    if len(s) == 4:
        return s[0], s[1], s[2], s[3]
    if len(s) == 3:
        return 1, s[0], s[1], s[2]
    if len(s) == 2:
        return s[0], 1, 1, s[1]
    if len(s) == 1:
        return 1, 1, 1, s[0]
    return 1, 1, 1, 1


def loops_of(graph: Graph, op: Op) -> Loops:
    """Loop nest of `op`. Ops without MACs get a nest over their output with C=KH=KW=1."""
    ofm = graph.ofm(op)
    ifm = graph.ifm(op)
    a = op.attrs
    n, oh, ow, oc = _nhwc(ofm.shape)
    _, ih, iw, ic = _nhwc(ifm.shape)
    sh, sw = int(a.get("stride_h", 1)), int(a.get("stride_w", 1))
    dh, dw = int(a.get("dilation_h", 1)), int(a.get("dilation_w", 1))
    if op.op_type == "FULLY_CONNECTED":
        w = graph.weights(op)
        cin = int(w.shape[-1]) if w is not None else ic
        rows = max(ofm.size // max(oc, 1), 1)
        return Loops(rows, 1, 1, oc, cin, 1, 1, IH=1, IW=1)
    if op.op_type in ("CONV_2D", "TRANSPOSE_CONV"):
        w = graph.weights(op)
        kh, kw = (int(w.shape[1]), int(w.shape[2])) if w is not None else (1, 1)
        return Loops(n, oh, ow, oc, ic, kh, kw, sh, sw, dh, dw, False, ih, iw)
    if op.op_type == "DEPTHWISE_CONV_2D":
        w = graph.weights(op)
        kh, kw = (int(w.shape[1]), int(w.shape[2])) if w is not None else (1, 1)
        return Loops(n, oh, ow, oc, 1, kh, kw, sh, sw, dh, dw, True, ih, iw)
    if op.op_type in POOL_OPS:
        kh, kw = int(a.get("filter_h", ih)), int(a.get("filter_w", iw))
        return Loops(n, oh, ow, oc, 1, kh, kw, sh, sw, 1, 1, True, ih, iw)
    return Loops(n, oh, ow, oc, 1, 1, 1, IH=ih, IW=iw)


def leading_padding(op: Op, lp: Loops) -> tuple[int, int]:
    """Top and left padding of a windowed operator: TFLite SAME padding as TFLM's
    ComputePaddingHeightWidth resolves it (the odd extra row or column goes to the bottom or
    right), 0 for VALID."""
    if op.attrs.get("padding", "VALID") != "SAME":
        return 0, 0

    def pad(out: int, stride: int, dilation: int, kernel: int, size: int) -> int:
        return max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0) // 2

    return (pad(lp.OH, lp.stride_h, lp.dilation_h, lp.KH, lp.IH),
            pad(lp.OW, lp.stride_w, lp.dilation_w, lp.KW, lp.IW))


def macs_of(graph: Graph, op: Op) -> int:
    """Multiply-accumulates of a layer; 0 for ops that do no MACs (as MLPerf Tiny counts)."""
    if op.op_type not in CONV_OPS:
        return 0
    return loops_of(graph, op).macs


def elements_of(graph: Graph, op: Op) -> int:
    """Work of a MAC-free op in elements touched: window reads for pools, output size else."""
    if op.op_type in POOL_OPS:
        lp = loops_of(graph, op)
        return lp.N * lp.OH * lp.OW * lp.K * lp.KH * lp.KW
    if op.op_type in ELEMENTWISE_OPS:
        return sum(t.size for t in graph.activations_in(op)) or graph.ofm(op).size
    return graph.ofm(op).size
