"""SCALE-Sim topology CSVs -> `Graph`, so SCALE-Sim users can bring their inputs.

SCALE-Sim 3.0.0 (`scalesim/topology_utils.py`) reads two forms, both with a header row and,
by convention, a trailing comma on every row:

- conv: `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
  Num Filter, Strides,` — one stride for both directions, no padding (a padded layer is
  written with its padded IFMAP size);
- GEMM (`-i gemm`): `Layer, M, N, K,` — an MxK input times a KxN weight matrix, which
  SCALE-Sim runs as a conv over an M x K image with a 1 x K filter and N filters.

Both may carry a last `N:M` sparsity column; only dense (N == M) rows are accepted. Rows are
read as SCALE-Sim reads them: the output size is `ceil((IFMAP - Filter + Stride) / Stride)`,
which adds an output row when the stride does not divide (the extra window reads past the
edge), and a conv row whose name contains `DP` is split into one layer per channel, each
with one channel and all `Num Filter` filters. A topology has no connectivity: every layer
reads its own input tensor.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from sim.errors import SpecError
from sim.graph.ir import Graph, Op, Tensor

CONV_COLUMNS = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels",
                "Num Filter", "Strides")
GEMM_COLUMNS = ("Layer", "M", "N", "K")
_SCALE = (1.0 / 128,)


def scalesim_out_size(ifmap: int, filt: int, stride: int) -> int:
    """SCALE-Sim's output size (topology_utils.topo_calc_hyperparams), ceiling included."""
    return int(math.ceil((ifmap - filt + stride) / stride))


def _cells(line: str) -> list[str]:
    cells = [c.strip() for c in next(csv.reader([line]))]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _is_gemm(header: list[str]) -> bool:
    names = [h.strip().lower() for h in header]
    return len(names) in (4, 5) and names[1:4] == ["m", "n", "k"]


class _Builder:
    def __init__(self, name: str, source: str) -> None:
        self.name, self.source = name, source
        self.ops: list[Op] = []
        self.tensors: dict[str, Tensor] = {}
        self.inputs: list[str] = []
        self.outputs: list[str] = []

    def _unique(self, name: str) -> str:
        out, n = name, 1
        while out in self.tensors:
            n += 1
            out = f"{name}#{n}"
        return out

    def add(self, op_type: str, layer: str, ifm_shape: tuple[int, ...], w_shape: tuple[int, ...],
            ofm_shape: tuple[int, ...], **attrs: object) -> None:
        out = self._unique(layer)
        ifm = self._unique(f"{layer}:ifm")
        self.tensors[ifm] = Tensor(name=ifm, shape=ifm_shape, scale=_SCALE, zero_point=(0,))
        self.tensors[out] = Tensor(name=out, shape=ofm_shape, scale=_SCALE, zero_point=(0,))
        w = self._unique(f"{layer}:weights")
        self.tensors[w] = Tensor(name=w, shape=w_shape, is_const=True, scale=_SCALE, zero_point=(0,))
        i = len(self.ops)
        self.ops.append(Op(name=f"{i}:{op_type}:{out}", index=i, op_type=op_type, inputs=(ifm, w), outputs=(out,),
                           attrs={"fused_activation": "NONE", **attrs}))
        self.inputs.append(ifm)
        self.outputs.append(out)

    def build(self) -> Graph:
        return Graph(self.name, self.ops, self.tensors, self.inputs, self.outputs, source=self.source)


MAX_LAYER_MACS = 2**53  # beyond, int64 cycle and byte counts overflow once scaled (sim.spec.fields.MAX_MAGNITUDE)


def _positive(file: str, row: int, column: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise SpecError(file, f"row {row}, column '{column}'", "a positive integer", text)
    return value


def _dense(file: str, row: int, text: str) -> None:
    parts = text.split(":")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts) or parts[0].strip() != parts[1].strip():
        raise SpecError(file, f"row {row}, column 'Sparsity'", "a dense ratio N:N (sparse runs are not reproduced)",
                        text)


def load_topology(path: str | Path) -> Graph:
    """Read a SCALE-Sim conv or GEMM topology CSV (the form is told by its header)."""
    path = Path(path)
    file = str(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise SpecError(file, "", "a readable SCALE-Sim topology file", exc.strerror) from None
    except UnicodeDecodeError:
        raise SpecError(file, "", "a text SCALE-Sim topology CSV", "binary data") from None
    numbered = [(n, _cells(line)) for n, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise SpecError(file, "", "a header row and at least one layer row", "an empty file")
    header = numbered[0][1]
    gemm = _is_gemm(header)
    columns = GEMM_COLUMNS if gemm else CONV_COLUMNS
    if not gemm and len(header) < len(CONV_COLUMNS):
        raise SpecError(file, "row 1 (header)", f"the conv columns {', '.join(CONV_COLUMNS)} or the GEMM columns "
                        f"{', '.join(GEMM_COLUMNS)}", ", ".join(header))
    b = _Builder(path.stem, f"scalesim:{file}")
    for row, cells in numbered[1:]:
        if len(cells) < len(columns) or len(cells) > len(columns) + 1:
            raise SpecError(file, f"row {row}", f"{len(columns)} values ({', '.join(columns)}) and an optional "
                            "N:M sparsity", f"{len(cells)} values")
        if len(cells) == len(columns) + 1:
            _dense(file, row, cells[-1])
        name = cells[0]
        if not name:
            raise SpecError(file, f"row {row}, column '{columns[0]}'", "a layer name", "nothing")
        nums = [_positive(file, row, col, text) for col, text in zip(columns[1:], cells[1:len(columns)])]
        macs = nums[0] * nums[1] * nums[2] if gemm else nums[0] * nums[1] * nums[2] * nums[3] * nums[4] * nums[5]
        if macs > MAX_LAYER_MACS:  # an upper bound of the layer's MACs (stride 1); cycle counts are int64
            raise SpecError(file, f"row {row}", f"a layer of at most {MAX_LAYER_MACS:.4g} MACs", f"{macs:.4g}")
        if gemm:
            m, n, k = nums
            b.add("FULLY_CONNECTED", name, (m, k), (n, k), (m, n), scalesim_form="gemm")
            continue
        ih, iw, fh, fw, ch, nf, stride = nums
        if fh > ih:
            raise SpecError(file, f"row {row}, column 'Filter Height'", f"at most the IFMAP Height ({ih})", str(fh))
        if fw > iw:
            raise SpecError(file, f"row {row}, column 'Filter Width'", f"at most the IFMAP Width ({iw})", str(fw))
        oh, ow = scalesim_out_size(ih, fh, stride), scalesim_out_size(iw, fw, stride)
        attrs = {"stride_h": stride, "stride_w": stride, "dilation_h": 1, "dilation_w": 1, "padding": "VALID",
                 "scalesim_form": "conv"}
        if "DP" in name:  # topology_utils.load_arrays_conv: one single-channel layer per channel
            for c in range(ch):
                b.add("CONV_2D", f"{name}Channel_{c}", (1, ih, iw, 1), (nf, fh, fw, 1), (1, oh, ow, nf), **attrs)
        else:
            b.add("CONV_2D", name, (1, ih, iw, ch), (nf, fh, fw, ch), (1, oh, ow, nf), **attrs)
    if not b.ops:
        raise SpecError(file, "", "at least one layer row after the header", "none")
    return b.build()
