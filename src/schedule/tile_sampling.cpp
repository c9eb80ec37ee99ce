// Sampling primitives beyond ATiM's: sample_tile (imperfect tiles: the outer factor covers the extent with a
// ceiling, so any inner factors and any outer count are possible) and sample_compute_location.
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <utility>

#include "atim/schedule/schedule.h"
#include "atim/support/log_uniform.h"
#include "schedule/schedule_internal.h"

namespace atim::schedule {

using namespace detail;

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::string describe(const std::vector<int64_t> &values) {
    return fmt::format("[{}]", fmt::join(values, ", "));
}

struct TileRequest {
    int64_t extent;
    int n;
    int64_t max_innermost, min_outer, max_outer;
};

// Product of factors[1..]; saturates at extent + 1, which is already "more than enough".
int64_t inner_product(const std::vector<int64_t> &factors, int64_t extent) {
    int64_t product = 1;
    for (size_t i = 1; i < factors.size(); ++i) product = std::min(product * factors[i], extent + 1);
    return product;
}

// A valid decision: positive factors no larger than the extent, the outer one the ceiling that covers the
// extent (so no outer iteration is entirely empty), and the bounds met.
bool valid_tile(const std::vector<int64_t> &f, const TileRequest &r) {
    if (static_cast<int>(f.size()) != r.n) return false;
    for (int64_t v : f)
        if (v < 1 || v > r.extent) return false;
    if (f.back() > r.max_innermost) return false;
    if (f.front() != ceil_div(r.extent, inner_product(f, r.extent))) return false;
    return f.front() >= r.min_outer && f.front() <= r.max_outer;
}

// An integer in [1, limit]: a power of two, a divisor of the extent, or any integer (ATiM samples only
// divisors; powers of two give aligned DMA, general integers reach every DPU/tasklet count).
int64_t draw_factor(int64_t limit, const std::vector<int64_t> &divisors, std::mt19937_64 &rng) {
    limit = std::max<int64_t>(limit, 1);
    std::uniform_real_distribution<double> coin(0, 1);
    double r = coin(rng);
    if (r < 0.4) {
        int log2 = 0;
        while ((int64_t{2} << log2) <= limit) ++log2;
        return int64_t{1} << std::uniform_int_distribution<int>(0, log2)(rng);
    }
    if (r < 0.8) {
        auto end = std::upper_bound(divisors.begin(), divisors.end(), limit);
        size_t count = static_cast<size_t>(end - divisors.begin());
        return divisors[std::uniform_int_distribution<size_t>(0, count - 1)(rng)];
    }
    return std::uniform_int_distribution<int64_t>(1, limit)(rng);
}

// Inner factors drawn from the innermost outward, each within what is still left to cover.
std::vector<int64_t> draw_inner_first(const TileRequest &r, const std::vector<int64_t> &divisors,
                                      std::mt19937_64 &rng) {
    std::vector<int64_t> f(r.n, 1);
    int64_t product = 1;
    for (int i = r.n - 1; i >= 1; --i) {
        int64_t limit = ceil_div(r.extent, product);
        if (i == r.n - 1) limit = std::min(limit, r.max_innermost);
        f[i] = draw_factor(limit, divisors, rng);
        product *= f[i];
    }
    f[0] = ceil_div(r.extent, product);
    return f;
}

// The outer count drawn first (log-uniform in its range: any DPU count, each factor of 2 of the range about
// equally likely, so a K split over [2, 256] is as often below 16 ways as above), then the inner factors
// cover the per-outer chunk, the second factor taking the ceiling.
std::vector<int64_t> draw_outer_first(const TileRequest &r, const std::vector<int64_t> &divisors,
                                      std::mt19937_64 &rng) {
    int64_t low = std::max<int64_t>(r.min_outer, 1), high = std::min(r.max_outer, r.extent);
    std::vector<int64_t> f(r.n, 1);
    if (low > high) return f;
    int64_t chunk = ceil_div(r.extent, draw_log_uniform(low, high, rng));
    int64_t product = 1;
    for (int i = r.n - 1; i >= 2; --i) {
        int64_t limit = ceil_div(chunk, product);
        if (i == r.n - 1) limit = std::min(limit, r.max_innermost);
        f[i] = draw_factor(limit, divisors, rng);
        product *= f[i];
    }
    f[1] = ceil_div(chunk, product);
    f[0] = ceil_div(r.extent, inner_product(f, r.extent));
    return f;
}

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

}  // namespace

