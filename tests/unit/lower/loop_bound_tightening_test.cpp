// Expected-IR tests of tighten_loop_bounds (LT) and hoist_invariant_branches (BH).
#include <gtest/gtest.h>

#include "atim/ir/ir.h"
#include "lower/invariant_branch_hoisting.h"
#include "lower/loop_bound_tightening.h"

namespace atim::lower {
namespace {

using ir::Buffer;
using ir::DType;
using ir::Expr;
using ir::ForKind;
using ir::MemScope;
using ir::Stmt;
using ir::Var;

struct Nest {
    GridVars grid_vars;
    DpuGrid grid{2, 1, 1};
    Var r{"r"}, kb{"kb"}, kk{"kk"};
    Buffer a_local = ir::make_buffer("A_local", DType::Int32, {16}, MemScope::WramLocal);
    Buffer b_local = ir::make_buffer("B_local", DType::Int32, {16}, MemScope::WramLocal);
    Buffer c_local = ir::make_buffer("C_local", DType::Int32, {1}, MemScope::WramLocal);
    Buffer a_mram = ir::make_buffer("A_mram", DType::Int32, {16, 78}, MemScope::Mram);
    Buffer b_mram = ir::make_buffer("B_mram", DType::Int32, {80}, MemScope::Mram);
    Expr row = grid_vars.x * 16 + r;
    Expr k = kb * 16 + kk;

