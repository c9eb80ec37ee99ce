// Symbolic bounds by relaxing variables one at a time, innermost first, through a monotonicity walk.
#include "atim/arith/eval_bounds.h"

#include <vector>

#include "atim/arith/const_interval.h"
#include "atim/arith/linear_form.h"
#include "atim/arith/simplify.h"
#include "atim/ir/utils.h"
#include "atim/support/error.h"

namespace atim::arith {
namespace {

using ir::Expr;

enum class Side { Lower, Upper };
Side opposite(Side s) { return s == Side::Lower ? Side::Upper : Side::Lower; }

// The bound (on `side`) of e over the range of one variable v, the other variables kept symbolic.
// Undefined when no bound is known.
class OneVarRelaxer {
public:
    OneVarRelaxer(const ir::VarNode *v, const Range &range) : v_(v), range_(range) {}

    Expr bound(const Expr &e, Side side) {
        if (!e.defined() || !ir::uses_var(e, v_)) return e;
        switch (e.kind()) {
            case ir::ExprKind::Var:
                return side == Side::Lower ? range_.min : range_.max_inclusive();
            case ir::ExprKind::Add: {
                const auto *op = e.as<ir::Add>();
                return combine(bound(op->a, side), bound(op->b, side), [](Expr a, Expr b) { return a + b; });
            }
            case ir::ExprKind::Sub: {
                const auto *op = e.as<ir::Sub>();
                return combine(bound(op->a, side), bound(op->b, opposite(side)),
                               [](Expr a, Expr b) { return a - b; });
            }
            case ir::ExprKind::Mul:
                return bound_mul(*e.as<ir::Mul>(), side);
            case ir::ExprKind::Div: {
                // Floor division by a positive constant is monotone non-decreasing.
                const auto *op = e.as<ir::Div>();
                const int64_t *c = ir::as_const_int(op->b);
                if (c == nullptr || *c <= 0 || ir::uses_var(op->b, v_)) return Expr();
                Expr a = bound(op->a, side);
                return a.defined() ? a / op->b : Expr();
            }
            case ir::ExprKind::Mod:
                return bound_mod(*e.as<ir::Mod>(), side);
            case ir::ExprKind::Min: {
                const auto *op = e.as<ir::Min>();
                return combine(bound(op->a, side), bound(op->b, side),
                               [](Expr a, Expr b) { return min(a, b); });
            }
            case ir::ExprKind::Max: {
                const auto *op = e.as<ir::Max>();
                return combine(bound(op->a, side), bound(op->b, side),
                               [](Expr a, Expr b) { return max(a, b); });
            }
            case ir::ExprKind::Select: {
                const auto *op = e.as<ir::Select>();
                Expr t = bound(op->true_value, side), f = bound(op->false_value, side);
                if (!t.defined() || !f.defined()) return Expr();
                if (!ir::uses_var(op->cond, v_)) return select(op->cond, t, f);
                return side == Side::Lower ? min(t, f) : max(t, f);
            }
            case ir::ExprKind::Cast: {
                const auto *op = e.as<ir::Cast>();
                // Widening keeps order; a narrowing cast may wrap.
                if (!(op->value.dtype() == ir::DType::Int32 && e.dtype() == ir::DType::Int64)) return Expr();
                Expr inner = bound(op->value, side);
                return inner.defined() ? cast(e.dtype(), inner) : Expr();
            }
            default:
                return Expr();  // loads, calls and conditions that depend on v: nothing is known
        }
    }

private:
    template <typename F>
    static Expr combine(const Expr &a, const Expr &b, F f) {
        return a.defined() && b.defined() ? f(a, b) : Expr();
    }

    Expr bound_mul(const ir::Mul &op, Side side) {
        const Expr *scale = nullptr, *other = nullptr;
        if (ir::as_const_int(op.b)) scale = &op.b, other = &op.a;
        if (ir::as_const_int(op.a)) scale = &op.a, other = &op.b;
        if (scale == nullptr) return Expr();
        int64_t c = *ir::as_const_int(*scale);
        Expr inner = bound(*other, c >= 0 ? side : opposite(side));
        return inner.defined() ? inner * *scale : Expr();
    }

