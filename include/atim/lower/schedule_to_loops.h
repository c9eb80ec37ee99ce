// First lowering pass: a Schedule's blocks and loops to the loop nests of ScheduledLoops.
#pragma once

#include "atim/lower/scheduled_loops.h"
#include "atim/schedule/schedule.h"

namespace atim::lower {

/// Builds the device loop nest (DPU loops outermost, tasklet loops, WRAM caches as Allocate + guarded element
/// copies, barriers before cross-tasklet consumers, imperfect-split guards) and the host epilogue
/// (mram-rfactor consumers). Tensor roles: inputs, outputs, then Partial buffers; `resident` from
/// schedule.resident_inputs(). Throws schedule::ScheduleError when the schedule cannot be lowered (binding
/// order, unattached caches, ...), with what to change.
ScheduledLoops schedule_to_loops(const schedule::Schedule &schedule);

}  // namespace atim::lower
