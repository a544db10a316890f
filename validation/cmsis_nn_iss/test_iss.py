"""Hand-counted assembly against the ISS's classes, flash attribution and Cortex-M4 timing.

Run in the tool's own venv (not part of the main suite, whose testpaths is tests/):
    validation/cmsis_nn_iss/.venv/bin/python -m pytest validation/cmsis_nn_iss/test_iss.py
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

capstone = pytest.importorskip("capstone")
pytest.importorskip("unicorn")
pytest.importorskip("elftools")

import numpy as np  # noqa: E402

import reference as ref  # noqa: E402
from iss import M0PLUS_TIMING, Machine, Timing, decode_block  # noqa: E402

AS = shutil.which("arm-none-eabi-as")
LD = shutil.which("arm-none-eabi-ld")
needs_toolchain = pytest.mark.skipif(AS is None or LD is None, reason="arm-none-eabi binutils not installed")

FLASH = (0x08000000, 0x00400000)
SRAM = (0x20000000, 0x00100000)
WEIGHTS = (0x08100000, 0x08300000)
SENTINEL = 0x083FFF00

HEADER = ".syntax unified\n.thumb\n.global f\n.type f, %function\nf:\n"


def build(tmp_path: Path, body: str, mcpu: str = "cortex-m4") -> Path:
    src = tmp_path / "t.s"
    src.write_text(HEADER + body + "\n.size f, .-f\n.ltorg\n")
    obj, elf = tmp_path / "t.o", tmp_path / "t.elf"
    subprocess.run([AS, f"-mcpu={mcpu}", "-mthumb", str(src), "-o", str(obj)], check=True)
    subprocess.run([LD, "-Ttext=0x08000000", "-e", "f", str(obj), "-o", str(elf)], check=True)
    return elf


def run(tmp_path: Path, body: str, timing: Timing | None = None):
    m = Machine(FLASH, SRAM, WEIGHTS, timing)
    syms = m.load_elf(build(tmp_path, body))
    return m.call(syms["f"], SRAM[0] + SRAM[1] - 16, SENTINEL)


LOOP = """
  push {r4, lr}
  movs r3, #10
  ldr r1, =0x08100004
  ldr r2, =0x20001000
1:
  ldr r0, [r1], #4
  ldr r4, [r2], #4
  smlad r0, r0, r4, r0
  subs r3, #1
  bne 1b
  pop {r4, pc}
