// unroll_small_loops: the DPU code generator's own unrolling of loops the schedule marked Unrolled.
#pragma once

#include <cstdint>

#include "atim/ir/stmt.h"

namespace atim::codegen::dpu {

/// Replaces every ForKind::Unrolled loop with constant bounds by copies of its body (loop variable
/// substituted, each copy simplified) when extent * size(body) stays within `max_unrolled_nodes` IR nodes.
/// Other Unrolled loops stay loops (they run as serial loops: same result, more instructions per iteration).
/// The bound stands for clang's: `#pragma clang loop unroll(full)` unrolls a constant trip count while the
/// unrolled cost stays under its pragma threshold (16K instruction units); 4096 IR nodes (about 2 KB of the
/// 4096-instruction IRAM for a multiply-accumulate body) stays below both.
ir::Stmt unroll_small_loops(const ir::Stmt &kernel, int64_t max_unrolled_nodes = 4096);

}  // namespace atim::codegen::dpu
