// DPU code generation: hand-built kernels compiled to assembly, assembled with the runtime library and run on
// the cycle-level DPU model; results must be exact.
#include <gtest/gtest.h>

#include <functional>

#include "atim/arith/linear_form.h"
#include "atim/support/error.h"
#include "dpu_test_support.h"

namespace atim::codegen::testing {
namespace {

// C = A + B + dpu_x over MRAM slices, tiles moved by DMA into per-tasklet WRAM buffers.
TEST(DpuCodegen, VectorAddWithDmaTiles) {
    constexpr int kTasklets = 4, kTile = 16, kBlocks = 3;
    constexpr int64_t kLength = kTasklets * kTile * kBlocks;
    lower::PimProgram program = empty_program("va", kTasklets);
    Buffer a = add_slice(program, "A", DType::Int32, kLength);
    Buffer b = add_slice(program, "B", DType::Int32, kLength);
    Buffer c = add_slice(program, "C", DType::Int32, kLength);
    Buffer a_local = ir::make_buffer("A_local", DType::Int32, {kTile}, MemScope::WramLocal);
    Buffer b_local = ir::make_buffer("B_local", DType::Int32, {kTile}, MemScope::WramLocal);
    Buffer c_local = ir::make_buffer("C_local", DType::Int32, {kTile}, MemScope::WramLocal);
    Var blk("blk"), e("e"), base("base");
    const int tile_bytes = kTile * 4;
    Stmt compute = loop(
        e, kTile,
        ir::Store::make(c_local, {e},
                        ir::Load::make(a_local, {e}) + ir::Load::make(b_local, {e}) + program.grid_vars.x));
    Stmt block = ir::LetStmt::make(
        base, (blk * kTasklets + tasklet_id()) * kTile,
        ir::Seq::make(
            {ir::Dma::make(ir::DmaDirection::MramToWram, a_local, Expr(0), a, base, Expr(tile_bytes)),
             ir::Dma::make(ir::DmaDirection::MramToWram, b_local, Expr(0), b, base, Expr(tile_bytes)),
             compute,
             ir::Dma::make(ir::DmaDirection::WramToMram, c_local, Expr(0), c, base, Expr(tile_bytes))}));
    program.kernel = ir::Allocate::make(
        a_local, ir::Allocate::make(b_local, ir::Allocate::make(c_local, loop(blk, kBlocks, block))));

    std::vector<int64_t> in_a(kLength), in_b(kLength);
    for (int64_t i = 0; i < kLength; ++i) {
        in_a[i] = i * 7 - 300;
        in_b[i] = 1000 - i * i;
    }
    DpuResult result = run_on_dpu(program, {in_a, in_b}, {5, 0, 0});
    for (int64_t i = 0; i < kLength; ++i)
        EXPECT_EQ(result.slices[2][i], in_a[i] + in_b[i] + 5) << "C[" << i << "]";
    EXPECT_EQ(result.stats.dma_read_bytes, 2 * kLength * 4);
    EXPECT_EQ(result.stats.dma_write_bytes, kLength * 4);
}

// Per-tasklet partial sums in shared WRAM, a barrier, then tasklet 0 adds the partials (int64, with carries).
TEST(DpuCodegen, ReductionWithBarrier) {
    constexpr int kTasklets = 5, kPerTasklet = 7;
    constexpr int64_t kLength = kTasklets * kPerTasklet;
    lower::PimProgram program = empty_program("red", kTasklets);
    Buffer a = add_slice(program, "A", DType::Int64, kLength);
    Buffer out = add_slice(program, "OUT", DType::Int64, 1);
    Buffer partial = ir::make_buffer("partial", DType::Int64, {kTasklets}, MemScope::WramShared);
    Var j("j"), t("t");
    Expr mine = ir::Load::make(partial, {tasklet_id()});
    Stmt accumulate = loop(
        j, kPerTasklet,
        ir::Store::make(partial, {tasklet_id()}, mine + ir::Load::make(a, {tasklet_id() * kPerTasklet + j})));
    Expr total = ir::Load::make(out, {Expr(0)});
    Stmt combine = ir::IfThenElse::make(
        ir::eq(tasklet_id(), Expr(0)),
        ir::Seq::make(
            {ir::Store::make(out, {Expr(0)}, ir::make_const(DType::Int64, 0)),
             loop(t, kTasklets, ir::Store::make(out, {Expr(0)}, total + ir::Load::make(partial, {t})))}));
    program.kernel = ir::Allocate::make(
        partial, ir::Seq::make({ir::Store::make(partial, {tasklet_id()}, ir::make_const(DType::Int64, 0)),
                                accumulate, ir::Barrier::make(), combine}));

    std::vector<int64_t> in(kLength);
    int64_t expected = 0;
    for (int64_t i = 0; i < kLength; ++i) {
        in[i] = (int64_t{1} << 32) - 3 + i * 0x12345678LL - (i % 3 == 0 ? (int64_t{1} << 40) : 0);
        expected += in[i];
    }
    DpuResult result = run_on_dpu(program, {in});
    EXPECT_EQ(result.slices[1][0], expected);
}

// Opt level 0: every element read and written in MRAM through 8-byte DMA; neighbouring int32 elements belong
// to different tasklets, so the read-modify-write of a shared 8-byte word must not lose an update.
TEST(DpuCodegen, ElementAccessToMram) {
    constexpr int kTasklets = 6;
    constexpr int64_t kLength = 37;
    lower::PimProgram program = empty_program("elementwise", kTasklets);
    Buffer a = add_slice(program, "A", DType::Int32, kLength);
    Buffer b = add_slice(program, "B", DType::Int32, kLength);
    Buffer c = add_slice(program, "C", DType::Int32, kLength);
    Var j("j"), i("i");
    Stmt body = ir::LetStmt::make(
        i, j * kTasklets + tasklet_id(),
        ir::IfThenElse::make(i < kLength,
                             ir::Store::make(c, {i}, ir::Load::make(a, {i}) * 3 + ir::Load::make(b, {i}))));
    program.kernel = loop(j, (kLength + kTasklets - 1) / kTasklets, body);
    std::vector<int64_t> in_a(kLength), in_b(kLength), preset_c(kLength, -1);
    for (int64_t k = 0; k < kLength; ++k) {
        in_a[k] = k - 20;
        in_b[k] = 3 * k;
    }
    DpuResult result = run_on_dpu(program, {in_a, in_b, preset_c});
    for (int64_t k = 0; k < kLength; ++k)
        EXPECT_EQ(result.slices[2][k], in_a[k] * 3 + in_b[k]) << "C[" << k << "]";
    EXPECT_EQ(result.stats.dma_transfers, 4 * kLength);  // two reads, and a read + write per store
    // Tasklet t writes elements t, t + 6, ...: the lock is what keeps the neighbours' halves.
    EXPECT_NE(result.kernel.assembly.find("acquire"), std::string::npos);
}

// Runtime multiplies of WRAM elements load their operands straight into r0/r1 (d0/d2) unless evaluating the
// other operand calls a routine that would overwrite them (here: division by 3, modulo by 5).
TEST(DpuCodegen, MultipliesOfWramOperands) {
    constexpr int kN = 8;
    lower::PimProgram program = empty_program("wram_products", 2);
    Buffer a = add_slice(program, "A", DType::Int32, kN);
    Buffer b = add_slice(program, "B", DType::Int32, kN);
    Buffer big = add_slice(program, "BIG", DType::Int64, kN);
    Buffer out = add_slice(program, "OUT", DType::Int32, 3 * kN);
    Buffer out64 = add_slice(program, "OUT64", DType::Int64, kN);
    Buffer a_w = ir::make_buffer("a_w", DType::Int32, {kN}, MemScope::WramShared);
    Buffer b_w = ir::make_buffer("b_w", DType::Int32, {kN}, MemScope::WramShared);
    Buffer big_w = ir::make_buffer("big_w", DType::Int64, {kN}, MemScope::WramShared);
    Buffer out_w = ir::make_buffer("out_w", DType::Int32, {3 * kN}, MemScope::WramLocal);
    Buffer out64_w = ir::make_buffer("out64_w", DType::Int64, {kN}, MemScope::WramLocal);
    Var i("i");
    Expr ai = ir::Load::make(a_w, {i}), bi = ir::Load::make(b_w, {i});
    Stmt compute = loop(
        i, kN,
        ir::Seq::make(
            {ir::Store::make(out_w, {i}, ai * (bi / 3)), ir::Store::make(out_w, {i + kN}, (ai % 5) * bi),
             ir::Store::make(out_w, {i + 2 * kN}, ai * bi),
             ir::Store::make(out64_w, {i}, ir::Load::make(big_w, {i}) * ir::Load::make(big_w, {7 - i}))}));
    auto dma = [](ir::DmaDirection d, Buffer w, Buffer m, int bytes) {
        return ir::Dma::make(d, std::move(w), Expr(0), std::move(m), Expr(0), Expr(bytes));
    };
    Stmt body =
        ir::IfThenElse::make(ir::eq(tasklet_id(), Expr(1)),
                             ir::Seq::make({dma(ir::DmaDirection::MramToWram, a_w, a, 4 * kN),
                                            dma(ir::DmaDirection::MramToWram, b_w, b, 4 * kN),
                                            dma(ir::DmaDirection::MramToWram, big_w, big, 8 * kN), compute,
                                            dma(ir::DmaDirection::WramToMram, out_w, out, 12 * kN),
                                            dma(ir::DmaDirection::WramToMram, out64_w, out64, 8 * kN)}));
    program.kernel = ir::Allocate::make(
        a_w,
        ir::Allocate::make(
            b_w, ir::Allocate::make(big_w, ir::Allocate::make(out_w, ir::Allocate::make(out64_w, body)))));
    std::vector<int64_t> in_a = {3, -7, 11, 0, 25, -13, 1, 40}, in_b = {-9, 14, 5, 8, -1, 33, 7, -2};
    std::vector<int64_t> in_big = {int64_t{1} << 33,    -5, 7, (int64_t{1} << 40) + 3, -1, 9,
                                   -(int64_t{1} << 31), 6};
    DpuResult result = run_on_dpu(program, {in_a, in_b, in_big});
    for (int k = 0; k < kN; ++k) {
        EXPECT_EQ(result.slices[3][k], in_a[k] * arith::floor_div(in_b[k], 3)) << k;
        EXPECT_EQ(result.slices[3][k + kN], arith::floor_mod(in_a[k], 5) * in_b[k]) << k;
        EXPECT_EQ(result.slices[3][k + 2 * kN], in_a[k] * in_b[k]) << k;
        EXPECT_EQ(result.slices[4][k], arith::wrapping_mul(in_big[k], in_big[7 - k])) << k;
    }
}

/// One row of an elementwise check: OUT[i] = f(A[i], B[i]) for every pair of test values.
struct ElementwiseCase {
    std::string name;
    DType in_type, out_type;
    std::function<Expr(Expr, Expr)> build;
    std::function<int64_t(int64_t, int64_t)> reference;
};

void check_elementwise(const ElementwiseCase &row, const std::vector<std::pair<int64_t, int64_t>> &inputs) {
    const int64_t n = static_cast<int64_t>(inputs.size());
    lower::PimProgram program = empty_program(row.name, 1);
    Buffer a = add_slice(program, "A", row.in_type, n);
    Buffer b = add_slice(program, "B", row.in_type, n);
    Buffer out = add_slice(program, "OUT", row.out_type, n);
    Var i("i");
    program.kernel =
        loop(i, n, ir::Store::make(out, {i}, row.build(ir::Load::make(a, {i}), ir::Load::make(b, {i}))));
    std::vector<int64_t> in_a, in_b;
    for (auto [x, y] : inputs) {
        in_a.push_back(x);
        in_b.push_back(y);
    }
    DpuResult result;
    ASSERT_NO_THROW(result = run_on_dpu(program, {in_a, in_b})) << row.name;
    for (int64_t k = 0; k < n; ++k) {
        int64_t want = arith::wrap_to(row.out_type, row.reference(in_a[k], in_b[k]));
        EXPECT_EQ(result.slices[2][k], want) << row.name << " of " << in_a[k] << ", " << in_b[k];
    }
}

int64_t wrap32(int64_t v) { return arith::wrap_to(DType::Int32, v); }

TEST(DpuCodegen, Int32ArithmeticIsExact) {
    const std::vector<std::pair<int64_t, int64_t>> inputs = {
        {0, 1},   {1, 1},    {7, 2},   {-7, 2},        {7, -2},         {-7, -2},        {49, 3},
        {-49, 3}, {50, -7},  {-1, 8},  {-8, 8},        {123456, -1000}, {2147483647, 3}, {-2147483647 - 1, 5},
        {31, 31}, {-31, 17}, {100, 7}, {65535, 65537}, {-65536, 3},     {40000, -40000}, {5, 0x7fffffff}};
    auto mul = [](int64_t factor) {
        return ElementwiseCase{"a*" + std::to_string(factor), DType::Int32, DType::Int32,
                               [factor](Expr a, Expr) { return a * ir::make_const(DType::Int32, factor); },
                               [factor](int64_t a, int64_t) { return arith::wrapping_mul(a, factor); }};
    };
    auto nonzero = [](int64_t b) { return b == 0 ? 1 : b; };
    std::vector<ElementwiseCase> rows = {
        {"a+b", DType::Int32, DType::Int32, [](Expr a, Expr b) { return a + b; },
         [](int64_t a, int64_t b) { return a + b; }},
        {"a-b", DType::Int32, DType::Int32, [](Expr a, Expr b) { return a - b; },
         [](int64_t a, int64_t b) { return a - b; }},
        {"100-a", DType::Int32, DType::Int32, [](Expr a, Expr) { return 100 - a; },
         [](int64_t a, int64_t) { return 100 - a; }},
        {"a*b", DType::Int32, DType::Int32, [](Expr a, Expr b) { return a * b; },
         [](int64_t a, int64_t b) { return arith::wrapping_mul(a, b); }},
        {"a-a*b", DType::Int32, DType::Int32, [](Expr a, Expr b) { return a - a * b; },
         [](int64_t a, int64_t b) { return a - arith::wrapping_mul(a, b); }},
        {"100-a*b<a*b", DType::Int32, DType::Int32,
         [](Expr a, Expr b) { return ir::cast(DType::Int32, 100 - a * b < b * a) + ir::min(b, a * b); },
         [](int64_t a, int64_t b) {
             int64_t p = arith::wrap_to(DType::Int32, arith::wrapping_mul(a, b));
             return int64_t{arith::wrap_to(DType::Int32, 100 - p) < p} + std::min(b, p);
         }},
        mul(0),
        mul(1),
        mul(2),
        mul(3),
        mul(5),
        mul(7),
        mul(10),
        mul(-5),
        mul(-1),
        mul(12345),
        mul(0x7fffffff),
        mul(-2147483647LL - 1),
        mul(0x55555555),
        {"a/4", DType::Int32, DType::Int32, [](Expr a, Expr) { return a / 4; },
         [](int64_t a, int64_t) { return arith::floor_div(a, 4); }},
        {"a%8", DType::Int32, DType::Int32, [](Expr a, Expr) { return a % 8; },
         [](int64_t a, int64_t) { return arith::floor_mod(a, 8); }},
        {"a/3", DType::Int32, DType::Int32, [](Expr a, Expr) { return a / 3; },
         [](int64_t a, int64_t) { return arith::floor_div(a, 3); }},
        {"a%3", DType::Int32, DType::Int32, [](Expr a, Expr) { return a % 3; },
         [](int64_t a, int64_t) { return arith::floor_mod(a, 3); }},
        {"a/-3", DType::Int32, DType::Int32,
         [](Expr a, Expr) { return a / ir::make_const(DType::Int32, -3); },
         [](int64_t a, int64_t) { return arith::floor_div(a, -3); }},
        {"a%-8", DType::Int32, DType::Int32,
         [](Expr a, Expr) { return a % ir::make_const(DType::Int32, -8); },
         [](int64_t a, int64_t) { return arith::floor_mod(a, -8); }},
        {"a/b", DType::Int32, DType::Int32, [](Expr a, Expr b) { return a / b; },
         [=](int64_t a, int64_t b) { return arith::floor_div(a, nonzero(b)); }},
        {"a%b", DType::Int32, DType::Int32, [](Expr a, Expr b) { return a % b; },
         [=](int64_t a, int64_t b) { return arith::floor_mod(a, nonzero(b)); }},
        {"min", DType::Int32, DType::Int32, [](Expr a, Expr b) { return ir::min(a, b); },
         [](int64_t a, int64_t b) { return std::min(a, b); }},
        {"max(a,3)", DType::Int32, DType::Int32, [](Expr a, Expr) { return ir::max(a, Expr(3)); },
         [](int64_t a, int64_t) { return std::max<int64_t>(a, 3); }},
        {"select(a<b)", DType::Int32, DType::Int32,
         [](Expr a, Expr b) { return ir::select(a < b, a * 2, b + 1); },
         [](int64_t a, int64_t b) { return a < b ? 2 * a : b + 1; }},
        {"a<=b||a==7", DType::Int32, DType::Int32,
         [](Expr a, Expr b) { return ir::cast(DType::Int32, (a <= b) || ir::eq(a, Expr(7))); },
         [](int64_t a, int64_t b) { return int64_t{a <= b || a == 7}; }},
        {"!(a>b)&&a!=0", DType::Int32, DType::Int32,
         [](Expr a, Expr b) { return ir::cast(DType::Int32, !(a > b) && ir::ne(a, Expr(0))); },
         [](int64_t a, int64_t b) { return int64_t{!(a > b) && a != 0}; }},
        {"a>=5", DType::Int32, DType::Int32, [](Expr a, Expr) { return ir::cast(DType::Int32, a >= 5); },
         [](int64_t a, int64_t) { return int64_t{a >= 5}; }},
        {"int64(a)*int64(b)", DType::Int32, DType::Int64,
         [](Expr a, Expr b) { return ir::cast(DType::Int64, a) * ir::cast(DType::Int64, b); },
         [](int64_t a, int64_t b) { return a * b; }},
    };
    // The division rows avoid dividing by zero: b = 0 never occurs except in the {0, 1} ... rows' a.
    for (const auto &row : rows) check_elementwise(row, inputs);
    (void)wrap32;
}

TEST(DpuCodegen, Int64ArithmeticIsExact) {
    const int64_t big = int64_t{1} << 40;
    const std::vector<std::pair<int64_t, int64_t>> inputs = {{0, 1},
                                                             {0xffffffffLL, 1},
                                                             {-1, 1},
                                                             {int64_t{1} << 32, -1},
                                                             {big + 5, big - 7},
                                                             {-big, 3},
                                                             {123456789012LL, -9},
                                                             {-(big * 3), -big},
                                                             {0x7fffffffffffffffLL, 1},
                                                             {42, 42},
                                                             {-5, 0xffffffffLL},
                                                             {0x80000000LL, 0x80000000LL}};
    std::vector<ElementwiseCase> rows = {
        {"a+b", DType::Int64, DType::Int64, [](Expr a, Expr b) { return a + b; },
         [](int64_t a, int64_t b) { return arith::wrapping_add(a, b); }},
        {"a-b", DType::Int64, DType::Int64, [](Expr a, Expr b) { return a - b; },
         [](int64_t a, int64_t b) {
             return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
         }},
        {"a*b", DType::Int64, DType::Int64, [](Expr a, Expr b) { return a * b; },
         [](int64_t a, int64_t b) { return arith::wrapping_mul(a, b); }},
        {"a+a*b", DType::Int64, DType::Int64, [](Expr a, Expr b) { return a + a * b; },
         [](int64_t a, int64_t b) { return arith::wrapping_add(a, arith::wrapping_mul(a, b)); }},
        {"a==a*b", DType::Int64, DType::Int32,
         [](Expr a, Expr b) { return ir::cast(DType::Int32, ir::eq(a, a * b)); },
         [](int64_t a, int64_t b) { return int64_t{a == arith::wrapping_mul(a, b)}; }},
        {"a*3", DType::Int64, DType::Int64, [](Expr a, Expr) { return a * ir::make_const(DType::Int64, 3); },
         [](int64_t a, int64_t) { return arith::wrapping_mul(a, 3); }},
        {"a*2^33", DType::Int64, DType::Int64,
         [](Expr a, Expr) { return a * ir::make_const(DType::Int64, int64_t{1} << 33); },
         [](int64_t a, int64_t) { return arith::wrapping_mul(a, int64_t{1} << 33); }},
        {"a*8", DType::Int64, DType::Int64, [](Expr a, Expr) { return a * ir::make_const(DType::Int64, 8); },
         [](int64_t a, int64_t) { return arith::wrapping_mul(a, 8); }},
        {"a/16", DType::Int64, DType::Int64,
         [](Expr a, Expr) { return a / ir::make_const(DType::Int64, 16); },
         [](int64_t a, int64_t) { return arith::floor_div(a, 16); }},
        {"a%16", DType::Int64, DType::Int64,
         [](Expr a, Expr) { return a % ir::make_const(DType::Int64, 16); },
         [](int64_t a, int64_t) { return arith::floor_mod(a, 16); }},
        {"a/2^36", DType::Int64, DType::Int64,
         [](Expr a, Expr) { return a / ir::make_const(DType::Int64, int64_t{1} << 36); },
         [](int64_t a, int64_t) { return arith::floor_div(a, int64_t{1} << 36); }},
        {"a%2^36", DType::Int64, DType::Int64,
         [](Expr a, Expr) { return a % ir::make_const(DType::Int64, int64_t{1} << 36); },
         [](int64_t a, int64_t) { return arith::floor_mod(a, int64_t{1} << 36); }},
        {"min", DType::Int64, DType::Int64, [](Expr a, Expr b) { return ir::min(a, b); },
         [](int64_t a, int64_t b) { return std::min(a, b); }},
        {"max", DType::Int64, DType::Int64, [](Expr a, Expr b) { return ir::max(a, b); },
         [](int64_t a, int64_t b) { return std::max(a, b); }},
        {"select(a<=b)", DType::Int64, DType::Int64,
         [](Expr a, Expr b) { return ir::select(a <= b, a, b - a); },
         [](int64_t a, int64_t b) {
             return a <= b ? a : static_cast<int64_t>(static_cast<uint64_t>(b) - static_cast<uint64_t>(a));
         }},
        {"a>b", DType::Int64, DType::Int32, [](Expr a, Expr b) { return ir::cast(DType::Int32, a > b); },
         [](int64_t a, int64_t b) { return int64_t{a > b}; }},
        {"a==b", DType::Int64, DType::Int32,
         [](Expr a, Expr b) { return ir::cast(DType::Int32, ir::eq(a, b)); },
         [](int64_t a, int64_t b) { return int64_t{a == b}; }},
        {"int32(a)", DType::Int64, DType::Int32, [](Expr a, Expr) { return ir::cast(DType::Int32, a); },
         [](int64_t a, int64_t) { return arith::wrap_to(DType::Int32, a); }},
    };
    for (const auto &row : rows) check_elementwise(row, inputs);
}

// Comparisons that steer control flow (fused compare-and-branch), 32- and 64-bit, with loop bounds that are
// only known at run time.
TEST(DpuCodegen, BranchesAndDynamicLoopBounds) {
    lower::PimProgram program = empty_program("branches", 1);
    Buffer a = add_slice(program, "A", DType::Int64, 6);
    Buffer out = add_slice(program, "OUT", DType::Int32, 6);
    Var i("i"), k("k"), n("n");
    // OUT[i] = number of k in [i, i + A[i] mod 8) with k odd, or -1 when A[i] < -2^33.
    Expr ai = ir::Load::make(a, {i});
    Stmt count = ir::Seq::make(
        {ir::Store::make(out, {i}, Expr(0)),
         ir::For::make(k, i, n, ForKind::Serial,
                       ir::IfThenElse::make(ir::eq(k % 2, Expr(1)),
                                            ir::Store::make(out, {i}, ir::Load::make(out, {i}) + 1)))});
    Stmt body = ir::IfThenElse::make(
        ai < ir::make_const(DType::Int64, -(int64_t{1} << 33)), ir::Store::make(out, {i}, Expr(-1)),
        ir::LetStmt::make(n, ir::cast(DType::Int32, ai % ir::make_const(DType::Int64, 8)), count));
    program.kernel = loop(i, 6, body);
    std::vector<int64_t> in = {5, 7, -(int64_t{1} << 34), 0, 13, -(int64_t{1} << 33)};
    DpuResult result = run_on_dpu(program, {in});
    for (int64_t idx = 0; idx < 6; ++idx) {
        int64_t want;
        if (in[idx] < -(int64_t{1} << 33)) {
            want = -1;
        } else {
            want = 0;
            for (int64_t kk = idx; kk < idx + arith::floor_mod(in[idx], 8); ++kk) want += kk % 2 == 1;
        }
        EXPECT_EQ(result.slices[1][idx], want) << "OUT[" << idx << "]";
    }
}

// More live values than registers: a right-nested sum keeps every left operand alive, forcing spills; more
// nested loops than variable registers puts loop variables in the frame.
TEST(DpuCodegen, SpillsWhenRegistersRunOut) {
    constexpr int kTerms = 24;
    lower::PimProgram program = empty_program("spills", 1);
    Buffer a = add_slice(program, "A", DType::Int32, kTerms);
    Buffer out = add_slice(program, "OUT", DType::Int32, 2);
    Expr sum = ir::Load::make(a, {Expr(kTerms - 1)}) * 3;
    for (int t = kTerms - 2; t >= 0; --t) sum = (ir::Load::make(a, {Expr(t)}) + t) + sum;
    std::vector<Var> vars;
    for (int d = 0; d < 11; ++d) vars.emplace_back("l" + std::to_string(d));
    Expr index_sum = Expr(0);
    for (int d = 0; d < 11; ++d) index_sum = index_sum + vars[d] * (1 << d);
    Stmt nest = ir::Store::make(out, {Expr(1)}, ir::Load::make(out, {Expr(1)}) + index_sum);
    for (int d = 10; d >= 0; --d) nest = loop(vars[d], 2, nest);
    program.kernel = ir::Seq::make({ir::Store::make(out, {Expr(0)}, sum), nest});
    std::vector<int64_t> in(kTerms);
    int64_t want = 0;
    for (int t = 0; t < kTerms; ++t) {
        in[t] = 1000 * t - 7;
        want += t == kTerms - 1 ? in[t] * 3 : in[t] + t;
    }
    DpuResult result = run_on_dpu(program, {in});
    EXPECT_EQ(result.slices[1][0], want);
    EXPECT_EQ(result.slices[1][1],
              1024 * 2047);  // each of the 2^11 iterations adds its index; sum = 2^10*(2^11-1)
    EXPECT_GT(result.kernel.variables_in_frame, 0);
}

TEST(DpuCodegen, UnrolledLoopsRunAsCopies) {
    lower::PimProgram program = empty_program("unrolled", 2);
    Buffer out = add_slice(program, "OUT", DType::Int32, 8);
    Var u("u");
    program.kernel =
        ir::IfThenElse::make(ir::eq(tasklet_id(), Expr(1)),
                             loop(u, 8, ir::Store::make(out, {u}, u * u - tasklet_id()), ForKind::Unrolled));
    DpuResult result = run_on_dpu(program, {});
    for (int64_t k = 0; k < 8; ++k) EXPECT_EQ(result.slices[0][k], k * k - 1);
    EXPECT_EQ(result.kernel.assembly.find("u_end"), std::string::npos);
}

// ACC[r] += A[r * copies + k] * B[k] for rows r = 0, 1 with k unrolled `copies` times: the row's output
// element and A's row are addressed once per row, the sum is forwarded from one copy to the next.
DpuResult unrolled_dot_products(int copies) {
    lower::PimProgram program = empty_program("unrolled_dots", 1);
    Buffer a = add_slice(program, "A", DType::Int32, 2 * copies);
    Buffer b = add_slice(program, "B", DType::Int32, copies);
    Buffer out = add_slice(program, "OUT", DType::Int32, 2);
    Buffer a_w = ir::make_buffer("a_w", DType::Int32, {2 * copies}, MemScope::WramLocal);
    Buffer b_w = ir::make_buffer("b_w", DType::Int32, {copies}, MemScope::WramLocal);
    Buffer acc = ir::make_buffer("acc", DType::Int32, {2}, MemScope::WramLocal);
    Var r("r"), k("k");
    Expr product = ir::Load::make(a_w, {r * copies + k}) * ir::Load::make(b_w, {k});
    Stmt row = ir::Seq::make(
        {ir::Store::make(acc, {r}, Expr(0)),
         loop(k, copies, ir::Store::make(acc, {r}, ir::Load::make(acc, {r}) + product), ForKind::Unrolled)});
    auto dma = [](ir::DmaDirection d, Buffer w, Buffer m, int bytes) {
        return ir::Dma::make(d, std::move(w), Expr(0), std::move(m), Expr(0), Expr(bytes));
    };
    program.kernel = ir::Allocate::make(
        a_w,
        ir::Allocate::make(
            b_w, ir::Allocate::make(
                     acc, ir::Seq::make({dma(ir::DmaDirection::MramToWram, a_w, a, 8 * copies),
                                         dma(ir::DmaDirection::MramToWram, b_w, b, 4 * copies),
                                         loop(r, 2, row), dma(ir::DmaDirection::WramToMram, acc, out, 8)}))));
    std::vector<int64_t> in_a, in_b;
    for (int i = 0; i < 2 * copies; ++i) in_a.push_back(3 * i - 7);
    for (int i = 0; i < copies; ++i) in_b.push_back(11 - 2 * i);
    DpuResult result = run_on_dpu(program, {in_a, in_b});
    for (int row_index = 0; row_index < 2; ++row_index) {
        int64_t want = 0;
        for (int i = 0; i < copies; ++i) want += in_a[row_index * copies + i] * in_b[i];
        EXPECT_EQ(result.slices[2][row_index], want) << "row " << row_index << " of " << copies << " copies";
    }
    return result;
}

int64_t instruction_lines(const std::string &assembly) {
    int64_t lines = 0;
    for (size_t at = 0; (at = assembly.find("\n    ", at)) != std::string::npos; ++at)
        if (assembly.compare(at + 5, 2, "//") != 0 && assembly[at + 5] != '.') ++lines;
    return lines;
}

// What clang -O2 makes of the unrolled C (GVN): each further copy is lw A, lw B, call __mulsi3, add, sw.
TEST(DpuCodegen, UnrolledAccumulationReusesAddressesAndTheStoredSum) {
    DpuResult four = unrolled_dot_products(4), eight = unrolled_dot_products(8);
    EXPECT_EQ(instruction_lines(eight.kernel.assembly) - instruction_lines(four.kernel.assembly), 4 * 5)
        << eight.kernel.assembly;
}

// A store to another element in the middle of a run may hit the accumulated one (here i == j at run time):
// the next accumulation must read the element again instead of reusing the sum it stored.
TEST(DpuCodegen, StraightLineForwardingStopsAtAnotherStore) {
    lower::PimProgram program = empty_program("forwarding", 1);
    Buffer in = add_slice(program, "IN", DType::Int32, 2);
    Buffer out = add_slice(program, "OUT", DType::Int32, 2);
    Buffer w = ir::make_buffer("w", DType::Int32, {2}, MemScope::WramLocal);
    Var i("i"), j("j");
    auto add_to = [&](Expr x) { return ir::Store::make(w, {i}, ir::Load::make(w, {i}) + x); };
    auto dma = [](ir::DmaDirection d, Buffer wram, Buffer m) {
        return ir::Dma::make(d, std::move(wram), Expr(0), std::move(m), Expr(0), Expr(8));
    };
    Stmt run = ir::Seq::make({add_to(Expr(5)), ir::Store::make(w, {j}, Expr(100)), add_to(Expr(7))});
    program.kernel = ir::Allocate::make(
        w, ir::Seq::make({dma(ir::DmaDirection::MramToWram, w, in),
                          ir::LetStmt::make(i, ir::Load::make(w, {Expr(1)}),
                                            ir::LetStmt::make(j, ir::Load::make(w, {Expr(1)}), run)),
                          dma(ir::DmaDirection::WramToMram, w, out)}));
    DpuResult result = run_on_dpu(program, {{40, 0}});  // i = j = w[1] = 0
    EXPECT_EQ(result.slices[1][0], 107);
}

TEST(DpuCodegen, KernelLargerThanIramIsAUserError) {
    lower::PimProgram program = empty_program("huge", 1);
    Buffer out = add_slice(program, "OUT", DType::Int32, 2);
    std::vector<Stmt> stores;
    for (int k = 0; k < 5000; ++k) stores.push_back(ir::Store::make(out, {Expr(k % 2)}, Expr(k)));
    program.kernel = ir::Seq::make(stores);
    try {
        compile_dpu_kernel(program, target::UpmemMachine{});
        FAIL() << "no error for a kernel of 5000+ instructions";
    } catch (const UserError &error) {
        EXPECT_NE(std::string(error.what()).find("IRAM holds 4096"), std::string::npos) << error.what();
    }
}

TEST(DpuCodegen, GeneratedAssemblyNamesItsObjects) {
    lower::PimProgram program = empty_program("names", 1);
    add_slice(program, "A", DType::Int32, 3);
    Buffer b = add_slice(program, "B", DType::Int32, 3);
    program.kernel = ir::Store::make(b, {Expr(0)}, Expr(1));
    DpuKernel kernel = compile_dpu_kernel(program, target::UpmemMachine{});
    EXPECT_EQ(kernel.args_symbol, "dpu_args");
    EXPECT_EQ(kernel.slice_symbols, (std::vector<std::string>{"mram_A_mram", "mram_B_mram"}));
    EXPECT_NE(kernel.assembly.find(".section .mram.noinit"), std::string::npos);
    EXPECT_NE(kernel.assembly.find("call r23, mem_reset"), std::string::npos);
    EXPECT_EQ(emit_dpu_asm(program, target::UpmemMachine{}), kernel.assembly);
}

}  // namespace
}  // namespace atim::codegen::testing
