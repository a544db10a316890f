"""Fits of arm_max_pool_s8 and of arm_depthwise_conv_s8's two paths alone, split by how much of
their windows lies in padding.

edgesim counts only the in-bounds taps of each window for these routines (and arm_avgpool_s8),
as CMSIS-NN clamps every window to the input. This refits (fit_code_model's fit, nothing
written) each routine on all its synthetic layers, on those whose windows lie partly in padding
and on those wholly inside the input, and prints the training errors. A row that fits the padded
and unpadded layers alike counts the padding right.

    python validation/cmsis_nn_iss/padded_windows.py
"""

from __future__ import annotations

import pandas as pd

from fit_code_model import HERE, errors, fit, load, predict

ROUTINES = ("arm_max_pool_s8", "arm_depthwise_conv_s8", "arm_depthwise_conv_s8 (mult_4)")


def in_bounds(rec: pd.Series) -> float:
    """Fraction of the taps of all output windows that fall inside the input."""
    _, ih, iw, _ = rec["input_nhwc"]
    _, oh, ow, _ = rec["output_nhwc"]
    (sh, sw), (ph, pw) = rec["stride"], rec["pad"]
    rows = [sum(0 <= y * sh - ph + k < ih for k in range(rec["KH"])) for y in range(oh)]
    cols = [sum(0 <= x * sw - pw + k < iw for k in range(rec["KW"])) for x in range(ow)]
    return sum(rows) * sum(cols) / (oh * ow * rec["KH"] * rec["KW"])


def main() -> None:
    df = load(HERE / "synthetic_layers.json", HERE / "iss_synthetic.csv")
    for routine in ROUTINES:
        g = df[df["routine"] == routine].copy()
        g["in_bounds"] = g.apply(in_bounds, axis=1)
        padded = g["in_bounds"] < 1
        print(f"{routine}: {int(padded.sum())} of {len(g)} layers with windows partly in padding")
        subsets = {"all layers": g, "windows partly in padding": g[padded], "windows inside": g[~padded]}
        for name, sub in subsets.items():
            if sub.empty:
                continue
            sub = sub.copy()
            table = fit(sub, skip={})
            sub["predicted"] = predict(sub, table)
            e = errors(sub, "routine").iloc[0]
            print(f"  {name:27} {len(sub):3d} layers  loop_body {table[routine]['loop_body']:7.4f}"
                  f"  epilogue_cycles {table[routine]['epilogue_cycles']:8.4f}"
                  f"  median {e['median_abs_pct_error']:5.1f}%  max {e['max_abs_pct_error']:6.1f}%"
                  f"  total {e['total_pct_error']:+6.1f}%")


if __name__ == "__main__":
    main()
