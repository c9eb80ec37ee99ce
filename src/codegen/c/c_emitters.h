// The two halves of the C code generator, called by emit_c: the DPU kernel and the host program.
#pragma once

#include <string>

#include "atim/codegen/c_codegen.h"
#include "c_printer.h"

namespace atim::codegen {

/// Names the generated files use for the DPU argument struct and its symbol.
inline constexpr const char *kDpuArgsType = "atim_dpu_args_t";
inline constexpr const char *kDpuArgsSymbol = "dpu_args";

/// dpu.c. `names` is shared with the host program, so MRAM symbols have the same names on both sides.
std::string emit_dpu_kernel(const lower::PimProgram &program, CNameTable &names);

/// host.c.
std::string emit_host_program(const lower::PimProgram &program, const CEmitOptions &options,
                              CNameTable &names);

}  // namespace atim::codegen
