// The simulator runner on hand-built programs: 2-D boxes with padding over a 2x2 DPU grid, broadcast and
// parallel pushes, gathers clipped to the tensor, the ATiM/PrIM timed windows, and host-work estimates.
#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "atim/runtime/sim_runner.h"
#include "atim/runtime/verification.h"
#include "atim/support/error.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

using ir::Buffer;
using ir::DType;
using ir::Expr;
using ir::ForKind;
using ir::MemScope;
using ir::Stmt;
using ir::Var;

constexpr int64_t kRows = 5, kCols = 3, kBoxRows = 3, kBoxCols = 2;

/// C[r, c] = A[r, c] + B[c] on a 2x2 grid: DPU (x, y) holds rows [3x, 3x+3) and columns [2y, 2y+2) of A and C
/// (the last row and column of the boxes lie outside the tensors), and all of B (broadcast).
lower::PimProgram box_program() {
    lower::PimProgram program;
    program.name = "boxes";
    program.grid = {2, 2, 1};
    program.tasklets = 2;
    Buffer a = ir::make_buffer("A", DType::Int32, {kRows, kCols});
    Buffer b = ir::make_buffer("B", DType::Int32, {kCols});
    Buffer c = ir::make_buffer("C", DType::Int32, {kRows, kCols});
    program.tensors = {{a, lower::TensorRole::Input, true},
                       {b, lower::TensorRole::Input, false},
                       {c, lower::TensorRole::Output, false}};
    auto slice = [&](const Buffer &host, std::vector<int64_t> shape, std::vector<Expr> box_min) {
        lower::MramSlice s;
        s.host = host;
        s.local = ir::make_buffer(host->name + "_mram", host->dtype, shape, MemScope::Mram);
        s.box_min = std::move(box_min);
        s.bytes_per_dpu = (s.local->size_bytes() + 7) / 8 * 8 + 8;  // plus over-fetch padding
        return s;
    };
    const Var &x = program.grid_vars.x, &y = program.grid_vars.y;
    program.slices = {slice(a, {kBoxRows, kBoxCols}, {x * kBoxRows, y * kBoxCols}),
                      slice(b, {kCols}, {Expr(0)}),
                      slice(c, {kBoxRows, kBoxCols}, {x * kBoxRows, y * kBoxCols})};
    program.to_dpu = {{lower::TransferDirection::ToDpu, lower::TransferKind::Parallel, 0, 32, true},
                      {lower::TransferDirection::ToDpu, lower::TransferKind::Broadcast, 1, 16, false}};
    program.from_dpu = {{lower::TransferDirection::FromDpu, lower::TransferKind::Parallel, 2, 24, false}};
    // Tasklet t computes the box rows t, t + 2, ... (element access to MRAM, as at opt level 0).
    Var r("r"), col("col"), row("row");
    Expr tasklet = ir::Call::make(DType::Int32, "tasklet_id", {});
    Buffer a_m = program.slices[0].local, b_m = program.slices[1].local, c_m = program.slices[2].local;
    Stmt update = ir::Store::make(
        c_m, {row, col}, ir::Load::make(a_m, {row, col}) + ir::Load::make(b_m, {y * kBoxCols + col}));
    program.kernel = ir::For::make(
        r, Expr(0), Expr(2), ForKind::Serial,
        ir::LetStmt::make(
            row, r * 2 + tasklet,
            ir::IfThenElse::make(row < kBoxRows, ir::For::make(col, Expr(0), Expr(static_cast<int>(kBoxCols)),
                                                               ForKind::Serial, update))));
    return program;
}

TEST(SimRunner, PacksBoxesBroadcastsAndClipsGathers) {
    lower::PimProgram program = box_program();
    TensorValues inputs;
    for (int64_t i = 0; i < kRows * kCols; ++i) inputs["A"].push_back(i * 11 - 40);
    inputs["B"] = {1000, -2000, 3000};
    SimRunOptions options;
    options.machine = target::load_machine("upmem-rank");
    SimExecution execution = execute_on_sim(program, inputs, options);
    const std::vector<int64_t> &c = execution.outputs.at("C");
    ASSERT_EQ(c.size(), static_cast<size_t>(kRows * kCols));
    for (int64_t i = 0; i < kRows * kCols; ++i) EXPECT_EQ(c[i], inputs["A"][i] + inputs["B"][i % kCols]) << i;
    EXPECT_EQ(execution.measurement.counter("dpus"), 4);
    EXPECT_GT(execution.measurement.kernel_ms, 0);
}

TEST(SimRunner, ResidentOperandsLeaveTheAtimWindow) {
    lower::PimProgram program = box_program();
    TensorValues inputs{{"A", std::vector<int64_t>(kRows * kCols, 7)}, {"B", {1, 2, 3}}};
    SimRunOptions options;
    options.machine = target::load_machine("upmem-rank");
    options.timing = codegen::TimingMode::Atim;
    SimExecution atim = execute_on_sim(program, inputs, options);
    options.timing = codegen::TimingMode::Prim;
    SimExecution prim = execute_on_sim(program, inputs, options);
    EXPECT_LT(atim.measurement.h2d_ms, prim.measurement.h2d_ms);
    EXPECT_LT(atim.measurement.counter("host_to_dpu_bytes"), prim.measurement.counter("host_to_dpu_bytes"));
    EXPECT_EQ(atim.outputs, prim.outputs);
}

