"""SCALE-Sim `.cfg` files load as hardware (`--hw path/to/scale.cfg`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import SpecError
from sim.spec.load import load_hardware

# configs/scale.cfg of scale-sim-v3 (no [layout]/[sparsity] sections, odd spacing)
SCALE_CFG = """[general]
run_name = scale_example_run_32x32_ws

[architecture_presets]
ArrayHeight:    32
ArrayWidth:     32
IfmapSramSzkB:   64 
FilterSramSzkB:  64 
OfmapSramSzkB:   64 
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : 10
Dataflow : os
MemoryBanks:   1
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "scale.cfg"
    p.write_text(text)
    return p


def test_scale_cfg_maps_onto_the_schema(tmp_path: Path) -> None:
    hw = load_hardware(write(tmp_path, SCALE_CFG))
    c = hw.compute
    assert hw.name == "scale_example_run_32x32_ws" and hw.is_systolic
    assert (c.rows, c.cols, c.dataflows[0]) == (32, 32, "os")
    assert (c.ifmap_sram_bytes, c.filter_sram_bytes, c.ofmap_sram_bytes) == (65536, 65536, 65536)
    assert hw.scratchpad.name == "sram" and hw.scratchpad.size_bytes == 3 * 65536
    assert hw.offchip.name == "dram" and not hw.offchip.bandwidth_limited
    assert hw.dma.max_outstanding == 512


def test_user_bandwidth_and_layout_section(tmp_path: Path) -> None:
    text = SCALE_CFG.replace("InterfaceBandwidth: CALC", "InterfaceBandwidth: USER").replace("Bandwidth : 10", "Bandwidth : 4")
    text += "\n[layout]\nIfmapCustomLayout: False\nIfmapSRAMBankBandwidth: 20\nIfmapSRAMBankNum: 10\n"
    hw = load_hardware(write(tmp_path, text))
    assert hw.offchip.bandwidth_limited and hw.offchip.bandwidth_bytes_per_cycle == 4.0
    assert hw.compute.ifmap_fill_bytes_per_cycle == 20.0 and hw.compute.filter_fill_bytes_per_cycle == 10.0


def test_overrides_apply_to_cfg_specs(tmp_path: Path) -> None:
    hw = load_hardware(write(tmp_path, SCALE_CFG), ["compute.rows=16", "clock_hz=5e8"])
    assert hw.compute.rows == 16 and hw.clock_hz == 5e8


@pytest.mark.parametrize(("edit", "message"), [
    (("ArrayHeight:    32", "ArrayHeight: 0"), "architecture_presets.ArrayHeight: expected a positive integer, got '0'"),
    (("Dataflow : os", "Dataflow : rs"), "architecture_presets.Dataflow: expected one of ws, is, os, got 'rs'"),
    (("Dataflow : os", ""), "architecture_presets.Dataflow: expected a value, got 'nothing'"),
    (("MemoryBanks:   1", "MemoryBank: 1"), "architecture_presets.memorybank: expected one of the keys ArrayHeight, "),
    (("InterfaceBandwidth: CALC", "InterfaceBandwidth: FAST"), "run_presets.InterfaceBandwidth: expected one of CALC, "
     "USER, got 'FAST'"),
    (("[general]", "[generals]"), "[generals]: expected one of the sections general, "),
])
def test_bad_cfg_gives_one_line(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    with pytest.raises(SpecError) as err:
        load_hardware(write(tmp_path, SCALE_CFG.replace(*edit)))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_sparse_configs_are_refused(tmp_path: Path) -> None:
    text = SCALE_CFG + "\n[sparsity]\nSparsitySupport : true\n"
    with pytest.raises(SpecError, match="sparsity.SparsitySupport: expected False"):
        load_hardware(write(tmp_path, text))


def test_cli_check_and_missing_cfg(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["check", str(write(tmp_path, SCALE_CFG))]) == 0
    assert "ifmap_sram_bytes: 65536" in capsys.readouterr().out
    assert main(["check", "nowhere.cfg"]) == 2
    assert "nowhere.cfg: expected an existing hardware spec file" in capsys.readouterr().err
