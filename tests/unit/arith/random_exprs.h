// Test helpers for arith: an expression evaluator independent of the simplifier, and a random expression
// generator biased towards the shapes lowering produces (split/fused indices, guards, min/max).
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "atim/arith/linear_form.h"
#include "atim/ir/ir.h"

namespace atim::arith::test_support {

using ir::Expr;
using ir::Var;

using Env = std::unordered_map<const ir::VarNode *, int64_t>;

inline int64_t eval(const Expr &e, const Env &env) {
    auto binary = [&](const auto *op) { return std::pair{eval(op->a, env), eval(op->b, env)}; };
    switch (e.kind()) {
        case ir::ExprKind::IntImm:
            return e.as<ir::IntImm>()->value;
        case ir::ExprKind::Var:
            return env.at(e.as<ir::VarNode>());
        case ir::ExprKind::Add: {
            auto [a, b] = binary(e.as<ir::Add>());
            return a + b;
        }
        case ir::ExprKind::Sub: {
            auto [a, b] = binary(e.as<ir::Sub>());
            return a - b;
        }
        case ir::ExprKind::Mul: {
            auto [a, b] = binary(e.as<ir::Mul>());
            return a * b;
        }
        case ir::ExprKind::Div: {
            auto [a, b] = binary(e.as<ir::Div>());
            return floor_div(a, b);
        }
        case ir::ExprKind::Mod: {
            auto [a, b] = binary(e.as<ir::Mod>());
            return floor_mod(a, b);
        }
        case ir::ExprKind::Min: {
            auto [a, b] = binary(e.as<ir::Min>());
            return std::min(a, b);
        }
        case ir::ExprKind::Max: {
            auto [a, b] = binary(e.as<ir::Max>());
            return std::max(a, b);
        }
        case ir::ExprKind::EQ: {
            auto [a, b] = binary(e.as<ir::EQ>());
            return a == b;
        }
        case ir::ExprKind::NE: {
            auto [a, b] = binary(e.as<ir::NE>());
            return a != b;
        }
        case ir::ExprKind::LT: {
            auto [a, b] = binary(e.as<ir::LT>());
            return a < b;
        }
        case ir::ExprKind::LE: {
            auto [a, b] = binary(e.as<ir::LE>());
            return a <= b;
        }
        case ir::ExprKind::GT: {
            auto [a, b] = binary(e.as<ir::GT>());
            return a > b;
        }
        case ir::ExprKind::GE: {
            auto [a, b] = binary(e.as<ir::GE>());
            return a >= b;
        }
        case ir::ExprKind::And: {
            auto [a, b] = binary(e.as<ir::And>());
            return a && b;
        }
        case ir::ExprKind::Or: {
            auto [a, b] = binary(e.as<ir::Or>());
            return a || b;
        }
        case ir::ExprKind::Not:
            return !eval(e.as<ir::Not>()->a, env);
        case ir::ExprKind::Select: {
            const auto *op = e.as<ir::Select>();
            return eval(op->cond, env) ? eval(op->true_value, env) : eval(op->false_value, env);
        }
        default:
            ADD_FAILURE() << "unexpected node " << e;
            return 0;
    }
}

class RandomExprs {
public:
    RandomExprs(std::vector<Var> vars, uint64_t seed) : vars_(std::move(vars)), rng_(seed) {}

    Expr integer(int depth) {
        if (depth == 0 || pick(4) == 0)
            return pick(3) == 0 ? Expr(static_cast<int>(constant(-20, 20))) : Expr(vars_[pick(vars_.size())]);
        Expr a = integer(depth - 1);
        switch (pick(9)) {
            case 0:
                return a + integer(depth - 1);
            case 1:
                return a - integer(depth - 1);
            case 2:
                return a * constant(-4, 6);
            case 3:
                return a / nonzero(-5, 17);
            case 4:
                return a % nonzero(-5, 17);
            case 5:
                return min(a, integer(depth - 1));
            case 6:
                return max(a, integer(depth - 1));
            case 7:
                return ir::select(condition(depth - 1), a, integer(depth - 1));
            default:
                return a * constant(1, 16) + integer(depth - 1);  // the shape of split/fused indices
        }
    }

    Expr condition(int depth) {
        Expr a = integer(depth), b = integer(depth);
        switch (pick(8)) {
            case 0:
                return a < b;
            case 1:
                return a <= b;
            case 2:
                return a > b;
            case 3:
                return a >= b;
            case 4:
                return ir::eq(a, b);
            case 5:
                return ir::ne(a, b);
            case 6:
                return (a < b) && (b < integer(depth));
            default:
                return !(a < b) || (a >= integer(depth));
        }
    }

private:
    size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
    int64_t constant(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
    int64_t nonzero(int64_t lo, int64_t hi) {
        int64_t v = constant(lo, hi);
        return v == 0 ? 4 : v;
    }

    std::vector<Var> vars_;
    std::mt19937_64 rng_;
};

}  // namespace atim::arith::test_support
