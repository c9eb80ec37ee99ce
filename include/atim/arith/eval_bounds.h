// Symbolic bounds: the min and max of an expression when some variables range over their ranges and the
// others stay symbolic (how a DPU's MRAM box is computed: relax tasklet/serial loops, keep the grid vars).
#pragma once

#include "atim/arith/range.h"
#include "atim/ir/expr.h"

namespace atim::arith {

/// Inclusive symbolic bounds; an undefined end means "no bound found".
struct SymbolicBounds {
    ir::Expr min;
    ir::Expr max;
};

/// min and max of e over all values of the variables in `relaxed` (each within its range, ranges may depend
/// on other relaxed variables); variables not in `relaxed` stay in the result. Exact for affine expressions;
/// conservative (a valid but possibly loose bound) for floordiv, floormod, min, max and select; an end is
/// undefined when no bound is known (e.g. a load indexed by a relaxed variable). Results are simplified.
SymbolicBounds eval_bounds(const ir::Expr &e, const RangeMap &relaxed);

}  // namespace atim::arith
