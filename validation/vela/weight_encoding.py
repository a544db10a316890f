"""Check edgesim's Ethos-U weight-encoding sizes against Arm Vela.

For each MLPerf Tiny INT8 model, per weighted TFLite operator:
  - edgesim's encoded weight stream (`sim.cost.weight_encoding`, as the simulator uses it:
    one OFM depth range, OFM blocks of 16) against Vela's `weight_total_bytes` from the stored
    debug database (tests/golden/vela/, Vela 5.2.0, ethos-u55-128), and the model totals against
    Vela's `total_npu_encoded_weights`;
  - the same with the layout Vela chose for that layer (its OFM block depth and its OFM depth
    ranges, read from the debug database), which isolates the codec from the layout choice;
  - when validation/vela/.venv exists (bash validation/vela/setup.sh), Vela's own codec
    `ethosu.mlw_codec.encode` on edgesim's weight streams: a bit-count check of the codec model;
  - the flash bytes per layer (weights plus bias/scale records) against Vela's
    OffChipFlashWeights_read + OffChipFlashScales_read.

Writes validation/vela/weight_layers.csv, weight_totals.csv and WEIGHTS.md; with
--golden-codec also tests/golden/vela/mlw_codec_streams.npz (seeded synthetic streams and the
sizes Arm's codec gives them, which CI checks edgesim's codec model against).

Usage (from the repo root):
  .venv/bin/python validation/vela/weight_encoding.py [SHARED_DIR] [--golden-codec]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLDEN = ROOT / "tests" / "golden" / "vela"
MODELS = ("ic_resnet8_int8", "vww_mobilenetv1_025_int8", "kws_dscnn_int8", "ad_fc_autoencoder_int8")
VELA_PYTHON = HERE / ".venv" / "bin" / "python"


def codec_worker(streams_npz: str, out_json: str) -> None:
    """Run inside the Vela venv: byte length of ethosu.mlw_codec.encode for each stream, and of
    ethosu.mlw_codec.reorder_encode (Arm's reordering, then the codec) for each OHWI volume
    whose name carries its layout as `name|traversal|ofm_block_depth`."""
    from ethosu import mlw_codec
    data = np.load(streams_npz)
    sizes = {}
    for k in data.files:
        if "|" in k:
            _, order, block = k.split("|")
            enc, _ = mlw_codec.reorder_encode(8, 8, data[k].astype(np.int16), int(block), order == "depthwise",
                                              order == "part_kernel", 8, 8, 8)
            sizes[k] = len(enc)
        else:
            sizes[k] = len(mlw_codec.encode([int(x) for x in data[k]]))
    Path(out_json).write_text(json.dumps(sizes))


def codec_reference_streams(count: int = 48, seed: int = 2026) -> dict[str, np.ndarray]:
    """Seeded synthetic weight streams covering the codec's modes: uniform, Gaussian, sparse
    (zero runs), few distinct values (palettes), all zeros, and mixed halves (several sections)."""
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(count):
        n = int(rng.integers(1, 2500))
        kind = i % 6
        if kind == 0:
            s = rng.integers(-255, 256, n)
        elif kind == 1:
            s = np.round(rng.normal(0, rng.uniform(0.5, 40), n)).clip(-255, 255)
        elif kind == 2:
            s = np.where(rng.random(n) < rng.uniform(0.3, 0.99), 0, np.round(rng.normal(0, 10, n))).clip(-255, 255)
        elif kind == 3:
            s = rng.choice(rng.integers(-127, 128, int(rng.integers(1, 40))), n)
        elif kind == 4:
            s = np.zeros(n)
        else:
            s = np.concatenate([rng.choice(rng.integers(-20, 20, 5), n // 2),
                                np.round(rng.normal(0, 50, n - n // 2)).clip(-255, 255)])
        out[f"s{i:02d}"] = s.astype(np.int16)
    return out


def write_codec_golden() -> None:
    """tests/golden/vela/mlw_codec_streams.npz: the seeded streams with Arm's encoded sizes."""
    streams = codec_reference_streams()
    sizes = vela_codec_sizes(streams)
    if sizes is None:
        sys.exit("--golden-codec needs validation/vela/.venv (bash validation/vela/setup.sh)")
    np.savez_compressed(GOLDEN / "mlw_codec_streams.npz", **streams,
                        sizes=np.array([sizes[k] for k in sorted(streams)], dtype=np.int64))
    print(f"wrote {GOLDEN / 'mlw_codec_streams.npz'} ({len(streams)} streams)")


def vela_codec_sizes(streams: dict[str, np.ndarray]) -> dict[str, int] | None:
    if not VELA_PYTHON.is_file():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        npz, out = Path(tmp) / "streams.npz", Path(tmp) / "sizes.json"
        np.savez(npz, **streams)
        done = subprocess.run([str(VELA_PYTHON), __file__, "--codec-worker", str(npz), str(out)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"Vela codec run failed: {done.stderr[-500:]}", file=sys.stderr)
            return None
        return {k: int(v) for k, v in json.loads(out.read_text()).items()}


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    from sim.cost import weight_encoding as E
    from sim.profile.vela import read_debug_db, read_summary
    from workloads.tflite_import import load_tflite

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", default=os.environ.get("EDGESIM_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--golden-codec", action="store_true",
                    help="also write tests/golden/vela/mlw_codec_streams.npz (seeded streams, Arm's encoded sizes)")
    args = ap.parse_args(argv)
    if args.golden_codec:
        write_codec_golden()
    models_dir = Path(args.shared) / "models" / "mlperf_tiny"

    rows, streams = [], {}
    for name in MODELS:
        g = load_tflite(models_dir / f"{name}.tflite")
        tables = read_debug_db(GOLDEN / f"{name}_debug.xml.gz")
        perf, pdb, src = tables["perf"], tables["perf_debug"].set_index("id"), tables["source"].set_index("id")
        main_t = tables["perf_debug_main"].set_index("id")
        vela_ops = perf.assign(tflite_index=perf["source_id"].map(src["ext_key"]).astype(int))
        vela_ops = vela_ops[vela_ops["id"].map(pdb["weight_total_bytes"]).fillna(0) > 0]
        by_index = {int(r.tflite_index): int(r.id) for r in vela_ops.itertuples()}
        for op in g.ops:
            w = E.weights_ohwi(g, op)
            if w is None:
                continue
            order = E.traversal(E.ENCODED_OPS[op.op_type], w.shape[3], w.shape[1] * w.shape[2])
            stream = E.brick_stream(w, order)
            key = f"{name}:{op.index}"
            streams[key] = stream
            streams[f"{key}|{order}|{E.OFM_BLOCK_DEPTH}"] = w
            ours = E.encoded_stream_bytes(stream)
            row = {"model": name, "index": op.index, "op_type": op.op_type, "ohwi": "x".join(map(str, w.shape)),
                   "traversal": order, "raw_weight_bytes": int(w.size), "stream_values": int(stream.size),
                   "sim_encoded_bytes": ours, "sim_flash_bytes": ours + E.scale_bytes(w.shape[0])}
            vid = by_index.get(op.index)
            if vid is not None:
                d = pdb.loc[vid]
                block = int(main_t.loc[vid, "ofm_block_c"])
                cuts = [int(x) for x in str(d["ofm_depth_slices"]).split("|")]
                as_vela = sum(E.encoded_stream_bytes(E.brick_stream(w[a:b], order, ofm_block_depth=min(block, b - a)))
                              for a, b in zip(cuts[:-1], cuts[1:]))
                row.update({"vela_encoded_bytes": int(d["weight_total_bytes"]), "vela_ofm_block_depth": block,
                            "vela_depth_slices": str(d["ofm_depth_slices"]), "sim_encoded_vela_layout_bytes": as_vela,
                            "vela_flash_bytes": int(np.nan_to_num(d.get("OffChipFlashWeights_read", 0))
                                                    + np.nan_to_num(d.get("OffChipFlashScales_read", 0)))})
            rows.append(row)
    df = pd.DataFrame(rows)
    codec = vela_codec_sizes(streams)
    if codec is not None:
        df["vela_codec_bytes"] = [codec[f"{r.model}:{r.index}"] for r in df.itertuples()]
        df["vela_reorder_codec_bytes"] = [codec[f"{r.model}:{r.index}|{r.traversal}|{E.OFM_BLOCK_DEPTH}"]
                                          for r in df.itertuples()]
    df["encoded_diff_pct"] = (df["sim_encoded_bytes"] / df["vela_encoded_bytes"] - 1) * 100
    df["vela_layout_diff_pct"] = (df["sim_encoded_vela_layout_bytes"] / df["vela_encoded_bytes"] - 1) * 100
    df.to_csv(HERE / "weight_layers.csv", index=False, float_format="%.3f")

    tot = []
    for name in MODELS:
        d = df[df["model"] == name]
        s = read_summary(next(GOLDEN.glob(f"{name}_summary_*.csv")))
        t = {"model": name, "raw_weight_bytes": int(d["raw_weight_bytes"].sum()),
             "vela_original_weights": int(s["total_original_weights"]),
             "vela_encoded_weights": int(s["total_npu_encoded_weights"]),
             "sim_encoded_bytes": int(d["sim_encoded_bytes"].sum()),
             "sim_encoded_vela_layout_bytes": int(d["sim_encoded_vela_layout_bytes"].sum()),
             "sim_flash_bytes": int(d["sim_flash_bytes"].sum()), "vela_flash_bytes": int(d["vela_flash_bytes"].sum()),
             "layer_median_abs_diff_pct": float(d["encoded_diff_pct"].abs().median()),
             "layer_max_abs_diff_pct": float(d["encoded_diff_pct"].abs().max())}
        t["total_diff_pct"] = (t["sim_encoded_bytes"] / t["vela_encoded_weights"] - 1) * 100
        t["vela_layout_total_diff_pct"] = (t["sim_encoded_vela_layout_bytes"] / t["vela_encoded_weights"] - 1) * 100
        t["flash_diff_pct"] = (t["sim_flash_bytes"] / t["vela_flash_bytes"] - 1) * 100
        if codec is not None:
            t["layers_equal_to_vela_codec"] = f"{int((d['vela_codec_bytes'] == d['sim_encoded_bytes']).sum())}/{len(d)}"
            t["layers_equal_to_vela_reorder_encode"] = \
                f"{int((d['vela_reorder_codec_bytes'] == d['sim_encoded_bytes']).sum())}/{len(d)}"
        tot.append(t)
    totals = pd.DataFrame(tot)
    totals.to_csv(HERE / "weight_totals.csv", index=False, float_format="%.3f")
    (HERE / "WEIGHTS.md").write_text(report(totals, df, codec is not None))
    print(totals.to_string(index=False))
    return 0


def report(totals, layers, codec: bool) -> str:  # noqa: ANN001
    from datetime import datetime, timezone

    def table(df) -> str:  # noqa: ANN001
        cols = list(df.columns)
        out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in df.itertuples(index=False):
            out.append("| " + " | ".join(f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int)
                                         else str(v) for v in r) + " |")
        return "\n".join(out)

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    worst = layers.reindex(layers["encoded_diff_pct"].abs().sort_values(ascending=False).index).head(8)
    return "\n".join([
        "# Ethos-U weight encoding: edgesim vs Vela 5.2.0 (ethos-u55-128)", "",
        f"Generated by `python validation/vela/weight_encoding.py` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} "
        f"UTC at commit `{commit}`, against the Vela outputs stored in `tests/golden/vela/`.", "",
        "`sim_encoded_bytes`: edgesim's encoded weight streams as the simulator prices them (one OFM depth "
        "range per layer, OFM blocks of 16). `sim_encoded_vela_layout_bytes`: the same codec with the OFM "
        "block depth and depth ranges Vela chose per layer (read from its debug database). Vela's "
        "`total_npu_encoded_weights` excludes the 10-byte bias/scale records; the flash columns include them.", "",
        table(totals), "",
        *(["`layers_equal_to_vela_codec`: layers where Arm's own codec (`ethosu.mlw_codec.encode`, from "
           "validation/vela/.venv) gives exactly edgesim's byte count for the same weight stream; "
           "`layers_equal_to_vela_reorder_encode`: the same with Arm's reordering too "
           "(`ethosu.mlw_codec.reorder_encode` on the OHWI weights, same traversal and OFM block depth).", ""]
          if codec else
          ["Arm's codec was not available (no validation/vela/.venv), so the bit-exact codec check did not run.", ""]),
        "## Largest per-layer differences", "",
        table(worst[["model", "index", "op_type", "ohwi", "traversal", "vela_ofm_block_depth", "vela_depth_slices",
                     "sim_encoded_bytes", "sim_encoded_vela_layout_bytes", "vela_encoded_bytes",
                     "encoded_diff_pct"]]), "",
        "Every layer: `weight_layers.csv`.", ""])


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--codec-worker":
        codec_worker(sys.argv[2], sys.argv[3])
        raise SystemExit(0)
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
