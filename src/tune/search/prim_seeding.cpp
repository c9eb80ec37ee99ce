#include "prim_seeding.h"

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "atim/baselines/named_schedules.h"
#include "atim/support/error.h"
#include "atim/tune/evaluation.h"
#include "tune/space/prim_seeds.h"
#include "tune/space/rc_tile_seeds.h"

namespace atim::tune::detail {
namespace {

// a[0], b[0], a[1], b[1], ... and then the rest of the longer one.
void append_alternating(std::vector<HashedCandidate> &out, std::vector<HashedCandidate> a,
                        std::vector<HashedCandidate> b) {
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        if (i < a.size()) out.push_back(std::move(a[i]));
        if (i < b.size()) out.push_back(std::move(b[i]));
    }
}

}  // namespace

std::vector<size_t> spread_order(size_t count) {
    std::vector<size_t> order;
    if (count == 0) return order;
    size_t stride = std::max<size_t>(1, static_cast<size_t>(static_cast<double>(count) * 0.618));
    while (std::gcd(stride, count) != 1) ++stride;
    for (size_t k = 0; k < count; ++k) order.push_back(k * stride % count);
    return order;
}

PrimSeeds prim_search_seeds(SearchContext &context) {
    const BaselineGrid grid;
    // The named `prim` schedule's own default point first: the baseline every run is compared with is then
    // always measured (its DPU count may lie outside PrIM+Search's 256..2048 grid on small shapes).
    std::vector<PrimParams> points = {PrimParams{}};
    const std::vector<PrimParams> grid_points = prim_points(context.workload, grid);
    points.insert(points.end(), grid_points.begin(), grid_points.end());
    const size_t prim_count = points.size();
    const std::vector<PrimParams> search_points = prim_search_points(context.workload, grid);
    points.insert(points.end(), search_points.begin(), search_points.end());
    std::vector<HashedCandidate> seeds;
    std::vector<bool> is_prim_point;
    std::unordered_set<uint64_t> seen;
    for (size_t i = 0; i < points.size(); ++i) {
        const PrimParams &point = points[i];
        std::map<std::string, int64_t> params;
        try {
            params =
                baselines::resolve_named_schedule_params("prim", context.workload, point, context.machine);
        } catch (const UserError &) {
            continue;  // more DPUs or tasklets than the machine has, or a block WRAM cannot hold
        }
        std::optional<Candidate> seed =
            space::prim_seed(context.sketches, context.workload, context.machine, params);
        if (!seed) continue;
        HashedCandidate candidate = hashed(std::move(*seed));
        if (!seen.insert(candidate.hash).second) continue;
        seeds.push_back(std::move(candidate));
        is_prim_point.push_back(i < prim_count);
    }
    const std::vector<space::RcTilePoint> rc_points =
        space::rc_tile_points(context.workload, context.machine, context.options.space.unroll_steps);
    std::vector<HashedCandidate> rc_seeds;
    for (const space::RcTilePoint &point : rc_points) {
        std::optional<Candidate> seed =
            space::rc_tile_seed(context.sketches, context.workload, context.machine, point);
        if (!seed) continue;
        HashedCandidate candidate = hashed(std::move(*seed));
        if (seen.insert(candidate.hash).second) rc_seeds.push_back(std::move(candidate));
    }
    context.evaluate(seeds);
    context.evaluate(rc_seeds);
    std::vector<HashedCandidate> own, grid_rest, rc_lowering;
    for (size_t i = 0; i < seeds.size(); ++i) {
        if (!context.info(seeds[i].hash).lowers) continue;
        (is_prim_point[i] ? own : grid_rest).push_back(std::move(seeds[i]));
    }
    for (HashedCandidate &seed : rc_seeds)
        if (context.info(seed.hash).lowers) rc_lowering.push_back(std::move(seed));
    std::vector<HashedCandidate> spread;
    for (size_t i : spread_order(grid_rest.size())) spread.push_back(std::move(grid_rest[i]));
    // The rc-tile points paired with PrIM's own points first, the rest with the spread grid.
    const size_t first_rc = std::min(own.size(), rc_lowering.size());
    PrimSeeds result;
    result.prim_points = own.size();
    append_alternating(result.candidates, std::move(own),
                       {rc_lowering.begin(), rc_lowering.begin() + static_cast<std::ptrdiff_t>(first_rc)});
    append_alternating(result.candidates, std::move(spread),
                       {rc_lowering.begin() + static_cast<std::ptrdiff_t>(first_rc), rc_lowering.end()});
    return result;
}

}  // namespace atim::tune::detail
