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
    Column("scratch_bytes", "float", "B", "kernel scratch in the arena (CMSIS-NN im2col buffer); MCU model"),
    Column("mac_instructions", "float", "", "MAC instructions issued (SMLAD, VMLADAVA or MLA); MCU model"),
    Column("flash_stall_cycles", "float", "cycles", "wait states of weight reads missing the flash cache; MCU model"),
    # native systolic model (sim/cost/systolic.py); absent for other cost models
    Column("tiles", "float", "", "systolic: DMA tiles the chosen tiling moves (stripes for post-processing)"),
    Column("tilings_costed", "float", "", "systolic: legal tilings the search considered, over the dataflows tried"),
    Column("ifm_resident", "float", "", "systolic: 1 when the input activation is already on chip"),
    Column("ofm_resident", "float", "", "systolic: 1 when the output activation stays on chip for its consumers"),
    Column("dma_cycles", "float", "cycles", "systolic: DMA load plus store cycles (setup and bursts included)"),
    Column("array_utilization", "float", "", "systolic: macs / (compute_cycles x rows x cols)"),
    Column("weight_stream_bytes", "float", "B", "systolic with compute.weight_encoding: weight bytes one pass "
                                                "streams (Ethos-U encoded, bias/scale included; as stored when the "
                                                "graph holds no weight values)"),
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
    Column("arena_bytes", "int", "B", "tensor arena planned for activations and kernel scratch (TFLM greedy planner)"),
    Column("weight_bytes", "int", "B", "constant bytes of all weights and biases"),
    Column("weight_storage_bytes", "int", "B", "bytes the weights and biases take where they are stored, when that "
           "differs from weight_bytes: the Ethos-U encoded stream (compute.weight_encoding, a graph with weight "
           "values; as Vela stores it in flash) or sparse storage (non-zeros + bitmask); the fit check counts these "
           "(absent or empty: weight_bytes)"),
    Column("dram_read_bytes", "int", "B", "off-chip reads, sum over layers"),
    Column("dram_write_bytes", "int", "B", "off-chip writes, sum over layers"),
    Column("sram_read_bytes", "int", "B", "scratchpad reads, sum over layers"),
    Column("sram_write_bytes", "int", "B", "scratchpad writes, sum over layers"),
    Column("energy_uj", "float", "uJ", "energy per inference"),
    Column("persistent_bytes", "int", "B", "estimated TFLM persistent (tail) allocations, apart from arena_bytes"),
    Column("transforms", "str", "", "what-if transforms applied to the model, in order, joined by +"),
    Column("validated_median_error_pct", "float", "%", "median absolute latency error of the MCU kernels profile that "
           "priced the model, on measured runs of boards its fit left out (empty: not validated, or not one MCU profile)"),
    Column("validated_p90_error_pct", "float", "%", "90th percentile of the same errors"),
    Column("validated_power_median_error_pct", "float", "%", "MCU parts: median absolute error of the power model "
           "(energy at the measured latency) on MLPerf Tiny energy runs of boards its board current was not "
           "fitted on; energy adds the latency error (empty: not an MCU)"),
    Column("validated_power_p90_error_pct", "float", "%", "90th percentile of the same errors"),
    Column("fits_memory", "bool", "", "the tensor arena (with its persistent tail) and the weights fit the memories the "
           "runtime keeps them in (MCU: TCM or sram, and flash); false: the part cannot run the model as configured"),
    Column("memory_use", "str", "", "per memory level: bytes it must hold, of what it offers (its size less "
           "reserved_bytes), and what (arena, weights)"),
)

