// The simplifier: a bottom-up rewrite of expressions into canonical affine form with range-aware rules,
// and a statement pass that tracks loop and let ranges.
#include "atim/arith/simplify.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>

#include "atim/arith/const_interval.h"
#include "atim/arith/eval_bounds.h"
#include "atim/arith/linear_form.h"
#include "atim/arith/linear_inequality.h"
#include "atim/ir/functor.h"
#include "atim/ir/utils.h"
#include "atim/support/error.h"

namespace atim::arith {
namespace {

using ir::Expr;
using ir::Stmt;

bool is_integer(const Expr &e) { return e.dtype() == ir::DType::Int32 || e.dtype() == ir::DType::Int64; }

Expr make_bool(bool value) { return value ? ir::const_true() : ir::const_false(); }

bool is_no_op(const Stmt &s) {
    const auto *seq = s.as<ir::Seq>();
    return seq != nullptr && seq->stmts.empty();
}

Stmt no_op() { return ir::Seq::make({}); }

// (x / c)*k*c + (x % c)*k == x*k: undoes the index split of a fused loop.
void merge_div_mod_pairs(LinearForm &form) {
    for (size_t m = 0; m < form.terms.size(); ++m) {
        const auto *mod = form.terms[m].first.as<ir::Mod>();
        if (mod == nullptr || !ir::as_const_int(mod->b)) continue;
        int64_t c = *ir::as_const_int(mod->b);
        int64_t k = form.terms[m].second;
        for (size_t d = 0; d < form.terms.size(); ++d) {
            const auto *div = form.terms[d].first.as<ir::Div>();
            if (div == nullptr || !ir::is_const_int(div->b, c) || !ir::equal(div->a, mod->a)) continue;
            if (form.terms[d].second != wrapping_mul(k, c)) continue;
            Expr x = mod->a;
            form.terms.erase(form.terms.begin() + static_cast<std::ptrdiff_t>(std::max(m, d)));
            form.terms.erase(form.terms.begin() + static_cast<std::ptrdiff_t>(std::min(m, d)));
            form.add(to_linear_form(x), k);
            merge_div_mod_pairs(form);
            return;
        }
    }
}

Expr canonical(LinearForm form) {
    merge_div_mod_pairs(form);
    return from_linear_form(form);
}

LinearForm difference(const Expr &a, const Expr &b) {
    LinearForm d = to_linear_form(a);
    d.add(to_linear_form(b), -1);
    return d;
}

// Whether min/max of two values whose difference has bounds d is decided.
bool sign_known(const ConstInterval &d) { return d.max <= 0 || d.min >= 0; }

class ExprSimplifier : public ir::Mutator {
public:
    explicit ExprSimplifier(RangeMap ranges) : ranges_(std::move(ranges)) {}
    using ir::Mutator::mutate;

    /// Simplifies e; hands back e itself when the result is structurally the same.
    Expr simplify_top(const Expr &e) {
        if (!e.defined()) return e;
        Expr result = mutate(e);
        return ir::equal(result, e) ? e : result;
    }

protected:
    using ir::Mutator::visit;

    Expr visit(const ir::Add *, const Expr &self) override { return simplify_sum(self); }
    Expr visit(const ir::Sub *, const Expr &self) override { return simplify_sum(self); }
    Expr visit(const ir::Mul *op, const Expr &self) override {
        if (ir::as_const_int(op->a) || ir::as_const_int(op->b)) return simplify_sum(self);
        Expr e = Mutator::visit(op, self);
        const auto *mul = e.as<ir::Mul>();
        if (mul && (ir::as_const_int(mul->a) || ir::as_const_int(mul->b)))
            return canonical(to_linear_form(e));
        return e;
    }

