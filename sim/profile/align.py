"""Line up measured nodes with simulated operators and score the prediction.

A measured node is matched to a simulated operator by node index when the log gives one
(`name:INDEX`, TFLite >= 2.4) and by position and operator type otherwise. The runtime
may fuse operators (a RESHAPE or an activation that never shows up as a node) and may
hand a contiguous run of operators to a delegate, which then shows up as one node: a
delegate node covers every simulated operator between the matched nodes around it, and
an operator with no node of its own is added to the group of the node before it (marked
`fused`). Each group compares one measured time with the sum of its operators' predicted
times.

Error metrics: absolute percentage error per group, |predicted - measured| / measured;
the same for the total; Spearman rank correlation of the per-group times (Pearson
correlation of their average ranks, ties sharing a rank), which says whether the model
orders operators the way the hardware does even when the scale is off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# Operators a runtime may run as part of a neighbour, or not at all (aliased reshapes).
FUSABLE_OPS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS", "QUANTIZE", "DEQUANTIZE", "RELU", "RELU6"})
# Runtimes name some operators differently from the converter's builtin: treat as equal.
SAME_OP = {"SQUEEZE": "RESHAPE"}

CROSSCHECK_COLUMNS = ("group", "log_node", "op_type", "sim_ops", "sim_op_types", "fused", "delegate",
                      "n_sim_ops", "predicted_us", "measured_us", "error_us", "ape_pct")


@dataclass(frozen=True)
class Scores:
    """Error metrics of one cross-check. Percentages are 0..100+, rho is -1..1."""

    groups: int
    mape_pct: float
    median_ape_pct: float
    total_predicted_us: float
    total_measured_us: float
    total_ape_pct: float
    spearman_rho: float
    unmatched_log_nodes: int
    unmatched_sim_ops: int

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _same(a: str, b: str) -> bool:
    return SAME_OP.get(a, a) == SAME_OP.get(b, b)


def align(sim: pd.DataFrame, ops: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    """Group simulated operators under measured nodes.

    sim: one row per simulated operator with `index`, `op_type`, `latency_us` (layers.csv).
    ops: one row per measured node in execution order with `node`, `op_type`, `avg_us`,
    `delegate` (ops.csv, primary subgraph). Returns the per-group frame and the positions of
    log nodes that matched nothing.
    """
    n = len(sim)
    sim_types = [str(t) for t in sim["op_type"]]
    indexed = bool(ops.attrs.get("indexed", False))
    # 1. anchor: which simulated op each non-delegate log node is.
    anchors: list[int | None] = []
    cursor = 0
    for _, row in ops.iterrows():
        if bool(row["delegate"]):
            anchors.append(None)
            continue
        t = str(row["op_type"])
        if indexed and 0 <= int(row["node"]) < n and _same(sim_types[int(row["node"])], t):
            anchors.append(int(row["node"]))
            cursor = int(row["node"]) + 1
            continue
        found = next((j for j in range(cursor, n) if _same(sim_types[j], t)), None)
        anchors.append(found)
        if found is not None:
            cursor = found + 1
    # 2. groups: anchored nodes own their op; delegates own the gap up to the next anchor;
    #    ops left over join the group before them (fused) or, at the start, the first group.
    owner = [-1] * n
    unmatched: list[int] = []
    for pos, a in enumerate(anchors):
        if a is not None:
            owner[a] = pos
    for pos, a in enumerate(anchors):
        if a is not None or not bool(ops.iloc[pos]["delegate"]):
            if a is None:
                unmatched.append(pos)
            continue
        prev = max((b for b in anchors[:pos] if b is not None), default=-1)
        nxt = min((b for b in anchors[pos + 1:] if b is not None), default=n)
        for j in range(prev + 1, nxt):
            if owner[j] == -1:
                owner[j] = pos
    fused = [False] * n
    last = next((o for o in owner if o != -1), -1)
    for j in range(n):
        if owner[j] == -1:
            owner[j] = last
            fused[j] = last != -1
        else:
            last = owner[j]
    lat = sim["latency_us"].to_numpy(dtype=float)
    idx = sim["index"].to_numpy()
    rows = []
    for pos in range(len(ops)):
        mine = [j for j in range(n) if owner[j] == pos]
        if not mine:
            continue
        r = ops.iloc[pos]
        pred = float(lat[mine].sum())
        meas = float(r["avg_us"])
        rows.append({
            "group": len(rows), "log_node": int(r["node"]), "op_type": str(r["op_type"]),
            "sim_ops": f"{idx[mine[0]]}" if len(mine) == 1 else f"{idx[mine[0]]}-{idx[mine[-1]]}",
            "sim_op_types": "+".join(sim_types[j] for j in mine),
            "fused": any(fused[j] for j in mine), "delegate": bool(r["delegate"]), "n_sim_ops": len(mine),
            "predicted_us": pred, "measured_us": meas, "error_us": pred - meas,
            "ape_pct": abs(pred - meas) / meas * 100.0 if meas > 0 else float("nan"),
        })
    if unmatched:
        log.warning("%d log node(s) match no simulated operator: %s", len(unmatched),
                    ", ".join(f"{ops.iloc[p]['op_type']}:{ops.iloc[p]['node']}" for p in unmatched[:5]))
    return pd.DataFrame(rows, columns=list(CROSSCHECK_COLUMNS)), unmatched


def spearman(a: np.ndarray | pd.Series, b: np.ndarray | pd.Series) -> float:
    """Spearman's rho: Pearson correlation of average ranks (ties share their mean rank)."""
    ra = pd.Series(np.asarray(a, dtype=float)).rank(method="average").to_numpy()
    rb = pd.Series(np.asarray(b, dtype=float)).rank(method="average").to_numpy()
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def score(groups: pd.DataFrame, unmatched_log: int = 0, unmatched_sim: int = 0) -> Scores:
    valid = groups[groups["measured_us"] > 0]
    tp, tm = float(groups["predicted_us"].sum()), float(groups["measured_us"].sum())
    return Scores(groups=len(groups), mape_pct=float(valid["ape_pct"].mean()) if len(valid) else float("nan"),
                  median_ape_pct=float(valid["ape_pct"].median()) if len(valid) else float("nan"),
                  total_predicted_us=tp, total_measured_us=tm,
                  total_ape_pct=abs(tp - tm) / tm * 100.0 if tm > 0 else float("nan"),
                  spearman_rho=spearman(valid["predicted_us"], valid["measured_us"]),
                  unmatched_log_nodes=unmatched_log, unmatched_sim_ops=unmatched_sim)
