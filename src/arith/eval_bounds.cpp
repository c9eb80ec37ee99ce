// Symbolic bounds by relaxing variables one at a time, innermost first, through a monotonicity walk.
#include "atim/arith/eval_bounds.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "atim/arith/const_interval.h"
#include "atim/arith/linear_form.h"
#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
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

    // A part that does not mention v comes back as the same node; that is how unchanged parts are told apart
    // (asking uses_var at every level would make the walk quadratic).
    Expr bound(const Expr &e, Side side) {
        if (!e.defined()) return e;
        switch (e.kind()) {
            case ir::ExprKind::IntImm:
                return e;
            case ir::ExprKind::Var:
                if (e.get() != v_) return e;
                return side == Side::Lower ? range_.min : range_.max_inclusive();
            case ir::ExprKind::Add: {
                const auto *op = e.as<ir::Add>();
                return combine(e, op->a, op->b, bound(op->a, side), bound(op->b, side),
                               [](Expr a, Expr b) { return a + b; });
            }
            case ir::ExprKind::Sub: {
                const auto *op = e.as<ir::Sub>();
                return combine(e, op->a, op->b, bound(op->a, side), bound(op->b, opposite(side)),
                               [](Expr a, Expr b) { return a - b; });
            }
            case ir::ExprKind::Mul:
                return bound_mul(e, *e.as<ir::Mul>(), side);
            case ir::ExprKind::Div: {
                // Floor division by a positive constant is monotone non-decreasing.
                const auto *op = e.as<ir::Div>();
                Expr a = bound(op->a, side);
                const int64_t *c = ir::as_const_int(op->b);
                if (c == nullptr || *c <= 0) return a.same_as(op->a) && !ir::uses_var(op->b, v_) ? e : Expr();
                if (a.same_as(op->a)) return e;
                return a.defined() ? a / op->b : Expr();
            }
            case ir::ExprKind::Mod:
                return bound_mod(e, *e.as<ir::Mod>(), side);
            case ir::ExprKind::Min: {
                const auto *op = e.as<ir::Min>();
                return combine(e, op->a, op->b, bound(op->a, side), bound(op->b, side),
                               [](Expr a, Expr b) { return min(a, b); });
            }
            case ir::ExprKind::Max: {
                const auto *op = e.as<ir::Max>();
                return combine(e, op->a, op->b, bound(op->a, side), bound(op->b, side),
                               [](Expr a, Expr b) { return max(a, b); });
            }
            case ir::ExprKind::Select: {
                const auto *op = e.as<ir::Select>();
                Expr t = bound(op->true_value, side), f = bound(op->false_value, side);
                bool cond_uses_v = ir::uses_var(op->cond, v_);
                if (!cond_uses_v && t.same_as(op->true_value) && f.same_as(op->false_value)) return e;
                if (!t.defined() || !f.defined()) return Expr();
                if (!cond_uses_v) return select(op->cond, t, f);
                return side == Side::Lower ? min(t, f) : max(t, f);
            }
            case ir::ExprKind::Cast: {
                const auto *op = e.as<ir::Cast>();
                Expr inner = bound(op->value, side);
                if (inner.same_as(op->value)) return e;
                // Widening keeps order; a narrowing cast may wrap.
                if (!(op->value.dtype() == ir::DType::Int32 && e.dtype() == ir::DType::Int64)) return Expr();
                return inner.defined() ? cast(e.dtype(), inner) : Expr();
            }
            default:
                // Loads, calls and conditions: nothing is known about them when they depend on v.
                return ir::uses_var(e, v_) ? Expr() : e;
        }
    }

private:
    template <typename F>
    static Expr combine(const Expr &e, const Expr &a, const Expr &b, const Expr &bound_a, const Expr &bound_b,
                        F f) {
        if (bound_a.same_as(a) && bound_b.same_as(b)) return e;
        return bound_a.defined() && bound_b.defined() ? f(bound_a, bound_b) : Expr();
    }

    Expr bound_mul(const Expr &e, const ir::Mul &op, Side side) {
        const Expr *scale = nullptr, *other = nullptr;
        if (ir::as_const_int(op.b)) scale = &op.b, other = &op.a;
        if (ir::as_const_int(op.a)) scale = &op.a, other = &op.b;
        if (scale == nullptr) {
            // A product of two non-constants is not monotone; fine only when v is in neither.
            bool unchanged = bound(op.a, side).same_as(op.a) && bound(op.b, side).same_as(op.b);
            return unchanged ? e : Expr();
        }
        int64_t c = *ir::as_const_int(*scale);
        Expr inner = bound(*other, c >= 0 ? side : opposite(side));
        if (inner.same_as(*other)) return e;
        return inner.defined() ? inner * *scale : Expr();
    }

    // x mod c lies in [0, c); when x provably stays in one block of c values it is x shifted, so the bound
    // of x carries over exactly.
    Expr bound_mod(const Expr &e, const ir::Mod &op, Side side) {
        Expr lo = bound(op.a, Side::Lower);
        const int64_t *c = ir::as_const_int(op.b);
        if (c == nullptr || *c <= 0) return lo.same_as(op.a) && !ir::uses_var(op.b, v_) ? e : Expr();
        if (lo.same_as(op.a)) return e;
        Expr hi = bound(op.a, Side::Upper);
        if (lo.defined() && hi.defined()) {
            Expr same_block = simplify(eq(lo / op.b, hi / op.b));
            if (ir::is_const_int(same_block, 1)) return (side == Side::Lower ? lo : hi) % op.b;
        }
        return ir::make_const(op.a.dtype(), side == Side::Lower ? 0 : *c - 1);
    }

    const ir::VarNode *v_;
    const Range &range_;
};

