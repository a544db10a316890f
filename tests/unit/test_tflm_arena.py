"""The arena planner against the tflite-micro interpreter's measured plans (tests/golden)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.api import simulate
from sim.mapping.arena import (inplace_aliases, patch_peak_bytes, peak_live_bytes, persistent_bytes_estimate,
                               plan_arena)
from tests.conftest import MODELS
from workloads.tflite_import import load_tflite

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "tflm_arena.json").read_text())


def _graph(name: str):
    path = MODELS / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return load_tflite(path)


@pytest.mark.parametrize("name", sorted(GOLDEN["models"]))
def test_arena_equals_tflm_head(name: str) -> None:
    assert plan_arena(_graph(name)).arena_bytes == GOLDEN["models"][name]["head"]


@pytest.mark.parametrize("name", sorted(GOLDEN["models"]))
def test_persistent_estimate_within_five_percent_of_tflm_tail(name: str) -> None:
    tail = GOLDEN["models"][name]["tail"]
    assert abs(persistent_bytes_estimate(_graph(name)) - tail) <= 0.05 * tail


def test_simulate_reports_the_tflm_arena_for_reference_kernels_and_more_with_cmsis_scratch() -> None:
    name = "ic_resnet8_int8.tflite"
    g = _graph(name)
    ref = simulate(g, "stm32l4r5", overrides=["kernels=tflm-reference"]).summary.iloc[0]
    cmsis = simulate(g, "stm32l4r5").summary.iloc[0]
    assert ref["arena_bytes"] == GOLDEN["models"][name]["head"]
    assert cmsis["arena_bytes"] > ref["arena_bytes"]       # im2col buffers of arm_convolve_s8
    assert ref["persistent_bytes"] > 0


def test_whatifs_never_raise_the_peak_and_patching_lowers_vww() -> None:
    g = _graph("vww_mobilenetv1_025_int8.tflite")
    base = peak_live_bytes(g)
    assert peak_live_bytes(g, alias=inplace_aliases(g)) <= base
    assert patch_peak_bytes(g, patches=4, layers=3) < base
    assert patch_peak_bytes(g, patches=1, layers=3) == base


def test_memory_whatifs_api_reports_each_peak() -> None:
    from sim.api import memory_whatifs
    out = memory_whatifs(_graph("ic_resnet8_int8.tflite"), "stm32l4r5", patches=4, patch_layers=5)
    assert out["arena_bytes"] >= out["peak_live_bytes"]
    assert out["inplace_arena_bytes"] <= out["arena_bytes"]
    assert out["patch_peak_bytes"] < out["peak_live_bytes"]


def test_patching_keeps_a_residual_input_whole() -> None:
    # ResNet-8's first ADD (op 3) reads conv0's output: a 3-op stage cannot shrink it
    g = _graph("ic_resnet8_int8.tflite")
    assert patch_peak_bytes(g, patches=4, layers=3) == peak_live_bytes(g)
