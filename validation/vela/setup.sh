#!/usr/bin/env bash
# Creates validation/vela/.venv and installs Arm's Vela compiler (PyPI ethos-u-vela) in it.
# ethos-u-vela 5.2.0 ships a manylinux wheel for CPython 3.11 on x86_64 (with the compiled regor and
# mlw_codec extensions); elsewhere pip builds them from the sdist, which needs gcc/g++ and cmake.
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
