from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import SpecError
from sim.graph.ir import Graph, Op, Tensor
from sim.graph.loops import macs_of
from tests.conftest import REAL_MODELS, real_model
from workloads import zoo
from workloads.tflite_import import load_tflite

BAD = Path(__file__).resolve().parents[1] / "models" / "bad"
ZOO_NAME = {"ic": "mlperf-ic", "vww": "mlperf-vww", "kws": "mlperf-kws", "ad": "mlperf-ad"}


@pytest.mark.parametrize("key", REAL_MODELS)
def test_real_model_op_count_and_macs(key: str) -> None:
    _, n_ops, macs = REAL_MODELS[key]
    g = load_tflite(real_model(key))
    assert len(g.ops) == n_ops
    assert sum(macs_of(g, op) for op in g.ops) == macs
    assert all(op.supported for op in g.ops)
    assert g.dag.number_of_nodes() == n_ops


@pytest.mark.parametrize("key", REAL_MODELS)
def test_zoo_matches_real_file_op_for_op(key: str) -> None:
    real = load_tflite(real_model(key))
    built = zoo.build(ZOO_NAME[key])
    assert [o.op_type for o in built.ops] == [o.op_type for o in real.ops]
    for a, b in zip(built.ops, real.ops):
        assert built.ofm(a).shape == real.ofm(b).shape, a.name
        assert macs_of(built, a) == macs_of(real, b), a.name
        assert built.weight_bytes(a) == real.weight_bytes(b), a.name


def test_per_channel_quantization_is_read() -> None:
    g = load_tflite(real_model("ic"))
    w = g.weights(g.ops[0])
    assert w is not None and w.per_channel and len(w.scale) == 16 and w.dtype == "int8"
    assert g.bias(g.ops[0]).dtype == "int32"


def test_not_a_tflite_file() -> None:
    with pytest.raises(SpecError, match="expected a TFLite flatbuffer"):
        load_tflite(BAD / "not_tflite.tflite")


def test_truncated_file(tmp_path: Path) -> None:
    cut = tmp_path / "cut.tflite"
    cut.write_bytes(real_model("ic").read_bytes()[:20000])
    with pytest.raises(SpecError) as info:
        load_tflite(cut)
    assert "cut.tflite" in str(info.value) and "truncated" in str(info.value)


def test_op_without_cost_model_is_kept_unsupported_with_a_warning(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import workloads.tflite_import as imp
    monkeypatch.setattr(imp, "COSTED_OPS", imp.COSTED_OPS - {"SOFTMAX"})
    g = load_tflite(real_model("ic"))
    assert len(g.ops) == 16
    assert [o.op_type for o in g.ops if not o.supported] == ["SOFTMAX"]
    assert "SOFTMAX" in caplog.text and "unsupported" in caplog.text


def _one_op(op_type: str, inputs: dict[str, Tensor], attrs: dict | None = None) -> Graph:
    t = {**inputs, "y": Tensor(name="y", shape=(1, 8, 8, 16))}
    ops = [Op(name="op", index=0, op_type=op_type, inputs=tuple(inputs), outputs=("y",), attrs=attrs or {})]
    return Graph("one", ops, t, ["x"], ["y"])


def test_corrupt_operator_shapes_are_one_line_errors() -> None:
    from workloads.tflite_import import _check_shapes
    x = Tensor(name="x", shape=(1, 8, 8, 8))
    flat = _one_op("CONV_2D", {"x": x, "w": Tensor(name="w", shape=(16, 72), is_const=True)})
    with pytest.raises(SpecError, match=r"m.tflite: operators\[0\] \(CONV_2D\): weights: expected a 4-D tensor"):
        _check_shapes(flat, flat.ops[0], Path("m.tflite"))
    w = Tensor(name="w", shape=(16, 3, 3, 8), is_const=True)
    zero = _one_op("CONV_2D", {"x": x, "w": w}, {"stride_h": 0})
    with pytest.raises(SpecError, match="stride_h: expected a positive integer, got 0"):
        _check_shapes(zero, zero.ops[0], Path("m.tflite"))


def test_transpose_conv_takes_its_weights_after_the_output_shape() -> None:
    g = _one_op("TRANSPOSE_CONV", {"shape": Tensor(name="shape", shape=(4,), dtype="int32", is_const=True),
                                    "w": Tensor(name="w", shape=(16, 3, 3, 8), is_const=True),
                                    "x": Tensor(name="x", shape=(1, 4, 4, 8))}, {"stride_h": 2, "stride_w": 2})
    assert g.weights(g.ops[0]).name == "w" and g.bias(g.ops[0]) is None
    assert macs_of(g, g.ops[0]) == 8 * 8 * 16 * 8 * 3 * 3  # as a conv over the upsampled input
