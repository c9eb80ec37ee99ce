// Sketch decisions by name: `--schedule sketch --param NAME=VALUE` builds any decision vector of any sketch,
// and a tuner candidate prints as the parameters that rebuild it. Values are what a user reads in ATiM's
// tables: a DPU count per axis, tile factors outer to inner, a cache level by its loop ("k0"), the unroll
// step and host threads themselves (not their index).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "atim/support/error.h"
#include "atim/tune/space.h"
#include "tune/space/decision_picker.h"

namespace atim::tune {
namespace {

using space::DecisionKind;
using space::DecisionPicker;
using space::DecisionRequest;

/// Builds that fail on a drawn decision (a cache level the schedule refuses) are tried with other seeds.
constexpr uint64_t kBuildAttempts = 16;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t parse_int(const std::string &name, const std::string &text) {
    int64_t value = 0;
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty())
        user_error("--param {}={}: '{}' is not an integer", name, text, text);
    return value;
}

std::vector<int64_t> parse_factors(const std::string &name, const std::string &text) {
    std::vector<int64_t> factors;
    size_t begin = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] != ',' && text[i] != 'x') continue;
        factors.push_back(parse_int(name, text.substr(begin, i - begin)));
        begin = i + 1;
    }
    return factors;
}

std::string given(const DecisionRequest &r, const std::string &text) {
    return fmt::format("--param {}={}", r.info.name, text);
}

// A named value in the trace's encoding, checked against the bounds this build computed for it.
std::vector<int64_t> decision_from_text(const DecisionRequest &r, const std::string &text) {
    switch (r.kind) {
        case DecisionKind::DpuSplit: {
            const int64_t count = parse_int(r.info.name, text);
            const int64_t low = std::max<int64_t>(r.min_outer, 1), high = std::min(r.max_outer, r.extent);
            if (count < low || count > high)
                user_error("{} is out of range: legal {}", given(r, text), r.info.values);
            if (r.perfect) {
                if (r.extent % count != 0)
                    user_error("{}: {} does not divide the extent {}; this space takes perfect splits only",
                               given(r, text), count, r.extent);
                return {count, r.extent / count};
            }
            std::vector<int64_t> decision = space::dpu_split_decision(r.extent, count);
            if (decision[0] != count)
                user_error("{}: {} iterations in chunks of {} fill only {} DPUs; use {}", given(r, text),
                           r.extent, decision[1], decision[0], decision[0]);
            return decision;
        }
        case DecisionKind::Tile: {
            std::vector<int64_t> factors = parse_factors(r.info.name, text);
            for (int64_t f : factors)
                if (f < 1) user_error("{}: factors must be positive", given(r, text));
            if (static_cast<int>(factors.size()) == r.n - 1) {  // the outer factor inferred
                int64_t product = 1;
                for (int64_t f : factors) product = std::min(product * f, r.extent + 1);
                factors.insert(factors.begin(), ceil_div(r.extent, product));
            }
            if (static_cast<int>(factors.size()) != r.n)
                user_error("{}: give {} factors (or the {} inner ones); legal {}", given(r, text), r.n,
                           r.n - 1, r.info.values);
            return factors;
        }
        case DecisionKind::Categorical: {
            const int64_t value = parse_int(r.info.name, text);
            auto found = std::find(r.values.begin(), r.values.end(), value);
            if (found == r.values.end())
                user_error("{} is not a legal value; use one of {}", given(r, text), r.info.values);
            return {found - r.values.begin()};
        }
        case DecisionKind::Location: {
            auto found = std::find(r.labels.begin(), r.labels.end(), text);
            if (found == r.labels.end())
                user_error("{} is not a legal level; use one of {}", given(r, text), r.info.values);
            return {found - r.labels.begin()};
        }
    }
    return {};
}

// A decision of the trace's encoding as its command-line value.
std::string text_of_decision(const DecisionRequest &r, const std::vector<int64_t> &decision) {
    switch (r.kind) {
        case DecisionKind::DpuSplit:
            return fmt::format("{}", decision.at(0));
        case DecisionKind::Tile:
            return fmt::format("{}", fmt::join(decision, ","));
        case DecisionKind::Categorical:
            if (decision.size() == 1 && decision[0] >= 0 &&
                decision[0] < static_cast<int64_t>(r.values.size()))
                return fmt::format("{}", r.values[static_cast<size_t>(decision[0])]);
            break;
        case DecisionKind::Location:
            if (decision.size() == 1 && decision[0] >= 0 &&
                decision[0] < static_cast<int64_t>(r.labels.size()))
                return r.labels[static_cast<size_t>(decision[0])];
            break;
    }
    return "?";  // out of range: the picker refuses the decision right after
}

std::string family_names(const std::vector<Sketch> &sketches) {
    std::vector<std::string> names;
    for (const Sketch &s : sketches) names.push_back(to_string(s.family));
    return fmt::format("{}", fmt::join(names, "|"));
}

