// Helpers shared by the primitive families: checked handle lookup, leaf positions, trace recording.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "atim/schedule/schedule.h"

namespace atim::schedule::detail {

std::string handle_name(const BlockRV &rv);
std::string handle_name(const LoopRV &rv);
std::string handle_name(const ExprRV &rv);

/// The loop behind a handle; throws ScheduleError naming `primitive` when the handle is not from this
/// schedule.
LoopState &checked_loop(ScheduleState &state, const LoopRV &loop, const char *primitive);
const LoopState &checked_loop(const ScheduleState &state, const LoopRV &loop, const char *primitive);
BlockState &checked_block(ScheduleState &state, const BlockRV &block, const char *primitive);
const BlockState &checked_block(const ScheduleState &state, const BlockRV &block, const char *primitive);
/// The loop must currently be a leaf loop (not split or fused away).
LoopState &checked_leaf(ScheduleState &state, const LoopRV &loop, const char *primitive);

/// Position of `loop_id` in block.leaves, or -1.
int leaf_position(const BlockState &block, int loop_id);

/// A new loop owned by `block` (not yet placed in its leaves).
int add_loop(ScheduleState &state, int block, const std::string &name, int64_t extent, bool is_reduce);
/// A block name not used yet, starting from `wanted` ("A_local", then "A_local_1", ...).
std::string unique_block_name(const ScheduleState &state, const std::string &wanted);

/// Appends one instruction to the trace.
void record(Trace &trace, std::string kind, nlohmann::json inputs, nlohmann::json attrs,
            std::vector<std::string> outputs, std::vector<int64_t> decision = {});

/// "dpu.x" for ForKind::DpuX etc.; "" for Serial.
std::string binding_name(ir::ForKind kind);

}  // namespace atim::schedule::detail
