"""edgesim's Helium instruction counts beside what the emulated Cortex-M55 executed, per routine.

Reads layers_m55.json (edgesim's counts per class for the MVE paths), iss_mve.csv and
iss_mve_functions.csv (the run),
sums both per model and routine, and writes compare_routines.csv, compare_layers.csv and
REPORT.md. The executed kinds (mve.py) are grouped into edgesim's classes:

  MAC     vmac + vmul + mac          LD_W    vldr_w + ld_w
  LD_ACT  vldr_act + ld_act + ld_sp  ST      vstr + st
  LOOP    loop + branch              REQ     vreq (instructions; edgesim counts requantised outputs)
  ALU     valu + vpred + vaddv + alu
(VMUL is in MAC: the depthwise kernels' `out += vmulq_s32(...)` compiles to VMUL + VADD, not VMLA.)

    .venv/bin/python validation/helium_iss/compare.py
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
GROUPS = {
    "mac": ("vmac", "vmul", "mac"), "ld_w": ("vldr_w", "ld_w"), "ld_act": ("vldr_act", "ld_act", "ld_sp"),
    "st": ("vstr", "st"), "loop": ("loop", "branch"), "req": ("vreq",),
    "alu": ("valu", "vpred", "vaddv", "alu"),
}
CLASSES = tuple(GROUPS)
MODELS = ("ad", "ic", "kws", "vww")


def load(layers: Path, iss: Path) -> list[dict[str, object]]:
    recs = {(r["model"], int(r["index"])): r for r in json.loads(layers.read_text())}
    rows = []
    for r in csv.DictReader(iss.open()):
        rec = recs[(r["model"], int(r["index"]))]
        row: dict[str, object] = {"model": r["model"], "index": int(r["index"]), "op_type": r["op_type"],
                                  "routine_edgesim": rec["routine"], "routine_ran": r["routine_ran"],
                                  "macs": int(r["macs"])}
        for cls, kinds in GROUPS.items():
            row[f"iss_{cls}"] = sum(int(r[k]) for k in kinds)
            row[f"edgesim_{cls}"] = int(rec[f"edgesim_{cls}"])
        for k in ("instructions", "vector", "scalar", "ld_sp", "vpred", "vaddv", "cycles_m55", "cycles_m55_serial"):
            row[k] = int(r[k])
        row["edgesim_instructions"] = sum(int(rec[f"edgesim_{c}"]) for c in CLASSES)
        row["edgesim_cycles_m55"] = float(rec["edgesim_cycles_m55"])
        rows.append(row)
    return rows


def by_routine(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    acc: dict[tuple[str, str], dict[str, object]] = {}
    for r in rows:
        key = (str(r["model"]), str(r["routine_ran"]))
        a = acc.setdefault(key, {"model": key[0], "routine": key[1], "layers": 0})
        a["layers"] = int(a["layers"]) + 1  # type: ignore[arg-type]
        for k, v in r.items():
            if k.startswith(("iss_", "edgesim_")) or k in ("macs", "instructions", "vector", "scalar", "ld_sp",
                                                           "vpred", "vaddv", "cycles_m55", "cycles_m55_serial"):
                if k == "edgesim_cycles_m55" or not isinstance(v, str):
                    a[k] = a.get(k, 0) + v  # type: ignore[operator]
    return [acc[k] for k in sorted(acc)]


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def table(head: list[str], body: list[list[object]]) -> list[str]:
    align = ["---" if i < 2 else "---:" for i in range(len(head))]
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |",
            *["| " + " | ".join(str(c) for c in row) + " |" for row in body]]


def functions_table(path: Path) -> list[str]:
    """Per routine and function, over all layers: instructions, cycles and the main kinds."""
    acc: dict[tuple[str, str], dict[str, int]] = {}
    for r in csv.DictReader(path.open()):
        a = acc.setdefault((r["routine_ran"], r["function"]), {})
        for k, v in r.items():
            if k not in ("model", "index", "routine_ran", "function"):
                a[k] = a.get(k, 0) + int(v)
    total = {}
    for (routine, _f), a in acc.items():
        total[routine] = total.get(routine, 0) + a["cycles_m55"]
    body = []
    for (routine, func), a in sorted(acc.items(), key=lambda kv: (kv[0][0], -kv[1]["cycles_m55"])):
        if a["instructions"] < 100:
            continue
        body.append([routine, func, f"{a['instructions']:,}", f"{a['cycles_m55']:,}",
                     f"{100 * a['cycles_m55'] / max(total[routine], 1):.0f}%",
                     f"{a['vmac'] + a['vmul'] + a['mac']:,}", f"{a['vldr_w'] + a['vldr_act']:,}", f"{a['vstr']:,}",
                     f"{a['vpred']:,}", f"{a['vreq']:,}", f"{a['valu'] + a['vaddv']:,}", f"{a['ld_sp']:,}",
                     f"{a['alu'] + a['ld_act'] + a['st'] + a['branch'] + a['loop'] + a['ld_w']:,}"])
    return table(["routine", "function", "instructions", "cycles model", "of routine", "MAC (VMLADAV/VMUL)",
                  "VLDR", "VSTR", "predication", "requant", "other vector", "loads off SP", "other scalar"], body)


def report(rows: list[dict[str, object]], routines: list[dict[str, object]], functions: Path) -> str:
    match = sum(1 for r in rows if r["routine_ran"] == r["routine_edgesim"])
    out = ["# Helium (MVE) CMSIS-NN on an emulated Cortex-M55: executed vs counted", "",
           "Generated by `compare.py` from `iss_mve.csv` (`run_mve.py`) and `layers_m55.json` (`layers_m55.py`).",
           f"All {len(rows)} layers' outputs match the NumPy reference; the routine that ran is the one edgesim "
           f"charges in {match} of {len(rows)}.", "",
           "## Instructions per routine", "",
           "`executed` is every instruction of the CMSIS-NN call; `counted` is the sum of edgesim's seven classes "
           "(helium=1). Cycles: `model` is m55_timing.block_cycles (beats overlap across MVE pipelines), "
           "`serial` without overlap, `edgesim` the counted classes times CORE_CPI['cortex-m55'].", ""]
    body = []
    for a in routines:
        body.append([a["model"], a["routine"], a["layers"], f"{a['macs']:,}", f"{a['instructions']:,}",
                     f"{a['edgesim_instructions']:,}", _ratio(a["instructions"], a["edgesim_instructions"]),  # type: ignore[arg-type]
                     f"{a['cycles_m55']:,}", f"{a['cycles_m55_serial']:,}", f"{a['edgesim_cycles_m55']:,.0f}",
                     _ratio(a["edgesim_cycles_m55"], a["cycles_m55"])])  # type: ignore[arg-type]
    out += table(["model", "routine", "layers", "MACs", "executed", "counted", "exec/count", "cycles model",
                  "cycles serial", "cycles edgesim", "edgesim/model"], body)
    out += ["", "## Class by class (executed / counted)", "",
            "Per routine over the four models. REQ: executed requantisation instructions (VQRDMULH, VRSHL, "
            "VSHL by vector ...) against edgesim's requantised outputs.", ""]
    per: dict[str, dict[str, float]] = {}
    for a in routines:
        p = per.setdefault(str(a["routine"]), {})
        for k, v in a.items():
            if isinstance(v, (int, float)) and k != "layers":
                p[k] = p.get(k, 0) + v
    body = []
    for routine, p in sorted(per.items()):
        body.append([routine, "", *[f"{int(p[f'iss_{c}']):,} / {int(p[f'edgesim_{c}']):,}" for c in CLASSES],
                     f"{int(p['ld_sp']):,}", f"{int(p['vpred']):,}"])
    out += table(["routine", "", *[c.upper() for c in CLASSES], "of LD_ACT: off SP", "of ALU: predication"], body)
    out += ["", "## Where the instructions go (all layers, per function)", "",
            "`predication`: VPST/VCTP/VPSEL and P0 moves; `other vector`: VADD, VMAX/VMIN, VDUP, VMOV, VADDV ...; "
            "`other scalar`: scalar ALU, loads and stores not off SP, branches, loop instructions; the columns "
            "partition `instructions`.", ""]
    out += functions_table(functions)
    out += ["", "## Whole models", ""]
    body = []
    for m in MODELS:
        sel = [a for a in routines if a["model"] == m]
        ins = sum(int(a["instructions"]) for a in sel)  # type: ignore[arg-type]
        cnt = sum(int(a["edgesim_instructions"]) for a in sel)  # type: ignore[arg-type]
        cyc = sum(int(a["cycles_m55"]) for a in sel)  # type: ignore[arg-type]
        ser = sum(int(a["cycles_m55_serial"]) for a in sel)  # type: ignore[arg-type]
        edg = sum(float(a["edgesim_cycles_m55"]) for a in sel)  # type: ignore[arg-type]
        body.append([m, "", f"{ins:,}", f"{cnt:,}", _ratio(ins, cnt), f"{cyc:,}", f"{ser:,}", f"{edg:,.0f}",
                     f"{(edg / cyc - 1) * 100:+.1f}%"])
    out += table(["model", "", "executed", "counted", "exec/count", "cycles model", "cycles serial",
                  "cycles edgesim", "edgesim vs model"], body)
    return "\n".join(out) + "\n"


def variants(base: Path) -> list[str]:
    """Whole-model instructions and modelled cycles of the other builds (iss_mve_<variant>.csv)
    against the main run."""
    def totals(path: Path) -> dict[str, tuple[int, int]]:
        acc: dict[str, list[int]] = {}
        for r in csv.DictReader(path.open()):
            a = acc.setdefault(r["model"], [0, 0])
            a[0] += int(r["instructions"])
            a[1] += int(r["cycles_m55"])
        return {m: (a[0], a[1]) for m, a in acc.items()}
    ref = totals(base)
    body = []
    for path in sorted(base.parent.glob(base.stem + "_*.csv")):
        name = path.stem.removeprefix(base.stem + "_")
        if name.endswith("functions") or name.startswith("synthetic"):
            continue
        compiler = next(csv.DictReader(path.open()))["compiler"]
        opt = next(csv.DictReader(path.open()))["opt"]
        got = totals(path)
        body.append([name, f"{compiler} {opt}", *[f"{got[m][0]:,} / {got[m][1]:,} ({got[m][1] / ref[m][1]:.2f})"
                                                   for m in MODELS]])
    if not body:
        return []
    return ["", "## Other builds (instructions / modelled cycles, and cycles relative to the main run)", "",
            *table(["build", "compiler", *MODELS], body)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=Path, default=HERE / "layers_m55.json")
    ap.add_argument("--iss", type=Path, default=HERE / "iss_mve.csv")
    args = ap.parse_args()
    rows = load(args.layers, args.iss)
    routines = by_routine(rows)
    for name, data in (("compare_layers.csv", rows), ("compare_routines.csv", routines)):
        with open(HERE / name, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(data[0]))
            w.writeheader()
            w.writerows(data)
    text = report(rows, routines, args.iss.with_name(args.iss.stem + "_functions.csv"))
    text += "\n".join(variants(args.iss)) + "\n"
    (HERE / "REPORT.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
