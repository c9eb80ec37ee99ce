// Statement simplification: loop ranges inside bodies, dead branches, empty and single-iteration loops.
#include <gtest/gtest.h>

#include "atim/arith/simplify.h"
#include "atim/ir/ir.h"

namespace atim::arith {
namespace {

using ir::Expr;
using ir::Stmt;
using ir::Var;

struct Fixture {
    Var i{"i"}, j{"j"}, t{"t"}, m{"m"};
    ir::Buffer a = ir::make_buffer("A", ir::DType::Int32, {1024});
    ir::Buffer c = ir::make_buffer("C", ir::DType::Int32, {1024});
    Stmt store(Expr index) { return ir::Store::make(c, {index}, ir::Load::make(a, {index})); }
};

TEST(SimplifyStmt, GuardsProvenByLoopRangesDisappear) {
    Fixture f;
    Stmt s = ir::For::make(
        f.i, 0, 64, ir::ForKind::DpuX,
        ir::For::make(f.j, 0, 16, ir::ForKind::Serial,
                      ir::IfThenElse::make(f.i * 16 + f.j < 1024, f.store(f.i * 16 + f.j + 0))));
    EXPECT_EQ(ir::to_string(simplify(s)),
              "for (i, 0, 64) dpu.x {\n"
              "  for (j, 0, 16) {\n"
              "    C[((i*16) + j)] = A[((i*16) + j)]\n"
              "  }\n"
              "}\n");
}

TEST(SimplifyStmt, GuardsThatMayFailStay) {
    Fixture f;
    Stmt s = ir::For::make(f.i, 0, 64, ir::ForKind::Serial,
                           ir::IfThenElse::make(f.i * 16 < 1000, f.store(f.i), f.store(f.i + 1)));
    EXPECT_EQ(ir::to_string(simplify(s)),
              "for (i, 0, 64) {\n"
              "  if (((i*16) < 1000)) {\n"
              "    C[i] = A[i]\n"
              "  } else {\n"
              "    C[(i + 1)] = A[(i + 1)]\n"
              "  }\n"
              "}\n");
}

TEST(SimplifyStmt, DeadBranchesAndTrivialLoops) {
    Fixture f;
    Stmt s = ir::Seq::make({
        ir::For::make(f.i, 0, 0, ir::ForKind::Serial, f.store(f.i)),      // never runs
        ir::For::make(f.j, 5, 1, ir::ForKind::Serial, f.store(f.j * 2)),  // runs once with j = 5
        ir::For::make(f.t, 0, 1, ir::ForKind::Tasklet, f.store(f.t)),     // binding kept
        ir::IfThenElse::make(ir::const_false(), f.store(0)),
        ir::IfThenElse::make(Expr(3) < 4, f.store(1), f.store(2)),
        ir::IfThenElse::make(Expr(5) < 4, f.store(3), f.store(4)),
        ir::LetStmt::make(f.m, Expr(7), f.store(f.m)),
    });
    EXPECT_EQ(ir::to_string(simplify(s)),
              "C[10] = A[10]\n"
              "for (t, 0, 1) tasklet {\n"
              "  C[t] = A[t]\n"
              "}\n"
              "C[1] = A[1]\n"
              "C[4] = A[4]\n"
              "C[7] = A[7]\n");
}

TEST(SimplifyStmt, LetValuesAndFreeRangesAreKnown) {
    Fixture f;
    Var d("d");
    Stmt s = ir::LetStmt::make(f.m, d * 16,
                               ir::For::make(f.j, 0, 16, ir::ForKind::Serial,
                                             ir::IfThenElse::make(f.m + f.j < 1024, f.store(f.m + f.j))));
    EXPECT_EQ(ir::to_string(simplify(s, {{d.get(), Range{0, 64}}})),
              "let m = (d*16) {\n"
              "  for (j, 0, 16) {\n"
              "    C[(m + j)] = A[(m + j)]\n"
              "  }\n"
              "}\n");
    // Without the range of d the guard must stay.
    EXPECT_NE(ir::to_string(simplify(s)).find("if"), std::string::npos);
}

TEST(SimplifyStmt, UnchangedStatementsAreTheSameNodes) {
    Fixture f;
    Stmt s = ir::For::make(f.i, 0, 64, ir::ForKind::Serial, ir::IfThenElse::make(f.i < f.m, f.store(f.i)));
    EXPECT_TRUE(simplify(s).same_as(s));
}

}  // namespace
}  // namespace atim::arith

namespace atim::arith {
namespace {

TEST(SimplifyStmt, ConditionsNarrowRangesInsideTheirBranch) {
    Fixture f;
    // The inner guard repeats the outer one and folds; the else branch learns nothing.
    Expr guard = f.i * 16 + f.j < f.m;
    Stmt inner = ir::IfThenElse::make(guard, f.store(f.j), f.store(f.j + 1));
    Stmt s = ir::For::make(
        f.i, 0, 64, ir::ForKind::Serial,
        ir::For::make(
            f.j, 0, 16, ir::ForKind::Serial,
            ir::IfThenElse::make(guard, ir::Seq::make({inner, ir::IfThenElse::make(f.j < 16, f.store(0))}),
                                 ir::IfThenElse::make(guard, f.store(1)))));
    EXPECT_EQ(ir::to_string(simplify(s)),
              "for (i, 0, 64) {\n"
              "  for (j, 0, 16) {\n"
              "    if ((((i*16) + j) < m)) {\n"
              "      C[j] = A[j]\n"
              "      C[0] = A[0]\n"
              "    } else {\n"
              "      if ((((i*16) + j) < m)) {\n"
              "        C[1] = A[1]\n"
              "      }\n"
              "    }\n"
              "  }\n"
              "}\n");
}

TEST(SimplifyStmt, NarrowedRangesDecideOtherComparisons) {
    Fixture f;
    Stmt s = ir::For::make(
        f.i, 0, 100, ir::ForKind::Serial,
        ir::IfThenElse::make(f.i < 10, ir::Seq::make({ir::IfThenElse::make(f.i < 20, f.store(f.i)),
                                                      ir::IfThenElse::make(f.i >= 10, f.store(0))})));
    EXPECT_EQ(ir::to_string(simplify(s)),
              "for (i, 0, 100) {\n"
              "  if ((i < 10)) {\n"
              "    C[i] = A[i]\n"
              "  }\n"
              "}\n");
}

}  // namespace
}  // namespace atim::arith

namespace atim::arith {
namespace {

TEST(SimplifyStmt, BoolLetsAreKeptAndDoNotConfuseRanges) {
    Fixture f;
    Var flag("flag", ir::DType::Bool);
    Stmt s = ir::For::make(f.i, 0, f.m, ir::ForKind::Serial,
                           ir::LetStmt::make(flag, f.i < 3,
                                             ir::IfThenElse::make(ir::select(flag, f.i, f.j) < f.m,
                                                                  f.store(ir::select(flag, 1, 2)))));
    EXPECT_EQ(ir::to_string(simplify(s)),
              "for (i, 0, m) {\n"
              "  let flag = (i < 3) {\n"
              "    if ((select(flag, i, j) < m)) {\n"
              "      C[select(flag, 1, 2)] = A[select(flag, 1, 2)]\n"
              "    }\n"
              "  }\n"
              "}\n");
}

}  // namespace
}  // namespace atim::arith