# Columns added by what-if transforms (sim/transforms) when the transform is applied.
TRANSFORM_LAYER_COLUMNS = (
    Column("delegate", "str", "", "partition: unit the op was assigned to (npu or cpu)"),
    Column("partition", "int", "", "partition: index of the op's partition in execution order"),
    Column("boundary_cycles", "int", "cycles", "partition: sync + copy cycles charged where a tensor crosses units"),
    Column("boundary_bytes", "int", "B", "partition: bytes of activations crossing into this op from the other unit"),
    Column("weight_storage_bytes", "int", "B", "sparse: stored weight bytes (non-zeros + bitmask) plus bias"),
    Column("recompute", "float", "", "cascade: rows computed over output rows (halo recompute factor, >= 1)"),
    Column("recompute_macs", "int", "MAC", "cascade: MACs spent recomputing halo rows"),
)
TRANSFORM_SUMMARY_COLUMNS = (
    Column("partitions", "int", "", "partition: runs of consecutive ops on one unit"),
    Column("cpu_ops", "int", "", "partition: ops that fall back to the CPU"),
    Column("cpu_latency_share", "float", "", "partition: share of latency spent on CPU ops and their boundaries"),
    Column("boundary_cycles", "int", "cycles", "partition: total sync + copy cycles at unit boundaries"),
    Column("fragmentation", "float", "", "partition: (partitions - 1) / (non-view ops - 1); 0 = one partition"),
    Column("recompute_macs", "int", "MAC", "cascade: total MACs spent recomputing halos"),
)

