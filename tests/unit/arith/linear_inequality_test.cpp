// Solving conjunctions of linear inequalities for one variable (loop-bound tightening's question).
#include "atim/arith/linear_inequality.h"

#include <gtest/gtest.h>

#include "atim/arith/simplify.h"
#include "atim/ir/ir.h"

namespace atim::arith {
namespace {

using ir::Expr;
using ir::Var;

std::string str(const Expr &e) { return e.defined() ? ir::to_string(e) : "-"; }

// The value of e with every variable replaced by a constant.
Expr simplify_constant(const Expr &e, const ir::VarMap &values) {
    return simplify(ir::substitute(e, values));
}

TEST(LinearInequality, ExactBoundsForEachComparison) {
    Var v("v"), i("i"), m("m"), n("n");
    RangeMap ranges{{i.get(), Range{0, 8}}};
    struct Case {
        Expr cond;
        std::string lower, upper, residual;
    };
    for (const auto &[cond, lower, upper, residual] : std::vector<Case>{
             {v < 10, "-", "10", "true"},
             {v <= 10, "-", "11", "true"},
             {v > 3, "4", "-", "true"},
             {v >= 3, "3", "-", "true"},
             {eq(v, m), "m", "(m + 1)", "true"},
             {i * 16 + v < m, "-", "(m - (i*16))", "true"},
             {(v < m) && (v >= 2), "2", "m", "true"},
             {(v < m) && (v < n), "-", "min(m, n)", "true"},
             {(v < 10) && (v < 12), "-", "10", "true"},
             {(v < m) && (i < n), "-", "m", "(i < n)"},
             {(v * 4 < 10), "-", "3", "true"},    // v <= 2 (floor(9/4))
             {(v * 4 >= 10), "3", "-", "true"},   // v >= ceil(10/4)
             {(v * -3 < 10), "-3", "-", "true"},  // v > -10/3, v >= -3
             {(v * -3 >= 7), "-", "-2", "true"},  // v <= floor(-7/3) = -3
             {(10 - v > 2), "-", "8", "true"},
             {(m - v * 2 >= 0), "-", "((m / 2) + 1)", "true"},
             {!(v >= m), "-", "m", "true"},
             {(i < 100) && (v < 5), "-", "5", "true"},  // i < 100 always holds for i in [0, 8)
         }) {
        std::optional<VarBounds> b = solve_linear_inequalities(cond, v.get(), ranges);
        ASSERT_TRUE(b.has_value()) << cond;
        EXPECT_EQ(str(b->lower), lower) << cond;
        EXPECT_EQ(str(b->upper), upper) << cond;
        EXPECT_EQ(str(b->residual), residual) << cond;
    }
}

TEST(LinearInequality, BoundsAreExactOnSmallDomains) {
    // Brute force: for every v and i, cond == (lower <= v < upper) && residual.
    Var v("v"), i("i");
    std::vector<Expr> conds = {
        (v * 3 + i < 17) && (v * 2 >= i - 5),
        (v * -2 + i > 3) && (v + i <= 9),
        eq(v * 2, i * 2) && (i < 5),
        (5 - v * 3 <= i) && (v * 5 < 40 - i),
    };
    for (const Expr &cond : conds) {
        std::optional<VarBounds> b = solve_linear_inequalities(cond, v.get());
        ASSERT_TRUE(b.has_value()) << cond;
        for (int vi = -20; vi <= 20; ++vi) {
            for (int ii = -10; ii <= 10; ++ii) {
                ir::VarMap values{{v.get(), Expr(vi)}, {i.get(), Expr(ii)}};
                auto eval = [&](const Expr &e) { return *ir::as_const_int(simplify_constant(e, values)); };
                bool want = eval(cond) != 0;
                bool got = (!b->lower.defined() || eval(b->lower) <= vi) &&
                           (!b->upper.defined() || vi < eval(b->upper)) && eval(b->residual) != 0;
                ASSERT_EQ(got, want) << cond << " at v=" << vi << " i=" << ii;
            }
        }
    }
}

TEST(LinearInequality, ReportsWhatItCannotSolve) {
    Var v("v"), m("m");
    for (const Expr &cond : std::vector<Expr>{
             ne(v, 3),
             (v < 3) || (v > 5),
             v * v < 10,
             v / 2 < 3,
             (v < 3) && (v * m < 10),
         }) {
        EXPECT_FALSE(solve_linear_inequalities(cond, v.get()).has_value()) << cond;
    }
}

}  // namespace
}  // namespace atim::arith
