// A full measurement in parts (Runner::run_full_part) and their combination: the parts simulate disjoint
// lines of DPUs of one run, so the run's kernel is its slowest part's, and per-DPU counters and verified
// elements add up.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "atim/support/error.h"
#include "atim/tune/runner.h"

namespace atim::tune {

MeasureResult Runner::run_full_part(const workloads::Workload &workload, const schedule::Trace &trace,
                                    int part, int parts) {
    ATIM_CHECK(part == 0 && parts == 1, "runner {} cannot split a full measurement", name());
    return run_full(workload, trace);
}

namespace {

/// The slowest DPU's cycles and index: the one the unsplit run reports is the first of the slowest.
std::pair<int64_t, int64_t> slowest_of(const MeasureResult &part) {
    ATIM_CHECK(part.stats.contains("dpu") && part.stats.contains("slowest_dpu"),
               "a full measurement part without kernel statistics");
    return {part.stats.at("dpu").at("cycles").get<int64_t>(), part.stats.at("slowest_dpu").get<int64_t>()};
}

bool is_empty(const MeasureResult &part) { return part.stats.value("empty_part", false); }

}  // namespace

std::optional<MeasureResult> combine_full_parts(const std::vector<MeasureResult> &parts) {
    ATIM_CHECK(!parts.empty(), "no parts to combine");
    if (parts.size() == 1) return parts.front();
    std::vector<const MeasureResult *> owning;  // parts with DPUs of their own
    for (const MeasureResult &part : parts) {
        if (!part.ok()) return part;
        if (!is_empty(part)) owning.push_back(&part);
    }
    ATIM_CHECK(!owning.empty(), "every part of a full measurement is empty");
    const MeasureResult *slowest = *std::max_element(owning.begin(), owning.end(), [](auto *a, auto *b) {
        const auto [cycles_a, dpu_a] = slowest_of(*a);
        const auto [cycles_b, dpu_b] = slowest_of(*b);
        return cycles_a < cycles_b || (cycles_a == cycles_b && dpu_a > dpu_b);
    });
    MeasureResult combined = *slowest;
    nlohmann::json counters = nlohmann::json::object();
    int64_t verified = 0, mismatches = 0;
    for (const MeasureResult *part : owning) {
        for (const auto &[name, value] : part->stats.at("counters").items())
            counters[name] = counters.value(name, int64_t{0}) + value.get<int64_t>();
        verified += part->stats.at("simulation").at("verified_elements").get<int64_t>();
        mismatches += part->stats.at("mismatches").get<int64_t>();
    }
    if (verified != combined.stats.at("simulation").at("total_elements").get<int64_t>()) return std::nullopt;
    combined.stats["counters"] = counters;
    combined.stats["simulation"]["verified_elements"] = verified;
    combined.stats["mismatches"] = mismatches;
    return combined;
}

}  // namespace atim::tune