    Expr visit(const ir::Div *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const auto *div = e.as<ir::Div>();
        const int64_t *a = ir::as_const_int(div->a);
        const int64_t *c = ir::as_const_int(div->b);
        if (c == nullptr || *c == 0) return e;
        if (a != nullptr) return ir::make_const(e.dtype(), wrap_to(e.dtype(), floor_div(*a, *c)));
        if (*c == 1) return div->a;
        if (*c > 0) return divide_by_constant(div->a, *c);
        return e;
    }

    Expr visit(const ir::Mod *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const auto *mod = e.as<ir::Mod>();
        const int64_t *a = ir::as_const_int(mod->a);
        const int64_t *c = ir::as_const_int(mod->b);
        if (c == nullptr || *c == 0) return e;
        if (a != nullptr) return ir::make_const(e.dtype(), floor_mod(*a, *c));
        if (*c == 1 || *c == -1) return ir::make_zero(e.dtype());
        if (*c > 0) return modulo_by_constant(mod->a, *c);
        return e;
    }

    Expr visit(const ir::Min *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const auto *m = e.as<ir::Min>();
        ConstInterval d = bounds_of(difference(m->a, m->b), sign_known);
        if (d.max <= 0 && d.has_max()) return m->a;
        if (d.min >= 0 && d.has_min()) return m->b;
        return e;
    }

    Expr visit(const ir::Max *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const auto *m = e.as<ir::Max>();
        ConstInterval d = bounds_of(difference(m->a, m->b), sign_known);
        if (d.min >= 0 && d.has_min()) return m->a;
        if (d.max <= 0 && d.has_max()) return m->b;
        return e;
    }

    Expr visit(const ir::EQ *op, const Expr &self) override { return comparison(Mutator::visit(op, self)); }
    Expr visit(const ir::NE *op, const Expr &self) override { return comparison(Mutator::visit(op, self)); }
    Expr visit(const ir::LT *op, const Expr &self) override { return comparison(Mutator::visit(op, self)); }
    Expr visit(const ir::LE *op, const Expr &self) override { return comparison(Mutator::visit(op, self)); }
    Expr visit(const ir::GT *op, const Expr &self) override { return comparison(Mutator::visit(op, self)); }
    Expr visit(const ir::GE *op, const Expr &self) override { return comparison(Mutator::visit(op, self)); }

    Expr visit(const ir::And *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const auto *x = e.as<ir::And>();
        if (ir::is_const_int(x->a, 0) || ir::is_const_int(x->b, 0)) return ir::const_false();
        if (ir::is_const_int(x->a, 1)) return x->b;
        if (ir::is_const_int(x->b, 1) || ir::equal(x->a, x->b)) return x->a;
        return e;
    }

    Expr visit(const ir::Or *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const auto *x = e.as<ir::Or>();
        if (ir::is_const_int(x->a, 1) || ir::is_const_int(x->b, 1)) return ir::const_true();
        if (ir::is_const_int(x->a, 0)) return x->b;
        if (ir::is_const_int(x->b, 0) || ir::equal(x->a, x->b)) return x->a;
        return e;
    }

    Expr visit(const ir::Not *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const Expr &a = e.as<ir::Not>()->a;
        if (const int64_t *v = ir::as_const_int(a)) return make_bool(*v == 0);
        if (const auto *inner = a.as<ir::Not>()) return inner->a;
        // Integers are totally ordered, so a negated comparison is the opposite comparison.
        if (const auto *x = a.as<ir::LT>()) return ir::GE::make(x->a, x->b);
        if (const auto *x = a.as<ir::LE>()) return ir::GT::make(x->a, x->b);
        if (const auto *x = a.as<ir::GT>()) return ir::LE::make(x->a, x->b);
        if (const auto *x = a.as<ir::GE>()) return ir::LT::make(x->a, x->b);
        if (const auto *x = a.as<ir::EQ>()) return ir::NE::make(x->a, x->b);
        if (const auto *x = a.as<ir::NE>()) return ir::EQ::make(x->a, x->b);
        return e;
    }

