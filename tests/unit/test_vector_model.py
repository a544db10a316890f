"""Sanity of the CMSIS-NN cycle model: paths, memory effects, Helium, profiles."""

from __future__ import annotations

import numpy as np
import pytest

from sim.api import load_hardware, simulate
from sim.cost import vector_kernels as vk
from sim.cost.vector import CORE_CPI, load_profiles, op_work, power_validation, profile_named, profile_of
from sim.errors import SimError
from sim.spec.model import VECTOR_KERNELS
from workloads.builder import GraphBuilder


def _cycles(counts: np.ndarray, core: str = "cortex-m4") -> float:
    return float(counts[:7] @ np.array(CORE_CPI[core]))


def test_1x1_fast_path_is_cheaper_per_mac_than_the_generic_im2col_path() -> None:
    # on maps of >= ~100 pixels; on 6x6 and smaller maps the per-channel-pair input-offset
    # loop of arm_nn_mat_mult_nt_t_s8 can outweigh the im2col it saves
    for p, k, c in [(1024, 16, 16), (2304, 16, 8), (125, 64, 64), (144, 64, 32)]:
        fast = _cycles(vk.conv_counts(p, k, c, 1, 1, p, vk.FAST_1X1, 0))
        generic = _cycles(vk.conv_counts(p, k, c, 1, 1, p, vk.GENERIC, 0))
        assert fast < generic


def test_depthwise_3x3_fast_path_is_cheaper_than_the_generic_kernel() -> None:
    # 24x24 map, SAME padding: 70 in-bounds kernel positions per axis
    in_taps = vk.window_taps(24, 24, 3, 1, 1) ** 2
    fast = _cycles(vk.depthwise_counts(576, 32, 3, 3, 576 * 9, vk.FAST_3X3, 0))
    generic = _cycles(vk.depthwise_counts(576, 32, 3, 3, in_taps, vk.GENERIC, 0))
    assert fast < generic


def _pool_and_depthwise(padding: str, size: int, kernel: int) -> list[np.ndarray]:
    """Counts of a max pool, an average pool and an arm_depthwise_conv_s8 layer (multiplier 2)."""
    b = GraphBuilder("w", (1, size, size, 8))
    x = b.maxpool(b.input, kernel=kernel, stride=1, padding=padding)
    x = b.avgpool(x, kernel=kernel, stride=1, padding=padding)
    x = b.dwconv(x, kernel=kernel, padding=padding, multiplier=2)
    g = b.build(x)
    hw = load_hardware("stm32l4r5")
    works = [op_work(g, op, hw, profile_of(hw, "cmsis-nn")) for op in g.ops]
    assert [w.routine for w in works] == ["arm_max_pool_s8", "arm_avgpool_s8", "arm_depthwise_conv_s8"]
    return [w.counts for w in works]


def test_valid_windows_charge_the_whole_window() -> None:
    """VALID windows lie inside the input: every tap is visited, as before in-bounds counting."""
    counts = _pool_and_depthwise("VALID", 9, 3)             # outputs 7x7, 5x5, 3x3
    np.testing.assert_array_equal(counts[0], vk.pool_counts(49, 8, 3, 3, 49 * 9, 1, vk.GENERIC, 0))
    np.testing.assert_array_equal(counts[1], vk.pool_counts(25, 8, 3, 3, 25 * 9, 0, vk.GENERIC, 0))
    np.testing.assert_array_equal(counts[2], vk.depthwise_counts(9, 16, 3, 3, 9 * 9, vk.GENERIC, 0))


def test_same_windows_larger_than_the_input_charge_only_in_bounds_taps() -> None:
    """A 7x7 window on a 3x3 SAME-padded input covers at most the 9 input pixels per output."""
    counts = _pool_and_depthwise("SAME", 3, 7)
    whole = [vk.pool_counts(9, 8, 7, 7, 9 * 49, 1, vk.GENERIC, 0),
             vk.pool_counts(9, 8, 7, 7, 9 * 49, 0, vk.GENERIC, 0),
             vk.depthwise_counts(9, 16, 7, 7, 9 * 49, vk.GENERIC, 0)]
    for got, full in zip(counts, whole, strict=True):
        assert got[vk.ACT_BYTES] < full[vk.ACT_BYTES]
        assert got[vk.LOOP] < full[vk.LOOP]
    assert counts[0][vk.ACT_BYTES] == 9 * 9 * 8                  # every output sees the whole 3x3 input
    assert counts[2][vk.MAC] == 9 * 9 * 16 < 9 * 49 * 16


def test_reference_kernels_are_slower_than_cmsis_nn() -> None:
    cmsis = simulate("mlperf-kws", "stm32l4r5").summary.iloc[0]
    ref = simulate("mlperf-kws", "stm32l4r5", overrides=["kernels=tflm-reference"]).summary.iloc[0]
    assert ref["latency_cycles"] > 2 * cmsis["latency_cycles"]


