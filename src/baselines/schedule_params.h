// Parameters of the named schedules: which exist for a workload, their defaults, parsing and validation
// against the machine (tasklets, DPUs, WRAM capacity).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::baselines {

enum class NamedSchedule : uint8_t { Prim, RcTile, SimplePim };

/// "prim" / "rc-tile" / "simplepim"; throws UserError listing the known names otherwise.
NamedSchedule parse_named_schedule(const std::string &name);
const char *to_string(NamedSchedule s);
/// All named schedules, in listing order.
const std::vector<NamedSchedule> &all_named_schedules();

/// How a workload's loops are laid out, which decides a schedule's shape (ttv's prim schedule treats its
/// M*N rows like an MTV's).
using WorkloadShape = workloads::Structure;
/// The structure of built-in workload `workload` (throws UserError for an unknown name).
WorkloadShape workload_shape(const std::string &workload);
/// The structure of `workload`, built-in or --op, as classified from its PrimFunc.
WorkloadShape workload_shape(const workloads::Workload &workload);

/// Whether `schedule` exists for a workload of `shape` with `scalars` scalar inputs: prim and rc-tile for
/// every structure, simplepim for an element-wise operator without scalars (va) and a full reduction (red)
/// only (SimplePIM's vector add and reduction; it has no GEMV operator, prim-baselines.md §2).
bool schedule_applies(NamedSchedule schedule, WorkloadShape shape, size_t scalars);
bool schedule_applies(NamedSchedule schedule, const std::string &workload);
/// Throws UserError naming the workloads `schedule` exists for when it does not apply to `workload`.
void check_schedule_applies(NamedSchedule schedule, const workloads::Workload &workload);

/// The name of the schedule's WRAM tile parameter: "cache" for rc-tile, "block" for prim and simplepim.
const char *tile_param_name(NamedSchedule schedule);

/// One parameter: name, how its default is chosen, and what it means.
struct ParamSpec {
    std::string name, default_text, meaning;
};
std::vector<ParamSpec> param_specs(NamedSchedule schedule, WorkloadShape shape);

/// The given parameters checked and completed with defaults (see param_specs for the rules).
std::map<std::string, int64_t> resolve_params(NamedSchedule schedule, const workloads::Workload &workload,
                                              const std::map<std::string, std::string> &given,
                                              const target::UpmemMachine &machine);

/// One line for each DPU-count parameter in `given` that the schedule uses fewer DPUs for than asked
/// (`params`: the resolved parameters): a count above the blocks it splits (ttv prim: more than M*N/2
/// int32 row pairs), or equal blocks rounded up to whole output writes that leave the last DPUs nothing
/// (1500 rows over 100 DPUs: 16 rows each fill 94 DPUs). Defaults are not noted: they say
/// what they choose (param_specs), and the program reports the DPUs it runs on.
std::vector<std::string> dpu_count_notes(NamedSchedule schedule, const workloads::Workload &workload,
                                         const std::map<std::string, int64_t> &params,
                                         const std::map<std::string, std::string> &given);

/// Rows a tasklet handles together so that one output write is one 8-byte DMA (PrIM's row pairs for
/// int32: 8 / sizeof(T), prim-baselines.md §1.4).
int64_t rows_per_output_write(ir::DType dtype);

/// ceil(a / b) and the smallest multiple of m that is >= a.
int64_t ceil_div(int64_t a, int64_t b);
int64_t round_up(int64_t a, int64_t m);

/// Batches of a batched workload one DPU group handles, so that the batch groups times the DPUs per batch
/// fit the machine.
int64_t batches_per_dpu_group(int64_t batches, int64_t dpus_per_batch, const target::UpmemMachine &machine);

}  // namespace atim::baselines
