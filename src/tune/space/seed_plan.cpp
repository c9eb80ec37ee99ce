// Seed plans: a sketch's template (any draw gives its instruction list) with every decision replaced in
// trace order, each tile computed from the extent its loop has after the decisions before it.
#include "tune/space/seed_plan.h"

#include <algorithm>

#include "baselines/schedule_params.h"

namespace atim::tune::space {
namespace {

using baselines::ceil_div;
using schedule::Instruction;
using schedule::Trace;

bool is_tile(const Instruction &inst) {
    return inst.kind == "sample_tile" || inst.kind == "sample_perfect_tile";
}

// The extent of the loop a tile instruction splits, on a replay of the instructions before it (trace handles
// are assigned in creation order, so "l12" names LoopRV 12 in that replay too).
int64_t extent_before(const Trace &trace, size_t index, const te::PrimFunc &func) {
    Trace prefix;
    for (size_t i = 0; i < index; ++i) prefix.append(trace.instructions()[i]);
    const Instruction &inst = trace.instructions()[index];
    const schedule::LoopRV loop{std::stoi(inst.inputs.at(0).get<std::string>().substr(1))};
    return prefix.replay(func).loop_extent(loop);
}

// `trace` with the tile decision at `index` replaced, the outer-factor bounds widened to admit it.
Trace with_tile_decision(const Trace &trace, size_t index, const std::vector<int64_t> &decision) {
    Instruction inst = trace.instructions()[index];
    inst.attrs["min_outer"] = std::min(inst.attrs.at("min_outer").get<int64_t>(), decision.front());
    inst.attrs["max_outer"] = std::max(inst.attrs.at("max_outer").get<int64_t>(), decision.front());
    inst.decision = decision;
    return trace.with_instruction(index, std::move(inst));
}

// The index of the largest candidate not above `value` (the smallest candidate when all are above it).
int64_t categorical_index(const std::vector<int64_t> &candidates, int64_t value) {
    int64_t best = -1;
    for (size_t i = 0; i < candidates.size(); ++i)
        if (candidates[i] <= value && (best < 0 || candidates[i] > candidates[best]))
            best = static_cast<int64_t>(i);
    if (best >= 0) return best;
    return std::min_element(candidates.begin(), candidates.end()) - candidates.begin();
}

Trace with_plan(Trace trace, const SeedPlan &plan, const te::PrimFunc &func) {
    size_t tiles = 0, locations = 0, categoricals = 0;
    for (size_t index : trace.sampling_indices()) {
        const Instruction &inst = trace.instructions()[index];
        std::vector<int64_t> decision = inst.decision;
        if (is_tile(inst)) {
            trace = with_tile_decision(trace, index, plan.tile(tiles++, extent_before(trace, index, func)));
            continue;
        }
        if (inst.kind == "sample_compute_location") {
            if (locations < plan.compute_locations.size()) decision = {plan.compute_locations[locations]};
            ++locations;
        } else if (inst.kind == "sample_categorical") {
            const std::vector<int64_t> values = inst.attrs.at("candidates").get<std::vector<int64_t>>();
            if (categoricals < plan.categorical_values.size())
                decision = {categorical_index(values, plan.categorical_values[categoricals])};
            else if (std::find(values.begin(), values.end(), 0) != values.end())
                decision = {categorical_index(values, 0)};
            ++categoricals;
        }
        trace = trace.with_decision(index, decision);
    }
    return trace;
}

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

int64_t clamp_tasklets(int64_t tasklets, const target::UpmemMachine &machine, int64_t least) {
    return std::clamp<int64_t>(tasklets, least, machine.max_tasklets);
}

std::optional<Candidate> seed_from_plan(const std::vector<Sketch> &sketches, SketchFamily family,
                                        const workloads::Workload &workload, const SeedPlan &plan) {
    auto sketch =
        std::find_if(sketches.begin(), sketches.end(), [&](const Sketch &s) { return s.family == family; });
    if (sketch == sketches.end()) return std::nullopt;
    const int index = static_cast<int>(sketch - sketches.begin());
    // Any draw of the sketch gives the instruction list; every decision is then replaced.
    for (uint64_t draw = 0; draw < 8; ++draw) {
        std::optional<Candidate> drawn = sample_candidate(sketches, index, workload, draw);
        if (!drawn) continue;
        try {
            Trace seeded = with_plan(drawn->trace, plan, workload.func);
            (void)seeded.replay(workload.func);  // the bounds the sketch sampled with are checked here
            return Candidate{std::move(seeded), index};
        } catch (const schedule::ScheduleError &) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

}  // namespace atim::tune::space
