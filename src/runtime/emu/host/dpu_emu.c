/* Native emulation of the UPMEM SDK: the host API of dpu.h and the DPU-side runtime (me, mram_read/write,
 * mem_alloc/mem_reset, barrier_wait) in one file, linked into the host program with -rdynamic so that the
 * kernel's shared object (compiled from the unchanged dpu.c with the headers of ../dpu) resolves its calls
 * here.
 *
 * Model: a DPU owns an image of the kernel's MRAM section ("atim_mram": __mram/__mram_noinit variables) and
 * of its "atim_host" section (__host variables). dpu_launch runs the DPUs of a set one after another: it
 * copies the DPU's images into the sections, runs NR_TASKLETS threads on the kernel's main(), and copies
 * the images back. Hardware rules are enforced (sources: reference/upmem-api.md §2.3, §3.3, §3.4, §3.9):
 *  - DMA: size in [8, 2048] and a multiple of 8; MRAM and WRAM addresses 8-byte aligned; the MRAM range
 * inside the MRAM variables;
 *  - WRAM: static data + NR_TASKLETS x stack + heap <= 64 KB; NR_TASKLETS <= 24 (v1A);
 *  - host transfers: MRAM offset/length multiples of 8 (WRAM: 4), offset + length <= symbol size, known
 *    symbols, a prepared buffer for every DPU of a parallel transfer.
 * Diagnostics are one line starting with "atim-emu:"; limits the program's schedule exceeded say
 * "atim-emu: over capacity:". DPU-side violations end the process (exit code 3 for capacity, 4 otherwise);
 * host API misuse returns the SDK's error code, so DPU_ASSERT stops the program as with the real SDK. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../dpu/emu_barrier_type.h"
#include "dpu.h"

/* Hardware limits (reference/upmem-hardware.md §1, upmem-api.md §1 and §3.3). */
enum {
    kWramBytes = 64 * 1024,
    kMramBytes = 64 * 1024 * 1024,
    kMaxTasklets = 24,
    kMaxDmaBytes = 2048,
    kDpusPerRank = DPU_MAX_NR_CIS * DPU_MAX_NR_DPUS_PER_CI,
};
enum { kExitOverCapacity = 3, kExitRuleViolation = 4 };

/* ---------------------------------------------------------------------------------------------------------
 * The loaded kernel: its sections and symbols, read from its ELF file. */

struct emu_symbol {
    char *name;
    uint8_t *address; /* in the loaded kernel */
    size_t size;
    bool in_mram; /* else a __host (WRAM) variable */
};

struct dpu_program_t {
    char *path;
    void *handle;
    int (*entry)(void);
    uint8_t *mram_section; /* NULL when the kernel has no MRAM variable */
    size_t mram_bytes;
    uint8_t *host_section;
    size_t host_bytes;
    uint8_t *mram_initial; /* section contents at load (initialized __mram variables) */
    uint8_t *host_initial;
    struct emu_symbol *symbols;
    size_t nr_symbols;
    unsigned nr_tasklets;
    unsigned stack_bytes;
    size_t static_wram_bytes;
};

struct dpu_t {
    uint32_t index; /* in its set */
    uint8_t *mram;
    uint8_t *host;
    void *prepared;
    size_t heap_used;
    bool fault;
};

struct dpu_rank_t {
    struct dpu_t *dpus;
    uint32_t nr_dpus;
};

static struct dpu_program_t *g_program;

static void emu_error(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "atim-emu: ");
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
}

static void *checked_calloc(size_t count, size_t size) {
    void *p = calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
    if (!p) {
        emu_error("out of host memory (%zu x %zu bytes)", count, size);
        _exit(kExitRuleViolation);
    }
    return p;
}

static char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long length = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = checked_calloc((size_t)length + 1, 1);
    if (length > 0 && fread(data, 1, (size_t)length, f) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)length;
    return data;
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* Static WRAM data of the kernel: what the DPU linker would place in WRAM before the stacks. The C runtime's
 * own objects of a native shared library and the emulator's markers are not part of the kernel. */
static bool counts_as_static_wram(const char *symbol, const char *section) {
    if (starts_with(symbol, "__atim_emu_") || strcmp(symbol, "completed.0") == 0 ||
        strcmp(symbol, "__dso_handle") == 0 || strcmp(symbol, "__TMC_END__") == 0)
        return false;
    return strcmp(section, ".data") == 0 || strcmp(section, ".bss") == 0 || starts_with(section, ".rodata") ||
           strcmp(section, "atim_host") == 0;
}