    Stmt loop(const Var &v, int extent, Stmt body) const {
        return ir::For::make(v, Expr(0), Expr(extent), ForKind::Serial, std::move(body));
    }
    Stmt accumulate() const {
        Expr acc = ir::Load::make(c_local, {Expr(0)});
        return ir::Store::make(c_local, {Expr(0)},
                               acc + ir::Load::make(a_local, {kk}) * ir::Load::make(b_local, {kk}));
    }
    Stmt dma_a() const {
        return ir::Dma::make(ir::DmaDirection::MramToWram, a_local, Expr(0), a_mram, r * 78 + kb * 16,
                             Expr(64));
    }
    Stmt dma_b() const {
        return ir::Dma::make(ir::DmaDirection::MramToWram, b_local, Expr(0), b_mram, kb * 16, Expr(64));
    }
};

// The k guard becomes kk's bound; the row guard, free of kk and then of kb, ends up outside both loops.
TEST(TightenLoopBounds, GuardLinearInTheLoopVariableBecomesItsBounds) {
    Nest n;
    Stmt in = n.loop(n.kb, 5, n.loop(n.kk, 16, ir::IfThenElse::make(n.row < 30 && n.k < 77, n.accumulate())));
    EXPECT_EQ(ir::to_string(tighten_loop_bounds(in, n.grid, n.grid_vars, 1)),
              "if ((((dpu_x*16) + r) < 30)) {\n"
              "  for (kb, 0, 5) {\n"
              "    for (kk, 0, min(16, (77 - (kb*16)))) {\n"
              "      C_local[0] = (C_local[0] + (A_local[kk]*B_local[kk]))\n"
              "    }\n"
              "  }\n"
              "}\n");
}

TEST(TightenLoopBounds, LowerBoundsAndNonLinearGuardsLeftAlone) {
    Nest n;
    Stmt lower_bound = n.loop(n.kk, 16, ir::IfThenElse::make(n.kk >= 3 && n.kk < 9, n.accumulate()));
    EXPECT_EQ(ir::to_string(tighten_loop_bounds(lower_bound, n.grid, n.grid_vars, 1)),
              "for (kk, 3, 6) {\n"
              "  C_local[0] = (C_local[0] + (A_local[kk]*B_local[kk]))\n"
              "}\n");
    // kk*kk is not linear in kk: the guard must stay inside the loop.
    Stmt quadratic = n.loop(n.kk, 16, ir::IfThenElse::make(n.kk * n.kk < 50, n.accumulate()));
    EXPECT_EQ(ir::to_string(tighten_loop_bounds(quadratic, n.grid, n.grid_vars, 1)),
              ir::to_string(quadratic));
    // The guard reads C_local, which the body writes: it must be evaluated every iteration.
    Stmt reads_memory =
        n.loop(n.kk, 16, ir::IfThenElse::make(ir::Load::make(n.c_local, {Expr(0)}) < 100, n.accumulate()));
    EXPECT_EQ(ir::to_string(tighten_loop_bounds(reads_memory, n.grid, n.grid_vars, 1)),
              ir::to_string(reads_memory));
    EXPECT_EQ(ir::to_string(hoist_invariant_branches(reads_memory, n.grid, n.grid_vars, 1, true)),
              ir::to_string(reads_memory));
}

TEST(HoistInvariantBranches, SinksFeedingDmasAndLiftsTheRowGuardOutOfTheReductionLoop) {
    Nest n;
    Expr row_ok = n.row < 30;
    Stmt body = ir::Seq::make({ir::IfThenElse::make(row_ok, n.dma_a()), n.dma_b(),
                               ir::IfThenElse::make(row_ok, n.loop(n.kk, 16, n.accumulate()))});
    Stmt in =
        n.loop(n.r, 16, n.loop(n.kb, 5, ir::Allocate::make(n.a_local, ir::Allocate::make(n.b_local, body))));
    EXPECT_EQ(ir::to_string(hoist_invariant_branches(in, n.grid, n.grid_vars, 1, /*sink_dma_reads=*/true)),
              "for (r, 0, 16) {\n"
              "  if ((((dpu_x*16) + r) < 30)) {\n"
              "    for (kb, 0, 5) {\n"
              "      allocate A_local[16] int32 wram.local {\n"
              "        allocate B_local[16] int32 wram.local {\n"
              "          dma mram->wram(A_local[0], A_mram[((r*78) + (kb*16))], 64 bytes)\n"
              "          dma mram->wram(B_local[0], B_mram[(kb*16)], 64 bytes)\n"
              "          for (kk, 0, 16) {\n"
              "            C_local[0] = (C_local[0] + (A_local[kk]*B_local[kk]))\n"
              "          }\n"
              "        }\n"
              "      }\n"
              "    }\n"
              "  }\n"
              "}\n");
    // Weak hoisting (level 3) leaves the unguarded DMA in front of the branch, so nothing can be lifted.
    std::string weak = ir::to_string(hoist_invariant_branches(in, n.grid, n.grid_vars, 1, false));
    EXPECT_NE(weak.find("dma mram->wram(B_local[0], B_mram[(kb*16)], 64 bytes)\n"
                        "        if ((((dpu_x*16) + r) < 30)) {\n"),
              std::string::npos)
        << weak;
}

TEST(HoistInvariantBranches, SinksAGuardedDmaWhenTheBranchImpliesItsGuard) {
    Nest n;
    Expr row_ok = n.row < 30;
    Expr tasklet_rows_ok = n.r < 4;
    // [if (row ok) DMA A; if (r < 4 && row ok) use A]: the branch implies the DMA's guard.
    Stmt in = ir::Allocate::make(
        n.a_local,
        ir::Seq::make({ir::IfThenElse::make(row_ok, n.dma_a()),
                       ir::IfThenElse::make(tasklet_rows_ok && row_ok, n.loop(n.kk, 16, n.accumulate()))}));
    EXPECT_EQ(ir::to_string(hoist_invariant_branches(n.loop(n.kb, 2, in), n.grid, n.grid_vars, 1, true)),
              "if (((r < 4) && (((dpu_x*16) + r) < 30))) {\n"
              "  for (kb, 0, 2) {\n"
              "    allocate A_local[16] int32 wram.local {\n"
              "      dma mram->wram(A_local[0], A_mram[((r*78) + (kb*16))], 64 bytes)\n"
              "      for (kk, 0, 16) {\n"
              "        C_local[0] = (C_local[0] + (A_local[kk]*B_local[kk]))\n"
              "      }\n"
              "    }\n"
              "  }\n"
              "}\n");
}

TEST(HoistInvariantBranches, DmasFeedingALoopThatMayRunZeroTimesMoveUnderItsTripCount) {
    Nest n;
    Var t("t");
    // After LT a tasklet past the end of the data runs its compute loop zero times; its DMA is then dead.
    Stmt compute =
        ir::For::make(n.kk, Expr(0), ir::min(Expr(16), 40 - t * 16), ForKind::Serial, n.accumulate());
    Stmt in = ir::LetStmt::make(t, ir::Call::make(DType::Int32, "tasklet_id", {}),
                                ir::Allocate::make(n.b_local, ir::Seq::make({n.dma_b(), compute})));
    EXPECT_EQ(ir::to_string(hoist_invariant_branches(in, n.grid, n.grid_vars, 4, true)),
              "let t = tasklet_id() {\n"
              "  if ((min(16, (40 - (t*16))) > 0)) {\n"
              "    allocate B_local[16] int32 wram.local {\n"
              "      dma mram->wram(B_local[0], B_mram[(kb*16)], 64 bytes)\n"
              "      for (kk, 0, min(16, (40 - (t*16)))) {\n"
              "        C_local[0] = (C_local[0] + (A_local[kk]*B_local[kk]))\n"
              "      }\n"
              "    }\n"
              "  }\n"
              "}\n");
    // With 2 tasklets every trip count is positive: nothing changes.
    EXPECT_EQ(ir::to_string(hoist_invariant_branches(in, n.grid, n.grid_vars, 2, true)), ir::to_string(in));
}

TEST(HoistInvariantBranches, KeepsADmaWhoseDataIsReadOutsideTheBranch) {
    Nest n;
    Expr row_ok = n.row < 30;
    Stmt reads_b_outside = ir::Store::make(n.c_local, {Expr(0)}, ir::Load::make(n.b_local, {Expr(3)}));
    Stmt in = ir::Allocate::make(
        n.b_local, ir::Seq::make({n.dma_b(), ir::IfThenElse::make(row_ok, n.loop(n.kk, 16, n.accumulate())),
                                  reads_b_outside}));
    std::string out = ir::to_string(hoist_invariant_branches(in, n.grid, n.grid_vars, 1, true));
    EXPECT_EQ(out, ir::to_string(in));
}

TEST(HoistInvariantBranches, MergesOnlyImpliedGuardsAndKeepsTheStrongerOne) {
    Nest n;
    Stmt y = ir::Store::make(n.c_local, {Expr(0)}, Expr(1));
    Stmt x = ir::Store::make(n.c_local, {Expr(0)}, Expr(2));
    Expr c = n.row < 30;
    // c && r < 4 implies c: Y moves under c with its own guard.
    Stmt implied = ir::Seq::make({ir::IfThenElse::make(c && n.r < 4, y), ir::IfThenElse::make(c, x)});
    EXPECT_EQ(ir::to_string(hoist_invariant_branches(n.loop(n.r, 8, implied), n.grid, n.grid_vars, 1, true)),
              "for (r, 0, 8) {\n"
              "  if ((((dpu_x*16) + r) < 30)) {\n"
              "    if (((((dpu_x*16) + r) < 30) && (r < 4))) {\n"
              "      C_local[0] = 1\n"
              "    }\n"
              "    C_local[0] = 2\n"
              "  }\n"
              "}\n");
    // c does not imply r < 4: the two branches stay apart.
    Stmt unrelated = ir::Seq::make({ir::IfThenElse::make(c, y), ir::IfThenElse::make(n.r < 4, x)});
    EXPECT_EQ(ir::to_string(hoist_invariant_branches(unrelated, n.grid, n.grid_vars, 1, true)),
              ir::to_string(unrelated));
}

}  // namespace
}  // namespace atim::lower
