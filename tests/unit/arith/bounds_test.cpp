// Constant bounds, symbolic bounds and proofs from variable ranges.
#include <gtest/gtest.h>

#include "atim/arith/can_prove.h"
#include "atim/arith/const_interval.h"
#include "atim/arith/eval_bounds.h"
#include "atim/ir/ir.h"

namespace atim::arith {
namespace {

using ir::Expr;
using ir::Var;

TEST(ConstBounds, IntervalsOfEachOperation) {
    Var i("i"), j("j"), x("x");
    RangeMap ranges{{i.get(), Range{0, 16}}, {j.get(), Range{-4, 8}}};
    struct Case {
        Expr in;
        int64_t min, max;
    };
    for (const auto &[in, lo, hi] : std::vector<Case>{
             {Expr(7), 7, 7},
             {i, 0, 15},
             {j, -4, 3},
             {i * 16 + 3, 3, 243},
             {i - j, -3, 19},
             {i * j, -60, 45},
             {j * -2, -6, 8},
             {j / 4, -1, 0},
             {(i + 16) / 16, 1, 1},
             {j % 4, 0, 3},
             {(i + 32) % 64, 32, 47},
             {min(i, j), -4, 3},
             {max(i, 20), 20, 20},
             {select(x < 3, i, j), -4, 15},
             {i < 16, 1, 1},
             {i < 8, 0, 1},
             {i >= 16, 0, 0},
             {x % 8, 0, 7},
             {x, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()},
         }) {
        ConstInterval b = const_bounds(in, ranges);
        EXPECT_EQ(b.min, lo) << in;
        EXPECT_EQ(b.max, hi) << in;
    }
    Var w("w", ir::DType::Int64);
    EXPECT_FALSE(const_bounds(w).has_min());
    EXPECT_FALSE(const_bounds(w * 2).has_max());
    EXPECT_EQ(const_bounds(w % 8).max, 7);
}

TEST(ConstBounds, RangesMayDependOnOtherRanges) {
    Var i("i"), j("j");
    RangeMap ranges{{i.get(), Range{0, 4}}, {j.get(), Range{i * 8, 8}}};
    ConstInterval b = const_bounds(j, ranges);
    EXPECT_EQ(b.min, 0);
    EXPECT_EQ(b.max, 31);
}

TEST(EvalBounds, RelaxesOnlyTheGivenVariablesExactlyForAffine) {
    // The MRAM box of a DPU: relax tasklet and serial loops, keep the DPU grid variable d symbolic.
    Var d("d"), t("t"), k("k");
    RangeMap relaxed{{t.get(), Range{0, 16}}, {k.get(), Range{0, 32}}};
    Expr index = d * 512 + t * 32 + k;
    SymbolicBounds b = eval_bounds(index, relaxed);
    EXPECT_EQ(ir::to_string(b.min), "(d*512)");
    EXPECT_EQ(ir::to_string(b.max), "((d*512) + 511)");
    SymbolicBounds neg = eval_bounds(d - t * 2, relaxed);
    EXPECT_EQ(ir::to_string(neg.min), "(d - 30)");
    EXPECT_EQ(ir::to_string(neg.max), "d");
}

TEST(EvalBounds, DependentRangesAreRelaxedInnermostFirst) {
    Var i("i"), j("j");
    // j in [i, i + 4): j - i is in [0, 3] exactly, which a variable-by-variable interval would miss.
    RangeMap relaxed{{i.get(), Range{0, 100}}, {j.get(), Range{i, 4}}};
    SymbolicBounds b = eval_bounds(j - i, relaxed);
    EXPECT_EQ(ir::to_string(b.min), "0");
    EXPECT_EQ(ir::to_string(b.max), "3");
    SymbolicBounds c = eval_bounds(j, relaxed);
    EXPECT_EQ(ir::to_string(c.min), "0");
    EXPECT_EQ(ir::to_string(c.max), "102");
}

TEST(EvalBounds, ConservativeForNonAffine) {
    Var d("d"), t("t"), n("n");
    ir::Buffer a = ir::make_buffer("A", ir::DType::Int32, {64});
    RangeMap relaxed{{t.get(), Range{0, 16}}};
    struct Case {
        Expr in;
        std::string min, max;
    };
    for (const auto &[in, lo, hi] : std::vector<Case>{
             {(d * 16 + t) / 4, "(d*4)", "((d*4) + 3)"},
             {t / 4 + d, "d", "(d + 3)"},
             {(t + d) % 8, "0", "7"},
             {(d * 32 + t) % 32, "0", "15"},  // simplified to t first, so exact
             {min(t, n), "min(0, n)", "min(15, n)"},
             {max(t * 2, d), "max(0, d)", "max(30, d)"},
             {select(d < 3, t, t + 1), "select((d < 3), 0, 1)", "select((d < 3), 15, 16)"},
             {d * n, "(d*n)", "(d*n)"},
         }) {
        SymbolicBounds b = eval_bounds(in, relaxed);
        ASSERT_TRUE(b.min.defined() && b.max.defined()) << in;
        EXPECT_EQ(ir::to_string(b.min), lo) << in;
        EXPECT_EQ(ir::to_string(b.max), hi) << in;
    }
    SymbolicBounds unknown = eval_bounds(ir::Load::make(a, {t}) + d, relaxed);
    EXPECT_FALSE(unknown.min.defined());
    EXPECT_FALSE(unknown.max.defined());
    SymbolicBounds product = eval_bounds(t * n, relaxed);
    EXPECT_FALSE(product.max.defined());
}

TEST(CanProve, GuardsInLoopNests) {
    Var i("i"), j("j"), m("m");
    RangeMap ranges{{i.get(), Range{0, 64}}, {j.get(), Range{0, 16}}};
    EXPECT_TRUE(can_prove(i < 100, ranges));
    EXPECT_TRUE(can_prove(i * 16 + j < 1024, ranges));
    EXPECT_FALSE(can_prove(i * 16 + j < 1000, ranges));
    EXPECT_TRUE(can_prove((i < 64) && (j >= 0), ranges));
    EXPECT_FALSE(can_prove((i < 64) && (j >= 1), ranges));
    EXPECT_TRUE(can_prove((i < 0) || (j < 16), ranges));
    EXPECT_FALSE(can_prove(i < m, ranges));
    RangeMap symbolic{{i.get(), Range{0, m}}};
    EXPECT_TRUE(can_prove(i < m, symbolic));
    EXPECT_TRUE(can_prove(i + 1 <= m, symbolic));
    EXPECT_FALSE(can_prove(i + 1 < m, symbolic));
}

}  // namespace
}  // namespace atim::arith

namespace atim::arith {
namespace {

TEST(EvalBounds, TightenedLoopsGiveExactBoxes) {
    // After loop-bound tightening the inner extent depends on the outer variable and on the tensor size m.
    ir::Var i("i"), j("j"), m("m");
    RangeMap inner{{j.get(), Range{0, min(ir::Expr(16), m - i * 16)}}};
    SymbolicBounds b = eval_bounds(i * 16 + j, inner);
    EXPECT_EQ(ir::to_string(b.min), "(i*16)");
    EXPECT_EQ(ir::to_string(b.max), "min(((i*16) + 15), (m - 1))");
    // Relaxing i as well: the guard's bound m - 1 survives, so the box never reaches past the tensor.
    RangeMap both{{i.get(), Range{0, 8}}, {j.get(), Range{0, min(ir::Expr(16), m - i * 16)}}};
    SymbolicBounds c = eval_bounds(i * 16 + j, both);
    EXPECT_EQ(ir::to_string(c.min), "0");
    EXPECT_EQ(ir::to_string(c.max), "min(127, (m - 1))");
}

}  // namespace
}  // namespace atim::arith
