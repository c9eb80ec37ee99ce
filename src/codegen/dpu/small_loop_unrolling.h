// unroll_small_loops: the DPU code generator's own unrolling of loops the schedule marked Unrolled.
#pragma once

#include <cstdint>

#include "atim/ir/stmt.h"

namespace atim::codegen::dpu {

/// Replaces every ForKind::Unrolled loop with constant bounds by copies of its body (loop variable
/// substituted, each copy simplified) when extent * size(body) stays within `max_unrolled_nodes` IR nodes.
/// Other Unrolled loops stay loops (they run as serial loops: same result, more instructions per iteration).
ir::Stmt unroll_small_loops(const ir::Stmt &kernel, int64_t max_unrolled_nodes = 512);

}  // namespace atim::codegen::dpu
