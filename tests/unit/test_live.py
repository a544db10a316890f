"""Live LiteRT runs on this machine's CPU (skipped when ai-edge-litert is not installed)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main
from sim.errors import SimError
from sim.profile.live import bench, cut_models, litert_available
from tests.conftest import real_model

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(not litert_available(), reason="ai-edge-litert not installed")]


def test_bench_smallest_mlperf_tiny_model(tmp_path, capsys):
    path = real_model("ad")
    assert main(["bench", str(path), "--runs", "5", "--warmup", "1", "--out", str(tmp_path)]) == 0
    ops = pd.read_csv(tmp_path / "ops.csv")
    assert len(ops) == 10 and set(ops["op_type"]) == {"FULLY_CONNECTED"}
    assert list(ops["node"]) == list(range(10))
    # a 1,024-MAC layer can time at or below the subtracted invoke overhead on a busy host
    assert (ops["avg_us"] >= 0).all()
    assert ops.loc[[0, 9], "avg_us"].gt(0).all()  # the two 81,920-MAC layers are measurable
    assert ops["source"].iloc[0].startswith("host CPU")
    assert len(pd.read_csv(tmp_path / "latency.csv")) == 5
    assert "host CPU" in capsys.readouterr().out
    # the bench output cross-checks like an imported log
    assert main(["crosscheck", str(path), "--hw", "host", "--log", str(tmp_path / "ops.csv")]) == 0


def test_cut_models_keep_every_op():
    data = real_model("kws").read_bytes()
    cuts = cut_models(data)
    assert [c[1] for c in cuts][:2] == ["CONV_2D", "DEPTHWISE_CONV_2D"] and len(cuts) == 13


def test_bench_rejects_zoo_names():
    with pytest.raises(SimError, match="expected an existing .tflite file"):
        bench("mobilenet-v2", runs=1)
