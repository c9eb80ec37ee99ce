// Interval analysis: constant bounds of an expression from the ranges of its variables.
#include "atim/arith/const_interval.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "atim/arith/linear_form.h"
#include "atim/ir/expr.h"
#include "atim/support/error.h"

namespace atim::arith {
namespace {

using I = ConstInterval;

// Range expressions may mention other ranged variables; this cap stops a (malformed) cyclic map.
constexpr int kMaxRangeDepth = 32;

I type_range(ir::DType t) {
    if (t == ir::DType::Int64) return I::everything();
    return {ir::min_value(t), ir::max_value(t)};
}

bool contains(const I &outer, const I &inner) { return outer.min <= inner.min && inner.max <= outer.max; }

// Saturating arithmetic on interval ends: an infinite end stays infinite, a finite overflow saturates.
int64_t sat_add(int64_t a, int64_t b) {
    if (a == I::kNegInf || b == I::kNegInf) return I::kNegInf;
    if (a == I::kPosInf || b == I::kPosInf) return I::kPosInf;
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return a > 0 ? I::kPosInf : I::kNegInf;
    return r;
}

int64_t sat_neg(int64_t a) {
    if (a == I::kNegInf) return I::kPosInf;
    if (a == I::kPosInf) return I::kNegInf;
    return -a;
}

int64_t sat_mul(int64_t a, int64_t b) {
    if (a == 0 || b == 0) return 0;
    bool negative = (a < 0) != (b < 0);
    bool infinite = a == I::kNegInf || a == I::kPosInf || b == I::kNegInf || b == I::kPosInf;
    int64_t r;
    if (infinite || __builtin_mul_overflow(a, b, &r)) return negative ? I::kNegInf : I::kPosInf;
    return r;
}

I add(const I &a, const I &b) { return {sat_add(a.min, b.min), sat_add(a.max, b.max)}; }
I negate(const I &a) { return {sat_neg(a.max), sat_neg(a.min)}; }

I mul(const I &a, const I &b) {
    std::array<int64_t, 4> corners = {sat_mul(a.min, b.min), sat_mul(a.min, b.max), sat_mul(a.max, b.min),
                                      sat_mul(a.max, b.max)};
    return {*std::min_element(corners.begin(), corners.end()),
            *std::max_element(corners.begin(), corners.end())};
}

int64_t div_end(int64_t a, int64_t c) {
    if (a == I::kNegInf || a == I::kPosInf) return (a < 0) == (c < 0) ? I::kPosInf : I::kNegInf;
    return floor_div(a, c);
}

I div_by_const(const I &a, int64_t c) {
    if (c > 0) return {div_end(a.min, c), div_end(a.max, c)};
    return {div_end(a.max, c), div_end(a.min, c)};
}

I mod_by_const(const I &a, int64_t c) {
    if (c > 0) {
        // Within one block [m*c, m*c + c) the modulo is a shift; otherwise it can be anything in [0, c).
        if (a.has_min() && a.has_max() && floor_div(a.min, c) == floor_div(a.max, c)) {
            int64_t shift = floor_div(a.min, c) * c;
            return {a.min - shift, a.max - shift};
        }
        return {0, c - 1};
    }
    return {c + 1, 0};
}

class Bounder {
public:
    explicit Bounder(const RangeMap &ranges) : ranges_(ranges) {}

