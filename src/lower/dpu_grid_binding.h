// bind_dpu_grid: turns the DPU-grid loops into per-DPU grid coordinates and the Tasklet loops into
// tasklet_id-driven code, so the device nest becomes the kernel every tasklet of every DPU runs.
#pragma once

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// The kernel of one DPU and the grid/tasklet shape it was distributed over.
struct BoundKernel {
    ir::Stmt kernel;
    DpuGrid grid;
    int tasklets = 1;
};

/// Name of the intrinsic that yields the running tasklet's id (Int32, no arguments).
inline constexpr const char *kTaskletIdIntrinsic = "tasklet_id";
/// Call "tasklet_id".
ir::Expr tasklet_id();

/// Strips the outermost DpuX/DpuY/DpuZ loops of `device` (their variables become `grid_vars`) and
/// replaces every Tasklet loop `for t in [0, E)` by `let t = tasklet_id()` (guarded by `t < E` when E is
/// below the DPU's tasklet count, the largest Tasklet extent). Statements outside every Tasklet loop run
/// on tasklet 0 only, and a Barrier separates such statements from tasklet-parallel ones (and
/// tasklet-parallel phases from each other) so results are visible before they are consumed.
BoundKernel bind_dpu_grid(const ir::Stmt &device, const GridVars &grid_vars);

}  // namespace atim::lower
