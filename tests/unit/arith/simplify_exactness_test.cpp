// The simplifier never changes a value: random expressions are evaluated before and after simplification at
// every point of their variables' ranges.
#include <gtest/gtest.h>

#include "atim/arith/simplify.h"
#include "atim/ir/ir.h"
#include "unit/arith/random_exprs.h"

namespace atim::arith {
namespace {

using ir::Expr;
using ir::Var;
using test_support::Env;
using test_support::eval;
using test_support::RandomExprs;

TEST(SimplifyExactness, RandomExpressionsKeepTheirValues) {
    Var i("i"), j("j"), k("k");
    RangeMap ranges{{i.get(), Range{0, 8}}, {j.get(), Range{0, 6}}, {k.get(), Range{-3, 7}}};
    RandomExprs gen({i, j, k}, 2024);
    int checked = 0;
    for (int n = 0; n < 250; ++n) {
        Expr e = n % 3 == 0 ? gen.condition(3) : gen.integer(4);
        Expr s = simplify(e, ranges);
        for (int64_t vi = 0; vi < 8; ++vi) {
            for (int64_t vj = 0; vj < 6; ++vj) {
                for (int64_t vk = -3; vk < 4; ++vk) {
                    Env env{{i.get(), vi}, {j.get(), vj}, {k.get(), vk}};
                    ASSERT_EQ(eval(s, env), eval(e, env))
                        << e << "\n simplified to " << s << "\n at i=" << vi << " j=" << vj << " k=" << vk;
                    ++checked;
                }
            }
        }
    }
    EXPECT_EQ(checked, 250 * 8 * 6 * 7);
}

TEST(SimplifyExactness, FusedThenSplitIndices) {
    // A fused loop f = a*48 + t*4 + u*2 + w over a [30, 100] tensor: row f / 100, column f % 100.
    Var a("a"), t("t"), u("u"), w("w");
    RangeMap ranges{{t.get(), Range{0, 12}}, {u.get(), Range{0, 2}}, {w.get(), Range{0, 2}}};
    Expr f = a * 48 + t * 4 + u * 2 + w;
    EXPECT_EQ(ir::to_string(simplify(f / 100, ranges)), "(((a*12) + t) / 25)") << "u*2 + w < 4";
    EXPECT_EQ(ir::to_string(simplify(f % 100, ranges)), "(((u*2) + w) + ((((a*12) + t) % 25)*4))");
    // Not exact without knowing w < 2: must stay.
    EXPECT_EQ(ir::to_string(simplify((a * 48 + w) / 100)), "(((a*48) + w) / 100)");
    // The first and last element of a w-tile are always in the same row: the cache region has one row.
    Expr tile_start = a * 48 + t * 4 + u * 2;
    EXPECT_EQ(ir::to_string(simplify((tile_start + 1) / 100 - tile_start / 100, ranges)), "0");
    // But f and f + 1 may straddle a row (f = 99).
    EXPECT_NE(ir::to_string(simplify((f + 1) / 100 - f / 100, ranges)), "0");
}

}  // namespace
}  // namespace atim::arith
