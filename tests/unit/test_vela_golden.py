"""The Vela output parser on stored Vela 5.2 outputs (tests/golden/vela), without Vela installed.

The stored files are Vela's own summary CSV, per-layer CSV and (gzipped) debug database for
the four MLPerf Tiny models; every check compares two things Vela wrote independently, or
Vela's view of the model with edgesim's TFLite importer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.api import load_graph, load_hardware, simulate
from sim.errors import SimError
from sim.profile.vela import (compare_layers, compare_totals, load_run, read_debug_db, read_per_layer,
                              read_summary, system_config_ini, vela_op_to_tflite)
from tests.conftest import REAL_MODELS, ROOT, real_model

GOLDEN = ROOT / "tests" / "golden" / "vela"
RUNS = {"ic": "ic_resnet8_int8", "vww": "vww_mobilenetv1_025_int8", "kws": "kws_dscnn_int8",
        "ad": "ad_fc_autoencoder_int8"}


@pytest.fixture(scope="module", params=sorted(RUNS))
def run(request: pytest.FixtureRequest):
    return request.param, load_run(GOLDEN, RUNS[request.param])


def test_per_layer_csv_sums_to_summary_totals(run) -> None:
    _, r = run
    pl, s = r.per_layer, r.summary
    assert pl["op_cycles"].sum() == s["cycles_total"]
    assert pl["npu_cycles"].sum() == s["cycles_npu"]
    assert pl["sram_access_cycles"].sum() == s["cycles_sram_access"]
    assert pl["offchip_flash_access_cycles"].sum() == s["cycles_off_chip_flash_access"]
    assert pl["macs"].sum() == s["nn_macs"]
    assert s["cycles_total"] / s["core_clock"] == pytest.approx(s["inference_time"], rel=1e-5)


def test_debug_db_bytes_sum_to_summary_totals(run) -> None:
    _, r = run
    v, s = r.layers, r.summary
    assert v["sram_read_bytes"].sum() + v["sram_write_bytes"].sum() == s["sram_total_bytes"]
    assert v["offchip_read_bytes"].sum() + v["offchip_write_bytes"].sum() == s["off_chip_flash_total_bytes"]
    assert v["offchip_read_bytes"].sum() == r.totals()["offchip_read_bytes"]
    # Weights stay in flash: every encoded weight byte is read from flash at least once.
    assert v["offchip_weight_read_bytes"].sum() >= s["total_npu_encoded_weights"]
    assert v["offchip_write_bytes"].sum() == 0


def test_debug_db_rows_are_the_per_layer_rows(run) -> None:
    _, r = run
    assert len(r.layers) == len(r.per_layer)
    assert r.layers["op_cycles"].tolist() == r.per_layer["op_cycles"].tolist()
    assert r.layers["name"].tolist() == r.per_layer["name"].tolist()
    # Staging usage is the live SRAM at each op; the arena Vela reports is at least its peak.
    assert 0 < r.layers["staging_bytes"].max() <= r.summary["sram_memory_used"] * 1024


def test_npu_cycle_parts(run) -> None:
    _, r = run
    v = r.layers
    # Vela's NPU cycles include the MAC cycles; ops with MACs have them and an OFM block.
    assert (v["mac_cycles"] <= v["npu_cycles"]).all()
    assert ((v["mac_cycles"] > 0) == (v["macs"] > 0)).all()
    assert (v.loc[v["macs"] > 0, "ofm_block"].str.count("x") == 2).all()


def test_every_vela_op_maps_to_a_tflite_op_of_the_same_type(run) -> None:
    key, r = run
    graph = load_graph(real_model(key))
    assert r.source_ops == REAL_MODELS[key][1] == len(graph.ops)
    v = r.layers
    assert v["tflite_index"].notna().all()
    for idx, ops in v.groupby("tflite_index"):
        assert set(ops["tflite_op"]) == {graph.ops[int(idx)].op_type}, idx
    # Fused activations are zero-cycle rows behind their producer; RESHAPE has no row at all.
    assert (v.loc[v["op"] == "Relu", "op_cycles"] == 0).all()
    reshapes = {i for i, op in enumerate(graph.ops) if op.op_type == "RESHAPE"}
    assert reshapes.isdisjoint(set(v["tflite_index"].astype(int)))


def test_vela_macs_equal_edgesim_macs_for_conv_and_fc(run) -> None:
    key, r = run
    sim = simulate(real_model(key), "ethos-u55-128").layers.set_index("index")
    v = r.layers.groupby("tflite_index")["macs"].sum()
    for idx, op_type in sim["op_type"].items():
        if op_type in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            assert v[idx] == sim.loc[idx, "macs"], (idx, op_type)


def test_op_counts() -> None:
    counts = {k: (len(load_run(GOLDEN, n).layers), load_run(GOLDEN, n).source_ops) for k, n in RUNS.items()}
    # Vela ops per model / TFLite ops: activations fuse into rows of their own, SOFTMAX expands.
    assert {k: c[1] for k, c in counts.items()} == {k: v[1] for k, v in REAL_MODELS.items()}
    assert all(c[0] > c[1] for k, c in counts.items() if k != "ad")
    ad = load_run(GOLDEN, RUNS["ad"]).layers
    assert set(ad["tflite_op"]) == {"FULLY_CONNECTED"} and ad["tflite_index"].nunique() == 10


def test_compare_layers_covers_every_tflite_op_and_keeps_totals(run) -> None:
    key, r = run
    sim = simulate(real_model(key), "ethos-u55-128")
    layers = compare_layers(r, sim.layers)
    assert layers["index"].tolist() == list(range(REAL_MODELS[key][1]))
    assert layers["type_match"].all()
    assert layers["vela_cycles"].sum() == r.summary["cycles_total"]
    assert layers["sim_cycles"].sum() == sim.summary["latency_cycles"].iloc[0]
    assert layers.loc[layers["op_type"] == "RESHAPE", "fused"].all()
    totals = compare_totals(r, layers, sim.summary)
    assert totals["vela_cycles"] == r.summary["cycles_total"]
    expected = abs(totals["sim_cycles"] - totals["vela_cycles"]) / totals["vela_cycles"] * 100
    assert totals["cycles_ape_pct"] == pytest.approx(expected)
    assert -1.0 <= totals["layer_cycles_spearman"] <= 1.0


def test_system_config_mirrors_the_spec() -> None:
    hw = load_hardware("ethos-u55-128")
    ini = dict(line.split("=", 1) for line in system_config_ini(hw).splitlines() if "=" in line)
    assert float(ini["core_clock"]) == hw.clock_hz
    flash, sram = hw.memory("flash"), hw.memory("sram")
    assert float(ini["OffChipFlash_clock_scale"]) * 8 == flash.bandwidth_bytes_per_cycle
    assert float(ini["Sram_clock_scale"]) * 8 == sram.bandwidth_bytes_per_cycle
    assert int(ini["OffChipFlash_read_latency"]) == flash.read_latency_cycles
    assert int(ini["OffChipFlash_burst_length"]) == flash.burst_bytes
    assert int(ini["arena_cache_size"]) == sram.size_bytes



def test_stored_outputs_used_the_stored_config(run) -> None:
    _, r = run
    ini = dict(line.split("=", 1) for line in (GOLDEN / "vela.ini").read_text().splitlines() if "=" in line)
    assert r.summary["core_clock"] == float(ini["core_clock"])
    assert r.summary["system_config"] == r.summary["memory_mode"] == "Ethos_U55_edgesim"
    assert r.summary["accelerator_configuration"] == "Ethos_U55_128"
    assert r.summary["weights_storage_area"] == "Off-chip Flash" and r.summary["feature_map_storage_area"] == "SRAM"


def test_vela_op_names() -> None:
    assert vela_op_to_tflite("DepthwiseConv2D") == "DEPTHWISE_CONV_2D"
    assert vela_op_to_tflite("AvgPool") == "AVERAGE_POOL_2D"
    assert vela_op_to_tflite("FullyConnected") == "FULLY_CONNECTED"
    assert vela_op_to_tflite("Softmax") == "SOFTMAX"


def test_wrong_files_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(SimError, match="summary CSV"):
        read_summary(bad)
    with pytest.raises(SimError, match="per-layer CSV"):
        read_per_layer(bad)
    xml = tmp_path / "x_debug.xml"
    xml.write_text('<debug><table name="perf">\n<![CDATA[\n"id"\n1\n]]>\n</table></debug>')
    with pytest.raises(SimError, match="perf_debug"):
        read_debug_db(xml)
    with pytest.raises(SimError, match="expected"):
        load_run(tmp_path, "nothing")