def test_flash_wait_states_raise_latency() -> None:
    zero = simulate("mlperf-ic", "stm32l4r5", overrides=["memories.flash.wait_states=0"]).summary.iloc[0]
    five = simulate("mlperf-ic", "stm32l4r5").summary.iloc[0]
    assert zero["stall_cycles"] == 0
    assert five["latency_cycles"] > zero["latency_cycles"]


def test_a_cache_that_holds_the_weight_slice_removes_most_flash_stalls() -> None:
    small = simulate("mlperf-ic", "stm32l4r5").summary.iloc[0]
    big = simulate("mlperf-ic", "stm32l4r5", overrides=["memories.flash.cache_bytes=65536"]).summary.iloc[0]
    assert big["stall_cycles"] < small["stall_cycles"] / 5


def test_helium_is_faster_than_the_dsp_extension_at_the_same_clock() -> None:
    helium = simulate("mlperf-vww", "ra8d1").summary.iloc[0]
    dsp = simulate("mlperf-vww", "ra8d1", overrides=["compute.core=cortex-m7"]).summary.iloc[0]
    assert helium["latency_cycles"] < dsp["latency_cycles"] / 2


def test_op_scale_multiplies_that_operator_type_only() -> None:
    base = simulate("mlperf-kws", "stm32u575").layers
    scaled = simulate("mlperf-kws", "stm32u575", overrides=["compute.op_scale.CONV_2D=2.0"]).layers
    conv = base["op_type"] == "CONV_2D"
    np.testing.assert_allclose(scaled.loc[conv, "compute_cycles"], 2 * base.loc[conv, "compute_cycles"], atol=1)
    assert (scaled.loc[~conv, "compute_cycles"] == base.loc[~conv, "compute_cycles"]).all()


def test_layer_costs_follow_the_contract_and_reshape_is_free() -> None:
    r = simulate("mlperf-ic", "stm32h7a3")
    assert set(r.layers["unit"]) == {"cpu"} and set(r.layers["cost_model"]) == {"cmsis-nn"}
    reshape = r.layers[r.layers["op_type"] == "RESHAPE"]
    assert (reshape["latency_cycles"] == 0).all()
    conv = r.layers[r.layers["op_type"] == "CONV_2D"]
    assert (conv["scratch_bytes"] > 0).any()
    assert (conv["working_set_bytes"] >= conv["ifm_bytes"] + conv["ofm_bytes"]).all()
    assert all(c.tiles is not None for c in r.costs)
    assert r.summary["energy_uj"].iloc[0] > 0


def test_every_profile_in_the_yaml_says_where_it_came_from() -> None:
    profiles = load_profiles()
    assert set(VECTOR_KERNELS) <= set(profiles)        # every stack a spec may name has a profile
    assert {name.partition("@")[0] for name in profiles} <= set(VECTOR_KERNELS)
    assert all(p.source for p in profiles.values())


def test_channel_count_not_multiple_of_four_takes_the_generic_path() -> None:
    b = GraphBuilder("odd", (1, 8, 8, 6))
    g = b.build(b.conv(b.input, 8, 1))
    r = simulate(g, "stm32l4r5")
    assert r.layers["tiling"].iloc[0] == "arm_convolve_s8"


def test_board_current_adds_supply_times_current_over_the_latency_to_the_static_energy() -> None:
    base = simulate("mlperf-ad", "stm32l4r5", overrides=["board_current_ma=0"])
    board = simulate("mlperf-ad", "stm32l4r5", overrides=["board_current_ma=10"])
    seconds = float(base.summary["latency_cycles"].iloc[0]) / base.hardware.clock_hz
    extra_uj = 10.0 * base.hardware.supply_voltage_v * seconds * 1e3   # mA x V = mW; mW x s x 1e3 = uJ
    assert board.summary["latency_cycles"].iloc[0] == base.summary["latency_cycles"].iloc[0]
    assert np.isclose(board.summary["energy_uj"].iloc[0] - base.summary["energy_uj"].iloc[0], extra_uj, rtol=1e-6)
    assert np.isclose(board.layers["energy_static_pj"].sum() - base.layers["energy_static_pj"].sum(),
                      extra_uj * 1e6, rtol=1e-6)


def test_a_stack_pinned_to_a_release_uses_that_release_profile() -> None:
    """`kernels: x-cube-ai@10.2` prices with the profile fitted on that release's rows, which
    runs faster than the 7.3 stack profile (X-CUBE-AI sped up between the releases)."""
    profiles = load_profiles()
    assert "published_v1x.csv" in profiles["x-cube-ai@10.2"].source
    old = simulate("mlperf-vww", "stm32l4r5", overrides=["kernels=x-cube-ai"]).summary.iloc[0]
    new = simulate("mlperf-vww", "stm32l4r5", overrides=["kernels=x-cube-ai@10.2"]).summary.iloc[0]
    assert new["cost_model"] == "x-cube-ai@10.2"
    assert new["latency_cycles"] < old["latency_cycles"]


def test_an_unmeasured_release_is_a_one_line_error_listing_the_profiles() -> None:
    with pytest.raises(SimError, match=r"^stm32l4r5: kernels: expected one of .*x-cube-ai@10\.2.*got 'x-cube-ai@1\.0'$"):
        simulate("mlperf-ad", "stm32l4r5", overrides=["kernels=x-cube-ai@1.0"])