"""


@needs_toolchain
def test_loop_of_smlad_and_loads_counts(tmp_path: Path) -> None:
    r = run(tmp_path, LOOP)
    assert r.instructions == 55
    assert r.counts == {"mac": 10, "ld_act": 11, "ld_w": 10, "ld_const": 2, "st": 1, "branch": 10, "alu": 11}
    assert (r.branches_taken, r.branches_not_taken) == (9, 1)
    assert r.flash_w_read_bytes == 40
    assert r.flash_const_read_bytes == 8


@needs_toolchain
def test_loop_cycles_follow_table_3_1(tmp_path: Path) -> None:
    # push 1+2, movs 1, two literal loads pipelined 2+1, per iteration: two writeback loads
    # (not pipelined) 2+2, smlad 1, subs 1, bne 1 (+P when taken, 9 times), pop {r4, pc} 1+2+P
    r = run(tmp_path, LOOP)
    assert r.cycles == 3 + 1 + 3 + 10 * 7 + 9 * 2 + 3 + 2
    r3 = run(tmp_path, LOOP, Timing(refill_cycles=3))
    assert r3.cycles == r.cycles + 10  # nine taken bne and the pop into pc


def decode(body: str, tmp_path: Path):
    elf = build(tmp_path, body)
    m = Machine(FLASH, SRAM, WEIGHTS)
    syms = m.load_elf(elf)
    from elftools.elf.elffile import ELFFile
    with open(elf, "rb") as fh:
        text = ELFFile(fh).get_section_by_name(".text")
        code = text.data()  # type: ignore[union-attr]
    end = code.index(b"\x70\x47")  # bx lr ends the block
    return decode_block(m.md, code[: end + 2], syms["f"], "f", Timing())


@needs_toolchain
def test_neighbouring_loads_pipeline_to_n_plus_1(tmp_path: Path) -> None:
    b = decode("  ldr r0, [r2]\n  ldr r1, [r2, #4]\n  ldr r3, [r2, #8]\n  bx lr\n", tmp_path)
    assert b.cycles == (3 + 1) + 1
    assert b.counts[1] == 3 and b.ends_branch and b.sp_loads == 0


@needs_toolchain
def test_nothing_pipelines_after_a_store(tmp_path: Path) -> None:
    # ldr 2, str after ldr 1, ldr after str 2, bx 1
    b = decode("  ldr r0, [r2]\n  str r0, [r2, #4]\n  ldr r1, [r2, #8]\n  bx lr\n", tmp_path)
    assert b.cycles == 2 + 1 + 2 + 1


@needs_toolchain
def test_ldm_stm_and_ldrd(tmp_path: Path) -> None:
    b = decode("  ldm r0, {r1, r2, r3}\n  stmdb sp!, {r4, r5}\n  ldrd r4, r5, [r0]\n  bx lr\n", tmp_path)
    assert b.cycles == (1 + 3) + (1 + 2) + 3 + 1
    assert b.loads[0][1] == 12 and b.loads[1][1] == 8


@needs_toolchain
def test_multiplies_are_one_cycle_and_split(tmp_path: Path) -> None:
    body = "  smlad r0, r1, r2, r0\n  mla r0, r1, r2, r0\n  smull r0, r1, r2, r3\n  smlal r0, r1, r2, r3\n  bx lr\n"
    b = decode(body, tmp_path)
    assert b.cycles == 5
    assert b.counts[0] == 3  # smlad, mla, smlal
    assert b.mul == 1        # smull, counted in alu


@needs_toolchain
def test_stack_loads_are_counted_apart(tmp_path: Path) -> None:
    b = decode("  ldr r0, [sp, #4]\n  ldrd r2, r3, [sp, #8]\n  ldr r1, [r0]\n  bx lr\n", tmp_path)
    assert b.sp_loads == 2 and b.counts[1] == 3


@needs_toolchain
def test_pipelining_survives_a_block_split_at_a_page_boundary(tmp_path: Path) -> None:
    # QEMU ends a translated block at a 1 KiB page boundary; two neighbouring loads straddling
    # it (0x080003FE, 0x08000400) still pipeline: mov 1, 509 nop, ldr 2 + ldr 1, bx 1 + P
    body = "  mov.w r2, #0x20000000\n" + "  nop\n" * 509 + "  ldr r0, [r2]\n  ldr r1, [r2, #4]\n  bx lr\n"
    m = Machine(FLASH, SRAM, WEIGHTS)
    syms = m.load_elf(build(tmp_path, body))
    r = m.call(syms["f"], SRAM[0] + SRAM[1] - 16, SENTINEL)
    assert r.instructions == 513
    assert len(m._exec) >= 2  # the split this test is about happened
    assert r.cycles == 1 + 509 + 2 + 1 + 1 + 2


# --- Cortex-M0+ (Thumb-1, DDI 0484C Table 3-1) ----------------------------------------------------------------

def run_m0plus(tmp_path: Path, body: str, timing: Timing | None = None):
    m = Machine(FLASH, SRAM, WEIGHTS, timing, cpu="cortex-m0plus")
    syms = m.load_elf(build(tmp_path, body, "cortex-m0plus"))
    return m.call(syms["f"], SRAM[0] + SRAM[1] - 16, SENTINEL)


LOOP_M0PLUS = """
  push {r4, lr}
  movs r3, #10
  ldr r1, =0x08100004
  ldr r2, =0x20001000
1:
  ldr r0, [r1]
  ldr r4, [r2]
  adds r1, #4
  adds r2, #4
  muls r0, r4
  adds r4, r0
  subs r3, #1
  bne 1b
  pop {r4, pc}
"""


@needs_toolchain
def test_m0plus_loop_cycles_follow_table_3_1(tmp_path: Path) -> None:
    # push 1+2, movs 1, two literal loads 2+2 (no pipelining), per iteration: two loads 2+2,
    # four adds/subs 1 each, muls 1, bne 1 (+1 when taken, 9 times), pop {r4, pc} 3+1
    r = run_m0plus(tmp_path, LOOP_M0PLUS)
    assert r.instructions == 4 + 10 * 8 + 1
    assert r.counts == {"mac": 0, "ld_act": 11, "ld_w": 10, "ld_const": 2, "st": 1, "branch": 10, "alu": 51}
    assert r.mul == 10 and (r.branches_taken, r.branches_not_taken) == (9, 1)
    assert r.cycles == 3 + 1 + 4 + 10 * 10 + 9 * 1 + 4


@needs_toolchain
def test_m0plus_iterative_multiplier_charges_32_per_muls(tmp_path: Path) -> None:
    fast = run_m0plus(tmp_path, LOOP_M0PLUS)
    slow = run_m0plus(tmp_path, LOOP_M0PLUS, Timing(**{**M0PLUS_TIMING.__dict__, "mul_cycles": 32}))
    assert slow.cycles - fast.cycles == 10 * 31


@needs_toolchain
def test_m0plus_calls_and_multiple_transfers(tmp_path: Path) -> None:
    # push {lr} 1+1, ldr literal 2, ldm 1+3, stm 1+2, bl 3, (g: bx lr 2), pop {pc} 3+0
    body = ("  push {lr}\n  ldr r0, =0x20001000\n  ldm r0!, {r1, r2, r3}\n  stm r0!, {r1, r2}\n"
            "  bl g\n  pop {pc}\ng:\n  bx lr\n")
    r = run_m0plus(tmp_path, body)
    assert r.instructions == 7
    assert r.cycles == 2 + 2 + 4 + 3 + 3 + 2 + 3
    assert r.counts["st"] == 2 and r.counts["branch"] == 2


@needs_toolchain
def test_m0plus_model_rejects_thumb2(tmp_path: Path) -> None:
    """Unicorn's Cortex-M0 is ARMv6-M: a Thumb-2 instruction faults instead of being timed."""
    from unicorn import UcError

    m = Machine(FLASH, SRAM, WEIGHTS, cpu="cortex-m0plus")
    syms = m.load_elf(build(tmp_path, "  smlad r0, r1, r2, r0\n  bx lr\n"))
    with pytest.raises((UcError, RuntimeError)):
        m.call(syms["f"], SRAM[0] + SRAM[1] - 16, SENTINEL)


