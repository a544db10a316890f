"""`edgesim check SPEC`: validate a hardware spec and print it with defaults filled in.

`edgesim check --kernels [SPEC]`: list the software-stack profiles (`kernels`) with their
measured latency error; with SPEC, whether those measurements cover its core.
"""

from __future__ import annotations

import argparse

from sim.cli.common import Subparsers, print_frame
from sim.cost.vector import load_profiles, profile_named
from sim.errors import SimError, SpecError
from sim.report.frames import stacks_frame
from sim.spec.load import dump_yaml, load_hardware
from sim.spec.model import VectorUnit


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("check", help="validate a hardware spec", description=__doc__)
    p.add_argument("spec", nargs="?", help="bundled spec name or YAML path")
    p.add_argument("--kernels", action="store_true",
                   help="list the software-stack profiles and their measured error (for SPEC's core if given)")
    p.add_argument("--format", default="table", choices=("table", "csv", "json"), help="stdout format of --kernels")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="overrides",
                   help="override a spec field (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.kernels:
        hw = load_hardware(args.spec, args.overrides) if args.spec else None
        core = None if hw is None else hw.compute.core if isinstance(hw.compute, VectorUnit) else ""
        print_frame(stacks_frame(core), args.format)
        return 0
    if args.spec is None:
        raise SimError("expected a spec (bundled name or YAML path), or --kernels")
    hw = load_hardware(args.spec, args.overrides)
    # the loader knows the stacks; the measured releases (STACK@RELEASE) live with the cost model
    if hw.kernels and profile_named(hw.kernels) is None:
        raise SpecError(args.spec, "kernels", f"one of {', '.join(load_profiles())}", hw.kernels)
    print(f"# {args.spec}: valid")
    print(dump_yaml(hw), end="")
    return 0
