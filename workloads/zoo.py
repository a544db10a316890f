"""Models built in Python, no file needed.

The MLPerf Tiny graphs reproduce the reference `.tflite` files op for op (same shapes and
MACs: ic 12,501,632; vww 7,489,664; kws 2,656,768; ad 264,192). MobileNetV1/V2 1.0-224
follow the quantized TFLite reference models (uint8 for V1, as in the i.MX 8M Plus logs).
"""

from __future__ import annotations

from typing import Callable

from sim.errors import SpecError
from sim.graph.ir import Graph
from workloads.builder import GraphBuilder


def resnet8() -> Graph:
    """MLPerf Tiny image classification: ResNet-8 on 32x32x3 (CIFAR-10)."""
    b = GraphBuilder("mlperf-ic", (1, 32, 32, 3))
    x = b.conv(b.input, 16, 3)
    y = b.conv(x, 16, 3)
    y = b.conv(y, 16, 3, act="NONE")
    x = b.add(x, y, act="RELU")
    for k in (32, 64):
        y = b.conv(x, k, 3, stride=2)
        y = b.conv(y, k, 3, act="NONE")
        s = b.conv(x, k, 1, stride=2, act="NONE")
        x = b.add(y, s, act="RELU")
    x = b.avgpool(x, 8)
    x = b.reshape(x, (1, 64))
    x = b.fc(x, 10)
    return b.build(b.softmax(x))


def _mobilenet_v1(name: str, size: int, alpha: float, classes: int, logits_conv: bool,
                  dtype: str = "int8") -> Graph:
    b = GraphBuilder(name, (1, size, size, 3), dtype=dtype)
    act = "RELU" if name == "mlperf-vww" else "RELU6"
    x = b.conv(b.input, int(32 * alpha), 3, stride=2, act=act)
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for k, s in plan:
        x = b.dwconv(x, 3, stride=s, act=act)
        x = b.conv(x, int(k * alpha), 1, act=act)
    x = b.avgpool(x)
    if logits_conv:
        x = b.conv(x, classes, 1, act="NONE")
        x = b.reshape(x, (1, classes))
    else:
        x = b.reshape(x, (1, int(1024 * alpha)))
        x = b.fc(x, classes)
    return b.build(b.softmax(x))


def vww() -> Graph:
    """MLPerf Tiny visual wake words: MobileNetV1 0.25x on 96x96x3, 2 classes."""
    return _mobilenet_v1("mlperf-vww", 96, 0.25, 2, logits_conv=False)


def mobilenet_v1() -> Graph:
    """MobileNetV1 1.0 224 quantized (uint8, logits as a 1x1 conv), 1001 classes."""
    return _mobilenet_v1("mobilenet-v1", 224, 1.0, 1001, logits_conv=True, dtype="uint8")


def dscnn() -> Graph:
    """MLPerf Tiny keyword spotting: DS-CNN small on 49x10 MFCCs."""
    b = GraphBuilder("mlperf-kws", (1, 49, 10, 1))
    x = b.conv(b.input, 64, (10, 4), stride=2)
    for _ in range(4):
        x = b.dwconv(x, 3)
        x = b.conv(x, 64, 1)
    x = b.avgpool(x)
    x = b.reshape(x, (1, 64))
    x = b.fc(x, 12)
    return b.build(b.softmax(x))


def fc_autoencoder() -> Graph:
    """MLPerf Tiny anomaly detection: FC autoencoder 640-128-128-128-128-8-128-128-128-128-640."""
    b = GraphBuilder("mlperf-ad", (1, 640))
    x = b.input
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        x = b.fc(x, units, act="RELU")
    return b.build(b.fc(x, 640))


def mobilenet_v2() -> Graph:
    """MobileNetV2 1.0 224 quantized: inverted residuals (t, c, n, s) as in Sandler et al. 2018."""
    b = GraphBuilder("mobilenet-v2", (1, 224, 224, 3))
    x = b.conv(b.input, 32, 3, stride=2, act="RELU6")
    cin = 32
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            y = b.conv(x, cin * t, 1, act="RELU6") if t != 1 else x
            y = b.dwconv(y, 3, stride=stride, act="RELU6")
            y = b.conv(y, c, 1, act="NONE")
            x = b.add(x, y) if stride == 1 and cin == c else y
            cin = c
    x = b.conv(x, 1280, 1, act="RELU6")
    x = b.avgpool(x)
    x = b.conv(x, 1001, 1, act="NONE")
    x = b.reshape(x, (1, 1001))
    return b.build(b.softmax(x))


ZOO: dict[str, Callable[[], Graph]] = {
    "mlperf-ic": resnet8,
    "mlperf-vww": vww,
    "mlperf-kws": dscnn,
    "mlperf-ad": fc_autoencoder,
    "mobilenet-v1": mobilenet_v1,
    "mobilenet-v2": mobilenet_v2,
}


def build(name: str) -> Graph:
    try:
        return ZOO[name]()
    except KeyError:
        raise SpecError("MODEL", "", f"a .tflite file, a SCALE-Sim topology .csv or one of: {', '.join(ZOO)}",
                        name) from None