    Expr visit(const ir::Select *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const auto *s = e.as<ir::Select>();
        if (const int64_t *c = ir::as_const_int(s->cond)) return *c ? s->true_value : s->false_value;
        if (ir::equal(s->true_value, s->false_value)) return s->true_value;
        return e;
    }

    Expr visit(const ir::Cast *op, const Expr &self) override {
        Expr e = Mutator::visit(op, self);
        const auto *cast = e.as<ir::Cast>();
        if (cast == nullptr) return e;
        if (const int64_t *v = ir::as_const_int(cast->value))
            return ir::make_const(e.dtype(), wrap_to(e.dtype(), *v));
        return e;
    }

    RangeMap ranges_;

private:
    // A whole sum at once: its non-sum parts are simplified, then collected, so a chain of n additions costs
    // O(n) instead of re-collecting every prefix.
    Expr simplify_sum(const Expr &e) {
        LinearForm form;
        form.dtype = e.dtype();
        collect_sum(e, 1, form);
        return canonical(form);
    }

    void collect_sum(const Expr &e, int64_t scale, LinearForm &form) {
        if (const auto *add = e.as<ir::Add>()) {
            collect_sum(add->a, scale, form);
            collect_sum(add->b, scale, form);
            return;
        }
        if (const auto *sub = e.as<ir::Sub>()) {
            collect_sum(sub->a, scale, form);
            collect_sum(sub->b, wrapping_mul(scale, -1), form);
            return;
        }
        if (const auto *mul = e.as<ir::Mul>()) {
            if (const int64_t *c = ir::as_const_int(mul->b))
                return collect_sum(mul->a, wrapping_mul(scale, *c), form);
            if (const int64_t *c = ir::as_const_int(mul->a))
                return collect_sum(mul->b, wrapping_mul(scale, *c), form);
        }
        form.add(to_linear_form(mutate(e)), scale);
    }

    ConstInterval bounds_of(const Expr &e) { return const_bounds(e, ranges_); }

    // Bounds of a difference; when constant bounds are not enough (symbolic loop extents), relax the ranged
    // variables symbolically: i - n with i in [0, n) has the symbolic maximum -1.
    // Symbolic relaxation costs a few simplifications, so it runs only when `decided` says the constant
    // bounds do not answer the caller's question.
    template <typename Decided>
    ConstInterval bounds_of(const LinearForm &form, Decided decided) {
        if (form.is_constant()) return ConstInterval::point(form.constant);
        Expr e = from_linear_form(form);
        ConstInterval bounds = bounds_of(e);
        if (decided(bounds) || !uses_symbolic_range(e)) return bounds;
        SymbolicBounds symbolic = eval_bounds(e, ranges_);
        if (symbolic.min.defined()) bounds.min = std::max(bounds.min, bounds_of(symbolic.min).min);
        if (symbolic.max.defined()) bounds.max = std::min(bounds.max, bounds_of(symbolic.max).max);
        return bounds;
    }

    // Only ranges with symbolic ends give symbolic relaxation anything that constant bounds do not have.
    bool uses_symbolic_range(const Expr &e) const {
        struct VarCollector : ir::Visitor {
            std::vector<const ir::VarNode *> vars;
            using ir::Visitor::visit;
            void visit(const ir::VarNode *op) override { vars.push_back(op); }
        } collector;
        collector.visit(e);
        for (const ir::VarNode *var : collector.vars) {
            auto it = ranges_.find(var);
            if (it == ranges_.end()) continue;
            if (!ir::as_const_int(it->second.min) || !ir::as_const_int(it->second.extent)) return true;
        }
        return false;
    }

