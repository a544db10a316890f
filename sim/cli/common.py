"""Options shared by subcommands, and writing frames to files."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from sim.errors import SimError

# What each subcommand's add_parser receives; argparse names its type only privately.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # pyright: ignore[reportPrivateUsage]


def add_hw_options(p: argparse.ArgumentParser, *, multiple: bool = False) -> None:
    if multiple:
        p.add_argument("--hw", action="append", required=True, metavar="SPEC",
                       help="bundled spec name (hw_specs/NAME.yaml) or a YAML path; repeat to compare")
    else:
        p.add_argument("--hw", required=True, metavar="SPEC", help="bundled spec name or YAML path")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="overrides",
                   help="override a spec field, e.g. memories.sram.size_bytes=262144 (repeatable)")


def out_dir(path: str | None) -> Path | None:
    if path is None:
        return None
    if not path.strip():
        raise SimError("--out: expected a directory path, got ''")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise SimError(f"--out {path}: expected a directory, got an existing file")
    try:
        p.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=p):  # one line here rather than a traceback at the first file
            pass
    except OSError as exc:
        raise SimError(f"--out {path}: expected a writable directory, got {exc.strerror}") from None
    return p


def write_frames(directory: Path, frames: dict[str, pd.DataFrame]) -> None:
    for name, df in frames.items():
        df.to_csv(directory / f"{name}.csv", index=False)


def print_frame(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        print(df.to_csv(index=False), end="")
    elif fmt == "json":
        print(json.dumps(json.loads(df.to_json(orient="records")), indent=2))
    else:
        print(df.to_string(index=False))
