"""What a new user meets when following README.md and docs/: each test pins a defect found by
running the documented commands as written (and fails without its fix)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_every_script_answers_help_without_doing_its_work(script: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`scripts/update_golden.py --help` used to ignore the flag and rewrite tests/golden/e2e.json."""
    golden = ROOT / "tests" / "golden" / "e2e.json"
    before = golden.read_bytes()
    monkeypatch.setattr(sys, "argv", [str(script), "--help"])
    try:
        with pytest.raises(SystemExit) as exc:
            runpy.run_path(str(script), run_name="__main__")
        after = golden.read_bytes()
    finally:
        golden.write_bytes(before)  # a regression must not leave the golden file rewritten
    assert exc.value.code == 0
    assert "usage:" in capsys.readouterr().out
    assert after == before