    // floor((c*Q + R) / c) = Q + floor(R / c) for integer Q.
    Expr divide_by_constant(const Expr &a, int64_t c) {
        LinearForm form = to_linear_form(a);
        LinearForm quotient, rest;
        quotient.dtype = rest.dtype = form.dtype;
        for (const auto &[term, k] : form.terms) {
            if (k % c == 0) {
                quotient.add_term(term, k / c);
            } else {
                rest.add_term(term, k);
            }
        }
        quotient.constant = floor_div(form.constant, c);
        rest.constant = floor_mod(form.constant, c);
        if (rest.is_constant()) return canonical(quotient);  // 0 <= rest < c
        ConstInterval r = bounds_of(from_linear_form(rest));
        if (r.has_min() && r.has_max() && floor_div(r.min, c) == floor_div(r.max, c)) {
            quotient.constant += floor_div(r.min, c);
            return canonical(quotient);
        }
        // Undecided: keep the whole constant inside the division, which reads as the input did.
        rest.constant = form.constant;
        quotient.constant = 0;
        if (std::optional<SmallRemainderSplit> split = split_small_remainder(rest, c)) {
            int64_t reduced = c / split->g;
            Expr y = from_linear_form(split->y);
            quotient.add(to_linear_form(reduced == 1 ? y : divide_by_constant(y, reduced)));
            return canonical(quotient);
        }
        Expr inner = from_linear_form(rest);
        quotient.add_term(ir::Div::make(inner, ir::make_const(inner.dtype(), c)), 1);
        return canonical(quotient);
    }

    // rest = g*Y + S with g dividing c and 0 <= S < g provable. Then floor(rest / c) = floor(Y / (c/g))
    // and rest mod c = g*(Y mod (c/g)) + S, exactly: g*Y + S never crosses a multiple of c that g*Y does not.
    // This is what fused-then-split loops need: (i*4 + t*2 + u) / 100 with u in [0, 2), t in [0, 2) is
    // (i + ...)/25. Tries the largest g first.
    struct SmallRemainderSplit {
        int64_t g;
        LinearForm y, s;
    };
    std::optional<SmallRemainderSplit> split_small_remainder(const LinearForm &rest, int64_t c) {
        std::vector<int64_t> candidates;
        int64_t common = c;
        for (const auto &[term, k] : rest.terms) {
            candidates.push_back(std::gcd(c, k));
            common = std::gcd(common, k);
        }
        candidates.push_back(common);
        std::sort(candidates.begin(), candidates.end(), std::greater<>());
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
        for (int64_t g : candidates) {
            if (g <= 1) break;
            SmallRemainderSplit split{g, LinearForm{}, LinearForm{}};
            split.y.dtype = split.s.dtype = rest.dtype;
            for (const auto &[term, k] : rest.terms) {
                if (k % g == 0) {
                    split.y.add_term(term, k / g);
                } else {
                    split.s.add_term(term, k);
                }
            }
            split.y.constant = floor_div(rest.constant, g);
            split.s.constant = floor_mod(rest.constant, g);
            if (split.s.is_constant()) return split;
            ConstInterval r = bounds_of(from_linear_form(split.s));
            if (r.min >= 0 && r.max < g) return split;
        }
        return std::nullopt;
    }

    // (c*Q + R) mod c = R mod c; = R - m*c when R stays in one block [m*c, m*c + c).
    Expr modulo_by_constant(const Expr &a, int64_t c) {
        LinearForm form = to_linear_form(a);
        LinearForm rest;
        rest.dtype = form.dtype;
        for (const auto &[term, k] : form.terms) {
            if (k % c != 0) rest.add_term(term, k);
        }
        rest.constant = floor_mod(form.constant, c);
        if (rest.is_constant()) return ir::make_const(form.dtype, rest.constant);
        ConstInterval r = bounds_of(from_linear_form(rest));
        if (r.has_min() && r.has_max() && floor_div(r.min, c) == floor_div(r.max, c)) {
            rest.constant -= floor_div(r.min, c) * c;
            return canonical(rest);
        }
        if (std::optional<SmallRemainderSplit> split = split_small_remainder(rest, c)) {
            int64_t reduced = c / split->g;
            LinearForm result = split->s;
            if (reduced > 1)
                result.add(to_linear_form(modulo_by_constant(from_linear_form(split->y), reduced)), split->g);
            return canonical(result);
        }
        Expr inner = from_linear_form(rest);
        return ir::Mod::make(inner, ir::make_const(inner.dtype(), c));
    }

