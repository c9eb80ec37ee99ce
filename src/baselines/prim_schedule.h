// The `prim` named schedule: PrIM's hand-written strategies (and ATiM's PrIM(E) extensions) as schedules.
#pragma once

#include <map>
#include <string>

#include "atim/schedule/schedule.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::baselines {

/// Applies PrIM's strategy for `workload` to `sch` (a fresh schedule of workload.func) with resolved
/// parameters dpus, tasklets, block.
void build_prim_schedule(schedule::Schedule &sch, const workloads::Workload &workload,
                         const std::map<std::string, int64_t> &params, const target::UpmemMachine &machine);

}  // namespace atim::baselines
