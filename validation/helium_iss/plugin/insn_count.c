/* QEMU TCG plugin: executions and data bytes per guest instruction.
 *
 * Counts every execution of every translated block with an inline add (no callback per block),
 * and, for each load or store, the bytes it moved inside and outside one address window
 * (the weights window, given as window=START:END in hex), through a memory callback.
 * At exit it writes, to the file given as out=PATH, each block that executed as a line
 *     B executions instructions
 * followed by one line per instruction of the block, in program order:
 *     address size executions window_bytes other_load_bytes store_bytes
 * (a block translated twice appears twice). The instruction mnemonics are joined later from the ELF's
 * disassembly (QEMU's own disassembler does not need to know MVE).
 *
 * Written against QEMU's plugin ABI version 1 (QEMU 6.0 to 8.0); only the calls below are used,
 * declared in qemu_plugin_abi.h beside this file. Build: see build_plugin.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_abi.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

typedef struct Insn {
    uint64_t vaddr;
    uint32_t size;
    uint64_t window_bytes;
    uint64_t other_load_bytes;
    uint64_t store_bytes;
} Insn;

typedef struct Block {
    uint64_t executions;
    size_t n;
    Insn *insns;
    struct Block *next;
} Block;

static Block *blocks;
static uint64_t window_start, window_end;
static char out_path[512] = "insn_count.txt";

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)vcpu;
    Insn *insn = (Insn *)udata;
    uint64_t bytes = 1u << qemu_plugin_mem_size_shift(info);
    if (qemu_plugin_mem_is_store(info)) {
        insn->store_bytes += bytes;
    } else if (vaddr >= window_start && vaddr < window_end) {
        insn->window_bytes += bytes;
    } else {
        insn->other_load_bytes += bytes;
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    Block *b = calloc(1, sizeof(Block));
    b->n = qemu_plugin_tb_n_insns(tb);
    b->insns = calloc(b->n, sizeof(Insn));
    for (size_t i = 0; i < b->n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        b->insns[i].vaddr = qemu_plugin_insn_vaddr(insn);
        b->insns[i].size = (uint32_t)qemu_plugin_insn_size(insn);
        qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, &b->insns[i]);
    }
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->executions, 1);
    b->next = blocks;
    blocks = b;
}

static void write_counts(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    FILE *f = fopen(out_path, "w");
    if (!f) {
        return;
    }
    for (Block *b = blocks; b; b = b->next) {
        if (b->executions == 0) {
            continue;
        }
        fprintf(f, "B %llu %zu\n", (unsigned long long)b->executions, b->n);
        for (size_t i = 0; i < b->n; i++) {
            const Insn *s = &b->insns[i];
            fprintf(f, "%llx %u %llu %llu %llu %llu\n", (unsigned long long)s->vaddr, s->size,
                    (unsigned long long)b->executions, (unsigned long long)s->window_bytes,
                    (unsigned long long)s->other_load_bytes, (unsigned long long)s->store_bytes);
        }
    }
    fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
        } else if (strncmp(argv[i], "window=", 7) == 0) {
            char *end;
            window_start = strtoull(argv[i] + 7, &end, 16);
            window_end = strtoull(end + 1, NULL, 16);
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_counts, NULL);
    return 0;
}