    // x mod c lies in [0, c); when x provably stays in one block of c values it is x shifted, so the bound
    // of x carries over exactly.
    Expr bound_mod(const ir::Mod &op, Side side) {
        const int64_t *c = ir::as_const_int(op.b);
        if (c == nullptr || *c <= 0) return Expr();
        Expr lo = bound(op.a, Side::Lower), hi = bound(op.a, Side::Upper);
        if (lo.defined() && hi.defined()) {
            Expr same_block = simplify(eq(lo / op.b, hi / op.b));
            if (ir::is_const_int(same_block, 1)) return (side == Side::Lower ? lo : hi) % op.b;
        }
        return ir::make_const(op.a.dtype(), side == Side::Lower ? 0 : *c - 1);
    }

    const ir::VarNode *v_;
    const Range &range_;
};

// The relaxed variable to eliminate next: one no other remaining variable's range refers to
// (so a range [i, i + 4) of j is used before i itself is relaxed).
const ir::VarNode *innermost(const std::vector<const ir::VarNode *> &vars, const RangeMap &relaxed) {
    for (const ir::VarNode *candidate : vars) {
        bool referenced = false;
        for (const ir::VarNode *other : vars) {
            if (other == candidate) continue;
            const Range &r = relaxed.at(other);
            if (ir::uses_var(r.min, candidate) || ir::uses_var(r.extent, candidate)) referenced = true;
        }
        if (!referenced) return candidate;
    }
    return vars.front();  // cyclic ranges (malformed): any order still gives a valid bound
}

// rest + min(x, y) -> min(rest + x, rest + y) (and -min(x, y) -> max(-x, -y)): keeps the variables of rest
// next to those of x and y, so that relaxing a variable sees all of its occurrences together. After relaxing
// j in [0, min(16, m - i*16)), `i*16 + j - m` becomes min(i*16 + 15 - m, -1), whose maximum is -1.
Expr distribute_into_min_max(const Expr &e) {
    if (e.dtype() == ir::DType::Bool) return e;
    LinearForm form = to_linear_form(e);
    if (form.terms.size() < 2 && form.constant == 0) return e;
    int found = -1;
    for (size_t k = 0; k < form.terms.size(); ++k) {
        const auto &[term, c] = form.terms[k];
        bool min_max = term.as<ir::Min>() || term.as<ir::Max>();
        if (!min_max) continue;
        if (found >= 0 || (c != 1 && c != -1)) return e;
        found = static_cast<int>(k);
    }
    if (found < 0) return e;
    auto [term, c] = form.terms[static_cast<size_t>(found)];
    form.terms.erase(form.terms.begin() + found);
    Expr rest = from_linear_form(form);
    bool is_min = term.as<ir::Min>() != nullptr;
    Expr x = is_min ? term.as<ir::Min>()->a : term.as<ir::Max>()->a;
    Expr y = is_min ? term.as<ir::Min>()->b : term.as<ir::Max>()->b;
    Expr a = distribute_into_min_max(simplify(c == 1 ? rest + x : rest - x));
    Expr b = distribute_into_min_max(simplify(c == 1 ? rest + y : rest - y));
    return (is_min == (c == 1)) ? min(a, b) : max(a, b);
}

Expr relax(Expr e, const RangeMap &relaxed, Side side) {
    // Each step removes one variable but may bring in the variables of its range; the cap guards cycles.
    for (size_t step = 0; step <= 4 * relaxed.size() + 4; ++step) {
        e = distribute_into_min_max(simplify(e));
        std::vector<const ir::VarNode *> used;
        for (const auto &[var, range] : relaxed) {
            if (ir::uses_var(e, var)) used.push_back(var);
        }
        if (used.empty()) return e;
        const ir::VarNode *v = innermost(used, relaxed);
        e = OneVarRelaxer(v, relaxed.at(v)).bound(e, side);
        if (!e.defined()) return e;
    }
    return Expr();
}

}  // namespace

SymbolicBounds eval_bounds(const ir::Expr &e, const RangeMap &relaxed) {
    ATIM_CHECK(e.defined(), "eval_bounds of an undefined expression");
    return SymbolicBounds{relax(e, relaxed, Side::Lower), relax(e, relaxed, Side::Upper)};
}

}  // namespace atim::arith
