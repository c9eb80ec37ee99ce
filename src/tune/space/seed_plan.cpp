// Seed plans: a sketch built with every decision taken from the plan, each tile computed from the extent its
// loop has after the decisions before it, and checked against the bounds the sketch computes from them.
#include "tune/space/seed_plan.h"

#include <algorithm>
#include <functional>

#include "baselines/schedule_params.h"
#include "tune/space/decision_picker.h"

namespace atim::tune::space {
namespace {

using baselines::ceil_div;

// The index of the largest candidate not above `value` (the smallest candidate when all are above it).
int64_t categorical_index(const std::vector<int64_t> &candidates, int64_t value) {
    int64_t best = -1;
    for (size_t i = 0; i < candidates.size(); ++i)
        if (candidates[i] <= value && (best < 0 || candidates[i] > candidates[best]))
            best = static_cast<int64_t>(i);
    if (best >= 0) return best;
    return std::min_element(candidates.begin(), candidates.end()) - candidates.begin();
}

// The plan as a decision source: each decision from its order among the decisions of its kind.
class PlanSource {
public:
    explicit PlanSource(const SeedPlan &plan) : plan_(plan) {}

    std::optional<std::vector<int64_t>> operator()(const DecisionRequest &r) {
        switch (r.kind) {
            case DecisionKind::DpuSplit:
            case DecisionKind::Tile:
                return plan_.tile(tiles_++, r.extent);
            case DecisionKind::Location:
                if (locations_ < plan_.compute_locations.size())
                    return std::vector<int64_t>{plan_.compute_locations[locations_++]};
                ++locations_;
                return std::nullopt;
            case DecisionKind::Categorical: {
                const size_t k = categoricals_++;
                if (k < plan_.categorical_values.size())
                    return std::vector<int64_t>{categorical_index(r.values, plan_.categorical_values[k])};
                if (std::find(r.values.begin(), r.values.end(), 0) != r.values.end())
                    return std::vector<int64_t>{categorical_index(r.values, 0)};
                return std::nullopt;
            }
        }
        return std::nullopt;
    }

private:
    const SeedPlan &plan_;
    size_t tiles_ = 0, locations_ = 0, categoricals_ = 0;
};

}  // namespace

std::vector<int64_t> dpu_split(int64_t extent, int64_t chunk) {
    chunk = std::clamp<int64_t>(chunk, 1, extent);
    return {ceil_div(extent, chunk), chunk};
}

std::vector<int64_t> tasklet_tile(int64_t extent, int64_t tasklets, int64_t unit) {
    unit = std::clamp<int64_t>(unit, 1, extent);
    const int64_t steps = ceil_div(ceil_div(extent, unit), std::max<int64_t>(tasklets, 1));
    return {ceil_div(extent, steps * unit), steps, 1, unit};
}

std::vector<int64_t> tasklet_tile_at_least(int64_t extent, int64_t tasklets, int64_t unit, int64_t least) {
    std::vector<int64_t> f = tasklet_tile(extent, tasklets, unit);
    if (f[0] >= least) return f;
    unit = std::clamp<int64_t>(unit, 1, extent);
    const int64_t steps = std::max<int64_t>(1, ceil_div(extent, unit) / std::max<int64_t>(least, 1));
    return {ceil_div(extent, steps * unit), steps, 1, unit};
}

int64_t clamp_tasklets(int64_t tasklets, const target::UpmemMachine &machine, int64_t least) {
    return std::clamp<int64_t>(tasklets, least, machine.max_tasklets);
}

std::optional<Candidate> seed_from_plan(const std::vector<Sketch> &sketches, SketchFamily family,
                                        const workloads::Workload &workload, const SeedPlan &plan) {
    auto sketch =
        std::find_if(sketches.begin(), sketches.end(), [&](const Sketch &s) { return s.family == family; });
    if (sketch == sketches.end()) return std::nullopt;
    // Decisions the plan leaves open (categoricals past its list without a 0) are drawn: a few seeds.
    for (uint64_t draw = 0; draw < 8; ++draw) {
        schedule::Schedule sch(workload.func, draw);
        sch.set_resident_inputs(workload.resident_inputs);
        PlanSource source(plan);
        DecisionPicker picker(std::ref(source), OnIllegal::Throw);
        try {
            sketch->build(sch, picker);
            return Candidate{sch.trace(), static_cast<int>(sketch - sketches.begin())};
        } catch (const schedule::ScheduleError &) {
            // a decision of the plan outside the sketch's bounds fails every draw alike
        }
    }
    return std::nullopt;
}

}  // namespace atim::tune::space
