// End to end through the first pass: tensor expressions, hand-written schedules (PrIM-like row splits and a
// 2-D rfactor tiling), schedule_to_loops, lowering at levels 0, 1, 2, 4, and a checked execution of the
// PimProgram, compared bit-exactly with the PrimFunc's reference nest.
#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "atim/lower/lower.h"
#include "atim/schedule/schedule.h"
#include "atim/te/tensor.h"
#include "lower/pim_program_interp.h"

namespace atim::lower {
namespace {

using schedule::BlockRV;
using schedule::kInfer;
using schedule::LoopRV;
using schedule::Schedule;

te::PrimFunc vector_add(int64_t length) {
    te::Tensor a = te::placeholder("A", {length}, ir::DType::Int32);
    te::Tensor b = te::placeholder("B", {length}, ir::DType::Int32);
    te::Tensor c = te::compute("C", {length}, ir::DType::Int32,
                               [&](const std::vector<ir::Var> &i) { return a(i[0]) + b(i[0]); });
    return te::create_prim_func("va", {a, b}, {c});
}

te::PrimFunc matrix_vector(int64_t rows, int64_t cols) {
    te::Tensor a = te::placeholder("A", {rows, cols}, ir::DType::Int32);
    te::Tensor b = te::placeholder("B", {cols}, ir::DType::Int32);
    te::IterVar k = te::reduce_axis(cols, "k");
    te::Tensor c = te::compute("C", {rows}, ir::DType::Int32, [&](const std::vector<ir::Var> &i) {
        return te::sum(a(i[0], k.var) * b(k.var), {k});
    });
    return te::create_prim_func("mtv", {a, b}, {c});
}

/// VA like PrIM: a chunk per DPU, tasklets take `tile`-element blocks of it, A/B/C cached in WRAM.
Schedule vector_add_schedule(int64_t length, int64_t dpus, int64_t tasklets, int64_t tile) {
    Schedule sch(vector_add(length));
    sch.set_resident_inputs({"A", "B"});
    BlockRV c = sch.get_block("C");
    LoopRV i = sch.get_loops(c)[0];
    std::vector<LoopRV> loops = sch.split(i, {dpus, tasklets, kInfer, tile});
    sch.bind(loops[0], "dpu.x");
    sch.bind(loops[1], "tasklet");
    sch.compute_at(sch.cache_read(c, "A", "wram"), loops[2]);
    sch.compute_at(sch.cache_read(c, "B", "wram"), loops[2]);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), loops[2]);
    return sch;
}

/// MTV like PrIM: rows over DPUs and tasklets in pairs, K in WRAM blocks of `k_tile`.
Schedule matrix_vector_rows(int64_t rows, int64_t cols, int64_t dpus, int64_t tasklets, int64_t k_tile) {
    Schedule sch(matrix_vector(rows, cols));
    sch.set_resident_inputs({"A"});
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<LoopRV> r = sch.split(loops[0], {dpus, tasklets, kInfer, 2});
    std::vector<LoopRV> k = sch.split(loops[1], {kInfer, k_tile});
    sch.reorder({r[0], r[1], r[2], r[3], k[0], k[1]});
    sch.bind(r[0], "dpu.x");
    sch.bind(r[1], "tasklet");
    sch.compute_at(sch.cache_read(c, "A", "wram"), k[0]);
    sch.compute_at(sch.cache_read(c, "B", "wram"), k[0]);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), r[2]);
    sch.decompose_reduction(c, k[0]);
    return sch;
}

/// MTV like ATiM's 2-D tiling: K split over dpu.y (rfactor into MRAM partials the host adds), rows over
/// dpu.x and tasklets, K tiles of `k_tile` in WRAM.
Schedule matrix_vector_rfactor(int64_t rows, int64_t cols, int64_t dpus_x, int64_t dpus_y, int64_t tasklets,
                               int64_t k_tile) {
    Schedule sch(matrix_vector(rows, cols));
    sch.set_resident_inputs({"A"});
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<LoopRV> k = sch.split(loops[1], {dpus_y, kInfer});
    BlockRV partials = sch.rfactor(k[0], "mram");
    std::vector<LoopRV> p = sch.get_loops(partials);  // k_dpu, i, k_in
    std::vector<LoopRV> r = sch.split(p[1], {dpus_x, tasklets, kInfer});
    std::vector<LoopRV> kk = sch.split(p[2], {kInfer, k_tile});
    sch.reorder({p[0], r[0], r[1], r[2], kk[0], kk[1]});
    sch.bind(p[0], "dpu.y");
    sch.bind(r[0], "dpu.x");
    sch.bind(r[1], "tasklet");
    sch.compute_at(sch.cache_read(partials, "A", "wram"), kk[0]);
    sch.compute_at(sch.cache_read(partials, "B", "wram"), kk[0]);
    sch.reverse_compute_at(sch.cache_write(partials, "wram"), r[2]);
    sch.decompose_reduction(partials, kk[0]);
    return sch;
}