/* Reads the sections and symbols of the kernel from its ELF file; `base` is where it is loaded. */
static dpu_error_t read_kernel_layout(struct dpu_program_t *program, uintptr_t base) {
    size_t file_size = 0;
    char *file = read_file(program->path, &file_size);
    if (!file) {
        emu_error("dpu_load: cannot read %s", program->path);
        return DPU_ERR_ELF_NO_SUCH_FILE;
    }
    const Elf64_Ehdr *header = (const Elf64_Ehdr *)file;
    if (file_size < sizeof(Elf64_Ehdr) || memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
        header->e_ident[EI_CLASS] != ELFCLASS64 ||
        header->e_shoff + (size_t)header->e_shnum * sizeof(Elf64_Shdr) > file_size) {
        emu_error("dpu_load: %s is not a 64-bit ELF shared object", program->path);
        free(file);
        return DPU_ERR_ELF_INVALID_FILE;
    }
    const Elf64_Shdr *sections = (const Elf64_Shdr *)(file + header->e_shoff);
    const char *section_names = file + sections[header->e_shstrndx].sh_offset;
    int mram_index = -1, host_index = -1, symtab_index = -1;
    for (int i = 0; i < header->e_shnum; ++i) {
        const char *name = section_names + sections[i].sh_name;
        if (strcmp(name, "atim_mram") == 0) mram_index = i;
        if (strcmp(name, "atim_host") == 0) host_index = i;
        if (sections[i].sh_type == SHT_SYMTAB) symtab_index = i;
    }
    if (symtab_index < 0) {
        emu_error("dpu_load: %s has no symbol table (do not strip the kernel)", program->path);
        free(file);
        return DPU_ERR_ELF_NO_SUCH_SECTION;
    }
    if (mram_index >= 0) {
        program->mram_section = (uint8_t *)(base + sections[mram_index].sh_addr);
        program->mram_bytes = sections[mram_index].sh_size;
    }
    if (host_index >= 0) {
        program->host_section = (uint8_t *)(base + sections[host_index].sh_addr);
        program->host_bytes = sections[host_index].sh_size;
    }
    const Elf64_Shdr *symtab = &sections[symtab_index];
    const char *symbol_names = file + sections[symtab->sh_link].sh_offset;
    size_t count = symtab->sh_size / sizeof(Elf64_Sym);
    const Elf64_Sym *symbols = (const Elf64_Sym *)(file + symtab->sh_offset);
    program->symbols = checked_calloc(count, sizeof(struct emu_symbol));
    for (size_t i = 0; i < count; ++i) {
        const Elf64_Sym *symbol = &symbols[i];
        if (ELF64_ST_TYPE(symbol->st_info) != STT_OBJECT || symbol->st_shndx == SHN_UNDEF ||
            symbol->st_shndx >= header->e_shnum)
            continue;
        const char *name = symbol_names + symbol->st_name;
        const char *section = section_names + sections[symbol->st_shndx].sh_name;
        if (counts_as_static_wram(name, section)) program->static_wram_bytes += symbol->st_size;
        if (symbol->st_shndx != mram_index && symbol->st_shndx != host_index) continue;
        struct emu_symbol *entry = &program->symbols[program->nr_symbols++];
        entry->name = strdup(name);
        entry->address = (uint8_t *)(base + symbol->st_value);
        entry->size = symbol->st_size;
        entry->in_mram = symbol->st_shndx == mram_index;
    }
    free(file);
    return DPU_OK;
}

static const struct emu_symbol *find_symbol(const char *name) {
    if (!g_program) return NULL;
    for (size_t i = 0; i < g_program->nr_symbols; ++i)
        if (strcmp(g_program->symbols[i].name, name) == 0) return &g_program->symbols[i];
    return NULL;
}

/* ---------------------------------------------------------------------------------------------------------
 * DPU sets. */

static uint32_t set_nr_dpus(struct dpu_set_t set) {
    if (set.kind == DPU_SET_DPU) return set.dpu ? 1 : 0;
    uint32_t total = 0;
    for (uint32_t r = 0; r < set.list.nr_ranks; ++r) total += set.list.ranks[r]->nr_dpus;
    return total;
}

