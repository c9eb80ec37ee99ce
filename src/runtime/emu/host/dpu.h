/* Native emulation of the UPMEM SDK, host side (SDK `dpu.h`): the subset of the host API that atim's
 * generated programs use, with the SDK's names, types and rules. DPUs are objects with their own MRAM and
 * `__host` images; dpu_launch runs them one after another, each DPU's tasklets as parallel threads.
 * Every rule violation prints one line starting with "atim-emu:" to stderr. */
#ifndef ATIM_EMU_DPU_H
#define ATIM_EMU_DPU_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint32_t dpu_id_t;
typedef uint16_t dpu_rank_id_t;
typedef uint32_t mram_addr_t;
typedef uint32_t wram_addr_t;
typedef uint16_t iram_addr_t;
typedef uint32_t dpuword_t;
typedef uint64_t dpuinstruction_t;
typedef uint32_t dpu_mem_max_addr_t;
typedef uint32_t dpu_mem_max_size_t;

#define DPU_MAX_NR_CIS 8
#define DPU_MAX_NR_DPUS_PER_CI 8
#define DPU_BOOT_THREAD 0
#define DPU_ALLOCATE_ALL (UINT_MAX)
#define DPU_MRAM_HEAP_POINTER_NAME "__sys_used_mram_end"

typedef enum {
    DPU_OK,
    DPU_ERR_INTERNAL,
    DPU_ERR_SYSTEM,
    DPU_ERR_DRIVER,
    DPU_ERR_ALLOCATION,
    DPU_ERR_INVALID_DPU_SET,
    DPU_ERR_INVALID_THREAD_ID,
    DPU_ERR_INVALID_NOTIFY_ID,
    DPU_ERR_INVALID_WRAM_ACCESS,
    DPU_ERR_INVALID_IRAM_ACCESS,
    DPU_ERR_INVALID_MRAM_ACCESS,
    DPU_ERR_INVALID_SYMBOL_ACCESS,
    DPU_ERR_MRAM_BUSY,
    DPU_ERR_TRANSFER_ALREADY_SET,
    DPU_ERR_INVALID_PARALLEL_MEMORY_TRANSFER,
    DPU_ERR_WRAM_FIFO_FULL,
    DPU_ERR_NO_PROGRAM_LOADED,
    DPU_ERR_DIFFERENT_DPU_PROGRAMS,
    DPU_ERR_CORRUPTED_MEMORY,
    DPU_ERR_DPU_DISABLED,
    DPU_ERR_DPU_ALREADY_RUNNING,
    DPU_ERR_INVALID_MEMORY_TRANSFER,
    DPU_ERR_INVALID_LAUNCH_POLICY,
    DPU_ERR_DPU_FAULT,
    DPU_ERR_ELF_INVALID_FILE,
    DPU_ERR_ELF_NO_SUCH_FILE,
    DPU_ERR_ELF_NO_SUCH_SECTION,
    DPU_ERR_TIMEOUT,
    DPU_ERR_INVALID_PROFILE,
    DPU_ERR_UNKNOWN_SYMBOL,
    DPU_ERR_LOG_FORMAT,
    DPU_ERR_LOG_CONTEXT_MISSING,
    DPU_ERR_LOG_BUFFER_TOO_SMALL,
    DPU_ERR_VPD_INVALID_FILE,
    DPU_ERR_VPD_NO_REPAIR,
    DPU_ERR_NO_THREAD_PER_RANK,
    DPU_ERR_INVALID_BUFFER_SIZE,
    DPU_ERR_NONBLOCKING_SYNC_CALLBACK,
    DPU_ERR_TOO_MANY_TASKLETS,
    DPU_ERR_SG_TOO_MANY_BLOCKS,
    DPU_ERR_SG_LENGTH_MISMATCH,
    DPU_ERR_SG_NOT_ACTIVATED,
    DPU_ERR_SG_NOT_MRAM_SYMBOL,
} dpu_error_t;

typedef enum { DPU_SET_RANKS, DPU_SET_DPU } dpu_set_kind_t;
typedef enum { DPU_ASYNCHRONOUS, DPU_SYNCHRONOUS } dpu_launch_policy_t;
typedef enum { DPU_XFER_TO_DPU, DPU_XFER_FROM_DPU } dpu_xfer_t;
typedef enum {
    DPU_XFER_DEFAULT = 0,
    DPU_XFER_NO_RESET = 1 << 0,
    DPU_XFER_ASYNC = 1 << 1,
    DPU_XFER_PARALLEL = 1 << 2,
} dpu_xfer_flags_t;

struct dpu_rank_t;
struct dpu_t;
struct dpu_program_t;

