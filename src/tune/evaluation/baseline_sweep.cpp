// The baselines of ATiM's evaluation (atim-method.md §8.2) as sweeps of named schedules: PrIM picks only its
// DPU count, PrIM+Search also tasklets and the WRAM block, SimplePIM (va, red) only its DPU count; 2-D
// expert + Search (the baseline ATiM's reviewers asked for) grid-searches the `rc-tile` schedule. The fastest
// point is measured again with every DPU simulated.
#include <algorithm>
#include <optional>
#include <set>

#include "atim/baselines/named_schedules.h"
#include "atim/support/error.h"
#include "atim/tune/evaluation.h"

namespace atim::tune {
namespace {

// The sweep varies PrIM's total DPU count. mmtv's `prim` schedule (PrIM(E) rgemv) takes DPUs per batch, so
// a total count becomes count / batches, at least one DPU per batch.
int64_t prim_dpus_param(const workloads::Workload &workload, int64_t total_dpus) {
    if (workload.structure != workloads::Structure::Batched) return total_dpus;
    return std::max<int64_t>(1, total_dpus / workload.shape[0]);
}

// Points in grid order without repeats (the mmtv mapping can map two counts to one).
void append_unique(std::vector<PrimParams> &points, std::set<PrimParams> &seen, PrimParams point) {
    if (seen.insert(point).second) points.push_back(std::move(point));
}

struct BuiltPoint {
    size_t point;
    schedule::Trace trace;
};

// The `prim` schedule of each point; a point the schedule refuses (tasklets or DPUs beyond the machine, a
// WRAM block that cannot fit, a misaligned DMA size) is counted as illegal and not measured.
std::vector<BuiltPoint> build_points(const std::string &schedule, const workloads::Workload &workload,
                                     const target::UpmemMachine &machine,
                                     const std::vector<PrimParams> &points, SweepResult &sweep) {
    std::vector<BuiltPoint> built;
    for (size_t i = 0; i < points.size(); ++i) {
        try {
            schedule::Schedule sch = baselines::apply_named_schedule(schedule, workload, points[i], machine);
            built.push_back({i, sch.trace()});
        } catch (const UserError &) {
            ++sweep.illegal;
        }
    }
    return built;
}

// Every parameter of the point, the schedule's defaults included (PrIM's tasklets and block).
PrimParams resolved_params(const std::string &schedule, const workloads::Workload &workload,
                           const target::UpmemMachine &machine, const PrimParams &point) {
    PrimParams resolved;
    for (const auto &[name, value] :
         baselines::resolve_named_schedule_params(schedule, workload, point, machine))
        resolved[name] = std::to_string(value);
    return resolved;
}

int64_t largest_power_of_two_at_most(int64_t n) {
    int64_t p = 1;
    while (p * 2 <= n) p *= 2;
    return p;
}

// The rc-tile DPU parameters that put `ways` reduction splits and total / ways row splits on the grid, or
// nothing when the rows cannot take them (fewer DPUs than the ways, or an mmtv batch with no DPU left).
std::optional<PrimParams> expert_grid(const workloads::Workload &workload, int64_t total, int64_t ways) {
    const bool splits_reduction = workload.structure != workloads::Structure::Elementwise &&
                                  workload.structure != workloads::Structure::FullReduce;
    if (!splits_reduction) {
        if (ways != 1) return std::nullopt;
        return PrimParams{{"dpus_x", std::to_string(total)}};
    }
    if (ways > total) return std::nullopt;
    const int64_t rows = total / ways;
    PrimParams grid{{"dpus_y", std::to_string(ways)}};
    if (workload.structure == workloads::Structure::Batched) {
        const int64_t per_batch = rows / workload.shape[0];
        if (per_batch < 1) return std::nullopt;
        grid["dpus_x"] = std::to_string(per_batch);
    } else if (workload.structure == workloads::Structure::TensorRowReduce) {
        const int64_t over_i = std::min(rows, largest_power_of_two_at_most(workload.shape[0]));
        grid["dpus_z"] = std::to_string(over_i);
        grid["dpus_x"] = std::to_string(rows / over_i);
    } else {
        grid["dpus_x"] = std::to_string(rows);
    }
    return grid;
}

// How many of the fastest points are tried with every DPU simulated before giving up: the search measured
// them with identical DPUs sharing one simulation, so the full check can still reject one.
constexpr size_t kFullChecks = 3;

}  // namespace

std::vector<PrimParams> prim_points(const workloads::Workload &workload, const BaselineGrid &grid) {
    std::vector<PrimParams> points;
    std::set<PrimParams> seen;
    // tasklets and block stay at the schedule's defaults: PrIM's 16 tasklets and 1 KB block.
    for (int64_t dpus : grid.dpus)
        append_unique(points, seen, {{"dpus", std::to_string(prim_dpus_param(workload, dpus))}});
    return points;
}

std::vector<PrimParams> prim_search_points(const workloads::Workload &workload, const BaselineGrid &grid) {
    std::vector<PrimParams> points;
    std::set<PrimParams> seen;
    if (workload.structure == workloads::Structure::Batched) {
        // ATiM's grid for batched MTV (prim-baselines.md §1.13, PrIM(E) rgemv): y DPUs per batch with 32 <=
        // batches * y <= 2048 DPUs in all, and 2 * y * t <= N so that each of the y * t tasklets of a batch
        // has at least one row pair.
        const int64_t batches = workload.shape[0], rows = workload.shape[1];
        for (int64_t per_batch : grid.mmtv_dpus_per_batch) {
            const int64_t total = batches * per_batch;
            if (total < BaselineGrid::kMmtvMinDpus || total > BaselineGrid::kMmtvMaxDpus) continue;
            for (int64_t tasklets : grid.mmtv_tasklets) {
                if (2 * per_batch * tasklets > rows) continue;
                for (int64_t block : grid.mmtv_blocks)
                    append_unique(points, seen,
                                  {{"dpus", std::to_string(per_batch)},
                                   {"tasklets", std::to_string(tasklets)},
                                   {"block", std::to_string(block)}});
            }
        }
        return points;
    }
    for (int64_t dpus : grid.dpus)
        for (int64_t tasklets : grid.tasklets)
            for (int64_t block : grid.blocks)
                append_unique(points, seen,
                              {{"dpus", std::to_string(prim_dpus_param(workload, dpus))},
                               {"tasklets", std::to_string(tasklets)},
                               {"block", std::to_string(block)}});
    return points;
}

std::vector<PrimParams> simplepim_points(const workloads::Workload &workload, const BaselineGrid &grid) {
    std::vector<PrimParams> points;
    const std::vector<baselines::NamedScheduleInfo> named = baselines::list_named_schedules(workload);
    if (std::none_of(named.begin(), named.end(),
                     [](const baselines::NamedScheduleInfo &info) { return info.name == "simplepim"; }))
        return points;
    std::set<PrimParams> seen;
    // tasklets and block stay at the schedule's defaults: SimplePIM's 12 tasklets and 256-element blocks.
    for (int64_t dpus : grid.dpus) append_unique(points, seen, {{"dpus", std::to_string(dpus)}});
    return points;
}

std::vector<PrimParams> expert_search_points(const workloads::Workload &workload, const BaselineGrid &grid) {
    std::vector<PrimParams> points;
    std::set<PrimParams> seen;
    for (int64_t dpus : grid.dpus)
        for (int64_t ways : grid.k_ways) {
            const std::optional<PrimParams> dpu_grid = expert_grid(workload, dpus, ways);
            if (!dpu_grid) continue;
            for (int64_t tasklets : grid.tasklets)
                for (int64_t cache : grid.caches) {
                    PrimParams point = *dpu_grid;
                    point["tasklets"] = std::to_string(tasklets);
                    point["cache"] = std::to_string(cache);
                    append_unique(points, seen, std::move(point));
                }
        }
    return points;
}

SweepResult sweep_prim(const workloads::Workload &workload, const target::UpmemMachine &machine,
                       Runner &runner, const std::vector<PrimParams> &points) {
    return sweep_schedule("prim", workload, machine, runner, points);
}

SweepResult sweep_schedule(const std::string &schedule, const workloads::Workload &workload,
                           const target::UpmemMachine &machine, Runner &runner,
                           const std::vector<PrimParams> &points) {
    SweepResult sweep;
    sweep.points = static_cast<int>(points.size());
    std::vector<BuiltPoint> built = build_points(schedule, workload, machine, points, sweep);
    std::vector<schedule::Trace> traces;
    for (const BuiltPoint &b : built) traces.push_back(b.trace);
    std::vector<MeasureResult> results = runner.run(workload, traces);
    ATIM_CHECK(results.size() == traces.size(), "runner {} returned {} results for {} points", runner.name(),
               results.size(), traces.size());

    std::vector<size_t> ok;  // indices into `built`
    for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].ok())
            ok.push_back(i);
        else if (results[i].status == MeasureStatus::Invalid)
            ++sweep.illegal;
        else
            ++sweep.failed;
    }
    std::stable_sort(ok.begin(), ok.end(),
                     [&](size_t a, size_t b) { return results[a].total_ms < results[b].total_ms; });
    for (size_t k = 0; k < std::min(ok.size(), kFullChecks); ++k) {
        MeasureResult full = runner.run_full(workload, built[ok[k]].trace);
        if (!full.ok()) continue;
        sweep.best_params = resolved_params(schedule, workload, machine, points[built[ok[k]].point]);
        if (full.stats.contains("note") && full.stats["note"].is_string())
            sweep.note = full.stats["note"].get<std::string>();
        sweep.best = std::move(full);
        break;
    }
    return sweep;
}

}  // namespace atim::tune
