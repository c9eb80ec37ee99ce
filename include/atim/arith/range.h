// Ranges of integer variables: what the arithmetic analyses know about the loops around an expression.
#pragma once

#include <unordered_map>

#include "atim/ir/expr.h"

namespace atim::arith {

/// The half-open interval [min, min + extent) of a variable; both ends may be symbolic.
struct Range {
    ir::Expr min;
    ir::Expr extent;
    /// The largest value, min + extent - 1 (meaningful only when extent >= 1).
    ir::Expr max_inclusive() const;
};

/// Variable ranges keyed by node identity (a loop's variable ranges over the loop: [loop.min,
/// loop.min+extent)).
using RangeMap = std::unordered_map<const ir::VarNode *, Range>;

/// The range [min, min + extent) of a For loop's variable.
Range loop_range(const ir::Expr &min, const ir::Expr &extent);

}  // namespace atim::arith
