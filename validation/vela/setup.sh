#!/usr/bin/env bash
# Creates validation/vela/.venv and installs Arm's Vela compiler (PyPI ethos-u-vela) in it.
# Vela builds a small C extension (mlw_codec), so a C compiler must be on PATH.
# Usage: bash validation/vela/setup.sh            (idempotent; VELA_VERSION=x.y.z to change the pin)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"
VELA_VERSION="${VELA_VERSION:-5.2.0}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "ethos-u-vela==$VELA_VERSION"
"$VENV/bin/vela" --version
