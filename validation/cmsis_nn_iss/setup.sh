#!/usr/bin/env bash
# Toolchain for the CMSIS-NN instruction-level cross-check (not part of CI):
# arm-none-eabi-gcc with newlib from Debian, and a venv beside this script with the
# Unicorn emulator, Capstone disassembler and pyelftools from PyPI. Safe to rerun.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"

if ! command -v arm-none-eabi-gcc >/dev/null 2>&1 || [ ! -d /usr/lib/arm-none-eabi/newlib ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q gcc-arm-none-eabi libnewlib-arm-none-eabi
fi
arm-none-eabi-gcc --version | head -1

if [ ! -x "$HERE/.venv/bin/python" ]; then
  python3 -m venv "$HERE/.venv"
fi
"$HERE/.venv/bin/python" -m pip install -q --upgrade pip
"$HERE/.venv/bin/python" -m pip install -q "unicorn>=2.0,<3" "capstone>=5.0,<6" "pyelftools>=0.29" numpy pytest
"$HERE/.venv/bin/python" -c "import unicorn, capstone, elftools; print('unicorn', unicorn.__version__, 'capstone', capstone.__version__)"
