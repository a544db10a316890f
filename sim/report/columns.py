"""Every output column, described once: name, dtype, unit, meaning.

The README's column tables are generated from these lists (`python -m sim.report.columns`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    dtype: str
    unit: str
    meaning: str


LAYER_COLUMNS = (
    Column("layer", "str", "", "operator name: index:OP_TYPE:output tensor"),
    Column("index", "int", "", "position in execution order"),
    Column("op_type", "category", "", "TFLite builtin operator name"),
    Column("unit", "category", "", "compute unit that runs it (npu or cpu)"),
    Column("cost_model", "category", "", "model that priced it (roofline, systolic, cmsis-nn, scalesim, ...)"),
    Column("macs", "int", "MAC", "multiply-accumulates"),
    Column("dataflow", "category", "", "ws, is, os for systolic arrays; - otherwise"),
    Column("tiling", "str", "", "chosen tile sizes over N OH OW K C KH KW"),
    Column("compute_cycles", "int", "cycles", "cycles the compute unit is busy"),
    Column("stall_cycles", "int", "cycles", "cycles waiting on memory beyond compute"),
    Column("latency_cycles", "int", "cycles", "compute_cycles + stall_cycles"),
    Column("latency_us", "float", "us", "latency_cycles at the spec clock"),
    Column("working_set_bytes", "int", "B", "bytes that must be resident while the layer runs"),
    Column("fits_scratchpad", "bool", "", "working set fits the scratchpad"),
    Column("ifm_bytes", "int", "B", "input activation bytes"),
    Column("weight_bytes", "int", "B", "weight and bias bytes"),
    Column("ofm_bytes", "int", "B", "output activation bytes"),
    Column("dram_read_bytes", "int", "B", "bytes read from off-chip memory (DRAM or flash)"),
    Column("dram_write_bytes", "int", "B", "bytes written to off-chip memory"),
    Column("sram_read_bytes", "int", "B", "bytes read from the scratchpad"),
    Column("sram_write_bytes", "int", "B", "bytes written to the scratchpad"),
    Column("energy_pj", "float", "pJ", "total energy of the layer"),
    Column("energy_compute_pj", "float", "pJ", "MAC / core dynamic energy"),
    Column("energy_memory_pj", "float", "pJ", "reads and writes at every memory level"),
    Column("energy_static_pj", "float", "pJ", "static power and leakage over the layer's latency"),
)

TRAFFIC_COLUMNS = (
    Column("layer", "str", "", "operator name"),
    Column("index", "int", "", "position in execution order"),
    Column("memory", "category", "", "memory level by spec name (dram, flash, sram, ...)"),
    Column("operand", "category", "", "ifm, weights or ofm"),
    Column("read_bytes", "int", "B", "bytes read from this level for this operand"),
    Column("write_bytes", "int", "B", "bytes written to this level for this operand"),
)

SUMMARY_COLUMNS = (
    Column("model", "str", "", "model name"),
    Column("hardware", "str", "", "hardware spec name"),
    Column("dataflow", "str", "", "requested dataflow (best = chosen per layer)"),
    Column("cost_model", "str", "", "cost models used, joined by +"),
    Column("layers", "int", "", "operators in the graph"),
    Column("macs", "int", "MAC", "total multiply-accumulates"),
    Column("compute_cycles", "int", "cycles", "sum over layers"),
    Column("stall_cycles", "int", "cycles", "sum over layers"),
    Column("latency_cycles", "int", "cycles", "end-to-end latency, sum over layers"),
    Column("latency_ms", "float", "ms", "latency_cycles at clock_hz"),
    Column("clock_hz", "float", "Hz", "spec clock"),
    Column("macs_per_cycle", "float", "MAC/cycle", "achieved throughput"),
    Column("utilization", "float", "", "macs_per_cycle over the unit's peak"),
    Column("peak_working_set_bytes", "int", "B", "largest per-layer working set"),
    Column("arena_bytes", "int", "B", "tensor arena planned for activations (greedy, TFLM-style)"),
    Column("weight_bytes", "int", "B", "constant bytes of all weights and biases"),
    Column("dram_read_bytes", "int", "B", "off-chip reads, sum over layers"),
    Column("dram_write_bytes", "int", "B", "off-chip writes, sum over layers"),
    Column("sram_read_bytes", "int", "B", "scratchpad reads, sum over layers"),
    Column("sram_write_bytes", "int", "B", "scratchpad writes, sum over layers"),
    Column("energy_uj", "float", "uJ", "energy per inference"),
)

PROFILE_COLUMNS = (  # ops.csv from `edgesim import-log` / `edgesim bench`
    Column("node", "int", "", "node index in the runtime's execution plan (run order position if the log has none)"),
    Column("op_type", "str", "", "node type as the log prints it (TFLite builtin or delegate name)"),
    Column("name", "str", "", "node name (its output tensors) without brackets and :index suffix"),
    Column("avg_us", "float", "us", "average time per inference of the regular runs (edgesim bench: median)"),
    Column("first_us", "float", "us", "time in the first regular run"),
    Column("pct", "float", "%", "share of the summed node time"),
    Column("cdf_pct", "float", "%", "cumulative share in run order"),
    Column("mem_kb", "float", "KB", "memory the profiler attributes to the node"),
    Column("times_called", "int", "", "calls per inference"),
    Column("start_ms", "float", "ms", "average start time within an inference (NaN when the log has no [start])"),
    Column("delegate", "bool", "", "node is a delegated partition (covers several operators)"),
    Column("subgraph", "int", "", "subgraph index (0 = primary graph)"),
    Column("source", "str", "", "where the numbers come from (log header, or host CPU for edgesim bench)"),
)

CROSSCHECK_COLUMNS = (  # crosscheck.csv from `edgesim crosscheck`
    Column("group", "int", "", "aligned group, in run order"),
    Column("log_node", "int", "", "measured node of the group"),
    Column("op_type", "str", "", "measured node type"),
    Column("sim_ops", "str", "", "simulated operator index or range i-j the node covers"),
    Column("sim_op_types", "str", "", "simulated operator types joined by +"),
    Column("fused", "bool", "", "group holds an operator that has no node of its own"),
    Column("delegate", "bool", "", "the node is a delegated partition"),
    Column("n_sim_ops", "int", "", "simulated operators in the group"),
    Column("predicted_us", "float", "us", "sum of the group's simulated latency_us"),
    Column("measured_us", "float", "us", "node avg_us"),
    Column("error_us", "float", "us", "predicted_us - measured_us"),
    Column("ape_pct", "float", "%", "absolute percentage error |predicted - measured| / measured"),
)


def markdown_table(columns: tuple[Column, ...]) -> str:
    rows = ["| column | unit | meaning |", "|---|---|---|"]
    rows += [f"| `{c.name}` | {c.unit or '-'} | {c.meaning} |" for c in columns]
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover - documentation helper
    for title, cols in (("layers.csv", LAYER_COLUMNS), ("traffic.csv", TRAFFIC_COLUMNS),
                        ("summary.csv", SUMMARY_COLUMNS), ("ops.csv", PROFILE_COLUMNS),
                        ("crosscheck.csv", CROSSCHECK_COLUMNS)):
        print(f"#### {title}\n\n{markdown_table(cols)}\n")
