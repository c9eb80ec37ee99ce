// The per-DPU MRAM layout and transfers lowering infers: boxes, padding, broadcast versus parallel pushes.
#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "atim/lower/lower.h"
#include "unit/lower/hand_built_programs.h"

namespace atim::lower {
namespace {

/// "name: box [extents] at (box_min...), B bytes at offset O" for each slice.
std::vector<std::string> describe_slices(const PimProgram &program) {
    std::vector<std::string> out;
    for (const MramSlice &slice : program.slices) {
        std::vector<std::string> mins;
        for (const ir::Expr &e : slice.box_min) mins.push_back(ir::to_string(e));
        out.push_back(fmt::format("{}: [{}] at ({}), {} bytes at {}", slice.host->name,
                                  fmt::join(slice.local->shape, ", "), fmt::join(mins, ", "),
                                  slice.bytes_per_dpu, slice.mram_offset));
    }
    return out;
}

std::vector<std::string> describe_transfers(const PimProgram &program) {
    std::vector<std::string> out;
    for (const auto *list : {&program.to_dpu, &program.from_dpu}) {
        for (const Transfer &t : *list) {
            out.push_back(fmt::format(
                "{} {} {} {} bytes{}", t.direction == TransferDirection::ToDpu ? "push" : "gather",
                t.kind == TransferKind::Broadcast ? "broadcast" : "parallel",
                program.slices[t.slice].host->name, t.bytes_per_dpu, t.resident ? " resident" : ""));
        }
    }
    return out;
}

TEST(MramLayout, MatrixRowsArePaddedToEightBytesAndTheVectorIsBroadcast) {
    // 30 x 777 over 2 DPUs x 4 tasklets x 4 rows: 16 rows per DPU, rows of 777 int32 padded to 778.
    PimProgram program = lower_loops(testing::matrix_vector(30, 777, 2, 4, 16), target::UpmemMachine{});
    EXPECT_EQ(describe_slices(program),
              (std::vector<std::string>{
                  // Last DMA: row 15 at 15*778 + 48*16 = 12438 elements, 16 more read = 49816 bytes.
                  "A: [16, 778] at ((dpu_x*16), 0), 49816 bytes at 0",
                  // K tiles of 16 reach 784 > 777: the last tile over-fetches into padding.
                  "B: [777] at (0), 3136 bytes at 49816",
                  "C: [16] at ((dpu_x*16)), 64 bytes at 52952",
              }));
    // Transfers move the boxes (16 x 778 x 4 bytes), not the over-fetch padding behind them.
    EXPECT_EQ(describe_transfers(program), (std::vector<std::string>{
                                               "push parallel A 49792 bytes resident",
                                               "push broadcast B 3112 bytes",
                                               "gather parallel C 64 bytes",
                                           }));
}

TEST(MramLayout, LevelZeroNeedsNoOverFetchPadding) {
    LowerOptions level0;
    level0.opt_level = 0;
    PimProgram program =
        lower_loops(testing::matrix_vector(30, 777, 2, 4, 16), target::UpmemMachine{}, level0);
    EXPECT_EQ(describe_slices(program), (std::vector<std::string>{
                                            "A: [16, 778] at ((dpu_x*16), 0), 49792 bytes at 0",
                                            "B: [777] at (0), 3112 bytes at 49792",
                                            "C: [16] at ((dpu_x*16)), 64 bytes at 52904",
                                        }));
}

TEST(MramLayout, SplitReductionGivesGridDependentBoxesAndPartials) {
    // K = 77 over 3 DPUs in y: 26 columns each (the last DPU's box reaches past 77: padding).
    PimProgram program =
        lower_loops(testing::matrix_vector_rfactor(30, 77, 2, 3, 4, 8), target::UpmemMachine{});
    EXPECT_EQ(describe_slices(program), (std::vector<std::string>{
                                            "A: [16, 26] at ((dpu_x*16), (dpu_y*26)), 1688 bytes at 0",
                                            "B: [26] at ((dpu_y*26)), 128 bytes at 1688",
                                            "C_rf: [1, 16] at (dpu_y, (dpu_x*16)), 64 bytes at 1816",
                                        }));
    EXPECT_EQ(describe_transfers(program), (std::vector<std::string>{
                                               "push parallel A 1664 bytes resident",
                                               "push parallel B 104 bytes",
                                               "gather parallel C_rf 64 bytes",
                                           }));
    EXPECT_EQ(program.grid.count(), 6);
    EXPECT_TRUE(program.host_epilogue.defined());
}

}  // namespace
}  // namespace atim::lower

namespace atim::lower {
namespace {

TEST(MramLayout, RejectsAnOutputWhosePerDpuPartCannotBeDescribed) {
    ir::Var f("f"), e("e");
    ir::Buffer out = ir::make_buffer("O", ir::DType::Int32, {3, 7});
    ir::Expr flat = f * 5 + e;
    ir::Stmt device =
        testing::loop(f, 4, testing::loop(e, 5, ir::Store::make(out, {flat / 7, flat % 7}, ir::Expr(1))),
                      ir::ForKind::DpuX);
    ScheduledLoops loops{"fused", {{out, TensorRole::Output}}, device, ir::Stmt()};
    try {
        lower_loops(loops, target::UpmemMachine{});
        ADD_FAILURE() << "no error";
    } catch (const UserError &error) {
        EXPECT_EQ(
            std::string(error.what()),
            "cannot tell which part of O each DPU writes (dimension 0 is not indexed affinely by the DPU "
            "loops); bind loops that index O directly (not fused) to the DPU grid");
    }
}

}  // namespace
}  // namespace atim::lower
