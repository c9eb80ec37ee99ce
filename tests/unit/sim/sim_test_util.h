// Helpers shared by the simulator unit tests: assemble a snippet, run it, read registers and words.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "atim/sim/assembler.h"
#include "atim/sim/dpu.h"
#include "atim/target/upmem_machine.h"

namespace atim::sim::testing {

/// Assembles `source` as test.S; `with_runtime` links the bootstrap and runtime library.
inline std::shared_ptr<const Program> build(const std::string &source, bool with_runtime, int tasklets = 24) {
    AssembleOptions options;
    options.link_bootstrap = with_runtime;
    options.link_runtime = with_runtime;
    options.tasklets = tasklets;
    return std::make_shared<const Program>(assemble(source, "test.S", options));
}

/// A DPU running `source` without the runtime: every tasklet starts at `main` (or pc 0).
inline Dpu bare_dpu(const std::string &source, int tasklets = 1, target::UpmemMachine machine = {},
                    DpuOptions options = {}) {
    return Dpu(build(source, false), machine, tasklets, options);
}

inline uint32_t word_at(const Dpu &dpu, const std::string &symbol, uint32_t index = 0) {
    uint8_t bytes[4];
    dpu.read_symbol(symbol, index * 4, bytes);
    uint32_t value;
    std::memcpy(&value, bytes, 4);
    return value;
}

inline void set_word(Dpu &dpu, const std::string &symbol, uint32_t index, uint32_t value) {
    uint8_t bytes[4];
    std::memcpy(bytes, &value, 4);
    dpu.write_symbol(symbol, index * 4, bytes);
}

}  // namespace atim::sim::testing
