// The registry of named schedules: listing, parameter resolution, and dispatch to the builders.
#include "atim/baselines/named_schedules.h"

#include "baselines/prim_schedule.h"
#include "baselines/rc_tile_schedule.h"
#include "baselines/schedule_params.h"
#include "baselines/simplepim_schedule.h"

namespace atim::baselines {
namespace {

std::string description(NamedSchedule schedule, WorkloadShape shape) {
    if (schedule == NamedSchedule::SimplePim) {
        return shape == WorkloadShape::FullReduce
                   ? "SimplePIM reduction: even padded chunk per DPU, 12 tasklets take 256-element WRAM "
                     "blocks "
                     "cyclically, tasklet partials merged in WRAM, one value per DPU pulled and summed on "
                     "the host"
                   : "SimplePIM zip + map: even padded chunk per DPU (one parallel push), 12 tasklets take "
                     "256-element WRAM blocks cyclically, one parallel pull";
    }
    if (schedule == NamedSchedule::Prim) {
        switch (shape) {
            case WorkloadShape::Elementwise:
                return "PrIM VA: contiguous chunk per DPU, tasklets take WRAM blocks cyclically";
            case WorkloadShape::FullReduce:
                return "PrIM RED: chunk per DPU, cyclic blocks per tasklet, every tasklet's partial gathered "
                       "and summed on the host";
            case WorkloadShape::RowReduce:
                return "PrIM GEMV: row blocks per DPU, row pairs per tasklet, full K in WRAM blocks";
            case WorkloadShape::TensorRowReduce:
                return "PrIM(E) TTV as GEMV over M*N rows: blocks of the fused (i, j) rows per DPU, row "
                       "pairs "
                       "per tasklet, full K in WRAM blocks";
            case WorkloadShape::Batched:
                return "PrIM(E) rgemv: batch x row-block DPU grid, row pairs per tasklet, full K in WRAM "
                       "blocks";
        }
    }
    switch (shape) {
        case WorkloadShape::Elementwise:
            return "ATiM vaTile: chunk per DPU, contiguous range per tasklet in WRAM tiles";
        case WorkloadShape::FullReduce:
            return "ATiM crossReductionCache: chunk per DPU, contiguous range per tasklet, partials summed "
                   "in WRAM "
                   "and on the host";
        case WorkloadShape::RowReduce:
            return "ATiM mtvRCTile: rows over dpus_x, K over dpus_y (host sums partials), row pairs per "
                   "tasklet, "
                   "K in WRAM tiles";
        case WorkloadShape::TensorRowReduce:
            return "ATiM rc-tile on a 3-D grid: j rows over dpus_x, K over dpus_y (host sums partials), i "
                   "rows "
                   "over dpus_z; row pairs of j per tasklet, K in WRAM tiles";
        case WorkloadShape::Batched:
            return "ATiM mmtvRCTile: batch x rows x K DPU grid (host sums K partials), row pairs per "
                   "tasklet, K in "
                   "WRAM tiles";
    }
    return "";
}

}  // namespace

namespace {

template <typename Applies>
std::vector<NamedScheduleInfo> named_schedules_of(WorkloadShape shape, Applies applies) {
    std::vector<NamedScheduleInfo> list;
    for (NamedSchedule schedule : all_named_schedules()) {
        if (!applies(schedule)) continue;
        NamedScheduleInfo info{to_string(schedule), description(schedule, shape), {}};
        for (const ParamSpec &spec : param_specs(schedule, shape))
            info.params.push_back({spec.name, spec.default_text, spec.meaning});
        list.push_back(std::move(info));
    }
    return list;
}

}  // namespace

std::vector<NamedScheduleInfo> list_named_schedules(const std::string &workload) {
    return named_schedules_of(workload_shape(workload),
                              [&](NamedSchedule schedule) { return schedule_applies(schedule, workload); });
}

std::vector<NamedScheduleInfo> list_named_schedules(const workloads::Workload &workload) {
    const size_t scalars = workloads::scalar_input_names(workload.func).size();
    return named_schedules_of(workload.structure, [&](NamedSchedule schedule) {
        return schedule_applies(schedule, workload.structure, scalars);
    });
}

bool is_named_schedule(const std::string &name) {
    for (NamedSchedule schedule : all_named_schedules()) {
        if (name == to_string(schedule)) return true;
    }
    return false;
}

std::map<std::string, int64_t> resolve_named_schedule_params(const std::string &name,
                                                             const workloads::Workload &workload,
                                                             const std::map<std::string, std::string> &params,
                                                             const target::UpmemMachine &machine) {
    return resolve_params(parse_named_schedule(name), workload, params, machine);
}

std::vector<std::string> named_schedule_notes(const std::string &name, const workloads::Workload &workload,
                                              const std::map<std::string, std::string> &params,
                                              const target::UpmemMachine &machine) {
    NamedSchedule which = parse_named_schedule(name);
    return dpu_count_notes(which, workload, resolve_params(which, workload, params, machine), params);
}

schedule::Schedule apply_named_schedule(const std::string &name, const workloads::Workload &workload,
                                        const std::map<std::string, std::string> &params,
                                        const target::UpmemMachine &machine) {
    NamedSchedule which = parse_named_schedule(name);
    std::map<std::string, int64_t> resolved = resolve_params(which, workload, params, machine);
    schedule::Schedule sch(workload.func);
    sch.set_resident_inputs(workload.resident_inputs);
    switch (which) {
        case NamedSchedule::Prim:
            build_prim_schedule(sch, workload, resolved, machine);
            break;
        case NamedSchedule::RcTile:
            build_rc_tile_schedule(sch, workload, resolved, machine);
            break;
        case NamedSchedule::SimplePim:
            build_simplepim_schedule(sch, workload, resolved);
            break;
    }
    return sch;
}

}  // namespace atim::baselines
