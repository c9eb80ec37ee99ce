// Sampling primitives: sample_perfect_tile (uniform over the perfect factorizations that meet the bounds, as
// TVM's SamplePerfectTile / ATiM's SamplePerfectTile2, atim-method.md §6.2(d)) and sample_categorical.
#include <fmt/format.h>

#include <numeric>
#include <random>
#include <utility>

#include "atim/schedule/schedule.h"
#include "schedule/schedule_internal.h"

namespace atim::schedule {

using namespace detail;

namespace {

struct TileBounds {
    int64_t max_innermost, min_outer, max_outer;
};

bool meets(const std::vector<int64_t> &factors, const TileBounds &bounds) {
    return factors.back() <= bounds.max_innermost && factors.front() >= bounds.min_outer &&
           factors.front() <= bounds.max_outer;
}

// Every ordered factorization of `remaining` into `slots` more factors, appended to `prefix`. Enumerating
// (rather than rejection sampling) makes the draw exactly uniform and detects an empty space.
void enumerate_factorizations(int64_t remaining, int slots, const std::vector<int64_t> &divisors,
                              std::vector<int64_t> &prefix, const TileBounds &bounds,
                              std::vector<std::vector<int64_t>> &out) {
    if (slots == 1) {
        prefix.push_back(remaining);
        if (meets(prefix, bounds)) out.push_back(prefix);
        prefix.pop_back();
        return;
    }
    for (int64_t f : divisors) {
        if (f > remaining) break;
        if (remaining % f != 0) continue;
        if (prefix.empty() && (f < bounds.min_outer || f > bounds.max_outer)) continue;
        prefix.push_back(f);
        enumerate_factorizations(remaining / f, slots - 1, divisors, prefix, bounds, out);
        prefix.pop_back();
    }
}

// Divisors of n in increasing order.
std::vector<int64_t> divisors_of(int64_t n) {
    std::vector<int64_t> small, large;
    for (int64_t d = 1; d * d <= n; ++d) {
        if (n % d != 0) continue;
        small.push_back(d);
        if (d != n / d) large.push_back(n / d);
    }
    small.insert(small.end(), large.rbegin(), large.rend());
    return small;
}

std::string describe(const std::vector<int64_t> &values) {
    return fmt::format("[{}]", fmt::join(values, ", "));
}

}  // namespace

std::vector<ExprRV> Schedule::sample_perfect_tile(const LoopRV &loop, int n, int64_t max_innermost_factor,
                                                  int64_t min_outer, int64_t max_outer) {
    const std::optional<std::vector<int64_t>> pinned = std::exchange(pinned_, std::nullopt);
    return sample_perfect_tile_impl(loop, n, max_innermost_factor, min_outer, max_outer,
                                    pinned ? &*pinned : nullptr);
}

std::vector<ExprRV> Schedule::sample_perfect_tile_impl(const LoopRV &loop, int n,
                                                       int64_t max_innermost_factor, int64_t min_outer,
                                                       int64_t max_outer,
                                                       const std::vector<int64_t> *decision) {
    const LoopState &l = checked_loop(state_, loop, "sample_perfect_tile");
    if (n < 1) schedule_error("sample_perfect_tile: n is {}; ask for at least 1 factor", n);
    if (max_innermost_factor < 1)
        schedule_error("sample_perfect_tile: max_innermost_factor is {}; it must be at least 1",
                       max_innermost_factor);
    if (min_outer > max_outer)
        schedule_error("sample_perfect_tile: min_outer {} exceeds max_outer {}; give a non-empty range",
                       min_outer, max_outer);
    TileBounds bounds{max_innermost_factor, min_outer, max_outer};
    std::vector<int64_t> chosen;
    if (decision) {
        int64_t product = 1;
        for (int64_t f : *decision) product *= f > 0 ? f : 0;
        if (static_cast<int>(decision->size()) != n || product != l.extent || !meets(*decision, bounds))
            schedule_error(
                "sample_perfect_tile: decision {} is out of range: it must be {} positive factors of extent "
                "{} "
                "of loop {} with innermost <= {} and outermost in [{}, {}]",
                describe(*decision), n, l.extent, l.name, max_innermost_factor, min_outer, max_outer);
        chosen = *decision;
    } else {
        std::vector<std::vector<int64_t>> candidates;
        std::vector<int64_t> prefix;
        enumerate_factorizations(l.extent, n, divisors_of(l.extent), prefix, bounds, candidates);
        if (candidates.empty())
            schedule_error(
                "sample_perfect_tile: extent {} of loop {} has no factorization into {} factors with "
                "innermost "
                "<= {} and outermost in [{}, {}]; widen the bounds",
                l.extent, l.name, n, max_innermost_factor, min_outer, max_outer);
        std::uniform_int_distribution<size_t> pick(0, candidates.size() - 1);
        chosen = candidates[pick(rng_)];
    }
    return record_tile_sample("sample_perfect_tile", loop, n, max_innermost_factor, min_outer, max_outer,
                              chosen);
}

std::vector<ExprRV> Schedule::record_tile_sample(const char *kind, const LoopRV &loop, int n,
                                                 int64_t max_innermost_factor, int64_t min_outer,
                                                 int64_t max_outer, const std::vector<int64_t> &chosen) {
    std::vector<ExprRV> result;
    std::vector<std::string> outputs;
    for (int64_t f : chosen) {
        result.push_back(ExprRV{static_cast<int>(state_.values.size())});
        state_.values.push_back(f);
        outputs.push_back(handle_name(result.back()));
    }
    record(trace_, kind, nlohmann::json::array({handle_name(loop)}),
           nlohmann::json{{"n", n},
                          {"max_innermost_factor", max_innermost_factor},
                          {"min_outer", min_outer},
                          {"max_outer", max_outer}},
           outputs, chosen);
    return result;
}

ExprRV Schedule::sample_categorical(const std::vector<int64_t> &candidates,
                                    const std::vector<double> &probabilities) {
    const std::optional<std::vector<int64_t>> pinned = std::exchange(pinned_, std::nullopt);
    return sample_categorical_impl(candidates, probabilities, pinned ? &*pinned : nullptr);
}

ExprRV Schedule::sample_categorical_impl(const std::vector<int64_t> &candidates,
                                         const std::vector<double> &probabilities,
                                         const std::vector<int64_t> *decision) {
    if (candidates.empty()) schedule_error("sample_categorical: give at least one candidate");
    if (candidates.size() != probabilities.size())
        schedule_error(
            "sample_categorical: {} candidates but {} probabilities; give one probability per candidate",
            candidates.size(), probabilities.size());
    double total = 0;
    for (double p : probabilities) {
        if (!(p >= 0)) schedule_error("sample_categorical: probability {} is negative; use weights >= 0", p);
        total += p;
    }
    if (!(total > 0))
        schedule_error("sample_categorical: the probabilities sum to 0; give some candidate a weight");
    int64_t index = 0;
    if (decision) {
        if (decision->size() != 1 || (*decision)[0] < 0 ||
            (*decision)[0] >= static_cast<int64_t>(candidates.size()))
            schedule_error("sample_categorical: decision {} is out of range: it must be one index in [0, {})",
                           describe(*decision), candidates.size());
        index = (*decision)[0];
    } else {
        std::discrete_distribution<int64_t> pick(probabilities.begin(), probabilities.end());
        index = pick(rng_);
    }
    ExprRV rv{static_cast<int>(state_.values.size())};
    state_.values.push_back(candidates[index]);
    record(trace_, "sample_categorical", nlohmann::json::array(),
           nlohmann::json{{"candidates", candidates}, {"probabilities", probabilities}}, {handle_name(rv)},
           {index});
    return rv;
}

}  // namespace atim::schedule