// The variables of e in order of first appearance (a deterministic order, unlike a hash map's).
std::vector<const ir::VarNode *> vars_in_order(const Expr &e) {
    struct Collector : ir::Visitor {
        std::vector<const ir::VarNode *> vars;
        using ir::Visitor::visit;
        void visit(const ir::VarNode *op) override {
            if (std::find(vars.begin(), vars.end(), op) == vars.end()) vars.push_back(op);
        }
    } collector;
    collector.visit(e);
    return collector.vars;
}

// For each relaxed variable, the variables its range mentions.
using RangeDependencies = std::unordered_map<const ir::VarNode *, std::vector<const ir::VarNode *>>;

RangeDependencies range_dependencies(const RangeMap &relaxed) {
    RangeDependencies deps;
    for (const auto &[var, range] : relaxed) {
        std::vector<const ir::VarNode *> vars = vars_in_order(range.min);
        for (const ir::VarNode *v : vars_in_order(range.extent)) vars.push_back(v);
        deps[var] = std::move(vars);
    }
    return deps;
}

// The relaxed variable to eliminate next: one no other remaining variable's range refers to
// (so a range [i, i + 4) of j is used before i itself is relaxed).
const ir::VarNode *innermost(const std::vector<const ir::VarNode *> &vars, const RangeDependencies &deps) {
    for (const ir::VarNode *candidate : vars) {
        bool referenced = false;
        for (const ir::VarNode *other : vars) {
            const auto &other_deps = deps.at(other);
            if (other != candidate &&
                std::find(other_deps.begin(), other_deps.end(), candidate) != other_deps.end()) {
                referenced = true;
            }
        }
        if (!referenced) return candidate;
    }
    return vars.front();  // cyclic ranges (malformed): any order still gives a valid bound
}

// Whether rest + sign*part cancels a term of rest completely (e.g. i*16 - m plus m - i*16).
bool cancels(const LinearForm &rest, const Expr &part, int64_t sign) {
    if (part.dtype() != rest.dtype) return false;
    LinearForm other = to_linear_form(part);
    for (const auto &[term, c] : other.terms) {
        if (rest.coefficient_of(term) == -sign * c) return true;
    }
    return false;
}

// rest + min(x, y) -> min(rest + x, rest + y) (and -min(x, y) -> max(-x, -y)) when that cancels terms: it
// brings together occurrences of a variable that relaxing separately would treat as independent. After
// relaxing j in [0, min(16, m - i*16)), `i*16 + j - m` becomes min(i*16 + 15 - m, -1), whose maximum is
// -1. Distributing only where terms cancel keeps nested mins from doubling at every relaxation.
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
    bool is_min = term.as<ir::Min>() != nullptr;
    Expr x = is_min ? term.as<ir::Min>()->a : term.as<ir::Max>()->a;
    Expr y = is_min ? term.as<ir::Min>()->b : term.as<ir::Max>()->b;
    if (!cancels(form, x, c) && !cancels(form, y, c)) return e;
    Expr rest = from_linear_form(form);
    Expr a = distribute_into_min_max(simplify(c == 1 ? rest + x : rest - x));
    Expr b = distribute_into_min_max(simplify(c == 1 ? rest + y : rest - y));
    return (is_min == (c == 1)) ? min(a, b) : max(a, b);
}

Expr relax(Expr e, const RangeMap &relaxed, const RangeDependencies &deps, Side side) {
    // Each step removes one variable but may bring in the variables of its range; the cap guards cycles.
    for (size_t step = 0; step <= 4 * relaxed.size() + 4; ++step) {
        e = distribute_into_min_max(simplify(e));
        std::vector<const ir::VarNode *> used = vars_in_order(e);
        std::erase_if(used, [&](const ir::VarNode *v) { return relaxed.count(v) == 0; });
        if (used.empty()) return e;
        const ir::VarNode *v = innermost(used, deps);
        e = OneVarRelaxer(v, relaxed.at(v)).bound(e, side);
        if (!e.defined()) return e;
    }
    return Expr();
}

}  // namespace

SymbolicBounds eval_bounds(const ir::Expr &e, const RangeMap &relaxed) {
    ATIM_CHECK(e.defined(), "eval_bounds of an undefined expression");
    RangeDependencies deps = range_dependencies(relaxed);
    return SymbolicBounds{relax(e, relaxed, deps, Side::Lower), relax(e, relaxed, deps, Side::Upper)};
}

}  // namespace atim::arith