# results.csv of `edgesim sweep`: one row per design point and model.
SWEEP_COLUMNS = (
    Column("<PATH>", "any", "", "each --vary PATH, named exactly as given, holding the point's value"),
    Column("model", "str", "", "model as given to --model"),
    Column("point", "int", "", "index of the design point in the grid (row-major over --vary in order)"),
    Column("latency_ms", "float", "ms", "as in summary.csv"),
    Column("energy_uj", "float", "uJ", "as in summary.csv"),
    Column("peak_working_set_bytes", "int", "B", "as in summary.csv"),
    Column("dram_read_bytes", "int", "B", "as in summary.csv"),
    Column("dram_write_bytes", "int", "B", "as in summary.csv"),
    Column("latency_cycles", "int", "cycles", "as in summary.csv"),
    Column("arena_bytes", "int", "B", "as in summary.csv"),
    Column("utilization", "float", "", "as in summary.csv"),
    Column("cost_model", "str", "", "as in summary.csv"),
    Column("transforms", "str", "", "as in summary.csv"),
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


# --- edgesim jitter (event replay) ---------------------------------------------------------

RUN_COLUMNS = (
    Column("run", "int", "", "inference number, in release order"),
    Column("start_us", "float", "us", "release time from the first release"),
    Column("latency_cycles", "float", "cycles", "replayed latency at the nominal clock"),
    Column("latency_us", "float", "us", "replayed latency"),
    Column("energy_uj", "float", "uJ", "energy of the inference, all components"),
    Column("temperature_c", "float", "C",
           "junction temperature at the end of the inference (empty without a thermal model)"),
    Column("clock_scale", "float", "", "lowest DVFS clock scale during the inference (1 = nominal)"),
)

JITTER_SUMMARY_COLUMNS = (
    Column("model", "str", "", "model name"),
    Column("hardware", "str", "", "hardware spec name"),
    Column("scenario", "str", "", "scenario name"),
    Column("engine", "str", "", "replay path: fast (compiled) or simpy"),
    Column("seed", "int", "", "seed of the one random generator"),
    Column("runs", "int", "", "inferences replayed"),
    Column("analytic_us", "float", "us", "latency of `edgesim run` (sum of layer latencies)"),
    Column("mean_us", "float", "us", "mean replayed latency"),
    Column("p50_us", "float", "us", "median latency"),
    Column("p90_us", "float", "us", "90th percentile latency"),
    Column("p99_us", "float", "us", "99th percentile latency"),
    Column("p999_us", "float", "us", "99.9th percentile latency"),
    Column("max_us", "float", "us", "worst replayed latency"),
    Column("min_us", "float", "us", "best replayed latency"),
    Column("spread_pct", "float", "%", "(max - min) / mean latency"),
    Column("vs_analytic_pct", "float", "%", "(mean - analytic) / analytic latency"),
    Column("mean_energy_uj", "float", "uJ", "mean energy per inference"),
    Column("max_temperature_c", "float", "C", "hottest junction temperature seen (empty without a thermal model)"),
    Column("min_clock_scale", "float", "", "lowest DVFS clock scale seen"),
)

TAIL_COLUMNS = (
    Column("layer", "str", "", "operator name"),
    Column("index", "int", "", "position in execution order"),
    Column("op_type", "category", "", "TFLite builtin operator name"),
    Column("unit", "category", "", "npu or cpu"),
    Column("analytic_us", "float", "us", "the cost model's latency of the layer"),
    Column("mean_us", "float", "us", "mean replayed duration over all runs"),
    Column("p99_us", "float", "us", "99th percentile of the layer's duration"),
    Column("tail_mean_us", "float", "us", "mean duration in the runs at or above the p99 latency"),
    Column("tail_excess_us", "float", "us", "tail_mean_us - mean_us: what the layer adds in tail runs"),
    Column("tail_share_pct", "float", "%", "the layer's share of the summed tail excess"),
)

ENERGY_COLUMNS = (
    Column("component", "str", "", "compute (MACs), <memory>_read/_write, static (power x time), leakage"),
    Column("mean_uj", "float", "uJ", "mean energy per inference"),
    Column("p99_uj", "float", "uJ", "99th percentile over inferences"),
    Column("share_pct", "float", "%", "share of the mean total"),
)

DAQ_COLUMNS = (
    Column("rate_hz", "float", "Hz", "DAQ sampling rate"),
    Column("mode", "str", "", "average (integrating ADC over 1/rate) or point (instantaneous)"),
    Column("inferences", "int", "", "inferences in the sampled trace"),
    Column("samples", "int", "", "samples taken over the trace"),
    Column("samples_per_inference", "float", "", "mean samples whose timestamp falls in an inference"),
    Column("true_peak_mw", "float", "mW", "peak of the true power trace"),
    Column("daq_peak_mw", "float", "mW", "largest sample"),
    Column("peak_error_pct", "float", "%", "(daq - true) / true peak power"),
    Column("true_energy_uj", "float", "uJ", "mean true energy per inference"),
    Column("daq_energy_uj", "float", "uJ", "mean energy per inference from the samples"),
    Column("energy_error_pct", "float", "%", "bias of the mean energy per inference"),
    Column("energy_rms_error_pct", "float", "%", "RMS of the per-inference energy error"),
    Column("energy_max_error_pct", "float", "%", "worst per-inference energy error"),
)

STACK_COLUMNS = (  # `edgesim check --kernels [SPEC]`: the software-stack profiles and how far they were measured
    Column("kernels", "str", "", "profile name, the spec's `kernels` value (STACK or STACK@RELEASE)"),
    Column("family", "str", "", "kernel loops it is priced over: cmsis-nn or reference"),
    Column("code", "str", "", "`gcc` (GCC's code for CMSIS-NN's C and TFLM's reference C++, measured), "
                              "`gcc-cmsis-nn` (for CMSIS-NN's C only) or `counted` (the loops' own instructions)"),
    Column("calibrated", "bool", "", "parameters fitted on measurements (else uncalibrated defaults)"),
    Column("median_error_pct", "float", "%", "median absolute latency error on boards the fit did not see"),
    Column("p90_error_pct", "float", "%", "90th percentile of that error"),
    Column("runs", "int", "", "measured (board, model) runs scored (0: never measured)"),
    Column("boards", "int", "", "boards those runs measured"),
    Column("cores", "str", "", "cores those runs measured"),
    Column("releases", "str", "", "stack releases those runs measured"),
    Column("data", "str", "", "the measurements it was scored on"),
    Column("validated_on_core", "bool", "", "with SPEC: the runs measured the spec's core"),
)


def markdown_table(columns: tuple[Column, ...]) -> str:
    rows = ["| column | unit | meaning |", "|---|---|---|"]
    rows += [f"| `{c.name}` | {c.unit or '-'} | {c.meaning} |" for c in columns]
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover - documentation helper
    for title, cols in (("layers.csv", LAYER_COLUMNS), ("traffic.csv", TRAFFIC_COLUMNS),
                        ("summary.csv", SUMMARY_COLUMNS), ("ops.csv", PROFILE_COLUMNS),
                        ("crosscheck.csv", CROSSCHECK_COLUMNS), ("jitter runs.csv", RUN_COLUMNS),
                        ("jitter summary.csv", JITTER_SUMMARY_COLUMNS), ("jitter tail.csv", TAIL_COLUMNS),
                        ("jitter energy.csv", ENERGY_COLUMNS), ("jitter daq.csv", DAQ_COLUMNS),
                        ("check --kernels", STACK_COLUMNS)):
        print(f"#### {title}\n\n{markdown_table(cols)}\n")
