"""The `edgesim` command. Each subcommand lives in its own module with `add_parser` and `run`.

User mistakes (`SimError`) print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import NoReturn

from sim import __version__
from sim.errors import SimError

COMMANDS = ["run", "check", "import-log", "crosscheck", "bench", "calibrate", "jitter", "sweep", "compare"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse prints usage + exits 2; keep it to one line
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="edgesim", description="Simulate quantized neural networks on edge accelerators.")
    parser.add_argument("--version", action="version", version=f"edgesim {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log defaults and progress")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"sim.cli.{name.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except SimError as exc:
        print(f"edgesim {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("edgesim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader (`| head`) left: stop quietly, as POSIX tools do, and keep Python's exit-time
        # flush of stdout from raising again (the recipe in Python's signal module docs)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