te::PrimFunc reduction(int64_t length) {
    te::Tensor a = te::placeholder("A", {length}, ir::DType::Int64);
    te::IterVar k = te::reduce_axis(length, "k");
    te::Tensor b = te::compute("B", {1}, ir::DType::Int64,
                               [&](const std::vector<ir::Var> &) { return te::sum(a(k.var), {k}); });
    return te::create_prim_func("red", {a}, {b});
}

/// RED like PrIM: a chunk per DPU (rfactor into MRAM partials the host adds), `block`-element WRAM blocks
/// per tasklet with a private sum each (rfactor into shared WRAM), then one tasklet adds them after a
/// barrier.
Schedule reduction_schedule(int64_t length, int64_t dpus, int64_t tasklets, int64_t block) {
    Schedule sch(reduction(length));
    sch.set_resident_inputs({"A"});
    BlockRV b = sch.get_block("B");
    std::vector<LoopRV> loops = sch.get_loops(b);
    std::vector<LoopRV> per_dpu = sch.split(loops[1], {dpus, kInfer});
    BlockRV dpu_partials = sch.rfactor(per_dpu[0], "mram");
    std::vector<LoopRV> cyclic = sch.split(per_dpu[1], {kInfer, tasklets, block});
    BlockRV tasklet_partials = sch.rfactor(cyclic[1], "wram");
    sch.reorder({per_dpu[0], cyclic[1], loops[0], cyclic[0], cyclic[2]});
    sch.bind(per_dpu[0], "dpu.x");
    sch.bind(cyclic[1], "tasklet");
    sch.reverse_compute_at(dpu_partials, per_dpu[0]);
    sch.compute_at(sch.cache_read(tasklet_partials, "A", "wram"), cyclic[0]);
    sch.decompose_reduction(tasklet_partials, cyclic[0]);
    return sch;
}

HostTensors random_inputs(const te::PrimFunc &func, uint64_t seed) {
    HostTensors tensors;
    for (const ir::Buffer &input : func.inputs) {
        std::vector<int64_t> values(input->num_elements());
        for (int64_t &v : values) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;  // Knuth's MMIX LCG
            v = static_cast<int64_t>((seed >> 33) % 50);
        }
        tensors[input.get()] = values;
    }
    return tensors;
}

void expect_matches_reference(const std::string &what, const Schedule &sch) {
    for (int level : {0, 1, 2, 4}) {
        SCOPED_TRACE(fmt::format("{} at level {}", what, level));
        LowerOptions options;
        options.opt_level = level;
        PimProgram program = lower(sch, target::UpmemMachine{}, options);
        HostTensors expected = random_inputs(sch.func(), 11);
        HostTensors got = expected;
        run_on_host(sch.func().body, expected);
        run_pim_program(program, got);
        for (const ir::Buffer &output : sch.func().outputs) {
            ASSERT_EQ(expected.at(output.get()), got.at(output.get())) << output->name << "\n"
                                                                       << ir::to_string(program.kernel);
        }
    }
}

TEST(LowerSchedules, VectorAdd) {
    expect_matches_reference("va 2048", vector_add_schedule(2048, 4, 8, 32));
    expect_matches_reference("va 1000 ragged", vector_add_schedule(1000, 3, 4, 16));
}

TEST(LowerSchedules, MatrixVectorRows) {
    expect_matches_reference("mtv 32x48", matrix_vector_rows(32, 48, 4, 4, 16));
    expect_matches_reference("mtv 20x777", matrix_vector_rows(20, 777, 2, 6, 64));
}

TEST(LowerSchedules, MatrixVectorSplitReduction) {
    expect_matches_reference("mtv 32x64 2-D", matrix_vector_rfactor(32, 64, 2, 4, 4, 8));
    expect_matches_reference("mtv 30x77 2-D", matrix_vector_rfactor(30, 77, 2, 3, 4, 8));
}

TEST(LowerSchedules, ReductionWithTaskletPartialsAndBarrier) {
    expect_matches_reference("red 4096", reduction_schedule(4096, 4, 4, 64));
    expect_matches_reference("red 1003 ragged", reduction_schedule(1003, 3, 5, 16));
}

// At the default level the row-split MTV kernel moves its tiles with DMAs only, keeps no per-element
// guard in the reduction loop, and fits the machine.
TEST(LowerSchedules, DefaultLevelUsesDmasAndTightLoops) {
    PimProgram program = lower(matrix_vector_rows(50, 777, 2, 6, 64), target::UpmemMachine{});
    std::string kernel = ir::to_string(program.kernel);
    EXPECT_NE(kernel.find("dma mram->wram(A_local"), std::string::npos) << kernel;
    EXPECT_NE(kernel.find("dma mram->wram(B_local"), std::string::npos) << kernel;
    EXPECT_EQ(kernel.find("] = A_mram["), std::string::npos) << kernel;
    EXPECT_NE(kernel.find("min(64, (777 - "), std::string::npos) << kernel;
    EXPECT_EQ(program.tasklets, 6);
    EXPECT_EQ(program.grid.count(), 2);
}

}  // namespace
}  // namespace atim::lower
