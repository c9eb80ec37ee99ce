// Assembler + linker for UPMEM DPU assembly (the syntax UPMEM's clang emits), with the runtime library.
#pragma once

#include <string>
#include <string_view>

#include "atim/sim/program.h"

namespace atim::sim {

struct AssembleOptions {
    bool link_bootstrap = true;  ///< prepend `__bootstrap` (tasklet 0 boots the others, each calls main)
    bool link_runtime = true;    ///< append __mulsi3, division, __muldi3, barrier, mutex, mem_alloc
    /// Stacks are reserved for this many tasklets; a Dpu may run up to this many.
    int tasklets = 24;
    /// Per-tasklet stack in WRAM, a positive multiple of 8. 256 B is the typical `-DSTACK_SIZE_DEFAULT=256`
    /// of UPMEM compile lines (upmem-api.md §1; the SDK's built-in default is not documented) and
    /// UpmemMachine::stack_bytes_per_tasklet; our generated kernels' frames fit in it.
    int stack_bytes_per_tasklet = 256;
    int iram_instructions = 4096;     ///< IRAM capacity [upmem-hardware.md §1]
    int64_t wram_bytes = 64 * 1024;   ///< WRAM capacity [upmem-hardware.md §1]
    int64_t mram_bytes = 64ll << 20;  ///< MRAM capacity [upmem-hardware.md §1]
};

/// Parses `source` (named `filename` in messages), links it with the runtime library and bootstrap and
/// lays out WRAM/MRAM. Throws UserError "FILE:LINE: what is wrong" for bad assembly and for programs
/// that exceed IRAM or WRAM.
Program assemble(std::string_view source, const std::string &filename, const AssembleOptions &options = {});

}  // namespace atim::sim
