// The reference interpreter: exact results of small nests, integer wrap-around, floor semantics, storage
// lifetimes, DMA, barriers, errors, and the deterministic input generator.
#include "atim/interp/interpreter.h"

#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "atim/support/error.h"

namespace atim::interp {
namespace {

using ir::DType;
using ir::Expr;
using ir::ForKind;
using ir::Stmt;
using ir::Var;

Stmt loop(const Var &v, int64_t extent, Stmt body, ForKind kind = ForKind::Serial) {
    return ir::For::make(v, 0, Expr(static_cast<int>(extent)), kind, std::move(body));
}

TEST(Interpreter, MatrixVectorProduct) {
    // C[i] = sum_k A[i, k] * B[k]
    const int m = 3, k = 4;
    ir::Buffer a = ir::make_buffer("A", DType::Int32, {m, k});
    ir::Buffer b = ir::make_buffer("B", DType::Int32, {k});
    ir::Buffer c = ir::make_buffer("C", DType::Int32, {m});
    Var i("i"), j("j");
    Stmt s =
        loop(i, m,
             ir::Seq::make({ir::Store::make(c, {i}, Expr(0)),
                            loop(j, k,
                                 ir::Store::make(c, {i},
                                                 ir::Load::make(c, {i}) +
                                                     ir::Load::make(a, {i, j}) * ir::Load::make(b, {j})))}));
    Memory memory;
    memory.set_values(a, {1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4});
    memory.set_values(b, {1, 10, 100, 1000});
    run(s, memory);
    EXPECT_EQ(memory.values(c), (std::vector<int64_t>{4321, 8765, -4321}));
}

TEST(Interpreter, Int32WrapsLikeTwosComplement) {
    ir::Buffer a = ir::make_buffer("A", DType::Int32, {4});
    ir::Buffer w = ir::make_buffer("W", DType::Int64, {2});
    Expr big = ir::make_const(DType::Int32, 2147483647);
    Stmt s = ir::Seq::make({
        ir::Store::make(a, {0}, big + 1),
        ir::Store::make(a, {1}, big * 2),
        // The product wraps before the division, as a 32-bit register would.
        ir::Store::make(a, {2}, (big * 4) / 2),
        ir::Store::make(a, {3}, ir::cast(DType::Int32, ir::make_const(DType::Int64, int64_t{1} << 32) + 5)),
        ir::Store::make(w, {0}, ir::cast(DType::Int64, big) + 1),
        ir::Store::make(w, {1}, ir::make_const(DType::Int64, INT64_MAX) + 1),
    });
    Memory memory;
    run(s, memory);
    EXPECT_EQ(memory.values(a), (std::vector<int64_t>{-2147483648LL, -2, -2, 5}));
    EXPECT_EQ(memory.values(w), (std::vector<int64_t>{2147483648LL, INT64_MIN}));
}

TEST(Interpreter, FloorDivisionAndModuloOfNegatives) {
    ir::Buffer out = ir::make_buffer("Out", DType::Int32, {8});
    Var x("x");
    // x = -7: x / 2 = -4, x % 2 = 1, x / -2 = 3, x % -2 = -1; 7 / -2 = -4, 7 % -2 = -1; -8 / 4 = -2, -8 % 4 =
    // 0.
    Stmt body =
        ir::Seq::make({ir::Store::make(out, {0}, x / 2), ir::Store::make(out, {1}, x % 2),
                       ir::Store::make(out, {2}, x / -2), ir::Store::make(out, {3}, x % -2),
                       ir::Store::make(out, {4}, (0 - x) / -2), ir::Store::make(out, {5}, (0 - x) % -2),
                       ir::Store::make(out, {6}, (x - 1) / 4), ir::Store::make(out, {7}, (x - 1) % 4)});
    Memory memory;
    run(ir::LetStmt::make(x, Expr(-7), body), memory);
    EXPECT_EQ(memory.values(out), (std::vector<int64_t>{-4, 1, 3, -1, -4, -1, -2, 0}));
}

TEST(Interpreter, ControlFlowAndFreeVariables) {
    ir::Buffer out = ir::make_buffer("Out", DType::Int32, {10});
    Var i("i"), d("d"), t("t");
    // Out[i] = i < d ? i*i : select(i == 7, 70, -1), for i in [2, 10); d is given from outside.
    Stmt s = ir::For::make(
        i, 2, 8, ForKind::Unrolled,
        ir::IfThenElse::make(i < d, ir::Store::make(out, {i}, i * i),
                             ir::Store::make(out, {i}, ir::select(ir::eq(i, 7), Expr(70), Expr(-1)))));
    Memory memory;
    run(s, memory, {{d.get(), 5}});
    EXPECT_EQ(memory.values(out), (std::vector<int64_t>{0, 0, 4, 9, 16, -1, -1, 70, -1, -1}));
    memory.set_intrinsic("tasklet_id", 3);
    run(ir::Store::make(out, {0}, ir::Call::make(DType::Int32, "tasklet_id", {}) + 1), memory);
    EXPECT_EQ(memory.values(out)[0], 4);
}

TEST(Interpreter, AllocateGivesFreshZeroedStoragePerExecution) {
    ir::Buffer out = ir::make_buffer("Out", DType::Int32, {3});
    ir::Buffer acc = ir::make_buffer("acc", DType::Int32, {1}, ir::MemScope::WramLocal);
    Var i("i"), j("j");
    // Each i accumulates 1 + 2 + ... + (i + 1) in a fresh accumulator.
    Stmt s =
        loop(i, 3,
             ir::Allocate::make(
                 acc, ir::Seq::make({ir::For::make(j, 1, i + 1, ForKind::Serial,
                                                   ir::Store::make(acc, {0}, ir::Load::make(acc, {0}) + j)),
                                     ir::Store::make(out, {i}, ir::Load::make(acc, {0}))})));
    Memory memory;
    run(s, memory);
    EXPECT_EQ(memory.values(out), (std::vector<int64_t>{1, 3, 6}));
    EXPECT_FALSE(memory.contains(acc));  // allocations do not leak into memory
}

TEST(Interpreter, DmaCopiesBytes) {
    ir::Buffer mram = ir::make_buffer("M", DType::Int32, {8}, ir::MemScope::Mram);
    ir::Buffer mram64 = ir::make_buffer("M64", DType::Int64, {2}, ir::MemScope::Mram);
    ir::Buffer wram = ir::make_buffer("W", DType::Int32, {4}, ir::MemScope::WramLocal);
    ir::Buffer out = ir::make_buffer("Out", DType::Int32, {8});
    Var k("k");
    Stmt copy_out = loop(k, 4, ir::Store::make(out, {k}, ir::Load::make(wram, {k})));
    Stmt s = ir::Allocate::make(
        wram,
        ir::Seq::make({
            ir::Dma::make(ir::DmaDirection::MramToWram, wram, 0, mram, 2, 16),  // M[2..6) -> W
            copy_out,
            ir::Dma::make(ir::DmaDirection::WramToMram, wram, 1, mram, 6, 8),   // W[1..3) -> M[6..8)
            ir::Dma::make(ir::DmaDirection::MramToWram, wram, 0, mram, 6, 16),  // past the end reads 0
            ir::For::make(k, 0, 4, ForKind::Serial, ir::Store::make(out, {k + 4}, ir::Load::make(wram, {k}))),
            // An int64 in MRAM seen as two int32 words (little-endian).
            ir::Dma::make(ir::DmaDirection::MramToWram, wram, 0, mram64, 0, 16),
            ir::For::make(k, 0, 4, ForKind::Serial, ir::Store::make(mram, {k}, ir::Load::make(wram, {k}))),
        }));
    Memory memory;
    memory.set_values(mram, {10, 11, 12, 13, 14, 15, 16, 17});
    memory.set_values(mram64, {(int64_t{-2} << 32) | 5, -1});
    run(s, memory);
    EXPECT_EQ(memory.values(out), (std::vector<int64_t>{12, 13, 14, 15, 13, 14, 0, 0}));
    EXPECT_EQ(memory.values(mram), (std::vector<int64_t>{5, -2, -1, -1, 14, 15, 13, 14}));
}

TEST(Interpreter, TaskletsMeetAtBarriers) {
    // Each tasklet writes its partial sum, waits, then tasklet 0 adds them all up: correct only if every
    // tasklet's first phase ran before tasklet 0's second phase.
    const int tasklets = 8;
    ir::Buffer partial = ir::make_buffer("partial", DType::Int32, {tasklets}, ir::MemScope::WramShared);
    ir::Buffer out = ir::make_buffer("Out", DType::Int32, {1});
    Var t("t"), u("u");
    Stmt second_phase = ir::IfThenElse::make(
        ir::eq(t, 0),
        loop(u, tasklets,
             ir::Store::make(out, {0}, ir::Load::make(out, {0}) + ir::Load::make(partial, {u}))));
    Stmt s = ir::Allocate::make(
        partial,
        loop(t, tasklets,
             ir::Seq::make({ir::Store::make(partial, {t}, (t + 1) * 10), ir::Barrier::make(), second_phase}),
             ForKind::Tasklet));
    for (int repeat = 0; repeat < 5; ++repeat) {
        Memory memory;
        run(s, memory);
        EXPECT_EQ(memory.values(out)[0], 360);
    }
}

TEST(Interpreter, HigherRankBuffersAreRowMajor) {
    ir::Buffer t = ir::make_buffer("T", DType::Int64, {2, 3, 4});
    Var i("i"), j("j"), k("k");
    Stmt fill = loop(
        i, 2,
        loop(j, 3, loop(k, 4, ir::Store::make(t, {i, j, k}, ir::cast(DType::Int64, i * 100 + j * 10 + k)))));
    Memory memory;
    run(fill, memory);
    const std::vector<int64_t> &values = memory.values(t);
    ASSERT_EQ(values.size(), 24u);
    EXPECT_EQ(values[0], 0);
    EXPECT_EQ(values[1 * 12 + 0 * 4 + 2], 102);
    EXPECT_EQ(values[23], 123);
    EXPECT_EQ(values[4], 10);
    EXPECT_THROW(run(ir::Store::make(t, {1, 2, 4}, ir::make_const(DType::Int64, 1)), memory), InternalError);
}

TEST(Interpreter, ReportsBadPrograms) {
    ir::Buffer a = ir::make_buffer("A", DType::Int32, {4, 4});
    Var i("i"), free("n");
    Memory memory;
    EXPECT_THROW(run(loop(i, 5, ir::Store::make(a, {0, i}, Expr(1))), memory), InternalError);
    EXPECT_THROW(run(ir::Store::make(a, {0, 0}, free), memory), InternalError);
    EXPECT_THROW(run(ir::Store::make(a, {0, 0}, Expr(1) / (free - free)), memory, {{free.get(), 3}}),
                 InternalError);
    EXPECT_THROW(run(ir::Store::make(a, {0, 0}, ir::Call::make(DType::Int32, "magic", {})), memory),
                 InternalError);
    try {
        run(loop(i, 5, ir::Store::make(a, {i, 0}, Expr(1))), memory);
    } catch (const InternalError &e) {
        EXPECT_NE(std::string(e.what()).find("index 4 of dimension 0 of buffer A is outside [0, 4)"),
                  std::string::npos)
            << e.what();
    }
}

TEST(RandomInputs, SplitMix64ReferenceOutputs) {
    // Reference sequence of splitmix64 seeded with 1234567 (Vigna's splitmix64.c).
    uint64_t state = 1234567;
    std::vector<uint64_t> want = {6457827717110365317ULL, 3203168211198807973ULL, 9817491932198370423ULL,
                                  4593380528125082431ULL, 16408922859458223821ULL};
    for (uint64_t w : want) EXPECT_EQ(splitmix64(state), w);
}

TEST(RandomInputs, DeterministicUniformBelowFifty) {
    ir::Buffer a = ir::make_buffer("A", DType::Int32, {100, 100});
    ir::Buffer b = ir::make_buffer("B", DType::Int64, {7});
    Memory first = random_inputs({a, b}, 42);
    Memory again = random_inputs({a, b}, 42);
    Memory other = random_inputs({a, b}, 43);
    EXPECT_EQ(first.values(a), again.values(a));
    EXPECT_EQ(first.values(b), again.values(b));
    EXPECT_NE(first.values(a), other.values(a));
    std::vector<int> histogram(50, 0);
    for (int64_t v : first.values(a)) {
        ASSERT_GE(v, 0);
        ASSERT_LT(v, 50);
        ++histogram[static_cast<size_t>(v)];
    }
    for (int count : histogram) EXPECT_GT(count, 120);  // 200 expected per value
    // The first value comes from the first splitmix64 output: floor(x * 50 / 2^64).
    uint64_t state = 42;
    uint64_t x = splitmix64(state);
    EXPECT_EQ(first.values(a)[0],
              static_cast<int64_t>(static_cast<double>(x >> 11) * 50.0 / 9007199254740992.0));
}

}  // namespace
}  // namespace atim::interp
