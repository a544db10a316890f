"""`edgesim run MODEL --hw SPEC`: simulate one inference, print a summary, write CSVs."""

from __future__ import annotations

import argparse

from sim.api import simulate
from sim.cli.common import Subparsers, add_hw_options, out_dir, print_frame, write_frames
from sim.cost.vector import code_measured, load_profiles, power_validation_of
from sim.schedule import DATAFLOW_CHOICES
from sim.spec.model import Hardware
from sim.transforms import parse_transforms


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("run", help="simulate a model on a part", description=__doc__)
    p.add_argument("model", help=".tflite file, SCALE-Sim topology .csv, or zoo name (e.g. mlperf-ic)")
    add_hw_options(p)
    p.add_argument("--dataflow", default="best", choices=DATAFLOW_CHOICES,
                   help="systolic dataflow; best chooses per layer (default)")
    p.add_argument("--compat", default=None, help="reproduce a peer simulator (e.g. scalesim)")
    p.add_argument("--objective", default="latency", help="what `best` minimises: latency, energy, dram")
    p.add_argument("--transform", action="append", default=[], metavar="NAME[:ARG][@LAYERS]", dest="transforms",
                   help="what-if transform, applied in order (repeatable): fuse, cascade[:STRIPES], prune:FRACTION, "
                        "sparse:FRACTION, quant:int8|int16|float32|weights-only, partition[:OP,OP]")
    p.add_argument("--out", default=None, help="directory for layers.csv, traffic.csv, summary.csv")
    p.add_argument("--format", default="table", choices=("table", "csv", "json"), help="stdout format")
    p.set_defaults(func=run)


def summary_text(res) -> str:  # noqa: ANN001 - SimResult
    s = res.summary.iloc[0]
    models = s["cost_model"]
    lines = [
        f"model      {s['model']}  ({s['layers']} ops, {s['macs']:,} MACs)",
        f"hardware   {s['hardware']}  ({s['clock_hz'] / 1e6:g} MHz)   cost model: {models}"
        + ("  [first estimate: peak compute vs bytes over bandwidth]" if models == "roofline" else ""),
        f"latency    {s['latency_ms']:.3f} ms  ({s['latency_cycles']:,} cycles; "
        f"{s['stall_cycles']:,} stall)   {s['macs_per_cycle']:.2f} MAC/cycle",
        f"memory     peak working set {s['peak_working_set_bytes'] / 1024:.1f} KiB, "
        f"arena {s['arena_bytes'] / 1024:.1f} KiB, weights {s['weight_bytes'] / 1024:.1f} KiB",
        f"fits       {'yes' if s['fits_memory'] else 'NO'}: {s['memory_use']}",
        f"traffic    {offchip_label(res.hardware)} read {s['dram_read_bytes'] / 1024:.1f} KiB, "
        f"write {s['dram_write_bytes'] / 1024:.1f} KiB",
        energy_text(float(s["energy_uj"])),
    ]
    power = power_text(res.hardware)
    if power:
        lines.append(f"           {power}")
    accuracy = accuracy_text(models, getattr(res.hardware.compute, "core", ""))
    if accuracy:
        lines.insert(3, f"accuracy   {accuracy}")
    if s.get("transforms", ""):
        lines.append(f"transforms {s['transforms']}")
    if "partitions" in s:
        lines.append(f"partitions {s['partitions']} ({s['cpu_ops']} ops on the CPU, "
                     f"{100 * s['cpu_latency_share']:.1f}% of latency incl. boundaries; "
                     f"fragmentation {s['fragmentation']:.2f})")
    return "\n".join(lines)


def offchip_label(hw: Hardware) -> str:
    """The level the `dram_*_bytes` columns count, by its spec name (dram, flash): an MCU's
    flash is on the die, so calling its reads "off-chip" misleads."""
    return hw.offchip.name if hw.offchip is not None else "off-chip"


def energy_text(energy_uj: float) -> str:
    """A spec with no energy or power figure prices every part at 0 pJ: say so rather than
    print 0.00 uJ as if it were a result."""
    if energy_uj > 0:
        return f"energy     {energy_uj:.2f} uJ per inference"
    return ("energy     not modelled: the spec gives no energy or power figure (compute.mac_energy_pj, "
            "memories.*.read/write_energy_pj_per_byte, active_power_mw, static_power_mw)")


def power_text(hw: Hardware) -> str:
    """How far the MCU power model fell from measured energy, printed under the energy; and
    whether this part was among the boards measured (else its board current is theirs)."""
    val = power_validation_of(hw)
    if val is None:
        return ""
    own = "" if val.measured(hw.name) else \
        f"; {hw.name} was not among them: its board_current_ma is their fit"
    return val.text() + own


def accuracy_text(cost_model: str, core: str) -> str:
    """How far the MCU profile that priced the model fell from measurements on this core, or
    that it was never scored there; empty for the NPU cost models (checked against peer
    simulators, docs/)."""
    profile = load_profiles().get(cost_model)
    if profile is None:
        return ""
    val = profile.validation
    if val is None:
        code = "; its kernels' cycles follow an instruction-level run of their compiled code (zero wait " \
               "states)" if code_measured(profile, core) else ""
        return f"{cost_model} profile not validated against measurements{code}"
    if not val.covers(core):
        return f"{cost_model} profile not validated on {core} (its measured runs: {val.cores})"
    return f"{cost_model} profile: {val.text()}"


def run(args: argparse.Namespace) -> int:
    transforms = parse_transforms(getattr(args, "transforms", None))
    d = out_dir(args.out)  # checked before the work: a bad --out should not cost a sweep of tilings
    res = simulate(args.model, args.hw, dataflow=args.dataflow, compat=args.compat, overrides=args.overrides,
                   objective=args.objective, transforms=[t.text for t in transforms] or None)
    if args.format == "table":
        print(summary_text(res))
    else:
        print_frame(res.layers, args.format)
    if d is not None:
        write_frames(d, {"layers": res.layers, "traffic": res.traffic, "summary": res.summary})
        if args.format == "table":
            print(f"wrote {d}/layers.csv, traffic.csv, summary.csv")
    return 0