struct dpu_set_t {
    dpu_set_kind_t kind;
    union {
        struct {
            uint32_t nr_ranks;
            struct dpu_rank_t **ranks;
        } list;
        struct dpu_t *dpu;
    };
};

struct dpu_symbol_t {
    dpu_mem_max_addr_t address;
    dpu_mem_max_size_t size;
};

dpu_error_t dpu_alloc(uint32_t nr_dpus, const char *profile, struct dpu_set_t *dpu_set);
dpu_error_t dpu_free(struct dpu_set_t dpu_set);
dpu_error_t dpu_get_nr_ranks(struct dpu_set_t dpu_set, uint32_t *nr_ranks);
dpu_error_t dpu_get_nr_dpus(struct dpu_set_t dpu_set, uint32_t *nr_dpus);
dpu_error_t dpu_load(struct dpu_set_t dpu_set, const char *binary_path, struct dpu_program_t **program);
dpu_error_t dpu_get_symbol(struct dpu_program_t *program, const char *symbol_name,
                           struct dpu_symbol_t *symbol);
dpu_error_t dpu_launch(struct dpu_set_t dpu_set, dpu_launch_policy_t policy);
dpu_error_t dpu_status(struct dpu_set_t dpu_set, bool *done, bool *fault);
dpu_error_t dpu_sync(struct dpu_set_t dpu_set);
dpu_error_t dpu_copy_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                        const void *src, size_t length);
dpu_error_t dpu_copy_from(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                          void *dst, size_t length);
dpu_error_t dpu_prepare_xfer(struct dpu_set_t dpu_set, void *buffer);
dpu_error_t dpu_push_xfer(struct dpu_set_t dpu_set, dpu_xfer_t xfer, const char *symbol_name,
                          uint32_t symbol_offset, size_t length, dpu_xfer_flags_t flags);
dpu_error_t dpu_broadcast_to(struct dpu_set_t dpu_set, const char *symbol_name, uint32_t symbol_offset,
                             const void *src, size_t length, dpu_xfer_flags_t flags);
/* The SDK's message for an error code; the caller frees it. */
char *dpu_error_to_string(dpu_error_t status);

/* Emulator internals used by the macros below. */
bool atim_emu_set_dpu_at(struct dpu_set_t dpu_set, uint32_t index, struct dpu_set_t *dpu);
bool atim_emu_set_rank_at(struct dpu_set_t dpu_set, uint32_t index, struct dpu_set_t *rank);

#define DPU_CHECK(statement, on_error)                                                           \
    do {                                                                                         \
        dpu_error_t __error = (statement);                                                       \
        if (__error != DPU_OK) {                                                                 \
            char *__msg = dpu_error_to_string(__error);                                          \
            fprintf(stderr, "%s:%d(%s): DPU Error (%s)\n", __FILE__, __LINE__, __func__, __msg); \
            free(__msg);                                                                         \
            on_error;                                                                            \
        }                                                                                        \
    } while (0)
#define DPU_ASSERT(statement) DPU_CHECK(statement, exit(EXIT_FAILURE))

/* DPU_FOREACH(set, dpu) or DPU_FOREACH(set, dpu, index): iterate over the single DPUs of a set. */
#define DPU_FOREACH(...) \
    ATIM_EMU_FOREACH_PICK(__VA_ARGS__, ATIM_EMU_FOREACH_INDEX, ATIM_EMU_FOREACH_NO_INDEX, )(__VA_ARGS__)
#define DPU_RANK_FOREACH(...)                                                                         \
    ATIM_EMU_FOREACH_PICK(__VA_ARGS__, ATIM_EMU_RANK_FOREACH_INDEX, ATIM_EMU_RANK_FOREACH_NO_INDEX, ) \
    (__VA_ARGS__)
#define ATIM_EMU_FOREACH_PICK(_1, _2, _3, name, ...) name
#define ATIM_EMU_FOREACH_INDEX(set, dpu, index) \
    for ((index) = 0; atim_emu_set_dpu_at((set), (index), &(dpu)); ++(index))
#define ATIM_EMU_FOREACH_NO_INDEX(set, dpu) \
    for (uint32_t __atim_i = 0; atim_emu_set_dpu_at((set), __atim_i, &(dpu)); ++__atim_i)
#define ATIM_EMU_RANK_FOREACH_INDEX(set, rank, index) \
    for ((index) = 0; atim_emu_set_rank_at((set), (index), &(rank)); ++(index))
#define ATIM_EMU_RANK_FOREACH_NO_INDEX(set, rank) \
    for (uint32_t __atim_r = 0; atim_emu_set_rank_at((set), __atim_r, &(rank)); ++__atim_r)

#endif
