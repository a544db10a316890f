#!/usr/bin/env bash
# Toolchain for the Helium (MVE) instruction-level run (not part of CI): arm-none-eabi-gcc with
# newlib, QEMU's system emulator for Arm (mps3-an547: Cortex-M55 with MVE; Debian's build has TCG
# plugin support), a host C compiler for the counting plugin and clang 16 (the second build), all
# from Debian; a venv beside this script with NumPy (run_mve.py, cmsis_nn_iss/reference.py) and
# pytest. Safe to rerun.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"

need=()
command -v arm-none-eabi-gcc >/dev/null 2>&1 && [ -d /usr/lib/arm-none-eabi/newlib ] || need+=(gcc-arm-none-eabi libnewlib-arm-none-eabi)
command -v qemu-system-arm >/dev/null 2>&1 || need+=(qemu-system-arm)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
command -v clang-16 >/dev/null 2>&1 || need+=(clang-16)   # only for run_mve.py --cc clang-16
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${need[@]}"
fi
arm-none-eabi-gcc --version | head -1
qemu-system-arm --version | head -1

if [ ! -x "$HERE/.venv/bin/python" ]; then
  python3 -m venv "$HERE/.venv"
fi
"$HERE/.venv/bin/python" -m pip install -q --upgrade pip
"$HERE/.venv/bin/python" -m pip install -q numpy pytest
"$HERE/.venv/bin/python" -c "import numpy; print('numpy', numpy.__version__)"
