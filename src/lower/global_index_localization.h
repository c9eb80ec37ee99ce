// localize_global_indices (ATiM's MoveGlobalIndices): host-tensor accesses become accesses of the DPU's
// own MRAM slice, indexed relative to the DPU's box.
#pragma once

#include <vector>

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// Replaces every Load/Store of a slice's host buffer by one of its `local` buffer with
/// index = global index - box_min (per dimension of the slice's view of the tensor, simplified).
ir::Stmt localize_global_indices(const ir::Stmt &kernel, const std::vector<MramSlice> &slices);

}  // namespace atim::lower
