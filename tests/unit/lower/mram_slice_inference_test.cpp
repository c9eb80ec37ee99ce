// The per-DPU MRAM layout and transfers lowering infers: boxes, padding, broadcast versus parallel pushes.
#include <gtest/gtest.h>

#include "atim/arith/simplify.h"
#include "atim/ir/ir.h"
#include "atim/ir/utils.h"
#include "atim/lower/lower.h"
#include "lower/pim_program_interp.h"
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

/// The message of the UserError `f` throws, or "no error".
template <typename F>
std::string user_error_of(F f) {
    try {
        f();
    } catch (const UserError &error) {
        return error.what();
    }
    return "no error";
}

/// The boxes of `slice` on every DPU of a 1-D grid, clipped to the tensor seen as host_shape(): pairs
/// [first, end) of flat indices, for a 1-D view.
std::vector<std::pair<int64_t, int64_t>> flat_boxes(const PimProgram &program, const MramSlice &slice) {
    std::vector<std::pair<int64_t, int64_t>> boxes;
    const int64_t size = slice.host->num_elements();
    for (int64_t dpu = 0; dpu < program.grid.count(); ++dpu) {
        ir::Expr origin = arith::simplify(
            ir::substitute(slice.box_min[0],
                           {{program.grid_vars.x.get(), ir::make_const(program.grid_vars.x.dtype(), dpu)}}));
        const int64_t first = *ir::as_const_int(origin);
        boxes.emplace_back(std::min(first, size), std::min(first + slice.local->shape[0], size));
    }
    return boxes;
}

TEST(MramLayout, AFusedSplitGetsExactBoxesOfTheFlattenedTensor) {
    // TTV-like: rows f = i*5 + j of O[3, 5] fused and split over 4 DPUs x 4 rows, so DPU 1 holds (0, 4) ..
    // (1, 2): no box of O[3, 5] is exact, one of O seen as [15] is. A[3, 5, 6] is seen as [15, 6].
    ir::Var d("d"), r("r"), k("k");
    ir::Buffer out = ir::make_buffer("O", ir::DType::Int32, {3, 5});
    ir::Buffer in = ir::make_buffer("A", ir::DType::Int32, {3, 5, 6});
    ir::Expr f = d * 4 + r;
    ir::Stmt body = testing::guarded(
        f < 15, ir::Store::make(out, {f / 5, f % 5},
                                ir::Load::make(out, {f / 5, f % 5}) + ir::Load::make(in, {f / 5, f % 5, k})));
    ir::Stmt device = testing::loop(d, 4, testing::loop(r, 4, testing::loop(k, 6, body)), ir::ForKind::DpuX);
    ScheduledLoops loops{"fused", {{in, TensorRole::Input}, {out, TensorRole::Output}}, device, ir::Stmt()};
    PimProgram program = lower_loops(loops, target::UpmemMachine{});
    EXPECT_EQ(describe_slices(program), (std::vector<std::string>{
                                            "A: [4, 6] at ((dpu_x*4), 0), 96 bytes at 0",
                                            "O: [4] at ((dpu_x*4)), 16 bytes at 96",
                                        }));
    ASSERT_EQ(program.slices.size(), 2u);
    EXPECT_EQ(program.slices[0].fused_dims, 2u);
    EXPECT_EQ(program.slices[0].host_shape(), (std::vector<int64_t>{15, 6}));
    EXPECT_EQ(program.slices[1].fused_dims, 2u);
    // The gathered boxes tile O exactly: no DPU's box reaches into another's.
    EXPECT_EQ(flat_boxes(program, program.slices[1]),
              (std::vector<std::pair<int64_t, int64_t>>{{0, 4}, {4, 8}, {8, 12}, {12, 15}}));
}

