// Solving a conjunction of linear inequalities for one variable (used by loop-bound tightening).
#pragma once

#include <optional>

#include "atim/arith/range.h"
#include "atim/ir/expr.h"

namespace atim::arith {

/// cond <=> (lower <= v < upper) && residual, for all values of the variables within `ranges`.
/// `lower`/`upper` are undefined when cond puts no bound on v on that side; `residual` does not mention v
/// (const_true() when nothing remains). All three are simplified.
struct VarBounds {
    ir::Expr lower;     ///< inclusive
    ir::Expr upper;     ///< exclusive
    ir::Expr residual;  ///< the conditions that do not involve v
};

/// Solves cond, a conjunction (&&) of comparisons (<, <=, >, >=, ==, and their negations), for v.
/// Comparisons in which v appears linearly become bounds on v (floor/ceil division for coefficients other
/// than 1); comparisons without v go to the residual. Returns nullopt when some part of cond involves v in
/// another way (v inside a division, a product with a variable, a != comparison, an ||, ...).
std::optional<VarBounds> solve_linear_inequalities(const ir::Expr &cond, const ir::VarNode *v,
                                                   const RangeMap &ranges = {});

}  // namespace atim::arith