int sketch_index(const std::vector<Sketch> &sketches, const std::map<std::string, std::string> &params) {
    auto chosen = params.find(kSketchParam);
    if (chosen == params.end()) return 0;
    for (size_t i = 0; i < sketches.size(); ++i)
        if (chosen->second == to_string(sketches[i].family)) return static_cast<int>(i);
    user_error("--param sketch={} is not a sketch of this workload; use one of {}", chosen->second,
               family_names(sketches));
}

std::vector<std::string> decision_names(const std::vector<DecisionRequest> &requests) {
    std::vector<std::string> names;
    for (const DecisionRequest &r : requests) names.push_back(r.info.name);
    return names;
}

}  // namespace

std::string sketch_param_arguments(const std::vector<std::pair<std::string, std::string>> &params) {
    std::string text = fmt::format("--schedule {}", kSketchSchedule);
    for (const auto &[name, value] : params) text += fmt::format(" --param {}={}", name, value);
    return text;
}

std::vector<DecisionInfo> sketch_decisions(const Sketch &sketch, const workloads::Workload &workload) {
    // Every DPU split at its fewest DPUs, so the budgets of the later splits are as large as they get.
    const space::DecisionSource fewest_dpus =
        [](const DecisionRequest &r) -> std::optional<std::vector<int64_t>> {
        if (r.kind != DecisionKind::DpuSplit) return std::nullopt;
        return space::dpu_split_decision(r.extent, std::max<int64_t>(r.min_outer, 1));
    };
    std::vector<DecisionRequest> longest;
    for (uint64_t seed = 1; seed <= kBuildAttempts; ++seed) {
        schedule::Schedule sch(workload.func, seed);
        DecisionPicker picker(fewest_dpus, space::OnIllegal::Repair);
        try {
            sketch.build(sch, picker);
            longest = picker.requests();
            break;
        } catch (const schedule::ScheduleError &) {
            if (picker.requests().size() > longest.size()) longest = picker.requests();
        }
    }
    std::vector<DecisionInfo> infos;
    for (const DecisionRequest &r : longest) infos.push_back(r.info);
    return infos;
}

Candidate candidate_from_params(const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                const std::map<std::string, std::string> &params, uint64_t seed) {
    const int index = sketch_index(sketches, params);
    std::set<std::string> used;
    const space::DecisionSource named = [&](const DecisionRequest &r) -> std::optional<std::vector<int64_t>> {
        auto value = params.find(r.info.name);
        if (value == params.end()) return std::nullopt;
        used.insert(r.info.name);
        return decision_from_text(r, value->second);
    };
    std::vector<std::string> names;
    for (uint64_t attempt = 0;; ++attempt) {
        schedule::Schedule sch(workload.func, seed + attempt);
        sch.set_resident_inputs(workload.resident_inputs);
        DecisionPicker picker(named, space::OnIllegal::Throw);
        used.clear();
        try {
            sketches[index].build(sch, picker);
        } catch (const schedule::ScheduleError &) {
            // A refused drawn decision may pass with another draw; a refused given one fails every time.
            if (attempt + 1 >= kBuildAttempts) throw;
            continue;
        }
        names = decision_names(picker.requests());
        for (const auto &[name, value] : params)
            if (name != kSketchParam && !used.contains(name))
                user_error(
                    "--param {}: sketch {} has no such decision; its decisions are {} (see `atim schedules "
                    "{}`)",
                    name, to_string(sketches[index].family), fmt::join(names, ", "), workload.name);
        return Candidate{sch.trace(), index};
    }
}

std::vector<std::pair<std::string, std::string>> candidate_params(const std::vector<Sketch> &sketches,
                                                                  const workloads::Workload &workload,
                                                                  const Candidate &candidate) {
    ATIM_CHECK(candidate.sketch >= 0 && candidate.sketch < static_cast<int>(sketches.size()),
               "sketch {} out of {}", candidate.sketch, sketches.size());
    std::vector<std::vector<int64_t>> decisions;
    for (size_t i : candidate.trace.sampling_indices())
        decisions.push_back(candidate.trace.instructions()[i].decision);
    std::vector<std::pair<std::string, std::string>> params = {
        {kSketchParam, to_string(sketches[candidate.sketch].family)}};
    const space::DecisionSource recorded =
        [&](const DecisionRequest &r) -> std::optional<std::vector<int64_t>> {
        if (r.ordinal >= decisions.size())
            user_error(
                "the trace has {} decisions but sketch {} takes more; it is not a candidate of this sketch",
                decisions.size(), sketches[candidate.sketch].name);
        params.emplace_back(r.info.name, text_of_decision(r, decisions[r.ordinal]));
        return decisions[r.ordinal];
    };
    schedule::Schedule sch(workload.func);
    DecisionPicker picker(recorded, space::OnIllegal::Throw);
    sketches[candidate.sketch].build(sch, picker);
    return params;
}

}  // namespace atim::tune