TEST(MramLayout, KeepsTheTensorsOwnDimensionsWhenTheyAreAsTight) {
    // Whole rows of O[4, 6] per DPU: the 2-D box [2, 6] is exact, no fused view needed.
    ir::Var d("d"), i("i"), j("j");
    ir::Buffer out = ir::make_buffer("O", ir::DType::Int32, {4, 6});
    ir::Stmt device = testing::loop(
        d, 2, testing::loop(i, 2, testing::loop(j, 6, ir::Store::make(out, {d * 2 + i, j}, ir::Expr(1)))),
        ir::ForKind::DpuX);
    PimProgram program = lower_loops(ScheduledLoops{"rows", {{out, TensorRole::Output}}, device, ir::Stmt()},
                                     target::UpmemMachine{});
    EXPECT_EQ(describe_slices(program),
              (std::vector<std::string>{"O: [2, 6] at ((dpu_x*2), 0), 48 bytes at 0"}));
    EXPECT_EQ(program.slices[0].fused_dims, 1u);
}

TEST(MramLayout, RejectsAnOutputWhosePerDpuPartCannotBeDescribed) {
    ir::Var f("f"), e("e");
    ir::Buffer out = ir::make_buffer("O", ir::DType::Int32, {7});
    ir::Stmt device = testing::loop(
        f, 4, testing::loop(e, 5, ir::Store::make(out, {(f * 5 + e) / 3}, ir::Expr(1))), ir::ForKind::DpuX);
    ScheduledLoops loops{"divided", {{out, TensorRole::Output}}, device, ir::Stmt()};
    EXPECT_EQ(user_error_of([&] { lower_loops(loops, target::UpmemMachine{}); }),
              "cannot tell which part of O each DPU writes (dimension 0 is not indexed affinely by the DPU "
              "loops); bind loops that index O directly (not fused) to the DPU grid");
}

TEST(MramLayout, RejectsOutputBoxesThatOverlap) {
    // DPU d writes O[3d .. 3d+4]: two elements of every block are also the next DPU's.
    ir::Var d("d"), e("e");
    ir::Buffer out = ir::make_buffer("O", ir::DType::Int32, {10});
    ir::Stmt device = testing::loop(d, 3, testing::loop(e, 5, ir::Store::make(out, {d * 3 + e}, ir::Expr(1))),
                                    ir::ForKind::DpuX);
    ScheduledLoops loops{"overlapping", {{out, TensorRole::Output}}, device, ir::Stmt()};
    EXPECT_EQ(
        user_error_of([&] { lower_loops(loops, target::UpmemMachine{}); }),
        "the parts of O that DPUs 0 and 1 write overlap (both hold element 3 of O, box [5]), so one DPU's "
        "gathered results would overwrite the other's; split the loops that index O over the DPUs into "
        "disjoint blocks");
}

TEST(MramLayout, RowPaddingIsNotPartOfTheGatheredBox) {
    // Columns of O[2, 6] in blocks of 3 per DPU: rows of 3 int32 are padded to 4 (8-byte DMA). The padding
    // is not gathered, so DPU 0's box does not reach DPU 1's column 3.
    ir::Var d("d"), i("i"), e("e");
    ir::Buffer out = ir::make_buffer("O", ir::DType::Int32, {2, 6});
    ir::Stmt device = testing::loop(
        d, 2, testing::loop(i, 2, testing::loop(e, 3, ir::Store::make(out, {i, d * 3 + e}, d + 1))),
        ir::ForKind::DpuX);
    ScheduledLoops loops{"columns", {{out, TensorRole::Output}}, device, ir::Stmt()};
    PimProgram program = lower_loops(loops, target::UpmemMachine{});
    EXPECT_EQ(describe_slices(program),
              (std::vector<std::string>{"O: [2, 4] at (0, (dpu_x*3)), 32 bytes at 0"}));
    EXPECT_EQ(program.slices[0].row_padding, 1);
    HostTensors tensors;
    run_pim_program(program, tensors);
    EXPECT_EQ(tensors.at(out.get()), (std::vector<int64_t>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2}));
}

}  // namespace
}  // namespace atim::lower