static struct dpu_t *set_dpu(struct dpu_set_t set, uint32_t index) {
    if (set.kind == DPU_SET_DPU) return index == 0 ? set.dpu : NULL;
    for (uint32_t r = 0; r < set.list.nr_ranks; ++r) {
        if (index < set.list.ranks[r]->nr_dpus) return &set.list.ranks[r]->dpus[index];
        index -= set.list.ranks[r]->nr_dpus;
    }
    return NULL;
}

bool atim_emu_set_dpu_at(struct dpu_set_t set, uint32_t index, struct dpu_set_t *dpu) {
    struct dpu_t *found = set_dpu(set, index);
    if (!found) return false;
    dpu->kind = DPU_SET_DPU;
    dpu->dpu = found;
    return true;
}

bool atim_emu_set_rank_at(struct dpu_set_t set, uint32_t index, struct dpu_set_t *rank) {
    if (set.kind != DPU_SET_RANKS || index >= set.list.nr_ranks) return false;
    rank->kind = DPU_SET_RANKS;
    rank->list.nr_ranks = 1;
    rank->list.ranks = &set.list.ranks[index];
    return true;
}

dpu_error_t dpu_alloc(uint32_t nr_dpus, const char *profile, struct dpu_set_t *dpu_set) {
    (void)profile;
    if (nr_dpus == DPU_ALLOCATE_ALL) nr_dpus = kDpusPerRank;
    if (nr_dpus == 0) {
        emu_error("dpu_alloc: cannot allocate 0 DPUs");
        return DPU_ERR_ALLOCATION;
    }
    uint32_t nr_ranks = (nr_dpus + kDpusPerRank - 1) / kDpusPerRank;
    struct dpu_rank_t **ranks = checked_calloc(nr_ranks, sizeof(*ranks));
    for (uint32_t r = 0; r < nr_ranks; ++r) {
        ranks[r] = checked_calloc(1, sizeof(struct dpu_rank_t));
        uint32_t first = r * kDpusPerRank;
        ranks[r]->nr_dpus = nr_dpus - first < kDpusPerRank ? nr_dpus - first : kDpusPerRank;
        ranks[r]->dpus = checked_calloc(ranks[r]->nr_dpus, sizeof(struct dpu_t));
        for (uint32_t d = 0; d < ranks[r]->nr_dpus; ++d) ranks[r]->dpus[d].index = first + d;
    }
    dpu_set->kind = DPU_SET_RANKS;
    dpu_set->list.nr_ranks = nr_ranks;
    dpu_set->list.ranks = ranks;
    return DPU_OK;
}

dpu_error_t dpu_free(struct dpu_set_t dpu_set) {
    if (dpu_set.kind != DPU_SET_RANKS) return DPU_ERR_INVALID_DPU_SET;
    for (uint32_t r = 0; r < dpu_set.list.nr_ranks; ++r) {
        struct dpu_rank_t *rank = dpu_set.list.ranks[r];
        for (uint32_t d = 0; d < rank->nr_dpus; ++d) {
            free(rank->dpus[d].mram);
            free(rank->dpus[d].host);
        }
        free(rank->dpus);
        free(rank);
    }
    free(dpu_set.list.ranks);
    return DPU_OK;
}

dpu_error_t dpu_get_nr_ranks(struct dpu_set_t dpu_set, uint32_t *nr_ranks) {
    *nr_ranks = dpu_set.kind == DPU_SET_RANKS ? dpu_set.list.nr_ranks : 1;
    return DPU_OK;
}

dpu_error_t dpu_get_nr_dpus(struct dpu_set_t dpu_set, uint32_t *nr_dpus) {
    *nr_dpus = set_nr_dpus(dpu_set);
    return DPU_OK;
}

/* ---------------------------------------------------------------------------------------------------------
 * Loading. */

