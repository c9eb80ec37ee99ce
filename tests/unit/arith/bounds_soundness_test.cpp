// eval_bounds and can_prove are sound: on random expressions, every value at every point of the relaxed
// ranges lies within the symbolic bounds, and a proven condition holds at every point.
#include <gtest/gtest.h>

#include "atim/arith/can_prove.h"
#include "atim/arith/eval_bounds.h"
#include "atim/ir/ir.h"
#include "unit/arith/random_exprs.h"

namespace atim::arith {
namespace {

using ir::Expr;
using ir::Var;
using test_support::Env;
using test_support::eval;
using test_support::RandomExprs;

struct Domain {
    Var d{"d"}, i{"i"}, j{"j"}, k{"k"};
    // d stays symbolic; j's range depends on i, k's extent on d.
    RangeMap relaxed{{i.get(), Range{0, 5}}, {j.get(), Range{i - 2, 4}}, {k.get(), Range{0, d + 1}}};

    template <typename F>
    void for_each_point(int64_t vd, F f) const {
        for (int64_t vi = 0; vi < 5; ++vi) {
            for (int64_t vj = vi - 2; vj < vi + 2; ++vj) {
                for (int64_t vk = 0; vk <= vd; ++vk)
                    f(Env{{d.get(), vd}, {i.get(), vi}, {j.get(), vj}, {k.get(), vk}});
            }
        }
    }
};

TEST(BoundsSoundness, ValuesLieWithinSymbolicBounds) {
    Domain dom;
    RandomExprs gen({dom.d, dom.i, dom.j, dom.k}, 77);
    int bounded = 0;
    for (int n = 0; n < 150; ++n) {
        Expr e = gen.integer(3);
        SymbolicBounds b = eval_bounds(e, dom.relaxed);
        bounded += b.min.defined() && b.max.defined();
        for (int64_t vd = 0; vd < 4; ++vd) {
            Env outer{{dom.d.get(), vd}};
            dom.for_each_point(vd, [&](const Env &env) {
                int64_t v = eval(e, env);
                if (b.min.defined()) {
                    ASSERT_LE(eval(b.min, outer), v) << e << " min " << b.min << " d=" << vd;
                }
                if (b.max.defined()) {
                    ASSERT_GE(eval(b.max, outer), v) << e << " max " << b.max << " d=" << vd;
                }
            });
        }
    }
    EXPECT_GT(bounded, 100);  // most random expressions get both bounds
}

TEST(BoundsSoundness, ProvenConditionsHoldEverywhere) {
    Domain dom;
    RandomExprs gen({dom.d, dom.i, dom.j, dom.k}, 99);
    RangeMap ranges = dom.relaxed;
    ranges[dom.d.get()] = Range{0, 4};
    int proven = 0;
    for (int n = 0; n < 300; ++n) {
        Expr cond = gen.condition(2);
        if (!can_prove(cond, ranges)) continue;
        ++proven;
        for (int64_t vd = 0; vd < 4; ++vd) {
            dom.for_each_point(vd,
                               [&](const Env &env) { ASSERT_EQ(eval(cond, env), 1) << cond << " d=" << vd; });
        }
    }
    EXPECT_GT(proven, 10);
}

}  // namespace
}  // namespace atim::arith
