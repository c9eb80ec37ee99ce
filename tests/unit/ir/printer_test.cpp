// The printed IR text: a stable format that expected-IR tests and --emit ir depend on.
#include <gtest/gtest.h>

#include "atim/ir/ir.h"

namespace atim::ir {
namespace {

TEST(Printer, Expressions) {
    Var i("i"), k("k");
    Var n("n", DType::Int64);
    Buffer a = make_buffer("A", DType::Int32, {8, 8});
    struct Case {
        Expr in;
        std::string want;
    };
    for (const auto &[in, want] : std::vector<Case>{
             {i + 1, "(i + 1)"},
             {i - k * 4, "(i - (k*4))"},
             {i / 4 + i % 4, "((i / 4) + (i % 4))"},
             {min(i, k), "min(i, k)"},
             {max(i, 0), "max(i, 0)"},
             {i < 1000, "(i < 1000)"},
             {(i <= k) && !(i >= 3), "((i <= k) && !(i >= 3))"},
             {(i > k) || eq(i, k), "((i > k) || (i == k))"},
             {ne(i, 2), "(i != 2)"},
             {i + n, "(int64(i) + n)"},
             {select(i < 2, i, k), "select((i < 2), i, k)"},
             {Load::make(a, {i, k}), "A[i, k]"},
             {Call::make(DType::Int32, "tasklet_id", {}), "tasklet_id()"},
             {const_true(), "true"},
             {Expr(-5), "-5"},
             {-i, "(0 - i)"},
         }) {
        EXPECT_EQ(to_string(in), want);
    }
}

TEST(Printer, StatementsAreIndentedBlocks) {
    Var i("i"), k("k");
    Buffer a = make_buffer("A", DType::Int32, {1000, 32});
    Buffer b = make_buffer("B", DType::Int32, {1000});
    Buffer a_local = make_buffer("A_local", DType::Int32, {32}, MemScope::WramLocal);
    Buffer a_mram = make_buffer("A_mram", DType::Int32, {32000}, MemScope::Mram);
    Stmt copy = For::make(k, 0, 32, ForKind::Serial, Store::make(a_local, {k}, Load::make(a, {i, k})));
    Stmt dma = Dma::make(DmaDirection::MramToWram, a_local, 0, a_mram, i * 777, 128);
    Stmt flush = Dma::make(DmaDirection::WramToMram, a_local, 0, a_mram, i * 32, 128);
    Stmt guarded = IfThenElse::make(i < 1000, Seq::make({copy, dma}), Store::make(b, {i}, Expr(0)));
    Stmt body = Allocate::make(a_local, Seq::make({guarded, Barrier::make(), flush}));
    Stmt program = For::make(i, 0, 16, ForKind::DpuX, body);
    EXPECT_EQ(to_string(program),
              "for (i, 0, 16) dpu.x {\n"
              "  allocate A_local[32] int32 wram.local {\n"
              "    if ((i < 1000)) {\n"
              "      for (k, 0, 32) {\n"
              "        A_local[k] = A[i, k]\n"
              "      }\n"
              "      dma mram->wram(A_local[0], A_mram[(i*777)], 128 bytes)\n"
              "    } else {\n"
              "      B[i] = 0\n"
              "    }\n"
              "    barrier\n"
              "    dma wram->mram(A_mram[(i*32)], A_local[0], 128 bytes)\n"
              "  }\n"
              "}\n");
    Var t("t");
    Stmt let = LetStmt::make(t, Call::make(DType::Int32, "tasklet_id", {}),
                             For::make(k, t, 4, ForKind::Tasklet, Evaluate::make(k)));
    EXPECT_EQ(to_string(let),
              "let t = tasklet_id() {\n"
              "  for (k, t, 4) tasklet {\n"
              "    k\n"
              "  }\n"
              "}\n");
}

}  // namespace
}  // namespace atim::ir