std::vector<ExprRV> Schedule::sample_tile(const LoopRV &loop, int n, int64_t max_innermost_factor,
                                          int64_t min_outer, int64_t max_outer) {
    const std::optional<std::vector<int64_t>> pinned = std::exchange(pinned_, std::nullopt);
    return sample_tile_impl(loop, n, max_innermost_factor, min_outer, max_outer, pinned ? &*pinned : nullptr);
}

std::vector<ExprRV> Schedule::sample_tile_impl(const LoopRV &loop, int n, int64_t max_innermost_factor,
                                               int64_t min_outer, int64_t max_outer,
                                               const std::vector<int64_t> *decision) {
    const LoopState &l = checked_loop(state_, loop, "sample_tile");
    if (n < 1) schedule_error("sample_tile: n is {}; ask for at least 1 factor", n);
    if (max_innermost_factor < 1)
        schedule_error("sample_tile: max_innermost_factor is {}; it must be at least 1",
                       max_innermost_factor);
    if (min_outer > max_outer)
        schedule_error("sample_tile: min_outer {} exceeds max_outer {}; give a non-empty range", min_outer,
                       max_outer);
    TileRequest request{l.extent, n, max_innermost_factor, min_outer, max_outer};
    std::vector<int64_t> chosen;
    if (decision) {
        if (!valid_tile(*decision, request))
            schedule_error(
                "sample_tile: decision {} is out of range: it must be {} factors in [1, {}] of loop {} with "
                "innermost <= {}, the outer one = ceil({} / product of the others) and in [{}, {}]",
                describe(*decision), n, l.extent, l.name, max_innermost_factor, l.extent, min_outer,
                max_outer);
        chosen = *decision;
    } else {
        const std::vector<int64_t> divisors = divisors_of(l.extent);
        for (int attempt = 0; attempt < 512 && chosen.empty(); ++attempt) {
            std::vector<int64_t> f = n == 1               ? std::vector<int64_t>{l.extent}
                                     : (attempt % 2 == 0) ? draw_outer_first(request, divisors, rng_)
                                                          : draw_inner_first(request, divisors, rng_);
            if (valid_tile(f, request)) chosen = std::move(f);
        }
        if (chosen.empty())
            schedule_error(
                "sample_tile: found no tiling of loop {} (extent {}) into {} factors with innermost <= {} "
                "and "
                "outer in [{}, {}]; widen the bounds",
                l.name, l.extent, n, max_innermost_factor, min_outer, max_outer);
    }
    return record_tile_sample("sample_tile", loop, n, max_innermost_factor, min_outer, max_outer, chosen);
}

LoopRV Schedule::sample_compute_location(const std::vector<LoopRV> &candidates) {
    const std::optional<std::vector<int64_t>> pinned = std::exchange(pinned_, std::nullopt);
    return sample_compute_location_impl(candidates, pinned ? &*pinned : nullptr);
}

LoopRV Schedule::sample_compute_location_impl(const std::vector<LoopRV> &candidates,
                                              const std::vector<int64_t> *decision) {
    if (candidates.empty()) schedule_error("sample_compute_location: give at least one candidate loop");
    nlohmann::json inputs = nlohmann::json::array();
    for (const LoopRV &c : candidates) {
        checked_loop(state_, c, "sample_compute_location");
        inputs.push_back(handle_name(c));
    }
    int64_t index = 0;
    if (decision) {
        if (decision->size() != 1 || (*decision)[0] < 0 ||
            (*decision)[0] >= static_cast<int64_t>(candidates.size()))
            schedule_error(
                "sample_compute_location: decision {} is out of range: it must be one index in [0, {})",
                describe(*decision), candidates.size());
        index = (*decision)[0];
    } else {
        index = std::uniform_int_distribution<int64_t>(0, static_cast<int64_t>(candidates.size()) - 1)(rng_);
    }
    const LoopState &target = checked_loop(state_, candidates[index], "sample_compute_location");
    LoopRV alias{kLoopAliasBase + static_cast<int>(state_.loop_aliases.size())};
    state_.loop_aliases.push_back(target.id);
    record(trace_, "sample_compute_location", inputs, nlohmann::json::object(), {handle_name(alias)},
           {index});
    return alias;
}

}  // namespace atim::schedule
