"""How much of edgesim's max-pool and arm_depthwise_conv_s8 error is windows lying in padding.

edgesim counts the whole KH x KW window for every output; arm_max_pool_s8 and
arm_depthwise_conv_s8 visit only the window's in-bounds taps. This refits (fit_code_model's fit,
nothing written) the two routines on the synthetic layers whose windows are at least half in
bounds, and arm_depthwise_conv_s8 per code path (multiplier a multiple of 4: the mult_4 loop),
and prints the training errors beside those of the fit on all layers (FIT.md).

    python validation/cmsis_nn_iss/padded_windows.py
"""

from __future__ import annotations

import pandas as pd

from fit_code_model import HERE, errors, fit, load, predict

ROUTINES = ("arm_max_pool_s8", "arm_depthwise_conv_s8")


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
        half = g["in_bounds"] >= 0.5
        print(f"{routine}: {int((~half).sum())} layers with windows less than half in bounds "
              f"(indices {g.loc[~half, 'index'].tolist()})")
        subsets = {"all layers": g, "windows >= half in bounds": g[half]}
        if routine == "arm_depthwise_conv_s8":
            mult4 = g["depth_multiplier"] % 4 == 0
            subsets |= {"  multiplier % 4 == 0": g[half & mult4], "  multiplier % 4 != 0": g[half & ~mult4]}
        for name, sub in subsets.items():
            sub = sub.copy()
            table = fit(sub)
            sub["predicted"] = predict(sub, table)
            e = errors(sub, "routine").iloc[0]
            print(f"  {name:28} {len(sub):3d} layers  loop_body {table[routine]['loop_body']:7.4f}  epilogue_cycles {table[routine]['epilogue_cycles']:8.4f}"
                  f"  median {e['median_abs_pct_error']:5.1f}%  max {e['max_abs_pct_error']:6.1f}%"
                  f"  total {e['total_pct_error']:+6.1f}%")


if __name__ == "__main__":
    main()
