"""The counting chain end to end on a hand-written MVE loop: QEMU's mps3-an547, the plugin, the join
with the disassembly, tail predication and the weights-window attribution.

Needs the toolchain (setup.sh); not part of the main suite, whose testpaths is tests/:
    validation/helium_iss/.venv/bin/python -m pytest validation/helium_iss/test_qemu.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from mve import Image, count_layer  # noqa: E402
from run_mve import CPU_FLAGS, HARNESS, build_plugin, run_qemu  # noqa: E402

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("arm-none-eabi-gcc", "qemu-system-arm", "gcc")),
    reason="needs arm-none-eabi-gcc, qemu-system-arm and gcc (validation/helium_iss/setup.sh)")

# Sums N bytes of the weights window with a tail-predicated loop: ceil(N / 16) iterations of
# one VLDRB and one VADDVA, the last one predicated to N % 16 lanes.
KERNEL = """
.syntax unified
.thumb
.global run_layer
.type run_layer, %function
run_layer:
    push {r4, lr}
    ldr r1, =__weights_start
    movs r2, #{n}
    movs r0, #0
    wlstp.8 lr, r2, 1f
2:
    vldrb.u8 q0, [r1], #16
    vaddva.u8 r0, q0
    letp lr, 2b
1:
    ldr r3, =g_sum
    str r0, [r3]
    movs r0, #0
    pop {r4, pc}
.size run_layer, .-run_layer
.ltorg
.bss
.global g_sum
.align 2
g_sum: .space 4
"""
STARTUP = frozenset({"reset_handler", "semihost", "fault_handler"})


@pytest.mark.parametrize("n", [40, 48, 1])
def test_tail_predicated_loop(tmp_path: Path, n: int) -> None:
    src = tmp_path / "kernel.s"
    src.write_text(KERNEL.replace("{n}", str(n)))
    elf = tmp_path / "t.elf"
    subprocess.run(["arm-none-eabi-gcc", *CPU_FLAGS, "-O2", "-nostartfiles", "-T", str(HARNESS / "link.ld"),
                    "-o", str(elf), str(HARNESS / "startup.c"), str(src)], check=True)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", str(elf), str(elf.with_suffix(".bin"))],
                   check=True)
    img = Image.load(elf)
    data = np.arange(1, n + 1, dtype=np.uint8)
    blobs = [(img.symbols["__weights_start"], data.tobytes()),
             (img.symbols["g_dump"], np.array([img.symbols["g_sum"], 4, 0], np.uint32).tobytes())]
    counts, out = run_qemu(img, build_plugin(tmp_path), SimpleNamespace(blobs=blobs), tmp_path / "run", 60.0)
    assert int(np.frombuffer(out[4:8], np.uint32)[0]) == int(data.sum())

    res = count_layer(img, counts, STARTUP)
    loops = -(-n // 16)
    assert res.kinds["vldr_w"] == loops and res.vldr_w_bytes == n      # inactive lanes load nothing
    assert res.kinds["vaddv"] == loops
    assert res.kinds["loop"] == 1 + loops                               # WLSTP once, LETP per iteration
    assert res.kinds["ld_sp"] == 1 and res.kinds["st"] == 2            # POP; PUSH and the result store
    assert res.functions == {"run_layer": res.instructions}
    assert res.instructions == 2 + 2 + 1 + 3 * loops + 4                # push, 2 ldr/mov, wlstp, loop, tail
    assert 0 < res.cycles_m55 <= res.cycles_m55_serial