    I bound(const ir::Expr &e) {
        if (!e.defined()) return I::everything();
        // Index arithmetic is assumed not to overflow (see simplify.h), so the bounds are clipped to the
        // type. Clipping never flips a sign decision: a clipped max below 0 means the true max is below 0
        // too.
        I raw = bound_unclamped(e);
        I type = type_range(e.dtype());
        I clipped{std::max(raw.min, type.min), std::min(raw.max, type.max)};
        return clipped.min <= clipped.max ? clipped : type;
    }

private:
    I bound_unclamped(const ir::Expr &e) {
        using ir::ExprKind;
        switch (e.kind()) {
            case ExprKind::IntImm:
                return I::point(e.as<ir::IntImm>()->value);
            case ExprKind::Var:
                return bound_var(e.as<ir::VarNode>());
            case ExprKind::Add:
                return add(bound(e.as<ir::Add>()->a), bound(e.as<ir::Add>()->b));
            case ExprKind::Sub:
                return add(bound(e.as<ir::Sub>()->a), negate(bound(e.as<ir::Sub>()->b)));
            case ExprKind::Mul:
                return mul(bound(e.as<ir::Mul>()->a), bound(e.as<ir::Mul>()->b));
            case ExprKind::Div:
                return bound_div(*e.as<ir::Div>());
            case ExprKind::Mod:
                return bound_mod(*e.as<ir::Mod>());
            case ExprKind::Min: {
                I a = bound(e.as<ir::Min>()->a), b = bound(e.as<ir::Min>()->b);
                return {std::min(a.min, b.min), std::min(a.max, b.max)};
            }
            case ExprKind::Max: {
                I a = bound(e.as<ir::Max>()->a), b = bound(e.as<ir::Max>()->b);
                return {std::max(a.min, b.min), std::max(a.max, b.max)};
            }
            case ExprKind::Select: {
                const auto *op = e.as<ir::Select>();
                I c = bound(op->cond);
                if (c.is_single_point()) return bound(c.min ? op->true_value : op->false_value);
                I t = bound(op->true_value), f = bound(op->false_value);
                return {std::min(t.min, f.min), std::max(t.max, f.max)};
            }
            case ExprKind::Cast: {
                I inner = bound(e.as<ir::Cast>()->value);
                if (e.dtype() == ir::DType::Bool) {
                    if (inner.min > 0 || inner.max < 0) return I::point(1);
                    return inner.is_single_point() ? I::point(0) : I{0, 1};
                }
                // A narrowing cast wraps: only values that already fit keep their bounds.
                return contains(type_range(e.dtype()), inner) ? inner : type_range(e.dtype());
            }
            case ExprKind::EQ:
            case ExprKind::NE:
            case ExprKind::LT:
            case ExprKind::LE:
            case ExprKind::GT:
            case ExprKind::GE:
                return bound_comparison(e);
            case ExprKind::And: {
                I a = bound(e.as<ir::And>()->a), b = bound(e.as<ir::And>()->b);
                return {std::min(a.min, b.min), std::min(a.max, b.max)};
            }
            case ExprKind::Or: {
                I a = bound(e.as<ir::Or>()->a), b = bound(e.as<ir::Or>()->b);
                return {std::max(a.min, b.min), std::max(a.max, b.max)};
            }
            case ExprKind::Not: {
                I a = bound(e.as<ir::Not>()->a);
                return {1 - a.max, 1 - a.min};
            }
            case ExprKind::Load:
            case ExprKind::Call:
                return type_range(e.dtype());
        }
        return I::everything();
    }

    // Cached: a variable occurs many times, and its range may mention other ranged variables in turn.
    I bound_var(const ir::VarNode *v) {
        auto it = ranges_.find(v);
        if (it == ranges_.end() || depth_ >= kMaxRangeDepth) return type_range(v->dtype);
        if (auto cached = var_bounds_.find(v); cached != var_bounds_.end()) return cached->second;
        ++depth_;
        I min = bound(it->second.min);
        I extent = bound(it->second.extent);
        --depth_;
        // Over an empty range nothing is evaluated; the bounds below are then vacuous but harmless.
        I result{min.min, sat_add(sat_add(min.max, extent.max), -1)};
        var_bounds_.emplace(v, result);
        return result;
    }

    I bound_div(const ir::Div &op) {
        I a = bound(op.a), b = bound(op.b);
        if (b.is_single_point() && b.min != 0) return div_by_const(a, b.min);
        if (b.min > 0 && b.has_max()) {
            std::array<int64_t, 4> corners = {div_end(a.min, b.min), div_end(a.min, b.max),
                                              div_end(a.max, b.min), div_end(a.max, b.max)};
            return {*std::min_element(corners.begin(), corners.end()),
                    *std::max_element(corners.begin(), corners.end())};
        }
        return I::everything();
    }

    I bound_mod(const ir::Mod &op) {
        I a = bound(op.a), b = bound(op.b);
        if (b.is_single_point() && b.min != 0) return mod_by_const(a, b.min);
        if (b.min > 0) {
            if (a.min >= 0 && a.max < b.min) return a;
            return {0, sat_add(b.max, -1)};
        }
        return I::everything();
    }

    // Decided from the two sides' intervals (the simplifier cancels shared terms before asking).
    I bound_comparison(const ir::Expr &e) {
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
                return {0, 1};
        }
        if (lhs->dtype() == ir::DType::Bool) return {0, 1};
        I a = bound(*lhs), b = bound(*rhs);
        I d = add(a, negate(b));
        switch (e.kind()) {
            case ir::ExprKind::EQ:
                if (a.is_single_point() && b.is_single_point()) return I::point(a.min == b.min);
                return (d.min > 0 || d.max < 0) ? I::point(0) : I{0, 1};
            case ir::ExprKind::NE:
                if (a.is_single_point() && b.is_single_point()) return I::point(a.min != b.min);
                return (d.min > 0 || d.max < 0) ? I::point(1) : I{0, 1};
            case ir::ExprKind::LT:
                return decide(a.max < b.min, a.min >= b.max);
            case ir::ExprKind::LE:
                return decide(a.max <= b.min, a.min > b.max);
            case ir::ExprKind::GT:
                return decide(a.min > b.max, a.max <= b.min);
            case ir::ExprKind::GE:
                return decide(a.min >= b.max, a.max < b.min);
            default:
                return {0, 1};
        }
    }

    static I decide(bool always, bool never) {
        if (always) return I::point(1);
        if (never) return I::point(0);
        return {0, 1};
    }

    const RangeMap &ranges_;
    std::unordered_map<const ir::VarNode *, I> var_bounds_;
    int depth_ = 0;
};

}  // namespace

ConstInterval const_bounds(const ir::Expr &e, const RangeMap &ranges) { return Bounder(ranges).bound(e); }

}  // namespace atim::arith
