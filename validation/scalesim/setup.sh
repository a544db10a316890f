#!/usr/bin/env bash
# Create validation/scalesim/.venv with SCALE-Sim 3.0.0 from PyPI (it needs numpy < 2.4).
# Usage: bash validation/scalesim/setup.sh [python3]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="${1:-python3}"
if [ ! -x "$here/.venv/bin/python" ]; then
  "$py" -m venv "$here/.venv"
fi
"$here/.venv/bin/python" -m pip install -q --upgrade pip
"$here/.venv/bin/python" -m pip install -q "scalesim==3.0.0" "numpy<2.4"
"$here/.venv/bin/python" -c "import importlib.metadata as m; print('scalesim', m.version('scalesim'), 'numpy', m.version('numpy'))"