    Expr comparison(const Expr &e) {
        const ir::Expr *lhs = nullptr, *rhs = nullptr;
        switch (e.kind()) {
            case ir::ExprKind::EQ:
                lhs = &e.as<ir::EQ>()->a, rhs = &e.as<ir::EQ>()->b;
                break;
            case ir::ExprKind::NE:
                lhs = &e.as<ir::NE>()->a, rhs = &e.as<ir::NE>()->b;
                break;
            case ir::ExprKind::LT:
                lhs = &e.as<ir::LT>()->a, rhs = &e.as<ir::LT>()->b;
                break;
            case ir::ExprKind::LE:
                lhs = &e.as<ir::LE>()->a, rhs = &e.as<ir::LE>()->b;
                break;
            case ir::ExprKind::GT:
                lhs = &e.as<ir::GT>()->a, rhs = &e.as<ir::GT>()->b;
                break;
            case ir::ExprKind::GE:
                lhs = &e.as<ir::GE>()->a, rhs = &e.as<ir::GE>()->b;
                break;
            default:
                ATIM_CHECK(false, "not a comparison");
        }
        if (!is_integer(*lhs)) return bool_comparison(e, *lhs, *rhs);
        auto decide = [&](const ConstInterval &d) { return decide_comparison(e.kind(), d); };
        ConstInterval d =
            bounds_of(difference(*lhs, *rhs), [&](const ConstInterval &b) { return decide(b).has_value(); });
        if (std::optional<bool> known = decide(d)) return make_bool(*known);
        return move_constants_right(e, *lhs, *rhs);
    }

    // The value of `d <kind> 0` when the bounds of d decide it.
    static std::optional<bool> decide_comparison(ir::ExprKind kind, const ConstInterval &d) {
        bool positive = d.min > 0, negative = d.max < 0;
        switch (kind) {
            case ir::ExprKind::EQ:
                if (d.is_single_point()) return d.min == 0;
                if (positive || negative) return false;
                break;
            case ir::ExprKind::NE:
                if (d.is_single_point()) return d.min != 0;
                if (positive || negative) return true;
                break;
            case ir::ExprKind::LT:
                if (negative) return true;
                if (d.min >= 0) return false;
                break;
            case ir::ExprKind::LE:
                if (d.max <= 0) return true;
                if (positive) return false;
                break;
            case ir::ExprKind::GT:
                if (positive) return true;
                if (d.max <= 0) return false;
                break;
            case ir::ExprKind::GE:
                if (d.min >= 0) return true;
                if (negative) return false;
                break;
            default:
                break;
        }
        return std::nullopt;
    }

    Expr bool_comparison(const Expr &e, const Expr &a, const Expr &b) {
        const int64_t *x = ir::as_const_int(a);
        const int64_t *y = ir::as_const_int(b);
        bool same = ir::equal(a, b);
        if (e.kind() == ir::ExprKind::EQ && (same || (x && y))) return make_bool(same || *x == *y);
        if (e.kind() == ir::ExprKind::NE && (same || (x && y))) return make_bool(!same && *x != *y);
        return e;
    }

