// Named schedules: the hand-written strategies atim compares against (PrIM's and ATiM's tiled schedules),
// built with the schedule primitives so that each one is an ordinary, replayable Trace.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "atim/schedule/schedule.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::baselines {

/// One tunable parameter of a named schedule.
struct NamedScheduleParam {
    std::string name;           ///< "tasklets"
    std::string default_value;  ///< "16", or how the default is chosen ("auto: ...")
    std::string meaning;        ///< one line for `atim schedules`
};

/// A named schedule as listed by `atim schedules WORKLOAD`.
struct NamedScheduleInfo {
    std::string name;         ///< "prim"
    std::string description;  ///< what the schedule does and where it comes from
    std::vector<NamedScheduleParam> params;
};

/// The named schedules that apply to `workload` (throws UserError for an unknown workload).
std::vector<NamedScheduleInfo> list_named_schedules(const std::string &workload);
/// The named schedules that apply to `workload` (built-in or --op), by its structure.
std::vector<NamedScheduleInfo> list_named_schedules(const workloads::Workload &workload);

/// True when `name` is a named schedule (as opposed to, e.g., a trace file path).
bool is_named_schedule(const std::string &name);

/// The parameters a named schedule would use: the given ones, checked, plus the defaults for the rest
/// (defaults depend on the shape and the machine). Throws UserError for an unknown schedule or parameter, a
/// non-integer value, tasklets or DPUs beyond the machine, or WRAM tiles that cannot fit.
std::map<std::string, int64_t> resolve_named_schedule_params(const std::string &name,
                                                             const workloads::Workload &workload,
                                                             const std::map<std::string, std::string> &params,
                                                             const target::UpmemMachine &machine);

/// What the named schedule does short of the parameters given, one line each: a DPU count above the blocks
/// it splits, or one that equal blocks (rounded up to whole 8-byte writes) leave partly unused, runs on the
/// DPUs the blocks fill. Empty when the parameters are used as given. The CLI prints these as notes. Throws
/// UserError as resolve_named_schedule_params does.
std::vector<std::string> named_schedule_notes(const std::string &name, const workloads::Workload &workload,
                                              const std::map<std::string, std::string> &params,
                                              const target::UpmemMachine &machine);

/// Builds the named schedule `name` for `workload` with the schedule primitives (so its trace replays),
/// with resident inputs set from the workload. Throws UserError as resolve_named_schedule_params does.
schedule::Schedule apply_named_schedule(const std::string &name, const workloads::Workload &workload,
                                        const std::map<std::string, std::string> &params,
                                        const target::UpmemMachine &machine);

}  // namespace atim::baselines
