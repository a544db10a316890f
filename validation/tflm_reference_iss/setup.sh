#!/usr/bin/env bash
# Toolchain for the TFLM reference-kernel instruction-level check (not part of CI): the
# cmsis_nn_iss toolchain and venv (arm-none-eabi-gcc, newlib, Unicorn, Capstone, pyelftools)
# plus Debian's C++ library headers for arm-none-eabi (the kernels are C++). Safe to rerun.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"

bash "$HERE/../cmsis_nn_iss/setup.sh"
if [ ! -d /usr/include/newlib/c++ ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q libstdc++-arm-none-eabi-newlib
fi
arm-none-eabi-g++ --version | head -1
