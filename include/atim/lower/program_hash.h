// A hash of a lowered program: equal for schedules that lower to the same host and DPU program (the tuner
// measures each program once, whatever trace it came from).
#pragma once

#include <cstdint>
#include <string>

#include "atim/lower/pim_program.h"

namespace atim::lower {

/// The host side of a program, printed: name, grid, tasklets, opt level, WRAM use, tensors, MRAM slices,
/// transfers and host epilogue (everything but the kernel). Holds no pointers.
std::string host_program_text(const PimProgram &program);

/// FNV-1a over the program's printed form: grid, tasklets, WRAM use, tensors, MRAM layout, transfers, kernel
/// and host epilogue. Stable across runs and platforms (the text holds no pointers).
uint64_t program_hash(const PimProgram &program);

}  // namespace atim::lower
