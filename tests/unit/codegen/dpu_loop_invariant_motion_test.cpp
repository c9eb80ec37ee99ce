// hoist_loop_invariants: which subexpressions leave which loop, and that the hoisted kernel still computes
// the same values on the DPU model.
#include <gtest/gtest.h>

#include "codegen/dpu/loop_invariant_motion.h"
#include "dpu_test_support.h"

namespace atim::codegen::testing {
namespace {

const ir::LetStmt *as_let(const Stmt &s) { return s.as<ir::LetStmt>(); }

// X[i*4 + j] = x*3 + i*4 + j: x*3 leaves both loops, x*3 + i*4 only the inner one.
TEST(LoopInvariantMotion, HoistsEachValueOutOfEveryLoopItDoesNotDependOn) {
    Buffer out = ir::make_buffer("X", DType::Int32, {32}, MemScope::WramLocal);
    Var x("x"), i("i"), j("j");
    Stmt kernel = loop(i, 8, loop(j, 4, ir::Store::make(out, {i * 4 + j}, x * 3 + i * 4 + j)));
    Stmt hoisted = dpu::hoist_loop_invariants(kernel);

    const ir::LetStmt *outer_let = as_let(hoisted);
    ASSERT_NE(outer_let, nullptr);
    EXPECT_TRUE(ir::equal(outer_let->value, x * 3));
    const auto *outer = outer_let->body.as<ir::For>();
    ASSERT_NE(outer, nullptr);
    const ir::LetStmt *inner_let = as_let(outer->body);
    ASSERT_NE(inner_let, nullptr);
    // Both the stored value's x*3 + i*4 (through the outer let) and the index's i*4 are inner invariants.
    EXPECT_TRUE(ir::equal(inner_let->value, outer_let->var + i * 4) || ir::equal(inner_let->value, i * 4));
    const ir::Stmt *innermost = &inner_let->body;
    while (const ir::LetStmt *let = as_let(*innermost)) innermost = &let->body;
    const auto *inner = innermost->as<ir::For>();
    ASSERT_NE(inner, nullptr);
    const auto *store = inner->body.as<ir::Store>();
    ASSERT_NE(store, nullptr);
    EXPECT_FALSE(ir::uses_var(store->value, x.get()));
    EXPECT_FALSE(ir::uses_var(store->value, i.get()));
}

// Memory reads, divisions by a variable (may trap when the loop does not run) and conditions stay put.
TEST(LoopInvariantMotion, KeepsLoadsDivisionsByVariablesAndConditions) {
    Buffer in = ir::make_buffer("A", DType::Int32, {4}, MemScope::WramLocal);
    Buffer out = ir::make_buffer("X", DType::Int32, {4}, MemScope::WramLocal);
    Var x("x"), y("y"), j("j");
    Stmt body = ir::IfThenElse::make(
        x < y, ir::Store::make(out, {j}, ir::Load::make(in, {Expr(0)}) + ir::Div::make(x, y) + j));
    Stmt kernel = loop(j, 4, body);
    Stmt hoisted = dpu::hoist_loop_invariants(kernel);
    EXPECT_TRUE(ir::equal(hoisted, kernel));
}

// The same invariant value used twice is computed once (one let).
TEST(LoopInvariantMotion, EqualValuesShareOneLet) {
    Buffer out = ir::make_buffer("X", DType::Int32, {8}, MemScope::WramLocal);
    Var x("x"), j("j");
    Stmt kernel = loop(j, 4, ir::Store::make(out, {x * 5 + j}, x * 5 - j));
    Stmt hoisted = dpu::hoist_loop_invariants(kernel);
    const ir::LetStmt *let = as_let(hoisted);
    ASSERT_NE(let, nullptr);
    EXPECT_TRUE(ir::equal(let->value, x * 5));
    EXPECT_NE(let->body.as<ir::For>(), nullptr);
}

// End to end: a guarded copy whose guard and index share an invariant base, run on the DPU model.
TEST(LoopInvariantMotion, HoistedKernelComputesTheSameValues) {
    constexpr int kTasklets = 2, kBlocks = 3, kTile = 8;
    constexpr int64_t kLength = kTasklets * kBlocks * kTile;
    lower::PimProgram program = empty_program("copy", kTasklets);
    Buffer a = add_slice(program, "A", DType::Int32, kLength);
    Buffer c = add_slice(program, "C", DType::Int32, kLength);
    Var blk("blk"), e("e");
    Expr index = (tasklet_id() * kBlocks + blk) * kTile + e;
    Stmt copy = ir::IfThenElse::make(index + program.grid_vars.x * 1000 < 1000 + kLength - 5,
                                     ir::Store::make(c, {index}, ir::Load::make(a, {index}) * 3));
    program.kernel = loop(blk, kBlocks, loop(e, kTile, copy));
    std::vector<int64_t> in(kLength);
    for (int64_t k = 0; k < kLength; ++k) in[k] = 17 * k - 100;
    DpuResult result = run_on_dpu(program, {in}, {1, 0, 0});
    for (int64_t k = 0; k < kLength; ++k)
        EXPECT_EQ(result.slices[1][k], k < kLength - 5 ? in[k] * 3 : 0) << "C[" << k << "]";
}

}  // namespace
}  // namespace atim::codegen::testing