static dpu_error_t load_program(const char *binary_path) {
    if (g_program) {
        if (strcmp(g_program->path, binary_path) == 0) return DPU_OK;
        emu_error("dpu_load: the emulator runs one kernel per process (%s is loaded, %s requested)",
                  g_program->path, binary_path);
        return DPU_ERR_DIFFERENT_DPU_PROGRAMS;
    }
    void *handle = dlopen(binary_path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        emu_error("dpu_load: cannot load %s: %s", binary_path, dlerror());
        return DPU_ERR_ELF_INVALID_FILE;
    }
    struct dpu_program_t *program = checked_calloc(1, sizeof(*program));
    program->path = strdup(binary_path);
    program->handle = handle;
    *(void **)&program->entry = dlsym(handle, "main");
    const unsigned *nr_tasklets = dlsym(handle, "__atim_emu_nr_tasklets");
    const unsigned *stack_bytes = dlsym(handle, "__atim_emu_stack_size_default");
    if (!program->entry || !nr_tasklets || !stack_bytes) {
        emu_error("dpu_load: %s has no main() or was not compiled with the emulator's DPU headers",
                  binary_path);
        return DPU_ERR_ELF_INVALID_FILE;
    }
    program->nr_tasklets = *nr_tasklets;
    program->stack_bytes = *stack_bytes;
    struct link_map *map = NULL;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map) {
        emu_error("dpu_load: cannot locate %s in memory", binary_path);
        return DPU_ERR_SYSTEM;
    }
    dpu_error_t status = read_kernel_layout(program, (uintptr_t)map->l_addr);
    if (status != DPU_OK) return status;
    if (program->nr_tasklets == 0 || program->nr_tasklets > kMaxTasklets) {
        emu_error("over capacity: NR_TASKLETS=%u: a DPU runs 1 to %d tasklets (v1A); use fewer tasklets",
                  program->nr_tasklets, kMaxTasklets);
        return DPU_ERR_TOO_MANY_TASKLETS;
    }
    if (program->stack_bytes == 0 || program->stack_bytes % 8 != 0) {
        emu_error("dpu_load: STACK_SIZE_DEFAULT=%u must be a positive multiple of 8", program->stack_bytes);
        return DPU_ERR_ELF_INVALID_FILE;
    }
    size_t fixed_wram = program->static_wram_bytes + (size_t)program->nr_tasklets * program->stack_bytes;
    if (fixed_wram > kWramBytes) {
        emu_error(
            "over capacity: WRAM overflow: %zu B static data + %u tasklets x %u B stacks = %zu B > %d B; "
            "use smaller shared WRAM buffers or fewer tasklets",
            program->static_wram_bytes, program->nr_tasklets, program->stack_bytes, fixed_wram, kWramBytes);
        return DPU_ERR_INVALID_WRAM_ACCESS;
    }
    if (program->mram_bytes > kMramBytes) {
        emu_error(
            "over capacity: MRAM overflow: the kernel's MRAM variables take %zu B > %d B per DPU; "
            "use more DPUs",
            program->mram_bytes, kMramBytes);
        return DPU_ERR_INVALID_MRAM_ACCESS;
    }
    program->mram_initial = checked_calloc(program->mram_bytes, 1);
    if (program->mram_bytes) memcpy(program->mram_initial, program->mram_section, program->mram_bytes);
    program->host_initial = checked_calloc(program->host_bytes, 1);
    if (program->host_bytes) memcpy(program->host_initial, program->host_section, program->host_bytes);
    g_program = program;
    return DPU_OK;
}

dpu_error_t dpu_load(struct dpu_set_t dpu_set, const char *binary_path, struct dpu_program_t **program) {
    dpu_error_t status = load_program(binary_path);
    if (status != DPU_OK) return status;
    uint32_t count = set_nr_dpus(dpu_set);
    for (uint32_t i = 0; i < count; ++i) {
        struct dpu_t *dpu = set_dpu(dpu_set, i);
        free(dpu->mram);
        free(dpu->host);
        dpu->mram = checked_calloc(g_program->mram_bytes, 1);
        memcpy(dpu->mram, g_program->mram_initial, g_program->mram_bytes);
        dpu->host = checked_calloc(g_program->host_bytes, 1);
        memcpy(dpu->host, g_program->host_initial, g_program->host_bytes);
        dpu->heap_used = 0;
        dpu->fault = false;
    }
    if (program) *program = g_program;
    return DPU_OK;
}

dpu_error_t dpu_get_symbol(struct dpu_program_t *program, const char *symbol_name,
                           struct dpu_symbol_t *symbol) {
    const struct emu_symbol *found = program == g_program ? find_symbol(symbol_name) : NULL;
    if (!found) {
        emu_error("dpu_get_symbol: unknown symbol '%s'", symbol_name);
        return DPU_ERR_UNKNOWN_SYMBOL;
    }
    uint8_t *section = found->in_mram ? g_program->mram_section : g_program->host_section;
    symbol->address = (dpu_mem_max_addr_t)(found->address - section) | (found->in_mram ? 0x08000000u : 0u);
    symbol->size = (dpu_mem_max_size_t)found->size;
    return DPU_OK;
}

