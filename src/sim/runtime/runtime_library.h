// The DPU runtime library, written in DPU assembly and linked into every program by the assembler:
// bootstrap, 32/64-bit multiply, division, barrier, mutex and WRAM heap. Calling convention in
// src/sim/asm/README.md.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace atim::sim::runtime {

/// `__bootstrap`: tasklet 0 initializes the runtime, each tasklet boots the next, sets its stack, calls main.
const std::string &bootstrap_source();

/// WRAM data shared by the bootstrap and the library (stack table, heap pointer, default barrier).
const std::string &runtime_data_source();

/// The library routines as (file name, assembly text) pairs.
const std::vector<std::pair<std::string, std::string>> &library_sources();

}  // namespace atim::sim::runtime