def test_a_release_spelled_with_its_patch_level_takes_the_major_minor_profile() -> None:
    """The results write X-CUBE-AI 10.2 as 10.2.0 and HALE 1.0 as its build 1.0.175."""
    assert profile_named("x-cube-ai@10.2.0") is load_profiles()["x-cube-ai@10.2"]
    assert profile_named("hale@1.0.175") is load_profiles()["hale@1.0"]
    assert profile_named("x-cube-ai@10.3.0") is None and profile_named("x-cube-ai@10") is None
    assert profile_named("x-cube-ai") is load_profiles()["x-cube-ai"]
    res = simulate("mlperf-kws", "stm32l4r5", overrides=["kernels=hale@1.0.175"]).summary.iloc[0]
    assert res["cost_model"] == "hale@1.0"


def test_every_calibrated_profile_carries_the_error_its_validation_measured() -> None:
    """The figures `edgesim run` prints are those of the committed leave-one-board-out table
    (validation/mlperf_tiny/predictions.csv), so the two cannot drift apart."""
    import pandas as pd

    from tests.conftest import ROOT

    profiles = load_profiles()
    assert all(p.validation is not None for p in profiles.values() if p.calibrated)
    assert profiles["tflm-reference"].validation is None
    lobo = pd.read_csv(ROOT / "validation" / "mlperf_tiny" / "predictions.csv")
    for stack, rows in lobo.groupby("profile"):
        v = profiles[stack].validation
        assert (v.runs, v.boards) == (len(rows), rows["spec"].nunique())
        assert v.releases == ", ".join(sorted(rows["release"].astype(str).unique()))
        assert v.cores == ", ".join(sorted(rows["core"].str.strip().str.lower().unique()))
        assert v.median_abs_pct_error == pytest.approx(np.median(rows["abs_pct_error"]), abs=0.05)
        assert v.p90_abs_pct_error == pytest.approx(np.percentile(rows["abs_pct_error"], 90), abs=0.05)


def test_the_summary_reports_the_profile_error_only_where_one_validated_profile_priced_the_model() -> None:
    mcu = simulate("mlperf-ad", "stm32l4r5", overrides=["kernels=x-cube-ai@10.2"]).summary.iloc[0]
    v = load_profiles()["x-cube-ai@10.2"].validation
    assert (mcu["validated_median_error_pct"], mcu["validated_p90_error_pct"]) == \
        (v.median_abs_pct_error, v.p90_abs_pct_error)
    unscored = simulate("mlperf-ad", "stm32l4r5", overrides=["kernels=tflm-reference"]).summary.iloc[0]
    npu = simulate("mlperf-ad", "ethos-u55-128").summary.iloc[0]
    assert np.isnan(unscored["validated_median_error_pct"]) and np.isnan(npu["validated_p90_error_pct"])
    # the cmsis-nn runs measured M4 and M33 DSP code: they say nothing about Helium on an M85
    helium = simulate("mlperf-ad", "ra8d1", overrides=["kernels=cmsis-nn"]).summary.iloc[0]
    assert np.isnan(helium["validated_median_error_pct"])


def test_the_power_validation_is_the_committed_energy_tables() -> None:
    """The power error `edgesim run` prints under an MCU's energy is the leave-one-board-out
    power error of validation/mlperf_tiny/predictions.csv (energy at the measured latency)."""
    import pandas as pd

    from tests.conftest import ROOT

    v = power_validation()
    rows = pd.read_csv(ROOT / "validation" / "mlperf_tiny" / "predictions.csv").dropna(subset=["power_abs_pct_error"])
    assert (v.quantity, v.runs, v.boards) == ("power", len(rows), rows["spec"].nunique())
    assert v.parts == ", ".join(sorted(rows["spec"].unique()))
    assert v.median_abs_pct_error == pytest.approx(np.median(rows["power_abs_pct_error"]), abs=0.05)
    assert v.p90_abs_pct_error == pytest.approx(np.percentile(rows["power_abs_pct_error"], 90), abs=0.05)


def test_mcu_summaries_carry_the_power_error_and_say_when_the_board_was_not_measured() -> None:
    from sim.cli.run import summary_text

    v = power_validation()
    measured = simulate("mlperf-ad", "stm32l4r5")
    s = measured.summary.iloc[0]
    assert (s["validated_power_median_error_pct"], s["validated_power_p90_error_pct"]) == \
        (v.median_abs_pct_error, v.p90_abs_pct_error)
    text = summary_text(measured)
    assert f"power error median {v.median_abs_pct_error:.1f}%" in text and "not among them" not in text
    assert "stm32u385 was not among them" in summary_text(simulate("mlperf-ad", "stm32u385"))
    npu = simulate("mlperf-ad", "ethos-u55-128")
    assert np.isnan(npu.summary.iloc[0]["validated_power_median_error_pct"])
    assert "power error" not in summary_text(npu)
