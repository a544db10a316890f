"""Errors a user can cause, each rendered as one line.

The CLI catches `SimError` and prints `str(err)` with exit code 2; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations


class SimError(Exception):
    """A user mistake: bad input file, bad field, bad option. One line, no traceback."""


class SpecError(SimError):
    """A field of an input file is wrong: `FILE: FIELD: expected ..., got ...`."""

    def __init__(self, file: str, field: str, expected: str, got: object | None = None) -> None:
        self.file = str(file)
        self.field = field
        self.expected = expected
        self.got = got
        where = f"{self.file}: {field}" if field else self.file
        tail = "" if got is None else f", got {got!r}" if isinstance(got, str) else f", got {got}"
        super().__init__(f"{where}: expected {expected}{tail}")


class UnsupportedOp(SimError):
    """An operator no cost model can price on the chosen unit."""