    // `i + 1 < n + 5` reads better as `i < n + 4`; `i - 1000 < 0` as `i < 1000`.
    Expr move_constants_right(const Expr &e, const Expr &a, const Expr &b) {
        LinearForm left = to_linear_form(a);
        if (left.constant == 0 || left.is_constant()) return e;
        LinearForm right = to_linear_form(b);
        right.constant = wrap_to(right.dtype, wrapping_add(right.constant, -left.constant));
        left.constant = 0;
        Expr na = from_linear_form(left), nb = from_linear_form(right);
        switch (e.kind()) {
            case ir::ExprKind::EQ:
                return ir::EQ::make(na, nb);
            case ir::ExprKind::NE:
                return ir::NE::make(na, nb);
            case ir::ExprKind::LT:
                return ir::LT::make(na, nb);
            case ir::ExprKind::LE:
                return ir::LE::make(na, nb);
            case ir::ExprKind::GT:
                return ir::GT::make(na, nb);
            case ir::ExprKind::GE:
                return ir::GE::make(na, nb);
            default:
                return e;
        }
    }
};

// Statement simplification: the expression rules plus what loops, lets and constant conditions tell.
class StmtSimplifier : public ExprSimplifier {
public:
    explicit StmtSimplifier(RangeMap ranges) : ExprSimplifier(std::move(ranges)) {}
    using ExprSimplifier::mutate;

protected:
    using ExprSimplifier::visit;

    Stmt visit(const ir::For *op, const Stmt &self) override {
        Expr min = simplify_top(op->min);
        Expr extent = simplify_top(op->extent);
        ConstInterval trips = const_bounds(extent, ranges_);
        if (trips.has_max() && trips.max <= 0) return no_op();
        bool serial = op->for_kind == ir::ForKind::Serial || op->for_kind == ir::ForKind::Unrolled;
        if (serial && ir::is_const_int(extent, 1))
            return mutate(ir::substitute(op->body, {{op->var.get(), min}}));
        Stmt body = with_range(op->var.get(), Range{min, extent}, [&] { return mutate(op->body); });
        if (is_no_op(body)) return no_op();
        if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return self;
        return ir::For::make(op->var, min, extent, op->for_kind, body);
    }

    Stmt visit(const ir::IfThenElse *op, const Stmt &self) override {
        Expr cond = simplify_top(op->cond);
        if (const int64_t *c = ir::as_const_int(cond)) {
            if (*c) return mutate(op->then_case);
            return op->else_case.defined() ? mutate(op->else_case) : no_op();
        }
        Stmt then_case = with_condition(cond, [&] { return mutate(op->then_case); });
        Stmt else_case = mutate(op->else_case);
        if (else_case.defined() && is_no_op(else_case)) else_case = Stmt();
        if (is_no_op(then_case)) {
            if (!else_case.defined()) return no_op();
            return ir::IfThenElse::make(simplify_top(ir::Not::make(cond)), else_case);
        }
        if (cond.same_as(op->cond) && then_case.same_as(op->then_case) && else_case.same_as(op->else_case)) {
            return self;
        }
        return ir::IfThenElse::make(cond, then_case, else_case);
    }

    Stmt visit(const ir::LetStmt *op, const Stmt &self) override {
        Expr value = simplify_top(op->value);
        if (ir::as_const_int(value)) return mutate(ir::substitute(op->body, {{op->var.get(), value}}));
        // An integer let variable is a range of one value: the analyses then see through it.
        Stmt body = is_integer(value)
                        ? with_range(op->var.get(), Range{value, ir::make_const(value.dtype(), 1)},
                                     [&] { return mutate(op->body); })
                        : mutate(op->body);
        if (is_no_op(body)) return no_op();
        if (value.same_as(op->value) && body.same_as(op->body)) return self;
        return ir::LetStmt::make(op->var, value, body);
    }

    Stmt visit(const ir::Allocate *op, const Stmt &self) override {
        Stmt body = mutate(op->body);
        if (is_no_op(body)) return no_op();
        return body.same_as(op->body) ? self : ir::Allocate::make(op->buffer, body);
    }

    Stmt visit(const ir::Store *op, const Stmt &self) override {
        bool changed = false;
        std::vector<Expr> indices = simplify_all(op->indices, changed);
        Expr value = simplify_top(op->value);
        if (!changed && value.same_as(op->value)) return self;
        return ir::Store::make(op->buffer, std::move(indices), value);
    }

