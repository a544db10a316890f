"""SCALE-Sim topology CSVs (conv and GEMM forms) -> Graph, and one-line errors on bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.api import load_graph
from sim.cli import main
from sim.errors import SpecError
from sim.graph.loops import loops_of, macs_of
from workloads.scalesim_import import load_topology

CONV = """Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
Conv1, 224, 224, 3, 3, 3, 32, 2,
Conv2, 56, 56, 1, 1, 64, 128, 1,
"""


def write(tmp_path: Path, text: str, name: str = "topo.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_conv_form_with_trailing_commas(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path, CONV))
    assert [op.op_type for op in g.ops] == ["CONV_2D", "CONV_2D"]
    lp = loops_of(g, g.ops[0])
    # SCALE-Sim's output size: ceil((224 - 3 + 2) / 2) = 112 (ceiling, no padding)
    assert (lp.IH, lp.IW, lp.KH, lp.KW, lp.C, lp.K, lp.OH, lp.OW, lp.stride_h) == (224, 224, 3, 3, 3, 32, 112, 112, 2)
    assert macs_of(g, g.ops[1]) == 56 * 56 * 64 * 128
    assert g.ops[0].name.endswith("Conv1") and g.weight_bytes(g.ops[0]) == 32 * 3 * 3 * 3


def test_rows_without_trailing_commas_and_blank_lines(tmp_path: Path) -> None:
    text = "\n".join(line.rstrip(",") for line in CONV.splitlines()) + "\n\n"
    g = load_topology(write(tmp_path, text))
    assert len(g.ops) == 2 and loops_of(g, g.ops[1]).K == 128


def test_ceiling_adds_an_output_row_when_the_stride_does_not_divide(tmp_path: Path) -> None:
    g = load_topology(write(tmp_path, CONV.splitlines()[0] + "\nodd, 32, 32, 1, 1, 16, 32, 2,\n"))
    assert loops_of(g, g.ops[0]).OH == 17   # floor((32-1)/2)+1 would be 16


def test_dp_rows_split_per_channel(tmp_path: Path) -> None:
    g = load_topology(write(tmp_path, CONV.splitlines()[0] + "\nDP_dw, 10, 10, 3, 3, 4, 8, 1,\n"))
    assert [op.name.split(":")[-1] for op in g.ops] == [f"DP_dwChannel_{c}" for c in range(4)]
    assert all(loops_of(g, op).C == 1 and loops_of(g, op).K == 8 for op in g.ops)


def test_gemm_form(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path, "Layer, M, N, K,\nfc1, 64, 10, 256,\nqkv, 128, 384, 128,\n"))
    assert [op.op_type for op in g.ops] == ["FULLY_CONNECTED"] * 2
    lp = loops_of(g, g.ops[0])
    assert (lp.N, lp.K, lp.C) == (64, 10, 256) and macs_of(g, g.ops[0]) == 64 * 10 * 256


def test_dense_sparsity_column_is_accepted(tmp_path: Path) -> None:
    g = load_topology(write(tmp_path, "Layer, M, N, K, Sparsity,\nfc, 4, 4, 4, 2:2,\n"))
    assert len(g.ops) == 1


@pytest.mark.parametrize(("row", "message"), [
    ("Conv1, 224, 224, 3, x, 3, 32, 2,", "topo.csv: row 2, column 'Filter Width': expected a positive integer, got 'x'"),
    ("Conv1, 224, 224, 3, 3, 3, 0, 2,", "topo.csv: row 2, column 'Num Filter': expected a positive integer, got '0'"),
    ("Conv1, 224, 224, 3, 3, 3,", "topo.csv: row 2: expected 8 values (Layer name, IFMAP Height, IFMAP Width, "
     "Filter Height, Filter Width, Channels, Num Filter, Strides) and an optional N:M sparsity, got '6 values'"),
    ("Conv1, 2, 224, 3, 3, 3, 32, 1,", "topo.csv: row 2, column 'Filter Height': expected at most the IFMAP Height "
     "(2), got '3'"),
    ("Conv1, 8, 8, 3, 3, 3, 32, 1, 2:4,", "topo.csv: row 2, column 'Sparsity': expected a dense ratio N:N "
     "(sparse runs are not reproduced), got '2:4'"),
])
def test_bad_rows_give_one_line(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, CONV.splitlines()[0] + "\n" + row + "\n")
    with pytest.raises(SpecError) as err:
        load_topology(path)
    assert str(err.value) == f"{tmp_path}/{message}"


def test_bad_gemm_row_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"row 3, column 'K': expected a positive integer, got '-1'"):
        load_topology(write(tmp_path, "Layer, M, N, K,\nok, 1, 2, 3,\nbad, 1, 2, -1,\n"))
    with pytest.raises(SpecError, match="expected a header row and at least one layer row, got 'an empty file'"):
        load_topology(write(tmp_path, "\n", "empty.csv"))
    with pytest.raises(SpecError, match="expected at least one layer row after the header"):
        load_topology(write(tmp_path, CONV.splitlines()[0] + "\n", "header.csv"))


def test_cli_bad_row_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write(tmp_path, CONV.splitlines()[0] + "\nConv1, 224, 224, 3, 3, 3, 32, two,\n")
    assert main(["run", str(path), "--hw", "systolic-32x32"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("row 2, column 'Strides': expected a positive integer, got 'two'") and "\n" not in err
