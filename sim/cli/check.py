"""`edgesim check SPEC`: validate a hardware spec and print it with defaults filled in."""

from __future__ import annotations

import argparse

from sim.cli.common import Subparsers
from sim.cost.vector import load_profiles, profile_named
from sim.errors import SpecError
from sim.spec.load import dump_yaml, load_hardware


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("check", help="validate a hardware spec", description=__doc__)
    p.add_argument("spec", help="bundled spec name or YAML path")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="overrides",
                   help="override a spec field (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    hw = load_hardware(args.spec, args.overrides)
    # the loader knows the stacks; the measured releases (STACK@RELEASE) live with the cost model
    if hw.kernels and profile_named(hw.kernels) is None:
        raise SpecError(args.spec, "kernels", f"one of {', '.join(load_profiles())}", hw.kernels)
    print(f"# {args.spec}: valid")
    print(dump_yaml(hw), end="")
    return 0