TEST(SimRunner, MoreDpusThanTheMachineIsAUserError) {
    lower::PimProgram program = box_program();
    program.grid = {64, 2, 1};
    TensorValues inputs{{"A", std::vector<int64_t>(kRows * kCols, 0)}, {"B", {0, 0, 0}}};
    SimRunOptions options;
    options.machine = target::load_machine("upmem-rank");
    EXPECT_THROW(execute_on_sim(program, inputs, options), UserError);
}

TEST(SimRunner, HostWorkCountsArithmeticNotAddressing) {
    Buffer c = ir::make_buffer("C", DType::Int32, {4});
    Buffer p = ir::make_buffer("P", DType::Int32, {4, 3});
    Var i("i"), j("j");
    Stmt epilogue = ir::For::make(
        i, Expr(0), Expr(4), ForKind::Serial,
        ir::For::make(j, Expr(0), Expr(3), ForKind::Serial,
                      ir::Store::make(c, {i}, ir::Load::make(c, {i}) + ir::Load::make(p, {i, j}))));
    HostWorkEstimate work = estimate_host_work(epilogue);
    EXPECT_EQ(work.integer_ops, 12 * 1);  // the add; loads, stores and their indices are addressing
    // Compulsory traffic: C read in and written back once (4 elements each), P read once (12 elements), not
    // the 12 x 3 accesses of the loop nest.
    EXPECT_EQ(work.bytes_touched, (4 + 4 + 12) * 4);
    EXPECT_EQ(estimate_host_work(Stmt()).integer_ops, 0);
}

TEST(SimRunner, HostWorkSeparatesTheParallelLoopsWork) {
    Buffer c = ir::make_buffer("C", DType::Int32, {8});
    Buffer p = ir::make_buffer("P", DType::Int32, {3, 8});
    Var io("io"), k("k"), ii("ii"), j("j");
    // for io in 4 (parallel): for k in 3: for ii in 2: C[io*2+ii] += P[k, io*2+ii]; then a serial C[j] = 0.
    Expr row = io * Expr(2) + ii;
    Stmt sum = ir::For::make(
        io, Expr(0), Expr(4), ForKind::HostParallel,
        ir::For::make(k, Expr(0), Expr(3), ForKind::Serial,
                      ir::For::make(ii, Expr(0), Expr(2), ForKind::Serial,
                                    ir::Store::make(
                                        c, {row}, ir::Load::make(c, {row}) + ir::Load::make(p, {k, row})))));
    Stmt zero = ir::For::make(j, Expr(0), Expr(8), ForKind::Serial, ir::Store::make(c, {j}, Expr(0)));
    HostWorkEstimate work = estimate_host_work(ir::Seq::make({zero, sum}));
    ASSERT_EQ(work.parallel.size(), 1u);
    const HostParallelWork &par = work.parallel[0];
    EXPECT_EQ(par.extent, 4);
    EXPECT_EQ(par.entries, 1);
    // Every store of the sum runs in the parallel loop.
    EXPECT_EQ(par.integer_ops, work.integer_ops);    // the zeroing loop stores constants: no arithmetic
    EXPECT_EQ(par.integer_ops, 24);                  // one add per iteration; io*2+ii is addressing
    EXPECT_EQ(par.bytes_touched, (8 + 8 + 24) * 4);  // C in and out, P in: each buffer once
    HostParallelWork serial = work.serial_part();
    EXPECT_EQ(serial.integer_ops, 0);
    EXPECT_EQ(serial.bytes_touched, 8 * 4);
    // A parallel loop inside a serial one is entered once per outer iteration; a nested parallel loop runs
    // inside its parent's region.
    Var o("o");
    HostWorkEstimate nested = estimate_host_work(ir::For::make(o, Expr(0), Expr(5), ForKind::Serial, sum));
    ASSERT_EQ(nested.parallel.size(), 1u);
    EXPECT_EQ(nested.parallel[0].entries, 5);
    EXPECT_EQ(nested.parallel[0].integer_ops, 5 * par.integer_ops);
    EXPECT_EQ(nested.parallel[0].bytes_touched,
              par.bytes_touched);  // the buffers stay in cache between passes
    Stmt inner_parallel = ir::For::make(o, Expr(0), Expr(2), ForKind::HostParallel, sum);
    EXPECT_EQ(estimate_host_work(inner_parallel).parallel.size(), 1u);
    EXPECT_EQ(estimate_host_work(inner_parallel).parallel[0].extent, 2);
}

TEST(SeededInputValues, EqualTheInterpretersRandomInputs) {
    for (const char *name : {"mtv", "geva"}) {
        workloads::Workload workload = workloads::make_workload(
            name, workloads::parse_shape(name, name == std::string("mtv") ? "37x45" : "1001"));
        TensorValues values = seeded_input_values(workload, 7);
        interp::Memory memory = interp::random_inputs(workload.func.inputs, 7);
        for (const ir::Buffer &input : workload.func.inputs)
            EXPECT_EQ(values.at(input->name), memory.values(input)) << name;
    }
}

}  // namespace
}  // namespace atim::runtime
