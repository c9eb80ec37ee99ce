// Sketch decisions taken through one place: the bounds of every decision come from the build that takes
// it, so a decision pinned from outside is checked (or repaired) against bounds computed from the decisions
// before it, never against the bounds of some other draw.
#include "tune/space/decision_picker.h"

#include <fmt/format.h>

#include <algorithm>

namespace atim::tune::space {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::string range_text(int64_t low, int64_t high) { return fmt::format("{}..{}", low, high); }

// The legal values of a decision, for `atim schedules` and error messages.
std::string values_text(const DecisionRequest &r) {
    switch (r.kind) {
        case DecisionKind::DpuSplit:
            return range_text(std::max<int64_t>(r.min_outer, 1), std::min(r.max_outer, r.extent));
        case DecisionKind::Tile: {
            std::string factors = "T", product;
            for (int i = 1; i < r.n; ++i) {
                factors += fmt::format(",F{}", i);
                product += fmt::format("{}F{}", i > 1 ? "*" : "", i);
            }
            const std::string outer = range_text(r.min_outer, std::min(r.max_outer, r.extent));
            if (r.perfect)
                return fmt::format("{} with T*{} = {}, T in {}, F{} <= {}", factors, product, r.extent, outer,
                                   r.n - 1, r.max_innermost);
            return fmt::format("{} with T = ceil({} / ({})) in {} (T may be left out), F{} <= {}", factors,
                               r.extent, product, outer, r.n - 1, r.max_innermost);
        }
        case DecisionKind::Categorical:
            return fmt::format("{}", fmt::join(r.values, "|"));
        case DecisionKind::Location:
            return fmt::format("{}", fmt::join(r.labels, "|"));
    }
    return "";
}

}  // namespace

std::vector<int64_t> dpu_split_decision(int64_t extent, int64_t count) {
    const int64_t chunk = ceil_div(extent, std::clamp<int64_t>(count, 1, extent));
    return {ceil_div(extent, chunk), chunk};
}

std::optional<std::vector<int64_t>> clamped_decision(const DecisionRequest &r,
                                                     const std::vector<int64_t> &decision) {
    if (static_cast<int>(decision.size()) != r.n || decision.empty()) return std::nullopt;
    const int64_t low = std::max<int64_t>(r.min_outer, 1), high = std::min(r.max_outer, r.extent);
    if (low > high) return std::nullopt;
    if (r.kind == DecisionKind::DpuSplit) {
        int64_t count = std::clamp(decision[0], low, high);
        if (!r.perfect) return dpu_split_decision(r.extent, count);
        while (count > low && r.extent % count != 0) --count;
        if (r.extent % count != 0) return std::nullopt;
        return std::vector<int64_t>{count, r.extent / count};
    }
    if (r.kind != DecisionKind::Tile || r.perfect) return std::nullopt;
    std::vector<int64_t> f = decision;
    int64_t product = 1;
    for (size_t i = f.size(); i-- > 1;) {
        f[i] = std::clamp<int64_t>(f[i], 1, ceil_div(r.extent, product));
        if (i + 1 == f.size()) f[i] = std::min(f[i], r.max_innermost);
        product *= f[i];
    }
    f[0] = ceil_div(r.extent, product);
    if (f[0] < low || f[0] > high) return std::nullopt;
    return f;
}

DecisionPicker::DecisionPicker(DecisionSource source, OnIllegal on_illegal)
    : source_(std::move(source)), on_illegal_(on_illegal) {}

template <typename Sample>
auto DecisionPicker::take(schedule::Schedule &sch, DecisionRequest request, Sample sample)
    -> decltype(sample()) {
    request.ordinal = requests_.size();
    request.info.values = values_text(request);
    requests_.push_back(request);
    const std::optional<std::vector<int64_t>> wanted = source_ ? source_(requests_.back()) : std::nullopt;
    if (!wanted) return sample();
    sch.pin_next_decision(*wanted);
    try {
        return sample();
    } catch (const schedule::ScheduleError &e) {
        if (on_illegal_ == OnIllegal::Throw)
            throw schedule::ScheduleError(
                fmt::format("decision {}: {} (legal: {})", request.info.name, e.what(), request.info.values));
    }
    // Repair: the nearest decision the new bounds admit, else a fresh draw (which may throw in turn).
    if (std::optional<std::vector<int64_t>> near = clamped_decision(request, *wanted)) {
        sch.pin_next_decision(*near);
        try {
            return sample();
        } catch (const schedule::ScheduleError &) {
        }
    }
    return sample();
}

std::vector<schedule::ExprRV> DecisionPicker::dpu_split(schedule::Schedule &sch, DecisionInfo info,
                                                        const schedule::LoopRV &loop, int64_t min_count,
                                                        int64_t max_count, bool perfect) {
    const int64_t extent = sch.loop_extent(loop);
    max_count = std::max<int64_t>(1, std::min(max_count, extent));
    min_count = std::min(min_count, max_count);
    DecisionRequest r;
    r.kind = DecisionKind::DpuSplit;
    r.info = std::move(info);
    r.extent = extent;
    r.n = 2;
    r.max_innermost = extent;
    r.min_outer = min_count;
    r.max_outer = max_count;
    r.perfect = perfect;
    return take(sch, std::move(r), [&] {
        return perfect ? sch.sample_perfect_tile(loop, 2, extent, min_count, max_count)
                       : sch.sample_tile(loop, 2, extent, min_count, max_count);
    });
}

std::vector<schedule::ExprRV> DecisionPicker::tile(schedule::Schedule &sch, DecisionInfo info,
                                                   const schedule::LoopRV &loop, int n, int64_t max_innermost,
                                                   int64_t min_outer, int64_t max_outer, bool perfect) {
    DecisionRequest r;
    r.kind = DecisionKind::Tile;
    r.info = std::move(info);
    r.extent = sch.loop_extent(loop);
    r.n = n;
    r.max_innermost = max_innermost;
    r.min_outer = min_outer;
    r.max_outer = max_outer;
    r.perfect = perfect;
    return take(sch, std::move(r), [&] {
        return perfect ? sch.sample_perfect_tile(loop, n, max_innermost, min_outer, max_outer)
                       : sch.sample_tile(loop, n, max_innermost, min_outer, max_outer);
    });
}

schedule::ExprRV DecisionPicker::categorical(schedule::Schedule &sch, DecisionInfo info,
                                             const std::vector<int64_t> &values) {
    DecisionRequest r;
    r.kind = DecisionKind::Categorical;
    r.info = std::move(info);
    r.values = values;
    return take(sch, std::move(r),
                [&] { return sch.sample_categorical(values, std::vector<double>(values.size(), 1.0)); });
}

schedule::LoopRV DecisionPicker::location(schedule::Schedule &sch, DecisionInfo info,
                                          const std::vector<schedule::LoopRV> &loops,
                                          const std::vector<std::string> &labels) {
    ATIM_CHECK(loops.size() == labels.size(), "{} loops but {} labels for decision {}", loops.size(),
               labels.size(), info.name);
    DecisionRequest r;
    r.kind = DecisionKind::Location;
    r.info = std::move(info);
    r.labels = labels;
    return take(sch, std::move(r), [&] { return sch.sample_compute_location(loops); });
}

}  // namespace atim::tune::space