/* ---------------------------------------------------------------------------------------------------------
 * Host <-> DPU transfers. */

/* Checks a transfer of `length` bytes at `offset` of a symbol; returns the symbol or NULL (error printed). */
static const struct emu_symbol *check_transfer(const char *call, const char *symbol_name, uint32_t offset,
                                               size_t length, dpu_error_t *status) {
    if (!g_program) {
        emu_error("%s: no program loaded (call dpu_load first)", call);
        *status = DPU_ERR_NO_PROGRAM_LOADED;
        return NULL;
    }
    const struct emu_symbol *symbol = find_symbol(symbol_name);
    if (!symbol) {
        if (strcmp(symbol_name, DPU_MRAM_HEAP_POINTER_NAME) == 0)
            emu_error("%s: the emulator does not model the MRAM heap (%s); declare __mram_noinit arrays",
                      call, symbol_name);
        else
            emu_error("%s: unknown symbol '%s' (not a __host or __mram variable of the kernel)", call,
                      symbol_name);
        *status = DPU_ERR_UNKNOWN_SYMBOL;
        return NULL;
    }
    unsigned alignment = symbol->in_mram ? 8 : 4;
    if (offset % alignment != 0 || length % alignment != 0) {
        emu_error(
            "%s: invalid %s access to '%s' at offset %u, length %zu: offset and length must be multiples of "
            "%u",
            call, symbol->in_mram ? "mram" : "wram", symbol_name, offset, length, alignment);
        *status = symbol->in_mram ? DPU_ERR_INVALID_MRAM_ACCESS : DPU_ERR_INVALID_WRAM_ACCESS;
        return NULL;
    }
    if ((size_t)offset + length > symbol->size) {
        emu_error("%s: invalid symbol access to '%s': offset %u + length %zu > symbol size %zu", call,
                  symbol_name, offset, length, symbol->size);
        *status = DPU_ERR_INVALID_SYMBOL_ACCESS;
        return NULL;
    }
    return symbol;
}

/* Where the bytes of a symbol live in a DPU's image. */
static uint8_t *image_of(struct dpu_t *dpu, const struct emu_symbol *symbol, uint32_t offset) {
    if (symbol->in_mram) return dpu->mram + (symbol->address - g_program->mram_section) + offset;
    return dpu->host + (symbol->address - g_program->host_section) + offset;
}

static dpu_error_t copy_to_all(const char *call, struct dpu_set_t set, const char *symbol_name,
                               uint32_t offset, const void *src, size_t length) {
    dpu_error_t status = DPU_OK;
    const struct emu_symbol *symbol = check_transfer(call, symbol_name, offset, length, &status);
    if (!symbol) return status;
    uint32_t count = set_nr_dpus(set);
    for (uint32_t i = 0; i < count; ++i) memcpy(image_of(set_dpu(set, i), symbol, offset), src, length);
    return DPU_OK;
}

dpu_error_t dpu_copy_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                        const void *src, size_t length) {
    return copy_to_all("dpu_copy_to", dpu_set, symbol_name, symbol_offset, src, length);
}

dpu_error_t dpu_broadcast_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                             const void *src, size_t length, dpu_xfer_flags_t flags) {
    (void)flags;
    return copy_to_all("dpu_broadcast_to", dpu_set, symbol_name, symbol_offset, src, length);
}

dpu_error_t dpu_copy_from(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                          void *dst, size_t length) {
    if (dpu_set.kind != DPU_SET_DPU) {
        emu_error("dpu_copy_from: the set must be a single DPU (use DPU_FOREACH)");
        return DPU_ERR_INVALID_DPU_SET;
    }
    dpu_error_t status = DPU_OK;
    const struct emu_symbol *symbol =
        check_transfer("dpu_copy_from", symbol_name, symbol_offset, length, &status);
    if (!symbol) return status;
    memcpy(dst, image_of(dpu_set.dpu, symbol, symbol_offset), length);
    return DPU_OK;
}

dpu_error_t dpu_prepare_xfer(struct dpu_set_t dpu_set, void *buffer) {
    uint32_t count = set_nr_dpus(dpu_set);
    for (uint32_t i = 0; i < count; ++i) set_dpu(dpu_set, i)->prepared = buffer;
    return DPU_OK;
}

