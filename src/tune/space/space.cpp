// The design space: sketches, sampling a candidate, the VerifyUPMEMCode postprocessor and the structural
// hash.
#include "atim/tune/space.h"

#include <nlohmann/json.hpp>

#include "atim/codegen/dpu_codegen.h"
#include "atim/lower/lower.h"
#include "tune/space/decision_picker.h"
#include "tune/space/sketches.h"

namespace atim::tune {

const char *to_string(SketchFamily family) {
    switch (family) {
        case SketchFamily::ReductionInDpu:
            return "reduction-in-dpu";
        case SketchFamily::ReductionSplit:
            return "reduction-split";
        case SketchFamily::Spatial:
            return "spatial";
        case SketchFamily::PureReduction:
            return "pure-reduction";
    }
    return "?";
}

std::vector<Sketch> generate_sketches(const workloads::Workload &workload,
                                      const target::UpmemMachine &machine, const SpaceOptions &options) {
    std::vector<Sketch> sketches;
    for (SketchFamily family : space::families_of(workload))
        if (options.reduction_split || family != SketchFamily::ReductionSplit)
            sketches.push_back(space::make_sketch(family, workload, machine, options));
    return sketches;
}

std::optional<Candidate> sample_candidate(const std::vector<Sketch> &sketches, int sketch,
                                          const workloads::Workload &workload, uint64_t seed) {
    ATIM_CHECK(sketch >= 0 && sketch < static_cast<int>(sketches.size()), "sketch {} out of {}", sketch,
               sketches.size());
    schedule::Schedule sch(workload.func, seed);
    sch.set_resident_inputs(workload.resident_inputs);
    space::DecisionPicker picker;
    try {
        sketches[sketch].build(sch, picker);
    } catch (const schedule::ScheduleError &) {
        return std::nullopt;  // a draw whose cache or tile choice the schedule rejects: sample again
    }
    return Candidate{sch.trace(), sketch};
}

std::optional<Candidate> rebuild(const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                 const Candidate &candidate, std::mt19937_64 &rng) {
    ATIM_CHECK(candidate.sketch >= 0 && candidate.sketch < static_cast<int>(sketches.size()),
               "sketch {} out of {}", candidate.sketch, sketches.size());
    std::vector<std::vector<int64_t>> decisions;
    for (size_t index : candidate.trace.sampling_indices())
        decisions.push_back(candidate.trace.instructions()[index].decision);
    space::DecisionPicker picker(
        [&](const space::DecisionRequest &request) -> std::optional<std::vector<int64_t>> {
            if (request.ordinal < decisions.size()) return decisions[request.ordinal];
            return std::nullopt;
        },
        space::OnIllegal::Repair);
    schedule::Schedule sch(workload.func, rng());
    sch.set_resident_inputs(workload.resident_inputs);
    try {
        sketches[candidate.sketch].build(sch, picker);
    } catch (const schedule::ScheduleError &) {
        return std::nullopt;
    }
    return Candidate{sch.trace(), candidate.sketch};
}

std::optional<std::string> reject_reason(const Candidate &candidate, const workloads::Workload &workload,
                                         const target::UpmemMachine &machine, const SpaceOptions &options) {
    try {
        schedule::Schedule sch = candidate.trace.replay(workload.func);
        sch.set_resident_inputs(workload.resident_inputs);
        lower::LowerOptions lower_options;
        lower_options.opt_level = options.opt_level;
        lower::PimProgram program = lower::lower(sch, machine, lower_options);
        (void)codegen::compile_dpu_kernel(program, machine);
    } catch (const UserError &e) {  // ScheduleError is a UserError
        return std::string(e.what());
    }
    return std::nullopt;
}

uint64_t structural_hash(const schedule::Trace &trace) {
    // FNV-1a over the canonical JSON (kinds, inputs, attrs, outputs, decisions): stable across runs and
    // platforms, since the text holds no pointers and nlohmann-json sorts object keys.
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char ch : trace.to_json()) {
        hash ^= ch;
        hash *= 1099511628211ull;
    }
    return hash;
}

}  // namespace atim::tune