# --- reference.py: the added kernels against plain loops over the same integer arithmetic --------------------

def _requant_scalar(acc: int, mult: int, shift: int) -> int:
    """arm_nn_requantize for one value: doubling high multiply, then a rounding right shift."""
    return int(ref.requantize(np.array([acc], np.int64), np.int64(mult), np.int64(shift))[0])


def test_reference_depthwise_with_a_channel_multiplier_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(1)
    c, m, kh, kw, stride, pad = 3, 2, 3, 2, (2, 1), (1, 0)
    x = rng.integers(-128, 128, (1, 5, 4, c), dtype=np.int8)
    w = rng.integers(-127, 128, (1, kh, kw, c * m), dtype=np.int8)
    bias = rng.integers(-4096, 4096, c * m).astype(np.int64)
    mult = rng.integers(1 << 30, (1 << 31) - 1, c * m).astype(np.int64)
    shift = rng.integers(-9, -4, c * m).astype(np.int64)
    oh, ow = 3, 3
    got = ref.conv(x, w, bias, mult, shift, stride, pad, 128, -3, (-128, 127), (oh, ow), depthwise=True, ch_mult=m)
    for y in range(oh):
        for xo in range(ow):
            for o in range(c * m):
                acc = int(bias[o])
                for i in range(kh):
                    for j in range(kw):
                        yy, xx = y * stride[0] - pad[0] + i, xo * stride[1] - pad[1] + j
                        if 0 <= yy < 5 and 0 <= xx < 4:
                            acc += (int(x[0, yy, xx, o // m]) + 128) * int(w[0, i, j, o])
                want = min(max(_requant_scalar(acc, int(mult[o]), int(shift[o])) - 3, -128), 127)
                assert got[0, y, xo, o] == want


def test_reference_max_pool_ignores_padding_and_clamps() -> None:
    x = np.array([[-100, -90], [-80, 20]], np.int8).reshape(1, 2, 2, 1)
    got = ref.maxpool(x, (3, 3), (1, 1), (1, 1), (-85, 10), (2, 2)).reshape(2, 2)
    # every window holds (1, 1) = 20 -> clamped to 10; padding never wins even over -100
    assert got.tolist() == [[10, 10], [10, 10]]
    got = ref.maxpool(x[:, :1, :1], (2, 2), (1, 1), (0, 0), (-128, 127), (1, 1))
    assert int(got[0, 0, 0, 0]) == -100


def test_reference_mul_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.integers(-128, 128, 64, dtype=np.int8), rng.integers(-128, 128, 64, dtype=np.int8)
    mult, shift = 1_500_000_000, -8
    got = ref.mul(a, b, 128, 128, 5, mult, shift, (-128, 127))
    for i in range(64):
        want = _requant_scalar((int(a[i]) + 128) * (int(b[i]) + 128), mult, shift) + 5
        assert got[i] == min(max(want, -128), 127)


def test_reference_softmax_is_within_one_step_of_the_real_softmax() -> None:
    """The fixed-point softmax (input scale 1/16, output scale 1/256, zero point -128) rounds the
    real softmax to within one output step; values below diff_min give exactly -128."""
    from layer_data import softmax_params

    mult, shift, diff_min = softmax_params()
    rng = np.random.default_rng(3)
    for row_size in (2, 3, 10, 12, 100, 1000):
        x = rng.integers(-128, 128, (4, row_size), dtype=np.int64).astype(np.int8)
        got = ref.softmax(x, row_size, mult, shift, diff_min).reshape(4, row_size).astype(np.int64)
        z = x.astype(np.float64) / 16
        p = np.exp(z - z.max(axis=1, keepdims=True))
        want = np.clip(np.round(p / p.sum(axis=1, keepdims=True) * 256) - 128, -128, 127)
        assert np.abs(got - want).max() <= 1
    far = np.array([[100, -128, 100, -128]], np.int8)   # 228 below the max: inside diff_min (-248)
    assert ref.softmax(far, 4, mult, shift, diff_min).tolist() == [0, -128, 0, -128]
    one = np.array([[127, -128]], np.int8)              # 255 below: outside diff_min, exactly -128
    assert ref.softmax(one, 2, mult, shift, diff_min).tolist() == [127, -128]