dpu_error_t dpu_push_xfer(struct dpu_set_t dpu_set, dpu_xfer_t xfer, const char *symbol_name,
                          uint32_t symbol_offset, size_t length, dpu_xfer_flags_t flags) {
    dpu_error_t status = DPU_OK;
    const struct emu_symbol *symbol =
        check_transfer("dpu_push_xfer", symbol_name, symbol_offset, length, &status);
    if (!symbol) return status;
    uint32_t count = set_nr_dpus(dpu_set);
    for (uint32_t i = 0; i < count; ++i) {
        struct dpu_t *dpu = set_dpu(dpu_set, i);
        if (!dpu->prepared) {
            emu_error(
                "dpu_push_xfer to '%s': no buffer prepared for DPU %u (call dpu_prepare_xfer for every DPU)",
                symbol_name, dpu->index);
            return DPU_ERR_INVALID_MEMORY_TRANSFER;
        }
    }
    for (uint32_t i = 0; i < count; ++i) {
        struct dpu_t *dpu = set_dpu(dpu_set, i);
        uint8_t *image = image_of(dpu, symbol, symbol_offset);
        if (xfer == DPU_XFER_TO_DPU)
            memcpy(image, dpu->prepared, length);
        else
            memcpy(dpu->prepared, image, length);
        if (!(flags & DPU_XFER_NO_RESET)) dpu->prepared = NULL;
    }
    return DPU_OK;
}

/* ---------------------------------------------------------------------------------------------------------
 * Running the DPUs. State of the DPU that runs now (one at a time). */

static struct dpu_t *g_running;
static unsigned g_finished_tasklets;
static unsigned g_waiting_tasklets;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_barrier_moved = PTHREAD_COND_INITIALIZER;
static _Alignas(8) uint8_t g_wram_heap[kWramBytes];
static __thread int t_tasklet = -1;

/* Ends the run: a DPU broke a hardware rule. */
static void dpu_violation(bool over_capacity, const char *format, ...) {
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    fprintf(stderr, "atim-emu: %sDPU %u tasklet %d: %s\n", over_capacity ? "over capacity: " : "",
            g_running ? g_running->index : 0u, t_tasklet, message);
    fflush(stderr);
    fflush(stdout);
    _exit(over_capacity ? kExitOverCapacity : kExitRuleViolation);
}

static void require_running(const char *call) {
    if (!g_running || t_tasklet < 0) {
        emu_error("%s called outside a DPU kernel", call);
        _exit(kExitRuleViolation);
    }
}

/* Kernel-side API (declared in the headers of ../dpu). */

unsigned int me(void) {
    require_running("me()");
    return (unsigned int)t_tasklet;
}

void halt(void) {
    require_running("halt()");
    fprintf(stderr, "atim-emu: DPU %u tasklet %d: halt() (DPU fault)\n", g_running->index, t_tasklet);
    pthread_mutex_lock(&g_lock);
    g_running->fault = true;
    pthread_mutex_unlock(&g_lock);
    pthread_exit(NULL);
}

int check_stack(void) { return 0; }

static bool in_mram(const uint8_t *p) {
    return g_program->mram_section && p >= g_program->mram_section &&
           p < g_program->mram_section + g_program->mram_bytes;
}

/* The rules of one ldma/sdma (upmem-api.md §3.3). */
static void check_dma(const char *call, const uint8_t *mram, const uint8_t *wram, unsigned int bytes) {
    require_running(call);
    if (bytes < 8 || bytes > kMaxDmaBytes || bytes % 8 != 0)
        dpu_violation(false, "%s of %u bytes (MRAM %p, WRAM %p): the size must be a multiple of 8 in [8, %d]",
                      call, bytes, (const void *)mram, (const void *)wram, kMaxDmaBytes);
    if (!in_mram(mram) || (size_t)(mram - g_program->mram_section) + bytes > g_program->mram_bytes)
        dpu_violation(false,
                      "%s of %u bytes at MRAM address %p: outside the kernel's MRAM variables [%p, %p)", call,
                      bytes, (const void *)mram, (const void *)g_program->mram_section,
                      (const void *)(g_program->mram_section + g_program->mram_bytes));
    if ((mram - g_program->mram_section) % 8 != 0)
        dpu_violation(false, "%s at MRAM offset %td: the MRAM address must be 8-byte aligned", call,
                      mram - g_program->mram_section);
    if (in_mram(wram))
        dpu_violation(false, "%s: the WRAM side %p is an MRAM address", call, (const void *)wram);
    if ((uintptr_t)wram % 8 != 0)
        dpu_violation(
            false,
            "%s to WRAM address %p: the WRAM buffer must be 8-byte aligned (__dma_aligned or mem_alloc)",
            call, (const void *)wram);
}

