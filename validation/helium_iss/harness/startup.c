/* Bare-metal start for the Cortex-M55 of QEMU's mps3-an547 (emulated, never flashed).
 *
 * Reset: zero .bss, enable the FPU/MVE coprocessor (CPACR CP10/CP11; MVE instructions trap
 * without it), call run_layer() (the cmsis_nn_iss harness: one CMSIS-NN call built from the
 * parameter block the runner loaded), then write the output bytes named by g_dump to the host
 * file "out.bin" (after run_layer's 4-byte status) and exit QEMU, both through Arm semihosting (BKPT 0xAB). None of these
 * instructions belong to CMSIS-NN; the runner counts only the functions that do. */
#include <stdint.h>

extern int32_t run_layer(void);
extern uint32_t __bss_start, __bss_end, __stack_top;

/* Filled by the runner: address and byte count of the output to write back, status */
__attribute__((section(".dump"), used)) volatile uint32_t g_dump[3];

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE 0x05
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define CPACR (*(volatile uint32_t *)0xE000ED88)

static int32_t semihost(int32_t op, const void *args)
{
    register int32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = args;
    __asm volatile("bkpt #0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

__attribute__((noreturn, used)) void reset_handler(void)
{
    /* volatile: GCC would turn a plain loop into a call of memset, which CMSIS-NN also calls and
       whose instructions are counted */
    for (volatile uint32_t *p = &__bss_start; p < &__bss_end; p++) {
        *p = 0;
    }
    CPACR |= (0xFu << 20);
    __asm volatile("dsb\n isb" ::: "memory");

    g_dump[2] = (uint32_t)run_layer();

    static const char name[] = "out.bin";
    const uint32_t open_args[3] = {(uint32_t)name, 5 /* "wb" */, sizeof name - 1};
    int32_t fd = semihost(SYS_OPEN, open_args);
    if (fd >= 0) {
        const uint32_t status_args[3] = {(uint32_t)fd, (uint32_t)&g_dump[2], 4};
        semihost(SYS_WRITE, status_args);
        const uint32_t write_args[3] = {(uint32_t)fd, g_dump[0], g_dump[1]};
        semihost(SYS_WRITE, write_args);
        semihost(SYS_CLOSE, &fd);
    }
    for (;;) {
        semihost(SYS_EXIT, (const void *)ADP_STOPPED_APPLICATION_EXIT);
    }
}

__attribute__((noreturn)) static void fault_handler(void)
{
    g_dump[2] = 0xDEADu;
    for (;;) {
        semihost(SYS_EXIT, (const void *)0x20024 /* ADP_Stopped_InternalError */);
    }
}

__attribute__((section(".vectors"), used)) const void *const g_vectors[16] = {
    &__stack_top, (const void *)reset_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, 0, 0, 0, 0, 0, 0, 0, 0,
};
