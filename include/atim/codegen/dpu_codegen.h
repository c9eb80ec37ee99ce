// UPMEM DPU assembly code generation: the kernel of a PimProgram as a DPU program (the syntax UPMEM's clang
// emits and sim::assemble accepts), linked with the simulator's runtime library (__mulsi3, division,
// barrier_wait, mem_alloc, mem_reset, __bootstrap).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atim/lower/pim_program.h"
#include "atim/target/upmem_machine.h"

namespace atim::codegen {

/// The generated DPU program and the names the host uses to reach its data.
/// Bytes of the DPU arguments the host writes before every launch (int32 dpu_x, dpu_y, dpu_z, unused).
inline constexpr int64_t kDpuArgsBytes = 16;

struct DpuKernel {
    std::string assembly;
    /// WRAM object in `.dpu_host` holding this DPU's grid coordinates: int32 dpu_x, dpu_y, dpu_z, unused
    /// (16 bytes, written by the host before every launch, as the C backend's `__host` struct).
    std::string args_symbol;
    /// The MRAM object of each PimProgram::slices entry (slices sharing a local buffer share the object),
    /// `bytes_per_dpu` bytes, 8-byte aligned.
    std::vector<std::string> slice_symbols;
    int64_t kernel_instructions = 0;      ///< instructions of the kernel itself (without the runtime library)
    int64_t frame_bytes_per_tasklet = 0;  ///< stack each tasklet uses (spills, variables, scratch)
    int variables_in_registers = 0;       ///< loop/let variables and pointers kept in registers
    int variables_in_frame = 0;           ///< ... and those kept in stack slots
};

/// Compiles the kernel of `program` for one DPU of `machine`. Loops the lowering marked Unrolled are unrolled
/// when their extent is constant and the copies stay small; otherwise they run as plain loops.
/// Throws UserError when the kernel does not fit the machine (IRAM instructions, stack per tasklet).
DpuKernel compile_dpu_kernel(const lower::PimProgram &program, const target::UpmemMachine &machine);

/// The assembly text of compile_dpu_kernel (what `atim compile --emit asm` prints).
std::string emit_dpu_asm(const lower::PimProgram &program, const target::UpmemMachine &machine);

}  // namespace atim::codegen
