#!/usr/bin/env bash
# Creates validation/tflm_arena/.venv with the tflite-micro Python interpreter (PyPI, x86_64).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python3 -m venv "$here/.venv"
"$here/.venv/bin/pip" install -q --upgrade pip
"$here/.venv/bin/pip" install -q tflite-micro numpy
"$here/.venv/bin/python" -c "import tflite_micro, importlib.metadata as m; print('tflite-micro', m.version('tflite-micro'))"
