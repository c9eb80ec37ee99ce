// The `simplepim` named schedule: SimplePIM's fixed strategy for its array operators (map over a zipped
// pair: VA; reduction: RED) as a schedule.
#pragma once

#include <map>
#include <string>

#include "atim/schedule/schedule.h"
#include "atim/workloads/workload.h"

namespace atim::baselines {

/// Applies SimplePIM's strategy for `workload` (va or red) to `sch` (a fresh schedule of workload.func) with
/// resolved parameters dpus, tasklets, block.
void build_simplepim_schedule(schedule::Schedule &sch, const workloads::Workload &workload,
                              const std::map<std::string, int64_t> &params);

}  // namespace atim::baselines