    Stmt visit(const ir::Evaluate *op, const Stmt &self) override {
        Expr value = simplify_top(op->value);
        return value.same_as(op->value) ? self : ir::Evaluate::make(value);
    }

    Stmt visit(const ir::Dma *op, const Stmt &self) override {
        Expr wram_offset = simplify_top(op->wram_offset);
        Expr mram_offset = simplify_top(op->mram_offset);
        Expr bytes = simplify_top(op->bytes);
        if (wram_offset.same_as(op->wram_offset) && mram_offset.same_as(op->mram_offset) &&
            bytes.same_as(op->bytes)) {
            return self;
        }
        return ir::Dma::make(op->direction, op->wram, wram_offset, op->mram, mram_offset, bytes);
    }

private:
    std::vector<Expr> simplify_all(const std::vector<Expr> &exprs, bool &changed) {
        std::vector<Expr> result;
        result.reserve(exprs.size());
        for (const Expr &e : exprs) {
            result.push_back(simplify_top(e));
            changed = changed || !result.back().same_as(e);
        }
        return result;
    }

    // Runs body_fn with v's range known, restoring whatever was known about v before (shadowing).
    template <typename F>
    Stmt with_range(const ir::VarNode *v, Range range, F body_fn) {
        auto previous = ranges_.find(v);
        std::optional<Range> saved;
        if (previous != ranges_.end()) saved = previous->second;
        ranges_[v] = std::move(range);
        bound_vars_.push_back(v);
        Stmt body = body_fn();
        bound_vars_.pop_back();
        if (saved) {
            ranges_[v] = *saved;
        } else {
            ranges_.erase(v);
        }
        return body;
    }

    // Runs body_fn knowing that cond holds: each comparison of cond narrows the range of the innermost loop
    // or let variable it mentions (`if (i*16 + j < m)` bounds j by m - i*16), so repeated guards inside fold.
    template <typename F>
    Stmt with_condition(const Expr &cond, F body_fn) {
        RangeMap saved = ranges_;
        std::vector<Expr> atoms;
        flatten_conjunction(cond, atoms);
        for (const Expr &atom : atoms) narrow_range(atom);
        Stmt body = body_fn();
        ranges_ = std::move(saved);
        return body;
    }

    void narrow_range(const Expr &atom) {
        // Innermost first, and only variables bound here: the choice must not depend on hash order.
        const ir::VarNode *v = nullptr;
        for (auto it = bound_vars_.rbegin(); it != bound_vars_.rend() && v == nullptr; ++it) {
            if (ir::uses_var(atom, *it)) v = *it;
        }
        if (v == nullptr) return;
        std::optional<VarBounds> solved = solve_linear_inequalities(atom, v);
        if (!solved || !ir::is_const_int(solved->residual, 1)) return;
        const Range &range = ranges_.at(v);
        Expr end = range.min + range.extent;
        Expr new_min = solved->lower.defined() ? simplify(max(range.min, solved->lower), ranges_) : range.min;
        Expr new_end = solved->upper.defined() ? simplify(min(end, solved->upper), ranges_) : end;
        Expr new_extent = simplify(new_end - new_min, ranges_);
        ranges_[v] = Range{new_min, new_extent};
    }

    static void flatten_conjunction(const Expr &cond, std::vector<Expr> &atoms) {
        if (const auto *both = cond.as<ir::And>()) {
            flatten_conjunction(both->a, atoms);
            flatten_conjunction(both->b, atoms);
        } else {
            atoms.push_back(cond);
        }
    }

    std::vector<const ir::VarNode *> bound_vars_;  // loop and let variables in scope, outermost first
};

}  // namespace

Expr simplify(const Expr &e, const RangeMap &ranges) { return ExprSimplifier(ranges).simplify_top(e); }

Stmt simplify(const Stmt &s, const RangeMap &ranges) {
    if (!s.defined()) return s;
    return StmtSimplifier(ranges).mutate(s);
}

}  // namespace atim::arith
