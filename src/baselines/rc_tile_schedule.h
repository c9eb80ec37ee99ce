// The `rc-tile` named schedule: ATiM's hand-written row/column-tiled schedules of its boundary study.
#pragma once

#include <map>
#include <string>

#include "atim/schedule/schedule.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::baselines {

/// Applies ATiM's tiled strategy for `workload` to `sch` (a fresh schedule of workload.func) with resolved
/// parameters dpus_x, dpus_y (reductions over rows), tasklets, cache.
void build_rc_tile_schedule(schedule::Schedule &sch, const workloads::Workload &workload,
                            const std::map<std::string, int64_t> &params,
                            const target::UpmemMachine &machine);

}  // namespace atim::baselines
