// Solving a conjunction of linear inequalities for one variable.
#include "atim/arith/linear_inequality.h"

#include <vector>

#include "atim/arith/linear_form.h"
#include "atim/arith/simplify.h"
#include "atim/ir/utils.h"
#include "atim/support/error.h"

namespace atim::arith {
namespace {

using ir::Expr;

void flatten_conjunction(const Expr &cond, std::vector<Expr> &atoms) {
    if (const auto *both = cond.as<ir::And>()) {
        flatten_conjunction(both->a, atoms);
        flatten_conjunction(both->b, atoms);
    } else {
        atoms.push_back(cond);
    }
}

class Solver {
public:
    Solver(const ir::VarNode *v, const RangeMap &ranges) : v_(v), ranges_(ranges) {}

    /// Adds one atom of the conjunction; false when it cannot be expressed as bounds on v.
    bool add(const Expr &atom) {
        if (!ir::uses_var(atom, v_)) {
            residual_.push_back(atom);
            return true;
        }
        const Expr *lhs = nullptr, *rhs = nullptr;
        switch (atom.kind()) {
            case ir::ExprKind::EQ:
                lhs = &atom.as<ir::EQ>()->a, rhs = &atom.as<ir::EQ>()->b;
                break;
            case ir::ExprKind::LT:
                lhs = &atom.as<ir::LT>()->a, rhs = &atom.as<ir::LT>()->b;
                break;
            case ir::ExprKind::LE:
                lhs = &atom.as<ir::LE>()->a, rhs = &atom.as<ir::LE>()->b;
                break;
            case ir::ExprKind::GT:
                lhs = &atom.as<ir::GT>()->a, rhs = &atom.as<ir::GT>()->b;
                break;
            case ir::ExprKind::GE:
                lhs = &atom.as<ir::GE>()->a, rhs = &atom.as<ir::GE>()->b;
                break;
            default:
                return false;  // !=, ||, a bool variable, ...: not an interval of v
        }
        // lhs - rhs = k*v + r with r free of v.
        LinearForm d = to_linear_form(*lhs);
        d.add(to_linear_form(*rhs), -1);
        int64_t k = d.coefficient_of(v_);
        if (k == 0) return false;
        std::erase_if(d.terms, [&](const auto &term) { return term.first.get() == v_; });
        Expr r = from_linear_form(d);
        if (ir::uses_var(r, v_)) return false;
        switch (atom.kind()) {
            case ir::ExprKind::LT:
                at_most(k, -r - 1);
                break;  // k*v + r < 0
            case ir::ExprKind::LE:
                at_most(k, -r);
                break;  // k*v + r <= 0
            case ir::ExprKind::GT:
                at_least(k, 1 - r);
                break;  // k*v + r > 0
            case ir::ExprKind::GE:
                at_least(k, -r);
                break;  // k*v + r >= 0
            case ir::ExprKind::EQ:
                at_most(k, -r);
                at_least(k, -r);
                break;
            default:
                return false;
        }
        return true;
    }

    VarBounds result() const {
        Expr residual = ir::const_true();
        for (const Expr &atom : residual_)
            residual = ir::is_const_int(residual, 1) ? atom : (residual && atom);
        return VarBounds{lower_.defined() ? simplify(lower_, ranges_) : lower_,
                         upper_.defined() ? simplify(upper_, ranges_) : upper_, simplify(residual, ranges_)};
    }

private:
    // k*v <= t
    void at_most(int64_t k, const Expr &t) {
        if (k > 0) {
            tighten_upper(t / k + 1);
        } else {
            tighten_lower(0 - (t / -k));  // v >= ceil(t/k) = -floor(t/|k|)
        }
    }

    // k*v >= t
    void at_least(int64_t k, const Expr &t) {
        if (k > 0) {
            tighten_lower((t + (k - 1)) / k);  // ceil(t/k)
        } else {
            tighten_upper((0 - t) / -k + 1);  // v <= floor(-t/|k|)
        }
    }

    void tighten_lower(const Expr &bound) { lower_ = lower_.defined() ? max(lower_, bound) : bound; }
    void tighten_upper(const Expr &bound) { upper_ = upper_.defined() ? min(upper_, bound) : bound; }

    const ir::VarNode *v_;
    const RangeMap &ranges_;
    Expr lower_, upper_;
    std::vector<Expr> residual_;
};

}  // namespace

std::optional<VarBounds> solve_linear_inequalities(const ir::Expr &cond, const ir::VarNode *v,
                                                   const RangeMap &ranges) {
    ATIM_CHECK(cond.defined() && cond.dtype() == ir::DType::Bool, "solving a non-bool condition");
    std::vector<Expr> atoms;
    flatten_conjunction(simplify(cond, ranges), atoms);
    Solver solver(v, ranges);
    for (const Expr &atom : atoms) {
        if (ir::is_const_int(atom, 1)) continue;
        if (!solver.add(atom)) return std::nullopt;
    }
    return solver.result();
}

}  // namespace atim::arith
