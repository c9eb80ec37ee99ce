// simplify_kernel: arith::simplify over a kernel, knowing the grid coordinates' and tasklet ids' ranges.
#pragma once

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// arith::simplify(Stmt) with the ranges of the DPU grid coordinates, and inside `let t = tasklet_id()`
/// the range [0, tasklets) of t, so guards that always hold on this grid (e.g. `dpu_x*4 + t < 8` on a
/// 2-DPU, 4-tasklet program) disappear.
ir::Stmt simplify_kernel(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                         int64_t tasklets);

}  // namespace atim::lower
