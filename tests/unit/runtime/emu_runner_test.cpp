// A hand-built program (no lowering) through code generation, the C compiler and the emulator: outputs must
// be bit-exact, including the padded last DPU, shared WRAM + barriers, MRAM element access and the host
// epilogue.
#include "atim/runtime/emu_runner.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "atim/support/error.h"
#include "unit/codegen/hand_built_programs.h"

namespace atim::runtime {
namespace {

TensorValues vector_inputs(int m) {
    TensorValues inputs;
    for (int i = 0; i < m; ++i) {
        inputs["A"].push_back(i * 7 % 50);
        inputs["B"].push_back(1000 - i);
    }
    return inputs;
}

TEST(EmuRunner, VectorAddOnFourDpusWithAPartialLastDpu) {
    const int m = 1000, dpus = 4, tasklets = 4, box = 256;
    TensorValues inputs = vector_inputs(m);
    EmuExecution run = execute_on_emu(testing::vector_add_program(m, dpus, tasklets, box), inputs, {});
    ASSERT_EQ(run.outputs.count("C"), 1u);
    const std::vector<int64_t> &c = run.outputs.at("C");
    ASSERT_EQ(c.size(), static_cast<size_t>(m));
    for (int i = 0; i < m; ++i) ASSERT_EQ(c[i], inputs["A"][i] + inputs["B"][i]) << "element " << i;
    EXPECT_GE(run.kernel_ms, 0.0);
}

TEST(EmuRunner, SharedWramBarrierAndHostEpilogue) {
    const int m = 1000, dpus = 4, tasklets = 4, box = 256;
    TensorValues inputs = vector_inputs(m);
    EmuExecution run = execute_on_emu(testing::vector_add_program(m, dpus, tasklets, box, true), inputs, {});
    int64_t expected = 0;
    for (int d = 0; d < dpus; ++d)
        for (int t = 0; t < tasklets; ++t) {
            int i = d * box + t * 64;
            expected += inputs["A"][i] + inputs["B"][i];
        }
    ASSERT_EQ(run.outputs.count("T"), 1u);
    EXPECT_EQ(run.outputs.at("T")[0], expected);
}

TEST(EmuRunner, KeepDirLeavesTheSourcesAndBinaries) {
    RunOptions options;
    options.keep_dir = true;
    EmuExecution run =
        execute_on_emu(testing::vector_add_program(512, 2, 2, 256), vector_inputs(512), options);
    ASSERT_FALSE(run.work_dir.empty());
    for (const char *name : {"dpu.c", "host.c", "build.sh", "dpu.so", "host", "A.bin", "C.bin"})
        EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(run.work_dir) / name)) << name;
    std::filesystem::remove_all(run.work_dir);
}

TEST(EmuRunner, WramOverflowAtRunTimeIsTheUsersError) {
    // 3 buffers x 64 elements x 4 B per tasklet fit; a box of 16384 elements per DPU with 24 tasklets fits
    // too, but WRAM tiles of 4096 elements per tasklet (3 x 16 KB x 2 tasklets) do not.
    lower::PimProgram p = testing::vector_add_program(512, 2, 2, 256);
    ir::Buffer big = ir::make_buffer("big", ir::DType::Int32, {16384}, ir::MemScope::WramLocal);
    p.kernel = ir::Allocate::make(big, ir::Seq::make({ir::Store::make(big, {0}, 1), p.kernel}));
    try {
        execute_on_emu(p, vector_inputs(512), {});
        FAIL() << "a kernel allocating 2 x 64 KB of WRAM ran";
    } catch (const UserError &e) {
        EXPECT_NE(std::string(e.what()).find("overflows WRAM"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace atim::runtime