void mram_read(const void *from, void *to, unsigned int nb_of_bytes) {
    check_dma("mram_read", from, to, nb_of_bytes);
    memcpy(to, from, nb_of_bytes);
}

void mram_write(const void *from, void *to, unsigned int nb_of_bytes) {
    check_dma("mram_write", to, from, nb_of_bytes);
    memcpy(to, from, nb_of_bytes);
}

static size_t heap_capacity(void) {
    return (size_t)kWramBytes - g_program->static_wram_bytes -
           (size_t)g_program->nr_tasklets * g_program->stack_bytes;
}

void *mem_alloc(size_t size) {
    require_running("mem_alloc");
    size_t rounded = (size + 7) & ~(size_t)7;
    pthread_mutex_lock(&g_lock);
    size_t offset = g_running->heap_used;
    if (offset + rounded > heap_capacity()) {
        pthread_mutex_unlock(&g_lock);
        dpu_violation(
            true,
            "mem_alloc(%zu) overflows WRAM: %zu B static data + %u tasklets x %u B stacks + %zu B heap in "
            "use + %zu B > %d B; use smaller WRAM tiles or fewer tasklets",
            size, g_program->static_wram_bytes, g_program->nr_tasklets, g_program->stack_bytes, offset,
            rounded, kWramBytes);
    }
    g_running->heap_used = offset + rounded;
    pthread_mutex_unlock(&g_lock);
    return g_wram_heap + offset;
}

void *mem_reset(void) {
    require_running("mem_reset");
    pthread_mutex_lock(&g_lock);
    g_running->heap_used = 0;
    pthread_mutex_unlock(&g_lock);
    return g_wram_heap;
}

/* Called with g_lock held: every tasklet still running waits at a barrier that cannot complete. */
static void check_barrier_deadlock(void) {
    if (g_waiting_tasklets > 0 && g_waiting_tasklets + g_finished_tasklets == g_program->nr_tasklets)
        dpu_violation(
            false,
            "barrier deadlock: %u tasklets wait at a barrier and %u have finished; every tasklet of the "
            "DPU (NR_TASKLETS=%u) must reach each barrier_wait as many times as the barrier's count needs",
            g_waiting_tasklets, g_finished_tasklets, g_program->nr_tasklets);
}

void barrier_wait(barrier_t *barrier) {
    require_running("barrier_wait");
    pthread_mutex_lock(&g_lock);
    if (barrier->count <= 0 || barrier->count > 127) {
        pthread_mutex_unlock(&g_lock);
        dpu_violation(false, "barrier '%s' has count %d; BARRIER_INIT takes a count in [1, 127]",
                      barrier->name, barrier->count);
    }
    if (++barrier->waiting == barrier->count) {
        /* The waiters are released now, before they wake up: count them out here so that a tasklet finishing
         * early does not see them as still waiting. */
        g_waiting_tasklets -= (unsigned)(barrier->count - 1);
        barrier->waiting = 0;
        ++barrier->generation;
        pthread_cond_broadcast(&g_barrier_moved);
    } else {
        unsigned generation = barrier->generation;
        ++g_waiting_tasklets;
        check_barrier_deadlock();
        while (generation == barrier->generation) pthread_cond_wait(&g_barrier_moved, &g_lock);
    }
    pthread_mutex_unlock(&g_lock);
}

struct tasklet_start {
    int id;
};

static void tasklet_finished(void *unused) {
    (void)unused;
    pthread_mutex_lock(&g_lock);
    ++g_finished_tasklets;
    check_barrier_deadlock();
    pthread_mutex_unlock(&g_lock);
}

static void *run_tasklet(void *arg) {
    t_tasklet = ((struct tasklet_start *)arg)->id;
    pthread_cleanup_push(tasklet_finished, NULL);
    g_program->entry();
    pthread_cleanup_pop(1);
    return NULL;
}

