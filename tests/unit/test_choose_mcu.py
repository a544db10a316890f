"""scripts/choose_mcu.py: every Cortex-M part x stack, the measured-error band, the fit verdict."""

from __future__ import annotations

import importlib.util

import numpy as np

from tests.conftest import ROOT


def _script():
    spec = importlib.util.spec_from_file_location("choose_mcu", ROOT / "scripts" / "choose_mcu.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_table_prices_each_part_and_stack_with_its_band_and_fit() -> None:
    mod = _script()
    df = mod.table("mlperf-kws", ["cmsis-nn", "x-cube-ai@10.2"])
    assert set(df["part"]) == set(mod.mcu_parts()) and "ethos-u55-128" not in set(df["part"])
    assert not ((df["kernels"] == "x-cube-ai@10.2") & ~df["part"].str.startswith("stm32")).any()
    banded = df.dropna(subset=["validated_p90_error_pct"])
    assert len(banded) and np.allclose(banded["latency_high_ms"] / banded["latency_ms"] - 1,
                                       banded["validated_p90_error_pct"] / 100)
    # an M85 was never measured under these profiles: no band rather than a borrowed one
    assert df.loc[df["core"] == "cortex-m85", "latency_low_ms"].isna().all()
    assert df["fits_memory"].all() and df["latency_ms"].is_monotonic_increasing
