// Simplifier rules, table-driven: each row is an input, the ranges it is simplified under, and the result.
#include "atim/arith/simplify.h"

#include <gtest/gtest.h>

#include "atim/ir/ir.h"

namespace atim::arith {
namespace {

using ir::Expr;
using ir::Var;

struct Vars {
    Var i{"i"}, j{"j"}, k{"k"}, n{"n"}, x{"x"}, y{"y"};
    Var w{"w", ir::DType::Int64};
    ir::Buffer a = ir::make_buffer("A", ir::DType::Int32, {64});
    // i in [0, 16), j in [0, 16), k in [0, 4), n free, x and y free.
    RangeMap ranges{{i.get(), Range{0, 16}}, {j.get(), Range{0, 16}}, {k.get(), Range{0, 4}}};
};

struct Case {
    Expr in;
    std::string want;  // printed form of the result
};

void check(const std::vector<Case> &cases, const RangeMap &ranges) {
    for (const auto &[in, want] : cases) {
        EXPECT_EQ(ir::to_string(simplify(in, ranges)), want) << "input: " << in;
    }
}

TEST(Simplify, CanonicalAffineForm) {
    Vars v;
    check(
        {
            {v.x + 0, "x"},
            {v.x * 1, "x"},
            {v.x * 0, "0"},
            {Expr(3) + 4, "7"},
            {v.x + 1 + 2, "(x + 3)"},
            {v.x + v.y - v.x, "y"},
            {v.x - v.x, "0"},
            {(v.x + 1) * 4, "((x*4) + 4)"},
            {v.x * 2 + v.x * 3, "(x*5)"},
            {v.i * 16 + v.j - v.i * 16, "j"},
            {3 - v.x, "(3 - x)"},
            {v.x - 3, "(x - 3)"},
            {0 - v.x, "(x*-1)"},
            {v.x - v.y * 2 + 5, "((x - (y*2)) + 5)"},
            {(v.x * v.y) + (v.x * v.y), "((x*y)*2)"},
            {ir::Load::make(v.a, {v.x + 1 - 1}), "A[x]"},
            {v.w + 2 - v.w, "2"},
        },
        {});
}

TEST(Simplify, FloorDivisionAndModulo) {
    Vars v;
    check(
        {
            {(v.i * 16 + v.j) / 16, "i"},
            {(v.i * 16 + v.j) % 16, "j"},
            {(v.j + 16 * v.i) / 16, "i"},
            {(v.i * 16 + v.j + 32) / 16, "(i + 2)"},
            {(v.i * 16 + v.j + 35) % 16, "((j + 3) % 16)"},  // j + 3 may reach 16: must stay
            {(v.i * 16 + v.k + 3) % 16, "(k + 3)"},          // k + 3 < 16
            {(v.i * 4 + v.k) / 2, "((i*2) + (k / 2))"},
            {(v.x * 4) / 2, "(x*2)"},
            {(v.x * 2) / 4, "(x / 2)"},
            {(v.x * 6) % 4, "(((x*3) % 2)*2)"},
            {v.x / 1, "x"},
            {v.x % 1, "0"},
            {Expr(-7) / 2, "-4"},  // floor, not truncation
            {Expr(-7) % 2, "1"},   // result has the divisor's sign
            {Expr(7) % -2, "-1"},
            {Expr(-8) / -3, "2"},
            {v.k / 4, "0"},
            {v.k % 4, "k"},
            {(v.x / 16) * 16 + v.x % 16, "x"},
            {(v.j - 1) / 16, "((j - 1) / 16)"},  // j - 1 is -1 when j == 0: floor gives -1, must stay
            {(v.x + 3) / 4, "((x + 3) / 4)"},
            {v.x / 0, "(x / 0)"},  // never folded: division by zero stays for the checker to report
        },
        v.ranges);
}

TEST(Simplify, MinMax) {
    Vars v;
    check(
        {
            {min(v.x, v.x + 1), "x"},
            {max(v.x, v.x + 1), "(x + 1)"},
            {min(v.x + 5, v.x - 2), "(x - 2)"},
            {min(Expr(3), Expr(9)), "3"},
            {max(v.i, 16), "16"},
            {min(v.i, 100), "i"},
            {min(v.i * 16 + v.j, v.i * 16 + 16), "((i*16) + j)"},
            {min(v.x, v.y), "min(x, y)"},  // must not simplify
            {max(v.i, 8), "max(i, 8)"},    // i may be on either side of 8
            {min(min(v.x, 3), 5), "min(x, 3)"},
        },
        v.ranges);
}

TEST(Simplify, ComparisonsDecidedByRanges) {
    Vars v;
    check(
        {
            {v.i < 100, "true"},
            {v.i < 16, "true"},
            {v.i < 15, "(i < 15)"},
            {v.i >= 0, "true"},
            {v.i > 15, "false"},
            {v.i * 16 + v.j < 256, "true"},
            {v.i * 16 + v.j < 255, "(((i*16) + j) < 255)"},
            {eq(v.x, v.x), "true"},
            {ne(v.x + 1, v.x), "true"},
            {eq(v.i, 20), "false"},
            {v.x < v.x + 1, "true"},
            {v.x + 1 < v.n + 5, "(x < (n + 4))"},
            {v.x - 1000 < 0, "(x < 1000)"},
            {v.x < v.y, "(x < y)"},  // must not simplify
            {v.i <= v.n, "(i <= n)"},
        },
        v.ranges);
}

TEST(Simplify, SymbolicExtentsDecideComparisons) {
    Var i("i"), n("n"), t("t");
    RangeMap ranges{{i.get(), Range{0, n}}, {t.get(), Range{0, n - 4}}};
    check({{i < n, "true"}, {i >= n, "false"}, {t + 4 < n, "true"}, {i < n - 1, "(i < (n - 1))"}}, ranges);
}

TEST(Simplify, BooleanConnectives) {
    Vars v;
    Expr c = v.x < v.y;
    check(
        {
            {c && ir::const_true(), "(x < y)"},
            {c && ir::const_false(), "false"},
            {c || ir::const_true(), "true"},
            {c || ir::const_false(), "(x < y)"},
            {c && c, "(x < y)"},
            {!ir::const_true(), "false"},
            {!!c, "(x < y)"},
            {!(v.x < v.y), "(x >= y)"},
            {!eq(v.x, v.y), "(x != y)"},
            {(v.i < 16) && (v.x < 3), "(x < 3)"},
            {(v.i > 20) || (v.x < 3), "(x < 3)"},
            {select(v.i < 16, v.x, v.y), "x"},
            {select(c, v.x + 0, v.x), "x"},
            {select(c, v.x, v.y), "select((x < y), x, y)"},
            {eq(c, c), "true"},
        },
        v.ranges);
}

TEST(Simplify, CastsAndWidths) {
    Vars v;
    check(
        {
            {ir::cast(ir::DType::Int64, Expr(5)), "5"},
            {ir::cast(ir::DType::Int32, Expr(int64_t{1} << 32)), "0"},  // wraps like a 32-bit register
            {v.w + v.i - v.i, "w"},
        },
        {});
}

TEST(Simplify, Int32ConstantsWrap) {
    Expr big = ir::make_const(ir::DType::Int32, 2147483647);
    EXPECT_EQ(ir::to_string(simplify(big + 1)), "-2147483648");
    EXPECT_EQ(simplify(big + 1).dtype(), ir::DType::Int32);
}

TEST(Simplify, ReturnsTheSameNodeWhenNothingChanges) {
    Vars v;
    Expr e = (v.x * 16 + v.y) / 3;
    EXPECT_TRUE(simplify(e).same_as(e));
}

}  // namespace
}  // namespace atim::arith
