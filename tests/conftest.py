"""Shared fixtures: paths to ../shared material, tiny hardware and graph builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from sim.spec.load import load_hardware
from sim.spec.model import Dma, Hardware, Memory, SystolicArray, VectorUnit
from workloads.builder import GraphBuilder

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EDGESIM_SHARED", ROOT.parent / "shared"))
MODELS = SHARED / "models" / "mlperf_tiny"

# CI draws the same examples every run (a gate must not flip on a lucky draw); local runs
# keep exploring new ones, and what they find goes into an explicit @example.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REAL_MODELS = {
    "ic": ("ic_resnet8_int8.tflite", 16, 12_501_632),
    "vww": ("vww_mobilenetv1_025_int8.tflite", 31, 7_489_664),
    "kws": ("kws_dscnn_int8.tflite", 13, 2_656_768),
    "ad": ("ad_fc_autoencoder_int8.tflite", 10, 264_192),
}


def real_model(key: str) -> Path:
    path = MODELS / REAL_MODELS[key][0]
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


def tiny_systolic(rows: int = 4, cols: int = 4, sram: int = 64 * 1024, dram_bw: float = 4.0) -> Hardware:
    return Hardware(name="tiny-systolic", clock_hz=100e6,
                    compute=SystolicArray(rows=rows, cols=cols, mac_energy_pj=0.2),
                    memories=(Memory(name="dram", kind="dram", size_bytes=1 << 26, bandwidth_bytes_per_cycle=dram_bw,
                                     read_energy_pj_per_byte=64.0, write_energy_pj_per_byte=64.0),
                              Memory(name="sram", kind="sram", size_bytes=sram, bandwidth_bytes_per_cycle=16.0,
                                     read_energy_pj_per_byte=1.0, write_energy_pj_per_byte=1.0)),
                    dma=Dma(channels=1, setup_cycles=8), static_power_mw=1.0)


def tiny_mcu(sram: int = 256 * 1024) -> Hardware:
    return Hardware(name="tiny-mcu", clock_hz=100e6, kernels="cmsis-nn",
                    compute=VectorUnit(core="cortex-m4", macs_per_cycle={"int8": 2.0}),
                    memories=(Memory(name="flash", kind="flash", size_bytes=1 << 20, bandwidth_bytes_per_cycle=4.0),
                              Memory(name="sram", kind="sram", size_bytes=sram, bandwidth_bytes_per_cycle=4.0)),
                    active_power_mw=30.0)


def one_conv():
    """A single 3x3 convolution, 8 -> 16 channels on 12x12: the code-model tests' probe layer."""
    b = GraphBuilder("one-conv", (1, 12, 12, 8))
    return b.build(b.conv(b.input, 16, 3))


def core_cycles(g, spec: str, profile: str, code: str) -> float:
    """op_work's core cycles of `g`'s first operator on a bundled spec, under `profile` with its
    code model set to `code`."""
    import dataclasses

    from sim.cost.vector import op_work, profile_named

    base = profile_named(profile)
    assert base is not None
    return op_work(g, g.ops[0], load_hardware(spec), dataclasses.replace(base, code=code)).core_cycles


def tiny_cnn():
    b = GraphBuilder("tiny-cnn", (1, 16, 16, 3))
    x = b.conv(b.input, 8, 3, stride=2)
    x = b.dwconv(x, 3)
    x = b.conv(x, 16, 1)
    x = b.avgpool(x)
    x = b.reshape(x, (1, 16))
    return b.build(b.softmax(b.fc(x, 4)))


@pytest.fixture
def systolic_hw() -> Hardware:
    return tiny_systolic()


@pytest.fixture
def mcu_hw() -> Hardware:
    return tiny_mcu()


@pytest.fixture
def cnn():
    return tiny_cnn()


@pytest.fixture
def bundled():
    return load_hardware