/* Runs one DPU: its images in, NR_TASKLETS threads on main(), its images out. */
static dpu_error_t run_dpu(struct dpu_t *dpu) {
    if (g_program->mram_bytes) memcpy(g_program->mram_section, dpu->mram, g_program->mram_bytes);
    if (g_program->host_bytes) memcpy(g_program->host_section, dpu->host, g_program->host_bytes);
    g_running = dpu;
    g_finished_tasklets = 0;
    g_waiting_tasklets = 0;
    pthread_t threads[kMaxTasklets];
    struct tasklet_start starts[kMaxTasklets];
    for (unsigned t = 0; t < g_program->nr_tasklets; ++t) {
        starts[t].id = (int)t;
        if (pthread_create(&threads[t], NULL, run_tasklet, &starts[t]) != 0) {
            emu_error("dpu_launch: cannot start tasklet %u of DPU %u", t, dpu->index);
            _exit(kExitRuleViolation);
        }
    }
    for (unsigned t = 0; t < g_program->nr_tasklets; ++t) pthread_join(threads[t], NULL);
    g_running = NULL;
    if (g_program->mram_bytes) memcpy(dpu->mram, g_program->mram_section, g_program->mram_bytes);
    if (g_program->host_bytes) memcpy(dpu->host, g_program->host_section, g_program->host_bytes);
    return dpu->fault ? DPU_ERR_DPU_FAULT : DPU_OK;
}

dpu_error_t dpu_launch(struct dpu_set_t dpu_set, dpu_launch_policy_t policy) {
    (void)policy; /* DPU_ASYNCHRONOUS also runs to completion: dpu_sync/dpu_status then have nothing to wait
                     for */
    if (!g_program) {
        emu_error("dpu_launch: no program loaded (call dpu_load first)");
        return DPU_ERR_NO_PROGRAM_LOADED;
    }
    dpu_error_t status = DPU_OK;
    uint32_t count = set_nr_dpus(dpu_set);
    for (uint32_t i = 0; i < count; ++i) {
        struct dpu_t *dpu = set_dpu(dpu_set, i);
        if (!dpu->mram && g_program->mram_bytes) {
            emu_error("dpu_launch: DPU %u has no program loaded", dpu->index);
            return DPU_ERR_NO_PROGRAM_LOADED;
        }
        if (run_dpu(dpu) != DPU_OK) status = DPU_ERR_DPU_FAULT;
    }
    return status;
}

dpu_error_t dpu_status(struct dpu_set_t dpu_set, bool *done, bool *fault) {
    *done = true;
    *fault = false;
    uint32_t count = set_nr_dpus(dpu_set);
    for (uint32_t i = 0; i < count; ++i) *fault = *fault || set_dpu(dpu_set, i)->fault;
    return DPU_OK;
}

dpu_error_t dpu_sync(struct dpu_set_t dpu_set) {
    bool done = true, fault = false;
    dpu_status(dpu_set, &done, &fault);
    return fault ? DPU_ERR_DPU_FAULT : DPU_OK;
}

static const char *const kErrorNames[] = {
    "success",
    "internal error",
    "system error",
    "driver error",
    "allocation error",
    "invalid dpu set",
    "invalid thread id",
    "invalid notify id",
    "invalid wram access",
    "invalid iram access",
    "invalid mram access",
    "invalid symbol access",
    "mram busy",
    "transfer already set",
    "invalid parallel memory transfer",
    "wram fifo full",
    "no program loaded",
    "different dpu programs",
    "corrupted memory",
    "dpu disabled",
    "dpu already running",
    "invalid memory transfer",
    "invalid launch policy",
    "dpu fault",
    "invalid elf file",
    "no such elf file",
    "no such elf section",
    "timeout",
    "invalid profile",
    "unknown symbol",
    "log format error",
    "log context missing",
    "log buffer too small",
    "invalid vpd file",
    "no vpd repair",
    "no thread per rank",
    "invalid buffer size",
    "nonblocking sync callback",
    "too many tasklets",
    "too many sg blocks",
    "sg length mismatch",
    "sg not activated",
    "sg not mram symbol",
};

char *dpu_error_to_string(dpu_error_t status) {
    size_t count = sizeof(kErrorNames) / sizeof(kErrorNames[0]);
    return strdup((size_t)status < count ? kErrorNames[status] : "unknown error");
}
