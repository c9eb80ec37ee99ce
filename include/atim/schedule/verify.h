// Whole-schedule legality that later primitives can still change (binding order, attach positions,
// decompose_reduction positions), checked before lowering.
#pragma once

#include "atim/schedule/state.h"

namespace atim::schedule {

/// Throws ScheduleError with what to change when the schedule cannot be lowered: DPU loops not outermost,
/// caches or wram-rfactor consumers unattached or attached at an illegal loop, a reduction init decomposed
/// inside a reduction loop, several top-level device blocks next to a DPU grid.
void verify(const ScheduleState &state);

/// The attach position of one cache block or wram-rfactor consumer (called by compute_at/reverse_compute_at).
void verify_attachment(const ScheduleState &state, int block_id);
/// The decompose_reduction position of one compute block.
void verify_decomposition(const ScheduleState &state, int block_id);

}  // namespace atim::schedule
