// tighten_loop_bounds: loop-bound tightening, LT (ATiM's EliminateBranch, atim-method.md §7.2 (2)).
#pragma once

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// Replaces `for v in [m, m+e): if (c) body` (no else) by `if (residual) for v in [lo, hi): body`, where
/// lo = max(m, lower bound of v from c), hi = min(m+e, upper bound), when c is a conjunction of linear
/// inequalities in v; conditions that do not involve v form `residual`. Works bottom-up, so a guard on
/// several loop variables is pulled out of each loop in turn.
ir::Stmt tighten_loop_bounds(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                             int64_t tasklets);

}  // namespace atim::lower
