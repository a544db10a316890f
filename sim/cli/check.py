"""`edgesim check SPEC`: validate a hardware spec and print it with defaults filled in."""

from __future__ import annotations

import argparse

from sim.cli.common import Subparsers
from sim.spec.load import dump_yaml, load_hardware


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("check", help="validate a hardware spec", description=__doc__)
    p.add_argument("spec", help="bundled spec name or YAML path")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="overrides",
                   help="override a spec field (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    hw = load_hardware(args.spec, args.overrides)
    print(f"# {args.spec}: valid")
    print(dump_yaml(hw), end="")
    return 0
