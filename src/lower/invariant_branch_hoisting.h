// hoist_invariant_branches: invariant branch hoisting with partial dead-code elimination, BH
// (ATiM's Hoist, atim-method.md §7.2 (3)).
#pragma once

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// Bottom-up: a For/LetStmt/Allocate whose body is an else-less `if (c)` not using its variable becomes
/// `if (c) loop`; in a sequence, `[if (c0) Y; if (c) X]` with c0 => c becomes `if (c) {if (c0) Y; X}` (and
/// `if (c) {Y; X}` when c0 <=> c). With `sink_dma_reads` (level 4, ATiM's strong mode), an MRAM->WRAM DMA
/// right before `if (c) X` whose WRAM data is read only inside X moves into the branch, so rows that are
/// entirely out of bounds skip both the DMA and the compute.
ir::Stmt hoist_invariant_branches(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                                  int64_t tasklets, bool sink_dma_reads);

}  // namespace atim::lower
