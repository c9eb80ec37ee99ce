// Whole-program checks: hand-built nests lowered at every optimization level run (per DPU, per tasklet,
// with transfers and the host epilogue) to exactly the results of running the nests directly.
#include <gtest/gtest.h>

#include "atim/lower/lower.h"
#include "lower/pim_program_interp.h"
#include "unit/lower/hand_built_programs.h"

namespace atim::lower {
namespace {

using testing::matrix_vector;
using testing::matrix_vector_rfactor;
using testing::reduction;
using testing::scale_rows;
using testing::vector_add;

/// Deterministic inputs in [0, 50) (splitmix64), one vector per Input tensor.
HostTensors make_inputs(const ScheduledLoops &loops, uint64_t seed) {
    HostTensors tensors;
    for (const TensorInfo &tensor : loops.tensors) {
        if (tensor.role != TensorRole::Input) continue;
        std::vector<int64_t> values(tensor.buffer->num_elements());
        for (int64_t &v : values) {
            seed += 0x9e3779b97f4a7c15ull;
            uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            v = static_cast<int64_t>((z ^ (z >> 31)) % 50);
        }
        tensors[tensor.buffer.get()] = values;
    }
    return tensors;
}

/// Lowers `loops` at `level` and checks the PimProgram computes what the nest computes, bit-exactly.
void expect_same_results(const ScheduledLoops &loops, int level) {
    SCOPED_TRACE(fmt::format("{} at optimization level {}", loops.name, level));
    target::UpmemMachine machine;
    LowerOptions options;
    options.opt_level = level;
    PimProgram program = lower_loops(loops, machine, options);

    HostTensors expected = make_inputs(loops, 7);
    HostTensors got = expected;
    run_on_host(loops.device, expected);
    if (loops.host_epilogue.defined()) run_on_host(loops.host_epilogue, expected);
    run_pim_program(program, got);

    for (const TensorInfo &tensor : loops.tensors) {
        if (tensor.role != TensorRole::Output) continue;
        const auto &want = expected.at(tensor.buffer.get());
        const auto &have = got.at(tensor.buffer.get());
        ASSERT_EQ(want.size(), have.size());
        for (size_t i = 0; i < want.size(); ++i) {
            ASSERT_EQ(want[i], have[i]) << tensor.buffer->name << "[" << i << "]\n"
                                        << ir::to_string(program.kernel);
        }
    }
}

struct Case {
    std::string what;
    ScheduledLoops loops;
};

std::vector<Case> cases() {
    return {
        {"va divisible", vector_add(256, 4, 4, 16)},
        {"va ragged", vector_add(300, 3, 4, 16)},
        {"va ragged int64", vector_add(199, 2, 3, 16, ir::DType::Int64)},
        {"va odd tile (no DMA)", vector_add(101, 2, 2, 5)},
        {"va tile over 2048 bytes", vector_add(1100, 1, 1, 600)},
        {"mtv divisible", matrix_vector(32, 32, 2, 4, 16)},
        {"mtv K=77", matrix_vector(30, 77, 2, 4, 16)},
        {"mtv rfactor", matrix_vector_rfactor(30, 77, 2, 3, 4, 8)},
        {"red", reduction(503, 4, 4, 16)},
        {"rows with ragged column tiles", scale_rows(8, 50, 2, 4, 16)},
    };
}

TEST(LoweredProgram, ComputesTheSameAsTheNestAtEveryLevel) {
    for (const Case &c : cases()) {
        SCOPED_TRACE(c.what);
        for (int level : {0, 1, 2, 3, 4}) expect_same_results(c.loops, level);
    }
}

}  // namespace
}  // namespace atim::lower
